"""社保费应缴信息查询 (manual 2.21): on entering, the page fetches the unit's payables from the bureau
(同步, through `run_call`) and lists them: 序号, 申报生成日期, 申报处理状态 (初始 / 申报中 / 申报成功 /
销账 / 已生成待批扣清册), 数据来源, 申报类型, 单位编号, 征收项目, 缴费对象, 申报人数, 缴费基数合计, 费率,
应缴金额, 应缴所属期起止. 查询 / 重置 filter what is held; 同步 fetches the 申报生成日期 range of the
form again; 导出 saves every row of the query as .xlsx.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ipywidgets as w
import pandas as pd

from sbflib.employer.payables import STATUSES, PayableFilter
from sbflib.ui.components.cells import date_text, money_text, percent_text
from sbflib.ui.components.html import text_html
from sbflib.ui.components.query_form import QueryForm
from sbflib.ui.components.tick_table import TickTable
from sbflib.ui.context import Ui, button
from sbflib.ui.page import Page
from sbflib.ui.pages.roster import DateRange

ALL = "全部"
COLUMNS = {
    "created_on": "申报生成日期", "status": "申报处理状态", "source_name": "数据来源", "kind": "申报类型",
    "unit_number": "单位编号", "item_name": "征收项目", "payer": "缴费对象", "headcount": "申报人数",
    "base_total": "缴费基数合计", "rate": "费率", "amount": "应缴金额", "period_range": "应缴所属起止",
}
WIDTHS = {"序号": 48, "申报生成日期": 100, "申报处理状态": 100, "数据来源": 96, "申报类型": 90, "单位编号": 72,
          "征收项目": 110, "缴费对象": 80, "申报人数": 80, "缴费基数合计": 112, "费率": 56, "应缴金额": 96,
          "应缴所属起止": 150}
MIN_WIDTHS = {"序号": 44, "申报生成日期": 92, "申报处理状态": 80, "数据来源": 64, "申报类型": 56, "单位编号": 44,
              "征收项目": 72, "缴费对象": 56, "申报人数": 56, "缴费基数合计": 96, "费率": 48, "应缴金额": 80,
              "应缴所属起止": 136}


class PayablesPage(Page):
    menu_id = "EMP-21"
    title = "社保费应缴信息查询"

    def __init__(self, ui: Ui) -> None:
        self.ui = ui
        self.payables = ui.wb.employer.payables
        self.created = DateRange()
        self.status = w.Dropdown(options=[ALL, *STATUSES], value=ALL)
        self.status.add_class("sbf-q-status")
        self.source = w.Dropdown(options=[ALL], value=ALL)
        self.source.add_class("sbf-q-source")
        self.item = w.Text(placeholder="如：养老")
        self.item.add_class("sbf-q-item")
        self.period = w.Text(placeholder="年-月，如2026-01")
        self.period.add_class("sbf-q-period")
        # labels of at most five characters fit the form's label column (申报生成日期 → 生成日期)
        self.form = QueryForm([("生成日期", self.created), ("处理状态", self.status), ("数据来源", self.source),
                               ("征收项目", self.item), ("所属期间", self.period)], on_query=self.query)
        self.form.grid.layout.grid_template_columns = "repeat(auto-fill, minmax(300px, 1fr))"
        self.sync_button = button("同步", self.sync, primary=True, css="sbf-payables-sync")
        self.export_button = button("导出", self.export, css="sbf-payables-export")
        toolbar = w.HBox([self.sync_button, self.export_button,
                          text_html("【同步】从税务局获取申报生成日期范围内的最新应缴信息", "sbf-hint")])
        toolbar.add_class("sbf-toolbar")
        toolbar.add_class("sbf-wrap")
        self.table = TickTable(self._fetch, COLUMNS, table_key="payables", settings=ui.wb.settings,
                               id_column="payable_id", height="440px", ticks=False,
                               formatters={"created_on": date_text, "base_total": money_text, "amount": money_text,
                                           "rate": percent_text},
                               default_widths=WIDTHS, min_widths=MIN_WIDTHS)
        for part in (self.form, toolbar, self.table):
            part.layout.flex = "0 0 auto"
        card = w.VBox([self.form, toolbar, self.table])
        card.add_class("sbf-card")
        super().__init__(ui, [card], css="sbf-payables-page", show_title=True)
        self.synced = False
        self.sync()  # entering the page fetches from the bureau (manual 2.21 二)

    # ---- list --------------------------------------------------------------------------------
    def filters(self) -> PayableFilter:
        start, end = self.created.value
        return PayableFilter(
            created_from=start, created_to=end,
            status="" if self.status.value == ALL else str(self.status.value),
            source_name="" if self.source.value == ALL else str(self.source.value),
            item_name=self.item.value or "", period=self.period.value or "",
        )

    def _fetch(self, page: int, size: int) -> tuple[pd.DataFrame, int]:
        return self.payables.query(self.filters(), page=page, page_size=size)

    def query(self) -> None:
        self.ui.call(self.table.refresh, 1)

    def on_show(self) -> None:
        """Each visit fetches from the bureau again (manual 2.21 二)."""
        self.sync()

    # ---- 同步 ----------------------------------------------------------------------------------
    def sync(self) -> None:
        start, end = self.created.value
        self.run_call(self.payables.sync, start, end, on_done=self._synced, title="同步",
                      label="正在获取社保费应缴信息，请稍候……")

    def _synced(self, _count: Any) -> None:
        self.synced = True
        ok, sources = self.ui.call(self.payables.sources)
        if ok and sources is not None:
            current = self.source.value
            self.source.options = [ALL, *sources]
            self.source.value = current if current in self.source.options else ALL
        self.query()

    # ---- 导出 ----------------------------------------------------------------------------------
    def export(self) -> None:
        name = f"社保费应缴信息_{dt.datetime.now():%Y%m%d%H%M%S}.xlsx"
        self.run_call(self.payables.export, self.filters(), on_done=lambda data: self.ui.save(data, name),
                      title="导出", label="正在导出，请稍候……")
