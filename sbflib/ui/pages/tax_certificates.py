"""税收完税证明（非印刷） 开具 (manual 2.14, EMP-14), 补开 (2.15, EMP-15) and 查验 (2.26, EMP-26).

- 开具: the list starts empty (2.14 二); 查询 asks the 征收子系统 for the 电子税票 in the treasury whose
  费款所属期 meets the months; 开具 in a row's 操作 column issues the certificate and saves it as PDF.
  A certificate issued already is refused by the bureau; the page shows its message and offers 前往补开.
- 补开: the same shape over the certificates issued; 补开 saves the same certificate marked 补开.
- 查验: the paper's fields (* required, checked before the call with the field named), 查询 / 重置,
  the 查验结果 (真, or 不符 naming the fields that differ when the number is the unit's own) and 预览:
  the certificate drawn as its ticket, view only (no download, no print).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, ClassVar

import ipywidgets as w
import pandas as pd

from sbflib.domain import clock
from sbflib.domain.capitals import to_capitals
from sbflib.domain.months import add_months
from sbflib.employer.certificates import (
    CHECK_FIELDS,
    ISSUABLE_COLUMNS,
    ISSUED_COLUMNS,
    RESULT_FIELDS,
    TICKET_KIND,
    CheckResult,
    PaperFields,
    Printout,
)
from sbflib.gateway.certificates import Certificate
from sbflib.ui.components.cells import date_text, money_text
from sbflib.ui.components.dialogs import Dialog
from sbflib.ui.components.html import escape, text_html
from sbflib.ui.components.query_form import QueryForm
from sbflib.ui.components.tick_table import TickTable
from sbflib.ui.context import Ui, button
from sbflib.ui.page import Page

ISSUE_MENU = "EMP-14"
REISSUE_MENU = "EMP-15"

ISSUABLE_WIDTHS = {"序号": 56, "应征凭证序号": 170, "费款所属期": 120, "品目数": 76, "实缴金额合计": 120,
                   "缴款日期": 100, "入库日期": 100, "主管税务机关": 190, "开具状态": 92, "电子税票号码": 180}
# at 1024 px the row shrinks towards these (values elide …) so that 操作 stays in view
ISSUABLE_MIN = {"序号": 44, "应征凭证序号": 72, "费款所属期": 72, "品目数": 44, "实缴金额合计": 96, "缴款日期": 40,
                "入库日期": 88, "主管税务机关": 40, "开具状态": 64, "电子税票号码": 40}
ISSUED_WIDTHS = {"序号": 56, "电子税票号码": 180, "应征凭证序号": 170, "费款所属期": 120, "品目数": 76,
                 "金额合计": 120, "填发日期": 100, "打印次数": 92, "主管税务机关": 180, "票证字轨": 120, "票证号码": 110}
ISSUED_MIN = {"序号": 44, "电子税票号码": 80, "应征凭证序号": 40, "费款所属期": 72, "品目数": 44, "金额合计": 96,
              "填发日期": 88, "打印次数": 56, "主管税务机关": 36, "票证字轨": 36, "票证号码": 36}


def paged(df: pd.DataFrame) -> Callable[[int, int], tuple[pd.DataFrame, int]]:
    """A table's fetch over a frame held by the page."""
    def fetch(page_no: int, size: int) -> tuple[pd.DataFrame, int]:
        return df.iloc[(page_no - 1) * size: page_no * size], len(df)
    return fetch


class MonthRange(w.HBox):
    """费款所属期 起 至 止 ('YYYY-MM' each); `value` is the (起, 止) pair as typed."""

    def __init__(self, start: str = "", end: str = "", css: str = "sbf-month-range") -> None:
        self.start = w.Text(value=start, placeholder="年-月，如2026-01", layout=w.Layout(flex="1 1 0", min_width="0"))
        self.end = w.Text(value=end, placeholder="年-月，如2026-12", layout=w.Layout(flex="1 1 0", min_width="0"))
        self.start.add_class("sbf-month-from")
        self.end.add_class("sbf-month-to")
        sep = w.Label("至", layout=w.Layout(margin="0 4px", width="auto"))
        super().__init__([self.start, sep, self.end], layout=w.Layout(flex="1 1 auto", min_width="0"))
        self.add_class(css)

    @property
    def value(self) -> tuple[str, str]:
        return (self.start.value.strip(), self.end.value.strip())

    @value.setter
    def value(self, v: tuple[str, str]) -> None:
        self.start.value, self.end.value = v


def default_months() -> tuple[str, str]:
    """The last twelve months, the current one included."""
    month = clock.current_month()
    return add_months(month, -11), month


class CertificateListPage(Page):
    """开具 / 补开: 费款所属期 query, an empty list until 查询, one action per row that saves a PDF."""

    kind: ClassVar[str] = "issue"
    action: ClassVar[str] = "开具"
    hint: ClassVar[str] = ""

    def __init__(self, ui: Ui) -> None:
        self.ui = ui
        self.certs = ui.wb.employer.certificates
        self.months = MonthRange(*default_months())
        self.form = QueryForm([("费款所属期", self.months)], on_query=self.query, per_row=2)
        self.result = w.HTML("")
        self.result.add_class("sbf-cert-result")
        toolbar = w.HBox([text_html(self.hint, "sbf-hint")])
        toolbar.add_class("sbf-toolbar")
        toolbar.add_class("sbf-wrap")
        self.frame = pd.DataFrame()
        issue = self.kind == "issue"
        self.table = TickTable(paged(self.frame), ISSUABLE_COLUMNS if issue else ISSUED_COLUMNS,
                               table_key=f"tax_certificates_{self.kind}", settings=ui.wb.settings,
                               id_column="voucher_no" if issue else "certificate_no", height="400px", ticks=False,
                               actions={self.action: self.act},
                               formatters={"total": money_text, "paid_on": date_text, "arrived_on": date_text,
                                           "issued_on": date_text},
                               default_widths=ISSUABLE_WIDTHS if issue else ISSUED_WIDTHS,
                               min_widths=ISSUABLE_MIN if issue else ISSUED_MIN)
        for part in (self.form, toolbar, self.result, self.table):
            part.layout.flex = "0 0 auto"
        card = w.VBox([self.form, toolbar, self.result, self.table])
        card.add_class("sbf-card")
        super().__init__(ui, [card], css=f"sbf-tax-certificates-{self.kind}", show_title=True)

    # ---- 查询 ----------------------------------------------------------------------------------
    def fetch_list(self, month_from: str, month_to: str) -> pd.DataFrame:
        raise NotImplementedError

    def query(self) -> None:
        start, end = self.months.value
        self.run_call(self.fetch_list, start, end, on_done=self._show, title="查询",
                      label="正在从征收子系统查询完税证明信息，请稍候……")

    def _show(self, df: pd.DataFrame) -> None:
        self.frame = df.reset_index(drop=True)
        self.table.fetch = paged(self.frame)
        self.ui.call(self.table.refresh, 1)
        if self.frame.empty:
            self._note("费款所属期内没有可" + self.action + "的完税证明。", ok=False)
        else:
            self.result.value = ""

    def _note(self, text: str, ok: bool = True) -> None:
        cls = "sbf-ok" if ok else "sbf-hint-red"
        self.result.value = f"<div class='{cls}' style='margin:4px 0'>{escape(text)}</div>"

    def row(self, key: Any) -> dict[str, Any]:
        column = self.table.id_column or ""
        if self.frame.empty or column not in self.frame.columns:
            return {}
        hit = self.frame[self.frame[column].astype(str) == str(key)]
        return dict(hit.iloc[0]) if len(hit) else {}

    # ---- 开具 / 补开 -------------------------------------------------------------------------------
    def act(self, key: Any) -> None:
        raise NotImplementedError

    def _saved(self, printout: Printout) -> None:
        self.ui.save(printout.pdf, printout.filename)
        cert = printout.certificate
        self._note(f"已{self.action}税收完税证明（电子税票号码{cert.certificate_no}，金额合计{money_text(cert.total)}元，"
                   f"{cert.print_label}），已保存为文件。")
        self.query_quietly()

    def query_quietly(self) -> None:
        """The list again after an action (the status and print count changed), without a dialog."""
        start, end = self.months.value
        ok, df = self.ui.call(self.fetch_list, start, end)
        if ok and df is not None:
            note = self.result.value
            self._show(df)
            self.result.value = note


class IssueCertificatePage(CertificateListPage):
    menu_id: ClassVar[str] = ISSUE_MENU
    title: ClassVar[str] = "税收完税证明（非印刷）开具"
    kind: ClassVar[str] = "issue"
    action: ClassVar[str] = "开具"
    hint: ClassVar[str] = "输入费款所属期起止后点击【查询】；点击列表行操作栏中的【开具】保存完税证明文件。已开具的完税证明请到补开菜单补开。"

    def fetch_list(self, month_from: str, month_to: str) -> pd.DataFrame:
        return self.certs.issuable(month_from, month_to)

    def act(self, key: Any) -> None:
        self.run_call(self.certs.issue, str(key), on_done=self._saved, on_error=self._refused, title="开具",
                      label="正在开具税收完税证明，请稍候……")

    def _refused(self, exc: BaseException) -> None:
        if self.certs.already_issued(exc):
            self.query_quietly()
            self.ui.confirm(str(exc), lambda: self.ui.navigate(REISSUE_MENU), yes="前往补开", no="关闭",
                            title="开具")
        else:
            self.ui.error(exc, title="开具")


class ReissueCertificatePage(CertificateListPage):
    menu_id: ClassVar[str] = REISSUE_MENU
    title: ClassVar[str] = "税收完税证明（非印刷）补开"
    kind: ClassVar[str] = "reissue"
    action: ClassVar[str] = "补开"
    hint: ClassVar[str] = "输入费款所属期起止后点击【查询】，列出已开具的完税证明；点击列表行操作栏中的【补开】保存补开的完税证明文件。"

    def fetch_list(self, month_from: str, month_to: str) -> pd.DataFrame:
        return self.certs.issued(month_from, month_to)

    def act(self, key: Any) -> None:
        self.run_call(self.certs.reissue, str(key), on_done=self._saved, title="补开",
                      label="正在补开税收完税证明，请稍候……")


# ---- 查验 ------------------------------------------------------------------------------------------

def _period(start: str, end: str) -> str:
    return start if start == end else f"{start} 至 {end}"


def certificate_html(cert: Certificate) -> str:
    """The certificate drawn as its ticket (中华人民共和国税收完税证明), for the view-only 预览."""
    cell = "border:1px solid #7a4b2a;padding:4px 6px;"
    head = "".join(f"<th style='{cell}font-weight:normal'>{escape(h)}</th>"
                   for h in ("原凭证号", "税种", "品目名称", "税款所属时期", "入（退）库日期", "实缴（退）金额"))
    rows = "".join(
        f"<tr><td style='{cell}'>{escape(i.voucher_no)}</td><td style='{cell}'>{escape(i.item_name)}</td>"
        f"<td style='{cell}'>{escape(i.subitem_name)}</td>"
        f"<td style='{cell}'>{escape(_period(i.period_start, i.period_end))}</td>"
        f"<td style='{cell}'>{escape(i.arrived_on.isoformat())}</td>"
        f"<td style='{cell}text-align:right'>{escape(money_text(i.amount))}</td></tr>" for i in cert.items)
    total = cert.total if isinstance(cert.total, Decimal) else Decimal(str(cert.total))
    return (
        "<div class='sbf-cert-ticket' style='color:#7a4b2a;font-size:13px;max-width:860px;user-select:none'>"
        "<div style='text-align:center;font-size:20px;font-weight:bold;letter-spacing:2px'>中华人民共和国<br>税收完税证明</div>"
        f"<div style='text-align:right'>{escape(cert.ticket_track)} No. {escape(cert.ticket_no or cert.certificate_no)}</div>"
        f"<div style='display:flex;justify-content:space-between'><span>填发日期：{escape(cert.issued_on.isoformat())}</span>"
        f"<span>税务机关：{escape(cert.tax_authority)}</span></div>"
        "<table style='border-collapse:collapse;width:100%;margin-top:4px'>"
        f"<tr><td style='{cell}'>纳税人识别号</td><td style='{cell}'>{escape(cert.taxpayer_id)}</td>"
        f"<td style='{cell}'>纳税人名称</td><td colspan='3' style='{cell}'>{escape(cert.taxpayer_name)}</td></tr>"
        f"<tr>{head}</tr>{rows}"
        f"<tr><td style='{cell}'>金额合计</td><td colspan='4' style='{cell}'>（大写）{escape(to_capitals(total, prefix=True))}</td>"
        f"<td style='{cell}text-align:right'>¥{escape(money_text(total))}</td></tr>"
        f"<tr><td colspan='2' style='{cell}height:48px'>税务机关（盖章）</td>"
        f"<td colspan='2' style='{cell}'>填票人：{escape(cert.issuer)}</td>"
        f"<td colspan='2' style='{cell}'>电子税票号码：{escape(cert.certificate_no)}<br>收款国库：{escape(cert.treasury)}</td></tr>"
        "</table>"
        f"<div style='text-align:right;margin-top:4px'>{escape(cert.print_label)} 妥善保存</div>"
        "</div>")


class PreviewDialog(Dialog):
    """预览: the certificate as its ticket, view only (no download, no print)."""

    def __init__(self, cert: Certificate) -> None:
        close = w.Button(description="关闭")
        body = w.HTML(certificate_html(cert))
        body.add_class("sbf-cert-preview")
        note = text_html("仅供预览，不可下载、打印。", "sbf-hint")
        super().__init__("预览", [note, body], [close], width="900px", css="sbf-cert-preview-dialog")
        close.on_click(lambda _b: self.dismiss())


class CheckCertificatePage(Page):
    menu_id: ClassVar[str] = "EMP-26"
    title: ClassVar[str] = "税收完税证明查验"

    def __init__(self, ui: Ui) -> None:
        self.ui = ui
        self.certs = ui.wb.employer.certificates
        self.inputs: dict[str, w.Widget] = {}
        cells = []
        for key, (label, needed) in CHECK_FIELDS.items():
            box: w.Widget
            if key == "ticket_kind":  # 默认自动加载票证种类信息 (2.26 二)
                box = w.Dropdown(options=list(self.certs.TICKET_KINDS), value=TICKET_KIND)
            else:
                box = w.Text(placeholder=_PLACEHOLDERS.get(key, ""))
            box.layout = w.Layout(flex="1 1 auto", min_width="0", width="auto")
            box.add_class(f"sbf-check-{key.replace('_', '-')}")
            self.inputs[key] = box
            lab = w.HTML(f"<span class='sbf-required' style='color:#d9363e'>{'*' if needed else ''}</span>"
                         f"{escape(label)}：", layout=w.Layout(width="112px", min_width="112px"))
            lab.add_class("sbf-check-label")
            cell = w.HBox([lab, box], layout=w.Layout(align_items="center", min_width="0"))
            cells.append(cell)
        grid = w.GridBox(cells, layout=w.Layout(
            grid_template_columns="repeat(auto-fill, minmax(max(280px, calc((100% - 36px) / 3)), 1fr))",
            grid_gap="8px 18px", width="100%"))
        self.query_button = button("查询", self.query, primary=True, css="sbf-check-query")
        self.reset_button = button("重置", self.reset, css="sbf-check-reset")
        bar = w.HBox([self.query_button, self.reset_button])
        bar.add_class("sbf-query-buttons")
        form = _card("税收完税证明票证信息", [grid, bar], "sbf-check-form")
        self.verdict = w.HTML("")
        self.verdict.add_class("sbf-check-verdict")
        self.result_box = w.HTML(self._result_html(()))
        self.result_box.add_class("sbf-check-result")
        self.preview_button = button("预览", self.preview, css="sbf-check-preview")
        self.preview_button.disabled = True
        result = _card("查验结果", [self.verdict, self.result_box, w.HBox([self.preview_button])], "sbf-check-results")
        self.checked: CheckResult | None = None
        super().__init__(ui, [form, result], css="sbf-tax-certificate-check", show_title=True)

    @staticmethod
    def _result_html(pairs: tuple[tuple[str, str], ...]) -> str:
        values = dict(pairs)
        cells = "".join(
            f"<div style='display:flex;gap:6px;min-width:0'><span style='color:#5b6b7f;white-space:nowrap'>"
            f"{escape(label)}：</span><span class='sbf-check-value' style='overflow-wrap:anywhere'>"
            f"{escape(values.get(label, ''))}</span></div>" for label in RESULT_FIELDS.values())
        return ("<div style='display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:8px 18px;"
                f"padding:4px 0'>{cells}</div>")

    def paper(self) -> PaperFields:
        return PaperFields(**{k: str(getattr(box, "value", "") or "") for k, box in self.inputs.items()})

    def query(self) -> None:
        self.run_call(self.certs.check, self.paper(), on_done=self._show, on_error=self._failed, title="查验",
                      label="正在查验，请稍候……")

    def _failed(self, exc: BaseException) -> None:
        self._clear()
        self.ui.error(exc, title="查验")

    def _clear(self) -> None:
        self.checked = None
        self.verdict.value = ""
        self.result_box.value = self._result_html(())
        self.preview_button.disabled = True

    def _show(self, checked: CheckResult) -> None:
        self.checked = checked
        if checked.genuine:
            self.verdict.value = (f"<div class='sbf-ok' style='font-weight:bold'>查验结果：{escape(checked.verdict)}</div>"
                                  f"<div class='sbf-hint'>{escape(checked.message)}</div>")
        else:
            fields = ("不一致的项目：" + "、".join(checked.mismatched) + "。") if checked.mismatched else ""
            self.verdict.value = (f"<div class='sbf-fail' style='font-weight:bold'>查验结果：{escape(checked.verdict)}</div>"
                                  f"<div class='sbf-hint-red'>{escape(fields + checked.message)}</div>")
        self.result_box.value = self._result_html(checked.result)
        self.preview_button.disabled = checked.certificate is None

    def reset(self) -> None:
        """重置: the conditions cleared (the ticket kind back to its one choice) and the result."""
        for key, box in self.inputs.items():
            box.value = TICKET_KIND if key == "ticket_kind" else ""
        self._clear()

    def preview(self) -> None:
        if self.checked is None or self.checked.certificate is None:
            return
        self.preview_dialog = PreviewDialog(self.checked.certificate)
        self.ui.dialogs.show(self.preview_dialog)


_PLACEHOLDERS = {"taxpayer_id": "统一社会信用代码", "certificate_no": "票面右上方No.后的号码",
                 "region_code": "6位代码，如330108", "total": "如1234.56", "ticket_track": "如(2026)浙证非印"}


def _card(title: str, items: list[w.Widget], css: str) -> w.VBox:
    head = w.HTML(f"<div class='sbf-card-title'>{escape(title)}</div>")
    box = w.VBox([head, *items])
    box.add_class("sbf-card")
    box.add_class(css)
    return box


__all__ = ["CheckCertificatePage", "IssueCertificatePage", "MonthRange", "ReissueCertificatePage", "certificate_html",
           "default_months", "paged"]
