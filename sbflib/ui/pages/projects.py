"""工程项目参保信息查询 (manual 2.25): the unit's construction projects as last fetched from the bureau
(empty for a unit that is no builder). Same shape as 单位参保信息查询 (`StoredListPage`): the held list,
fetched when never fetched and on 更新, query form, 导出 (.xlsx).
"""

from __future__ import annotations

import ipywidgets as w

from sbflib.employer.registrations import PROJECT_COLUMNS, ProjectFilter
from sbflib.ui.context import Ui
from sbflib.ui.pages.insurance_registrations import StoredListPage, money_text

PROJECT_WIDTHS = {"序号": 52, "项目编号": 140, "项目名称": 180, "单位编号": 120, "社保经办机构": 200,
                  "项目地址": 200, "合同造价（元）": 130, "月工资总额（元）": 130, "施工人数": 72, "开工日期": 96,
                  "竣工日期": 96, "项目状态": 72, "参保登记日期": 104}
PROJECT_MIN_WIDTHS = {"序号": 44, "项目编号": 128, "项目名称": 90, "单位编号": 110, "社保经办机构": 80,
                      "项目地址": 80, "合同造价（元）": 110, "月工资总额（元）": 110, "施工人数": 64, "开工日期": 90,
                      "竣工日期": 90, "项目状态": 64, "参保登记日期": 96}


class ProjectsPage(StoredListPage):
    menu_id = "EMP-25"
    title = "工程项目参保信息查询"
    export_name = "工程项目参保信息"
    fetching_label = "正在从税务局获取工程项目参保信息，请稍候……"

    def __init__(self, ui: Ui) -> None:
        self.project_no = w.Text(placeholder="支持模糊查询")
        self.project_no.add_class("sbf-q-project-no")
        self.project_name = w.Text(placeholder="支持模糊查询")
        self.project_name.add_class("sbf-q-project-name")
        self.unit_number = w.Text(placeholder="支持模糊查询")
        self.unit_number.add_class("sbf-q-unit-number")
        fields = [("项目编号", self.project_no), ("项目名称", self.project_name), ("单位编号", self.unit_number)]
        super().__init__(ui, ui.wb.employer.projects, dict(PROJECT_COLUMNS), fields, table_key="projects",
                         css="sbf-projects-page",
                         formatters={"contract_value": money_text, "monthly_payroll": money_text},
                         widths=PROJECT_WIDTHS, min_widths=PROJECT_MIN_WIDTHS)

    def filters(self) -> ProjectFilter:
        return ProjectFilter(project_no=self.project_no.value.strip(), project_name=self.project_name.value.strip(),
                             unit_number=self.unit_number.value.strip())
