"""证明打印 (manual 2.14-2.17, 2.26): 税收完税证明（非印刷） 开具 / 补开 / 查验 and 职工 / 单位缴费证明.

    c = wb.employer.certificates
      .issuable(month_from=None, month_to=None) -> DataFrame   开具 list (电子税票 in the treasury, 未开具 / 已开具)
      .issue(voucher_no) -> Printout                          开具: the bureau's certificate and its PDF (once;
                                                              again: BureauError CERTIFICATE_ALREADY_ISSUED, 补开)
      .issued(month_from=None, month_to=None) -> DataFrame     补开 list (the certificates issued)
      .reissue(certificate_no) -> Printout                    补开: the same certificate marked 补开, its PDF
      .check(PaperFields) -> CheckResult                      查验: required fields checked before the call
    p = wb.employer.payment_proofs
      .unit(month_from, month_to) -> ProofResult              单位缴费证明 rows, or the reasons nothing was found
      .employees(month_from, month_to, name=, id_type=, id_number=) -> ProofResult   职工缴费证明
      .unit_pdf(rows, month_from, month_to) / .employee_pdf(rows, month_from, month_to) -> bytes
      .export_unit(rows) / .export_employees(rows, full_ids=False) -> bytes (.xlsx)

Nothing is kept in the store: each query asks the 征收子系统 (the manual's pages start empty and query).
Money is Decimal (Arrow decimal128 into the frames); printouts come from sbflib/io/certificates.py.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pandas as pd

from sbflib.domain import clock
from sbflib.domain.ids import mask_id_number
from sbflib.domain.money import to_money
from sbflib.domain.months import is_month
from sbflib.errors import BureauError, ValidationError, service_edge
from sbflib.gateway.certificates import TICKET_KIND, Certificate, CheckAnswer
from sbflib.io import xlsx
from sbflib.io.certificates import (
    CertificateItem,
    TaxCertificateDoc,
    employee_proof_doc_from_wire,
    employee_proof_pdf,
    tax_certificate_pdf,
    unit_proof_doc_from_wire,
    unit_proof_pdf,
)
from sbflib.io.wage_import import ID_TYPES
from sbflib.system.context import Context

__all__ = [
    "CHECK_FIELDS",
    "EMPLOYEE_PROOF_COLUMNS",
    "ISSUABLE_COLUMNS",
    "ISSUED_COLUMNS",
    "RESULT_FIELDS",
    "TICKET_KIND",
    "UNIT_PROOF_COLUMNS",
    "CertificateService",
    "CheckResult",
    "PaperFields",
    "PaymentProofService",
    "Printout",
    "ProofResult",
]

ALREADY_ISSUED = "CERTIFICATE_ALREADY_ISSUED"

ISSUABLE_COLUMNS = {
    "voucher_no": "应征凭证序号", "period_range": "费款所属期", "items": "品目数", "total": "实缴金额合计",
    "paid_on": "缴款日期", "arrived_on": "入库日期", "tax_authority": "主管税务机关", "status": "开具状态",
    "certificate_no": "电子税票号码",
}
ISSUED_COLUMNS = {
    "certificate_no": "电子税票号码", "voucher_no": "应征凭证序号", "period_range": "费款所属期", "items": "品目数",
    "total": "金额合计", "issued_on": "填发日期", "prints": "打印次数", "tax_authority": "主管税务机关",
    "ticket_track": "票证字轨", "ticket_no": "票证号码",
}
UNIT_PROOF_COLUMNS = {
    "tax_authority": "征收经办机构", "agency": "社保经办机构", "unit_number": "单位编号", "item_name": "征收项目",
    "subitem_name": "征收品目", "payer_name": "征收类型", "subitem_detail": "征收子目", "period_range": "费款所属起止日期",
    "arrived_on": "入库日期", "amount": "实缴金额",
}
EMPLOYEE_PROOF_COLUMNS = {
    "name": "姓名", "id_type": "证件类型", "id_number": "证件号码", "unit_number": "单位编号", "item_name": "征收项目",
    "month": "费款所属期", "base": "缴费基数", "unit_amount": "单位缴费", "personal_amount": "个人缴费",
    "amount": "实缴金额", "arrived_on": "入库日期", "tax_authority": "征收经办机构", "agency": "社保经办机构",
}

#: 查验 form: attribute -> (Chinese label, required) in the manual's order.
CHECK_FIELDS: dict[str, tuple[str, bool]] = {
    "taxpayer_id": ("纳税人识别号", True),
    "taxpayer_name": ("纳税人名称", True),
    "ticket_kind": ("税收票证种类", True),
    "certificate_no": ("电子税票号码", True),
    "region_code": ("行政区划", True),
    "total": ("金额合计", True),
    "tax_authority": ("主管税务机关", False),
    "ticket_track": ("票证字轨", False),
    "ticket_no": ("票证号码", False),
}
#: 查验结果 as the manual lays it out: key of the bureau's result -> label.
RESULT_FIELDS = {
    "taxpayer_id": "纳税人识别号", "taxpayer_name": "纳税人名称", "certificate_no": "电子税票号码",
    "ticket_kind_name": "票证种类名称", "ticket_track_name": "票证字轨名称", "treasury": "收款国库名称",
    "ticket_no": "票证号码", "issued_on": "开具日期", "issuer": "开具人", "status": "票证状态",
    "voided_by": "作废人", "voided_on": "作废日期", "void_reason": "作废原因",
}

_DIGITS = re.compile(r"[0-9]{1,32}")
_REGION = re.compile(r"[0-9]{6}")
_TAXPAYER = re.compile(r"[0-9A-Za-z]{15,20}")


@dataclass(frozen=True)
class Printout:
    """A certificate the bureau issued (开具) or gave again (补开), and its PDF to save."""

    certificate: Certificate
    pdf: bytes
    filename: str


@dataclass
class PaperFields:
    """What the clerk types from the paper certificate (查验); empty optional fields are not compared."""

    taxpayer_id: str = ""
    taxpayer_name: str = ""
    ticket_kind: str = TICKET_KIND
    certificate_no: str = ""
    region_code: str = ""
    total: str = ""
    tax_authority: str = ""
    ticket_track: str = ""
    ticket_no: str = ""


@dataclass(frozen=True)
class CheckResult:
    """查验: 真 (`genuine`) with the 查验结果 (label, value) pairs and the certificate to preview; or 不符,
    with the bureau's message and, when the number is one of this unit's own certificates, the labels
    of the fields that differ from it (`mismatched`)."""

    genuine: bool
    message: str
    result: tuple[tuple[str, str], ...] = ()
    certificate: Certificate | None = None
    mismatched: tuple[str, ...] = ()

    @property
    def verdict(self) -> str:
        if self.genuine:
            return "真"
        return "不符（" + "、".join(self.mismatched) + "）" if self.mismatched else "不符"


@dataclass(frozen=True)
class ProofResult:
    """A 缴费证明 query: the rows; when none, the likelier reason and every reason the manual gives."""

    rows: pd.DataFrame
    reason: str | None = None
    reasons: tuple[str, ...] = field(default=())

    @property
    def empty(self) -> bool:
        return len(self.rows) == 0


def _months(month_from: Any, month_to: Any, *, needed: bool) -> tuple[str | None, str | None]:
    """费款所属期起 / 止 as 'YYYY-MM' (None when empty and not `needed`), checked in order."""
    out: list[str | None] = []
    for value, label in ((month_from, "费款所属期起"), (month_to, "费款所属期止")):
        text = str(value or "").strip()
        if not text:
            if needed:
                raise ValidationError("请输入费款所属期起止", field=label, code="PERIOD_REQUIRED")
            out.append(None)
            continue
        if not is_month(text):
            raise ValidationError(f"应为“年-月”，如{clock.current_month()}", field=label, code="MONTH_FORMAT")
        out.append(text)
    start, end = out
    if start and end and start > end:
        raise ValidationError("费款所属期起不能晚于费款所属期止", field="费款所属期起", code="PERIOD_INVALID")
    return start, end


def _period_text(start: Any, end: Any) -> str:
    start, end = str(start or ""), str(end or "")
    return start if start == end else f"{start} 至 {end}"


def _with_period(df: pd.DataFrame, start: str = "period_start", end: str = "period_end") -> pd.DataFrame:
    df["period_range"] = [_period_text(a, b) for a, b in zip(df[start], df[end], strict=True)] if len(df) else []
    return df


def certificate_doc(cert: Certificate) -> TaxCertificateDoc:
    """What io/certificates.py prints for the bureau's certificate (a 补开 answer prints the 补开 mark)."""
    items = tuple(CertificateItem(i.voucher_no, i.item_name, i.subitem_name, i.period_start, i.period_end,
                                  i.arrived_on, i.amount) for i in cert.items)
    return TaxCertificateDoc(
        certificate_no=cert.certificate_no, issued_on=cert.issued_on, tax_authority=cert.tax_authority,
        taxpayer_id=cert.taxpayer_id, taxpayer_name=cert.taxpayer_name, items=items, reissued=cert.reissue,
        issuer=cert.issuer, ticket_track=cert.ticket_track, ticket_no=cert.ticket_no, treasury=cert.treasury,
        print_label=cert.print_label, total=cert.total)


def _records(rows: pd.DataFrame | Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    if isinstance(rows, pd.DataFrame):
        return [dict(r) for r in rows.to_dict("records")]
    return [dict(r) for r in rows]


@service_edge
class CertificateService:
    """`wb.employer.certificates`: 税收完税证明（非印刷） 开具 (EMP-14), 补开 (EMP-15), 查验 (EMP-26)."""

    ISSUABLE_COLUMNS = ISSUABLE_COLUMNS
    ISSUED_COLUMNS = ISSUED_COLUMNS
    TICKET_KINDS = (TICKET_KIND,)

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def _unit_id(self) -> str:
        return self.ctx.require_unit("employer").unit_id

    # ---- 开具 -------------------------------------------------------------------------------------
    def issuable(self, month_from: str | None = None, month_to: str | None = None) -> pd.DataFrame:
        """The 电子税票 in the treasury whose 费款所属期 meets the months (未开具 and 已开具)."""
        start, end = _months(month_from, month_to, needed=False)
        table = self.ctx.client.certificates.issuable(self._unit_id(), start, end)
        return _with_period(table.to_pandas())

    def issue(self, voucher_no: str) -> Printout:
        """开具 the certificate of one 电子税票 and print it. Issued already: the bureau's refusal
        (`CERTIFICATE_ALREADY_ISSUED`, its message names the number and says 补开)."""
        voucher = str(voucher_no or "").strip()
        if not voucher:
            raise ValidationError("请选择要开具的完税证明", field="应征凭证序号")
        cert = self.ctx.client.certificates.issue(self._unit_id(), voucher)
        return self._printout(cert)

    # ---- 补开 -------------------------------------------------------------------------------------
    def issued(self, month_from: str | None = None, month_to: str | None = None) -> pd.DataFrame:
        """The certificates issued to the unit whose 费款所属期 meets the months (补开 list)."""
        start, end = _months(month_from, month_to, needed=False)
        certs = self.ctx.client.certificates.issued(self._unit_id(), start, end)
        rows = [{"certificate_no": c.certificate_no, "voucher_no": c.voucher_no, "period_start": c.period_start,
                 "period_end": c.period_end, "items": len(c.items), "total": c.total, "issued_on": c.issued_on,
                 "prints": c.prints, "tax_authority": c.tax_authority, "ticket_track": c.ticket_track,
                 "ticket_no": c.ticket_no} for c in certs]
        columns = ["certificate_no", "voucher_no", "period_start", "period_end", "items", "total", "issued_on",
                   "prints", "tax_authority", "ticket_track", "ticket_no"]
        return _with_period(pd.DataFrame(rows, columns=columns))

    def reissue(self, certificate_no: str) -> Printout:
        """补开: the same certificate (number, lines, amounts, 填发日期), marked 补开, and its PDF."""
        number = str(certificate_no or "").strip()
        if not number:
            raise ValidationError("请选择要补开的完税证明", field="电子税票号码")
        cert = self.ctx.client.certificates.reissue(self._unit_id(), number)
        return self._printout(cert)

    def pdf(self, cert: Certificate) -> bytes:
        """The certificate as PDF (the 补开 mark when `cert.reissue`)."""
        return tax_certificate_pdf(certificate_doc(cert))

    def _printout(self, cert: Certificate) -> Printout:
        suffix = "_补开" if cert.reissue else ""
        return Printout(cert, self.pdf(cert), f"税收完税证明_{cert.certificate_no}{suffix}.pdf")

    @staticmethod
    def already_issued(exc: BaseException) -> bool:
        """Whether a failed 开具 was refused because the certificate was issued already (then 补开)."""
        return isinstance(exc, BureauError) and exc.code == ALREADY_ISSUED

    # ---- 查验 -------------------------------------------------------------------------------------
    def check_fields(self, paper: PaperFields) -> dict[str, str]:
        """The paper's fields checked before any call: every required one filled (the message names
        those missing, in Chinese), then each one's form. Returns what goes to the bureau."""
        values = {k: str(getattr(paper, k) or "").strip() for k in CHECK_FIELDS}
        missing = [label for k, (label, needed) in CHECK_FIELDS.items() if needed and not values[k]]
        if missing:
            raise ValidationError("请填写" + "、".join(missing), field=missing[0], code="CHECK_FIELD_REQUIRED")
        if not _TAXPAYER.fullmatch(values["taxpayer_id"]):
            raise ValidationError("应为15至20位数字或字母", field="纳税人识别号", code="CHECK_FIELD_INVALID")
        if values["ticket_kind"] not in self.TICKET_KINDS:
            raise ValidationError(f"只能查验{TICKET_KIND}", field="税收票证种类", code="CHECK_FIELD_INVALID")
        if not _DIGITS.fullmatch(values["certificate_no"]):
            raise ValidationError("应为数字（最多32位）", field="电子税票号码", code="CHECK_FIELD_INVALID")
        if not _REGION.fullmatch(values["region_code"]):
            raise ValidationError("应为6位行政区划代码，如330108", field="行政区划", code="CHECK_FIELD_INVALID")
        total = to_money(values["total"].replace(",", "").replace("，", "").lstrip("¥￥"), field="金额合计")
        values["total"] = f"{total:.2f}"
        if values["ticket_no"] and not _DIGITS.fullmatch(values["ticket_no"]):
            raise ValidationError("应为数字", field="票证号码", code="CHECK_FIELD_INVALID")
        if len(values["taxpayer_name"]) > 100 or len(values["tax_authority"]) > 100 or len(values["ticket_track"]) > 40:
            raise ValidationError("内容过长", field="纳税人名称", code="CHECK_FIELD_INVALID")
        return values

    def check(self, paper: PaperFields) -> CheckResult:
        """查验 a paper certificate: 真 with the 查验结果 and the certificate for the view-only 预览, or
        不符 (naming the fields that differ when the number is one of this unit's certificates)."""
        values = self.check_fields(paper)
        unit_id = self._unit_id()
        answer: CheckAnswer = self.ctx.client.certificates.check(unit_id, values)
        if answer.genuine:
            result = answer.result or {}
            pairs = tuple((label, "" if result.get(k) is None else str(result.get(k))) for k, label in RESULT_FIELDS.items())
            return CheckResult(True, answer.message, pairs, answer.certificate)
        return CheckResult(False, answer.message, mismatched=self._mismatched(unit_id, values))

    def _mismatched(self, unit_id: str, values: dict[str, str]) -> tuple[str, ...]:
        """The labels of the typed fields that differ from this unit's own certificate of that number
        (() when the number is not one of the unit's: the bureau names no field then)."""
        try:
            own = self.ctx.client.certificates.get(unit_id, values["certificate_no"])
        except BureauError:
            return ()
        theirs = {"taxpayer_id": own.taxpayer_id, "taxpayer_name": own.taxpayer_name, "region_code": own.region_code,
                  "tax_authority": own.tax_authority, "ticket_track": own.ticket_track, "ticket_no": own.ticket_no}
        out = [CHECK_FIELDS[k][0] for k, v in theirs.items() if values[k] and values[k] != v]
        if Decimal(values["total"]) != own.total:
            out.append("金额合计")
        order = [label for label, _ in CHECK_FIELDS.values()]
        return tuple(sorted(out, key=order.index))


@service_edge
class PaymentProofService:
    """`wb.employer.payment_proofs`: 职工缴费证明打印 (EMP-16) and 单位缴费证明打印 (EMP-17)."""

    UNIT_COLUMNS = UNIT_PROOF_COLUMNS
    EMPLOYEE_COLUMNS = EMPLOYEE_PROOF_COLUMNS

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def _unit_id(self) -> str:
        return self.ctx.require_unit("employer").unit_id

    def id_types(self) -> list[str]:
        """证件类型 choices of the query form."""
        return list(ID_TYPES)

    # ---- queries ----------------------------------------------------------------------------------
    def unit(self, month_from: str, month_to: str) -> ProofResult:
        """单位缴费证明: what the unit paid into the treasury for the months; none: the reasons."""
        start, end = _months(month_from, month_to, needed=True)
        assert start is not None and end is not None
        answer = self.ctx.client.certificates.unit_proof(self._unit_id(), start, end)
        df = _with_period(answer.rows.to_pandas())
        if len(df):
            df["subitem_detail"] = df["subitem_detail"].fillna("")
        return ProofResult(df, answer.reason, answer.reasons)

    def employees(self, month_from: str, month_to: str, *, name: str = "", id_type: str = "",
                  id_number: str = "") -> ProofResult:
        """职工缴费证明: one employee's paid months per item; none: the reasons (the bureau says which)."""
        name, id_type, id_number = (str(v or "").strip() for v in (name, id_type, id_number))
        if not name and not id_number:
            raise ValidationError("请输入职工姓名或证件号码", field="职工姓名", code="PROOF_EMPLOYEE_REQUIRED")
        if len(name) > 50:
            raise ValidationError("最多50个字", field="职工姓名")
        if len(id_number) > 30:
            raise ValidationError("最多30位", field="证件号码")
        start, end = _months(month_from, month_to, needed=True)
        assert start is not None and end is not None
        answer = self.ctx.client.certificates.employee_proof(self._unit_id(), start, end, name=name or None,
                                                             id_type=id_type or None, id_number=id_number or None)
        df = answer.rows.to_pandas()
        df["id_number_masked"] = [mask_id_number(v) for v in df["id_number"]] if len(df) else []
        return ProofResult(df, answer.reason, answer.reasons)

    # ---- 打印 -------------------------------------------------------------------------------------
    def unit_pdf(self, rows: pd.DataFrame | Sequence[dict[str, Any]], month_from: str, month_to: str) -> bytes:
        """打印: the 单位缴费证明 of the rows (all the query found, or those ticked) as PDF."""
        start, end = _months(month_from, month_to, needed=True)
        unit = self.ctx.require_unit("employer")
        doc = unit_proof_doc_from_wire(_records(rows), unit_name=unit.name, taxpayer_id=unit.taxpayer_id,
                                       period_from=start or "", period_to=end or "", printed_on=clock.today())
        return unit_proof_pdf(doc)

    def employee_pdf(self, rows: pd.DataFrame | Sequence[dict[str, Any]], month_from: str, month_to: str) -> bytes:
        """打印: the 职工缴费证明 of the ticked rows (one employee's) as PDF, the ID number in full."""
        start, end = _months(month_from, month_to, needed=True)
        unit = self.ctx.require_unit("employer")
        doc = employee_proof_doc_from_wire(_records(rows), unit_name=unit.name, taxpayer_id=unit.taxpayer_id,
                                           period_from=start or "", period_to=end or "", printed_on=clock.today())
        return employee_proof_pdf(doc)

    # ---- 导出 -------------------------------------------------------------------------------------
    def export_unit(self, rows: pd.DataFrame) -> bytes:
        """导出: the rows as .xlsx with the list's headers (money as numbers kept exact)."""
        df = _with_period(rows.copy()) if len(rows) else rows.copy()
        df = df.reindex(columns=list(UNIT_PROOF_COLUMNS))
        buffer = io.BytesIO()
        xlsx.export_dataframe(df, buffer, sheet_name="单位缴费证明", headers=UNIT_PROOF_COLUMNS)
        return buffer.getvalue()

    def export_employees(self, rows: pd.DataFrame, *, full_ids: bool = False) -> bytes:
        """导出: the rows as .xlsx; the ID number masked unless `full_ids` (完整)."""
        df = rows.copy().reindex(columns=list(EMPLOYEE_PROOF_COLUMNS))
        if not full_ids and len(df):
            df["id_number"] = [mask_id_number(v) for v in df["id_number"]]
        buffer = io.BytesIO()
        xlsx.export_dataframe(df, buffer, sheet_name="职工缴费证明", headers=EMPLOYEE_PROOF_COLUMNS)
        return buffer.getvalue()
