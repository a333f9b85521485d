"""Row-by-row error report of an import (导入错误明细): which row, which column, why."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from sbflib.errors import ValidationError

ROW_ERROR_COLUMNS = ["行号", "字段", "错误原因"]


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
    """The report as a table (行号, 字段, 错误原因), sorted by row, ready for `export_dataframe`."""
    ordered = sorted(errors, key=lambda e: e.row)
    return pd.DataFrame(
        {
            "行号": pd.Series([e.row for e in ordered], dtype="int64"),
            "字段": pd.Series([e.field for e in ordered], dtype=object),
            "错误原因": pd.Series([e.reason for e in ordered], dtype=object),
        },
        columns=ROW_ERROR_COLUMNS,
    )
