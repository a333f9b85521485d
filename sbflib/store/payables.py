"""社保费应缴信息 (manual 2.21) in the client store: `PAYABLE_LIST` and functions of the caller's
connection. `replace_range` swaps the rows of one fetched date range for what the bureau answered,
in the caller's unit of work, through Arrow."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import pandas as pd
import pyarrow as pa

from sbflib.domain import clock
from sbflib.domain.rules import PAYERS
from sbflib.store.filters import ListSpec, Where, contains, custom, date_from, date_to, equals
from sbflib.store.frames import frame

Con = duckdb.DuckDBPyConnection

STATUSES = ("初始", "申报中", "申报成功", "销账", "已生成待批扣清册")


@dataclass
class PayableFilter:
    """The query form of 社保费应缴信息查询; empty values do not filter."""

    created_from: dt.date | str | None = None   # 申报生成日期起
    created_to: dt.date | str | None = None     # 申报生成日期止
    status: str = ""                            # 申报处理状态
    source_name: str = ""                       # 数据来源
    item_name: str = ""                         # 征收项目
    period: str = ""                            # 应缴所属期间 'YYYY-MM' (a month inside 起止)


def _period(w: Where, month: str) -> None:
    w.add("substr(p.period_start, 1, 7) <= ? AND substr(p.period_end, 1, 7) >= ?", month, month)


PAYABLE_COLUMNS = {
    "created_on": "申报生成日期",
    "status": "申报处理状态",
    "source_name": "数据来源",
    "kind": "申报类型",
    "unit_number": "单位编号",
    "item_name": "征收项目",
    "payer": "缴费对象",
    "headcount": "申报人数",
    "base_total": "缴费基数合计",
    "rate": "费率",
    "amount": "应缴金额",
    "period_start": "应缴所属期起",
    "period_end": "应缴所属期止",
}

PAYABLE_LIST: ListSpec[PayableFilter] = ListSpec(
    title="社保费应缴信息",
    columns=PAYABLE_COLUMNS,
    filter_type=PayableFilter,
    fields={
        "created_from": date_from("申报生成日期起", "p.created_on"),
        "created_to": date_to("申报生成日期止", "p.created_on"),
        "status": equals("申报处理状态", "p.status"),
        "source_name": equals("数据来源", "p.source_name"),
        "item_name": contains("征收项目", "p.item_name"),
        "period": custom("应缴所属期间", _period),
    },
)

#: 缴费对象 in Chinese (the bureau sends unit / personal), as a DuckDB MAP literal of constants.
#: (braces doubled: `_SELECT` is formatted again with the conditions)
_PAYERS_SQL = "MAP {{" + ", ".join(f"'{k}': '{v}'" for k, v in PAYERS.items()) + "}}"

_SELECT = """
    SELECT p.payable_id, p.prep_id, p.declaration_id, p.created_on, p.status, p.source_code, p.source_name,
           p.kind, p.unit_number, p.item_code, p.item_name, p.payer AS payer_code,
           coalesce(map_extract_value({payers}, p.payer), p.payer) AS payer,
           p.headcount, p.base_total, p.rate, p.amount, p.period_start, p.period_end,
           p.period_start || ' 至 ' || p.period_end AS period_range{total}
    FROM payables p WHERE {where}
    ORDER BY p.created_on DESC, p.payable_id DESC
""".replace("{payers}", _PAYERS_SQL)


def replace_range(con: Con, unit_id: str, start: dt.date | None, end: dt.date | None, rows: pa.Table) -> int:
    """The unit's rows generated from `start` to `end` (None: no bound) become `rows`."""
    w = Where().equals("unit_id", unit_id)
    if start is not None:
        w.add("created_on >= ?", start)
    if end is not None:
        w.add("created_on <= ?", end)
    con.execute(f"DELETE FROM payables WHERE {w.sql()}", w.params)
    con.register("incoming_payables", rows)
    try:
        con.execute("""
            INSERT INTO payables (unit_id, payable_id, prep_id, declaration_id, created_on, status, source_code,
                source_name, kind, unit_number, item_code, item_name, payer, period_start, period_end,
                headcount, base_total, rate, amount, fetched_at)
            SELECT ?, payable_id, prep_id, declaration_id, created_on, status, source_code, source_name, kind,
                unit_number, item_code, item_name, payer, period_start, period_end, headcount, base_total,
                rate, amount, ?
            FROM incoming_payables
        """, [unit_id, clock.now().replace(tzinfo=None)])
    finally:
        con.unregister("incoming_payables")
    return rows.num_rows


def _where(unit_id: str, filters: PayableFilter | None) -> Where:
    return PAYABLE_LIST.where(filters or PayableFilter(), Where().equals("p.unit_id", unit_id))


def query_page(con: Con, unit_id: str, filters: PayableFilter | None, *, page: int,
               page_size: int) -> tuple[pd.DataFrame, int]:
    w = _where(unit_id, filters)
    total = int(con.execute(f"SELECT count(*) FROM payables p WHERE {w.sql()}", w.params).fetchall()[0][0])
    df = frame(con, _SELECT.format(total="", where=w.sql()) + " LIMIT ? OFFSET ?",
               [*w.params, page_size, (page - 1) * page_size])
    return df, total


def all_rows(con: Con, unit_id: str, filters: PayableFilter | None) -> pd.DataFrame:
    w = _where(unit_id, filters)
    return frame(con, _SELECT.format(total="", where=w.sql()), w.params)


def sources(con: Con, unit_id: str) -> list[str]:
    rows = con.execute("SELECT DISTINCT source_name FROM payables WHERE unit_id = ? AND source_name IS NOT NULL "
                       "ORDER BY 1", [unit_id]).fetchall()
    return [str(r[0]) for r in rows]
