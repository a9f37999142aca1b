"""Properties of the normaliser (hypothesis): idempotent; never a placeholder, a phone outside DK/DE/SE or an invalid
e-mail in its output; a draft without blocking findings always passes the submit's validation."""

from __future__ import annotations

from datetime import date
from typing import Any

import phonenumbers
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dfdg_broker.jobnet.classification import load_classification
from dfdg_broker.jobnet.contact import check_email
from dfdg_broker.jobnet.cv import Address, JobnetCv, PersonName
from dfdg_broker.jobnet.igu import PersonFacts
from dfdg_broker.jobnet.normaliser import CvContext, draft_from_operator, normalise, submit_refusals
from dfdg_broker.jobnet.text_rules import DEFAULT_PLACEHOLDERS, is_placeholder, placeholder_set
from dfdg_broker.letasyl.schemas import CvArea

PLACEHOLDERS = placeholder_set(DEFAULT_PLACEHOLDERS)
CONTEXT = CvContext(
    today=date(2026, 11, 23),
    classification=load_classification(),
    placeholders=PLACEHOLDERS,
    name=PersonName(first_name="Zahra", last_name="Rahimi"),
    address=Address(street="Gudrunsvej 18", postal_code="8220", city="Brabrand"),
    person=PersonFacts(date(1993, 7, 21), date(2026, 9, 22), date(2025, 3, 4)),
)


@st.composite
def placeholder(draw: st.DrawFn) -> str:
    word = draw(st.sampled_from(DEFAULT_PLACEHOLDERS))
    cased = "".join(draw(st.sampled_from([c.lower(), c.upper()])) for c in word)
    return draw(st.sampled_from(["", " ", "  ", "\t"])) + cased + draw(st.sampled_from(["", " ", "."]))


TITLES = ["Elektriker", "koekkenmedhjaelper", "Mekanikker", "Sælger på marked", "Kok", "LAGERARBEJDER"]
text = st.one_of(st.none(), placeholder(), st.sampled_from(TITLES), st.text(max_size=20))
dates = st.one_of(st.none(), placeholder(), st.sampled_from(["2020", "2021-03", "2022-02-28", "2024-13", "snart"]))
phones = st.one_of(
    st.none(),
    placeholder(),
    st.sampled_from(
        [
            "+45 20 12 34 56",
            "28471593",
            "070-123 45 67",
            "+49 151 23456789",
            "+963 944 123 456",
            "+47 412 34 567",  # Norway
            "+44 7400 123456",  # United Kingdom
        ]
    ),
    st.from_regex(r"\+?[0-9][0-9 \-]{4,16}", fullmatch=True),
    st.text(max_size=16),
)
emails = st.one_of(
    st.none(),
    placeholder(),
    st.emails(),
    st.sampled_from(["ahmad.hotmail.com", "mail@", "a b@c.dk", " x@example.com "]),
    st.text(max_size=20),
)
levels = st.one_of(st.none(), placeholder(), st.sampled_from(["Andet", "grundskole", "Bachelor", "Folkeskole"]))
licences = st.one_of(st.none(), placeholder(), st.sampled_from(["B", "C+E", "B (Irak)", "Lastbil", "tr"]))


def entries(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[list[dict[str, Any]]]:
    return st.lists(st.fixed_dictionaries(fields), max_size=3)


operator_cvs = st.builds(
    lambda **sections: CvArea.model_validate(sections),
    jobs_wanted=entries(title=text, occupation_code=st.one_of(st.none(), st.sampled_from(["7411", "9412", "0000"]))),
    work_experience=entries(title=text, employer=text, start=dates, end=dates, description=text),
    education=entries(title=text, level=levels, start_year=dates, end_year=dates, description=text),
    courses=entries(name=text, end_date=dates, duration=text),
    certificates=entries(name=text, issuer=text, valid_from=dates, valid_to=dates),
    qualifications=entries(name=text, code=st.one_of(st.none(), placeholder(), st.sampled_from(["70110", "123"]))),
    driving_licences=entries(category=licences, description=text),
    other_experience=entries(where=text, start=dates, tasks=text),
    professional_profile=text,
    website=st.one_of(text, st.sampled_from(["https://example.dk", "www.example.dk", "www.mitfirma"])),
    contact=st.fixed_dictionaries({"phone": phones, "email": emails}),
)

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in strings(item)]
    return []


@PROPERTY
@given(operator_cvs)
def test_N1_normalising_a_draft_again_changes_nothing(area: CvArea) -> None:
    draft = draft_from_operator(area, CONTEXT)
    again = normalise(draft.cv, CONTEXT)
    assert again.cv == draft.cv
    assert [f for f in again.findings if f.changed] == []


@PROPERTY
@given(operator_cvs)
def test_N1_N16_N17_no_output_holds_a_placeholder_a_foreign_phone_or_an_invalid_email(area: CvArea) -> None:
    cv = draft_from_operator(area, CONTEXT).cv
    assert not any(is_placeholder(s, PLACEHOLDERS) or not s.strip() for s in strings(cv.model_dump()))
    if cv.contact.phone is not None:
        number = phonenumbers.parse(cv.contact.phone.number, None)
        assert phonenumbers.region_code_for_number(number) in {"DK", "DE", "SE"}  # N16, written out on purpose
        assert cv.contact.phone.kind == "mobile"
    if cv.contact.email is not None:
        assert check_email(cv.contact.email) == cv.contact.email


@PROPERTY
@given(operator_cvs, st.booleans())
def test_a_draft_without_blocking_findings_always_passes_the_submit_validation(area: CvArea, searchable: bool) -> None:
    draft = draft_from_operator(area, CONTEXT)
    submitted = JobnetCv.model_validate(draft.cv.model_dump() | {"searchable": searchable, "consent": searchable})
    result = normalise(submitted, CONTEXT)
    if not draft.blocking and not searchable:
        assert submit_refusals(result) == ()
    assert all(f.severity.value == "blocking" for f in submit_refusals(result))
