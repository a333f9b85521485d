"""社保费测算 page driven from Python over a stub service: registered in the 社保费申报 menu; entering
works out this month (Chinese columns, money with separators, totals); the month form is checked;
核对 offers to fetch the preprocessing when it was never fetched, then lists the differences (金额差额
with its sign); 职工明细 shows the employees; missing rules and 导出; no catalogue ID on screen."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

from sbflib.domain import clock
from sbflib.employer.trial import NO_RULES
from sbflib.errors import StateError
from sbflib.ui import menus
from sbflib.ui.components.table import MemorySettings
from sbflib.ui.context import Ui
from sbflib.ui.menus import page_class
from sbflib.ui.pages.trial import TrialPage, signed_money

MONTH = "2026-11"


def _rows() -> pd.DataFrame:
    return pd.DataFrame([
        {"unit_number": "330102920419", "item_code": "10201", "payer": "unit", "month": MONTH, "headcount": 3,
         "base_total": Decimal("35673.55"), "rate": Decimal("0.16"), "amount": Decimal("5707.77"),
         "item_name": "基本养老保险费", "payer_name": "单位"},
        {"unit_number": "330102920419", "item_code": "10201", "payer": "personal", "month": MONTH, "headcount": 3,
         "base_total": Decimal("35673.55"), "rate": Decimal("0.08"), "amount": Decimal("2853.88"),
         "item_name": "基本养老保险费", "payer_name": "个人"},
    ])


def _diff() -> pd.DataFrame:
    return pd.DataFrame([{
        "unit_number": "330102920419", "item_code": "10201", "payer": "personal", "month": MONTH,
        "prep_id": "P01N-330102920419-10201-P-202611", "trial_headcount": 3, "bureau_headcount": 3,
        "trial_base_total": Decimal("35673.55"), "bureau_base_total": Decimal("35673.55"),
        "trial_amount": Decimal("2853.88"), "bureau_amount": Decimal("2853.90"), "difference": Decimal("0.02"),
        "reason": "应缴费额不同", "item_name": "基本养老保险费", "payer_name": "个人"}])


class Service:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.is_loaded = False
        self.no_rules = False

    def trial(self, months: list[str]) -> Any:
        self.calls.append(("trial", months))
        if self.no_rules:
            raise StateError(NO_RULES)
        return SimpleNamespace(months=months)

    def calculate(self, months: list[str]) -> tuple[Any, pd.DataFrame, pd.DataFrame]:
        trial = self.trial(months)
        return trial, self.rows(trial), self.unpriced(months)

    def rows(self, trial: Any) -> pd.DataFrame:
        return _rows()

    def unpriced(self, months: list[str]) -> pd.DataFrame:
        return pd.DataFrame({"employee_id": ["E4"], "name": ["赵磊"], "item_code": ["10201"],
                             "item_name": ["基本养老保险费"], "month": [MONTH]})

    def loaded(self, channel: str = "daily") -> bool:
        return self.is_loaded

    def compare(self, channel: str, months: list[str]) -> pd.DataFrame:
        self.calls.append(("compare", months))
        return _diff()

    def preprocessing_months(self, channel: str = "daily") -> list[str]:
        return ["2026-09", MONTH]

    def compare_employees(self, channel: str, prep_ids: list[str]) -> pd.DataFrame:
        self.calls.append(("employees", prep_ids))
        return pd.DataFrame([{"employee_id": "E2", "name": "王强", "item_code": "10201", "payer": "personal",
                              "month": MONTH, "prep_id": prep_ids[0], "trial_base": Decimal("8000.55"),
                              "bureau_base": Decimal("8000.55"), "trial_amount": Decimal("640.04"),
                              "bureau_amount": Decimal("640.06"), "difference": Decimal("0.02"),
                              "reason": "应缴费额不同", "item_name": "基本养老保险费", "payer_name": "个人"}])

    def export(self, trial: Any, differences: Any) -> bytes:
        self.calls.append(("export", differences is not None))
        return b"PK-xlsx"


@pytest.fixture
def page():
    clock.set_today("2026-11-15")
    service = Service()
    loads: list[str] = []

    def channel(name: str) -> Any:
        def load() -> int:
            loads.append(name)
            service.is_loaded = True
            return 4
        return SimpleNamespace(load=load)

    wb = SimpleNamespace(employer=SimpleNamespace(trial=service, declarations=SimpleNamespace(channel=channel)),
                         settings=MemorySettings(page_size=10))
    p = TrialPage(Ui(wb, sync=True))
    p.service_stub = service  # type: ignore[attr-defined]
    p.loads = loads  # type: ignore[attr-defined]
    yield p
    clock.reset()


def test_registered_in_the_declaration_menu_and_entering_works_out_this_month(page):
    assert page_class("EMP-29") is TrialPage
    group = next(g for g in menus.EMPLOYER_MENUS if g.title == "社保费申报")
    assert menus.Menu("EMP-29", "社保费测算") in group.items and "EMP-29" in menus.all_ids("employer")
    assert page.start.value == MONTH and page.end.value == MONTH
    assert page.service_stub.calls == [("trial", [MONTH])]
    cols = list(page.result_table.grid.data.columns)
    for label in ("费款所属期", "单位编号", "征收项目", "缴费方", "缴费人数", "缴费基数合计", "费率", "应缴费额"):
        assert label in cols
    first = page.result_table.grid.data.iloc[0]
    assert first["应缴费额"] == "5,707.77" and first["缴费基数合计"] == "35,673.55" and first["缴费方"] == "单位"
    text = page.summary.value
    assert "8,561.65" in text and "单位5,707.77元" in text and "1名职工没有缴费工资" in text
    assert "EMP" not in text and "EMP" not in page.title and not any("EMP" in c for c in cols)


def test_the_month_form_is_checked(page):
    page.start.value = "2026-13"
    page.calc_button.click()
    assert "所属期起" in page.ui.dialogs.current.text
    page.ui.dialogs.clear()
    page.start.value, page.end.value = "2026-11", "2026-09"
    page.calc_button.click()
    assert "不能晚于" in page.ui.dialogs.current.text
    page.ui.dialogs.clear()
    page.start.value = "2026-09"
    page.end.value = "2026-11"
    page.calc_button.click()
    assert page.service_stub.calls[-1] == ("trial", ["2026-09", "2026-10", "2026-11"])


def test_compare_offers_to_fetch_then_lists_the_differences(page):
    page.compare_button.click()
    dialog = page.ui.dialogs.current
    assert dialog is not None and "尚未获取" in dialog.text
    dialog.button("是").click()
    assert page.loads == ["daily"] and page.service_stub.calls[-1] == ("compare", [MONTH])
    assert page.view.value == "核对差异" and page.table_box.children == (page.diff_table,)
    row = page.diff_table.grid.data.iloc[0]
    assert row["金额差额"] == "+0.02" and row["预处理金额"] == "2,853.90" and row["差异原因"] == "应缴费额不同"
    assert "1处不一致" in page.summary.value and "+0.02" in page.summary.value
    assert "还有2026-09的应缴费额" in page.summary.value
    # 职工明细 of the row
    page.diff_table.click(0, "操作")
    lines = page.ui.dialogs.current
    assert lines is not None and "王强" in lines.text and "+0.02" in lines.text
    assert "测算3人，预处理3人" in lines.text and "预处理2,853.90元" in lines.text
    assert page.service_stub.calls[-1] == ("employees", ["P01N-330102920419-10201-P-202611"])
    page.view.value = "测算结果"
    assert page.table_box.children == (page.result_table,)


def test_missing_rules_are_said_in_chinese(page):
    page.service_stub.no_rules = True
    page.calc_button.click()
    dialog = page.ui.dialogs.current
    assert dialog is not None and "规则文件" in dialog.text and "申报管理" in dialog.text


def test_export_saves_xlsx_with_the_differences_after_compare(page):
    page.export_button.click()
    assert page.ui.download.last_filename.endswith(".xlsx") and page.ui.download.last_size > 0
    assert page.service_stub.calls[-1] == ("export", False)
    page.service_stub.is_loaded = True
    page.compare_button.click()
    page.export_button.click()
    assert page.service_stub.calls[-1] == ("export", True)


def test_signed_money():
    assert signed_money(Decimal("0.02")) == "+0.02" and signed_money(Decimal("-1234.5")) == "-1,234.50"
