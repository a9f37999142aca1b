"""Synthetic personas for `make bench`: clones of the first demo persona, each with its own synthetic CPR number and
person-ID, all received by København (101), so that every create in the benchmark is a new, valid case."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from dfdg_broker.mock.fixtures import Persona, load_personas

MUNICIPALITY = "101"


def synthetic_cprs(count: int, taken: set[str]) -> Iterator[tuple[str, date]]:
    """(CPR number, birth date): born 1960-1999 (serials 1000-3999 mean the 1900s), so adults, never a demo one."""
    made = 0
    for serial in range(1000, 4000):
        for year in range(60, 100):
            for month in range(1, 13):
                for day in range(1, 29):
                    cpr = f"{day:02d}{month:02d}{year:02d}{serial:04d}"
                    if cpr in taken:
                        continue
                    yield cpr, date(1900 + year, month, day)
                    made += 1
                    if made == count:
                        return


def bench_personas(count: int) -> list[Persona]:
    demo = load_personas()
    template = demo[0]
    taken = {p.cpr for p in demo}
    personas = []
    for i, (cpr, born) in enumerate(synthetic_cprs(count, taken)):
        person = template.person.model_copy(
            update={"person_id": f"9{i:07d}", "birth_date": born, "receiving_municipality": MUNICIPALITY}
        )
        personas.append(
            template.model_copy(update={"key": f"bench-{i}", "cpr": cpr, "person": person, "jobnet_cv_number": None})
        )
    return personas
