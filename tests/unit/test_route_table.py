"""route_table.include_flat: a router's routes as the app's own, the same as include_router gives them."""

from __future__ import annotations

from typing import Annotated

import httpx
from fastapi import Depends, FastAPI, Header, Request
from fastapi.routing import APIRoute, APIRouter

from dfdg_broker.route_table import include_flat


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
