"""The broker's client for Jobnet: profiles (C7) and CVs (G3). The CPR number travels in request bodies only."""

from __future__ import annotations

import httpx

from dfdg_broker.jobnet.cv import JobnetCv
from dfdg_broker.jobnet.schemas import CvReceipt, CvUpload, Profile, ProfileCreate, ProfileLookup
from dfdg_broker.upstream import CallPolicy, UpstreamFailure, call, parse_answer, refusal

SYSTEM = "jobnet"


class JobnetClient:
    def __init__(self, http: httpx.AsyncClient, policy: CallPolicy) -> None:
        self._http = http
        self._policy = policy

    async def find_profile(self, cpr: str) -> int | None:
        body = ProfileLookup(cpr=cpr).model_dump()
        response = await call(
            SYSTEM,
            self._policy,
            lambda: self._http.post("/jobnet/v1/profile-lookups", json=body),
            idempotent=True,
            operation="jobnet.lookup_profile",
        )
        if response.status_code == 404:
            return None
        return _cv_number(response, expected=200)

    async def create_profile(self, cpr: str, first_name: str, last_name: str) -> int | None:
        """A new profile's CV number, or None if Jobnet says the citizen already has one (409).

        Not idempotent: retried only when the request provably never reached Jobnet."""
        body = ProfileCreate(cpr=cpr, first_name=first_name, last_name=last_name).model_dump()
        response = await call(
            SYSTEM,
            self._policy,
            lambda: self._http.post("/jobnet/v1/profiles", json=body),
            idempotent=False,
            operation="jobnet.create_profile",
        )
        if response.status_code == 409:
            return None
        return _cv_number(response, expected=201)

    async def ensure_profile(self, cpr: str, first_name: str, last_name: str) -> tuple[int, bool]:
        """C7: the citizen's CV number, creating the profile if there is none. Returns (cv_number, created here).

        If another request created the profile between our look-up and our create, Jobnet answers 409 and the
        profile is looked up again: it exists, but this call did not create it."""
        existing = await self.find_profile(cpr)
        if existing is not None:
            return existing, False
        created = await self.create_profile(cpr, first_name, last_name)
        if created is not None:
            return created, True
        raced = await self.find_profile(cpr)
        if raced is None:
            raise UpstreamFailure(SYSTEM, "profile reported as existing but not found")
        return raced, False

    async def cv_receipt(self, cv_number: int) -> CvReceipt | None:
        """Jobnet's receipt for the CV it holds under the CV number now; None if it holds none."""
        response = await call(
            SYSTEM,
            self._policy,
            lambda: self._http.get(f"/jobnet/v1/cvs/{cv_number}"),
            idempotent=True,
            operation="jobnet.get_cv",
        )
        if response.status_code == 404:
            return None
        return parse_answer(SYSTEM, response, CvReceipt)

    async def put_cv(
        self, cv_number: int, cv: JobnetCv, municipality: str, *, submission_key: str | None = None
    ) -> CvReceipt:
        """Create or replace the CV under its CV number. A PUT is idempotent, so it may be retried."""
        body = CvUpload(cv=cv, submitted_by_municipality=municipality, submission_key=submission_key).model_dump(
            mode="json"
        )
        response = await call(
            SYSTEM,
            self._policy,
            lambda: self._http.put(f"/jobnet/v1/cvs/{cv_number}", json=body),
            idempotent=True,
            operation="jobnet.put_cv",
        )
        if response.status_code == 404:
            raise refusal(SYSTEM, response, reason_code="jobnet_profile_unknown")
        return parse_answer(SYSTEM, response, CvReceipt)


def _cv_number(response: httpx.Response, *, expected: int) -> int:
    return parse_answer(SYSTEM, response, Profile, expect=expected).cv_number
