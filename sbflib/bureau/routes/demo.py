"""Demo calls (演示): only when the bureau runs in demo mode."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request

from .. import accounts, agreements, certificates, changes, declarations, refunds, wages
from ..deps import DemoDep, StoreDep, UnitIdPath
from ..errors import refusals
from ..middleware import Fault, FaultPlan
from ..models import (
    ChangeRequest,
    ChangeResult,
    DeclarationRecord,
    FaultRequest,
    FaultsCleared,
    FaultsPlanned,
    FeedbackSettingsBody,
    PaymentMark,
    ResetResult,
)

# Demo calls answer 403 without the demo secret and 404 on a bureau not in demo mode (or for an unknown unit).
router = APIRouter(prefix="/demo/units/{unit_id}", tags=["demo"], dependencies=[DemoDep],
                   responses=refusals(403, 404, 422))
faults_router = APIRouter(prefix="/demo/faults", tags=["demo"], dependencies=[DemoDep],
                          responses=refusals(403, 404, 422))
settings_router = APIRouter(prefix="/demo/settings", tags=["demo"], dependencies=[DemoDep],
                            responses=refusals(403, 404, 422))


@settings_router.post("", response_model=FeedbackSettingsBody)
def change_settings(request: Request, body: FeedbackSettingsBody) -> FeedbackSettingsBody:
    """The bureau's settings for tests: `feedback_delay_s`, how long a wage filing, a fee declaration
    or a void waits before it is decided (for those that arrive from now on)."""
    request.app.state.wage_settings.delay_s = body.feedback_delay_s
    return FeedbackSettingsBody(feedback_delay_s=request.app.state.wage_settings.delay_s)


def _plan(request: Request) -> FaultPlan:
    return request.app.state.faults


@faults_router.post("", response_model=FaultsPlanned)
def plan_fault(request: Request, body: FaultRequest) -> FaultsPlanned:
    """Plan a fault: requests under `path_prefix` are dropped, delayed or failed `times` times."""
    faults = _plan(request).add(Fault(body.path_prefix, body.method, body.mode, body.times, body.seconds))
    return FaultsPlanned(faults=[FaultRequest(**asdict(f)) for f in faults])


@faults_router.delete("", response_model=FaultsCleared)
def clear_faults(request: Request) -> FaultsCleared:
    """Clear every planned fault."""
    return FaultsCleared(cleared=_plan(request).clear())


@router.post("/changes", response_model=ChangeResult)
def change_employees(store: StoreDep, unit_id: UnitIdPath, body: ChangeRequest) -> ChangeResult:
    """The social security office changes `count` employees (a new base on one item, some a stop month)."""
    return ChangeResult(changed=changes.change_employees(store, unit_id, body.count, body.seed))


@router.post("/reset", response_model=ResetResult)
def reset_unit(store: StoreDep, unit_id: UnitIdPath) -> ResetResult:
    """The unit as seeded for tests: initial password, lock cleared, sessions ended, its idempotency
    records dropped, its wage filings, filed bases and back pay, its fee declarations and the office's
    assessments forgotten, its agreements as seeded, its certificates and refund applications gone
    (its roster changes stay; the assessments are generated again)."""
    accounts.reset_password(store, unit_id, forget_keys=True)
    wages.clear_unit(store, unit_id)
    declarations.clear_unit(store, unit_id)
    # Certificates and refunds go before the agreements: both read what was paid.
    certificates.clear_unit(store, unit_id)
    refunds.clear_unit(store, unit_id)
    agreements.clear_unit(store, unit_id)  # the seeded agreements put back
    return ResetResult()


@router.post("/declarations/{declaration_id}/payment", response_model=DeclarationRecord,
             responses=refusals(409))
def mark_payment(store: StoreDep, unit_id: UnitIdPath,
                 declaration_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9]{1,40}$", description="申报记录编号")],
                 body: PaymentMark) -> dict[str, Any]:
    """The declaration is paid (已缴费: its 应缴信息 销账) or put on a debit list (已生成待批扣清册), so
    that the refusal to void a paid declaration can be tried."""
    return declarations.mark_payment(store, unit_id, declaration_id, body.pay_status)


@router.post("/reset-password", response_model=ResetResult)
def reset_password(store: StoreDep, unit_id: UnitIdPath) -> ResetResult:
    """Back to the initial password, lock cleared (what the tax hall does)."""
    accounts.reset_password(store, unit_id)
    return ResetResult()
