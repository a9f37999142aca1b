"""Benchmark of the Jobnet CV normaliser: the demo personas' DA1 data -> Jobnet CV drafts, in a loop, one core.

Pure CPU (no HTTP, no database): what ``POST /jobnet-cv/draft`` spends beyond its upstream calls. Bounded: a fixed
number of rounds over all personas, then it stops. Prints CVs per second, warm (the pure look-ups' caches filled,
as in a running service that sees the same titles and numbers again) and cold (every cache cleared each round).

    .venv/bin/python bench/bench_cv.py [--rounds 300]
"""

from __future__ import annotations

import argparse
import time
from datetime import date

from dfdg_broker.jobnet import classification, contact
from dfdg_broker.jobnet.classification import load_classification
from dfdg_broker.jobnet.cv import Address, PersonName
from dfdg_broker.jobnet.igu import PersonFacts
from dfdg_broker.jobnet.normaliser import CvContext, draft_from_operator
from dfdg_broker.jobnet.text_rules import DEFAULT_PLACEHOLDERS, placeholder_set
from dfdg_broker.letasyl.schemas import CvArea
from dfdg_broker.mock.fixtures import load_personas

TODAY = date(2026, 11, 23)


def demo_cvs() -> list[tuple[CvArea, CvContext]]:
    cvs = []
    for persona in load_personas():
        register = persona.cpr_register
        person = persona.person
        context = CvContext(
            today=TODAY,
            classification=load_classification(),
            placeholders=placeholder_set(DEFAULT_PLACEHOLDERS),
            name=PersonName(first_name=register.first_name, last_name=register.last_name),
            address=Address(street=register.street, postal_code=register.postal_code, city=register.city),
            person=PersonFacts(person.birth_date, person.asylum_decision_date, person.date_of_entry),
        )
        cvs.append((persona.cv, context))
    return cvs


def clear_caches() -> None:
    for cached in (classification.fold, contact.check_phone, contact.check_email, contact.check_website):
        cached.cache_clear()
    load_classification().occupations.clear_cache()


def run(cvs: list[tuple[CvArea, CvContext]], rounds: int, *, cold: bool) -> tuple[float, int]:
    elapsed, findings = 0.0, 0
    for _ in range(rounds):
        if cold:
            clear_caches()
        started = time.perf_counter()
        for area, context in cvs:
            findings += len(draft_from_operator(area, context).findings)
        elapsed += time.perf_counter() - started
    return rounds * len(cvs) / elapsed, findings


def main(rounds: int) -> None:
    cvs = demo_cvs()
    run(cvs, 5, cold=False)  # warm-up: imports, the classification index, first cache fills
    warm, findings = run(cvs, rounds, cold=False)
    cold, _ = run(cvs, max(rounds // 10, 1), cold=True)
    print(f"Jobnet CV normaliser, {len(cvs)} demo CVs x {rounds} rounds, one core ({findings} findings)")
    print(f"  warm caches: {warm:8.0f} CVs/s  ({1e6 / warm:.0f} µs per CV)")
    print(f"  cold caches: {cold:8.0f} CVs/s  ({1e6 / cold:.0f} µs per CV)")
    print("  target: >= 5000 CVs/s -> " + ("met" if warm >= 5000 else "NOT met"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    main(parser.parse_args().rounds)
