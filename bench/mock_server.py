"""The mock upstream for `make bench`: the demo personas plus N synthetic ones (see personas.py), on one port.

.venv/bin/python bench/mock_server.py --port 18711 --personas 20000
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import uvicorn

sys.path.insert(0, str(Path(__file__).parent))

from personas import bench_personas

from dfdg_broker.http_coalescing import CoalescingHttpToolsProtocol
from dfdg_broker.mock.app import create_mock_app
from dfdg_broker.mock.state import MockState

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--personas", type=int, default=20000)
    args = parser.parse_args()
    state = MockState.with_demo_fixtures()
    for persona in bench_personas(args.personas):
        state.put_persona(persona)
    # One write per answer (head and body together): the broker reading the mock's answers wakes once per answer.
    uvicorn.run(
        create_mock_app(state),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
        http=CoalescingHttpToolsProtocol,
    )
