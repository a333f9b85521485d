"""Reference data fetched from the bureau at login: rule files (规则文件) and notices (通知公告).
Functions take the connection of the caller's unit of work."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import duckdb
import pandas as pd

from sbflib.store.frames import frame


def replace_rules(con: duckdb.DuckDBPyConnection, region: str,
                  rules: Iterable[tuple[str, str, str, dict[str, Any]]]) -> None:
    """Keep exactly the rule files the bureau sent for the region: (name, version, updated, body)."""
    con.execute("DELETE FROM rule_files WHERE region = ?", [region])
    for name, version, updated, body in rules:
        con.execute(
            "INSERT INTO rule_files VALUES (?, ?, ?, ?, ?)",
            [region, name, version, updated, json.dumps(body, ensure_ascii=False)],
        )


def replace_notices(con: duckdb.DuckDBPyConnection, region: str,
                    notices: Iterable[tuple[int, str, str, str]]) -> None:
    """Keep exactly the notices the bureau sent for the region: (notice_id, title, published, body)."""
    con.execute("DELETE FROM notices WHERE region = ?", [region])
    for notice_id, title, published, body in notices:
        con.execute("INSERT INTO notices VALUES (?, ?, ?, ?, ?)", [region, notice_id, title, published or None, body])


def notices(con: duckdb.DuckDBPyConnection, region: str) -> pd.DataFrame:
    return frame(
        con,
        "SELECT title, published, body FROM notices WHERE region = ? ORDER BY published DESC, notice_id DESC",
        [region],
    )


def rule_file_count(con: duckdb.DuckDBPyConnection, region: str) -> int:
    return int(con.execute("SELECT count(*) FROM rule_files WHERE region = ?", [region]).fetchall()[0][0])


def rule_files(con: duckdb.DuckDBPyConnection, region: str) -> pd.DataFrame:
    """The region's rule files as kept: name, title (the file's own Chinese title), version, updated."""
    return frame(
        con,
        "SELECT name, coalesce(json_extract_string(body, '$.title'), name) AS title, version, updated "
        "FROM rule_files WHERE region = ? ORDER BY name",
        [region],
    )
