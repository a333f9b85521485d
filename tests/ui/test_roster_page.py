"""职工参保信息更新 page (manual 2.2) driven from Python against a stub workbench.

Clicks on the grid go through the same handler as ipydatagrid's "cell-click" messages
(`TickTable.click` / `click_header`); buttons are `.click()`ed as a clerk would.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

from sbflib.employer.groups import ImportReport
from sbflib.employer.roster import COLUMNS, EmployeeDetail, Registration, SyncResult
from sbflib.errors import ValidationError
from sbflib.ui.components.table import MemorySettings
from sbflib.ui.components.tick_table import ACTION_HEADER, TICKED, UNTICKED
from sbflib.ui.context import Ui
from sbflib.ui.pages.roster import RosterPage

EDIT_HEADER = "\u3000"  # the 编辑 column's blank header, next to 操作


def _people(n: int) -> pd.DataFrame:
    return pd.DataFrame({
        "employee_id": [f"E{i:03d}" for i in range(n)],
        "name": [f"职工{i}" for i in range(n)],
        "gender": ["女" if i % 2 else "男" for i in range(n)],
        "id_type": ["居民身份证"] * n,
        "id_number": [f"330102********{i:04d}" for i in range(n)],
        "status": ["正常缴费"] * n,
        "unit_numbers": ["1234"] * n,
        "group": [""] * n,
        "updated_at": ["2026-11-01 10:00:00"] * n,
    })


@dataclass
class StubRoster:
    people: pd.DataFrame = field(default_factory=lambda: _people(25))
    export_full_ids: bool = False
    exports: list[dict[str, Any]] = field(default_factory=list)
    syncs: list[bool] = field(default_factory=list)
    groups_set: list[tuple[list[str], Any]] = field(default_factory=list)
    COLUMNS: dict[str, str] = field(default_factory=lambda: dict(COLUMNS))

    def query(self, filters: Any = None, page: int = 1, page_size: int = 10) -> tuple[pd.DataFrame, int]:
        df = self.people
        if filters is not None and filters.name:
            df = df[df["name"].str.contains(filters.name)]
        return df.iloc[(page - 1) * page_size: page * page_size].copy(), len(df)

    def counts(self) -> Any:
        return SimpleNamespace(total=len(self.people), paying=len(self.people), stopped=0)

    def id_types(self) -> list[str]:
        return ["居民身份证"]

    def unit_numbers(self) -> list[str]:
        return ["1234"]

    def export_xlsx(self, filters: Any = None, employee_ids: Any = None, *, full_ids: bool | None = None) -> bytes:
        self.exports.append({"filters": filters, "employee_ids": employee_ids, "full_ids": full_ids})
        if full_ids is not None:
            self.export_full_ids = full_ids
        return b"PK-xlsx"

    def detail(self, employee_id: str) -> EmployeeDetail:
        row = self.people[self.people["employee_id"] == employee_id].iloc[0]
        items = pd.DataFrame([
            {"unit_number": "1234", "agency": "上城区社保经办", "person_number": "P1", "item_name": "基本养老保险",
             "subitem_name": "职工基本养老保险(单位缴纳)", "detail_name": "城镇职工养老", "special_category": "",
             "base": "10033.33", "start_month": "2019-11", "stop_month": "长期"},
            {"unit_number": "330108200351", "agency": "西湖区社保经办", "person_number": "P2",
             "item_name": "生育保险", "subitem_name": "生育保险", "detail_name": "生育保险(单位)",
             "special_category": "城镇职工生育在职", "base": "7002.22", "start_month": "2020-01",
             "stop_month": "2020-12"},
        ])
        basic = {"姓名": row["name"], "证件类型": "居民身份证", "证件号码": row["id_number"], "性别": row["gender"],
                 "出生日期": "1990-01-01", "分组": ""}
        return EmployeeDetail(basic, items, [Registration("1234", "上城区社保经办"),
                                             Registration("330108200351", "西湖区社保经办")])

    def set_group(self, ids: list[str], group_id: Any) -> int:
        self.groups_set.append((ids, group_id))
        return len(ids)

    def sync(self, full: bool = False, progress: Any = None) -> SyncResult:
        self.syncs.append(full)
        return SyncResult("全量更新" if full else "增量更新", 0, 1, 25, 0.1)

    def changes(self, sync_id: int) -> pd.DataFrame:
        return self.people.iloc[:0]

    def group_template(self) -> bytes:
        return b"PK"

    def import_groups(self, data: bytes) -> ImportReport:
        return ImportReport(done=1)


@dataclass
class StubGroups:
    rows: list[dict[str, Any]] = field(default_factory=list)

    def list(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=["group_id", "name", "parent_id", "level", "path", "saved_at"])

    def add(self, name: str, parent_id: int | None = None) -> int:
        if "-" in name or "/" in name:
            raise ValidationError("分组名称不能包含“-”“/”“>”“－”", field="分组名称")
        gid = len(self.rows) + 1
        self.rows.append({"group_id": gid, "name": name, "parent_id": parent_id, "level": 1, "path": name,
                          "saved_at": pd.Timestamp("2026-11-27 10:31:05")})
        return gid

    def delete(self, group_id: int) -> None:
        self.rows = [r for r in self.rows if r["group_id"] != group_id]


@pytest.fixture
def page() -> RosterPage:
    settings = MemorySettings(page_size=10)
    wb = SimpleNamespace(employer=SimpleNamespace(roster=StubRoster(), groups=StubGroups()), settings=settings)
    return RosterPage(Ui(wb, sync=True))


def test_the_list_has_tick_boxes_and_the_operations_column(page):
    cols = list(page.table.grid.data.columns)
    assert cols[0] == UNTICKED and cols[-2:] == [ACTION_HEADER, EDIT_HEADER]
    data = page.table.grid.data
    assert set(data[ACTION_HEADER]) == {"查看"} and set(data[EDIT_HEADER]) == {"编辑"}
    # no 查看 / 编辑 buttons above the list any more: they are per row, as in the manual
    toolbar_texts = [getattr(b, "description", "") for b in page.children[1].children[2].children]
    assert "查看" not in toolbar_texts and "编辑" not in toolbar_texts
    assert toolbar_texts[:2] == ["增量更新", "全量更新"]


def test_ticking_rows_and_the_header_box_select_the_page(page):
    t = page.table
    t.click(1, UNTICKED)
    t.click(3, UNTICKED)
    assert t.selected_ids() == ["E001", "E003"]
    assert list(t.grid.data.iloc[:4, 0]) == [UNTICKED, TICKED, UNTICKED, TICKED]
    t.click(1, UNTICKED)  # a second click unticks
    assert t.selected_ids() == ["E003"]
    t.click_header(UNTICKED)  # select all of this page (10 rows), not the other pages
    assert t.selected_ids() == [f"E{i:03d}" for i in range(10)]
    assert t.grid.data.columns[0] == TICKED
    t.click_header(TICKED)
    assert t.selected_ids() == []
    t.click(2, UNTICKED)
    t.next_button.click()  # another page: no ticks carried over
    assert t.selected_ids() == []


def test_export_selected_sends_exactly_the_ticked_rows(page):
    r = page.r
    page.table.click(0, UNTICKED)
    page.table.click(4, UNTICKED)
    page.toggle_export()
    assert page.export_menu.layout.display == "flex"
    page.export_menu.children[2].click()  # 选中职工
    assert r.exports[-1]["employee_ids"] == ["E000", "E004"]
    assert page.ui.download.last_filename.endswith(".xlsx")
    assert page.export_menu.layout.display == "none"


def test_export_selected_without_ticks_says_how_to_tick(page):
    page.export_selected()
    d = page.ui.dialogs.current
    assert d is not None and "勾选" in d.text
    assert page.r.exports == []


def test_export_all_ignores_the_query_form(page):
    page.name.value = "职工1"
    page.form.query_button.click()
    assert page.table.total < 25
    page.toggle_export()
    page.export_menu.children[3].click()  # 所有职工
    call = page.r.exports[-1]
    assert call["filters"] is None and call["employee_ids"] is None


def test_export_id_choice_full_or_masked_is_sent_and_remembered(page):
    r = page.r
    page.toggle_export()
    assert page.id_choice.value == "脱敏"  # masked unless asked
    page.export_all()
    assert r.exports[-1]["full_ids"] is False
    page.toggle_export()
    page.id_choice.value = "完整"
    page.export_all()
    assert r.exports[-1]["full_ids"] is True and r.export_full_ids is True
    # a new page (another session) starts from the remembered choice
    page2 = RosterPage(Ui(page.ui.wb, sync=True))
    assert page2.id_choice.value == "完整"


def test_view_in_the_operations_column_shows_the_detail_with_a_unit_switch(page):
    page.table.click(2, ACTION_HEADER)
    d = page.ui.dialogs.current
    assert d is page.detail_dialog and d.title == "职工参保明细"
    assert "职工2" in d.text and "基本信息" in d.text and "参保险种信息" in d.text
    assert "征收子目" in d.text or "征收品目" in d.text
    assert d.switch is not None and len(d.switch.options) == 2
    assert "1234" in d.place_html.value and "上城区社保经办" in d.place_html.value
    assert "10,033.33" in d.items_html.value and "7,002.22" not in d.items_html.value
    d.switch.value = 1
    assert "330108200351" in d.place_html.value and "7,002.22" in d.items_html.value
    d.button("关闭").click()
    assert page.ui.dialogs.current is None


def test_edit_in_the_operations_column_sets_the_group(page):
    gid = page.g.add("一车间")
    page._load_groups()
    page.table.click(1, EDIT_HEADER)
    d = page.ui.dialogs.current
    assert d is page.edit_dialog and "职工1" in d.text
    d.dropdown.value = gid
    d.button("确定").click()
    assert page.r.groups_set == [(["E001"], gid)]
    assert page.ui.dialogs.current is None


def test_group_dialog_shows_saved_time_and_the_services_message(page):
    page.open_groups()
    gd = page.groups_dialog
    gd.new_name.value = "一车间"
    gd.add_top()
    assert "2026-11-27 10:31:05" in gd.tree.children[0].children[1].value
    assert "保存时间" in gd.text
    gd.new_name.value = "A-B"
    gd.add_top()
    err = page.ui.dialogs.current
    assert err is not gd and "分组名称不能包含" in err.text
    err.button("确定").click()
    assert list(gd.frame["name"]) == ["一车间"]


def test_update_buttons_are_named_as_in_the_manual_and_say_what_changed(page):
    inc, full = page.sync_buttons
    assert (inc.description, full.description) == ("增量更新", "全量更新")
    inc.click()
    assert page.r.syncs == [False]
    assert "增量更新完成，本次共变更了0条职工信息" in page.ui.dialogs.current.text
    page.ui.dialogs.current.button("确定").click()
    full.click()
    assert page.r.syncs == [False, True]
    assert "全量更新完成" in page.ui.dialogs.current.text


def test_a_double_click_on_update_sends_one_update():
    roster = StubRoster()
    release = threading.Event()
    plain_sync = roster.sync

    def slow_sync(full: bool = False, progress: Any = None) -> SyncResult:
        release.wait(10)
        return plain_sync(full, progress)

    roster.sync = slow_sync  # type: ignore[method-assign]
    wb = SimpleNamespace(employer=SimpleNamespace(roster=roster, groups=StubGroups()), settings=MemorySettings())
    page = RosterPage(Ui(wb))
    inc, full = page.sync_buttons
    inc.click()
    assert inc.disabled and full.disabled  # frozen while the update runs
    inc.click()
    full.click()
    release.set()
    page.ui.tasks.wait(10)
    assert roster.syncs == [False]
    assert not inc.disabled and not full.disabled


def test_group_import_is_an_upload_without_a_counter(page):
    from sbflib.ui.components.upload import Upload

    assert isinstance(page.upload, Upload) and page.upload.description == "批量编辑职工分组导入"
    page.upload.receive("分组.xlsx", b"PK")
    d = page.ui.dialogs.current
    assert d is not None and d.title == "批量编辑职工分组导入" and "成功导入1条" in d.text
    assert page.upload.value == ()


# ---- against the real roster service (demo bureau, unit reserved for UI tests) -----------------
def _sheet(data: bytes) -> list[tuple]:
    import io

    import openpyxl

    return list(openpyxl.load_workbook(io.BytesIO(data), read_only=True).active.iter_rows(values_only=True))


def test_with_the_real_service_exports_detail_and_group_names(logged_in, bureau):
    wb = logged_in("U000018")
    roster = wb.employer.roster
    if roster.counts().total == 0:
        roster.sync(full=True)
    saved: list[bytes] = []
    ui = Ui(wb, sync=True)
    ui.save = lambda data, name: saved.append(data)  # type: ignore[method-assign]
    page = RosterPage(ui)
    everyone = page.table.frame
    assert page.table.total == bureau.unit("U000018")["employees"] == len(everyone)

    # 选中职工: exactly the two ticked rows
    page.table.click(1, UNTICKED)
    page.table.click(3, UNTICKED)
    page.export_selected()
    rows = _sheet(saved[-1])
    names = [r[list(rows[0]).index("姓名")] for r in rows[1:]]
    assert names == [everyone.iloc[1]["name"], everyone.iloc[3]["name"]]

    # 所有职工 with a name filter set: everyone; 完整 vs 脱敏 differ in the ID column only
    page.name.value = everyone.iloc[0]["name"][0]
    page.form.query_button.click()
    assert page.table.total < len(everyone)
    page.id_choice.value = "脱敏"
    page.export_all()
    masked = _sheet(saved[-1])
    page.id_choice.value = "完整"
    page.export_all()
    full = _sheet(saved[-1])
    assert len(masked) - 1 == len(full) - 1 == len(everyone)
    col = list(masked[0]).index("证件号码")
    assert all("*" in r[col] for r in masked[1:]) and not any("*" in r[col] for r in full[1:])
    assert roster.export_full_ids is True
    assert RosterPage(Ui(wb, sync=True)).id_choice.value == "完整"  # remembered
    roster.export_xlsx(None, None, full_ids=False)

    # 查看: the detail has 征收子目 and the unit number / agency line
    page.table.click(0, ACTION_HEADER)
    d = page.detail_dialog
    assert "征收子目" in d.items_html.value and "单位编号" in d.place_html.value
    assert everyone.iloc[0]["name"] in d.text
    d.button("关闭").click()

    # 分组: a name with the template's separator is refused with the service's message
    page.open_groups()
    gd = page.groups_dialog
    gd.new_name.value = "A-B"
    gd.add_top()
    err = ui.dialogs.current
    assert err is not gd and "分组名称" in err.text and "-" in err.text
    err.button("确定").click()
    gd.new_name.value = "一车间"
    gd.add_top()
    assert list(gd.frame["name"]) == ["一车间"] and gd.frame["saved_at"].notna().all()
    gd.delete(int(gd.frame.iloc[0]["group_id"]), "一车间")
    ui.dialogs.current.button("是").click()


def test_update_with_changes_offers_the_details_with_export(page):
    r = page.r
    r.sync = lambda full=False, progress=None: SyncResult("增量更新", 2, 9, 2, 0.1)  # type: ignore[method-assign]
    r.changes = lambda sync_id: r.people.iloc[:2].copy()  # type: ignore[method-assign]
    r.export_changes_xlsx = lambda sync_id: b"PK-changes"  # type: ignore[method-assign]
    page.sync(False)
    c = page.ui.dialogs.current
    assert "增量更新完成，本次共变更了2条职工信息，是否查看更新明细？" in c.text
    c.button("是").click()
    d = page.changes_dialog
    table = d.body.children[1]
    assert table.total == 2 and table.grid.data.columns[0] == "序号"  # no tick boxes here
    assert table.grid.column_widths["证件号码"] == 150
    d.button("导出").click()
    assert page.ui.download.last_filename.startswith("更新数据明细_")


def test_update_and_export_run_through_run_call_with_a_progress_bar(page):
    from sbflib.ui.components.progress import Progress

    r = page.r
    seen: list[Any] = []
    r.sync = lambda full=False, progress=None: seen.append(progress) or SyncResult("增量更新", 0, 1, 25, 0.1)  # type: ignore[method-assign]
    page.sync(False)
    assert isinstance(seen[0], Progress) and seen[0].bar.value == 0.0  # the stub never reports
    page.ui.dialogs.current.button("确定").click()
    page.export_all()
    assert page.ui.download.last_filename.startswith("职工参保信息_")
    # while a call of the page runs, a second 导出 or 增量更新 sends nothing
    page.busy = True
    page.export_all()
    page.sync(True)
    assert len(r.exports) == 1 and len(seen) == 1


def _row_width(table: Any) -> int:
    return sum(int(table.grid.column_widths.get(c, table.grid.base_column_size)) for c in table.grid.data.columns)


def test_the_row_fits_a_narrow_grid_with_the_operations_column_last(page):
    from sbflib.ui.components.tick_table import SCROLLBAR
    from sbflib.ui.pages.roster import MIN_WIDTHS, WIDTHS

    t = page.table
    wide = dict(t.grid.column_widths)
    assert {k: wide[k] for k in WIDTHS} == WIDTHS  # no width from the browser yet: the defaults
    t.probe.width = 1060  # 1366 px screen: the row fits as it is
    assert dict(t.grid.column_widths) == wide
    t.probe.width = 754  # 1024 px screen
    narrow = dict(t.grid.column_widths)
    assert _row_width(t) <= 754 - SCROLLBAR
    assert all(MIN_WIDTHS[k] <= narrow[k] < WIDTHS[k] for k in WIDTHS)
    assert list(t.grid.data.columns)[-2:] == [ACTION_HEADER, EDIT_HEADER]  # 操作 stays at the right
    assert page.ui.wb.settings.column_widths("roster") == {}  # fitted widths are not saved as chosen
    t.probe.width = 1060
    assert dict(t.grid.column_widths) == wide


def test_a_dragged_width_wins_over_the_narrow_fit(page):
    t = page.table
    t.probe.width = 754
    dragged = {**t.grid.column_widths, "姓名": 130}  # the browser sends every width, one of them new
    t.grid.column_widths = dragged
    assert page.ui.wb.settings.column_widths("roster") == {"姓名": 130}  # only the dragged column saved
    t.refresh(1)
    assert t.grid.column_widths["姓名"] == 130
    t.probe.width = 1060
    assert t.grid.column_widths["姓名"] == 130
