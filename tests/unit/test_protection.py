"""Sealed values (AES-256-GCM envelopes) and key rings: a wrong key, a changed byte or a moved value never opens."""

from __future__ import annotations

import base64

import pytest

from dfdg_broker.protection import KeyRingError, Protection, UnreadableValue, Where, new_key_entry, parse_key_ring
from dfdg_broker.protection.sealing import key_id_of

A = f"a:{base64.b64encode(b'A' * 32).decode()}"
B = f"b:{base64.b64encode(b'B' * 32).decode()}"
HERE = Where("cases", "cpr", ("cg_1",))


def _protection(data: str, current: str | None = None) -> Protection:
    return Protection(parse_key_ring(data, current), parse_key_ring(A, None))


def test_a_sealed_value_opens_to_what_was_sealed_and_names_its_key():
    protection = _protection(A)
    sealed = protection.seal(b"1204882211", HERE)
    assert b"1204882211" not in sealed and key_id_of(sealed) == "a"
    assert protection.open(sealed, HERE) == b"1204882211"
    assert protection.seal(b"1204882211", HERE) != sealed, "a fresh nonce each time"


def test_an_old_key_still_opens_and_new_values_use_the_current_one():
    old = _protection(A).seal(b"x", HERE)
    ring = _protection(f"{B}, {A}", "b")
    assert ring.open(old, HERE) == b"x" and not ring.is_current(old)
    assert ring.is_current(ring.seal(b"x", HERE))


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda v: v[:-1] + bytes([v[-1] ^ 1]), "authentication failed under key 'a'"),
        (lambda v: v[:20], "truncated"),
        (lambda v: b"\x09" + v[1:], "not a sealed value of a known format"),
        (lambda v: b"1204882211", "not a sealed value of a known format"),
    ],
)
def test_a_changed_value_is_refused_with_where_and_why(change, says):
    protection = _protection(A)
    with pytest.raises(UnreadableValue, match=says) as refused:
        protection.open(change(protection.seal(b"1204882211", HERE)), HERE)
    assert "1204882211" not in str(refused.value) and "cases.cpr of row cg_1" in str(refused.value)


def test_a_value_moved_to_another_row_or_column_does_not_open():
    protection = _protection(A)
    sealed = protection.seal(b"1204882211", HERE)
    for elsewhere in (Where("cases", "cpr", ("cg_2",)), Where("snapshots", "data", ("cg_1",))):
        with pytest.raises(UnreadableValue, match="authentication failed"):
            protection.open(sealed, elsewhere)


def test_a_key_missing_from_the_ring_or_another_key_under_the_same_id_is_refused():
    sealed = _protection(A).seal(b"x", HERE)
    with pytest.raises(UnreadableValue, match="key 'a', which is not in the data key ring"):
        _protection(B).open(sealed, HERE)
    impostor = f"a:{base64.b64encode(b'Z' * 32).decode()}"
    with pytest.raises(UnreadableValue, match="authentication failed under key 'a'"):
        _protection(impostor).open(sealed, HERE)


def test_lookup_hashes_come_under_every_key_current_first_and_digests_are_keyed():
    protection = Protection(parse_key_ring(A, None), parse_key_ring(f"{A}, {B}", "b"))
    hashes = protection.cpr_lookups("1204882211")
    assert list(hashes) == ["b", "a"] and len(set(hashes.values())) == 2
    other = _protection(B)
    assert protection.content_digest({"x": 1}) != other.content_digest({"x": 1})
    assert protection.content_digest({"x": 1, "y": 2}) == protection.content_digest({"y": 2, "x": 1})


def test_G1_content_digest_is_the_stored_formula_so_stored_digests_still_match():
    """Snapshots stored earlier carry digests of this exact form; a different form would make every unchanged
    live read look like a change until the next day's row."""
    import hashlib
    import hmac
    import json

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    from dfdg_broker.protection.sealing import CONTENT_DIGEST_INFO

    protection = _protection(A)
    key = HKDF(hashes.SHA256(), 32, salt=None, info=CONTENT_DIGEST_INFO).derive(b"A" * 32)
    document = {"name": "Åse Ølund", "items": [{"b": 1.5, "a": None}, True], "empty": {}}
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    assert protection.content_digest(document) == hmac.new(key, canonical, hashlib.sha256).hexdigest()
    assert protection.content_digest(document) == protection.content_digest(document), "the keyed state is reused"
    assert _protection(B).content_digest(document) != protection.content_digest(document), "keyed: another key differs"


def test_a_new_key_entry_is_a_valid_ring_of_one():
    ring = parse_key_ring(new_key_entry("2026-11"), None)
    assert ring.current_id == "2026-11" and len(ring.current) == 32
    with pytest.raises(KeyRingError):
        new_key_entry("no spaces allowed")
