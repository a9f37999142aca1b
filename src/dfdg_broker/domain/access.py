"""C2: who may see a case."""

from __future__ import annotations


def may_access(municipality: str, *, receiving_municipality: str, jobcenter_municipality: str) -> bool:
    """C2: the receiving and the jobcenter municipality may access the case, and no other. To any other caller the
    case does not exist."""
    return municipality in (receiving_municipality, jobcenter_municipality)
