"""Domain rule violations. They carry the rule ID and the field; the HTTP layer maps them to problem details."""

from __future__ import annotations

from typing import Any


class RuleViolation(ValueError):
    """An input that breaks a domain rule. ``code`` is stable; ``rule`` is the DOMAIN.md ID."""

    def __init__(self, rule: str, code: str, message: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.rule = rule
        self.code = code
        self.message = message
        self.field = field
        self.extra = extra
