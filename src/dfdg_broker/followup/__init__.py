"""Follow-up conversation plans and the workload estimate (F1-F7): policies, service and HTTP routes."""
