"""关于 (SYS-1, SYS-2) driven from Python: versions, 升级 (run where allowed, else the exact command),
modules 添加 / 卸载 (是否确认卸载) / 删除数据, and 修复 with its report. A real workbench on the session's
bureau; the bureau's announced version and the install are replaced where a test needs a newer one."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import sbflib.system.upgrade as upgrade_module
from sbflib.gateway.reference import ClientVersion
from sbflib.system.package import Install
from sbflib.ui.app import MainShell
from sbflib.ui.context import Ui
from sbflib.ui.pages.about import AboutPage
from sbflib.ui.pages.units import UnitsPage
from sbflib.version import __version__


def _text(widget) -> str:
    from sbflib.ui.components.dialogs import _widget_text

    return _widget_text(widget)


def _announce(wb, monkeypatch, latest="9.9.0"):
    monkeypatch.setattr(wb.ctx.client.reference, "client_version",
                        lambda: ClientVersion(latest, "2026-12-01", "缴费工资申报"))


def _install(kind="wheel", *, writable=True) -> Install:
    root = Path(__file__).resolve().parents[2]
    return Install(kind, __version__, root / "sbflib", root if kind == "editable" else None,
                   root / ".venv", in_venv=True, writable=writable)


def test_about_shows_this_version_and_the_bureaus_newest(wb):
    wb.choose_region("330100")
    page = AboutPage(Ui(wb, sync=True))
    text = _text(page)
    assert f"当前版本： {__version__}" in text or __version__ in _text(page.current)
    assert _text(page.latest).strip() == "0.1.0"  # what the demo bureau announces
    assert "当前已是最新版本" in _text(page.state)
    assert page.upgrade_button.disabled
    assert "SYS-" not in text and "employer" not in text  # no catalogue ID, no English on screen


def test_a_newer_version_is_offered_and_upgraded_where_the_install_allows_it(wb, monkeypatch):
    wb.choose_region("330100")
    _announce(wb, monkeypatch)
    ran: list[list[str]] = []

    def runner(cmd):
        ran.append(list(cmd))
        return subprocess.CompletedProcess(cmd, 0, "Successfully installed sbflib-9.9.0\n", "")

    wb.upgrade._runner = runner
    wb.upgrade._install = _install()
    monkeypatch.setattr(upgrade_module, "installed_version_now", lambda: "9.9.0")
    ui = Ui(wb, sync=True)
    page = AboutPage(ui)
    assert "发现新版本 9.9.0，建议升级" in _text(page.state)
    assert "缴费工资申报" in _text(page.notes)
    assert not page.upgrade_button.disabled
    page.upgrade_button.click()
    assert "是否立即升级" in ui.dialogs.current.text and not ran  # asks first
    ui.dialogs.current.button("是").click()
    assert ran and ran[0][-4:] == ["pip", "install", "--upgrade", "sbflib==9.9.0"]
    assert "已升级到 9.9.0，请关闭并重新启动客户端" in _text(page.upgrade_result)
    assert "Successfully installed" in page.upgrade_result.detail.detail.value  # pip's output behind 详情


def test_where_the_program_may_not_run_pip_the_exact_command_is_shown(wb, monkeypatch):
    wb.choose_region("330100")
    _announce(wb, monkeypatch)
    wb.upgrade._install = _install(writable=False)
    wb.upgrade._runner = lambda cmd: pytest.fail("pip must not run")
    ui = Ui(wb, sync=True)
    page = AboutPage(ui)
    page.upgrade_button.click()
    dialog = ui.dialogs.current
    assert "sbf-upgrade-dialog" in dialog._dom_classes
    command = next(c for c in dialog.body.children if "sbf-upgrade-command" in c._dom_classes).value
    assert command.endswith("-m pip install --upgrade sbflib==9.9.0")
    assert "不能自动升级" in _text(page.upgrade_result)

    wb.upgrade._install = _install("editable")
    page.check()
    page.upgrade_button.click()
    command = next(c for c in ui.dialogs.current.body.children if "sbf-upgrade-command" in c._dom_classes).value
    assert command.startswith("git -C ") and command.endswith("pull --ff-only")


def test_modules_are_removed_after_confirming_added_again_and_their_data_deleted_only_when_asked(wb):
    wb.choose_region("330100")
    with wb.store.work() as con:  # a collector unit kept in the store
        con.execute("INSERT INTO units (unit_id, module, taxpayer_id, name, region, added_at) VALUES "
                    "('UC1', 'collector', '11330100002496000K', '北山街道办事处', '330100', now())")
    ui = Ui(wb, sync=True)
    page = AboutPage(ui)
    assert [(s.label, s.state, s.units) for s in page.modules] == [("用人单位业务", "已安装", 0),
                                                                   ("代收单位业务", "已安装", 1)]
    page.module_buttons[("collector", "卸载")].click()
    assert "是否确认卸载代收单位业务" in ui.dialogs.current.text
    ui.dialogs.current.button("取消").click()
    assert wb.modules.installed() == ["employer", "collector"]  # 取消 changes nothing

    page.module_buttons[("collector", "卸载")].click()
    ui.dialogs.current.button("确定").click()
    assert wb.modules.installed() == ["employer"]
    assert "已卸载代收单位业务，其1个单位及数据仍保留在本机" in _text(page.module_result)
    assert page.modules[1].state == "未安装（数据保留）"
    assert [b.description for b in UnitsPage(ui, on_login=lambda _u: None).module_buttons.values()] == ["用人单位"]

    # the last module cannot go
    page.module_buttons[("employer", "卸载")].click()
    ui.dialogs.current.button("确定").click()
    assert "至少需要保留一项业务" in _text(page.module_result)

    # 删除数据 is its own second choice
    page.module_buttons[("collector", "删除数据")].click()
    assert "是否确认删除代收单位业务的全部本地数据（1个单位" in ui.dialogs.current.text
    ui.dialogs.current.button("确定删除").click()
    assert page.modules[1].units == 0 and ("collector", "删除数据") not in page.module_buttons

    page.module_buttons[("collector", "添加")].click()
    assert wb.modules.installed() == ["employer", "collector"]
    assert "已添加代收单位业务" in _text(page.module_result)
    assert len(UnitsPage(ui, on_login=lambda _u: None).module_buttons) == 2


def test_a_module_the_region_has_not_put_online_cannot_be_added(wb):
    wb.choose_region("310100")  # 上海: 用人单位业务 only
    page = AboutPage(Ui(wb, sync=True))
    collector = page.modules[1]
    assert collector.state == "本地区未上线"
    assert page.module_buttons[("collector", "添加")].disabled


def test_repair_reports_what_it_did_and_the_store(wb):
    wb.choose_region("330100")
    (wb.data_dir / "config.json").unlink(missing_ok=True)
    page = AboutPage(Ui(wb, sync=True))
    page.repair_button.click()
    text = _text(page.repair_result)
    assert "程序文件：完好" in text
    assert "已恢复默认配置 config.json" in text
    assert "本地数据库：完好" in text and "修复完成，数据未作任何改动" in text
    assert (wb.data_dir / "config.json").exists()


class _App:
    def __init__(self):
        from ipywidgets import Button

        self.network_button = Button()

    def switch_unit(self):
        pass


def test_after_login_the_status_bar_says_when_a_newer_version_is_out(logged_in, monkeypatch):
    wb = logged_in("U000029")
    assert MainShell(Ui(wb, sync=True), _App()).about_button.description == "关于"  # type: ignore[arg-type]
    _announce(wb, monkeypatch)
    shell = MainShell(Ui(wb, sync=True), _App())  # type: ignore[arg-type]
    assert shell.about_button.description == "关于（有新版本）"
    shell.about_button.click()
    assert "发现新版本 9.9.0，建议升级" in _text(shell.page_box.children[0].state)


def test_the_status_bar_opens_about_as_a_page(logged_in):
    wb = logged_in("U000029")
    shell = MainShell(Ui(wb, sync=True), _App())  # type: ignore[arg-type]
    shell.about_button.click()
    assert shell.current == "SYS-1" and isinstance(shell.page_box.children[0], AboutPage)
    # the logged-in unit's module cannot be removed from under it
    page = shell.page_box.children[0]
    page.module_buttons[("employer", "卸载")].click()
    shell.ui.dialogs.current.button("确定").click()
    assert "当前登录的单位属于用人单位业务" in _text(page.module_result)


def _region_page(wb):
    from sbflib.ui.pages.region import RegionPage

    chosen = []
    ui = Ui(wb, sync=True)
    return ui, RegionPage(ui, on_chosen=lambda: chosen.append(True)), chosen


def test_the_first_start_installs_the_modules_ticked_with_the_region(wb):
    ui, page, chosen = _region_page(wb)
    page.dropdown.value = "330100"
    boxes = page.module_boxes
    assert page.modules_row.layout.display is None and "安装业务" in _text(page.modules_row)
    assert [(b.description, b.value, b.disabled) for b in boxes.values()] == [
        ("用人单位业务", True, False), ("代收单位业务", True, False)]
    boxes["employer"].value = boxes["collector"].value = False
    page.enter_button.click()
    assert "请至少选择一项需要安装的业务" in ui.dialogs.current.text and wb.region is None
    ui.dialogs.current.button("确定").click()
    boxes["collector"].value = True  # a 代收单位 only
    page.enter_button.click()
    ui.dialogs.current.button("是").click()
    assert chosen and wb.region.code == "330100"
    assert wb.modules.installed() == ["collector"]
    assert [b.description for b in UnitsPage(ui, on_login=lambda _u: None).module_buttons.values()] == ["代收单位"]


def test_a_region_with_one_business_online_installs_it_without_a_choice(wb):
    _ui, page, _chosen = _region_page(wb)
    page.dropdown.value = "310100"
    employer, collector = page.module_boxes["employer"], page.module_boxes["collector"]
    assert employer.value and employer.disabled and collector.layout.display == "none"
    page.choose()
    assert wb.modules.installed() == ["employer"]


def test_the_choice_is_not_asked_again_when_the_installer_recorded_it(wb):
    wb.modules.install_many(["employer"])  # as `sbf install --module employer` did
    _ui, page, _chosen = _region_page(wb)
    assert page.modules_row.layout.display == "none"
    page.dropdown.value = "330100"
    page.choose()
    assert wb.modules.installed() == ["employer"]
