"""The problems the lifecycle feature can answer with; each maps to one RFC 9457 code."""

from __future__ import annotations

from dfdg_broker.errors import NotFound, ProblemError


class IfMatchRequired(ProblemError):
    status = 428
    code = "if_match_required"
    title = "A change needs the case's ETag in If-Match, so that two caseworkers cannot overwrite each other"


class CaseChangedSinceRead(ProblemError):
    status = 412
    code = "etag_stale"
    title = "The case changed since the ETag in If-Match was read: read it again and reapply the change"


class FieldNotNullable(ProblemError):
    status = 422
    code = "field_not_nullable"
    title = "This field cannot be removed (null) by a merge patch"


class PatchEmpty(ProblemError):
    status = 422
    code = "patch_empty"
    title = "The merge patch names no field to change"


class UnknownTask(NotFound):
    code = "task_unknown"
    rule = "C8"
    title = "No task with that code exists on a case"


class TaskAlreadyDone(ProblemError):
    status = 409
    code = "task_already_done"
    rule = "C8"
    title = "The task is already recorded as done"


class CursorInvalid(ProblemError):
    status = 400
    code = "cursor_invalid"
    title = "The cursor is not one this service handed out"
