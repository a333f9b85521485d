"""缴费 (manual 2.11, EMP-11).

Entering the page (and 刷新) fetches the unit's 欠费信息 from the 征收子系统. Each row shows its 缴费期限
(the pay-by date, holidays applied) and the days left; a date in 滞纳金预览 shows what the late fees
would be if paid that day (beyond the manual). Rows whose 操作类型 is 可缓缴 are flagged and the page
says they may be paid apart.

立即缴费: the ticked rows (with the rows of the same 应征凭证序号 that must go with them; a prompt when
可缓缴 ones are among them: 分开缴纳 or together) → 立即缴费提醒 (items and total) → 安全认证 (the
declaration password, checked by the bureau) → 选择缴费方式: 三方协议缴费 (a verified agreement, shown
masked ****6700) → 确认缴费方式及金额 → the result, 确定 opens 缴费记录; or 银行端凭证缴费 (a payer
account, 人工录入账户账号信息, or none) → 打印预览 with 打印 (the voucher's PDF as a download). A payment
whose answer was lost is offered again on entry (继续提交, the same key: never charged twice).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import ipywidgets as w
import pandas as pd

from sbflib.domain import clock
from sbflib.employer.payments import AgreementChoice, PayerAccount, PayResult, PaySummary
from sbflib.ui.components.cells import date_text, money_text, text_of
from sbflib.ui.components.html import escape
from sbflib.ui.components.tick_table import TickTable
from sbflib.ui.context import Ui, button
from sbflib.ui.page import Page
from sbflib.ui.pages.pay_dialogs import (
    AGREEMENT,
    ConfirmItemsDialog,
    ConfirmMethodDialog,
    MethodDialog,
    PayerEntryDialog,
    VoucherPreviewDialog,
)

RECORDS_MENU = "EMP-13"
COLUMNS = {"voucher_no": "应征凭证序号", "item_name": "征收项目", "payer_name": "缴费对象", "period_range": "费款所属期",
           "amount": "应缴金额（元）", "late_fee": "滞纳金（元）", "deadline": "缴费期限（剩余天数）", "operation": "操作类型",
           "status": "状态"}
# The row fits 1366 px (the amounts, the 20-digit number and the deadline stay whole; 合计 is in the
# totals line and the confirmation); on 1024 px the soft columns give way.
WIDTHS = {"序号": 56, "应征凭证序号": 172, "征收项目": 112, "缴费对象": 64, "费款所属期": 76, "应缴金额（元）": 116,
          "滞纳金（元）": 100, "缴费期限（剩余天数）": 150, "操作类型": 72, "状态": 80}
MIN_WIDTHS = {"序号": 40, "应征凭证序号": 48, "征收项目": 56, "缴费对象": 48, "费款所属期": 56, "应缴金额（元）": 88,
              "滞纳金（元）": 64, "缴费期限（剩余天数）": 146, "操作类型": 48, "状态": 48}


def _days_text(days: Any) -> str:
    try:
        n = int(days)
    except (TypeError, ValueError):
        return ""
    if n < 0:
        return f"逾期{-n}天"
    return "今天到期" if n == 0 else f"{n}天"


class PayPage(Page):
    menu_id = "EMP-11"
    title = "缴费"

    def __init__(self, ui: Ui) -> None:
        self.ui = ui
        self.pay = ui.wb.employer.payments
        self.rows = pd.DataFrame()
        self.preview_day: dt.date | None = None
        self.summary: PaySummary | None = None
        self.password = ""  # held only between 安全认证 and the payment; cleared after it
        self.pay_button = button("立即缴费", self.start, primary=True, css="sbf-pay-now")
        self.refresh_button = button("刷新", self.load, css="sbf-pay-refresh")
        self.resend_button = button("继续提交", self.ask_resend, css="sbf-pay-resend")
        self.resend_button.layout.display = "none"
        self.preview_date = w.DatePicker(value=None, layout=w.Layout(width="150px"))
        self.preview_date.add_class("sbf-pay-preview-date")
        self.preview_button = button("预览滞纳金", self.preview, css="sbf-pay-preview")
        toolbar = w.HBox([self.pay_button, self.refresh_button, self.resend_button, w.Label("缴费日期："),
                          self.preview_date, self.preview_button])
        toolbar.add_class("sbf-toolbar")
        toolbar.add_class("sbf-wrap")
        self.totals = w.HTML("")
        self.totals.add_class("sbf-pay-totals")
        self.deferral_note = w.HTML("")
        self.deferral_note.add_class("sbf-pay-deferral")
        self.table = TickTable(self._fetch, COLUMNS, table_key="pay_arrears", settings=ui.wb.settings,
                               id_column="arrear_id", height="400px",
                               formatters={"amount": money_text, "late_fee": money_text},
                               default_widths=WIDTHS, min_widths=MIN_WIDTHS)
        for part in (toolbar, self.totals, self.deferral_note, self.table):
            part.layout.flex = "0 0 auto"
        card = w.VBox([toolbar, self.totals, self.deferral_note, self.table])
        card.add_class("sbf-card")
        super().__init__(ui, [card], css="sbf-pay-page", show_title=True)
        self.load()

    # ---- 欠费信息 ------------------------------------------------------------------------------
    def _fetch(self, page: int, size: int) -> tuple[pd.DataFrame, int]:
        df = self.rows
        if df.empty:
            return pd.DataFrame(columns=["arrear_id", *COLUMNS]), 0
        part = df.iloc[(page - 1) * size: page * size].copy()
        part["deadline"] = [f"{date_text(d)}（{_days_text(n)}）" for d, n in zip(part["pay_by"], part["days_left"],
                                                                                strict=True)]
        return part, len(df)

    def on_show(self) -> None:
        self.load()

    def load(self) -> None:
        """Entering the page and 刷新: the arrears as of today (the preview date is cleared)."""
        self.preview_day = None
        self.preview_date.value = None
        self.run_call(self.pay.arrears, on_done=self._loaded, title="获取欠费信息",
                      label="正在从征收子系统获取欠费信息，请稍候……")

    def preview(self) -> None:
        day = self.preview_date.value
        if day is None:
            self.ui.message("请选择缴费日期，预览在该日缴费时的滞纳金。", title="预览滞纳金")
            return
        self.preview_day = day
        self.run_call(self.pay.arrears, day, on_done=self._loaded, title="预览滞纳金",
                      label="正在计算滞纳金，请稍候……")

    def _loaded(self, df: pd.DataFrame) -> None:
        self.rows = df.reset_index(drop=True)
        self.ui.call(self.table.refresh, 1)
        self._show_totals()
        self._offer_resend()

    def _show_totals(self) -> None:
        df = self.rows
        if df.empty:
            self.totals.value = "<div class='sbf-hint'>当前没有欠费信息。</div>"
            self.deferral_note.value = ""
            return
        zero = Decimal("0.00")
        amount, fee = sum(df["amount"], zero), sum(df["late_fee"], zero)
        overdue = int((df["days_left"] < 0).sum())
        when = (f"若于{self.preview_day:%Y-%m-%d}缴费，" if self.preview_day is not None else "截至今天，")
        line = (f"共{len(df)}条欠费信息，应缴金额合计{amount:,.2f}元；{when}滞纳金合计{fee:,.2f}元，"
                f"合计{amount + fee:,.2f}元")
        if overdue:
            line += f"；其中{overdue}条已超过缴费期限"
        soonest = df.loc[df["days_left"] >= 0, "pay_by"]
        if len(soonest):
            line += f"；最近的缴费期限为{min(soonest):%Y-%m-%d}"
        self.totals.value = f"<div class='sbf-hint'>{escape(line)}。</div>"
        deferrable = int(df["deferrable"].sum())
        self.deferral_note.value = (
            f"<div class='sbf-hint-red'>存在{deferrable}条可缓缴的欠费信息（操作类型为“可缓缴”），"
            "可在缓缴期限内与其他费款分开缴纳。</div>" if deferrable else "")

    # ---- 继续提交 (a lost answer) ----------------------------------------------------------------
    def _offer_resend(self) -> None:
        ok, pending = self.ui.call(self.pay.pending)
        has = bool(ok and pending is not None and len(pending))
        self.resend_button.layout.display = "" if has else "none"
        if has:
            self.ui.confirm("上次缴费没有收到税务局的应答，无法确认是否已扣款。是否继续提交？（继续提交会发送同一笔缴费，"
                            "不会重复扣款）", self.ask_resend, yes="继续提交", no="稍后", title="缴费")

    def ask_resend(self) -> None:
        self.ui.dialogs.password(self._resend, hint="继续提交上次未收到应答的缴费，需再次输入申报密码。")

    def _resend(self, password: str) -> None:
        self.run_call(self.pay.resend, password, on_done=self._paid, on_error=self._pay_failed, title="缴费",
                      label="正在提交缴费，请稍候……")

    # ---- 立即缴费 ------------------------------------------------------------------------------
    def start(self) -> None:
        if self.preview_day is not None:
            self.ui.message("当前显示的是滞纳金预览，请先点击【刷新】获取今天的欠费信息再缴费。", title="立即缴费")
            return
        ids = [str(i) for i in self.table.selected_ids()]
        if not ids:
            self.ui.message("请勾选需要缴费的欠费信息。", title="立即缴费")
            return
        ok, full = self.ui.call(self.pay.complete, ids)
        if not ok:
            return
        added = len(full) - len(ids)
        ok, parts = self.ui.call(self.pay.split, full)
        if not ok:
            return
        normal, deferrable = parts
        note = f"同一应征凭证序号的欠费信息须一并缴纳，已一并选中{added}条。" if added > 0 else ""
        if deferrable and normal:
            self.ui.confirm(f"{note}所选欠费信息中有{len(deferrable)}条可缓缴的费款（操作类型为“可缓缴”），可以与其他费款"
                            "分开缴纳。是否分开缴纳？选择“是”本次只缴纳正常缴费的费款，可缓缴费款在缓缴期限内另行缴纳；"
                            "选择“否”一并缴纳。", lambda: self._confirm_items(normal),
                            lambda: self._confirm_items(full), title="可缓缴提醒")
            return
        if deferrable:
            self.ui.confirm(f"{note}所选均为可缓缴的费款，可在缓缴期限内缴纳。是否现在缴纳？",
                            lambda: self._confirm_items(full), yes="确定", no="取消", title="可缓缴提醒")
            return
        if note:
            self.ui.message(note, title="立即缴费", on_close=lambda: self._confirm_items(full))
            return
        self._confirm_items(full)

    def _confirm_items(self, ids: list[str]) -> None:
        ok, summary = self.ui.call(self.pay.summary, ids)
        if not ok:
            return
        self.summary = summary
        self.ui.dialogs.show(ConfirmItemsDialog(summary, self._ask_password))

    def _ask_password(self) -> None:
        self.ui.dialogs.password(self._check_password)

    def _check_password(self, password: str) -> None:
        def checked(_ok: Any) -> None:
            self.password = password
            self._choose_method()

        self.run_call(self.pay.check_password, password, on_done=checked, title="安全认证",
                      label="正在校验申报密码，请稍候……")

    def _choose_method(self) -> None:
        self.run_call(self._choices, on_done=self._show_methods, title="选择缴费方式",
                      label="正在获取三方协议信息，请稍候……")

    def _choices(self) -> tuple[list[AgreementChoice], list[PayerAccount]]:
        return self.pay.agreements(), self.pay.payer_accounts()

    def _show_methods(self, choices: tuple[list[AgreementChoice], list[PayerAccount]]) -> None:
        if self.summary is None:
            return
        agreements, accounts = choices
        self.method_dialog = MethodDialog(self.summary.total, agreements, accounts, self._method_chosen,
                                          self._enter_payer)
        self.method_dialog.on_close(lambda: self._forget_unless(self.method_dialog.chosen))
        self.ui.dialogs.show(self.method_dialog)

    def _forget_unless(self, chosen: bool) -> None:
        """A cancelled step forgets the password (it is held only until the payment goes out)."""
        if not chosen:
            self.password = ""

    def _enter_payer(self, dialog: MethodDialog) -> None:
        def save(name: str, account: str, bank: str) -> str | None:
            try:
                made = self.pay.add_payer_account(name, account, bank)
            except Exception as exc:  # noqa: BLE001 - shown in the entry dialog
                from sbflib.ui.context import error_text

                return error_text(exc)
            ok, accounts = self.ui.call(self.pay.payer_accounts)
            dialog.set_accounts(accounts if ok else [made, *dialog.accounts], made)
            return None

        self.ui.dialogs.show(PayerEntryDialog(save))

    def _method_chosen(self, method: str, agreement: AgreementChoice | None, payer: PayerAccount | None) -> None:
        if self.summary is None:
            return
        if method == AGREEMENT and agreement is not None:
            final = ConfirmMethodDialog(self.summary.total, agreement,
                                        lambda: self._submit(method, agreement.agreement_id, None))
            final.on_close(lambda: self._forget_unless(final.chosen))
            self.ui.dialogs.show(final)
            return
        self._submit(method, None, payer)

    def _submit(self, method: str, agreement_id: str | None, payer: PayerAccount | None) -> None:
        if self.summary is None:
            return
        password, self.password = self.password, ""
        ids = list(self.summary.arrear_ids)
        self.run_call(self.pay.pay, ids, password, method, agreement_id=agreement_id, payer=payer,
                      on_done=self._paid, on_error=self._pay_failed, title="缴费", label="正在缴费，请稍候……")

    def _pay_failed(self, exc: BaseException) -> None:
        self.ui.error(exc, title="缴费")
        self.load()

    def _paid(self, result: PayResult | None) -> None:
        self.summary = None
        if result is None:
            self.load()
            return
        if result.payment.voucher is not None:
            self.load()
            self.last_voucher = result
            self.preview_dialog = VoucherPreviewDialog(result.payment.voucher.wire, lambda: self._save_pdf(result))
            self.ui.dialogs.show(self.preview_dialog)
            self.ui.message(result.text, title="缴费凭证")
            return
        self.ui.message(result.text, title="缴费结果", kind="error" if result.status == "缴费失败" else "info",
                        on_close=lambda: self.ui.navigate(RECORDS_MENU))
        self.load()

    def _save_pdf(self, result: PayResult) -> None:
        if result.pdf is None:
            return
        self.ui.save(result.pdf, f"银行端缴费凭证_{text_of(result.voucher_no)}_{clock.now():%Y%m%d%H%M%S}.pdf")

