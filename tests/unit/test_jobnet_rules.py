"""The Jobnet CV rules one by one, as pure functions (N1-N17, DA-Q, G4)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from dfdg_broker.domain.errors import RuleViolation
from dfdg_broker.jobnet.classification import fold, isco08_unit_groups, load_classification
from dfdg_broker.jobnet.contact import check_email, check_phone, check_website
from dfdg_broker.jobnet.cv import Address, Contact, Education, JobnetCv, JobWanted, PersonName, Phone, Qualification
from dfdg_broker.jobnet.findings import Severity
from dfdg_broker.jobnet.igu import PersonFacts, assess_igu
from dfdg_broker.jobnet.normaliser import (
    CvContext,
    licence_category,
    normalise,
    require_consent_for_searchable,
    submit_refusals,
)
from dfdg_broker.jobnet.text_rules import (
    DEFAULT_PLACEHOLDERS,
    is_partial_date,
    is_placeholder,
    placeholder_set,
    third_person_words,
)

TODAY = date(2026, 11, 23)
PLACEHOLDERS = placeholder_set(DEFAULT_PLACEHOLDERS)
NAME = PersonName(first_name="Omar", last_name="Haddad")
ADDRESS = Address(street="Amagerbrogade 214", postal_code="2300", city="København S")


def context(**overrides: object) -> CvContext:
    values: dict[str, object] = {
        "today": TODAY,
        "classification": load_classification(),
        "placeholders": PLACEHOLDERS,
        "name": NAME,
        "address": ADDRESS,
        **overrides,
    }
    return CvContext(**values)  # type: ignore[arg-type]


def cv(**fields: object) -> JobnetCv:
    return JobnetCv.model_validate({"jobs_wanted": [{"title": "Elektriker"}], **fields})


def findings(result, code: str):
    return [f for f in result.findings if f.code == code]


# ---------------------------------------------------------------- N1


@pytest.mark.parametrize(
    "value", ["Ikke angivet", " ikke angivet ", "IKKE  OPLYST", "ukendt ", "-", "N/A", "n/a", "Ikke oplyst."]
)
def test_N1_placeholders_are_recognised_whatever_the_case_and_whitespace(value):
    assert is_placeholder(value, PLACEHOLDERS)


@pytest.mark.parametrize("value", ["Ingen dokumentation", "Ikke angivet her", "Ukendt firma", "B"])
def test_N1_a_value_that_only_contains_a_placeholder_word_is_kept(value):
    assert not is_placeholder(value, PLACEHOLDERS)


def test_N1_placeholders_are_removed_with_the_original_in_the_finding():
    result = normalise(cv(website=" Ikke angivet ", professional_profile="Elektriker."), context())
    assert result.cv.website is None
    [finding] = findings(result, "n1_placeholder_removed")
    assert (finding.path, finding.original, finding.changed) == ("$.website", " Ikke angivet ", True)


def test_N1_the_placeholder_list_is_configurable():
    custom = context(placeholders=placeholder_set(["xxx"]))
    assert normalise(cv(website="XXX"), custom).cv.website is None
    assert findings(normalise(cv(website="-"), custom), "n14_website_invalid")


def test_N1_an_entry_left_empty_is_removed_once_on_the_section():
    result = normalise(cv(jobs_wanted=[{"title": "Kok"}, {"title": "Ukendt"}]), context())
    assert [j.title for j in result.cv.jobs_wanted] == ["Kok"]
    [finding] = findings(result, "n1_entry_removed")
    assert finding.path == "$.jobs_wanted" and finding.original == "Ukendt"


# ---------------------------------------------------------------- N2


def test_N2_missing_mandatory_fields_are_blocking():
    result = normalise(JobnetCv(education=[Education(title="Grundskole")]), context(name=None, address=None))
    paths = {f.path for f in result.findings if f.code == "n2_mandatory_missing"}
    assert paths == {"$.name", "$.address", "$.education[0].level"}
    assert findings(result, "n2_jobs_wanted_missing")[0].severity is Severity.BLOCKING


def test_N2_a_missing_field_in_an_entry_carries_the_profile_as_a_hint():
    result = normalise(
        cv(professional_profile="Uddannet elektriker.", education=[{"title": "Teknisk skole"}]), context()
    )
    [finding] = findings(result, "n2_mandatory_missing")
    assert finding.path == "$.education[0].level" and "Uddannet elektriker." in finding.message_en


def test_N2_searchable_requirements_are_review_until_the_cv_is_made_searchable():
    draft = normalise(cv(), context())
    assert {f.severity for f in draft.findings if f.code.startswith("n2_searchable")} == {Severity.REVIEW}
    searchable = normalise(cv(searchable=True, consent=True), context())
    codes = {f.code for f in searchable.blocking}
    assert codes == {
        "n2_searchable_needs_contact",
        "n2_searchable_needs_employment_terms",
        "n2_searchable_needs_work_experience",
        "n2_searchable_needs_education",
    }
    complete = cv(
        searchable=True,
        consent=True,
        contact=Contact(email="a@example.com"),
        employment_terms=["part_time"],
        no_work_experience=True,
        no_education=True,
    )
    assert normalise(complete, context()).blocking == ()


def test_N2_the_profile_hints_terms_of_employment():
    result = normalise(cv(professional_profile="Ønsker fuldtidsarbejde."), context())
    [finding] = findings(result, "n2_searchable_needs_employment_terms")
    assert [s.value for s in finding.suggestions] == ["full_time"]
    assert "Ønsker fuldtidsarbejde." in finding.message_da


# ---------------------------------------------------------------- N4, N5


def test_N4_exact_title_is_classified_with_its_code():
    result = normalise(cv(jobs_wanted=[JobWanted(title="Lagerarbejder")]), context())
    assert result.cv.jobs_wanted[0] == JobWanted(title="Lagerarbejder", occupation_code="9333")
    assert result.findings == tuple(f for f in result.findings if f.code.startswith("n2_searchable"))


def test_N4_case_and_diacritic_insensitive_match_takes_the_classified_spelling():
    result = normalise(cv(jobs_wanted=[JobWanted(title="KOEKKENMEDHJAELPER")]), context())
    assert result.cv.jobs_wanted[0].title == "Køkkenmedhjælper"
    [finding] = findings(result, "n4_title_spelling")
    assert finding.original == "KOEKKENMEDHJAELPER" and finding.severity is Severity.INFO


def test_N4_free_text_is_blocking_with_ranked_suggestions_and_never_replaced():
    result = normalise(cv(jobs_wanted=[JobWanted(title="Mekanikker")]), context())
    assert result.cv.jobs_wanted[0].title == "Mekanikker"
    [finding] = findings(result, "n4_title_not_classified")
    assert finding.severity is Severity.BLOCKING
    scores = [s.score for s in finding.suggestions]
    assert finding.suggestions[0].value == "Mekaniker" and scores == sorted(scores, reverse=True)


def test_N4_a_code_that_does_not_belong_to_the_title_is_corrected():
    result = normalise(cv(jobs_wanted=[JobWanted(title="Kok", occupation_code="9412")]), context())
    assert result.cv.jobs_wanted[0].occupation_code == "5120"
    assert findings(result, "n4_code_corrected")[0].original == "9412"


def test_N4_a_title_is_taken_from_the_code_when_only_the_code_is_given():
    result = normalise(cv(jobs_wanted=[JobWanted(occupation_code="7411")]), context())
    assert result.cv.jobs_wanted[0].title == "Elektriker"


def test_N5_free_text_work_experience_is_review_not_blocking():
    result = normalise(cv(work_experience=[{"title": "Sælger på marked"}]), context())
    [finding] = findings(result, "n5_title_not_classified")
    assert finding.severity is Severity.REVIEW and finding.suggestions[0].value == "Sælger"


def test_N4_occupations_are_ISCO08_unit_groups_and_a_fuller_list_can_be_configured(tmp_path: Path):
    shipped = load_classification()
    assert len(shipped.occupations) >= 50
    fuller = tmp_path / "occupations.csv"
    fuller.write_text("code,title_da\n7411,Elinstallatør\n7411,Elektriker\n", encoding="utf-8")
    loaded = load_classification(str(fuller))
    assert loaded.occupations.match("Elinstallatør") is not None and loaded.occupations.match("Kok") is None
    bad = tmp_path / "bad.csv"
    bad.write_text("code,title_da\n9999,Ingen kode\n", encoding="utf-8")
    with pytest.raises(ValueError, match="ISCO-08"):
        load_classification(str(bad))
    assert "7411" in isco08_unit_groups()


# ---------------------------------------------------------------- N6


def test_N6_andet_is_blocking_and_other_unknown_levels_too():
    result = normalise(
        cv(education=[{"title": "Kursus", "level": "andet"}, {"title": "Skole", "level": "Folkeskole 9. kl."}]),
        context(),
    )
    assert [f.code for f in result.blocking] == ["n6_level_andet", "n6_level_not_accepted"]
    assert "Bachelor" in [s.value for s in result.blocking[0].suggestions]


def test_N6_a_level_written_differently_takes_jobnets_spelling_and_missing_years_are_review():
    result = normalise(cv(education=[{"title": "Skole", "level": "grundskole", "start_year": "2001"}]), context())
    assert result.cv.education[0].level == "Grundskole"
    [years] = findings(result, "n6_year_missing")
    assert years.path == "$.education[0].end_year" and years.severity is Severity.REVIEW


# ---------------------------------------------------------------- N7, N8, N12


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("2026", True),
        ("2026-06", True),
        ("2026-06-20", True),
        ("2026-13", False),
        ("juni 2026", False),
        ("2026-02-30", False),
    ],
)
def test_N7_partial_dates(value, ok):
    assert is_partial_date(value) is ok


def test_N7_an_unreadable_date_is_dropped_with_a_review_finding_and_the_rest_carried():
    result = normalise(
        cv(courses=[{"name": "Truckkursus", "end_date": "sidste år", "duration": "3 dage", "description": "Bevis."}]),
        context(),
    )
    assert result.cv.courses[0].model_dump() == {
        "name": "Truckkursus",
        "end_date": None,
        "duration": "3 dage",
        "description": "Bevis.",
    }
    assert findings(result, "n7_date_unreadable")[0].original == "sidste år"


def test_N8_validity_period_reversed_is_review_and_expiry_is_info():
    result = normalise(
        cv(
            certificates=[{"name": "A", "valid_from": "2025", "valid_to": "2024"}, {"name": "B", "valid_to": "2026-11"}]
        ),
        context(),
    )
    assert findings(result, "n8_validity_reversed")[0].path == "$.certificates[0].valid_to"
    assert not findings(result, "n8_certificate_expired"), "November 2026 has not ended on 2026-11-23"
    result = normalise(cv(certificates=[{"name": "B", "valid_to": "2026-10"}]), context())
    assert findings(result, "n8_certificate_expired")[0].severity is Severity.INFO


def test_N12_other_experience_needs_its_tasks():
    result = normalise(cv(other_experience=[{"where": "Asylcentret", "start": "2025"}]), context())
    assert [f.path for f in result.blocking] == ["$.other_experience[0].tasks"]


# ---------------------------------------------------------------- N9, N10


def test_N9_classified_qualifications_take_the_classified_name_and_the_rest_go_to_the_profile():
    result = normalise(
        cv(
            professional_profile="Bogholder.",
            qualifications=[
                Qualification(name="bogføring", code="70110"),
                Qualification(name="1C", code="1"),
                Qualification(code="77"),
            ],
        ),
        context(),
    )
    assert result.cv.qualifications == [Qualification(name="Bogføring", code="70110")]
    assert result.cv.professional_profile == "Bogholder.\nKvalifikation: 1C"
    assert {f.code for f in result.findings if f.rule == "N9"} == {
        "n9_name_from_classification",
        "n9_moved_to_profile",
        "n9_unknown_code_removed",
    }


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("B", ("B", None)),
        ("c+e", ("CE", None)),
        ("C/E", ("CE", None)),
        ("D1/E", ("D1E", None)),
        ("B (Irak)", ("B", "Irak")),
        ("TR/MR", ("TR", None)),
        ("Lastbil", (None, None)),
        ("Internationalt kørekort", (None, None)),
        ("B96", (None, None)),
    ],
)
def test_N10_only_danish_categories(raw, expected):
    assert licence_category(raw, load_classification().driving_licence_categories) == expected


def test_N10_danish_categories_of_the_shipped_list():
    assert load_classification().driving_licence_categories == {
        "AM", "A1", "A2", "A", "B", "BE", "C1", "C1E", "C", "CE", "D1", "D1E", "D", "DE", "TR"
    }  # fmt: skip


def test_N10_anything_else_goes_to_the_profile():
    result = normalise(cv(driving_licences=["B", "Lastbil", "b", "CE"]), context())
    assert result.cv.driving_licences == ["B", "CE"]
    assert result.cv.professional_profile == "Kørekort: Lastbil"


# ---------------------------------------------------------------- N13


def facts(birth: date, entry: date | None = date(2024, 3, 11)) -> PersonFacts:
    return PersonFacts(birth, date(2026, 6, 17), entry)


def test_N13_a_30_year_old_refugee_is_a_candidate_and_unchecked_conditions_are_named():
    assessment = assess_igu(facts(date(1996, 8, 2), entry=None), TODAY)
    assert assessment.candidate and assessment.failed == ()
    assert any("resident" in c.en and "bosat" in c.da for c in assessment.unchecked)


@pytest.mark.parametrize(
    ("birth", "entry", "today", "failed_word"),
    [
        (date(1971, 5, 19), date(2025, 5, 2), TODAY, "age"),
        (date(2009, 1, 1), date(2025, 5, 2), TODAY, "age"),
        (date(1990, 1, 1), date(2006, 11, 23), TODAY, "resident"),
        (date(1990, 1, 1), date(2025, 5, 2), date(2028, 1, 1), "scheme"),
    ],
)
def test_N13_a_failed_condition_means_no_candidate(birth, entry, today, failed_word):
    assessment = assess_igu(facts(birth, entry), today)
    assert not assessment.candidate and failed_word in assessment.failed[0].en


def test_N13_no_suggestion_once_the_profile_says_it():
    person = facts(date(1996, 8, 2))
    assert findings(normalise(cv(), context(person=person)), "n13_igu_candidate")
    assert not findings(
        normalise(cv(professional_profile="Kandidat til IGU."), context(person=person)), "n13_igu_candidate"
    )


@pytest.mark.parametrize("profile", ["IGU", "Svejser. IGU.", "igu, truckcertifikat"])
def test_N13_simply_IGU_in_the_profile_says_it_too(profile):
    person = facts(date(1996, 8, 2))
    assert not findings(normalise(cv(professional_profile=profile), context(person=person)), "n13_igu_candidate")


def test_N13_the_suggestion_offers_kandidat_til_IGU_or_simply_IGU():
    [finding] = findings(normalise(cv(), context(person=facts(date(1996, 8, 2)))), "n13_igu_candidate")
    assert [s.value for s in finding.suggestions] == ["Kandidat til IGU", "IGU"]


def test_N13_a_word_containing_igu_is_not_IGU():
    person = facts(date(1996, 8, 2))
    assert findings(normalise(cv(professional_profile="Ambiguous skills"), context(person=person)), "n13_igu_candidate")


# ---------------------------------------------------------------- N14, N16, N17


@pytest.mark.parametrize(
    ("raw", "url", "suggestion"),
    [
        ("https://github.com/fadi-nasser-dev", "https://github.com/fadi-nasser-dev", None),
        ("http://example.dk", "http://example.dk", None),
        ("www.example.dk", None, "https://www.example.dk"),
        ("www.mitfirma", None, None),
        ("ftp://example.dk", None, None),
        ("https://exa mple.dk", None, None),
    ],
)
def test_N14_website_only_if_a_valid_http_url(raw, url, suggestion):
    checked = check_website(raw)
    assert (checked.url, checked.suggestion) == (url, suggestion)


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("+45 20 12 34 56", "+4520123456"),
        ("28471593", "+4528471593"),
        ("0045 2736 4815", "+4527364815"),
        ("070-123 45 67", "+46701234567"),
        ("+49 151 23456789", "+4915123456789"),
        ("+963 944 123 456", None),
        ("+47 412 34 567", None),  # Norway: a neighbour, still not Danish, German or Swedish
        ("+358 40 123 4567", None),  # Finland
        ("+48 512 345 678", None),  # Poland
        ("+44 7400 123456", None),  # United Kingdom
        ("+380 50 123 4567", None),
        ("+291 7 123456", None),
        ("ring via centret", None),
        ("123", None),
    ],
)
def test_N16_phone_only_if_danish_german_or_swedish(raw, e164):
    assert check_phone(raw).e164 == e164


@pytest.mark.parametrize("landline", ["+49 30 12345678", "+46 8 123 456 78"])
def test_N16_a_german_or_swedish_fixed_line_is_a_blocking_finding(landline):
    assert check_phone(landline).landline
    result = normalise(cv(contact=Contact(phone=Phone(number=landline))), context())
    assert result.cv.contact.phone is not None and result.cv.contact.phone.kind == "mobile"
    [finding] = findings(result, "n16_landline_marked_mobile")
    assert finding.severity.value == "blocking" and "before the CV is saved" in finding.message_en


@pytest.mark.parametrize(
    ("raw", "valid"),
    [
        ("omar.haddad@example.com", "omar.haddad@example.com"),
        ("  ghirmay.yonas@example.com   ", "ghirmay.yonas@example.com"),
        ("ahmad.hotmail.com", None),
        ("mail@", None),
        ("a b@c.dk", None),
    ],
)
def test_N17_email_only_if_syntactically_valid(raw, valid):
    assert check_email(raw) == valid


# ---------------------------------------------------------------- DA-Q, G4, submit


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Han fortæller at han har arbejdet på gården.", ("han",)),
        ("Borgeren oplyser, ifølge hende selv, at ...", ("borgeren", "ifølge hende")),
        ("Uddannet elektriker med 12 års erfaring.", ()),
        ("Hantverkare i Sverige.", ()),
    ],
)
def test_DAQ_third_person_words(text, words):
    assert third_person_words(text) == words


def test_G4_searchable_requires_consent():
    with pytest.raises(RuleViolation) as raised:
        require_consent_for_searchable(cv(searchable=True))
    assert raised.value.rule == "G4" and raised.value.field == "searchable"
    require_consent_for_searchable(cv(searchable=True, consent=True))
    require_consent_for_searchable(cv())


def test_submit_refuses_placeholders_even_when_nothing_is_blocking():
    result = normalise(cv(website="N/A"), context())
    assert result.blocking == () and [f.code for f in submit_refusals(result)] == ["n1_placeholder_removed"]


def test_fold_is_case_and_diacritic_insensitive():
    assert fold(" Frisør  ") == fold("FRISOER") == "frisoer" and fold("Café") == "cafe"


def test_N4_a_broken_occupations_file_stops_start_up_not_a_request(tmp_path: Path):
    from dfdg_broker.app import create_app
    from dfdg_broker.settings import Environment, Settings

    bad = tmp_path / "occupations.csv"
    bad.write_text("code,title_da\n9999,Ingen kode\n", encoding="utf-8")
    with pytest.raises(ValueError, match="ISCO-08"):
        create_app(Settings(environment=Environment.TEST, occupations_file=str(bad)))
