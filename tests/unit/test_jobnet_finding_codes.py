"""The catalogue of finding codes (``jobnet.findings.FindingCode``): one literal per code, with its rule, severity and
messages in Danish and English; the normaliser names codes only through it."""

from __future__ import annotations

import ast
import re
from datetime import date
from pathlib import Path

import pytest

import dfdg_broker.jobnet.normaliser as normaliser_package
from dfdg_broker.jobnet import findings as findings_module
from dfdg_broker.jobnet.classification import load_classification
from dfdg_broker.jobnet.cv import Address, JobnetCv
from dfdg_broker.jobnet.findings import FindingCode, Severity
from dfdg_broker.jobnet.normaliser import CvContext, normalise
from dfdg_broker.jobnet.text_rules import DEFAULT_PLACEHOLDERS, placeholder_set

ROOT = Path(__file__).resolve().parents[2]
CODES = list(FindingCode)


@pytest.mark.parametrize("code", CODES, ids=lambda c: c.value)
def test_finding_code_starts_with_its_rule_id(code: FindingCode) -> None:
    assert re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+", code.value)
    assert code.value.startswith(code.rule.lower().replace("-", "") + "_")


def test_every_finding_code_is_written_out_once_in_the_catalogue() -> None:
    """``git grep n4_title_not_classified`` finds the code: no code is put together from parts."""
    source = Path(findings_module.__file__).read_text(encoding="utf-8")
    assert len({code.value for code in CODES}) == len(CODES)
    for code in CODES:
        assert source.count(f'"{code.value}"') == 1, code.value


def test_the_normaliser_names_no_finding_code_but_through_the_catalogue() -> None:
    """No string literal in the normaliser is a code or the tail of one (the f-string-built codes of before)."""
    values = {code.value for code in CODES}
    package = Path(normaliser_package.__file__).parent
    for module in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
                assert text not in values, f"{module.name}: {text!r}"
                if text.startswith("_") and len(text) > 1:
                    assert not any(value.endswith(text) for value in values), f"{module.name}: {text!r}"


@pytest.mark.parametrize("code", CODES, ids=lambda c: c.value)
def test_finding_code_messages_are_filled_in_both_languages(code: FindingCode) -> None:
    values = {name: f"<{name}>" for name in code.fields}
    finding = code.finding("$.x", **values)
    for message in (finding.message_da, finding.message_en):
        assert message.strip() and "{" not in message and "}" not in message
    assert finding.message_da != finding.message_en
    assert (finding.code, finding.rule, finding.severity, finding.changed) == (
        code,
        code.rule,
        code.severity,
        code.changed,
    )


def test_finding_severity_is_the_catalogues_unless_it_lists_another() -> None:
    searchable = FindingCode.N2_SEARCHABLE_NEEDS_CONTACT
    assert searchable.finding("$.contact", hint_da="", hint_en="").severity is Severity.BLOCKING
    assert searchable.finding("$.contact", severity=Severity.REVIEW, hint_da="", hint_en="").severity is Severity.REVIEW
    with pytest.raises(ValueError, match="n4_title_not_classified is never review"):
        FindingCode.N4_TITLE_NOT_CLASSIFIED.finding("$.jobs_wanted[0].title", severity=Severity.REVIEW, title="x")


def test_finding_codes_named_in_the_readme_exist() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"\b((?:n\d+|daq)_[a-z_]+[a-z])\b", readme))
    assert {"n4_title_not_classified", "daq_third_person"} <= named
    assert named <= {code.value for code in CODES}


# ---------------------------------------------------------------- the codes no other test reaches


def _context(**overrides: object) -> CvContext:
    values: dict[str, object] = {
        "today": date(2026, 11, 23),
        "classification": load_classification(),
        "placeholders": placeholder_set(DEFAULT_PLACEHOLDERS),
        **overrides,
    }
    return CvContext(**values)  # type: ignore[arg-type]


def _cv(**fields: object) -> JobnetCv:
    return JobnetCv.model_validate({"jobs_wanted": [{"title": "Elektriker"}], **fields})


def test_N5_a_work_experience_title_missing_is_set_from_its_occupation_code():
    result = normalise(_cv(work_experience=[{"occupation_code": "7411", "employer": "Al-Nour"}]), _context())
    [finding] = [f for f in result.findings if f.code is FindingCode.N5_TITLE_FROM_CODE]
    assert result.cv.work_experience[0].title == "Elektriker"
    assert finding.path == "$.work_experience[0].title"
    assert finding.message_en == "The title was missing; 'Elektriker' was set from code 7411."


def test_N5_a_work_experience_code_that_does_not_fit_its_title_is_corrected():
    result = normalise(_cv(work_experience=[{"title": "Elektriker", "occupation_code": "9333"}]), _context())
    [finding] = [f for f in result.findings if f.code is FindingCode.N5_CODE_CORRECTED]
    assert result.cv.work_experience[0].occupation_code == "7411"
    assert (finding.path, finding.original) == ("$.work_experience[0].occupation_code", "9333")


def test_N15_the_address_is_taken_from_the_cpr_register_and_the_old_one_kept_in_the_finding():
    register = Address(street="Amagerbrogade 214", postal_code="2300", city="København S")
    edited = _cv(address={"street": "Nørrebrogade 1", "postal_code": "2200", "city": "København N"})
    result = normalise(edited, _context(address=register))
    [finding] = [f for f in result.findings if f.code is FindingCode.N15_ADDRESS_FROM_REGISTER]
    assert result.cv.address == register
    assert (finding.original, finding.severity, finding.changed) == (
        "Nørrebrogade 1, 2200 København N",
        Severity.INFO,
        True,
    )
