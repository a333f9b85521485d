"""The employee roster (职工参保信息) in the client store: bulk loads from Arrow and paged reads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa

from sbflib import clock
from sbflib.domain.ids import mask_id_sql
from sbflib.domain.roster import PAYING, STOPPED, status_sql
from sbflib.store.db import Store

EMPLOYEE_COLUMNS = [
    "employee_id", "name", "gender", "id_type", "id_number", "birth_date",
    "start_month", "stop_month", "updated_at", "change_seq",
]
UNIT_AND_EMPLOYEE_COLUMNS = ", ".join(["unit_id", *EMPLOYEE_COLUMNS])
ITEM_COLUMNS = [
    "employee_id", "unit_number", "agency", "person_number", "item_code", "item_name", "subitem_name",
    "special_category", "base", "start_month", "stop_month", "collection_mode",
]


@dataclass(frozen=True)
class LoadResult:
    sync_id: int
    received: int
    changed: int


class CursorMoved(Exception):
    """Another window updated the roster since this transfer was asked for; `cursor` is where the
    store is now. Applying the transfer could put older data over newer, so it is not applied."""

    def __init__(self, cursor: int | None) -> None:
        super().__init__(cursor)
        self.cursor = cursor


def stored_cursor(store: Store, unit_id: str) -> int | None:
    with store.read() as con:
        row = con.execute("SELECT roster_cursor FROM units WHERE unit_id = ?", [unit_id]).fetchall()
    return row[0][0] if row else None


def load_roster(
    store: Store, unit_id: str, employees: pa.Table, items: pa.Table, *,
    full: bool, since: int | None, cursor: int, kind: str,
) -> LoadResult:
    """Apply one roster transfer (asked for with `since`, bringing the roster up to `cursor`) in one
    transaction.

    Full: the unit's roster becomes exactly what arrived; "changed" counts employees that are new or
    whose bureau change number differs, plus those no longer listed. Incremental: every employee that
    arrived replaces what was held for it (items included) and counts as changed. Raises CursorMoved,
    changing nothing, when the store is no longer where the transfer started from.
    """
    started = clock.now()
    emp_cols = ", ".join(EMPLOYEE_COLUMNS)
    item_cols = ", ".join(ITEM_COLUMNS)
    with store.work() as con:
        current = con.execute("SELECT roster_cursor FROM units WHERE unit_id = ?", [unit_id]).fetchall()[0][0]
        if (current != since) if not full else (current is not None and current > cursor):
            raise CursorMoved(current)
        con.register("incoming_employees", employees)
        con.register("incoming_items", items)
        sync_id = con.execute("SELECT nextval('sync_ids')").fetchall()[0][0]
        if full:
            con.execute(
                """INSERT INTO sync_changes
                   SELECT ?, i.employee_id FROM incoming_employees i
                   LEFT JOIN (SELECT employee_id, change_seq FROM employees WHERE unit_id = ?) e
                     ON e.employee_id = i.employee_id
                   WHERE e.employee_id IS NULL OR e.change_seq IS DISTINCT FROM i.change_seq""",
                [sync_id, unit_id],
            )
            removed = con.execute(
                """SELECT count(*) FROM employees e WHERE e.unit_id = ?
                   AND NOT EXISTS (SELECT 1 FROM incoming_employees i WHERE i.employee_id = e.employee_id)""",
                [unit_id],
            ).fetchall()[0][0]
            con.execute("DELETE FROM employees WHERE unit_id = ?", [unit_id])
            con.execute("DELETE FROM employee_items WHERE unit_id = ?", [unit_id])
        else:
            removed = 0
            con.execute("INSERT INTO sync_changes SELECT ?, employee_id FROM incoming_employees", [sync_id])
            con.execute(
                "DELETE FROM employees WHERE unit_id = ? AND employee_id IN (SELECT employee_id FROM incoming_employees)",
                [unit_id],
            )
            con.execute(
                "DELETE FROM employee_items WHERE unit_id = ?"
                " AND employee_id IN (SELECT employee_id FROM incoming_employees)",
                [unit_id],
            )
        con.execute(
            f"""INSERT INTO employees ({UNIT_AND_EMPLOYEE_COLUMNS}, unit_numbers)
                SELECT ?, {emp_cols}, n.unit_numbers FROM incoming_employees
                LEFT JOIN (SELECT employee_id, string_agg(DISTINCT unit_number, ',' ORDER BY unit_number) AS unit_numbers
                           FROM incoming_items GROUP BY employee_id) n USING (employee_id)""",
            [unit_id],
        )
        con.execute(f"INSERT INTO employee_items SELECT ?, {item_cols} FROM incoming_items", [unit_id])
        changed = con.execute("SELECT count(*) FROM sync_changes WHERE sync_id = ?", [sync_id]).fetchall()[0][0]
        changed += removed
        con.execute(
            "INSERT INTO sync_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [sync_id, unit_id, kind, started, clock.now(), employees.num_rows, changed, cursor],
        )
        con.execute(
            "UPDATE units SET roster_cursor = ?, last_sync_at = ? WHERE unit_id = ?", [cursor, clock.now(), unit_id]
        )
        con.unregister("incoming_employees")
        con.unregister("incoming_items")
    return LoadResult(int(sync_id), employees.num_rows, int(changed))


@dataclass
class RosterQuery:
    """Filters of the roster page, already resolved to SQL-ready values."""

    name: str = ""
    id_type: str = ""
    id_number: str = ""
    status: str = ""
    unit_number: str = ""
    group_ids: list[int] | None = None     # the chosen group and its subtree
    updated_from: str | None = None        # 'YYYY-MM-DD'
    updated_to: str | None = None
    employee_ids: list[str] | None = None  # only these employees (export of selected rows)


def _where(unit_id: str, q: RosterQuery, month: str) -> tuple[str, list[Any]]:
    clauses = ["e.unit_id = ?"]
    params: list[Any] = [unit_id]
    if q.name.strip():
        clauses.append("e.name ILIKE ?")
        params.append(f"%{q.name.strip()}%")
    if q.id_type:
        clauses.append("e.id_type = ?")
        params.append(q.id_type)
    if q.id_number.strip():
        clauses.append("e.id_number ILIKE ?")
        params.append(f"%{q.id_number.strip()}%")
    if q.status:
        clauses.append(f"({status_sql('e.start_month', 'e.stop_month')}) = ?")
        params += [month, month, q.status]
    if q.unit_number:
        clauses.append("list_contains(string_split(e.unit_numbers, ','), ?)")
        params.append(q.unit_number)
    if q.group_ids is not None:
        marks = ", ".join("?" * len(q.group_ids)) or "NULL"
        clauses.append(
            f"e.employee_id IN (SELECT employee_id FROM employee_group_members WHERE unit_id = ? AND group_id IN ({marks}))"
        )
        params += [unit_id, *q.group_ids]
    if q.updated_from:
        clauses.append("e.updated_at >= CAST(? AS DATE)")
        params.append(q.updated_from)
    if q.updated_to:
        clauses.append("e.updated_at < CAST(? AS DATE) + INTERVAL 1 DAY")
        params.append(q.updated_to)
    if q.employee_ids is not None:
        marks = ", ".join("?" * len(q.employee_ids)) or "NULL"
        clauses.append(f"e.employee_id IN ({marks})")
        params += list(q.employee_ids)
    return " AND ".join(clauses), params


def _select(where: str) -> str:
    return f"""
        SELECT e.employee_id, e.name, e.gender, e.id_type,
               {mask_id_sql('e.id_number')} AS id_number,
               {status_sql('e.start_month', 'e.stop_month')} AS status,
               coalesce(e.unit_numbers, '') AS unit_numbers,
               m.group_id,
               strftime(e.updated_at, '%Y-%m-%d %H:%M:%S') AS updated_at
        FROM employees e
        LEFT JOIN employee_group_members m ON m.unit_id = e.unit_id AND m.employee_id = e.employee_id
        WHERE {where}
        ORDER BY e.employee_id"""


def query_page(
    store: Store, unit_id: str, q: RosterQuery, *, page: int, page_size: int
) -> tuple[pd.DataFrame, int]:
    """One page of the roster and the total number of matching employees."""
    month = clock.current_month()
    where, params = _where(unit_id, q, month)
    with store.read() as con:
        total = con.execute(f"SELECT count(*) FROM employees e WHERE {where}", params).fetchall()[0][0]
        df = con.execute(
            _select(where) + " LIMIT ? OFFSET ?", [month, month, *params, page_size, (page - 1) * page_size]
        ).df()
    return df, int(total)


def query_all(store: Store, unit_id: str, q: RosterQuery) -> pd.DataFrame:
    """Every matching employee (for export), with the unit numbers each is registered under."""
    month = clock.current_month()
    where, params = _where(unit_id, q, month)
    with store.read() as con:
        return con.execute(_select(where), [month, month, *params]).df()


def items_of(store: Store, unit_id: str, q: RosterQuery) -> pd.DataFrame:
    """The insured items (参保险种) of every matching employee, bases as Decimal (through Arrow)."""
    month = clock.current_month()
    where, params = _where(unit_id, q, month)
    sql = f"""
        SELECT e.employee_id, e.name, {status_sql('e.start_month', 'e.stop_month')} AS status,
               i.unit_number, i.agency, i.item_code, i.item_name, i.subitem_name, i.special_category,
               i.base, i.start_month, i.stop_month, i.collection_mode
        FROM employees e JOIN employee_items i ON i.unit_id = e.unit_id AND i.employee_id = e.employee_id
        WHERE {where}
        ORDER BY e.employee_id, i.unit_number, i.item_code"""
    with store.read() as con:
        return con.sql(sql, params=[month, month, *params]).to_arrow_table().to_pandas()


def counts(store: Store, unit_id: str) -> tuple[int, int, int]:
    """(total, paying, stopped) for the unit in the current month."""
    month = clock.current_month()
    status = status_sql("start_month", "stop_month")
    with store.read() as con:
        row = con.execute(
            f"""SELECT count(*), count(*) FILTER (WHERE s = ?), count(*) FILTER (WHERE s = ?)
                FROM (SELECT {status} AS s FROM employees WHERE unit_id = ?)""",
            [PAYING, STOPPED, month, month, unit_id],
        ).fetchall()[0]
    return int(row[0]), int(row[1]), int(row[2])


def employee(store: Store, unit_id: str, employee_id: str) -> tuple[dict[str, Any] | None, pd.DataFrame]:
    """One employee's row and items (full, unmasked values: the detail view masks what it shows)."""
    with store.read() as con:
        cur = con.execute(
            "SELECT * FROM employees WHERE unit_id = ? AND employee_id = ?", [unit_id, employee_id]
        )
        rows = cur.fetchall()
        basic = dict(zip([d[0] for d in cur.description], rows[0])) if rows else None
        # Through Arrow so 缴费基数 arrives as Decimal, not float (DuckDB's .df() gives float64).
        items = con.sql(
            "SELECT * EXCLUDE (unit_id) FROM employee_items WHERE unit_id = ? AND employee_id = ?"
            " ORDER BY unit_number, item_code, start_month",
            params=[unit_id, employee_id],
        ).to_arrow_table().to_pandas()
        group = con.execute(
            "SELECT group_id FROM employee_group_members WHERE unit_id = ? AND employee_id = ?",
            [unit_id, employee_id],
        ).fetchone()
    if basic is not None:
        basic["group_id"] = group[0] if group else None
    return basic, items


def changed_employee_ids(store: Store, sync_id: int) -> list[str]:
    with store.read() as con:
        return [r[0] for r in con.execute("SELECT employee_id FROM sync_changes WHERE sync_id = ?", [sync_id]).fetchall()]


def distinct_values(store: Store, unit_id: str, column: str) -> list[str]:
    table, col = {
        "id_type": ("employees", "id_type"),
        "unit_number": ("employee_items", "unit_number"),
    }[column]
    with store.read() as con:
        rows = con.execute(
            f"SELECT DISTINCT {col} FROM {table} WHERE unit_id = ? AND {col} IS NOT NULL ORDER BY 1", [unit_id]
        ).fetchall()
    return [r[0] for r in rows]


def find_employees_by_id_number(store: Store, unit_id: str, id_numbers: list[str]) -> dict[str, str]:
    """Full ID number -> employee_id, for template imports."""
    with store.read() as con:
        rows = con.execute(
            "SELECT upper(id_number), employee_id FROM employees WHERE unit_id = ? AND upper(id_number) IN (SELECT unnest(?))",
            [unit_id, [n.upper() for n in id_numbers]],
        ).fetchall()
    return dict(rows)


def employees_for_template(store: Store, unit_id: str) -> pd.DataFrame:
    with store.read() as con:
        return con.execute(
            """SELECT e.name, e.id_type, e.id_number, m.group_id FROM employees e
               LEFT JOIN employee_group_members m ON m.unit_id = e.unit_id AND m.employee_id = e.employee_id
               WHERE e.unit_id = ? ORDER BY e.employee_id""",
            [unit_id],
        ).df()
