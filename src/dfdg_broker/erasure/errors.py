"""The problems the erasure feature can answer with."""

from __future__ import annotations

from dfdg_broker.errors import ProblemError


class ErasureNotAllowed(ProblemError):
    """C2: the jobcenter municipality of a binding cooperation sees the case, but the erasure is the receiving
    municipality's decision. Not an oracle: only a municipality that may read the case gets this answer."""

    status = 403
    code = "erasure_by_receiving_municipality_only"
    rule = "C2"
    title = "Only the receiving municipality may erase the case"
