"""Integer parameters of the dashboard's routes, bounded where they are declared.

Every `int` path or query parameter must carry both bounds (`check_bounded` runs when the
app is made, so a new route cannot forget): an unbounded one lets a 25-digit number reach
the database driver, which answers with an overflow, a 500.
"""

from __future__ import annotations

from typing import Annotated, Any, get_args

from annotated_types import Ge, Le
from fastapi import FastAPI, Path, Query
from fastapi.routing import APIRoute

from store.ids import MAX_ID

Id = Annotated[int, Path(ge=1, le=MAX_ID)]
"""A row id in the path: out of range is a 404 (see web.app's validation handler)."""
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
Year = Annotated[int | None, Query(ge=1, le=9999)]
PageNumber = Annotated[int, Query(ge=1, le=MAX_ID)]
PageSize = Annotated[int, Query(ge=1, le=10_000)]


def _is_int(annotation: Any) -> bool:
    return annotation is int or int in get_args(annotation)


def _bounded(metadata: list[Any]) -> bool:
    return any(isinstance(m, Ge) for m in metadata) and any(isinstance(m, Le) for m in metadata)


def _api_routes(routes: list[Any]) -> list[APIRoute]:
    """Every APIRoute, looking inside included routers (FastAPI keeps them nested)."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif (inner := getattr(route, "original_router", None)) is not None:
            found.extend(_api_routes(inner.routes))
    return found


def unbounded(app: FastAPI) -> list[str]:
    """`METHOD path: name` of every integer path/query parameter without both bounds."""
    found = []
    routes = _api_routes(app.routes)
    if not routes:
        raise RuntimeError("no routes found: has FastAPI changed how it keeps them?")
    for route in routes:
        pending = [route.dependant]
        while pending:
            dependant = pending.pop()
            pending.extend(dependant.dependencies)
            for param in (*dependant.path_params, *dependant.query_params):
                info = param.field_info
                if _is_int(info.annotation) and not _bounded(info.metadata):
                    found.append(
                        f"{sorted(route.methods or {'GET'})[0]} {route.path}: {param.name}"
                    )
    return found


def check_bounded(app: FastAPI) -> None:
    if missing := unbounded(app):
        raise RuntimeError(f"unbounded integer parameters: {', '.join(missing)}")
