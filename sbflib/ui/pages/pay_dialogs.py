"""The dialogs of 缴费 (manual 2.11): 立即缴费提醒 (items and total), 选择缴费方式 (三方协议 or 银行端凭证缴费,
with 人工录入账户账号信息), 确认缴费方式及金额, and the voucher's 打印预览 (the PDF offered as a download)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import ipywidgets as w

from sbflib.employer.payments import (
    VOUCHER_TITLE,
    VOUCHER_WARNING,
    AgreementChoice,
    PayerAccount,
    PaySummary,
    VoucherDoc,
    format_period,
    voucher_doc,
)
from sbflib.ui.components.dialogs import Dialog
from sbflib.ui.components.html import escape, text_html

AGREEMENT = "agreement"
VOUCHER = "voucher"
NO_PAYER = "请选择"
TIP = ("温馨提示：1.缴费前请确认账户余额充足再进行缴费，否则可能会造成部分险种缴费失败，影响社保权益兑付；"
       "2.选择银行端凭证缴费方式，请选择存款账户账号信息作为凭证上的付款人银行账户信息，若无需填写付款人银行账户信息可忽略"
       "选择，如需补充账户账号信息请点击【人工录入账户账号信息】按钮。")
VOUCHER_HINT = "该缴费方式需要纳税人打印凭证后去银行柜台办理缴费，适用于尚未签署三方协议的纳税人"


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


class ConfirmItemsDialog(Dialog):
    """立即缴费提醒: the items per 征收项目 and the total, 确定 / 取消."""

    def __init__(self, summary: PaySummary, on_ok: Callable[[], None]) -> None:
        lines = "".join(f"<li>{escape(line)}</li>" for line in summary.lines)
        fee = (f"<div>其中滞纳金：<b>{_money(summary.late_fee)}</b> 元</div>" if summary.late_fee else "")
        body = w.HTML(f"<div class='sbf-message'>请核对缴费的险种、金额是否正确无误：<ul class='sbf-pay-items'>{lines}</ul>"
                      f"<div>共 {summary.rows} 条欠费信息，缴费金额合计：<b class='sbf-pay-total'>{_money(summary.total)}"
                      f"</b> 元</div>{fee}</div>")
        ok = w.Button(description="确定", button_style="primary")
        ok.add_class("sbf-pay-confirm-ok")
        cancel = w.Button(description="取消")
        super().__init__("立即缴费提醒", [body], [ok, cancel], width="520px", css="sbf-pay-confirm-dialog")

        def _ok(_b: w.Button) -> None:
            self.dismiss()
            on_ok()

        ok.on_click(_ok)
        cancel.on_click(lambda _b: self.dismiss())


class PayerEntryDialog(Dialog):
    """人工录入账户账号信息: 付款人名称, 付款人账号, 开户银行名称 (all required), 保存 / 取消."""

    def __init__(self, on_save: Callable[[str, str, str], str | None]) -> None:
        self.name = w.Text(placeholder="请输入付款人名称")
        self.account = w.Text(placeholder="请输入付款人账号")
        self.bank = w.Text(placeholder="请输入开户银行名称")
        for widget, css in ((self.name, "sbf-payer-name"), (self.account, "sbf-payer-account"),
                            (self.bank, "sbf-payer-bank")):
            widget.add_class(css)
        self.error = w.HTML("")
        rows = [w.HBox([w.Label(label, layout=w.Layout(width="120px")), widget])
                for label, widget in (("*付款人名称：", self.name), ("*付款人账号：", self.account),
                                      ("*开户银行名称：", self.bank))]
        save = w.Button(description="保存", button_style="primary")
        save.add_class("sbf-payer-save")
        cancel = w.Button(description="取消")
        super().__init__("人工录入账户账号信息", [*rows, self.error], [save, cancel], width="460px",
                         css="sbf-payer-entry-dialog")

        def _save(_b: w.Button) -> None:
            problem = on_save(self.name.value, self.account.value, self.bank.value)
            if problem:
                self.error.value = f"<div class='sbf-hint-red'>{escape(problem)}</div>"
            else:
                self.dismiss()

        save.on_click(_save)
        cancel.on_click(lambda _b: self.dismiss())


class MethodDialog(Dialog):
    """选择缴费方式: 三方协议缴费 (a verified agreement, masked) or 银行端凭证缴费 (a payer account, 人工录入,
    or none). `on_ok(method, agreement, payer)`."""

    def __init__(self, total: Decimal, agreements: list[AgreementChoice], accounts: list[PayerAccount],
                 on_ok: Callable[[str, AgreementChoice | None, PayerAccount | None], None],
                 on_enter_payer: Callable[[MethodDialog], None]) -> None:
        self.agreements = agreements
        self.accounts = list(accounts)
        self.chosen = False
        self.method = w.RadioButtons(options=[("三方协议缴费", AGREEMENT), ("银行端凭证缴费", VOUCHER)],
                                     value=AGREEMENT if agreements else VOUCHER)
        self.method.add_class("sbf-pay-method")
        self.agreement = w.Dropdown(options=[(a.label, a.agreement_id) for a in agreements] or [("无可用的三方协议", "")],
                                    layout=w.Layout(width="340px"))
        self.agreement.add_class("sbf-pay-agreement")
        self.payer = w.Dropdown(layout=w.Layout(width="340px"))
        self.payer.add_class("sbf-pay-payer")
        self.set_accounts(self.accounts)
        enter = w.Button(description="人工录入账户账号信息", layout=w.Layout(width="auto"))
        enter.add_class("sbf-pay-enter-payer")
        enter.on_click(lambda _b: on_enter_payer(self))
        self.error = w.HTML("")
        head = w.HTML(f"<div class='sbf-pay-amount'>缴费金额：<b>{_money(total)}</b> 元</div>"
                      f"<div class='sbf-hint' style='line-height:1.5'>{escape(TIP)}</div>")
        agreement_row = w.HBox([w.Label("请选择付款银行信息："), self.agreement])
        voucher_row = w.HBox([w.Label("付款人银行账户："), self.payer, enter])
        for row in (agreement_row, voucher_row):
            row.add_class("sbf-wrap")
        none = (text_html("本单位没有验证通过的三方协议，请在单位三方协议管理中签订并验证后使用，或选择银行端凭证缴费。",
                          "sbf-hint-red") if not agreements else w.HTML(""))
        ok = w.Button(description="确定", button_style="primary")
        ok.add_class("sbf-pay-method-ok")
        cancel = w.Button(description="取消")
        super().__init__("选择缴费方式", [head, self.method, text_html("三方协议缴费", "sbf-section-title"), agreement_row,
                                        none, text_html("银行端凭证缴费", "sbf-section-title"), voucher_row,
                                        text_html(VOUCHER_HINT, "sbf-hint"), self.error],
                         [ok, cancel], width="640px", css="sbf-pay-method-dialog")

        def _ok(_b: w.Button) -> None:
            if self.method.value == AGREEMENT:
                chosen = next((a for a in agreements if a.agreement_id == self.agreement.value), None)
                if chosen is None:
                    self.error.value = "<div class='sbf-hint-red'>请选择付款银行信息（三方协议）</div>"
                    return
                self.chosen = True
                self.dismiss()
                on_ok(AGREEMENT, chosen, None)
                return
            index = self.payer.value
            payer = self.accounts[index] if isinstance(index, int) and index >= 0 else None
            self.chosen = True
            self.dismiss()
            on_ok(VOUCHER, None, payer)

        ok.on_click(_ok)
        cancel.on_click(lambda _b: self.dismiss())

    def set_accounts(self, accounts: list[PayerAccount], chosen: PayerAccount | None = None) -> None:
        self.accounts = list(accounts)
        self.payer.options = [(NO_PAYER, -1), *[(a.label, i) for i, a in enumerate(self.accounts)]]
        self.payer.value = self.accounts.index(chosen) if chosen in self.accounts else -1


class ConfirmMethodDialog(Dialog):
    """确认缴费方式及金额 (三方协议): 缴费金额, 缴费方式 and the bank account; 确认缴费 / 取消."""

    def __init__(self, total: Decimal, agreement: AgreementChoice, on_ok: Callable[[], None]) -> None:
        body = w.HTML(f"<div class='sbf-message'><div>缴费金额：<b>{_money(total)}</b> 元</div>"
                      f"<div>缴费方式：三方协议支付</div><div>{escape(agreement.label)}</div></div>")
        ok = w.Button(description="确认缴费", button_style="primary")
        ok.add_class("sbf-pay-final-ok")
        cancel = w.Button(description="取消")
        super().__init__("温馨提示", [body], [ok, cancel], width="460px", css="sbf-pay-final-dialog")
        self.chosen = False

        def _ok(_b: w.Button) -> None:
            self.chosen = True
            self.dismiss()
            on_ok()

        ok.on_click(_ok)
        cancel.on_click(lambda _b: self.dismiss())


def voucher_html(doc: VoucherDoc) -> str:
    """The voucher as the preview shows it (the same data as the PDF)."""
    cell = "border:1px solid #999;padding:4px 6px"
    label = cell + ";background:#f5f5f5;white-space:nowrap"
    grid = "".join(
        f"<tr><td style='{label}'>{escape(a)}</td><td style='{cell}'>{escape(b)}</td>"
        f"<td style='{label}'>{escape(c)}</td><td style='{cell}'>{escape(d)}</td></tr>"
        for a, b, c, d in (("纳税人识别号", doc.taxpayer_id, "税务机关代码", doc.tax_authority_code),
                           ("纳税人名称", doc.taxpayer_name, "税务机关名称", doc.tax_authority_name),
                           ("付款人名称", doc.payer_name, "开户银行名称", doc.payer_bank),
                           ("付款人账号", doc.payer_account, "税款缴款日期", f"{doc.pay_by:%Y-%m-%d}")))
    late = doc.has_late_fees
    head = ("<tr>" + "".join(f"<th style='{label}'>{h}</th>" for h in
                             ["征收项目名称", "征收品目名称", "费款所属期", "应缴税额", *(["滞纳金"] if late else [])])
            + "</tr>")
    rows = "".join(
        f"<tr><td style='{cell}'>{escape(i.item_name)}</td><td style='{cell}'>{escape(i.sub_item_name)}</td>"
        f"<td style='{cell}'>{escape(format_period(i.period_start, i.period_end))}</td>"
        f"<td style='{cell};text-align:right'>{_money(i.amount)}</td>"
        + (f"<td style='{cell};text-align:right'>{_money(i.late_fee or Decimal(0))}</td>" if late else "")
        + "</tr>" for i in doc.items[:12])
    more = (f"<tr><td colspan='5' style='{cell}'>……共{len(doc.items)}项，完整内容见凭证PDF</td></tr>"
            if len(doc.items) > 12 else "")
    total = doc.total or Decimal(0)
    return (f"<div class='sbf-voucher-preview' style='font-size:13px'>"
            f"<div style='text-align:center;font-size:18px;font-weight:bold'>{VOUCHER_TITLE}</div>"
            f"<div>银行端查询缴税凭证序号：<b class='sbf-voucher-no'>{escape(doc.voucher_no)}</b>"
            f"　{doc.issued_on:%Y年%m月%d日}</div>"
            f"<table style='border-collapse:collapse;width:100%;margin:4px 0'>{grid}</table>"
            f"<table style='border-collapse:collapse;width:100%'>{head}{rows}{more}</table>"
            f"<div style='margin-top:4px'>金额合计（小写）：<b>{_money(total)}</b>　"
            f"金额合计（大写）：<b>{escape(doc.total_in_capitals)}</b></div>"
            f"<div class='sbf-hint-red'>{escape(VOUCHER_WARNING)}</div></div>")


class VoucherPreviewDialog(Dialog):
    """打印预览: the voucher as it prints and 打印 (the PDF, downloaded to print)."""

    def __init__(self, wire: dict[str, Any], on_print: Callable[[], None], *, title: str = "打印预览") -> None:
        try:
            preview = voucher_html(voucher_doc(wire))
        except Exception:  # noqa: BLE001 - the PDF still downloads; the preview is a courtesy
            preview = "<div class='sbf-hint'>凭证预览暂不可用，请点击【打印】下载凭证。</div>"
        body = w.HTML(preview)
        hint = text_html("点击【打印】下载凭证（PDF）后打印，持凭证在税款缴款日期前到银行柜台缴款。", "sbf-hint")
        print_ = w.Button(description="打印", button_style="primary")
        print_.add_class("sbf-voucher-print")
        close = w.Button(description="关闭")
        super().__init__(title, [body, hint], [print_, close], width="760px", css="sbf-voucher-preview-dialog")
        print_.on_click(lambda _b: on_print())
        close.on_click(lambda _b: self.dismiss())
