"""The upstream contracts as OpenAPI documents, one per upstream system: the routes the mock serves under that
system's prefix (its admin API left out), so the documents say exactly what LetAsyl, Jobnet and the CPR register
accept and answer as far as the broker uses them.

The broker's clients and the mock share the wire models (``letasyl/schemas.py``, ``jobnet/schemas.py``,
``cpr_register/schemas.py``), so the mock alone can no longer catch a client that drifts. The committed documents
(``openapi/letasyl.json`` …, re-exported by ``make openapi``) are the fixed point instead: a test fails when they
differ from the code, and another sends every client call through a check against them.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI

UPSTREAMS: dict[str, tuple[str, str]] = {
    "letasyl.json": ("LetAsyl", "/letasyl/"),
    "jobnet.json": ("Jobnet", "/jobnet/"),
    "cpr-register.json": ("CPR register", "/cpr/"),
}
"""Document name -> (the system's name, the path prefix its routes share)."""

_SCHEMA_REF = "#/components/schemas/"


def upstream_contracts(mock_app: FastAPI) -> dict[str, dict[str, Any]]:
    """One OpenAPI document per upstream system: the mock's document cut down to the system's paths and the schemas
    they use."""
    document = mock_app.openapi()
    return {name: _contract(document, system, prefix) for name, (system, prefix) in UPSTREAMS.items()}


def _contract(document: dict[str, Any], system: str, prefix: str) -> dict[str, Any]:
    paths = {path: item for path, item in document["paths"].items() if path.startswith(prefix)}
    schemas = document.get("components", {}).get("schemas", {})
    used: set[str] = set()
    pending = _refs(paths)
    while pending:
        name = pending.pop()
        if name not in used:
            used.add(name)
            pending |= _refs(schemas[name])
    contract = {
        "openapi": document["openapi"],
        "info": {
            "title": f"{system} (contract)",
            "version": document["info"]["version"],
            "summary": f"What {system} accepts and answers, as the broker's client uses it and the mock serves it.",
            "description": "Generated from the mock upstream (`make openapi`); a test fails when it drifts.",
        },
        "paths": paths,
        "components": {"schemas": {name: schemas[name] for name in sorted(used)}},
    }
    return _plain_schema_names(contract)


def _plain_schema_names(contract: dict[str, Any]) -> dict[str, Any]:
    """Within one system the long names FastAPI gives two models of the same name from different modules
    (``dfdg_broker__jobnet__cv__Education``) are no longer ambiguous: use the model's own name."""
    names = list(contract["components"]["schemas"])
    plain = {name: name.rsplit("__", 1)[-1] for name in names}
    renames = {old: new for old, new in plain.items() if old != new and list(plain.values()).count(new) == 1}
    if not renames:
        return contract
    text = json.dumps(contract)
    for old, new in renames.items():
        text = text.replace(f'"{_SCHEMA_REF}{old}"', f'"{_SCHEMA_REF}{new}"')
    renamed: dict[str, Any] = json.loads(text)
    schemas = renamed["components"]["schemas"]
    renamed["components"]["schemas"] = {renames.get(name, name): schemas[name] for name in names}
    return renamed


def _refs(node: Any) -> set[str]:
    """The names of the component schemas ``node`` refers to directly."""
    if isinstance(node, dict):
        found = {node["$ref"].removeprefix(_SCHEMA_REF)} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_refs(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(value) for value in node))
    return set()
