"""单位退费申请 (manual 2.28) in the client store: `REFUND_LIST` and functions of the caller's connection.

`replace_all` swaps the unit's kept applications for what the bureau answered (刷新), through Arrow;
`upsert` keeps one answered application; `refund_submissions` holds the body and key of a submission
whose answer is not known yet (sent again as it is, it applies once)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import pandas as pd
import pyarrow as pa

from sbflib.domain import clock
from sbflib.store.filters import ListSpec, Where, date_from, date_to, equals
from sbflib.store.frames import frame

Con = duckdb.DuckDBPyConnection

STATUSES = ("待审核", "已退库", "审核不通过")
KIND_NAMES = {"ticket": "税票退费", "employee": "职工明细退费"}


@dataclass
class RefundFilter:
    """The query form of 单位退费申请管理; empty values do not filter."""

    applied_from: dt.date | str | None = None   # 申请日期起
    applied_to: dt.date | str | None = None     # 申请日期止
    status: str = ""                            # 处理状态
    kind: str = ""                              # 退费方式 (ticket | employee)


REFUND_COLUMNS = {
    "refund_id": "退费申请编号",
    "kind_name": "退费方式",
    "refund_type": "退费原因",
    "total": "退费金额合计",
    "bank_name": "退费银行",
    "account_masked": "退费银行账户",
    "applied_at": "申请日期",
    "status": "处理状态",
    "result_reason": "审核意见",
    "lines": "明细条数",
}

REFUND_LIST: ListSpec[RefundFilter] = ListSpec(
    title="单位退费申请",
    columns=REFUND_COLUMNS,
    filter_type=RefundFilter,
    fields={
        "applied_from": date_from("申请日期起", "r.applied_at"),
        "applied_to": date_to("申请日期止", "r.applied_at"),
        "status": equals("处理状态", "r.status"),
        "kind": equals("退费方式", "r.kind"),
    },
)

RECORD_SCHEMA = pa.schema([
    ("refund_id", pa.string()),
    ("kind", pa.string()),
    ("kind_name", pa.string()),
    ("status", pa.string()),
    ("refund_type", pa.string()),
    ("reason", pa.string()),
    ("account_name", pa.string()),
    ("bank_name", pa.string()),
    ("account_masked", pa.string()),
    ("total", pa.decimal128(18, 2)),
    ("applied_at", pa.timestamp("us")),
    ("decided_at", pa.timestamp("us")),
    ("result_reason", pa.string()),
    ("lines", pa.int32()),
])
_NAMES = ", ".join(RECORD_SCHEMA.names)

_SELECT = f"""
    SELECT {", ".join("r." + n for n in RECORD_SCHEMA.names)}
    FROM refund_applications r WHERE {{where}}
    ORDER BY r.applied_at DESC, r.refund_id DESC
"""


def _insert(con: Con, unit_id: str, rows: pa.Table) -> None:
    con.register("incoming_refunds", rows)
    try:
        con.execute(f"""
            INSERT OR REPLACE INTO refund_applications (unit_id, {_NAMES}, fetched_at)
            SELECT ?, {_NAMES}, ? FROM incoming_refunds
        """, [unit_id, clock.now().replace(tzinfo=None)])
    finally:
        con.unregister("incoming_refunds")


def replace_all(con: Con, unit_id: str, rows: pa.Table) -> int:
    """The unit's kept applications become `rows` (RECORD_SCHEMA)."""
    con.execute("DELETE FROM refund_applications WHERE unit_id = ?", [unit_id])
    _insert(con, unit_id, rows)
    return rows.num_rows


def upsert(con: Con, unit_id: str, rows: pa.Table) -> None:
    """Keep these applications (RECORD_SCHEMA), replacing any with the same ID."""
    _insert(con, unit_id, rows)


def fetched(con: Con, unit_id: str) -> bool:
    """Whether anything of the unit was ever kept (an application, or a 刷新 recorded)."""
    rows = con.execute("SELECT count(*) FROM refund_applications WHERE unit_id = ?", [unit_id]).fetchall()
    return bool(rows[0][0])


def _where(unit_id: str, filters: RefundFilter | None) -> Where:
    return REFUND_LIST.where(filters or RefundFilter(), Where().equals("r.unit_id", unit_id))


def query_page(con: Con, unit_id: str, filters: RefundFilter | None, *, page: int,
               page_size: int) -> tuple[pd.DataFrame, int]:
    w = _where(unit_id, filters)
    total = int(con.execute(f"SELECT count(*) FROM refund_applications r WHERE {w.sql()}", w.params).fetchall()[0][0])
    df = frame(con, _SELECT.format(where=w.sql()) + " LIMIT ? OFFSET ?", [*w.params, page_size, (page - 1) * page_size])
    return df, total


def all_rows(con: Con, unit_id: str, filters: RefundFilter | None) -> pd.DataFrame:
    w = _where(unit_id, filters)
    return frame(con, _SELECT.format(where=w.sql()), w.params)


# ---- submissions whose answer is not known ------------------------------------------------------
def pending(con: Con, unit_id: str) -> list[tuple[str, str]]:
    """(key, body) of the unit's submissions still waiting for an answer, oldest first."""
    rows = con.execute("SELECT submit_key, body FROM refund_submissions WHERE unit_id = ? ORDER BY created_at",
                       [unit_id]).fetchall()
    return [(str(k), str(b)) for k, b in rows]


def keep_submission(con: Con, unit_id: str, body: str, key: str) -> str:
    """The key of the waiting submission with exactly this body, else `key` kept with it."""
    rows = con.execute("SELECT submit_key FROM refund_submissions WHERE unit_id = ? AND body = ?",
                       [unit_id, body]).fetchall()
    if rows:
        return str(rows[0][0])
    con.execute("INSERT INTO refund_submissions (unit_id, submit_key, body, created_at) VALUES (?, ?, ?, ?)",
                [unit_id, key, body, clock.now().replace(tzinfo=None)])
    return key


def drop_submission(con: Con, unit_id: str, key: str) -> None:
    con.execute("DELETE FROM refund_submissions WHERE unit_id = ? AND submit_key = ?", [unit_id, key])
