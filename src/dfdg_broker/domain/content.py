"""Content identity: when two JSON documents hold the same thing (G1 snapshots, P2 package items)."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def content_hash(document: Any) -> str:
    """SHA-256 of a JSON document in canonical form: equal content, equal hash, whatever the key order."""
    return hashlib.sha256(json.dumps(document, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
