"""sbflib.io.templates: the 批量导入分组 and 批量编辑职工分组 templates, download and import."""

from __future__ import annotations

import io
import re
import time
import zipfile

import openpyxl
import pandas as pd
import pytest
import xlsxwriter

from sbflib.errors import ValidationError
from sbflib.io.row_errors import RowError, row_errors_to_dataframe
from sbflib.io.templates import (
    EMPLOYEE_GROUP_COLUMNS,
    GROUP_COLUMNS,
    MAX_IMPORT_ROWS,
    employee_group_template_bytes,
    group_template_bytes,
    parse_employee_group_template,
    parse_group_template,
    parse_group_template_rows,
)
from sbflib.io.xlsx import read_table

ID_A = "11010519491231002X"
ID_B = "110101199003074477"


def _filled(template: bytes, rows: list[list]) -> bytes:
    """The template with its data rows replaced by `rows`, as a clerk would save it."""
    wb = openpyxl.load_workbook(io.BytesIO(template))
    ws = wb.worksheets[0]
    ws.delete_rows(2, ws.max_row)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ------------------------------------------------------------------------------------------- RowError


def test_row_error_str_and_validation_error():
    err = RowError(3, "证件号码", "不能为空")
    assert str(err) == "第3行【证件号码】：不能为空"
    assert str(err.to_validation_error()) == str(err)


def test_row_errors_to_dataframe_sorted_by_row():
    df = row_errors_to_dataframe([RowError(5, "分组", "b"), RowError(2, "姓名", "a")])
    assert list(df.columns) == ["行号", "列", "原因"]
    assert df.values.tolist() == [[2, "姓名", "a"], [5, "分组", "b"]]
    assert row_errors_to_dataframe([]).empty


# --------------------------------------------------------------------------------------- group template


def test_group_template_has_header_example_and_rules():
    wb = openpyxl.load_workbook(io.BytesIO(group_template_bytes()))
    assert wb.sheetnames[1] == "填写说明"
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]] == GROUP_COLUMNS
    assert [c.value for c in ws[2]] == ["行政部", "综合科", "文秘组"]
    rules = "\n".join(str(c.value) for c in wb["填写说明"]["A"])
    assert "3级" in rules and "不能为空" in rules and "不可重复" in rules


def test_group_template_round_trip():
    assert parse_group_template(group_template_bytes()) == ([("行政部", "综合科", "文秘组")], [])


def test_parse_group_template_paths_of_one_to_three_levels():
    data = _filled(
        group_template_bytes(),
        [["A1"], ["A1", "A11"], [" A1 ", "A11", "A111"], ["A1", "A11"], ["B1", None, None]],
    )
    paths, errors = parse_group_template(data)
    assert errors == []
    assert paths == [("A1",), ("A1", "A11"), ("A1", "A11", "A111"), ("B1",)]
    rows, _ = parse_group_template_rows(data)
    assert [r for r, _ in rows] == [2, 3, 4, 6]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (["A1", None, "A111"], [RowError(2, "二级分组", "填写了三级分组时，二级分组不能为空")]),
        ([None, "A11"], [RowError(2, "一级分组", "填写了二级分组时，一级分组不能为空")]),
        (
            [None, None, "x"],
            [
                RowError(2, "一级分组", "填写了三级分组时，一级分组不能为空"),
                RowError(2, "二级分组", "填写了三级分组时，二级分组不能为空"),
            ],
        ),
        (["   ", None, None, "备注"], [RowError(2, "一级分组", "分组名称不能为空")]),
        (["A" * 51], [RowError(2, "一级分组", "分组名称不能超过50个字")]),
        (["A1", "A-11"], [RowError(2, "二级分组", "分组名称不能包含“-”")]),
    ],
)
def test_parse_group_template_bad_rows(row, expected):
    template = group_template_bytes()
    wb = openpyxl.load_workbook(io.BytesIO(template))
    wb.worksheets[0]["D1"] = "备注"  # an extra column lets a row with no group name be non-blank
    out = io.BytesIO()
    wb.save(out)
    paths, errors = parse_group_template(_filled(out.getvalue(), [row, ["OK"]]))
    assert errors == expected
    assert paths == [("OK",)]


def test_parse_group_template_missing_column_and_not_xlsx():
    wb = openpyxl.Workbook()
    wb.active.append(["一级分组", "二级分组"])
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(ValidationError) as info:
        parse_group_template(out.getvalue())
    assert info.value.field == "三级分组"
    with pytest.raises(ValidationError, match=r"文件不是有效的Excel\(\.xlsx\)文件"):
        parse_group_template(b"a,b,c\n1,2,3\n")


# ------------------------------------------------------------------------------ employee group template


def test_employee_template_empty_has_header_and_rules():
    wb = openpyxl.load_workbook(io.BytesIO(employee_group_template_bytes()))
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]] == EMPLOYEE_GROUP_COLUMNS
    assert ws.max_row == 1
    assert "填写说明" in wb.sheetnames


def test_employee_template_prefilled_with_full_id_numbers_round_trips(tmp_path):
    employees = pd.DataFrame(
        {
            "name": ["张三", "=李四"],
            "id_type": ["居民身份证", "居民身份证"],
            "id_number": [ID_A, ID_B],
            "group": ["A1-A11", None],
        }
    )
    data = employee_group_template_bytes(employees)
    ws = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    assert [c.value for c in ws[2]] == ["张三", "居民身份证", ID_A, "A1-A11"]
    assert ws["C2"].data_type == "s" and ws["C2"].number_format == "@"
    assert ws["A3"].value == "=李四" and ws["A3"].quotePrefix
    # the clerk fills the missing group and saves the file
    path = tmp_path / "filled.xlsx"
    wb = openpyxl.load_workbook(io.BytesIO(data))
    wb.worksheets[0]["D3"] = "B1 / B11"
    wb.save(path)
    frame, errors = parse_employee_group_template(path)
    assert errors == []
    assert frame.to_dict("records") == [
        {"row": 2, "name": "张三", "id_type": "居民身份证", "id_number": ID_A, "group_path": "A1-A11"},
        {"row": 3, "name": "=李四", "id_type": "居民身份证", "id_number": ID_B, "group_path": "B1-B11"},
    ]


def test_employee_template_accepts_chinese_column_names():
    employees = pd.DataFrame(
        {"姓名": ["张三"], "证件类型": ["居民身份证"], "证件号码": [ID_A], "分组": ["A1"]}
    )
    frame, errors = parse_employee_group_template(employee_group_template_bytes(employees))
    assert errors == [] and frame["group_path"].tolist() == ["A1"]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (["张三", "居民身份证", None, "A1"], [RowError(2, "证件号码", "不能为空")]),
        (["张三", None, ID_A, "A1"], [RowError(2, "证件类型", "不能为空")]),
        (["张三", "居民身份证", ID_A, None], [RowError(2, "分组", "不能为空")]),
        (
            ["张三", "居民身份证", ID_A, "A1--A111"],
            [RowError(2, "分组", "分组路径格式不正确，应为“一级-二级-三级”，如“行政部-综合科-文秘组”")],
        ),
        (["张三", "居民身份证", ID_A, "A-B-C-D"], [RowError(2, "分组", "分组层级最多为3级")]),
        (["张三", "居民身份证", "110105194912310021", "A1"], [RowError(2, "证件号码", "校验码错误")]),
        (
            ["张三", "居民身份证", None, None],
            [
                RowError(2, "证件号码", "不能为空"),
                RowError(2, "分组", "不能为空"),
            ],
        ),
    ],
)
def test_parse_employee_group_template_bad_rows(row, expected):
    data = _filled(employee_group_template_bytes(), [row, ["李四", "居民身份证", ID_B, "A1"]])
    frame, errors = parse_employee_group_template(data)
    assert errors == expected
    assert frame["row"].tolist() == [3]


def test_parse_employee_group_template_other_id_types_and_duplicates():
    data = _filled(
        employee_group_template_bytes(),
        [
            ["Tom", "外国人护照", "e1234567", "A1"],
            ["张三", "居民身份证", ID_A.lower(), "A1"],
            ["张三", "居民身份证", ID_A, "B1"],
        ],
    )
    frame, errors = parse_employee_group_template(data)
    assert frame["id_number"].tolist() == ["E1234567", ID_A]
    assert errors == [RowError(4, "证件号码", "与第3行重复")]


def test_parse_employee_group_template_missing_column():
    wb = openpyxl.Workbook()
    wb.active.append(["姓名", "证件类型", "证件号码"])
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(ValidationError) as info:
        parse_employee_group_template(out.getvalue())
    assert info.value.field == "分组"


# ------------------------------------------------------------------------------------------ row cap


def _big_file(columns: list[str], row: tuple, data_rows: int) -> bytes:
    """A file of `data_rows` copies of `row`, written fast (xlsxwriter constant memory)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, columns)
    for r in range(1, data_rows + 1):
        sheet.write_row(r, 0, row)
    book.close()
    return buffer.getvalue()


def _without_dimension(data: bytes) -> bytes:
    """The same file with the sheet's recorded size removed, as some writers leave it."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                content = re.sub(rb"<dimension [^>]*/>", b"", content)
            target.writestr(item, content)
    return out.getvalue()


def test_import_of_more_rows_than_the_cap_is_refused_before_reading_the_rows():
    assert MAX_IMPORT_ROWS == 100_000
    data = _big_file(EMPLOYEE_GROUP_COLUMNS, ("张三", "居民身份证", ID_B, "行政部"), MAX_IMPORT_ROWS + 1)
    started = time.perf_counter()
    with pytest.raises(ValidationError, match="100000行"):
        parse_employee_group_template(data)
    assert time.perf_counter() - started < 1.0   # refused from the sheet's size, not row by row
    groups = _big_file(GROUP_COLUMNS, ("行政部", "", ""), MAX_IMPORT_ROWS + 1)
    with pytest.raises(ValidationError, match="100000行"):
        parse_group_template_rows(groups)


def test_row_cap_holds_when_the_sheet_records_no_size():
    data = _without_dimension(_big_file(["姓名"], ("张三",), 12))
    assert len(read_table(data, required=["姓名"], max_rows=12)) == 12
    with pytest.raises(ValidationError, match="11行"):
        read_table(data, required=["姓名"], max_rows=11)
