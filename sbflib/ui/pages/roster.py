"""职工参保信息更新 (manual 2.2): query, counts, 增量更新 / 全量更新, 导出, 分组管理, 查看, 编辑.

The list has a tick-box column (☐ per row, ☐ in the header for the whole page) and the manual's 操作
column with 查看 and 编辑 per row. 导出 offers 选中职工 (the ticked rows) and 所有职工 (every employee
of the unit, whatever the query form holds), with ID numbers 脱敏 or 完整 (the service remembers the
choice; the screen always masks them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import ipywidgets as w
import pandas as pd

from sbflib.employer.roster import RosterFilter
from sbflib.ui.components.dialogs import Dialog
from sbflib.ui.components.html import escape, text_html
from sbflib.ui.components.query_form import QueryForm
from sbflib.ui.components.tick_table import TickTable
from sbflib.ui.components.upload import Upload
from sbflib.ui.context import Ui, button
from sbflib.ui.page import Page
from sbflib.ui.pages.roster_dialogs import DetailDialog, EditDialog, GroupsDialog, report_text, uploaded_bytes

ALL = "全部"


class DateRange(w.HBox):
    """更新时间 from … to; `value` is a (from, to) pair of dates or None."""

    def __init__(self) -> None:
        self.start = w.DatePicker()
        self.end = w.DatePicker()
        super().__init__([self.start, w.Label("至"), self.end])
        self.add_class("sbf-date-range")

    @property
    def value(self) -> tuple[dt.date | None, dt.date | None]:
        return (self.start.value, self.end.value)

    @value.setter
    def value(self, v: tuple[dt.date | None, dt.date | None]) -> None:
        self.start.value, self.end.value = v


# Default column widths (px) so that a row, 操作 included, fits the page at 1366 px wide.
WIDTHS = {"序号": 56, "姓名": 90, "性别": 60, "证件类型": 100, "证件号码": 150, "参保状态": 80, "单位编号": 110,
          "分组": 90, "更新时间": 140}
# How far each column may shrink when the grid is narrower (1024 px screens): the row, 操作 at its
# right as in the manual (2.2 七 "列表右侧的【编辑】"), then still fits; a masked ID number, a name
# and the date stay whole, long unit numbers, groups and the time of day are elided (…).
MIN_WIDTHS = {"序号": 44, "姓名": 56, "性别": 44, "证件类型": 68, "证件号码": 138, "参保状态": 58, "单位编号": 44,
              "分组": 44, "更新时间": 96}
MASKED = "脱敏"
FULL = "完整"


def _upload(text: str, css: str) -> Upload:
    u = Upload(text, accept=".xlsx")
    u.add_class(css)
    return u


class RosterPage(Page):
    menu_id = "EMP-2"
    title = "职工参保信息更新"

    def __init__(self, ui: Ui) -> None:
        self.ui = ui
        self.r = ui.wb.employer.roster
        self.g = ui.wb.employer.groups
        r = self.r

        # query form
        self.name = w.Text(placeholder="支持模糊查询")
        self.id_type = w.Dropdown(options=[ALL], value=ALL)
        self.id_number = w.Text(placeholder="支持模糊查询")
        self.status = w.Dropdown(options=[ALL, "正常缴费", "停止缴费"], value=ALL)
        self.unit_number = w.Dropdown(options=[ALL], value=ALL)
        self.group = w.Dropdown(options=[(ALL, "")], value="")
        self.updated = DateRange()
        for x, css in ((self.name, "sbf-q-name"), (self.id_type, "sbf-q-id-type"),
                       (self.id_number, "sbf-q-id-number"), (self.status, "sbf-q-status"),
                       (self.unit_number, "sbf-q-unit-number"), (self.group, "sbf-q-group")):
            x.add_class(css)
        self.form = QueryForm([
            ("姓名", self.name), ("证件类型", self.id_type), ("证件号码", self.id_number),
            ("参保状态", self.status), ("单位编号", self.unit_number), ("分组", self.group),
            ("更新时间", self.updated),
        ], on_query=self.query)

        # counts and toolbar
        self.counts = w.HTML("")
        self.counts.add_class("sbf-roster-counts")
        self.id_choice = w.ToggleButtons(options=[MASKED, FULL], value=FULL if self._remembered_full() else MASKED,
                                         tooltips=["证件号码中间部分以*号显示", "导出完整的证件号码"],
                                         style={"button_width": "auto"})
        self.id_choice.add_class("sbf-export-ids")
        id_label = w.Label("证件号码：")
        id_label.add_class("sbf-export-ids-label")
        self.export_menu = w.HBox([
            id_label, self.id_choice,
            button("选中职工", self.export_selected, css="sbf-export-selected"),
            button("所有职工", self.export_all, css="sbf-export-all"),
            text_html("选中职工：导出列表中勾选（☑）的职工；所有职工：导出本单位全部职工", "sbf-hint"),
        ], layout=w.Layout(display="none"))
        self.export_menu.add_class("sbf-export-menu")
        self.export_menu.add_class("sbf-wrap")
        self.upload = _upload("批量编辑职工分组导入", "sbf-roster-group-import")
        self.upload.observe(lambda _c: self.import_employee_groups(), names="value")
        self.sync_buttons = [button("增量更新", lambda: self.sync(False), primary=True, css="sbf-sync"),
                             button("全量更新", lambda: self.sync(True), css="sbf-full-sync")]
        toolbar = w.HBox([
            *self.sync_buttons,
            button("导出", self.toggle_export, css="sbf-export"),
            button("分组管理", self.open_groups, css="sbf-groups"),
            button("下载批量编辑职工分组模板", self.download_group_template, css="sbf-roster-group-template"),
            self.upload,
        ])
        toolbar.add_class("sbf-toolbar")
        toolbar.add_class("sbf-wrap")
        toolbar.add_class("sbf-roster-toolbar")

        columns = {k: v for k, v in r.COLUMNS.items() if k != "employee_id"}
        self.table = TickTable(self._fetch, columns, table_key="roster", settings=ui.wb.settings,
                               id_column="employee_id", height="440px",
                               actions={"查看": self.view, "编辑": self.edit}, default_widths=WIDTHS,
                               min_widths=MIN_WIDTHS)
        # Two query fields a row when three do not fit (1024 px), so the date range is not cut.
        self.form.grid.layout.grid_template_columns = "repeat(auto-fill, minmax(300px, 1fr))"
        counts = w.HBox([self.counts])
        for part in (self.form, counts, toolbar, self.export_menu, self.table):
            part.layout.flex = "0 0 auto"  # never squeezed by the grid below: nothing clipped at 700 px
        card = w.VBox([self.form, counts, toolbar, self.export_menu, self.table])
        card.add_class("sbf-card")
        super().__init__(ui, [card], css="sbf-roster-page", show_title=True)
        self.load_choices()
        self.query()

    # ---- query ----------------------------------------------------------------------------
    def load_choices(self) -> None:
        ok, types = self.ui.call(self.r.id_types)
        if ok:
            self.id_type.options = [ALL, *types]
        ok, numbers = self.ui.call(self.r.unit_numbers)
        if ok:
            self.unit_number.options = [ALL, *numbers]
        self._load_groups()

    def _load_groups(self) -> None:
        ok, groups = self.ui.call(self.g.list)
        if ok:
            current = self.group.value
            opts = [(ALL, "")] + [(str(p), int(i)) for i, p in zip(groups["group_id"], groups["path"], strict=False)]
            self.group.options = opts
            self.group.value = current if current in [v for _, v in opts] else ""
            self.groups_frame = groups

    def filters(self) -> RosterFilter:
        start, end = self.updated.value
        return RosterFilter(
            name=self.name.value.strip(),
            id_type="" if self.id_type.value == ALL else self.id_type.value,
            id_number=self.id_number.value.strip(),
            status="" if self.status.value == ALL else self.status.value,
            unit_number="" if self.unit_number.value == ALL else self.unit_number.value,
            group_id=self.group.value if self.group.value != "" else None,
            updated_from=start.isoformat() if start else None,
            updated_to=end.isoformat() if end else None,
        )

    def _fetch(self, page: int, size: int) -> tuple[pd.DataFrame, int]:
        return self.r.query(self.filters(), page=page, page_size=size)

    def query(self) -> None:
        _ok, _ = self.ui.call(self.table.refresh, 1)
        self.show_counts()

    def on_show(self) -> None:
        self.show_counts()

    def show_counts(self) -> None:
        ok, c = self.ui.call(self.r.counts)
        if ok:
            self.counts.value = "　".join(
                f"{label}：<b class='sbf-count-{css}'>{escape(n)}</b>人"
                for label, css, n in (("职工总数", "total", c.total), ("正常缴费", "paying", c.paying),
                                      ("停止缴费", "stopped", c.stopped)))

    # ---- 增量更新 / 全量更新 ----------------------------------------------------------------------
    def sync(self, full: bool) -> None:
        """增量更新 / 全量更新 through `run_call` with its progress bar: the page is frozen while it
        runs, so a double click sends one update."""
        label = "正在全量更新职工参保信息……" if full else "正在增量更新职工参保信息……"
        self.run_call(self.r.sync, full=full, on_done=self._synced, label=label, progress=True,
                      title="全量更新" if full else "增量更新")

    def _synced(self, result: Any) -> None:
        self.last_sync = result
        self.load_choices()
        self.query()
        if result.changed:
            self.ui.confirm(f"{result.message}，是否查看更新明细？", lambda: self.show_changes(result))
        else:
            self.ui.message(result.message)

    def show_changes(self, result: Any) -> None:
        ok, df = self.ui.call(self.r.changes, result.sync_id)
        if not ok:
            return
        columns = {k: v for k, v in self.r.COLUMNS.items() if k != "employee_id"}

        def fetch(page: int, size: int) -> tuple[pd.DataFrame, int]:
            return df.iloc[(page - 1) * size: page * size], len(df)

        table = TickTable(fetch, columns, table_key="roster_changes", settings=self.ui.wb.settings,
                          id_column="employee_id", height="360px", default_widths=WIDTHS, ticks=False)
        table.refresh(1)
        export = button("导出", lambda: self._export_changes(result.sync_id), primary=True,
                        css="sbf-changes-export")
        close = w.Button(description="关闭")
        d = Dialog("更新数据明细", [text_html(f"{result.kind}：本次共变更了{result.changed}条职工信息"), table],
                   [export, close], width="1000px", css="sbf-changes-dialog")
        close.on_click(lambda _b: d.dismiss())
        self.changes_dialog = d
        self.ui.dialogs.show(d)

    # ---- 导出 -----------------------------------------------------------------------------
    def _remembered_full(self) -> bool:
        try:
            return bool(getattr(self.r, "export_full_ids", False))
        except Exception:  # noqa: BLE001 - the remembered choice is a convenience; masked by default
            return False

    @property
    def full_ids(self) -> bool:
        """The export dialog's choice: 完整 (True) or 脱敏 (False) ID numbers."""
        return self.id_choice.value == FULL

    def toggle_export(self) -> None:
        shown = self.export_menu.layout.display != "none"
        if not shown:
            self.id_choice.value = FULL if self._remembered_full() else MASKED
        self.export_menu.layout.display = "none" if shown else "flex"

    def export_selected(self) -> None:
        """选中职工: exactly the ticked rows of the page."""
        ids = self.table.selected_ids()
        if not ids:
            self.ui.error("请先勾选需要导出的职工（列表左侧的方框）")
            return
        self._export(None, [str(i) for i in ids])

    def export_all(self) -> None:
        """所有职工: every employee of the unit, whatever the query form holds (manual 2.2 三)."""
        self._export(None, None)

    def _export_changes(self, sync_id: int) -> None:
        name = f"更新数据明细_{dt.datetime.now():%Y%m%d%H%M%S}.xlsx"
        self._run_export(lambda: self.r.export_changes_xlsx(sync_id), name)

    def _export(self, filters: RosterFilter | None, ids: list[str] | None) -> None:
        self.export_menu.layout.display = "none"
        full = self.full_ids
        name = f"职工参保信息_{dt.datetime.now():%Y%m%d%H%M%S}.xlsx"
        self._run_export(lambda: self.r.export_xlsx(filters=filters, employee_ids=ids, full_ids=full), name)

    def _run_export(self, make: Callable[[], bytes], name: str) -> None:
        """导出 through `run_call` with its progress bar (a large unit takes a while), then the download."""

        def work(progress: Callable[[float, str], None]) -> bytes:
            progress(0.1, "正在生成导出文件……")
            data = make()
            progress(1.0, "导出完成")
            return data

        self.run_call(work, on_done=lambda data: self.ui.save(data, name), title="导出",
                      label="正在导出，请稍候……", progress=True)

    # ---- 查看 / 编辑 -----------------------------------------------------------------------
    def _one_selected(self) -> Any:
        ids = self.table.selected_ids()
        if len(ids) != 1:
            self.ui.error("请勾选一条职工信息")
            return None
        return ids[0]

    def view_selected(self) -> None:
        eid = self._one_selected()
        if eid is not None:
            self.view(eid)

    def edit_selected(self) -> None:
        eid = self._one_selected()
        if eid is not None:
            self.edit(eid)

    def view(self, employee_id: Any) -> Dialog | None:
        """查看 in the 操作 column: 职工参保明细."""
        ok, d = self.ui.call(self.r.detail, employee_id)
        if not ok:
            return None
        self.detail_dialog = DetailDialog(d)
        return self.ui.dialogs.show(self.detail_dialog)

    def edit(self, employee_id: Any) -> Dialog | None:
        """编辑 in the 操作 column: 编辑人员信息 with the 分组 dropdown."""
        rows = self.table.frame[self.table.frame["employee_id"] == employee_id]
        if rows.empty:
            return None
        row = rows.iloc[0]
        self._load_groups()
        groups = list(self.group.options)[1:]
        current = next((v for label, v in groups if label == row.get("group")), "")

        def save(group_id: Any) -> bool:
            ok, _ = self.ui.call(self.r.set_group, [employee_id], group_id)
            if ok:
                self.table.refresh()
            return ok

        self.edit_dialog = EditDialog(str(row.get("name", "")), groups, current, save)
        return self.ui.dialogs.show(self.edit_dialog)

    # ---- 分组 -----------------------------------------------------------------------------
    def open_groups(self) -> None:
        self.groups_dialog = GroupsDialog(self.ui, on_change=self._groups_changed)
        self.ui.dialogs.show(self.groups_dialog)

    def _groups_changed(self) -> None:
        self._load_groups()
        self.table.refresh()

    def download_group_template(self) -> None:
        """The template lists every employee of the unit: built off the kernel's thread."""
        self.run_call(self.r.group_template, on_done=lambda data: self.ui.save(data, "批量编辑职工分组模板.xlsx"),
                      title="下载模板", label="正在生成模板，请稍候……")

    def import_employee_groups(self, data: bytes | None = None) -> None:
        data = data if data is not None else uploaded_bytes(self.upload)
        if not data:
            return
        self.upload.value = ()  # cleared first: the same file can be chosen again after a refusal
        self.run_call(self.r.import_groups, data, on_done=self._groups_imported, title="批量编辑职工分组导入",
                      label="正在导入，请稍候……")

    def _groups_imported(self, report: Any) -> None:
        self.ui.message(report_text(report), title="批量编辑职工分组导入")
        self.table.refresh()
