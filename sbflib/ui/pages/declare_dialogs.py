"""The dialogs of the fee declaration pages (社保费申报, manual 2.8, 2.9, 2.23, 2.27):

- `CheckDialog`: the pre-submission checks (申报前校验) of the ticked rows: errors (错误) block and only
  close; warnings (警告) ask to confirm (继续申报 / 取消). Each finding names the row (序号 in the list and
  the row in words), the field, the reason and what to do.
- `SummaryDialog`: 提交申报确认 (manual 2.8.2 三(二)): the number of rows, the headcount and the total due
  of the ticked rows, with 立即提交 / 取消.
- `LinesDialog`: 预处理明细 (clicking 缴费人数): the per-employee lines of one row, ID numbers masked.
- `ResultDialog`: after the countdown, what became of each declaration of the submission (社保费申报
  （核定） makes one per data source, and one may succeed while the other fails).

The countdown itself is the wage filings' `CountdownDialog` (the same setting, 20 s by default).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as w
import pandas as pd
from ipydatagrid import TextRenderer

from sbflib.domain.ids import mask_id_number
from sbflib.ui.components.cells import money_text, rate_text, text_of
from sbflib.ui.components.dialogs import Dialog
from sbflib.ui.components.html import escape, table_html, text_html
from sbflib.ui.components.table import HEADER_FONT, MemorySettings, Settings
from sbflib.ui.components.tick_table import TickTable

ERROR = "错误"
WARNING = "警告"
PAYER_TEXT = {"unit": "单位", "personal": "个人"}


def _buttons(ok_text: str, cancel_text: str = "取消") -> tuple[w.Button, w.Button]:
    ok = w.Button(description=ok_text, button_style="primary")
    ok.add_class("sbf-dialog-ok")
    cancel = w.Button(description=cancel_text)
    cancel.add_class("sbf-dialog-cancel")
    return ok, cancel


def _scroll(widget: w.Widget, max_height: str = "300px") -> w.Box:
    box = w.Box([widget], layout=w.Layout(max_height=max_height, overflow="auto", width="100%"))
    box.add_class("sbf-declare-scroll")
    return box


def wrap_headers(grid: Any, height: int = 40) -> None:
    """Column headers on up to two lines, so a narrow column keeps its whole label."""
    grid.header_renderer = TextRenderer(font=HEADER_FONT, background_color="#eef3fb", vertical_alignment="top",
                                        text_wrap=True)
    grid.base_column_header_size = height


# ---- 申报前校验 --------------------------------------------------------------------------------------
FINDING_COLUMNS = {"severity": "级别", "where": "行", "field": "字段", "message": "原因", "hint": "处理建议"}
_NOWRAP = {"severity", "where", "field"}


def findings_html(findings: Sequence[Mapping[str, Any]]) -> str:
    """The findings as a table: 级别 (错误 in red), 行, 字段 on one line; 原因 and 处理建议 wrap."""
    head = "".join(f"<th style='white-space:nowrap'>{escape(label)}</th>" for label in FINDING_COLUMNS.values())
    rows = []
    for f in findings:
        cells = []
        for key in FINDING_COLUMNS:
            style = "white-space:nowrap;vertical-align:top" if key in _NOWRAP else "vertical-align:top"
            if key == "severity" and f.get(key) == ERROR:
                style += ";color:#d9363e;font-weight:600"
            cells.append(f"<td style='{style}'>{escape(text_of(f.get(key)))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (f"<table class='sbf-html-table sbf-declare-findings'><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


class CheckDialog(Dialog):
    """The findings of the checks. `findings` are dicts with severity, where, field, message, hint.
    With errors: 关闭 only (the submission is blocked). With warnings only: 继续申报 → `on_confirm()`."""

    def __init__(self, findings: Sequence[Mapping[str, Any]], summary: str,
                 on_confirm: Callable[[], None]) -> None:
        self.findings = [dict(f) for f in findings]
        self.blocked = any(f.get("severity") == ERROR for f in self.findings)
        self.on_confirm = on_confirm
        if self.blocked:
            head = f"{summary}，请修改后再提交申报：错误必须处理，警告请核对。"
        else:
            head = f"{summary}，请核对以下提示；确认无误后可点击【继续申报】。"
        table = w.HTML(findings_html(self.findings), layout=w.Layout(width="100%"))
        body: list[w.Widget] = [text_html(head, "sbf-message sbf-message-error" if self.blocked else "sbf-message"),
                                _scroll(table, "340px")]
        if self.blocked:
            close = w.Button(description="关闭", button_style="primary")
            close.add_class("sbf-dialog-cancel")
            buttons = [close]
        else:
            ok, close = _buttons("继续申报")
            ok.on_click(lambda _b: self.confirm())
            buttons = [ok, close]
        close.on_click(lambda _b: self.dismiss())
        super().__init__("申报前校验", body, buttons, width="880px", css="sbf-declare-check-dialog")

    def confirm(self) -> None:
        self.dismiss()
        self.on_confirm()


# ---- 提交申报确认 ------------------------------------------------------------------------------------
class SummaryDialog(Dialog):
    """本次申报的数据量及应缴费额合计, then 立即提交 (→ `on_submit()`) or 取消."""

    def __init__(self, rows: int, headcount: int | None, total_due: Any, text: str,
                 on_submit: Callable[[], None], *, groups: int | None = None) -> None:
        self.rows = int(rows)
        self.total_due = total_due
        self.on_submit = on_submit
        pairs: list[tuple[str, str]] = [("申报条数", f"{self.rows}条")]
        if groups is not None:
            pairs.append(("勾选项", f"{groups}项"))
        if headcount is not None:
            pairs.append(("缴费人数", f"{int(headcount)}人"))
        pairs.append(("应缴费额合计", f"{money_text(total_due)}元"))
        grid = "".join(f"<tr><th>{escape(k)}</th><td class='sbf-declare-summary-{i}'>{escape(v)}</td></tr>"
                       for i, (k, v) in enumerate(pairs))
        table = w.HTML(f"<table class='sbf-html-table sbf-declare-summary'>{grid}</table>")
        body: list[w.Widget] = []
        if text:
            body.append(text_html(text, "sbf-message sbf-declare-summary-text"))
        body += [table, text_html("点击【立即提交】后，申报数据将发送至税务机关；反馈结果将在倒计时结束后自动获取。",
                                  "sbf-tip")]
        ok, cancel = _buttons("立即提交")
        ok.add_class("sbf-declare-submit-now")
        ok.on_click(lambda _b: self.submit())
        cancel.on_click(lambda _b: self.dismiss())
        super().__init__("提交申报确认", body, [ok, cancel], width="520px", css="sbf-declare-summary-dialog")

    def submit(self) -> None:
        self.dismiss()
        self.on_submit()


# ---- 预处理明细 --------------------------------------------------------------------------------------
LINE_COLUMNS = {"name": "姓名", "id_type": "证件类型", "id_number": "证件号码", "person_number": "个人编号",
                "item_name": "征收项目", "payer_name": "缴费对象", "month": "费款所属期", "base": "缴费基数（元）",
                "rate": "费率", "amount": "应缴费额（元）"}
# the dialog is 1000 px (96 % of a 1024 px screen): the row fits it whole
LINE_WIDTHS = {"序号": 44, "姓名": 72, "证件类型": 92, "证件号码": 150, "个人编号": 108, "征收项目": 106,
               "缴费对象": 44, "费款所属期": 70, "缴费基数（元）": 90, "费率": 50, "应缴费额（元）": 86}
LINE_MIN_WIDTHS = {"序号": 40, "姓名": 60, "证件类型": 60, "证件号码": 140, "个人编号": 60, "征收项目": 80,
                   "缴费对象": 44, "费款所属期": 66, "缴费基数（元）": 84, "费率": 46, "应缴费额（元）": 80}


def payer_text(v: Any) -> str:
    t = text_of(v)
    return PAYER_TEXT.get(t, t)


class LinesDialog(Dialog):
    """The per-employee lines of one preprocessing row (downloaded once and kept by the service)."""

    def __init__(self, head: str, lines: pd.DataFrame, *, item_names: Mapping[str, str] | None = None,
                 settings: Settings | None = None) -> None:
        df = lines.reset_index(drop=True).copy()
        if "id_number" in df.columns:
            df["id_number"] = [mask_id_number(text_of(v)) if text_of(v) else "" for v in df["id_number"].tolist()]
        if "item_name" not in df.columns and "item_code" in df.columns:
            names = dict(item_names or {})
            df["item_name"] = [names.get(text_of(c), text_of(c)) for c in df["item_code"].tolist()]
        if "payer_name" not in df.columns and "payer" in df.columns:
            df["payer_name"] = [payer_text(v) for v in df["payer"].tolist()]
        self.lines = df
        columns = {k: v for k, v in LINE_COLUMNS.items() if k in df.columns}
        if "person_number" in columns and not any(text_of(v) for v in df["person_number"].tolist()):
            columns.pop("person_number")

        def fetch(page_no: int, size: int) -> tuple[pd.DataFrame, int]:
            return df.iloc[(page_no - 1) * size: page_no * size], len(df)

        self.table = TickTable(fetch, columns, table_key="declare_lines", settings=settings or MemorySettings(),
                               height="360px", ticks=False,
                               formatters={"base": money_text, "amount": money_text, "rate": rate_text},
                               default_widths=LINE_WIDTHS, min_widths=LINE_MIN_WIDTHS)
        wrap_headers(self.table.grid)
        self.table.refresh(1)
        close = w.Button(description="关闭", button_style="primary")
        close.add_class("sbf-dialog-cancel")
        close.on_click(lambda _b: self.dismiss())
        super().__init__("预处理明细", [text_html(head, "sbf-declare-lines-head"), self.table], [close],
                         width="1000px", css="sbf-declare-lines-dialog")


# ---- 申报结果 ----------------------------------------------------------------------------------------
RESULT_COLUMNS = {"source_name": "数据来源", "declaration_id": "申报编号", "status": "申报状态", "reason": "原因"}


class ResultDialog(Dialog):
    """What became of each declaration of one submission: 申报成功 / 申报失败 (with the reason) /
    待反馈 (not decided yet: 获取反馈 on the record page later)."""

    def __init__(self, results: Sequence[Mapping[str, Any]], *, title: str = "申报结果") -> None:
        self.results = [dict(r) for r in results]
        ok = [r for r in self.results if r.get("status") == "申报成功"]
        failed = [r for r in self.results if r.get("status") == "申报失败"]
        pending = [r for r in self.results if r.get("status") not in ("申报成功", "申报失败")]
        parts = []
        if ok:
            parts.append(f"{len(ok)}份申报成功")
        if failed:
            parts.append(f"{len(failed)}份申报失败")
        if pending:
            parts.append(f"{len(pending)}份尚未反馈")
        n = len(self.results)
        head = f"本次提交生成{n}份申报表：" + "，".join(parts) + "。" if n > 1 else (
            f"本次申报{self.results[0].get('status') or '已提交'}。" if n == 1 else "本次申报已提交。")
        if failed:
            head += "申报失败的预处理信息可修正后重新申报；不同申报表的结果互不影响。"
        if pending:
            head += "尚未反馈的申报，请稍后在申报记录中点击【获取反馈】。"
        rows = [{**r, "status": text_of(r.get("status")) or "待反馈"} for r in self.results]
        columns = dict(RESULT_COLUMNS)
        if not any(text_of(r.get("reason")) for r in rows):
            columns.pop("reason")
        table = w.HTML(table_html(pd.DataFrame(rows, columns=list(columns)), columns, css="sbf-declare-results"),
                       layout=w.Layout(width="100%"))
        close = w.Button(description="确定", button_style="primary")
        close.add_class("sbf-dialog-ok")
        close.on_click(lambda _b: self.dismiss())
        kind = "sbf-message sbf-message-error" if failed and not ok else "sbf-message"
        super().__init__(title, [text_html(head, kind), _scroll(table, "260px")], [close], width="720px",
                         css="sbf-declare-result-dialog")
