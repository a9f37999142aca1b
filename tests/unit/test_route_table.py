"""route_table.include_flat: a router's routes as the app's own, the same as include_router gives them."""

from __future__ import annotations

import re
from typing import Annotated

import httpx
from fastapi import Depends, FastAPI, Header, Request
from fastapi.routing import APIRoute, APIRouter
from starlette.routing import Match

from dfdg_broker.app import create_app
from dfdg_broker.route_table import RouteIndex, include_flat, index_routes
from dfdg_broker.settings import Environment, Settings


class TaggedRoute(APIRoute):
    """A route class of the router's own (the mock's routers have one)."""


async def needs_key(x_key: Annotated[str, Header()]) -> None:
    """A router-level dependency."""


def _router() -> APIRouter:
    router = APIRouter(
        prefix="/v1/things",
        tags=["Things"],
        dependencies=[Depends(needs_key)],
        route_class=TaggedRoute,
        responses={418: {"description": "a teapot"}},
    )

    @router.get("/{thing_id}", name="get_thing", summary="A thing")
    async def get_thing(thing_id: str, request: Request) -> dict[str, str]:
        return {"id": thing_id, "route": type(request.scope["route"]).__name__}

    @router.post("", status_code=201, name="make_thing")
    async def make_thing() -> dict[str, str]:
        """Makes a thing."""
        return {"made": "yes"}

    return router


def _app(flat: bool) -> FastAPI:
    app = FastAPI(generate_unique_id_function=lambda route: route.name, responses={"default": {"description": "x"}})
    if flat:
        include_flat(app, _router())
    else:
        app.include_router(_router())
    return app


def test_the_openapi_document_is_the_one_include_router_gives():
    assert _app(flat=True).openapi() == _app(flat=False).openapi()


def test_the_routes_are_the_apps_own_of_their_class_and_keep_the_routers_dependencies():
    app = _app(flat=True)
    routes = [r for r in app.routes if isinstance(r, APIRoute)]
    assert [(r.name, type(r)) for r in routes[-2:]] == [("get_thing", TaggedRoute), ("make_thing", TaggedRoute)]


async def test_requests_are_answered_as_through_include_router():
    for flat in (True, False):
        transport = httpx.ASGITransport(app=_app(flat))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            ok = await client.get("/v1/things/a1", headers={"x-key": "k"})
            assert (ok.status_code, ok.json()) == (200, {"id": "a1", "route": "TaggedRoute"}), flat
            assert (await client.get("/v1/things/a1")).status_code == 422, flat  # the router's dependency
            assert (await client.post("/v1/things", headers={"x-key": "k"})).status_code == 201, flat
            assert (await client.delete("/v1/things/a1", headers={"x-key": "k"})).status_code == 405, flat


def _sample_paths(app: FastAPI) -> list[str]:
    paths = ["/", "/nope", "/v1/contact-groups/", "/v1/contact-groups/a/b/c/d/e/f", "/static-offline-docs/x.js"]
    for route in app.routes:
        path_format = getattr(route, "path_format", None)
        if path_format:
            filled = re.sub(r"\{[^}]+\}", "1", path_format)
            paths += [filled, filled + "/", filled.rsplit("/", 1)[0] + "/other"]
    return paths


def test_the_index_offers_every_route_that_matches_a_path_in_the_routers_order():
    """RouteIndex tries only the routes that can match; the ones it leaves out never match (full or partial)."""
    app = create_app(Settings(_env_file=None, environment=Environment.TEST))  # type: ignore[call-arg]
    index = app.router.middleware_stack
    assert isinstance(index, RouteIndex)
    index._build()
    for path in _sample_paths(app):
        for method in ("GET", "POST", "DELETE"):
            scope = {"type": "http", "path": path, "root_path": "", "method": method}
            matching = [r for r in app.routes if r.matches(dict(scope))[0] is not Match.NONE]
            offered = [r for r in index._candidates(path) if r.matches(dict(scope))[0] is not Match.NONE]
            assert offered == matching, (method, path)


async def test_requests_through_the_index_are_answered_as_by_the_router():
    for indexed in (True, False):
        app = _app(flat=True)
        if indexed:
            index_routes(app)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            assert (await client.get("/v1/things/a1", headers={"x-key": "k"})).status_code == 200, indexed
            assert (await client.delete("/v1/things/a1", headers={"x-key": "k"})).status_code == 405, indexed
            assert (await client.get("/v1/things/a1/more")).status_code == 404, indexed
            redirect = await client.post("/v1/things/", headers={"x-key": "k"})
            assert (redirect.status_code, redirect.headers.get("location")) == (307, "http://t/v1/things"), indexed
        app.add_api_route("/late/{x}", _late)  # a route added later is found: the index is rebuilt
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            assert (await client.get("/late/1")).json() == {"late": "1"}, indexed


async def _late(x: str) -> dict[str, str]:
    return {"late": x}


def test_the_index_stays_bounded_whatever_paths_callers_send():
    app = create_app(Settings(_env_file=None, environment=Environment.TEST))  # type: ignore[call-arg]
    index = app.router.middleware_stack
    assert isinstance(index, RouteIndex)
    index._build()
    for n in range(1, 300):
        index._candidates("/x" * n)
        index._candidates("/v1/contact-groups/" + "y/" * n + "cv")
    assert len(index._buckets) <= 2 * len({route.path_format for route in app.routes if hasattr(route, "path_format")})


async def test_a_router_with_start_up_handlers_is_included_the_ordinary_way_so_that_they_still_run():
    started: list[str] = []
    router = APIRouter()

    @router.get("/ping")
    async def ping() -> dict[str, str]:
        return {}

    async def on_start() -> None:
        started.append("router")

    router.add_event_handler("startup", on_start)
    ordinary = FastAPI()
    ordinary.include_router(router)
    async with ordinary.router.lifespan_context(ordinary):
        as_included = list(started)
    started.clear()
    app = FastAPI()
    include_flat(app, router)
    async with app.router.lifespan_context(app):
        assert started == as_included and started  # exactly what include_router gives (FastAPI runs it twice)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        assert (await client.get("/ping")).status_code == 200
