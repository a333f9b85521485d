"""The roster page's two import templates (manual 2.2.2 四 分组): 批量导入分组 and 批量编辑职工分组.

Each template has a download (`..._bytes()`) and a parser that returns the usable rows plus a
row-by-row error report. Matching against the unit's roster and groups is the service's job.
"""

from __future__ import annotations

import io
import os
from typing import IO, Any

import pandas as pd
import xlsxwriter

from sbflib.domain.groups import MAX_DEPTH, MAX_NAME_LENGTH, PATH_SEPARATORS, parse_path
from sbflib.domain.ids import check_resident_id
from sbflib.io.row_errors import RowError, row_errors_to_dataframe
from sbflib.io.xlsx import display_width, is_formula_like, read_table

__all__ = [
    "EMPLOYEE_GROUP_COLUMNS",
    "GROUP_COLUMNS",
    "MAX_IMPORT_ROWS",
    "RESIDENT_ID",
    "RowError",
    "employee_group_template_bytes",
    "group_template_bytes",
    "parse_employee_group_template",
    "parse_group_template",
    "parse_group_template_rows",
    "row_errors_to_dataframe",
]

Source = str | os.PathLike[str] | bytes | IO[bytes]

GROUP_COLUMNS = ["一级分组", "二级分组", "三级分组"]
EMPLOYEE_GROUP_COLUMNS = ["姓名", "证件类型", "证件号码", "分组"]
RESIDENT_ID = "居民身份证"
#: Most data rows an import template may hold; a bigger file is refused before it is read.
MAX_IMPORT_ROWS = 100_000
GROUP_EXAMPLE = ("行政部", "综合科", "文秘组")

_GROUP_RULES = [
    "批量导入分组填写说明",
    "1. 每行填写一个分组：一级分组必填；填写二级分组时须填写一级分组，填写三级分组时须填写一级、二级分组。",
    (
        f"2. 分组层级最多为{MAX_DEPTH}级，分组名称不能为空，不能超过{MAX_NAME_LENGTH}个字，"
        f"不能包含“{'”“'.join(PATH_SEPARATORS)}”。"
    ),
    "3. 同一上级分组下的分组名称不可重复；同一分组重复填写视为同一个分组，只导入一次。",
    "4. 填写下级分组时会一并创建其上级分组，不必另起一行填写上级分组。",
    f"5. 第2行为示例（{'-'.join(GROUP_EXAMPLE)}），导入前请删除或改为实际分组。",
    "6. 请勿修改表头，只导入第一个工作表。",
]
_EMPLOYEE_RULES = [
    "批量编辑职工分组填写说明",
    "1. 每行一名职工：证件类型、证件号码、分组必填，姓名用于核对。",
    "2. 证件号码须与参保登记的证件号码完整一致（身份证号码末位的X大小写均可），请勿使用打码后的号码。",
    (
        f"3. 分组按“一级-二级-三级”填写完整路径，例如“{'-'.join(GROUP_EXAMPLE)}”；"
        f"最多{MAX_DEPTH}级，须是分组管理中已建立的分组。"
    ),
    "4. 同一职工只能填写一行。",
    "5. 请勿修改表头，只导入第一个工作表。",
]

# Column aliases accepted when prefilling the employee template from a roster DataFrame.
_EMPLOYEE_ALIASES = {
    "姓名": ("姓名", "name"),
    "证件类型": ("证件类型", "id_type"),
    "证件号码": ("证件号码", "id_number"),
    "分组": ("分组", "group_path", "group"),
}


# ---------------------------------------------------------------------------------------- downloads


def group_template_bytes() -> bytes:
    """批量导入分组模板: 一级分组, 二级分组, 三级分组 with an example row, and a 填写说明 sheet."""
    return _template_bytes("分组信息", GROUP_COLUMNS, [list(GROUP_EXAMPLE)], _GROUP_RULES)


def employee_group_template_bytes(employees_df: pd.DataFrame | None = None) -> bytes:
    """批量编辑职工分组模板: 姓名, 证件类型, 证件号码, 分组; optionally prefilled with the unit's employees.

    `employees_df` columns may be named in Chinese (姓名, 证件类型, 证件号码, 分组) or as
    name, id_type, id_number, group_path. ID numbers are written in full, as text.
    """
    rows: list[list[str]] = []
    if employees_df is not None and len(employees_df):
        picked = []
        for header, aliases in _EMPLOYEE_ALIASES.items():
            name = next((a for a in aliases if a in employees_df.columns), None)
            if name is None and header != "分组":
                raise KeyError(f"employees_df lacks a column for {header} (one of {aliases})")
            picked.append(employees_df[name] if name is not None else pd.Series([""] * len(employees_df)))
        rows = [[_text(v) for v in values] for values in zip(*(s.tolist() for s in picked))]
    return _template_bytes("职工分组", EMPLOYEE_GROUP_COLUMNS, rows, _EMPLOYEE_RULES)


def _text(value: Any) -> str:
    if value is None:
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)


def _template_bytes(sheet: str, columns: list[str], rows: list[list[str]], rules: list[str]) -> bytes:
    """A template: text-formatted input columns (so ID numbers stay intact), bold frozen header."""
    buffer = io.BytesIO()
    options = {
        "in_memory": True,
        "strings_to_formulas": False,
        "strings_to_numbers": False,
        "strings_to_urls": False,
    }
    workbook = xlsxwriter.Workbook(buffer, options)
    bold = workbook.add_format({"bold": True, "num_format": "@", "bg_color": "#DDEBF7", "border": 1})
    text = workbook.add_format({"num_format": "@"})
    quoted = workbook.add_format({"num_format": "@", "quote_prefix": True})

    data = workbook.add_worksheet(sheet)
    for col, name in enumerate(columns):
        width = max([display_width(name) + 4, *(display_width(r[col]) + 2 for r in rows)])
        data.set_column(col, col, min(max(width, 14), 50), text)
        data.write_string(0, col, name, bold)
    for r, values in enumerate(rows, start=1):
        for col, value in enumerate(values):
            if value:
                data.write_string(r, col, value, quoted if is_formula_like(value) else text)
    data.freeze_panes(1, 0)

    notes = workbook.add_worksheet("填写说明")
    notes.set_column(0, 0, 110)
    notes.write_string(0, 0, rules[0], workbook.add_format({"bold": True, "font_size": 14}))
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    for r, line in enumerate(rules[1:], start=1):
        notes.write_string(r, 0, line, wrap)
    workbook.close()
    return buffer.getvalue()


# ------------------------------------------------------------------------------------------ imports


def parse_group_template(path_or_bytes: Source) -> tuple[list[tuple[str, ...]], list[RowError]]:
    """Read a filled 批量导入分组 template.

    Returns the group paths (1 to 3 names each, in first-occurrence order, repeats dropped; a path
    implies its ancestors) and a RowError for each refused row.
    """
    rows, errors = parse_group_template_rows(path_or_bytes)
    return [path for _, path in rows], errors


def parse_group_template_rows(
    path_or_bytes: Source,
) -> tuple[list[tuple[int, tuple[str, ...]]], list[RowError]]:
    """Like `parse_group_template`, with each path's spreadsheet row: [(row, path)], so the service
    can name the row when the unit's existing tree refuses a path (e.g. a clash among siblings)."""
    table = read_table(path_or_bytes, required=GROUP_COLUMNS, max_rows=MAX_IMPORT_ROWS)
    rows: list[tuple[int, tuple[str, ...]]] = []
    seen: set[tuple[str, ...]] = set()
    errors: list[RowError] = []
    for row, *names in table[["_row", *GROUP_COLUMNS]].itertuples(index=False, name=None):
        row_errors = _check_group_row(int(row), names)
        if row_errors:
            errors.extend(row_errors)
            continue
        path = tuple(n for n in names if n)
        if path not in seen:
            seen.add(path)
            rows.append((int(row), path))
    return rows, errors


def _check_group_row(row: int, names: list[str]) -> list[RowError]:
    filled = [bool(n) for n in names]
    if not any(filled):
        return [RowError(row, GROUP_COLUMNS[0], "分组名称不能为空")]
    errors: list[RowError] = []
    deepest = max(i for i, f in enumerate(filled) if f)
    for level in range(deepest):
        if not filled[level]:
            errors.append(
                RowError(
                    row,
                    GROUP_COLUMNS[level],
                    f"填写了{GROUP_COLUMNS[deepest]}时，{GROUP_COLUMNS[level]}不能为空",
                )
            )
    for level, name in enumerate(names):
        if not name:
            continue
        if len(name) > MAX_NAME_LENGTH:
            errors.append(RowError(row, GROUP_COLUMNS[level], f"分组名称不能超过{MAX_NAME_LENGTH}个字"))
        bad = [s for s in PATH_SEPARATORS if s in name]
        if bad:
            errors.append(RowError(row, GROUP_COLUMNS[level], f"分组名称不能包含“{bad[0]}”"))
    return errors


def parse_employee_group_template(path_or_bytes: Source) -> tuple[pd.DataFrame, list[RowError]]:
    """Read a filled 批量编辑职工分组 template.

    Returns a DataFrame (row, name, id_type, id_number, group_path) of the rows that pass the
    per-row checks, and a RowError for each problem found. ``group_path`` is normalised to
    "一级-二级-三级"; resident ID numbers (居民身份证) are upper-cased and checked.
    """
    table = read_table(path_or_bytes, required=["证件类型", "证件号码", "分组"], max_rows=MAX_IMPORT_ROWS)
    if "姓名" not in table.columns:
        table["姓名"] = ""
    records: list[tuple[int, str, str, str, str]] = []
    errors: list[RowError] = []
    first_row_of: dict[tuple[str, str], int] = {}
    columns = ["_row", "姓名", "证件类型", "证件号码", "分组"]
    for row, name, id_type, id_number, group in table[columns].itertuples(index=False, name=None):
        row = int(row)
        row_errors: list[RowError] = []
        id_number = "".join(id_number.split()).upper()
        if not id_type:
            row_errors.append(RowError(row, "证件类型", "不能为空"))
        if not id_number:
            row_errors.append(RowError(row, "证件号码", "不能为空"))
        elif id_type == RESIDENT_ID:
            check = check_resident_id(id_number)
            if not check.ok:
                row_errors.append(RowError(row, "证件号码", "；".join(check.errors)))
        if id_number and id_type:
            key = (id_type, id_number)
            if key in first_row_of:
                row_errors.append(RowError(row, "证件号码", f"与第{first_row_of[key]}行重复"))
            else:
                first_row_of[key] = row
        group_path, reason = _normalise_group_path(group)
        if reason:
            row_errors.append(RowError(row, "分组", reason))
        if row_errors:
            errors.extend(row_errors)
        else:
            records.append((row, name, id_type, id_number, group_path))
    frame = pd.DataFrame(records, columns=["row", "name", "id_type", "id_number", "group_path"])
    frame["row"] = frame["row"].astype("int64")
    return frame, errors


def _normalise_group_path(text: str) -> tuple[str, str | None]:
    """("一级-二级", None) for a good path, ("", reason) otherwise."""
    if not text:
        return "", "不能为空"
    levels = parse_path(text)
    if any(not level for level in levels):
        return "", f"分组路径格式不正确，应为“一级-二级-三级”，如“{'-'.join(GROUP_EXAMPLE)}”"
    if len(levels) > MAX_DEPTH:
        return "", f"分组层级最多为{MAX_DEPTH}级"
    return "-".join(levels), None
