"""Fee declarations (社保费申报) in the client store: the preprocessing rows each declaration page last
fetched, the per-employee lines downloaded once per row, and the submissions with their kept
Idempotency-Key and body (migration 008). Functions of the caller's connection; bulk writes go
through Arrow.

A row's status as a page shows it: the bureau's (未申报 / 申报中 / 已申报), or 提交中 while the row is
in a submission whose answer has not been recorded (sent, or about to be sent: the next 提交申报 of
those rows re-sends the kept body with the kept key, so the bureau answers with what it already made).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sbflib.domain import clock
from sbflib.domain.ids import mask_id_sql
from sbflib.store.filters import ListSpec, Where, contains, custom, equals
from sbflib.store.frames import frame

Con = duckdb.DuckDBPyConnection

NOT_DECLARED = "未申报"
SENDING = "提交中"       # in a submission whose answer is not recorded
DECLARING = "申报中"     # its declaration is 待反馈
DECLARED = "已申报"
ROW_STATUSES = (NOT_DECLARED, SENDING, DECLARING, DECLARED)
SUBMITTED = "已提交"     # a submission whose answer is recorded

CHANNEL_LABELS = {"daily": "日常申报", "special": "特殊缴费申报", "assessed": "社保费申报（核定）",
                  "project": "工程项目社保费申报"}


@dataclass
class DeclareFilter:
    """The query form of a declaration page; empty values do not filter."""

    unit_number: str = ""     # 单位编号
    agency: str = ""          # 社保经办机构
    item_name: str = ""       # 征收项目 (part of the name)
    notice_no: str = ""       # 征集通知流水号 (part)
    project_no: str = ""      # 工程项目编号
    source_name: str = ""     # 数据来源
    period: str = ""          # 费款所属期 'YYYY-MM': a month inside 起止
    status: str = ""          # 申报状态: 未申报 | 提交中 | 申报中 | 已申报


def _period(w: Where, month: str) -> None:
    w.add("r.period_start <= ? AND r.period_end >= ?", month, month)


#: Every column a page may show, key -> label, in display order (`channel_columns` keeps a page's).
COLUMNS = {
    "source_name": "数据来源",
    "unit_number": "单位编号",
    "agency": "社保经办机构",
    "project_no": "工程项目编号",
    "notice_no": "征集通知流水号",
    "valid_until": "征集有效日期",
    "special_type": "特殊缴费类型",
    "item_name": "征收项目",
    "subitem_name": "征收品目",
    "payer_name": "缴费对象",
    "period_start": "费款所属期起",
    "period_end": "费款所属期止",
    "headcount": "缴费人数",
    "base_total": "缴费基数（元）",
    "rate": "费率",
    "amount": "应缴费额（元）",
    "status": "申报状态",
}

_LEAVE_OUT = {
    "daily": {"project_no", "special_type"},
    "special": {"project_no"},
    "assessed": {"project_no"},
    "project": {"special_type", "subitem_name", "payer_name", "headcount", "source_name"},
}


def channel_columns(channel: str) -> dict[str, str]:
    """The columns of one page (工程项目 has no per-employee lines, so no 缴费人数)."""
    return {k: v for k, v in COLUMNS.items() if k not in _LEAVE_OUT[channel]}


_STATUS_SQL = f"CASE WHEN p.prep_id IS NOT NULL THEN '{SENDING}' ELSE r.status END"

DECLARE_LIST: ListSpec[DeclareFilter] = ListSpec(
    title="社保费申报",
    columns=COLUMNS,
    filter_type=DeclareFilter,
    fields={
        "unit_number": equals("单位编号", "r.unit_number"),
        "agency": equals("社保经办机构", "r.agency"),
        "item_name": contains("征收项目", "r.item_name"),
        "notice_no": contains("征集通知流水号", "r.notice_no"),
        "project_no": equals("工程项目编号", "r.project_no"),
        "source_name": equals("数据来源", "r.source_name"),
        "period": custom("费款所属期", _period),
        "status": custom("申报状态", lambda w, v: w.add(f"({_STATUS_SQL}) = ?", v)),
    },
)

#: The columns of a frame, in order: the ids and codes a page and a script need, then the shown ones.
FRAME_COLUMNS = ("prep_id", "group_key", "status", "declaration_id", "source_code", "item_code", "payer",
                 "back_pay", "source_name", "unit_number", "agency", "project_no", "notice_no", "valid_until",
                 "special_type", "item_name", "subitem_name", "payer_name", "period_start", "period_end",
                 "headcount", "base_total", "rate", "amount")

_PENDING_ROWS = f"""
    (SELECT DISTINCT sr.prep_id FROM declare_submission_rows sr
     JOIN declare_submissions s ON s.unit_id = sr.unit_id AND s.submit_key = sr.submit_key
     WHERE s.unit_id = $unit AND s.state = '{SENDING}')"""


def _select(where: str, *, total: bool = False) -> str:
    shown = ", ".join(f"r.{c}" for c in FRAME_COLUMNS if c != "status")
    counted = "count(*) OVER () AS _total, " if total else ""
    return f"""
        SELECT {counted}{shown}, {_STATUS_SQL} AS status
        FROM declare_rows r LEFT JOIN {_PENDING_ROWS} p ON p.prep_id = r.prep_id
        WHERE {where}
        ORDER BY r.pos"""


def _where(unit_id: str, channel: str, filters: DeclareFilter | None, prep_ids: list[str] | None = None) -> Where:
    w = Where().add("r.unit_id = $unit AND r.channel = $channel")
    DECLARE_LIST.where(filters or DeclareFilter(), w)
    return w.in_("r.prep_id", prep_ids)


def _run(con: Con, sql: str, unit_id: str, channel: str, w: Where, extra: list[Any] | None = None) -> pd.DataFrame:
    """`sql` with `$unit` / `$channel` named and the Where's `?` numbered after them."""
    params: list[Any] = [*w.params, *(extra or [])]
    numbered = sql
    names: dict[str, Any] = {"unit": unit_id, "channel": channel}
    for i, value in enumerate(params):
        names[f"p{i}"] = value
        numbered = numbered.replace("?", f"$p{i}", 1)
    used = {k: v for k, v in names.items() if f"${k}" in numbered}
    table = con.sql(numbered, params=used).to_arrow_table()
    return table.to_pandas()


def _ordered(df: pd.DataFrame) -> pd.DataFrame:
    return df[[*FRAME_COLUMNS]].reset_index(drop=True)


def query_page(con: Con, unit_id: str, channel: str, filters: DeclareFilter | None, *, page: int,
               page_size: int) -> tuple[pd.DataFrame, int]:
    """One page of the rows (the bureau's order) and how many match."""
    w = _where(unit_id, channel, filters)
    df = _run(con, _select(w.sql(), total=True) + " LIMIT ? OFFSET ?", unit_id, channel, w,
              [page_size, (page - 1) * page_size])
    counted = df.pop("_total")
    if len(df):
        return _ordered(df), int(counted.iloc[0])
    total = 0
    if page > 1:
        total = int(_run(con, f"SELECT count(*) AS n FROM declare_rows r LEFT JOIN {_PENDING_ROWS} p "
                              f"ON p.prep_id = r.prep_id WHERE {w.sql()}", unit_id, channel, w)["n"].iloc[0])
    return _ordered(df), total


def query_all(con: Con, unit_id: str, channel: str, filters: DeclareFilter | None = None, *,
              prep_ids: list[str] | None = None) -> pd.DataFrame:
    """Every matching row (or only `prep_ids` among them), never truncated."""
    w = _where(unit_id, channel, filters, prep_ids)
    return _ordered(_run(con, _select(w.sql()), unit_id, channel, w))


def loaded_at(con: Con, unit_id: str, channel: str) -> dt.datetime | None:
    rows = con.execute("SELECT max(fetched_at) FROM declare_rows WHERE unit_id = ? AND channel = ?",
                       [unit_id, channel]).fetchall()
    return rows[0][0] if rows else None


def replace_rows(con: Con, unit_id: str, channel: str, rows: pa.Table) -> int:
    """The page's rows become `rows` (PREP_SCHEMA, the bureau's order). Kept lines of a row whose
    headcount, base total or amount changed are dropped (they would no longer add up to it)."""
    incoming = rows.append_column("pos", pa.array(range(rows.num_rows), pa.int32()))
    con.register("incoming_declare_rows", incoming)
    try:
        con.execute("DELETE FROM declare_rows WHERE unit_id = ? AND channel = ?", [unit_id, channel])
        con.execute("""
            INSERT INTO declare_rows (unit_id, channel, pos, prep_id, group_key, source_code, source_name,
                unit_number, agency, notice_no, valid_until, special_type, project_no, item_code, item_name,
                subitem_name, payer, payer_name, period_start, period_end, headcount, base_total, rate, amount,
                back_pay, status, declaration_id, fetched_at)
            SELECT ?, ?, pos, prep_id, group_key, source_code, source_name, unit_number, agency, notice_no,
                valid_until, special_type, project_no, item_code, item_name, subitem_name, payer, payer_name,
                period_start, period_end, headcount, base_total, rate, amount, back_pay, status, declaration_id, ?
            FROM incoming_declare_rows
        """, [unit_id, channel, clock.now().replace(tzinfo=None)])
        stale = """
            SELECT h.prep_id FROM declare_lines_held h JOIN incoming_declare_rows n ON n.prep_id = h.prep_id
            WHERE h.unit_id = ? AND (h.headcount IS DISTINCT FROM n.headcount
                  OR h.base_total IS DISTINCT FROM n.base_total OR h.amount IS DISTINCT FROM n.amount)"""
        con.execute(f"DELETE FROM declare_lines WHERE unit_id = ? AND prep_id IN ({stale})", [unit_id, unit_id])
        con.execute(f"DELETE FROM declare_lines_held WHERE unit_id = ? AND prep_id IN ({stale})", [unit_id, unit_id])
    finally:
        con.unregister("incoming_declare_rows")
    return rows.num_rows


# ------------------------------------------------------------------------------------------- lines

LINE_COLUMNS = {
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
}


def held_lines(con: Con, unit_id: str, prep_ids: list[str]) -> set[str]:
    """Which of `prep_ids` have their lines held."""
    rows = con.execute("SELECT prep_id FROM declare_lines_held WHERE unit_id = ? AND list_contains(?, prep_id)",
                       [unit_id, prep_ids]).fetchall()
    return {str(r[0]) for r in rows}


def store_lines(con: Con, unit_id: str, prep_ids: list[str], lines: pa.Table) -> int:
    """Keep the downloaded lines (LINE_SCHEMA) of `prep_ids` (replacing any held), noting the figures
    of each row they were downloaded for."""
    con.execute("DELETE FROM declare_lines WHERE unit_id = ? AND list_contains(?, prep_id)", [unit_id, prep_ids])
    con.execute("DELETE FROM declare_lines_held WHERE unit_id = ? AND list_contains(?, prep_id)",
                [unit_id, prep_ids])
    wanted = pa.table({"prep_id": pa.array(prep_ids, pa.string())})
    counts = pc.value_counts(lines["prep_id"]) if lines.num_rows else pa.array([], pa.struct(
        [("values", pa.string()), ("counts", pa.int64())]))
    counted = pa.table({"prep_id": counts.field("values"), "n": counts.field("counts")})
    con.register("incoming_declare_lines", lines)
    con.register("wanted_declare_lines", wanted)
    con.register("counted_declare_lines", counted)
    try:
        con.execute("""
            INSERT INTO declare_lines (unit_id, prep_id, employee_id, name, id_type, id_number, person_number,
                item_code, payer, month, base, rate, amount)
            SELECT ?, prep_id, employee_id, name, id_type, id_number, person_number, item_code, payer, month,
                base, rate, amount
            FROM incoming_declare_lines WHERE prep_id IN (SELECT prep_id FROM wanted_declare_lines)
        """, [unit_id])
        con.execute("""
            INSERT INTO declare_lines_held (unit_id, prep_id, headcount, base_total, amount, line_count, fetched_at)
            SELECT ?, w.prep_id, r.headcount, r.base_total, r.amount, coalesce(c.n, 0), ?
            FROM wanted_declare_lines w
            LEFT JOIN (SELECT prep_id, any_value(headcount) AS headcount, any_value(base_total) AS base_total,
                              any_value(amount) AS amount
                       FROM declare_rows WHERE unit_id = ? GROUP BY prep_id) r ON r.prep_id = w.prep_id
            LEFT JOIN counted_declare_lines c ON c.prep_id = w.prep_id
        """, [unit_id, clock.now().replace(tzinfo=None), unit_id])
    finally:
        for name in ("incoming_declare_lines", "wanted_declare_lines", "counted_declare_lines"):
            con.unregister(name)
    return lines.num_rows


def lines_frame(con: Con, unit_id: str, prep_ids: list[str], *, full_ids: bool = False) -> pd.DataFrame:
    """The held lines of `prep_ids` (ID numbers masked unless `full_ids`), with the row's item name
    and payer in Chinese; money as Decimal."""
    id_number = "l.id_number" if full_ids else mask_id_sql("l.id_number")
    return frame(con, f"""
        SELECT l.prep_id, l.employee_id, l.name, l.id_type, {id_number} AS id_number, l.person_number,
               l.item_code, r.item_name, l.payer,
               CASE l.payer WHEN 'unit' THEN '单位' WHEN 'personal' THEN '个人' ELSE l.payer END AS payer_name,
               l.month, l.base, l.rate, l.amount
        FROM declare_lines l
        LEFT JOIN (SELECT prep_id, any_value(item_name) AS item_name FROM declare_rows WHERE unit_id = ?
                   GROUP BY prep_id) r ON r.prep_id = l.prep_id
        WHERE l.unit_id = ? AND list_contains(?, l.prep_id)
        ORDER BY l.prep_id, l.employee_id, l.month
    """, [unit_id, unit_id, prep_ids])


def distinct_employees(con: Con, unit_id: str, prep_ids: list[str]) -> int:
    rows = con.execute("SELECT count(DISTINCT employee_id) FROM declare_lines WHERE unit_id = ? "
                       "AND list_contains(?, prep_id)", [unit_id, prep_ids]).fetchall()
    return int(rows[0][0])


# ------------------------------------------------------------------------------------- submissions


def pending_submissions(con: Con, unit_id: str, prep_ids: list[str] | None = None) -> pd.DataFrame:
    """Submissions still 提交中 (all, or those carrying one of `prep_ids`): submit_key, channel, body,
    total_due, rows, headcount, created_at, oldest first."""
    where = "s.unit_id = ? AND s.state = ?"
    params: list[Any] = [unit_id, SENDING]
    if prep_ids is not None:
        where += (" AND s.submit_key IN (SELECT submit_key FROM declare_submission_rows WHERE unit_id = ? "
                  "AND list_contains(?, prep_id))")
        params += [unit_id, prep_ids]
    return frame(con, f"""SELECT s.submit_key, s.channel, s.body, s.total_due, s.rows, s.headcount, s.created_at
                          FROM declare_submissions s WHERE {where} ORDER BY s.created_at, s.submit_key""", params)


def submission_rows(con: Con, unit_id: str, key: str) -> list[str]:
    rows = con.execute("SELECT prep_id FROM declare_submission_rows WHERE unit_id = ? AND submit_key = ? "
                       "ORDER BY prep_id", [unit_id, key]).fetchall()
    return [str(r[0]) for r in rows]


def add_submission(con: Con, unit_id: str, key: str, channel: str, body: dict[str, Any], total_due: Decimal,
                   rows: int, headcount: int) -> str:
    """Keep a submission about to be sent (提交中) with its rows; returns the body text kept."""
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    con.execute("""INSERT INTO declare_submissions (unit_id, submit_key, channel, body, total_due, rows, headcount,
                                                    state, created_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [unit_id, key, channel, text, total_due, rows, headcount, SENDING, clock.now().replace(tzinfo=None)])
    con.execute("INSERT INTO declare_submission_rows SELECT ?, ?, unnest(?)", [unit_id, key, body["prep_ids"]])
    return text


def record_answer(con: Con, unit_id: str, key: str, submission_id: str, answer: dict[str, Any],
                  declared: dict[str, tuple[str, str]]) -> None:
    """The bureau's answer to a kept submission: the submission 已提交, and its rows 申报中 under the
    declaration of their data source (`declared`: source_code -> (declaration_id, row status))."""
    con.execute("""UPDATE declare_submissions SET state = ?, submission_id = ?, answer = ?, answered_at = ?
                   WHERE unit_id = ? AND submit_key = ?""",
                [SUBMITTED, submission_id, json.dumps(answer, ensure_ascii=False, default=str),
                 clock.now().replace(tzinfo=None), unit_id, key])
    for source, (declaration_id, status) in declared.items():
        con.execute("""UPDATE declare_rows SET status = ?, declaration_id = ?
                       WHERE unit_id = ? AND source_code = ? AND prep_id IN
                           (SELECT prep_id FROM declare_submission_rows WHERE unit_id = ? AND submit_key = ?)""",
                    [status, declaration_id, unit_id, source, unit_id, key])


def drop_submission(con: Con, unit_id: str, key: str) -> None:
    """A refused submission: nothing was declared; its rows are offered again."""
    con.execute("DELETE FROM declare_submission_rows WHERE unit_id = ? AND submit_key = ?", [unit_id, key])
    con.execute("DELETE FROM declare_submissions WHERE unit_id = ? AND submit_key = ?", [unit_id, key])


def kept_answer(con: Con, unit_id: str, submission_id: str) -> dict[str, Any] | None:
    rows = con.execute("SELECT answer FROM declare_submissions WHERE unit_id = ? AND submission_id = ?",
                       [unit_id, submission_id]).fetchall()
    return json.loads(rows[0][0]) if rows and rows[0][0] else None
