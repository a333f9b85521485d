"""缴费工资申报 (manual 2.3–2.6): one page shape for 日常 / 年度 × 按职工 / 按险种.

`WageFilingPage` is parameterised by `kind` ("daily" | "annual") and `way` ("employee" | "item");
the four registered pages only set those and their menu. The list being edited is the service's
draft (kept in the store, so it survives a restart):

- 添加 opens the ways to add rows: 单个录入, 外部文件导入, 添加全部正常缴费职工,
  按单位编号添加缴费职工, 按分组添加缴费职工 (dialogs in `wages_dialogs`).
- The table (tick boxes) edits 新缴费工资 (and, daily, 生效年月) in the row itself: there is no
  修改 button (manual 2.3.2 四). 批量修改 changes the wage of the ticked rows; 删除 removes ticked
  rows not yet submitted; 导出 offers 选中职工 / 所有职工.
- 提交申报 sends the ticked rows (through `run_call`), then counts down (the service's
  `feedback_wait_s`, 20 s by default) with 立即获取, and opens 缴费工资申报记录 to fetch the result.
- The button at the right names the OTHER way and switches to it (manual 2.4.3 三).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any, ClassVar, Literal

import ipywidgets as w
import pandas as pd

from sbflib.employer.wages import DRAFT_STATUSES, WageDraftFilter
from sbflib.errors import ValidationError
from sbflib.ui.components.cells import plain_money_text, text_of
from sbflib.ui.components.countdown import CountdownDialog
from sbflib.ui.components.html import text_html
from sbflib.ui.components.query_form import QueryForm
from sbflib.ui.components.tick_table import TICKED, UNTICKED, TickTable
from sbflib.ui.context import Ui, button
from sbflib.ui.page import Page
from sbflib.ui.pages.wages_dialogs import (
    AdjustDialog,
    ImportDialog,
    SingleEntryDialog,
    back_pay_text,
    current_month,
    parse_month,
    parse_wage,
)

Kind = Literal["daily", "annual"]
Way = Literal["employee", "item"]

ALL = "全部"
MASKED = "脱敏"
FULL = "完整"
KIND_TEXT = {"daily": "日常缴费工资申报", "annual": "年度缴费工资申报"}
WAY_TEXT = {"employee": "按职工申报缴费工资", "item": "按险种申报缴费工资"}
MENU_OF = {("daily", "employee"): "EMP-3", ("daily", "item"): "EMP-4",
           ("annual", "employee"): "EMP-5", ("annual", "item"): "EMP-6"}
RECORDS_MENU = "EMP-7"
# draft columns never shown (keys of the service's frame)
HIDDEN = {"row_id", "employee_id", "item_code", "filing_id"}
MONEY_KEYS = ("old_wage", "new_wage")
# widths (px) by key so that a row fits the page at 1366 px; shrinking towards MIN_WIDTHS at 1024 px
WIDTHS = {"name": 80, "id_type": 96, "id_number": 150, "item_name": 120, "tax_authority": 180,
          "old_wage": 140, "new_wage": 140, "month": 84, "status": 84}
# (at 1024 px the per-item row, 征收项目 included, must still fit: 688 px with the tick box)
MIN_WIDTHS = {"name": 56, "id_type": 40, "id_number": 138, "item_name": 60, "tax_authority": 40,
              "old_wage": 64, "new_wage": 80, "month": 66, "status": 56}


class WageFilingPage(Page):
    kind: ClassVar[Kind] = "daily"
    way: ClassVar[Way] = "employee"

    def __init__(self, ui: Ui) -> None:
        self.ui = ui
        self.service = ui.wb.employer.wages
        self.draft = self.service.draft(self.kind, self.way)
        self._reverting = False

        # query form (collapsible: 收起 shows more rows)
        self.name = w.Text(placeholder="支持模糊查询")
        self.name.add_class("sbf-q-name")
        self.id_number = w.Text(placeholder="支持模糊查询")
        self.id_number.add_class("sbf-q-id-number")
        self.status = w.Dropdown(options=[ALL, *DRAFT_STATUSES], value=ALL)
        self.status.add_class("sbf-q-status")
        fields: list[tuple[str, w.Widget]] = [("姓名", self.name), ("证件号码", self.id_number),
                                              ("申报状态", self.status)]
        self.item: w.Dropdown | None = None
        if self.way == "item":
            _ok, items = ui.call(self.draft.items)
            self.item = w.Dropdown(options=[(ALL, ""), *[(n, c) for c, n in (items or [])]], value="")
            self.item.add_class("sbf-q-item")
            fields.append(("征收项目", self.item))
        self.form = QueryForm(fields, on_query=self.query)

        # 添加 and 导出 menus, shown under the toolbar when their button is clicked
        self.add_menu = self._menu("sbf-wage-add-menu", [
            button("单个录入", self.open_single, css="sbf-add-single"),
            button("外部文件导入", self.open_import, css="sbf-add-import"),
            button("添加全部正常缴费职工", self.open_add_all, css="sbf-add-all"),
            button("按单位编号添加缴费职工", self.open_add_by_unit_number, css="sbf-add-unit-number"),
            button("按分组添加缴费职工", self.open_add_by_group, css="sbf-add-group"),
        ])
        self.id_choice = w.ToggleButtons(options=[MASKED, FULL], value=MASKED,
                                         tooltips=["证件号码中间部分以*号显示", "导出完整的证件号码"],
                                         style={"button_width": "auto"})
        self.id_choice.add_class("sbf-export-ids")
        self.export_menu = self._menu("sbf-export-menu", [
            w.Label("证件号码："), self.id_choice,
            button("选中职工", self.export_selected, css="sbf-export-selected"),
            button("所有职工", self.export_all, css="sbf-export-all"),
            text_html("选中职工：导出列表中勾选（☑）的数据；所有职工：导出列表中的全部数据", "sbf-hint"),
        ])
        other = "item" if self.way == "employee" else "employee"
        self.switch_button = button(WAY_TEXT[other], self.switch_way, css="sbf-wage-switch")
        toolbar = w.HBox([
            button("添加", self.toggle_add, primary=True, css="sbf-wage-add"),
            button("批量修改", self.open_batch_change, css="sbf-wage-batch"),
            button("删除", self.delete_selected, css="sbf-wage-delete"),
            button("导出", self.toggle_export, css="sbf-export"),
            button("提交申报", self.submit_selected, primary=True, css="sbf-wage-submit"),
            w.HTML("<span class='sbf-spacer'></span>", layout=w.Layout(flex="1 1 auto")),
            self.switch_button,
        ])
        toolbar.add_class("sbf-toolbar")
        toolbar.add_class("sbf-wrap")
        toolbar.add_class("sbf-wage-toolbar")
        self.hint = text_html("双击列表中的“新缴费工资”" + ("或“生效年月”" if self.kind == "daily" else "")
                              + "可直接修改", "sbf-tip")

        columns = {k: v for k, v in self.draft.columns.items() if k not in HIDDEN}
        self.editable_keys = [k for k in self.draft.editable if k in columns]
        formatters = {k: plain_money_text for k in MONEY_KEYS if k in columns}
        self.table = TickTable(self._fetch, columns, table_key=f"wages_{self.kind}_{self.way}",
                               settings=ui.wb.settings, id_column="row_id", height="420px",
                               formatters=formatters, default_widths=_by_label(WIDTHS, columns, 52),
                               min_widths=_by_label(MIN_WIDTHS, columns, 48))
        self.table.grid.editable = True
        self.table.grid.on_cell_change(self._on_cell_change)
        self.form.grid.layout.grid_template_columns = "repeat(auto-fill, minmax(280px, 1fr))"
        parts = [self.form, toolbar, self.add_menu, self.export_menu, self.hint, self.table]
        for part in parts:
            part.layout.flex = "0 0 auto"
        card = w.VBox(parts)
        card.add_class("sbf-card")
        super().__init__(ui, [card], css="sbf-wage-page", show_title=True)
        self.add_class(f"sbf-wage-{self.kind}-{self.way}")
        self.query()

    @staticmethod
    def _menu(css: str, items: list[w.Widget]) -> w.HBox:
        box = w.HBox(items, layout=w.Layout(display="none"))
        box.add_class(css)
        box.add_class("sbf-wrap")
        box.add_class("sbf-drop-menu")
        return box

    # ---- query ------------------------------------------------------------------------------
    def filters(self) -> Any:
        values: dict[str, Any] = {
            "name": self.name.value.strip(),
            "id_number": self.id_number.value.strip(),
            "status": "" if self.status.value == ALL else self.status.value,
            "item_code": (self.item.value or "") if self.item is not None else "",
        }
        known = {f.name for f in dataclasses.fields(WageDraftFilter)}
        return WageDraftFilter(**{k: v for k, v in values.items() if k in known})

    def _fetch(self, page: int, size: int) -> tuple[pd.DataFrame, int]:
        return self.draft.query(self.filters(), page=page, page_size=size)

    def query(self) -> None:
        self.ui.call(self.table.refresh, 1)

    def refresh(self) -> None:
        self.ui.call(self.table.refresh)

    def on_show(self) -> None:
        self.refresh()

    def added(self, message: str | None) -> None:
        """After rows were added: back to the first page, and the message if any."""
        self.query()
        if message:
            self.ui.message(message)

    # ---- menus -------------------------------------------------------------------------------
    def toggle_add(self) -> None:
        self.export_menu.layout.display = "none"
        self.add_menu.layout.display = "none" if self.add_menu.layout.display != "none" else "flex"

    def toggle_export(self) -> None:
        self.add_menu.layout.display = "none"
        self.export_menu.layout.display = "none" if self.export_menu.layout.display != "none" else "flex"

    def _close_menus(self) -> None:
        self.add_menu.layout.display = "none"
        self.export_menu.layout.display = "none"

    def switch_way(self) -> None:
        other: Way = "item" if self.way == "employee" else "employee"
        self.ui.navigate(MENU_OF[(self.kind, other)])

    # ---- 添加 --------------------------------------------------------------------------------
    def open_single(self) -> None:
        self._close_menus()
        self.single_dialog = SingleEntryDialog(self)
        self.ui.dialogs.show(self.single_dialog)

    def open_import(self) -> None:
        self._close_menus()
        self.import_dialog = ImportDialog(self)
        self.ui.dialogs.show(self.import_dialog)

    def open_add_all(self) -> None:
        self._close_menus()
        self.adjust_dialog = AdjustDialog(
            self, "添加全部正常缴费职工",
            lambda _c, adj, month: self._add(self.draft.add_all_normal, adj, month),
            with_month=self.kind == "daily", css="sbf-add-all-dialog")
        self.ui.dialogs.show(self.adjust_dialog)

    def open_add_by_unit_number(self) -> None:
        self._close_menus()
        ok, numbers = self.ui.call(self.draft.unit_numbers)
        if not ok:
            return
        self.adjust_dialog = AdjustDialog(
            self, "按单位编号添加缴费职工",
            lambda number, adj, month: self._add(self.draft.add_by_unit_number, adj, month, number),
            choice_label="单位编号", choices=[(str(n), str(n)) for n in numbers or []],
            with_month=self.kind == "daily", css="sbf-add-unit-number-dialog")
        self.ui.dialogs.show(self.adjust_dialog)

    def open_add_by_group(self) -> None:
        self._close_menus()
        ok, groups = self.ui.call(self.ui.wb.employer.groups.list)
        if not ok:
            return
        choices = [(str(p), int(g)) for g, p in zip(groups["group_id"], groups["path"], strict=False)]
        if not choices:
            self.ui.error("本单位还没有分组，请先在职工参保信息更新页面的【分组管理】中新建分组")
            return
        self.adjust_dialog = AdjustDialog(
            self, "按分组添加缴费职工",
            lambda group, adj, month: self._add(self.draft.add_by_group, adj, month, group),
            choice_label="分组", choices=choices, with_month=self.kind == "daily", css="sbf-add-group-dialog")
        self.ui.dialogs.show(self.adjust_dialog)

    def _add(self, fn: Callable[..., Any], adjust: Any, month: str | None, *first: Any) -> bool:
        """Adds run off the kernel's thread (a large unit takes a moment); the dialog closes at once."""
        self.run_call(fn, *first, adjust, month, on_done=lambda r: self.added(text_of(getattr(r, "message", ""))
                                                                                or f"已添加{r.added}条"),
                      title="添加", label="正在添加，请稍候……")
        return True

    # ---- in-row edit -------------------------------------------------------------------------
    def _key_of(self, label: str) -> str | None:
        for k, v in self.table.columns.items():
            if v == label:
                return k
        return None

    def _on_cell_change(self, event: dict[str, Any]) -> None:
        if self._reverting:
            return
        key = self._key_of(str(event.get("column")))
        row = event.get("row")
        if not isinstance(row, int) or not 0 <= row < len(self.table.frame):
            return
        if key is None:  # 序号, the tick box: a typed value is put back (a tick set here is ☐ / ☑)
            if text_of(event.get("value")) not in (TICKED, UNTICKED):
                self.table._redraw()
            return
        if key not in self.editable_keys:
            self._revert(row, str(event.get("column")))
            return
        self.edit_cell(row, key, text_of(event.get("value")))

    def edit_cell(self, row: int, key: str, text: str) -> None:
        """A value typed into the row: 新缴费工资 or 生效年月 (which may ask to confirm 补缴)."""
        rec = self.table.frame.iloc[row]
        row_id = rec["row_id"]
        old = text_of(rec.get(key))
        if text.strip() == (plain_money_text(old) if key in MONEY_KEYS else old):
            return
        try:
            if key == "new_wage":
                wage = parse_wage(text)
                self._save_edit(row, key, row_id, wage=wage)
                return
            month = parse_month(text)
        except ValidationError as exc:
            self._revert(row, self.table.columns[key])
            self.ui.error(exc)
            return
        ok, _check = self.ui.call(self.draft.check_month, rec.get("employee_id"), month)
        if not ok:
            self._revert(row, self.table.columns[key])
            return
        if month < current_month():
            self.ui.confirm(back_pay_text(month), lambda: self._save_edit(row, key, row_id, month=month),
                            lambda: self._revert(row, self.table.columns[key]), yes="确定", no="取消")
        else:
            self._save_edit(row, key, row_id, month=month)

    def _save_edit(self, row: int, key: str, row_id: Any, *, wage: Decimal | None = None,
                   month: str | None = None) -> None:
        ok, _ = self.ui.call(self.draft.edit, row_id, wage=wage, month=month)
        label = self.table.columns[key]
        if not ok:
            self._revert(row, label)
            return
        value: Any = wage if wage is not None else month
        self.table.frame.at[row, key] = value
        self._set_cell(row, label, plain_money_text(value) if key in MONEY_KEYS else text_of(value))

    def _revert(self, row: int, label: str) -> None:
        key = self._key_of(label)
        if key is None:
            self.table._redraw()
            return
        value = self.table.frame.iloc[row].get(key)
        self._set_cell(row, label, plain_money_text(value) if key in MONEY_KEYS else text_of(value))

    def _set_cell(self, row: int, label: str, text: str) -> None:
        self._reverting = True
        try:
            self.table.grid.set_cell_value_by_index(label, row, text)
        finally:
            self._reverting = False

    # ---- 批量修改 / 删除 -------------------------------------------------------------------------
    def _ticked(self, what: str) -> list[Any]:
        ids = list(self.table.selected_ids())
        if not ids:
            self.ui.error(f"请先勾选需要{what}的数据行（列表左侧的方框）")
        return ids

    def open_batch_change(self) -> None:
        self._close_menus()
        ids = self._ticked("批量修改")
        if not ids:
            return

        def change(_choice: Any, adjust: Any, _month: str | None) -> bool:
            ok, n = self.ui.call(self.draft.batch_change, ids, adjust)
            if ok:
                self.refresh()
                self.ui.message(f"已修改{n}条数据的新缴费工资")
            return bool(ok)

        self.adjust_dialog = AdjustDialog(self, "批量修改", change, css="sbf-batch-dialog")
        self.ui.dialogs.show(self.adjust_dialog)

    def delete_selected(self) -> None:
        self._close_menus()
        ids = self._ticked("删除")
        if not ids:
            return

        def yes() -> None:
            ok, n = self.ui.call(self.draft.delete, ids)
            if ok:
                self.refresh()
                self.ui.message(f"已删除{n}条数据")

        self.ui.confirm(f"确定删除选中的{len(ids)}条数据吗？", yes, yes="确定", no="取消")

    # ---- 导出 --------------------------------------------------------------------------------
    def export_selected(self) -> None:
        ids = list(self.table.selected_ids())
        if not ids:
            self.ui.error("请先勾选需要导出的职工（列表左侧的方框）")
            return
        self._export(ids)

    def export_all(self) -> None:
        self._export(None)

    def _export(self, ids: list[Any] | None) -> None:
        self.export_menu.layout.display = "none"
        masked = self.id_choice.value != FULL
        name = f"{self.title}_{dt.datetime.now():%Y%m%d%H%M%S}.xlsx"
        self.run_call(self.draft.export, ids, masked=masked, on_done=lambda data: self.ui.save(data, name),
                      title="导出", label="正在导出，请稍候……")

    # ---- 提交申报 ------------------------------------------------------------------------------
    def submit_selected(self) -> None:
        self._close_menus()
        ids = self._ticked("提交申报")
        if not ids:
            return
        self.ui.confirm(f"确定提交选中的{len(ids)}条数据吗？", lambda: self.submit(ids), yes="确定", no="取消")

    def submit(self, ids: list[Any]) -> None:
        self.run_call(self.draft.submit, ids, on_done=self._submitted, title="提交申报",
                      label="正在提交申报，请稍候……")

    def _submitted(self, receipt: Any) -> None:
        self.refresh()
        try:
            seconds = int(self.ui.wb.employer.wage_records.feedback_wait_s)
        except (AttributeError, TypeError, ValueError):
            seconds = 20
        filing_id = str(getattr(receipt, "filing_id", ""))
        if seconds <= 0:
            self.open_records(filing_id)
            return
        text = text_of(getattr(receipt, "message", "")) or "已提交申报，请等待反馈"
        self.countdown = CountdownDialog(text, seconds, lambda: self.open_records(filing_id),
                                         sync=self.ui.tasks.sync)
        self.ui.dialogs.show(self.countdown)

    def open_records(self, filing_id: str) -> None:
        """缴费工资申报记录, then 获取反馈 there (manual 2.3.2 七)."""
        navigate: Callable[[str], Any] = self.ui.navigate
        opened = navigate(RECORDS_MENU)
        fetch = getattr(opened, "fetch_feedback", None)
        if callable(fetch):
            fetch(filing_id)


class DailyByEmployeePage(WageFilingPage):
    menu_id = "EMP-3"
    title = "日常缴费工资申报-按职工申报缴费工资"
    kind = "daily"
    way = "employee"


class DailyByItemPage(WageFilingPage):
    menu_id = "EMP-4"
    title = "日常缴费工资申报-按险种申报缴费工资"
    kind = "daily"
    way = "item"


class AnnualByEmployeePage(WageFilingPage):
    menu_id = "EMP-5"
    title = "年度缴费工资申报-按职工申报缴费工资"
    kind = "annual"
    way = "employee"


class AnnualByItemPage(WageFilingPage):
    menu_id = "EMP-6"
    title = "年度缴费工资申报-按险种申报缴费工资"
    kind = "annual"
    way = "item"


def _by_label(widths: dict[str, int], columns: dict[str, str], seq: int) -> dict[str, int]:
    """Widths by key → by the label the grid shows (序号 included)."""
    return {"序号": seq, **{columns[k]: v for k, v in widths.items() if k in columns}}
