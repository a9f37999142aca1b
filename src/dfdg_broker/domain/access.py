"""C2: who may create a case, and who may see it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


def may_access(municipality: str, *, receiving_municipality: str, jobcenter_municipality: str) -> bool:
    """C2: the receiving and the jobcenter municipality may access the case, and no other. To any other caller the
    case does not exist."""
    return municipality in (receiving_municipality, jobcenter_municipality)


@dataclass(frozen=True, slots=True)
class BindingCooperations:
    """C2: the binding cooperations (forpligtende samarbejder) the broker knows, as (receiving, jobcenter) pairs.

    **Reading (revised C2):** a pair is directed: the jobcenter municipality carries out the employment tasks *for*
    the receiving municipality (Aarhus for Samsø), never the other way round.
    """

    pairs: frozenset[tuple[str, str]] = frozenset()

    @classmethod
    def of(cls, pairs: Iterable[tuple[str, str]]) -> BindingCooperations:
        return cls(frozenset(pairs))

    def __contains__(self, pair: object) -> bool:
        return pair in self.pairs


class CreateRight(StrEnum):
    """The answer to "may this municipality create this case?" (C2, revised)."""

    ALLOWED = "allowed"
    STRANGER = "stranger"
    """Neither the receiving municipality nor its known cooperation partner: refused with one answer, whatever is
    stored or known about the citizen (no oracle)."""
    COOPERATION_UNKNOWN = "cooperation_unknown"
    """The receiving municipality itself named a jobcenter municipality it has no known binding cooperation with."""


def create_right(
    caller: str, *, receiving_municipality: str, jobcenter_municipality: str, cooperations: BindingCooperations
) -> CreateRight:
    """C2 (revised): only the receiving municipality, or a jobcenter municipality in a binding cooperation with it
    that the broker knows, may create the case; a create naming any other jobcenter municipality is refused.

    Decided from the request and the configured pairs alone, before anything is looked up, so that the answer to a
    stranger cannot depend on whether a case exists or the person is known.
    """
    receiving, jobcenter = receiving_municipality, jobcenter_municipality
    if receiving == jobcenter:
        return CreateRight.ALLOWED if caller == receiving else CreateRight.STRANGER
    if (receiving, jobcenter) in cooperations:
        return CreateRight.ALLOWED if caller in (receiving, jobcenter) else CreateRight.STRANGER
    return CreateRight.COOPERATION_UNKNOWN if caller == receiving else CreateRight.STRANGER
