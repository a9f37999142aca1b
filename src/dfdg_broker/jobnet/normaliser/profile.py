"""What goes into (or is read from) the professional profile: qualifications outside the classification (N9),
driving licences that are not Danish categories and licence details (N10), and the IGU suggestion (N13)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from dfdg_broker.jobnet.classification import fold
from dfdg_broker.jobnet.cv import Qualification
from dfdg_broker.jobnet.findings import FindingCode, Suggestion
from dfdg_broker.jobnet.igu import IGU_PROFILE_TEXT, IGU_SHORT_TEXT, assess_igu
from dfdg_broker.jobnet.normaliser.collector import Run

_LICENCE_WITH_NOTE = re.compile(r"^(?P<category>[^()]+?)\s*\((?P<note>[^()]*)\)$")
_LICENCE_SEPARATORS = re.compile(r"[\s+/\-]")
_LICENCE_ALIASES = {"TRMR": "TR", "MR": "TR"}


def licence_category(raw: str, allowed: frozenset[str]) -> tuple[str | None, str | None]:
    """N10: (the Danish category, a parenthesised note) for 'C+E', 'c/e', 'B (Irak)', 'TR/MR'; (None, None) when
    the value names no Danish category ('Lastbil', 'Internationalt kørekort': never guessed)."""
    found = _LICENCE_WITH_NOTE.match(raw)
    head, note = (found["category"], found["note"].strip() or None) if found else (raw, None)
    key = _LICENCE_SEPARATORS.sub("", head.upper())
    key = _LICENCE_ALIASES.get(key, key)
    return (key, note) if key in allowed else (None, None)


def qualifications(run: Run, items: Iterable[Qualification]) -> list[dict[str, Any]]:
    """N9: classified qualifications stay; the rest is written into the professional profile."""
    known = run.classification.qualifications
    kept: list[dict[str, Any]] = []
    for item in items:
        name = run.text(item.name, "$.qualifications")
        code = run.text(item.code, "$.qualifications")
        classified = known.get(code) if code else None
        if classified is not None:
            if name is not None and name != classified:
                run.report(
                    FindingCode.N9_NAME_FROM_CLASSIFICATION,
                    f"$.qualifications[{len(kept)}].name",
                    original=name,
                    classified=classified,
                )
            kept.append({"name": classified, "code": code})
        elif name is not None:
            run.profile_additions.append(f"Kvalifikation: {name}")
            run.report(FindingCode.N9_MOVED_TO_PROFILE, "$.professional_profile", original=name, name=name)
        elif code is not None:
            run.report(FindingCode.N9_UNKNOWN_CODE_REMOVED, "$.qualifications", original=code, code=code)
    return kept


def driving_licences(run: Run, licences: Iterable[tuple[str | None, str | None]]) -> list[str]:
    """N10: Danish categories only; details and anything else go into the professional profile."""
    allowed = run.classification.driving_licence_categories
    categories: list[str] = []
    for raw_category, raw_details in licences:
        category = run.text(raw_category, "$.driving_licences")
        details = run.text(raw_details, "$.driving_licences")
        canonical, note = licence_category(category, allowed) if category else (None, None)
        if canonical is None:
            if category is None and details is None:
                continue
            line = " – ".join(part for part in (category, details) if part)
            _to_profile(run, f"Kørekort: {line}", line, FindingCode.N10_MOVED_TO_PROFILE)
            continue
        if category != canonical and note is None:
            run.report(
                FindingCode.N10_CATEGORY_NORMALISED,
                "$.driving_licences",
                original=category,
                category=category,
                canonical=canonical,
            )
        extra = "; ".join(part for part in (note, details) if part)
        if extra:
            _to_profile(run, f"Kørekort {canonical}: {extra}", extra, FindingCode.N10_DETAILS_MOVED)
        if canonical not in categories:
            categories.append(canonical)
    return categories


def _to_profile(run: Run, line: str, original: str, code: FindingCode) -> None:
    run.profile_additions.append(line)
    run.report(code, "$.professional_profile", original=original, line=line)


IGU_WORD = re.compile(r"\bigu\b")
"""N13 (revised): 'kandidat til IGU' — or simply 'IGU' — in the profile already says it."""


def igu(run: Run, profile: str | None) -> None:
    """N13: suggest IGU where the citizen appears to meet its conditions and the profile does not say so yet
    (neither 'Kandidat til IGU' nor the word 'IGU' alone, which employers search for as well)."""
    person = run.context.person
    if person is None or IGU_WORD.search(fold(profile or "")):
        return
    assessment = assess_igu(person, run.context.today)
    if not assessment.candidate:
        return
    run.report(
        FindingCode.N13_IGU_CANDIDATE,
        "$.professional_profile",
        suggestions=(Suggestion(IGU_PROFILE_TEXT), Suggestion(IGU_SHORT_TEXT)),
        igu_text=IGU_PROFILE_TEXT,
        checked_da="; ".join(c.da for c in assessment.met),
        checked_en="; ".join(c.en for c in assessment.met),
        unchecked_da="; ".join(c.da for c in assessment.unchecked) or "intet",
        unchecked_en="; ".join(c.en for c in assessment.unchecked) or "none",
    )
