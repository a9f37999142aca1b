"""C2 (revised): the creation right, decided from the request and the configured pairs alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dfdg_broker.cases.cooperations import CooperationFileInvalid, load_cooperations, parse_cooperations
from dfdg_broker.domain.access import BindingCooperations, CreateRight, create_right
from dfdg_broker.domain.municipalities import municipalities

SAMSO_AARHUS = BindingCooperations.of([("741", "751")])
CODES = st.sampled_from(sorted(municipalities()))


def test_C2_shipped_default_holds_the_two_checked_island_pairs():
    shipped = load_cooperations(None)
    assert ("825", "813") in shipped  # Læsø - Frederikshavn
    assert ("741", "751") in shipped  # Samsø - Aarhus
    assert ("813", "825") not in shipped, "a pair is directed: the mainland serves the island"


@pytest.mark.parametrize(
    ("caller", "receiving", "jobcenter", "expected"),
    [
        ("741", "741", "741", CreateRight.ALLOWED),
        ("741", "741", "751", CreateRight.ALLOWED),
        ("751", "741", "751", CreateRight.ALLOWED),
        ("751", "741", "741", CreateRight.STRANGER),
        ("741", "751", "741", CreateRight.STRANGER),  # the reverse direction is no cooperation
        ("741", "741", "561", CreateRight.COOPERATION_UNKNOWN),
        ("751", "561", "751", CreateRight.STRANGER),  # the reported hijack
        ("561", "741", "751", CreateRight.STRANGER),
    ],
)
def test_C2_create_right(caller, receiving, jobcenter, expected):
    right = create_right(
        caller, receiving_municipality=receiving, jobcenter_municipality=jobcenter, cooperations=SAMSO_AARHUS
    )
    assert right is expected


@given(caller=CODES, receiving=CODES, jobcenter=CODES)
def test_C2_only_the_receiving_municipality_or_its_known_partner_may_create(caller, receiving, jobcenter):
    right = create_right(
        caller, receiving_municipality=receiving, jobcenter_municipality=jobcenter, cooperations=SAMSO_AARHUS
    )
    if right is CreateRight.ALLOWED:
        assert caller == receiving or (caller == jobcenter and (receiving, jobcenter) in SAMSO_AARHUS)
        assert jobcenter == receiving or (receiving, jobcenter) in SAMSO_AARHUS
    if caller not in (receiving, jobcenter):
        assert right is CreateRight.STRANGER


def test_C2_a_deployments_own_file_replaces_the_default(tmp_path: Path):
    path = tmp_path / "pairs.csv"
    path.write_text("receiving_municipality,jobcenter_municipality,source\n563,561,\n", encoding="utf-8")
    pairs = load_cooperations(path)
    assert ("563", "561") in pairs and ("741", "751") not in pairs


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("receiving,jobcenter\n741,751\n", "header"),
        ("receiving_municipality,jobcenter_municipality,source\n741,999,x\n", "line 2: jobcenter_municipality '999'"),
        ("receiving_municipality,jobcenter_municipality,source\n741,741,x\n", "line 2: a municipality does not"),
    ],
)
def test_C2_a_broken_cooperations_file_stops_the_start_up_naming_the_line(text, message):
    with pytest.raises(CooperationFileInvalid, match=message):
        parse_cooperations(text, name="pairs.csv")


def test_C2_an_unreadable_cooperations_file_is_named(tmp_path: Path):
    with pytest.raises(CooperationFileInvalid, match="cannot be read"):
        load_cooperations(tmp_path / "missing.csv")
