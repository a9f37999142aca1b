"""``include_flat(app, router)``: a feature's routes added to the app itself, so that a request is matched once.

FastAPI (0.165) keeps an included router as one route of the app that stands for all of the router's routes. A
request is matched against it twice: once to find out whether the router has a route for it (``matches``), and
again, from the start, to pick that route (``handle``); each time every route of the router before it is tried
through a context that saves and restores keys of the request's scope. On the cached frozen read that was about a
tenth of the request's CPU (issue 14). Added to the app itself, with everything ``include_router`` would have
given them (the app's responses, the app's operation ids, the app's dependency overrides), each route is one
``APIRoute`` of the app: tried once, in the order the routers are included, as before; the OpenAPI documents are
the same (the drift test checks them).
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.routing import APIRoute, APIRouter, _DefaultLifespan, _update_scope
from fastapi.telemetry._api import _route_selected
from starlette._utils import get_route_path
from starlette.convertors import FloatConvertor, IntegerConvertor, StringConvertor, UUIDConvertor
from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.types import Receive, Scope, Send


def include_flat(app: FastAPI, router: APIRouter) -> None:
    """``app.include_router(router)`` (no arguments), with the router's routes as the app's own, each of its own
    class (an ``APIRoute`` subclass: the router's ``route_class``). A router holding anything but ``APIRoute``s (an
    included router, a mount, a websocket), or with start-up, shut-down or lifespan handlers of its own (which only
    ``include_router`` merges into the app's), is included the ordinary way."""
    if (
        router.on_startup
        or router.on_shutdown
        or not isinstance(router.lifespan_context, _DefaultLifespan)
        or not all(isinstance(route, APIRoute) for route in router.routes)
    ):
        app.include_router(router)
        return
    for route in router.routes:
        assert isinstance(route, APIRoute)
        # ``route.path`` holds the router's prefix already, and ``route.tags``, ``route.dependencies``,
        # ``route.callbacks`` and ``route.responses`` the router's own (``APIRouter.add_api_route``); the app's
        # router adds its own, as ``include_router`` does.
        app.router.add_api_route(
            route.path,
            route.endpoint,
            response_model=route.response_model,
            status_code=route.status_code,
            tags=route.tags,
            dependencies=route.dependencies,
            summary=route.summary,
            description=route.description,
            response_description=route.response_description,
            responses=route.responses,
            deprecated=route.deprecated,
            methods=route.methods,
            operation_id=route.operation_id,
            response_model_include=route.response_model_include,
            response_model_exclude=route.response_model_exclude,
            response_model_by_alias=route.response_model_by_alias,
            response_model_exclude_unset=route.response_model_exclude_unset,
            response_model_exclude_defaults=route.response_model_exclude_defaults,
            response_model_exclude_none=route.response_model_exclude_none,
            include_in_schema=route.include_in_schema,
            response_class=route.response_class,
            name=route.name,
            route_class_override=type(route),
            callbacks=route.callbacks,
            openapi_extra=route.openapi_extra,
            generate_unique_id_function=route.generate_unique_id_function,
            strict_content_type=route.strict_content_type,
            max_body_size=route.max_body_size,
            form_limits=route.form_limits or None,
        )


class RouteIndex:
    """The app's router, matching a request against the routes that can match it only (issue 14).

    Starlette tries every route in order until one matches; the hot reads are the sixth to ninth route of ~60, and
    every try costs. A route whose parameters cannot hold a ``/`` (every convertor but ``path``) matches only paths of
    its number of segments, and, when its last segment is a literal (``…/data-areas/cv``), only paths that end in
    it. So the routes are indexed by (number of segments, last segment), and a mount by its literal first segment
    (``/static-offline-docs``): a request tries, in the routes' order, only those in its bucket, the mounts under its
    first segment and those the index cannot place (a ``path`` convertor, a mount at a parameter). The first full match
    wins, else the first partial one (405), as in the router; when none matches at all the router itself runs
    (its 404, its redirect of a trailing slash, its low-priority routes). Rebuilt when the routes change."""

    def __init__(self, router: APIRouter) -> None:
        self.router = router
        self.fallback = router.app
        self._built_for: tuple[int, int] | None = None
        self._buckets: dict[tuple[int, str | None, str | None], list[BaseRoute]] = {}
        self._placed: dict[int, list[tuple[int, str | None, BaseRoute]]] = {}
        self._literal_lasts: dict[int, frozenset[str]] = {}
        self._mounts: dict[str, list[tuple[int, BaseRoute]]] = {}
        self._unplaced: list[tuple[int, BaseRoute]] = []

    def _build(self) -> None:
        placed: dict[int, list[tuple[int, str | None, BaseRoute]]] = {}
        self._mounts, self._unplaced = {}, []
        for order, route in enumerate(self.router.routes):
            key = _segments(route)
            if key is not None:
                placed.setdefault(key[0], []).append((order, key[1], route))
            elif (first := _mount_segment(route)) is not None:
                self._mounts.setdefault(first, []).append((order, route))
            else:
                self._unplaced.append((order, route))
        self._literal_lasts = {
            count: frozenset(last for _o, last, _r in routes if last is not None) for count, routes in placed.items()
        }
        self._placed = placed
        self._buckets = {}
        self._built_for = self._version()

    def _version(self) -> tuple[int, int]:
        """Changes when a route is added to the app (its router's own count, not ``_get_routes_version``, which
        walks the included routers: an included router is tried whatever its routes are)."""
        return (self.router._routes_version, len(self.router.routes))

    def _candidates(self, path: str) -> list[BaseRoute]:
        count = path.count("/") + 1
        last: str | None = path.rsplit("/", 1)[-1]
        if count not in self._placed:
            count, last = 0, None  # no route has this many segments: bounded, whatever paths callers send
        elif last not in self._literal_lasts[count]:
            last = None
        parts = path.split("/", 2)
        first: str | None = parts[1] if len(parts) > 1 and parts[1] in self._mounts else None
        key = (count, last, first)
        bucket = self._buckets.get(key)
        if bucket is None:
            routes = [(o, r) for o, lit, r in self._placed.get(count, ()) if lit is None or lit == last]
            mounts = self._mounts.get(first, []) if first is not None else []
            bucket = [route for _o, route in sorted([*routes, *mounts, *self._unplaced], key=lambda pair: pair[0])]
            self._buckets[key] = bucket
        return bucket

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.router.form_limits or "router" in scope:
            await self.fallback(scope, receive, send)
            return
        if self._built_for != self._version():
            self._build()
        partial: tuple[BaseRoute, Scope] | None = None
        for route in self._candidates(get_route_path(scope)):
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                break
            if match is Match.PARTIAL and partial is None:
                partial = (route, child_scope)
        else:
            if partial is None:
                await self.fallback(scope, receive, send)  # 404, a trailing slash's redirect, low priority
                return
            route, child_scope = partial
        scope["router"] = self.router
        _update_scope(scope, child_scope)
        _route_selected(scope=scope, path=getattr(route, "path_format", None), mount=isinstance(route, Mount))
        await route.handle(scope, receive, send)


_SLASHLESS = (StringConvertor, IntegerConvertor, FloatConvertor, UUIDConvertor)
"""The convertors whose values never hold a ``/``."""


def _segments(route: BaseRoute) -> tuple[int, str | None] | None:
    """A route's (number of path segments, last segment if literal), or None if its paths have no fixed number."""
    if not (isinstance(route, APIRoute) or type(route) is Route):
        return None
    convertors = getattr(route, "param_convertors", {})
    if not all(isinstance(c, _SLASHLESS) for c in convertors.values()):
        return None  # a ``path`` parameter (or one of a convertor of the app's own) may hold a ``/``
    path_format: str = route.path_format
    last = path_format.rsplit("/", 1)[-1]
    return path_format.count("/") + 1, (None if "{" in last else last)


def _mount_segment(route: BaseRoute) -> str | None:
    """A mount's first path segment, if literal: it matches only paths that begin with it."""
    if not isinstance(route, Mount):
        return None
    segments = route.path.split("/")
    return segments[1] if len(segments) > 1 and segments[1] and "{" not in segments[1] else None


def index_routes(app: FastAPI) -> None:
    """Match the app's requests through a ``RouteIndex`` (once every route is the app's own: ``include_flat``)."""
    app.router.middleware_stack = RouteIndex(app.router)
