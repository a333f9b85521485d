"""社保费申报记录 (EMP-10), 工程项目社保费申报记录 (EMP-24) and 社保费申报明细 (EMP-20) in the client store.

Two lists, each declared once: `RECORD_LIST` (the records of one kind, fees or project) and
`LINE_LIST` (the per-employee lines kept locally). Every function takes the connection of the
caller's unit of work; bulk writes go through Arrow, reads through `frames.frame` (Decimal money).

A record's rows (as declared) are fetched once; its lines (as declared) are downloaded once and
kept. A void in flight keeps its Idempotency-Key in `declaration_voids` until its answer is known.
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
from sbflib.domain.rules import PAYERS
from sbflib.store.filters import ListSpec, Where, contains, date_from, date_to, equals
from sbflib.store.frames import frame

Con = duckdb.DuckDBPyConnection

PENDING = "待反馈"
DECLARED = "申报成功"
FAILED = "申报失败"
VOIDING = "作废中"
VOIDED = "已作废"
STATUSES = (PENDING, DECLARED, FAILED, VOIDING, VOIDED)
UNPAID = "未缴费"
PAY_STATUSES = (UNPAID, "已缴费", "已生成待批扣清册", "无需缴费")

KINDS = ("fees", "project")
CHANNEL_LABELS = {"daily": "日常申报", "special": "特殊缴费申报", "assessed": "社保费申报（核定）",
                  "project": "工程项目社保费申报"}


def kind_of(channel: str) -> str:
    return "project" if channel == "project" else "fees"


# ------------------------------------------------------------------------------------ records


@dataclass
class RecordFilter:
    """The query form of 申报记录 / 工程项目社保费申报记录; empty values do not filter."""

    declared_from: dt.date | str | None = None   # 申报日期起
    declared_to: dt.date | str | None = None     # 申报日期止
    status: str = ""                             # 申报状态
    pay_status: str = ""                         # 缴费状态
    channel: str = ""                            # 申报渠道: daily | special | assessed | project
    voucher_no: str = ""                         # 应征凭证序号


RECORD_COLUMNS = {
    "submitted_at": "申报日期",
    "channel_name": "申报渠道",
    "status": "申报状态",
    "pay_status": "缴费状态",
    "total_due": "应缴费额合计（元）",
    "headcount": "缴费人数",
    "period": "费款所属期",
    "tax_authority": "主管税务机关",
    "source_name": "数据来源",
    "voucher_no": "应征凭证序号",
    "note": "说明",
}

RECORD_LIST: ListSpec[RecordFilter] = ListSpec(
    title="社保费申报记录",
    columns=RECORD_COLUMNS,
    filter_type=RecordFilter,
    fields={
        "declared_from": date_from("申报日期起", "r.submitted_at"),
        "declared_to": date_to("申报日期止", "r.submitted_at"),
        "status": equals("申报状态", "r.status"),
        "pay_status": equals("缴费状态", "r.pay_status"),
        "channel": equals("申报渠道", "r.channel"),
        "voucher_no": contains("应征凭证序号", "r.voucher_no"),
    },
)

RECORD_FIELDS = ("declaration_id", "submission_id", "channel", "source_code", "source_name", "tax_authority",
                 "status", "reason", "submitted_at", "decided_at", "rows", "headcount", "total_due", "voucher_no",
                 "pay_status", "void_requested_at", "void_decided_at", "void_reason", "period_start", "period_end")

_RECORD_SCHEMA = pa.schema([
    ("declaration_id", pa.string()), ("submission_id", pa.string()), ("kind", pa.string()),
    ("channel", pa.string()), ("source_code", pa.string()), ("source_name", pa.string()),
    ("tax_authority", pa.string()), ("status", pa.string()), ("reason", pa.string()),
    ("submitted_at", pa.timestamp("us")), ("decided_at", pa.timestamp("us")), ("rows", pa.int32()),
    ("headcount", pa.int32()), ("total_due", pa.decimal128(18, 2)), ("voucher_no", pa.string()),
    ("pay_status", pa.string()), ("void_requested_at", pa.timestamp("us")),
    ("void_decided_at", pa.timestamp("us")), ("void_reason", pa.string()), ("period_start", pa.string()),
    ("period_end", pa.string()),
])


def _records_table(records: list[dict[str, Any]]) -> pa.Table:
    rows = [{**{k: r.get(k) for k in RECORD_FIELDS}, "kind": kind_of(str(r.get("channel")))} for r in records]
    return pa.Table.from_pylist(rows, schema=_RECORD_SCHEMA)


_UPDATE_FIELDS = [f for f in RECORD_FIELDS if f != "declaration_id"]


def upsert_records(con: Con, unit_id: str, records: list[dict[str, Any]]) -> list[str]:
    """Keep the records as the bureau sent them (RECORD_FIELDS each); rows and lines already held
    stay (a declaration's rows and lines never change). Returns the ids that are new or whose
    status or pay status changed."""
    if not records:
        return []
    con.register("incoming_records", _records_table(records))
    try:
        changed = [r[0] for r in con.execute(
            """SELECT n.declaration_id FROM incoming_records n
               LEFT JOIN declaration_records d ON d.unit_id = ? AND d.declaration_id = n.declaration_id
               WHERE d.declaration_id IS NULL OR d.status IS DISTINCT FROM n.status
                  OR d.pay_status IS DISTINCT FROM n.pay_status""", [unit_id]).fetchall()]
        sets = ", ".join(f"{f} = n.{f}" for f in _UPDATE_FIELDS)
        now = clock.now()
        con.execute(f"""UPDATE declaration_records SET {sets}, kind = n.kind, fetched_at = ?
                        FROM incoming_records n
                        WHERE declaration_records.unit_id = ? AND declaration_records.declaration_id = n.declaration_id""",
                    [now, unit_id])
        names = ", ".join(RECORD_FIELDS)
        con.execute(f"""INSERT INTO declaration_records (unit_id, kind, {names}, fetched_at)
                        SELECT ?, n.kind, {", ".join("n." + f for f in RECORD_FIELDS)}, ?
                        FROM incoming_records n
                        WHERE NOT EXISTS (SELECT 1 FROM declaration_records d
                                          WHERE d.unit_id = ? AND d.declaration_id = n.declaration_id)""",
                    [unit_id, now, unit_id])
    finally:
        con.unregister("incoming_records")
    return changed


def replace_range(con: Con, unit_id: str, kind: str, start: dt.date | None, end: dt.date | None,
                  records: list[dict[str, Any]]) -> list[str]:
    """The unit's records of `kind` declared from `start` to `end` become `records`: held ones the
    bureau no longer has in that range are dropped with their rows and lines. Returns what
    `upsert_records` returns."""
    w = Where().equals("unit_id", unit_id).equals("kind", kind).between_dates("submitted_at", start, end)
    keep = [str(r["declaration_id"]) for r in records]
    gone = [r[0] for r in con.execute(
        f"SELECT declaration_id FROM declaration_records WHERE {w.sql()} AND NOT list_contains(?, declaration_id)",
        [*w.params, keep]).fetchall()]
    if gone:
        for table in ("declaration_records", "declaration_record_rows", "declared_lines", "declaration_voids"):
            con.execute(f"DELETE FROM {table} WHERE unit_id = ? AND list_contains(?, declaration_id)", [unit_id, gone])
    return upsert_records(con, unit_id, records)


def record(con: Con, unit_id: str, declaration_id: str) -> dict[str, Any] | None:
    """One held record (every column), or None."""
    df = frame(con, "SELECT * FROM declaration_records WHERE unit_id = ? AND declaration_id = ?",
               [unit_id, declaration_id])
    return None if df.empty else dict(df.iloc[0])


def ids_with_status(con: Con, unit_id: str, kind: str | None, statuses: tuple[str, ...]) -> list[tuple[str, dt.datetime]]:
    """(declaration_id, submitted_at) of the held records in one of `statuses`, oldest first."""
    w = Where().equals("unit_id", unit_id).equals("kind", kind).add("list_contains(?, status)", list(statuses))
    return [(r[0], r[1]) for r in con.execute(
        f"SELECT declaration_id, submitted_at FROM declaration_records WHERE {w.sql()} "
        "ORDER BY submitted_at, declaration_id", w.params).fetchall()]


def without_rows(con: Con, unit_id: str, ids: list[str]) -> list[str]:
    """Those of `ids` whose rows are not held."""
    return [r[0] for r in con.execute(
        "SELECT declaration_id FROM declaration_records WHERE unit_id = ? AND list_contains(?, declaration_id) "
        "AND NOT rows_fetched ORDER BY submitted_at, declaration_id", [unit_id, ids]).fetchall()]


def unpaid_count(con: Con, unit_id: str, kind: str) -> int:
    """Held records of `kind` that are 申报成功 and 未缴费 (offered for payment)."""
    return int(con.execute(
        "SELECT count(*) FROM declaration_records WHERE unit_id = ? AND kind = ? AND status = ? AND pay_status = ?",
        [unit_id, kind, DECLARED, UNPAID]).fetchall()[0][0])


def store_rows(con: Con, unit_id: str, declaration_id: str, rows: pa.Table) -> int:
    """Replace the rows held for a declaration (the gateway's ROW_SCHEMA)."""
    con.execute("DELETE FROM declaration_record_rows WHERE unit_id = ? AND declaration_id = ?",
                [unit_id, declaration_id])
    if rows.num_rows:
        table = rows.append_column("pos", pa.array(range(rows.num_rows), pa.int32()))
        names = [n for n in table.column_names]
        con.register("incoming_rows", table)
        try:
            con.execute(f"INSERT INTO declaration_record_rows (unit_id, declaration_id, {', '.join(names)}) "
                        f"SELECT ?, ?, {', '.join(names)} FROM incoming_rows", [unit_id, declaration_id])
        finally:
            con.unregister("incoming_rows")
    con.execute("UPDATE declaration_records SET rows_fetched = TRUE WHERE unit_id = ? AND declaration_id = ?",
                [unit_id, declaration_id])
    return rows.num_rows


def store_lines(con: Con, unit_id: str, declaration_id: str, lines: pa.Table) -> int:
    """Replace the lines held for a declaration (the gateway's LINE_SCHEMA)."""
    con.execute("DELETE FROM declared_lines WHERE unit_id = ? AND declaration_id = ?", [unit_id, declaration_id])
    if lines.num_rows:
        names = list(lines.column_names)
        con.register("incoming_lines", lines)
        try:
            con.execute(f"INSERT INTO declared_lines (unit_id, declaration_id, {', '.join(names)}) "
                        f"SELECT ?, ?, {', '.join(names)} FROM incoming_lines", [unit_id, declaration_id])
        finally:
            con.unregister("incoming_lines")
    con.execute("UPDATE declaration_records SET lines_fetched = TRUE, line_count = ? "
                "WHERE unit_id = ? AND declaration_id = ?", [lines.num_rows, unit_id, declaration_id])
    return lines.num_rows


def copy_kept_lines(con: Con, unit_id: str, declaration_id: str) -> int | None:
    """When 社保费申报 already downloaded the lines of every row of this declaration (clicking 缴费人数,
    kept in `declare_lines`, migration 008) for the figures it was declared with (缴费人数, 缴费基数,
    应缴费额 equal), keep those as the declaration's lines instead of downloading them again (manual
    2.10 三). Returns the line count, or None when some row's lines are not held that way."""
    rows = con.execute("""
        SELECT count(*) AS n, count(h.prep_id) AS held,
               sum(CASE WHEN h.headcount = r.headcount AND h.base_total = r.base_total AND h.amount = r.amount
                        THEN 1 ELSE 0 END) AS same
        FROM declaration_record_rows r
        LEFT JOIN declare_lines_held h ON h.unit_id = r.unit_id AND h.prep_id = r.prep_id
        WHERE r.unit_id = ? AND r.declaration_id = ?""", [unit_id, declaration_id]).fetchall()
    n, held, same = rows[0]
    if not n or held != n or same != n:
        return None
    # the kept lines must add up to each row as declared, or they are not the declared ones
    off = con.execute("""
        SELECT count(*) FROM declaration_record_rows r
        LEFT JOIN (SELECT prep_id, sum(amount) AS amount FROM declare_lines WHERE unit_id = ? GROUP BY prep_id) l
          ON l.prep_id = r.prep_id
        WHERE r.unit_id = ? AND r.declaration_id = ? AND l.amount IS DISTINCT FROM r.amount""",
                      [unit_id, unit_id, declaration_id]).fetchall()[0][0]
    if off:
        return None
    con.execute("DELETE FROM declared_lines WHERE unit_id = ? AND declaration_id = ?", [unit_id, declaration_id])
    con.execute("""
        INSERT INTO declared_lines (unit_id, declaration_id, prep_id, employee_id, name, id_type, id_number,
                                    person_number, item_code, payer, month, base, rate, amount)
        SELECT l.unit_id, ?, l.prep_id, l.employee_id, l.name, l.id_type, l.id_number, l.person_number, l.item_code,
               l.payer, l.month, l.base, l.rate, l.amount
        FROM declare_lines l
        WHERE l.unit_id = ? AND l.prep_id IN (SELECT prep_id FROM declaration_record_rows
                                              WHERE unit_id = ? AND declaration_id = ?)
        ORDER BY l.prep_id, l.employee_id, l.month""", [declaration_id, unit_id, unit_id, declaration_id])
    count = int(con.execute("SELECT count(*) FROM declared_lines WHERE unit_id = ? AND declaration_id = ?",
                            [unit_id, declaration_id]).fetchall()[0][0])
    con.execute("UPDATE declaration_records SET lines_fetched = TRUE, line_count = ? "
                "WHERE unit_id = ? AND declaration_id = ?", [count, unit_id, declaration_id])
    return count


#: 缴费对象 in Chinese (the bureau sends unit / personal), a DuckDB MAP literal of constants.
_PAYERS_SQL = "MAP {" + ", ".join(f"'{k}': '{v}'" for k, v in PAYERS.items()) + "}"


def _channel_sql(column: str) -> str:
    return "CASE " + " ".join(f"WHEN {column} = '{k}' THEN '{v}'" for k, v in CHANNEL_LABELS.items()) + \
        f" ELSE {column} END"


def record_rows(con: Con, unit_id: str, declaration_id: str) -> pd.DataFrame:
    """The rows of a declaration as declared, in the bureau's order (money Decimal)."""
    return frame(con, f"""
        SELECT prep_id, group_key, channel, source_code, source_name, unit_number, agency, notice_no, valid_until,
               special_type, project_no, item_code, item_name, subitem_name, payer,
               coalesce(payer_name, map_extract_value({_PAYERS_SQL}, payer), payer) AS payer_name,
               period_start, period_end, headcount, base_total, rate, amount
        FROM declaration_record_rows WHERE unit_id = ? AND declaration_id = ? ORDER BY pos""",
                 [unit_id, declaration_id])


# ------------------------------------------------------------------------------------ record list


def _records_select(where: str, total: bool = False) -> str:
    counted = "count(*) OVER () AS _total, " if total else ""
    return f"""
        SELECT {counted}r.declaration_id, r.submission_id, r.kind, r.channel, {_channel_sql('r.channel')} AS channel_name,
               strftime(r.submitted_at, '%Y-%m-%d %H:%M:%S') AS submitted_at, r.status,
               CASE WHEN r.status IN ('{DECLARED}', '{VOIDING}') THEN coalesce(r.pay_status, '') ELSE '' END
                   AS pay_status, r.total_due, r.headcount, r.rows,
               CASE WHEN r.period_start IS NULL THEN ''
                    WHEN r.period_start = r.period_end THEN r.period_start
                    ELSE r.period_start || ' 至 ' || r.period_end END AS period,
               r.period_start, r.period_end, r.tax_authority, r.source_code, r.source_name,
               coalesce(r.voucher_no, '') AS voucher_no,
               coalesce(CASE WHEN r.status = '{FAILED}' THEN r.reason
                             WHEN r.status = '{DECLARED}' AND r.void_reason IS NOT NULL THEN '作废未成功：' || r.void_reason
                        END, '') AS note,
               r.reason, r.void_reason, r.rows_fetched, r.lines_fetched
        FROM declaration_records r
        WHERE {where}
        ORDER BY r.submitted_at DESC, r.declaration_id DESC"""


def _records_where(unit_id: str, kind: str, filters: RecordFilter | None) -> Where:
    w = Where().equals("r.unit_id", unit_id).equals("r.kind", kind)
    return RECORD_LIST.where(filters or RecordFilter(), w)


def query_records(con: Con, unit_id: str, kind: str, filters: RecordFilter | None, *, page: int,
                  page_size: int) -> tuple[pd.DataFrame, int]:
    w = _records_where(unit_id, kind, filters)
    df = frame(con, _records_select(w.sql(), total=True) + " LIMIT ? OFFSET ?",
               [*w.params, page_size, (page - 1) * page_size])
    counted = df.pop("_total")
    if len(df):
        return df, int(counted.iloc[0])
    total = con.execute(f"SELECT count(*) FROM declaration_records r WHERE {w.sql()}", w.params).fetchall()[0][0]
    return df, int(total)


def all_records(con: Con, unit_id: str, kind: str, filters: RecordFilter | None) -> pd.DataFrame:
    w = _records_where(unit_id, kind, filters)
    return frame(con, _records_select(w.sql()), w.params)


# ------------------------------------------------------------------------------------ lines (EMP-20)


@dataclass
class DeclaredLineFilter:
    """The query form of 社保费申报明细查询; empty values do not filter."""

    name: str = ""                               # 姓名
    id_number: str = ""                          # 证件号码
    item_name: str = ""                          # 征收项目
    month: str = ""                              # 费款所属期 'YYYY-MM'
    declared_from: dt.date | str | None = None   # 申报日期起
    declared_to: dt.date | str | None = None     # 申报日期止


LINE_COLUMNS = {
    "submitted_at": "申报日期",
    "unit_number": "单位编号",
    "name": "姓名",
    "id_type": "证件类型",
    "id_number": "证件号码",
    "person_number": "个人编号",
    "item_name": "征收项目",
    "payer_name": "缴费对象",
    "month": "费款所属期",
    "base": "缴费基数（元）",
    "rate": "费率",
    "amount": "应缴费额（元）",
    "voucher_no": "应征凭证序号",
}

LINE_LIST: ListSpec[DeclaredLineFilter] = ListSpec(
    title="社保费申报明细",
    columns=LINE_COLUMNS,
    filter_type=DeclaredLineFilter,
    fields={
        "name": contains("姓名", "l.name"),
        "id_number": contains("证件号码", "l.id_number"),
        "item_name": contains("征收项目", "coalesce(w.item_name, '')"),
        "month": equals("费款所属期", "l.month"),
        "declared_from": date_from("申报日期起", "r.submitted_at"),
        "declared_to": date_to("申报日期止", "r.submitted_at"),
    },
)

#: Lines shown in 社保费申报明细查询: of declarations that stand (申报成功, also while 作废中).
_LIVE = f"r.status IN ('{DECLARED}', '{VOIDING}')"


def _lines_from(where: str) -> str:
    return f"""
        FROM declared_lines l
        JOIN declaration_records r ON r.unit_id = l.unit_id AND r.declaration_id = l.declaration_id
        LEFT JOIN declaration_record_rows w ON w.unit_id = l.unit_id AND w.declaration_id = l.declaration_id
             AND w.prep_id = l.prep_id
        WHERE {where}"""


def _lines_select(where: str, *, full_ids: bool) -> str:
    id_number = "l.id_number" if full_ids else mask_id_sql("l.id_number")
    return f"""
        SELECT l.declaration_id, l.prep_id, l.employee_id,
               strftime(r.submitted_at, '%Y-%m-%d') AS submitted_at, coalesce(w.unit_number, '') AS unit_number,
               l.name, l.id_type, {id_number} AS id_number, coalesce(l.person_number, '') AS person_number,
               l.item_code, coalesce(w.item_name, l.item_code) AS item_name, coalesce(w.subitem_name, '') AS subitem_name,
               l.payer, coalesce(map_extract_value({_PAYERS_SQL}, l.payer), l.payer) AS payer_name,
               l.month, l.base, l.rate, l.amount, coalesce(r.voucher_no, '') AS voucher_no, r.status
        {_lines_from(where)}
        ORDER BY r.submitted_at DESC, l.declaration_id DESC, l.prep_id, l.employee_id, l.month"""


def _lines_where(unit_id: str, filters: DeclaredLineFilter | None, declaration_id: str | None) -> Where:
    w = Where().equals("l.unit_id", unit_id)
    if declaration_id is None:
        w.add(_LIVE)
    else:
        w.equals("l.declaration_id", declaration_id)
    return LINE_LIST.where(filters or DeclaredLineFilter(), w)


def query_lines(con: Con, unit_id: str, filters: DeclaredLineFilter | None, *, page: int, page_size: int,
                full_ids: bool = False, declaration_id: str | None = None) -> tuple[pd.DataFrame, int]:
    # the count on its own: a window count over every line costs more than the count and the page
    w = _lines_where(unit_id, filters, declaration_id)
    total = con.execute(f"SELECT count(*) {_lines_from(w.sql())}", w.params).fetchall()[0][0]
    df = frame(con, _lines_select(w.sql(), full_ids=full_ids) + " LIMIT ? OFFSET ?",
               [*w.params, page_size, (page - 1) * page_size])
    return df, int(total)


def all_lines(con: Con, unit_id: str, filters: DeclaredLineFilter | None, *, full_ids: bool = False,
              declaration_id: str | None = None) -> pd.DataFrame:
    w = _lines_where(unit_id, filters, declaration_id)
    return frame(con, _lines_select(w.sql(), full_ids=full_ids), w.params)


def missing_lines(con: Con, unit_id: str) -> pd.DataFrame:
    """Records whose lines are not held yet and that have some (申报成功 or 作废中, fees, with people)."""
    return frame(con, f"""
        SELECT r.declaration_id, strftime(r.submitted_at, '%Y-%m-%d %H:%M:%S') AS submitted_at,
               {_channel_sql('r.channel')} AS channel_name, r.status,
               CASE WHEN r.period_start = r.period_end THEN r.period_start
                    ELSE r.period_start || ' 至 ' || r.period_end END AS period,
               r.headcount, r.total_due, coalesce(r.voucher_no, '') AS voucher_no
        FROM declaration_records r
        WHERE r.unit_id = ? AND r.kind = 'fees' AND {_LIVE} AND NOT r.lines_fetched AND coalesce(r.headcount, 0) > 0
        ORDER BY r.submitted_at DESC, r.declaration_id DESC""", [unit_id])


def item_names(con: Con, unit_id: str) -> list[str]:
    return [str(r[0]) for r in con.execute(
        "SELECT DISTINCT item_name FROM declaration_record_rows WHERE unit_id = ? AND item_name IS NOT NULL "
        "ORDER BY 1", [unit_id]).fetchall()]


# ------------------------------------------------------------------------------------ voids


def void_key(con: Con, unit_id: str, declaration_id: str) -> str | None:
    """The key of a void of this declaration whose answer is not known, if any."""
    rows = con.execute("SELECT void_key FROM declaration_voids WHERE unit_id = ? AND declaration_id = ?",
                       [unit_id, declaration_id]).fetchall()
    return str(rows[0][0]) if rows else None


def keep_void_key(con: Con, unit_id: str, declaration_id: str, key: str) -> None:
    con.execute("INSERT INTO declaration_voids (unit_id, declaration_id, void_key, requested_at) VALUES (?, ?, ?, ?)",
                [unit_id, declaration_id, key, clock.now()])


def drop_void_key(con: Con, unit_id: str, declaration_id: str) -> None:
    con.execute("DELETE FROM declaration_voids WHERE unit_id = ? AND declaration_id = ?", [unit_id, declaration_id])


def pending_voids(con: Con, unit_id: str) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT declaration_id FROM declaration_voids WHERE unit_id = ? ORDER BY requested_at", [unit_id]).fetchall()]
