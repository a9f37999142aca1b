"""Dependencies FastAPI solves per request on the hot paths (issue 14): each one costs every request of the route
about 20 µs, more than verifying a remembered token, so their number is pinned like the database round trips
(tests/integration/test_round_trips.py); a change that adds one must say why."""

from __future__ import annotations

import dataclasses

import fastapi
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from dfdg_broker.app import create_app
from dfdg_broker.audit.direct_reads import CHECKED_AGAINST, KNOWN_DEPENDANT_FIELDS, _DirectRead
from dfdg_broker.settings import Environment, Settings
from tests.helpers import api_routes


def _routes() -> dict[str, APIRoute]:
    app = create_app(Settings(_env_file=None, environment=Environment.TEST))  # type: ignore[call-arg]
    return {route.name: route for route in api_routes(app.routes)}


def _solved(dependant: Dependant) -> list[str]:
    """What FastAPI solves per request, in order: it walks every node of the tree (a cached result is reused,
    but its sub-dependencies are walked again)."""
    names: list[str] = []
    for sub in dependant.dependencies:
        names += _solved(sub)
        names.append(getattr(sub.call, "__name__", type(sub.call).__name__))
    return names


def test_the_frozen_read_solves_its_access_record_only_which_verifies_the_caller():
    assert _solved(_routes()["read_area_cv"].dependant) == ["logged_read"]


def test_the_case_read_solves_its_access_record_only_which_verifies_the_caller():
    assert _solved(_routes()["get_contact_group"].dependant) == ["logged_read"]


def test_the_hot_reads_run_past_fastapis_solver_and_the_others_do_not():
    """audit.direct_reads: the reads whose only dependency is their access record; a route with any other
    dependency, parameter or a body keeps FastAPI's handler."""
    direct = {
        name for name, route in _routes().items() if isinstance(getattr(route.app, "__self__", None), _DirectRead)
    }
    assert {"get_contact_group", "read_area_cv", "read_area_other", "draft_jobnet_cv"} <= direct
    assert not direct & {"create_contact_group", "download_attachment", "readiness", "get_contact_group_access_log"}


def test_direct_reads_were_checked_against_this_fastapi():
    """audit.direct_reads does FastAPI's request handling itself for its routes: on another FastAPI release, read
    fastapi/routing.py (request_response, get_request_handler) and solve_dependencies again, then update
    CHECKED_AGAINST (and KNOWN_DEPENDANT_FIELDS)."""
    assert ".".join(fastapi.__version__.split(".")[:2]) == CHECKED_AGAINST
    assert {field.name for field in dataclasses.fields(Dependant)} == KNOWN_DEPENDANT_FIELDS


def test_a_dependant_field_direct_reads_does_not_know_keeps_every_route_on_fastapis_path(monkeypatch):
    from dfdg_broker.audit import direct_reads

    monkeypatch.setattr(direct_reads, "KNOWN_DEPENDANT_FIELDS", KNOWN_DEPENDANT_FIELDS - {"websocket_param_name"})
    assert not any(isinstance(getattr(r.app, "__self__", None), _DirectRead) for r in _routes().values())


def test_the_create_solves_the_writer_once_through_its_access_record():
    """The create's caller is its access record's (``logged_change`` solves ``get_writer``): a ``WriteCaller``
    parameter beside it would walk ``get_writer`` and ``CallerScheme`` again on every create."""
    solved = _solved(_routes()["create_contact_group"].dependant)
    assert solved.count("get_writer") == 1
    assert solved.count("CallerScheme") == 1


def test_the_create_solves_each_dependency_once():
    """The create's unit of work and caller come with its access record, its service is built in the route (a
    ``CaseServiceDep``, ``UnitOfWorkDep`` or ``ClockDep`` parameter would walk the unit of work and the clock
    again), and its slot is released by an exit callback (no generator)."""
    solved = _solved(_routes()["create_contact_group"].dependant)
    assert solved == ["create_slot", "get_unit_of_work", "CallerScheme", "get_writer", "logged_change"]


def test_the_create_runs_past_fastapis_solver():
    """cases.direct_create: the create's fixed dependencies and its body done directly (FastAPI's handler for any
    request it does not take on); a change to the route's shape keeps FastAPI's handler, and fails here."""
    from dfdg_broker.cases.direct_create import _DirectCreate

    route = _routes()["create_contact_group"]
    assert isinstance(getattr(route.app, "__self__", None), _DirectCreate)
