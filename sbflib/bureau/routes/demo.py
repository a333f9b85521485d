"""Demo calls (演示): only when the bureau runs in demo mode."""

from __future__ import annotations

from fastapi import APIRouter

from .. import accounts, changes
from ..deps import DemoDep, StoreDep, UnitIdPath
from ..models import ChangeRequest, ChangeResult, ResetResult

router = APIRouter(prefix="/demo/units/{unit_id}", tags=["demo"], dependencies=[DemoDep])


@router.post("/changes", response_model=ChangeResult)
def change_employees(store: StoreDep, unit_id: UnitIdPath, body: ChangeRequest) -> ChangeResult:
    """The social security office changes `count` employees (a new base on one item, some a stop month)."""
    return ChangeResult(changed=changes.change_employees(store, unit_id, body.count, body.seed))


@router.post("/reset-password", response_model=ResetResult)
def reset_password(store: StoreDep, unit_id: UnitIdPath) -> ResetResult:
    """Back to the initial password, lock cleared (what the tax hall does)."""
    accounts.reset_password(store, unit_id)
    return ResetResult()
