"""Municipal vendors generate clients from the committed OpenAPI documents. Generate them as a vendor would, with
openapi-python-client (and openapi-typescript where Node.js is present), and fail on any dropped operation, any
generator warning other than the binary (PDF) responses the Python generator cannot model, and any schema name a
generator would show as a Python module path or a mangled generic.

Runs in the SQLite pass of `.ci/run` only: the documents do not depend on the database."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import OPENAPI_DIR

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("DFDG_TEST_DATABASE_URL")), reason="database-independent; run once, in the SQLite pass"
)

DOCUMENTS = ("broker.json", "mock-upstream.json")
BIN = Path(sys.executable).parent
OPENAPI_TYPESCRIPT = "openapi-typescript@7.13.0"
NODE_TOOLS = Path(sys.prefix) / "node-tools"  # inside the venv: made by `make install`'s venv, never committed


def _operations(document: dict) -> dict[str, str]:  # type: ignore[type-arg]
    """operationId -> "METHOD path" for every operation in the document."""
    return {
        operation["operationId"]: f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }


def _module_name(operation_id: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", operation_id).lower()).strip("_")


@pytest.mark.parametrize("name", DOCUMENTS)
def test_schema_names_are_stable_and_readable(name):
    schemas = json.loads((OPENAPI_DIR / name).read_text(encoding="utf-8"))["components"]["schemas"]
    mangled = [s for s in schemas if "__" in s or s.endswith("_") or not re.fullmatch(r"[A-Z][A-Za-z0-9]*", s)]
    assert mangled == []
    assert {"OperatorCertificate", "JobnetCertificate"} <= set(schemas)
    if name == "broker.json":
        assert "CvAreaResponse" in schemas


@pytest.mark.parametrize("name", DOCUMENTS)
def test_openapi_python_client_generates_every_operation_without_warnings(name, tmp_path):
    document = json.loads((OPENAPI_DIR / name).read_text(encoding="utf-8"))
    env = os.environ | {"PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}  # it runs ruff on its output
    command = [str(BIN / "openapi-python-client"), "generate", "--path", str(OPENAPI_DIR / name)]
    done = subprocess.run(
        [*command, "--meta", "none", "--output-path", str(tmp_path / "client")],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    blocks = re.split(r"\n(?=WARNING parsing )", output)
    warnings = [block for block in blocks if block.startswith("WARNING parsing ")]
    unexpected = [w for w in warnings if "Unsupported content_type application/pdf" not in w]
    assert unexpected == []
    for failure in ("Unable to", "Failure to process", "duplicate models"):
        assert failure not in output
    generated = {path.stem for path in (tmp_path / "client" / "api").rglob("*.py") if path.stem != "__init__"}
    missing = {op: where for op, where in _operations(document).items() if _module_name(op) not in generated}
    assert missing == {}


def _openapi_typescript() -> Path:
    tool = NODE_TOOLS / "node_modules" / ".bin" / "openapi-typescript"
    if tool.exists():
        return tool
    npm = shutil.which("npm")
    if not npm or not shutil.which("node"):
        pytest.skip("Node.js is not installed")
    NODE_TOOLS.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--silent", "--prefix", str(NODE_TOOLS), OPENAPI_TYPESCRIPT],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    if done.returncode != 0 or not tool.exists():
        pytest.skip(f"could not install {OPENAPI_TYPESCRIPT} from the npm registry: {done.stderr[-300:]}")
    return tool


@pytest.mark.parametrize("name", DOCUMENTS)
def test_openapi_typescript_generates_every_operation_without_warnings(name, tmp_path):
    tool = _openapi_typescript()
    document = json.loads((OPENAPI_DIR / name).read_text(encoding="utf-8"))
    out = tmp_path / "api.d.ts"
    done = subprocess.run(
        [str(tool), str(OPENAPI_DIR / name), "-o", str(out)], capture_output=True, text=True, timeout=120, check=False
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert not re.search(r"warn|error|⚠", output, re.IGNORECASE), output
    typescript = out.read_text(encoding="utf-8")
    operations = typescript.split("export interface operations {", 1)[1]
    missing = [op for op in _operations(document) if not re.search(rf'^\s+"?{re.escape(op)}"?: {{', operations, re.M)]
    assert missing == []
    assert "dfdg_broker__" not in typescript
