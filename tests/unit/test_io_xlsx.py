"""sbflib.io.xlsx: export round trips through openpyxl, formula neutralising, template reading."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

import openpyxl
import pandas as pd
import pyarrow as pa
import pytest
import xlsxwriter

from sbflib.errors import ValidationError
from sbflib.io.xlsx import (
    MONEY_FORMAT,
    NOT_XLSX,
    WORKBOOK_OPTIONS,
    display_width,
    export_batches,
    export_dataframe,
    is_formula_like,
    read_table,
)


def export_floor(rows, columns, path) -> None:
    """Plain xlsxwriter constant-memory writing: the baseline export_batches is measured against."""
    workbook = xlsxwriter.Workbook(path, WORKBOOK_OPTIONS)
    worksheet = workbook.add_worksheet()
    worksheet.write_row(0, 0, columns)
    for i, row in enumerate(rows, start=1):
        worksheet.write_row(i, 0, row)
    workbook.close()


def _sheet_values(path):
    ws = openpyxl.load_workbook(path).active
    return [[c.value for c in row] for row in ws.iter_rows()]


@pytest.fixture
def sample() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "姓名": ["张三", "=1+1", None, "欧阳-娜娜"],
            "缴费工资": [Decimal("5000.00"), Decimal("1234.56"), None, Decimal("0.10")],
            "人数": [3, None, 1, 0],
            "比例": [0.16, float("nan"), 0.5, 1.0],
            "参保日期": [dt.date(2024, 1, 2), None, dt.date(2023, 12, 31), dt.date(2020, 5, 1)],
            "所属期": ["2024-01", "2024-02", None, "2024-12"],
            "更新时间": pd.to_datetime(
                ["2024-03-01 08:30:00", None, "2024-03-02 00:00:00", "2024-03-03 23:59:59"]
            ),
        }
    )


def test_export_round_trip_equals_dataframe(tmp_path, sample):
    path = tmp_path / "out.xlsx"
    export_dataframe(sample, path, sheet_name="职工")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["职工"]
    values = _sheet_values(path)
    assert values[0] == list(sample.columns)
    assert values[1] == ["张三", 5000, 3, 0.16, "2024-01-02", "2024-01", "2024-03-01 08:30:00"]
    assert values[2] == ["=1+1", 1234.56, None, None, None, "2024-02", None]
    assert values[3] == [None, None, 1, 0.5, "2023-12-31", None, "2024-03-02 00:00:00"]
    assert values[4] == ["欧阳-娜娜", 0.1, 0, 1, "2020-05-01", "2024-12", "2024-03-03 23:59:59"]


def test_formula_text_is_kept_literal_with_quote_prefix(tmp_path):
    df = pd.DataFrame({"备注": ["=1+1", "+86 138", "-5", "@SUM(A1)", "正常", "a=b"]})
    path = tmp_path / "f.xlsx"
    export_dataframe(df, path)
    ws = openpyxl.load_workbook(path).active
    cells = [ws.cell(row=r, column=1) for r in range(2, 8)]
    assert [c.value for c in cells] == df["备注"].tolist()
    assert all(c.data_type == "s" for c in cells)
    assert [c.quotePrefix for c in cells] == [True, True, True, True, False, False]


def test_header_bold_frozen_and_money_format(tmp_path, sample):
    path = tmp_path / "h.xlsx"
    export_dataframe(sample, path)
    ws = openpyxl.load_workbook(path).active
    assert ws.freeze_panes == "A2"
    assert all(c.font.b for c in ws[1])
    assert ws["B2"].number_format == MONEY_FORMAT
    assert ws["C2"].number_format == "General"


def test_column_widths_count_chinese_double(tmp_path):
    df = pd.DataFrame({"name": ["中华人民共和国社会保险"], "code": ["ab"]})
    path = tmp_path / "w.xlsx"
    export_dataframe(df, path)
    ws = openpyxl.load_workbook(path).active
    assert ws.column_dimensions["A"].width > 20 > ws.column_dimensions["B"].width
    export_dataframe(df, path, column_widths={"code": 33})
    assert openpyxl.load_workbook(path).active.column_dimensions["B"].width == pytest.approx(33, abs=1)
    assert display_width("社保ab") == 6


def test_headers_rename_only_the_header_row(tmp_path):
    df = pd.DataFrame({"id_number": ["11010519491231002X"]})
    path = tmp_path / "r.xlsx"
    export_dataframe(df, path, headers={"id_number": "证件号码"})
    assert _sheet_values(path) == [["证件号码"], ["11010519491231002X"]]


def test_export_batches_accepts_arrow_and_frames(tmp_path):
    schema = pa.schema([("n", pa.int64()), ("s", pa.string()), ("m", pa.decimal128(18, 2))])
    b1 = pa.RecordBatch.from_pylist([{"n": 1, "s": "=A1", "m": Decimal("1.00")}], schema=schema)
    b2 = pd.DataFrame({"n": [2], "s": ["x"], "m": [Decimal("2.50")], "extra": [0]})
    path = tmp_path / "b.xlsx"
    export_batches([b1, b2], ["s", "n", "m"], path)
    assert _sheet_values(path) == [["s", "n", "m"], ["=A1", 1, 1], ["x", 2, 2.5]]
    ws = openpyxl.load_workbook(path).active
    assert ws["A2"].quotePrefix and not ws["A3"].quotePrefix


def test_mixed_object_column_and_long_integers(tmp_path):
    df = pd.DataFrame({"mix": [1, "=x", Decimal("2.5"), None], "big": [110105194912310021, 1, 2, 3]})
    path = tmp_path / "m.xlsx"
    export_dataframe(df, path)
    ws = openpyxl.load_workbook(path).active
    assert [ws.cell(row=r, column=1).value for r in range(2, 6)] == [1, "=x", 2.5, None]
    assert ws["A3"].quotePrefix
    # more than 15 digits would lose precision as a number: written as text
    assert ws["B2"].value == "110105194912310021"


def test_export_to_buffer_and_empty_frame():
    buffer = io.BytesIO()
    export_dataframe(pd.DataFrame({"姓名": pd.Series([], dtype=object)}), buffer)
    values = _sheet_values(io.BytesIO(buffer.getvalue()))
    assert values == [["姓名"]]


def test_large_export_keeps_row_count(tmp_path):
    n = 20_000
    df = pd.DataFrame(
        {
            "id": [f"{i:06d}" for i in range(n)],
            "wage": [Decimal(i) / 100 for i in range(n)],
            "name": ["王五"] * n,
            "flag": ["=bad" if i % 1000 == 0 else "ok" for i in range(n)],
        }
    )
    path = tmp_path / "big.xlsx"
    export_dataframe(df, path)
    table = read_table(path, required=["id", "wage"])
    assert len(table) == n
    assert table["id"].iloc[-1] == f"{n - 1:06d}"
    assert table["_row"].iloc[-1] == n + 1


def test_floor_baseline_writes_same_cells(tmp_path):
    rows = [("a", 1), ("b", 2)]
    export_floor(rows, ["s", "n"], tmp_path / "floor.xlsx")
    export_batches([pd.DataFrame(rows, columns=["s", "n"])], ["s", "n"], tmp_path / "ours.xlsx")
    assert _sheet_values(tmp_path / "floor.xlsx") == _sheet_values(tmp_path / "ours.xlsx")


def test_is_formula_like():
    assert is_formula_like("=SUM(A1)") and is_formula_like("@x") and is_formula_like("-1")
    assert not is_formula_like("张三") and not is_formula_like("")


# ------------------------------------------------------------------------------------------ read_table


def _write_xlsx(path, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    wb.save(path)


def test_read_table_strings_row_numbers_and_blank_rows(tmp_path):
    path = tmp_path / "t.xlsx"
    _write_xlsx(
        path,
        [
            [" 姓名 ", "*证件 号码", "金额", None, "备注"],
            ["张三", 110105194912310, 12.0, "ignored", None],
            [None, None, None, None, None],
            [" 李四 ", "X1", 12.5, None, dt.datetime(2024, 5, 1)],
            [],
            ["王五", None, 0.1 + 0.2, None, True],
        ],
    )
    table = read_table(path, required=["姓名", "证件号码"])
    assert list(table.columns) == ["_row", "姓名", "证件号码", "金额", "备注"]
    assert table["_row"].tolist() == [2, 4, 6]
    assert table["姓名"].tolist() == ["张三", "李四", "王五"]
    assert table["证件号码"].tolist() == ["110105194912310", "X1", ""]
    assert table["金额"].tolist() == ["12", "12.5", "0.3"]
    assert table["备注"].tolist() == ["", "2024-05-01", "TRUE"]


def test_read_table_missing_required_column_names_it(tmp_path):
    path = tmp_path / "t.xlsx"
    _write_xlsx(path, [["姓名", "分组"], ["张三", "A1"]])
    with pytest.raises(ValidationError) as info:
        read_table(path, required=["姓名", "证件号码"])
    assert info.value.field == "证件号码"
    assert "证件号码" in str(info.value)


@pytest.mark.parametrize("content", [b"not a spreadsheet", b"PK\x03\x04garbage", b""])
def test_read_table_rejects_non_xlsx(tmp_path, content):
    with pytest.raises(ValidationError) as info:
        read_table(content, required=[])
    assert str(info.value) == NOT_XLSX
    path = tmp_path / "fake.xlsx"
    path.write_bytes(content)
    with pytest.raises(ValidationError, match=r"Excel\(\.xlsx\)"):
        read_table(path, required=[])


def test_read_table_rejects_a_zip_that_is_not_a_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(ValidationError, match=r"Excel\(\.xlsx\)"):
        read_table(buffer.getvalue(), required=[])


def test_read_table_sheet_by_name_and_missing_sheet(tmp_path):
    path = tmp_path / "s.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["a"])
    other = wb.create_sheet("数据")
    other.append(["b"])
    other.append(["x"])
    wb.save(path)
    assert read_table(path, sheet="数据")["b"].tolist() == ["x"]
    with pytest.raises(ValidationError, match="没有名为"):
        read_table(path, sheet="nope")


def test_read_table_duplicate_header_is_refused(tmp_path):
    path = tmp_path / "d.xlsx"
    _write_xlsx(path, [["姓名", "姓名 "], ["a", "b"]])
    with pytest.raises(ValidationError, match="重复"):
        read_table(path)


def test_exported_file_reads_back_as_strings(tmp_path, sample):
    path = tmp_path / "rt.xlsx"
    export_dataframe(sample, path)
    table = read_table(path, required=list(sample.columns))
    assert table["姓名"].tolist() == ["张三", "=1+1", "", "欧阳-娜娜"]
    assert table["缴费工资"].tolist() == ["5000", "1234.56", "", "0.1"]
    assert table["所属期"].tolist() == ["2024-01", "2024-02", "", "2024-12"]


def test_categorical_and_repeated_column_names(tmp_path):
    df = pd.DataFrame([["=x", "a", 1], ["正常缴费", "b", 2]], columns=["状态", "名", "名"])
    df["状态"] = df["状态"].astype("category")
    path = tmp_path / "c.xlsx"
    export_dataframe(df, path, column_widths={"状态": 20})
    assert _sheet_values(path) == [["状态", "名", "名"], ["=x", "a", 1], ["正常缴费", "b", 2]]
    ws = openpyxl.load_workbook(path).active
    assert ws["A2"].quotePrefix
    assert ws.column_dimensions["A"].width == pytest.approx(20, abs=1)


def test_string_view_and_timezone_columns(tmp_path):
    batch = pa.RecordBatch.from_arrays(
        [
            pa.array(["@x", "y"]).cast(pa.string_view()),
            pa.array([dt.datetime(2024, 1, 1, 9, 0), None], type=pa.timestamp("ms", "Asia/Shanghai")),
        ],
        names=["s", "t"],
    )
    path = tmp_path / "v.xlsx"
    export_batches([batch], ["s", "t"], path)
    values = _sheet_values(path)
    assert values[1][0] == "@x" and values[2] == ["y", None]
    assert isinstance(values[1][1], str) and values[1][1].startswith("2024-01-01 ")


def test_money_reads_back_as_the_nearest_double(tmp_path):
    values = [
        Decimal("672088460.93"),
        None,
        Decimal("-75207204.21"),
        Decimal("0.29"),
        Decimal("99999999999999.99"),
    ]
    table = pa.table({"m": pa.array(values, type=pa.decimal128(18, 2))})
    path = tmp_path / "money.xlsx"
    export_batches(table.slice(0, 4).to_batches() + table.slice(4).to_batches(), ["m"], path)
    got = [row[0] for row in _sheet_values(path)[1:]]
    assert got == [None if v is None else float(v) for v in values]
