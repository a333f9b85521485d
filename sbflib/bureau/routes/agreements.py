"""Three-party agreements (单位三方协议, manual 2.18) and the bank cascade of their form; the demo call
that steers the simulated bank's verification."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import AfterValidator, BaseModel, Field

from .. import agreements
from ..deps import DemoDep, StoreDep, UnitDep, UnitIdPath
from ..errors import refusals
from ..models import LocalTime

router = APIRouter(tags=["agreements"])
_REFUSALS = refusals(400, 401, 403, 422)
AgreementId = Annotated[str, Path(pattern=r"^[0-9]{1,32}$", description="协议编号")]
RegionCode = Annotated[str, Path(pattern=r"^[0-9]{6}$", description="行政区划代码")]
BankCode = Annotated[str, Path(pattern=r"^[0-9]{3}$", description="银行行别代码")]
Search = Annotated[str | None, Query(max_length=50, description="模糊搜索：名称或代码的一部分")]


def _utf8(text: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("不是有效的UTF-8文本") from None
    if any(ord(c) < 32 for c in text):
        raise ValueError("不能含控制字符")
    return text


Utf8 = AfterValidator(_utf8)


class BankingRegion(BaseModel):
    region_code: str = Field(description="行政区划代码（区县）")
    region_name: str


class BankPublic(BaseModel):
    bank_code: str = Field(description="银行行别代码")
    bank_name: str


class BranchPublic(BaseModel):
    branch_no: str = Field(description="开户行行号")
    branch_name: str = Field(description="开户网点")
    bank_code: str
    clearing_bank_no: str = Field(description="清算行行号")


class AgreementForm(BaseModel):
    """新增 / 修改 三方协议: every field required (manual 2.18.2 三)."""

    allow_debit: bool = Field(description="是否允许银行代扣：true 允许代扣（费批扣）/ false 不允许代扣（所有非批扣）")
    tax_authority: Annotated[str, Utf8, Field(max_length=100, description="所属税务机关（本单位参保登记的税务机关）")]
    region_code: str = Field(pattern=r"^[0-9]{6}$", description="行政区划代码")
    bank_code: str = Field(pattern=r"^[0-9]{3}$", description="银行行别代码")
    branch_no: str = Field(pattern=r"^[0-9]{12}$", description="开户行行号（开户网点）")
    account_name: Annotated[str, Utf8, Field(max_length=100, description="账户名称")]
    account_no: Annotated[str, Utf8, Field(max_length=40, description="缴费账号（8至32位数字）")]


AgreementStatus = Literal["未验证", "验证通过", "验证失败", "协议终止"]


class AgreementPublic(BaseModel):
    """一份三方协议 (the list's columns and the form's values)."""

    agreement_id: str = Field(description="协议编号")
    protocol_no: str = Field(description="三方协议号")
    agreement_name: str = Field(description="协议名称")
    customer_name: str = Field(description="客户名称（账户名称）")
    tax_authority: str = Field(description="协议所属税务机关")
    region_code: str
    region_name: str = Field(description="行政区划")
    bank_code: str
    bank_name: str = Field(description="银行名称（行别）")
    clearing_bank_no: str = Field(description="清算行行号")
    branch_no: str = Field(description="开户行行号")
    branch_name: str = Field(description="开户网点")
    account_name: str
    account_no: str = Field(description="缴费账号（完整）")
    account_masked: str = Field(description="缴费账号（屏显，如 ****6700）")
    batch_flag: Literal["费批扣", "所有批扣", "所有非批扣"] = Field(description="批扣标志（协议用途）")
    allow_debit: bool
    status: AgreementStatus = Field(description="协议状态")
    verify_reason: str | None = Field(description="验证失败的原因")
    verified_on: dt.date | None = Field(description="协议通过日期")
    ended_how: Literal["作废", "撤销"] | None = Field(description="协议终止的方式")
    ended_at: LocalTime | None
    created_at: LocalTime
    updated_at: LocalTime
    usable: bool = Field(description="可用于三方协议缴费（验证通过）")
    actions: list[Literal["修改", "作废", "撤销", "验证"]] = Field(description="当前状态允许的操作")


class BankPlan(BaseModel):
    """Demo: the simulated bank's next answers to verifications of the unit's agreements."""

    outcome: Literal["pass", "fail"] = Field(description="pass 验证通过 / fail 验证失败")
    reason: Annotated[str, Utf8, Field(max_length=200, description="验证失败的原因（银行的答复）")] | None = None
    times: int = Field(default=1, ge=1, le=100)


@router.get("/banking/regions", response_model=list[BankingRegion], responses=refusals(422))
def get_banking_regions(q: Search = None) -> list[dict[str, str]]:
    """行政区划 of the form (fuzzy search)."""
    return agreements.banking_regions(q)


@router.get("/banking/regions/{region_code}/banks", response_model=list[BankPublic], responses=refusals(404, 422))
def get_banks(region_code: RegionCode) -> list[dict[str, str]]:
    """银行行别 in a district."""
    return agreements.banks(region_code)


@router.get("/banking/regions/{region_code}/banks/{bank_code}/branches", response_model=list[BranchPublic],
            responses=refusals(404, 422))
def get_branches(region_code: RegionCode, bank_code: BankCode, q: Search = None) -> list[dict[str, str]]:
    """开户网点 of a bank in a district (fuzzy search), with the clearing bank."""
    return agreements.branches(region_code, bank_code, q)


@router.get("/units/{unit_id}/agreements", response_model=list[AgreementPublic], responses=_REFUSALS)
def list_agreements(store: StoreDep, unit_id: UnitDep) -> list[dict[str, Any]]:
    """The unit's agreements, newest first."""
    return agreements.list_agreements(store, unit_id)


@router.post("/units/{unit_id}/agreements", status_code=201, response_model=AgreementPublic,
             responses={**_REFUSALS, **refusals(409)})
def create_agreement(store: StoreDep, unit_id: UnitDep, body: AgreementForm) -> dict[str, Any]:
    """新增: saved 未验证 (verify it before it pays)."""
    return agreements.create(store, unit_id, body.model_dump())


@router.get("/units/{unit_id}/agreements/{agreement_id}", response_model=AgreementPublic,
            responses={**_REFUSALS, **refusals(404)})
def get_agreement(store: StoreDep, unit_id: UnitDep, agreement_id: AgreementId) -> dict[str, Any]:
    return agreements.agreement(store, unit_id, agreement_id)


@router.put("/units/{unit_id}/agreements/{agreement_id}", response_model=AgreementPublic,
            responses={**_REFUSALS, **refusals(404, 409)})
def modify_agreement(store: StoreDep, unit_id: UnitDep, agreement_id: AgreementId,
                     body: AgreementForm) -> dict[str, Any]:
    """修改: new values, 未验证 again."""
    return agreements.modify(store, unit_id, agreement_id, body.model_dump())


@router.post("/units/{unit_id}/agreements/{agreement_id}/void", response_model=AgreementPublic,
             responses={**_REFUSALS, **refusals(404, 409)})
def void_agreement(store: StoreDep, unit_id: UnitDep, agreement_id: AgreementId) -> dict[str, Any]:
    """作废 an agreement not verified: 协议终止."""
    return agreements.void(store, unit_id, agreement_id)


@router.post("/units/{unit_id}/agreements/{agreement_id}/revoke", response_model=AgreementPublic,
             responses={**_REFUSALS, **refusals(404, 409)})
def revoke_agreement(store: StoreDep, unit_id: UnitDep, agreement_id: AgreementId) -> dict[str, Any]:
    """撤销 a verified agreement: 协议终止, it no longer pays."""
    return agreements.revoke(store, unit_id, agreement_id)


@router.post("/units/{unit_id}/agreements/{agreement_id}/verify", response_model=AgreementPublic,
             responses={**_REFUSALS, **refusals(404, 409)})
def verify_agreement(store: StoreDep, unit_id: UnitDep, agreement_id: AgreementId) -> dict[str, Any]:
    """验证 with the bank: 验证通过 or 验证失败 (with the bank's reason)."""
    return agreements.verify(store, unit_id, agreement_id)


@router.post("/demo/units/{unit_id}/bank-verifications", response_model=BankPlan, tags=["demo"],
             dependencies=[DemoDep], responses=refusals(403, 404, 422))
def plan_bank(store: StoreDep, unit_id: UnitIdPath, body: BankPlan) -> dict[str, Any]:
    """Demo: the bank's next `times` verifications of the unit's agreements pass or fail with `reason`."""
    return agreements.plan_bank(store, unit_id, body.outcome, body.reason, body.times)
