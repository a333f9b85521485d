"""社保费到账信息查询 (manual 2.22): whether the fees the unit paid have been passed on and put into
the treasury (到账), as the bureau reports them.

    a = wb.employer.arrivals
      .sync(start=None, end=None) -> int     fetch 到账日期 start..end from the bureau, store it
      .reset() -> ArrivalFilter              the query form's defaults (重置): the last year up to today
      .query(filters, page, page_size)       one page (newest first) and how many match
      .frame(filters)                        every matching row (never truncated; money Decimal)
      .totals(filters)                       ArrivalTotals: count, 实缴金额, 滞纳金, 合计 and a Chinese line
      .export(filters)                       .xlsx bytes with the list's Chinese headers

The download happens first; the store is taken only for the one unit of work that replaces the
range's rows (docs/patterns.md §1).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from sbflib.domain import clock
from sbflib.errors import MAX_PAGE, MAX_PAGE_SIZE, ValidationError, service_edge, whole_number
from sbflib.io import xlsx
from sbflib.store import arrivals as repo
from sbflib.store.arrivals import ARRIVAL_COLUMNS, ARRIVAL_LIST, CHANNELS, ArrivalFilter
from sbflib.store.filters import parse_date
from sbflib.system.context import Context

__all__ = ["ARRIVAL_COLUMNS", "ARRIVAL_LIST", "CHANNELS", "ArrivalFilter", "ArrivalService", "ArrivalTotals"]

#: How far back the form's 到账日期 starts by default (entering the page fetches that range).
DEFAULT_DAYS = 365


@dataclass(frozen=True)
class ArrivalTotals:
    count: int
    amount: Decimal      # 实缴金额合计
    late_fee: Decimal    # 滞纳金合计

    @property
    def total(self) -> Decimal:
        return self.amount + self.late_fee

    @property
    def text(self) -> str:
        return (f"共{self.count}条，实缴金额合计{self.amount:,.2f}元，滞纳金合计{self.late_fee:,.2f}元，"
                f"到账金额合计{self.total:,.2f}元")


def _check(filters: ArrivalFilter | None) -> ArrivalFilter:
    return ARRIVAL_LIST.check(filters)


@service_edge
class ArrivalService:
    """`wb.employer.arrivals` (社保费到账信息查询)."""

    COLUMNS = ARRIVAL_COLUMNS
    LIST = ARRIVAL_LIST
    CHANNELS = CHANNELS

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def _unit_id(self) -> str:
        return self.ctx.require_unit("employer").unit_id

    def reset(self) -> ArrivalFilter:
        """The query form's defaults (重置): 到账日期 from a year ago to today, nothing else set."""
        today = clock.today()
        return ArrivalFilter(arrived_from=today - dt.timedelta(days=DEFAULT_DAYS), arrived_to=today)

    def sync(self, start: dt.date | str | None = None, end: dt.date | str | None = None) -> int:
        """Fetch what arrived from `start` to `end` (both included; None: no bound) and keep it in
        place of the rows of that range. Returns how many rows came."""
        first = parse_date(start, "到账日期起")
        last = parse_date(end, "到账日期止")
        if first and last and first > last:
            raise ValidationError("开始日期不能晚于结束日期", field="到账日期起")
        unit_id = self._unit_id()
        table = self.ctx.client.arrivals.list(unit_id, first, last)
        with self.ctx.store.work() as con:
            return repo.replace_range(con, unit_id, first, last, table)

    def fetched(self) -> bool:
        """Whether any arrival is held for the unit."""
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            return repo.fetched(con, unit_id)

    def query(self, filters: ArrivalFilter | None = None, page: int = 1,
              page_size: int = 50) -> tuple[pd.DataFrame, int]:
        """One page of the held arrivals (newest first) and how many match."""
        f = _check(filters)
        page = whole_number(page, "页码", MAX_PAGE)
        page_size = whole_number(page_size, "每页条数", MAX_PAGE_SIZE)
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            return repo.query_page(con, unit_id, f, page=page, page_size=page_size)

    def frame(self, filters: ArrivalFilter | None = None) -> pd.DataFrame:
        """Every held arrival that matches (money as Decimal, dates as dates)."""
        f = _check(filters)
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            return repo.all_rows(con, unit_id, f)

    def totals(self, filters: ArrivalFilter | None = None) -> ArrivalTotals:
        """How many arrivals match and what they add up to."""
        f = _check(filters)
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            count, amount, late_fee = repo.totals(con, unit_id, f)
        return ArrivalTotals(count, amount, late_fee)

    def export(self, filters: ArrivalFilter | None = None) -> bytes:
        """导出: every row of the query as .xlsx with the list's headers."""
        df = self.frame(filters)[list(ARRIVAL_COLUMNS)].copy()
        buffer = io.BytesIO()
        xlsx.export_dataframe(df, buffer, sheet_name="社保费到账信息", headers=ARRIVAL_COLUMNS)
        return buffer.getvalue()
