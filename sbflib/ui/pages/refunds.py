"""单位退费申请管理 (manual 2.28): the unit's refund applications kept on this computer with their status
(序号, 退费申请编号, 退费方式, 退费原因, 退费金额合计, 退费银行, 退费银行账户 masked, 申请日期, 处理状态,
审核意见, 明细条数, 操作 查看); 查询 / 重置 filter what is kept; 刷新 asks the bureau for the latest status.
新增退费申请 opens the two steps of the manual: 退费方式 (税票退费 / 职工明细退费), 退费所属期, 退费原因 and,
for employees, 姓名 / 证件号码 → 查询 → tick the lines (退费金额 = 可退金额 unless set) → 下一步 → 退费账户
(退费金额合计, 退费银行账户名称, 退费银行, 退费银行账户, 退费原因, 退费申请理由) → 提交申请 (asked first).
The base checks run before the call and name the field; the bureau's refusals are its Chinese messages.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import ipywidgets as w
import pandas as pd

from sbflib.domain import clock
from sbflib.domain.ids import mask_id_number
from sbflib.employer.refunds import (
    EMPLOYEE_COLUMNS,
    LINE_COLUMNS,
    REFUND_TYPES,
    STATUSES,
    TICKET_COLUMNS,
    Candidates,
    RefundApplication,
    RefundFilter,
    RefundLine,
)
from sbflib.errors import ValidationError
from sbflib.gateway.refunds import RefundRecord
from sbflib.ui.components.cells import money_text, text_of
from sbflib.ui.components.dialogs import Dialog
from sbflib.ui.components.html import escape, frame_table, kv_grid, text_html
from sbflib.ui.components.query_form import QueryForm
from sbflib.ui.components.tick_table import TickTable
from sbflib.ui.context import Ui, button, field
from sbflib.ui.page import Page
from sbflib.ui.pages.roster import DateRange

ALL = "全部"
KIND_OPTIONS = [("税票退费（适用于税票退费）", "ticket"), ("职工明细退费（仅适用于单位职工明细退费）", "employee")]
#: The list (明细条数 and 退费申请理由 in 查看; labels kept short so the row, 操作 included, fits 1366 px).
COLUMNS = {"refund_id": "退费申请编号", "kind_name": "退费方式", "refund_type": "退费原因", "total": "退费金额",
           "bank_name": "退费银行", "account_masked": "退费账户", "applied_at": "申请日期", "status": "处理状态",
           "result_reason": "审核意见"}
WIDTHS = {"序号": 52, "退费申请编号": 176, "退费方式": 88, "退费原因": 88, "退费金额": 96, "退费银行": 96,
          "退费账户": 80, "申请日期": 146, "处理状态": 80, "审核意见": 80}
MIN_WIDTHS = {"序号": 40, "退费申请编号": 80, "退费方式": 64, "退费原因": 64, "退费金额": 72, "退费银行": 48,
              "退费账户": 76, "申请日期": 64, "处理状态": 60, "审核意见": 48}
CANDIDATE_WIDTHS = {"序号": 48, "应征凭证序号": 140, "姓名": 70, "证件类型": 90, "证件号码": 150, "征收项目": 150,
                    "缴费对象": 80, "费款所属期": 96, "缴费所属期": 96, "实缴金额": 92, "已申请退费": 96, "可退金额": 92,
                    "退费金额": 92, "入库日期": 92}
CANDIDATE_MIN_WIDTHS = {"应征凭证序号": 100, "证件类型": 72, "证件号码": 130, "征收项目": 90, "实缴金额": 80,
                        "已申请退费": 96, "可退金额": 80, "退费金额": 80, "入库日期": 88}
LABEL_WIDTH = "140px"


def time_text(v: Any) -> str:
    t = text_of(v)
    if not t:
        return ""
    try:
        return pd.Timestamp(v).strftime("%Y-%m-%d %H:%M:%S")
    except (TypeError, ValueError):
        return t


class RefundsPage(Page):
    menu_id = "EMP-28"
    title = "单位退费申请管理"

    def __init__(self, ui: Ui) -> None:
        self.ui = ui
        self.refunds = ui.wb.employer.refunds
        self.applied = DateRange()
        self.status = w.Dropdown(options=[ALL, *STATUSES], value=ALL)
        self.status.add_class("sbf-q-status")
        self.kind = w.Dropdown(options=[(ALL, ""), ("税票退费", "ticket"), ("职工明细退费", "employee")], value="")
        self.kind.add_class("sbf-q-kind")
        self.form = QueryForm([("申请日期", self.applied), ("处理状态", self.status), ("退费方式", self.kind)],
                              on_query=self.query)
        self.form.grid.layout.grid_template_columns = "repeat(auto-fill, minmax(300px, 1fr))"
        self.add_button = button("新增退费申请", self.add, primary=True, css="sbf-refund-add")
        self.refresh_button = button("刷新", self.refresh, css="sbf-refund-refresh")
        self.note = text_html("", "sbf-hint")
        toolbar = w.HBox([self.add_button, self.refresh_button,
                          text_html("【刷新】从税务局获取退费申请的最新处理状态", "sbf-hint"), self.note])
        toolbar.add_class("sbf-toolbar")
        toolbar.add_class("sbf-wrap")
        self.table = TickTable(self._fetch, COLUMNS, table_key="refunds", settings=ui.wb.settings,
                               id_column="refund_id", height="440px", ticks=False, actions={"查看": self.view},
                               formatters={"total": money_text, "applied_at": time_text},
                               default_widths=WIDTHS, min_widths=MIN_WIDTHS)
        for part in (self.form, toolbar, self.table):
            part.layout.flex = "0 0 auto"
        card = w.VBox([self.form, toolbar, self.table])
        card.add_class("sbf-card")
        super().__init__(ui, [card], css="sbf-refunds-page", show_title=True)
        self.dialog: RefundDialog | None = None
        self.load()

    # ---- list --------------------------------------------------------------------------------
    def filters(self) -> RefundFilter:
        start, end = self.applied.value
        return RefundFilter(applied_from=start, applied_to=end,
                            status="" if self.status.value == ALL else str(self.status.value),
                            kind=str(self.kind.value or ""))

    def _fetch(self, page: int, size: int) -> tuple[pd.DataFrame, int]:
        return self.refunds.query(self.filters(), page=page, page_size=size)

    def query(self) -> None:
        self.ui.call(self.table.refresh, 1)
        ok, waiting = self.ui.call(self.refunds.pending)
        if ok and waiting:
            self.note.value = escape(f"有{waiting}笔退费申请提交中（未收到税务局的应答），点击【刷新】将再次提交，不会重复申请。")

    def on_show(self) -> None:
        self.load()

    def load(self) -> None:
        """The kept applications (manual 2.28.2 二); fetched from the bureau when none were ever kept."""
        ok, fetched = self.ui.call(self.refunds.fetched)
        if not ok:
            return
        if fetched:
            self.query()
        else:
            self.refresh()

    def refresh(self) -> None:
        """刷新: the bureau's applications and their status."""
        self.run_call(self.refunds.refresh, on_done=self._refreshed, title="刷新",
                      label="正在获取退费申请记录，请稍候……")

    def _refreshed(self, count: Any) -> None:
        self.note.value = escape(f"已于{clock.now():%Y-%m-%d %H:%M}刷新，共{int(count or 0)}条。")
        self.query()

    # ---- 查看 ----------------------------------------------------------------------------------
    def view(self, refund_id: Any) -> None:
        self.run_call(self.refunds.detail, str(refund_id), on_done=self._show_detail, title="查看",
                      label="正在获取退费申请明细，请稍候……")

    def _show_detail(self, answer: tuple[RefundRecord, pd.DataFrame]) -> None:
        record, lines = answer
        df = lines.copy()
        if "id_number" in df.columns:
            df["id_number"] = [mask_id_number(text_of(v)) if text_of(v) else "" for v in df["id_number"]]
        for col in ("paid_amount", "amount"):
            if col in df.columns:
                df[col] = [money_text(v) for v in df[col]]
        columns = {k: v for k, v in LINE_COLUMNS.items() if k in df.columns}
        if record.kind == "ticket":
            columns.pop("name", None)
            columns.pop("id_number", None)
        summary = kv_grid([("退费申请编号", record.refund_id), ("退费方式", record.kind_name),
                           ("处理状态", record.status), ("退费原因", record.refund_type),
                           ("退费申请理由", record.reason), ("退费金额合计", f"{money_text(record.total)} 元"),
                           ("退费银行账户名称", record.account_name), ("退费银行", record.bank_name),
                           ("退费银行账户", record.account_masked), ("申请日期", time_text(record.applied_at)),
                           *([("审核意见", record.result_reason)] if record.result_reason else [])],
                          css="sbf-refund-summary")
        table = frame_table(df, columns, css="sbf-refund-lines")
        box = w.Box([table], layout=w.Layout(max_height="300px", overflow="auto"))
        close = w.Button(description="关闭")
        d = Dialog("退费申请明细", [summary, box], [close], width="900px", css="sbf-refund-detail-dialog")
        close.on_click(lambda _b: d.dismiss())
        self.ui.dialogs.show(d)
        self.query()

    # ---- 新增退费申请 -------------------------------------------------------------------------
    def add(self) -> None:
        self.dialog = RefundDialog(self)
        self.ui.dialogs.show(self.dialog)

    def applied_one(self, record: RefundRecord) -> None:
        self.ui.message(f"退费申请已提交，申请编号{record.refund_id}，退费金额合计{money_text(record.total)}元，"
                        f"处理状态：{record.status}。可点击【刷新】查看最新处理状态。", title="提示")
        self.query()


class RefundDialog(Dialog):
    """填写退费申请: step 1 退费方式 and the lines, step 2 退费账户; 提交申请 asks first."""

    def __init__(self, page: RefundsPage) -> None:
        self.page = page
        self.refunds = page.refunds
        self.candidates = pd.DataFrame()
        self.amounts: dict[str, Decimal] = {}
        self.chosen = pd.DataFrame()
        month = clock.current_month()
        # ---- step 1
        self.kind = w.RadioButtons(options=KIND_OPTIONS, value="ticket", layout=w.Layout(width="auto"))
        self.kind.add_class("sbf-refund-kind")
        self.month_from = w.Text(value=month, placeholder="年-月", layout=w.Layout(width="100px"))
        self.month_from.add_class("sbf-refund-month-from")
        self.month_to = w.Text(value=month, placeholder="年-月", layout=w.Layout(width="100px"))
        self.month_to.add_class("sbf-refund-month-to")
        self.refund_type = w.Dropdown(options=list(REFUND_TYPES), value=REFUND_TYPES[0], layout=w.Layout(width="160px"))
        self.refund_type.add_class("sbf-refund-type")
        self.name = w.Text(placeholder="职工姓名", layout=w.Layout(width="120px"))
        self.name.add_class("sbf-refund-name")
        self.id_number = w.Text(placeholder="证件号码", layout=w.Layout(width="190px"))
        self.id_number.add_class("sbf-refund-id-number")
        self.search_button = button("查询", self.search, primary=True, css="sbf-refund-search")
        self.person_row = field("姓名", w.HBox([self.name, w.Label("证件号码："), self.id_number]), width=LABEL_WIDTH)
        self.amount = w.Text(placeholder="金额", layout=w.Layout(width="110px"))
        self.amount.add_class("sbf-refund-amount")
        self.amount_button = button("设为勾选行的退费金额", self.set_amount, css="sbf-refund-set-amount")
        self.found_note = text_html("", "sbf-hint")
        self.table = TickTable(self._fetch, TICKET_COLUMNS, table_key="refund_candidates",
                               settings=page.ui.wb.settings, id_column="line_key", height="300px",
                               formatters=self._formatters(), default_widths=CANDIDATE_WIDTHS,
                               min_widths=CANDIDATE_MIN_WIDTHS)
        self.step1 = w.VBox([
            text_html("温馨提示：请按照退费方式，选择退费方式退费并会显示对应的退费方式的内容", "sbf-hint-red"),
            field("选择退费方式", self.kind, width=LABEL_WIDTH),
            field("退费所属期", w.HBox([self.month_from, w.Label("至"), self.month_to, w.Label("退费原因："),
                                        self.refund_type, self.search_button]), width=LABEL_WIDTH),
            self.person_row,
            self.table,
            w.HBox([self.found_note, w.Label("退费金额："), self.amount, self.amount_button], layout=w.Layout(
                flex_flow="row wrap", align_items="center")),
        ])
        # ---- step 2
        self.total_line = text_html("", "sbf-refund-total")
        self.account_name = w.Text(value=_unit_name(page),
                                   placeholder="请输入退费银行账户名称", layout=w.Layout(width="360px"))
        self.account_name.add_class("sbf-refund-account-name")
        self.bank_name = w.Text(placeholder="请输入退费银行，如：中国工商银行", layout=w.Layout(width="360px"))
        self.bank_name.add_class("sbf-refund-bank")
        self.account_no = w.Text(placeholder="请输入退费银行账户（8至32位数字）", layout=w.Layout(width="360px"))
        self.account_no.add_class("sbf-refund-account-no")
        self.type2 = w.Dropdown(options=list(REFUND_TYPES), value=REFUND_TYPES[0], layout=w.Layout(width="200px"))
        self.type2.add_class("sbf-refund-type2")
        self.reason = w.Textarea(placeholder="请输入退费申请理由", layout=w.Layout(width="360px", height="64px"))
        self.reason.add_class("sbf-refund-reason")
        self.step2 = w.VBox([
            self.total_line,
            field("*退费银行账户名称", self.account_name, width=LABEL_WIDTH),
            field("*退费银行", self.bank_name, width=LABEL_WIDTH),
            field("*退费银行账户", self.account_no, width=LABEL_WIDTH),
            field("*退费原因", self.type2, width=LABEL_WIDTH),
            field("*退费申请理由", self.reason, width=LABEL_WIDTH),
        ])
        self.next_button = w.Button(description="下一步", button_style="primary")
        self.next_button.add_class("sbf-refund-next")
        self.cancel_button = w.Button(description="取消")
        self.back_button = w.Button(description="上一步")
        self.back_button.add_class("sbf-refund-back")
        self.submit_button = w.Button(description="提交申请", button_style="primary")
        self.submit_button.add_class("sbf-refund-submit")
        self.next_button.on_click(lambda _b: self.next())
        self.cancel_button.on_click(lambda _b: self.dismiss())
        self.back_button.on_click(lambda _b: self.show_step(1))
        self.submit_button.on_click(lambda _b: self.submit())
        self.kind.observe(lambda _c: self._kind_changed(), names="value")
        self.refund_type.observe(lambda _c: setattr(self.type2, "value", self.refund_type.value), names="value")
        super().__init__("填写退费申请", [self.step1], [self.next_button, self.cancel_button], width="1100px",
                         css="sbf-refund-dialog")
        self.step = 1
        self._kind_changed()

    # ---- step 1: the lines ------------------------------------------------------------------
    def _formatters(self) -> dict[str, Any]:
        return {"paid_amount": money_text, "asked": money_text, "refundable": money_text, "amount": money_text,
                "id_number": lambda v: mask_id_number(text_of(v)) if text_of(v) else "",
                "arrived_on": lambda v: text_of(v)[:10]}

    def _columns(self) -> dict[str, str]:
        base = TICKET_COLUMNS if self.kind.value == "ticket" else EMPLOYEE_COLUMNS
        return {**base, "amount": "退费金额"}

    def _kind_changed(self) -> None:
        self.person_row.layout.display = None if self.kind.value == "employee" else "none"
        self.candidates = pd.DataFrame()
        self.amounts = {}
        self.found_note.value = ""
        self.table.columns = self._columns()
        self.table.refresh(1)

    def _fetch(self, page: int, size: int) -> tuple[pd.DataFrame, int]:
        df = self.candidates
        if not len(df):
            return pd.DataFrame(columns=["line_key", *self._columns()]), 0
        part = df.iloc[(page - 1) * size: page * size].copy()
        part["amount"] = [self.amounts.get(k, r) for k, r in zip(part["line_key"], part["refundable"], strict=True)]
        return part, len(df)

    def search(self) -> None:
        self.page.run_call(self.refunds.candidates, str(self.kind.value), self.month_from.value or "",
                           self.month_to.value or "", self.name.value or "", self.id_number.value or "",
                           on_done=self._found, title="查询", label="正在查询可退费信息，请稍候……")

    def _found(self, found: Candidates) -> None:
        df = found.frame
        self.candidates = df[df["refundable"] > 0].reset_index(drop=True) if len(df) else df
        self.amounts = {}
        self.table.columns = self._columns()
        self.table.refresh(1)
        text = f"共{len(self.candidates)}条可退费信息。"
        if found.truncated:
            text += "数据较多，只显示前5000条，请缩小查询条件。"
        if not len(self.candidates):
            text = "未查询到可退费的信息（需已缴纳社保费且已入库）。"
        self.found_note.value = escape(text)

    def _ticked(self) -> pd.DataFrame:
        rows = self.table.selected_rows()
        return self.table.frame.iloc[rows] if rows else self.table.frame.iloc[0:0]

    def set_amount(self) -> None:
        ticked = self._ticked()
        if not len(ticked):
            self.page.ui.error("请先勾选需要设置退费金额的信息")
            return
        try:
            amount = Decimal((self.amount.value or "").strip().replace(",", ""))
        except ArithmeticError:
            self.page.ui.error(ValidationError("退费金额应为数字", field="退费金额"))
            return
        keep = list(self.table.selected_rows())
        for key in ticked["line_key"]:
            self.amounts[str(key)] = amount
        self.table.refresh()
        self.table.select_rows(keep)

    def _lines(self, chosen: pd.DataFrame) -> list[RefundLine]:
        return [RefundLine(str(r["line_key"]), self.amounts.get(str(r["line_key"]), r["refundable"]), r["refundable"])
                for _i, r in chosen.iterrows()]

    def next(self) -> None:
        chosen = self._ticked()
        if not len(chosen):
            self.page.ui.error(ValidationError("请勾选需要退费的信息", field="退费信息"))
            return
        lines = self._lines(chosen)
        probe = RefundApplication(str(self.kind.value), str(self.refund_type.value), "-", "-", "-", "12345678", lines)
        try:
            self.refunds.check(probe)  # the amounts (> 0, two decimals, not above 可退金额) before the next step
        except ValidationError as exc:
            self.page.ui.error(exc)
            return
        self.chosen = chosen
        self.total_line.value = escape(f"退费金额合计：{money_text(probe.total)} 元（共{len(lines)}条）")
        self.show_step(2)

    def show_step(self, step: int) -> None:
        self.step = step
        footer = self.children[2]
        if step == 1:
            self.body.children = [self.step1]
            footer.children = [self.next_button, self.cancel_button]  # type: ignore[attr-defined]
        else:
            self.body.children = [self.step2]
            footer.children = [self.back_button, self.submit_button]  # type: ignore[attr-defined]

    # ---- step 2: 退费账户, 提交申请 ---------------------------------------------------------
    def application(self) -> RefundApplication:
        return RefundApplication(str(self.kind.value), str(self.type2.value), self.reason.value or "",
                                 self.account_name.value or "", self.bank_name.value or "", self.account_no.value or "",
                                 self._lines(self.chosen))

    def submit(self) -> None:
        try:
            app = self.refunds.check(self.application())
        except ValidationError as exc:
            self.page.ui.error(exc)
            return
        self.page.ui.confirm(f"确定提交退费申请吗？退费金额合计{money_text(app.total)}元。", lambda: self._apply(app),
                             title="确认信息", yes="确定", no="取消")

    def _apply(self, app: RefundApplication) -> None:
        self.page.run_call(self.refunds.apply, app, on_done=self._sent, title="提交申请",
                           label="正在提交退费申请，请稍候……")

    def _sent(self, record: RefundRecord) -> None:
        self.dismiss()
        self.page.applied_one(record)


def _unit_name(page: RefundsPage) -> str:
    """The logged-in unit's name: the usual 退费银行账户名称."""
    unit = getattr(getattr(page.ui.wb, "ctx", None), "unit", None)
    return str(getattr(unit, "name", "") or "")


