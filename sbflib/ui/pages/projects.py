"""工程项目参保信息查询 (manual 2.25): the unit's construction projects as last fetched from the bureau
(empty for a unit that is no builder). Same shape as 单位参保信息查询 (`StoredListPage`): the held list,
fetched when never fetched and on 更新, query form, 导出 (.xlsx).
"""

from __future__ import annotations

import ipywidgets as w

from sbflib.employer.registrations import PROJECT_COLUMNS, ProjectFilter
from sbflib.ui.components.cells import money_text
from sbflib.ui.context import Ui
from sbflib.ui.stored_list_page import StoredListPage

# Numbers, dates and codes keep their width; names and addresses give way first (at 1366 px the
# row scrolls sideways only a little; 查询 by 项目名称 finds a project whose name is elided).
PROJECT_WIDTHS = {"序号": 56, "项目编号": 124, "项目名称": 200, "单位编号": 116, "社保经办机构": 200,
                  "项目地址": 200, "合同造价（元）": 126, "月工资总额（元）": 140, "施工人数": 84, "开工日期": 96,
                  "竣工日期": 96, "项目状态": 84, "参保登记日期": 110}
PROJECT_MIN_WIDTHS = {"序号": 56, "项目编号": 124, "项目名称": 100, "单位编号": 116, "社保经办机构": 70,
                      "项目地址": 70, "合同造价（元）": 126, "月工资总额（元）": 140, "施工人数": 84, "开工日期": 96,
                      "竣工日期": 96, "项目状态": 84, "参保登记日期": 110}


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
