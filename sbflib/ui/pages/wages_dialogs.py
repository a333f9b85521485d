"""The dialogs of the contribution-wage filing pages (manual 2.3–2.6): 单个录入, 外部文件导入,
按单位编号添加缴费职工 / 按分组添加缴费职工 / 添加全部正常缴费职工 (with 按比率 / 按固定金额 and, for
daily filings, 生效年月), 批量修改, and the countdown after 提交申报 (立即获取)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import ipywidgets as w
import pandas as pd

from sbflib.domain import clock
from sbflib.domain import wages as rules
from sbflib.domain.errors import RuleViolation
from sbflib.domain.months import is_month
from sbflib.employer.wages import Adjust
from sbflib.errors import ValidationError
from sbflib.ui.components.cells import plain_money_text, text_of
from sbflib.ui.components.dialogs import Dialog
from sbflib.ui.components.html import escape, table_html, text_html
from sbflib.ui.components.upload import Upload
from sbflib.ui.context import button, field

if TYPE_CHECKING:
    from sbflib.ui.pages.wages import WageFilingPage

RATIO = "按比率"
FIXED = "按固定金额"
PLEASE_CHOOSE = "请选择"
LABEL_WIDTH = "110px"


# ---- small helpers ---------------------------------------------------------------------------
def _checked(rule: Any, *args: Any, **kwargs: Any) -> Any:
    """A domain rule run on what the clerk typed; its refusal as a ValidationError (Chinese)."""
    try:
        return rule(*args, **kwargs)
    except RuleViolation as exc:
        raise ValidationError(exc.message, code=exc.code) from None


def parse_wage(text: str, what: str = "新缴费工资") -> Decimal:
    """A wage typed by the clerk: a positive amount with at most two decimals (domain rule)."""
    value: Decimal = _checked(rules.parse_wage, (text or "").strip(), field=what)
    return value


def parse_month(text: str, what: str = "生效年月") -> str:
    t = (text or "").strip()
    if not is_month(t):
        raise ValidationError(f"{what}“{t}”格式不正确，请按“年-月”填写，例如 {current_month()}")
    return t


def current_month() -> str:
    return clock.current_month()


def month_input(css: str = "sbf-wage-month") -> w.Text:
    box = w.Text(value=current_month(), placeholder="YYYY-MM", continuous_update=False,
                 layout=w.Layout(width="140px"))
    box.add_class(css)
    return box


class AdjustInput(w.HBox):
    """缴费工资：[按比率 ▾] [100] %  or  [按固定金额 ▾] [1300] 元."""

    def __init__(self) -> None:
        self.mode = w.Dropdown(options=[RATIO, FIXED], value=RATIO, layout=w.Layout(width="120px"))
        self.mode.add_class("sbf-adjust-mode")
        self.amount = w.Text(value="100", layout=w.Layout(width="120px"))
        self.amount.add_class("sbf-adjust-value")
        self.unit = w.Label("%")
        self.unit.add_class("sbf-adjust-unit")
        self.mode.observe(lambda _c: self._mode_changed(), names="value")
        super().__init__([self.mode, self.amount, self.unit])
        self.add_class("sbf-adjust")

    def _mode_changed(self) -> None:
        ratio = self.mode.value == RATIO
        self.unit.value = "%" if ratio else "元"
        self.amount.value = "100" if ratio else ""

    def adjust(self) -> Adjust:
        """The Adjust typed; ValidationError (Chinese) when the number is not usable."""
        text = (self.amount.value or "").strip()
        made: Adjust = _checked(Adjust, "ratio" if self.mode.value == RATIO else "fixed", text)
        return made


def _buttons(ok_text: str = "确定", cancel_text: str = "取消") -> tuple[w.Button, w.Button]:
    ok = w.Button(description=ok_text, button_style="primary")
    ok.add_class("sbf-dialog-ok")
    cancel = w.Button(description=cancel_text)
    cancel.add_class("sbf-dialog-cancel")
    return ok, cancel


def back_pay_text(month: str) -> str:
    return f"生效年月{month}早于系统当前年月{current_month()}，将会产生补缴信息，是否确定？"


# ---- 按单位编号添加 / 按分组添加 / 添加全部正常缴费职工 / 批量修改 ----------------------------------
class AdjustDialog(Dialog):
    """One dialog shape for the adds with an adjustment and for 批量修改: an optional choice
    (单位编号 / 分组), 缴费工资 按比率 / 按固定金额, and for daily filings 生效年月.
    `on_ok(choice, adjust, month)` returns True when done (the dialog closes)."""

    def __init__(self, page: WageFilingPage, title: str, on_ok: Callable[[Any, Adjust, str | None], bool], *,
                 choice_label: str = "", choices: Sequence[tuple[str, Any]] = (), with_month: bool = False,
                 css: str = "") -> None:
        self.page = page
        self.choice: w.Dropdown | None = None
        rows: list[w.Widget] = []
        if choice_label:
            self.choice = w.Dropdown(options=[(PLEASE_CHOOSE, ""), *choices], value="",
                                     layout=w.Layout(width="240px"))
            self.choice.add_class("sbf-adjust-choice")
            rows.append(field(choice_label, self.choice, width=LABEL_WIDTH))
        self.adjust_input = AdjustInput()
        rows.append(field("缴费工资", self.adjust_input, width=LABEL_WIDTH))
        self.month: w.Text | None = None
        if with_month:
            self.month = month_input()
            rows.append(field("生效年月", self.month, width=LABEL_WIDTH))
        self.choice_label = choice_label
        ok, cancel = _buttons()
        super().__init__(title, rows, [ok, cancel], width="460px", css="sbf-adjust-dialog")
        if css:
            self.add_class(css)
        cancel.on_click(lambda _b: self.dismiss())
        ok.on_click(lambda _b: self.submit(on_ok))

    def submit(self, on_ok: Callable[[Any, Adjust, str | None], bool]) -> None:
        ui = self.page.ui
        if self.choice is not None and self.choice.value == "":
            ui.error(f"请选择{self.choice_label}")
            return
        try:
            adjust = self.adjust_input.adjust()
            month = parse_month(self.month.value) if self.month is not None else None
        except ValidationError as exc:
            ui.error(exc)
            return

        def go() -> None:
            if on_ok(self.choice.value if self.choice is not None else None, adjust, month):
                self.dismiss()

        if month is not None and month < current_month():
            ui.confirm(back_pay_text(month), go, yes="确定", no="取消")
        else:
            go()


# ---- 单个录入 -----------------------------------------------------------------------------------
class SingleEntryDialog(Dialog):
    """单个录入 (manual 2.3.2 二(一)): 姓名 with fuzzy search, 证件号码 filled in, 主管税务机关 of the
    unit, 原缴费工资 read-only; 新缴费工资 (per insured item on the per-item pages); daily filings
    take 生效年月 (earlier than this month asks to confirm 补缴; after the stop month is refused)."""

    def __init__(self, page: WageFilingPage) -> None:
        self.page = page
        self.ui = page.ui
        self.draft = page.draft
        self.daily = page.kind == "daily"
        self.per_item = page.way == "item"
        self.candidates = pd.DataFrame()
        self.chosen: dict[str, Any] | None = None
        self.confirmed_months: set[str] = set()
        self._setting = False
        self.name = w.Combobox(placeholder="请输入姓名，支持模糊查询", ensure_option=False,
                               layout=w.Layout(width="260px"))
        self.name.add_class("sbf-entry-name")
        self.name.observe(lambda _c: self.search(), names="value")
        self.id_number = w.Text(disabled=True, layout=w.Layout(width="260px"))
        self.id_number.add_class("sbf-entry-id-number")
        ok_t, authorities = self.ui.call(self.draft.tax_authorities)
        authorities = list(authorities or []) if ok_t else []
        self.authority = w.Dropdown(options=authorities, value=authorities[0] if len(authorities) == 1 else None,
                                    layout=w.Layout(width="360px"))
        self.authority.add_class("sbf-entry-authority")
        rows: list[w.Widget] = [field("姓名", self.name, width=LABEL_WIDTH),
                                field("证件号码", self.id_number, width=LABEL_WIDTH),
                                field("主管税务机关", self.authority, width=LABEL_WIDTH)]
        self.old_wage = w.Text(disabled=True, layout=w.Layout(width="160px"))
        self.old_wage.add_class("sbf-entry-old-wage")
        self.new_wage = w.Text(placeholder="请输入新缴费工资", layout=w.Layout(width="160px"))
        self.new_wage.add_class("sbf-entry-new-wage")
        self.month: w.Text | None = month_input() if self.daily and not self.per_item else None
        if self.month is not None:
            self.month.observe(lambda c: self.month_changed(self.month, c["old"]), names="value")
        self.item_rows: list[tuple[str, str, w.Text, w.Text | None]] = []
        self.items_box = w.VBox([])
        self.items_box.add_class("sbf-entry-items")
        if self.per_item:
            rows.append(w.HTML("<div class='sbf-section-title'>调整申报信息</div>"))
            rows.append(self.items_box)
            self.show_items(None)
        else:
            rows += [field("原缴费工资", self.old_wage, width=LABEL_WIDTH),
                     field("新缴费工资", self.new_wage, width=LABEL_WIDTH)]
            if self.month is not None:
                rows.append(field("生效年月", self.month, width=LABEL_WIDTH))
        rows.append(text_html("请填写需要调整的险种的新缴费工资" + ("和生效年月" if self.daily else "")
                              if self.per_item else "所有字段必填", "sbf-tip"))
        ok, cancel = _buttons()
        super().__init__("单个录入", rows, [ok, cancel], width="720px" if self.per_item else "520px",
                         css="sbf-single-entry-dialog")
        cancel.on_click(lambda _b: self.dismiss())
        ok.on_click(lambda _b: self.save())
        self.search()

    # ---- 姓名 (fuzzy) ----------------------------------------------------------------------------
    def search(self) -> None:
        """Names containing what is typed ("林" lists every name with 林); an exact pick fills the rest."""
        typed = (self.name.value or "").strip()
        picked = self._option_row(typed)
        if picked is not None:
            self.choose(picked)
            return
        ok, df = self.ui.call(self.draft.candidates, typed, 50)
        if not ok:
            return
        self.candidates = df.reset_index(drop=True)
        self.name.options = self._labels(self.candidates)
        picked = self._option_row(typed)
        self.choose(picked)

    def _labels(self, df: pd.DataFrame) -> list[str]:
        names = [text_of(n) for n in df.get("name", pd.Series(dtype=object)).tolist()]
        ids = [text_of(n) for n in df.get("id_number", pd.Series(dtype=object)).tolist()]
        seen: dict[str, int] = {}
        for n in names:
            seen[n] = seen.get(n, 0) + 1
        # a name shared by two employees is told apart by the (masked) ID number
        return [f"{n}（{i}）" if seen[n] > 1 else n for n, i in zip(names, ids, strict=False)]

    def _option_row(self, typed: str) -> dict[str, Any] | None:
        if not typed or self.candidates.empty:
            return None
        labels = self._labels(self.candidates)
        if typed in labels:
            return dict(self.candidates.iloc[labels.index(typed)])
        return None

    def choose(self, row: dict[str, Any] | None) -> None:
        self.chosen = row
        self.id_number.value = text_of(row.get("id_number")) if row else ""
        self.old_wage.value = plain_money_text(row.get("old_wage")) if row else ""
        if self.per_item:
            self.show_items(row)

    # ---- per item --------------------------------------------------------------------------------
    def show_items(self, row: dict[str, Any] | None) -> None:
        """One line per insured item of the employee: 险种, 原缴费工资, 新缴费工资 (and 生效年月)."""
        old = old_wages_by_item(row)
        ok, items = self.ui.call(self.draft.items)
        items = list(items or []) if ok else []
        if row is not None and old:
            items = [(c, n) for c, n in items if c in old]
        head = ["险种", "原缴费工资", "新缴费工资"] + (["生效年月"] if self.daily else [])
        header = w.HBox([w.HTML(f"<b>{escape(h)}</b>", layout=_cell_layout(i)) for i, h in enumerate(head)])
        header.add_class("sbf-entry-items-head")
        lines: list[w.Widget] = [header]
        self.item_rows = []
        for code, name in items:
            new = w.Text(placeholder="新缴费工资", layout=w.Layout(width="140px"))
            new.add_class("sbf-entry-item-wage")
            month: w.Text | None = None
            cells: list[w.Widget] = [w.Label(name, layout=_cell_layout(0)),
                                     w.Label(plain_money_text(old.get(code)), layout=_cell_layout(1)),
                                     w.Box([new], layout=_cell_layout(2))]
            if self.daily:
                month = month_input("sbf-entry-item-month")
                month.observe(lambda c, m=month: self.month_changed(m, c["old"]), names="value")
                cells.append(w.Box([month], layout=_cell_layout(3)))
            line = w.HBox(cells)
            line.add_class("sbf-entry-item")
            lines.append(line)
            self.item_rows.append((code, name, new, month))
        if not items:
            lines.append(text_html("请先选择职工" if row is None else "该职工没有需要申报缴费工资的险种", "sbf-empty"))
        self.items_box.children = lines

    # ---- 生效年月 ---------------------------------------------------------------------------------
    def month_changed(self, box: w.Text | None, old: str) -> None:
        """A month earlier than this month asks to confirm 补缴 (取消 puts the old month back);
        a month after the employee's stop month is refused at once (the old month back)."""
        if box is None or self._setting:
            return
        month = (box.value or "").strip()
        if not is_month(month):
            return
        if self.chosen is not None:
            ok, _check = self.ui.call(self.draft.check_month, self.chosen["employee_id"], month)
            if not ok:
                self._set(box, old)
                return
        if month < current_month() and month not in self.confirmed_months:
            def undo() -> None:
                if month not in self.confirmed_months:
                    self._set(box, old)

            self.ui.confirm(back_pay_text(month), lambda: self.confirmed_months.add(month), undo,
                            yes="确定", no="取消")

    def _set(self, box: w.Text, value: str) -> None:
        """Put a month back without asking again."""
        self._setting = True
        try:
            box.value = value or ""
        finally:
            self._setting = False

    # ---- 确定 ------------------------------------------------------------------------------------
    def values(self) -> list[tuple[Decimal | dict[str, Decimal], str | None]] | None:
        """What to add: one (wage, month) pair; per item, one ({item: wage}, month) per month typed
        (each insured item may take its own 生效年月, manual 2.4.2 二(一)4)."""
        ui = self.ui
        try:
            if self.chosen is None:
                raise ValidationError("请从下拉列表中选择职工", field="姓名")
            if not self.authority.value:
                raise ValidationError("请选择主管税务机关", field="主管税务机关")
            if self.per_item:
                if not self.item_rows:
                    raise ValidationError("该职工没有需要申报缴费工资的险种", field="调整申报信息")
                by_month: dict[str | None, dict[str, Decimal]] = {}
                for code, name, new, month in self.item_rows:
                    if not (new.value or "").strip():
                        continue
                    wage = parse_wage(new.value, f"{name}新缴费工资")
                    when = parse_month(month.value, f"{name}生效年月") if month is not None else None
                    by_month.setdefault(when, {})[code] = wage
                if not by_month:
                    raise ValidationError("请至少填写一个险种的新缴费工资", field="新缴费工资")
                return [(wages, when) for when, wages in by_month.items()]
            wage = parse_wage(self.new_wage.value)
            one_month = parse_month(self.month.value) if self.month is not None else None
            return [(wage, one_month)]
        except ValidationError as exc:
            ui.error(exc)
            return None

    def save(self) -> None:
        groups = self.values()
        if groups is None or self.chosen is None:
            return
        employee_id = self.chosen["employee_id"]
        months = sorted({m for _w, m in groups if m is not None})
        for month in months:
            ok, _check = self.ui.call(self.draft.check_month, employee_id, month)
            if not ok:
                return
        earlier = [m for m in months if m < current_month() and m not in self.confirmed_months]
        if earlier:
            def yes() -> None:
                self.confirmed_months.update(earlier)
                self._add(employee_id, groups)

            self.ui.confirm(back_pay_text(earlier[0]), yes, yes="确定", no="取消")
            return
        self._add(employee_id, groups)

    def _add(self, employee_id: str, groups: list[tuple[Decimal | dict[str, Decimal], str | None]]) -> None:
        for wage, month in groups:
            ok, _n = self.ui.call(self.draft.add_one, employee_id, self.authority.value, wage, month)
            if not ok:
                self.page.refresh()
                return
        self.dismiss()
        self.page.added(f"已添加职工：{text_of(self.chosen.get('name')) if self.chosen else ''}")


def old_wages_by_item(row: dict[str, Any] | None) -> dict[str, Any]:
    """The candidate's old wage per item code: an `old_wages` mapping, or `old_wage_<code>` columns."""
    if not row:
        return {}
    found = row.get("old_wages")
    if isinstance(found, dict):
        return {str(k): v for k, v in found.items()}
    if isinstance(found, list | tuple):  # [(code, wage)] or [{"item_code":..., "old_wage":...}]
        out: dict[str, Any] = {}
        for x in found:
            if isinstance(x, dict):
                out[str(x.get("item_code"))] = x.get("old_wage", x.get("wage"))
            elif isinstance(x, list | tuple) and len(x) >= 2:
                out[str(x[0])] = x[1]
        return out
    return {k[len("old_wage_"):]: v for k, v in row.items() if str(k).startswith("old_wage_") and text_of(v)}


def _cell_layout(i: int) -> w.Layout:
    widths = ["190px", "120px", "160px", "160px"]
    return w.Layout(width=widths[i], min_width=widths[i], align_items="center")


# ---- 外部文件导入 --------------------------------------------------------------------------------
class ImportDialog(Dialog):
    """外部文件导入: 下载导入模板, 选择文件导入; then the result and each bad row (行号, 列, 原因),
    and 下载错误报告."""

    def __init__(self, page: WageFilingPage) -> None:
        self.page = page
        self.report: Any = None
        self.upload = Upload("选择文件导入", accept=".xlsx")
        self.upload.add_class("sbf-wage-import-upload")
        self.upload.observe(lambda _c: self.import_file(), names="value")
        template = button("下载导入模板", self.download_template, css="sbf-wage-template")
        self.report_button = button("下载错误报告", self.download_report, css="sbf-wage-import-report")
        self.report_button.layout.display = "none"
        tools = w.HBox([template, self.upload, self.report_button])
        tools.add_class("sbf-wrap")
        tools.add_class("sbf-wage-import-tools")
        self.result = w.HTML("")
        self.result.add_class("sbf-wage-import-result")
        tip = text_html("请先下载导入模板，在模板中填写职工缴费工资信息后再导入；"
                        "有误的行不会导入，可下载错误报告查看原因。", "sbf-tip")
        close = w.Button(description="关闭")
        super().__init__("外部文件导入", [tools, tip, self.result], [close], width="760px",
                         css="sbf-wage-import-dialog")
        close.on_click(lambda _b: self.dismiss())

    def download_template(self) -> None:
        name = f"{self.page.title}导入模板.xlsx"
        self.page.run_call(self.page.draft.template, on_done=lambda data: self.page.ui.save(data, name),
                           title="下载导入模板", label="正在生成导入模板，请稍候……")

    def import_file(self, data: bytes | None = None) -> None:
        data = data if data is not None else self.upload.data
        if not data:
            return
        self.upload.value = ()  # the same file can be chosen again
        self.page.run_call(self.page.draft.import_file, data, on_done=self.show_report, title="外部文件导入",
                           label="正在导入，请稍候……")

    def show_report(self, report: Any) -> None:
        self.report = report
        errors = getattr(report, "errors", None)
        if errors is None:
            errors = pd.DataFrame(columns=["行号", "列", "原因"])
        n_bad = len(errors)
        bad_rows = errors["行号"].nunique() if n_bad and "行号" in errors.columns else n_bad
        head = f"导入完成：成功添加{int(report.added)}条"
        head += f"，{bad_rows}行有误未导入" if n_bad else "，没有错误"
        html = f"<div class='sbf-import-summary'>{escape(head)}</div>"
        if n_bad:
            shown = errors.head(200)
            html += table_html(shown, {c: c for c in ("行号", "列", "原因") if c in shown.columns},
                               css="sbf-wage-import-errors")
            if n_bad > 200:
                html += f"<div class='sbf-tip'>仅显示前200条，共{n_bad}条，请下载错误报告查看全部</div>"
        self.result.value = html
        self.report_button.layout.display = None if n_bad else "none"
        self.page.added(None)

    def download_report(self) -> None:
        if self.report is None:
            return
        name = f"导入错误报告_{dt.datetime.now():%Y%m%d%H%M%S}.xlsx"
        self.page.run_call(self.report.report_xlsx, on_done=lambda data: self.page.ui.save(data, name),
                           title="下载错误报告", label="正在生成错误报告……")
