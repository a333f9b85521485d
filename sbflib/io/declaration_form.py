"""社会保险费申报表: the printout of one fee declaration (申报记录 → 查看 → 打印), from plain data.

The header names the taxpayer, the tax authority and the declaration date; the lines come as a
DataFrame with the Chinese column names of the form (`LINE_COLUMNS`; the optional ones are printed
only when present); the totals are summed here, in Decimal, and the amount due is repeated in
Chinese capitals; the declarations block (谨声明…, the signature, seal and date lines of the
official form, and the agent's declaration the client's printout shows) closes it.

>>> import pandas as pd
>>> header = DeclarationHeader("91330100MA2H000001", "杭州示例科技有限公司", "国家税务总局杭州市上城区税务局",
...                            dt.date(2026, 11, 27))
>>> lines = pd.DataFrame([{"单位编号": "33010000001", "征收项目": "基本养老保险费",
...     "征收品目": "企业职工基本养老保险（单位缴纳）", "费款所属期起": "2026-11", "费款所属期止": "2026-11",
...     "缴费基数": Decimal("24000.00"), "费率": Decimal("0.16"), "应缴费额": Decimal("3840.00")}])
>>> declaration_form_pdf(header, lines)[:5]
b'%PDF-'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sbflib.domain.errors import RuleViolation
from sbflib.domain.money import to_money
from sbflib.io.pdf import Column, PdfDocument, is_blank

__all__ = [
    "DECLARATION_TEXT",
    "LINE_COLUMNS",
    "REQUIRED_COLUMNS",
    "DeclarationHeader",
    "declaration_form_pdf",
    "form_lines",
]

# Column name → (printed label, relative width, kind); display order. The first eight are required.
LINE_COLUMNS: dict[str, tuple[str, float, Any]] = {
    "单位编号": ("单位编号", 1.3, "text"),
    "征收项目": ("征收项目", 2.0, "text"),
    "征收品目": ("征收品目", 3.0, "text"),
    "缴费对象": ("缴费对象", 0.9, "text"),
    "费款所属期起": ("费款所属期起", 1.1, "text"),
    "费款所属期止": ("费款所属期止", 1.1, "text"),
    "缴费人数": ("缴费人数", 0.9, "number"),
    "缴费基数": ("缴费基数（元）", 1.6, "money"),
    "费率": ("费率", 0.8, "percent"),
    "应缴费额": ("本期应缴费额（元）", 1.6, "money"),
    "减免费额": ("本期减免费额（元）", 1.4, "money"),
    "已缴费额": ("本期已缴费额（元）", 1.4, "money"),
    "应补退费额": ("本期应补（退）费额（元）", 1.6, "money"),
}
REQUIRED_COLUMNS = ("单位编号", "征收项目", "征收品目", "费款所属期起", "费款所属期止", "缴费基数", "费率", "应缴费额")
_SUMMED = ("应缴费额", "减免费额", "已缴费额", "应补退费额")

DECLARATION_TEXT = "谨声明：本表是根据国家法律法规及相关规定填报的，是真实的、可靠的、完整的。"
AGENT_TEXT = "代理人声明：本人已向税务机关申报缴费文件，确认以上申报信息真实无误。"


@dataclass(frozen=True)
class DeclarationHeader:
    """What the form says above its lines."""

    taxpayer_id: str          # 纳税人识别号 (统一社会信用代码)
    taxpayer_name: str        # 纳税人名称
    tax_authority: str        # 主管税务机关
    declared_on: dt.date      # 申报日期
    declaration_id: str = ""  # 申报序号 (the bureau's id of the declaration), printed when given
    status: str = ""          # 申报状态, printed when given (e.g. 申报成功, 已作废)


#: The bureau's declared-row columns (docs/api.md "Fee declarations") → the form's columns.
ROW_TO_FORM = {
    "unit_number": "单位编号",
    "item_name": "征收项目",
    "subitem_name": "征收品目",
    "payer_name": "缴费对象",
    "period_start": "费款所属期起",
    "period_end": "费款所属期止",
    "headcount": "缴费人数",
    "base_total": "缴费基数",
    "rate": "费率",
    "amount": "应缴费额",
}


def form_lines(rows: Any) -> Any:
    """The rows of a declaration as the bureau declared them (a DataFrame with `ROW_TO_FORM`'s keys;
    money Decimal) as the form's lines, in their order.

    >>> import pandas as pd
    >>> rows = pd.DataFrame([{"unit_number": "1234", "item_name": "失业保险费", "subitem_name": "失业保险",
    ...     "payer_name": "个人", "period_start": "2026-11", "period_end": "2026-11", "headcount": 3,
    ...     "base_total": Decimal("15000.00"), "rate": Decimal("0.005"), "amount": Decimal("75.00")}])
    >>> list(form_lines(rows).columns)[:4], form_lines(rows).loc[0, "应缴费额"]
    (['单位编号', '征收项目', '征收品目', '缴费对象'], Decimal('75.00'))
    """
    present = {k: v for k, v in ROW_TO_FORM.items() if k in rows.columns}
    out = rows[list(present)].rename(columns=present).reset_index(drop=True)
    for column in ("单位编号", "征收项目", "征收品目", "缴费对象", "费款所属期起", "费款所属期止"):
        if column in out.columns:
            out[column] = out[column].fillna("")
    return out


def _money_column(values: Sequence[Any], column: str) -> list[Decimal | None]:
    out: list[Decimal | None] = []
    for row, value in enumerate(values, start=1):
        if is_blank(value):
            out.append(None)
            continue
        try:
            out.append(to_money(value, field=column, negative=True))
        except RuleViolation as err:
            raise RuleViolation(err.code, f"第{row}行{err.message}", field=column, row=row) from None
    return out


def declaration_form_pdf(header: DeclarationHeader, lines: Any, *, subtitle: str = "",
                         created: dt.datetime | None = None) -> bytes:
    """The 社会保险费申报表 of one declaration as PDF bytes (A4 landscape; the same input gives the
    same bytes). `lines` is a DataFrame with at least `REQUIRED_COLUMNS`; money in Decimal or text
    (a float is refused: it has already lost the fen); 费率 as a fraction (0.16 prints 16%).
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in lines.columns]
    if missing:
        raise RuleViolation("FORM_COLUMNS_MISSING", f"申报表缺少列：{'、'.join(missing)}")
    present = [c for c in LINE_COLUMNS if c in lines.columns]
    records: list[dict[str, Any]] = [dict(r) for r in lines[present].to_dict("records")]
    for column in present:
        if LINE_COLUMNS[column][2] == "money":
            for record, amount in zip(records, _money_column([r[column] for r in records], column), strict=True):
                record[column] = amount
    for number, record in enumerate(records, start=1):
        record["序号"] = number
    totals = {c: sum((r[c] for r in records if r[c] is not None), Decimal("0.00"))
              for c in _SUMMED if c in present}

    doc = PdfDocument("社会保险费申报表", subtitle=subtitle or None, landscape=True, created=created,
                      footer_note=f"申报序号：{header.declaration_id}" if header.declaration_id else "")
    pairs: list[tuple[str, Any]] = [
        ("纳税人识别号", header.taxpayer_id),
        ("纳税人名称", header.taxpayer_name),
        ("主管税务机关", header.tax_authority),
        ("申报日期", header.declared_on),
    ]
    if header.declaration_id:
        pairs.append(("申报序号", header.declaration_id))
    if header.status:
        pairs.append(("申报状态", header.status))
    doc.key_values(pairs, per_row=2)
    doc.text("金额单位：人民币元（列至角分）", align="RIGHT", size=8)
    columns = [Column("序号", "序号", 0.6, "number", align="CENTER")]
    columns += [Column(c, LINE_COLUMNS[c][0], LINE_COLUMNS[c][1], LINE_COLUMNS[c][2]) for c in present]
    doc.table(records, columns, totals=totals, totals_label="合计")
    doc.amount_line("本期应缴费额合计", totals["应缴费额"])
    _declarations(doc)
    return doc.output()


def _declarations(doc: PdfDocument) -> None:
    """The declarations block of the official form, kept on one page."""
    pdf = doc.pdf
    if pdf.will_page_break(70):
        pdf.add_page()
    doc.space(2)
    doc.text(DECLARATION_TEXT)
    doc.signature_lines(["缴费人（签章）", "单位负责人（法定代表人）签名"])
    doc.text("经办人：____________________    经办人身份证件号码：______________________________")
    doc.text("代理机构签章：________________    代理机构统一社会信用代码：__________________________")
    doc.space(2)
    doc.text(AGENT_TEXT)
    doc.signature_lines(["代理人（盖章）"])
    doc.space(2)
    doc.text("受理人：____________________    受理税务机关（章）：____________________    "
             "受理日期：          年      月      日")
