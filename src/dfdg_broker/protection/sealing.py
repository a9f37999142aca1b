"""Sealing values at rest (AES-256-GCM) and the keyed hashes that stand in for them in look-ups and comparisons.

A sealed value is one compact envelope::

    version (1 byte, 0x01) | key id length (1 byte) | key id (ASCII) | nonce (12 bytes) | ciphertext + GCM tag (16)

The associated data is the envelope's header and ``Where`` the value lives (table, column and the row's key), so a
ciphertext copied to another row or column, or given another key id, fails to open instead of showing another
citizen's data. Opening never returns unauthenticated bytes: a wrong key, a missing key or any changed byte raises
``UnreadableValue``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from dfdg_broker.protection.keys import KeyRing

VERSION = 1
NONCE_BYTES = 12
TAG_BYTES = 16
CONTENT_DIGEST_INFO = b"dfdg-broker snapshot content digest v1"


class UnreadableValue(Exception):
    """A stored value that cannot be opened: unknown key id, wrong key, or changed bytes. The message names where
    the value lives and why, never any of its content."""


@dataclass(frozen=True, slots=True)
class Where:
    """Where a sealed value lives: ``cases.cpr`` of row ``cg_...``. Part of the associated data."""

    table: str
    column: str
    row: tuple[str, ...]

    def associated_data(self) -> bytes:
        return "|".join((f"{self.table}.{self.column}", *self.row)).encode()

    def __str__(self) -> str:
        return f"{self.table}.{self.column} of row {'/'.join(self.row)}"


def header(key_id: str) -> bytes:
    """The envelope's first bytes for a key id (what ``keys rotate`` compares a stored value's prefix with)."""
    encoded = key_id.encode("ascii")
    return bytes((VERSION, len(encoded))) + encoded


_CANONICAL_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), check_circular=False)
"""``json.dumps(document, sort_keys=True, separators=(",", ":"))``'s bytes, built once (``json.dumps`` with options
builds an encoder per call; a snapshot from JSON has no cycles to look for): a live read digests every answer."""


_COMPACT_JSON = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
"""``json.dumps(document, separators=(",", ":"), ensure_ascii=False)``'s encoder, built once (with options,
``json.dumps`` builds one per call): a create seals four snapshots."""


def key_id_of(sealed: bytes) -> str | None:
    """The key id a value was sealed under, or None when it is no envelope of a known version."""
    if len(sealed) < 2 or sealed[0] != VERSION or len(sealed) < 2 + sealed[1]:
        return None
    try:
        return sealed[2 : 2 + sealed[1]].decode("ascii")
    except UnicodeDecodeError:
        return None


class Protection:
    """The process's keys at work: seal and open values, CPR lookup hashes, snapshot content digests."""

    def __init__(self, data: KeyRing, lookup: KeyRing) -> None:
        self.data = data
        self.lookup = lookup
        self._ciphers = {key_id: AESGCM(key) for key_id, key in data.keys.items()}
        self._current_header = header(data.current_id)
        self._digest_key = HKDF(hashes.SHA256(), 32, salt=None, info=CONTENT_DIGEST_INFO).derive(data.current)

    # ---------------------------------------------------------------- sealing

    def seal(self, plaintext: bytes, where: Where) -> bytes:
        nonce = secrets.token_bytes(NONCE_BYTES)
        aad = self._current_header + where.associated_data()
        return self._current_header + nonce + self._ciphers[self.data.current_id].encrypt(nonce, plaintext, aad)

    def open(self, sealed: bytes, where: Where) -> bytes:
        key_id = key_id_of(sealed)
        if key_id is None:
            raise UnreadableValue(f"{where}: not a sealed value of a known format")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise UnreadableValue(f"{where}: sealed under key {key_id!r}, which is not in the data key ring")
        start = 2 + sealed[1]
        if len(sealed) < start + NONCE_BYTES + TAG_BYTES:
            raise UnreadableValue(f"{where}: the sealed value is truncated")
        nonce = sealed[start : start + NONCE_BYTES]
        try:
            return cipher.decrypt(nonce, sealed[start + NONCE_BYTES :], sealed[:start] + where.associated_data())
        except InvalidTag:
            raise UnreadableValue(
                f"{where}: authentication failed under key {key_id!r} (the bytes were changed, moved from another "
                "row, or the key with that id is not the one they were sealed with)"
            ) from None

    def seal_text(self, text: str, where: Where) -> bytes:
        return self.seal(text.encode(), where)

    def open_text(self, sealed: bytes, where: Where) -> str:
        return self.open(sealed, where).decode()

    def seal_json(self, document: Any, where: Where) -> bytes:
        return self.seal(_COMPACT_JSON.encode(document).encode(), where)

    def open_json(self, sealed: bytes, where: Where) -> Any:
        return json.loads(self.open(sealed, where))

    def is_current(self, sealed: bytes) -> bool:
        return sealed.startswith(self._current_header)

    @property
    def current_header(self) -> bytes:
        return self._current_header

    # ---------------------------------------------------------------- keyed hashes

    def cpr_lookups(self, cpr: str) -> dict[str, str]:
        """HMAC-SHA-256 of the CPR number under every lookup key, by key id, the current one first: a case stored
        under any key of the ring is found, and a new one is stored under all of them."""
        ring = self.lookup
        order = [ring.current_id, *(key_id for key_id in ring.keys if key_id != ring.current_id)]
        return {key_id: hmac.new(ring.keys[key_id], cpr.encode(), hashlib.sha256).hexdigest() for key_id in order}

    def content_digest(self, document: Any) -> str:
        """G1's change check on a snapshot without its content: HMAC-SHA-256 of the canonical JSON, under a key
        derived from the current data key (an unkeyed hash of a small document could be confirmed by guessing)."""
        # hmac.digest: OpenSSL's one-shot HMAC, without the Python-level HMAC object a copy, update and hexdigest
        # cost (every live read and a create's four snapshots digest a document).
        return hmac.digest(self._digest_key, _CANONICAL_JSON.encode(document).encode(), "sha256").hex()
