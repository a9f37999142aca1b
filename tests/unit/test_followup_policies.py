"""F2, F7: the policies as data. Copenhagen's shipped policy is checked cell by cell against the letter's tables,
transcribed here once from seeds/003 (so a typo in the data file fails), and a broken policy file stops start-up."""

from __future__ import annotations

import json
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from dfdg_broker.app import create_app
from dfdg_broker.domain.followup import PolicyKind, TargetGroup, WorkloadBasis, workload
from dfdg_broker.followup.errors import UnknownPolicy
from dfdg_broker.followup.registry import PolicyFileInvalid, load_policies, packaged_policy_files
from dfdg_broker.settings import Environment, Settings

# Tabel 1: Samtalekadence i Jobcenter København pr. 1. januar 2020 (both pages of it)
TABLE_1 = [
    ("Dagpengemodtagere", "4 samtaler plus 2 fælles", "4 samtaler om året"),
    ("Jobparate kontanthjælp", "4 samtaler", "4 samtaler om året"),
    ("Aktivitetsparate kontanthjælp", "4 samtaler", "4 samtaler om året"),
    ("Uddannelsesparate uddannelseshjælp", "4 samtaler", "4 samtaler om året"),
    ("Aktivitetsparate uddannelseshjælp", "4 samtaler", "6 samtaler om året"),
    ("Sygedagpengemodtager", "6 samtaler", "1 samtaler om måneden"),
    ("Jobafklaringsforløb", "4 samtaler", "4 samtaler om året"),
    ("Ressourceforløb", "4 samtaler", "1 samtaler hver anden måned"),
    ("Fleksjobberettiget", "4 samtaler", "4 samtaler om året"),
    ("Revalidend", "4 samtaler", "4 samtaler om året"),
]
# The reading of each cell: (individual, joint) in the first 6 months, conversations per year thereafter.
CELL_READINGS = {
    "4 samtaler plus 2 fælles": (4, 2),
    "4 samtaler": (4, 0),
    "6 samtaler": (6, 0),
    "4 samtaler om året": 4,
    "6 samtaler om året": 6,
    "1 samtaler om måneden": 12,
    "1 samtaler hver anden måned": 6,
}
# Tabel 2: Borgere i Jobcenter København fordelt på målgrupper, 2019 (fuldtidspersoner, Danish thousands separators)
TABLE_2 = [
    ("Dagpengemodtagere", "13.695"),
    ("Kontanthjælp mv", "13.407"),
    ("Uddannelseshjælp", "2.634"),
    ("For- og revalidering", "381"),
    ("Sygedagpengemodtagere", "6.419"),
    ("Jobafklaringsforløb", "1.402"),
    ("Ressourceforløb", "3.150"),
    ("Ledighedsydelse", "747"),
    ("Fleksjob", "2.694"),
    ("Førtidspension", "11.824"),
]
TEMPORARY_SUPPORT_TOTAL = "41.835"  # Midlertidig forsørgelse i alt (the first eight rows)
ALL_BENEFIT_GROUPS_TOTAL = "56.353"  # Ydelsesgrupper i alt
# Tabel 3: Norm for samtaletid fordelt på målgrupper i budgetmodellen (minutes; Førtidspension left blank)
TABLE_3 = [
    ("Dagpengemodtagere", "20"),
    ("Kontanthjælp mv", "29"),
    ("Uddannelseshjælp", "30"),
    ("For- og revalidering", "25"),
    ("Sygedagpengemodtagere", "30"),
    ("Jobafklaringsforløb", "43"),
    ("Ressourceforløb", "42"),
    ("Ledighedsydelse", "35"),
    ("Fleksjob", "50"),
    ("Førtidspension", ""),
]
# Integration act, answer to question 2: 4 a year after the 6 months (benefit recipients) and for family-supported.
COPENHAGEN_INTEGRATION = {
    TargetGroup.INTEGRATION_BENEFIT_RECIPIENT: (4, 4),
    TargetGroup.INTEGRATION_SELF_SUPPORTING: (0, 4),
}


def danish_number(text: str) -> int:
    return int(text.replace(".", ""))


REGISTRY = load_policies()
COPENHAGEN_FILE = REGISTRY.files["copenhagen"]
COPENHAGEN = REGISTRY.policies["copenhagen"]


@pytest.mark.parametrize(("danish_name", "first_6_months", "thereafter"), TABLE_1)
def test_F2_copenhagen_policy_reproduces_table_1_cell_by_cell(
    danish_name: str, first_6_months: str, thereafter: str
) -> None:
    [(group, row)] = [(g, c) for g, c in COPENHAGEN_FILE.cadences.items() if c.danish_name == danish_name]
    assert row.as_written is not None
    assert (row.as_written.first_6_months, row.as_written.thereafter) == (first_6_months, thereafter)
    cadence = COPENHAGEN.cadences[group]
    assert (cadence.initial_conversations, cadence.initial_joint_conversations) == CELL_READINGS[first_6_months]
    assert cadence.per_year_thereafter == CELL_READINGS[thereafter]


def test_F2_copenhagen_policy_has_exactly_table_1_and_the_integration_act_rows() -> None:
    lab = {g for g in COPENHAGEN.cadences if g.act.value == "lab"}
    assert len(lab) == len(TABLE_1)
    integration = {g: (c.initial_conversations, c.per_year_thereafter) for g, c in COPENHAGEN.cadences.items()}
    assert {g: integration[g] for g in COPENHAGEN_INTEGRATION} == COPENHAGEN_INTEGRATION
    assert set(COPENHAGEN.cadences) == lab | set(COPENHAGEN_INTEGRATION)


def test_F2_copenhagen_is_municipality_101_others_get_the_legal_minimum() -> None:
    assert REGISTRY.for_municipality("101") is COPENHAGEN
    assert REGISTRY.for_municipality("751") is REGISTRY.legal_minimum
    assert COPENHAGEN.valid_from == date(2020, 1, 1)


def test_F7_copenhagen_workload_groups_reproduce_tables_2_and_3() -> None:
    groups = COPENHAGEN.workload_groups
    assert [(g.danish_name, g.full_time_persons) for g in groups] == [(n, danish_number(v)) for n, v in TABLE_2]
    assert [(g.danish_name, g.norm_minutes) for g in groups] == [(n, int(v) if v else None) for n, v in TABLE_3]


def test_F7_copenhagen_workload_reproduces_the_letters_person_totals() -> None:
    result = workload(COPENHAGEN, REGISTRY.legal_minimum, {})
    temporary = sum(line.full_time_persons for line in result.lines if line.group.temporary_support)
    assert temporary == danish_number(TEMPORARY_SUPPORT_TOTAL)
    assert result.full_time_persons == danish_number(ALL_BENEFIT_GROUPS_TOTAL)


def test_F7_copenhagen_workload_figures() -> None:
    """The letter gives no hours; these follow from tables 1-3 under the documented readings (first year)."""
    result = workload(COPENHAGEN, REGISTRY.legal_minimum, {}, WorkloadBasis.FIRST_YEAR)
    per_person = {line.group.key: line.conversations_per_person for line in result.lines}
    assert per_person == {
        "unemployment-insurance": 8,  # 4 + 2 joint, then 4 a year for 6 months
        "cash-benefit": 6,
        "education-benefit": 7,  # activity-ready: 4, then 6 a year for 6 months
        "pre-rehabilitation-and-rehabilitation": 6,
        "sickness-benefit": 12,  # 6, then one a month for 6 months
        "job-clarification-course": 6,
        "resource-course": 7,  # 4, then every other month for 6 months
        "unemployment-benefit-flex-job": 6,
        "flex-job": None,
        "disability-pension": None,
    }
    assert result.norm_hours == Fraction(1481639, 10)


# ---------------------------------------------------------------- loading


def _write(folder: Path, name: str, document: dict[str, Any]) -> None:
    (folder / name).write_text(json.dumps(document), encoding="utf-8")


AARHUS = {
    "name": "aarhus",
    "kind": "municipal",
    "title": "Aarhus, example",
    "legal_basis": "byrådet",
    "valid_from": "2025-01-01",
    "municipalities": ["751"],
    "cadences": {"integration-self-supporting": {"per_year_thereafter": 2}},
}


def test_F2_a_municipality_policy_file_is_selected_for_its_code(tmp_path: Path) -> None:
    _write(tmp_path, "aarhus.json", AARHUS)
    registry = load_policies(tmp_path)
    assert registry.for_municipality("751").name == "aarhus"
    assert registry.for_municipality("101").name == "copenhagen"
    assert (
        registry.named("aarhus", field="policy").cadences[TargetGroup.INTEGRATION_SELF_SUPPORTING].per_year_thereafter
        == 2
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"cadences": {"no-such-group": {}}}, "cadences.no-such-group"),
        ({"cadences": {"sickness-benefit": {"visitation_after_months": 1}}}, "not when"),
        ({"cadences": {"sickness-benefit": {"per_year_thereafter": -1}}}, "per_year_thereafter"),
        ({"municipalities": ["999"]}, "999"),
        ({"municipalities": ["101"]}, "municipality 101 already uses 'copenhagen'"),
        ({"name": "copenhagen"}, "already taken"),
        ({"kind": "legal-minimum"}, "legal minimum"),
        ({"valid_to": "2024-01-01"}, "valid_to is before valid_from"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_F2_a_broken_policy_file_fails_loading_naming_file_and_field(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    _write(tmp_path, "aarhus.json", {**AARHUS, **change})
    with pytest.raises(PolicyFileInvalid) as caught:
        load_policies(tmp_path)
    assert "aarhus.json" in str(caught.value)
    assert message in str(caught.value)


def test_F2_a_broken_policy_file_stops_the_app_at_start_up_not_at_request_time(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(PolicyFileInvalid, match=r"broken\.json"):
        create_app(Settings(environment=Environment.TEST, followup_policy_dir=tmp_path))


def test_F2_a_missing_policy_directory_fails_loading(tmp_path: Path) -> None:
    with pytest.raises(PolicyFileInvalid, match="not a directory"):
        load_policies(tmp_path / "absent")


def test_F2_an_unknown_policy_name_is_a_problem_naming_F2() -> None:
    with pytest.raises(UnknownPolicy) as caught:
        REGISTRY.named("atlantis", field="body.policy")
    assert caught.value.rule == "F2" and caught.value.field == "body.policy"


def test_F2_the_packaged_policies_are_the_legal_minimum_and_copenhagen() -> None:
    assert [origin for origin, _ in packaged_policy_files()] == [
        "packaged copenhagen.json",
        "packaged legal-minimum.json",
    ]
    assert REGISTRY.legal_minimum.kind is PolicyKind.LEGAL_MINIMUM
    assert set(REGISTRY.legal_minimum.cadences) == set(TargetGroup)
