"""P2: the case summary's undistributed documents agree with the distribution's packages, and the DA3/DA4 it reads
for a case the request created (the answers as validated on arrival) are what the case's snapshots hold."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from dfdg_broker.cases.records import Snapshot
from dfdg_broker.distribution.packages import DOCUMENT_PREFIX, undistributed_documents, unit_packages
from dfdg_broker.distribution.repository import Receipt
from dfdg_broker.distribution.service import held_areas
from dfdg_broker.domain.areas import DataArea
from dfdg_broker.domain.distribution import MunicipalUnit
from dfdg_broker.letasyl.client import area_from_content
from dfdg_broker.letasyl.schemas import (
    Attachment,
    AttachmentKind,
    AttachmentsArea,
    LinkedChild,
    MinorDetails,
    OtherArea,
    WireModel,
)
from dfdg_broker.mock.state import MockState

TODAY = date(2026, 11, 23)
CHILDREN = [  # a day-care child, a school child and one past school age (the citizen's business)
    LinkedChild(person_id="child-1", first_name="A", last_name="B", birth_date=date(2023, 5, 1)),
    LinkedChild(person_id="child-2", first_name="C", last_name="D", birth_date=date(2016, 2, 29)),
    LinkedChild(person_id="child-3", first_name="E", last_name="F", birth_date=date(2009, 1, 1)),
]
CHECKSUMS = ["a" * 64, "b" * 64]

attachments = st.lists(
    st.builds(
        lambda number, kind, concerns, checksum: Attachment(
            attachment_id=f"att-{number}",
            title="t",
            kind=kind,
            concerns_person_id=concerns,
            size_bytes=1,
            sha256=checksum,
        ),
        st.integers(0, 5),
        st.sampled_from(AttachmentKind),
        st.sampled_from([None, "child-1", "child-2", "child-3", "not-linked"]),
        st.sampled_from(CHECKSUMS),
    ),
    max_size=6,
    unique_by=lambda a: a.attachment_id,
)
other_areas = st.builds(
    lambda children, minor, notes: OtherArea(
        notes=notes,
        linked_children=children,
        minor=MinorDetails(accompaniment="unaccompanied") if minor else None,
    ),
    st.lists(st.sampled_from(CHILDREN), unique_by=lambda c: c.person_id),
    st.booleans(),
    st.sampled_from([None, "note"]),
)
received_items = st.dictionaries(  # what a unit's receipt held: documents and DA3 parts, some checksums since changed
    st.sampled_from(
        [f"{DOCUMENT_PREFIX}att-{n}" for n in range(6)] + ["other/notes", "other/raw_contact", "other/child:child-1"]
    ),
    st.sampled_from(CHECKSUMS),
)
receipts = st.lists(
    st.builds(
        lambda unit, package: Receipt(
            id=None,
            case_id="cg_1",
            unit=unit,
            received_on=TODAY,
            received_at=datetime(2026, 11, 23, tzinfo=UTC),
            recorded_by_municipality="101",
            note=None,
            package=package,
        ),
        st.sampled_from(MunicipalUnit),
        received_items,
    ),
    max_size=4,
)


@settings(max_examples=300, deadline=None)
@given(other=other_areas, documents=attachments, receipts=receipts)
def test_P2_summary_counts_the_same_undistributed_documents_as_the_packages(
    other: OtherArea, documents: list[Attachment], receipts: list[Receipt]
) -> None:
    held = AttachmentsArea(attachments=documents)
    packages = unit_packages(other, held, receipts, today=TODAY)

    counted = undistributed_documents(other, held, receipts, today=TODAY)

    assert counted == {
        package.unit: [key for key in package.undistributed if key.startswith(DOCUMENT_PREFIX)] for package in packages
    }


def _first_snapshot(area: DataArea, answer: WireModel) -> Snapshot:
    """The snapshot a create stores of an answer (``CaseService._capture``: the validated answer, dumped)."""
    return Snapshot(area, TODAY, datetime(2026, 11, 23, tzinfo=UTC), "0" * 64, answer.model_dump(mode="json"), 1)


@given(other=other_areas, documents=attachments)
def test_P2_a_created_cases_answers_as_validated_on_arrival_are_what_its_first_snapshots_hold(
    other: OtherArea, documents: list[Attachment]
) -> None:
    held = AttachmentsArea(attachments=documents)

    from_snapshots = held_areas(_first_snapshot(DataArea.OTHER, other), _first_snapshot(DataArea.ATTACHMENTS, held))

    assert from_snapshots == (other, held)


def test_P2_every_demo_personas_da3_and_da4_as_validated_on_arrival_are_what_its_first_snapshots_hold() -> None:
    state = MockState.with_demo_fixtures()
    for persona in state.personas.values():
        other, held = (
            area_from_content(area, state.area(persona, area).model_dump_json(by_alias=True).encode())
            for area in (DataArea.OTHER, DataArea.ATTACHMENTS)
        )
        from_snapshots = held_areas(_first_snapshot(DataArea.OTHER, other), _first_snapshot(DataArea.ATTACHMENTS, held))
        assert from_snapshots == (other, held), persona.key
