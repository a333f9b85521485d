"""社保费申报记录 (manual 2.10, EMP-10) and 工程项目社保费申报记录 (2.24, EMP-24).

The held records, newest first: 申报日期, (申报渠道,) 申报状态, 缴费状态, 应缴费额合计, 缴费人数, 费款所属期,
主管税务机关, 数据来源, 应征凭证序号, 说明, and 操作 (查看, 缴费, 作废; 缴费 and 作废 only on a record that
is 申报成功 and 未缴费). The query form filters what is held.
- 同步 asks for the 申报开始结束日期 (“请选择申报开始结束日期”), fetches with a progress bar, and when
  records are 申报成功 and 未缴费, asks whether to pay now: 确定 opens 缴费 (EMP-11) when it is built,
  otherwise 社保费应缴信息查询 (EMP-21).
- 查看 shows the record, its rows and its per-employee lines (downloaded when missing), with 打印
  (the 社会保险费申报表 as a PDF) and 导出.
- 作废 asks to confirm, sends, counts down (the feedback setting, 20 s) and fetches the result, or
  【获取反馈】 at once. The bureau's refusals (paid, on a debit list …) show as its Chinese message.

The declaration pages open this page after 提交申报 and call `fetch_feedback(declaration_ids)`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, ClassVar

import ipywidgets as w
import pandas as pd

from sbflib.domain import clock
from sbflib.employer.declaration_records import (
    CHANNEL_LABELS,
    PAY_STATUSES,
    STATUSES,
    DeclarationRecordService,
    RecordDetail,
    RecordFilter,
)
from sbflib.ui.components.cells import date_text, money_text, percent_text, text_of
from sbflib.ui.components.countdown import CountdownDialog
from sbflib.ui.components.dialogs import Dialog
from sbflib.ui.components.html import escape, text_html
from sbflib.ui.components.query_form import QueryForm
from sbflib.ui.components.tick_table import TickTable
from sbflib.ui.context import Ui, button
from sbflib.ui.page import Page
from sbflib.ui.pages.roster import DateRange

ALL = "全部"
DECLARED = "申报成功"
UNPAID = "未缴费"
PENDING = "待反馈"
VOIDING = "作废中"
VOIDED = "已作废"
PAY_MENU = "EMP-11"        # 缴费
PAYABLES_MENU = "EMP-21"   # 社保费应缴信息查询

# The list (the manual's columns; 缴费人数 and a failure's reason are in 查看). Widths: the row fits
# 1366 px with 操作 in view and shrinks towards MIN_WIDTHS on 1024 px screens (headers of four
# characters need 88 px with their filter icon).
COLUMNS = {"submitted_at": "申报日期", "channel_name": "申报渠道", "status": "申报状态", "pay_status": "缴费状态",
           "total_due": "应缴费额（元）", "period": "费款所属期", "tax_authority": "主管税务机关",
           "source_name": "数据来源", "voucher_no": "应征凭证序号"}
WIDTHS = {"序号": 56, "申报日期": 100, "申报渠道": 96, "申报状态": 88, "缴费状态": 88, "应缴费额（元）": 124,
          "费款所属期": 100, "主管税务机关": 160, "数据来源": 100, "应征凭证序号": 170}
# on a 1024 px screen the values elide (…) so that 操作 stays in view; 查看 shows everything
MIN_WIDTHS = {"序号": 40, "申报日期": 88, "申报渠道": 48, "申报状态": 64, "缴费状态": 60, "应缴费额（元）": 84,
              "费款所属期": 48, "主管税务机关": 40, "数据来源": 40, "应征凭证序号": 40}
ROW_COLUMNS = {"unit_number": "单位编号", "item_name": "征收项目", "subitem_name": "征收品目", "payer_name": "缴费对象",
               "period_start": "所属期起", "period_end": "所属期止", "headcount": "缴费人数",
               "base_total": "缴费基数（元）", "rate": "费率", "amount": "应缴费额（元）"}
ROW_WIDTHS = {"序号": 56, "单位编号": 112, "征收项目": 110, "征收品目": 150, "缴费对象": 88, "所属期起": 88,
              "所属期止": 88, "缴费人数": 88, "缴费基数（元）": 124, "费率": 64, "应缴费额（元）": 124}
ROW_MIN_WIDTHS = {"单位编号": 100, "征收项目": 80, "征收品目": 60, "缴费人数": 88}
LINE_COLUMNS = {"name": "姓名", "id_type": "证件类型", "id_number": "证件号码", "item_name": "征收项目",
                "payer_name": "缴费对象", "month": "所属期", "base": "缴费基数（元）", "rate": "费率",
                "amount": "应缴费额（元）"}
LINE_WIDTHS = {"序号": 56, "姓名": 72, "证件类型": 100, "证件号码": 160, "征收项目": 110, "缴费对象": 88,
               "所属期": 80, "缴费基数（元）": 124, "费率": 64, "应缴费额（元）": 124}
LINE_MIN_WIDTHS = {"姓名": 64, "证件类型": 72, "征收项目": 80, "缴费对象": 72}


def time_text(v: Any) -> str:
    """申报日期 to the minute."""
    return text_of(v)[:16]


def _first_of_month() -> dt.date:
    return clock.today().replace(day=1)


class SyncDialog(Dialog):
    """请选择申报开始结束日期: the range 同步 fetches (this month by default)."""

    def __init__(self, on_ok: Callable[[dt.date | None, dt.date | None], None]) -> None:
        self.start = w.DatePicker(value=_first_of_month())
        self.end = w.DatePicker(value=clock.today())
        self.start.add_class("sbf-sync-start")
        self.end.add_class("sbf-sync-end")
        ok = w.Button(description="确定", button_style="primary")
        ok.add_class("sbf-sync-ok")
        cancel = w.Button(description="取消")
        row = w.HBox([w.Label("申报日期："), self.start, w.Label("至"), self.end])
        row.add_class("sbf-sync-range")
        hint = text_html("若同步的日期范围较大，数据量大，耗时较长。", "sbf-hint")
        super().__init__("请选择申报开始结束日期", [row, hint], [ok, cancel], width="560px", css="sbf-sync-dialog")
        ok.on_click(lambda _b: self._ok(on_ok))
        cancel.on_click(lambda _b: self.dismiss())

    def _ok(self, on_ok: Callable[[dt.date | None, dt.date | None], None]) -> None:
        self.dismiss()
        on_ok(self.start.value, self.end.value)


class VoidCountdownDialog(CountdownDialog):
    """作废已发起: counts down `seconds`, then `on_fetch()`; 获取反馈 fetches at once (manual 2.10 四)."""

    def __init__(self, seconds: int, on_fetch: Callable[[], None], *, sync: bool = False) -> None:
        super().__init__("已发起作废，正在等待税务局处理。", seconds, on_fetch, sync=sync, title="作废",
                         awaiting="作废结果", button_label="获取反馈", css="sbf-void-countdown-dialog",
                         button_css="sbf-void-fetch-now")


class RecordTable(TickTable):
    """The record list: 缴费 and 作废 links only on records that are 申报成功 and 未缴费."""

    def _display_frame(self, df: pd.DataFrame) -> pd.DataFrame:
        out = super()._display_frame(df)
        if len(df) and "status" in df.columns:
            open_ = ((df["status"] == DECLARED) & (df["pay_status"] == UNPAID)).tolist()
            for label, text in self.action_columns.items():
                if text in ("缴费", "作废"):
                    out[label] = [text if ok else "" for ok in open_]
        return out


class DeclarationRecordsPage(Page):
    menu_id: ClassVar[str] = "EMP-10"
    title: ClassVar[str] = "申报记录"
    kind: ClassVar[str] = "fees"
    export_name: ClassVar[str] = "社保费申报记录"

    def __init__(self, ui: Ui) -> None:
        self.ui = ui
        self.records: DeclarationRecordService = ui.wb.employer.declaration_records.of(self.kind)
        self.declared = DateRange()
        self.status = w.Dropdown(options=[ALL, *STATUSES], value=ALL)
        self.status.add_class("sbf-q-status")
        self.pay_status = w.Dropdown(options=[ALL, *PAY_STATUSES], value=ALL)
        self.pay_status.add_class("sbf-q-pay-status")
        fields: list[tuple[str, w.Widget]] = [("申报日期", self.declared), ("申报状态", self.status),
                                              ("缴费状态", self.pay_status)]
        self.channel = w.Dropdown(options=[(ALL, ""), *[(v, k) for k, v in CHANNEL_LABELS.items() if k != "project"]],
                                  value="")
        self.channel.add_class("sbf-q-channel")
        if self.kind == "fees":
            fields.append(("申报渠道", self.channel))
        self.form = QueryForm(fields, on_query=self.query)
        self.sync_button = button("同步", self.ask_sync, primary=True, css="sbf-records-sync")
        self.feedback_button = button("获取反馈", lambda: self.fetch_feedback(None), css="sbf-records-feedback")
        self.export_button = button("导出", self.export, css="sbf-records-export")
        toolbar = w.HBox([self.sync_button, self.feedback_button, self.export_button,
                          text_html("【同步】从税务局获取所选申报日期范围内的申报记录；状态为“待反馈”“作废中”的记录，"
                                    "可点击【获取反馈】查询最新状态", "sbf-hint")])
        toolbar.add_class("sbf-toolbar")
        toolbar.add_class("sbf-wrap")
        columns = dict(COLUMNS)
        widths = dict(WIDTHS)
        if self.kind == "project":
            columns.pop("channel_name")
            widths["费款所属期"] = 160  # a project's period spans months: 2026-10 至 2026-12
        self.table = RecordTable(self._fetch, columns, table_key=f"declaration_records_{self.kind}",
                                 settings=ui.wb.settings, id_column="declaration_id", height="420px", ticks=False,
                                 actions={"查看": self.view, "缴费": self.pay, "作废": self.ask_void},
                                 formatters={"submitted_at": date_text, "total_due": money_text},
                                 default_widths=widths, min_widths=MIN_WIDTHS)
        for part in (self.form, toolbar, self.table):
            part.layout.flex = "0 0 auto"
        card = w.VBox([self.form, toolbar, self.table])
        card.add_class("sbf-card")
        super().__init__(ui, [card], css="sbf-declaration-records-page", show_title=True)
        self.query()

    # ---- list --------------------------------------------------------------------------------
    def filters(self) -> RecordFilter:
        start, end = self.declared.value
        return RecordFilter(
            declared_from=start, declared_to=end,
            status="" if self.status.value == ALL else str(self.status.value),
            pay_status="" if self.pay_status.value == ALL else str(self.pay_status.value),
            channel=str(self.channel.value or "") if self.kind == "fees" else "",
        )

    def _fetch(self, page: int, size: int) -> tuple[pd.DataFrame, int]:
        return self.records.query(self.filters(), page=page, page_size=size)

    def query(self) -> None:
        self.ui.call(self.table.refresh, 1)

    def on_show(self) -> None:
        self.ui.call(self.table.refresh)

    def row(self, declaration_id: str) -> dict[str, Any]:
        """The held record (as listed) of one declaration, {} when not on this page."""
        frame = self.table.frame
        if not frame.empty and "declaration_id" in frame.columns:
            hit = frame[frame["declaration_id"].astype(str) == str(declaration_id)]
            if not hit.empty:
                return dict(hit.iloc[0])
        return {}

    # ---- 同步 ----------------------------------------------------------------------------------
    def ask_sync(self) -> None:
        self.sync_dialog = SyncDialog(self.sync)
        self.ui.dialogs.show(self.sync_dialog)

    def sync(self, start: dt.date | None, end: dt.date | None) -> None:
        self.run_call(self.records.sync, start, end, progress=True, on_done=self._synced, title="同步",
                      label="正在同步申报记录，请稍候……")

    def _synced(self, count: Any) -> None:
        self.query()
        ok, unpaid = self.ui.call(self.records.unpaid_after_sync)
        if ok and unpaid:
            self.ui.confirm(f"同步完成，共{int(count or 0)}条申报记录。存在{int(unpaid)}条未缴费的社保费申报记录，"
                            "是否立即缴费？", self.go_pay, yes="确定", no="取消", title="待缴费提醒")
        else:
            self.ui.message(f"同步完成，共{int(count or 0)}条申报记录。", title="同步")

    # ---- 缴费 ----------------------------------------------------------------------------------
    def go_pay(self) -> None:
        """缴费 (EMP-11) when it is built, otherwise 社保费应缴信息查询 (EMP-21)."""
        from sbflib.ui.menus import PAGES

        self.ui.navigate(PAY_MENU if PAY_MENU in PAGES else PAYABLES_MENU)

    def pay(self, declaration_id: Any) -> None:
        rec = self.row(str(declaration_id))
        if rec.get("status") != DECLARED or rec.get("pay_status") != UNPAID:
            return  # a voided, failed or paid record is never offered for payment
        self.go_pay()

    # ---- 获取反馈 -------------------------------------------------------------------------------
    def fetch_feedback(self, declaration_ids: Any = None) -> None:
        """获取反馈 (asks the bureau). With `declaration_ids` (after 提交申报), the message names their
        statuses."""
        if isinstance(declaration_ids, str):
            declaration_ids = [declaration_ids]
        ids = [str(i) for i in declaration_ids or []]
        self.run_call(self.records.feedback, on_done=lambda n: self._fed_back(n, ids), title="获取反馈",
                      label="正在获取反馈，请稍候……")

    def _fed_back(self, decided: Any, ids: list[str]) -> None:
        self.query()
        if ids:
            parts = []
            for declaration_id in ids:
                rec = self.row(declaration_id)
                status = text_of(rec.get("status"))
                if not status:
                    ok, held = self.ui.call(self.records.status, declaration_id)
                    status = str(held or "") if ok else ""
                reason = text_of(rec.get("reason"))
                if not status or status == PENDING:
                    parts.append("申报结果尚未反馈，请稍后点击【获取反馈】查询最新的申报状态")
                elif status == "申报失败" and reason:
                    parts.append(f"申报状态：申报失败（{reason}）")
                else:
                    parts.append(f"申报状态：{status}")
            self.ui.message("；".join(dict.fromkeys(parts)) + "。", title="获取反馈")
            return
        self.ui.message(f"获取反馈完成，更新了{int(decided)}条申报记录。" if decided else
                        "获取反馈完成，没有新的处理结果。", title="获取反馈")

    # ---- 作废 ----------------------------------------------------------------------------------
    def ask_void(self, declaration_id: Any) -> None:
        rec = self.row(str(declaration_id))
        if rec.get("status") != DECLARED or rec.get("pay_status") != UNPAID:
            return
        amount = money_text(rec.get("total_due"))
        self.ui.confirm(f"确定作废申报日期为{time_text(rec.get('submitted_at'))}、应缴费额合计{amount}元的申报记录吗？"
                        "作废后如需缴费，须重新申报。", lambda: self.void(str(declaration_id)), yes="确定", no="取消",
                        title="作废")

    def void(self, declaration_id: str) -> None:
        self.run_call(self.records.void, declaration_id, on_done=lambda _r: self._voided(declaration_id),
                      on_error=self._void_failed, title="作废", label="正在发起作废，请稍候……")

    def _void_failed(self, exc: BaseException) -> None:
        self.query()
        self.ui.error(exc, title="作废")

    def _voided(self, declaration_id: str) -> None:
        self.query()
        try:
            seconds = int(self.records.feedback_wait_s)
        except Exception:  # noqa: BLE001 - the manual's 20 s when the setting cannot be read
            seconds = 20
        if seconds <= 0:
            self.fetch_void_result(declaration_id)
            return
        self.countdown = VoidCountdownDialog(seconds, lambda: self.fetch_void_result(declaration_id),
                                             sync=self.ui.tasks.sync)
        self.ui.dialogs.show(self.countdown)

    def fetch_void_result(self, declaration_id: str) -> None:
        self.run_call(self.records.feedback, on_done=lambda _n: self._void_result(declaration_id),
                      title="获取反馈", label="正在获取作废结果，请稍候……")

    def _void_result(self, declaration_id: str) -> None:
        self.query()
        rec = self.row(declaration_id)
        status = text_of(rec.get("status"))
        if status == VOIDED:
            self.ui.message("作废成功。该申报记录已作废，只能查看明细；如需缴费，请重新申报。", title="作废")
        elif status == VOIDING or not status:
            self.ui.message("作废结果尚未反馈，请稍后点击【获取反馈】查询作废结果。", title="作废")
        else:
            reason = text_of(rec.get("void_reason"))
            self.ui.message(f"作废未成功{('：' + reason) if reason else ''}。", title="作废", kind="error")

    # ---- 查看 / 打印 / 导出 ----------------------------------------------------------------------
    def view(self, declaration_id: Any) -> None:
        """查看: the rows and lines may come from the bureau the first time, so through run_call."""
        self.run_call(self.records.detail, str(declaration_id), with_lines=False, on_done=self._show_detail,
                      title="查看", label="正在获取申报明细，请稍候……")

    def _show_detail(self, detail: RecordDetail) -> None:
        self.detail_dialog = RecordDetailDialog(self, detail)
        self.ui.dialogs.show(self.detail_dialog)

    def print_form(self, declaration_id: str) -> None:
        name = f"社会保险费申报表_{clock.now():%Y%m%d%H%M%S}.pdf"
        self.run_call(self.records.print_form, declaration_id, on_done=lambda data: self.ui.save(data, name),
                      title="打印", label="正在生成社会保险费申报表，请稍候……")

    def export(self) -> None:
        name = f"{self.export_name}_{clock.now():%Y%m%d%H%M%S}.xlsx"
        self.run_call(self.records.export, self.filters(), on_done=lambda data: self.ui.save(data, name),
                      title="导出", label="正在导出，请稍候……")

    def export_detail(self, declaration_id: str) -> None:
        name = f"申报明细_{clock.now():%Y%m%d%H%M%S}.xlsx"
        self.run_call(self.records.export, None, declaration_id, on_done=lambda data: self.ui.save(data, name),
                      title="导出", label="正在导出，请稍候……")


class ProjectDeclarationRecordsPage(DeclarationRecordsPage):
    menu_id: ClassVar[str] = "EMP-24"
    title: ClassVar[str] = "工程项目社保费申报记录"
    kind: ClassVar[str] = "project"
    export_name: ClassVar[str] = "工程项目社保费申报记录"


def _paged(df: pd.DataFrame) -> Callable[[int, int], tuple[pd.DataFrame, int]]:
    def fetch(page_no: int, size: int) -> tuple[pd.DataFrame, int]:
        return df.iloc[(page_no - 1) * size: page_no * size], len(df)
    return fetch


class RecordDetailDialog(Dialog):
    """申报明细: the record, its rows as declared and the per-employee lines (masked); 打印, 导出."""

    def __init__(self, page: DeclarationRecordsPage, detail: RecordDetail) -> None:
        self.page = page
        self.detail = detail
        rec = detail.record
        self.declaration_id = str(rec.get("declaration_id"))
        status = text_of(rec.get("status"))
        pay = text_of(rec.get("pay_status")) if status in (DECLARED, VOIDING) else ""
        pairs = [("申报日期", time_text(rec.get("submitted_at"))), ("申报状态", status), ("缴费状态", pay),
                 ("应缴费额合计", f"{money_text(rec.get('total_due'))}元"), ("应征凭证序号", text_of(rec.get("voucher_no"))),
                 ("主管税务机关", text_of(rec.get("tax_authority"))), ("数据来源", text_of(rec.get("source_name")))]
        if status == "申报失败" and text_of(rec.get("reason")):
            pairs.append(("失败原因", text_of(rec.get("reason"))))
        summary = "".join(f"<span class='sbf-kv' style='display:inline-block;margin:0 20px 4px 0'>"
                          f"<b>{escape(k)}：</b>{escape(v)}</span>" for k, v in pairs if v)
        head = w.HTML(f"<div class='sbf-record-summary'>{summary}</div>")
        settings = page.ui.wb.settings
        rows = detail.rows.reset_index(drop=True)
        self.rows_table = TickTable(_paged(rows), {k: v for k, v in ROW_COLUMNS.items() if k in rows.columns},
                                    table_key="declaration_detail_rows", settings=settings, height="180px",
                                    ticks=False, formatters={"base_total": money_text, "amount": money_text,
                                                             "rate": percent_text},
                                    default_widths=ROW_WIDTHS, min_widths=ROW_MIN_WIDTHS)
        self.rows_table.refresh(1)
        parts: list[w.Widget] = [head, text_html("申报明细", "sbf-section-title"), self.rows_table]
        count = int(rec.get("line_count") or 0) if rec.get("lines_fetched") else 0
        self.lines_table: TickTable | None = None
        if count:
            def fetch(page_no: int, size: int) -> tuple[pd.DataFrame, int]:
                return page.records.lines(self.declaration_id, page=page_no, page_size=size)  # type: ignore[no-any-return]

            self.lines_table = TickTable(fetch, LINE_COLUMNS, table_key="declaration_detail_lines",
                                         settings=settings, height="220px", ticks=False,
                                         formatters={"base": money_text, "amount": money_text, "rate": percent_text},
                                         default_widths=LINE_WIDTHS, min_widths=LINE_MIN_WIDTHS)
            page.ui.call(self.lines_table.refresh, 1)
            parts += [text_html(f"职工申报明细（共{count}条）", "sbf-section-title"), self.lines_table]
        print_ = button("打印", lambda: page.print_form(self.declaration_id), primary=True, css="sbf-record-print")
        export = button("导出", lambda: page.export_detail(self.declaration_id), css="sbf-record-export")
        close = w.Button(description="关闭")
        super().__init__("查看申报明细", parts, [print_, export, close], width="1040px",
                         css="sbf-declaration-detail-dialog")
        close.on_click(lambda _b: self.dismiss())
