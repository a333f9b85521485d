"""Reference data fetched from the bureau at login: rule files (规则文件) and notices (通知公告)."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from sbflib.store.db import Store


def replace_rules_and_notices(
    store: Store, region: str, rules: list[tuple[dict[str, Any], Any]], notices: list[dict[str, Any]]
) -> None:
    """Keep exactly what the bureau sent for the region, in one unit of work."""
    with store.work() as con:
        con.execute("DELETE FROM rule_files WHERE region = ?", [region])
        for meta, body in rules:
            con.execute(
                "INSERT INTO rule_files VALUES (?, ?, ?, ?, ?)",
                [region, meta["name"], meta.get("version"), meta.get("updated"), json.dumps(body, ensure_ascii=False)],
            )
        con.execute("DELETE FROM notices WHERE region = ?", [region])
        for n in notices:
            con.execute(
                "INSERT INTO notices VALUES (?, ?, ?, ?, ?)",
                [region, n["notice_id"], n.get("title"), n.get("published"), n.get("body")],
            )


def notices(store: Store, region: str) -> pd.DataFrame:
    with store.read() as con:
        return con.execute(
            "SELECT title, published, body FROM notices WHERE region = ? ORDER BY published DESC, notice_id DESC",
            [region],
        ).df()
