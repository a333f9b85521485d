"""操作日志 (系统设置, beyond the official client): every call that changed something at the bureau,
with its time, unit, operation, outcome, the bureau's answer and the request number (idempotency
key); query form, 查看 (every field, the fields sent and the answer) and 导出 (.xlsx)."""

from __future__ import annotations

import datetime as dt
import html
import json
from typing import TYPE_CHECKING, Any

import ipywidgets as w
import pandas as pd

from sbflib.domain import clock
from sbflib.system.audit import COLUMNS, AuditFilter
from sbflib.ui.components.dialogs import Dialog
from sbflib.ui.components.html import escape
from sbflib.ui.components.query_form import QueryForm
from sbflib.ui.components.tick_table import TickTable
from sbflib.ui.context import button
from sbflib.ui.page import Page

if TYPE_CHECKING:
    from sbflib.ui.context import Ui

ALL = "全部"
#: What the list shows (the rest is in 查看 and the export).
SHOWN = ("called_at", "unit_id", "unit_name", "operation", "outcome", "message", "result_id")
WIDTHS = {"序号": 52, "操作时间": 150, "单位标识": 84, "单位名称": 170, "操作类型": 110, "结果": 70,
          "税务局答复": 180, "业务编号": 120}
# At 1024 px the time stays whole; names, answers and numbers are elided (…) first.
MIN_WIDTHS = {"序号": 44, "操作时间": 142, "单位标识": 74, "单位名称": 72, "操作类型": 96, "结果": 66, "税务局答复": 60,
              "业务编号": 60}
TIP = ("记录本客户端向税务局发送的每一项办理操作（如申报、缴费、修改申报密码等）及税务局的答复，只保存在本机；"
       "密码等保密内容不会记录。")


class DateRange(w.HBox):
    """操作时间 from … to; `value` is a (from, to) pair of dates or None."""

    def __init__(self) -> None:
        self.start = w.DatePicker(layout=w.Layout(width="140px"))
        self.end = w.DatePicker(layout=w.Layout(width="140px"))
        super().__init__([self.start, w.Label("至"), self.end])
        self.add_class("sbf-date-range")

    @property
    def value(self) -> tuple[dt.date | None, dt.date | None]:
        return (self.start.value, self.end.value)

    @value.setter
    def value(self, v: tuple[dt.date | None, dt.date | None]) -> None:
        self.start.value, self.end.value = v


def _pretty(text: Any) -> str:
    """A body or answer (JSON text) as indented JSON for 查看."""
    if not text:
        return ""
    try:
        return json.dumps(json.loads(str(text)), ensure_ascii=False, indent=2)
    except ValueError:
        return str(text)


def _json_block(text: Any, css: str) -> str:
    body = html.escape(_pretty(text) or "（无）")  # keeps the new lines: it goes in a <pre>
    return (f"<pre class='sbf-audit-json {css}' style='margin:4px 0 8px;padding:8px 10px;background:#f6f8fa;"
            f"border:1px solid #e3e8ef;border-radius:4px;font-size:12px;line-height:1.45;white-space:pre-wrap;"
            f"word-break:break-all;max-height:220px;overflow:auto'>{body}</pre>")


def _detail_table(pairs: list[tuple[str, Any]]) -> str:
    """Label/value pairs, two pairs a row, compact (the dialog shows 14 of them above two JSON blocks)."""
    cells = [f"<th style='text-align:right;white-space:nowrap;padding:3px 6px;color:#5b6b7f;font-weight:normal'>"
             f"{escape(label)}：</th><td style='padding:3px 12px 3px 0;word-break:break-all'>{escape(value)}</td>"
             for label, value in pairs]
    rows = ["<tr>" + "".join(cells[i:i + 2]) + "</tr>" for i in range(0, len(cells), 2)]
    return f"<table class='sbf-audit-detail' style='width:100%;border-collapse:collapse'>{''.join(rows)}</table>"


class AuditPage(Page):
    menu_id = "SET-6"
    title = "操作日志"

    def __init__(self, ui: Ui) -> None:
        self.audit = ui.wb.audit
        self.when = DateRange()
        self.unit = w.Dropdown(options=[(ALL, "")], value="")
        self.operation = w.Dropdown(options=[ALL], value=ALL)
        self.outcome = w.Dropdown(options=[ALL], value=ALL)
        self.result_id = w.Text(placeholder="支持模糊查询")
        for x, css in ((self.unit, "sbf-q-unit"), (self.operation, "sbf-q-operation"),
                       (self.outcome, "sbf-q-outcome"), (self.result_id, "sbf-q-result-id")):
            x.add_class(css)
        self.form = QueryForm([("操作时间", self.when), ("单位", self.unit), ("操作类型", self.operation),
                               ("结果", self.outcome), ("业务编号", self.result_id)], on_query=self.query)
        self.form.grid.layout.grid_template_columns = "repeat(auto-fill, minmax(300px, 1fr))"
        toolbar = w.HBox([button("导出", self.export, primary=True, css="sbf-audit-export"),
                          w.HTML(f"<div class='sbf-tip'>{escape(TIP)}</div>")])
        toolbar.add_class("sbf-toolbar")
        toolbar.add_class("sbf-wrap")
        self.table = TickTable(self._fetch, {k: COLUMNS[k] for k in SHOWN}, table_key="audit",
                               settings=ui.wb.settings, id_column="record_id", height="400px",
                               actions={"查看": self.view}, default_widths=WIDTHS, min_widths=MIN_WIDTHS,
                               ticks=False)
        for part in (self.form, toolbar, self.table):
            part.layout.flex = "0 0 auto"
        card = w.VBox([self.form, toolbar, self.table])
        card.add_class("sbf-card")
        super().__init__(ui, [card], css="sbf-audit-page", show_title=True)
        self.load_choices()
        self.query()

    def on_show(self) -> None:
        self.load_choices()
        self.query()

    def load_choices(self) -> None:
        ok, choices = self.ui.call(self.audit.choices)
        if not ok:
            return
        current = self.unit.value
        units = [(f"{name}（{unit_id}）" if name else unit_id, unit_id) for unit_id, name in choices["units"]]
        self.unit.options = [(ALL, ""), *units]
        self.unit.value = current if current in [v for _, v in self.unit.options] else ""
        for box, values in ((self.operation, choices["operations"]), (self.outcome, choices["outcomes"])):
            current = box.value
            box.options = [ALL, *values]
            box.value = current if current in box.options else ALL

    def filters(self) -> AuditFilter:
        start, end = self.when.value

        def chosen(box: w.Dropdown) -> str:
            return "" if box.value == ALL else str(box.value)

        return AuditFilter(at_from=start, at_to=end, unit_id=str(self.unit.value or ""), operation=chosen(self.operation),
                           outcome=chosen(self.outcome), result_id=self.result_id.value.strip())

    def _fetch(self, page: int, size: int) -> tuple[pd.DataFrame, int]:
        return self.audit.query(self.filters(), page=page, page_size=size)

    def query(self) -> None:
        self.ui.call(self.table.refresh, 1)

    def view(self, record_id: Any) -> None:
        rows = self.table.frame[self.table.frame["record_id"] == record_id]
        if rows.empty:
            return
        row = rows.iloc[0]
        pairs = [(label, "" if pd.isna(row.get(key)) else str(row.get(key))) for key, label in COLUMNS.items()
                 if key not in ("request", "response")]
        body = w.HTML(
            _detail_table(pairs)
            + "<div class='sbf-section-title'>发送内容</div>" + _json_block(row.get("request"), "sbf-audit-request")
            + "<div class='sbf-section-title'>答复内容</div>" + _json_block(row.get("response"), "sbf-audit-response"))
        close = w.Button(description="关闭")
        d = Dialog("操作详情", [body], [close], width="760px", css="sbf-audit-dialog")
        close.on_click(lambda _b: d.dismiss())
        self.ui.dialogs.show(d)

    def export(self) -> None:
        self.run_call(self.audit.export, self.filters(), label="正在导出操作日志……",
                      on_done=lambda data: self.ui.save(data, f"操作日志{clock.today():%Y%m%d}.xlsx"))
