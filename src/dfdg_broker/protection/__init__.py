"""Personal data at rest: key rings, sealed values (AES-256-GCM) and keyed hashes (HMAC-SHA-256).

A base module like ``db`` and ``settings``: it imports neither. ``settings`` parses the rings with ``keys``; the
composition root builds one ``Protection`` and hands it to the sessions (``db.session``), where the repositories
find it; ``db.sealed`` lists every sealed column for ``dfdg-broker keys rotate`` and the migrations.
"""

from dfdg_broker.protection.keys import KeyRing, KeyRingError, new_key_entry, parse_key_ring
from dfdg_broker.protection.sealing import Protection, UnreadableValue, Where

__all__ = ["KeyRing", "KeyRingError", "Protection", "UnreadableValue", "Where", "new_key_entry", "parse_key_ring"]
