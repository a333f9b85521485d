"""缴费凭证打印记录 (manual 2.12, EMP-12).

Entering the page shows the bank vouchers held (printed here; 同步 adds those printed in other channels;
a store that never held any fetches the last twelve months). 查询 filters by 开具日期 and 凭证状态.
操作: 查看 (查看银行端缴费凭证明细), 重新打印 (打印预览; 打印 downloads the PDF kept at the first print, byte for
byte, never made again), 作废 (an unpaid voucher, after confirming; a voided one can neither be
reprinted nor voided again: pay again from 缴费).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as w
import pandas as pd

from sbflib.domain import clock
from sbflib.employer.payments import VOUCHER_STATUSES, VoucherDetail, VoucherFilter
from sbflib.ui.components.cells import date_text, money_text, text_of
from sbflib.ui.components.dialogs import Dialog
from sbflib.ui.components.html import escape, table_html, text_html
from sbflib.ui.components.query_form import QueryForm
from sbflib.ui.components.tick_table import TickTable
from sbflib.ui.context import Ui, button
from sbflib.ui.page import Page
from sbflib.ui.pages.pay_dialogs import VoucherPreviewDialog
from sbflib.ui.pages.roster import DateRange

ALL = "全部"
VOIDED = "已作废"
UNPAID = "未缴费"
COLUMNS = {"voucher_no": "凭证序号", "issued_on": "开具日期", "period_range": "费款所属期", "total": "金额合计（元）",
           "valid_until": "税款缴款日期", "status": "凭证状态", "channel": "开具渠道"}
# The row and its three links fit 1366 px; the payer is in 查看 and the export.
WIDTHS = {"序号": 56, "凭证序号": 176, "开具日期": 100, "费款所属期": 132, "金额合计（元）": 124, "税款缴款日期": 116,
          "凭证状态": 88, "开具渠道": 88}
MIN_WIDTHS = {"序号": 40, "凭证序号": 80, "开具日期": 88, "费款所属期": 56, "金额合计（元）": 96, "税款缴款日期": 88,
              "凭证状态": 56, "开具渠道": 48}
ITEM_COLUMNS = {"voucher_no": "应征凭证序号", "item_name": "征收项目", "subitem_name": "征收品目", "payer_name": "缴费对象",
                "period_range": "费款所属期", "amount": "应缴金额（元）", "late_fee": "滞纳金（元）", "total": "合计（元）"}


class PeriodDialog(Dialog):
    """同步: 费款所属期起止 (months), 确定 / 取消."""

    def __init__(self, title: str, months: tuple[str, str], on_ok: Callable[[str, str], None]) -> None:
        self.start = w.Text(value=months[0], placeholder="年-月，如2026-01", layout=w.Layout(width="120px"))
        self.end = w.Text(value=months[1], placeholder="年-月，如2026-12", layout=w.Layout(width="120px"))
        self.start.add_class("sbf-sync-start")
        self.end.add_class("sbf-sync-end")
        ok = w.Button(description="确定", button_style="primary")
        ok.add_class("sbf-sync-ok")
        cancel = w.Button(description="取消")
        row = w.HBox([w.Label("费款所属期："), self.start, w.Label("至"), self.end])
        row.add_class("sbf-sync-range")
        hint = text_html("同步的费款所属期起止范围不要太长，否则数据量大时同步等待的时间较长。", "sbf-hint")
        super().__init__(title, [row, hint], [ok, cancel], width="520px", css="sbf-sync-dialog")

        def _ok(_b: w.Button) -> None:
            self.dismiss()
            on_ok(self.start.value.strip(), self.end.value.strip())

        ok.on_click(_ok)
        cancel.on_click(lambda _b: self.dismiss())


class VoucherTable(TickTable):
    """重新打印 and 作废 only where allowed (not on a voided voucher; 作废 only while unpaid)."""

    def _display_frame(self, df: pd.DataFrame) -> pd.DataFrame:
        out = super()._display_frame(df)
        if len(df) and "status" in df.columns:
            status = df["status"].tolist()
            for label, text in self.action_columns.items():
                if text == "重新打印":
                    out[label] = [text if s != VOIDED else "" for s in status]
                elif text == "作废":
                    out[label] = [text if s == UNPAID else "" for s in status]
        return out


def detail_html(pairs: list[tuple[str, str]]) -> str:
    return "<div class='sbf-record-summary'>" + "".join(
        f"<span class='sbf-kv' style='display:inline-block;margin:0 20px 4px 0'><b>{escape(k)}：</b>{escape(v)}</span>"
        for k, v in pairs if v) + "</div>"


class VouchersPage(Page):
    menu_id = "EMP-12"
    title = "缴费凭证打印记录"

    def __init__(self, ui: Ui) -> None:
        self.ui = ui
        self.vouchers = ui.wb.employer.vouchers
        self.issued = DateRange()
        self.status = w.Dropdown(options=[ALL, *VOUCHER_STATUSES], value=ALL)
        self.status.add_class("sbf-q-status")
        self.form = QueryForm([("开具日期", self.issued), ("凭证状态", self.status)], on_query=self.query,
                              on_reset=self.query)
        self.sync_button = button("同步", self.ask_sync, primary=True, css="sbf-vouchers-sync")
        self.export_button = button("导出", self.export, css="sbf-vouchers-export")
        self.note = w.HTML("")
        self.note.add_class("sbf-hint")
        toolbar = w.HBox([self.sync_button, self.export_button, self.note])
        toolbar.add_class("sbf-toolbar")
        toolbar.add_class("sbf-wrap")
        self.table = VoucherTable(self._fetch, COLUMNS, table_key="pay_vouchers", settings=ui.wb.settings,
                                  id_column="voucher_no", height="420px", ticks=False,
                                  actions={"查看": self.view, "重新打印": self.reprint, "作废": self.ask_void},
                                  formatters={"issued_on": date_text, "valid_until": date_text, "total": money_text},
                                  default_widths=WIDTHS, min_widths=MIN_WIDTHS)
        for part in (self.form, toolbar, self.table):
            part.layout.flex = "0 0 auto"
        card = w.VBox([self.form, toolbar, self.table])
        card.add_class("sbf-card")
        super().__init__(ui, [card], css="sbf-vouchers-page", show_title=True)
        self.load()

    # ---- list --------------------------------------------------------------------------------
    def filters(self) -> VoucherFilter:
        start, end = self.issued.value
        return VoucherFilter(issued_from=start, issued_to=end,
                             status="" if self.status.value == ALL else str(self.status.value))

    def _fetch(self, page: int, size: int) -> tuple[pd.DataFrame, int]:
        return self.vouchers.query(self.filters(), page=page, page_size=size)

    def query(self) -> None:
        self.ui.call(self.table.refresh, 1)

    def on_show(self) -> None:
        self.load()

    def load(self) -> None:
        ok, fetched = self.ui.call(self.vouchers.fetched)
        if not ok:
            return
        if fetched:
            self.query()
        else:
            self.sync(*self.vouchers.default_months(), quiet=True)

    def row(self, voucher_no: str) -> dict[str, Any]:
        frame = self.table.frame
        if not frame.empty:
            hit = frame[frame["voucher_no"].astype(str) == str(voucher_no)]
            if not hit.empty:
                return dict(hit.iloc[0])
        return {}

    # ---- 同步 ----------------------------------------------------------------------------------
    def ask_sync(self) -> None:
        self.sync_dialog = PeriodDialog("同步缴费凭证", self.vouchers.default_months(), self.sync)
        self.ui.dialogs.show(self.sync_dialog)

    def sync(self, start: str, end: str, quiet: bool = False) -> None:
        def done(count: Any) -> None:
            self.note.value = escape(f"已于{clock.now():%Y-%m-%d %H:%M}同步，共{int(count or 0)}条。")
            self.query()
            if not quiet:
                self.ui.message(f"同步完成，共{int(count or 0)}条缴费凭证记录。", title="同步")

        self.run_call(self.vouchers.sync, start, end, on_done=done, title="同步", label="正在同步缴费凭证记录，请稍候……")

    # ---- 查看 / 重新打印 / 作废 ---------------------------------------------------------------------
    def view(self, voucher_no: Any) -> None:
        ok, detail = self.ui.call(self.vouchers.detail, str(voucher_no))
        if ok:
            self.detail_dialog = VoucherDetailDialog(detail)
            self.ui.dialogs.show(self.detail_dialog)

    def reprint(self, voucher_no: Any) -> None:
        no = str(voucher_no)
        if self.row(no).get("status") == VOIDED:
            return

        def show(result: tuple[bytes, VoucherDetail]) -> None:
            pdf, detail = result
            self.preview_dialog = VoucherPreviewDialog(detail.wire, lambda: self._download(no, pdf), title="打印预览")
            self.ui.dialogs.show(self.preview_dialog)

        self.run_call(lambda: (self.vouchers.reprint(no), self.vouchers.detail(no)), on_done=show, title="重新打印",
                      label="正在读取凭证，请稍候……")

    def _download(self, voucher_no: str, pdf: bytes) -> None:
        self.ui.save(pdf, f"银行端缴费凭证_{voucher_no}.pdf")

    def ask_void(self, voucher_no: Any) -> None:
        no = str(voucher_no)
        rec = self.row(no)
        if rec.get("status") != UNPAID:
            return
        self.ui.confirm(f"确定作废凭证序号为{no}、金额合计{money_text(rec.get('total'))}元的银行端缴费凭证吗？"
                        "作废后该凭证不可重新打印或再次作废，需要在缴费页面重新发起缴费。",
                        lambda: self.void(no), yes="确定", no="取消", title="作废")

    def void(self, voucher_no: str) -> None:
        def done(_row: Any) -> None:
            self.query()
            self.ui.message("作废成功。该凭证已作废，不可重新打印或再次作废；如需缴费，请在缴费页面重新发起缴费。", title="作废")

        def failed(exc: BaseException) -> None:
            self.query()
            self.ui.error(exc, title="作废")

        self.run_call(self.vouchers.void, voucher_no, on_done=done, on_error=failed, title="作废",
                      label="正在作废凭证，请稍候……")

    def export(self) -> None:
        name = f"缴费凭证打印记录_{clock.now():%Y%m%d%H%M%S}.xlsx"
        self.run_call(self.vouchers.export, self.filters(), on_done=lambda data: self.ui.save(data, name),
                      title="导出", label="正在导出，请稍候……")


class VoucherDetailDialog(Dialog):
    """查看银行端缴费凭证明细."""

    def __init__(self, detail: VoucherDetail) -> None:
        v = detail.voucher
        pairs = [("凭证序号", text_of(v.get("voucher_no"))), ("凭证状态", text_of(v.get("status"))),
                 ("开具日期", date_text(v.get("issued_on"))), ("税款缴款日期", date_text(v.get("valid_until"))),
                 ("金额合计", f"{money_text(v.get('total'))}元"), ("其中滞纳金", f"{money_text(v.get('late_fee'))}元"),
                 ("税务机关", text_of(v.get("tax_authority"))), ("付款人名称", text_of(v.get("payer_name"))),
                 ("付款人账号", text_of(v.get("payer_account"))), ("开户银行名称", text_of(v.get("payer_bank"))),
                 ("开具渠道", text_of(v.get("channel")))]
        items = detail.items
        shown = items[[c for c in ITEM_COLUMNS if c in items.columns]].copy() if not items.empty else items
        for c in ("amount", "late_fee", "total"):
            if c in shown.columns:
                shown[c] = shown[c].map(money_text)
        table = w.HTML(f"<div style='max-height:300px;overflow:auto'>"
                       f"{table_html(shown, {k: v for k, v in ITEM_COLUMNS.items() if k in shown.columns})}</div>")
        close = w.Button(description="关闭")
        super().__init__("查看银行端缴费凭证明细", [w.HTML(detail_html(pairs)), text_html("缴费明细", "sbf-section-title"),
                                               table], [close], width="980px", css="sbf-voucher-detail-dialog")
        close.on_click(lambda _b: self.dismiss())
