"""职工缴费证明打印 (manual 2.16, EMP-16) and 单位缴费证明打印 (2.17, EMP-17).

The page starts empty (2.16 二); 查询 asks the bureau for what was paid into the treasury for the
费款所属期 (and, for an employee, the 姓名 / 证件类型 / 证件号码 typed). When nothing is found the page lists
the manual's reasons, the one the bureau names as the likelier first. 打印 saves the 缴费证明 of the
ticked rows as PDF (职工: tick one employee's rows; 单位: the ticked rows, or every row when none is
ticked); 导出 saves the same rows as .xlsx (ID numbers masked).
"""

from __future__ import annotations

from typing import ClassVar

import ipywidgets as w
import pandas as pd

from sbflib.domain import clock
from sbflib.employer.certificates import EMPLOYEE_PROOF_COLUMNS, UNIT_PROOF_COLUMNS, ProofResult
from sbflib.ui.components.cells import date_text, money_text
from sbflib.ui.components.html import escape, text_html
from sbflib.ui.components.query_form import QueryForm
from sbflib.ui.components.tick_table import TickTable
from sbflib.ui.context import Ui, button
from sbflib.ui.page import Page
from sbflib.ui.pages.tax_certificates import MonthRange, default_months, paged

# The list: the manual's columns but 征收子目, which the bureau leaves empty here (the PDF and the
# export carry it when a line has one); widths that fit 1366 px with every header whole.
UNIT_COLUMNS = {k: ("费款所属期" if k == "period_range" else v) for k, v in UNIT_PROOF_COLUMNS.items()
                if k != "subitem_detail"}
UNIT_WIDTHS = {"序号": 52, "征收经办机构": 120, "社保经办机构": 110, "单位编号": 100, "征收项目": 100, "征收品目": 120,
               "征收类型": 88, "费款所属期": 100, "入库日期": 96, "实缴金额": 104}
# at 1024 px the row shrinks towards these (values elide …); 实缴金额 stays whole
UNIT_MIN = {"序号": 44, "征收经办机构": 40, "社保经办机构": 40, "单位编号": 48, "征收项目": 64, "征收品目": 64,
            "征收类型": 60, "费款所属期": 72, "入库日期": 88}
# the list shows the ID number masked (the PDF prints it in full); 单位编号 and the two offices are in
# the PDF and the export, so the row fits 1366 px
EMPLOYEE_COLUMNS = {("id_number_masked" if k == "id_number" else k): v for k, v in EMPLOYEE_PROOF_COLUMNS.items()
                    if k not in ("unit_number", "tax_authority", "agency")}
EMPLOYEE_WIDTHS = {"序号": 48, "姓名": 72, "证件类型": 96, "证件号码": 170, "征收项目": 110, "费款所属期": 88,
                   "缴费基数": 92, "单位缴费": 88, "个人缴费": 88, "实缴金额": 92, "入库日期": 96}
EMPLOYEE_MIN = {"序号": 44, "姓名": 56, "证件类型": 40, "证件号码": 130, "征收项目": 56, "费款所属期": 72,
                "入库日期": 88}
MONEY = {"amount": money_text, "base": money_text, "unit_amount": money_text, "personal_amount": money_text,
         "arrived_on": date_text}


class ProofPage(Page):
    """A 缴费证明 query: months (and the employee), the list with ticks, 打印 (PDF) and 导出 (.xlsx)."""

    kind: ClassVar[str] = "unit"
    what: ClassVar[str] = "单位缴费清单信息"
    ticks_needed: ClassVar[bool] = False

    def __init__(self, ui: Ui, fields: list[tuple[str, w.Widget]], columns: dict[str, str],
                 widths: dict[str, int], min_widths: dict[str, int], hint: str) -> None:
        self.ui = ui
        self.proofs = ui.wb.employer.payment_proofs
        self.months = MonthRange(*default_months())
        self.form = QueryForm([*fields, ("费款所属期", self.months)], on_query=self.query)
        self.print_button = button("打印", self.print_proof, primary=True, css="sbf-proof-print")
        self.export_button = button("导出", self.export, css="sbf-proof-export")
        toolbar = w.HBox([self.print_button, self.export_button, text_html(hint, "sbf-hint")])
        toolbar.add_class("sbf-toolbar")
        toolbar.add_class("sbf-wrap")
        self.reasons = w.HTML("")
        self.reasons.add_class("sbf-proof-reasons")
        self.frame = pd.DataFrame()
        self.queried: tuple[str, str] = ("", "")
        self.table = TickTable(paged(self.frame), columns, table_key=f"payment_proofs_{self.kind}",
                               settings=ui.wb.settings, height="400px", formatters=MONEY,
                               default_widths=widths, min_widths=min_widths)
        for part in (self.form, toolbar, self.reasons, self.table):
            part.layout.flex = "0 0 auto"
        card = w.VBox([self.form, toolbar, self.reasons, self.table])
        card.add_class("sbf-card")
        super().__init__(ui, [card], css=f"sbf-payment-proofs-{self.kind}", show_title=True)

    # ---- 查询 ----------------------------------------------------------------------------------
    def ask(self, month_from: str, month_to: str) -> ProofResult:
        raise NotImplementedError

    def query(self) -> None:
        start, end = self.months.value
        self.run_call(self.ask, start, end, on_done=lambda r: self._show(r, (start, end)), title="查询",
                      label="正在查询缴费清单信息，请稍候……")

    def _show(self, result: ProofResult, months: tuple[str, str]) -> None:
        self.queried = months
        self.frame = result.rows.reset_index(drop=True)
        self.table.fetch = paged(self.frame)
        self.ui.call(self.table.refresh, 1)
        self.reasons.value = self.reasons_html(result) if result.empty else ""

    def reasons_html(self, result: ProofResult) -> str:
        """未查询到: the manual's reasons, the bureau's likelier one first and marked."""
        reasons = list(result.reasons)
        if result.reason and result.reason in reasons:
            reasons.remove(result.reason)
            reasons.insert(0, result.reason)
        items = "".join(
            f"<li>{escape(r)}{'（最可能）' if r == result.reason else ''}</li>" for r in reasons)
        return (f"<div class='sbf-hint-red' style='margin:4px 0'>未查询到{escape(self.what)}，原因可能有："
                f"<ol style='margin:2px 0 0 0;padding-left:22px'>{items}</ol></div>")

    # ---- 打印 / 导出 -------------------------------------------------------------------------------
    def chosen(self, action: str) -> pd.DataFrame | None:
        """The ticked rows of the page (every row when none is ticked and ticks are not needed)."""
        if self.frame.empty:
            self.ui.message(f"没有可{action}的{self.what}，请先查询。", title=action)
            return None
        ticked = self.table.selected_rows()
        if not ticked:
            if self.ticks_needed:
                self.ui.message(f"请勾选要{action}的{self.what}。", title=action)
                return None
            return self.frame
        return self.table.frame.iloc[ticked]

    def print_proof(self) -> None:
        rows = self.chosen("打印")
        if rows is None:
            return
        start, end = self.queried
        name = f"{self.title.removesuffix('打印')}_{clock.now():%Y%m%d%H%M%S}.pdf"
        pdf = self.proofs.unit_pdf if self.kind == "unit" else self.proofs.employee_pdf
        self.run_call(pdf, rows, start, end, on_done=lambda data: self.ui.save(data, name), title="打印",
                      label="正在生成缴费证明，请稍候……")

    def export(self) -> None:
        rows = self.chosen("导出")
        if rows is None:
            return
        name = f"{self.title.removesuffix('打印')}_{clock.now():%Y%m%d%H%M%S}.xlsx"
        export = self.proofs.export_unit if self.kind == "unit" else self.proofs.export_employees
        self.run_call(export, rows, on_done=lambda data: self.ui.save(data, name), title="导出",
                      label="正在导出，请稍候……")


class UnitProofPage(ProofPage):
    menu_id: ClassVar[str] = "EMP-17"
    title: ClassVar[str] = "单位缴费证明打印"
    kind: ClassVar[str] = "unit"
    what: ClassVar[str] = "单位缴费清单信息"
    ticks_needed: ClassVar[bool] = False

    def __init__(self, ui: Ui) -> None:
        super().__init__(ui, [], UNIT_COLUMNS, UNIT_WIDTHS, UNIT_MIN,
                         "【打印】打印勾选的缴费清单（未勾选时打印查询到的全部）；【导出】导出为电子表格文件。")

    def ask(self, month_from: str, month_to: str) -> ProofResult:
        return self.proofs.unit(month_from, month_to)


class EmployeeProofPage(ProofPage):
    menu_id: ClassVar[str] = "EMP-16"
    title: ClassVar[str] = "职工缴费证明打印"
    kind: ClassVar[str] = "employee"
    what: ClassVar[str] = "职工缴费清单信息"
    ticks_needed: ClassVar[bool] = True

    def __init__(self, ui: Ui) -> None:
        self.person_name = w.Text(placeholder="职工姓名")
        self.person_name.add_class("sbf-q-name")
        _ok, types = ui.call(ui.wb.employer.payment_proofs.id_types)
        self.id_type = w.Dropdown(options=[("全部", ""), *[(t, t) for t in (types or [])]], value="")
        self.id_type.add_class("sbf-q-id-type")
        self.id_number = w.Text(placeholder="证件号码")
        self.id_number.add_class("sbf-q-id-number")
        super().__init__(ui, [("职工姓名", self.person_name), ("证件类型", self.id_type), ("证件号码", self.id_number)],
                         EMPLOYEE_COLUMNS, EMPLOYEE_WIDTHS, EMPLOYEE_MIN,
                         "输入职工姓名或证件号码查询；勾选同一职工的缴费清单后点击【打印】或【导出】。")

    def ask(self, month_from: str, month_to: str) -> ProofResult:
        return self.proofs.employees(month_from, month_to, name=self.person_name.value, id_type=str(self.id_type.value or ""),
                                     id_number=self.id_number.value)
