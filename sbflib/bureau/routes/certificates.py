"""税收完税证明（非印刷） 开具 / 补开 / 查验 (manual 2.14, 2.15, 2.26) and 职工 / 单位缴费证明 (2.16, 2.17)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from .. import certificates
from ..deps import StoreDep, UnitDep
from ..errors import refusals
from ..models import LocalTime, Money

router = APIRouter(prefix="/units/{unit_id}", tags=["certificates"])
_REFUSALS = refusals(400, 401, 403, 422)
MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
MonthFrom = Annotated[str | None, Query(alias="from", pattern=MONTH, description="费款所属期起 YYYY-MM")]
MonthTo = Annotated[str | None, Query(alias="to", pattern=MONTH, description="费款所属期止 YYYY-MM")]
NeededFrom = Annotated[str, Query(alias="from", pattern=MONTH, description="费款所属期起 YYYY-MM")]
NeededTo = Annotated[str, Query(alias="to", pattern=MONTH, description="费款所属期止 YYYY-MM")]
CertificateNo = Annotated[str, Path(pattern=r"^[0-9]{1,32}$", description="电子税票号码")]
Payer = Literal["unit", "personal"]


class IssuableTicket(BaseModel):
    """开具 list: one 电子税票 (the items of one 应征凭证序号 in the treasury)."""

    voucher_no: str = Field(description="应征凭证序号（原凭证号）")
    taxpayer_id: str
    taxpayer_name: str
    tax_authority: str
    period_start: str = Field(description="费款所属期起 YYYY-MM")
    period_end: str
    items: int
    total: Money = Field(description="实缴金额合计（含滞纳金）")
    paid_on: dt.date
    arrived_on: dt.date = Field(description="入库日期")
    status: Literal["未开具", "已开具"]
    certificate_no: str | None = Field(description="已开具的电子税票号码")


class IssueRequest(BaseModel):
    voucher_no: str = Field(pattern=r"^[0-9A-Za-z-]{1,40}$", description="应征凭证序号")


class CertificateItem(BaseModel):
    seq: int
    item_key: str
    voucher_no: str = Field(description="原凭证号")
    item_code: str
    item_name: str = Field(description="税种（征收项目）")
    subitem_name: str = Field(description="品目名称")
    period_start: str = Field(description="税款所属时期起 YYYY-MM")
    period_end: str
    paid_on: dt.date
    arrived_on: dt.date = Field(description="入（退）库日期")
    amount: Money = Field(description="实缴（退）金额")


class Certificate(BaseModel):
    """税收完税证明（非印刷）, as printed."""

    certificate_no: str = Field(description="电子税票号码")
    ticket_kind: str = Field(description="税收票证种类")
    taxpayer_id: str
    taxpayer_name: str
    region_code: str = Field(description="行政区划代码")
    region_name: str
    tax_authority: str = Field(description="税务机关")
    treasury: str = Field(description="收款国库")
    ticket_track: str = Field(description="票证字轨")
    ticket_no: str = Field(description="票证号码")
    voucher_no: str
    issued_on: dt.date = Field(description="填发（开具）日期")
    issued_at: LocalTime
    issuer: str = Field(description="填票人")
    total: Money = Field(description="金额合计")
    status: str = Field(description="票证状态")
    prints: int = Field(description="打印次数（开具与补开）")
    print_label: str = Field(description="如 第2次打印")
    last_printed_at: LocalTime
    reissue: bool = Field(description="本次为补开")
    period_start: str | None
    period_end: str | None
    items: list[CertificateItem]


class CheckResultFields(BaseModel):
    taxpayer_id: str
    taxpayer_name: str
    certificate_no: str
    ticket_kind_name: str
    ticket_track_name: str
    treasury: str = Field(description="收款国库名称")
    ticket_no: str
    issued_on: dt.date
    issuer: str = Field(description="开具人")
    status: str = Field(description="票证状态")
    voided_by: str | None
    voided_on: dt.date | None
    void_reason: str | None


class CheckAnswer(BaseModel):
    genuine: bool = Field(description="票面信息与税务机关开具的证明一致")
    message: str
    result: CheckResultFields | None
    certificate: Certificate | None = Field(description="预览（仅查看）")


class UnitProofRow(BaseModel):
    tax_authority: str = Field(description="征收经办机构")
    agency: str = Field(description="社保经办机构")
    unit_number: str
    item_code: str
    item_name: str = Field(description="征收项目")
    subitem_name: str = Field(description="征收品目")
    subitem_detail: str | None = Field(description="征收子目")
    payer: Payer
    payer_name: str = Field(description="征收类型：单位缴费 / 个人缴费")
    period_start: str
    period_end: str
    arrived_on: dt.date = Field(description="入（费）库日期")
    amount: Money = Field(description="实缴金额")
    voucher_no: str


class UnitProof(BaseModel):
    rows: list[UnitProofRow]
    reason: str | None = Field(description="未查询到时最可能的原因")
    reasons: list[str] = Field(description="未查询到时的可能原因（手册）")


class EmployeeProofRow(BaseModel):
    employee_id: str
    name: str
    id_type: str
    id_number: str
    unit_number: str
    agency: str
    tax_authority: str
    item_code: str
    item_name: str
    subitem_name: str
    month: str = Field(description="费款所属期 YYYY-MM")
    base: Money = Field(description="缴费基数")
    unit_amount: Money = Field(description="单位缴费")
    personal_amount: Money = Field(description="个人缴费")
    amount: Money
    arrived_on: dt.date
    voucher_no: str


class EmployeeProof(BaseModel):
    rows: list[EmployeeProofRow]
    reason: str | None
    reasons: list[str]


@router.get("/tax-certificates/issuable", response_model=list[IssuableTicket], responses=_REFUSALS)
def get_issuable(store: StoreDep, unit_id: UnitDep, month_from: MonthFrom = None,
                 month_to: MonthTo = None) -> list[dict[str, Any]]:
    """开具 list by 费款所属期: 电子税票 in the treasury, issued or not."""
    return certificates.issuable(store, unit_id, month_from, month_to)


@router.post("/tax-certificates", status_code=201, response_model=Certificate,
             responses={**_REFUSALS, **refusals(404, 409)})
def issue_certificate(store: StoreDep, unit_id: UnitDep, body: IssueRequest) -> dict[str, Any]:
    """开具 the certificate of one 电子税票 (once; then 补开)."""
    return certificates.issue(store, unit_id, body.voucher_no)


@router.get("/tax-certificates", response_model=list[Certificate], responses=_REFUSALS)
def list_certificates(store: StoreDep, unit_id: UnitDep, month_from: MonthFrom = None,
                      month_to: MonthTo = None) -> list[dict[str, Any]]:
    """补开 list by 费款所属期: the certificates issued."""
    return certificates.issued(store, unit_id, month_from, month_to)


@router.get("/tax-certificates/{certificate_no}", response_model=Certificate, responses={**_REFUSALS, **refusals(404)})
def get_certificate(store: StoreDep, unit_id: UnitDep, certificate_no: CertificateNo) -> dict[str, Any]:
    return certificates.certificate(store, unit_id, certificate_no)


@router.post("/tax-certificates/{certificate_no}/reissue", response_model=Certificate,
             responses={**_REFUSALS, **refusals(404)})
def reissue_certificate(store: StoreDep, unit_id: UnitDep, certificate_no: CertificateNo) -> dict[str, Any]:
    """补开: the same certificate (number, lines, amounts, date), marked 补开, one print more."""
    return certificates.reissue(store, unit_id, certificate_no)


@router.get("/tax-certificate-checks", response_model=CheckAnswer, responses=_REFUSALS)
def check_certificate(
    store: StoreDep,
    unit_id: UnitDep,
    taxpayer_id: Annotated[str, Query(min_length=1, max_length=32, description="纳税人识别号")],
    taxpayer_name: Annotated[str, Query(min_length=1, max_length=100, description="纳税人名称")],
    certificate_no: Annotated[str, Query(min_length=1, max_length=32, description="电子税票号码")],
    region_code: Annotated[str, Query(min_length=1, max_length=12, description="行政区划代码")],
    total: Annotated[Decimal, Query(max_digits=16, decimal_places=2, ge=0, description="金额合计")],
    ticket_kind: Annotated[Literal["税收完税证明（非印刷）"], Query(description="税收票证种类")] = "税收完税证明（非印刷）",
    tax_authority: Annotated[str | None, Query(max_length=100, description="主管税务机关")] = None,
    ticket_track: Annotated[str | None, Query(max_length=40, description="票证字轨")] = None,
    ticket_no: Annotated[str | None, Query(max_length=32, description="票证号码")] = None,
) -> dict[str, Any]:
    """查验 a paper certificate by its fields: genuine or not, and the view-only preview when it is."""
    return certificates.check(store, {
        "taxpayer_id": taxpayer_id, "taxpayer_name": taxpayer_name, "certificate_no": certificate_no,
        "region_code": region_code, "total": total, "ticket_kind": ticket_kind, "tax_authority": tax_authority,
        "ticket_track": ticket_track, "ticket_no": ticket_no})


@router.get("/payment-proofs/unit", response_model=UnitProof, responses=_REFUSALS)
def get_unit_proof(store: StoreDep, unit_id: UnitDep, month_from: NeededFrom, month_to: NeededTo) -> dict[str, Any]:
    """单位缴费证明: paid and in the treasury, per unit number, item, payer and period."""
    return certificates.unit_proof(store, unit_id, month_from, month_to)


@router.get("/payment-proofs/employees", response_model=EmployeeProof, responses=_REFUSALS)
def get_employee_proof(
    store: StoreDep,
    unit_id: UnitDep,
    month_from: NeededFrom,
    month_to: NeededTo,
    name: Annotated[str | None, Query(max_length=50, description="职工姓名")] = None,
    id_type: Annotated[str | None, Query(max_length=30, description="证件类型")] = None,
    id_number: Annotated[str | None, Query(max_length=30, description="证件号码")] = None,
) -> dict[str, Any]:
    """职工缴费证明: an employee's paid months per item (unit and personal parts), in the treasury."""
    return certificates.employee_proof(store, unit_id, month_from, month_to, name=name, id_type=id_type,
                                       id_number=id_number)
