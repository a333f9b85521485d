"""The app shell driven from Python against a real workbench on the demo bureau (SYS-3..6, EMP-2).

Widgets are built in plain pytest; values are set and buttons `.click()`ed as a clerk would.
Units U000017 / U000018 are reserved for UI and end-to-end tests.
"""

from __future__ import annotations

import openpyxl

from sbflib.ui import App, menus
from sbflib.ui.app import NotBuiltPage

NEW_PASSWORD = "Ui#2026pw"



def _dialog(app):
    d = app.ui.dialogs.current
    assert d is not None, "a dialog was expected"
    return d


def _choose_region(app, code):
    page = app.screen.children[0]
    page.dropdown.value = code
    page.enter_button.click()
    d = _dialog(app)
    assert "地区一旦确定将不能更改，确认选择【" in d.text
    d.button("是").click()


def _add_unit(app, unit):
    units = app.units_page
    units.add_button.click()
    wiz = units.wizard
    wiz.taxpayer_id.value = unit["taxpayer_id"]
    wiz.next_button.click()
    if app.ui.dialogs.current is not None:  # several units under the taxpayer ID: pick ours
        d = app.ui.dialogs.current
        assert d.title == "选择单位"
        d.choose(next(i for i, c in enumerate(d.candidates) if c.unit_id == unit["unit_id"]))
        d.button("确定").click()
    assert wiz.step == "security"
    wiz.password.value = unit["password"]
    wiz.verify_button.click()
    assert app.ui.dialogs.current is None, app.ui.dialogs.current and app.ui.dialogs.current.text
    assert wiz.step == "confirm"
    assert wiz.confirm_button.disabled
    wiz.confirmed.value = True
    assert not wiz.confirm_button.disabled
    wiz.confirm_button.click()


def _login(app, unit, password, *, change_to=None):
    units = app.units_page
    units.login_buttons[units.row_of(unit["taxpayer_id"])].click()
    flow = app.login_flow
    flow.password.value = password
    flow.login_button.click()
    assert app.ui.dialogs.current is None, app.ui.dialogs.current and app.ui.dialogs.current.text
    if change_to:
        assert flow.step == "change_password"
        # every password message names its field the same way (the service's ValidationError)
        flow.new.value, flow.new2.value = change_to, change_to + "x"
        flow.change_button.click()
        assert "【确认新密码】：两次输入的新密码不一致" in _dialog(app).text
        _dialog(app).button("确定").click()
        flow.new.value, flow.new2.value = "12", "12"
        flow.change_button.click()
        assert _dialog(app).text.startswith("【新密码】：")
        _dialog(app).button("确定").click()
        flow.new.value = change_to
        flow.new2.value = change_to
        flow.change_button.click()
        d = _dialog(app)
        assert "申报密码修改成功" in d.text
        d.button("确定").click()
    app.ui.tasks.wait(120)
    assert app.state == "main", app.ui.dialogs.current and app.ui.dialogs.current.text


def test_region_add_unit_login_forced_change_and_roster(wb, bureau):
    unit = bureau.unit("U000017")
    bureau.reset_password(unit["unit_id"])
    app = App(wb, sync=True)
    assert app.state == "region"
    _choose_region(app, unit["region"])
    assert app.state == "units"
    assert "尚未添加用人单位" in app.units_page.empty.value

    _add_unit(app, unit)
    assert app.state == "units"
    assert [r["taxpayer_id"] for r in app.units_page.rows] == [unit["taxpayer_id"]]

    # 备注 is editable and searchable
    app.units_page.remark_fields[0].value = "测试备注"
    app.units_page.search.value = "测试备"
    assert len(app.units_page.rows) == 1
    app.units_page.search.value = "没有这个"
    assert app.units_page.rows == []
    app.units_page.reset_button.click()
    assert len(app.units_page.rows) == 1

    # wrong password: the bureau's Chinese message, still on the security step
    units = app.units_page
    units.login_buttons[0].click()
    app.login_flow.password.value = "000000x"
    app.login_flow.login_button.click()
    assert app.ui.dialogs.current is not None
    app.ui.dialogs.current.button("确定").click()
    app.login_flow.on_cancel()
    bureau.reset_password(unit["unit_id"])

    try:
        _login(app, unit, unit["password"], change_to=NEW_PASSWORD)
        shell = app.shell
        assert shell.current == "EMP-1"
        # every employer menu is in the left menu
        assert set(shell.menu_buttons) == set(menus.all_ids("employer"))
        # the manual's 28 menus and 社保费测算 (beyond the manual), every one of them built
        assert len([m for m in shell.menu_buttons if m.startswith("EMP-")]) == 29
        assert all(menus.page_class(m) is not None for m in shell.menu_buttons)

        # a menu not built yet (the collector's) says so plainly, without its catalogue ID
        page = NotBuiltPage(app.ui, menus.find("collector", "COL-2"))
        assert "该功能尚未实现" in page.children[1].value
        assert "COL-" not in page.children[1].value
        assert all("EMP-" not in b.tooltip and "EMP-" not in b.description for b in shell.menu_buttons.values())

        # roster: counts, fuzzy filter, detail, export
        roster = shell.open_menu("EMP-2")
        assert shell.open_menu("EMP-2") is roster  # built once, kept
        counts = roster.counts.value
        assert "职工总数：" in counts and "正常缴费：" in counts and "停止缴费：" in counts
        total = roster.table.total
        assert total == unit["employees"] if "employees" in unit else total > 0
        first_name = roster.table.frame.iloc[0]["name"]
        roster.name.value = first_name[-1]
        roster.form.query_button.click()
        assert 0 < roster.table.total <= total
        assert all(first_name[-1] in n for n in roster.table.frame["name"])
        roster.form.reset_button.click()
        assert roster.name.value == "" and roster.table.total == total

        roster.table.select_rows([0])
        roster.view_selected()
        d = _dialog(app)
        assert d.title == "职工参保明细" and "参保信息" in d.text and "开始缴费月份" in d.text
        d.button("关闭").click()

        roster.table.select_rows([0, 1])
        roster.export_selected()
        app.ui.tasks.wait()
        assert app.ui.download.last_filename.endswith(".xlsx")
        assert app.ui.download.last_size > 0
    finally:
        bureau.reset_password(unit["unit_id"])


def test_roster_groups_edit_and_sync(wb, bureau, tmp_path):
    unit = bureau.unit("U000018")
    bureau.reset_password(unit["unit_id"])
    app = App(wb, sync=True)
    _choose_region(app, unit["region"])
    _add_unit(app, unit)
    try:
        _login(app, unit, unit["password"], change_to=NEW_PASSWORD)
        roster = app.shell.open_menu("EMP-2")

        # 分组管理: new, child, duplicate refused, delete with confirm
        roster.open_groups()
        gd = roster.groups_dialog
        gd.new_name.value = "一车间"
        gd.add_top()
        top = int(gd.frame.iloc[0]["group_id"])
        gd.new_name.value = "甲班"
        gd.add_child(top)
        assert list(gd.frame["name"]) == ["一车间", "甲班"]
        gd.new_name.value = "一车间"
        gd.add_top()
        err = _dialog(app)
        assert "已存在" in err.text
        err.button("确定").click()
        gd.dismiss()
        assert ("一车间/甲班" in [label for label, _ in roster.group.options]
                or any("甲班" in label for label, _ in roster.group.options))

        # 编辑: put the first employee into 一车间, then filter by the group
        roster.table.select_rows([0])
        roster.edit_selected()
        ed = roster.edit_dialog
        dropdown = ed.body.children[1].children[1]
        dropdown.value = top
        ed.button("确定").click()
        roster.group.value = top
        roster.form.query_button.click()
        assert roster.table.total == 1

        # delete the group (with its child) after confirmation
        roster.open_groups()
        gd = roster.groups_dialog
        gd.delete(top, "一车间")
        c = _dialog(app)
        assert "删除分组【一车间】" in c.text
        c.button("是").click()
        assert len(gd.frame) == 0
        gd.dismiss()

        # employee-group template round trip: errors are reported per row
        data = wb.employer.roster.group_template()
        path = tmp_path / "t.xlsx"
        path.write_bytes(data)
        book = openpyxl.load_workbook(path)
        sheet = book.active
        sheet.cell(row=2, column=sheet.max_column, value="不存在的分组")
        book.save(path)
        roster.import_employee_groups(path.read_bytes())
        msg = _dialog(app)
        assert "失败" in msg.text and "第2行" in msg.text
        msg.button("确定").click()

        # 更新 → “本次共变更了N条职工信息，是否查看更新明细？”
        roster.sync(False)
        app.ui.tasks.wait(120)
        d = _dialog(app)
        assert "本次共变更了" in d.text
        d.button("是" if d.title != "提示" or "是否查看" in d.text else "确定").click()
    finally:
        bureau.reset_password(unit["unit_id"])


def test_a_region_with_only_employer_business_shows_one_module_button(wb, bureau):
    """Manual 1.4: where a region offers one module, 单位管理 shows only that button."""
    app = App(wb, sync=True)
    _choose_region(app, "310100")
    assert app.state == "units"
    assert list(app.units_page.module_buttons) == ["employer"]
    assert [b.description for b in app.units_page.module_buttons.values()] == ["用人单位"]


def test_a_region_with_both_modules_shows_both_buttons(wb, bureau):
    app = App(wb, sync=True)
    _choose_region(app, "330100")
    assert list(app.units_page.module_buttons) == ["employer", "collector"]
