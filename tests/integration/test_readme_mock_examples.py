"""The README's "Testing your integration against the mock" stays copy-pasteable: every `curl` line of its shell
blocks is parsed (method, URL, headers, body) and sent, in order, to the broker (port 8000) and the mock (8001)
in-process, with `$TOKEN` and `$CASE` standing for a token and a case made first. A line whose comment starts with
a status expects that status; any other must succeed. The Python example runs as a vendor's test with the plugin."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import TODAY
from tests.e2e.test_pytest_plugin import write_vendor_project
from tests.helpers import create_case, days, set_upstream_deadline

README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = "## Testing your integration against the mock"


def section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.index("\n## ", start + len(SECTION))
    return text[start:end]


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", section(), flags=re.S)


@dataclass
class Curl:
    line: str
    method: str
    url: str
    headers: dict[str, str]
    body: str | None
    expect: int | None


def curls() -> list[Curl]:
    found = []
    for block in blocks("sh"):
        for line in block.replace("\\\n", " ").splitlines():
            if not line.startswith("curl "):
                continue
            comment = line.partition(" # ")[2] if " # " in line else ""
            expected = re.match(r"\s*(\d{3})\b", comment)
            words = shlex.split(line, comments=True)
            words = words[: words.index("|")] if "|" in words else words
            method, headers, body, url, i = "GET", {}, None, "", 1
            while i < len(words):
                word = words[i]
                if word in ("-X", "-H", "-d", "-o"):
                    value = words[i + 1]
                    if word == "-X":
                        method = value
                    elif word == "-H":
                        name, _, header = value.partition(":")
                        headers[name.strip()] = header.strip()
                    elif word == "-d":
                        body = value
                        method = "POST" if method == "GET" else method
                    i += 2
                    continue
                if not word.startswith("-"):
                    url = word
                i += 1
            found.append(Curl(line, method, url, headers, body, int(expected.group(1)) if expected else None))
    return found


def test_the_section_has_a_fault_a_verification_and_a_time_travel_example() -> None:
    urls = [c.url for c in curls()]
    assert any("/admin/faults" in u for u in urls)
    assert any("/admin/journal/count" in u and "expect=" in u for u in urls)
    assert any("/dev/clock" in u for u in urls) and any("/admin/clock" in u for u in urls)
    assert len(blocks("python")) == 1


async def test_every_curl_line_of_the_section_works(app, client, mock_client, auth, persona) -> None:
    case = await create_case(client, auth, persona("complete-adult"), TODAY + days(10))
    assert (await client.get(f"/v1/contact-groups/{case['id']}/data-areas/cv", headers=auth("101"))).is_success
    set_upstream_deadline(app, 0.5)  # the README's hang fault: the broker gives up after this (8 s by default)
    assert (await mock_client.delete("/admin/journal")).status_code == 204
    token = auth("101")["Authorization"].removeprefix("Bearer ")
    targets = {"http://127.0.0.1:8000": client, "http://127.0.0.1:8001": mock_client}

    sent = 0
    for curl in curls():
        url = curl.url.replace("$CASE", case["id"])
        headers = {k: v.replace("$TOKEN", token) for k, v in curl.headers.items()}
        base = next(b for b in targets if url.startswith(b))
        response = await targets[base].request(curl.method, url.removeprefix(base), headers=headers, content=curl.body)
        if curl.expect is not None:
            assert response.status_code == curl.expect, f"{curl.line}\n{response.status_code} {response.text}"
        else:
            assert response.is_success, f"{curl.line}\n{response.status_code} {response.text}"
        if "/data-areas/cv" in url:
            assert response.json()["provenance"]["stale"] is True, "the README says: marked stale"
        sent += 1
    assert sent >= 12


def test_the_python_example_runs_as_a_vendors_test(tmp_path: Path) -> None:
    (example,) = blocks("python")
    project = write_vendor_project(tmp_path, example)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(project)],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "1 passed" in run.stdout, run.stdout + run.stderr
