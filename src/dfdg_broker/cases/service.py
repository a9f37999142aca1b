"""The cases feature's logic: create a contact group, read it, read its data areas with the date rules applied.

Each public method reads what it needs, ends the read transaction, talks to the upstream, then writes (the
phases of ``db.unit_of_work``). The rules themselves live in ``domain``; this module only sequences them with I/O.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Literal, cast

from dfdg_broker.cases.answer_cache import KnownAnswer, LiveAnswerCache
from dfdg_broker.cases.errors import (
    AttachmentNotFound,
    BindingCooperationUnknown,
    CallerNotParty,
    CaseAlreadyExists,
    CaseNotFound,
    PersonUnknownAtOperator,
)
from dfdg_broker.cases.frozen_cache import CACHEABLE_AREAS, FrozenAreaCache, FrozenEntry
from dfdg_broker.cases.records import (
    Blob,
    Case,
    Change,
    ConversationEntry,
    SituationEntry,
    Snapshot,
    StoredSnapshot,
    TaskDone,
)
from dfdg_broker.cases.repository import AreaReadRepository, CaseRepository, FrozenCheckRepository
from dfdg_broker.clock import Clock
from dfdg_broker.db.driver import WriteBatch
from dfdg_broker.db.unit_of_work import UnitOfWork
from dfdg_broker.domain import cpr as cpr_rules
from dfdg_broker.domain.access import BindingCooperations, CreateRight, create_right
from dfdg_broker.domain.areas import DataArea
from dfdg_broker.domain.case_dates import DateBounds, build_case_dates, check_bounds
from dfdg_broker.domain.contact_groups import ContactGroup
from dfdg_broker.domain.minors import require_case_allowed
from dfdg_broker.domain.municipalities import require_municipality
from dfdg_broker.errors import stale_reason, unavailable
from dfdg_broker.jobnet.client import JobnetClient
from dfdg_broker.letasyl.client import LetAsylClient, area_from_content
from dfdg_broker.letasyl.schemas import AttachmentsArea, WireModel
from dfdg_broker.protection import Protection
from dfdg_broker.upstream import UpstreamFailure

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class NewCase:
    """A create request, already parsed by the HTTP layer but not yet checked against the rules."""

    cpr: str
    receiving_municipality: str
    jobcenter_municipality: str | None
    contact_group: ContactGroup
    handover_date: date
    early_takeover_cv: date | None
    early_takeover_contract: date | None
    cv_update_deadline: date | None
    special_procedure_ref: str | None


@dataclass(frozen=True, slots=True)
class AreaRead:
    """A data area as served, with where it came from (G1)."""

    case: Case
    area: DataArea
    snapshot: Snapshot
    mode: Literal["live", "frozen"]
    takeover_date: date
    retrieved_at: datetime | None = None  # when this request asked the operator, if it did
    final_snapshot_after_takeover: bool = False
    stale_reason: str | None = None
    supplement: Snapshot | None = None  # DA2: the DA3 snapshot its competence items come from
    content_changed: bool = False  # this read stored a snapshot whose content differs from the last one
    answer: WireModel | None = None  # the snapshot's data as validated when the operator sent it, if this read asked
    answer_json: bytes | None = None  # ``answer`` as JSON (by alias), dumped once per answer (``answer_cache``)


def snapshot_json(answer: WireModel) -> bytes:
    """The snapshot's document (``answer.model_dump(mode="json")``) as ``Protection.seal_json`` encodes it, written
    by pydantic in one pass instead of by the stdlib encoder over the dumped dict again (issue 14). The same bytes:
    compact, in field order, non-ASCII as it is, the same escapes; floats, the one value the two write differently,
    no area holds (tests/unit/test_snapshot_json.py)."""
    return answer.model_dump_json().encode()


@dataclass(frozen=True, slots=True)
class _Capture:
    snapshot: Snapshot
    blobs: list[Blob]
    answer: WireModel  # the snapshot's data as validated on arrival
    answer_json: bytes | None  # ``answer`` as JSON (by alias), for a live read (``case_id`` given) only


class FrozenAreaReads:
    """G1 frozen reads served from the process's cache of serialised responses (``frozen_cache``). A hit needs no
    unit of work: one query on the driver checks what may have changed since (``FrozenCheckRepository``)."""

    def __init__(self, cache: FrozenAreaCache | None, check: FrozenCheckRepository, clock: Clock) -> None:
        self._cache = cache
        self._check = check
        self._clock = clock

    async def cached_response(self, caller_municipality: str, case_id: str, area: DataArea) -> bytes | None:
        """The serialised response of a frozen area read earlier by this process, if it still holds: one query
        checks the case (C2; its dates: the area must be frozen, under the same takeover date) and that the cached
        snapshot is still stored. None means "read it the ordinary way" (then ``remember``)."""
        cache = self._cache
        if cache is None or area not in CACHEABLE_AREAS:
            return None
        entry = cache.get(case_id, area)
        if entry is None:
            return None
        check = await self._check.frozen_check(case_id, area, entry.snapshot_taken_on, entry.snapshot_sha256)
        if check is None:  # erased, perhaps by another process: forget what this one held
            cache.discard(case_id)
            raise CaseNotFound()
        if not check.visible_to(caller_municipality):
            raise CaseNotFound()  # C2, exactly as on the ordinary path
        if (
            check.still_held
            and check.dates.is_frozen(area, self._clock.today())
            and check.dates.takeover_date(area) == entry.takeover_date
        ):
            return entry.body
        cache.discard(case_id, area)
        return None

    def remember(self, read: AreaRead, body: bytes) -> None:
        """Keep a frozen read's serialised response for the next reads, when it came from the database alone (a
        response that asked the operator carries this request's ``retrieved_at``)."""
        if (
            self._cache is None
            or read.mode != "frozen"
            or read.retrieved_at is not None
            or read.stale_reason is not None
        ):
            return
        entry = FrozenEntry(read.takeover_date, read.snapshot.taken_on, read.snapshot.content_sha256, body)
        self._cache.put(read.case.id, read.area, entry)


class CaseService:
    def __init__(
        self,
        repo: CaseRepository,
        uow: UnitOfWork,
        letasyl: LetAsylClient,
        jobnet: JobnetClient,
        clock: Clock,
        protection: Protection,
        cooperations: BindingCooperations | None = None,
        area_reads: AreaReadRepository | None = None,
        answers: LiveAnswerCache | None = None,
    ) -> None:
        self._repo = repo
        self._answers = answers  # the operator's last answer per case and area, as validated (``answer_cache``)
        # The read phase of a data-area read or a CV draft: on the driver for a request (one round trip, no
        # session), else in the unit of work (the sweep).
        self._area_reads: AreaReadRepository | CaseRepository = area_reads or repo
        self._uow = uow
        self._cooperations = cooperations or BindingCooperations()
        # The snapshots of a case this request created: what ``held_snapshot`` serves for it (no earlier ones
        # exist), so the summary shown with the create reads nothing back while SQLite's write lock is held.
        self._created: tuple[str, dict[DataArea, Snapshot]] | None = None
        self._created_answers: dict[DataArea, WireModel] = {}  # their data as validated on arrival (``created_answer``)
        self._letasyl = letasyl
        self._jobnet = jobnet
        self._clock = clock
        self._protection = protection

    # ---------------------------------------------------------------- create (C1-C7, M1)

    async def create(self, caller_municipality: str, new: NewCase) -> Case:
        today = self._clock.today()
        receiving = new.receiving_municipality
        jobcenter = new.jobcenter_municipality or receiving
        # C2 first, from the request alone: a stranger learns nothing about the citizen, the case or the input.
        right = create_right(
            caller_municipality,
            receiving_municipality=receiving,
            jobcenter_municipality=jobcenter,
            cooperations=self._cooperations,
        )
        if right is CreateRight.STRANGER:
            raise CallerNotParty()
        require_municipality(receiving, field="receiving_municipality")
        require_municipality(jobcenter, field="jobcenter_municipality")
        if right is CreateRight.COOPERATION_UNKNOWN:
            raise BindingCooperationUnknown(
                "Name a jobcenter municipality in a binding cooperation with the receiving municipality, or none.",
                field="body.jobcenter_municipality",
            )
        cpr = cpr_rules.parse(new.cpr, today=today)
        dates = build_case_dates(
            new.handover_date,
            early_takeover_cv=new.early_takeover_cv,
            early_takeover_contract=new.early_takeover_contract,
            cv_update_deadline=new.cv_update_deadline,
            bounds=DateBounds.for_case(created_on=today),  # C5: nothing more than a year ahead, before any call
        )
        require_case_allowed(cpr, today=today, special_procedure_ref=new.special_procedure_ref)

        if await self._repo.case_exists(cpr.value, receiving):
            raise self._already_exists(await self._repo.find(cpr.value, receiving), caller_municipality)
        await self._uow.end_read_phase()

        try:
            person = await self._letasyl.find_person(cpr.value, receiving)
            if person is None:
                raise PersonUnknownAtOperator(
                    "Check the CPR number and the receiving municipality against the immigration service's letter."
                )
            # C5 (added): no date before the asylum decision; M1 (added): the operator says which kind of minor.
            check_bounds(given_dates(new), DateBounds(earliest=person.asylum_decision_date))
            require_case_allowed(
                cpr, today=today, special_procedure_ref=new.special_procedure_ref, minor_kind=person.minor_kind
            )
            # The areas and the Jobnet profile at once (C7 needs only the person's name). If an area fails, a
            # profile created meanwhile stays: the retried create finds it (created_by_broker is then false).
            *results, profile = await asyncio.gather(
                *(self._capture(cpr.value, receiving, person.person_id, area, set()) for area in DataArea),
                self._jobnet.ensure_profile(cpr.value, person.first_name, person.last_name),
            )
            captures = cast(list[_Capture], results)
            cv_number, created = cast(tuple[int, bool], profile)
        except UpstreamFailure as failure:
            raise unavailable(failure) from None

        case = Case(
            id="cg_" + secrets.token_urlsafe(16),
            cpr=cpr.value,
            receiving_municipality=receiving,
            jobcenter_municipality=jobcenter,
            contact_group=new.contact_group,
            dates=dates,
            special_procedure_ref=(new.special_procedure_ref or "").strip() or None,
            person_id=person.person_id,
            asylum_decision_date=person.asylum_decision_date,
            jobnet_cv_number=cv_number,
            jobnet_profile_created=created,
            created_on=today,
            created_at=self._clock.now(),
            created_by_municipality=caller_municipality,
        )
        # Staged, not written: the unit of work writes the case, its first snapshots and documents, and what the
        # rest of the request adds (its worklist rows, its access-log row) in one transaction when it commits.
        first = [replace(capture.snapshot, seq=1) for capture in captures]
        blobs = [blob for capture in captures for blob in capture.blobs]
        batch = WriteBatch()
        encoded = [snapshot_json(capture.answer) for capture in captures]
        self._repo.stage_new_case(batch, case, first, blobs, self._clock.now(), encoded)

        async def created_meanwhile() -> Exception:  # another request created it while we asked the upstream
            return self._already_exists(await self._repo.find(cpr.value, receiving), caller_municipality)

        self._uow.stage(batch, on_conflict=created_meanwhile)
        self._created = (case.id, {snapshot.area: snapshot for snapshot in first})
        self._created_answers = {capture.snapshot.area: capture.answer for capture in captures}
        log.info("contact group %s created (Jobnet profile created: %s)", case.id, created)
        return case

    # ---------------------------------------------------------------- read

    async def get(self, caller_municipality: str, case_id: str) -> Case:
        case = await self._repo.get(case_id)
        if case is None or not case.visible_to(caller_municipality):
            raise CaseNotFound()  # C2: to any other municipality the case does not exist
        return case

    async def read_area(self, caller_municipality: str, case_id: str, area: DataArea) -> AreaRead:
        """G1: DA1/DA2 live before their takeover date (every read refreshes), frozen after it; DA3/DA4 always
        live. The integration contract (DA2) also carries DA3's competence items, from the DA3 snapshot held.
        The case and the area's latest snapshot come in one query."""
        case, latest = await self.get_with_latest_snapshot(caller_municipality, case_id, area)
        return await self.read_area_of(case, area, latest=(latest,))

    async def get_with_latest_snapshot(
        self, caller_municipality: str, case_id: str, area: DataArea
    ) -> tuple[Case, StoredSnapshot | None]:
        """The case (without its done tasks) and the area's latest snapshot, in one query: what ``read_area_of``
        needs (as its ``latest``), for a caller that has more to do between the two."""
        found = await self._area_reads.get_with_latest_snapshot(case_id, area)
        if found is None or not found[0].visible_to(caller_municipality):
            raise CaseNotFound()  # C2: to any other municipality the case does not exist
        return found

    async def read_area_of(
        self, case: Case, area: DataArea, *, latest: tuple[StoredSnapshot | None] | None = None
    ) -> AreaRead:
        """``read_area`` for a case the caller already holds (access checked); ``latest``, when given, is the
        area's latest snapshot as already read."""
        today = self._clock.today()
        takeover = case.dates.takeover_date(area)
        supplement = None
        if area is DataArea.INTEGRATION_CONTRACT:  # read before any upstream call (the read phase)
            supplement = await self.held_snapshot(case, DataArea.OTHER)
        if case.dates.is_frozen(area, today):
            newest = latest[0] if latest is not None else None
            if newest is not None and newest.taken_on <= takeover:
                # The newest snapshot is from on or before the date, so it is the last one from then (G1).
                read = AreaRead(case, area, newest.with_data(), "frozen", takeover)
            elif newest is not None and newest.seq == 1:
                # The only snapshot, taken after the date (a case created after it): its final snapshot (G1).
                read = AreaRead(case, area, newest.with_data(), "frozen", takeover, final_snapshot_after_takeover=True)
            else:
                read = await self._read_frozen(case, area, takeover)
        else:
            read = await self._read_live(case, area, takeover, prefetched=latest)
        return replace(read, supplement=supplement) if supplement is not None else read

    async def _read_live(
        self, case: Case, area: DataArea, takeover: date, *, prefetched: tuple[StoredSnapshot | None] | None = None
    ) -> AreaRead:
        latest: Snapshot | StoredSnapshot | None
        latest = prefetched[0] if prefetched is not None else await self._repo.latest_snapshot(case.id, area)
        known_blobs = await self._repo.blob_keys(case.id) if area is DataArea.ATTACHMENTS else set()
        await self._uow.end_read_phase()
        try:
            capture = await self._capture(
                case.cpr, case.receiving_municipality, case.person_id, area, known_blobs, case_id=case.id
            )
        except UpstreamFailure as failure:
            if latest is None:
                raise unavailable(failure) from None
            log.warning("serving the last snapshot of %s/%s: %s", case.id, area.value, failure.reason)
            stale = stale_reason(failure)
            return AreaRead(case, area, latest.with_data(), "live", takeover, retrieved_at=None, stale_reason=stale)
        fresh = capture.snapshot
        same = latest is not None and _same_content(latest, fresh)
        if same and latest is not None and latest.taken_on == fresh.taken_on:
            # The stored row already proves what was held on this day: served as stored, with the fresh data (the
            # same content), so the stored data is never opened.
            served = Snapshot(area, fresh.taken_on, latest.taken_at, latest.content_sha256, fresh.data, latest.seq)
            store_snapshot = False
        else:
            served, store_snapshot = fresh, True
        if store_snapshot or capture.blobs:
            await self._uow.begin_write_phase()
            await self._store(case.id, capture, after=latest, snapshot=store_snapshot)
        return AreaRead(
            case,
            area,
            served,
            "live",
            takeover,
            retrieved_at=fresh.taken_at,
            content_changed=not same,
            answer=capture.answer,
            answer_json=capture.answer_json,
        )

    async def _read_frozen(self, case: Case, area: DataArea, takeover: date) -> AreaRead:
        held, final = await self._frozen_snapshot(case, area, takeover)
        if held is not None:
            return AreaRead(case, area, held, "frozen", takeover, final_snapshot_after_takeover=final)
        # Nothing held from before the freeze: take one final snapshot and freeze that (G1).
        known_blobs = await self._repo.blob_keys(case.id) if area is DataArea.ATTACHMENTS else set()
        await self._uow.end_read_phase()
        try:
            capture = await self._capture(case.cpr, case.receiving_municipality, case.person_id, area, known_blobs)
        except UpstreamFailure as failure:
            raise unavailable(failure) from None
        await self._uow.begin_write_phase()
        await self._store(case.id, capture, after=None)  # nothing is held for the area at all
        return AreaRead(
            case,
            area,
            capture.snapshot,
            "frozen",
            takeover,
            retrieved_at=capture.snapshot.taken_at,
            final_snapshot_after_takeover=True,
        )

    async def _frozen_snapshot(self, case: Case, area: DataArea, takeover: date) -> tuple[Snapshot | None, bool]:
        """G1: the last snapshot taken on or before the takeover date; failing that, the first one taken after it
        (the final snapshot of a case created after the date). Returns (snapshot, is_final_after_takeover)."""
        held = await self._repo.latest_snapshot(case.id, area, on_or_before=takeover)
        if held is not None:
            return held, False
        return await self._repo.first_snapshot_after(case.id, area, takeover), True

    def created_here(self, case: Case) -> bool:
        """Whether this request created the case. Then nothing is stored about it beyond what the create wrote (no
        history, situations, conversations, tasks, PDF requests or receipts: nothing can name a case whose id is
        not yet committed), so what is computed from those starts from nothing instead of reading it back while
        SQLite's write lock is held."""
        return self._created is not None and self._created[0] == case.id

    def created_answer(self, case: Case, area: DataArea) -> WireModel | None:
        """For a case this request created (else None): the area's first snapshot's data as the operator's answer
        was validated on arrival, so what is computed from it (the summary) need not validate it again. The wire
        models are frozen, and validating the snapshot's data (the answer dumped) gives an equal model."""
        return self._created_answers.get(area) if self.created_here(case) else None

    async def held_snapshot(self, case: Case, area: DataArea) -> Snapshot | None:
        """The snapshot the broker serves for the area now without asking the operator: the frozen one (G1) once
        the area is frozen, the latest one while it is live. For what is computed from held data (DA4 downloads,
        P2 distribution, the case summary)."""
        if self._created is not None and self._created[0] == case.id:
            return self._created[1].get(area)  # created by this request: its first snapshots are all there is
        takeover = case.dates.takeover_date(area)
        if case.dates.is_frozen(area, self._clock.today()):
            served, _final = await self._frozen_snapshot(case, area, takeover)
            return served
        return await self._repo.latest_snapshot(case.id, area)

    async def attachment(self, caller_municipality: str, case_id: str, attachment_id: str) -> Blob:
        """DA4: a document listed in the attachments area as it is served now (frozen rules apply; a live area uses
        its latest snapshot), from the bytes verified and stored with that listing. Never asks the operator."""
        case = await self.get(caller_municipality, case_id)
        served = await self.held_snapshot(case, DataArea.ATTACHMENTS)
        listing = AttachmentsArea.model_validate(served.data) if served else AttachmentsArea()
        entry = next((a for a in listing.attachments if a.attachment_id == attachment_id), None)
        if entry is None:
            raise AttachmentNotFound()
        blob = await self._repo.get_blob(case_id, entry.attachment_id, entry.sha256)
        if blob is None:
            raise AttachmentNotFound("The attachment is listed but its bytes were never received from the operator.")
        return blob

    # ---------------------------------------------------------------- the case over time (issue 13)

    async def find_by_cpr(self, caller_municipality: str, cpr: str) -> list[Case]:
        """The caller's cases of one citizen (a look-up by CPR number, which arrives in a body, never a URL). C2: a
        case of another municipality is not there for the caller."""
        parsed = cpr_rules.parse(cpr, today=self._clock.today())
        cases = await self._repo.find_all(parsed.value)
        return [case for case in cases if case.visible_to(caller_municipality)]

    async def change(
        self,
        case: Case,
        values: dict[str, object],
        changes: list[Change],
        situation: SituationEntry | None = None,
    ) -> Case | None:
        """Write a PATCH (the caller holds the write phase): the columns, the history rows and a new situation, all
        or nothing. None when the case changed since ``case.revision`` was read (the ETag is stale)."""
        revision = await self._repo.update_case(case.id, case.revision, values)
        if revision is None:
            return None
        await self._repo.add_changes(case.id, [replace(c, revision=revision) for c in changes])
        if situation is not None:
            await self._repo.add_situation(case.id, situation)
        return await self._repo.get(case.id)

    async def history(self, case: Case) -> list[Change]:
        return await self._repo.history(case.id)

    async def situations(self, case: Case) -> list[SituationEntry]:
        return [] if self.created_here(case) else await self._repo.situations(case.id)

    async def conversations(self, case: Case) -> list[ConversationEntry]:
        return [] if self.created_here(case) else await self._repo.conversations(case.id)

    async def add_conversation(self, case: Case, entry: ConversationEntry) -> ConversationEntry:
        return await self._repo.add_conversation(case.id, entry)

    async def add_task_done(self, case: Case, task: TaskDone) -> bool:
        return await self._repo.add_task_done(case.id, task)

    async def task_done(self, case: Case, code: str) -> TaskDone | None:
        return await self._repo.task_done(case.id, code)

    # ---------------------------------------------------------------- helpers

    @staticmethod
    def _already_exists(existing: Case | None, caller_municipality: str) -> CaseAlreadyExists:
        if existing is not None and existing.visible_to(caller_municipality):
            return CaseAlreadyExists(
                "Use the existing contact group.",
                existing_id=existing.id,
                existing_href=f"/v1/contact-groups/{existing.id}",
            )
        return CaseAlreadyExists("It belongs to another jobcenter municipality.")

    async def _capture(
        self,
        cpr: str,
        receiving: str,
        person_id: str,
        area: DataArea,
        known_blobs: set[tuple[str, str]],
        *,
        case_id: str | None = None,
    ) -> _Capture:
        """The area as the operator holds it now, as a snapshot (and the documents it lists that are not held).
        With ``case_id`` (a live read), an answer byte for byte equal to the case's last one (``answer_cache``) is not
        validated, dumped or digested again."""
        content = await self._letasyl.fetch_area_content(cpr, receiving, area)
        known = None
        answer_json: bytes | None
        if self._answers is not None and case_id is not None:
            known = self._answers.get(case_id, area, content, self._protection)
        if known is not None:
            data, document, digest, answer_json = known.answer, known.document, known.content_sha256, known.answer_json
        else:
            data = area_from_content(area, content)
            document = data.model_dump(mode="json")
            digest = self._protection.content_digest(document)
            # The answer's JSON is a live read's response (``presenters.area_response_body``); a create or a final
            # snapshot answers with none, so it is not dumped for them.
            answer_json = None if case_id is None else data.model_dump_json(by_alias=True).encode()
            if self._answers is not None and case_id is not None and answer_json is not None:  # a live read
                self._answers.put(
                    case_id, area, content, KnownAnswer(data, document, digest, self._protection, answer_json)
                )
        blobs: list[Blob] = []
        if isinstance(data, AttachmentsArea):
            missing = [a for a in data.attachments if (a.attachment_id, a.sha256) not in known_blobs]
            contents = await asyncio.gather(*(self._letasyl.download_attachment(person_id, a) for a in missing))
            blobs = [
                Blob(a.attachment_id, a.sha256, a.media_type, a.size_bytes, content)
                for a, content in zip(missing, contents, strict=True)
            ]
        snapshot = Snapshot(
            area=area,
            taken_on=self._clock.today(),
            taken_at=self._clock.now(),
            content_sha256=digest,
            data=document,
        )
        return _Capture(snapshot, blobs, data, answer_json)

    async def _store(
        self, case_id: str, capture: _Capture, *, after: Snapshot | StoredSnapshot | None, snapshot: bool = True
    ) -> None:
        """``after``: the latest snapshot this request saw before asking the operator. If a concurrent request
        stored the next one first, this one stores nothing (see ``CaseRepository.add_snapshot``)."""
        if snapshot:
            await self._repo.add_snapshot(case_id, capture.snapshot, after=after)
        if capture.blobs:
            await self._repo.add_blobs(case_id, capture.blobs, self._clock.now())


def _same_content(stored: Snapshot | StoredSnapshot, fresh: Snapshot) -> bool:
    """G1's change check: the keyed digests; when they differ, the documents themselves, because a digest made
    under a data key that has since been rotated differs from a fresh one although the content does not."""
    return stored.content_sha256 == fresh.content_sha256 or stored.with_data().data == fresh.data


def given_dates(new: NewCase) -> dict[str, date | None]:
    """The dates a create request gave, by field (C5 names the first one out of bounds)."""
    return {
        "handover_date": new.handover_date,
        "early_takeover_cv": new.early_takeover_cv,
        "early_takeover_contract": new.early_takeover_contract,
        "cv_update_deadline": new.cv_update_deadline,
    }
