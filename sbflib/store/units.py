"""The units added on this workbench (单位管理), their unit numbers and profiles.

Every function takes the connection of the caller's unit of work (`store.work()` / `store.read()`),
so a check and its write share one transaction.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb
import pandas as pd

from sbflib.domain import clock
from sbflib.store.frames import frame

UNIT_COLUMNS = ["unit_id", "taxpayer_id", "name", "tax_authority", "tax_office", "remark", "module", "region"]


def _like(text: str) -> str:
    """An ILIKE pattern matching `text` literally (% and _ escaped with \\)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def list_units(con: duckdb.DuckDBPyConnection, module: str, keyword: str = "") -> pd.DataFrame:
    """Units of one module, filtered by a keyword over taxpayer ID, name and remark."""
    sql = f"SELECT {', '.join(UNIT_COLUMNS)} FROM units WHERE module = ?"
    params: list[Any] = [module]
    keyword = (keyword or "").strip()
    if keyword:
        sql += " AND (taxpayer_id ILIKE ? ESCAPE '\\' OR name ILIKE ? ESCAPE '\\' OR remark ILIKE ? ESCAPE '\\')"
        params += [_like(keyword)] * 3
    sql += " ORDER BY added_at, unit_id"
    return frame(con, sql, params)


def get_unit(con: duckdb.DuckDBPyConnection, unit_id: str) -> dict[str, Any] | None:
    # fetchall, not fetchone: a result left unfinished blocks the next query of the unit of work.
    cur = con.execute("SELECT * FROM units WHERE unit_id = ?", [unit_id])
    rows = cur.fetchall()
    if not rows:
        return None
    return dict(zip([d[0] for d in cur.description], rows[0], strict=True))


def unit_numbers(con: duckdb.DuckDBPyConnection, unit_id: str) -> list[dict[str, Any]]:
    rows = con.execute(
        "SELECT unit_number, agency, tax_authority FROM unit_numbers WHERE unit_id = ? ORDER BY unit_number",
        [unit_id],
    ).fetchall()
    return [{"unit_number": r[0], "agency": r[1], "tax_authority": r[2]} for r in rows]


def add_unit(con: duckdb.DuckDBPyConnection, unit: dict[str, Any], numbers: list[dict[str, Any]]) -> None:
    con.execute(
        "INSERT INTO units (unit_id, module, taxpayer_id, name, region, tax_authority, tax_office, added_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [unit["unit_id"], unit["module"], unit["taxpayer_id"], unit["name"], unit["region"],
         unit.get("tax_authority"), unit.get("tax_office"), clock.now()],
    )
    replace_unit_numbers(con, unit["unit_id"], numbers)


def replace_unit_numbers(con: duckdb.DuckDBPyConnection, unit_id: str, numbers: list[dict[str, Any]]) -> None:
    con.execute("DELETE FROM unit_numbers WHERE unit_id = ?", [unit_id])
    for n in numbers:
        con.execute(
            "INSERT INTO unit_numbers VALUES (?, ?, ?, ?)",
            [unit_id, n["unit_number"], n.get("agency"), n.get("tax_authority")],
        )


def set_remark(con: duckdb.DuckDBPyConnection, unit_id: str, remark: str) -> None:
    con.execute("UPDATE units SET remark = ? WHERE unit_id = ?", [remark, unit_id])


def save_profile(con: duckdb.DuckDBPyConnection, unit_id: str, profile: dict[str, Any]) -> None:
    con.execute(
        "UPDATE units SET profile_json = ? WHERE unit_id = ?",
        [json.dumps(profile, ensure_ascii=False), unit_id],
    )


def stored_profile(con: duckdb.DuckDBPyConnection, unit_id: str) -> dict[str, Any] | None:
    rows = con.execute("SELECT profile_json FROM units WHERE unit_id = ?", [unit_id]).fetchall()
    return json.loads(rows[0][0]) if rows and rows[0][0] else None
