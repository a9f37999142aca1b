"""The problems the follow-up feature can answer with; each maps to one RFC 9457 code."""

from __future__ import annotations

from dfdg_broker.errors import ProblemError


class UnknownPolicy(ProblemError):
    status = 422
    code = "unknown_follow_up_policy"
    rule = "F2"
    title = "No follow-up policy with that name is configured"


class PolicyHasNoWorkload(ProblemError):
    status = 422
    code = "policy_has_no_workload"
    rule = "F7"
    title = "The policy gives no full-time persons and norm minutes to estimate a workload from"
