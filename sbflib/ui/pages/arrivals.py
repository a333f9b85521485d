"""社保费到账信息查询 (manual 2.22): whether the fees paid have reached the fund. Entering the page
fetches the 到账日期 range of the form from the bureau (manual 2.22 二: "进入此页面，系统将自动从管理
子系统查询单位社保费到账数据"), as 更新 does; 查询 / 重置 filter what is held (重置 puts the form back to the
last year up to today); 导出 saves every row of the query as .xlsx. Beside 更新: how many rows match
and what they add up to.

Columns: 序号, 到账日期, 应征凭证序号, 征收项目, 缴费对象, 费款所属期 (起至止), 实缴金额, 滞纳金, 到账金额
(实缴金额 + 滞纳金), 缴费渠道, 到账状态; the export has every column (缴款日期, 单位编号, 社保经办机构, 征收品目,
主管税务机关 too).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ipywidgets as w

from sbflib.employer.arrivals import CHANNELS, ArrivalFilter
from sbflib.ui.components.cells import date_text, money_text
from sbflib.ui.components.html import escape
from sbflib.ui.context import Ui
from sbflib.ui.pages.roster import DateRange
from sbflib.ui.stored_list_page import StoredListPage

ALL = "全部"
COLUMNS = {
    "arrived_on": "到账日期", "voucher_no": "应征凭证序号", "item_name": "征收项目", "payer": "缴费对象",
    "period_range": "费款所属期", "amount": "实缴金额", "late_fee": "滞纳金", "total": "到账金额", "channel": "缴费渠道",
    "status": "到账状态",
}
# What fits at 1366 px: the date, the 20-digit voucher number and the figures stay whole; item names
# and channels give way first. 缴款日期, 单位编号, 社保经办机构, 征收品目 and 主管税务机关 are in the export.
WIDTHS = {"序号": 44, "到账日期": 96, "应征凭证序号": 176, "征收项目": 112, "缴费对象": 84, "费款所属期": 132,
          "实缴金额": 100, "滞纳金": 78, "到账金额": 100, "缴费渠道": 92, "到账状态": 84}
MIN_WIDTHS = {"序号": 44, "到账日期": 96, "应征凭证序号": 172, "征收项目": 92, "缴费对象": 84, "费款所属期": 132,
              "实缴金额": 90, "滞纳金": 76, "到账金额": 90, "缴费渠道": 76, "到账状态": 84}


def _day(value: object) -> dt.date | None:
    return value if isinstance(value, dt.date) else None


class ArrivalsPage(StoredListPage):
    menu_id = "EMP-22"
    title = "社保费到账信息查询"
    export_name = "社保费到账信息"
    fetching_label = "正在获取社保费到账信息，请稍候……"

    def __init__(self, ui: Ui) -> None:
        service = ui.wb.employer.arrivals
        default = service.reset()
        self.arrived = DateRange()
        self.arrived.value = (_day(default.arrived_from), _day(default.arrived_to))
        self.item = w.Text(placeholder="支持模糊查询，如：养老")
        self.item.add_class("sbf-q-item")
        self.voucher = w.Text(placeholder="支持模糊查询")
        self.voucher.add_class("sbf-q-voucher")
        self.channel = w.Dropdown(options=[ALL, *CHANNELS], value=ALL)
        self.channel.add_class("sbf-q-channel")
        self.period = w.Text(placeholder="年-月，如2026-01")
        self.period.add_class("sbf-q-period")
        self.totals_line = w.HTML("")
        self.totals_line.add_class("sbf-arrivals-totals")
        self.totals_line.add_class("sbf-hint")
        self.synced = False
        fields = [("到账日期", self.arrived), ("征收项目", self.item), ("凭证序号", self.voucher),
                  ("缴费渠道", self.channel), ("所属期", self.period)]
        super().__init__(ui, service, COLUMNS, fields, table_key="arrivals", css="sbf-arrivals-page",
                         formatters={"arrived_on": date_text, "amount": money_text,
                                     "late_fee": money_text, "total": money_text},
                         widths=WIDTHS, min_widths=MIN_WIDTHS)
        self.update_button.add_class("sbf-arrivals-update")
        self.export_button.add_class("sbf-arrivals-export")
        card = self.children[-1]
        toolbar = card.children[1]  # [form, toolbar, table]: the totals beside 已于…更新, above the list
        toolbar.children = (*toolbar.children, self.totals_line)

    # ---- list --------------------------------------------------------------------------------
    def filters(self) -> ArrivalFilter:
        start, end = self.arrived.value
        return ArrivalFilter(
            arrived_from=start, arrived_to=end,
            item_name=(self.item.value or "").strip(), voucher_no=(self.voucher.value or "").strip(),
            channel="" if self.channel.value == ALL else str(self.channel.value),
            period=(self.period.value or "").strip(),
        )

    def query(self) -> None:
        ok, _ = self.ui.call(self.table.refresh, 1)
        if not ok:
            self.totals_line.value = ""
            return
        ok, totals = self.ui.call(self.service.totals, self.filters())
        self.totals_line.value = escape(totals.text) if ok and totals is not None else ""

    def load(self) -> None:
        """Entering the page (and each visit) fetches the form's 到账日期 range (manual 2.22 二)."""
        self.update()

    # ---- 更新 ----------------------------------------------------------------------------------
    def update(self) -> None:
        start, end = self.arrived.value
        self.run_call(self.service.sync, start, end, on_done=self._updated, title="更新",
                      label=self.fetching_label)

    def _updated(self, held: Any) -> None:
        self.synced = True
        super()._updated(held)
