"""单位参保信息查询 (`wb.employer.insurance_registrations`, manual 2.19) and 工程项目参保信息查询
(`wb.employer.projects`, manual 2.25): the lists as last fetched from the bureau.

    svc.update() -> int                                   更新: fetch from the bureau and keep (rows held)
    svc.fetched() -> bool                                 fetched at least once (else the page fetches)
    svc.query(filters, page=1, page_size=50) -> (DataFrame, total)
    svc.frame(filters=None) -> DataFrame                  the whole list, never truncated
    svc.export(filters=None) -> bytes                     导出: .xlsx with the Chinese headers

The fetch happens outside any unit of work; the rows replace the unit's held rows in one `work()`.
An empty answer is kept as empty (the manual: the page then shows nothing); a 征收子目 the bureau
does not know stays blank.
"""

from __future__ import annotations

import io
from dataclasses import asdict

import pandas as pd

from sbflib.errors import MAX_PAGE, MAX_PAGE_SIZE, service_edge, whole_number
from sbflib.io import xlsx
from sbflib.store import registrations as repo
from sbflib.store.registrations import (
    INSURANCE_COLUMNS,
    INSURANCE_LIST,
    PROJECT_COLUMNS,
    PROJECT_LIST,
    InsuranceFilter,
    ProjectFilter,
)
from sbflib.system.context import Context

__all__ = [
    "INSURANCE_COLUMNS",
    "INSURANCE_LIST",
    "PROJECT_COLUMNS",
    "PROJECT_LIST",
    "InsuranceFilter",
    "InsuranceRegistrationService",
    "ProjectFilter",
    "ProjectService",
]



def _xlsx(df: pd.DataFrame, columns: dict[str, str], sheet: str) -> bytes:
    buffer = io.BytesIO()
    xlsx.export_dataframe(df[list(columns)], buffer, sheet_name=sheet, headers=columns)
    return buffer.getvalue()


@service_edge
class InsuranceRegistrationService:
    """`wb.employer.insurance_registrations` (单位参保信息查询)."""

    COLUMNS = INSURANCE_COLUMNS
    LIST = INSURANCE_LIST

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def _unit_id(self) -> str:
        return self.ctx.require_unit("employer").unit_id

    def update(self) -> int:
        """更新: the unit's 单位参保信息 from the bureau, kept in the store. Returns the rows held."""
        unit_id = self._unit_id()
        rows = [asdict(r) for r in self.ctx.client.registrations.insurance(unit_id)]
        with self.ctx.store.work() as con:
            return repo.replace_insurance(con, unit_id, rows)

    def fetched(self) -> bool:
        """Whether the list was fetched for this unit at least once."""
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            return repo.fetched_at(con, unit_id, repo.INSURANCE) is not None

    def collection_modes(self) -> list[str]:
        """The 征收方式 held (the query form's list)."""
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            return repo.collection_modes(con, unit_id)

    def query(self, filters: InsuranceFilter | None = None, page: int = 1,
              page_size: int = 50) -> tuple[pd.DataFrame, int]:
        """One page of the held list (by unit number and item) and how many match."""
        f = INSURANCE_LIST.check(filters)
        page = whole_number(page, "页码", MAX_PAGE)
        page_size = whole_number(page_size, "每页条数", MAX_PAGE_SIZE)
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            return repo.query_insurance(con, unit_id, f, page=page, page_size=page_size)

    def frame(self, filters: InsuranceFilter | None = None) -> pd.DataFrame:
        f = INSURANCE_LIST.check(filters)
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            return repo.all_insurance(con, unit_id, f)

    def export(self, filters: InsuranceFilter | None = None) -> bytes:
        """导出: the held list (as filtered) as .xlsx with the Chinese headers."""
        return _xlsx(self.frame(filters), INSURANCE_COLUMNS, "单位参保信息")


@service_edge
class ProjectService:
    """`wb.employer.projects` (工程项目参保信息查询)."""

    COLUMNS = PROJECT_COLUMNS
    LIST = PROJECT_LIST

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def _unit_id(self) -> str:
        return self.ctx.require_unit("employer").unit_id

    def update(self) -> int:
        """更新: the unit's 工程项目参保信息 from the bureau, kept in the store. Returns the rows held."""
        unit_id = self._unit_id()
        rows = [asdict(p) for p in self.ctx.client.registrations.projects(unit_id)]
        with self.ctx.store.work() as con:
            return repo.replace_projects(con, unit_id, rows)

    def fetched(self) -> bool:
        """Whether the list was fetched for this unit at least once."""
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            return repo.fetched_at(con, unit_id, repo.PROJECTS) is not None

    def query(self, filters: ProjectFilter | None = None, page: int = 1,
              page_size: int = 50) -> tuple[pd.DataFrame, int]:
        """One page of the held projects (by project number) and how many match."""
        f = PROJECT_LIST.check(filters)
        page = whole_number(page, "页码", MAX_PAGE)
        page_size = whole_number(page_size, "每页条数", MAX_PAGE_SIZE)
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            return repo.query_projects(con, unit_id, f, page=page, page_size=page_size)

    def frame(self, filters: ProjectFilter | None = None) -> pd.DataFrame:
        f = PROJECT_LIST.check(filters)
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            return repo.all_projects(con, unit_id, f)

    def export(self, filters: ProjectFilter | None = None) -> bytes:
        """导出: the held projects (as filtered) as .xlsx with the Chinese headers."""
        return _xlsx(self.frame(filters), PROJECT_COLUMNS, "工程项目参保信息")
