"""外部文件导入 of the wage-filing pages (manual 2.3-2.6): the template, reading it, checking its rows.

One template per page kind: 日常 / 年度 × 按职工 / 按险种. The data sheet has a header row with
the manual's labels (姓名, 证件类型, 证件号码, 新缴费工资 or one "<险种>缴费工资" column per insured
item, and 生效年月 for daily filings), typing aids (text-formatted ID and month columns, a list of
ID types, amount and month validation) and a very hidden signature sheet naming the kind, the way,
the template version and the column of each item. A file without that signature, of another page,
or whose header was changed is refused as a whole (`RuleViolation("NOT_OUR_TEMPLATE")`).

    template_xlsx(kind, way, items) -> bytes                     openpyxl (validation, hidden sheet)
    read_wage_file(data, kind, way, items) -> ParsedRows         python-calamine (fast)
    check_rows(parsed, roster, insured, current_month) -> CheckResult   whole columns at once (pandas)
    error_report_xlsx(errors) -> bytes                           导入错误明细 (行号, 列, 原因)

The checks are the scalar rules of `sbflib.domain.wages` applied to whole columns; the unit tests
hold the two equal cell by cell.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from sbflib.domain.errors import RuleViolation
from sbflib.domain.months import is_month
from sbflib.domain.wages import (
    MAX_WAGE,
    MONTH_FIELD,
    after_stop_message,
    before_start_message,
    parse_wage,
)
from sbflib.io.row_errors import ROW_ERROR_COLUMNS, row_errors_xlsx
from sbflib.io.templates import MAX_IMPORT_ROWS, RESIDENT_ID
from sbflib.io.xlsx import cell_text, display_width, header_name

__all__ = [
    "ID_TYPES",
    "SELF_DECLARED",
    "TEMPLATE_VERSION",
    "CheckResult",
    "ParsedRows",
    "check_rows",
    "error_report_xlsx",
    "read_wage_file",
    "template_labels",
    "template_xlsx",
]

Kind = Literal["daily", "annual"]
Way = Literal["employee", "item"]

TEMPLATE_VERSION = "1"
DATA_SHEET = "缴费工资"
NOTES_SHEET = "填写说明"
SIGNATURE_SHEET = "模板标识"
SIGNATURE_MARK = "社保费管理客户端导入模板"
SIGNATURE_FORM = "缴费工资申报"
#: The collection mode of items whose wage the unit files itself (every other mode is 税务代征).
SELF_DECLARED = "税务自主"
KIND_LABELS = {"daily": "日常缴费工资申报", "annual": "年度缴费工资申报"}
WAY_LABELS = {"employee": "按职工申报", "item": "按险种申报"}
#: 证件类型 offered in the template's drop-down list (other values may still be typed).
ID_TYPES = (
    RESIDENT_ID,
    "港澳居民来往内地通行证",
    "台湾居民来往大陆通行证",
    "港澳台居民居住证",
    "外国人永久居留身份证",
    "外国护照",
)

NAME, ID_TYPE, ID_NUMBER, WAGE, MONTH = "姓名", "证件类型", "证件号码", "新缴费工资", MONTH_FIELD
ITEMS_ANY = "险种缴费工资"  # the column named when an item row fills no item at all
_NOT_OURS = "NOT_OUR_TEMPLATE"
_VALIDATION_ROWS = MAX_IMPORT_ROWS + 1


def _page_label(kind: str, way: str) -> str:
    return f"{KIND_LABELS.get(kind, kind)}-{WAY_LABELS.get(way, way)}"


def item_label(name: str) -> str:
    """The header of an item's wage column: 基本养老保险费 -> 基本养老保险费缴费工资."""
    return f"{name}缴费工资"


def template_labels(kind: Kind, way: Way, items: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """(key, header) of the template's columns in order; keys name, id_type, id_number, wage (way
    employee), item:<code> (way item), month (daily).

    >>> [h for _, h in template_labels("daily", "employee", [])]
    ['姓名', '证件类型', '证件号码', '新缴费工资', '生效年月']
    >>> template_labels("annual", "item", [("10201", "基本养老保险费")])[3:]
    [('item:10201', '基本养老保险费缴费工资')]
    """
    _check_kind_way(kind, way)
    columns = [("name", NAME), ("id_type", ID_TYPE), ("id_number", ID_NUMBER)]
    if way == "employee":
        columns.append(("wage", WAGE))
    else:
        if not items:
            raise RuleViolation("NO_ITEMS", "本单位没有需申报缴费工资的险种（税务自主），无需按险种申报", field="征收项目")
        columns += [(f"item:{code}", item_label(name)) for code, name in items]
    if kind == "daily":
        columns.append(("month", MONTH))
    return columns


def _check_kind_way(kind: str, way: str) -> None:
    if kind not in KIND_LABELS or way not in WAY_LABELS:
        raise RuleViolation("KIND_UNKNOWN", "申报类型应为日常或年度，申报方式应为按职工或按险种", field="申报类型")


# ---------------------------------------------------------------------------------------- template


def _rules(kind: str, way: str, labels: list[str]) -> list[str]:
    wage_cols = "新缴费工资" if way == "employee" else "各险种的缴费工资（不申报的险种留空）"
    lines = [
        f"{_page_label(kind, way)}导入模板填写说明",
        "1. 每行填写一名职工，姓名、证件类型、证件号码须与职工参保登记信息一致（证件号码请勿使用打码后的号码）。",
        f"2. {wage_cols}填写大于0、最多两位小数的金额（元），不超过{MAX_WAGE}。",
    ]
    if kind == "daily":
        lines.append("3. 生效年月按YYYY-MM填写（如2026-01）；不能晚于职工的终止缴费年月，不能早于开始缴费年月；"
                     "早于当前年月将产生补缴信息。")
    else:
        lines.append("3. 年度申报无需填写生效年月，由管理子系统按地区配置生成。")
    lines += [
        "4. 同一职工" + ("只能填写一行。" if way == "employee" else "的同一险种只能填写一次。"),
        "5. 税务代征的险种无需申报缴费工资。",
        f"6. 请勿修改表头（{'、'.join(labels)}）和工作表，不要删除隐藏的模板标识；只导入“{DATA_SHEET}”工作表。",
        f"7. 一个文件最多{MAX_IMPORT_ROWS}行。",
    ]
    return lines


def template_xlsx(kind: Kind, way: Way, items: Sequence[tuple[str, str]]) -> bytes:
    """The import template of one page (.xlsx bytes). `items`: the unit's 税务自主 (code, name),
    one wage column each for way="item" (ignored for way="employee")."""
    columns = template_labels(kind, way, items)
    labels = [label for _, label in columns]
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = DATA_SHEET
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for col, (key, label) in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=col, value=label)
        cell.font, cell.fill = bold, fill
        cell.number_format = "@"
        letter = get_column_letter(col)
        dim = ws.column_dimensions[letter]
        dim.width = min(max(display_width(label) + 4, 14), 40) if key != "id_number" else 22
        # Text columns keep ID numbers whole and months as typed; amounts are numbers.
        dim.number_format = "0.00" if key == "wage" or key.startswith("item:") else "@"
    ws.freeze_panes = "A2"

    def validate(dv: DataValidation, key: str) -> None:
        col = next(i for i, (k, _) in enumerate(columns, start=1) if k == key)
        letter = get_column_letter(col)
        dv.add(f"{letter}2:{letter}{_VALIDATION_ROWS}")
        ws.add_data_validation(dv)

    validate(DataValidation(type="list", formula1='"' + ",".join(ID_TYPES) + '"', allow_blank=True,
                            showErrorMessage=False, showDropDown=False), "id_type")
    for key, label in columns:
        if key == "wage" or key.startswith("item:"):
            validate(DataValidation(type="decimal", operator="between", formula1="0.01",
                                    formula2=str(MAX_WAGE), allow_blank=True, showErrorMessage=True,
                                    errorTitle="缴费工资", error="请填写大于0、最多两位小数的金额（元）",
                                    promptTitle=label, prompt="大于0、最多两位小数", showInputMessage=True),
                     key)
    if kind == "daily":
        validate(DataValidation(type="textLength", operator="equal", formula1="7", allow_blank=True,
                                showErrorMessage=True, errorTitle="生效年月", error="请按YYYY-MM填写，如2026-01",
                                promptTitle="生效年月", prompt="YYYY-MM，如2026-01", showInputMessage=True),
                 "month")

    notes = wb.create_sheet(NOTES_SHEET)
    notes.column_dimensions["A"].width = 110
    for r, line in enumerate(_rules(kind, way, labels), start=1):
        cell = notes.cell(row=r, column=1, value=line)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if r == 1:
            cell.font = Font(bold=True, size=14)

    sig = wb.create_sheet(SIGNATURE_SHEET)
    sig.sheet_state = "veryHidden"
    sig.append([SIGNATURE_MARK, SIGNATURE_FORM])
    sig.append(["kind", kind])
    sig.append(["way", way])
    sig.append(["version", TEMPLATE_VERSION])
    sig.append(["sheet", DATA_SHEET])
    for key, label in columns:
        sig.append(["column", key, label])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# ------------------------------------------------------------------------------------------- read


@dataclass(frozen=True)
class ParsedRows:
    """The data rows of a template, one entry per (row, item) for way=item.

    `frame` columns (object cells as read, except row): row (spreadsheet row, header = 1), name,
    id_type, id_number, item_code (None for way=employee, and for an item row that fills no item),
    wage (the wage cell), wage_label (its column's header), month (the month cell; None for annual).
    """

    kind: str
    way: str
    frame: pd.DataFrame
    rows: int                      # non-blank data rows
    items: dict[str, str] = field(default_factory=dict)   # item_code -> header of its column, template order


def _not_ours(message: str) -> RuleViolation:
    return RuleViolation(_NOT_OURS, message, field="文件")


def _refuse_foreign(kind: str, way: str) -> RuleViolation:
    return _not_ours(f"文件不是“{_page_label(kind, way)}”的导入模板，请先下载本页面的导入模板，填写后再导入")


def read_wage_file(data: bytes, kind: Kind, way: Way, items: Sequence[tuple[str, str]] = ()) -> ParsedRows:
    """Read a filled template with python-calamine. Raises RuleViolation NOT_OUR_TEMPLATE for a file
    that is no .xlsx, has no signature, is the template of another page or version, or whose header
    was changed; TOO_MANY_ROWS beyond MAX_IMPORT_ROWS data rows. Rows are not checked here; blank
    rows are dropped.

    `items` (the unit's 税务自主 (code, name)) only names item columns whose label the signature
    lacks; the template's own signature says which column holds which item.
    """
    from python_calamine import CalamineWorkbook

    _check_kind_way(kind, way)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(bytes(data)))
        names = list(book.sheet_names)
    except Exception as exc:  # calamine's own errors, zip and xml errors, ValueError ...
        raise _not_ours("文件不是有效的Excel(.xlsx)文件，请使用下载的模板填写后导入") from exc
    if SIGNATURE_SHEET not in names:
        raise _refuse_foreign(kind, way)
    try:
        columns, sheet = _signature(book.get_sheet_by_name(SIGNATURE_SHEET).to_python(), kind, way)
        if sheet not in names:
            raise _refuse_foreign(kind, way)
        data_sheet = book.get_sheet_by_name(sheet)
        start = data_sheet.start
        if start is not None and data_sheet.height - 1 > MAX_IMPORT_ROWS:
            raise RuleViolation("TOO_MANY_ROWS", f"文件超过{MAX_IMPORT_ROWS}行的导入上限，请分成多个文件导入",
                                field="文件")
        cells = data_sheet.to_python(skip_empty_area=False) if start is not None else []
    except RuleViolation:
        raise
    except Exception as exc:
        raise _not_ours("文件内容无法读取，请使用下载的模板填写后导入") from exc
    labels = [label for _, label in columns]
    header = [header_name(v) for v in cells[0][: len(labels)]] if cells else []
    if header != [header_name(label) for label in labels]:
        raise _not_ours(f"文件的表头与模板不一致（应为{'、'.join(labels)}），请勿修改表头，使用下载的模板填写")
    keys = [key for key, _ in columns]
    width = len(keys)
    body = cells[1:]
    cols = _columns(body, width)
    row_numbers = np.arange(2, 2 + len(body), dtype=np.int64)
    # a blank row: every cell empty (looked at beyond the first column only where that one is empty)
    blank = _blank(cols[0])
    for col in cols[1:]:
        at = np.flatnonzero(blank)
        if not len(at):
            break
        blank[at] = _blank(col[at])
    keep = ~blank
    table = {key: col[keep] for key, col in zip(keys, cols, strict=True)}
    row_numbers = row_numbers[keep]
    rows = len(row_numbers)
    month = table["month"] if kind == "daily" else np.full(rows, None, dtype=object)
    if way == "employee":
        frame = _frame(row_numbers, table, np.full(rows, None, dtype=object), table["wage"],
                       np.full(rows, WAGE, dtype=object), month)
        return ParsedRows(kind, way, frame, rows)
    known = dict(items)
    item_cols = [(key, key.removeprefix("item:"), label) for key, label in columns if key.startswith("item:")]
    item_labels = {code: label or item_label(known.get(code, code)) for _, code, label in item_cols}
    takes, codes, wages, wage_labels = [], [], [], []
    filled_any = np.zeros(rows, dtype=bool)
    for key, code, _ in item_cols:
        filled = ~_blank(table[key])
        filled_any |= filled
        at = np.flatnonzero(filled)
        takes.append(at)
        codes.append(np.full(len(at), code, dtype=object))
        wages.append(table[key][at])
        wage_labels.append(np.full(len(at), item_labels[code], dtype=object))
    none = np.flatnonzero(~filled_any)
    takes.append(none)
    codes.append(np.full(len(none), None, dtype=object))
    wages.append(np.full(len(none), "", dtype=object))
    wage_labels.append(np.full(len(none), ITEMS_ANY, dtype=object))
    take = np.concatenate(takes)
    order = np.argsort(take, kind="stable")
    take = take[order]
    picked = {key: table[key][take] for key in ("name", "id_type", "id_number")}
    frame = _frame(row_numbers[take], picked, np.concatenate(codes)[order], np.concatenate(wages)[order],
                   np.concatenate(wage_labels)[order], month[take])
    return ParsedRows(kind, way, frame, rows, item_labels)


def _frame(rows: np.ndarray, table: dict[str, np.ndarray], item_code: np.ndarray, wage: np.ndarray,
           wage_label: np.ndarray, month: np.ndarray) -> pd.DataFrame:
    cells = {"name": table["name"], "id_type": table["id_type"], "id_number": table["id_number"],
             "item_code": item_code, "wage": wage, "wage_label": wage_label, "month": month}
    frame = pd.DataFrame({"row": rows})
    for key, values in cells.items():
        frame[key] = pd.Series(values, dtype=object)
    return frame


def _columns(body: list[list[Any]], width: int) -> list[np.ndarray]:
    """The first `width` columns of the rows as object arrays (missing cells are "")."""
    n = len(body)
    if not n:
        return [np.zeros(0, dtype=object) for _ in range(width)]
    found = len(body[0])
    grid = np.empty((n, found), dtype=object)
    try:
        grid[:] = body
    except ValueError:  # rows of unequal length (calamine pads them; be safe)
        grid = np.empty((n, max(len(r) for r in body)), dtype=object)
        grid[:] = ""
        for i, r in enumerate(body):
            grid[i, : len(r)] = r
    cols = [grid[:, j] for j in range(min(width, grid.shape[1]))]
    return cols + [np.full(n, "", dtype=object) for _ in range(width - len(cols))]


def _signature(cells: list[list[Any]], kind: str, way: str) -> tuple[list[tuple[str, str]], str]:
    """(key, label) of the template's columns and its data sheet, from the signature sheet."""
    if not cells or len(cells[0]) < 2 or cells[0][0] != SIGNATURE_MARK or cells[0][1] != SIGNATURE_FORM:
        raise _refuse_foreign(kind, way)
    values: dict[str, str] = {}
    columns: list[tuple[str, str]] = []
    for raw in cells[1:]:
        row = [cell_text(v) for v in raw]
        if len(row) >= 3 and row[0] == "column" and row[1]:
            columns.append((row[1], row[2]))
        elif len(row) >= 2 and row[0]:
            values[row[0]] = row[1]
    if values.get("version") != TEMPLATE_VERSION:
        raise _not_ours("导入模板的版本已更新，请重新下载本页面的导入模板，填写后再导入")
    if (values.get("kind"), values.get("way")) != (kind, way):
        theirs = _page_label(values.get("kind", ""), values.get("way", ""))
        raise _not_ours(f"文件是“{theirs}”的导入模板，不能在“{_page_label(kind, way)}”导入，请下载本页面的导入模板")
    expected = ["name", "id_type", "id_number"] + (["wage"] if way == "employee" else [])
    keys = [k for k, _ in columns]
    item_keys = [k for k in keys if k.startswith("item:")]
    tail = ["month"] if kind == "daily" else []
    if keys != expected + item_keys + tail or (way == "item" and not item_keys) or len(set(keys)) != len(keys):
        raise _refuse_foreign(kind, way)
    return columns, values.get("sheet", DATA_SHEET)


def _is_blank(v: Any) -> bool:
    if v is None:
        return True
    if v.__class__ is str:
        return not v or v.isspace()
    return isinstance(v, float) and math.isnan(v)


def _blank(values: np.ndarray) -> np.ndarray:
    """True where a cell is empty: "", whitespace only, None (or NaN)."""
    if len(values) == 0:
        return np.zeros(0, dtype=bool)
    types = set(map(type, values))
    if types == {str}:
        arr = pa.array(values, pa.string())
        return pc.equal(pc.utf8_trim_whitespace(arr), "").to_numpy(zero_copy_only=False)
    if types <= {float, int}:
        return np.isnan(values.astype(np.float64))
    return np.fromiter(map(_is_blank, values), dtype=bool, count=len(values))


# ------------------------------------------------------------------------------------------ check


@dataclass(frozen=True)
class CheckResult:
    """`good`: row, employee_id, item_code (None for way=employee), wage (Decimal, an Arrow
    decimal128(18, 2) column: its values are Decimal), month (None for annual), back_pay (bool),
    ready for the edit list; a spreadsheet row is either wholly good or wholly refused.
    `errors`: 行号, 列, 原因, sorted by row and column."""

    good: pd.DataFrame
    errors: pd.DataFrame
    rows: int
    bad_rows: int

    @property
    def message(self) -> str:
        if not self.bad_rows:
            return f"共{self.rows}行，全部通过校验"
        return f"共{self.rows}行，通过校验{self.rows - self.bad_rows}行，{self.bad_rows}行有错误，请查看错误明细"


def _texts(values: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    """Cells as stripped text (Arrow), and where a number stood (an ID number typed as a number)."""
    n = len(values)
    types = set(map(type, values))
    if types <= {str}:
        return pc.utf8_trim_whitespace(pa.array(values, pa.string())), np.zeros(n, dtype=bool)
    texts = ["" if _is_blank(v) else cell_text(v) for v in values]
    numeric = np.fromiter((v.__class__ in (int, float) and not _is_blank(v) for v in values), dtype=bool, count=n)
    return pc.utf8_trim_whitespace(pa.array(texts, pa.string())), numeric


def _squeeze(texts: pa.Array) -> pa.Array:
    """Text without any whitespace (ID numbers, names compared)."""
    if len(texts) and pc.any(pc.match_substring_regex(texts, r"\s")).as_py():
        return pc.replace_substring_regex(texts, r"\s+", "")
    return texts


def _np(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return arr.to_numpy(zero_copy_only=False)


def _wage_message(code: str, label: str, shown: str) -> str:
    return {
        "WAGE_EMPTY": f"{label}不能为空",
        "MONEY_FORMAT": f"{label}“{shown}”不是有效的数字",
        "MONEY_PLACES": f"{label}最多保留两位小数（到分）",
        "WAGE_NOT_POSITIVE": f"{label}必须大于0",
        "WAGE_TOO_LARGE": f"{label}不能超过{MAX_WAGE}元",
        "MONEY_TOO_LARGE": f"{label}超出允许的范围",
    }[code]


_FEN_PER_YUAN = 100


def _wages(values: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict[int, str]]:
    """(cents int64, valid bool, {index: reason}) per cell by the rule of `parse_wage`: numbers are
    checked as whole arrays, text by `parse_wage` itself (once per distinct text and column)."""
    n = len(values)
    cents = np.zeros(n, dtype=np.int64)
    valid = np.zeros(n, dtype=bool)
    reasons: dict[int, str] = {}
    types = set(map(type, values))
    if types <= {float, int}:
        is_num = np.ones(n, dtype=bool)
    else:
        is_num = np.fromiter((v.__class__ in (float, int) for v in values), dtype=bool, count=n)
    if is_num.any():
        idx = np.flatnonzero(is_num)
        x = values[idx].astype(np.float64)
        with np.errstate(invalid="ignore", over="ignore"):
            finite = np.isfinite(x)
            c = np.where(finite & (np.abs(x) < 1e16), np.rint(x * _FEN_PER_YUAN), 0.0)
            exact = finite & (c / _FEN_PER_YUAN == x)
        code = np.full(len(x), "", dtype=object)
        code[~finite] = "MONEY_FORMAT"
        code[finite & (np.abs(x) >= 1e16)] = "MONEY_TOO_LARGE"
        code[(code == "") & ~exact] = "MONEY_PLACES"
        code[(code == "") & (x <= 0)] = "WAGE_NOT_POSITIVE"
        code[(code == "") & (x > float(MAX_WAGE))] = "WAGE_TOO_LARGE"
        ok = code == ""
        cents[idx[ok]] = c[ok].astype(np.int64)
        valid[idx[ok]] = True
        for j in np.flatnonzero(~ok).tolist():
            i = int(idx[j])
            if _is_blank(values[i]):  # NaN: an empty cell
                reasons[i] = _wage_message("WAGE_EMPTY", labels[i], "")
            else:
                reasons[i] = _wage_message(code[j], labels[i], cell_text(values[i]) or repr(values[i]))
    rest = np.flatnonzero(~is_num).tolist()
    if rest:
        cache: dict[tuple[str, str], tuple[int, str | None]] = {}
        for i in rest:
            v = values[i]
            if v.__class__ is not str:
                shown = "" if v is None else cell_text(v)
                reasons[i] = _wage_message("MONEY_FORMAT" if shown else "WAGE_EMPTY", labels[i], shown)
                continue
            key = (v, labels[i])
            hit = cache.get(key)
            if hit is None:
                try:
                    hit = (int(parse_wage(v, field=labels[i]).scaleb(2)), None)
                except RuleViolation as exc:
                    hit = (0, exc.message)
                cache[key] = hit
            if hit[1] is None:
                cents[i], valid[i] = hit[0], True
            else:
                reasons[i] = hit[1]
    return cents, valid, reasons


_MONTH_RE = r"^[0-9]{4}-(?:0[1-9]|1[0-2])$"


def _months(values: np.ndarray) -> tuple[pa.Array, dict[int, str]]:
    """('YYYY-MM' or null per cell, {index: reason}) by the rule of `parse_month`. A date cell on
    the 1st of a month (what a spreadsheet makes of "2026-11" typed into a date cell) is its month."""
    n = len(values)
    reasons: dict[int, str] = {}
    if set(map(type, values)) <= {str}:
        texts = pc.utf8_trim_whitespace(pa.array(values, pa.string()))
        ok = _np(pc.match_substring_regex(texts, _MONTH_RE))
        if ok.all():
            return texts, reasons
        for i in np.flatnonzero(~ok).tolist():
            shown = texts[i].as_py()
            reasons[i] = f"{MONTH}不能为空" if not shown else _month_format(shown)
        return pc.if_else(pa.array(ok), texts, pa.nulls(n, pa.string())), reasons
    out: list[str | None] = [None] * n
    for i, v in enumerate(values.tolist()):
        if v.__class__ is str:
            text = v.strip()
            if is_month(text):
                out[i] = text
            else:
                reasons[i] = f"{MONTH}不能为空" if not text else _month_format(text)
        elif isinstance(v, dt.date) and v.day == 1 and v.year >= 1000 and (
                not isinstance(v, dt.datetime) or v.hour == v.minute == v.second == v.microsecond == 0):
            out[i] = f"{v.year:04d}-{v.month:02d}"
        elif _is_blank(v):
            reasons[i] = f"{MONTH}不能为空"
        else:
            reasons[i] = _month_format(cell_text(v))
    return pa.array(out, pa.string()), reasons


def _month_format(shown: str) -> str:
    return f"{MONTH}“{shown}”格式不正确，应为YYYY-MM（如2026-01）"


def _column_text(series: pd.Series, blank: str | None = "") -> pa.Array:
    """A roster column as an Arrow string array (missing values: `blank`), without a detour
    through Python objects when the column already is text."""
    try:
        arr = pa.array(series, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
        values = [None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v) for v in series.tolist()]
        arr = pa.array(values, pa.string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr if blank is None or not arr.null_count else pc.fill_null(arr, blank)


def _roster_months(series: pd.Series) -> pa.Array:
    """A roster month column: 'YYYY-MM' or "" (None, 长期 … -> "")."""
    arr = _column_text(series, blank=None)
    ok = pc.fill_null(pc.match_substring_regex(arr, _MONTH_RE), False)
    return pc.if_else(ok, arr, "")


class _Errors:
    """The refusals found so far: (row index, position of the column, column header, reason)."""

    def __init__(self, rows: np.ndarray) -> None:
        self.rows = rows
        self.parts: list[pd.DataFrame] = []

    def add(self, mask: np.ndarray, column: str | np.ndarray, reason: str | Any, pos: int | np.ndarray) -> None:
        """`reason`: text, or a function of the index giving it (called only where `mask` holds)."""
        at = np.flatnonzero(mask)
        if not len(at):
            return
        self.parts.append(pd.DataFrame({
            "行号": self.rows[at],
            "列": column[at] if isinstance(column, np.ndarray) else column,
            "原因": [reason(i) for i in at.tolist()] if callable(reason) else reason,
            "_pos": pos[at] if isinstance(pos, np.ndarray) else pos,
            "_i": at,
        }))

    def add_reasons(self, reasons: dict[int, str], column: str | np.ndarray, pos: int | np.ndarray) -> None:
        if reasons:
            mask = np.zeros(len(self.rows), dtype=bool)
            mask[list(reasons)] = True
            self.add(mask, column, reasons.__getitem__, pos)

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame({"行号": pd.Series(dtype="int64"), "列": pd.Series(dtype=object),
                                 "原因": pd.Series(dtype=object)})
        errors = pd.concat(self.parts, ignore_index=True)
        errors = errors.sort_values(["行号", "_pos", "_i"], kind="stable")
        errors = errors.drop(columns=["_pos", "_i"]).drop_duplicates().reset_index(drop=True)
        errors["行号"] = errors["行号"].astype("int64")
        return errors[ROW_ERROR_COLUMNS]


def check_rows(parsed: ParsedRows, roster: pd.DataFrame, insured: pd.DataFrame, current_month: str) -> CheckResult:
    """Check every row against the unit's roster and insured items (see the module doc).

    `roster`: employee_id, name, id_type, id_number, start_month, stop_month (full ID numbers);
    `insured`: employee_id, item_code, collection_mode (other columns ignored). A row is refused
    for an empty required cell, an unknown ID number, a name or ID type that does not match the
    roster, a wage that is not a positive amount with at most two decimals, a month that is
    malformed, after the employee's stop month or before the start month, an item the employee is
    not insured for or that is collected 税务代征, and for repeating an earlier row's employee (and
    item, for way=item). `current_month` ('YYYY-MM') decides `back_pay`.
    """
    f = parsed.frame
    n = len(f)
    way, kind = parsed.way, parsed.kind
    rows = f["row"].to_numpy(dtype=np.int64)
    errors = _Errors(rows)
    col_pos = {NAME: 0, ID_TYPE: 1, ID_NUMBER: 2, MONTH: 1000}
    item_code = f["item_code"].to_numpy(dtype=object)
    if way == "employee":
        has_item = np.zeros(n, dtype=bool)
    else:
        has_item = np.fromiter((c is not None for c in item_code), dtype=bool, count=n)
    item_pos = {code: 3 + i for i, code in enumerate(parsed.items)}
    if way == "employee":
        wage_pos: int | np.ndarray = 3
    else:
        wage_pos = np.fromiter((item_pos.get(c, 999) for c in item_code), dtype=np.int64, count=n)
    labels = f["wage_label"].to_numpy(dtype=object)

    # who: name, ID type, ID number, found in the roster by the ID number
    names, _ = _texts(f["name"].to_numpy(dtype=object))
    id_types, _ = _texts(f["id_type"].to_numpy(dtype=object))
    id_texts, id_numeric = _texts(f["id_number"].to_numpy(dtype=object))
    id_keys = pc.utf8_upper(_squeeze(id_texts))
    name_blank = _np(pc.equal(names, ""))
    type_blank = _np(pc.equal(id_types, ""))
    id_blank = _np(pc.equal(id_keys, ""))
    errors.add(name_blank, NAME, f"{NAME}不能为空", col_pos[NAME])
    errors.add(type_blank, ID_TYPE, f"{ID_TYPE}不能为空", col_pos[ID_TYPE])
    errors.add(id_blank, ID_NUMBER, f"{ID_NUMBER}不能为空", col_pos[ID_NUMBER])
    lost = id_numeric & ~id_blank & (_np(pc.utf8_length(id_keys)) >= 16)
    errors.add(lost, ID_NUMBER, "证件号码被存成了数字，末几位已丢失，请将该列设为文本后重新填写", col_pos[ID_NUMBER])

    r_ids = _column_text(roster["employee_id"], blank=None)
    r_keys = pc.utf8_upper(_squeeze(pc.utf8_trim_whitespace(_column_text(roster["id_number"]))))
    r_keys = pc.if_else(pc.equal(r_keys, ""), pa.nulls(len(r_keys), pa.string()), r_keys)
    position = pc.index_in(id_keys, value_set=r_keys)
    found = _np(position.is_valid()) & ~id_blank & ~lost
    errors.add(~found & ~id_blank & ~lost, ID_NUMBER, "本单位没有该证件号码的职工，请核对证件号码", col_pos[ID_NUMBER])
    take = pc.fill_null(position, 0)
    if len(r_keys):
        def roster_text(column: str) -> pa.Array:
            return pc.take(pc.utf8_trim_whitespace(_column_text(roster[column])), take)
        emp_ids = pc.take(r_ids, take)
        r_names = _squeeze(roster_text("name"))
        r_types = roster_text("id_type")
        r_start = pc.take(_roster_months(roster["start_month"]), take)
        r_stop = pc.take(_roster_months(roster["stop_month"]), take)
    else:
        emp_ids = r_names = r_types = r_start = r_stop = pa.array([""] * n, pa.string())
    errors.add(found & ~name_blank & ~_np(pc.equal(_squeeze(names), r_names)), NAME,
               "姓名与该证件号码登记的职工姓名不一致", col_pos[NAME])
    errors.add(found & ~type_blank & _np(pc.not_equal(r_types, "")) & ~_np(pc.equal(id_types, r_types)), ID_TYPE,
               lambda i: f"证件类型与登记的不一致（登记为{r_types[i].as_py()}）", col_pos[ID_TYPE])

    # how much
    no_item = ~has_item if way == "item" else np.zeros(n, dtype=bool)
    cents, wage_ok, wage_reasons = _wages(f["wage"].to_numpy(dtype=object), labels)
    for i in np.flatnonzero(no_item).tolist():
        wage_reasons.pop(i, None)
    errors.add_reasons(wage_reasons, labels, wage_pos)
    errors.add(no_item, ITEMS_ANY, "请至少填写一个险种的缴费工资", wage_pos)

    # from when (daily)
    months: pa.Array = pa.nulls(n, pa.string())
    back_pay = np.zeros(n, dtype=bool)
    if kind == "daily":
        months, month_reasons = _months(f["month"].to_numpy(dtype=object))
        errors.add_reasons(month_reasons, MONTH, col_pos[MONTH])
        month_ok = _np(months.is_valid())
        after = found & month_ok & _np(pc.fill_null(pc.and_(pc.not_equal(r_stop, ""), pc.greater(months, r_stop)), False))
        before = found & month_ok & _np(pc.fill_null(pc.and_(pc.not_equal(r_start, ""), pc.less(months, r_start)), False))
        errors.add(after, MONTH, lambda i: after_stop_message(months[i].as_py(), r_stop[i].as_py()), col_pos[MONTH])
        errors.add(before, MONTH, lambda i: before_start_message(months[i].as_py(), r_start[i].as_py()),
                   col_pos[MONTH])
        back_pay = month_ok & _np(pc.fill_null(pc.less(months, current_month), False))

    # which items
    ins_emp = _column_text(insured["employee_id"], blank=None)
    ins_self = pc.fill_null(pc.equal(_column_text(insured["collection_mode"]), SELF_DECLARED), False)
    if way == "item":
        ins_key = pc.binary_join_element_wise(ins_emp, _column_text(insured["item_code"]), "\x1f")
        row_key = pc.binary_join_element_wise(emp_ids, pa.array(item_code.tolist(), pa.string()), "\x1f")
        at = pc.index_in(row_key, value_set=ins_key)
        insured_here = _np(at.is_valid())
        self_here = _np(pc.fill_null(pc.take(ins_self, pc.fill_null(at, 0)), False)) if len(ins_key) else insured_here
        check = found & has_item
        errors.add(check & ~insured_here, labels, "该职工未参保该险种", wage_pos)
        errors.add(check & insured_here & ~self_here, labels, "该险种为税务代征，无需申报缴费工资", wage_pos)
    else:
        holds = _np(pc.is_in(emp_ids, value_set=ins_emp))
        holds_self = _np(pc.is_in(emp_ids, value_set=pc.filter(ins_emp, ins_self)))
        errors.add(found & ~holds, ID_NUMBER, "该职工没有参保险种，无需申报缴费工资", col_pos[ID_NUMBER])
        errors.add(found & holds & ~holds_self, ID_NUMBER, "该职工的险种均为税务代征，无需申报缴费工资",
                   col_pos[ID_NUMBER])

    # repeats: the employee (and item) of an earlier row
    eligible = ~id_blank & ~no_item
    key = id_keys if way == "employee" else pc.binary_join_element_wise(
        id_keys, pa.array([c or "" for c in item_code.tolist()], pa.string()), "\x1f")
    codes, _ = pd.factorize(pd.Series(_np(key), dtype=object))
    codes = np.where(eligible, codes, -1 - np.arange(n))  # ineligible rows never match
    _, first_index, inverse = np.unique(codes, return_index=True, return_inverse=True)
    first = first_index[inverse]
    repeat = eligible & (first != np.arange(n))
    first_rows = rows[first]
    if way == "item":
        errors.add(repeat, labels, lambda i: f"该职工的该险种与第{first_rows[i]}行重复", wage_pos)
    else:
        errors.add(repeat, ID_NUMBER, lambda i: f"与第{first_rows[i]}行是同一职工，重复填写", col_pos[ID_NUMBER])

    report = errors.frame()
    bad = np.isin(rows, report["行号"].to_numpy(dtype=np.int64))
    good_at = np.flatnonzero(~bad)
    good = pd.DataFrame({
        "row": rows[good_at],
        "employee_id": pd.Series(_np(emp_ids)[good_at] if n else [], dtype=object),
        "item_code": pd.Series(item_code[good_at], dtype=object),
        "wage": pd.Series(pd.arrays.ArrowExtensionArray(_decimals(cents[good_at]))),
        "month": pd.Series(_np(months)[good_at] if n else [], dtype=object),
        "back_pay": back_pay[good_at],
    })
    assert wage_ok[good_at].all()
    return CheckResult(good=good, errors=report, rows=parsed.rows, bad_rows=len(np.unique(rows[bad])))


def _decimals(cents: np.ndarray) -> pa.Array:
    """Cents (int64, >= 0) as an Arrow decimal128(18, 2) array, without making Decimal objects."""
    n = len(cents)
    words = np.zeros((n, 2), dtype=np.int64)
    words[:, 0] = cents
    words[:, 1] = np.where(cents < 0, -1, 0)
    return pa.Array.from_buffers(pa.decimal128(18, 2), n, [None, pa.py_buffer(words)])


def error_report_xlsx(errors: pd.DataFrame) -> bytes:
    """导入错误明细 as .xlsx bytes (行号, 列, 原因); cell text is never taken for a formula."""
    return row_errors_xlsx(errors)
