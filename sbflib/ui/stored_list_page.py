"""The shape of a query menu over a list the bureau sends and the client keeps (单位参保信息,
工程项目参保信息 …): load the held list on show (fetch when never fetched), 更新, 查询/重置, 导出."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ipywidgets as w
import pandas as pd

from sbflib.domain import clock
from sbflib.ui.components.html import escape
from sbflib.ui.components.query_form import QueryForm
from sbflib.ui.components.tick_table import TickTable
from sbflib.ui.context import Ui, button
from sbflib.ui.page import Page


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
