"""The Jobnet CV feature's logic: build a draft from DA1 (G1 via ``CaseService.read_area``) and the CPR register
(N15), and submit a reviewed CV to Jobnet within the CV window (G2, G3) with consent for a searchable CV (G4).

The rules are in ``jobnet.normaliser`` and ``domain.case_dates``; this module only sequences them with I/O. Outbound
calls happen while no transaction is open; the submission row is written after Jobnet has accepted the CV.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from dataclasses import asdict, dataclass
from typing import Any

from dfdg_broker.cases.records import Case
from dfdg_broker.cases.service import AreaRead, CaseService
from dfdg_broker.clock import Clock
from dfdg_broker.cpr_register.client import CprRegisterClient
from dfdg_broker.cpr_register.schemas import RegisterEntry
from dfdg_broker.db.unit_of_work import UnitOfWork
from dfdg_broker.domain import cpr as cpr_rules
from dfdg_broker.domain.areas import DataArea
from dfdg_broker.domain.case_dates import CvWindowState
from dfdg_broker.errors import unavailable
from dfdg_broker.jobnet.classification import Classification
from dfdg_broker.jobnet.client import JobnetClient
from dfdg_broker.jobnet.cv import Address, JobnetCv, PersonName
from dfdg_broker.jobnet.findings import Finding
from dfdg_broker.jobnet.igu import PersonFacts
from dfdg_broker.jobnet.normaliser import (
    PLACEHOLDER_CODES,
    CvContext,
    NormalisedCv,
    draft_from_operator,
    normalise,
    require_consent_for_searchable,
    submit_refusals,
)
from dfdg_broker.jobnet.schemas import CvReceipt
from dfdg_broker.jobnet_cv.errors import (
    CvHasBlockingFindings,
    CvHoldsPlaceholders,
    CvWindowClosed,
    CvWindowNotOpen,
    NoSubmission,
    PersonUnknownInRegister,
)
from dfdg_broker.jobnet_cv.facts_cache import CitizenFactsCache
from dfdg_broker.jobnet_cv.repository import JobnetCvRepository, SubmissionRecord
from dfdg_broker.letasyl.client import LetAsylClient
from dfdg_broker.letasyl.schemas import CvArea
from dfdg_broker.upstream import UpstreamFailure

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Draft:
    case: Case
    area: AreaRead
    result: NormalisedCv


class JobnetCvService:
    def __init__(
        self,
        cases: CaseService,
        uow: UnitOfWork,
        repo: JobnetCvRepository,
        letasyl: LetAsylClient,
        cpr_register: CprRegisterClient,
        jobnet: JobnetClient,
        clock: Clock,
        classification: Classification,
        placeholders: frozenset[str],
        facts: CitizenFactsCache | None = None,
    ) -> None:
        self._facts = facts or CitizenFactsCache(0)
        self._cases = cases
        self._uow = uow
        self._repo = repo
        self._letasyl = letasyl
        self._cpr_register = cpr_register
        self._jobnet = jobnet
        self._clock = clock
        self._classification = classification
        self._placeholders = placeholders

    async def draft(self, caller_municipality: str, case_id: str) -> Draft:
        """DA1 as served under G1, normalised into a Jobnet CV with findings. Allowed on any day: it changes
        nothing, and a caseworker may prepare the CV before the window opens."""
        # The case and DA1's latest snapshot in one query: on a frozen DA1 that snapshot is usually the one served.
        case, latest = await self._cases.get_with_latest_snapshot(caller_municipality, case_id, DataArea.CV)
        # Ended at once, whatever follows (the registers, the normaliser): the pooled connection is free again for
        # the requests waiting for one.
        await self._uow.end_read_phase()
        today = self._clock.today()
        held_register, held_person = self._facts.register(case.id, today), self._facts.person(case.id, today)
        if held_register is not None and held_person is not None:
            register, person = held_register, held_person
        else:  # each helper asks only if its part is not held for today
            register, person = await asyncio.gather(self._register(case), self._person(case))
        facts, operator_name = person
        # DA1 as served under G1: the frozen snapshot from the database, or a live read from the operator.
        area = await self._cases.read_area_of(case, DataArea.CV, latest=(latest,))
        # A live read's answer was validated as CvArea on arrival; a snapshot from the database is validated here.
        answer = area.answer
        operator_cv = answer if isinstance(answer, CvArea) else CvArea.model_validate(area.snapshot.data)
        context = self._context(register, facts)
        return Draft(case, area, draft_from_operator(operator_cv, context, operator_name=operator_name))

    async def submit(self, caller_municipality: str, case_id: str, cv: JobnetCv) -> SubmissionRecord:
        """G2, G3: only within the window; G4: consent for a searchable CV; then the normaliser's checks, refusing
        placeholders (N1) and blocking findings. What Jobnet receives is the normalised CV."""
        case = await self._cases.get(caller_municipality, case_id)
        today = self._clock.today()
        dates = case.dates
        opens_on, closes_on = dates.effective_cv_date.isoformat(), dates.cv_update_deadline.isoformat()
        state = dates.cv_window_state(today)
        if state is CvWindowState.NOT_YET_OPEN:
            raise CvWindowNotOpen(f"The CV window opens on {opens_on}.", opens_on=opens_on, closes_on=closes_on)
        if state is CvWindowState.CITIZEN:
            raise CvWindowClosed(
                f"The CV window closed after {closes_on}; the citizen updates the CV now (C8).",
                opens_on=opens_on,
                closes_on=closes_on,
            )
        require_consent_for_searchable(cv)
        await self._uow.end_read_phase()
        register = await self._register(case)
        result = normalise(cv, self._context(register, None))
        refusals = submit_refusals(result)
        if refusals:
            listed = [_finding_dict(f) for f in refusals]
            placeholders = [f for f in refusals if f.code in PLACEHOLDER_CODES]
            refused = CvHoldsPlaceholders if placeholders else CvHasBlockingFindings
            first = (placeholders or refusals)[0]
            raise refused(field="body" + first.path.removeprefix("$"), findings=listed)
        key = submission_key(case.id, caller_municipality, result.cv)
        held = await self._held_by_jobnet(case, key)
        try:
            receipt = held or await self._jobnet.put_cv(
                case.jobnet_cv_number, result.cv, caller_municipality, submission_key=key
            )
        except UpstreamFailure as failure:
            raise unavailable(failure) from None
        await self._uow.begin_write_phase()
        if held is not None:
            recorded = await self._repo.latest_submission(case.id)
            if recorded is not None and recorded.jobnet_received_at == held.received_at:
                return recorded  # Jobnet holds exactly this, and so do we: nothing to send or record
        record = SubmissionRecord(
            case_id=case.id,
            cv_number=case.jobnet_cv_number,
            submitted_at=self._clock.now(),
            submitted_on=today,
            submitted_by_municipality=caller_municipality,
            searchable=result.cv.searchable,
            consent=result.cv.consent,
            jobnet_status=receipt.status,
            jobnet_received_at=receipt.received_at,
            cv=result.cv.model_dump(mode="json"),
            findings=[_finding_dict(f) for f in result.findings],
        )
        await self._repo.add_submission(record)
        log.info("Jobnet CV submitted for %s (status %s)", case.id, receipt.status)
        return record

    async def _held_by_jobnet(self, case: Case, key: str) -> CvReceipt | None:
        """Jobnet's receipt if the CV it holds is this very upload (same key): sent before, by a request whose
        record was lost (a failed commit), or recorded already. None if not, or if Jobnet cannot say: the PUT is
        idempotent, so sending again is then the safe way."""
        try:
            receipt = await self._jobnet.cv_receipt(case.jobnet_cv_number)
        except UpstreamFailure as failure:
            log.warning("Jobnet CV receipt not checked before the upload: %s", failure.reason)
            return None
        return receipt if receipt is not None and receipt.submission_key == key else None

    async def last_submission(self, caller_municipality: str, case_id: str) -> SubmissionRecord:
        case = await self._cases.get(caller_municipality, case_id)
        record = await self._repo.latest_submission(case.id)
        if record is None:
            raise NoSubmission()
        return record

    # ---------------------------------------------------------------- helpers

    def _context(self, register: RegisterEntry, facts: PersonFacts | None) -> CvContext:
        return CvContext(
            today=self._clock.today(),
            classification=self._classification,
            placeholders=self._placeholders,
            name=PersonName(first_name=register.first_name, last_name=register.last_name),
            address=Address(street=register.street, postal_code=register.postal_code, city=register.city),
            person=facts,
        )

    async def _register(self, case: Case) -> RegisterEntry:
        """N15: name and address from the CPR register, asked once per case and day (``CitizenFactsCache``).
        Without them no CV can be sent, so failures are fatal."""

        async def look_up() -> RegisterEntry:
            try:
                entry = await self._cpr_register.lookup(case.cpr)
            except UpstreamFailure as failure:
                raise unavailable(failure) from None
            if entry is None:
                raise PersonUnknownInRegister()
            return entry

        return await self._facts.register_once(case.id, self._clock.today(), look_up)

    async def _person(self, case: Case) -> tuple[PersonFacts, PersonName | None]:
        """N13 facts, and the name the operator holds (to report a difference from the register, N15). The
        operator's person record only adds the date of entry: if it cannot be had, that condition is unchecked.
        Asked once per case and day (a failed look-up is asked again next time)."""
        today = self._clock.today()

        async def look_up() -> tuple[PersonFacts, PersonName | None]:
            birth_date = cpr_rules.parse(case.cpr, today=today).birth_date
            try:
                person = await self._letasyl.find_person(case.cpr, case.receiving_municipality)
            except UpstreamFailure as failure:
                log.warning("IGU facts without the date of entry: %s", failure.reason)
                person = None
            facts = PersonFacts(birth_date, case.asylum_decision_date, person.date_of_entry if person else None)
            name = PersonName(first_name=person.first_name, last_name=person.last_name) if person else None
            return facts, name

        return await self._facts.person_once(case.id, today, look_up)


def submission_key(case_id: str, municipality: str, cv: JobnetCv) -> str:
    """Our key for an upload: the case, the submitting municipality and the CV's content (canonical JSON)."""
    material = json.dumps(
        [case_id, municipality, cv.model_dump(mode="json")], sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return "dfdg-" + hashlib.sha256(material.encode()).hexdigest()[:40]


def _finding_dict(finding: Finding) -> dict[str, Any]:
    document = asdict(finding)
    document["severity"] = finding.severity.value
    document["suggestions"] = [asdict(s) for s in finding.suggestions]
    return document
