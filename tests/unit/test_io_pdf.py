"""PDF printouts (io/pdf.py, io/declaration_form.py): the text read back with pypdf holds the
taxpayer, every line and the totals in Chinese; long tables break over pages with their header
repeated; the same input gives the same bytes; amounts print in Chinese capitals."""

from __future__ import annotations

import datetime as dt
import doctest
import io
import logging
import re
from decimal import Decimal

import pandas as pd
import pytest
from pypdf import PdfReader

import sbflib.io.declaration_form
import sbflib.io.pdf
from sbflib.domain.errors import RuleViolation
from sbflib.io.declaration_form import DECLARATION_TEXT, DeclarationHeader, declaration_form_pdf
from sbflib.io.pdf import Column, PdfDocument, format_cell

HEADER = DeclarationHeader(
    taxpayer_id="91330100MA2H000001",
    taxpayer_name="杭州示例科技有限公司",
    tax_authority="国家税务总局杭州市上城区税务局",
    declared_on=dt.date(2026, 11, 27),
    declaration_id="SB2026112700017",
    status="申报成功",
)

ITEMS = [  # 征收项目, 征收品目, rate
    ("基本养老保险费", "企业职工基本养老保险（单位缴纳）", "0.16"),
    ("基本养老保险费", "企业职工基本养老保险（个人缴纳）", "0.08"),
    ("失业保险费", "失业保险（单位缴纳）", "0.005"),
    ("工伤保险费", "工伤保险", "0.002"),
    ("基本医疗保险费", "职工基本医疗保险（单位缴纳）", "0.099"),
]


def _lines(n: int) -> pd.DataFrame:
    rows = []
    for i in range(n):
        item, sub, rate = ITEMS[i % len(ITEMS)]
        base = Decimal("4462.00") + Decimal(i) * Decimal("101.01")
        rows.append({
            "单位编号": f"330100{i:05d}", "征收项目": item, "征收品目": sub,
            "费款所属期起": "2026-11", "费款所属期止": "2026-11", "缴费人数": 20 + i % 7,
            "缴费基数": base, "费率": Decimal(rate), "应缴费额": (base * Decimal(rate)).quantize(Decimal("0.01")),
        })
    return pd.DataFrame(rows)


def _pages(data: bytes) -> list[str]:
    """The text of each page with every space and line break removed (a wrapped cell or pypdf's
    spacing must not decide a test)."""
    return [re.sub(r"\s+", "", page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages]


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def test_the_form_holds_taxpayer_every_line_and_the_total_in_chinese():
    lines = _lines(5)
    pages = _pages(declaration_form_pdf(HEADER, lines))
    text = "".join(pages)
    assert len(pages) == 1
    for part in ("社会保险费申报表", "纳税人识别号：91330100MA2H000001", "纳税人名称：杭州示例科技有限公司",
                 "主管税务机关：国家税务总局杭州市上城区税务局", "申报日期：2026-11-27", "申报序号：SB2026112700017",
                 "金额单位：人民币元（列至角分）"):
        assert part in text, part
    for number, line in enumerate(lines.to_dict("records"), start=1):
        row = (f"{number}{line['单位编号']}{line['征收项目']}{line['征收品目']}2026-112026-11{line['缴费人数']}"
               f"{_money(line['缴费基数'])}{format_cell(line['费率'], 'percent')}{_money(line['应缴费额'])}")
        assert row in text, row
    total = sum(lines["应缴费额"], Decimal(0))
    assert f"合计{_money(total)}" in text
    assert "本期应缴费额合计（大写）：人民币" in text and f"（小写）：¥{_money(total)}" in text
    assert DECLARATION_TEXT in text
    for part in ("缴费人（签章）", "单位负责人（法定代表人）签名", "代理人（盖章）", "受理税务机关（章）", "年月日"):
        assert part in text, part
    assert "第1页共1页" in text


def test_two_hundred_lines_break_over_pages_with_the_header_on_each():
    pages = _pages(declaration_form_pdf(HEADER, _lines(200)))
    heading = "序号单位编号征收项目征收品目费款所属期起费款所属期止缴费人数缴费基数（元）费率本期应缴费额（元）"
    table_pages = [p for p in pages if "3301000" in p]
    assert len(table_pages) >= 4
    for number, page in enumerate(table_pages, start=1):
        assert page.count(heading) == 1, number
    for number, page in enumerate(pages, start=1):
        assert f"第{number}页共{len(pages)}页" in page
    text = "".join(pages)
    for number in range(1, 201):  # every line once, in order
        assert text.count(f"{number}330100{number - 1:05d}") == 1, number
    positions = [text.index(f"{n}330100{n - 1:05d}") for n in range(1, 201)]
    assert positions == sorted(positions)
    assert "合计" in table_pages[-1] and all("合计" not in p for p in table_pages[:-1])
    assert DECLARATION_TEXT in pages[-1]


def test_the_same_input_gives_the_same_bytes():
    lines = _lines(30)
    first = declaration_form_pdf(HEADER, lines)
    assert declaration_form_pdf(HEADER, lines.copy()) == first
    assert b"/CreationDate (D:20000101000000Z" in first  # fixed unless given
    other = lines.copy()
    other.loc[3, "应缴费额"] = Decimal("1.00")
    assert declaration_form_pdf(HEADER, other) != first
    printed = dt.datetime(2026, 11, 27, 9, 30, tzinfo=dt.UTC)
    stamped = declaration_form_pdf(HEADER, lines, created=printed)
    assert stamped != first and stamped == declaration_form_pdf(HEADER, lines, created=printed)


@pytest.mark.parametrize(("amount", "capitals"), [
    ("0.20", "人民币贰角整"),
    ("3533.34", "人民币叁仟伍佰叁拾叁元叁角肆分"),
    ("1200.00", "人民币壹仟贰佰元整"),
])
def test_amounts_print_in_chinese_capitals(amount, capitals):
    doc = PdfDocument("银行端缴费凭证")
    doc.amount_line("合计金额", Decimal(amount))
    text = "".join(_pages(doc.output()))
    assert f"合计金额（大写）：{capitals}（小写）：¥{_money(Decimal(amount))}" in text


def test_a_form_total_prints_in_capitals():
    lines = _lines(1)
    lines.loc[0, "应缴费额"] = Decimal("3533.34")
    text = "".join(_pages(declaration_form_pdf(HEADER, lines)))
    assert "本期应缴费额合计（大写）：人民币叁仟伍佰叁拾叁元叁角肆分" in text


def test_money_has_thousands_separators_and_sits_at_the_right_of_its_cell():
    doc = PdfDocument("测试", font_size=9)
    rows = [{"name": "甲", "amount": Decimal("1234567.8")}, {"name": "乙", "amount": Decimal(5)}]
    doc.table(rows, [Column("name", "名称", 3), Column("amount", "金额", 1, "money")],
              totals={"amount": Decimal("1234572.80")})
    data = doc.output()
    ends: dict[str, float] = {}
    reader = PdfReader(io.BytesIO(data))
    page = reader.pages[0]

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip() in ("1,234,567.80", "5.00", "1,234,572.80"):
            ends[text.strip()] = tm[4]  # where the text starts

    page.extract_text(visitor_text=visit)
    assert set(ends) == {"1,234,567.80", "5.00", "1,234,572.80"}
    # right-aligned: the shorter amount starts further right than the longer ones
    assert ends["5.00"] > ends["1,234,567.80"] + 10
    assert abs(ends["1,234,567.80"] - ends["1,234,572.80"]) < 0.5


def test_the_font_is_embedded_and_no_glyph_is_missing(caplog):
    caplog.set_level(logging.WARNING, logger="fpdf")
    data = declaration_form_pdf(HEADER, _lines(5))
    assert b"/FontFile2" in data and b"NotoSansSCGB" in data
    assert not [r for r in caplog.records if "missing" in r.getMessage()]


def test_money_given_as_float_or_missing_columns_is_refused():
    lines = _lines(2)
    lines["应缴费额"] = [3533.34, 1.0]
    with pytest.raises(RuleViolation) as err:
        declaration_form_pdf(HEADER, lines)
    assert err.value.code == "MONEY_TYPE" and err.value.row == 1
    with pytest.raises(RuleViolation) as err:
        declaration_form_pdf(HEADER, _lines(2).drop(columns=["费率"]))
    assert err.value.code == "FORM_COLUMNS_MISSING" and "费率" in err.value.message


def test_blank_cells_and_optional_columns():
    lines = _lines(2).drop(columns=["缴费人数"])
    lines["减免费额"] = [Decimal("0.00"), None]
    text = "".join(_pages(declaration_form_pdf(HEADER, lines)))
    assert "缴费人数" not in text and "本期减免费额（元）" in text


def test_the_examples_in_the_docstrings_hold():
    for module in (sbflib.io.pdf, sbflib.io.declaration_form):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted > 0
