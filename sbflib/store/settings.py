"""Key-value settings of the workbench (region, page size, column widths, proxy), stored as JSON."""

from __future__ import annotations

import json
from typing import Any

from sbflib.store.db import Store

DEFAULT_PAGE_SIZE = 1000


def page_size(store: Store) -> int:
    """Rows per page of every table (每页显示条数), as the user last set it."""
    return int(get_setting(store, "page_size", DEFAULT_PAGE_SIZE))


def get_setting(store: Store, key: str, default: Any = None) -> Any:
    with store.read() as con:
        row = con.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return default if row is None else json.loads(row[0])


def set_setting(store: Store, key: str, value: Any) -> None:
    with store.work() as con:
        con.execute(
            "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)",
            [key, json.dumps(value, ensure_ascii=False)],
        )
