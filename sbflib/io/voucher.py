"""银行端缴费凭证 (the bank-counter payment voucher, printed as 银行端查询缴税凭证): the PDF the clerk
takes to the bank, built from plain data (no bureau call), as manual 2.11 shows it.

Above the grid: the title and the voucher number (银行端查询缴税凭证序号) with the issue date. The
grid: 纳税人识别号 / 税务机关代码, 纳税人名称 / 税务机关名称, 付款人名称 / 开户银行名称, 付款人账号 /
税款缴款日期 (the pay-by date); the payer block stays empty when the clerk chose no account (manual:
"打印出的凭证上的付款人相关信息显示为空"). Then the items (征收项目名称, 征收品目名称, 费款所属期,
应缴税额, and 滞纳金 when any item carries one), 金额合计（小写）and 金额合计（大写）(贰角整), and the
signature block with the warning line in 备注: 请在税款缴款日期前缴款，逾期必须重新打印后才能缴款！

The same voucher gives the same bytes (fixed creation date, no random IDs), so the stored PDF of
缴费凭证打印记录 → 重新打印 can be checked against a fresh rendering byte for byte. Money is Decimal or
text, never float; the total is summed here and checked against the bureau's when given.

>>> item = VoucherItem("基本养老保险基金收入", "职工基本养老保险(个人缴纳)", dt.date(2018, 9, 1),
...                    dt.date(2018, 9, 30), Decimal("0.20"))
>>> doc = VoucherDoc("4201601130000001004", dt.date(2018, 10, 9), "910301000019303805", "青海金茂劳务有限公司",
...                  "20402020002", "石嘴山市大武口区地方税务局", dt.date(2018, 10, 9), (item,))
>>> doc.total, doc.total_in_capitals
(Decimal('0.20'), '贰角整')
>>> voucher_pdf(doc)[:5]
b'%PDF-'
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sbflib.domain.capitals import to_capitals
from sbflib.domain.errors import RuleViolation
from sbflib.domain.money import format_money, to_money
from sbflib.io.pdf import Cell, Column, PdfDocument, format_cell, label_cell

__all__ = [
    "VOUCHER_TITLE",
    "VOUCHER_WARNING",
    "VoucherDoc",
    "VoucherItem",
    "format_period",
    "voucher_pdf",
]

VOUCHER_TITLE = "银行端查询缴税凭证"
VOUCHER_WARNING = "请在税款缴款日期前缴款，逾期必须重新打印后才能缴款！"


def format_period(start: dt.date | str, end: dt.date | str) -> str:
    """A 费款所属期 as the forms print it: "2026-11-01至2026-11-30" (one month or a range).

    >>> format_period(dt.date(2026, 11, 1), dt.date(2026, 11, 30)), format_period("2026-01", "2026-03")
    ('2026-11-01至2026-11-30', '2026-01至2026-03')
    """
    return f"{format_cell(start)}至{format_cell(end)}"


def _money(value: Any, what: str) -> Decimal:
    return to_money(value, field=what)


@dataclass(frozen=True)
class VoucherItem:
    """One line of the voucher: an arrear (欠费) being paid."""

    item_name: str                 # 征收项目名称 (e.g. 基本养老保险基金收入)
    sub_item_name: str             # 征收品目名称 (e.g. 职工基本养老保险(单位缴纳))
    period_start: dt.date | str    # 费款所属期起
    period_end: dt.date | str      # 费款所属期止
    amount: Decimal                # 应缴税额 (元)
    late_fee: Decimal | None = None  # 滞纳金 (元), printed in its own column when any item has one

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", _money(self.amount, f"“{self.sub_item_name}”的应缴金额"))
        if self.late_fee is not None:
            object.__setattr__(self, "late_fee", _money(self.late_fee, f"“{self.sub_item_name}”的滞纳金"))

    @property
    def due(self) -> Decimal:
        """The amount with its late fee."""
        return self.amount + (self.late_fee or Decimal("0.00"))


@dataclass(frozen=True)
class VoucherDoc:
    """What the voucher says: its number and date, the taxpayer, the tax authority, the pay-by date,
    the items, and the payer block (empty when the clerk chose no account). `total`, when given
    (the bureau's figure), must equal the sum of the items."""

    voucher_no: str                # 银行端查询缴税凭证序号
    issued_on: dt.date             # 开具日期 (printed after the number)
    taxpayer_id: str               # 纳税人识别号
    taxpayer_name: str             # 纳税人名称
    tax_authority_code: str        # 税务机关代码
    tax_authority_name: str        # 税务机关名称
    pay_by: dt.date                # 税款缴款日期: pay before it, or print again
    items: tuple[VoucherItem, ...]
    payer_name: str = ""           # 付款人名称
    payer_bank: str = ""           # 开户银行名称
    payer_account: str = ""        # 付款人账号
    total: Decimal | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", tuple(self.items))
        if not self.items:
            raise RuleViolation("VOUCHER_EMPTY", "缴费凭证至少要有一条缴费项目")
        if not self.voucher_no.strip():
            raise RuleViolation("VOUCHER_NO_MISSING", "缴费凭证缺少凭证序号", field="voucher_no")
        computed = sum((item.due for item in self.items), Decimal("0.00"))
        if self.total is not None:
            given = _money(self.total, "金额合计")
            if given != computed:
                raise RuleViolation("VOUCHER_TOTAL_MISMATCH",
                                    f"缴费凭证的金额合计{format_money(given)}与各项之和{format_money(computed)}不符",
                                    field="total")
        object.__setattr__(self, "total", computed)

    @property
    def total_in_capitals(self) -> str:
        """金额合计（大写）, as the manual's voucher prints it (贰角整, no 人民币)."""
        return to_capitals(self.total or Decimal("0.00"), field="金额合计")

    @property
    def has_late_fees(self) -> bool:
        return any(item.late_fee is not None for item in self.items)


def _date_cn(day: dt.date) -> str:
    return f"{day.year}年{day.month:02d}月{day.day:02d}日"


def voucher_pdf(doc: VoucherDoc, *, created: dt.datetime | None = None) -> bytes:
    """The voucher as PDF bytes (A4 portrait; the items break over pages with their header
    repeated; the same `doc` gives the same bytes). `created` is written as the PDF's creation
    date (fixed unless given)."""
    pdf = PdfDocument(VOUCHER_TITLE, created=created, footer_note=f"凭证序号：{doc.voucher_no}", font_size=9.5)
    pdf.line(f"银行端查询缴税凭证序号：{doc.voucher_no}", _date_cn(doc.issued_on))
    pdf.space(1)
    pdf.grid([
        [label_cell("纳税人识别号"), doc.taxpayer_id, label_cell("税务机关代码"), doc.tax_authority_code],
        [label_cell("纳税人名称"), doc.taxpayer_name, label_cell("税务机关名称"), doc.tax_authority_name],
        [label_cell("付款人名称"), doc.payer_name, label_cell("开户银行名称"), doc.payer_bank],
        [label_cell("付款人账号"), doc.payer_account, label_cell("税款缴款日期"), format_cell(doc.pay_by)],
    ], widths=[1.15, 2.1, 1.15, 2.1])
    late = doc.has_late_fees
    columns = [
        Column("no", "序号", 0.45, "number", align="CENTER"),
        Column("item", "征收项目名称", 1.9),
        Column("sub", "征收品目名称", 2.3),
        Column("period", "费款所属期", 2.3, align="CENTER"),
        Column("amount", "应缴税额", 1.1, "money"),
    ]
    if late:
        columns.append(Column("late", "滞纳金", 0.9, "money"))
    rows = [{"no": number, "item": item.item_name, "sub": item.sub_item_name,
             "period": format_period(item.period_start, item.period_end), "amount": item.amount,
             "late": item.late_fee}
            for number, item in enumerate(doc.items, start=1)]
    pdf.table(rows, columns)
    pdf.keep_together(55)
    span = 4
    total = doc.total or Decimal("0.00")
    pdf.grid([
        [label_cell("金额合计（小写）"), Cell(format_money(total), span)],
        [label_cell("金额合计（大写）"), Cell(doc.total_in_capitals, span)],
    ], widths=[1.3, 1.0, 1.0, 1.0, 1.0])
    pdf.grid([  # room for the seals; the warning in 备注, as the manual's voucher has it
        ["付款人（签章）", "银行记账员（签章）", "备注"],
        ["经办人（签章）", "", VOUCHER_WARNING],
    ], widths=[1.0, 1.0, 1.4], row_heights={0: 20, 1: 20}, v_align="TOP")
    return pdf.output()
