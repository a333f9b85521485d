"""The audit trail (操作日志) in the client store: one row per logical state-changing call.

The list is declared once here (`AUDIT_LIST`: columns and labels, the `AuditFilter` of the query
form and how each field filters); the service (sbflib/system/audit.py) re-exports it. Rows arrive
already redacted (sbflib/gateway/audit.py). Two reports with the same record id (a call run again
with its idempotency key: after the bureau moved, or resent after a crash) merge into one row: the
first start time stays, attempts and runs add up, the latest outcome and answer win.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from sbflib.store.filters import ListSpec, Where, contains, date_from, date_to, equals
from sbflib.store.frames import frame

Con = duckdb.DuckDBPyConnection

#: The columns of one row as the service hands them over (and as the table holds them).
ROW_COLUMNS = (
    "record_id", "called_at", "last_at", "duration_ms", "unit_id", "operation", "method", "path", "idempotency_key",
    "attempts", "runs", "request", "outcome", "status", "code", "message", "result_id", "response", "reports",
)


@dataclass
class AuditFilter:
    """The query form of 操作日志; empty values do not filter."""

    at_from: str | dt.date | None = None   # 'YYYY-MM-DD' or a date
    at_to: str | dt.date | None = None
    unit_id: str = ""
    operation: str = ""
    outcome: str = ""                      # '' | 成功 | 失败 | 结果未知
    result_id: str = ""                    # 业务编号, fuzzy


#: Column -> label, in display order (what the page and the export show). `frame()` also has the
#: technical columns a clerk is not shown: code (the bureau's refusal code), method, path, record_id, runs.
COLUMNS = {
    "called_at": "操作时间",
    "unit_id": "单位标识",
    "unit_name": "单位名称",
    "operation": "操作类型",  # not 操作: that heads the pages' link column (查看)
    "outcome": "结果",
    "message": "税务局答复",
    "result_id": "业务编号",
    "attempts": "发送次数",
    "idempotency_key": "请求编号",
    "status": "状态码",
    "duration_ms": "耗时（毫秒）",
    "request": "发送内容",
    "response": "答复内容",
    "last_at": "最后发送时间",
}

AUDIT_LIST: ListSpec[AuditFilter] = ListSpec(
    title="操作日志",
    columns=COLUMNS,
    filter_type=AuditFilter,
    fields={
        "at_from": date_from("操作时间起", "a.called_at"),
        "at_to": date_to("操作时间止", "a.called_at"),
        "unit_id": equals("单位", "a.unit_id"),
        "operation": equals("操作类型", "a.operation"),
        "outcome": equals("结果", "a.outcome"),
        "result_id": contains("业务编号", "a.result_id"),
    },
)

_SELECT = """
    SELECT a.called_at, a.unit_id, coalesce(u.name, '') AS unit_name, a.operation, a.outcome, a.message, a.result_id,
           a.attempts, a.idempotency_key, a.code, a.status, a.duration_ms, a.request, a.response, a.last_at,
           a.method, a.path, a.record_id, a.runs
    FROM audit_log a LEFT JOIN units u ON u.unit_id = a.unit_id
"""


_SCHEMA = pa.schema([
    ("record_id", pa.string()), ("called_at", pa.timestamp("us")), ("last_at", pa.timestamp("us")),
    ("duration_ms", pa.int64()), ("unit_id", pa.string()), ("operation", pa.string()), ("method", pa.string()),
    ("path", pa.string()), ("idempotency_key", pa.string()), ("attempts", pa.int32()), ("runs", pa.int32()),
    ("request", pa.string()), ("outcome", pa.string()), ("status", pa.int32()), ("code", pa.string()),
    ("message", pa.string()), ("result_id", pa.string()), ("response", pa.string()), ("reports", pa.string()),
])


def merge(con: Con, rows: Iterable[Mapping[str, Any]]) -> int:
    """Keep `rows` (dicts with ROW_COLUMNS): new record ids are inserted in one statement, a known
    one is merged into its row (a report already merged is skipped). Returns how many rows were new."""
    batch = list(rows)
    if not batch:
        return 0
    ids = list({str(r["record_id"]) for r in batch})
    known = {rid: str(reports or "") for rid, reports in con.execute(
        "SELECT record_id, reports FROM audit_log WHERE record_id IN (SELECT unnest(?))", [ids]).fetchall()}
    fresh: list[Mapping[str, Any]] = []
    later: list[Mapping[str, Any]] = []
    seen: set[str] = set()
    for row in batch:
        rid = str(row["record_id"])
        if rid in known or rid in seen:
            later.append(row)
        else:
            seen.add(rid)
            fresh.append(row)
    if fresh:
        table = pa.Table.from_pylist([{c: row.get(c) for c in ROW_COLUMNS} for row in fresh], schema=_SCHEMA)
        table = table.append_column("arrival", pa.array(range(len(fresh)), pa.int64()))
        con.register("audit_batch", table)
        try:  # in arrival order, so `seq` orders the calls of one second as they were made
            con.execute(f"INSERT INTO audit_log ({', '.join(ROW_COLUMNS)}) SELECT {', '.join(ROW_COLUMNS)} "
                        "FROM audit_batch ORDER BY arrival")
        finally:
            with contextlib.suppress(duckdb.Error):  # after a refused insert the transaction is aborted
                con.unregister("audit_batch")
    for row in later:
        _merge_one(con, row)
    return len(fresh)


def _merge_one(con: Con, row: Mapping[str, Any]) -> None:
    report = str(row["reports"])
    known = con.execute("SELECT reports FROM audit_log WHERE record_id = ?", [row["record_id"]]).fetchall()
    if not known:
        con.execute(f"INSERT INTO audit_log ({', '.join(ROW_COLUMNS)}) VALUES ({', '.join('?' * len(ROW_COLUMNS))})",
                    [row.get(c) for c in ROW_COLUMNS])
        return
    if report in str(known[0][0] or "").split(","):
        return  # this report is in already (written again after a crash)
    con.execute(
        """UPDATE audit_log SET
               called_at = least(called_at, ?), last_at = greatest(coalesce(last_at, called_at), ?),
               duration_ms = coalesce(duration_ms, 0) + ?, attempts = coalesce(attempts, 0) + ?,
               runs = coalesce(runs, 1) + ?, request = ?, outcome = ?, status = ?, code = ?, message = ?,
               result_id = CASE WHEN ? <> '' THEN ? ELSE result_id END, response = ?,
               unit_id = CASE WHEN coalesce(unit_id, '') = '' THEN ? ELSE unit_id END,
               reports = concat_ws(',', reports, ?)
           WHERE record_id = ?""",
        [row["called_at"], row["last_at"] or row["called_at"], row.get("duration_ms") or 0,
         row.get("attempts") or 0, row.get("runs") or 1, row.get("request"), row["outcome"], row.get("status"),
         row.get("code"), row.get("message"), row.get("result_id") or "", row.get("result_id") or "",
         row.get("response"), row.get("unit_id") or "", report, row["record_id"]],
    )


def _where(filters: AuditFilter) -> Where:
    return AUDIT_LIST.where(filters, Where())


def query_page(con: Con, filters: AuditFilter, *, page: int, page_size: int) -> tuple[pd.DataFrame, int]:
    """One page, newest first, and the number of rows the filters match."""
    w = _where(filters)
    total = int(con.execute(f"SELECT count(*) FROM audit_log a WHERE {w.sql()}", w.params).fetchall()[0][0])
    df = frame(con, f"{_SELECT} WHERE {w.sql()} ORDER BY a.called_at DESC, a.seq DESC LIMIT ? OFFSET ?",
               [*w.params, page_size, (page - 1) * page_size])
    return df, total


def all_rows(con: Con, filters: AuditFilter) -> pd.DataFrame:
    """Every row the filters match, newest first (never truncated)."""
    w = _where(filters)
    return frame(con, f"{_SELECT} WHERE {w.sql()} ORDER BY a.called_at DESC, a.seq DESC", w.params)


def choices(con: Con) -> dict[str, list[Any]]:
    """The values present, for the query form's lists: units as (unit_id, name) and operations."""
    units = [(r[0], r[1]) for r in con.execute(
        "SELECT DISTINCT a.unit_id, coalesce(u.name, '') FROM audit_log a LEFT JOIN units u ON u.unit_id = a.unit_id "
        "WHERE coalesce(a.unit_id, '') <> '' ORDER BY 1").fetchall()]
    ops = [r[0] for r in con.execute("SELECT DISTINCT operation FROM audit_log ORDER BY 1").fetchall()]
    return {"units": units, "operations": ops}
