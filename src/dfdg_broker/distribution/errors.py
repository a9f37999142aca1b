"""The problems the distribution feature can answer with."""

from __future__ import annotations

from dfdg_broker.errors import ProblemError


class PackageEmpty(ProblemError):
    status = 409
    code = "distribution_package_empty"
    rule = "P2"
    title = "This unit has nothing to receive for this case"
