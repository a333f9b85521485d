"""The 征收子系统 (manual 2.11-2.13, 2.22): arrears, payments, unlock, bank vouchers, arrivals, and the
demo's simulated bank. The wire is docs/api.md "Payments (征收子系统)"."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from .. import collection
from ..deps import StoreDep, UnitDep
from ..errors import refusals
from ..models import LocalTime, Money, Payer

router = APIRouter(prefix="/units/{unit_id}", tags=["collection"])
_REFUSALS = refusals(400, 401, 403, 422)
ArrivedFrom = Annotated[dt.date | None, Query(alias="from", description="到账日期起 YYYY-MM-DD")]
ArrivedTo = Annotated[dt.date | None, Query(alias="to", description="到账日期止 YYYY-MM-DD")]
PaymentChannel = Literal["三方协议", "银行端凭证", "其他渠道"]


class Arrival(BaseModel):
    """社保费到账信息 (EMP-22): one item paid into the treasury (入库) and arrived at the fund (到账)."""

    arrival_id: str
    voucher_no: str = Field(description="应征凭证序号")
    declaration_id: str | None = Field(description="申报记录编号（其他渠道缴纳的为空）")
    unit_number: str = Field(description="单位编号")
    agency: str = Field(description="社保经办机构")
    item_code: str = Field(description="征收项目代码")
    item_name: str = Field(description="征收项目")
    subitem_name: str = Field(description="征收品目")
    payer: Payer
    payer_name: str = Field(description="缴费对象：单位 / 个人")
    period_start: str = Field(description="费款所属期起 YYYY-MM")
    period_end: str = Field(description="费款所属期止 YYYY-MM")
    amount: Money = Field(description="实缴金额")
    late_fee: Money = Field(description="滞纳金")
    total: Money = Field(description="到账金额合计")
    paid_on: dt.date = Field(description="缴费（入库）日期")
    arrived_on: dt.date = Field(description="到账日期")
    channel: PaymentChannel = Field(description="缴费渠道")
    tax_authority: str = Field(description="主管税务机关")
    status: Literal["已到账"] = Field(description="到账状态")
    record_id: str = Field(description="缴费记录编号")


@router.get("/arrivals", response_model=list[Arrival], responses=_REFUSALS)
def get_arrivals(store: StoreDep, unit_id: UnitDep, date_from: ArrivedFrom = None,
                 date_to: ArrivedTo = None) -> list[dict[str, Any]]:
    """社保费到账信息 by 到账日期 (both ends included), newest first."""
    return collection.arrivals(store, unit_id, date_from, date_to)


_ = LocalTime  # used by the payment models below
