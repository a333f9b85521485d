"""The 税收完税证明（非印刷）and the 职工 / 单位缴费证明 PDFs (io/certificates.py): the text read back
with pypdf holds the number, the taxpayer, every item with its 入库日期, the total in figures and in
capitals, and the 补开 mark only on a re-issue; the same document gives the same bytes; the Chinese
glyphs are embedded with outlines."""

from __future__ import annotations

import datetime as dt
import doctest
import io
import logging
import re
from decimal import Decimal

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

import sbflib.io.certificates
from sbflib.domain.errors import RuleViolation
from sbflib.io.certificates import (
    CERTIFICATE_NOTE,
    CERTIFICATE_TITLE,
    EMPLOYEE_PROOF_TITLE,
    UNIT_PROOF_TITLE,
    CertificateItem,
    EmployeeProofDoc,
    ProofLine,
    TaxCertificateDoc,
    UnitProofDoc,
    employee_proof_doc_from_wire,
    employee_proof_pdf,
    tax_certificate_doc_from_wire,
    tax_certificate_pdf,
    unit_proof_doc_from_wire,
    unit_proof_pdf,
)

ITEMS = [
    ("基本养老保险费", "职工基本养老保险(单位缴纳)"),
    ("基本养老保险费", "职工基本养老保险(个人缴纳)"),
    ("失业保险费", "失业保险(单位缴纳)"),
    ("基本医疗保险费", "职工基本医疗保险(单位缴纳)"),
    ("工伤保险费", "工伤保险"),
]


def _pages(data: bytes) -> list[str]:
    return [re.sub(r"\s+", "", page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages]


def _embedded_font(data: bytes) -> TTFont:
    page = PdfReader(io.BytesIO(data)).pages[0]
    (ref,) = page["/Resources"]["/Font"].values()
    descendant = ref.get_object()["/DescendantFonts"][0].get_object()
    stream = descendant["/FontDescriptor"].get_object()["/FontFile2"].get_object()
    return TTFont(io.BytesIO(stream.get_data()))


def _cert_items(n: int) -> tuple[CertificateItem, ...]:
    return tuple(
        CertificateItem(f"320261127000123456{i:02d}", *ITEMS[i % len(ITEMS)], dt.date(2026, 10, 1),
                        dt.date(2026, 10, 31), dt.date(2026, 11, 12 + i % 3), Decimal("3533.34") + i)
        for i in range(n))


def _certificate(items=None, **changes) -> TaxCertificateDoc:
    fields = {
        "certificate_no": "133016261100000001", "issued_on": dt.date(2026, 11, 27),
        "tax_authority": "国家税务总局杭州市上城区税务局", "taxpayer_id": "91330100MA2H000001",
        "taxpayer_name": "杭州示例科技有限公司", "items": _cert_items(8) if items is None else items,
        "issuer": "社保费管理客户端",
    }
    fields.update(changes)
    return TaxCertificateDoc(**fields)


def _proof_lines(n: int) -> tuple[ProofLine, ...]:
    return tuple(
        ProofLine("国家税务总局杭州市上城区税务局", "杭州市社会保险事业管理局", "33010000001", *ITEMS[i % len(ITEMS)],
                  dt.date(2026, i % 12 + 1, 1), dt.date(2026, i % 12 + 1, 28), dt.date(2026, i % 12 + 1, 15),
                  Decimal("452.00") + i, detail_name="", base=Decimal("5650.00"))
        for i in range(n))


def _employee(lines=None, **changes) -> EmployeeProofDoc:
    fields = {
        "unit_name": "杭州示例科技有限公司", "taxpayer_id": "91330100MA2H000001", "employee_name": "张喆",
        "id_type": "居民身份证", "id_number": "330102199001011234", "period_from": "2026-01",
        "period_to": "2026-12", "printed_on": dt.date(2026, 11, 27),
        "lines": _proof_lines(12) if lines is None else lines, "proof_no": "ZM2026112700001",
    }
    fields.update(changes)
    return EmployeeProofDoc(**fields)


def _unit(lines=None, **changes) -> UnitProofDoc:
    fields = {
        "unit_name": "杭州示例科技有限公司", "taxpayer_id": "91330100MA2H000001", "period_from": "2026-01",
        "period_to": "2026-12", "printed_on": dt.date(2026, 11, 27),
        "lines": _proof_lines(12) if lines is None else lines,
    }
    fields.update(changes)
    return UnitProofDoc(**fields)


# --- 税收完税证明 ---------------------------------------------------------------------------------

def test_the_tax_certificate_holds_the_taxpayer_every_item_and_the_total():
    items = _cert_items(8)
    pages = _pages(tax_certificate_pdf(_certificate(items)))
    text = "".join(pages)
    assert len(pages) == 1
    for part in (CERTIFICATE_TITLE + "（非印刷）", "填发日期：2026年11月27日No.133016261100000001",
                 "税务机关：国家税务总局杭州市上城区税务局",
                 "纳税人识别号91330100MA2H000001纳税人名称杭州示例科技有限公司",
                 "原凭证号税种品目名称税款所属时期入（退）库日期实缴（退）金额",
                 "税务机关（盖章）填票人备注社保费管理客户端", CERTIFICATE_NOTE):
        assert part in text, part
    for item in items:
        row = (f"{item.voucher_no}{item.item_name}{item.sub_item_name}2026-10-01至2026-10-31"
               f"{item.arrived_on.isoformat()}{item.amount:,.2f}")
        assert row in text, row
    # 8 × 3533.34 + (0 + 1 + … + 7) = 28266.72 + 28, by hand
    assert "合计28,294.72" in text
    assert "金额合计（大写）人民币贰万捌仟贰佰玖拾肆元柒角贰分¥28,294.72" in text
    assert "补开" not in text


def test_a_reissued_certificate_says_so_with_the_original_number():
    text = "".join(_pages(tax_certificate_pdf(_certificate(reissued=True, original_no="133016261100000000"))))
    assert CERTIFICATE_TITLE + "（非印刷）（补开）" in text
    assert "补开，原证明编号：133016261100000000" in text
    plain = "".join(_pages(tax_certificate_pdf(_certificate(reissued=True, note="遗失补开"))))
    assert "备注社保费管理客户端遗失补开；补开" in plain


def test_the_bureaus_ticket_fields_are_printed_when_given():
    doc = _certificate(ticket_track="(2026)浙证非印", ticket_no="33001261100012345", treasury="国家金库杭州市上城区支库",
                       print_label="第2次打印", certificate_no="33016261100000000001")
    text = "".join(_pages(tax_certificate_pdf(doc)))
    assert "填发日期：2026年11月27日(2026)浙证非印No.33001261100012345" in text
    assert "税务机关：国家税务总局杭州市上城区税务局第2次打印" in text
    assert "电子税票号码33016261100000000001收款国库国家金库杭州市上城区支库" in text


def test_a_one_item_certificate_of_two_jiao():
    item = CertificateItem("320181009000000001", "基本养老保险费", "职工基本养老保险(个人缴纳)", "2018-09",
                           "2018-09", dt.date(2018, 10, 12), "0.20")
    text = "".join(_pages(tax_certificate_pdf(_certificate((item,)))))
    assert "2018-09-01至2018-09-302018-10-120.20" in text  # a month runs from its first day to its last
    assert "金额合计（大写）人民币贰角整¥0.20" in text


def test_the_same_certificate_gives_the_same_bytes():
    first = tax_certificate_pdf(_certificate())
    assert tax_certificate_pdf(_certificate()) == first
    assert tax_certificate_pdf(_certificate(reissued=True)) != first
    assert b"/CreationDate (D:20000101000000Z" in first


@pytest.mark.parametrize(("change", "code"), [
    ({"items": ()}, "CERTIFICATE_EMPTY"),
    ({"certificate_no": ""}, "CERTIFICATE_NO_MISSING"),
    ({"total": "1.00"}, "CERTIFICATE_TOTAL_MISMATCH"),
])
def test_a_certificate_that_cannot_be_printed_is_refused(change, code):
    with pytest.raises(RuleViolation) as err:
        _certificate(**change)
    assert err.value.code == code


def test_a_certificate_amount_given_as_float_is_refused():
    with pytest.raises(RuleViolation) as err:
        CertificateItem("1", "失业保险费", "失业保险(单位缴纳)", "2026-10", "2026-10", dt.date(2026, 11, 1), 1.36)
    assert err.value.code == "MONEY_TYPE"


# --- 职工 / 单位缴费证明 ----------------------------------------------------------------------------

def test_the_employee_proof_holds_the_employee_every_line_and_the_total():
    lines = _proof_lines(12)
    pages = _pages(employee_proof_pdf(_employee(lines)))
    text = "".join(pages)
    for part in (EMPLOYEE_PROOF_TITLE, "打印日期：2026年11月27日证明编号：ZM2026112700001",
                 "职工姓名张喆证件类型居民身份证", "证件号码330102199001011234费款所属期2026-01至2026-12",
                 "单位名称杭州示例科技有限公司纳税人识别号91330100MA2H000001",
                 "兹证明张喆（居民身份证：330102199001011234）在杭州示例科技有限公司参保，2026-01至2026-12期间缴纳社会保险费情况如下：",
                 "以上费款均已入库。特此证明。", "证明机关（盖章）："):
        assert part in text, part
    assert "费款征收机关社保经办机构单位编号征收项目征收品目缴费基数费款所属期起止入库日期实缴金额" in pages[0]
    for number, line in enumerate(lines, start=1):
        month = line.period_start.strftime("%Y-%m")
        row = (f"{number}国家税务总局杭州市上城区税务局杭州市社会保险事业管理局33010000001{line.item_name}"
               f"{line.sub_item_name}5,650.00{month}-01至{month}-28{month}-15{line.amount:,.2f}")
        assert row in text, row
    # 12 × 452.00 + (0 + 1 + … + 11) = 5424 + 66, by hand
    assert "合计5,490.00" in text
    assert "实缴金额合计（大写）人民币伍仟肆佰玖拾元整（小写）¥5,490.00" in text


def test_the_employee_proof_shows_unit_and_personal_parts_when_given():
    lines = tuple(
        ProofLine("国家税务总局杭州市上城区税务局", "杭州市社会保险事业管理局", "33010000001", "基本养老保险费",
                  "企业职工基本养老保险", f"2026-{m:02d}", f"2026-{m:02d}", dt.date(2026, m, 15), "1356.00",
                  base="5650.00", unit_amount="904.00", personal_amount="452.00")
        for m in (1, 2))
    text = "".join(_pages(employee_proof_pdf(_employee(lines))))
    assert "缴费基数费款所属期起止入库日期单位缴费个人缴费实缴金额" in text
    assert "企业职工基本养老保险5,650.002026-01-01至2026-01-312026-01-15904.00452.001,356.00" in text
    assert "合计2,712.00" in text and "人民币贰仟柒佰壹拾贰元整" in text


def test_the_unit_proof_holds_the_unit_every_line_and_the_total():
    lines = _proof_lines(3)
    text = "".join(_pages(unit_proof_pdf(_unit(lines))))
    for part in (UNIT_PROOF_TITLE, "单位名称杭州示例科技有限公司纳税人识别号91330100MA2H000001",
                 "费款所属期2026-01至2026-12",
                 "兹证明杭州示例科技有限公司（纳税人识别号：91330100MA2H000001）2026-01至2026-12期间缴纳社会保险费情况如下：",
                 "序号费款征收机关社保经办机构单位编号征收项目征收品目费款所属期起止入库日期实缴金额"):
        assert part in text, part
    assert "证明编号" not in text  # none given
    for number, line in enumerate(lines, start=1):
        month = line.period_start.strftime("%Y-%m")
        row = (f"{number}国家税务总局杭州市上城区税务局杭州市社会保险事业管理局33010000001{line.item_name}"
               f"{line.sub_item_name}{month}-01至{month}-28{month}-15{line.amount:,.2f}")
        assert row in text, row
    assert "5,650.00" not in text  # the unit proof has no 缴费基数
    assert "征收类型" not in text and "征收子目" not in text  # none of the lines has one
    assert "合计1,359.00" in text  # 452 + 453 + 454
    assert "实缴金额合计（大写）人民币壹仟叁佰伍拾玖元整（小写）¥1,359.00" in text


def test_the_same_proof_gives_the_same_bytes():
    assert employee_proof_pdf(_employee()) == employee_proof_pdf(_employee())
    assert unit_proof_pdf(_unit()) == unit_proof_pdf(_unit())
    assert unit_proof_pdf(_unit()) != unit_proof_pdf(_unit(printed_on=dt.date(2026, 11, 28)))


def test_a_proof_with_nothing_paid_is_refused():
    with pytest.raises(RuleViolation) as err:
        _employee(())
    assert err.value.code == "PROOF_EMPTY" and "职工缴费证明" in err.value.message
    with pytest.raises(RuleViolation) as err:
        _unit((), total="1.00")
    assert err.value.code == "PROOF_EMPTY"
    with pytest.raises(RuleViolation) as err:
        _unit(total="1.00")
    assert err.value.code == "CERTIFICATE_TOTAL_MISMATCH"


def test_every_printout_embeds_the_chinese_glyphs_with_outlines(caplog):
    caplog.set_level(logging.WARNING, logger="fpdf")
    for data, wanted in ((tax_certificate_pdf(_certificate()), "中华人民共和国税收完税证明非印刷贰万捌仟"),
                         (employee_proof_pdf(_employee()), "职工社会保险费缴费证明张喆伍仟肆佰玖拾元整"),
                         (unit_proof_pdf(_unit()), "单位社会保险费缴费证明杭州示例科技有限公司")):
        assert b"/FontFile2" in data
        font = _embedded_font(data)
        cmap, glyf = font.getBestCmap(), font["glyf"]
        assert all(glyf[cmap[ord(c)]].numberOfContours > 0 for c in wanted), wanted
        assert font["maxp"].numGlyphs < 400
    assert not [r for r in caplog.records if "missing" in r.getMessage()]


# --- from the bureau's answers (trimmed from a real demo bureau's, docs/api.md) ---------------------

WIRE_CERTIFICATE = {
    "certificate_no": "33301022600000000001", "ticket_kind": "税收完税证明（非印刷）", "taxpayer_id": "91330102HXTGKRDL66",
    "taxpayer_name": "杭州西湖锦程旅游服务有限公司", "region_code": "330102", "region_name": "浙江省杭州市上城区",
    "tax_authority": "国家税务总局杭州市上城区税务局", "treasury": "国家金库杭州市中心支库", "ticket_track": "(2026)浙证非印",
    "ticket_no": "0000000001", "voucher_no": "32026091228758103519", "issued_on": "2026-11-27",
    "issued_at": "2026-11-27T17:31:14+08:00", "issuer": "单位社保费管理客户端", "total": "41153.52", "status": "正常",
    "prints": 2, "print_label": "第2次打印", "reissue": True, "period_start": "2026-08", "period_end": "2026-08",
    "items": [
        {"seq": 1, "item_key": "DZ2026091200000003000002", "voucher_no": "32026091228758103519", "item_code": "10201",
         "item_name": "基本养老保险费", "subitem_name": "企业职工基本养老保险费", "period_start": "2026-08",
         "period_end": "2026-08", "paid_on": "2026-09-12", "arrived_on": "2026-09-12", "amount": "13717.84"},
        {"seq": 2, "item_key": "DZ2026091200000003000001", "voucher_no": "32026091228758103519", "item_code": "10201",
         "item_name": "基本养老保险费", "subitem_name": "企业职工基本养老保险费", "period_start": "2026-08",
         "period_end": "2026-08", "paid_on": "2026-09-12", "arrived_on": "2026-09-12", "amount": "27435.68"},
    ],
}
WIRE_UNIT_ROWS = [
    {"tax_authority": "国家税务总局杭州市上城区税务局", "agency": "杭州市上城区社会保险管理服务中心", "unit_number": "330106950374",
     "item_code": "10201", "item_name": "基本养老保险费", "subitem_name": "企业职工基本养老保险费", "subitem_detail": None,
     "payer": "personal", "payer_name": "个人缴费", "period_start": "2026-11", "period_end": "2026-11",
     "arrived_on": "2026-11-27", "amount": "13717.84", "voucher_no": "32026112700000000001"},
    {"tax_authority": "国家税务总局杭州市上城区税务局", "agency": "杭州市上城区社会保险管理服务中心", "unit_number": "330106950374",
     "item_code": "10201", "item_name": "基本养老保险费", "subitem_name": "企业职工基本养老保险费", "subitem_detail": None,
     "payer": "unit", "payer_name": "单位缴费", "period_start": "2026-11", "period_end": "2026-11",
     "arrived_on": "2026-11-27", "amount": "27435.68", "voucher_no": "32026112700000000001"},
]
WIRE_EMPLOYEE_ROWS = [
    {"employee_id": "E000003570", "name": "陈艳亮", "id_type": "居民身份证", "id_number": "330108198104214425",
     "unit_number": "330106950374", "agency": "杭州市上城区社会保险管理服务中心", "tax_authority": "国家税务总局杭州市上城区税务局",
     "item_code": "10201", "item_name": "基本养老保险费", "subitem_name": "企业职工基本养老保险费", "month": "2026-11",
     "base": "4612.00", "unit_amount": "737.92", "personal_amount": "368.96", "amount": "1106.88",
     "arrived_on": "2026-11-27", "voucher_no": "32026112700000000001"},
    {"employee_id": "E000003570", "name": "陈艳亮", "id_type": "居民身份证", "id_number": "330108198104214425",
     "unit_number": "330106950374", "agency": "杭州市上城区社会保险管理服务中心", "tax_authority": "国家税务总局杭州市上城区税务局",
     "item_code": "10202", "item_name": "失业保险费", "subitem_name": "失业保险费", "month": "2026-11",
     "base": "4612.00", "unit_amount": "23.06", "personal_amount": "23.06", "amount": "46.12",
     "arrived_on": "2026-11-27", "voucher_no": "32026112700000000001"},
]
WHO = {"unit_name": "杭州西湖锦程旅游服务有限公司", "taxpayer_id": "91330102HXTGKRDL66", "period_from": "2026-11",
       "period_to": "2026-11", "printed_on": dt.date(2026, 11, 27)}


def test_a_reissued_certificate_from_the_bureaus_answer():
    doc = tax_certificate_doc_from_wire(WIRE_CERTIFICATE)
    assert doc.reissued and doc.total == Decimal("41153.52") and doc.issued_on == dt.date(2026, 11, 27)
    text = "".join(_pages(tax_certificate_pdf(doc)))
    for part in ("（非印刷）（补开）", "填发日期：2026年11月27日(2026)浙证非印No.0000000001",
                 "税务机关：国家税务总局杭州市上城区税务局第2次打印",
                 "纳税人识别号91330102HXTGKRDL66纳税人名称杭州西湖锦程旅游服务有限公司",
                 "电子税票号码33301022600000000001收款国库国家金库杭州市中心支库",
                 "32026091228758103519基本养老保险费企业职工基本养老保险费2026-08-01至2026-08-312026-09-1213,717.84",
                 "32026091228758103519基本养老保险费企业职工基本养老保险费2026-08-01至2026-08-312026-09-1227,435.68",
                 "合计41,153.52", "金额合计（大写）人民币肆万壹仟壹佰伍拾叁元伍角贰分¥41,153.52",
                 "填票人备注单位社保费管理客户端补开"):
        assert part in text, part
    with pytest.raises(RuleViolation) as err:  # a total that is not the items' is not printed
        tax_certificate_doc_from_wire({**WIRE_CERTIFICATE, "total": "41153.53"})
    assert err.value.code == "CERTIFICATE_TOTAL_MISMATCH"


def test_the_unit_proof_from_the_bureaus_rows_shows_whose_share():
    text = "".join(_pages(unit_proof_pdf(unit_proof_doc_from_wire(WIRE_UNIT_ROWS, **WHO))))
    assert "征收项目征收品目征收类型费款所属期起止入库日期实缴金额" in text and "征收子目" not in text
    assert "企业职工基本养老保险费个人缴费2026-11-01至2026-11-302026-11-2713,717.84" in text
    assert "企业职工基本养老保险费单位缴费2026-11-01至2026-11-302026-11-2727,435.68" in text
    assert "实缴金额合计（大写）人民币肆万壹仟壹佰伍拾叁元伍角贰分（小写）¥41,153.52" in text


def test_proofs_from_a_dataframes_records_take_empty_cells_as_missing():
    import pandas as pd

    frame = pd.DataFrame(WIRE_UNIT_ROWS)
    frame["subitem_detail"] = float("nan")  # an empty column as a DataFrame holds it
    frame.loc[0, "payer_name"] = pd.NA
    doc = unit_proof_doc_from_wire(frame.to_dict("records"), **WHO)
    assert [x.detail_name for x in doc.lines] == ["", ""] and [x.payer_kind for x in doc.lines] == ["", "单位缴费"]
    people = pd.DataFrame(WIRE_EMPLOYEE_ROWS)
    people["base"] = [float("nan"), "4612.00"]
    lines = employee_proof_doc_from_wire(people.to_dict("records"), **WHO).lines
    assert [x.base for x in lines] == [None, Decimal("4612.00")]


def test_the_employee_proof_from_the_bureaus_rows():
    doc = employee_proof_doc_from_wire(WIRE_EMPLOYEE_ROWS, **WHO)
    assert (doc.employee_name, doc.id_type, doc.id_number) == ("陈艳亮", "居民身份证", "330108198104214425")
    text = "".join(_pages(employee_proof_pdf(doc)))
    assert "职工姓名陈艳亮证件类型居民身份证证件号码330108198104214425费款所属期2026-11至2026-11" in text
    assert "企业职工基本养老保险费4,612.002026-11-01至2026-11-302026-11-27737.92368.961,106.88" in text
    assert "失业保险费失业保险费4,612.002026-11-01至2026-11-302026-11-2723.0623.0646.12" in text
    assert "实缴金额合计（大写）人民币壹仟壹佰伍拾叁元整（小写）¥1,153.00" in text
    other = {**WIRE_EMPLOYEE_ROWS[1], "name": "陈艳亮", "id_number": "330108199001011234"}
    with pytest.raises(RuleViolation) as err:  # two people of one name: one proof each
        employee_proof_doc_from_wire([WIRE_EMPLOYEE_ROWS[0], other], **WHO)
    assert err.value.code == "PROOF_MIXED_EMPLOYEES"
    with pytest.raises(RuleViolation) as err:
        employee_proof_doc_from_wire([], **WHO)
    assert err.value.code == "PROOF_EMPTY"


def test_the_examples_in_the_docstrings_hold():
    result = doctest.testmod(sbflib.io.certificates)
    assert result.failed == 0 and result.attempted > 0
