"""单位退费申请 (manual 2.28): what may be refunded, applications and their status; the demo call that
decides one."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from .. import refunds
from ..deps import DemoDep, StoreDep, UnitDep, UnitIdPath
from ..errors import refusals
from ..models import LocalTime, Money
from .agreements import Utf8
from .certificates import MonthFrom, MonthTo

router = APIRouter(tags=["refunds"])
_REFUSALS = refusals(400, 401, 403, 422)
RefundId = Annotated[str, Path(pattern=r"^TF[0-9]{1,30}$", description="退费申请编号")]
Kind = Literal["ticket", "employee"]
RefundType = Literal["误收退库", "汇算清缴退费", "多缴退费", "其他退费"]
Status = Literal["待审核", "已退库", "审核不通过"]
_AMOUNT = r"^[0-9]{1,14}(\.[0-9]{1,2})?$"
_LINE_KEY = r"^[A-Za-z0-9|-]{1,200}$"


class RefundCandidate(BaseModel):
    line_key: str = Field(description="退费信息编号（提交申请时引用）")
    voucher_no: str = Field(description="应征凭证序号（税票）")
    item_code: str
    item_name: str = Field(description="征收项目")
    payer: Literal["unit", "personal"]
    employee_id: str | None
    name: str | None
    id_type: str | None
    id_number: str | None
    period_start: str = Field(description="费款所属期起 YYYY-MM")
    period_end: str
    paid_amount: Money = Field(description="实缴金额")
    asked: Money = Field(description="已申请（或已退）的金额")
    refundable: Money = Field(description="可退金额")
    arrived_on: dt.date = Field(description="入库日期")


class RefundCandidates(BaseModel):
    lines: list[RefundCandidate]
    truncated: bool = Field(description="超过5000条时只给前5000条，请缩小查询条件")


class RefundLineRequest(BaseModel):
    line_key: str = Field(pattern=_LINE_KEY)
    amount: str = Field(pattern=_AMOUNT, description="退费金额")


class RefundRequest(BaseModel):
    """提交退费申请."""

    kind: Kind = Field(description="ticket 税票退费 / employee 职工明细退费")
    refund_type: RefundType = Field(description="退费原因")
    reason: Annotated[str, Utf8, Field(min_length=1, max_length=200, description="退费申请理由")]
    account_name: Annotated[str, Utf8, Field(min_length=1, max_length=100, description="退费银行账户名称")]
    bank_name: Annotated[str, Utf8, Field(min_length=1, max_length=100, description="退费银行")]
    account_no: Annotated[str, Utf8, Field(min_length=1, max_length=40, description="退费银行账户（8至32位数字）")]
    lines: list[RefundLineRequest] = Field(min_length=1, max_length=refunds.MAX_LINES)
    total: str = Field(pattern=_AMOUNT, description="退费金额合计")


class RefundRecord(BaseModel):
    refund_id: str
    kind: Kind
    kind_name: str = Field(description="退费方式")
    status: Status
    refund_type: RefundType
    reason: str
    account_name: str
    bank_name: str
    account_no: str
    account_masked: str
    total: Money
    applied_at: LocalTime = Field(description="申请日期")
    decided_at: LocalTime | None
    result_reason: str | None = Field(description="审核不通过的原因")
    lines: int


class RefundLine(BaseModel):
    seq: int
    line_key: str
    voucher_no: str
    item_code: str
    item_name: str
    payer: Literal["unit", "personal"]
    employee_id: str | None
    name: str | None
    id_type: str | None
    id_number: str | None
    period_start: str
    period_end: str
    paid_amount: Money
    amount: Money = Field(description="退费金额")


class RefundDetail(BaseModel):
    record: RefundRecord
    lines: list[RefundLine]


class RefundDecision(BaseModel):
    """Demo: decide a 待审核 application now."""

    status: Literal["已退库", "审核不通过"]
    reason: Annotated[str, Utf8, Field(max_length=200)] | None = None


@router.get("/units/{unit_id}/refund-candidates", response_model=RefundCandidates, responses=_REFUSALS)
def get_candidates(
    store: StoreDep,
    unit_id: UnitDep,
    kind: Annotated[Kind, Query(description="ticket 税票退费 / employee 职工明细退费")],
    month_from: MonthFrom = None,
    month_to: MonthTo = None,
    name: Annotated[str | None, Query(max_length=50, description="职工姓名（职工明细退费）")] = None,
    id_number: Annotated[str | None, Query(max_length=30, description="证件号码（职工明细退费）")] = None,
) -> dict[str, Any]:
    """What may be refunded: paid lines in the treasury with what is still refundable."""
    return refunds.candidates(store, unit_id, kind, month_from, month_to, name=name, id_number=id_number)


@router.post("/units/{unit_id}/refunds", status_code=201, response_model=RefundRecord,
             responses={**_REFUSALS, **refusals(409)})
def apply_refund(request: Request, store: StoreDep, unit_id: UnitDep, body: RefundRequest) -> dict[str, Any]:
    """提交申请: 待审核, decided after the feedback delay."""
    return refunds.apply(store, unit_id, body.model_dump(), request.app.state.wage_settings.delay_s)


@router.get("/units/{unit_id}/refunds", response_model=list[RefundRecord], responses=_REFUSALS)
def list_refunds(
    store: StoreDep,
    unit_id: UnitDep,
    date_from: Annotated[dt.date | None, Query(alias="from", description="申请日期起 YYYY-MM-DD")] = None,
    date_to: Annotated[dt.date | None, Query(alias="to", description="申请日期止 YYYY-MM-DD")] = None,
) -> list[dict[str, Any]]:
    """The unit's applications, newest first."""
    return refunds.applications(store, unit_id, date_from, date_to)


@router.get("/units/{unit_id}/refunds/{refund_id}", response_model=RefundDetail,
            responses={**_REFUSALS, **refusals(404)})
def get_refund(store: StoreDep, unit_id: UnitDep, refund_id: RefundId) -> dict[str, Any]:
    return refunds.application(store, unit_id, refund_id)


@router.post("/demo/units/{unit_id}/refunds/{refund_id}/decision", response_model=RefundRecord, tags=["demo"],
             dependencies=[DemoDep], responses=refusals(403, 404, 409, 422))
def decide_refund(store: StoreDep, unit_id: UnitIdPath, refund_id: RefundId, body: RefundDecision) -> dict[str, Any]:
    """Demo: the bureau decides a 待审核 application now (已退库, or 审核不通过 with `reason`)."""
    return refunds.plan_decision(store, unit_id, refund_id, body.status, body.reason)

