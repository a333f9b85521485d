"""The 银行端缴费凭证 PDF (io/voucher.py) and the font cache under it (io/pdf.py): the text read back
with pypdf holds the number, the taxpayer, the tax authority, the payer block, every item, the
total in figures and in capitals, the pay-by date and the warning line; the same voucher gives the
same bytes; the Chinese glyphs are embedded with outlines (not blank boxes), in every document
made by the process, as fpdf2's own add_font would embed them."""

from __future__ import annotations

import datetime as dt
import doctest
import io
import logging
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from fontTools.ttLib import TTFont
from fpdf import FPDF
from pypdf import PdfReader

import sbflib.io.voucher
from sbflib.domain.errors import RuleViolation
from sbflib.io.fonts import CJK_FONT_PATH
from sbflib.io.pdf import FIXED_CREATION_DATE, PdfDocument, add_cjk_font
from sbflib.io.voucher import (
    VOUCHER_TITLE,
    VOUCHER_WARNING,
    VoucherDoc,
    VoucherItem,
    voucher_doc_from_wire,
    voucher_pdf,
)

ITEMS = [  # 征收项目名称, 征收品目名称
    ("基本养老保险基金收入", "职工基本养老保险(单位缴纳)"),
    ("基本养老保险基金收入", "职工基本养老保险(个人缴纳)"),
    ("失业保险基金收入", "失业保险(单位缴纳)"),
    ("基本医疗保险基金收入", "职工基本医疗保险(单位缴纳)"),
    ("工伤保险基金收入", "工伤保险"),
]


def _items(n: int, *, late_fee_at: int | None = None) -> tuple[VoucherItem, ...]:
    return tuple(
        VoucherItem(*ITEMS[i % len(ITEMS)], dt.date(2026, 10, 1), dt.date(2026, 10, 31),
                    Decimal("3533.34") + Decimal(i) * Decimal("10.01"),
                    Decimal("1.77") if i == late_fee_at else None)
        for i in range(n))


def _voucher(items: tuple[VoucherItem, ...], **changes) -> VoucherDoc:
    fields = {
        "voucher_no": "4201601130000001004", "issued_on": dt.date(2026, 11, 27),
        "taxpayer_id": "91330100MA2H000001", "taxpayer_name": "杭州示例科技有限公司",
        "tax_authority_code": "13301020000", "tax_authority_name": "国家税务总局杭州市上城区税务局",
        "pay_by": dt.date(2026, 12, 15), "items": items,
        "payer_name": "杭州示例科技有限公司", "payer_bank": "中国工商银行杭州市上城支行", "payer_account": "1202020209000123456",
    }
    fields.update(changes)
    return VoucherDoc(**fields)


def _pages(data: bytes) -> list[str]:
    """Each page's text with spaces and line breaks removed (wrapping must not decide a test)."""
    return [re.sub(r"\s+", "", page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages]


def _embedded_fonts(data: bytes) -> list[TTFont]:
    """The font files embedded in the PDF (FontFile2), parsed."""
    fonts = []
    for page in PdfReader(io.BytesIO(data)).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            for descendant in font.get("/DescendantFonts", []):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                fonts.append(TTFont(io.BytesIO(descriptor["/FontFile2"].get_object().get_data())))
    return fonts


def _drawn(font: TTFont, text: str) -> set[str]:
    """The characters of `text` (not spaces) the font maps to a glyph with an outline."""
    cmap = font.getBestCmap()
    glyf = font["glyf"]
    found = set()
    for char in set(text) - {" "}:
        name = cmap.get(ord(char))
        if name is not None and glyf[name].numberOfContours != 0:
            found.add(char)
    return found


def test_the_voucher_holds_every_field_item_and_total():
    items = _items(20)
    data = voucher_pdf(_voucher(items))
    pages = _pages(data)
    text = "".join(pages)
    assert len(pages) == 1  # a 20-item voucher fits one A4 page
    for part in (VOUCHER_TITLE, "银行端查询缴税凭证序号：4201601130000001004", "2026年11月27日",
                 "纳税人识别号91330100MA2H000001税务机关代码13301020000",
                 "纳税人名称杭州示例科技有限公司税务机关名称国家税务总局杭州市上城区税务局",
                 "付款人名称杭州示例科技有限公司开户银行名称中国工商银行杭州市上城支行",
                 "付款人账号1202020209000123456税款缴款日期2026-12-15",
                 "序号征收项目名称征收品目名称费款所属期应缴税额"):
        assert part in text, part
    for number, item in enumerate(items, start=1):
        row = f"{number}{item.item_name}{item.sub_item_name}2026-10-01至2026-10-31{item.amount:,.2f}"
        assert row in text, row
    total = sum((i.amount for i in items), Decimal(0))
    assert total == Decimal("72568.70")  # 20 × 3533.34 + 10.01 × 190, by hand
    assert "金额合计（小写）72,568.70" in text
    assert "金额合计（大写）柒万贰仟伍佰陆拾捌元柒角整" in text
    assert "付款人（签章）银行记账员（签章）备注经办人（签章）" + VOUCHER_WARNING in text
    assert "滞纳金" not in text  # no item carries one
    assert "第1页共1页" in text


def test_the_manuals_sample_voucher_with_an_empty_payer_block():
    item = VoucherItem("基本养老保险基金收入", "职工基本养老保险(个人缴纳)", dt.date(2018, 9, 1), dt.date(2018, 9, 30),
                       Decimal("0.20"))
    doc = VoucherDoc("4201601130000001004", dt.date(2018, 10, 9), "910301000019303805", "青海金茂劳务有限公司",
                     "20402020002", "石嘴山市大武口区地方税务局", dt.date(2018, 10, 9), (item,))
    text = "".join(_pages(voucher_pdf(doc)))
    assert "银行端查询缴税凭证序号：42016011300000010042018年10月09日" in text
    assert "纳税人识别号910301000019303805税务机关代码20402020002" in text
    assert "付款人名称开户银行名称付款人账号税款缴款日期2018-10-09" in text  # blank payer block
    assert "基本养老保险基金收入职工基本养老保险(个人缴纳)2018-09-01至2018-09-300.20" in text
    assert "金额合计（小写）0.20金额合计（大写）贰角整" in text
    assert "请在税款缴款日期前缴款，逾期必须重新打印后才能缴款！" in text


def test_late_fees_get_their_column_and_count_in_the_total():
    items = _items(3, late_fee_at=1)
    doc = _voucher(items)
    assert doc.total == Decimal("3533.34") + Decimal("3543.35") + Decimal("3553.36") + Decimal("1.77")
    text = "".join(_pages(voucher_pdf(doc)))
    assert "应缴税额滞纳金" in text
    assert "2基本养老保险基金收入职工基本养老保险(个人缴纳)2026-10-01至2026-10-313,543.351.77" in text
    assert "金额合计（小写）10,631.82" in text and "金额合计（大写）壹万零陆佰叁拾壹元捌角贰分" in text


def test_the_same_voucher_gives_the_same_bytes():
    first = voucher_pdf(_voucher(_items(20)))
    assert voucher_pdf(_voucher(_items(20))) == first  # a reprint can be checked byte for byte
    assert b"/CreationDate (D:20000101000000Z" in first
    assert voucher_pdf(_voucher(_items(20), pay_by=dt.date(2026, 12, 16))) != first
    printed = dt.datetime(2026, 11, 27, 9, 30, tzinfo=dt.UTC)
    stamped = voucher_pdf(_voucher(_items(20)), created=printed)
    assert stamped != first and stamped == voucher_pdf(_voucher(_items(20)), created=printed)


_SAMPLE = """
import datetime as dt, sys
from decimal import Decimal
from sbflib.io.voucher import VoucherDoc, VoucherItem, voucher_pdf
items = tuple(VoucherItem("基本养老保险基金收入", f"职工基本养老保险(个人缴纳){i}", dt.date(2026, 10, 1), dt.date(2026, 10, 31),
                          Decimal("3533.34") + i) for i in range(20))
doc = VoucherDoc("4201601130000001004", dt.date(2026, 11, 27), "91330100MA2H000001", "杭州示例科技有限公司", "13301020000",
                 "国家税务总局杭州市上城区税务局", dt.date(2026, 12, 15), items)
sys.stdout.buffer.write(voucher_pdf(doc))
"""


def test_the_same_voucher_gives_the_same_bytes_in_another_process():
    """A reprint after a restart: string hashing differs from process to process (sets of glyph
    names in the subsetter), the bytes must not."""
    outputs = []
    for seed in ("0", "1", "2"):  # 0: no randomisation
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", _SAMPLE], capture_output=True, env=env, timeout=120, check=True)
        outputs.append(done.stdout)
    assert outputs[0][:5] == b"%PDF-"
    assert outputs[0] == outputs[1] == outputs[2]


def test_a_hundred_items_break_over_pages_with_the_total_and_warning_at_the_end():
    items = _items(100)
    pages = _pages(voucher_pdf(_voucher(items)))
    assert len(pages) >= 3
    item_pages = [page for page in pages if "2026-10-01至2026-10-31" in page]
    assert len(item_pages) >= 3
    for number, page in enumerate(item_pages, start=1):
        assert page.count("序号征收项目名称征收品目名称费款所属期应缴税额") == 1, number
    for number, page in enumerate(pages, start=1):
        assert f"第{number}页共{len(pages)}页" in page
    text = "".join(pages)
    rows = [f"{n}{i.item_name}{i.sub_item_name}2026-10-01至2026-10-31{i.amount:,.2f}" for n, i in enumerate(items, 1)]
    assert all(text.count(row) == 1 for row in rows)
    positions = [text.index(row) for row in rows]
    assert positions == sorted(positions)
    assert "金额合计（大写）" in pages[-1] and VOUCHER_WARNING in pages[-1]
    assert all("金额合计" not in page for page in pages[:-1])


def test_the_chinese_glyphs_are_embedded_with_outlines(caplog):
    caplog.set_level(logging.WARNING, logger="fpdf")
    data = voucher_pdf(_voucher(_items(20)))
    assert b"/FontFile2" in data and b"NotoSansSCGB" in data
    assert not [r for r in caplog.records if "missing" in r.getMessage()]
    (font,) = _embedded_fonts(data)
    wanted = "银行端查询缴税凭证纳税人识别号杭州示例科技有限公司金额合计柒万贰仟伍佰陆拾捌元角整请在税款缴款日期前缴款逾期必须重新打印后才能"
    assert _drawn(font, wanted) == set(wanted)
    assert font["maxp"].numGlyphs < 400  # a subset: only what the voucher uses, not 8,761 glyphs


def test_each_document_of_the_process_embeds_its_own_glyphs():
    """The parsed font is shared between documents, the subset is not: a document printed after
    another embeds the characters it uses, and none of the first one's."""
    first = PdfDocument("甲乙丙")
    first.text("养老保险")
    second = PdfDocument("丁戊己")
    second.text("工伤失业")
    one, two = first.output(), second.output()
    (font_one,), (font_two,) = _embedded_fonts(one), _embedded_fonts(two)
    assert _drawn(font_one, "甲乙丙养老保险") == set("甲乙丙养老保险")
    assert _drawn(font_two, "丁戊己工伤失业") == set("丁戊己工伤失业")
    assert not _drawn(font_two, "甲乙丙养老") and not _drawn(font_one, "丁戊己工伤失业")
    again = PdfDocument("甲乙丙")
    again.text("养老保险")
    assert again.output() == one


def test_the_cached_font_embeds_byte_for_byte_as_fpdf2s_add_font():
    """The same subset, outlines and tables as fpdf2's own add_font, but for the head/maxp
    bounds, which the cached font keeps from the whole font instead of recomputing them."""
    def page(pdf: FPDF) -> bytes:
        pdf.set_creation_date(FIXED_CREATION_DATE)
        pdf.add_page()
        pdf.set_font("cjk", size=10)
        pdf.multi_cell(0, 6, "银行端查询缴税凭证 金额合计（大写）柒万贰仟伍佰陆拾捌元柒角整 ¥72,568.70 ①℃")
        return bytes(pdf.output())

    plain = FPDF()
    plain.add_font("cjk", fname=str(CJK_FONT_PATH))
    plain.fonts["cjk"].ttfont.recalcBBoxes = False
    cached = FPDF()
    add_cjk_font(cached)
    glyf = cached.fonts["cjk"].ttfont.tables["glyf"]
    assert type(glyf).__name__ == "_DocumentGlyf"  # only the used glyphs are read (the shipped font has no composites)
    assert page(cached) == page(plain)
    assert len(glyf.glyphs) < 80  # the page's characters, the four kept glyphs: not 8,761


def test_vouchers_made_in_threads_are_the_same_as_one_by_one():
    docs = [_voucher(_items(n + 1), voucher_no=f"42016011300000010{n:02d}") for n in range(8)]
    expected = [voucher_pdf(doc) for doc in docs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(voucher_pdf, docs)) == expected


@pytest.mark.parametrize(("change", "code"), [
    ({"items": ()}, "VOUCHER_EMPTY"),
    ({"voucher_no": " "}, "VOUCHER_NO_MISSING"),
    ({"total": Decimal("1.00")}, "VOUCHER_TOTAL_MISMATCH"),
])
def test_a_voucher_that_cannot_be_printed_is_refused(change, code):
    with pytest.raises(RuleViolation) as err:
        _voucher(change.pop("items", _items(2)), **change)
    assert err.value.code == code


def test_the_bureaus_total_is_accepted_when_it_matches():
    assert _voucher(_items(2), total="7076.69").total == Decimal("7076.69")


@pytest.mark.parametrize(("amount", "code"), [(3533.34, "MONEY_TYPE"), ("-1.00", "MONEY_NEGATIVE"),
                                              ("1.001", "MONEY_PLACES")])
def test_an_item_amount_must_be_money(amount, code):
    with pytest.raises(RuleViolation) as err:
        VoucherItem("失业保险基金收入", "失业保险(单位缴纳)", "2026-10", "2026-10", amount)
    assert err.value.code == code and "失业保险(单位缴纳)" in err.value.message


WIRE_VOUCHER = {  # trimmed from a real demo bureau's answer (docs/api.md, "Bank voucher")
    "voucher_no": "4202611270000000001", "channel": "客户端", "status": "未缴费", "issued_at": "2026-11-27T17:31:13+08:00",
    "valid_until": "2026-12-15", "amount": "41153.52", "late_fee": "0.00", "total": "41153.52",
    "taxpayer_id": "91330102HXTGKRDL66", "taxpayer_name": "杭州西湖锦程旅游服务有限公司",
    "tax_authority": "国家税务总局杭州市上城区税务局", "tax_authority_code": "12032509912", "payer_name": "测试单位",
    "payer_account": "6222020200106700", "payer_bank": "中国工商银行杭州西湖支行", "period_start": "2026-11",
    "period_end": "2026-11", "voided_at": None, "paid_at": None, "payment_id": "ZF2026112700000001",
    "items": [
        {"voucher_no": "32026112700000000001", "declaration_id": "SB2026112700000001", "unit_number": "330106950374",
         "item_code": "10201", "item_name": "基本养老保险费", "subitem_name": "企业职工基本养老保险费", "payer": "unit",
         "payer_name": "单位", "period_start": "2026-11", "period_end": "2026-11", "amount": "27435.68",
         "late_fee": "0.00", "total": "27435.68"},
        {"voucher_no": "32026112700000000001", "declaration_id": "SB2026112700000001", "unit_number": "330106950374",
         "item_code": "10201", "item_name": "基本养老保险费", "subitem_name": "企业职工基本养老保险费", "payer": "personal",
         "payer_name": "个人", "period_start": "2026-11", "period_end": "2026-11", "amount": "13717.84",
         "late_fee": "0.00", "total": "13717.84"},
    ],
}


def test_a_voucher_from_the_bureaus_answer():
    doc = voucher_doc_from_wire(WIRE_VOUCHER)
    assert doc.pay_by == dt.date(2026, 12, 15) and doc.issued_on == dt.date(2026, 11, 27)
    text = "".join(_pages(voucher_pdf(doc)))
    for part in ("银行端查询缴税凭证序号：42026112700000000012026年11月27日",
                 "纳税人识别号91330102HXTGKRDL66税务机关代码12032509912",
                 "纳税人名称杭州西湖锦程旅游服务有限公司税务机关名称国家税务总局杭州市上城区税务局",
                 "付款人名称测试单位开户银行名称中国工商银行杭州西湖支行", "付款人账号6222020200106700税款缴款日期2026-12-15",
                 # whose share: the manual's 职工基本养老保险(个人缴纳)
                 "1基本养老保险费企业职工基本养老保险费(单位缴纳)2026-11-01至2026-11-3027,435.68",
                 "2基本养老保险费企业职工基本养老保险费(个人缴纳)2026-11-01至2026-11-3013,717.84",
                 "金额合计（小写）41,153.52金额合计（大写）肆万壹仟壹佰伍拾叁元伍角贰分", VOUCHER_WARNING):
        assert part in text, part
    assert "滞纳金" not in text  # late fees of 0.00 get no column


def test_a_voucher_from_the_bureau_with_a_late_fee_and_no_payer():
    items = [dict(WIRE_VOUCHER["items"][0], late_fee="13.72", total="27449.40"), WIRE_VOUCHER["items"][1]]
    wire = dict(WIRE_VOUCHER, items=items, late_fee="13.72", total="41167.24", payer_name=None, payer_account=None,
                payer_bank=None)
    text = "".join(_pages(voucher_pdf(voucher_doc_from_wire(wire))))
    assert "应缴税额滞纳金" in text and "27,435.6813.72" in text
    assert "付款人名称开户银行名称付款人账号税款缴款日期" in text
    assert "金额合计（小写）41,167.24金额合计（大写）肆万壹仟壹佰陆拾柒元贰角肆分" in text
    with pytest.raises(RuleViolation) as err:
        voucher_doc_from_wire(dict(wire, total="41153.52"))  # the late fee left out of the total
    assert err.value.code == "VOUCHER_TOTAL_MISMATCH"


def test_the_examples_in_the_docstrings_hold():
    result = doctest.testmod(sbflib.io.voucher)
    assert result.failed == 0 and result.attempted > 0
