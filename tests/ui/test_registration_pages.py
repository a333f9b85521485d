"""单位参保信息查询 and 工程项目参保信息查询 driven from Python: with a real workbench on U000031 (a
杭州 builder) the first visit fetches from the bureau, later visits show the held list without
asking, 查询/重置 filter it, 更新 fetches again, 导出 saves an .xlsx with the Chinese headers; with a
stub, a failed fetch shows a Chinese message and nothing else."""

from __future__ import annotations

import io
from types import SimpleNamespace
from typing import Any

import openpyxl
import pandas as pd

from sbflib.employer.registrations import INSURANCE_COLUMNS, PROJECT_COLUMNS
from sbflib.errors import ConnectionFailed
from sbflib.ui.components.cells import rate_text
from sbflib.ui.components.table import MemorySettings
from sbflib.ui.context import Ui
from sbflib.ui.menus import PAGES, page_class
from sbflib.ui.pages.insurance_registrations import InsuranceRegistrationsPage
from sbflib.ui.pages.projects import ProjectsPage

UNIT = "U000031"


def _saved(ui: Ui) -> list[tuple[bytes, str]]:
    saved: list[tuple[bytes, str]] = []
    ui.save = lambda data, name: saved.append((data, name))  # type: ignore[method-assign]
    return saved


def test_pages_are_registered() -> None:
    assert page_class("EMP-19") is InsuranceRegistrationsPage
    assert page_class("EMP-25") is ProjectsPage
    assert "EMP-19" in PAGES and "EMP-25" in PAGES


def test_insurance_page_fetches_once_then_shows_the_held_list(logged_in: Any) -> None:
    wb = logged_in(UNIT)
    ui = Ui(wb, sync=True)
    saved = _saved(ui)
    page = InsuranceRegistrationsPage(ui)
    assert wb.employer.insurance_registrations.fetched()
    total = page.table.total
    assert total > 0
    assert "已于" in page.fetched_note.value
    assert "税务代征" in page.mode.options
    # a second visit reads the store (the bureau is not asked: the note stays as it was)
    page.fetched_note.value = ""
    page.on_show()
    assert page.fetched_note.value == "" and page.table.total == total
    page.mode.value = "税务代征"
    page.form.query_button.click()
    assert 0 < page.table.total < total
    assert set(page.table.frame["collection_mode"]) == {"税务代征"}
    page.form.reset_button.click()
    assert page.mode.value == "全部" and page.table.total == total
    page.update_button.click()
    assert "已于" in page.fetched_note.value and page.table.total == total
    page.export_button.click()
    data, name = saved[-1]
    assert name.startswith("单位参保信息") and name.endswith(".xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True))
    assert list(rows[0]) == list(INSURANCE_COLUMNS.values()) and len(rows) == total + 1


def test_projects_page(logged_in: Any) -> None:
    wb = logged_in(UNIT)
    ui = Ui(wb, sync=True)
    saved = _saved(ui)
    page = ProjectsPage(ui)
    assert page.table.total == 2
    page.project_name.value = "没有这个项目"
    page.form.query_button.click()
    assert page.table.total == 0
    page.form.reset_button.click()
    assert page.table.total == 2
    page.export_button.click()
    rows = list(openpyxl.load_workbook(io.BytesIO(saved[-1][0])).worksheets[0].iter_rows(values_only=True))
    assert list(rows[0]) == list(PROJECT_COLUMNS.values()) and len(rows) == 3


class FailingService:
    def __init__(self) -> None:
        self.updates = 0

    def fetched(self) -> bool:
        return False

    def update(self) -> int:
        self.updates += 1
        raise ConnectionFailed("无法连接税务局，请检查网络后重试", detail="connect refused", code="CONNECT_FAILED")

    def query(self, filters: Any, page: int = 1, page_size: int = 50) -> tuple[pd.DataFrame, int]:
        return pd.DataFrame({k: [] for k in PROJECT_COLUMNS}), 0

    def export(self, filters: Any) -> bytes:
        return b""


def test_a_failed_fetch_shows_a_chinese_message() -> None:
    svc = FailingService()
    wb = SimpleNamespace(employer=SimpleNamespace(projects=svc), settings=MemorySettings(page_size=10))
    ui = Ui(wb, sync=True)  # type: ignore[arg-type]
    page = ProjectsPage(ui)
    assert svc.updates == 1
    assert ui.dialogs.current is not None and "无法连接税务局" in ui.dialogs.current.text
    assert page.table.total == 0 and not page.busy


def test_rate_text() -> None:
    assert rate_text("0.160000") == "0.16" and rate_text(0) == "0" and rate_text(None) == ""
