"""社保费申报明细查询 (manual 2.20, EMP-20): the per-employee lines of the successful declarations, kept
locally (ID numbers masked on screen).

- Entering the page lists what is held, then looks for successful declarations whose lines are not
  downloaded yet; if there are some, 下载申报明细 offers them (tick, 下载 with a progress bar, “下载完成”).
- 查询 / 重置 filter what is held (姓名, 证件号码, 征收项目, 费款所属期, 申报日期); 导出 writes every row
  of the query as .xlsx (证件号码 脱敏 or 完整); 同步 fetches the declarations from the bureau and
  downloads every missing line.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w
import pandas as pd

from sbflib.domain import clock
from sbflib.employer.declaration_records import DeclaredLineFilter
from sbflib.ui.components.cells import money_text, percent_text
from sbflib.ui.components.dialogs import Dialog
from sbflib.ui.components.html import text_html
from sbflib.ui.components.query_form import QueryForm
from sbflib.ui.components.tick_table import TickTable
from sbflib.ui.context import Ui, button
from sbflib.ui.page import Page
from sbflib.ui.pages.declaration_records import time_text
from sbflib.ui.pages.roster import DateRange

MASKED = "脱敏"
FULL = "完整"
# The screen's columns (单位编号, 证件类型 and 个人编号 are in the export); the row fits 1366 px.
COLUMNS = {"submitted_at": "申报日期", "name": "姓名", "id_number": "证件号码", "item_name": "征收项目",
           "payer_name": "缴费对象", "month": "费款所属期", "base": "缴费基数（元）", "rate": "费率",
           "amount": "应缴费额（元）", "voucher_no": "应征凭证序号"}
WIDTHS = {"序号": 56, "申报日期": 100, "姓名": 80, "证件号码": 160, "征收项目": 120, "缴费对象": 88,
          "费款所属期": 100, "缴费基数（元）": 124, "费率": 64, "应缴费额（元）": 124, "应征凭证序号": 170}
MIN_WIDTHS = {"序号": 48, "申报日期": 92, "姓名": 60, "证件号码": 140, "征收项目": 60, "缴费对象": 84,
              "费款所属期": 96, "缴费基数（元）": 104, "费率": 56, "应缴费额（元）": 104, "应征凭证序号": 60}
MISSING_COLUMNS = {"submitted_at": "申报日期", "channel_name": "申报渠道", "period": "费款所属期",
                   "headcount": "缴费人数", "total_due": "应缴费额（元）", "voucher_no": "应征凭证序号"}
MISSING_WIDTHS = {"序号": 56, "申报日期": 136, "申报渠道": 110, "费款所属期": 110, "缴费人数": 88,
                  "应缴费额（元）": 124, "应征凭证序号": 170}


class DownloadLinesDialog(Dialog):
    """下载申报明细: the successful declarations whose lines are not held, ticked, and 下载."""

    def __init__(self, page: DeclaredLinesPage, missing: pd.DataFrame) -> None:
        self.page = page
        self.missing = missing.reset_index(drop=True)

        def fetch(page_no: int, size: int) -> tuple[pd.DataFrame, int]:
            return self.missing.iloc[(page_no - 1) * size: page_no * size], len(self.missing)

        self.table = TickTable(fetch, MISSING_COLUMNS, table_key="declared_lines_missing",
                               settings=page.ui.wb.settings, id_column="declaration_id", height="260px",
                               formatters={"submitted_at": time_text, "total_due": money_text},
                               default_widths=MISSING_WIDTHS)
        self.table.refresh(1)
        self.table.tick_all(True)
        download = button("下载", self.download, primary=True, css="sbf-lines-download")
        close = w.Button(description="取消")
        note = text_html(f"有{len(self.missing)}笔申报成功的社保费申报记录的职工申报明细尚未下载到本机，"
                         "请勾选后点击【下载】。", "sbf-message")
        super().__init__("下载申报明细", [note, self.table], [download, close], width="900px",
                         css="sbf-lines-download-dialog")
        close.on_click(lambda _b: self.dismiss())

    def download(self) -> None:
        ids = [str(i) for i in self.table.selected_ids()]
        if not ids:
            self.page.ui.error("请先勾选需要下载的申报记录（列表左侧的方框）")
            return
        self.dismiss()
        self.page.download(ids)


class DeclaredLinesPage(Page):
    menu_id = "EMP-20"
    title = "社保费申报明细查询"

    def __init__(self, ui: Ui) -> None:
        self.ui = ui
        self.lines = ui.wb.employer.declared_lines
        self.name = w.Text(placeholder="姓名")
        self.name.add_class("sbf-q-name")
        self.id_number = w.Text(placeholder="证件号码")
        self.id_number.add_class("sbf-q-id-number")
        self.item = w.Text(placeholder="如：养老")
        self.item.add_class("sbf-q-item")
        self.month = w.Text(placeholder="年-月，如2026-01")
        self.month.add_class("sbf-q-month")
        self.declared = DateRange()
        self.form = QueryForm([("姓名", self.name), ("证件号码", self.id_number), ("征收项目", self.item),
                               ("所属期", self.month), ("申报日期", self.declared)], on_query=self.query)
        self.sync_button = button("同步", self.sync, primary=True, css="sbf-lines-sync")
        self.download_button = button("下载申报明细", self.offer_download, css="sbf-lines-offer")
        self.id_choice = w.ToggleButtons(options=[MASKED, FULL], value=MASKED,
                                         tooltips=["证件号码中间部分以*号显示", "导出完整的证件号码"],
                                         style={"button_width": "auto"})
        self.id_choice.add_class("sbf-export-ids")
        self.export_button = button("导出", self.export, css="sbf-lines-export")
        toolbar = w.HBox([self.sync_button, self.download_button, self.export_button, w.Label("导出证件号码："),
                          self.id_choice])
        toolbar.add_class("sbf-toolbar")
        toolbar.add_class("sbf-wrap")
        self.table = TickTable(self._fetch, COLUMNS, table_key="declared_lines", settings=ui.wb.settings,
                               height="420px", ticks=False,
                               formatters={"submitted_at": lambda v: time_text(v)[:10], "base": money_text,
                                           "amount": money_text, "rate": percent_text},
                               default_widths=WIDTHS, min_widths=MIN_WIDTHS)
        for part in (self.form, toolbar, self.table):
            part.layout.flex = "0 0 auto"
        card = w.VBox([self.form, toolbar, self.table])
        card.add_class("sbf-card")
        super().__init__(ui, [card], css="sbf-declared-lines-page", show_title=True)
        self.load()

    # ---- list --------------------------------------------------------------------------------
    def filters(self) -> DeclaredLineFilter:
        start, end = self.declared.value
        return DeclaredLineFilter(name=self.name.value or "", id_number=self.id_number.value or "",
                                  item_name=self.item.value or "", month=self.month.value or "",
                                  declared_from=start, declared_to=end)

    def _fetch(self, page: int, size: int) -> tuple[pd.DataFrame, int]:
        return self.lines.query(self.filters(), page=page, page_size=size)

    def query(self) -> None:
        self.ui.call(self.table.refresh, 1)

    def on_show(self) -> None:
        self.load()

    def load(self) -> None:
        """The held lines; then the offer to download those not held yet (manual 2.20 二)."""
        self.query()
        self.offer_download(quiet=True)

    # ---- 下载 ----------------------------------------------------------------------------------
    def offer_download(self, quiet: bool = False) -> None:
        ok, missing = self.ui.call(self.lines.missing)
        if not ok or missing is None:
            return
        if missing.empty:
            if not quiet:
                self.ui.message("本机已有全部申报成功记录的职工申报明细。如有新的申报，请点击【同步】。",
                                title="下载申报明细")
            return
        self.download_dialog = DownloadLinesDialog(self, missing)
        self.ui.dialogs.show(self.download_dialog)

    def download(self, ids: list[str]) -> None:
        self.run_call(self.lines.download, ids, progress=True, on_done=self._downloaded, title="下载申报明细",
                      label="正在下载申报明细，请稍候……")

    def _downloaded(self, count: Any) -> None:
        self.query()
        self.ui.message(f"下载完成，共下载{int(count or 0)}条职工申报明细。", title="下载申报明细")

    # ---- 同步 / 导出 -----------------------------------------------------------------------------
    def sync(self) -> None:
        self.run_call(self.lines.sync, progress=True, on_done=self._synced, title="同步",
                      label="正在同步申报明细，请稍候……")

    def _synced(self, count: Any) -> None:
        self.query()
        self.ui.message(f"同步完成，新下载{int(count or 0)}条职工申报明细。" if count else
                        "同步完成，没有新的职工申报明细。", title="同步")

    def export(self) -> None:
        name = f"社保费申报明细_{clock.now():%Y%m%d%H%M%S}.xlsx"
        self.run_call(self.lines.export, self.filters(), masked=self.id_choice.value != FULL,
                      on_done=lambda data: self.ui.save(data, name), title="导出", label="正在导出，请稍候……")
