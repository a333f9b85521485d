"""社保费申报 (manual 2.8 日常申报, 2.9 特殊缴费申报, 2.27 社保费申报（核定）, 2.23 工程项目社保费申报):
one page shape by channel ("daily" | "special" | "assessed" | "project"), on the service
`wb.employer.declarations.channel(channel)` (rows kept in the store).

- Entering the page (and 刷新) fetches the channel's 预处理信息 / 征集信息 from the bureau (through
  `run_call`), then lists what is held; 查询 / 重置 filter it with the manual's fields.
- Rows that must be declared together form ONE tick box (manual 2.8.3): 代征 (征集信息, 特殊缴费, 工程项目):
  the same 单位编号 and 征集通知流水号; 自主: the same 费款所属期起止, 征收项目 and 单位编号. The box sits on
  the group's first row, the column 组 numbers the groups and a group's rows share a band colour;
  ticking any row of a group ticks the whole group. Rows already declared (申报中 / 已申报) have no box.
- 提交申报: the pre-submission checks (errors block with row / field / reason; warnings ask to
  confirm), or the manual's 核对 prompt when nothing is found → 提交申报确认 (row count, headcount,
  total due) → 立即提交 → the countdown (the wage filings' setting, 20 s by default) or 立即获取 → the
  result of each declaration (社保费申报（核定） makes one per data source: one may succeed while the
  other fails) and the record page (申报记录; 工程项目社保费申报记录 for the project channel).
- Clicking 缴费人数 shows the row's per-employee lines (downloaded once, then kept).
- 导出 saves the ticked rows (or, after asking, the whole list) as .xlsx.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Literal

import ipywidgets as w
import pandas as pd
from ipydatagrid import TextRenderer, VegaExpr

from sbflib.domain import clock
from sbflib.employer.declarations import DeclareFilter, SubmitReceipt
from sbflib.ui.components.cells import date_text, money_text, rate_text, text_of
from sbflib.ui.components.countdown import CountdownDialog
from sbflib.ui.components.html import text_html
from sbflib.ui.components.query_form import QueryForm
from sbflib.ui.components.table import FONT, PagedTable
from sbflib.ui.components.tick_table import LINK_COLOR, SCROLLBAR, TICKED, UNTICKED, TickTable
from sbflib.ui.context import Ui, button
from sbflib.ui.page import Page
from sbflib.ui.pages.declare_dialogs import (
    CheckDialog,
    LinesDialog,
    ResultDialog,
    SummaryDialog,
    payer_text,
    wrap_headers,
)

Channel = Literal["daily", "special", "assessed", "project"]

ALL = "全部"
NOT_DECLARED = "未申报"
SENDING = "提交中"  # sent, the answer lost: ticked and submitted again, it re-sends the same body and key
TICKABLE = (NOT_DECLARED, SENDING)
STATUSES = ("未申报", "提交中", "申报中", "已申报")
GROUP_KEY = "_group_no"
GROUP_LABEL = "组"
HEADCOUNT = "headcount"
MONEY_KEYS = ("base_total", "amount")
# never shown (keys of the service's frame)
HIDDEN = {"prep_id", "group_key", "declaration_id", "channel", "source_code", "item_code", "back_pay",
          "payer_code", "submission_key"}
BAND = "#eef4ff"  # the background of every other group
RECORDS_MENU = {"daily": "EMP-10", "special": "EMP-10", "assessed": "EMP-10", "project": "EMP-24"}
GROUP_RULE = {
    "daily": "相同单位编号+相同征集通知流水号（税务代征），或相同费款所属期起止+相同征收项目+相同单位编号（税务自主）的"
             "预处理信息合并为一个勾选项，必须一起提交申报",
    "special": "相同单位编号+相同征集通知流水号的预处理信息合并为一个勾选项，必须一起提交申报",
    "assessed": "相同单位编号+相同征集通知流水号的征集信息或特殊缴费信息合并为一个勾选项，必须一起提交申报",
    "project": "相同单位编号+相同征集通知流水号的工程项目预处理信息合并为一个勾选项，必须一起提交申报",
}
EMPTY_TEXT = {
    "daily": "未查询到社保费预处理信息。税务自主模式下请先申报职工缴费工资，管理子系统生成预处理信息后再申报；"
             "税务代征模式下请待人社将征集信息传递到管理子系统后再申报。",
    "special": "未查询到特殊缴费的预处理信息，可能是本单位未办理特殊缴费申请，或特殊缴费的预处理信息还未生成。",
    "assessed": "未查询到征集信息和特殊缴费信息。",
    "project": "未查询到工程项目工伤保险费预处理信息。",
}
# In the list, not in the grid (they stay in the query form and the export): one unit number has one
# agency, and 征收品目 repeats 征收项目; without them a row fits the page at 1366 px.
GRID_HIDDEN = {"agency", "subitem_name"}
# Widths (px) by label: each value whole. A page shows 14-16 columns, about what 1366 px hold: when the
# grid is narrower than the row, the SOFT columns (what a clerk reads least: the source, the notice
# number, the dates of validity) shrink first towards SOFT_MIN (elided …), then the others a little
# towards MIN_WIDTHS, where values stay readable; a narrower screen (1024 px) scrolls the grid
# sideways rather than eliding amounts. Headers wrap onto two lines (HEADER_HEIGHT), so a narrow column
# keeps its whole label. A width the clerk drags is kept and never shrunk.
WIDTHS = {"序号": 40, GROUP_LABEL: 30, "数据来源": 110, "单位编号": 104, "工程项目编号": 122,
          "征集通知流水号": 150, "征集有效日期": 90, "特殊缴费类型": 96, "征收项目": 106, "缴费对象": 44,
          "费款所属期起": 66, "费款所属期止": 66, "缴费人数": 44, "缴费基数（元）": 92, "费率": 50,
          "应缴费额（元）": 88, "申报状态": 64}
SOFT_MIN = {"数据来源": 70, "征集通知流水号": 64, "征集有效日期": 48, "特殊缴费类型": 52}
NOTICE = "征集通知流水号"  # the last soft column to give: it names a 代征 group
MIN_WIDTHS = {"序号": 36, GROUP_LABEL: 28, "数据来源": 64, "单位编号": 104, "工程项目编号": 122,
              "征集通知流水号": 64, "征集有效日期": 48, "特殊缴费类型": 52, "征收项目": 92, "缴费对象": 44,
              "费款所属期起": 66, "费款所属期止": 66, "缴费人数": 44, "缴费基数（元）": 88, "费率": 46,
              "应缴费额（元）": 88, "申报状态": 62}
HEADER_HEIGHT = 40
FORM_LABEL_WIDTH = "112px"  # 征集通知流水号： whole


# ---- the list: one tick box per group ----------------------------------------------------------------
def _band(**kw: Any) -> TextRenderer:
    """A renderer whose background bands the groups (every other group tinted), read from the 组 column."""
    expr = VegaExpr(f"cell.metadata.data['{GROUP_LABEL}'] % 2 == 0 ? '{BAND}' : '#ffffff'")
    return TextRenderer(background_color=expr, vertical_alignment="center", **kw)


class GroupTickTable(TickTable):
    """A `TickTable` where rows of one group (same `group_key`) share one tick box, on the group's
    first row that may still be declared; the 组 column numbers the groups (1, 2, … on the page).
    `links` are data columns (by key) whose cells are clickable (缴费人数): `links[key](row_position)`."""

    def __init__(self, fetch: Any, columns: Mapping[str, str], *, links: Mapping[str, Callable[[int], object]]
                 | None = None, group_column: str = "group_key", status_column: str = "status",
                 **kwargs: Any) -> None:
        self.group_column = group_column
        self.status_column = status_column
        self.links = dict(links or {})
        self.group_no: list[int] = []  # per position: the group's number on this page (1-based)
        self.members: dict[int, list[int]] = {}  # group number -> positions that may be ticked
        super().__init__(fetch, {GROUP_KEY: GROUP_LABEL, **columns}, **kwargs)
        self.grid.default_renderer = _band(font=FONT)
        wrap_headers(self.grid, HEADER_HEIGHT)
        tick = _band(font="16px sans-serif", horizontal_alignment="center", text_color=LINK_COLOR)
        link = _band(font=FONT, horizontal_alignment="center", text_color=LINK_COLOR)
        self.grid.renderers = {TICKED: tick, UNTICKED: tick, GROUP_LABEL: _band(font=FONT, horizontal_alignment="center"),
                               **{self.columns[k]: link for k in self.links if k in self.columns}}
        self.add_class("sbf-group-tick-table")

    # ---- groups --------------------------------------------------------------------------
    def _index(self, df: pd.DataFrame) -> None:
        numbers: dict[str, int] = {}
        self.group_no = []
        self.members = {}
        keys = df[self.group_column].tolist() if self.group_column in df.columns else list(range(len(df)))
        statuses = df[self.status_column].tolist() if self.status_column in df.columns else [NOT_DECLARED] * len(df)
        for pos, (key, status) in enumerate(zip(keys, statuses, strict=True)):
            no = numbers.setdefault(text_of(key) or f"#{pos}", len(numbers) + 1)
            self.group_no.append(no)
            if text_of(status) in TICKABLE:
                self.members.setdefault(no, []).append(pos)

    @property
    def tickable(self) -> list[int]:
        return sorted(p for ps in self.members.values() for p in ps)

    def group_of(self, position: int) -> list[int]:
        """The positions ticked together with `position` (its group's rows that may be declared)."""
        if not 0 <= position < len(self.group_no):
            return []
        return list(self.members.get(self.group_no[position], []))

    def box_rows(self) -> list[int]:
        """The positions that show a tick box (each group's first row that may be declared)."""
        return sorted(ps[0] for ps in self.members.values() if ps)

    # ---- ticks ---------------------------------------------------------------------------
    @property
    def all_ticked(self) -> bool:
        able = self.tickable
        return bool(able) and set(able) <= set(self.ticked)

    def tick(self, position: int, on: bool | None = None) -> None:
        group = self.group_of(position)
        if not group:
            return
        now = group[0] in self.ticked
        want = (not now) if on is None else on
        if want == now:
            return
        was_all = self.all_ticked
        self.ticked = sorted(set(self.ticked) - set(group) | (set(group) if want else set()))
        if was_all != self.all_ticked:  # the header's ☐ / ☑ changes: resend the page
            self._redraw()
        else:
            self.grid.set_cell_value_by_index(self._tick_label(was_all), group[0], TICKED if want else UNTICKED)

    def tick_all(self, on: bool | None = None) -> None:
        want = (not self.all_ticked) if on is None else on
        self._set_ticks(self.tickable if want else [])

    def select_rows(self, positions: list[int]) -> None:
        """Tick the groups of these rows (by position in `frame`)."""
        chosen: set[int] = set()
        for p in positions:
            chosen |= set(self.group_of(p))
        self._set_ticks(sorted(chosen))

    def ticked_groups(self) -> int:
        return len({self.group_no[p] for p in self.ticked if p < len(self.group_no)})

    # ---- widths --------------------------------------------------------------------------
    def fitted_widths(self) -> dict[str, int]:
        """Defaults (dragged widths win); when the row is wider than the grid, the SOFT columns give
        first, then every column down to its minimum."""
        floors, self.min_widths = self.min_widths, {}
        try:
            widths = super().fitted_widths()  # without minimums: defaults, saved widths, fixed ones
        finally:
            self.min_widths = floors
        if self.probe.width <= 0 or not floors:
            return widths
        labels = [str(c) for c in self.grid.data.columns]
        saved = {k for k, v in self.settings.column_widths(self.table_key).items()
                 if k in labels and int(v) != self.default_widths.get(k)}
        fixed = set(self._fixed_widths())
        base = int(self.grid.base_column_size)
        over = sum(widths.get(k, base) for k in labels) - (self.probe.width - SCROLLBAR)
        soft = {k: v for k, v in SOFT_MIN.items() if k in floors}
        for stage in ({k: v for k, v in soft.items() if k != NOTICE}, soft, floors):
            if over <= 0:
                break
            give = {k: widths[k] - m for k, m in stage.items()
                    if k in widths and k in labels and k not in saved and k not in fixed and widths[k] > m}
            slack = sum(give.values())
            if slack <= 0:
                continue
            share = min(1.0, over / slack)
            for k, g in give.items():
                cut = round(g * share)
                widths[k] -= cut
                over -= cut
        return widths

    # ---- clicks and display --------------------------------------------------------------
    def _on_click(self, event: dict) -> None:
        column = event.get("column")
        if event.get("region") == "body":
            for key, fn in self.links.items():
                if column == self.columns.get(key):
                    row = event.get("primary_key_row")
                    row = row if isinstance(row, int) else event.get("row")
                    if isinstance(row, int) and 0 <= row < len(self.frame):
                        fn(row)
                    return
        super()._on_click(event)

    def _display_frame(self, df: pd.DataFrame) -> pd.DataFrame:
        self._index(df)
        out = PagedTable._display_frame(self, df)
        out[GROUP_LABEL] = [str(n) for n in self.group_no]
        ticked = set(getattr(self, "ticked", []))
        boxes = set(self.box_rows())
        cells = [(TICKED if p in ticked else UNTICKED) if p in boxes else "" for p in range(len(df))]
        out.insert(0, self._tick_label() if len(df) else UNTICKED, cells)
        return out


# ---- the page ----------------------------------------------------------------------------------------
class DeclarePage(Page):
    channel: ClassVar[Channel] = "daily"

    def __init__(self, ui: Ui) -> None:
        self.ui = ui
        self.declare = ui.wb.employer.declarations.channel(self.channel)
        self.loaded = False
        self.receipt: SubmitReceipt | None = None
        self.results: list[dict[str, Any]] = []

        # query form: dropdowns filled from the rows held (收起 shows more rows)
        self.choices: dict[str, w.Dropdown] = {}
        fields: list[tuple[str, w.Widget]] = []
        for key, label in self.form_fields():
            if key == "period":
                box: w.Widget = w.Text(placeholder="年-月，如2026-01")
            else:
                box = w.Dropdown(options=[(ALL, "")], value="")
                self.choices[key] = box
            box.add_class(f"sbf-q-{key.replace('_', '-')}")
            fields.append((label, box))
            setattr(self, f"q_{key}", box)
        self.form = QueryForm(fields, on_query=self.query)
        for cell in self.form.grid.children:  # the manual's labels whole (征集通知流水号)
            cell.children[0].layout.width = cell.children[0].layout.min_width = FORM_LABEL_WIDTH
        self.form.grid.layout.grid_template_columns = "repeat(auto-fill, minmax(300px, 1fr))"

        self.refresh_button = button("刷新", self.load, css="sbf-declare-refresh")
        self.submit_button = button("提交申报", self.submit_selected, primary=True, css="sbf-declare-submit")
        self.export_button = button("导出", self.export_selected, css="sbf-declare-export")
        toolbar = w.HBox([self.refresh_button, self.submit_button, self.export_button])
        toolbar.add_class("sbf-toolbar")
        toolbar.add_class("sbf-wrap")
        toolbar.add_class("sbf-declare-toolbar")
        self.hint = text_html(GROUP_RULE[self.channel] + "；点击“缴费人数”可查看职工明细。" if self.channel != "project"
                              else GROUP_RULE[self.channel] + "。", "sbf-tip sbf-declare-hint")

        # 特殊缴费 is all 社保部门; on 日常申报 a 征集通知流水号 marks 社保部门核定征收 (数据来源 in the query form)
        hidden = HIDDEN | GRID_HIDDEN | ({"source_name"} if self.channel in ("special", "daily") else set())
        columns = {k: v for k, v in self.declare.columns.items() if k not in hidden}
        formatters: dict[str, Callable[[Any], str]] = {k: money_text for k in MONEY_KEYS if k in columns}
        formatters |= {k: f for k, f in (("rate", rate_text), ("payer", payer_text), ("payer_name", payer_text),
                                         ("valid_until", date_text)) if k in columns}
        links = {HEADCOUNT: self.show_lines} if HEADCOUNT in columns and self.channel != "project" else {}
        labels = [GROUP_LABEL, *columns.values()]
        widths = dict(WIDTHS)
        if self.channel == "project":  # 征收项目 is always 工伤保险费: room for 工程项目编号 and the notice
            widths["征收项目"] = 84
        self.table = GroupTickTable(self._fetch, columns, links=links, table_key=f"declare_{self.channel}",
                                    settings=ui.wb.settings, id_column="prep_id", height="420px",
                                    formatters=formatters,
                                    default_widths={k: v for k, v in widths.items() if k in labels or k == "序号"},
                                    min_widths={k: v for k, v in MIN_WIDTHS.items() if k in labels or k == "序号"})
        parts = [self.form, toolbar, self.hint, self.table]
        for part in parts:
            part.layout.flex = "0 0 auto"
        card = w.VBox(parts)
        card.add_class("sbf-card")
        super().__init__(ui, [card], css="sbf-declare-page", show_title=True)
        self.add_class(f"sbf-declare-{self.channel}")
        self.load()

    def form_fields(self) -> list[tuple[str, str]]:
        """(filter key, label) of the query form, as the manual's pages have them (only the fields the
        service's filter knows)."""
        if self.channel == "project":  # manual 2.23: 单位编号, 社保经办机构, 工程项目编号, 征集通知流水号
            out = [("unit_number", "单位编号"), ("agency", "社保经办机构"), ("project_no", "工程项目编号"),
                   ("notice_no", "征集通知流水号")]
        else:
            out = [("unit_number", "单位编号"), ("agency", "社保经办机构")]
            if self.channel in ("assessed", "daily"):
                out.append(("source_name", "数据来源"))
            if self.channel == "special":
                out.append(("special_type", "特殊缴费类型"))
            out += [("item_name", "征收项目"), ("notice_no", "征集通知流水号"), ("period", "费款所属期"),
                    ("status", "申报状态")]
        known = {f.name for f in dataclasses.fields(DeclareFilter)}
        return [(k, label) for k, label in out if k in known]

    # ---- load and query ----------------------------------------------------------------------
    def on_show(self) -> None:
        """Each visit fetches the latest from the bureau (manual 2.8.1)."""
        self.load()

    def load(self) -> None:
        """刷新: fetch the channel's rows from the bureau, then list them."""
        what = "征集信息和特殊缴费信息" if self.channel == "assessed" else (
            "工程项目预处理信息" if self.channel == "project" else "社保费预处理信息")
        self.run_call(self.declare.load, on_done=self._loaded, on_error=self._load_failed, title="刷新",
                      label=f"正在获取{what}，请稍候……")

    def _loaded(self, _count: Any) -> None:
        self.loaded = True
        self._fill_choices()
        self.query()
        if self.offer_resend():
            return
        if self.table.total == 0 and not self._filtering():
            self.ui.message(EMPTY_TEXT[self.channel])

    # ---- 提交中: a submission whose answer was lost ---------------------------------------------
    def offer_resend(self) -> bool:
        """When a submission of this page never got its answer (its rows show 提交中), offer to send
        it again as kept (the same body and key: the bureau answers with what it made, never twice)."""
        ok, pending = self.ui.call(self.wb.employer.declarations.pending)
        if not ok or pending is None or "channel" not in pending.columns:
            return False
        n = int((pending["channel"] == self.channel).sum())
        if not n:
            return False
        self.ui.confirm(f"有{n}次提交申报没有收到税务局的应答，所涉预处理信息显示为“提交中”。是否现在重新发送？"
                        "重新发送不会重复申报。", self.resend, yes="重新发送", no="稍后")
        return True

    def resend(self) -> None:
        self.run_call(self.declare.resend, on_done=lambda r: self._submitted(r) if r is not None else self.refresh(),
                      title="提交申报", label="正在重新发送申报，请稍候……")

    def _load_failed(self, exc: BaseException) -> None:
        self.ui.error(exc)
        self._fill_choices()
        self.query()  # what is held still shows

    def _fill_choices(self) -> None:
        ok, frame = self.ui.call(self.declare.frame, None)
        if not ok or frame is None:
            return
        for key, box in self.choices.items():
            if key == "status":
                values = list(STATUSES)
            elif key in frame.columns:
                values = sorted({text_of(v) for v in frame[key].tolist()} - {""})
            else:
                values = []
            current = box.value
            box.options = [(ALL, ""), *[(v, v) for v in values]]
            box.value = current if current in values else ""

    def _filtering(self) -> bool:
        return any(v for v in self._filter_values().values())

    def _filter_values(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for key, _label in self.form_fields():
            box = getattr(self, f"q_{key}")
            values[key] = (box.value or "").strip() if isinstance(box.value, str) else box.value
        return values

    def filters(self) -> DeclareFilter:
        """The query form as the service's filter (empty fields do not filter)."""
        return DeclareFilter(**{k: v for k, v in self._filter_values().items() if v})

    def _fetch(self, page: int, size: int) -> tuple[pd.DataFrame, int]:
        df, total = self.declare.query(self.filters(), page=page, page_size=size)
        return df, int(total)

    def query(self) -> None:
        self.ui.call(self.table.refresh, 1)

    def refresh(self) -> None:
        self.ui.call(self.table.refresh)

    # ---- 缴费人数: the per-employee lines ---------------------------------------------------------
    def show_lines(self, position: int) -> None:
        rec = self.table.frame.iloc[position]
        prep_id = rec["prep_id"]
        self.run_call(self.declare.lines, prep_id, on_done=lambda df: self._show_lines(rec, df), title="预处理明细",
                      label="正在下载预处理明细，请稍候……")

    def _show_lines(self, rec: Any, lines: pd.DataFrame) -> None:
        head = describe(rec)
        if lines is None or len(lines) == 0:
            self.ui.message(f"{head}：没有职工明细。")
            return
        self.lines_dialog = LinesDialog(head, lines, item_names=_item_names(self.table.frame),
                                        settings=self.ui.wb.settings)
        self.ui.dialogs.show(self.lines_dialog)

    # ---- 导出 --------------------------------------------------------------------------------
    def export_selected(self) -> None:
        ids = list(self.table.selected_ids())
        if ids:
            self._export(ids)
            return
        self.ui.confirm("没有勾选数据，是否导出列表中的全部数据？", lambda: self._export(None), yes="导出全部",
                        no="取消")

    def _export(self, ids: list[Any] | None) -> None:
        name = f"{self.title}_{dt.datetime.now():%Y%m%d%H%M%S}.xlsx"
        self.run_call(self.declare.export, ids, on_done=lambda data: self.ui.save(data, name), title="导出",
                      label="正在导出，请稍候……")

    # ---- 提交申报 ------------------------------------------------------------------------------
    def submit_selected(self) -> None:
        ids = list(self.table.selected_ids())
        if not ids:
            self.ui.error("请先勾选需要申报的预处理信息（列表左侧的方框）")
            return
        self.run_call(self.declare.check, ids, on_done=lambda report: self._checked(ids, report),
                      title="提交申报", label="正在校验申报数据，请稍候……")

    def _checked(self, ids: list[Any], report: Any) -> None:
        findings = list(getattr(report, "findings", ()) or ())
        if findings:
            rows = [self._finding_row(f) for f in findings]
            summary = text_of(report.summary()) if callable(getattr(report, "summary", None)) else "发现问题"
            self.check_dialog = CheckDialog(rows, summary, lambda: self._summarise(ids, True))
            self.ui.dialogs.show(self.check_dialog)
            return
        self.ui.confirm(f"请核对勾选的预处理信息（共{len(ids)}条），避免申报错误。确认无误后点击【确定】。",
                        lambda: self._summarise(ids, False), yes="确定", no="取消")

    def _finding_row(self, f: Any) -> dict[str, Any]:
        return {"severity": text_of(getattr(f, "severity", "")), "where": self._where(f),
                "field": text_of(getattr(f, "field", "")), "message": text_of(getattr(f, "message", "")),
                "hint": text_of(getattr(f, "hint", ""))}

    def _where(self, f: Any) -> str:
        """The rows a finding is about, as the clerk sees them: 第n行（第k组）; the message says the
        row in words."""
        frame = self.table.frame
        row = text_of(getattr(f, "row", None))
        key = text_of(getattr(f, "group_key", None))
        if frame.empty:
            return ""
        start = (self.table.page - 1) * self.table.page_size
        if row and "prep_id" in frame.columns:
            hit = frame.index[frame["prep_id"].astype(str) == row].tolist()
            if hit:
                return f"第{start + hit[0] + 1}行（第{self.table.group_no[hit[0]]}组）"
            key = key or row  # a group's finding names the group's key
        if key and "group_key" in frame.columns:
            hit = frame.index[frame["group_key"].astype(str) == key].tolist()
            if hit:
                lines = "、".join(str(start + h + 1) for h in hit)
                return f"第{lines}行（第{self.table.group_no[hit[0]]}组）"
        return "本次勾选" if not row else ""

    def _summarise(self, ids: list[Any], confirmed: bool) -> None:
        ok, summary = self.ui.call(self.declare.summary, ids)
        if not ok:
            return
        self.summary_dialog = SummaryDialog(
            getattr(summary, "rows", len(ids)), getattr(summary, "headcount", None),
            getattr(summary, "total_due", 0), "",
            lambda: self.submit(ids, confirmed), groups=self.table.ticked_groups() or None)
        self.ui.dialogs.show(self.summary_dialog)

    def submit(self, ids: list[Any], confirmed: bool = False) -> None:
        self.run_call(self.declare.submit, ids, confirmed_warnings=confirmed, on_done=self._submitted,
                      on_error=self._submit_failed, title="提交申报", label="正在提交申报，请稍候……")

    def _submit_failed(self, exc: BaseException) -> None:
        """A refusal (nothing declared) or a lost answer (the rows now show 提交中): say it, list again."""
        self.ui.error(exc)
        self.refresh()

    def _submitted(self, receipt: SubmitReceipt) -> None:
        self.receipt = receipt
        self.refresh()
        seconds = self._wait_s()
        if seconds <= 0:
            self.fetch_results()
            return
        n = len(declarations_of(receipt))
        text = (f"申报已提交（{n}份申报表），反馈结果将在倒计时结束后自动获取。" if n > 1
                else "申报已提交，反馈结果将在倒计时结束后自动获取。")
        self.countdown = CountdownDialog(text, seconds, self.fetch_results, sync=self.ui.tasks.sync)
        self.ui.dialogs.show(self.countdown)

    def _wait_s(self) -> int:
        """The countdown after 提交申报: the wage filings' setting (20 s by default)."""
        return int(self.wb.employer.declarations.feedback_wait_s)

    def fetch_results(self) -> None:
        """After the countdown or 立即获取: ask the bureau what became of each declaration, then open the
        record page and say it (manual 2.8.2 三(四)(五))."""
        receipt = self.receipt
        if receipt is None:
            return
        self.run_call(self._results, receipt, on_done=self._show_results, on_error=self._results_failed,
                      title="获取反馈", label="正在获取申报结果，请稍候……")

    def _results(self, receipt: SubmitReceipt) -> list[dict[str, Any]]:
        """Runs off the kernel's thread: the status of each declaration of the submission as the
        bureau decided it (with the reason of a failure), the records declared today (so the record
        page lists them) and the rows' new statuses."""
        results: list[dict[str, Any]] = []
        for sid in receipt.submission_ids or (receipt.submission_id,):
            answer = self.declare.result(sid)
            reasons = dict(answer.reasons)
            results += [{"declaration_id": did, "source_name": source, "status": status,
                         "reason": reasons.get(did, "")} for did, source, status in answer.declarations]
        today = clock.today()
        self.wb.employer.declaration_records.of("project" if self.channel == "project" else "fees").sync(today, today)
        self.declare.load()
        return results

    def _show_results(self, results: list[dict[str, Any]]) -> None:
        self.results = results
        self.refresh()
        self.ui.navigate(RECORDS_MENU[self.channel])
        self.result_dialog = ResultDialog(results)
        self.ui.dialogs.show(self.result_dialog)

    def _results_failed(self, exc: BaseException) -> None:
        self.refresh()
        self.ui.navigate(RECORDS_MENU[self.channel])
        self.ui.error(exc)


class DailyDeclarePage(DeclarePage):
    menu_id = "EMP-8"
    title = "社保费申报-日常申报"
    channel = "daily"


class SpecialDeclarePage(DeclarePage):
    menu_id = "EMP-9"
    title = "社保费申报-特殊缴费申报"
    channel = "special"


class AssessedDeclarePage(DeclarePage):
    menu_id = "EMP-27"
    title = "社保费申报（核定）"
    channel = "assessed"


class ProjectDeclarePage(DeclarePage):
    menu_id = "EMP-23"
    title = "工程项目社保费申报"
    channel = "project"


# ---- helpers ------------------------------------------------------------------------------------------
def describe(rec: Any) -> str:
    """A row in a clerk's words: 单位编号…、征收项目（单位）、征集通知流水号…、费款所属期…至…."""
    def get(key: str) -> str:
        try:
            return text_of(rec.get(key))
        except AttributeError:
            return ""

    parts = [f"单位编号{get('unit_number')}"] if get("unit_number") else []
    if get("project_no"):
        parts.append(f"工程项目编号{get('project_no')}")
    item = get("item_name") or get("item_code")
    if item:
        payer = payer_text(get("payer_name") or get("payer"))
        parts.append(f"{item}（{payer}）" if payer else item)
    if get("notice_no"):
        parts.append(f"征集通知流水号{get('notice_no')}")
    if get("period_start"):
        parts.append(f"费款所属期{get('period_start')}至{get('period_end') or get('period_start')}")
    return "、".join(parts)


def declarations_of(receipt: SubmitReceipt) -> list[dict[str, Any]]:
    """The receipt's declarations as dicts (declaration_id, source_name, status)."""
    return [{"declaration_id": d, "source_name": source, "status": status} for d, source, status in receipt.declarations]


def _item_names(frame: pd.DataFrame) -> dict[str, str]:
    if "item_code" in frame.columns and "item_name" in frame.columns:
        return {text_of(c): text_of(n) for c, n in zip(frame["item_code"], frame["item_name"], strict=False)}
    return {}
