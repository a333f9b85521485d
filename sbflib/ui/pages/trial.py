"""社保费测算 (beyond the official client): what the chosen months should cost, worked out on this
computer from the rule files and the filed contribution wages it keeps, and where the bureau's
preprocessing (日常申报的预处理信息) says otherwise.

- 费款所属期起 / 止 (default: this month). 【测算】 lists per month, unit number, 征收项目 and 缴费方
  (单位 / 个人) the 缴费人数, 缴费基数合计, 费率 and 应缴费额, with the total; employees paying without a
  known contribution wage are counted in a note (they are not priced).
- 【核对】 compares with the preprocessing the declaration page keeps (offering to fetch it when it was
  never fetched) and lists every row that differs: both figures, 金额差额 (预处理 − 测算) and the
  reason; 【明细】 on a row shows the employees that make the difference.
- 【导出】 saves what is shown (测算结果, and 核对差异 after 核对) as .xlsx.
Missing rules for a month, or the preprocessing not fetched, are said in Chinese.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import ipywidgets as w
import pandas as pd

from sbflib.domain import clock
from sbflib.domain.months import add_months, is_month
from sbflib.employer.trial import TRIAL_COLUMNS
from sbflib.ui.components.cells import money_text, rate_text, text_of
from sbflib.ui.components.dialogs import Dialog
from sbflib.ui.components.html import frame_table, kv_grid, text_html
from sbflib.ui.components.tick_table import TickTable
from sbflib.ui.context import Ui, button, field
from sbflib.ui.page import Page

RESULT = "测算结果"
DIFFERENCES = "核对差异"
MAX_MONTHS = 36
ROW_ID = "row_no"
#: The differences on the page: amounts and the reason (缴费人数 and 缴费基数合计 of both sides are in
#: 职工明细 and the export), so the row keeps its 操作 column in view.
DIFF_COLUMNS = {
    "month": "费款所属期", "unit_number": "单位编号", "item_name": "征收项目", "payer_name": "缴费方",
    "trial_amount": "测算金额", "bureau_amount": "预处理金额", "difference": "金额差额", "reason": "差异原因",
}
TRIAL_WIDTHS = {"序号": 56, "费款所属期": 104, "单位编号": 124, "征收项目": 124, "缴费方": 76, "缴费人数": 88,
                "缴费基数合计": 124, "费率": 68, "应缴费额": 116}
TRIAL_MIN = {"费款所属期": 88, "单位编号": 104, "征收项目": 100, "缴费方": 60, "缴费人数": 72, "缴费基数合计": 100,
             "费率": 52, "应缴费额": 92}
DIFF_WIDTHS = {"序号": 56, "费款所属期": 100, "单位编号": 120, "征收项目": 124, "缴费方": 72, "测算金额": 108,
               "预处理金额": 112, "金额差额": 96, "差异原因": 196}
DIFF_MIN = {"费款所属期": 88, "单位编号": 100, "征收项目": 96, "缴费方": 60, "测算金额": 88, "预处理金额": 92,
            "金额差额": 80, "差异原因": 96}
TABLE_HEIGHT = "320px"
#: The employees of one differing row (the row itself is named above the table).
LINE_VIEW = {"employee_id": "个人识别号", "name": "姓名", "trial_base": "测算基数", "bureau_base": "预处理基数",
             "trial_amount": "测算金额", "bureau_amount": "预处理金额", "difference": "金额差额", "reason": "差异原因"}


def signed_money(v: Any) -> str:
    """A difference with its sign and separators: +12.30 / -0.50 / 0.00.

    >>> signed_money(Decimal("-1234.5")), signed_money(Decimal("0")), signed_money(None)
    ('-1,234.50', '0.00', '')
    """
    t = text_of(v)
    if not t:
        return ""
    d = Decimal(t)
    return f"{d:+,.2f}" if d else "0.00"


def count_text(v: Any) -> str:
    t = text_of(v)
    return t if t not in ("<NA>", "nan") else ""


def months_between(first: str, last: str) -> list[str]:
    """Every month from `first` to `last`.

    >>> months_between("2026-10", "2026-12")
    ['2026-10', '2026-11', '2026-12']
    """
    out: list[str] = []
    month = first
    while month <= last and len(out) <= MAX_MONTHS:
        out.append(month)
        month = add_months(month, 1)
    return out


def _total(values: Any) -> Decimal:
    return sum((Decimal(str(v)) for v in values if text_of(v)), Decimal("0.00"))


class TrialPage(Page):
    menu_id = "EMP-29"
    title = "社保费测算"

    def __init__(self, ui: Ui) -> None:
        self.ui = ui
        self.service = ui.wb.employer.trial
        month = clock.current_month()
        self.start = w.Text(value=month, placeholder="年-月，如2026-11", layout=w.Layout(width="130px"))
        self.start.add_class("sbf-trial-start")
        self.end = w.Text(value=month, placeholder="年-月，如2026-11", layout=w.Layout(width="130px"))
        self.end.add_class("sbf-trial-end")
        self.calc_button = button("测算", self.calculate, primary=True, css="sbf-trial-calc")
        self.compare_button = button("核对", self.compare, css="sbf-trial-compare")
        self.export_button = button("导出", self.export, css="sbf-trial-export")
        form = w.HBox([field("所属期起", self.start, width="76px"), field("所属期止", self.end, width="76px"),
                       self.calc_button, self.compare_button, self.export_button])
        form.add_class("sbf-toolbar")
        form.add_class("sbf-wrap")
        hint = text_html("按本机保存的规则文件和缴费工资测算；【核对】与日常申报的预处理信息逐条比对", "sbf-hint")
        self.summary = text_html("", "sbf-trial-summary")
        self.view = w.ToggleButtons(options=[RESULT, DIFFERENCES], value=RESULT)
        self.view.add_class("sbf-trial-view")
        self.view.observe(lambda _c: self._show_view(), names="value")
        self.rows = pd.DataFrame(columns=[ROW_ID, *TRIAL_COLUMNS])
        self.diff: pd.DataFrame | None = None
        self.trial: Any = None
        self.result_table = TickTable(self._fetch_rows, TRIAL_COLUMNS, table_key="trial_rows", settings=ui.wb.settings,
                                      id_column=ROW_ID, height=TABLE_HEIGHT, ticks=False,
                                      formatters={"base_total": money_text, "amount": money_text, "rate": rate_text,
                                                  "headcount": count_text},
                                      default_widths=TRIAL_WIDTHS, min_widths=TRIAL_MIN)
        self.diff_table = TickTable(self._fetch_diff, DIFF_COLUMNS, table_key="trial_diff", settings=ui.wb.settings,
                                    id_column=ROW_ID, height=TABLE_HEIGHT, ticks=False,
                                    actions={"明细": self.show_employees},
                                    formatters={c: money_text for c in ("trial_base_total", "bureau_base_total",
                                                                        "trial_amount", "bureau_amount")}
                                    | {"difference": signed_money, "trial_headcount": count_text,
                                       "bureau_headcount": count_text},
                                    default_widths=DIFF_WIDTHS, min_widths=DIFF_MIN)
        # One table at a time in the box (a grid first drawn while hidden takes no clicks in the browser).
        self.table_box = w.VBox([self.result_table])
        for part in (form, hint, self.summary, self.view, self.table_box):
            part.layout.flex = "0 0 auto"
        card = w.VBox([form, hint, self.view, self.summary, self.table_box])
        card.add_class("sbf-card")
        super().__init__(ui, [card], css="sbf-trial-page", show_title=True)
        self.calculate()  # entering the page: this month's trial (local, nothing is sent)

    # ---- the months -----------------------------------------------------------------------------
    def months(self) -> list[str] | None:
        """The chosen months, or None (and a message) when the form is not right."""
        first, last = (self.start.value or "").strip(), (self.end.value or "").strip()
        last = last or first
        for value, label in ((first, "所属期起"), (last, "所属期止")):
            if not is_month(value):
                self.ui.message(f"{label}应为“年-月”，如{clock.current_month()}")
                return None
        if first > last:
            self.ui.message("所属期起不能晚于所属期止")
            return None
        months = months_between(first, last)
        if len(months) > MAX_MONTHS:
            self.ui.message(f"一次最多测算{MAX_MONTHS}个月")
            return None
        return months

    # ---- 测算 -----------------------------------------------------------------------------------
    def calculate(self) -> None:
        months = self.months()
        if months is None:
            return
        self.run_call(self.service.calculate, months, on_done=self._calculated, title="测算", label="正在测算，请稍候……")

    def _calculated(self, result: tuple[Any, pd.DataFrame, pd.DataFrame]) -> None:
        self.trial, rows, unpriced = result
        self.rows = rows.reset_index(drop=True).assign(**{ROW_ID: range(1, len(rows) + 1)})
        self.diff = None
        months = sorted(set(self.rows["month"])) if len(self.rows) else []
        unit = _total(self.rows.loc[self.rows["payer"] == "unit", "amount"]) if len(self.rows) else Decimal("0.00")
        personal = _total(self.rows.loc[self.rows["payer"] == "personal", "amount"]) if len(self.rows) else Decimal(
            "0.00")
        if len(self.rows):
            text = (f"测算完成：{'、'.join(months)}共{len(self.rows)}条，应缴合计{money_text(unit + personal)}元"
                    f"（单位{money_text(unit)}元，个人{money_text(personal)}元）")
        else:
            text = ("所选所属期没有需要测算的应缴费额（往月只测算缴费工资申报产生的补缴；"
                    "税务代征的征收项目由社保经办机构核定，不在测算范围内）")
        if len(unpriced):
            people = unpriced["employee_id"].nunique()
            text += f"；另有{people}名职工没有缴费工资，未计入测算，请先申报缴费工资"
        self.summary.value = text_html(text, "sbf-trial-summary-text").value
        self.view.value = RESULT
        self._show_view()
        self.ui.call(self.result_table.refresh, 1)

    def _fetch_rows(self, page: int, size: int) -> tuple[pd.DataFrame, int]:
        return self.rows.iloc[(page - 1) * size: page * size], len(self.rows)

    # ---- 核对 -----------------------------------------------------------------------------------
    def compare(self) -> None:
        months = self.months()
        if months is None:
            return
        ok, loaded = self.ui.call(self.service.loaded, "daily")
        if not ok:
            return
        if not loaded:
            self.ui.confirm("尚未获取日常申报的预处理信息，无法核对。是否现在从税务局获取？",
                            lambda: self._load_then_compare(months), title="核对")
            return
        self._compare(months)

    def _load_then_compare(self, months: list[str]) -> None:
        self.run_call(self.wb.employer.declarations.channel("daily").load, title="核对",
                      label="正在获取日常申报预处理信息，请稍候……", on_done=lambda _n: self._compare(months))

    def _compare(self, months: list[str]) -> None:
        self.run_call(self._compare_months, months, on_done=self._compared, title="核对",
                      label="正在与预处理信息核对，请稍候……")

    def _compare_months(self, months: list[str]) -> tuple[pd.DataFrame, list[str]]:
        diff = self.service.compare("daily", months)
        others = [m for m in self.service.preprocessing_months("daily") if m not in months]
        return diff, others

    def _compared(self, result: tuple[pd.DataFrame, list[str]]) -> None:
        diff, others = result
        self.diff = diff.reset_index(drop=True).assign(**{ROW_ID: range(1, len(diff) + 1)})
        if len(self.diff):
            gap = _total(self.diff["difference"])
            text = (f"核对完成：与预处理信息有{len(self.diff)}处不一致，金额差额合计{signed_money(gap)}元"
                    "（预处理减测算）。请核对职工的缴费工资申报和缴费基数")
        else:
            text = "核对完成：测算结果与预处理信息一致"
        if others:
            text += f"。预处理信息中还有{'、'.join(others)}的应缴费额（补缴），调整所属期后可一并核对"
        self.summary.value = text_html(text, "sbf-trial-summary-text").value
        self.view.value = DIFFERENCES
        self._show_view()
        self.ui.call(self.diff_table.refresh, 1)

    def _fetch_diff(self, page: int, size: int) -> tuple[pd.DataFrame, int]:
        diff = self.diff if self.diff is not None else pd.DataFrame(columns=[ROW_ID, *DIFF_COLUMNS])
        return diff.iloc[(page - 1) * size: page * size], len(diff)

    def _show_view(self) -> None:
        showing_diff = self.view.value == DIFFERENCES
        self.table_box.children = (self.diff_table,) if showing_diff else (self.result_table,)
        if showing_diff and self.diff is None:
            self.ui.call(self.diff_table.refresh, 1)

    def show_employees(self, row_no: Any) -> None:
        """【明细】: the employees whose lines make this row differ."""
        if self.diff is None:
            return
        row = self.diff[self.diff[ROW_ID] == row_no]
        if row.empty:
            return
        prep_id = row.iloc[0]["prep_id"]
        if not text_of(prep_id):
            self.ui.message("预处理信息中没有这一条，没有可比对的职工明细：测算中的职工均未列入预处理信息，"
                            "请核对这些职工的参保和缴费工资")
            return
        self.run_call(self.service.compare_employees, "daily", [str(prep_id)],
                      on_done=lambda lines: self._show_lines(row.iloc[0], lines),
                      title="职工明细", label="正在获取职工明细，请稍候……")

    def _show_lines(self, row: pd.Series, lines: pd.DataFrame) -> None:
        shown = lines.copy()
        for col in ("trial_base", "bureau_base", "trial_amount", "bureau_amount"):
            shown[col] = shown[col].map(money_text)
        shown["difference"] = shown["difference"].map(signed_money)
        head = kv_grid([
            ("征收项目", f"{text_of(row['item_name'])}（{text_of(row['payer_name'])}），{text_of(row['month'])}"),
            ("缴费人数", f"测算{count_text(row['trial_headcount'])}人，预处理{count_text(row['bureau_headcount'])}人"),
            ("缴费基数合计", f"测算{money_text(row['trial_base_total'])}元，预处理{money_text(row['bureau_base_total'])}元"),
            ("应缴费额", (f"测算{money_text(row['trial_amount'])}元，预处理{money_text(row['bureau_amount'])}元，"
                         f"差额{signed_money(row['difference'])}元")),
        ], css="sbf-trial-lines-head", readonly_inputs=False)
        body = frame_table(shown, LINE_VIEW, css="sbf-trial-lines", empty="各职工明细一致")
        dialog = Dialog("职工明细差异", [head, body], width="960px", css="sbf-trial-lines-dialog")
        self.ui.dialogs.show(dialog)

    # ---- 导出 -----------------------------------------------------------------------------------
    def export(self) -> None:
        if self.trial is None:
            self.ui.message("请先测算")
            return
        name = f"社保费测算_{dt.datetime.now():%Y%m%d%H%M%S}.xlsx"
        self.run_call(self.service.export, self.trial, self.diff, on_done=lambda data: self.ui.save(data, name),
                      title="导出", label="正在导出，请稍候……")
