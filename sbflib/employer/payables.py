"""社保费应缴信息查询 (manual 2.21): the unit's payables as the bureau generated them, with their
status 初始 / 申报中 / 申报成功 / 销账 / 已生成待批扣清册.

    p = wb.employer.payables
      .sync(start=None, end=None) -> int     fetch 申报生成日期 start..end from the bureau, store it
      .query(filters, page, page_size)       one page (newest first) and how many match
      .frame(filters)                        every matching row (never truncated)
      .export(filters)                       .xlsx bytes with the list's Chinese headers
      .sources()                             数据来源 values held (for the query form)

The download happens first; the store is taken only for the one unit of work that replaces the
range's rows (docs/patterns.md §1).
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pandas as pd

from sbflib.errors import MAX_PAGE, MAX_PAGE_SIZE, ValidationError, service_edge, whole_number
from sbflib.io import xlsx
from sbflib.store import payables as repo
from sbflib.store.filters import parse_date
from sbflib.store.payables import PAYABLE_COLUMNS, PAYABLE_LIST, STATUSES, PayableFilter
from sbflib.system.context import Context

__all__ = ["PAYABLE_COLUMNS", "PAYABLE_LIST", "STATUSES", "PayableFilter", "PayableService"]

_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def _check(filters: PayableFilter | None) -> PayableFilter:
    f = PAYABLE_LIST.check(filters)
    if f.status and f.status not in STATUSES:
        raise ValidationError("申报处理状态不正确", field="申报处理状态")
    if f.period and not _MONTH.fullmatch(f.period):
        raise ValidationError("应为“年-月”，如2026-01", field="应缴所属期间")
    return f


@service_edge
class PayableService:
    """`wb.employer.payables` (社保费应缴信息查询)."""

    COLUMNS = PAYABLE_COLUMNS
    LIST = PAYABLE_LIST
    STATUSES = STATUSES

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def _unit_id(self) -> str:
        return self.ctx.require_unit("employer").unit_id

    def sync(self, start: dt.date | str | None = None, end: dt.date | str | None = None) -> int:
        """Fetch the payables generated from `start` to `end` (both included; None: no bound) and
        keep them in place of the rows of that range. Returns how many rows came."""
        first = parse_date(start, "申报生成日期起")
        last = parse_date(end, "申报生成日期止")
        if first and last and first > last:
            raise ValidationError("开始日期不能晚于结束日期", field="申报生成日期起")
        unit_id = self._unit_id()
        table = self.ctx.client.payables.list(unit_id, first, last)
        with self.ctx.store.work() as con:
            return repo.replace_range(con, unit_id, first, last, table)

    def query(self, filters: PayableFilter | None = None, page: int = 1,
              page_size: int = 50) -> tuple[pd.DataFrame, int]:
        """One page of the held payables (newest first) and how many match."""
        f = _check(filters)
        page = whole_number(page, "页码", MAX_PAGE)
        page_size = whole_number(page_size, "每页条数", MAX_PAGE_SIZE)
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            return repo.query_page(con, unit_id, f, page=page, page_size=page_size)

    def frame(self, filters: PayableFilter | None = None) -> pd.DataFrame:
        """Every held payable that matches (money as Decimal)."""
        f = _check(filters)
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            return repo.all_rows(con, unit_id, f)

    def sources(self) -> list[str]:
        """The 数据来源 values held for the unit."""
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            return repo.sources(con, unit_id)

    def export(self, filters: PayableFilter | None = None) -> bytes:
        """导出: every row of the query as .xlsx with the list's headers (the rate as a percentage)."""
        df = self.frame(filters)[list(PAYABLE_COLUMNS)].copy()
        df["rate"] = [f"{(r * 100).normalize():f}%" if r is not None else "" for r in df["rate"]]
        buffer = io.BytesIO()
        xlsx.export_dataframe(df, buffer, sheet_name="社保费应缴信息", headers=PAYABLE_COLUMNS)
        return buffer.getvalue()
