"""Key-value settings of the workbench (region, page size, column widths, proxy), stored as JSON.

`read`/`write`/`read_page_size` take the connection of the caller's unit of work. The store-taking
`get_setting`/`set_setting`/`page_size` open a unit of work of their own; they stay for callers
not yet moved (sbflib/employer/roster.py, tests) and go once those take a connection.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb

DEFAULT_PAGE_SIZE = 1000


def read(con: duckdb.DuckDBPyConnection, key: str, default: Any = None) -> Any:
    # fetchall, not fetchone: a result left unfinished blocks the next query of the unit of work.
    rows = con.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchall()
    return default if not rows else json.loads(rows[0][0])


def write(con: duckdb.DuckDBPyConnection, key: str, value: Any) -> None:
    con.execute(
        "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)",
        [key, json.dumps(value, ensure_ascii=False)],
    )


def read_page_size(con: duckdb.DuckDBPyConnection) -> int:
    """Rows per page of every table (每页显示条数), as the user last set it."""
    return int(read(con, "page_size", DEFAULT_PAGE_SIZE))
