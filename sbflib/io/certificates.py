"""Certificates of payment as PDF, built from plain data (no bureau call): the 税收完税证明（非印刷）
of manual 2.14 (开具) and 2.15 (补开), and the 职工缴费证明 / 单位缴费证明 of manual 2.16 / 2.17.

- `tax_certificate_pdf(TaxCertificateDoc)`: title 中华人民共和国税收完税证明 （非印刷）, the number
  (No.), 填发日期 and the tax authority; the taxpayer; one line per item paid into the treasury (原凭证号,
  税种, 品目名称, 税款所属时期, 入（退）库日期, 实缴（退）金额); 金额合计 in capitals and in figures; the
  tax authority's seal, 填票人 and 备注; the 票证字轨 and 票证号码, 收款国库 and the print count (第2次打印)
  when the bureau gives them. A re-issue (`reissued=True`, 补开) says so under the title
  and in 备注 with the original number.
- `employee_proof_pdf(EmployeeProofDoc)` and `unit_proof_pdf(UnitProofDoc)`: A4 landscape, the
  lines in the columns of the manual's 单位缴费证明 sample (序号, 费款征收机关, 社保经办机构, 单位编号,
  征收项目, 征收品目, then 征收类型 and 征收子目 when the lines have them (unit) or 缴费基数 (employee),
  费款所属期起止, 入库日期, 实缴金额), the total in figures and
  capitals, 特此证明 and the seal line; the employee proof adds 单位缴费 and 个人缴费 when the lines
  carry them.

Money is Decimal or text (never float); totals are summed here and checked against a given one.
The same document gives the same bytes, so a stored certificate can be compared with a fresh one.

>>> item = CertificateItem("320261127000123456", "基本养老保险费", "职工基本养老保险(单位缴纳)",
...                        dt.date(2026, 10, 1), dt.date(2026, 10, 31), dt.date(2026, 11, 12), Decimal("3533.34"))
>>> doc = TaxCertificateDoc("133016261100000001", dt.date(2026, 11, 27), "国家税务总局杭州市上城区税务局",
...                         "91330100MA2H000001", "杭州示例科技有限公司", (item,))
>>> doc.total, doc.total_in_capitals
(Decimal('3533.34'), '人民币叁仟伍佰叁拾叁元叁角肆分')
>>> tax_certificate_pdf(doc)[:5]
b'%PDF-'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sbflib.domain.capitals import to_capitals
from sbflib.domain.errors import RuleViolation
from sbflib.domain.money import format_money, to_money
from sbflib.io.pdf import Cell, Column, PdfDocument, format_cell, is_blank, label_cell
from sbflib.io.voucher import as_date, format_period

__all__ = [
    "CERTIFICATE_NOTE",
    "CERTIFICATE_TITLE",
    "EMPLOYEE_PROOF_TITLE",
    "UNIT_PROOF_TITLE",
    "CertificateItem",
    "EmployeeProofDoc",
    "ProofLine",
    "TaxCertificateDoc",
    "UnitProofDoc",
    "employee_proof_doc_from_wire",
    "employee_proof_pdf",
    "tax_certificate_doc_from_wire",
    "tax_certificate_pdf",
    "unit_proof_doc_from_wire",
    "unit_proof_pdf",
]

CERTIFICATE_TITLE = "中华人民共和国税收完税证明"
CERTIFICATE_NOTE = "本证明仅证明纳税人已缴纳上列社会保险费，不作纳税人记账、抵扣凭证，请妥善保管。"
EMPLOYEE_PROOF_TITLE = "职工社会保险费缴费证明"
UNIT_PROOF_TITLE = "单位社会保险费缴费证明"


def _date_cn(day: dt.date) -> str:
    return f"{day.year}年{day.month:02d}月{day.day:02d}日"


def _range(start: dt.date | str, end: dt.date | str) -> str:
    """The period asked for, as asked ("2026-01至2026-12")."""
    return f"{format_cell(start)}至{format_cell(end)}"


def _checked_total(amounts: Sequence[Decimal], given: Any, what: str) -> Decimal:
    computed = sum(amounts, Decimal("0.00"))
    if given is not None:
        stated = to_money(given, field="金额合计")
        if stated != computed:
            raise RuleViolation("CERTIFICATE_TOTAL_MISMATCH",
                                f"{what}的金额合计{format_money(stated)}与各项之和{format_money(computed)}不符",
                                field="total")
    return computed


# --- 税收完税证明（非印刷） -------------------------------------------------------------------

@dataclass(frozen=True)
class CertificateItem:
    """One item paid into the treasury (入库)."""

    voucher_no: str                # 原凭证号 (应征凭证序号 / 电子税票号码)
    item_name: str                 # 税种 (征收项目)
    sub_item_name: str             # 品目名称 (征收品目)
    period_start: dt.date | str    # 税款所属时期起
    period_end: dt.date | str      # 税款所属时期止
    arrived_on: dt.date            # 入（退）库日期
    amount: Decimal                # 实缴（退）金额

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", to_money(self.amount, field=f"“{self.sub_item_name}”的实缴金额"))


@dataclass(frozen=True)
class TaxCertificateDoc:
    """What the 税收完税证明 says. `reissued` marks a 补开 (re-issue), `original_no` the number it
    replaces (printed in 备注 when given). `total`, when given, must equal the sum of the items."""

    certificate_no: str            # 证明编号 (No.)
    issued_on: dt.date             # 填发日期
    tax_authority: str             # 税务机关
    taxpayer_id: str               # 纳税人识别号
    taxpayer_name: str             # 纳税人名称
    items: tuple[CertificateItem, ...]
    reissued: bool = False         # 补开
    original_no: str = ""          # 原证明编号 (补开)
    issuer: str = ""               # 填票人 (e.g. 单位社保费管理客户端)
    note: str = ""                 # 备注, before the 补开 note
    ticket_track: str = ""         # 票证字轨, e.g. (2026)浙证非印, printed before No.
    ticket_no: str = ""            # 票证号码, printed after No. (the certificate number when empty)
    treasury: str = ""             # 收款国库
    print_label: str = ""          # e.g. 第2次打印, printed at the right under the number
    total: Decimal | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", tuple(self.items))
        if not self.items:
            raise RuleViolation("CERTIFICATE_EMPTY", "完税证明至少要有一条已入库的缴费项目")
        if not self.certificate_no.strip():
            raise RuleViolation("CERTIFICATE_NO_MISSING", "完税证明缺少证明编号", field="certificate_no")
        object.__setattr__(self, "total", _checked_total([i.amount for i in self.items], self.total, "完税证明"))

    @property
    def total_in_capitals(self) -> str:
        return to_capitals(self.total or Decimal("0.00"), prefix=True, field="金额合计")

    @property
    def remark(self) -> str:
        """备注 as printed: the note, then the 补开 note."""
        parts = [self.note] if self.note else []
        if self.reissued:
            parts.append(f"补开，原证明编号：{self.original_no}" if self.original_no else "补开")
        return "；".join(parts)


def tax_certificate_pdf(doc: TaxCertificateDoc, *, created: dt.datetime | None = None) -> bytes:
    """The 税收完税证明（非印刷） as PDF bytes (A4 portrait; the same `doc` gives the same bytes)."""
    subtitle = "（非印刷）（补开）" if doc.reissued else "（非印刷）"
    pdf = PdfDocument(CERTIFICATE_TITLE, subtitle=subtitle, created=created,
                      footer_note=f"证明编号：{doc.certificate_no}", font_size=9)
    number = f"{doc.ticket_track} No. {doc.ticket_no or doc.certificate_no}".strip()
    pdf.line(f"填发日期：{_date_cn(doc.issued_on)}", number)
    pdf.line(f"税务机关：{doc.tax_authority}", doc.print_label)
    pdf.space(1)
    pdf.grid([
        [label_cell("纳税人识别号"), doc.taxpayer_id, label_cell("纳税人名称"), doc.taxpayer_name],
        [label_cell("电子税票号码"), doc.certificate_no, label_cell("收款国库"), doc.treasury],
    ], widths=[1.1, 2.0, 1.0, 2.8])
    columns = [
        Column("voucher", "原凭证号", 2.25),
        Column("item", "税种", 1.5),
        Column("sub", "品目名称", 2.4),
        Column("period", "税款所属时期", 2.4, align="CENTER"),
        Column("arrived", "入（退）库日期", 1.25, align="CENTER"),
        Column("amount", "实缴（退）金额", 1.2, "money"),
    ]
    rows = [{"voucher": i.voucher_no, "item": i.item_name, "sub": i.sub_item_name,
             "period": format_period(i.period_start, i.period_end), "arrived": i.arrived_on, "amount": i.amount}
            for i in doc.items]
    total = doc.total or Decimal("0.00")
    pdf.table(rows, columns, totals={"amount": total}, totals_label="合计", font_size=8.5)
    pdf.keep_together(50)
    pdf.grid([
        [label_cell("金额合计（大写）"), Cell(doc.total_in_capitals, 2), Cell(f"¥{format_money(total)}", align="RIGHT")],
    ], widths=[1.3, 2.6, 2.6, 1.4])
    pdf.grid([
        ["税务机关（盖章）", "填票人", "备注"],
        ["", doc.issuer, doc.remark],
    ], widths=[1.3, 1.0, 2.2], row_heights={1: 24}, v_align="TOP")
    pdf.space(2)
    pdf.text(CERTIFICATE_NOTE, size=8.5)
    return pdf.output()


# --- 职工缴费证明 / 单位缴费证明 ------------------------------------------------------------------

@dataclass(frozen=True)
class ProofLine:
    """One line of a 缴费证明: a paid, arrived (入库) amount of one item and period."""

    collector: str                 # 费款征收机关 (征收经办机构)
    agency: str                    # 社保经办机构
    unit_no: str                   # 单位编号
    item_name: str                 # 征收项目
    sub_item_name: str             # 征收品目 (征收类型)
    period_start: dt.date | str    # 费款所属期起
    period_end: dt.date | str      # 费款所属期止
    arrived_on: dt.date            # 入库日期
    amount: Decimal                # 实缴金额
    detail_name: str = ""          # 征收子目 (unit proof)
    base: Decimal | None = None    # 缴费基数 (employee proof)
    payer_kind: str = ""           # 征收类型 (单位缴费 / 个人缴费; unit proof, a column when any line has it)
    unit_amount: Decimal | None = None      # 单位缴费 (employee proof; a column when any line has it)
    personal_amount: Decimal | None = None  # 个人缴费 (employee proof; a column when any line has it)

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", to_money(self.amount, field=f"“{self.sub_item_name}”的实缴金额"))
        for name, label in (("base", "缴费基数"), ("unit_amount", "单位缴费"), ("personal_amount", "个人缴费")):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, to_money(value, field=f"“{self.sub_item_name}”的{label}"))


def _proof_lines(lines: Sequence[ProofLine], what: str) -> tuple[ProofLine, ...]:
    lines = tuple(lines)
    if not lines:
        raise RuleViolation("PROOF_EMPTY", f"{what}没有可打印的缴费记录")
    return lines


@dataclass(frozen=True)
class EmployeeProofDoc:
    """What the 职工缴费证明 says: the employee, the unit, the period asked for, the lines."""

    unit_name: str                 # 单位名称 (纳税人名称)
    taxpayer_id: str               # 纳税人识别号
    employee_name: str             # 职工姓名
    id_type: str                   # 证件类型
    id_number: str                 # 证件号码
    period_from: dt.date | str     # 费款所属期起 (the query)
    period_to: dt.date | str       # 费款所属期止
    printed_on: dt.date            # 打印日期
    lines: tuple[ProofLine, ...]
    proof_no: str = ""             # 证明编号, printed when given
    total: Decimal | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", _proof_lines(self.lines, "职工缴费证明"))
        object.__setattr__(self, "total", _checked_total([x.amount for x in self.lines], self.total, "职工缴费证明"))


@dataclass(frozen=True)
class UnitProofDoc:
    """What the 单位缴费证明 says: the unit, the period asked for, the lines."""

    unit_name: str                 # 单位名称 (纳税人名称)
    taxpayer_id: str               # 纳税人识别号
    period_from: dt.date | str     # 费款所属期起 (the query)
    period_to: dt.date | str       # 费款所属期止
    printed_on: dt.date            # 打印日期
    lines: tuple[ProofLine, ...]
    proof_no: str = ""             # 证明编号, printed when given
    total: Decimal | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", _proof_lines(self.lines, "单位缴费证明"))
        object.__setattr__(self, "total", _checked_total([x.amount for x in self.lines], self.total, "单位缴费证明"))


def _proof_pdf(title: str, proof_no: str, printed_on: dt.date, header: list[list[Cell | str]], statement: str,
               lines: tuple[ProofLine, ...], total: Decimal, extra: Sequence[Column], created: dt.datetime | None,
               parts: bool = False) -> bytes:
    pdf = PdfDocument(title, landscape=True, created=created, font_size=9,
                      footer_note=f"证明编号：{proof_no}" if proof_no else "")
    pdf.line(f"打印日期：{_date_cn(printed_on)}", f"证明编号：{proof_no}" if proof_no else "")
    pdf.space(1)
    pdf.grid(header, widths=[0.8, 2.6, 0.8, 2.6])
    pdf.space(2)
    pdf.text(statement)
    pdf.space(1)
    columns = [
        Column("no", "序号", 0.6, "number", align="CENTER"),
        Column("collector", "费款征收机关", 1.9 if parts else 2.3),
        Column("agency", "社保经办机构", 1.7 if parts else 2.0),
        Column("unit_no", "单位编号", 1.45),
        Column("item", "征收项目", 1.5 if parts else 1.6),
        Column("sub", "征收品目", 2.0 if parts else 2.2),
        *extra,
        Column("period", "费款所属期起止", 2.35, align="CENTER"),
        Column("arrived", "入库日期", 1.2, align="CENTER"),
        Column("amount", "实缴金额", 1.2, "money"),
    ]
    if parts:  # 单位缴费 and 个人缴费 before 实缴金额
        columns[-1:-1] = [Column("unit_part", "单位缴费", 1.1, "money"), Column("personal_part", "个人缴费", 1.1, "money")]
    rows = [{"no": n, "collector": x.collector, "agency": x.agency, "unit_no": x.unit_no, "item": x.item_name,
             "sub": x.sub_item_name, "detail": x.detail_name, "kind": x.payer_kind, "base": x.base,
             "unit_part": x.unit_amount, "personal_part": x.personal_amount,
             "period": format_period(x.period_start, x.period_end), "arrived": x.arrived_on, "amount": x.amount}
            for n, x in enumerate(lines, start=1)]
    pdf.table(rows, columns, totals={"amount": total}, totals_label="合计", font_size=8 if parts else 8.5)
    pdf.keep_together(34)
    pdf.grid([[label_cell("实缴金额合计（大写）"), to_capitals(total, prefix=True, field="金额合计"),
               label_cell("（小写）"), Cell(f"¥{format_money(total)}", align="RIGHT")]],
             widths=[1.4, 4.0, 0.8, 1.4])
    pdf.space(3)
    pdf.text("以上费款均已入库。特此证明。")
    pdf.space(6)
    pdf.line("", f"证明机关（盖章）：____________________    {_date_cn(printed_on)}")
    return pdf.output()


def employee_proof_pdf(doc: EmployeeProofDoc, *, created: dt.datetime | None = None) -> bytes:
    """The 职工缴费证明 as PDF bytes (A4 landscape; the same `doc` gives the same bytes)."""
    header: list[list[Cell | str]] = [
        [label_cell("职工姓名"), doc.employee_name, label_cell("证件类型"), doc.id_type],
        [label_cell("证件号码"), doc.id_number, label_cell("费款所属期"), _range(doc.period_from, doc.period_to)],
        [label_cell("单位名称"), doc.unit_name, label_cell("纳税人识别号"), doc.taxpayer_id],
    ]
    statement = (f"兹证明{doc.employee_name}（{doc.id_type}：{doc.id_number}）在{doc.unit_name}参保，"
                 f"{format_cell(doc.period_from)}至{format_cell(doc.period_to)}期间缴纳社会保险费情况如下：")
    parts = any(x.unit_amount is not None or x.personal_amount is not None for x in doc.lines)
    return _proof_pdf(EMPLOYEE_PROOF_TITLE, doc.proof_no, doc.printed_on, header, statement, doc.lines,
                      doc.total or Decimal("0.00"), [Column("base", "缴费基数", 1.15, "money")], created, parts)


def unit_proof_pdf(doc: UnitProofDoc, *, created: dt.datetime | None = None) -> bytes:
    """The 单位缴费证明 as PDF bytes (A4 landscape; the same `doc` gives the same bytes)."""
    header: list[list[Cell | str]] = [
        [label_cell("单位名称"), doc.unit_name, label_cell("纳税人识别号"), doc.taxpayer_id],
        [label_cell("费款所属期"), Cell(_range(doc.period_from, doc.period_to), 3)],
    ]
    statement = (f"兹证明{doc.unit_name}（纳税人识别号：{doc.taxpayer_id}）"
                 f"{format_cell(doc.period_from)}至{format_cell(doc.period_to)}期间缴纳社会保险费情况如下：")
    extra = []  # 征收类型 and 征收子目, each when a line has one (the manual's sample prints both)
    if any(x.payer_kind for x in doc.lines):
        extra.append(Column("kind", "征收类型", 1.0, align="CENTER"))
    if any(x.detail_name for x in doc.lines):
        extra.append(Column("detail", "征收子目", 1.15))
    return _proof_pdf(UNIT_PROOF_TITLE, doc.proof_no, doc.printed_on, header, statement, doc.lines,
                      doc.total or Decimal("0.00"), extra, created)


# --- from the bureau's answers (docs/api.md: money as decimal strings, dates as ISO text) --------------

def _text(value: Any) -> str:
    """An optional text field: None, NaN or pandas' NA (a DataFrame's empty cell) is ""."""
    return "" if is_blank(value) else str(value)


def _optional(value: Any) -> Any:
    """An optional amount: None, NaN or pandas' NA is None."""
    return None if is_blank(value) else value


def tax_certificate_doc_from_wire(certificate: Mapping[str, Any]) -> TaxCertificateDoc:
    """The 税收完税证明 to print from the bureau's certificate (开具, 补开 or the 查验 预览): a 补开 answer
    (`reissue`) prints the 补开 mark (the number is the same: no original number), the bureau's
    票证字轨, 票证号码, 收款国库, 填票人 and 第n次打印; its `total` is checked against the items."""
    items = tuple(
        CertificateItem(str(i["voucher_no"]), i["item_name"], i["subitem_name"], i["period_start"], i["period_end"],
                        as_date(i["arrived_on"]), i["amount"])
        for i in certificate["items"])
    return TaxCertificateDoc(
        certificate_no=str(certificate["certificate_no"]), issued_on=as_date(certificate["issued_on"]),
        tax_authority=certificate["tax_authority"], taxpayer_id=certificate["taxpayer_id"],
        taxpayer_name=certificate["taxpayer_name"], items=items, reissued=bool(certificate.get("reissue")),
        issuer=_text(certificate.get("issuer")), ticket_track=_text(certificate.get("ticket_track")),
        ticket_no=_text(certificate.get("ticket_no")), treasury=_text(certificate.get("treasury")),
        print_label=_text(certificate.get("print_label")), total=_optional(certificate.get("total")),
    )


def unit_proof_doc_from_wire(rows: Sequence[Mapping[str, Any]], *, unit_name: str, taxpayer_id: str,
                             period_from: str, period_to: str, printed_on: dt.date, proof_no: str = "",
                             ) -> UnitProofDoc:
    """The 单位缴费证明 of the rows the clerk chose from the bureau's answer (`rows` of
    GET …/payment-proofs/unit, or a DataFrame's records: an empty cell counts as missing), for the
    months asked; no rows: `PROOF_EMPTY`."""
    lines = tuple(
        ProofLine(r["tax_authority"], r["agency"], r["unit_number"], r["item_name"], r["subitem_name"],
                  r["period_start"], r["period_end"], as_date(r["arrived_on"]), r["amount"],
                  detail_name=_text(r.get("subitem_detail")), payer_kind=_text(r.get("payer_name")))
        for r in rows)
    return UnitProofDoc(unit_name, taxpayer_id, period_from, period_to, printed_on, lines, proof_no=proof_no)


def employee_proof_doc_from_wire(rows: Sequence[Mapping[str, Any]], *, unit_name: str, taxpayer_id: str,
                                 period_from: str, period_to: str, printed_on: dt.date, proof_no: str = "",
                                 ) -> EmployeeProofDoc:
    """The 职工缴费证明 of the rows the clerk chose from the bureau's answer (`rows` of
    GET …/payment-proofs/employees: one employee, item and month each, with 缴费基数, 单位缴费 and
    个人缴费). The rows must be one employee's (`PROOF_MIXED_EMPLOYEES` otherwise: a name may be
    shared); no rows: `PROOF_EMPTY`."""
    if not rows:
        raise RuleViolation("PROOF_EMPTY", "职工缴费证明没有可打印的缴费记录")
    people = {(r["name"], r["id_type"], r["id_number"]) for r in rows}
    if len(people) > 1:
        raise RuleViolation("PROOF_MIXED_EMPLOYEES", "所选记录属于不同的职工，请只勾选同一职工的记录")
    ((name, id_type, id_number),) = people
    lines = tuple(
        ProofLine(r["tax_authority"], r["agency"], r["unit_number"], r["item_name"], r["subitem_name"],
                  r["month"], r["month"], as_date(r["arrived_on"]), r["amount"], base=_optional(r.get("base")),
                  unit_amount=_optional(r.get("unit_amount")), personal_amount=_optional(r.get("personal_amount")))
        for r in rows)
    return EmployeeProofDoc(unit_name, taxpayer_id, name, id_type, id_number, period_from, period_to, printed_on,
                            lines, proof_no=proof_no)
