"""Why a caller reads a case: the ``X-Purpose`` header, checked, or a default derived from the token's scope."""

from __future__ import annotations

from dfdg_broker.audit.errors import PurposeInvalid

HEADER = "X-Purpose"
MAX_LENGTH = 200


def default_purpose(scope: str) -> str:
    """The purpose recorded when the caller states none: the scope that allowed the request."""
    return f"scope {scope}"


def checked_purpose(value: str | None, scope: str) -> str:
    """The stated purpose, trimmed; refused (422 ``purpose_invalid``) when longer than ``MAX_LENGTH``, empty, or not
    printable (control characters, CR/LF: a log row must not be able to forge another line in an export)."""
    if value is None:
        return default_purpose(scope)
    text = _utf8(value).strip()
    if not text or len(text) > MAX_LENGTH or not text.isprintable():
        raise PurposeInvalid()
    return text


def _utf8(value: str) -> str:
    """HTTP header values arrive decoded as Latin-1; a client that sent UTF-8 (``Sagsbehandling §``) meant UTF-8."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value
