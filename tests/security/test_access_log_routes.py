"""The route walk (issue 11): every /v1 route either writes the access log or is exempted here with a reason, so a
route added tomorrow that reads a case cannot forget it. And each read route's access-log dependency is set up
before the request's unit of work, so that the request's transaction is over when its row waits for the writer."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from dfdg_broker.app import create_app
from dfdg_broker.audit.dependencies import ACCESS_LOGGED
from dfdg_broker.deps import get_unit_of_work
from dfdg_broker.settings import Environment, Settings
from tests.helpers import api_routes

EXEMPT = {
    "plan_follow_up": "a what-if plan from the request body alone: no case is read",
    "estimate_workload": "norm hours from the request body alone: no case is read",
    "list_follow_up_policies": "the loaded policy files: no personal data",
}
"""Routes that touch no case's personal data, by operation id, with the reason."""


def _routes() -> list[APIRoute]:
    app = create_app(Settings(_env_file=None, environment=Environment.TEST))  # type: ignore[call-arg]
    return [r for r in api_routes(app.routes) if r.path.startswith("/v1/")]


def _calls(dependant: Dependant) -> Iterator[object]:
    """Every dependency in the order FastAPI sets them up (sub-dependencies first)."""
    for sub in dependant.dependencies:
        yield from _calls(sub)
        yield sub.call


def _logged(route: APIRoute) -> list[str]:
    return [getattr(call, ACCESS_LOGGED) for call in _calls(route.dependant) if hasattr(call, ACCESS_LOGGED)]


def test_every_v1_route_is_access_logged_or_exempted_with_a_reason():
    routes = _routes()
    assert len(routes) > 20
    unlogged = [f"{sorted(r.methods)} {r.path} ({r.name})" for r in routes if not _logged(r) and r.name not in EXEMPT]
    assert not unlogged, "access log missing (add access_logged(...) or an exemption with a reason):\n" + "\n".join(
        unlogged
    )
    for route in routes:
        assert len(_logged(route)) <= 1, f"{route.name} logs twice"
        if "{case_id}" in route.path:
            assert route.name not in EXEMPT, f"{route.name} has a case in its path: it cannot be exempt"
    assert set(EXEMPT) <= {r.name for r in routes}, "an exemption names a route that no longer exists"


def test_a_read_route_sets_its_access_log_up_before_its_unit_of_work():
    checked = 0
    for route in _routes():
        calls = list(_calls(route.dependant))
        logged = [i for i, call in enumerate(calls) if hasattr(call, ACCESS_LOGGED)]
        if not logged or getattr(calls[logged[0]], "__name__", "") != "logged_read" or get_unit_of_work not in calls:
            continue
        assert logged[0] < calls.index(get_unit_of_work), (
            f"{route.name}: put access_logged(...) in dependencies=[...] or as the first parameter"
        )
        checked += 1
    assert checked >= 10
