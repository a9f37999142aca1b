"""Key rings: the keys a value may be sealed (or a CPR number hashed) under, one of them current.

A ring is written as ``id:key`` entries separated by commas or whitespace (one per line in a mounted file), each key
32 random bytes in base64: ``2026-11:q83v...=, 2026-05:Zm9v...=``. The id is stored with every value sealed under
the key (and with every CPR lookup hash), so an old key stays usable for reading until ``dfdg-broker keys rotate``
has moved everything to the current one. Make a key with ``dfdg-broker keys new``.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from dataclasses import dataclass, field

KEY_BYTES = 32
"""AES-256 and HMAC-SHA-256 keys: 32 bytes."""
KEY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")
"""A key id: 1-32 characters, letters, digits, dot, dash, underscore (a date like 2026-11 reads well)."""


class KeyRingError(ValueError):
    """A ring as written cannot be used; the message says which entry and why (never the key)."""


@dataclass(frozen=True, slots=True)
class KeyRing:
    """Keys by id and the id of the current one (what new values are sealed or hashed under)."""

    keys: dict[str, bytes] = field(repr=False)
    current_id: str

    def __post_init__(self) -> None:
        if self.current_id not in self.keys:
            raise KeyRingError(f"the current key id {self.current_id!r} is not in the ring ({', '.join(self.keys)})")

    @property
    def current(self) -> bytes:
        return self.keys[self.current_id]

    def holds_any(self, keys: set[bytes]) -> bool:
        return any(key in keys for key in self.keys.values())


def parse_key_ring(text: str, current_id: str | None) -> KeyRing:
    """The ring from its written form; ``current_id`` may be omitted when the ring holds one key."""
    keys: dict[str, bytes] = {}
    for number, entry in enumerate((e for e in re.split(r"[\s,]+", text.strip()) if e), start=1):
        key_id, colon, material = entry.partition(":")
        if not colon:
            raise KeyRingError(f"entry {number} is not id:base64-key")
        if not KEY_ID.fullmatch(key_id):
            raise KeyRingError(f"entry {number}: the key id must be 1-32 letters, digits, '.', '-' or '_'")
        if key_id in keys:
            raise KeyRingError(f"the key id {key_id!r} is given twice")
        keys[key_id] = _decode(material, key_id)
    if not keys:
        raise KeyRingError("holds no key")
    if current_id is None:
        if len(keys) > 1:
            raise KeyRingError("holds several keys: name the current one (the _KEY_ID setting)")
        current_id = next(iter(keys))
    return KeyRing(keys, current_id)


def _decode(material: str, key_id: str) -> bytes:
    try:
        key = base64.b64decode(material.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        raise KeyRingError(f"the key {key_id!r} is not base64") from None
    if len(key) != KEY_BYTES:
        raise KeyRingError(f"the key {key_id!r} has {len(key)} bytes; it must have {KEY_BYTES} (random)")
    return key


def new_key_entry(key_id: str) -> str:
    """A fresh ``id:key`` entry from the operating system's random source (``dfdg-broker keys new``)."""
    if not KEY_ID.fullmatch(key_id):
        raise KeyRingError("the key id must be 1-32 letters, digits, '.', '-' or '_'")
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()}"
