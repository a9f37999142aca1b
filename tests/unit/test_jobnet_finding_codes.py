"""The catalogue of finding codes (``jobnet.findings.FindingCode``): one literal per code, with its rule, severity and
messages in Danish and English; the normaliser names codes only through it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import dfdg_broker.jobnet.normaliser as normaliser_package
from dfdg_broker.jobnet import findings as findings_module
from dfdg_broker.jobnet.findings import FindingCode, Severity

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
