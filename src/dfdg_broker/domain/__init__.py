"""Pure domain rules: no I/O, no FastAPI. Each function cites the DOMAIN.md rule it implements."""
