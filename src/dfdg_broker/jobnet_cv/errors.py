"""The problems the Jobnet CV feature can answer with; each maps to one RFC 9457 code."""

from __future__ import annotations

from dfdg_broker.errors import NotFound, ProblemError


class CvWindowNotOpen(ProblemError):
    status = 409
    code = "cv_window_not_open"
    rule = "G2"
    title = "The Jobnet CV can be created only from the effective CV date"


class CvWindowClosed(ProblemError):
    status = 409
    code = "cv_window_closed"
    rule = "G3"
    title = "After the deadline only the citizen can update the Jobnet CV"


class CvHoldsPlaceholders(ProblemError):
    status = 422
    code = "cv_holds_placeholders"
    rule = "N1"
    title = "The CV holds placeholders; remove them (see findings)"


class CvHasBlockingFindings(ProblemError):
    status = 422
    code = "cv_has_blocking_findings"
    title = "Jobnet would refuse the CV as it stands (see findings)"


class PersonUnknownInRegister(ProblemError):
    status = 422
    code = "person_unknown_in_cpr_register"
    rule = "N15"
    title = "The CPR register does not know the citizen, so the CV has no name and address"


class NoSubmission(NotFound):
    code = "jobnet_cv_not_submitted"
    title = "No CV has been submitted to Jobnet for this contact group"
