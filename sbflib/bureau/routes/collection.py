"""The 征收子系统 (manual 2.11-2.13, 2.22): arrears, payments, 解锁, bank vouchers, arrivals, and the
demo's simulated bank. The wire is docs/api.md "Payments (征收子系统)"."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field, field_validator

from .. import collection, payments, vouchers
from ..deps import DemoDep, StoreDep, UnitDep, UnitIdPath
from ..errors import refusals
from ..models import LocalTime, Money, Payer

router = APIRouter()
units = APIRouter(prefix="/units/{unit_id}", tags=["collection"])
demo = APIRouter(prefix="/demo/units/{unit_id}", tags=["demo"], dependencies=[DemoDep],
                 responses=refusals(403, 404, 422))
_REFUSALS = refusals(400, 401, 403, 422)
_MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
ArrivedFrom = Annotated[dt.date | None, Query(alias="from", description="到账日期起 YYYY-MM-DD")]
ArrivedTo = Annotated[dt.date | None, Query(alias="to", description="到账日期止 YYYY-MM-DD")]
PeriodFrom = Annotated[str | None, Query(alias="from", pattern=_MONTH, description="费款所属期起 YYYY-MM")]
PeriodTo = Annotated[str | None, Query(alias="to", pattern=_MONTH, description="费款所属期止 YYYY-MM")]
RecordId = Annotated[str, Path(pattern=r"^[A-Za-z0-9]{1,40}$", description="缴费记录编号")]
VoucherNo = Annotated[str, Path(pattern=r"^[0-9]{1,30}$", description="银行端缴费凭证序号")]
Password = Annotated[str, Header(alias="X-Sbf-Password", min_length=1, max_length=64,
                                 description="申报密码（安全认证；不放在请求体中）")]
PaymentChannel = Literal["三方协议", "银行端凭证", "其他渠道"]
RecordStatus = Literal["缴费成功", "缴费失败", "锁定"]


def _key(request: Request) -> str | None:
    return request.headers.get("idempotency-key", "").strip() or None


# --- models ----------------------------------------------------------------------------------------


class Arrear(BaseModel):
    """欠费信息: one declared row (item and payer of one 应征凭证序号) not yet paid."""

    arrear_id: str = Field(description="欠费编号：申报记录编号-预处理信息编号")
    declaration_id: str
    voucher_no: str = Field(description="应征凭证序号")
    source_code: str
    source_name: str = Field(description="数据来源")
    tax_authority: str = Field(description="主管税务机关")
    declared_on: dt.date = Field(description="申报日期")
    prep_id: str
    unit_number: str = Field(description="单位编号")
    agency: str = Field(description="社保经办机构")
    item_code: str
    item_name: str = Field(description="征收项目")
    subitem_name: str = Field(description="征收品目")
    payer: Payer
    payer_name: str
    period_start: str = Field(description="费款所属期起")
    period_end: str = Field(description="费款所属期止")
    headcount: int = Field(description="缴费人数")
    amount: Money = Field(description="应缴费额")
    pay_by: dt.date = Field(description="缴费期限（可缓缴的为缓缴期限）；之后按日加收滞纳金")
    days_left: int = Field(description="距缴费期限的天数，逾期为负数")
    late_fee: Money = Field(description="滞纳金（按 pay_date 缴纳时）")
    total: Money = Field(description="应缴费额 + 滞纳金")
    deferrable: bool = Field(description="可缓缴（单位部分），可与其余欠费分开缴纳")
    operation: Literal["可缓缴", "正常缴费"] = Field(description="操作类型")
    status: Literal["未缴费", "锁定", "已开具凭证"]
    locked_by: str | None = Field(description="锁定它的缴费记录")
    bank_voucher_no: str | None = Field(description="开具的未缴款银行端缴费凭证")


class PayerAccount(BaseModel):
    """银行端缴费凭证上的付款人信息（人工录入或选择的账户）。"""

    payer_name: str = Field(min_length=1, max_length=100, description="付款人名称")
    payer_account: str = Field(min_length=1, max_length=40, pattern=r"^[0-9A-Za-z *-]+$", description="付款人账号")
    payer_bank: str = Field(min_length=1, max_length=100, description="开户银行名称")


class PaymentRequest(BaseModel):
    """立即缴费: the arrears chosen, the method and the total confirmed (late fees as of today included)."""

    arrear_ids: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9-]{1,120}$")]] = Field(
        min_length=1, max_length=20_000, description="所选欠费编号（不重复）")
    method: Literal["agreement", "voucher"] = Field(description="agreement 三方协议 / voucher 银行端缴费凭证")
    agreement_id: str | None = Field(default=None, max_length=40, pattern=r"^[A-Za-z0-9-]+$",
                                     description="三方协议缴费：所选三方协议")
    payer: PayerAccount | None = Field(default=None, description="银行端缴费凭证：付款人信息（可不填）")
    total: str = Field(pattern=r"^[0-9]{1,14}(\.[0-9]{1,2})?$", description="确认的缴费金额合计（含滞纳金）")

    @field_validator("arrear_ids")
    @classmethod
    def _unique(cls, ids: list[str]) -> list[str]:
        if len(set(ids)) != len(ids):
            raise ValueError("欠费编号重复")
        return ids


class PaymentItem(BaseModel):
    declaration_id: str | None
    prep_id: str
    unit_number: str
    agency: str
    item_code: str
    item_name: str
    subitem_name: str
    payer: Payer
    payer_name: str
    period_start: str
    period_end: str
    headcount: int
    amount: Money
    late_fee: Money
    total: Money
    pay_by: dt.date | None
    deferrable: bool


class PaymentRecord(BaseModel):
    """缴费记录: one payment of the items of one 应征凭证序号."""

    record_id: str
    payment_id: str | None = Field(description="缴费请求编号（其他渠道的为空）")
    declaration_id: str | None
    voucher_no: str = Field(description="应征凭证序号")
    channel: PaymentChannel = Field(description="缴费渠道")
    method: Literal["agreement", "voucher", "other"]
    status: RecordStatus = Field(description="缴费状态")
    reason: str | None = Field(description="缴费失败原因")
    unlock_result: Literal["缴费成功", "扣费失败"] | None = Field(description="解锁后的扣费状态")
    tax_authority: str
    period_start: str
    period_end: str
    amount: Money
    late_fee: Money
    total: Money
    bank_name: str | None = Field(description="付款银行")
    account_masked: str | None = Field(description="付款账号（掩码）")
    bank_serial: str | None = Field(description="银行流水号")
    bank_voucher_no: str | None = Field(description="银行端缴费凭证序号（凭证缴款时）")
    created_at: LocalTime = Field(description="缴费发起时间")
    decided_at: LocalTime | None
    unlocked_at: LocalTime | None
    paid_on: dt.date | None = Field(description="缴费（入库）日期")
    items: list[PaymentItem]


class VoucherItem(BaseModel):
    voucher_no: str = Field(description="应征凭证序号")
    declaration_id: str | None
    unit_number: str
    item_code: str
    item_name: str = Field(description="征收项目名称")
    subitem_name: str = Field(description="征收品目名称")
    payer: Payer
    payer_name: str
    period_start: str
    period_end: str
    amount: Money
    late_fee: Money
    total: Money = Field(description="应缴税额")


class BankVoucher(BaseModel):
    """银行端缴费凭证 (银行端查询缴税凭证)."""

    voucher_no: str = Field(description="银行端查询缴税凭证序号")
    channel: Literal["客户端", "其他渠道"] = Field(description="打印渠道")
    status: Literal["未缴费", "已缴费", "已作废", "已过期"]
    issued_at: LocalTime = Field(description="开具（打印）时间")
    valid_until: dt.date = Field(description="税款缴款日期：须在此日期前缴款")
    amount: Money
    late_fee: Money
    total: Money = Field(description="金额合计")
    taxpayer_id: str
    taxpayer_name: str
    tax_authority: str = Field(description="税务机关名称")
    tax_authority_code: str = Field(description="税务机关代码")
    payer_name: str | None
    payer_account: str | None
    payer_bank: str | None
    period_start: str
    period_end: str
    voided_at: LocalTime | None
    paid_at: LocalTime | None
    payment_id: str | None
    items: list[VoucherItem]


class PaymentAnswer(BaseModel):
    """A payment as it stands: the records the bank decided (三方协议) or the voucher issued."""

    payment_id: str
    method: Literal["agreement", "voucher"]
    status: Literal["缴费成功", "缴费失败", "锁定", "已开具凭证"]
    agreement_id: str | None
    bank_name: str | None
    account_masked: str | None
    bank_voucher_no: str | None
    amount: Money
    late_fee: Money
    total: Money
    created_at: LocalTime
    records: list[PaymentRecord]
    voucher: BankVoucher | None


class BankSetting(BaseModel):
    """Demo: how the simulated bank answers the unit's 三方协议 deductions and unlocks."""

    outcome: Literal["success", "failure", "lock"] = "success"
    reason: str | None = Field(default=None, max_length=100, description="failure 的原因，默认“账户余额不足”")
    unlock_outcome: Literal["success", "failure"] = "success"
    unlock_reason: str | None = Field(default=None, max_length=100, description="解锁扣费失败的原因")


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


# --- routes ------------------------------------------------------------------------------------------


@units.get("/arrears", response_model=list[Arrear], responses=_REFUSALS)
def get_arrears(store: StoreDep, unit_id: UnitDep,
                pay_date: Annotated[dt.date | None, Query(description="预览滞纳金的缴费日期（不早于今天）；默认今天")]
                = None) -> Response:
    """欠费信息 with pay-by dates, days left and the late fee if paid on `pay_date` (the JSON is built by
    the store, as the `Arrear` model says: a unit may owe 100,000 rows)."""
    return Response(payments.arrears_json(store, unit_id, pay_date), media_type="application/json")


@units.get("/arrears/table", response_class=Response,
           responses={200: {"content": {collection.ARREARS_MEDIA_TYPE: {}},
                            "description": "u64 LE length + Arrow IPC stream (zstd) of the arrears"}, **_REFUSALS})
def get_arrears_table(store: StoreDep, unit_id: UnitDep,
                      pay_date: Annotated[dt.date | None, Query(description="预览滞纳金的缴费日期（不早于今天）")]
                      = None) -> Response:
    """欠费信息 as Arrow: the columns of `GET /arrears`, money decimal128(18,2), dates date32; header
    `X-Sbf-Rows` the row count."""
    body, count = payments.arrears_frame(store, unit_id, pay_date)
    return Response(body, media_type=collection.ARREARS_MEDIA_TYPE, headers={"X-Sbf-Rows": str(count)})


@units.post("/payments", status_code=201, response_model=PaymentAnswer,
            responses={**_REFUSALS, **refusals(404, 409, 423)})
async def post_payment(request: Request, store: StoreDep, unit_id: UnitDep, body: PaymentRequest,
                       password: Password) -> dict[str, Any]:
    """立即缴费: password, then the items; 三方协议 decided by the bank, or a 银行端缴费凭证 issued."""
    return await run_in_threadpool(
        lambda: payments.pay(store, unit_id, password=password, arrear_ids=body.arrear_ids, method=body.method,
                             agreement_id=body.agreement_id,
                             payer=body.payer.model_dump() if body.payer else None, total=Decimal(body.total),
                             idempotency_key=_key(request)))


@units.get("/payments", response_model=list[PaymentRecord], responses=_REFUSALS)
def get_payment_records(store: StoreDep, unit_id: UnitDep, period_from: PeriodFrom = None,
                        period_to: PeriodTo = None) -> list[dict[str, Any]]:
    """缴费记录 by 费款所属期, here and in other channels, newest first."""
    return payments.records(store, unit_id, period_from, period_to)


@units.get("/payments/{record_id}", response_model=PaymentRecord, responses={**_REFUSALS, **refusals(404)})
def get_payment_record(store: StoreDep, unit_id: UnitDep, record_id: RecordId) -> dict[str, Any]:
    """One 缴费记录 with its items."""
    return payments.record(store, unit_id, record_id)


@units.post("/payments/{record_id}/unlock", response_model=PaymentRecord,
            responses={**_REFUSALS, **refusals(404, 409, 423)})
def unlock_payment(request: Request, store: StoreDep, unit_id: UnitDep, record_id: RecordId,
                   password: Password) -> dict[str, Any]:
    """解锁 a locked record (password first): 缴费成功 or 缴费失败 (扣费失败)."""
    return payments.unlock(store, unit_id, record_id, password, _key(request))


@units.get("/vouchers", response_model=list[BankVoucher], responses=_REFUSALS)
def get_vouchers(store: StoreDep, unit_id: UnitDep, period_from: PeriodFrom = None,
                 period_to: PeriodTo = None) -> list[dict[str, Any]]:
    """缴费凭证打印记录 by 费款所属期, printed here and in other channels, newest first."""
    return vouchers.list_vouchers(store, unit_id, period_from, period_to)


@units.get("/vouchers/{voucher_no}", response_model=BankVoucher, responses={**_REFUSALS, **refusals(404)})
def get_voucher(store: StoreDep, unit_id: UnitDep, voucher_no: VoucherNo) -> dict[str, Any]:
    """One voucher with its items (查看)."""
    return vouchers.voucher(store, unit_id, voucher_no)


@units.post("/vouchers/{voucher_no}/void", response_model=BankVoucher, responses={**_REFUSALS, **refusals(404, 409)})
def void_voucher(request: Request, store: StoreDep, unit_id: UnitDep, voucher_no: VoucherNo) -> dict[str, Any]:
    """作废 an unpaid voucher; a voided or paid one is refused."""
    return vouchers.void(store, unit_id, voucher_no, _key(request))


@units.get("/arrivals", response_model=list[Arrival], responses=_REFUSALS)
def get_arrivals(store: StoreDep, unit_id: UnitDep, date_from: ArrivedFrom = None,
                 date_to: ArrivedTo = None) -> list[dict[str, Any]]:
    """社保费到账信息 by 到账日期 (both ends included), newest first."""
    return collection.arrivals(store, unit_id, date_from, date_to)


@demo.post("/bank", response_model=BankSetting)
def set_bank(store: StoreDep, unit_id: UnitIdPath, body: BankSetting) -> dict[str, Any]:
    """How the simulated bank answers the unit's next 三方协议 deductions and unlocks (until changed or
    the unit is reset): success, failure (with `reason`) or lock; an unlock succeeds or fails."""
    return payments.set_bank(store, unit_id, body.model_dump())


@demo.post("/vouchers/{voucher_no}/pay", response_model=BankVoucher, responses=refusals(409))
def bank_pays_voucher(store: StoreDep, unit_id: UnitIdPath, voucher_no: VoucherNo) -> dict[str, Any]:
    """The bank counter takes the money for a valid unpaid voucher (缴费记录 and arrivals follow)."""
    return vouchers.bank_pays(store, unit_id, voucher_no)


class ArrearsSeed(BaseModel):
    """Demo and benchmarks: how many arrears rows to give the unit."""

    count: int = Field(default=100_000, ge=1, le=100_000, description="欠费行数")


class ArrearsSeeded(BaseModel):
    declaration_id: str
    count: int


@demo.post("/arrears", response_model=ArrearsSeeded)
def seed_arrears(store: StoreDep, unit_id: UnitIdPath, body: ArrearsSeed) -> dict[str, Any]:
    """One successful unpaid declaration of `count` rows (items and payers of the last 120 months), so
    the unit has that many arrears (the `arrears_load_s` benchmark). Cleared by a reset."""
    return {"declaration_id": collection.seed_arrears(store, unit_id, body.count), "count": body.count}


router.include_router(units)
router.include_router(demo)
