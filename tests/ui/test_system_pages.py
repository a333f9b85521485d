"""登录密码设置 (SET-3), 申报管理 (SET-5) and 操作日志 pages, and the app shell's password screen,
driven from Python (`Ui(wb, sync=True)`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sbflib.ui.app import App
from sbflib.ui.context import Ui
from sbflib.ui.pages.audit import AuditPage
from sbflib.ui.pages.declaration_settings import DeclarationSettingsPage
from sbflib.ui.pages.local_password import LocalPasswordGate, LocalPasswordPage

UNIT_ID = "U000027"  # audit log and password change (tests/conftest.py)
SECRET = "本地密码abc123"


@pytest.fixture
def local_wb(tmp_path: Path) -> Iterator[object]:
    """A workbench on a fresh folder that never reaches a bureau (nothing listens on port 9)."""
    from sbflib.workbench import Workbench

    wb = Workbench(tmp_path / "data", "http://127.0.0.1:9")
    yield wb
    wb.close()


def _click_dialog(ui: Ui, text: str) -> None:
    assert ui.dialogs.current is not None
    ui.dialogs.current.button(text).click()


def test_local_password_page_sets_changes_and_removes(local_wb):
    ui = Ui(local_wb, sync=True)
    page = LocalPasswordPage(ui)
    assert "未设置登录密码" in page.status.value
    assert page.old_row.layout.display == "none" and page.mode_row.layout.display == "none"
    page.new.value, page.new2.value = SECRET, SECRET + "x"
    page.save_button.click()
    assert "两次输入的新密码不一致" in ui.dialogs.current.text
    _click_dialog(ui, "确定")
    page.new2.value = SECRET
    page.save_button.click()
    assert "登录密码设置成功" in ui.dialogs.current.text
    _click_dialog(ui, "确定")
    assert "已设置登录密码" in page.status.value and page.new.value == ""
    assert local_wb.local_password.is_set()

    page.old.value, page.new.value, page.new2.value = "wrong-one", "another1", "another1"
    page.save_button.click()
    assert "原登录密码错误" in ui.dialogs.current.text
    _click_dialog(ui, "确定")
    page.old.value, page.new.value, page.new2.value = SECRET, "another1", "another1"
    page.save_button.click()
    assert "修改成功" in ui.dialogs.current.text
    _click_dialog(ui, "确定")

    page.mode.value = "取消登录密码"
    assert page.new_rows.layout.display == "none" and page.remove_button.layout.display is None
    page.old.value = "another1"
    page.remove_button.click()
    _click_dialog(ui, "是")
    assert "已取消登录密码" in ui.dialogs.current.text
    assert not local_wb.local_password.is_set()


def test_the_app_shows_the_password_screen_first_and_nothing_else(local_wb, tmp_path):
    local_wb.local_password.set(SECRET, SECRET)
    from sbflib.workbench import Workbench

    locked = Workbench(local_wb.data_dir, "http://127.0.0.1:9")  # another window of the folder
    try:
        assert locked.local_password.locked
        app = App(locked, sync=True)
        assert app.state == "gate"
        gate = app.screen.children[0]
        assert isinstance(gate, LocalPasswordGate)
        assert app.network_button not in app.titlebar.children
        gate.password.value = "wrong-password"
        gate.ok_button.click()
        assert app.state == "gate" and "登录密码错误" in app.ui.dialogs.current.text
        assert gate.password.value == ""
        _click_dialog(app.ui, "确定")
        gate.password.value = SECRET
        gate.ok_button.click()
        assert app.state == "region"  # a fresh folder: 选择地区 comes next
        assert not locked.local_password.locked
    finally:
        locked.close()


def test_declaration_page_when_not_logged_in(local_wb):
    ui = Ui(local_wb, sync=True)
    local_wb.store  # noqa: B018 - the folder exists
    page = DeclarationSettingsPage(ui)
    assert "请先选择地区" in ui.dialogs.current.text  # no region: nothing to list
    _click_dialog(ui, "确定")
    assert page.old.disabled and page.save_button.disabled
    assert "未登录状态下，客户端暂不支持重置密码" in page.login_note.value


def test_declaration_page_lists_updates_rules_and_changes_the_password(logged_in, bureau):
    wb = logged_in(UNIT_ID)
    ui = Ui(wb, sync=True)
    page = DeclarationSettingsPage(ui)
    assert ui.dialogs.current is None and not page.old.disabled
    assert ">0</b>个" in page.count.value and "尚未下载规则文件" in page.files.value  # no 数据更新 yet
    page.update_button.click()
    count = wb.declaration_settings.rule_file_count()
    assert count >= 1 and f"共{count}个规则文件" in ui.dialogs.current.text
    _click_dialog(ui, "确定")
    assert f">{count}</b>个" in page.count.value
    files = wb.declaration_settings.rule_files()
    assert files.iloc[0]["title"] in page.files.value and files.iloc[0]["version"] in page.files.value
    wb.update_after_login()  # the login-time update keeps the same files
    assert wb.declaration_settings.rule_file_count() == count

    page.old.value, page.new.value, page.new2.value = "Test#2026", "Next#2026", "Next#2027"
    page.save_button.click()
    assert "两次输入的新密码不一致" in ui.dialogs.current.text
    _click_dialog(ui, "确定")
    page.new2.value = "Next#2026"
    page.save_button.click()
    assert "申报密码修改成功" in ui.dialogs.current.text
    _click_dialog(ui, "确定")
    wb.logout()
    wb.login(UNIT_ID, "Next#2026")  # the bureau has the new one

    audit = AuditPage(ui)
    shown = audit.table.frame
    assert {"安全认证", "登录", "修改申报密码", "退出登录"} <= set(shown["operation"])
    assert "修改申报密码" in audit.operation.options
    assert audit.unit.options[1] == (f"{bureau.unit(UNIT_ID)['name']}（{UNIT_ID}）", UNIT_ID)
    audit.unit.value = UNIT_ID
    audit.operation.value = "修改申报密码"
    audit.form.query_button.click()
    assert set(audit.table.frame["operation"]) == {"修改申报密码"} and audit.table.total == 2
    audit.view(audit.table.frame.iloc[0]["record_id"])
    detail = ui.dialogs.current.text
    assert "发送内容" in detail and "Next#2026" not in detail and "******" in detail
    _click_dialog(ui, "关闭")
    audit.export()
    assert ui.download is not None
