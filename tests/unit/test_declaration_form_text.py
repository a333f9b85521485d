"""社会保险费申报表 of a declaration as 申报记录 prints it: the rows the bureau declared (docs/api.md
"Fee declarations") go through `form_lines` into `declaration_form_pdf`; the text read back with pypdf
holds the taxpayer, every row (unit number, item, sub-item, payer, period, headcount, base, rate,
amount) and the total, on one page or over several."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pandas as pd
from pypdf import PdfReader

from sbflib.domain.money import amount_in_capitals
from sbflib.io.declaration_form import DeclarationHeader, declaration_form_pdf, form_lines
from sbflib.io.pdf import format_cell

HEADER = DeclarationHeader("91330108MA2CH00038", "杭州滨江申报记录测试有限公司", "国家税务总局杭州市滨江区税务局",
                           dt.date(2026, 11, 27), declaration_id="SB20261127000381", status="申报成功")

ITEMS = [  # item, sub-item, payer, rate
    ("基本养老保险费", "企业职工基本养老保险费", "单位", "0.16"),
    ("基本养老保险费", "企业职工基本养老保险费", "个人", "0.08"),
    ("基本医疗保险费", "职工基本医疗保险费", "单位", "0.099"),
    ("基本医疗保险费", "职工基本医疗保险费", "个人", "0.02"),
    ("失业保险费", "失业保险费", "单位", "0.005"),
    ("失业保险费", "失业保险费", "个人", "0.005"),
    ("工伤保险费", "工伤保险费", "单位", "0.002"),
]


def _rows(n: int) -> pd.DataFrame:
    out = []
    for i in range(n):
        item, sub, payer, rate = ITEMS[i % len(ITEMS)]
        base = Decimal("218660.00") + Decimal(i) * Decimal("1234.56")
        out.append({"prep_id": f"P01N-330108700935-{i}", "unit_number": "330108700935", "item_name": item,
                    "subitem_name": sub, "payer_name": payer, "period_start": "2026-11", "period_end": "2026-11",
                    "headcount": 27 + i, "base_total": base, "rate": Decimal(rate),
                    "amount": (base * Decimal(rate)).quantize(Decimal("0.01"))})
    return pd.DataFrame(out)


def _text(data: bytes) -> tuple[str, int]:
    pages = PdfReader(io.BytesIO(data)).pages
    return "".join(re.sub(r"\s+", "", p.extract_text()) for p in pages), len(pages)


def _check(rows: pd.DataFrame) -> int:
    text, pages = _text(declaration_form_pdf(HEADER, form_lines(rows)))
    assert "社会保险费申报表" in text
    assert "纳税人识别号：91330108MA2CH00038" in text and "纳税人名称：杭州滨江申报记录测试有限公司" in text
    assert "缴费对象" in text
    for number, r in enumerate(rows.to_dict("records"), start=1):
        line = (f"{number}{r['unit_number']}{r['item_name']}{r['subitem_name']}{r['payer_name']}"
                f"{r['period_start']}{r['period_end']}{r['headcount']}{r['base_total']:,.2f}"
                f"{format_cell(r['rate'], 'percent')}{r['amount']:,.2f}")
        assert line in text, line
    total = sum(rows["amount"], Decimal("0.00"))
    assert f"合计{total:,.2f}" in text
    assert f"（小写）：¥{total:,.2f}" in text
    assert re.sub(r"\s+", "", amount_in_capitals(total)) in text
    return pages


def test_a_daily_declaration_prints_the_taxpayer_every_row_and_the_total():
    assert _check(_rows(len(ITEMS))) == 1


def test_a_long_declaration_prints_every_row_over_several_pages():
    assert _check(_rows(60)) > 1


def test_form_lines_keeps_money_decimal_and_the_order():
    rows = _rows(3)
    lines = form_lines(rows)
    assert list(lines["应缴费额"]) == list(rows["amount"])
    assert all(isinstance(v, Decimal) for v in lines["缴费基数"])
    assert list(lines["缴费对象"]) == ["单位", "个人", "单位"]
