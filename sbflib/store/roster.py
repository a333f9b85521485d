"""The employee roster (职工参保信息) in the client store: bulk loads from Arrow and list reads.

The list is declared once here (`ROSTER_LIST`: columns and labels, the `RosterFilter` of the query
form and how each of its fields filters); the service re-exports it. Every function takes a DuckDB
connection: the service opens the unit of work (`store.work()` / `store.read()`).
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sbflib.domain import clock
from sbflib.domain.ids import mask_id_sql
from sbflib.domain.roster import PAYING, STOPPED, status_sql
from sbflib.store.filters import ListSpec, Where, contains, custom, date_from, date_to, equals
from sbflib.store.frames import frame
from sbflib.store.groups import IN_GROUP_SUBTREE

EMPLOYEE_COLUMNS = [
    "employee_id", "name", "gender", "id_type", "id_number", "birth_date",
    "start_month", "stop_month", "updated_at", "change_seq",
]
UNIT_AND_EMPLOYEE_COLUMNS = ", ".join(["unit_id", *EMPLOYEE_COLUMNS])
ITEM_COLUMNS = [
    "employee_id", "unit_number", "agency", "person_number", "item_code", "item_name", "subitem_name",
    "special_category", "base", "start_month", "stop_month", "collection_mode",
]
#: Item columns the bureau may send besides ITEM_COLUMNS (征收子目), kept when present.
OPTIONAL_ITEM_COLUMNS = ["subitem_detail"]

Con = duckdb.DuckDBPyConnection
#: Item rows from which a load works out the unit numbers in a thread beside DuckDB's insert.
_OVERLAP_ROWS = 50_000


# ------------------------------------------------------------------------------------ the list


@dataclass
class RosterFilter:
    """The query form of the roster page; empty values do not filter."""

    name: str = ""
    id_type: str = ""
    id_number: str = ""
    status: str = ""           # '' | 正常缴费 | 停止缴费
    unit_number: str = ""
    group_id: int | None = None            # the group and its subgroups
    updated_from: str | dt.date | None = None   # 'YYYY-MM-DD' or a date
    updated_to: str | dt.date | None = None


#: Column -> label, in display order. employee_id is the key the pages keep hidden.
COLUMNS = {
    "name": "姓名",
    "gender": "性别",
    "id_type": "证件类型",
    "id_number": "证件号码",
    "status": "参保状态",
    "unit_numbers": "单位编号",
    "group": "分组",
    "updated_at": "更新时间",
}


def _status(w: Where, status: str) -> None:
    month = clock.current_month()
    w.add(f"({status_sql('e.start_month', 'e.stop_month')}) = ?", month, month, status)


def _unit_number(w: Where, number: str) -> None:
    w.add("list_contains(string_split(e.unit_numbers, ','), ?)", number)


def _group(w: Where, group_id: int) -> None:
    w.add(IN_GROUP_SUBTREE, group_id)


ROSTER_LIST: ListSpec[RosterFilter] = ListSpec(
    title="职工参保信息",
    columns=COLUMNS,
    filter_type=RosterFilter,
    fields={
        "name": contains("姓名", "e.name"),
        "id_type": equals("证件类型", "e.id_type"),
        "id_number": contains("证件号码", "e.id_number"),
        "status": custom("参保状态", _status),
        "unit_number": custom("单位编号", _unit_number),
        "group_id": custom("分组", _group, kind="int"),
        "updated_from": date_from("更新时间起", "e.updated_at"),
        "updated_to": date_to("更新时间止", "e.updated_at"),
    },
)


def _where(unit_id: str, filters: RosterFilter | None, employee_ids: list[str] | None = None) -> Where:
    w = Where().equals("e.unit_id", unit_id)
    ROSTER_LIST.where(filters or RosterFilter(), w)
    return w.in_("e.employee_id", employee_ids)


# ------------------------------------------------------------------------------------ the load


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


def stored_cursor(con: Con, unit_id: str) -> int | None:
    row = con.execute("SELECT roster_cursor FROM units WHERE unit_id = ?", [unit_id]).fetchall()
    return row[0][0] if row else None


def _unit_numbers(items: pa.Table) -> pa.Table:
    """employee_id -> its unit numbers, sorted, distinct, comma-joined (None when it has none).

    A unit has a handful of unit numbers, so each becomes one bit (in sorted order), an employee's
    set is the sum of its distinct bits, and the few distinct sets are turned into text once."""
    numbers = items["unit_number"].combine_chunks()
    encoded = pc.dictionary_encode(numbers)
    dictionary = encoded.dictionary
    if len(dictionary) > 62 or len(items) == 0:
        return _unit_numbers_by_lists(items)
    order = pc.array_sort_indices(dictionary).to_numpy()
    rank = np.empty(len(dictionary), np.int64)
    rank[order] = np.arange(len(dictionary))
    indices = encoded.indices
    bits = np.left_shift(np.int64(1), rank[indices.fill_null(0).to_numpy(zero_copy_only=False)])
    valid = indices.is_valid().to_numpy(zero_copy_only=False)
    table = pa.table({"employee_id": items["employee_id"], "bit": pa.array(np.where(valid, bits, 0))})
    pairs = table.group_by(["employee_id", "bit"]).aggregate([])
    masks = pairs.group_by("employee_id").aggregate([("bit", "sum")])
    distinct, inverse = np.unique(masks["bit_sum"].to_numpy(zero_copy_only=False), return_inverse=True)
    names = pc.take(dictionary, pa.array(order)).to_pylist()
    texts = [",".join(n for j, n in enumerate(names) if int(m) >> j & 1) or None for m in distinct]
    return pa.table({"employee_id": masks["employee_id"],
                     "unit_numbers": pa.array(texts, pa.string()).take(pa.array(inverse.ravel()))})


def _numbered(employees: pa.Table, items: pa.Table) -> pa.Table:
    """`employees` with a last column `unit_numbers`, in the same row order, so DuckDB inserts one
    plain Arrow scan (no join)."""
    numbers = _unit_numbers(items)
    at = pc.index_in(employees["employee_id"], value_set=numbers["employee_id"].combine_chunks())
    column = pc.take(numbers["unit_numbers"], at)
    return employees.append_column("unit_numbers", column)


def _unit_numbers_by_lists(items: pa.Table) -> pa.Table:
    """The same as `_unit_numbers` for any number of unit numbers (slower)."""
    pairs = items.select(["employee_id", "unit_number"]).group_by(["employee_id", "unit_number"]).aggregate([])
    pairs = pairs.filter(pc.is_valid(pairs["unit_number"])).sort_by(
        [("employee_id", "ascending"), ("unit_number", "ascending")]
    )
    lists = pairs.group_by("employee_id", use_threads=False).aggregate([("unit_number", "list")])
    joined = pc.binary_join(lists["unit_number_list"], ",")
    return pa.table({"employee_id": lists["employee_id"], "unit_numbers": pa.array(joined, pa.string())})


def load_roster(
    con: Con, unit_id: str, employees: pa.Table, items: pa.Table, *,
    full: bool, since: int | None, cursor: int, kind: str, rebase: bool = False,
) -> LoadResult:
    """Apply one roster transfer (asked for with `since`, bringing the roster up to `cursor`) inside
    the caller's unit of work.

    Full: the unit's roster becomes exactly what arrived; "changed" counts employees that are new or
    whose bureau change number differs, plus those no longer listed. Incremental: every employee that
    arrived replaces what was held for it (items included) and counts as changed. Raises CursorMoved,
    changing nothing, when the store is no longer where the transfer started from. A full update of a
    unit that holds nothing inserts straight from Arrow: there is nothing to compare or delete.
    """
    started = clock.now()
    emp_cols = ", ".join(EMPLOYEE_COLUMNS)
    extra = [c for c in OPTIONAL_ITEM_COLUMNS if c in items.schema.names]
    item_cols = ", ".join([*ITEM_COLUMNS, *extra])
    current, sync_id = con.execute(
        "SELECT (SELECT roster_cursor FROM units WHERE unit_id = ?), nextval('sync_ids')", [unit_id]
    ).fetchall()[0]
    # A full update may not put an older roster over a newer one, unless the bureau's own history
    # went back (`rebase`: it was restored and refused our cursor as ahead of it); then it applies
    # as long as no other window moved the store since this update read it.
    moved = (current != since) if (rebase or not full) else (current is not None and current > cursor)
    if moved:
        raise CursorMoved(current)
    # The unit numbers per employee are worked out by Arrow, beside DuckDB's insert of the items when
    # the transfer is big; a small one's take well under a millisecond, so they are worked out at once
    # and the employees are registered with them (one Arrow registration less).
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sbf-unit-numbers")
    big = items.num_rows >= _OVERLAP_ROWS
    numbered = pool.submit(_numbered, employees, items) if big else None
    try:
        con.register("incoming_employees", employees if big else _numbered(employees, items))
        con.register("incoming_items", items)
        empty = full and not con.execute(
            "SELECT count(*) FROM (SELECT 1 FROM employees WHERE unit_id = ? LIMIT 1)", [unit_id]
        ).fetchall()[0][0]
        removed = 0
        changed: int | None = employees.num_rows
        if full and not empty:
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
            changed = None
        elif employees.num_rows:
            con.execute("INSERT INTO sync_changes SELECT ?, employee_id FROM incoming_employees", [sync_id])
        if not full and employees.num_rows:
            # Every employee that arrived replaces what was held for it, items included.
            con.execute(
                "DELETE FROM employees WHERE unit_id = ? AND employee_id IN (SELECT employee_id FROM incoming_employees)",
                [unit_id],
            )
            con.execute(
                "DELETE FROM employee_items WHERE unit_id = ?"
                " AND employee_id IN (SELECT employee_id FROM incoming_employees)",
                [unit_id],
            )
        if items.num_rows:
            con.execute(
                f"INSERT INTO employee_items (unit_id, {item_cols}) SELECT ?, {item_cols} FROM incoming_items",
                [unit_id],
            )
        if employees.num_rows:
            source = "incoming_employees"
            if numbered is not None:
                con.register("incoming_numbered", numbered.result())
                source = "incoming_numbered"
            con.execute(
                f"""INSERT INTO employees ({UNIT_AND_EMPLOYEE_COLUMNS}, unit_numbers)
                    SELECT ?, {emp_cols}, unit_numbers FROM {source}""",
                [unit_id],
            )
        if changed is None:
            changed = con.execute("SELECT count(*) FROM sync_changes WHERE sync_id = ?", [sync_id]).fetchall()[0][0]
        changed += removed
        con.execute(
            "INSERT INTO sync_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [sync_id, unit_id, kind, started, clock.now(), employees.num_rows, changed, cursor],
        )
        con.execute(
            "UPDATE units SET roster_cursor = ?, last_sync_at = ? WHERE unit_id = ?", [cursor, clock.now(), unit_id]
        )
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        for name in ("incoming_employees", "incoming_items", "incoming_numbered"):
            try:
                con.unregister(name)
            except duckdb.Error:
                pass
    return LoadResult(int(sync_id), employees.num_rows, int(changed))


# ------------------------------------------------------------------------------------ list reads


def _select(where: str, *, full_ids: bool = False, display: bool = True, total: bool = False) -> str:
    id_number = "e.id_number" if full_ids else mask_id_sql("e.id_number")
    updated = "strftime(e.updated_at, '%Y-%m-%d %H:%M:%S')" if display else "e.updated_at"
    counted = "count(*) OVER () AS _total, " if total else ""
    return f"""
        SELECT {counted}e.employee_id, e.name, e.gender, e.id_type,
               {id_number} AS id_number,
               {status_sql('e.start_month', 'e.stop_month')} AS status,
               coalesce(e.unit_numbers, '') AS unit_numbers,
               m.group_id,
               {updated} AS updated_at
        FROM employees e
        LEFT JOIN employee_group_members m ON m.unit_id = e.unit_id AND m.employee_id = e.employee_id
        WHERE {where}
        ORDER BY e.employee_id"""


def query_page(
    con: Con, unit_id: str, filters: RosterFilter | None, *, page: int, page_size: int,
) -> tuple[pd.DataFrame, int]:
    """One page of the roster (ID numbers masked, times as text) and how many employees match.

    One statement does both (the count is a window over the matching rows), so the employees are
    scanned and filtered once; only a page past the end needs a count of its own."""
    month = clock.current_month()
    w = _where(unit_id, filters)
    df = frame(con, _select(w.sql(), total=True) + " LIMIT ? OFFSET ?",
               [month, month, *w.params, page_size, (page - 1) * page_size])
    counted = df.pop("_total")
    if len(df):
        return df, int(counted.iloc[0])
    if page == 1:
        return df, 0
    total = con.execute(f"SELECT count(*) FROM employees e WHERE {w.sql()}", w.params).fetchall()[0][0]
    return df, int(total)


def query_all(
    con: Con, unit_id: str, filters: RosterFilter | None, *,
    employee_ids: list[str] | None = None, full_ids: bool = False, display: bool = True,
) -> pd.DataFrame:
    """Every matching employee (or only `employee_ids` among them), never truncated. `display`:
    times as text as on the screen; otherwise typed (updated_at a timestamp)."""
    month = clock.current_month()
    w = _where(unit_id, filters, employee_ids)
    return frame(con, _select(w.sql(), full_ids=full_ids, display=display), [month, month, *w.params])


def items_of(con: Con, unit_id: str, filters: RosterFilter | None) -> pd.DataFrame:
    """The insured items (参保险种) of every matching employee, bases as Decimal."""
    month = clock.current_month()
    w = _where(unit_id, filters)
    sql = f"""
        SELECT e.employee_id, e.name, {status_sql('e.start_month', 'e.stop_month')} AS status,
               i.unit_number, i.agency, i.item_code, i.item_name, i.subitem_name, i.subitem_detail,
               i.special_category, i.base, i.start_month, i.stop_month, i.collection_mode
        FROM employees e JOIN employee_items i ON i.unit_id = e.unit_id AND i.employee_id = e.employee_id
        WHERE {w.sql()}
        ORDER BY e.employee_id, i.unit_number, i.item_code"""
    return frame(con, sql, [month, month, *w.params])


def counts(con: Con, unit_id: str) -> tuple[int, int, int]:
    """(total, paying, stopped) for the unit in the current month."""
    month = clock.current_month()
    status = status_sql("start_month", "stop_month")
    row = con.execute(
        f"""SELECT count(*), count(*) FILTER (WHERE s = ?), count(*) FILTER (WHERE s = ?)
            FROM (SELECT {status} AS s FROM employees WHERE unit_id = ?)""",
        [PAYING, STOPPED, month, month, unit_id],
    ).fetchall()[0]
    return int(row[0]), int(row[1]), int(row[2])


def employee(con: Con, unit_id: str, employee_id: str) -> tuple[dict[str, Any] | None, pd.DataFrame]:
    """One employee's row and items (full, unmasked values: the detail view masks what it shows)."""
    cur = con.execute("SELECT * FROM employees WHERE unit_id = ? AND employee_id = ?", [unit_id, employee_id])
    rows = cur.fetchall()
    basic = dict(zip([d[0] for d in cur.description], rows[0], strict=True)) if rows else None
    items = frame(
        con,
        "SELECT * EXCLUDE (unit_id) FROM employee_items WHERE unit_id = ? AND employee_id = ?"
        " ORDER BY unit_number, item_code, start_month",
        [unit_id, employee_id],
    )
    group = con.execute(
        "SELECT group_id FROM employee_group_members WHERE unit_id = ? AND employee_id = ?", [unit_id, employee_id]
    ).fetchall()
    if basic is not None:
        basic["group_id"] = group[0][0] if group else None
    return basic, items


def changed_employee_ids(con: Con, sync_id: int) -> list[str]:
    return [r[0] for r in con.execute("SELECT employee_id FROM sync_changes WHERE sync_id = ?", [sync_id]).fetchall()]


def distinct_values(con: Con, unit_id: str, column: str) -> list[str]:
    table, col = {
        "id_type": ("employees", "id_type"),
        "unit_number": ("employee_items", "unit_number"),
    }[column]
    rows = con.execute(
        f"SELECT DISTINCT {col} FROM {table} WHERE unit_id = ? AND {col} IS NOT NULL ORDER BY 1", [unit_id]
    ).fetchall()
    return [r[0] for r in rows]


def missing_employees(con: Con, unit_id: str, employee_ids: list[str]) -> list[str]:
    """Those of `employee_ids` the unit's roster does not hold, in the order given."""
    held = {r[0] for r in con.execute(
        "SELECT employee_id FROM employees WHERE unit_id = ? AND employee_id IN (SELECT unnest(?))",
        [unit_id, employee_ids],
    ).fetchall()}
    return [e for e in employee_ids if e not in held]


def find_employees_by_id_number(con: Con, unit_id: str, id_numbers: list[str]) -> dict[str, str]:
    """Full ID number -> employee_id, for template imports."""
    rows = con.execute(
        "SELECT upper(id_number), employee_id FROM employees WHERE unit_id = ? AND upper(id_number) IN (SELECT unnest(?))",
        [unit_id, [n.upper() for n in id_numbers]],
    ).fetchall()
    return dict(rows)


def employees_for_template(con: Con, unit_id: str) -> pd.DataFrame:
    return frame(
        con,
        """SELECT e.name, e.id_type, e.id_number, m.group_id FROM employees e
           LEFT JOIN employee_group_members m ON m.unit_id = e.unit_id AND m.employee_id = e.employee_id
           WHERE e.unit_id = ? ORDER BY e.employee_id""",
        [unit_id],
    )
