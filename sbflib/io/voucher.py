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

import calendar
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sbflib.domain.capitals import to_capitals
from sbflib.domain.errors import RuleViolation
from sbflib.domain.money import format_money, to_money
from sbflib.io.pdf import Cell, Column, PdfDocument, format_cell, is_blank, label_cell

__all__ = [
    "VOUCHER_TITLE",
    "VOUCHER_WARNING",
    "VoucherDoc",
    "VoucherItem",
    "as_date",
    "format_period",
    "voucher_doc_from_wire",
    "voucher_pdf",
    "with_payer_part",
]

VOUCHER_TITLE = "银行端查询缴税凭证"
VOUCHER_WARNING = "请在税款缴款日期前缴款，逾期必须重新打印后才能缴款！"


_MONTH = re.compile(r"^\d{4}-\d{2}$")


def format_period(start: dt.date | str, end: dt.date | str) -> str:
    """A 费款所属期 as the forms print it, from the first day to the last ("2026-11-01至2026-11-30",
    as the manual's samples do): a month given as "YYYY-MM" (the bureau's periods) opens on its first
    day and closes on its last.

    >>> format_period(dt.date(2026, 11, 1), dt.date(2026, 11, 30)), format_period("2026-01", "2026-02")
    ('2026-11-01至2026-11-30', '2026-01-01至2026-02-28')
    """
    if isinstance(start, str) and _MONTH.match(start):
        start = dt.date.fromisoformat(f"{start}-01")
    if isinstance(end, str) and _MONTH.match(end):
        year, month = int(end[:4]), int(end[5:])
        end = dt.date(year, month, calendar.monthrange(year, month)[1])
    return f"{format_cell(start)}至{format_cell(end)}"


def as_date(value: dt.date | str) -> dt.date:
    """A date from the wire ("2026-11-27", or a time "2026-11-27T09:30:00+08:00": its own local day)
    or as it is.

    >>> as_date("2026-11-27T09:30:00+08:00"), as_date(dt.datetime(2026, 11, 27, 23, 59))
    (datetime.date(2026, 11, 27), datetime.date(2026, 11, 27))
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


_PAYER_PARTS = {"unit": "(单位缴纳)", "personal": "(个人缴纳)"}


def with_payer_part(subitem_name: str, payer: str | None) -> str:
    """The 征收品目名称 with the payer part as the manual's voucher prints it ("职工基本养老保险(个人缴纳)"),
    so a unit's and its employees' share of one item are told apart; a name that says it already, or
    no payer, stays as it is.

    >>> with_payer_part("企业职工基本养老保险费", "personal"), with_payer_part("工伤保险(单位缴纳)", "unit")
    ('企业职工基本养老保险费(个人缴纳)', '工伤保险(单位缴纳)')
    """
    part = _PAYER_PARTS.get(payer or "")
    if part is None or "缴纳" in subitem_name:
        return subitem_name
    return subitem_name + part


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
        Column("sub", "征收品目名称", 2.2),
        Column("period", "费款所属期", 2.3, align="CENTER"),
        Column("amount", "应缴税额", 1.2, "money"),
    ]
    if late:
        columns.append(Column("late", "滞纳金", 1.05, "money"))
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


def _text(value: Any) -> str:
    return "" if is_blank(value) else str(value)


def voucher_doc_from_wire(voucher: Mapping[str, Any]) -> VoucherDoc:
    """The voucher to print from the bureau's bank voucher (docs/api.md, "Bank voucher": money as
    decimal strings, dates as ISO text; Decimal and date objects do as well): the 税款缴款日期 is its
    `valid_until`, the payer block its payer fields (blank when null), the 征收品目名称 says whose share
    (`payer`: 单位缴纳 / 个人缴纳), a 滞纳金 column only for items with a late fee above zero; the bureau's
    `total` is checked against the items.

    >>> doc = voucher_doc_from_wire({"voucher_no": "4201601130000001004", "issued_at": "2018-10-09T10:00:00+08:00",
    ...     "valid_until": "2018-10-09", "taxpayer_id": "910301000019303805", "taxpayer_name": "青海金茂劳务有限公司",
    ...     "tax_authority": "石嘴山市大武口区地方税务局", "tax_authority_code": "20402020002", "payer_name": None,
    ...     "payer_account": None, "payer_bank": None, "total": "0.20", "items": [{"item_name": "基本养老保险基金收入",
    ...     "subitem_name": "职工基本养老保险(个人缴纳)", "period_start": "2018-09", "period_end": "2018-09",
    ...     "amount": "0.20", "late_fee": "0.00"}]})
    >>> doc.pay_by, doc.payer_name, doc.items[0].late_fee, doc.total_in_capitals
    (datetime.date(2018, 10, 9), '', None, '贰角整')
    """
    items = []
    for item in voucher["items"]:
        sub = with_payer_part(item["subitem_name"], item.get("payer"))
        late = item.get("late_fee")
        late_fee = None if is_blank(late) else _money(late, f"“{sub}”的滞纳金")
        items.append(VoucherItem(item["item_name"], sub, item["period_start"], item["period_end"],
                                 item["amount"], late_fee if late_fee else None))
    return VoucherDoc(
        voucher_no=str(voucher["voucher_no"]), issued_on=as_date(voucher["issued_at"]),
        taxpayer_id=voucher["taxpayer_id"], taxpayer_name=voucher["taxpayer_name"],
        tax_authority_code=_text(voucher.get("tax_authority_code")), tax_authority_name=voucher["tax_authority"],
        pay_by=as_date(voucher["valid_until"]), items=tuple(items),
        payer_name=_text(voucher.get("payer_name")), payer_bank=_text(voucher.get("payer_bank")),
        payer_account=_text(voucher.get("payer_account")), total=None if is_blank(voucher.get("total")) else voucher["total"],
    )
