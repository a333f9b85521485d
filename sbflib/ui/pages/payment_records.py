"""缴费记录 (manual 2.13, EMP-13).

Entering the page shows the payment records held (those made here are kept when the answer comes;
同步 adds those of other channels for a 费款所属期 range; a store that never held any fetches the last
twelve months). 查询 / 重置 filter by 费款所属期起止 and 缴费状态. A click on the 应征凭证序号 opens 查看申报
明细; a click on “缴费失败” opens the reason. 解锁 (only on 锁定 records) asks for the declaration password,
then shows the 扣费状态: 缴费成功 (nothing more to pay) or 扣费失败 (the list says 缴费失败: pay again).
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w
import pandas as pd

from sbflib.domain import clock
from sbflib.employer.payments import RECORD_STATUSES, RecordDetail, RecordFilter, UnlockResult
from sbflib.ui.components.cells import money_text, text_of
from sbflib.ui.components.dialogs import Dialog
from sbflib.ui.components.html import escape, table_html, text_html
from sbflib.ui.components.query_form import QueryForm
from sbflib.ui.components.tick_table import TickTable
from sbflib.ui.context import Ui, button
from sbflib.ui.page import Page
from sbflib.ui.pages.vouchers import ITEM_COLUMNS, PeriodDialog, detail_html

ALL = "全部"
LOCKED = "锁定"
FAILED = "缴费失败"
COLUMNS = {"voucher_no": "应征凭证序号", "period_range": "费款所属期", "total": "缴费金额（元）", "late_fee": "滞纳金（元）",
           "channel": "缴费方式", "account_masked": "缴费账户", "status": "缴费状态", "created_at": "缴费时间"}
# 缴费金额 includes the late fee; the bank's name, the amount without it and the items are in 查看.
WIDTHS = {"序号": 56, "应征凭证序号": 176, "费款所属期": 110, "缴费金额（元）": 116, "滞纳金（元）": 100, "缴费方式": 88,
          "缴费账户": 96, "缴费状态": 88, "缴费时间": 136}
MIN_WIDTHS = {"序号": 40, "应征凭证序号": 80, "费款所属期": 64, "缴费金额（元）": 96, "滞纳金（元）": 72, "缴费方式": 48,
              "缴费账户": 48, "缴费状态": 64, "缴费时间": 56}


def time_text(v: Any) -> str:
    return text_of(v)[:16]


class RecordTable(TickTable):
    """解锁 only on 锁定 records; 应征凭证序号 and 缴费失败 read as links (they open dialogs)."""

    on_cell: Any = None

    def _display_frame(self, df: pd.DataFrame) -> pd.DataFrame:
        out = super()._display_frame(df)
        if len(df) and "status" in df.columns:
            status = df["status"].tolist()
            for label, text in self.action_columns.items():
                if text == "解锁":
                    out[label] = [text if s == LOCKED else "" for s in status]
        return out

    def _on_click(self, event: dict) -> None:
        column = event.get("column")
        row = event.get("primary_key_row")
        if not isinstance(row, int):
            row = event.get("row")
        if (event.get("region") == "body" and column in ("应征凭证序号", "缴费状态") and isinstance(row, int)
                and 0 <= row < len(self.frame) and self.on_cell is not None):
            self.on_cell(str(column), dict(self.frame.iloc[row]))
            return
        super()._on_click(event)


class PaymentRecordsPage(Page):
    menu_id = "EMP-13"
    title = "缴费记录"

    def __init__(self, ui: Ui) -> None:
        self.ui = ui
        self.records = ui.wb.employer.payment_records
        self.period_from = w.Text(placeholder="年-月，如2026-01", layout=w.Layout(width="150px"))
        self.period_to = w.Text(placeholder="年-月，如2026-12", layout=w.Layout(width="150px"))
        self.period_from.add_class("sbf-q-period-from")
        self.period_to.add_class("sbf-q-period-to")
        self.status = w.Dropdown(options=[ALL, *RECORD_STATUSES], value=ALL)
        self.status.add_class("sbf-q-status")
        self.form = QueryForm([("所属期起", self.period_from), ("所属期止", self.period_to), ("缴费状态", self.status)],
                              on_query=self.query, on_reset=self.query)
        self.sync_button = button("同步", self.ask_sync, primary=True, css="sbf-payrecords-sync")
        self.export_button = button("导出", self.export, css="sbf-payrecords-export")
        self.note = w.HTML("")
        self.note.add_class("sbf-hint")
        hint = text_html("点击应征凭证序号查看申报明细；点击“缴费失败”查看失败原因；锁定状态的记录请点击【解锁】。", "sbf-hint")
        toolbar = w.HBox([self.sync_button, self.export_button, self.note, hint])
        toolbar.add_class("sbf-toolbar")
        toolbar.add_class("sbf-wrap")
        self.table = RecordTable(self._fetch, COLUMNS, table_key="pay_records", settings=ui.wb.settings,
                                 id_column="record_id", height="420px", ticks=False,
                                 actions={"查看": self.view, "解锁": self.ask_unlock},
                                 formatters={"amount": money_text, "late_fee": money_text, "total": money_text,
                                             "created_at": time_text},
                                 default_widths=WIDTHS, min_widths=MIN_WIDTHS)
        self.table.on_cell = self._cell_clicked
        for part in (self.form, toolbar, self.table):
            part.layout.flex = "0 0 auto"
        card = w.VBox([self.form, toolbar, self.table])
        card.add_class("sbf-card")
        super().__init__(ui, [card], css="sbf-payment-records-page", show_title=True)
        self.load()

    # ---- list --------------------------------------------------------------------------------
    def filters(self) -> RecordFilter:
        return RecordFilter(period_from=(self.period_from.value or "").strip(),
                            period_to=(self.period_to.value or "").strip(),
                            status="" if self.status.value == ALL else str(self.status.value))

    def _fetch(self, page: int, size: int) -> tuple[pd.DataFrame, int]:
        return self.records.query(self.filters(), page=page, page_size=size)

    def query(self) -> None:
        self.ui.call(self.table.refresh, 1)

    def on_show(self) -> None:
        self.load()

    def load(self) -> None:
        ok, fetched = self.ui.call(self.records.fetched)
        if not ok:
            return
        if fetched:
            self.query()
        else:
            self.sync(*self.records.default_months(), quiet=True)

    def row(self, record_id: str) -> dict[str, Any]:
        frame = self.table.frame
        if not frame.empty:
            hit = frame[frame["record_id"].astype(str) == str(record_id)]
            if not hit.empty:
                return dict(hit.iloc[0])
        return {}

    # ---- 同步 ----------------------------------------------------------------------------------
    def ask_sync(self) -> None:
        self.sync_dialog = PeriodDialog("同步缴费记录", self.records.default_months(), self.sync)
        self.ui.dialogs.show(self.sync_dialog)

    def sync(self, start: str, end: str, quiet: bool = False) -> None:
        def done(count: Any) -> None:
            self.note.value = escape(f"已于{clock.now():%Y-%m-%d %H:%M}同步，共{int(count or 0)}条。")
            self.query()
            if not quiet:
                self.ui.message(f"同步完成，共{int(count or 0)}条缴费记录。", title="同步")

        self.run_call(self.records.sync, start, end, on_done=done, title="同步", label="正在同步缴费记录，请稍候……")

    # ---- 查看 / 失败原因 / 解锁 ---------------------------------------------------------------------
    def _cell_clicked(self, column: str, rec: dict[str, Any]) -> None:
        if column == "应征凭证序号":
            self.view(rec.get("record_id"))
        elif rec.get("status") == FAILED:
            self.show_reason(str(rec.get("record_id")))

    def view(self, record_id: Any) -> None:
        ok, detail = self.ui.call(self.records.detail, str(record_id))
        if ok:
            self.detail_dialog = RecordDetailDialog(detail)
            self.ui.dialogs.show(self.detail_dialog)

    def show_reason(self, record_id: str) -> None:
        ok, reason = self.ui.call(self.records.reason, record_id)
        if ok and reason:
            self.ui.message(f"缴费失败原因：{reason}", title="缴费失败原因", kind="error")

    def ask_unlock(self, record_id: Any) -> None:
        rid = str(record_id)
        if self.row(rid).get("status") != LOCKED:
            return
        self.ui.dialogs.password(lambda pw: self.unlock(rid, pw))

    def unlock(self, record_id: str, password: str) -> None:
        def done(result: UnlockResult) -> None:
            self.query()
            self.ui.message(result.text, title="解锁处理结果", kind="info" if result.record.status == "缴费成功" else "error")

        def failed(exc: BaseException) -> None:
            self.query()
            self.ui.error(exc, title="解锁")

        self.run_call(self.records.unlock, record_id, password, on_done=done, on_error=failed, progress=False,
                      title="解除锁定", label="正在解除锁定，请稍候……")

    def export(self) -> None:
        name = f"缴费记录_{clock.now():%Y%m%d%H%M%S}.xlsx"
        self.run_call(self.records.export, self.filters(), on_done=lambda data: self.ui.save(data, name),
                      title="导出", label="正在导出，请稍候……")


class RecordDetailDialog(Dialog):
    """查看申报明细 of one 缴费记录 (by 应征凭证序号)."""

    def __init__(self, detail: RecordDetail) -> None:
        r = detail.record
        pairs = [("应征凭证序号", text_of(r.get("voucher_no"))), ("缴费状态", text_of(r.get("status"))),
                 ("缴费方式", text_of(r.get("channel"))), ("缴费金额", f"{money_text(r.get('amount'))}元"),
                 ("滞纳金", f"{money_text(r.get('late_fee'))}元"), ("合计", f"{money_text(r.get('total'))}元"),
                 ("缴费银行", text_of(r.get("bank_name"))), ("缴费账户", text_of(r.get("account_masked"))),
                 ("缴费时间", time_text(r.get("created_at"))), ("主管税务机关", text_of(r.get("tax_authority"))),
                 ("解锁结果", text_of(r.get("unlock_result")))]
        if r.get("status") == FAILED and r.get("reason"):
            pairs.append(("失败原因", text_of(r.get("reason"))))
        items = detail.items
        shown = items[[c for c in ITEM_COLUMNS if c in items.columns]].copy() if not items.empty else items
        for c in ("amount", "late_fee", "total"):
            if c in shown.columns:
                shown[c] = shown[c].map(money_text)
        columns = {k: v for k, v in ITEM_COLUMNS.items() if k in shown.columns and k != "voucher_no"}
        table = w.HTML(f"<div style='max-height:300px;overflow:auto'>{table_html(shown, columns)}</div>")
        close = w.Button(description="关闭")
        super().__init__("查看申报明细", [w.HTML(detail_html(pairs)), text_html("申报明细", "sbf-section-title"), table],
                         [close], width="980px", css="sbf-payment-detail-dialog")
        close.on_click(lambda _b: self.dismiss())
