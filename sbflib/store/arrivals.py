"""社保费到账信息 (manual 2.22) in the client store: `ARRIVAL_LIST` and functions of the caller's
connection. `replace_range` swaps the rows of one fetched 到账日期 range for what the bureau answered,
in the caller's unit of work, through Arrow."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

import duckdb
import pandas as pd
import pyarrow as pa

from sbflib.domain import clock
from sbflib.domain.rules import PAYERS
from sbflib.errors import ValidationError
from sbflib.store.filters import ListSpec, Where, contains, custom, date_from, date_to
from sbflib.store.frames import frame

Con = duckdb.DuckDBPyConnection

#: 缴费渠道 (the query form's choices)
CHANNELS = ("三方协议", "银行端凭证", "其他渠道")
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


@dataclass
class ArrivalFilter:
    """The query form of 社保费到账信息查询; empty values do not filter."""

    arrived_from: dt.date | str | None = None   # 到账日期起
    arrived_to: dt.date | str | None = None     # 到账日期止
    item_name: str = ""                         # 征收项目 (fuzzy)
    voucher_no: str = ""                        # 应征凭证序号 (fuzzy)
    channel: str = ""                           # 缴费渠道
    period: str = ""                            # 费款所属期 'YYYY-MM' (a month inside 起止)


def _period(w: Where, month: str) -> None:
    if not _MONTH.fullmatch(month):
        raise ValidationError("应为“年-月”，如2026-01", field="费款所属期")
    w.add("substr(a.period_start, 1, 7) <= ? AND substr(a.period_end, 1, 7) >= ?", month, month)


def _channel(w: Where, channel: str) -> None:
    if channel not in CHANNELS:
        raise ValidationError("缴费渠道不正确", field="缴费渠道")
    w.equals("a.channel", channel)


#: The list's columns in display (and export) order, key -> the Chinese label.
ARRIVAL_COLUMNS = {
    "arrived_on": "到账日期",
    "paid_on": "缴款日期",
    "voucher_no": "应征凭证序号",
    "unit_number": "单位编号",
    "agency": "社保经办机构",
    "item_name": "征收项目",
    "subitem_name": "征收品目",
    "payer": "缴费对象",
    "period_start": "费款所属期起",
    "period_end": "费款所属期止",
    "amount": "实缴金额",
    "late_fee": "滞纳金",
    "total": "到账金额",
    "channel": "缴费渠道",
    "tax_authority": "主管税务机关",
    "status": "到账状态",
}

ARRIVAL_LIST: ListSpec[ArrivalFilter] = ListSpec(
    title="社保费到账信息",
    columns=ARRIVAL_COLUMNS,
    filter_type=ArrivalFilter,
    fields={
        "arrived_from": date_from("到账日期起", "a.arrived_on"),
        "arrived_to": date_to("到账日期止", "a.arrived_on"),
        "item_name": contains("征收项目", "a.item_name"),
        "voucher_no": contains("应征凭证序号", "a.voucher_no"),
        "channel": custom("缴费渠道", _channel),
        "period": custom("费款所属期", _period),
    },
)

#: 缴费对象 in Chinese (the bureau sends unit / personal), as a DuckDB MAP literal of constants.
_PAYERS_SQL = "MAP {" + ", ".join(f"'{k}': '{v}'" for k, v in PAYERS.items()) + "}"

_SELECT = """
    SELECT a.arrival_id, a.voucher_no, a.declaration_id, a.unit_number, a.agency, a.item_code, a.item_name,
           a.subitem_name,
           a.payer AS payer_code, coalesce(map_extract_value({payers}, a.payer), a.payer) AS payer,
           a.period_start, a.period_end, a.period_start || ' 至 ' || a.period_end AS period_range,
           a.amount, a.late_fee, CAST(a.amount + a.late_fee AS DECIMAL(18,2)) AS total,
           a.paid_on, a.arrived_on, a.channel, a.tax_authority, a.status
    FROM arrivals a WHERE {where}
    ORDER BY a.arrived_on DESC, a.voucher_no DESC, a.arrival_id
"""


def replace_range(con: Con, unit_id: str, start: dt.date | None, end: dt.date | None, rows: pa.Table) -> int:
    """The unit's rows that arrived from `start` to `end` (None: no bound) become `rows`."""
    w = Where().equals("unit_id", unit_id)
    if start is not None:
        w.add("arrived_on >= ?", start)
    if end is not None:
        w.add("arrived_on <= ?", end)
    con.execute(f"DELETE FROM arrivals WHERE {w.sql()}", w.params)
    con.register("incoming_arrivals", rows)
    try:
        con.execute("""
            INSERT INTO arrivals (unit_id, arrival_id, voucher_no, declaration_id, unit_number, agency, item_code,
                item_name, subitem_name, payer, period_start, period_end, amount, late_fee, paid_on, arrived_on,
                channel, tax_authority, status, fetched_at)
            SELECT ?, arrival_id, voucher_no, declaration_id, unit_number, agency, item_code, item_name,
                subitem_name, payer, period_start, period_end, amount, late_fee, paid_on, arrived_on, channel,
                tax_authority, status, ?
            FROM incoming_arrivals
        """, [unit_id, clock.now().replace(tzinfo=None)])
    finally:
        con.unregister("incoming_arrivals")
    return rows.num_rows


def _where(unit_id: str, filters: ArrivalFilter | None) -> Where:
    return ARRIVAL_LIST.where(filters or ArrivalFilter(), Where().equals("a.unit_id", unit_id))


def _select(where: Where) -> str:
    return _SELECT.replace("{payers}", _PAYERS_SQL).replace("{where}", where.sql())


def query_page(con: Con, unit_id: str, filters: ArrivalFilter | None, *, page: int,
               page_size: int) -> tuple[pd.DataFrame, int]:
    w = _where(unit_id, filters)
    total = int(con.execute(f"SELECT count(*) FROM arrivals a WHERE {w.sql()}", w.params).fetchall()[0][0])
    df = frame(con, _select(w) + " LIMIT ? OFFSET ?", [*w.params, page_size, (page - 1) * page_size])
    return df, total


def all_rows(con: Con, unit_id: str, filters: ArrivalFilter | None) -> pd.DataFrame:
    w = _where(unit_id, filters)
    return frame(con, _select(w), w.params)


def totals(con: Con, unit_id: str, filters: ArrivalFilter | None) -> tuple[int, Decimal, Decimal]:
    """How many rows match, and the sums of 实缴金额 and 滞纳金 (Decimal)."""
    w = _where(unit_id, filters)
    row = con.execute(
        "SELECT count(*), CAST(coalesce(sum(a.amount), 0) AS DECIMAL(18,2)), "
        f"CAST(coalesce(sum(a.late_fee), 0) AS DECIMAL(18,2)) FROM arrivals a WHERE {w.sql()}", w.params,
    ).fetchall()[0]
    return int(row[0]), Decimal(row[1]), Decimal(row[2])


def fetched(con: Con, unit_id: str) -> bool:
    """Whether anything was ever fetched for the unit (a sync that found nothing counts as none)."""
    return bool(con.execute("SELECT count(*) FROM arrivals WHERE unit_id = ?", [unit_id]).fetchall()[0][0])
