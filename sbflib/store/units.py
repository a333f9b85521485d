"""The units added on this workbench (单位管理) and their unit numbers."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from sbflib import clock
from sbflib.store.db import Store

UNIT_COLUMNS = ["unit_id", "taxpayer_id", "name", "tax_authority", "tax_office", "remark", "module", "region"]


def list_units(store: Store, module: str, keyword: str = "") -> pd.DataFrame:
    """Units of one module, filtered by a keyword over taxpayer ID, name and remark."""
    sql = f"SELECT {', '.join(UNIT_COLUMNS)} FROM units WHERE module = ?"
    params: list[Any] = [module]
    keyword = (keyword or "").strip()
    if keyword:
        sql += " AND (taxpayer_id ILIKE ? OR name ILIKE ? OR remark ILIKE ?)"
        params += [f"%{keyword}%"] * 3
    sql += " ORDER BY added_at, unit_id"
    with store.read() as con:
        return con.execute(sql, params).df()


def get_unit(store: Store, unit_id: str) -> dict[str, Any] | None:
    with store.read() as con:
        cur = con.execute("SELECT * FROM units WHERE unit_id = ?", [unit_id])
        row = cur.fetchone()
        if row is None:
            return None
        return dict(zip([d[0] for d in cur.description], row))


def unit_numbers(store: Store, unit_id: str) -> list[dict[str, Any]]:
    with store.read() as con:
        rows = con.execute(
            "SELECT unit_number, agency, tax_authority FROM unit_numbers WHERE unit_id = ? ORDER BY unit_number",
            [unit_id],
        ).fetchall()
    return [{"unit_number": r[0], "agency": r[1], "tax_authority": r[2]} for r in rows]


def add_unit(store: Store, unit: dict[str, Any], numbers: list[dict[str, Any]]) -> None:
    with store.work() as con:
        con.execute(
            "INSERT INTO units (unit_id, module, taxpayer_id, name, region, tax_authority, tax_office, added_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [unit["unit_id"], unit["module"], unit["taxpayer_id"], unit["name"], unit["region"],
             unit.get("tax_authority"), unit.get("tax_office"), clock.now()],
        )
        replace_unit_numbers(con, unit["unit_id"], numbers)


def replace_unit_numbers(con, unit_id: str, numbers: list[dict[str, Any]]) -> None:
    con.execute("DELETE FROM unit_numbers WHERE unit_id = ?", [unit_id])
    for n in numbers:
        con.execute(
            "INSERT INTO unit_numbers VALUES (?, ?, ?, ?)",
            [unit_id, n["unit_number"], n.get("agency"), n.get("tax_authority")],
        )


def set_remark(store: Store, unit_id: str, remark: str) -> None:
    with store.work() as con:
        con.execute("UPDATE units SET remark = ? WHERE unit_id = ?", [remark, unit_id])


def save_profile(store: Store, unit_id: str, profile: dict[str, Any]) -> None:
    with store.work() as con:
        con.execute(
            "UPDATE units SET profile_json = ? WHERE unit_id = ?",
            [json.dumps(profile, ensure_ascii=False), unit_id],
        )
