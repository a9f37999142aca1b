"""Schema names that client generators can use: stable, unique, meaningful, no Python module paths.

Municipal vendors generate clients from ``openapi/broker.json``. pydantic names a schema after its class; two
classes of one name (LetAsyl's ``Certificate`` as the operator sends it, Jobnet's ``Certificate`` as Jobnet takes
it) become ``dfdg_broker__letasyl__schemas__Certificate``, and a generic ``AreaResponse[CvArea]`` becomes
``AreaResponse_CvArea_``. Generators then show module paths as type names, or drop whole operations
("duplicate models with name Certificate"). This renames them once, when the document is built:

- ``dfdg_broker__<package>__…__X`` -> ``<Prefix>X`` (``OperatorCertificate``, ``JobnetCertificate``), the prefix
  naming the system the model belongs to (``SYSTEM_PREFIXES``);
- ``Outer_Inner_`` -> ``InnerOuter`` without the word they share (``AreaResponse_CvArea_`` -> ``CvAreaResponse``).

Every ``$ref`` is rewritten with it. ``tests/contract/test_client_generation.py`` generates clients and fails on a
name a generator would mangle.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

SYSTEM_PREFIXES = {"letasyl": "Operator", "jobnet": "Jobnet", "cpr_register": "CprRegister", "mock": "Mock"}
REF_PREFIX = "#/components/schemas/"
_MODULE_PATH = re.compile(r"^dfdg_broker__(?P<package>[a-z0-9_]+?)__(?:[a-z0-9_]+__)*(?P<name>[A-Z]\w*)$")
_GENERIC = re.compile(r"^(?P<outer>[A-Z][A-Za-z0-9]*)_(?P<inner>[A-Z][A-Za-z0-9]*)_$")
_WORDS = re.compile(r"[A-Z][a-z0-9]*")


def readable_name(name: str) -> str:
    if match := _MODULE_PATH.match(name):
        package = match["package"]
        return SYSTEM_PREFIXES.get(package, package.title().replace("_", "")) + match["name"]
    if match := _GENERIC.match(name):
        inner = match["inner"].removesuffix("Read")
        outer = match["outer"]
        first_word = _WORDS.match(outer)
        if first_word and inner.endswith(first_word[0]) and inner != first_word[0]:
            inner = inner.removesuffix(first_word[0])
        return inner + outer
    return name


def rename_schemas(document: dict[str, Any]) -> dict[str, Any]:
    """The document with readable schema names, every ``$ref`` following. Refuses a rename that would collide."""
    schemas: dict[str, Any] = document.get("components", {}).get("schemas", {})
    renames = {name: readable_name(name) for name in schemas if readable_name(name) != name}
    if not renames:
        return document
    taken = set(schemas) - set(renames)
    for old, new in renames.items():
        if new in taken:
            raise ValueError(f"schema {old} would be renamed {new}, which exists: rename one of the classes")
        taken.add(new)
    document["components"]["schemas"] = {renames.get(name, name): schema for name, schema in schemas.items()}
    for old, new in renames.items():
        document["components"]["schemas"][new].setdefault("title", new)
        if document["components"]["schemas"][new]["title"] in (old, old.rsplit("__", 1)[-1]):
            document["components"]["schemas"][new]["title"] = new
    _rewrite_refs(document, {REF_PREFIX + old: REF_PREFIX + new for old, new in renames.items()})
    return document


def _rewrite_refs(node: Any, refs: dict[str, str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value in refs:
                node[key] = refs[value]
            else:
                _rewrite_refs(value, refs)
    elif isinstance(node, list):
        for item in node:
            _rewrite_refs(item, refs)


def install_readable_schema_names(app: FastAPI) -> None:
    """Wrap the app's ``openapi()`` so the document it serves and exports has readable schema names."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        return rename_schemas(build())

    app.openapi = openapi  # type: ignore[method-assign]
