"""缴费工资申报 pages (manual 2.3–2.7) driven from Python.

First against a stub service shaped like `wb.employer.wages` / `wb.employer.wage_records`
(/work/notes/wages-api.md), then (at the end) against a real workbench logged in to a demo unit.
Grid clicks and edits go through the same handlers as ipydatagrid's messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

from sbflib.errors import ValidationError
from sbflib.ui.components.countdown import CountdownDialog
from sbflib.ui.components.table import MemorySettings
from sbflib.ui.components.tick_table import ACTION_HEADER, UNTICKED
from sbflib.ui.context import Ui
from sbflib.ui.menus import page_class
from sbflib.ui.pages import wages as wages_page
from sbflib.ui.pages.wage_records import WageRecordsPage
from sbflib.ui.pages.wages import (
    AnnualByEmployeePage,
    AnnualByItemPage,
    DailyByEmployeePage,
    DailyByItemPage,
    WageFilingPage,
)
from sbflib.ui.pages.wages_dialogs import current_month

ITEMS = [("10201", "职工基本养老保险"), ("21001", "失业保险")]
PEOPLE = pd.DataFrame({
    "employee_id": ["E1", "E2", "E3", "E4"],
    "name": ["林婷", "王林", "张三", "林婷"],
    "id_type": ["居民身份证"] * 4,
    "id_number": ["330102********0011", "330102********0022", "330102********0033", "330102********0044"],
    "stop_month": [None, "2026-06", None, None],
})
OLD = {"E1": Decimal("5000.00"), "E2": Decimal("6000.00"), "E3": Decimal("7000.00"), "E4": Decimal("8000.00")}


def _prev(month: str) -> str:
    y, m = int(month[:4]), int(month[5:])
    return f"{y - 1}-12" if m == 1 else f"{y}-{m - 1:02d}"


@dataclass
class StubDraft:
    kind: str
    way: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    calls: list[tuple] = field(default_factory=list)
    next_id: int = 1

    @property
    def columns(self) -> dict[str, str]:
        cols = {"name": "姓名", "id_type": "证件类型", "id_number": "证件号码"}
        if self.way == "item":
            cols["item_name"] = "征收项目"
        cols |= {"tax_authority": "主管税务机关", "old_wage": "原缴费工资（元）", "new_wage": "新缴费工资（元）"}
        if self.kind == "daily":
            cols["month"] = "生效年月"
        return cols | {"status": "申报状态"}

    @property
    def editable(self) -> tuple[str, ...]:
        return ("new_wage", "month") if self.kind == "daily" else ("new_wage",)

    def _frame(self) -> pd.DataFrame:
        keys = ["row_id", "employee_id", "item_code", "filing_id", *self.columns]
        return pd.DataFrame(self.rows, columns=keys)

    def query(self, filters: Any = None, page: int = 1, page_size: int = 50) -> tuple[pd.DataFrame, int]:
        df = self._frame()
        if filters is not None and filters.name:
            df = df[df["name"].str.contains(filters.name)]
        if filters is not None and filters.status:
            df = df[df["status"] == filters.status]
        return df.iloc[(page - 1) * page_size: page * page_size].reset_index(drop=True), len(df)

    def items(self) -> list[tuple[str, str]]:
        return list(ITEMS)

    def tax_authorities(self) -> list[str]:
        return ["国家税务总局杭州市上城区税务局", "国家税务总局杭州市西湖区税务局"]

    def unit_numbers(self) -> list[str]:
        return ["1234", "330108200351"]

    def candidates(self, name_part: str, limit: int = 50) -> pd.DataFrame:
        self.calls.append(("candidates", name_part))
        df = PEOPLE[PEOPLE["name"].str.contains(name_part, regex=False)] if name_part else PEOPLE
        df = df.head(limit).copy()
        if self.way == "employee":
            df["old_wage"] = [OLD[e] for e in df["employee_id"]]
        else:
            df["old_wages"] = [{"10201": OLD[e], "21001": OLD[e] / 2} for e in df["employee_id"]]
        return df.reset_index(drop=True)

    def check_month(self, employee_id: str, month: str) -> Any:
        self.calls.append(("check_month", employee_id, month))
        stop = PEOPLE.set_index("employee_id").loc[employee_id, "stop_month"]
        if isinstance(stop, str) and month > stop:
            raise ValidationError(f"生效年月不能晚于职工的停止缴费年月{stop}", field="生效年月")
        return SimpleNamespace(back_pay=month < current_month())

    def _add_row(self, employee_id: str, authority: str, wage: Any, month: Any, item: Any = None) -> None:
        p = PEOPLE.set_index("employee_id").loc[employee_id]
        self.rows.append({"row_id": self.next_id, "employee_id": employee_id, "item_code": item, "filing_id": None,
                          "name": p["name"], "id_type": p["id_type"], "id_number": p["id_number"],
                          "item_name": dict(ITEMS).get(item, ""), "tax_authority": authority,
                          "old_wage": OLD[employee_id], "new_wage": Decimal(str(wage)), "month": month,
                          "status": "未申报"})
        self.next_id += 1

    def add_one(self, employee_id: str, tax_authority: str, wage: Any, month: str | None = None) -> int:
        self.calls.append(("add_one", employee_id, tax_authority, wage, month))
        if isinstance(wage, dict):
            for code, v in wage.items():
                self._add_row(employee_id, tax_authority, v, month, code)
            return len(wage)
        self._add_row(employee_id, tax_authority, wage, month)
        return 1

    def _add_many(self, ids: list[str], adjust: Any, month: Any) -> Any:
        for e in ids:
            base = OLD[e]
            wage = base * adjust.value / 100 if adjust.mode == "ratio" else adjust.value
            self._add_row(e, "国家税务总局杭州市上城区税务局", wage.quantize(Decimal("0.01")), month)
        return SimpleNamespace(added=len(ids), skipped=0, message=f"已添加{len(ids)}名职工")

    def add_all_normal(self, adjust: Any, month: str | None = None) -> Any:
        self.calls.append(("add_all_normal", adjust, month))
        return self._add_many(["E1", "E3", "E4"], adjust, month)

    def add_by_unit_number(self, unit_number: str, adjust: Any, month: str | None = None) -> Any:
        self.calls.append(("add_by_unit_number", unit_number, adjust, month))
        return self._add_many(["E1"], adjust, month)

    def add_by_group(self, group_id: int, adjust: Any, month: str | None = None) -> Any:
        self.calls.append(("add_by_group", group_id, adjust, month))
        return self._add_many(["E3"], adjust, month)

    def template(self) -> bytes:
        return b"PK-template"

    def import_file(self, data: bytes) -> Any:
        self.calls.append(("import_file", data))
        errors = pd.DataFrame({"行号": [3, 7, 9], "列": ["证件号码", "新缴费工资", "生效年月"],
                               "原因": ["证件号码与姓名不符", "新缴费工资应为大于0的金额", "生效年月晚于停止缴费年月"]})
        self._add_row("E3", "国家税务总局杭州市上城区税务局", "7100", current_month())
        return SimpleNamespace(added=1, skipped=0, errors=errors, message="导入完成",
                               report_xlsx=lambda: b"PK-report")

    def edit(self, row_id: int, wage: Any = None, month: str | None = None) -> None:
        self.calls.append(("edit", row_id, wage, month))
        for r in self.rows:
            if r["row_id"] == row_id:
                if r["status"] != "未申报":
                    raise ValidationError("已提交申报的数据不能修改")
                if wage is not None:
                    r["new_wage"] = wage
                if month is not None:
                    r["month"] = month

    def batch_change(self, row_ids: list[int], adjust: Any) -> int:
        self.calls.append(("batch_change", list(row_ids), adjust))
        return len(row_ids)

    def delete(self, row_ids: list[int]) -> int:
        rows = [r for r in self.rows if r["row_id"] in row_ids]
        if any(r["status"] != "未申报" for r in rows):
            raise ValidationError("已提交申报的数据不能删除")
        self.rows = [r for r in self.rows if r["row_id"] not in row_ids]
        return len(rows)

    def export(self, row_ids: list[int] | None = None, masked: bool = True) -> bytes:
        self.calls.append(("export", None if row_ids is None else list(row_ids), masked))
        return b"PK-export"

    def submit(self, row_ids: list[int]) -> Any:
        self.calls.append(("submit", list(row_ids)))
        for r in self.rows:
            if r["row_id"] in row_ids:
                r["status"], r["filing_id"] = "已申报", "WF1"
        return SimpleNamespace(filing_id="WF1", status="待反馈", lines=len(row_ids), employees=len(row_ids),
                               filing_ids=("WF1",), message=f"已提交申报，共{len(row_ids)}条数据，请等待反馈")


@dataclass
class StubWages:
    drafts: dict[tuple[str, str], StubDraft] = field(default_factory=dict)

    def draft(self, kind: str, way: str) -> StubDraft:
        return self.drafts.setdefault((kind, way), StubDraft(kind, way))


@dataclass
class StubRecords:
    feedback_wait_s: int = 0
    records: list[dict[str, Any]] = field(default_factory=list)
    feedbacks: int = 0
    exports: list[tuple] = field(default_factory=list)

    def feedback(self) -> int:
        self.feedbacks += 1
        for r in self.records:
            r["status"] = "部分申报成功"
        return len(self.records)

    def query(self, filters: Any = None, page: int = 1, page_size: int = 50) -> tuple[pd.DataFrame, int]:
        df = self.frame(filters)
        return df.iloc[(page - 1) * page_size: page * page_size].reset_index(drop=True), len(df)

    def frame(self, filters: Any = None) -> pd.DataFrame:
        df = pd.DataFrame(self.records, columns=["filing_id", "submitted_at", "kind", "way", "tax_authority",
                                                 "employees", "status"])
        if filters is not None and getattr(filters, "status", ""):
            df = df[df["status"] == filters.status]
        return df

    def lines(self, filing_id: str) -> pd.DataFrame:
        return pd.DataFrame([
            {"line_no": 1, "name": "林婷", "id_type": "居民身份证", "id_number": "330102199001010011", "item_name": "",
             "old_wage": Decimal(5000), "new_wage": Decimal(6000), "base": Decimal(6000), "month": "2026-11",
             "status": "成功", "reason": ""},
            {"line_no": 2, "name": "王林", "id_type": "居民身份证", "id_number": "330102********0022", "item_name": "",
             "old_wage": Decimal(6000), "new_wage": Decimal(7000), "base": None, "month": "2026-11",
             "status": "失败", "reason": "生效年月晚于停止缴费年月"},
        ])

    def export(self, filing_id: str | None = None, masked: bool = True) -> bytes:
        self.exports.append((filing_id, masked))
        return b"PK-lines"


@dataclass
class StubGroups:
    def list(self) -> pd.DataFrame:
        return pd.DataFrame({"group_id": [1, 2], "name": ["一车间", "甲班"], "parent_id": [None, 1],
                             "level": [1, 2], "path": ["一车间", "一车间/甲班"]})


def _ui() -> Ui:
    wb = SimpleNamespace(employer=SimpleNamespace(wages=StubWages(), wage_records=StubRecords(), groups=StubGroups()),
                         settings=MemorySettings(page_size=10))
    ui = Ui(wb, sync=True)
    pages: dict[str, Any] = {}

    def navigate(menu_id: str) -> Any:
        if menu_id not in pages:
            cls = page_class(menu_id)
            assert cls is not None, menu_id
            pages[menu_id] = cls(ui)
        else:
            pages[menu_id].on_show()
        ui.current = pages[menu_id]  # type: ignore[attr-defined]
        return pages[menu_id]

    ui.navigate = navigate
    ui.pages = pages  # type: ignore[attr-defined]
    return ui


@pytest.fixture
def ui() -> Ui:
    return _ui()


@pytest.fixture
def daily(ui) -> DailyByEmployeePage:
    return ui.navigate("EMP-3")


def _dialog(ui) -> Any:
    d = ui.dialogs.current
    assert d is not None
    return d


def _add_rows(page: WageFilingPage, n_people: int = 3) -> None:
    page.draft.add_all_normal(SimpleNamespace(mode="ratio", value=Decimal(100)), current_month()
                              if page.kind == "daily" else None)
    page.query()


# ---- registration and labels --------------------------------------------------------------------
def test_the_four_pages_and_the_records_page_are_registered():
    assert page_class("EMP-3") is DailyByEmployeePage
    assert page_class("EMP-4") is DailyByItemPage
    assert page_class("EMP-5") is AnnualByEmployeePage
    assert page_class("EMP-6") is AnnualByItemPage
    assert page_class("EMP-7") is WageRecordsPage


@pytest.mark.parametrize("menu, other, label", [
    ("EMP-3", "EMP-4", "按险种申报缴费工资"), ("EMP-4", "EMP-3", "按职工申报缴费工资"),
    ("EMP-5", "EMP-6", "按险种申报缴费工资"), ("EMP-6", "EMP-5", "按职工申报缴费工资"),
])
def test_the_button_on_the_right_names_the_other_way_and_switches_to_it(ui, menu, other, label):
    page = ui.navigate(menu)
    assert page.switch_button.description == label
    page.switch_button.click()
    assert ui.current is ui.pages[other]


def test_the_page_shows_the_manuals_labels_and_no_catalogue_ids(daily):
    texts = [getattr(b, "description", "") for b in daily.children[1].children[1].children]
    assert texts[:5] == ["添加", "批量修改", "删除", "导出", "提交申报"]
    assert [b.description for b in daily.add_menu.children] == [
        "单个录入", "外部文件导入", "添加全部正常缴费职工", "按单位编号添加缴费职工", "按分组添加缴费职工"]
    cols = list(daily.table.grid.data.columns)
    assert cols[0] == UNTICKED and "新缴费工资（元）" in cols and "生效年月" in cols
    assert "row_id" not in cols and "employee_id" not in cols
    assert "EMP" not in daily.title


def test_annual_pages_have_no_month(ui):
    page = ui.navigate("EMP-5")
    assert "生效年月" not in list(page.table.grid.data.columns)
    page.open_add_all()
    assert _dialog(ui).month is None


# ---- 单个录入 ----------------------------------------------------------------------------------
def test_single_entry_fuzzy_name_lists_every_name_containing_it(daily):
    ui = daily.ui
    daily.toggle_add()
    assert daily.add_menu.layout.display == "flex"
    daily.add_menu.children[0].click()
    d = _dialog(ui)
    assert d.title == "单个录入" and daily.add_menu.layout.display == "none"
    d.name.value = "林"
    assert sorted(d.name.options) == sorted(["林婷（330102********0011）", "王林", "林婷（330102********0044）"])
    assert d.id_number.value == "" and d.chosen is None
    d.name.value = "王林"
    assert d.id_number.value == "330102********0022" and d.old_wage.value == "6000.00"
    assert d.old_wage.disabled and d.id_number.disabled
    assert list(d.authority.options) == daily.draft.tax_authorities()


def test_single_entry_adds_one_row(daily):
    ui = daily.ui
    daily.open_single()
    d = _dialog(ui)
    d.name.value = "张三"
    d.authority.value = "国家税务总局杭州市西湖区税务局"
    d.new_wage.value = "7500"
    d.button("确定").click()
    assert ("add_one", "E3", "国家税务总局杭州市西湖区税务局", Decimal("7500.00"), current_month()) in daily.draft.calls
    assert daily.table.total == 1
    assert ui.dialogs.current is not None and "张三" in ui.dialogs.current.text  # 已添加职工：张三


def test_single_entry_refuses_empty_fields_with_chinese_messages(daily):
    ui = daily.ui
    daily.open_single()
    d = _dialog(ui)
    d.button("确定").click()
    assert "请从下拉列表中选择职工" in _dialog(ui).text
    _dialog(ui).button("确定").click()
    d.name.value = "张三"
    d.authority.value = None
    d.new_wage.value = "12.345"
    d.button("确定").click()
    assert "主管税务机关" in _dialog(ui).text
    _dialog(ui).button("确定").click()
    d.authority.value = "国家税务总局杭州市上城区税务局"
    d.button("确定").click()
    assert "最多保留两位小数" in _dialog(ui).text


def test_single_entry_earlier_month_asks_to_confirm_back_pay(daily):
    ui = daily.ui
    daily.open_single()
    d = _dialog(ui)
    d.name.value = "张三"
    d.authority.value = "国家税务总局杭州市上城区税务局"
    d.new_wage.value = "7500"
    earlier = _prev(current_month())
    d.month.value = earlier
    ask = _dialog(ui)
    assert ask is not d and "补缴" in ask.text
    ask.button("取消").click()
    assert d.month.value == current_month()  # 取消 keeps the month it had
    d.month.value = earlier
    _dialog(ui).button("确定").click()
    assert d.month.value == earlier
    d.button("确定").click()  # confirmed once: not asked again
    assert ("add_one", "E3", "国家税务总局杭州市上城区税务局", Decimal("7500.00"), earlier) in daily.draft.calls


def test_single_entry_month_after_the_stop_month_is_refused(daily):
    ui = daily.ui
    daily.open_single()
    d = _dialog(ui)
    d.name.value = "王林"  # stop month 2026-06
    d.month.value = "2026-08"
    err = _dialog(ui)
    assert err is not d and "停止缴费年月" in err.text
    err.button("确定").click()
    assert d.month.value != "2026-08"


def test_single_entry_per_item_takes_a_wage_per_item(ui):
    page = ui.navigate("EMP-4")
    page.open_single()
    d = _dialog(ui)
    d.name.value = "张三"
    assert [code for code, _n, _w, _m in d.item_rows] == ["10201", "21001"]
    assert "7000.00" in d.items_box.children[1].children[1].value and "3500.00" in d.items_box.children[2].children[1].value
    d.authority.value = "国家税务总局杭州市上城区税务局"
    d.item_rows[0][2].value = "7200"
    d.button("确定").click()
    call = page.draft.calls[-1]
    assert call[0] == "add_one" and call[3] == {"10201": Decimal("7200.00")} and call[4] == current_month()
    assert page.table.total == 1
    assert "征收项目" in list(page.table.grid.data.columns)


def test_single_entry_per_item_may_take_a_month_per_item(ui):
    page = ui.navigate("EMP-4")
    page.open_single()
    d = _dialog(ui)
    d.name.value = "张三"
    d.authority.value = "国家税务总局杭州市上城区税务局"
    d.item_rows[0][2].value = "7200"
    d.item_rows[1][2].value = "3600"
    earlier = _prev(current_month())
    d.item_rows[1][3].value = earlier
    _dialog(ui).button("确定").click()  # 补缴 confirmed for that item's month
    d.button("确定").click()
    adds = [c for c in page.draft.calls if c[0] == "add_one"]
    assert adds == [("add_one", "E3", "国家税务总局杭州市上城区税务局", {"10201": Decimal("7200.00")}, current_month()),
                    ("add_one", "E3", "国家税务总局杭州市上城区税务局", {"21001": Decimal("3600.00")}, earlier)]
    assert page.table.total == 2


# ---- adds with an adjustment ----------------------------------------------------------------------
def test_add_by_unit_number_ratio_and_month(daily):
    ui = daily.ui
    daily.open_add_by_unit_number()
    d = _dialog(ui)
    assert d.title == "按单位编号添加缴费职工"
    assert [o[0] for o in d.choice.options] == ["请选择", "1234", "330108200351"]
    d.button("确定").click()
    assert "请选择单位编号" in _dialog(ui).text
    _dialog(ui).button("确定").click()
    d.choice.value = "1234"
    d.adjust_input.amount.value = "120"
    d.button("确定").click()
    name, number, adjust, month = daily.draft.calls[-1]
    assert (name, number, adjust.mode, adjust.value, month) == ("add_by_unit_number", "1234", "ratio",
                                                                 Decimal(120), current_month())
    assert daily.table.frame.iloc[0]["new_wage"] == Decimal("6000.00")  # 120% of 5000.00


def test_add_by_group_fixed_amount(daily):
    ui = daily.ui
    daily.open_add_by_group()
    d = _dialog(ui)
    assert d.title == "按分组添加缴费职工" and ("一车间/甲班", 2) in list(d.choice.options)
    d.choice.value = 2
    d.adjust_input.mode.value = "按固定金额"
    assert d.adjust_input.unit.value == "元"
    d.adjust_input.amount.value = "1300"
    d.button("确定").click()
    name, group, adjust, _month = daily.draft.calls[-1]
    assert (name, group, adjust.mode, adjust.value) == ("add_by_group", 2, "fixed", Decimal("1300.00"))


def test_add_all_normal_with_an_earlier_month_confirms_back_pay(daily):
    ui = daily.ui
    daily.open_add_all()
    d = _dialog(ui)
    d.month.value = _prev(current_month())
    d.button("确定").click()
    ask = _dialog(ui)
    assert "补缴" in ask.text
    ask.button("确定").click()
    assert daily.draft.calls[-1][0] == "add_all_normal" and daily.table.total == 3
    assert "已添加3名职工" in _dialog(ui).text


# ---- table: in-row edit, batch change, delete ---------------------------------------------------------
def test_in_row_edit_of_the_new_wage_and_month(daily):
    ui = daily.ui
    _add_rows(daily)
    grid = daily.table.grid
    label = daily.table.columns["new_wage"]
    grid.set_cell_value_by_index(label, 0, "8888.8")  # as a typed edit arrives
    assert ("edit", 1, Decimal("8888.80"), None) in daily.draft.calls
    assert grid.data.iloc[0][label] == "8888.80"
    grid.set_cell_value_by_index(label, 1, "abc")
    assert "不是有效的数字" in _dialog(ui).text
    _dialog(ui).button("确定").click()
    assert grid.data.iloc[1][label] == "5000.00" or grid.data.iloc[1][label] == "7000.00"
    month = daily.table.columns["month"]
    grid.set_cell_value_by_index(month, 0, _prev(current_month()))
    ask = _dialog(ui)
    assert "补缴" in ask.text
    ask.button("取消").click()
    assert grid.data.iloc[0][month] == current_month()
    # other columns are not editable: the value goes back
    grid.set_cell_value_by_index("姓名", 0, "改名")
    assert grid.data.iloc[0]["姓名"] == daily.table.frame.iloc[0]["name"]
    grid.set_cell_value_by_index(UNTICKED, 0, "x")  # typed into the tick box
    assert grid.data.iloc[0][UNTICKED] == UNTICKED
    daily.table.click(0, UNTICKED)  # ticking still works and is not undone
    assert daily.table.selected_ids() == [1]


def test_batch_change_needs_ticks_and_changes_the_ticked_rows(daily):
    ui = daily.ui
    _add_rows(daily)
    daily.open_batch_change()
    assert "勾选" in _dialog(ui).text
    _dialog(ui).button("确定").click()
    daily.table.click(0, UNTICKED)
    daily.table.click(2, UNTICKED)
    daily.open_batch_change()
    d = _dialog(ui)
    assert d.title == "批量修改" and d.month is None
    d.adjust_input.amount.value = "110"
    d.button("确定").click()
    name, ids, adjust = daily.draft.calls[-1]
    assert name == "batch_change" and ids == [1, 3] and adjust.value == Decimal(110)


def test_delete_submitted_rows_is_refused_with_the_services_message(daily):
    ui = daily.ui
    _add_rows(daily)
    daily.table.click(0, UNTICKED)
    daily.delete_selected()
    _dialog(ui).button("确定").click()
    assert daily.table.total == 2 and "已删除1条" in _dialog(ui).text
    _dialog(ui).button("确定").click()
    daily.draft.rows[0]["status"] = "已申报"
    daily.refresh()
    daily.table.click(0, UNTICKED)
    daily.delete_selected()
    _dialog(ui).button("确定").click()
    assert "已提交申报的数据不能删除" in _dialog(ui).text
    assert daily.table.total == 2


def test_query_and_reset(daily):
    _add_rows(daily)
    daily.name.value = "林"
    daily.form.query_button.click()
    assert daily.table.total == 2
    daily.form.reset_button.click()
    assert daily.name.value == "" and daily.table.total == 3


def test_export_selected_and_all(daily):
    ui = daily.ui
    _add_rows(daily)
    daily.export_selected()
    assert "勾选" in _dialog(ui).text
    _dialog(ui).button("确定").click()
    daily.table.click(1, UNTICKED)
    daily.toggle_export()
    daily.export_menu.children[2].click()
    assert daily.draft.calls[-1] == ("export", [2], True)
    daily.toggle_export()
    daily.id_choice.value = "完整"
    daily.export_menu.children[3].click()
    assert daily.draft.calls[-1] == ("export", None, False)
    assert ui.download.last_filename.endswith(".xlsx")


# ---- 外部文件导入 -------------------------------------------------------------------------------
def test_import_downloads_the_template_and_shows_the_row_report(daily):
    ui = daily.ui
    daily.open_import()
    d = _dialog(ui)
    assert d.title == "外部文件导入"
    d.children[1].children[0].children[0].click()  # 下载导入模板
    assert ui.download.last_filename == "日常缴费工资申报-按职工申报缴费工资导入模板.xlsx"
    d.upload.receive("filled.xlsx", b"PK-filled")
    assert ("import_file", b"PK-filled") in daily.draft.calls
    assert "成功添加1条" in d.result.value and "3行有误" in d.result.value
    for reason in ("证件号码与姓名不符", "新缴费工资应为大于0的金额", "生效年月晚于停止缴费年月"):
        assert reason in d.result.value
    assert d.report_button.layout.display is None
    d.report_button.click()
    assert ui.download.last_filename.startswith("导入错误报告")
    assert daily.table.total == 1


def test_import_of_a_foreign_file_shows_the_refusal(daily):
    ui = daily.ui
    daily.open_import()
    d = _dialog(ui)

    def refuse(_data: bytes) -> Any:
        raise ValidationError("导入的文件不是本页面的导入模板，请先下载导入模板", code="NOT_OUR_TEMPLATE")

    daily.draft.import_file = refuse  # type: ignore[method-assign]
    d.upload.receive("other.xlsx", b"PK")
    assert "不是本页面的导入模板" in _dialog(ui).text


# ---- 提交申报 and the records ---------------------------------------------------------------------
def test_submit_ticked_rows_then_the_records_page_fetches_feedback(daily):
    ui = daily.ui
    _add_rows(daily)
    daily.submit_selected()
    assert "勾选" in _dialog(ui).text
    _dialog(ui).button("确定").click()
    daily.table.click(0, UNTICKED)
    daily.table.click(1, UNTICKED)
    ui.wb.employer.wage_records.records.append(
        {"filing_id": "WF1", "submitted_at": "2026-11-27 10:00:00", "kind": "日常缴费工资申报", "way": "按职工申报缴费工资",
         "tax_authority": "国家税务总局杭州市上城区税务局", "employees": 2, "status": "待反馈"})
    daily.submit_selected()
    _dialog(ui).button("确定").click()
    assert daily.draft.calls[-1] == ("submit", [1, 2])
    records = ui.current
    assert isinstance(records, WageRecordsPage)  # opened at once: the wait is 0 in tests
    assert ui.wb.employer.wage_records.feedbacks == 1
    assert "部分申报成功" in _dialog(ui).text
    assert list(records.table.grid.data.columns)[:7] == ["序号", "申报时间", "申报类型", "主管税务机关", "职工总数",
                                                        "状态", ACTION_HEADER]


def test_countdown_with_fetch_now(daily):
    ui = daily.ui
    ui.wb.employer.wage_records.feedback_wait_s = 20
    _add_rows(daily)
    daily.table.click(0, UNTICKED)
    daily.submit_selected()
    _dialog(ui).button("确定").click()
    cd = _dialog(ui)
    assert isinstance(cd, CountdownDialog) and "20" in cd.label.value
    cd.tick()
    assert "19" in cd.label.value
    cd.button("立即获取").click()
    assert isinstance(ui.current, WageRecordsPage) and ui.wb.employer.wage_records.feedbacks == 1
    cd.tick()  # a late tick after 立即获取 fetches nothing more
    assert ui.wb.employer.wage_records.feedbacks == 1


def test_records_view_masks_ids_and_exports(ui):
    r = ui.wb.employer.wage_records
    r.records.append({"filing_id": "WF9", "submitted_at": "2026-11-27 10:00:00", "kind": "日常缴费工资申报",
                      "way": "按职工申报缴费工资", "tax_authority": "国家税务总局杭州市上城区税务局", "employees": 2,
                      "status": "部分申报成功"})
    page = ui.navigate("EMP-7")
    page.table.click(0, ACTION_HEADER)
    d = _dialog(ui)
    assert d.title == "申报明细"
    data = d.table.grid.data
    assert list(data.columns)[:9] == ["序号", "姓名", "证件类型", "证件号码", "原缴费工资（元）", "新缴费工资（元）", "生效年月",
                                      "状态", "原因"]
    assert data.iloc[0]["证件号码"] == "330102********0011"
    assert data.iloc[1]["原因"] == "生效年月晚于停止缴费年月"
    d.button("导出").click()
    assert r.exports == [("WF9", True)]
    assert ui.download.last_filename.endswith(".xlsx")


def test_records_feedback_button_and_status_filter(ui):
    r = ui.wb.employer.wage_records
    r.records.append({"filing_id": "WF9", "submitted_at": "2026-11-27 10:00:00", "kind": "日常缴费工资申报",
                      "way": "按职工申报缴费工资", "tax_authority": "税务局", "employees": 2, "status": "待反馈"})
    page = ui.navigate("EMP-7")
    page.feedback_button.click()
    assert r.feedbacks == 1 and "更新了1条" in _dialog(ui).text
    page.status.value = "待反馈"
    page.form.query_button.click()
    assert page.table.total == 0


def test_the_page_never_shows_english_or_ids():
    for cls in (DailyByEmployeePage, DailyByItemPage, AnnualByEmployeePage, AnnualByItemPage, WageRecordsPage):
        assert cls.title and all(ord(ch) > 127 or ch in "-" for ch in cls.title)
    assert wages_page.MENU_OF[("daily", "item")] == "EMP-4"


# ---- against a real workbench (the demo bureau on loopback) ------------------------------------------
REAL_UNIT = "U000025"  # reserved for the wage pages' tests (tests/conftest.py)


@pytest.fixture
def real_ui(logged_in, bureau):
    wb = logged_in(REAL_UNIT)
    wb.gateway.demo_secret = bureau.demo_secret
    wb.gateway.demo.set_feedback_delay(0)
    wb.employer.roster.sync(full=True)
    wb.employer.wage_records.feedback_wait_s = 0
    ui = Ui(wb, sync=True)
    pages: dict[str, Any] = {}

    def navigate(menu_id: str) -> Any:
        if menu_id not in pages:
            cls = page_class(menu_id)
            assert cls is not None
            pages[menu_id] = cls(ui)
        else:
            pages[menu_id].on_show()
        ui.current = pages[menu_id]  # type: ignore[attr-defined]
        return pages[menu_id]

    ui.navigate = navigate
    yield ui
    wb.gateway.demo.set_feedback_delay(5)


def test_real_daily_page_add_edit_submit_and_read_the_record(real_ui):
    ui = real_ui
    page = ui.navigate("EMP-3")
    assert page.table.total == 0
    page.open_add_all()
    d = _dialog(ui)
    d.button("确定").click()
    msg = _dialog(ui)
    assert msg is not d and "添加" in msg.text
    msg.button("确定").click()
    paying = int((page.wb.employer.roster.frame()["status"] == "正常缴费").sum())
    assert page.table.total == paying > 0
    # 导出 → 所有职工: the sheet has the list's Chinese headers and masked ID numbers
    saved: list[tuple[bytes, str]] = []
    ui.save = lambda data, name: saved.append((data, name))  # type: ignore[method-assign]
    page.export_all()
    import io

    import openpyxl
    rows = list(openpyxl.load_workbook(io.BytesIO(saved[-1][0]), read_only=True).worksheets[0]
                .iter_rows(values_only=True))
    header = [str(h) for h in rows[0]]
    assert "姓名" in header and any("新缴费工资" in h for h in header) and len(rows) - 1 == paying
    assert all("*" in str(r[header.index("证件号码")]) for r in rows[1:])
    assert saved[-1][1].startswith("日常缴费工资申报-按职工申报缴费工资_")
    # fuzzy name search in 单个录入 lists only names containing the typed part
    first = str(page.table.frame.iloc[0]["name"])
    page.open_single()
    single = _dialog(ui)
    single.name.value = first[-1]
    assert single.name.options and all(first[-1] in o for o in single.name.options)
    single.button("取消").click()
    # in-row edit of 新缴费工资
    label = page.table.columns["new_wage"]
    page.table.grid.set_cell_value_by_index(label, 0, "8888")
    row_id = int(page.table.frame.iloc[0]["row_id"])
    stored = page.draft.frame()
    assert stored[stored["row_id"] == row_id].iloc[0]["new_wage"] == Decimal("8888.00")
    # submit two ticked rows; the records page opens and fetches the feedback
    page.table.click(0, UNTICKED)
    page.table.click(1, UNTICKED)
    page.submit_selected()
    _dialog(ui).button("确定").click()
    records = ui.current
    assert isinstance(records, WageRecordsPage)
    told = _dialog(ui).text
    assert "全部申报成功" in told or "部分申报成功" in told, told
    assert records.table.total == 1 and records.table.frame.iloc[0]["employees"] == 2
    records.table.click(0, ACTION_HEADER)
    detail = _dialog(ui)
    assert detail.title == "申报明细" and detail.table.total == 2
    assert all("*" in v for v in detail.table.grid.data["证件号码"])
    # the submitted rows stay in the list as 已申报 and cannot be deleted
    page = ui.navigate("EMP-3")
    statuses = page.table.frame.set_index("row_id")["status"]
    assert statuses[row_id] == "已申报"
    page.table.click(0, UNTICKED)
    page.delete_selected()
    _dialog(ui).button("确定").click()
    assert "不能删除" in _dialog(ui).text


def test_real_per_item_single_entry_lists_only_the_units_own_items(real_ui):
    ui = real_ui
    page = ui.navigate("EMP-4")
    people = page.wb.employer.roster.frame()
    name = str(people[people["status"] == "正常缴费"].iloc[0]["name"])
    page.open_single()
    d = _dialog(ui)
    d.name.value = name
    if d.chosen is None:  # a shared name: pick the first of its labelled options
        d.name.value = next(o for o in d.name.options if o.startswith(name))
    codes = [code for code, _n, _w, _m in d.item_rows]
    assert codes and "10205" not in codes  # 生育保险 is 税务代征 in 杭州: never offered
    d.item_rows[0][2].value = "9000"
    d.button("确定").click()
    assert page.table.total == 1 and page.table.frame.iloc[0]["item_code"] == codes[0]


def test_real_annual_per_item_filing_gets_its_month_from_the_bureau(real_ui):
    ui = real_ui
    page = ui.navigate("EMP-6")
    page.open_add_all()
    d = _dialog(ui)
    assert d.month is None
    d.adjust_input.amount.value = "120"
    d.button("确定").click()
    _dialog(ui).button("确定").click()
    assert page.table.total > 0
    assert "10205" not in set(page.table.frame["item_code"])  # 税务代征 items never added
    old, new = page.table.frame.iloc[0]["old_wage"], page.table.frame.iloc[0]["new_wage"]
    assert new == (old * Decimal("1.2")).quantize(Decimal("0.01"))
    page.table.click_header(UNTICKED)
    page.submit_selected()
    _dialog(ui).button("确定").click()
    records = ui.current
    assert isinstance(records, WageRecordsPage)
    assert "申报成功" in _dialog(ui).text
    _dialog(ui).button("确定").click()
    assert records.table.frame.iloc[0]["kind"] == "年度缴费工资申报"
    records.table.click(0, ACTION_HEADER)
    detail = _dialog(ui)
    months = set(detail.table.grid.data["生效年月"])
    assert months and "" not in months  # the bureau set the month from the region's rule
