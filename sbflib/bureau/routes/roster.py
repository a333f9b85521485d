"""Roster (职工信息): the Arrow bulk transfer and the JSON pages."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from .. import roster
from ..deps import RosterCacheDep, StoreDep, UnitDep
from ..errors import refusals
from ..models import EmployeePage

router = APIRouter(prefix="/units/{unit_id}", tags=["roster"])
_REFUSALS = refusals(400, 401, 403, 422)
MAX_CURSOR = 2**53  # beyond any real change count; `since` beyond the unit's cursor is refused anyway


@router.get(
    "/roster",
    response_class=Response,
    responses={200: {"content": {roster.MEDIA_TYPE: {}},
                     "description": "employees then items, each a u64 LE length + Arrow IPC stream"},
               **_REFUSALS},
)
def get_roster(
    store: StoreDep,
    cache: RosterCacheDep,
    unit_id: UnitDep,
    since: Annotated[int, Query(ge=0, le=MAX_CURSOR, description="同步游标")] = 0,
) -> Response:
    """The employees changed after `since` (all without it) with their insured items, one snapshot."""
    result = roster.roster_body(store, unit_id, since, cache)
    timing = ", ".join([f"roster;dur={result.server_ms:.1f};desc={'cached' if result.cached else 'read'}",
                        *(f"{name};dur={ms:.1f}" for name, ms in result.steps)])
    return Response(
        content=result.body,
        media_type=roster.MEDIA_TYPE,
        headers={
            "X-Sbf-Cursor": str(result.cursor),
            "X-Sbf-Employees": str(result.employees),
            # Where the server's time went, for benchmarks and browser dev tools.
            "Server-Timing": timing,
        },
    )


@router.get("/employees", response_model=EmployeePage, responses=_REFUSALS)
def get_employees(
    store: StoreDep,
    unit_id: UnitDep,
    since: Annotated[int, Query(ge=0, le=MAX_CURSOR, description="同步游标")] = 0,
    page: Annotated[int, Query(ge=1, le=1_000_000, description="页码")] = 1,
    size: Annotated[int, Query(ge=1, le=5000, description="每页条数")] = 1000,
) -> dict[str, Any]:
    """A JSON page of employees with their items, for scripts and small pulls."""
    return roster.page(store, unit_id, since, page, size)
