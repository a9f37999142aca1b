"""Presenters shared by more than one feature: records and domain values -> the shared API models."""

from __future__ import annotations

from datetime import date

from dfdg_broker.domain.case_dates import CaseDates, CvWindowState
from dfdg_broker.schemas import CvWindow


def cv_window(dates: CaseDates, today: date) -> CvWindow:
    """G2, G3 as the API shows them."""
    state = dates.cv_window_state(today)
    return CvWindow(
        opens_on=dates.effective_cv_date,
        closes_on=dates.cv_update_deadline,
        state=state,
        jobcenter_may_edit=state is CvWindowState.JOBCENTER,
    )
