"""The one way a query becomes a DataFrame: through Arrow.

DuckDB's `.df()` turns `DECIMAL(18,2)` money into float64 and dates into timestamps; through Arrow
money stays `decimal.Decimal`, a DATE column holds `datetime.date` values, text stays text and a
TIMESTAMP column is `datetime64`. Every repository builds its DataFrames with `frame()`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

__all__ = ["arrow", "frame"]


def arrow(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None) -> pa.Table:
    """The query's rows as an Arrow table."""
    return con.sql(sql, params=list(params) if params else None).to_arrow_table()


def frame(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
    """The query's rows as a DataFrame with exact types (Decimal money, dates as dates).

    >>> con = duckdb.connect()
    >>> df = frame(con, "SELECT 12.30::DECIMAL(18,2) AS base, DATE '2026-01-31' AS day, ? AS name", ["王"])
    >>> df.loc[0, "base"], df.loc[0, "day"], df.loc[0, "name"]
    (Decimal('12.30'), datetime.date(2026, 1, 31), '王')
    """
    return arrow(con, sql, params).to_pandas()
