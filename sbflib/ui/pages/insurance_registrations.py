"""单位参保信息查询 (manual 2.19): the unit's insured items per unit number as last fetched from the
bureau. Shows the held list; fetches from the bureau when nothing was fetched yet and on 更新 (both
through `run_call`); query form with 查询/重置/收起, 导出 (.xlsx of the list as filtered). A 征收子目 the
bureau does not give stays blank (the manual: then the rule file is at fault, not the client).

Built on `sbflib/ui/stored_list_page.py` (`StoredListPage`), like 工程项目参保信息查询 (`pages/projects.py`).
"""

from __future__ import annotations

import ipywidgets as w

from sbflib.employer.registrations import INSURANCE_COLUMNS, InsuranceFilter
from sbflib.ui.components.cells import rate_text
from sbflib.ui.context import Ui
from sbflib.ui.stored_list_page import StoredListPage

ALL = "全部"
# Short columns keep their width (default = minimum, the header stays readable); the long texts
# (机构, 税务机关, 项目, 品目, 子目) give way first so the row fits at 1366 px.
INSURANCE_WIDTHS = {"序号": 56, "单位编号": 116, "社保经办机构": 200, "主管税务机关": 220, "征收项目": 130,
                    "征收品目": 170, "征收子目": 100, "征收方式": 84, "参保起始年月": 110, "缴费人数": 84,
                    "单位费率": 84, "个人费率": 84, "参保状态": 84}
INSURANCE_MIN_WIDTHS = {"序号": 56, "单位编号": 116, "社保经办机构": 60, "主管税务机关": 60, "征收项目": 70,
                        "征收品目": 70, "征收子目": 60, "征收方式": 84, "参保起始年月": 110, "缴费人数": 84,
                        "单位费率": 84, "个人费率": 84, "参保状态": 84}


class InsuranceRegistrationsPage(StoredListPage):
    menu_id = "EMP-19"
    title = "单位参保信息查询"
    export_name = "单位参保信息"
    fetching_label = "正在从税务局获取单位参保信息，请稍候……"

    def __init__(self, ui: Ui) -> None:
        self.unit_number = w.Text(placeholder="支持模糊查询")
        self.unit_number.add_class("sbf-q-unit-number")
        self.item_name = w.Text(placeholder="支持模糊查询")
        self.item_name.add_class("sbf-q-item")
        self.mode = w.Dropdown(options=[ALL], value=ALL)
        self.mode.add_class("sbf-q-mode")
        self.status = w.Dropdown(options=[ALL, "正常参保", "暂停缴费"], value=ALL)
        self.status.add_class("sbf-q-status")
        fields = [("单位编号", self.unit_number), ("征收项目", self.item_name), ("征收方式", self.mode),
                  ("参保状态", self.status)]
        super().__init__(ui, ui.wb.employer.insurance_registrations, dict(INSURANCE_COLUMNS), fields,
                         table_key="insurance_registrations", css="sbf-insurance-registrations-page",
                         formatters={"unit_rate": rate_text, "personal_rate": rate_text},
                         widths=INSURANCE_WIDTHS, min_widths=INSURANCE_MIN_WIDTHS, height="390px")

    def after_load(self) -> None:
        ok, modes = self.ui.call(self.service.collection_modes)
        if ok and modes is not None:
            current = self.mode.value
            self.mode.options = [ALL, *modes]
            self.mode.value = current if current in self.mode.options else ALL

    def filters(self) -> InsuranceFilter:
        def chosen(box: w.Dropdown) -> str:
            return "" if box.value == ALL else str(box.value)

        return InsuranceFilter(unit_number=self.unit_number.value.strip(), item_name=self.item_name.value.strip(),
                               collection_mode=chosen(self.mode), status=chosen(self.status))
