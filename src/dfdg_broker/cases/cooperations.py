"""The binding cooperations the broker knows (C2): a CSV of (receiving, jobcenter) pairs, read once at start-up.

The package ships the pairs that could be traced to a public source (``data/binding_cooperations.csv``, each row
with its source). Whether a pair is still in force is not known to the broker: a deployment replaces the file
with its own through ``DFDG_BINDING_COOPERATIONS_FILE`` (same columns; the ``source`` column may be empty).
"""

from __future__ import annotations

import csv
import io
from importlib import resources
from pathlib import Path

from dfdg_broker.domain.access import BindingCooperations
from dfdg_broker.domain.municipalities import is_municipality

COLUMNS = ("receiving_municipality", "jobcenter_municipality", "source")
DEFAULT_FILE = "binding_cooperations.csv"


class CooperationFileInvalid(ValueError):
    """The cooperations file cannot be used; the message names the file, the line and what is wrong."""


def load_cooperations(path: Path | None = None) -> BindingCooperations:
    """The configured pairs (``path``), or the shipped default. A broken file stops the start-up."""
    if path is None:
        text = resources.files("dfdg_broker.data").joinpath(DEFAULT_FILE).read_text(encoding="utf-8")
        return parse_cooperations(text, name=f"(shipped) {DEFAULT_FILE}")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CooperationFileInvalid(f"{path}: cannot be read ({exc.__class__.__name__})") from None
    return parse_cooperations(text, name=str(path))


def parse_cooperations(text: str, *, name: str) -> BindingCooperations:
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != COLUMNS:
        raise CooperationFileInvalid(f"{name}: the header must be {','.join(COLUMNS)}")
    pairs: list[tuple[str, str]] = []
    for row in reader:
        line = reader.line_num
        receiving = (row.get("receiving_municipality") or "").strip()
        jobcenter = (row.get("jobcenter_municipality") or "").strip()
        for column, code in (("receiving_municipality", receiving), ("jobcenter_municipality", jobcenter)):
            if not is_municipality(code):
                raise CooperationFileInvalid(
                    f"{name}, line {line}: {column} {code!r} is not an official municipality code"
                )
        if receiving == jobcenter:
            raise CooperationFileInvalid(f"{name}, line {line}: a municipality does not cooperate with itself")
        pairs.append((receiving, jobcenter))
    return BindingCooperations.of(pairs)
