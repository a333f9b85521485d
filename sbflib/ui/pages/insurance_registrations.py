"""单位参保信息查询 (manual 2.19): the unit's insured items per unit number as last fetched from the
bureau. Shows the held list; fetches from the bureau when nothing was fetched yet and on 更新 (both
through `run_call`); query form with 查询/重置/收起, 导出 (.xlsx of the list as filtered). A 征收子目 the
bureau does not give stays blank (the manual: then the rule file is at fault, not the client).

`StoredListPage` is the shape shared with 工程项目参保信息查询 (`pages/projects.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ipywidgets as w
import pandas as pd

from sbflib.domain import clock
from sbflib.employer.registrations import INSURANCE_COLUMNS, InsuranceFilter
from sbflib.ui.components.cells import rate_text
from sbflib.ui.components.html import escape
from sbflib.ui.components.query_form import QueryForm
from sbflib.ui.components.tick_table import TickTable
from sbflib.ui.context import Ui, button
from sbflib.ui.page import Page

ALL = "全部"


class StoredListPage(Page):
    """A list kept in the store and fetched from the bureau: load on show (fetch when never fetched),
    更新, 查询/重置, 导出. Subclasses give the service, the form fields and `filters()`."""

    export_name = ""
    fetching_label = "正在从税务局获取最新信息，请稍候……"
    tip = ""

    def __init__(self, ui: Ui, service: Any, columns: dict[str, str], fields: Sequence[tuple[str, w.Widget]], *,
                 table_key: str, css: str, formatters: dict[str, Any] | None = None,
                 widths: dict[str, int] | None = None, min_widths: dict[str, int] | None = None,
                 height: str = "440px") -> None:
        self.ui = ui
        self.service = service
        self.form = QueryForm(fields, on_query=self.query)
        self.update_button = button("更新", self.update, primary=True, css="sbf-list-update")
        self.export_button = button("导出", self.export, css="sbf-list-export")
        self.fetched_note = w.HTML("")
        self.fetched_note.add_class("sbf-hint")
        parts: list[w.Widget] = [self.update_button, self.export_button, self.fetched_note]
        toolbar = w.HBox(parts)
        toolbar.add_class("sbf-toolbar")
        toolbar.add_class("sbf-wrap")
        self.table = TickTable(self._fetch, columns, table_key=table_key, settings=ui.wb.settings, height=height,
                               formatters=formatters or {}, default_widths=widths, min_widths=min_widths,
                               ticks=False)
        for part in (self.form, toolbar, self.table):
            part.layout.flex = "0 0 auto"
        card = w.VBox([self.form, toolbar, self.table])
        card.add_class("sbf-card")
        super().__init__(ui, [card], css=css, show_title=True)
        self.load()

    # ---- list --------------------------------------------------------------------------------
    def filters(self) -> Any:
        raise NotImplementedError

    def _fetch(self, page: int, size: int) -> tuple[pd.DataFrame, int]:
        return self.service.query(self.filters(), page=page, page_size=size)  # type: ignore[no-any-return]

    def query(self) -> None:
        self.ui.call(self.table.refresh, 1)

    def on_show(self) -> None:
        self.load()

    def load(self) -> None:
        """The held list; when nothing was ever fetched for this unit, fetch it from the bureau."""
        ok, fetched = self.ui.call(self.service.fetched)
        if not ok:
            return
        if fetched:
            self.after_load()
            self.query()
        else:
            self.update()

    def after_load(self) -> None:
        """Refresh what depends on the held list (e.g. a form's choices)."""

    # ---- 更新 / 导出 ------------------------------------------------------------------------------
    def update(self) -> None:
        self.run_call(self.service.update, on_done=self._updated, title="更新", label=self.fetching_label)

    def _updated(self, held: Any) -> None:
        self.fetched_note.value = escape(f"已于{clock.now():%Y-%m-%d %H:%M}更新，共{int(held or 0)}条。")
        self.after_load()
        self.query()

    def export(self) -> None:
        name = f"{self.export_name}{clock.now():%Y%m%d%H%M%S}.xlsx"
        self.run_call(self.service.export, self.filters(), title="导出", label="正在导出，请稍候……",
                      on_done=lambda data: self.ui.save(data, name))


# Short columns keep their width (default = minimum, the header stays readable); the long texts
# (机构, 税务机关, 项目, 品目, 子目) give way first so the row fits at 1366 px.
INSURANCE_WIDTHS = {"序号": 56, "单位编号": 116, "社保经办机构": 200, "主管税务机关": 220, "征收项目": 130,
                    "征收品目": 170, "征收子目": 100, "征收方式": 84, "参保起始年月": 110, "缴费人数": 84,
                    "单位费率": 84, "个人费率": 84, "参保状态": 84}
INSURANCE_MIN_WIDTHS = {"序号": 56, "单位编号": 116, "社保经办机构": 60, "主管税务机关": 60, "征收项目": 70,
                        "征收品目": 70, "征收子目": 60, "征收方式": 84, "参保起始年月": 110, "缴费人数": 84,
                        "单位费率": 84, "个人费率": 84, "参保状态": 84}


class InsuranceRegistrationsPage(StoredListPage):
    menu_id = "EMP-19"
    title = "单位参保信息查询"
    export_name = "单位参保信息"
    fetching_label = "正在从税务局获取单位参保信息，请稍候……"

    def __init__(self, ui: Ui) -> None:
        self.unit_number = w.Text(placeholder="支持模糊查询")
        self.unit_number.add_class("sbf-q-unit-number")
        self.item_name = w.Text(placeholder="支持模糊查询")
        self.item_name.add_class("sbf-q-item")
        self.mode = w.Dropdown(options=[ALL], value=ALL)
        self.mode.add_class("sbf-q-mode")
        self.status = w.Dropdown(options=[ALL, "正常参保", "暂停缴费"], value=ALL)
        self.status.add_class("sbf-q-status")
        fields = [("单位编号", self.unit_number), ("征收项目", self.item_name), ("征收方式", self.mode),
                  ("参保状态", self.status)]
        super().__init__(ui, ui.wb.employer.insurance_registrations, dict(INSURANCE_COLUMNS), fields,
                         table_key="insurance_registrations", css="sbf-insurance-registrations-page",
                         formatters={"unit_rate": rate_text, "personal_rate": rate_text},
                         widths=INSURANCE_WIDTHS, min_widths=INSURANCE_MIN_WIDTHS, height="390px")

    def after_load(self) -> None:
        ok, modes = self.ui.call(self.service.collection_modes)
        if ok and modes is not None:
            current = self.mode.value
            self.mode.options = [ALL, *modes]
            self.mode.value = current if current in self.mode.options else ALL

    def filters(self) -> InsuranceFilter:
        def chosen(box: w.Dropdown) -> str:
            return "" if box.value == ALL else str(box.value)

        return InsuranceFilter(unit_number=self.unit_number.value.strip(), item_name=self.item_name.value.strip(),
                               collection_mode=chosen(self.mode), status=chosen(self.status))
