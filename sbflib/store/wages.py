"""Contribution-wage filings (缴费工资申报) in the client store: the edit list of each page and the
filings with their lines as last fetched from the bureau.

Two lists, each declared once: `WAGE_DRAFT_LIST` (the rows being edited, one per employee for
way=employee or per employee and insured item for way=item) and `WAGE_RECORD_LIST` (缴费工资申报记录).
Every function takes the connection of the caller's unit of work; bulk writes go through Arrow.

A row's status: 未申报 (editable), 提交中 (sent or about to be sent with `submit_key`; the answer has
not been recorded: the next submit re-sends it with the same key), 已申报 (the bureau took it as
`filing_id`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from sbflib.domain import clock
from sbflib.domain.ids import mask_id_sql
from sbflib.domain.roster import PAYING, status_sql
from sbflib.store.filters import ListSpec, Where, contains, date_from, date_to, equals, like_pattern
from sbflib.store.frames import arrow, frame
from sbflib.store.groups import IN_GROUP_SUBTREE

Con = duckdb.DuckDBPyConnection

UNSENT = "未申报"
SENDING = "提交中"
SENT = "已申报"
DRAFT_STATUSES = (UNSENT, SENDING, SENT)

#: The collection mode of items whose wage the unit files itself; every other mode (税务代征) is
#: left out when rows are added and when they are sent.
SELF_DECLARED = "税务自主"
PENDING = "待反馈"
RECORD_STATUSES = (PENDING, "全部申报成功", "全部申报失败", "部分申报成功")

KIND_LABELS = {"daily": "日常缴费工资申报", "annual": "年度缴费工资申报"}
WAY_LABELS = {"employee": "按职工申报", "item": "按险种申报"}


# ------------------------------------------------------------------------------------ the edit list


@dataclass
class WageDraftFilter:
    """The query form of a wage-filing page; empty values do not filter."""

    name: str = ""
    id_number: str = ""
    status: str = ""          # '' | 未申报 | 提交中 | 已申报
    item_code: str = ""       # way=item
    tax_authority: str = ""


#: Every column of a page, key -> label, in display order (the service keeps those of its kind/way:
#: no item_name for way=employee, no month for annual filings).
DRAFT_COLUMNS = {
    "name": "姓名",
    "id_type": "证件类型",
    "id_number": "证件号码",
    "item_name": "征收项目",
    "tax_authority": "主管税务机关",
    "old_wage": "原缴费工资（元）",
    "new_wage": "新缴费工资（元）",
    "month": "生效年月",
    "status": "申报状态",
}


def draft_columns(kind: str, way: str) -> dict[str, str]:
    drop = set()
    if way != "item":
        drop.add("item_name")
    if kind == "annual":
        drop.add("month")
    return {k: v for k, v in DRAFT_COLUMNS.items() if k not in drop}


WAGE_DRAFT_LIST: ListSpec[WageDraftFilter] = ListSpec(
    title="缴费工资申报",
    columns=DRAFT_COLUMNS,
    filter_type=WageDraftFilter,
    fields={
        "name": contains("姓名", "e.name"),
        "id_number": contains("证件号码", "e.id_number"),
        "status": equals("申报状态", "r.status"),
        "item_code": equals("征收项目", "r.item_code"),
        "tax_authority": equals("主管税务机关", "r.tax_authority"),
    },
)

_ROW_INSERT_SCHEMA = pa.schema([
    ("employee_id", pa.string()),
    ("item_code", pa.string()),
    ("item_name", pa.string()),
    ("tax_authority", pa.string()),
    ("old_wage", pa.decimal128(18, 2)),
    ("new_wage", pa.decimal128(18, 2)),
    ("month", pa.string()),
])
ROW_INSERT_COLUMNS = _ROW_INSERT_SCHEMA.names


def row_table(data: dict[str, Any] | pd.DataFrame | pa.Table) -> pa.Table:
    """Rows to add, as the Arrow table `insert_rows` takes (missing columns are NULL)."""
    if isinstance(data, pd.DataFrame):
        data = pa.Table.from_pandas(data, preserve_index=False)
    elif isinstance(data, dict):
        data = pa.table(data)
    columns = []
    for field in _ROW_INSERT_SCHEMA:
        if field.name in data.column_names:
            columns.append(data[field.name].cast(field.type))
        else:
            columns.append(pa.nulls(data.num_rows, field.type))
    return pa.table(columns, schema=_ROW_INSERT_SCHEMA)


def insert_rows(con: Con, unit_id: str, kind: str, way: str, rows: pa.Table) -> tuple[int, int]:
    """Add rows (ROW_INSERT_COLUMNS) to the edit list; a row whose employee (and item, for
    way=item) is already in the list and not yet 已申报 is skipped, as is a repeat within `rows`.
    Returns (added, skipped)."""
    if rows.num_rows == 0:
        return 0, 0
    incoming = row_table(rows)
    con.register("incoming_wage_rows", incoming.append_column("pos", pa.array(range(incoming.num_rows), pa.int64())))
    try:
        before = con.execute(
            "SELECT count(*) FROM wage_draft_rows WHERE unit_id = ? AND kind = ? AND way = ?", [unit_id, kind, way]
        ).fetchall()[0][0]
        # Row ids follow the order the rows came in (the list shows them in that order).
        con.execute(
            """INSERT INTO wage_draft_rows (row_id, unit_id, kind, way, employee_id, item_code, item_name,
                                            tax_authority, old_wage, new_wage, month, status, added_at)
               SELECT (SELECT coalesce(max(row_id), 0) FROM wage_draft_rows) + row_number() OVER (ORDER BY n.pos),
                      ?, ?, ?, n.employee_id, n.item_code, n.item_name,
                      n.tax_authority, n.old_wage, n.new_wage, n.month, ?, ?
               FROM (SELECT *, row_number() OVER (PARTITION BY employee_id, coalesce(item_code, '') ORDER BY pos) AS k
                     FROM incoming_wage_rows) n
               WHERE n.k = 1 AND NOT EXISTS (
                   SELECT 1 FROM wage_draft_rows r
                   WHERE r.unit_id = ? AND r.kind = ? AND r.way = ? AND r.status <> ?
                     AND r.employee_id = n.employee_id
                     AND coalesce(r.item_code, '') = coalesce(n.item_code, ''))""",
            [unit_id, kind, way, UNSENT, clock.now(), unit_id, kind, way, SENT],
        )
        after = con.execute(
            "SELECT count(*) FROM wage_draft_rows WHERE unit_id = ? AND kind = ? AND way = ?", [unit_id, kind, way]
        ).fetchall()[0][0]
    finally:
        con.unregister("incoming_wage_rows")
    added = int(after - before)
    return added, rows.num_rows - added


def _draft_where(unit_id: str, kind: str, way: str, filters: WageDraftFilter | None,
                 row_ids: list[int] | None = None) -> Where:
    w = Where().add("r.unit_id = ? AND r.kind = ? AND r.way = ?", unit_id, kind, way)
    WAGE_DRAFT_LIST.where(filters or WageDraftFilter(), w)
    return w.in_("r.row_id", row_ids)


def _draft_select(where: str, *, full_ids: bool = False, total: bool = False) -> str:
    id_number = "e.id_number" if full_ids else mask_id_sql("e.id_number")
    counted = "count(*) OVER () AS _total, " if total else ""
    return f"""
        SELECT {counted}r.row_id, r.employee_id, r.item_code, r.filing_id,
               e.name, e.id_type, {id_number} AS id_number, r.item_name, r.tax_authority,
               r.old_wage, r.new_wage, r.month, r.status
        FROM wage_draft_rows r
        LEFT JOIN employees e ON e.unit_id = r.unit_id AND e.employee_id = r.employee_id
        WHERE {where}
        ORDER BY r.row_id"""


def query_page(con: Con, unit_id: str, kind: str, way: str, filters: WageDraftFilter | None, *,
               page: int, page_size: int) -> tuple[pd.DataFrame, int]:
    """One page of the edit list (ID numbers masked) and how many rows match."""
    w = _draft_where(unit_id, kind, way, filters)
    df = frame(con, _draft_select(w.sql(), total=True) + " LIMIT ? OFFSET ?",
               [*w.params, page_size, (page - 1) * page_size])
    counted = df.pop("_total")
    if len(df):
        return df, int(counted.iloc[0])
    if page == 1:
        return df, 0
    total = con.execute(
        f"SELECT count(*) FROM wage_draft_rows r LEFT JOIN employees e"
        f" ON e.unit_id = r.unit_id AND e.employee_id = r.employee_id WHERE {w.sql()}", w.params,
    ).fetchall()[0][0]
    return df, int(total)


def query_all(con: Con, unit_id: str, kind: str, way: str, filters: WageDraftFilter | None, *,
              row_ids: list[int] | None = None, full_ids: bool = False) -> pd.DataFrame:
    """Every matching row (or only `row_ids` among them), never truncated."""
    w = _draft_where(unit_id, kind, way, filters, row_ids)
    return frame(con, _draft_select(w.sql(), full_ids=full_ids), w.params)


class _Selected:
    """The row ids of a call registered as an Arrow table `selected_rows` (a 50,000-id list passed as
    a parameter costs a quarter of a second; an Arrow scan almost nothing)."""

    def __init__(self, con: Con, row_ids: list[int]) -> None:
        self.con = con
        self.table = pa.table({"row_id": pa.array(row_ids, pa.int64())})

    def __enter__(self) -> str:
        self.con.register("selected_rows", self.table)
        return "(SELECT row_id FROM selected_rows)"

    def __exit__(self, *exc: object) -> None:
        self.con.unregister("selected_rows")


def row_states(con: Con, unit_id: str, kind: str, way: str, row_ids: list[int]) -> pd.DataFrame:
    """row_id, employee_id, item_code, status, submit_key, tax_authority, old_wage, new_wage, month
    of the given rows of this list (rows of other lists or units are not returned)."""
    with _Selected(con, row_ids) as selected:
        return frame(
            con,
            f"""SELECT row_id, employee_id, item_code, status, submit_key, tax_authority, old_wage, new_wage, month
                FROM wage_draft_rows WHERE unit_id = ? AND kind = ? AND way = ? AND row_id IN {selected}
                ORDER BY row_id""",
            [unit_id, kind, way],
        )


def update_row(con: Con, row_id: int, *, wage: Any = None, month: str | None = None,
               set_month: bool = False) -> None:
    if wage is not None:
        con.execute("UPDATE wage_draft_rows SET new_wage = ? WHERE row_id = ?", [wage, row_id])
    if set_month:
        con.execute("UPDATE wage_draft_rows SET month = ? WHERE row_id = ?", [month, row_id])


def set_wages(con: Con, wages: pa.Table) -> int:
    """New wages for many rows at once: `wages` holds row_id (int64) and new_wage (decimal)."""
    if wages.num_rows == 0:
        return 0
    con.register("incoming_wages", wages)
    try:
        con.execute(
            """UPDATE wage_draft_rows SET new_wage = w.new_wage FROM incoming_wages w
               WHERE wage_draft_rows.row_id = w.row_id"""
        )
    finally:
        con.unregister("incoming_wages")
    return wages.num_rows


def delete_rows(con: Con, unit_id: str, row_ids: list[int]) -> int:
    with _Selected(con, row_ids) as selected:
        rows = con.execute(
            f"DELETE FROM wage_draft_rows WHERE unit_id = ? AND row_id IN {selected} RETURNING row_id", [unit_id],
        ).fetchall()
    return len(rows)


def assessed_rows(con: Con, unit_id: str, way: str, row_ids: list[int]) -> list[int]:
    """Those of `row_ids` the roster now says are collected by someone else (税务代征): way=item,
    the row's item is not 税务自主; way=employee, the employee holds items and none is 税务自主."""
    if way == "item":
        sql = """SELECT r.row_id FROM wage_draft_rows r
                 WHERE r.unit_id = ? AND r.row_id IN {selected}
                   AND EXISTS (SELECT 1 FROM employee_items i WHERE i.unit_id = r.unit_id
                               AND i.employee_id = r.employee_id AND i.item_code = r.item_code)
                   AND NOT EXISTS (SELECT 1 FROM employee_items i WHERE i.unit_id = r.unit_id
                               AND i.employee_id = r.employee_id AND i.item_code = r.item_code
                               AND i.collection_mode = ?)"""
    else:
        sql = """SELECT r.row_id FROM wage_draft_rows r
                 WHERE r.unit_id = ? AND r.row_id IN {selected}
                   AND EXISTS (SELECT 1 FROM employee_items i WHERE i.unit_id = r.unit_id
                               AND i.employee_id = r.employee_id)
                   AND NOT EXISTS (SELECT 1 FROM employee_items i WHERE i.unit_id = r.unit_id
                               AND i.employee_id = r.employee_id AND i.collection_mode = ?)"""
    with _Selected(con, row_ids) as selected:
        return [r[0] for r in con.execute(sql.format(selected=selected), [unit_id, SELF_DECLARED]).fetchall()]


def mark_sending(con: Con, row_ids: list[int], key: str) -> None:
    """The rows are about to be sent with `key`: 提交中, the key kept for a re-send."""
    with _Selected(con, row_ids) as selected:
        con.execute(f"UPDATE wage_draft_rows SET status = ?, submit_key = ? WHERE row_id IN {selected}",
                    [SENDING, key])


def mark_sent(con: Con, unit_id: str, key: str, filing_id: str) -> int:
    rows = con.execute(
        "UPDATE wage_draft_rows SET status = ?, filing_id = ? WHERE unit_id = ? AND submit_key = ? RETURNING row_id",
        [SENT, filing_id, unit_id, key],
    ).fetchall()
    return len(rows)


def mark_unsent(con: Con, unit_id: str, key: str) -> int:
    """The bureau refused the submit (it did nothing): the rows are editable again, key dropped."""
    rows = con.execute(
        """UPDATE wage_draft_rows SET status = ?, submit_key = NULL
           WHERE unit_id = ? AND submit_key = ? AND status = ? RETURNING row_id""",
        [UNSENT, unit_id, key, SENDING],
    ).fetchall()
    return len(rows)


def submit_lines(con: Con, unit_id: str, key: str) -> pa.Table:
    """The lines of the submit `key` as the gateway sends them (employee_id, item_code, wage,
    month), in row order, so a re-send carries exactly the same body."""
    return arrow(
        con,
        """SELECT employee_id, item_code, new_wage AS wage, month FROM wage_draft_rows
           WHERE unit_id = ? AND submit_key = ? AND status = ? ORDER BY row_id""",
        [unit_id, key, SENDING],
    )


# ------------------------------------------------------------------------------------ sources


def roster_wages(con: Con, unit_id: str, way: str, *, employee_ids: list[str] | None = None,
                 paying_only: bool = False, unit_number: str | None = None,
                 group_id: int | None = None, name_part: str | None = None, limit: int | None = None) -> pa.Table:
    """The unit's employees with their old wages from the roster, 税务自主 items only (代征 never
    listed): way=employee one row per employee (old_wage = the highest base of its 税务自主 items);
    way=item one row per employee and item. Columns: employee_id, name, id_type, id_number,
    start_month, stop_month, item_code, item_name, old_wage. `paying_only`: employees 正常缴费 this
    month and items not stopped before it."""
    month = clock.current_month()
    w = Where().add("e.unit_id = ?", unit_id).add("i.collection_mode = ?", SELF_DECLARED)
    if paying_only:
        w.add(f"({status_sql('e.start_month', 'e.stop_month')}) = ?", month, month, PAYING)
        w.add("(i.stop_month IS NULL OR i.stop_month = '' OR i.stop_month >= ?)", month)
    if unit_number:
        w.add("i.unit_number = ?", unit_number)
    if group_id is not None:
        w.add(IN_GROUP_SUBTREE, group_id)
    if name_part:
        w.contains("e.name", name_part)
    w.in_("e.employee_id", employee_ids)
    if limit is not None:
        # The first `limit` employees that match and hold a 税务自主 item (all their items kept).
        w.add(f"""e.employee_id IN (
                    SELECT x.employee_id FROM employees x WHERE x.unit_id = e.unit_id
                      AND x.name ILIKE ? ESCAPE '\\'
                      AND EXISTS (SELECT 1 FROM employee_items y WHERE y.unit_id = x.unit_id
                                  AND y.employee_id = x.employee_id AND y.collection_mode = ?)
                    ORDER BY x.employee_id LIMIT {int(limit)})""", like_pattern(name_part or ""), SELF_DECLARED)
    if way == "item":
        keys = "e.employee_id, i.item_code"
        item_cols = "i.item_code, any_value(i.item_name) AS item_name"
    else:
        keys = "e.employee_id"
        item_cols = "NULL::VARCHAR AS item_code, NULL::VARCHAR AS item_name"
    sql = f"""
        SELECT e.employee_id, any_value(e.name) AS name, any_value(e.id_type) AS id_type,
               any_value(e.id_number) AS id_number, any_value(e.start_month) AS start_month,
               any_value(e.stop_month) AS stop_month, {item_cols}, max(i.base) AS old_wage
        FROM employees e JOIN employee_items i ON i.unit_id = e.unit_id AND i.employee_id = e.employee_id
        WHERE {w.sql()}
        GROUP BY {keys}
        ORDER BY {keys}"""
    return arrow(con, sql, w.params)


def self_declared_items(con: Con, unit_id: str) -> list[tuple[str, str]]:
    """(item_code, item_name) of the unit's 税务自主 items, by code."""
    rows = con.execute(
        """SELECT item_code, any_value(item_name) FROM employee_items
           WHERE unit_id = ? AND collection_mode = ? AND item_code IS NOT NULL GROUP BY item_code ORDER BY item_code""",
        [unit_id, SELF_DECLARED],
    ).fetchall()
    return [(r[0], r[1] or "") for r in rows]


def roster_for_check(con: Con, unit_id: str) -> pd.DataFrame:
    """employee_id, name, id_type, id_number, start_month, stop_month (full ID numbers): the roster
    an import is checked against."""
    return frame(con, """SELECT employee_id, name, id_type, id_number, start_month, stop_month
                         FROM employees WHERE unit_id = ? ORDER BY employee_id""", [unit_id])


def insured_for_check(con: Con, unit_id: str) -> pd.DataFrame:
    """employee_id, item_code, collection_mode (税务自主 when any of the item's registrations is) of
    every insured item: what an import is checked against. No money here: a column of Decimal
    objects costs more than the whole check."""
    return frame(con, """SELECT employee_id, item_code,
                                 CASE WHEN bool_or(collection_mode = ?) THEN ? ELSE any_value(collection_mode) END
                                   AS collection_mode
                         FROM employee_items WHERE unit_id = ? GROUP BY employee_id, item_code
                         ORDER BY employee_id, item_code""", [SELF_DECLARED, SELF_DECLARED, unit_id])


def imported_rows(con: Con, unit_id: str, way: str, good: pa.Table, tax_authority: str) -> pa.Table:
    """Checked import rows (employee_id, item_code, wage, month) as rows of the edit list, in their
    order: old wages and item names from the roster's 税务自主 items (a row without one is dropped),
    `tax_authority` on every row."""
    con.register("imported_rows", good.append_column("pos", pa.array(range(good.num_rows), pa.int64())))
    try:
        if way == "item":
            sql = """SELECT g.employee_id, g.item_code, i.item_name, ? AS tax_authority, i.old_wage,
                            g.wage AS new_wage, g.month
                     FROM imported_rows g JOIN (
                         SELECT employee_id, item_code, any_value(item_name) AS item_name, max(base) AS old_wage
                         FROM employee_items WHERE unit_id = ? AND collection_mode = ?
                         GROUP BY employee_id, item_code) i
                       ON i.employee_id = g.employee_id AND i.item_code = g.item_code
                     ORDER BY g.pos"""
        else:
            sql = """SELECT g.employee_id, NULL::VARCHAR AS item_code, NULL::VARCHAR AS item_name,
                            ? AS tax_authority, i.old_wage, g.wage AS new_wage, g.month
                     FROM imported_rows g JOIN (
                         SELECT employee_id, max(base) AS old_wage
                         FROM employee_items WHERE unit_id = ? AND collection_mode = ?
                         GROUP BY employee_id) i
                       ON i.employee_id = g.employee_id
                     ORDER BY g.pos"""
        return arrow(con, sql, [tax_authority, unit_id, SELF_DECLARED])
    finally:
        con.unregister("imported_rows")


def tax_authorities(con: Con, unit_id: str) -> list[str]:
    """The unit's own 主管税务机关: the unit's first, then those of its unit numbers."""
    rows = con.execute(
        """SELECT t FROM (
             SELECT tax_authority AS t, 0 AS o FROM units WHERE unit_id = ?
             UNION ALL SELECT tax_authority, 1 FROM unit_numbers WHERE unit_id = ?)
           WHERE t IS NOT NULL AND t <> '' GROUP BY t ORDER BY min(o), t""",
        [unit_id, unit_id],
    ).fetchall()
    return [r[0] for r in rows]


# ------------------------------------------------------------------------------------ records


@dataclass
class WageRecordFilter:
    """The query form of 缴费工资申报记录."""

    submitted_from: str | dt.date | None = None
    submitted_to: str | dt.date | None = None
    kind: str = ""      # '' | daily | annual
    status: str = ""    # '' | 待反馈 | 全部申报成功 | 全部申报失败 | 部分申报成功


RECORD_COLUMNS = {
    "submitted_at": "申报时间",
    "kind": "申报类型",
    "way": "申报方式",
    "tax_authority": "主管税务机关",
    "employees": "职工总数",
    "status": "状态",
}

WAGE_RECORD_LIST: ListSpec[WageRecordFilter] = ListSpec(
    title="缴费工资申报记录",
    columns=RECORD_COLUMNS,
    filter_type=WageRecordFilter,
    fields={
        "submitted_from": date_from("申报日期起", "f.submitted_at"),
        "submitted_to": date_to("申报日期止", "f.submitted_at"),
        "kind": equals("申报类型", "f.kind"),
        "status": equals("状态", "f.status"),
    },
)

LINE_COLUMNS = {
    "name": "姓名",
    "id_type": "证件类型",
    "id_number": "证件号码",
    "item_name": "征收项目",
    "old_wage": "原缴费工资（元）",
    "new_wage": "新缴费工资（元）",
    "base": "缴费基数（元）",
    "month": "生效年月",
    "status": "状态",
    "reason": "原因",
}

FILING_COLUMNS = ["filing_id", "submitted_at", "kind", "way", "tax_authority", "employees", "lines", "status",
                  "decided_at"]


def _timestamp(value: Any) -> dt.datetime | None:
    """A wire time ('2026-11-27T08:30:00+08:00' or without zone) as a naive local timestamp."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        stamp = value
    else:
        try:
            stamp = dt.datetime.fromisoformat(str(value))
        except ValueError:
            return None
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone().replace(tzinfo=None)  # the local wall clock, as the screens show
    return stamp


def upsert_filings(con: Con, unit_id: str, filings: list[dict[str, Any]]) -> list[str]:
    """Keep the filings as the bureau sent them (FILING_COLUMNS each); lines already fetched for a
    filing stay unless its status changed. Returns the ids whose status changed or that are new."""
    if not filings:
        return []
    now = clock.now()
    table = pa.table({
        "filing_id": pa.array([f["filing_id"] for f in filings], pa.string()),
        "submitted_at": pa.array([_timestamp(f.get("submitted_at")) for f in filings], pa.timestamp("us")),
        "kind": pa.array([f.get("kind") or "" for f in filings], pa.string()),
        "way": pa.array([f.get("way") or "" for f in filings], pa.string()),
        "tax_authority": pa.array([f.get("tax_authority") or "" for f in filings], pa.string()),
        "employees": pa.array([int(f.get("employees") or 0) for f in filings], pa.int32()),
        "lines": pa.array([int(f.get("lines") or 0) for f in filings], pa.int32()),
        "status": pa.array([f.get("status") or PENDING for f in filings], pa.string()),
        "decided_at": pa.array([_timestamp(f.get("decided_at")) for f in filings], pa.timestamp("us")),
    })
    con.register("incoming_filings", table)
    try:
        changed = [r[0] for r in con.execute(
            """SELECT n.filing_id FROM incoming_filings n
               LEFT JOIN wage_filings f ON f.unit_id = ? AND f.filing_id = n.filing_id
               WHERE f.filing_id IS NULL OR f.status IS DISTINCT FROM n.status""",
            [unit_id],
        ).fetchall()]
        # Lines fetched while a filing was 待反馈 say nothing of its decision: dropped when it changes.
        con.execute(
            """DELETE FROM wage_filing_lines WHERE unit_id = ? AND filing_id IN (
                 SELECT n.filing_id FROM incoming_filings n JOIN wage_filings f
                   ON f.unit_id = ? AND f.filing_id = n.filing_id AND f.status IS DISTINCT FROM n.status)""",
            [unit_id, unit_id],
        )
        con.execute(
            """UPDATE wage_filings SET submitted_at = n.submitted_at, kind = n.kind, way = n.way,
                      tax_authority = n.tax_authority, employees = n.employees, lines = n.lines,
                      lines_fetched = wage_filings.lines_fetched AND wage_filings.status = n.status,
                      status = n.status, decided_at = n.decided_at, fetched_at = ?
               FROM incoming_filings n WHERE wage_filings.unit_id = ? AND wage_filings.filing_id = n.filing_id""",
            [now, unit_id],
        )
        con.execute(
            """INSERT INTO wage_filings (unit_id, filing_id, submitted_at, kind, way, tax_authority, employees,
                                         lines, status, decided_at, fetched_at, lines_fetched)
               SELECT ?, n.filing_id, n.submitted_at, n.kind, n.way, n.tax_authority, n.employees, n.lines,
                      n.status, n.decided_at, ?, FALSE
               FROM incoming_filings n
               WHERE NOT EXISTS (SELECT 1 FROM wage_filings f WHERE f.unit_id = ? AND f.filing_id = n.filing_id)""",
            [unit_id, now, unit_id],
        )
    finally:
        con.unregister("incoming_filings")
    return changed


def store_lines(con: Con, unit_id: str, filing_id: str, lines: pa.Table) -> int:
    """Replace the lines held for a filing with `lines` (the gateway's LINE_SCHEMA)."""
    con.execute("DELETE FROM wage_filing_lines WHERE unit_id = ? AND filing_id = ?", [unit_id, filing_id])
    if lines.num_rows:
        con.register("incoming_lines", lines)
        try:
            con.execute(
                """INSERT INTO wage_filing_lines (unit_id, filing_id, line_no, employee_id, name, id_type, id_number,
                                                  item_code, item_name, old_wage, new_wage, base, month, status,
                                                  reason)
                   SELECT ?, ?, line_no, employee_id, name, id_type, id_number, item_code, item_name,
                          old_wage, new_wage, base, month, status, reason FROM incoming_lines""",
                [unit_id, filing_id],
            )
        finally:
            con.unregister("incoming_lines")
    con.execute("UPDATE wage_filings SET lines_fetched = TRUE WHERE unit_id = ? AND filing_id = ?",
                [unit_id, filing_id])
    return lines.num_rows


def pending_filings(con: Con, unit_id: str) -> list[str]:
    """Filings held as 待反馈, oldest first."""
    return [r[0] for r in con.execute(
        "SELECT filing_id FROM wage_filings WHERE unit_id = ? AND status = ? ORDER BY submitted_at, filing_id",
        [unit_id, PENDING],
    ).fetchall()]


def filing_state(con: Con, unit_id: str, filing_id: str) -> tuple[str, bool] | None:
    """(status, lines_fetched) of a filing held, or None."""
    rows = con.execute("SELECT status, lines_fetched FROM wage_filings WHERE unit_id = ? AND filing_id = ?",
                       [unit_id, filing_id]).fetchall()
    return (rows[0][0], bool(rows[0][1])) if rows else None


def _kind_label_sql(column: str) -> str:
    return "CASE " + " ".join(f"WHEN {column} = '{k}' THEN '{v}'" for k, v in KIND_LABELS.items()) + f" ELSE {column} END"


def _way_label_sql(column: str) -> str:
    return "CASE " + " ".join(f"WHEN {column} = '{k}' THEN '{v}'" for k, v in WAY_LABELS.items()) + f" ELSE {column} END"


def _records_select(where: str, total: bool = False) -> str:
    counted = "count(*) OVER () AS _total, " if total else ""
    return f"""
        SELECT {counted}f.filing_id, strftime(f.submitted_at, '%Y-%m-%d %H:%M:%S') AS submitted_at,
               {_kind_label_sql('f.kind')} AS kind, {_way_label_sql('f.way')} AS way,
               f.tax_authority, f.employees, f.status, f.lines,
               strftime(f.decided_at, '%Y-%m-%d %H:%M:%S') AS decided_at
        FROM wage_filings f
        WHERE {where}
        ORDER BY f.submitted_at DESC, f.filing_id DESC"""


def _records_where(unit_id: str, filters: WageRecordFilter | None) -> Where:
    w = Where().equals("f.unit_id", unit_id)
    return WAGE_RECORD_LIST.where(filters or WageRecordFilter(), w)


def query_records(con: Con, unit_id: str, filters: WageRecordFilter | None, *, page: int,
                  page_size: int) -> tuple[pd.DataFrame, int]:
    w = _records_where(unit_id, filters)
    df = frame(con, _records_select(w.sql(), total=True) + " LIMIT ? OFFSET ?",
               [*w.params, page_size, (page - 1) * page_size])
    counted = df.pop("_total")
    if len(df):
        return df, int(counted.iloc[0])
    if page == 1:
        return df, 0
    total = con.execute(f"SELECT count(*) FROM wage_filings f WHERE {w.sql()}", w.params).fetchall()[0][0]
    return df, int(total)


def all_records(con: Con, unit_id: str, filters: WageRecordFilter | None) -> pd.DataFrame:
    w = _records_where(unit_id, filters)
    return frame(con, _records_select(w.sql()), w.params)


def filing_lines(con: Con, unit_id: str, filing_id: str, *, full_ids: bool = False) -> pd.DataFrame:
    id_number = "id_number" if full_ids else mask_id_sql("id_number")
    return frame(
        con,
        f"""SELECT line_no, employee_id, item_code, name, id_type, {id_number} AS id_number,
                   coalesce(item_name, '') AS item_name, old_wage, new_wage, base, month, status,
                   coalesce(reason, '') AS reason
            FROM wage_filing_lines WHERE unit_id = ? AND filing_id = ? ORDER BY line_no""",
        [unit_id, filing_id],
    )
