"""Excel (.xlsx) export and import: fast constant-memory export, template reading with row numbers.

Export writes each row with one `write_row` call on a list prepared column by column (pyarrow does
the conversions in bulk), so a 100,000-row roster costs little more than bare xlsxwriter. Cell text
that a spreadsheet could take for a formula (``= + - @`` first) is written as text with Excel's quote
prefix: shown literally, never evaluated, and read back unchanged.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import os
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import IO, Any, TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import xlsxwriter
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from sbflib.errors import ValidationError

PathOrBuffer = str | os.PathLike[str] | IO[bytes]
Batch: TypeAlias = pd.DataFrame | pa.RecordBatch | pa.Table

WORKBOOK_OPTIONS: dict[str, bool] = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
}
#: First characters that make spreadsheet programs read text as a formula (DESIGN: = + - @; tab and
#: carriage return are the other two OWASP lists).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_REGEX = "^[=+\\-@\t\r]"
MONEY_FORMAT = "#,##0.00"
MAX_ROWS = 1_048_576  # Excel's limit per sheet, header included
NOT_XLSX = "文件不是有效的Excel(.xlsx)文件"

_CHUNK_ROWS = 50_000  # rows converted to Python lists at once (bounds memory for big DataFrames)
_WIDTH_SAMPLE = 1_000  # rows looked at to size the columns
_MIN_WIDTH, _MAX_WIDTH = 6, 60


def is_formula_like(text: str) -> bool:
    """True when Excel would treat `text` as a formula or command if typed into a cell."""
    return text.startswith(FORMULA_PREFIXES)


def display_width(text: str) -> int:
    """Width of `text` in Excel character units: wide (Chinese) characters count double."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# --------------------------------------------------------------------------------------------- export


def export_dataframe(
    df: pd.DataFrame,
    path_or_buffer: PathOrBuffer,
    *,
    sheet_name: str = "Sheet1",
    column_widths: Mapping[str, float] | Sequence[float] | None = None,
    headers: Mapping[str, str] | None = None,
) -> None:
    """Write `df` (its index is ignored) to a one-sheet .xlsx: bold frozen header, sized columns.

    `headers` renames columns in the header row only (e.g. ``{"id_number": "证件号码"}``).
    """
    names = [str(c) for c in df.columns]
    # positional keys: a DataFrame may repeat a column name
    keys = [f"_c{i}" for i in range(len(names))]
    frame = df.set_axis(keys, axis=1)
    shown = {key: (headers or {}).get(name, name) for key, name in zip(keys, names, strict=True)}
    widths: Mapping[str, float] | Sequence[float] | None = column_widths
    if isinstance(column_widths, Mapping):
        widths = {
            key: column_widths[name] for key, name in zip(keys, names, strict=True) if name in column_widths
        }
    chunks = (frame.iloc[i : i + _CHUNK_ROWS] for i in range(0, max(len(frame), 1), _CHUNK_ROWS))
    export_batches(chunks, keys, path_or_buffer, sheet_name=sheet_name, column_widths=widths, headers=shown)


def export_batches(
    batches: Iterable[Batch],
    columns: list[str],
    path_or_buffer: PathOrBuffer,
    *,
    sheet_name: str = "Sheet1",
    column_widths: Mapping[str, float] | Sequence[float] | None = None,
    headers: Mapping[str, str] | None = None,
) -> None:
    """Stream DataFrames / Arrow record batches (each holding `columns`) into one sheet of an .xlsx.

    Money (Decimal) becomes a number shown with 2 decimals; dates and timestamps become text
    (``2024-05-01``, ``2024-05-01 08:30:00``); months stay text (``2024-05``); None/NaN/NaT are empty.
    Column widths come from the header and the first rows unless `column_widths` gives them.
    Raises ValidationError when the rows do not fit in one sheet.
    """
    workbook = xlsxwriter.Workbook(path_or_buffer, WORKBOOK_OPTIONS)
    worksheet = workbook.add_worksheet(sheet_name)
    bold = workbook.add_format({"bold": True})
    quoted = workbook.add_format({"quote_prefix": True})
    money = workbook.add_format({"num_format": MONEY_FORMAT})

    header = [str((headers or {}).get(c, c)) for c in columns]
    write_row = worksheet.write_row
    write_string = worksheet.write_string
    row = 1
    first = True
    for batch in batches:
        values, money_cols, special = _convert_batch(batch, columns)
        n = len(values[0]) if values else 0
        if first:
            _set_columns(worksheet, columns, header, values, money_cols, money, column_widths)
            for col, text in enumerate(header):
                write_string(0, col, text, bold)
            worksheet.freeze_panes(1, 0)
            first = False
        if row + n > MAX_ROWS:
            raise ValidationError(f"导出数据超过Excel单表上限{MAX_ROWS - 1}行，请缩小查询范围后分批导出")
        if not special:
            for values_of_row in zip(*values):
                write_row(row, 0, values_of_row)
                row += 1
        else:
            start = row
            for values_of_row in zip(*values):
                write_row(row, 0, values_of_row)
                cells = special.get(row - start)
                if cells:
                    for col, text in cells:
                        write_string(row, col, text, quoted)
                row += 1
    if first:  # no batch at all: header only
        _set_columns(worksheet, columns, header, [[] for _ in columns], set(), money, column_widths)
        for col, text in enumerate(header):
            write_string(0, col, text, bold)
        worksheet.freeze_panes(1, 0)
    workbook.close()


def _set_columns(
    worksheet: Any,
    columns: list[str],
    header: list[str],
    values: list[list[Any]],
    money_cols: set[int],
    money: Any,
    column_widths: Mapping[str, float] | Sequence[float] | None,
) -> None:
    """Width per column (given, or measured on the header and a sample), money format on money columns."""
    for col, name in enumerate(columns):
        width: float | None = None
        if isinstance(column_widths, Mapping):
            width = column_widths.get(name)
        elif column_widths is not None and col < len(column_widths):
            width = column_widths[col]
        if width is None:
            sample = values[col][:_WIDTH_SAMPLE]
            measured = display_width(header[col]) + 2  # bold header needs a little more
            for v in sample:
                if v is None:
                    continue
                text = f"{v:,.2f}" if isinstance(v, Decimal) else str(v)
                measured = max(measured, display_width(text))
            width = min(max(measured + 1, _MIN_WIDTH), _MAX_WIDTH)
        worksheet.set_column(col, col, width, money if col in money_cols else None)


def _convert_batch(
    batch: Batch, columns: list[str]
) -> tuple[list[list[Any]], set[int], dict[int, list[tuple[int, str]]]]:
    """Python lists per column, the money columns, and {row in batch: [(col, text)]} to quote-prefix."""
    values: list[list[Any]] = []
    money_cols: set[int] = set()
    special: dict[int, list[tuple[int, str]]] = {}
    is_frame = isinstance(batch, pd.DataFrame)
    available = set(batch.columns) if is_frame else set(batch.schema.names)
    missing = [c for c in columns if c not in available]
    if missing:
        raise KeyError(f"batch lacks columns {missing}")
    for col, name in enumerate(columns):
        if is_frame:
            array = _series_to_arrow(batch[name])
        else:
            array = batch.column(name)
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        if array is None:  # pandas column Arrow cannot hold (mixed types): convert value by value
            cells = [_cell_value(v) for v in batch[name].tolist()]
            kind = "money" if any(isinstance(v, Decimal) for v in cells) else "mixed"
        else:
            cells, kind, array = _arrow_to_cells(array)
        if kind == "money":
            money_cols.add(col)
        if kind == "text":
            flagged = pc.fill_null(pc.match_substring_regex(array, _FORMULA_REGEX), False)
            if pc.any(flagged).as_py():
                for i in pc.indices_nonzero(flagged).to_pylist():
                    special.setdefault(i, []).append((col, cells[i]))
        elif kind in ("mixed", "money"):
            for i, v in enumerate(cells):
                if v.__class__ is str and v.startswith(FORMULA_PREFIXES):
                    special.setdefault(i, []).append((col, v))
        values.append(cells)
    return values, money_cols, special


def _series_to_arrow(series: pd.Series) -> pa.Array | None:
    dtype = series.dtype
    if isinstance(dtype, pd.PeriodDtype):
        series = series.astype(object).map(lambda p: None if p is pd.NaT else str(p))
    elif isinstance(dtype, pd.IntervalDtype):
        series = series.astype(str)
    try:
        return pa.array(series, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError, ValueError):
        return None


def _arrow_to_cells(array: pa.Array) -> tuple[list[Any], str, pa.Array]:
    """Convert a whole column. Kind: 'text' (Arrow strings, to check for formulas), 'money', 'mixed'
    (converted value by value, to check), or 'plain' (numbers, dates, booleans: nothing to check).
    The array returned is the one the cells came from (decoded, cast)."""
    t = array.type
    if pa.types.is_dictionary(t):
        return _arrow_to_cells(array.dictionary_decode())
    if pa.types.is_string_view(t):
        return _arrow_to_cells(array.cast(pa.string()))
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return array.to_pylist(), "text", array
    if pa.types.is_integer(t):
        # Beyond 15 digits Excel loses digits (ID numbers kept as integers): write them as text.
        big = pc.max(pc.abs(array)).as_py() if len(array) else None
        if big is not None and big >= 10**15:
            return pc.cast(array, pa.string()).to_pylist(), "plain", array
        return array.to_pylist(), "plain", array
    if pa.types.is_floating(t):
        if array.null_count < len(array):
            array = pc.if_else(pc.is_finite(array), array, pa.scalar(None, t))
        return array.to_pylist(), "plain", array
    if pa.types.is_decimal(t):
        return _decimal_cells(array), "money", array
    if pa.types.is_date(t):
        return pc.strftime(pc.cast(array, pa.timestamp("s")), format="%Y-%m-%d").to_pylist(), "plain", array
    if pa.types.is_timestamp(t):
        # whole seconds: pyarrow's %S prints fractions for ms/us/ns units
        array = array.cast(pa.timestamp("s", t.tz), safe=False)
        day = pc.floor_temporal(array, unit="day")
        fmt = "%Y-%m-%d" if pc.all(pc.equal(day, array)).as_py() is not False else "%Y-%m-%d %H:%M:%S"
        return pc.strftime(array, format=fmt).to_pylist(), "plain", array
    if pa.types.is_boolean(t) or pa.types.is_null(t):
        return array.to_pylist(), "plain", array
    return [_cell_value(v) for v in array.to_pylist()], "mixed", array


def _decimal_cells(array: pa.Array) -> list[Any]:
    """Money as floats, each the double nearest to the Decimal (what Excel would store anyway).

    Making Decimal objects costs ~20x more. Arrow's own decimal->float cast is not correctly
    rounded, so the unscaled integers are divided here; columns that do not fit fall back to Decimals.
    """
    t = array.type
    scale = t.scale
    if not pa.types.is_decimal128(t) or not 0 <= scale <= 15 or len(array) == 0:
        return array.to_pylist()
    big = pc.max(pc.abs(array)).as_py()
    if big is None or big * 10**scale >= 2**53:
        return array.to_pylist()
    # decimal128 is a little-endian 16-byte integer: its low 8 bytes are the int64 value here
    unscaled = np.frombuffer(array.buffers()[1], dtype=np.int64)[
        2 * array.offset : 2 * (array.offset + len(array)) : 2
    ]
    floats = unscaled / float(10**scale)
    mask = array.is_null().to_numpy(zero_copy_only=False) if array.null_count else None
    return pa.array(floats, mask=mask).to_pylist()


def _cell_value(value: Any) -> Any:
    """One value for a cell, for columns that could not be converted in bulk."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, bool | int | Decimal | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dt.datetime | pd.Timestamp):
        if value.hour == value.minute == value.second == value.microsecond == 0:
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


# --------------------------------------------------------------------------------------------- import


def read_table(
    path_or_bytes: str | os.PathLike[str] | bytes | IO[bytes],
    *,
    required: Sequence[str] = (),
    sheet: str | int | None = None,
    max_rows: int | None = None,
) -> pd.DataFrame:
    """Read a filled-in template: header in row 1 matched by name, every cell as a stripped string.

    Header names lose their spaces and a leading ``*`` (the mark of a mandatory column). Blank rows
    are skipped; empty cells are ``""``; whole numbers read as ``"123"``. The ``_row`` column holds
    the spreadsheet row number (header = row 1) so errors can name the row.
    Raises ValidationError for a file that is not .xlsx, a missing sheet or a missing required column,
    and for a sheet of more than `max_rows` data rows: refused from the size the sheet declares,
    before any row is read, and otherwise as soon as the row after the limit is met.
    """
    source: Any = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes | bytearray) else path_or_bytes
    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise ValidationError(NOT_XLSX) from exc
    try:
        if sheet is None:
            worksheet = workbook.worksheets[0]
        elif isinstance(sheet, int):
            if not 0 <= sheet < len(workbook.worksheets):
                raise ValidationError(f"文件中没有第{sheet + 1}个工作表")
            worksheet = workbook.worksheets[sheet]
        else:
            if sheet not in workbook.sheetnames:
                raise ValidationError(f"文件中没有名为“{sheet}”的工作表")
            worksheet = workbook[sheet]
        too_many = f"文件超过{max_rows}行的导入上限，请分成多个文件导入"
        declared = _declared_rows(worksheet)
        if max_rows is not None and declared is not None and declared - 1 > max_rows:
            raise ValidationError(too_many)
        worksheet.reset_dimensions()  # some writers record a wrong size; read what is there
        rows = worksheet.iter_rows(values_only=True)
        header_cells = next(rows, ())
        names = [header_name(v) for v in header_cells]
        positions: dict[str, int] = {}
        for pos, name in enumerate(names):
            if not name:
                continue
            if name in positions:
                raise ValidationError(f"表头“{name}”重复出现", field=name)
            positions[name] = pos
        missing = [c for c in required if header_name(c) not in positions]
        if missing:
            listed = "、".join(f"“{c}”" for c in missing)
            raise ValidationError(f"文件缺少{listed}列，请使用下载的模板填写", field=missing[0])
        wanted = list(positions.items())
        records: list[list[Any]] = []
        last = max_rows + 1 if max_rows is not None else None
        for number, cells in enumerate(rows, start=2):
            if last is not None and number > last and any(v is not None for v in cells):
                raise ValidationError(too_many)
            record = [cell_text(cells[pos]) if pos < len(cells) else "" for _, pos in wanted]
            if any(record):
                records.append([number, *record])
    finally:
        workbook.close()
    frame = pd.DataFrame(records, columns=["_row", *(name for name, _ in wanted)])
    frame["_row"] = frame["_row"].astype("int64")
    return frame


def _declared_rows(worksheet: Any) -> int | None:
    """The last row the sheet's recorded dimension names, without reading the rows."""
    try:
        value = worksheet.max_row
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, int) else None


def header_name(value: Any) -> str:
    text = "".join(cell_text(value).split())
    return text.lstrip("*＊")


def cell_text(value: Any) -> str:
    """A cell as the clerk sees it, as a string."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        if value.is_integer():
            return str(int(value))
        return format(value, ".15g")
    if isinstance(value, dt.datetime):
        if value.hour == value.minute == value.second == value.microsecond == 0:
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()
