"""统计分析 (beyond the manual): five chart pages over what the client keeps (应缴信息, 申报记录, 缴费记录,
到账信息, 职工参保信息): 月度费款, 申报缴费到账核对, 欠费账龄, 参保人数变动, 缴费基数分布.

Each page: 更新数据 (fetches 应缴信息, 到账信息, 申报记录, 缴费记录 and the rule files, as the query pages'
同步 do; the charts read only what the client keeps), filters 所属期起 / 所属期止 / 单位编号 / 征收项目 (a change redraws the chart in place, in the
background: the Image widget gets the new PNG, the table below it the new rows, no reload), the chart
(matplotlib, titled and labelled in Chinese with the shipped font), its data table, 下载图片 (.png) and
导出数据 (.xlsx). The figures are `wb.employer.statistics` (`sbflib.employer.statistics`).
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any, ClassVar

import ipywidgets as w
import pandas as pd

from sbflib.domain import clock
from sbflib.domain.months import is_month
from sbflib.employer.statistics import CHARTS, COLUMNS, StatsFilter
from sbflib.ui.components.cells import money_text, text_of
from sbflib.ui.components.html import table_html, text_html
from sbflib.ui.context import Ui, button, field
from sbflib.ui.page import Page

ALL = "全部"
HINTS = {
    "fees": "按费款所属期统计本机保存的社保费应缴信息，分征收项目和缴费对象（单位、个人）。",
    "reconciliation": "应缴取自应缴信息，申报取自申报成功的申报记录，缴费取自缴费成功的缴费记录，到账取自到账信息。",
    "arrears": "申报成功尚未缴费的应缴信息，按今天超过缴费期限的天数分组，滞纳金按今天缴费计算。",
    "headcount": "按职工参保信息统计各单位编号每月新增参保和停止缴费的人数，以及月末参保人数。",
    "bases": "统计月份（默认本月）正常缴费职工的缴费基数，与规则文件中该月的缴费基数下限、上限比较。",
}


def _cell(value: Any) -> str:
    if isinstance(value, Decimal):
        return money_text(value)
    return text_of(value)


class StatisticsPage(Page):
    """One chart: filters, the chart, its data, 下载图片 and 导出数据."""

    chart: ClassVar[str] = ""

    def __init__(self, ui: Ui) -> None:
        self.ui = ui
        self.service = ui.wb.employer.statistics
        default = StatsFilter(month_from="", month_to="")
        this = clock.current_month()
        start = self.service.default_filter().month_from if self.chart != "bases" else ""
        self.month_from = w.Text(value=start, placeholder="年-月，如2026-01",
                                 continuous_update=False, layout=w.Layout(width="100px"))
        self.month_from.add_class("sbf-stat-from")
        self.month_to = w.Text(value=this, placeholder="年-月，如2026-11", continuous_update=False,
                               layout=w.Layout(width="100px"))
        self.month_to.add_class("sbf-stat-to")
        self.unit_number = w.Dropdown(options=[ALL], value=ALL, layout=w.Layout(width="140px"))
        self.unit_number.add_class("sbf-stat-unit")
        self.item = w.Dropdown(options=[(ALL, "")], value="", layout=w.Layout(width="150px"))
        self.item.add_class("sbf-stat-item")
        self.update_button = button("更新数据", self.update_sources, primary=True, css="sbf-stat-update")
        self.png_button = button("下载图片", self.save_png, css="sbf-stat-png")
        self.xlsx_button = button("导出数据", self.save_xlsx, css="sbf-stat-xlsx")
        parts = [field("所属期起", self.month_from, width="72px"), field("所属期止", self.month_to, width="72px")]
        if self.chart == "bases":  # one month: the bases and limits in force then
            parts = [field("统计月份", self.month_to, width="72px")]
        parts += [field("单位编号", self.unit_number, width="72px"), field("征收项目", self.item, width="72px")]
        form = w.HBox([*parts, self.update_button, self.png_button, self.xlsx_button])
        form.add_class("sbf-toolbar")
        form.add_class("sbf-wrap")
        self.hint = text_html(HINTS.get(self.chart, ""), "sbf-hint")
        self.status = text_html("", "sbf-stat-status")
        self.image = w.Image(format="png", layout=w.Layout(width="100%", max_width="920px", height="auto"))
        self.image.add_class("sbf-stat-chart")
        self.table = w.HTML("")
        self.table.add_class("sbf-stat-table")
        table_box = w.Box([self.table], layout=w.Layout(overflow="auto", max_height="260px", width="100%"))
        card = w.VBox([form, self.hint, self.status, self.image, table_box])
        card.add_class("sbf-card")
        super().__init__(ui, [card], css=f"sbf-stat-{self.chart}", show_title=True)
        self.add_class("sbf-stat-page")
        self.filters_shown = default
        self.data: pd.DataFrame | None = None
        self.figure: Any = None
        self.png: bytes = b""
        self.draws = 0
        self._again = False
        self._choices_loaded = False
        for widget in (self.month_from, self.month_to, self.unit_number, self.item):
            widget.observe(self._changed, names="value")
        self.redraw()

    def on_show(self) -> None:
        self.redraw()

    # ---- filters ------------------------------------------------------------------------------------
    def _load_choices(self) -> None:
        ok, choices = self.ui.call(self.service.choices)
        if not ok:
            return
        self._choices_loaded = True
        self.unit_number.options = [ALL, *choices.unit_numbers]
        self.item.options = [(ALL, ""), *[(f"{name}", code) for code, name in choices.items.items()]]

    def filters(self) -> StatsFilter | None:
        start = self.month_from.value.strip() if self.chart != "bases" else ""
        end = self.month_to.value.strip()
        for value, label in ((start, "所属期起"), (end, "所属期止")):
            if value and not is_month(value):
                self.status.value = f"<span class='sbf-error'>{label}应为“年-月”，如{clock.current_month()}</span>"
                return None
        if start and end and start > end:
            self.status.value = "<span class='sbf-error'>所属期起不能晚于所属期止</span>"
            return None
        unit = self.unit_number.value if self.unit_number.value != ALL else ""
        return StatsFilter(month_from=start, month_to=end, unit_number=unit or "", item_code=self.item.value or "")

    def _changed(self, _change: Any) -> None:
        self.redraw()

    # ---- drawing ------------------------------------------------------------------------------------
    def _compute(self, f: StatsFilter) -> tuple[StatsFilter, pd.DataFrame, Any, bytes]:
        data = self.service.chart(self.chart, f)
        fig = self.service.figure(self.chart, data, f)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=100)
        return f, data, fig, buffer.getvalue()

    def redraw(self) -> None:
        """Compute the chart for the filters shown and put it in place (in the background)."""
        if not self._choices_loaded:
            self._load_choices()
        f = self.filters()
        if f is None:
            return
        if self.busy:
            self._again = True
            return
        self.status.value = "正在统计……"
        self.run_call(self._compute, f, on_done=self._drawn, on_error=self._failed, label="正在统计，请稍候……",
                      title=CHARTS[self.chart])

    def _drawn(self, result: tuple[StatsFilter, pd.DataFrame, Any, bytes]) -> None:
        f, data, fig, png = result
        self.filters_shown, self.data, self.figure, self.png = f, data, fig, png
        self.image.value = png
        shown = data[list(COLUMNS[self.chart])].copy() if not data.empty else data
        records = [{k: _cell(v) for k, v in r.items()} for r in shown.to_dict("records")] if not data.empty else []
        self.table.value = table_html(records, COLUMNS[self.chart], css="sbf-stat-data", empty="所选条件下没有数据")
        self.status.value = f"共{len(data)}行" if len(data) else "所选条件下没有数据"
        self.draws += 1
        if self._again:
            self._again = False
            self.redraw()

    def _failed(self, exc: BaseException) -> None:
        self._again = False
        self.status.value = ""
        self.ui.error(exc)

    # ---- 更新数据 ----------------------------------------------------------------------------------
    def _update(self) -> int:
        """Fetch what the charts count from the bureau into the store, as the query pages' 同步 do."""
        e = self.wb.employer
        self.wb.declaration_settings.update_rules()
        return e.payables.sync() + e.arrivals.sync() + e.declaration_records.sync() + e.payment_records.sync()

    def update_sources(self) -> None:
        """【更新数据】: 应缴信息, 到账信息, 申报记录, 缴费记录 and the rule files fetched again, then redrawn."""
        self.run_call(self._update, on_done=lambda _n: self._updated(), title="更新数据",
                      label="正在从税务局获取应缴、申报、缴费和到账信息……")

    def _updated(self) -> None:
        self._choices_loaded = False
        self.redraw()

    # ---- files --------------------------------------------------------------------------------------
    def _name(self, ext: str) -> str:
        f = self.filters_shown
        span = "-".join(x for x in (f.month_from, f.month_to) if x)
        return f"{CHARTS[self.chart]}{('_' + span) if span else ''}{ext}"

    def save_png(self) -> None:
        if not self.png:
            self.ui.message("图表尚未生成，请稍候")
            return
        self.ui.save(self.png, self._name(".png"))

    def save_xlsx(self) -> None:
        if self.data is None:
            self.ui.message("图表尚未生成，请稍候")
            return
        data = self.data
        self.run_call(self.service.export, self.chart, self.filters_shown, data,
                      on_done=lambda b: self.ui.save(b, self._name(".xlsx")), title="导出数据",
                      label="正在导出……")


class MonthlyFeesPage(StatisticsPage):
    menu_id = "STA-1"
    title = "月度费款"
    chart = "fees"


class ReconciliationPage(StatisticsPage):
    menu_id = "STA-2"
    title = "申报缴费到账核对"
    chart = "reconciliation"


class ArrearsAgingPage(StatisticsPage):
    menu_id = "STA-3"
    title = "欠费账龄"
    chart = "arrears"


class HeadcountFlowPage(StatisticsPage):
    menu_id = "STA-4"
    title = "参保人数变动"
    chart = "headcount"


class BaseDistributionPage(StatisticsPage):
    menu_id = "STA-5"
    title = "缴费基数分布"
    chart = "bases"
