"""CPR numbers (C2: format and birth date, no modulus 11) and minors (M1: no ordinary case under 15)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dfdg_broker.domain import cpr
from dfdg_broker.domain.cpr import Cpr, age_on, mask, parse
from dfdg_broker.domain.errors import RuleViolation
from dfdg_broker.domain.minors import MINIMUM_AGE_FOR_CASE, require_case_allowed
from tests.conftest import TODAY

DAY = timedelta(days=1)

# Born 2011-11-23 (7th digit 4, year 11 -> 2000s): 15 years old on TODAY (2026-11-23).
TURNS_15_ON_TODAY = "2311114000"
# Born 2012-02-29 (7th digit 4, year 12 -> 2012, a leap year).
LEAP_DAY_2012 = "2902124000"


def modulus_11_holds(number: str) -> bool:
    weights = (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)
    return sum(int(d) * w for d, w in zip(number, weights, strict=True)) % 11 == 0


def assert_cpr_violation(exc: pytest.ExceptionInfo[RuleViolation], code: str, field: str = "cpr") -> None:
    assert exc.value.rule == "C2"
    assert exc.value.code == code
    assert exc.value.field == field


# ---------------------------------------------------------------- parse: accepted forms


def test_C2_cpr_without_dash_is_parsed() -> None:
    parsed = parse("1204882211", today=TODAY)

    assert parsed.value == "1204882211"
    assert parsed.birth_date == date(1988, 4, 12)


def test_C2_cpr_with_dash_is_parsed_to_the_compact_form() -> None:
    parsed = parse("120488-2211", today=TODAY)

    assert parsed.value == "1204882211"
    assert parsed.birth_date == date(1988, 4, 12)


def test_C2_cpr_born_today_is_accepted() -> None:
    assert parse("2311264000", today=TODAY).birth_date == TODAY


def test_C2_cpr_failing_modulus_11_is_accepted() -> None:
    number = "0101962811"
    assert not modulus_11_holds(number)  # the premise of the test

    parsed = parse(number, today=TODAY)

    assert parsed.value == number
    assert parsed.birth_date == date(1996, 1, 1)


# ---------------------------------------------------------------- parse: refused forms


@pytest.mark.parametrize(
    "raw",
    ["120488221", "12048822110", "12048822AB", "ABCDEFGHIJ", "120488_2211", "", "1204-88-22-11x"],
    ids=["9-digits", "11-digits", "letters", "all-letters", "underscore", "empty", "trailing-letter"],
)
def test_C2_cpr_with_wrong_format_is_refused(raw: str) -> None:
    with pytest.raises(RuleViolation) as exc:
        parse(raw, today=TODAY)

    assert_cpr_violation(exc, "cpr_invalid_format")


def test_C2_cpr_with_arabic_indic_digits_is_refused_or_normalised_to_ascii() -> None:
    raw = "١٢٠٤١٠٢٢١١"  # "1204102211" in Arabic-Indic digits

    try:
        parsed = parse(raw, today=TODAY)
    except RuleViolation as exc:
        assert (exc.rule, exc.code, exc.field) == ("C2", "cpr_invalid_format", "cpr")
    else:
        assert parsed.value == "1204102211"
        assert parsed.birth_date == date(2010, 4, 12)


def test_C2_cpr_with_superscript_digits_is_refused_as_rule_violation() -> None:
    with pytest.raises(RuleViolation) as exc:
        parse("²" * 10, today=TODAY)

    assert_cpr_violation(exc, "cpr_invalid_format")


def test_C2_cpr_violation_names_the_callers_field() -> None:
    with pytest.raises(RuleViolation) as exc:
        parse("120488221", today=TODAY, field="child_cpr")

    assert_cpr_violation(exc, "cpr_invalid_format", field="child_cpr")


@pytest.mark.parametrize("raw", ["3102882211", "2902894000", "0013882211", "0001882211", "3204882211"])
def test_C2_cpr_with_impossible_birth_date_is_refused(raw: str) -> None:
    with pytest.raises(RuleViolation) as exc:
        parse(raw, today=TODAY)

    assert_cpr_violation(exc, "cpr_invalid_birth_date")


def test_C2_cpr_with_birth_date_after_today_is_refused() -> None:
    # 7th digit 4 and year 26 -> 2026-11-24, the day after TODAY.
    with pytest.raises(RuleViolation) as exc:
        parse("2411264000", today=TODAY)

    assert_cpr_violation(exc, "cpr_birth_date_in_future")


def test_C2_future_check_uses_the_given_today_not_the_real_date() -> None:
    assert parse("2411264000", today=TODAY + DAY).birth_date == TODAY + DAY


@pytest.mark.parametrize(
    "raw",
    ["120488221", "12048822AB", "3102882211", "0013885555", "2411264000", "241126-4000"],
)
def test_C2_cpr_messages_never_contain_the_input_digits(raw: str) -> None:
    with pytest.raises(RuleViolation) as exc:
        parse(raw, today=TODAY)

    digits = "".join(ch for ch in raw if ch.isdigit())
    rendered = " ".join([str(exc.value), exc.value.message, repr(exc.value.extra)])
    assert raw not in rendered
    assert digits not in rendered
    assert digits[:6] not in rendered
    assert digits[-4:] not in rendered


# ---------------------------------------------------------------- century decoding (7th digit)


def _century_digits(year: int) -> str:
    """DOMAIN.md "CPR numbers": which 7th digits encode a birth in ``year``."""
    yy = year % 100
    if 1858 <= year <= 1899:
        return "5678"
    if 1900 <= year <= 1999:
        return "0123" + ("49" if yy >= 37 else "")
    if 2000 <= year <= 2036:
        return "49" + "5678"
    if 2037 <= year <= 2057:
        return "5678"
    raise AssertionError(f"no encoding for {year}")


@st.composite
def cpr_for_date(draw: st.DrawFn, min_value: date, max_value: date) -> tuple[str, date]:
    birth = draw(st.dates(min_value=min_value, max_value=max_value))
    seventh = draw(st.sampled_from(_century_digits(birth.year)))
    rest = draw(st.text(alphabet="0123456789", min_size=3, max_size=3))
    dash = draw(st.sampled_from(["", "-"]))
    return f"{birth:%d%m%y}{dash}{seventh}{rest}", birth


@given(case=cpr_for_date(date(1900, 1, 1), TODAY))
def test_C2_property_century_is_decoded_from_7th_digit(case: tuple[str, date]) -> None:
    number, birth = case

    assert parse(number, today=TODAY).birth_date == birth


@given(case=cpr_for_date(date(1858, 1, 1), date(1899, 12, 31)))
def test_C2_property_digits_5_to_8_with_year_58_or_later_mean_1800s(case: tuple[str, date]) -> None:
    number, birth = case

    assert parse(number, today=TODAY).birth_date == birth


@pytest.mark.parametrize(
    ("number", "birth"),
    [
        ("0101360000", date(1936, 1, 1)),  # 0-3: always 1900s
        ("0101363999", date(1936, 1, 1)),
        ("0101364000", date(2036, 1, 1)),  # 4: 2000s up to year 36
        ("0101374000", date(1937, 1, 1)),  # 4: 1900s from year 37
        ("0101369000", date(2036, 1, 1)),  # 9 like 4
        ("0101379000", date(1937, 1, 1)),
        ("0101575000", date(2057, 1, 1)),  # 5-8: 2000s up to year 57
        ("0101588000", date(1858, 1, 1)),  # 5-8: 1800s from year 58
    ],
)
def test_C2_century_table_edges(number: str, birth: date) -> None:
    assert parse(number, today=date(2060, 1, 1)).birth_date == birth


# ---------------------------------------------------------------- masking and repr


def test_mask_shows_birth_date_part_only() -> None:
    assert mask("1204882211") == "120488-****"
    assert mask("120488-2211") == "120488-****"


def test_mask_of_malformed_input_shows_nothing() -> None:
    assert mask("12345") == "******-****"


@given(digits=st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_mask_property_never_shows_the_sequence_digits(digits: str) -> None:
    assert mask(digits) == f"{digits[:6]}-****"


def test_cpr_repr_and_str_do_not_contain_the_number() -> None:
    parsed = parse("1204882211", today=TODAY)

    for rendered in (repr(parsed), str(parsed), f"{parsed}", repr([parsed]), "%s" % (parsed,)):  # noqa: UP031
        assert "1204882211" not in rendered
        assert "2211" not in rendered
        assert "120488-****" in rendered
    assert parsed.masked == "120488-****"


# ---------------------------------------------------------------- age


@pytest.mark.parametrize(
    ("birth", "today", "age"),
    [
        (date(2011, 11, 23), date(2026, 11, 22), 14),
        (date(2011, 11, 23), date(2026, 11, 23), 15),
        (date(2011, 11, 23), date(2026, 11, 24), 15),
        (date(2011, 12, 31), date(2026, 12, 30), 14),
        (date(2011, 12, 31), date(2026, 12, 31), 15),
        (date(2012, 1, 1), date(2026, 12, 31), 14),
        (date(2000, 5, 5), date(2000, 5, 5), 0),
        # 29 February: reached on 1 March in common years ...
        (date(2012, 2, 29), date(2027, 2, 28), 14),
        (date(2012, 2, 29), date(2027, 3, 1), 15),
        # ... and on 29 February in leap years.
        (date(2000, 2, 29), date(2016, 2, 28), 15),
        (date(2000, 2, 29), date(2016, 2, 29), 16),
    ],
)
def test_age_on_edges(birth: date, today: date, age: int) -> None:
    assert age_on(birth, today) == age


def test_cpr_age_on_uses_the_encoded_birth_date() -> None:
    parsed = parse(TURNS_15_ON_TODAY, today=TODAY)

    assert parsed.age_on(TODAY - DAY) == 14
    assert parsed.age_on(TODAY) == 15


@given(
    birth=st.dates(min_value=date(1900, 1, 1), max_value=date(2050, 12, 31)),
    years=st.integers(min_value=0, max_value=120),
)
def test_age_on_property_birthday_increments_age(birth: date, years: int) -> None:
    # The first day of age ``years``: the birthday, or 1 March when 29 February does not exist that year.
    year = birth.year + years
    try:
        birthday = birth.replace(year=year)
    except ValueError:
        birthday = date(year, 3, 1)

    assert age_on(birth, birthday) == years
    if years > 0:
        assert age_on(birth, birthday - DAY) == years - 1


# ---------------------------------------------------------------- M1: minors


def _assert_m1(exc: pytest.ExceptionInfo[RuleViolation]) -> None:
    assert exc.value.rule == "M1"
    assert exc.value.code == "minor_under_15_requires_special_procedure"
    assert exc.value.field == "special_procedure_ref"
    assert "landssupporten" in exc.value.message


def test_M1_day_before_15th_birthday_is_refused_without_reference() -> None:
    person = parse(TURNS_15_ON_TODAY, today=TODAY)

    with pytest.raises(RuleViolation) as exc:
        require_case_allowed(person, today=TODAY - DAY, special_procedure_ref=None)

    _assert_m1(exc)


def test_M1_on_15th_birthday_is_allowed() -> None:
    assert MINIMUM_AGE_FOR_CASE == 15
    person = parse(TURNS_15_ON_TODAY, today=TODAY)

    require_case_allowed(person, today=TODAY, special_procedure_ref=None)


def test_M1_under_15_with_reference_is_allowed() -> None:
    person = parse(TURNS_15_ON_TODAY, today=TODAY)

    require_case_allowed(person, today=TODAY - DAY, special_procedure_ref="LS-2026-0042")


@pytest.mark.parametrize("reference", ["", " ", "   \t\n"])
def test_M1_blank_reference_counts_as_missing(reference: str) -> None:
    person = parse(TURNS_15_ON_TODAY, today=TODAY)

    with pytest.raises(RuleViolation) as exc:
        require_case_allowed(person, today=TODAY - DAY, special_procedure_ref=reference)

    _assert_m1(exc)


def test_M1_29_february_birthday_reaches_15_on_1_march_in_common_year() -> None:
    person = parse(LEAP_DAY_2012, today=TODAY)

    with pytest.raises(RuleViolation) as exc:
        require_case_allowed(person, today=date(2027, 2, 28), special_procedure_ref=None)
    _assert_m1(exc)

    require_case_allowed(person, today=date(2027, 3, 1), special_procedure_ref=None)


def test_M1_message_does_not_contain_the_cpr_number() -> None:
    person = parse(TURNS_15_ON_TODAY, today=TODAY)

    with pytest.raises(RuleViolation) as exc:
        require_case_allowed(person, today=TODAY - DAY, special_procedure_ref=None)

    assert not re.search(r"\d{6}", exc.value.message)


@given(
    birth=st.dates(min_value=date(1950, 1, 1), max_value=TODAY),
    today_offset=st.integers(min_value=0, max_value=40 * 366),
    reference=st.none() | st.sampled_from(["", "  ", "LS-1"]),
)
def test_M1_property_refused_iff_under_15_without_reference(
    birth: date, today_offset: int, reference: str | None
) -> None:
    person = Cpr(value=f"{birth:%d%m%y}4000", birth_date=birth)
    today = birth + timedelta(days=today_offset)
    has_reference = reference is not None and reference.strip() != ""
    should_refuse = cpr.age_on(birth, today) < 15 and not has_reference

    if should_refuse:
        with pytest.raises(RuleViolation) as exc:
            require_case_allowed(person, today=today, special_procedure_ref=reference)
        _assert_m1(exc)
    else:
        require_case_allowed(person, today=today, special_procedure_ref=reference)
