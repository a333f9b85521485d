"""Request and response models, one family per entity, so /openapi.json documents the contract."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

# Money travels as a decimal string with 2 places ("7162.00"), never a float.
Money = Annotated[Decimal, PlainSerializer(lambda d: f"{d:.2f}", return_type=str, when_used="json")]
Module = Literal["employer", "collector"]

# The bureau's store keeps the machine's local time without a zone; on the wire a time carries its
# zone and is given in Beijing time (+08:00).
CHINA = dt.timezone(dt.timedelta(hours=8))


def _zoned(value: dt.datetime) -> str:
    aware = value if value.tzinfo else value.astimezone()  # naive = this machine's local time
    return aware.astimezone(CHINA).isoformat(timespec="seconds")


LocalTime = Annotated[
    dt.datetime,
    PlainSerializer(_zoned, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time",
                    "description": "北京时间，带时区，如 2026-11-27T09:30:00+08:00"}, mode="serialization"),
]


def _utf8(text: str) -> str:
    """Text must be encodable as UTF-8 (a lone surrogate such as "\\ud800" is not)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("不是有效的UTF-8文本") from None
    return text


# Text a caller sends: valid UTF-8, bounded.
Password = Annotated[str, AfterValidator(_utf8), Field(max_length=128, description="申报密码")]
UnitId = Annotated[str, Field(pattern=r"^[A-Za-z0-9]{1,32}$", description="单位ID")]


class ErrorBody(BaseModel):
    """Every refusal: an error code and the Chinese message the client shows as is."""

    code: str
    message: str


# --- public -----------------------------------------------------------------------------------


class Health(BaseModel):
    status: str = "ok"
    name: str = "演示税务局"


class RegionPublic(BaseModel):
    """地区: the modules online there and each item's collection mode (税务自主 / 税务代征)."""

    code: str
    name: str
    modules: list[Module]
    collection_modes: dict[str, str]


class ClientVersion(BaseModel):
    latest: str
    released: dt.date
    notes: str


class NoticePublic(BaseModel):
    """通知公告."""

    notice_id: int
    title: str
    published: dt.date
    body: str


class RuleFileSummary(BaseModel):
    name: str
    version: str
    updated: str


# --- units ------------------------------------------------------------------------------------


class UnitSummary(BaseModel):
    """One unit registered under a taxpayer ID (纳税人识别号), as 添加单位 lists them."""

    unit_id: str
    taxpayer_id: str
    name: str
    registered_on: dt.date
    taxpayer_status: str
    kind: str
    module: Module
    region: str


class UnitNumberPublic(BaseModel):
    """单位编号 at a social security agency (社保经办机构), with its 主管税务机关."""

    unit_number: str
    agency: str
    tax_authority: str


class Registration(BaseModel):
    """社保费登记信息, the answer of 安全认证."""

    unit_id: str
    taxpayer_id: str
    name: str
    module: Module
    region: str
    tax_authority: str
    tax_office: str
    unit_numbers: list[UnitNumberPublic]


class Profile(BaseModel):
    """单位信息 (SET-4)."""

    taxpayer_id: str
    name: str
    tax_authority: str
    finance_officer: str
    legal_representative: str
    industry: str
    enterprise_type: str
    address: str
    postcode: str
    phone: str
    email: str
    listed: str


class PasswordCheck(BaseModel):
    password: Password


class PasswordChange(BaseModel):
    old_password: Annotated[Password, Field(description="原申报密码")]
    new_password: Annotated[Password, Field(description="新申报密码")]


class PasswordChanged(BaseModel):
    changed: bool = True


# --- sessions ---------------------------------------------------------------------------------


class SessionCreate(BaseModel):
    unit_id: UnitId
    password: Password


class SessionPublic(BaseModel):
    token: str
    unit_id: str
    must_change_password: bool
    expires_at: LocalTime


# --- roster -----------------------------------------------------------------------------------


class InsuredItemPublic(BaseModel):
    """参保险种: one insured item of an employee under one unit number."""

    model_config = ConfigDict(from_attributes=True)

    employee_id: str
    unit_number: str
    agency: str
    person_number: str
    item_code: str
    item_name: str
    subitem_name: str
    subitem_detail: str | None = Field(default=None, description="征收子目 (often empty)")
    special_category: str
    base: Money
    start_month: str
    stop_month: str | None
    collection_mode: str


class EmployeePublic(BaseModel):
    """职工 with their insured items."""

    employee_id: str
    name: str
    gender: str
    id_type: str
    id_number: str
    birth_date: dt.date
    start_month: str
    stop_month: str | None
    updated_at: LocalTime
    change_seq: int
    items: list[InsuredItemPublic]


class EmployeePage(BaseModel):
    total: int
    cursor: int
    employees: list[EmployeePublic]


# --- demo -------------------------------------------------------------------------------------


class ChangeRequest(BaseModel):
    count: int = Field(10, ge=1, le=100_000, description="变更人数")
    seed: int = Field(1, ge=0, le=2**31 - 1, description="随机种子")


class ChangeResult(BaseModel):
    changed: list[str]


class ResetResult(BaseModel):
    reset: bool = True


class FaultRequest(BaseModel):
    """A planned fault (演示故障) for tests: see docs/api.md."""

    path_prefix: str = Field(min_length=1, max_length=200, pattern=r"^/", description="请求路径前缀")
    method: Literal["GET", "POST", "PUT", "DELETE"] | None = Field(None, description="请求方法（不填为全部）")
    mode: Literal["drop", "delay", "fail"]
    times: int = Field(1, ge=1, le=1000, description="次数")
    seconds: float = Field(5, ge=0, le=300, description="drop 和 delay 的秒数")


class FaultsPlanned(BaseModel):
    faults: list[FaultRequest]


class FaultsCleared(BaseModel):
    cleared: int


# --- wage filings (缴费工资申报) -----------------------------------------------------------------

WageFilingStatus = Literal["待反馈", "全部申报成功", "全部申报失败", "部分申报成功"]


class WageFilingRecord(BaseModel):
    """缴费工资申报记录: one filing, 待反馈 until the bureau decides it."""

    filing_id: str
    submitted_at: LocalTime
    kind: Literal["daily", "annual"]
    way: Literal["employee", "item"]
    tax_authority: str
    employees: int
    lines: int
    status: WageFilingStatus
    decided_at: LocalTime | None = None


class WageFilingLine(BaseModel):
    """One line of a filing with its result: the base (raised to the floor or cut to the cap, said in
    `reason`) or why it failed. Lines of a filing still 待反馈 have status 待反馈."""

    line_no: int
    employee_id: str
    name: str | None
    id_type: str | None
    id_number: str | None
    item_code: str | None = Field(description="险种编码；按职工申报时为空（适用于全部税务自主险种）")
    item_name: str | None
    old_wage: Money | None = Field(description="原缴费工资（决定前的缴费基数）")
    new_wage: Money
    base: Money | None = Field(description="核定的缴费基数")
    month: str = Field(description="生效年月")
    status: Literal["成功", "失败", "待反馈"]
    reason: str | None


class WageFilingDetail(BaseModel):
    """A filing with its lines (`lines` is the list here, not the count)."""

    filing_id: str
    submitted_at: LocalTime
    kind: Literal["daily", "annual"]
    way: Literal["employee", "item"]
    tax_authority: str
    employees: int
    status: WageFilingStatus
    decided_at: LocalTime | None = None
    lines: list[WageFilingLine]


class FeedbackSettingsBody(BaseModel):
    """Demo settings of the bureau."""

    feedback_delay_s: float = Field(ge=0, le=86_400, description="缴费工资申报、社保费申报和作废的反馈延迟（秒）")


# --- fee declarations (社保费申报) ----------------------------------------------------------------

# A rate travels as a decimal string without trailing zeros ("0.16", "0.005"), never a float.
Rate = Annotated[Decimal, PlainSerializer(lambda d: format(d.normalize(), "f"), return_type=str, when_used="json")]
Channel = Literal["daily", "special", "assessed", "project"]
SourceCode = Literal["01", "02", "03"]
Payer = Literal["unit", "personal"]


class PreprocessingRow(BaseModel):
    """预处理信息 / 征集信息: one unit number, item, payer part and period (see docs/api.md)."""

    prep_id: str = Field(description="预处理信息编号（稳定）")
    group_key: str = Field(description="须一并申报的勾选组")
    channel: Channel
    source_code: SourceCode = Field(description="数据来源代码")
    source_name: str
    unit_number: str
    agency: str
    notice_no: str | None = Field(description="征集通知流水号（税务自主的预处理信息为空）")
    valid_until: dt.date | None = Field(description="征集有效日期")
    special_type: str | None = Field(description="特殊缴费类型")
    project_no: str | None = Field(description="工程项目编号")
    item_code: str
    item_name: str = Field(description="征收项目")
    subitem_name: str = Field(description="征收品目")
    payer: Payer
    payer_name: Literal["单位", "个人"]
    period_start: str = Field(description="费款所属期起")
    period_end: str = Field(description="费款所属期止")
    headcount: int = Field(description="缴费人数")
    base_total: Money = Field(description="缴费基数合计")
    rate: Rate
    amount: Money = Field(description="应缴费额")
    back_pay: bool = Field(description="补缴（所属期早于本月的补缴月份、特殊缴费）")
    status: Literal["未申报", "申报中", "已申报"]
    declaration_id: str | None


DeclarationStatus = Literal["待反馈", "申报成功", "申报失败", "作废中", "已作废"]


class DeclarationRecord(BaseModel):
    """社保费申报记录: one declaration (申报表) of one data source."""

    declaration_id: str
    submission_id: str
    channel: Channel
    source_code: SourceCode
    source_name: str
    tax_authority: str
    status: DeclarationStatus
    reason: str | None = Field(description="申报失败的原因")
    submitted_at: LocalTime = Field(description="申报日期")
    decided_at: LocalTime | None
    rows: int
    headcount: int
    total_due: Money = Field(description="应缴费额合计")
    voucher_no: str | None = Field(description="应征凭证序号")
    pay_status: Literal["未缴费", "已缴费", "已生成待批扣清册", "无需缴费"] | None
    void_requested_at: LocalTime | None
    void_decided_at: LocalTime | None
    void_reason: str | None
    period_start: str | None
    period_end: str | None


class DeclaredRow(BaseModel):
    """A preprocessing row as declared."""

    prep_id: str
    group_key: str
    channel: Channel
    source_code: SourceCode
    source_name: str
    unit_number: str
    agency: str
    notice_no: str | None
    valid_until: dt.date | None
    special_type: str | None
    project_no: str | None
    item_code: str
    item_name: str
    subitem_name: str
    payer: Payer
    payer_name: Literal["单位", "个人"]
    period_start: str
    period_end: str
    headcount: int
    base_total: Money
    rate: Rate
    amount: Money


class DeclarationWithRows(BaseModel):
    """A declaration and its rows (`record` + `rows`)."""

    record: DeclarationRecord
    rows: list[DeclaredRow]


class SubmissionAnswer(BaseModel):
    """The answer to a POST of declarations: one declaration per data source, each 待反馈."""

    submission_id: str
    channel: Channel
    submitted_at: LocalTime
    declarations: list[DeclarationRecord]


class Payable(BaseModel):
    """社保费应缴信息 (EMP-21)."""

    payable_id: str
    prep_id: str
    declaration_id: str | None
    created_on: dt.date = Field(description="申报生成日期")
    status: Literal["初始", "申报中", "申报成功", "销账", "已生成待批扣清册"]
    source_code: SourceCode
    source_name: str
    kind: str = Field(description="申报类型")
    unit_number: str
    item_code: str
    item_name: str
    payer: Payer
    period_start: str
    period_end: str
    headcount: int
    base_total: Money
    rate: Rate
    amount: Money


class InsuranceRegistration(BaseModel):
    """单位参保信息 (EMP-19): one unit number and insured item."""

    unit_number: str
    agency: str
    tax_authority: str | None
    item_code: str
    item_name: str
    subitem_name: str
    subitem_detail: str | None
    collection_mode: str
    start_month: str
    insured: int = Field(description="本月缴费人数")
    unit_rate: Rate
    personal_rate: Rate
    status: Literal["正常参保", "暂停缴费"]


class ProjectPublic(BaseModel):
    """工程项目参保信息 (EMP-25)."""

    project_no: str
    project_name: str
    unit_number: str
    agency: str
    address: str
    contract_value: Money
    monthly_payroll: Money = Field(description="月工资总额（工伤保险费的计费基数）")
    workers: int
    start_date: dt.date
    end_date: dt.date
    status: str
    registered_on: dt.date


class PaymentMark(BaseModel):
    """Demo: what happened to a declaration's payment."""

    pay_status: Literal["已缴费", "已生成待批扣清册"] = "已缴费"
