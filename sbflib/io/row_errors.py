"""Row-by-row error report of an import (导入错误明细): which row (行号), which column (列), why (原因).

Every import reports the same way: a list of `RowError` (or, for the checks that work on whole
columns, a DataFrame with the same three columns), shown or downloaded with `row_errors_xlsx`.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from sbflib.errors import ValidationError

ROW_ERROR_COLUMNS = ["行号", "列", "原因"]


@dataclass(frozen=True)
class RowError:
    """One refused cell or row of an imported file; `row` is the spreadsheet row (header = 1)."""

    row: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"第{self.row}行【{self.field}】：{self.reason}"

    def to_validation_error(self) -> ValidationError:
        return ValidationError(self.reason, field=self.field, row=self.row)


def row_errors_to_dataframe(errors: Iterable[RowError]) -> pd.DataFrame:
    """The report as a table (行号, 列, 原因), sorted by row, ready for `row_errors_xlsx`."""
    ordered = sorted(errors, key=lambda e: e.row)
    return pd.DataFrame(
        {
            "行号": pd.Series([e.row for e in ordered], dtype="int64"),
            "列": pd.Series([e.field for e in ordered], dtype=object),
            "原因": pd.Series([e.reason for e in ordered], dtype=object),
        },
        columns=ROW_ERROR_COLUMNS,
    )


def row_errors_xlsx(errors: pd.DataFrame | Iterable[RowError]) -> bytes:
    """导入错误明细 as .xlsx bytes: 行号, 列, 原因 (cell text is written as text, never as a formula)."""
    from sbflib.io.xlsx import export_dataframe

    frame = errors if isinstance(errors, pd.DataFrame) else row_errors_to_dataframe(errors)
    buffer = io.BytesIO()
    export_dataframe(frame[ROW_ERROR_COLUMNS], buffer, sheet_name="导入错误明细",
                     column_widths={"行号": 8, "列": 24, "原因": 70})
    return buffer.getvalue()
