"""What 首页's 待办事项 and 异常提醒 read from the client store (functions of the caller's connection).

Only reads, each cheap: the roster (employees paying now with no contribution wage on a 税务自主
item), the region's kept rule files (the 征收规则 block for pay-by dates), and, when the declaration
pages' tables exist (migration 008), the 征集有效日期 of preprocessing rows and the submissions whose
answer is not known yet. A table that does not exist yet reads as empty.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

import duckdb

from sbflib.domain.roster import PAYING, status_sql
from sbflib.domain.rules import CONTRIBUTION, merge_documents

Con = duckdb.DuckDBPyConnection

SELF_COLLECTED = "税务自主"


def has_table(con: Con, name: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name]).fetchall()[0][0])


def roster_loaded(con: Con, unit_id: str) -> bool:
    """Whether the roster was ever fetched for the unit."""
    rows = con.execute("SELECT roster_cursor FROM units WHERE unit_id = ?", [unit_id]).fetchall()
    return bool(rows) and rows[0][0] is not None


def employees_without_wage(con: Con, unit_id: str, month: str) -> int:
    """Employees paying in `month` (正常缴费) with a 税务自主 item in force that month whose
    缴费基数 is empty or zero."""
    status = status_sql("e.start_month", "e.stop_month")
    return int(con.execute(f"""
        SELECT count(DISTINCT e.employee_id)
        FROM employees e JOIN employee_items i ON i.unit_id = e.unit_id AND i.employee_id = e.employee_id
        WHERE e.unit_id = ? AND ({status}) = ?
          AND coalesce(i.collection_mode, '{SELF_COLLECTED}') = '{SELF_COLLECTED}'
          AND coalesce(i.start_month, '') <= ? AND (coalesce(i.stop_month, '') = '' OR i.stop_month >= ?)
          AND coalesce(i.base, 0) = 0
    """, [unit_id, month, month, PAYING, month, month]).fetchall()[0][0])


def collection_block(con: Con, region: str) -> dict[str, Any] | None:
    """The `collection` block (pay-by day, late fee) of the region's kept contribution rule files,
    or None when none is kept or it has none."""
    if not has_table(con, "rule_files"):
        return None
    docs = []
    for (body,) in con.execute("SELECT body FROM rule_files WHERE region = ? ORDER BY name", [region]).fetchall():
        try:
            doc = json.loads(body) if body else None
        except ValueError:
            continue
        if isinstance(doc, dict) and doc.get("kind") == CONTRIBUTION:
            docs.append(doc)
    if not docs:
        return None
    block = merge_documents(docs).get("collection")
    return block if isinstance(block, dict) else None


def valid_until(con: Con, unit_id: str, prep_ids: Iterable[str]) -> dict[str, dt.date]:
    """征集有效日期 of the given preprocessing rows, as the declaration pages last loaded them."""
    ids = sorted(set(prep_ids))
    if not ids or not has_table(con, "declare_rows"):
        return {}
    rows = con.execute(
        "SELECT prep_id, min(valid_until) FROM declare_rows WHERE unit_id = ? AND valid_until IS NOT NULL "
        "AND prep_id IN (SELECT unnest(?)) GROUP BY prep_id", [unit_id, ids]).fetchall()
    return {str(p): d for p, d in rows if isinstance(d, dt.date)}


def pending_submissions(con: Con, unit_id: str) -> list[tuple[str, int]]:
    """(channel, rows) of each submission sent whose answer is not recorded (提交中)."""
    if not has_table(con, "declare_submissions"):
        return []
    rows = con.execute(
        "SELECT channel, sum(rows) FROM declare_submissions WHERE unit_id = ? AND state = '提交中' "
        "GROUP BY channel ORDER BY channel", [unit_id]).fetchall()
    return [(str(c), int(n or 0)) for c, n in rows]
