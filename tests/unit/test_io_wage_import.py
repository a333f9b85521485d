"""Wage-filing import (sbflib.io.wage_import): the template, whole-file refusals, the row checks."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from python_calamine import CalamineWorkbook

from sbflib.domain.errors import RuleViolation
from sbflib.domain.wages import check_effective_month, parse_month, parse_wage
from sbflib.io import wage_import
from sbflib.io.wage_import import (
    DATA_SHEET,
    SIGNATURE_SHEET,
    check_rows,
    error_report_xlsx,
    read_wage_file,
    template_xlsx,
)
from sbflib.io.xlsx import cell_text, export_dataframe

ITEMS = [("10201", "基本养老保险费"), ("10202", "失业保险费")]
CURRENT = "2026-11"
ID1, ID2, ID3, ID4, ID5, ID6 = (
    "330102199001011237", "33010219850202123X", "330102199203031234",
    "330102197004041230", "330102196005051235", "H12345678",
)
ROSTER = pd.DataFrame({
    "employee_id": ["E1", "E2", "E3", "E4", "E5", "E6"],
    "name": ["张三", "李四", "王五", "赵六", "钱七", "陈 大文"],
    "id_type": ["居民身份证", "居民身份证", "居民身份证", "居民身份证", "居民身份证", "港澳居民来往内地通行证"],
    "id_number": [ID1, ID2, ID3, ID4, ID5, ID6],
    "start_month": ["2020-01", "2019-05", "2026-12", "2018-01", "2018-01", "2021-03"],
    "stop_month": [None, "2026-10", None, None, None, "长期"],
})
INSURED = pd.DataFrame({
    "employee_id": ["E1", "E1", "E2", "E2", "E3", "E4", "E6", "E6"],
    "item_code": ["10201", "10202", "10201", "10202", "10201", "10201", "10201", "10202"],
    "collection_mode": ["税务自主", "税务自主", "税务自主", "税务自主", "税务自主", "税务代征", "税务自主", "税务代征"],
    "base": [Decimal("5000.00")] * 8,
})


def filled(kind: str, way: str, rows: list[list[Any]], items=ITEMS) -> bytes:
    """The page's template with `rows` typed in under the header (as a clerk would in Excel)."""
    wb = load_workbook(io.BytesIO(template_xlsx(kind, way, items)))
    ws = wb[DATA_SHEET]
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def run(kind: str, way: str, rows: list[list[Any]], items=ITEMS):
    parsed = read_wage_file(filled(kind, way, rows, items), kind, way, items)
    return check_rows(parsed, ROSTER, INSURED, CURRENT)


def errors_of(result) -> list[tuple[int, str, str]]:
    return list(result.errors.itertuples(index=False, name=None))


# ---------------------------------------------------------------------------------------- template


@pytest.mark.parametrize(("kind", "way", "header"), [
    ("daily", "employee", ["姓名", "证件类型", "证件号码", "新缴费工资", "生效年月"]),
    ("annual", "employee", ["姓名", "证件类型", "证件号码", "新缴费工资"]),
    ("daily", "item", ["姓名", "证件类型", "证件号码", "基本养老保险费缴费工资", "失业保险费缴费工资", "生效年月"]),
    ("annual", "item", ["姓名", "证件类型", "证件号码", "基本养老保险费缴费工资", "失业保险费缴费工资"]),
])
def test_template_has_the_manuals_header_validation_and_a_hidden_signature(kind, way, header):
    wb = load_workbook(io.BytesIO(template_xlsx(kind, way, ITEMS)))
    assert wb.sheetnames[0] == DATA_SHEET
    ws = wb[DATA_SHEET]
    assert [c.value for c in ws[1]] == header
    assert ws.freeze_panes == "A2"
    assert wb[SIGNATURE_SHEET].sheet_state == "veryHidden"
    assert wb["填写说明"].sheet_state == "visible"
    signature = {r[0]: r[1] for r in wb[SIGNATURE_SHEET].iter_rows(values_only=True) if r[0] != "column"}
    assert signature["kind"] == kind and signature["way"] == way and signature["version"] == "1"
    kinds = sorted(dv.type for dv in ws.data_validations.dataValidation)
    expected = ["decimal"] * (1 if way == "employee" else 2) + ["list"] + (["textLength"] if kind == "daily" else [])
    assert kinds == sorted(expected)
    # ID numbers and months are text columns, so Excel keeps 18 digits and "2026-11" as typed
    id_col = ws.column_dimensions["C"]
    assert id_col.number_format == "@"
    notes = " ".join(str(r[0]) for r in wb["填写说明"].iter_rows(values_only=True) if r[0])
    assert "YYYY-MM" in notes if kind == "daily" else "无需填写生效年月" in notes


def test_item_template_needs_items_and_kind_way_are_checked():
    with pytest.raises(RuleViolation) as info:
        template_xlsx("daily", "item", [])
    assert info.value.code == "NO_ITEMS"
    with pytest.raises(RuleViolation):
        template_xlsx("monthly", "employee", ITEMS)  # type: ignore[arg-type]


def test_empty_template_reads_as_no_rows():
    for kind in ("daily", "annual"):
        for way in ("employee", "item"):
            parsed = read_wage_file(template_xlsx(kind, way, ITEMS), kind, way, ITEMS)
            result = check_rows(parsed, ROSTER, INSURED, CURRENT)
            assert parsed.rows == 0 and result.good.empty and result.errors.empty


# ------------------------------------------------------------------------------- whole-file refusal


def _plain_xlsx() -> bytes:
    buf = io.BytesIO()
    export_dataframe(pd.DataFrame({"姓名": ["张三"], "证件类型": ["居民身份证"], "证件号码": [ID1],
                                   "新缴费工资": ["5000"], "生效年月": ["2026-11"]}), buf)
    return buf.getvalue()


def _tampered(mutate) -> bytes:
    wb = load_workbook(io.BytesIO(filled("daily", "employee", [["张三", "居民身份证", ID1, 5000, "2026-11"]])))
    mutate(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _set_sig(wb, key, value):
    for row in wb[SIGNATURE_SHEET].iter_rows():
        if row[0].value == key:
            row[1].value = value


@pytest.mark.parametrize(("data", "words"), [
    (b"", "不是有效的Excel"),
    (b"PK\x03\x04 not really a zip", "不是有效的Excel"),
    ("姓名,证件号码\n张三,1".encode(), "不是有效的Excel"),
    (_plain_xlsx(), "不是“日常缴费工资申报-按职工申报”的导入模板"),
    (template_xlsx("annual", "employee", ITEMS), "是“年度缴费工资申报-按职工申报”的导入模板"),
    (template_xlsx("daily", "item", ITEMS), "是“日常缴费工资申报-按险种申报”的导入模板"),
    (_tampered(lambda wb: setattr(wb[DATA_SHEET]["D1"], "value", "工资")), "表头与模板不一致"),
    (_tampered(lambda wb: wb[DATA_SHEET].delete_cols(5)), "表头与模板不一致"),
    (_tampered(lambda wb: _set_sig(wb, "version", "0")), "版本"),
    (_tampered(lambda wb: _set_sig(wb, "kind", "annual")), "年度缴费工资申报"),
    (_tampered(lambda wb: setattr(wb[SIGNATURE_SHEET]["A1"], "value", "别的模板")), "请先下载本页面的导入模板"),
    (_tampered(lambda wb: wb.remove(wb[SIGNATURE_SHEET])), "请先下载本页面的导入模板"),
    (_tampered(lambda wb: setattr(wb[DATA_SHEET], "title", "Sheet1")), "请先下载本页面的导入模板"),
])
def test_a_file_that_is_not_this_pages_template_is_refused_as_a_whole(data, words):
    with pytest.raises(RuleViolation) as info:
        read_wage_file(data, "daily", "employee", ITEMS)
    assert info.value.code == "NOT_OUR_TEMPLATE"
    assert words in info.value.message
    assert info.value.message.isascii() is False


def test_header_marks_and_spaces_are_tolerated():
    data = _tampered(lambda wb: setattr(wb[DATA_SHEET]["A1"], "value", "*姓 名"))
    assert read_wage_file(data, "daily", "employee", ITEMS).rows == 1


def test_too_many_rows_refused_before_reading(monkeypatch):
    monkeypatch.setattr(wage_import, "MAX_IMPORT_ROWS", 3)
    rows = [["张三", "居民身份证", ID1, 5000, "2026-11"]] * 4
    with pytest.raises(RuleViolation) as info:
        read_wage_file(filled("daily", "employee", rows), "daily", "employee", ITEMS)
    assert info.value.code == "TOO_MANY_ROWS" and "3行" in info.value.message


# ------------------------------------------------------------------------------------- row checks


def test_good_rows_are_ready_for_the_draft():
    result = run("daily", "employee", [
        ["张三", "居民身份证", ID1, 5000, "2026-11"],
        [" 李四 ", "居民身份证", ID2.lower(), "6,000.5", "2026-09"],        # back pay; x in lower case
        [None, None, None, None, None],                                       # blank row: skipped
        ["陈大文", "港澳居民来往内地通行证", ID6, 7000.25, dt.datetime(2027, 1, 1)],  # a date cell; 长期
    ])
    assert errors_of(result) == []
    good = result.good
    assert good["row"].tolist() == [2, 3, 5]
    assert good["employee_id"].tolist() == ["E1", "E2", "E6"]
    assert good["item_code"].tolist() == [None, None, None]
    assert good["wage"].tolist() == [Decimal("5000.00"), Decimal("6000.50"), Decimal("7000.25")]
    assert all(isinstance(w, Decimal) for w in good["wage"].tolist())
    assert good["month"].tolist() == ["2026-11", "2026-09", "2027-01"]
    assert good["back_pay"].tolist() == [False, True, False]
    assert result.rows == 3 and result.bad_rows == 0 and "全部通过" in result.message


def test_each_bad_row_is_reported_with_row_column_and_reason():
    result = run("daily", "employee", [
        ["张三", "居民身份证", ID1, 5000, "2026-11"],                       # 2 good
        ["张三", "居民身份证", "330102199909091111", 5000, "2026-11"],      # 3 unknown employee
        ["张四", "居民身份证", ID1, 5000, "2026-11"],                       # 4 wrong name, repeats row 2
        ["李四", "护照", ID2, 5000, "2026-10"],                             # 5 ID type mismatch
        ["王五", "居民身份证", ID3, "12.345", "2026-12"],                   # 6 three decimals
        ["赵六", "居民身份证", ID4, -5, "2026-11"],                         # 7 negative; only 代征 items
        ["钱七", "居民身份证", ID5, "abc", "2026-11"],                      # 8 text; no items at all
        ["陈大文", "港澳居民来往内地通行证", ID6, 0, "2026-11"],            # 9 zero
        ["李四", "居民身份证", ID2, 5000, "2026-11"],                       # 10 after stop month; repeat
        ["王五", "居民身份证", ID3, 5000, "2026-11"],                       # 11 before start month; repeat
        ["", "", "", "", ""],                                              # 12 blank: skipped
        ["王五", None, None, None, None],                                  # 13 empties
        ["王五", "居民身份证", 330102199203031234, 5000, "2026-12"],        # 14 ID typed as a number
        ["王五", "居民身份证", "330102199203031235", 5000, "2026/12"],      # 15 unknown ID; month format
    ])
    assert result.good["row"].tolist() == [2]
    assert errors_of(result) == [
        (3, "证件号码", "本单位没有该证件号码的职工，请核对证件号码"),
        (4, "姓名", "姓名与该证件号码登记的职工姓名不一致"),
        (4, "证件号码", "与第2行是同一职工，重复填写"),
        (5, "证件类型", "证件类型与登记的不一致（登记为居民身份证）"),
        (6, "新缴费工资", "新缴费工资最多保留两位小数（到分）"),
        (7, "证件号码", "该职工的险种均为税务代征，无需申报缴费工资"),
        (7, "新缴费工资", "新缴费工资必须大于0"),
        (8, "证件号码", "该职工没有参保险种，无需申报缴费工资"),
        (8, "新缴费工资", "新缴费工资“abc”不是有效的数字"),
        (9, "新缴费工资", "新缴费工资必须大于0"),
        (10, "证件号码", "与第5行是同一职工，重复填写"),
        (10, "生效年月", "生效年月2026-11晚于该职工的终止缴费年月2026-10，不能申报"),
        (11, "证件号码", "与第6行是同一职工，重复填写"),
        (11, "生效年月", "生效年月2026-11早于该职工的开始缴费年月2026-12，不能申报"),
        (13, "证件类型", "证件类型不能为空"),
        (13, "证件号码", "证件号码不能为空"),
        (13, "新缴费工资", "新缴费工资不能为空"),
        (13, "生效年月", "生效年月不能为空"),
        (14, "证件号码", "证件号码被存成了数字，末几位已丢失，请将该列设为文本后重新填写"),
        (15, "证件号码", "本单位没有该证件号码的职工，请核对证件号码"),
        (15, "生效年月", "生效年月“2026/12”格式不正确，应为YYYY-MM（如2026-01）"),
    ]
    assert result.rows == 13 and result.bad_rows == 12
    assert result.message == "共13行，通过校验1行，12行有错误，请查看错误明细"


def test_errors_of_a_row_follow_the_column_order():
    result = run("daily", "employee", [["张四", "护照", ID1, "-1", "2026-13"]])
    assert [c for _, c, _ in errors_of(result)] == ["姓名", "证件类型", "新缴费工资", "生效年月"]


def test_duplicate_reports_only_the_later_rows():
    result = run("annual", "employee", [
        ["张三", "居民身份证", ID1, 5000],
        ["张三", "居民身份证", " " + ID1 + " ", 5100],
        ["张三", "居民身份证", ID1, 5200],
    ])
    assert result.good["row"].tolist() == [2]
    assert result.good["month"].tolist() == [None]
    assert errors_of(result) == [(3, "证件号码", "与第2行是同一职工，重复填写"),
                                 (4, "证件号码", "与第2行是同一职工，重复填写")]


def test_annual_needs_no_month_and_ignores_stop_months():
    result = run("annual", "employee", [["李四", "居民身份证", ID2, 4321.1]])
    assert errors_of(result) == []
    assert result.good["wage"].tolist() == [Decimal("4321.10")]
    assert result.good["back_pay"].tolist() == [False]


def test_by_item_one_entry_per_filled_item_and_a_bad_item_refuses_the_whole_row():
    result = run("daily", "item", [
        ["张三", "居民身份证", ID1, 5000, 5100, "2026-11"],    # 2 both items
        ["李四", "居民身份证", ID2, None, 6000, "2026-10"],    # 3 one item
        ["陈大文", "港澳居民来往内地通行证", ID6, 7000, 7000, "2026-11"],  # 4 10202 is 代征 for E6
        ["王五", "居民身份证", ID3, 5000, 5000, "2026-12"],    # 5 not insured for 10202
        ["张三", "居民身份证", ID1, None, 5200, "2026-12"],    # 6 repeats 10202 of row 2
        ["李四", "居民身份证", ID2, 6100, None, "2026-10"],    # 7 10201 of E2 first time: good
        ["张三", "居民身份证", ID1, None, None, "2026-11"],    # 8 no item at all
        ["李四", "居民身份证", ID2, "1.001", 6000, "2026-10"],  # 9 bad wage + repeat of 10202
    ])
    good = result.good
    assert list(zip(good["row"], good["employee_id"], good["item_code"], good["wage"], strict=True)) == [
        (2, "E1", "10201", Decimal("5000.00")), (2, "E1", "10202", Decimal("5100.00")),
        (3, "E2", "10202", Decimal("6000.00")), (7, "E2", "10201", Decimal("6100.00")),
    ]
    assert errors_of(result) == [
        (4, "失业保险费缴费工资", "该险种为税务代征，无需申报缴费工资"),
        (5, "失业保险费缴费工资", "该职工未参保该险种"),
        (6, "失业保险费缴费工资", "该职工的该险种与第2行重复"),
        (8, "险种缴费工资", "请至少填写一个险种的缴费工资"),
        (9, "基本养老保险费缴费工资", "基本养老保险费缴费工资最多保留两位小数（到分）"),
        (9, "基本养老保险费缴费工资", "该职工的该险种与第7行重复"),
        (9, "失业保险费缴费工资", "该职工的该险种与第3行重复"),
    ]
    assert result.rows == 8 and result.bad_rows == 5


def test_a_template_item_the_unit_no_longer_has_is_reported_per_row():
    items = [*ITEMS, ("10203", "基本医疗保险费")]
    result = run("annual", "item", [["张三", "居民身份证", ID1, None, None, 5000]], items=items)
    assert errors_of(result) == [(2, "基本医疗保险费缴费工资", "该职工未参保该险种")]


@pytest.mark.parametrize(("cell", "expected"), [
    (1234.5, Decimal("1234.50")), (1300, Decimal("1300.00")), ("1300", Decimal("1300.00")),
    (" 0.01 ", Decimal("0.01")), (99999999.99, Decimal("99999999.99")), ("１２３", Decimal("123.00")),
])
def test_wage_cells_numbers_or_text(cell, expected):
    result = run("annual", "employee", [["张三", "居民身份证", ID1, cell]])
    assert errors_of(result) == [] and result.good["wage"].tolist() == [expected]


@pytest.mark.parametrize(("cell", "reason"), [
    (1234.567, "新缴费工资最多保留两位小数（到分）"), (1e20, "新缴费工资超出允许的范围"),
    (100000000, "新缴费工资不能超过99999999.99元"), (True, "新缴费工资“TRUE”不是有效的数字"),
    (dt.datetime(2026, 11, 1), "新缴费工资“2026-11-01”不是有效的数字"), ("nan", "新缴费工资“nan”不是有效的数字"),
    ("=1+1", "新缴费工资不能为空"),   # a formula without a cached value reads as empty, never evaluated
    (-0.0, "新缴费工资必须大于0"),
])
def test_wage_cells_refused(cell, reason):
    result = run("annual", "employee", [["张三", "居民身份证", ID1, cell]])
    assert errors_of(result) == [(2, "新缴费工资", reason)] and result.good.empty


@pytest.mark.parametrize(("cell", "month"), [
    ("2026-11", "2026-11"), (" 2026-12 ", "2026-12"), (dt.datetime(2026, 12, 1), "2026-12"),
    (dt.date(2026, 1, 1), "2026-01"),
])
def test_month_cells_accepted(cell, month):
    result = run("daily", "employee", [["张三", "居民身份证", ID1, 5000, cell]])
    assert errors_of(result) == [] and result.good["month"].tolist() == [month]


@pytest.mark.parametrize("cell", ["2026-1", "202611", 202611, dt.datetime(2026, 11, 15), "二〇二六年十一月", "2026-11-01"])
def test_month_cells_refused(cell):
    result = run("daily", "employee", [["张三", "居民身份证", ID1, 5000, cell]])
    assert len(errors_of(result)) == 1
    assert errors_of(result)[0][1] == "生效年月" and "格式不正确" in errors_of(result)[0][2]


def test_roster_with_extra_columns_and_arrow_strings():
    roster = ROSTER.assign(extra=1).astype({"name": "string[pyarrow]", "id_number": "string[pyarrow]"})
    parsed = read_wage_file(filled("annual", "employee", [["张三", "居民身份证", ID1, 5000]]), "annual", "employee")
    result = check_rows(parsed, roster, INSURED, CURRENT)
    assert result.good["employee_id"].tolist() == ["E1"]


def test_empty_roster_reports_every_row_unknown():
    empty = ROSTER.iloc[0:0]
    parsed = read_wage_file(filled("annual", "employee", [["张三", "居民身份证", ID1, 5000]]), "annual", "employee")
    result = check_rows(parsed, empty, INSURED.iloc[0:0], CURRENT)
    assert errors_of(result) == [(2, "证件号码", "本单位没有该证件号码的职工，请核对证件号码")]


def test_error_report_xlsx_reads_back_unchanged_and_never_as_a_formula():
    result = run("annual", "employee", [["=HYPERLINK(\"x\")", "居民身份证", "+1-2", "@SUM(A1)"]])
    data = error_report_xlsx(result.errors)
    wb = load_workbook(io.BytesIO(data))
    ws = wb.active
    rows = [tuple(r) for r in ws.iter_rows(values_only=True)]
    assert rows[0] == ("行号", "列", "原因")
    assert rows[1:] == [tuple(r) for r in result.errors.itertuples(index=False, name=None)]
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


# -------------------------------------------------------- the column checks equal the scalar rules


@settings(max_examples=300, deadline=None)
@given(st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-10**20, max_value=10**20).map(float),
    st.decimals(min_value=-10, max_value=10**9, places=3, allow_nan=False).map(float),
    st.decimals(min_value=0, max_value=10**8, places=2, allow_nan=False).map(float),
))
def test_number_cells_follow_parse_wage_of_their_text(x):
    cents, valid, reasons = wage_import._wages(np.array([x], dtype=object), np.array(["新缴费工资"], dtype=object))
    try:
        expected = parse_wage(repr(x))
    except RuleViolation:
        expected = None
    if expected is None:
        assert not valid[0] and 0 in reasons
    else:
        assert valid[0] and Decimal(int(cents[0])).scaleb(-2) == expected


# ------------------------------------------------------------------------------- the property test

_ALPHABET = st.characters(blacklist_categories=("Cs", "Cc"))
_TEXT = st.text(_ALPHABET, max_size=12)
_ANY = st.one_of(
    st.none(), _TEXT, st.sampled_from(["", " ", "=1+1", "=A1", "+1", "@x", "-5", "1e3", "NaN", "inf", "１２３"]),
    st.integers(min_value=-10**20, max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.decimals(min_value=-1, max_value=10**6, places=2, allow_nan=False).map(float),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 1, 1)),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 1, 1)),
    st.booleans(),
)
_PERSON = st.sampled_from(list(ROSTER.itertuples(index=False)))


@st.composite
def _cell_row(draw, width: int, wage_cols: list[int], month_col: int | None, person=None):
    """A row that is mostly plausible (so good rows occur) with arbitrary cells mixed in."""
    p = person if person is not None else draw(_PERSON)
    row: list[Any] = [draw(st.sampled_from([p.name, p.name, " " + p.name, "张四"])),
                      draw(st.sampled_from([p.id_type, p.id_type, "居民身份证", "外国护照"])),
                      draw(st.sampled_from([p.id_number, p.id_number, p.id_number.lower(), "330102199909091111"]))]
    row += [draw(st.sampled_from([None, 3000, "4500.5", 1234.56, 8000, 0, -100.5, 12.345, "1,000", "0.001"]))
            for _ in wage_cols]
    if month_col is not None:
        row.append(draw(st.sampled_from(["2026-11", "2026-09", "2027-03", "2019-01", dt.datetime(2026, 12, 1)])))
    if draw(st.booleans()):  # half the rows get arbitrary cells mixed in
        for i in range(width):
            if draw(st.integers(0, 2)) == 0:
                row[i] = draw(_ANY)
    return row


def _oracle_good(cells: list[list[Any]], kind: str, way: str, n_items: int) -> dict[int, list[tuple]]:
    """Spreadsheet row -> [(employee_id, item_code, wage, month)] by the scalar rules, cell by cell."""
    by_id = {r.id_number.upper(): r for r in ROSTER.itertuples(index=False)}
    insured = {(r.employee_id, r.item_code): r.collection_mode for r in INSURED.itertuples(index=False)}
    codes = [c for c, _ in ITEMS][:n_items]

    def text(v):
        return "" if v is None else (v.strip() if isinstance(v, str) else cell_text(v))

    seen: set[tuple[str, str]] = set()
    good: dict[int, list[tuple]] = {}
    for number, raw in enumerate(cells[1:], start=2):
        if all(text(v) == "" for v in raw):
            continue
        name, id_type, id_number = (text(v) for v in raw[:3])
        key = "".join(id_number.split()).upper()
        wage_cells = raw[3:3 + (1 if way == "employee" else n_items)]
        month_cell = raw[-1] if kind == "daily" else None
        ok = bool(name and id_type and key)
        if isinstance(raw[2], int | float) and len(key) >= 16:
            ok = False
        person = by_id.get(key)
        ok = ok and person is not None
        if person is not None:
            ok = ok and "".join(name.split()) == "".join(person.name.split()) and id_type == person.id_type
        month = None
        if kind == "daily":
            try:
                if isinstance(month_cell, dt.date):
                    plain_day = not isinstance(month_cell, dt.datetime) or month_cell.time() == dt.time(0)
                    if month_cell.day != 1 or not plain_day:
                        raise RuleViolation("MONTH_FORMAT", "")
                    month = f"{month_cell.year:04d}-{month_cell.month:02d}"
                else:
                    month = parse_month(month_cell if isinstance(month_cell, str) else text(month_cell) or "x")
                if person is not None:
                    check_effective_month(month, CURRENT, person.start_month, person.stop_month)
            except RuleViolation:
                ok = False
        entries = []
        pairs = list(zip([None] if way == "employee" else codes, wage_cells, strict=True))
        if way == "item":
            pairs = [(c, v) for c, v in pairs if text(v) != ""]
            ok = ok and bool(pairs)
        for code, cell in pairs:
            try:
                if isinstance(cell, bool | dt.date | dt.time):
                    raise RuleViolation("MONEY_FORMAT", "")
                wage = parse_wage(repr(cell) if isinstance(cell, float | int) else (cell if cell is not None else ""))
            except RuleViolation:
                ok = False
                continue
            if person is not None:
                if way == "employee":
                    ok = ok and any(m == "税务自主" for (e, _), m in insured.items() if e == person.employee_id)
                else:
                    ok = ok and insured.get((person.employee_id, code)) == "税务自主"
            entries.append((person.employee_id if person is not None else None, code, wage, month))
        for code, _ in pairs:
            if key:
                if (key, code or "") in seen:
                    ok = False
                seen.add((key, code or ""))
        if ok:
            good[number] = entries
    return good


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.sampled_from([("daily", "employee"), ("annual", "employee"), ("daily", "item"), ("annual", "item")]),
       st.data())
def test_any_cells_give_a_row_report_and_never_a_bad_row_among_the_good(page, data):
    kind, way = page
    n_items = len(ITEMS) if way == "item" else 0
    width = 3 + (1 if way == "employee" else n_items) + (1 if kind == "daily" else 0)
    wage_cols = list(range(3, 3 + (1 if way == "employee" else n_items)))
    month_col = width - 1 if kind == "daily" else None
    # every employee once (so each rule gets its chance), then arbitrary extra rows, shuffled
    people = [data.draw(_cell_row(width, wage_cols, month_col, person=p)) for p in ROSTER.itertuples(index=False)]
    extra = data.draw(st.lists(_cell_row(width, wage_cols, month_col), max_size=6))
    rows = data.draw(st.permutations(people + extra))
    blob = filled(kind, way, rows)
    try:
        parsed = read_wage_file(blob, kind, way, ITEMS)
    except RuleViolation as exc:  # our own template is never refused as a whole
        raise AssertionError(f"template refused: {exc}") from exc
    result = check_rows(parsed, ROSTER, INSURED, CURRENT)
    assert list(result.errors.columns) == ["行号", "列", "原因"]
    assert result.errors["原因"].map(lambda r: isinstance(r, str) and r != "").all()
    # the oracle reads the same cells itself and applies the scalar rules row by row
    cells = CalamineWorkbook.from_filelike(io.BytesIO(blob)).get_sheet_by_name(DATA_SHEET).to_python(
        skip_empty_area=False)
    cells = [list(r) + [""] * (width - len(r)) for r in cells]
    expected = _oracle_good(cells, kind, way, n_items)
    good_rows = set(result.good["row"].tolist())
    bad_rows = set(result.errors["行号"].tolist())
    assert good_rows == set(expected), (rows, result.errors)
    assert not good_rows & bad_rows
    got = sorted(zip(result.good["row"], result.good["employee_id"], result.good["item_code"].fillna("-"),
                     result.good["wage"], result.good["month"].fillna("-"), strict=True))
    want = sorted((r, e, c or "-", w, m or "-") for r, entries in expected.items() for e, c, w, m in entries)
    assert got == want
    assert result.rows == len(good_rows | bad_rows)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.lists(_ANY, min_size=0, max_size=7), max_size=6), st.booleans())
def test_a_foreign_workbook_of_any_cells_is_refused_as_a_whole(rows, with_header):
    wb = Workbook()
    ws = wb.active
    if with_header:
        ws.append(["姓名", "证件类型", "证件号码", "新缴费工资", "生效年月"])
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(RuleViolation) as info:
        read_wage_file(out.getvalue(), "daily", "employee", ITEMS)
    assert info.value.code == "NOT_OUR_TEMPLATE"
