"""缴费工资申报记录 (manual 2.7): each filing with 序号, 申报时间, 申报类型, 主管税务机关, 职工总数,
状态 and 操作 (查看); 获取反馈 updates every 待反馈 record (through `run_call`: it asks the bureau);
查看 shows the filing's lines (姓名, 证件类型, 证件号码 masked, 原缴费工资, 新缴费工资, 生效年月, 状态,
原因) with 导出.

The filing pages open this page after 提交申报 and call `fetch_feedback(filing_id)`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import ipywidgets as w
import pandas as pd

from sbflib.domain.ids import mask_id_number
from sbflib.employer.wages import WageRecordFilter
from sbflib.ui.components.cells import plain_money_text, text_of
from sbflib.ui.components.dialogs import Dialog
from sbflib.ui.components.html import text_html
from sbflib.ui.components.query_form import QueryForm
from sbflib.ui.components.tick_table import TickTable
from sbflib.ui.context import Ui, button
from sbflib.ui.page import Page
from sbflib.ui.pages.roster import DateRange

ALL = "全部"
KIND_TEXT = {"daily": "日常缴费工资申报", "annual": "年度缴费工资申报"}
STATUSES = ["待反馈", "全部申报成功", "全部申报失败", "部分申报成功"]
PENDING = "待反馈"
COLUMNS = {"submitted_at": "申报时间", "kind": "申报类型", "tax_authority": "主管税务机关",
           "employees": "职工总数", "status": "状态"}
WIDTHS = {"序号": 56, "申报时间": 156, "申报类型": 136, "主管税务机关": 300, "职工总数": 84, "状态": 110}
MIN_WIDTHS = {"序号": 52, "申报时间": 146, "申报类型": 128, "主管税务机关": 110, "职工总数": 76, "状态": 104}
LINE_COLUMNS = {"name": "姓名", "id_type": "证件类型", "id_number": "证件号码", "item_name": "征收项目",
                "old_wage": "原缴费工资（元）", "new_wage": "新缴费工资（元）", "base": "缴费基数（元）",
                "month": "生效年月", "status": "状态", "reason": "原因"}
LINE_WIDTHS = {"序号": 56, "姓名": 72, "证件类型": 90, "证件号码": 150, "征收项目": 120, "原缴费工资（元）": 140,
               "新缴费工资（元）": 140, "生效年月": 84, "状态": 60, "原因": 240}
# the dialog is 1000 px (96 % of a 1024 px screen): the row shrinks towards these, 原因 first
LINE_MIN_WIDTHS = {"序号": 52, "姓名": 60, "证件类型": 60, "证件号码": 138, "征收项目": 80, "原缴费工资（元）": 96,
                   "新缴费工资（元）": 96, "生效年月": 72, "状态": 52, "原因": 100}


def kind_text(v: Any) -> str:
    t = text_of(v)
    return KIND_TEXT.get(t, t)


def time_text(v: Any) -> str:
    t = text_of(v)
    if not t:
        return ""
    try:
        return pd.Timestamp(v).strftime("%Y-%m-%d %H:%M:%S")
    except (TypeError, ValueError):
        return t


class WageRecordsPage(Page):
    menu_id = "EMP-7"
    title = "缴费工资申报记录"

    def __init__(self, ui: Ui) -> None:
        self.ui = ui
        self.records = ui.wb.employer.wage_records
        self.submitted = DateRange()
        self.kind = w.Dropdown(options=[(ALL, ""), *[(t, k) for k, t in KIND_TEXT.items()]], value="")
        self.kind.add_class("sbf-q-kind")
        self.status = w.Dropdown(options=[ALL, *STATUSES], value=ALL)
        self.status.add_class("sbf-q-status")
        self.form = QueryForm([("申报时间", self.submitted), ("申报类型", self.kind), ("状态", self.status)],
                              on_query=self.query)
        self.form.grid.layout.grid_template_columns = "repeat(auto-fill, minmax(300px, 1fr))"
        self.feedback_button = button("获取反馈", lambda: self.fetch_feedback(None), primary=True,
                                      css="sbf-wage-feedback")
        toolbar = w.HBox([self.feedback_button,
                          text_html("状态为“待反馈”的记录，可点击【获取反馈】查询最新的申报状态", "sbf-hint")])
        toolbar.add_class("sbf-toolbar")
        toolbar.add_class("sbf-wrap")
        self.table = TickTable(self._fetch, COLUMNS, table_key="wage_records", settings=ui.wb.settings,
                               id_column="filing_id", height="440px", actions={"查看": self.view},
                               formatters={"kind": kind_text, "submitted_at": time_text},
                               default_widths=WIDTHS, min_widths=MIN_WIDTHS, ticks=False)
        for part in (self.form, toolbar, self.table):
            part.layout.flex = "0 0 auto"
        card = w.VBox([self.form, toolbar, self.table])
        card.add_class("sbf-card")
        super().__init__(ui, [card], css="sbf-wage-records-page", show_title=True)
        self.query()

    # ---- list --------------------------------------------------------------------------------
    def filters(self) -> Any:
        start, end = self.submitted.value
        values: dict[str, Any] = {
            "submitted_from": start.isoformat() if start else None,
            "submitted_to": end.isoformat() if end else None,
            "kind": self.kind.value or "",
            "status": "" if self.status.value == ALL else self.status.value,
        }
        known = {f.name for f in dataclasses.fields(WageRecordFilter)}
        return WageRecordFilter(**{k: v for k, v in values.items() if k in known})

    def _fetch(self, page: int, size: int) -> tuple[pd.DataFrame, int]:
        return self.records.query(self.filters(), page=page, page_size=size)

    def query(self) -> None:
        self.ui.call(self.table.refresh, 1)

    def on_show(self) -> None:
        self.ui.call(self.table.refresh)

    # ---- 获取反馈 -------------------------------------------------------------------------------
    def fetch_feedback(self, filing_id: str | None) -> None:
        """获取反馈 (asks the bureau, so through run_call); with `filing_id` (after 提交申报) the
        message names that filing's status."""
        self.run_call(self.records.feedback, on_done=lambda n: self._fed_back(n, filing_id), title="获取反馈",
                      label="正在获取反馈，请稍候……")

    def _fed_back(self, updated: Any, filing_id: str | None) -> None:
        self.query()
        if filing_id:
            status = self.status_of(filing_id)
            if status == PENDING or not status:
                self.ui.message("申报结果尚未反馈，请稍后点击【获取反馈】查询最新的申报状态。", title="获取反馈")
            else:
                self.ui.message(f"本次缴费工资申报的状态：{status}。可点击【查看】查看申报明细。", title="获取反馈")
            return
        self.ui.message(f"获取反馈完成，更新了{int(updated or 0)}条申报记录。" if updated else
                        "获取反馈完成，没有新的申报结果。", title="获取反馈")

    def status_of(self, filing_id: str) -> str:
        frame = self.table.frame
        if not frame.empty and "filing_id" in frame.columns:
            hit = frame[frame["filing_id"].astype(str) == str(filing_id)]
            if not hit.empty:
                return text_of(hit.iloc[0].get("status"))
        ok, df = self.ui.call(self.records.frame, None)
        if ok and df is not None and "filing_id" in df.columns:
            hit = df[df["filing_id"].astype(str) == str(filing_id)]
            if not hit.empty:
                return text_of(hit.iloc[0].get("status"))
        return ""

    # ---- 查看 ----------------------------------------------------------------------------------
    def view(self, filing_id: Any) -> None:
        """查看: the lines may come from the bureau the first time, so through run_call."""
        self.run_call(self.records.lines, filing_id, on_done=lambda lines: self._show_lines(filing_id, lines),
                      title="查看", label="正在获取申报明细，请稍候……")

    def _show_lines(self, filing_id: Any, lines: pd.DataFrame) -> None:
        rec = self.table.frame[self.table.frame["filing_id"] == filing_id]
        head = rec.iloc[0] if not rec.empty else {}
        self.detail_dialog = RecordDetailDialog(self, str(filing_id), lines, head)
        self.ui.dialogs.show(self.detail_dialog)


class RecordDetailDialog(Dialog):
    """申报明细: the filing's lines, paged in the dialog, and 导出 (ID numbers masked)."""

    def __init__(self, page: WageRecordsPage, filing_id: str, lines: pd.DataFrame, head: Any) -> None:
        self.page = page
        self.filing_id = filing_id
        df = lines.reset_index(drop=True).copy()
        if "id_number" in df.columns:
            df["id_number"] = [mask_id_number(text_of(v)) for v in df["id_number"].tolist()]
        self.lines = df
        columns = {k: v for k, v in LINE_COLUMNS.items() if k in df.columns}
        if "item_name" in columns and not any(text_of(v) for v in df["item_name"].tolist()):
            columns.pop("item_name")
        if "base" in columns:
            columns.pop("base")  # the reason says when the base differs from the new wage
        if "month" in columns and not any(text_of(v) for v in df["month"].tolist()):
            pass  # annual filings get their month from the bureau's decision; an empty column stays

        def fetch(page_no: int, size: int) -> tuple[pd.DataFrame, int]:
            return df.iloc[(page_no - 1) * size: page_no * size], len(df)

        self.table = TickTable(fetch, columns, table_key="wage_record_lines", settings=page.ui.wb.settings,
                               height="360px", formatters={"old_wage": plain_money_text, "new_wage": plain_money_text},
                               default_widths=LINE_WIDTHS, min_widths=LINE_MIN_WIDTHS, ticks=False)
        self.table.refresh(1)
        summary = "　".join(f"{label}：{value}" for label, value in (
            ("申报时间", time_text(_get(head, "submitted_at"))), ("申报类型", kind_text(_get(head, "kind"))),
            ("申报方式", text_of(_get(head, "way"))), ("主管税务机关", text_of(_get(head, "tax_authority"))),
            ("状态", text_of(_get(head, "status")))) if value)
        export = button("导出", self.export, primary=True, css="sbf-record-export")
        close = w.Button(description="关闭")
        super().__init__("申报明细", [text_html(summary, "sbf-record-summary"), self.table], [export, close],
                         width="1000px", css="sbf-record-detail-dialog")
        close.on_click(lambda _b: self.dismiss())

    def export(self) -> None:
        name = f"缴费工资申报明细_{dt.datetime.now():%Y%m%d%H%M%S}.xlsx"
        self.page.run_call(self.page.records.export, self.filing_id, masked=True,
                           on_done=lambda data: self.page.ui.save(data, name), title="导出",
                           label="正在导出，请稍候……")


def _get(head: Any, key: str) -> Any:
    try:
        return head.get(key)
    except AttributeError:
        return None
