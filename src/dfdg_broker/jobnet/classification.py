"""The classifications a Jobnet CV is checked against: occupations (N4, N5), qualifications (N9), education levels
(N6) and driving-licence categories (N10). Data files and their sources: ``jobnet/data/SOURCES.txt``.

Everything is indexed once at load time (exact titles, folded titles, the fuzzy matcher's choices), so that
normalising a CV only does dictionary look-ups, plus one fuzzy search per free-text title, cached.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

from rapidfuzz import fuzz, process

from dfdg_broker.jobnet.findings import Suggestion

_DANISH_LETTERS = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa"})
FUZZY_SCORE_CUTOFF = 55.0
FUZZY_LIMIT = 5


@lru_cache(maxsize=16384)
def fold(text: str) -> str:
    """Case- and diacritic-insensitive form (N4 Reading): case-folded, whitespace collapsed, accents removed, and
    the Danish letters written as they are typed without them (æ→ae, ø→oe, å→aa), so 'Koekkenmedhjaelper' and
    'køkkenmedhjælper' fold alike."""
    folded = " ".join(text.split()).casefold().translate(_DANISH_LETTERS)
    if folded.isascii():  # nothing to decompose: the common case, and the hot one (every CV text passes here)
        return folded
    return "".join(ch for ch in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(ch))


@dataclass(frozen=True, slots=True)
class Occupation:
    code: str
    title: str


@dataclass(frozen=True, slots=True)
class TitleMatch:
    """A classified occupation found for a title; ``exact`` is False when only the folded forms matched."""

    occupation: Occupation
    exact: bool


class OccupationIndex:
    """Danish occupation titles under ISCO-08 unit-group codes (N4, N5)."""

    def __init__(self, occupations: Iterable[Occupation]) -> None:
        self._exact: dict[str, Occupation] = {}
        self._folded: dict[str, Occupation] = {}
        self._by_code: dict[str, Occupation] = {}
        for occupation in occupations:
            self._exact.setdefault(occupation.title, occupation)
            self._folded.setdefault(fold(occupation.title), occupation)
            self._by_code.setdefault(occupation.code, occupation)
        self._choices = list(self._folded)
        self._suggest = lru_cache(maxsize=8192)(self._rank)

    def __len__(self) -> int:
        return len(self._exact)

    def match(self, title: str) -> TitleMatch | None:
        """Exact first, then case/diacritic-insensitive. Never fuzzy: a fuzzy hit is only ever a suggestion."""
        found = self._exact.get(title)
        if found is not None:
            return TitleMatch(found, exact=True)
        found = self._folded.get(fold(title))
        return TitleMatch(found, exact=False) if found is not None else None

    def by_code(self, code: str) -> Occupation | None:
        """The first title listed under a code."""
        return self._by_code.get(code)

    def suggest(self, text: str) -> tuple[Suggestion, ...]:
        """Classified titles ranked by similarity to free text, on the folded forms (see ``_similarity``)."""
        return self._suggest(fold(text))

    def clear_cache(self) -> None:
        """Forget the ranked suggestions (benchmarks measure the cold path)."""
        self._suggest.cache_clear()

    def _rank(self, folded: str) -> tuple[Suggestion, ...]:
        ranked = process.extract(
            folded, self._choices, scorer=_similarity, limit=FUZZY_LIMIT, score_cutoff=FUZZY_SCORE_CUTOFF
        )
        return tuple(
            Suggestion(occupation.title, occupation.code, round(score, 1))
            for choice, score, _index in ranked
            for occupation in (self._folded[choice],)
        )


def _similarity(text: str, title: str, **_: object) -> float:
    """The better of whole-string similarity and token-set similarity. Partial-string scorers (WRatio) rank short
    titles too high inside long free text ('Smed' in 'Sundhedsmedarbejder'), so they are not used."""
    return max(fuzz.QRatio(text, title), fuzz.token_set_ratio(text, title))


@dataclass(frozen=True, slots=True)
class Classification:
    occupations: OccupationIndex
    qualifications: Mapping[str, str]
    """code -> name (N9); ours, see SOURCES.txt"""
    education_levels: tuple[str, ...]
    """the levels a Jobnet CV accepts (N6 reading)"""
    driving_licence_categories: frozenset[str]
    """the Danish categories (N10)"""

    def education_level(self, level: str) -> str | None:
        """The accepted level's own spelling, matched case/diacritic-insensitively; None if Jobnet has no such."""
        return _folded_levels(self.education_levels).get(fold(level))


@cache
def _folded_levels(levels: tuple[str, ...]) -> dict[str, str]:
    return {fold(level): level for level in levels}


def _data_file(name: str) -> list[dict[str, str]]:
    text = resources.files("dfdg_broker.jobnet").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@cache
def isco08_unit_groups() -> dict[str, str]:
    """ISCO-08 unit groups (level 4): code -> English title."""
    return {row["code"]: row["title_en"] for row in _data_file("isco08_occupations_en.csv") if row["level"] == "4"}


def read_occupations(rows: Iterable[Mapping[str, str]], source: str) -> list[Occupation]:
    """Rows of ``code,title_da``; every code must be an ISCO-08 unit group."""
    unit_groups = isco08_unit_groups()
    occupations = []
    for number, row in enumerate(rows, start=2):
        code, title = (row.get("code") or "").strip(), (row.get("title_da") or "").strip()
        if code not in unit_groups or not title:
            raise ValueError(f"{source}, line {number}: not an ISCO-08 unit group code with a title")
        occupations.append(Occupation(code, title))
    return occupations


@cache
def load_classification(occupations_file: str | None = None) -> Classification:
    """The shipped classification; with ``occupations_file`` (DFDG_OCCUPATIONS_FILE, format ``code,title_da``) the
    occupations come from that fuller list instead of our own titles."""
    if occupations_file:
        with Path(occupations_file).open(encoding="utf-8", newline="") as handle:
            occupations = read_occupations(csv.DictReader(handle), occupations_file)
    else:
        occupations = read_occupations(_data_file("occupations_da.csv"), "occupations_da.csv")
    return Classification(
        occupations=OccupationIndex(occupations),
        qualifications={row["code"]: row["name_da"] for row in _data_file("qualifications_da.csv")},
        education_levels=tuple(row["level"] for row in _data_file("education_levels.csv")),
        driving_licence_categories=frozenset(row["category"] for row in _data_file("driving_licences.csv")),
    )
