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
from fastapi.routing import APIRoute, APIRouter


def include_flat(app: FastAPI, router: APIRouter) -> None:
    """``app.include_router(router)`` (no arguments), with the router's routes as the app's own, each of its own
    class (an ``APIRoute`` subclass: the router's ``route_class``). A router holding anything but ``APIRoute``s (an
    included router, a mount, a websocket) is included the ordinary way."""
    if not all(isinstance(route, APIRoute) for route in router.routes):
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
