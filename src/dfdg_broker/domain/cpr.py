"""CPR numbers (cpr-nummer): format, birth date, age, masking.

python-stdnum's ``dk.cpr`` knows the format and the century encoding. We deliberately do **not** check modulus 11:
numbers failing it have been issued since 2007, often with 1 January birth dates, which is common among refugees.
stdnum's ``validate`` compares against the real today; we compare against the clock's today instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from stdnum.dk import cpr as stdnum_cpr
from stdnum.exceptions import ValidationError

from dfdg_broker.domain.errors import RuleViolation


@dataclass(frozen=True, slots=True)
class Cpr:
    """A syntactically valid CPR number. ``repr`` never shows it in full, so it cannot leak into a log by accident."""

    value: str
    birth_date: date

    def __repr__(self) -> str:
        return f"Cpr({self.masked})"

    __str__ = __repr__

    @property
    def masked(self) -> str:
        return mask(self.value)

    def age_on(self, today: date) -> int:
        return age_on(self.birth_date, today)


def parse(raw: str, *, today: date, field: str = "cpr") -> Cpr:
    """Parse a CPR number ("DDMMYYSSSS", with or without a dash or spaces). The message never echoes the input."""
    number = stdnum_cpr.compact(raw or "")
    # isdigit() alone admits non-ASCII digits such as Arabic-Indic ones, which stdnum would happily parse.
    if len(number) != 10 or not (number.isascii() and number.isdigit()):
        raise RuleViolation("C2", "cpr_invalid_format", "A CPR number has 10 digits (DDMMYY-SSSS).", field=field)
    try:
        birth = stdnum_cpr.get_birth_date(number)
    except ValidationError:
        raise RuleViolation(
            "C2", "cpr_invalid_birth_date", "The CPR number does not encode a valid birth date.", field=field
        ) from None
    if birth > today:
        raise RuleViolation(
            "C2", "cpr_birth_date_in_future", "The CPR number's birth date is in the future.", field=field
        )
    return Cpr(number, birth)


def mask(number: str) -> str:
    """Show the birth-date part only: ``DDMMYY-****``. The sequence digits never leave the service."""
    digits = stdnum_cpr.compact(number)
    return f"{digits[:6]}-****" if len(digits) == 10 else "******-****"


def age_on(birth_date: date, today: date) -> int:
    """Completed years on ``today``. A 29 February birthday falls on 1 March in common years (Reading, see M1)."""
    years = today.year - birth_date.year
    if (today.month, today.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years
