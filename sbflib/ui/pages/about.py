"""关于 (SYS-1, SYS-2): this version and the bureau's newest with 升级, the business modules with 添加 /
卸载 / 删除数据, and 修复. Opened from 【关于】 in the status bar (manual 1.3.1.2.2).

- 版本信息: 当前版本 at once; 最新版本 asked of the bureau (`wb.upgrade.check`, off the kernel's thread).
  【升级】 is enabled when the bureau announces a newer version: where the install allows it, it asks
  first and runs the upgrade (`wb.upgrade.upgrade`); otherwise it shows the exact command to run.
- 业务模块: one row per module (用人单位业务, 代收单位业务) with its state and the units kept.
  【添加】 installs it (refused where the region has not put it online); 【卸载】 asks "是否确认卸载" and
  keeps the data; 【删除数据】 appears for a removed module that still has units, and asks again.
- 修复: checks and puts back program files, templates and configuration, then checks the store;
  the report is shown under the button. Business data is never changed.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from sbflib.system.modules import CONFIRM_DELETE, CONFIRM_UNINSTALL, PRODUCT, ModuleStatus, RepairReport
from sbflib.system.package import UpgradeOutcome
from sbflib.system.upgrade import VersionInfo
from sbflib.ui.components.card import ResultLine, card
from sbflib.ui.components.dialogs import Dialog
from sbflib.ui.components.html import escape
from sbflib.ui.context import button, field
from sbflib.ui.page import Page

if TYPE_CHECKING:
    from sbflib.ui.context import Ui

MODULE_COLUMNS = ("业务", "状态", "本机单位数", "操作")


def _value(css: str, text: str = "") -> w.HTML:
    h = w.HTML(f"<span class='sbf-readonly'>{escape(text)}</span>")
    h.add_class(css)
    return h


class AboutPage(Page):
    menu_id = "SYS-1"
    title = "关于"

    def __init__(self, ui: Ui) -> None:
        from sbflib.version import __version__

        # 版本信息
        self.current = _value("sbf-version", __version__)
        self.latest = _value("sbf-latest-version", "正在获取……")
        self.state = w.HTML("")
        self.state.add_class("sbf-version-state")
        self.notes = w.HTML("")
        self.notes.add_class("sbf-version-notes")
        self.notes_row = _row(self.notes)
        self.notes_row.layout.display = "none"
        self.upgrade_button = button("升级", self.ask_upgrade, primary=True, css="sbf-upgrade")
        self.upgrade_button.disabled = True
        self.check_button = button("检查更新", self.check, css="sbf-check-update")
        self.upgrade_result = ResultLine("sbf-upgrade-result", extra_css="sbf-about-result")
        self.info: VersionInfo | None = None
        version_card = card("版本信息", [
            field("产品名称", _value("sbf-product", PRODUCT)),
            field("当前版本", self.current), field("最新版本", w.HBox([self.latest, self.state])),
            self.notes_row, _row(self.upgrade_button, self.check_button), self.upgrade_result,
        ], "sbf-version-card")

        # 业务模块
        self.module_table = w.GridBox(layout=w.Layout(
            grid_template_columns="minmax(130px,1fr) minmax(150px,1fr) 110px minmax(180px,1.2fr)", width="100%",
            max_width="760px"))
        self.module_table.add_class("sbf-unit-table")  # the bordered grid of 单位管理
        self.module_table.add_class("sbf-module-table")
        self.module_buttons: dict[tuple[str, str], w.Button] = {}
        self.modules: list[ModuleStatus] = []
        self.module_result = ResultLine("sbf-module-result", extra_css="sbf-about-result")
        modules_card = card("业务模块", [
            w.HTML("<div class='sbf-tip'>可根据需要添加用人单位业务或代收单位业务（以所属地区已上线的业务为限）。"
                   "卸载业务后，该业务的单位和数据仍保留在本机，重新添加即可继续使用；如需删除，请在卸载后点击【删除数据】。</div>"),
            self.module_table, self.module_result,
        ], "sbf-modules-card")

        # 修复
        self.repair_button = button("修复", self.repair, primary=True, css="sbf-repair")
        self.repair_result = ResultLine("sbf-repair-result", extra_css="sbf-about-result")
        repair_card = card("系统修复", [
            w.HTML("<div class='sbf-tip'>客户端程序出现异常时可使用修复：校验并恢复程序文件、模板和配置，"
                   "然后检查本地数据库是否完好。修复不会删除或改动业务数据，修复后请重新启动客户端。</div>"),
            _row(self.repair_button), self.repair_result,
        ], "sbf-repair-card")

        super().__init__(ui, [version_card, modules_card, repair_card], css="sbf-about-page", show_title=True)
        self.refresh_modules()
        self.check()

    def on_show(self) -> None:
        self.refresh_modules()

    # ---- 版本与升级 --------------------------------------------------------------------------
    def check(self) -> None:
        self.run_call(self.wb.upgrade.check, on_done=self._checked, on_error=self._check_failed,
                      label="正在获取最新版本……")

    def _checked(self, info: VersionInfo) -> None:
        self.info = info
        self.latest.value = f"<span class='sbf-readonly'>{escape(info.latest)}</span>"
        css = "sbf-hint-red" if info.newer else "sbf-ok"
        self.state.value = f"<span class='{css}' style='margin-left:16px'>{escape(info.state)}</span>"
        notes = f"{info.released} {info.notes}".strip() if info.newer else ""
        self.notes.value = f"<div class='sbf-tip'>{escape('更新内容：' + notes)}</div>" if notes else ""
        self.notes_row.layout.display = None if notes else "none"
        self.upgrade_button.disabled = not info.newer

    def _check_failed(self, exc: BaseException) -> None:
        self.latest.value = "<span class='sbf-fail'>暂时无法获取</span>"
        self.state.value = ""
        self.upgrade_button.disabled = True
        self.upgrade_result.failed(exc)

    def ask_upgrade(self) -> None:
        info = self.info
        if info is None or not info.newer:
            return
        if info.can_run:
            self.ui.confirm(f"将升级到 {info.latest}，升级完成后需重新启动客户端，本地数据全部保留。是否立即升级？",
                            functools.partial(self._upgrade, None), title="系统升级")
        else:
            self._upgrade(False)

    def _upgrade(self, run: bool | None) -> None:
        self.run_call(self.wb.upgrade.upgrade, run, on_done=self._upgraded, on_error=self.upgrade_result.failed,
                      label="正在升级，请稍候……", title="系统升级")

    def _upgraded(self, outcome: UpgradeOutcome) -> None:
        ok = outcome.ran and outcome.returncode == 0 and bool(outcome.installed_version)
        if outcome.ran:
            self.upgrade_result.show(outcome.message, ok, outcome.output)
            return
        # Not allowed to run here: the exact command, selectable, in a dialog and under the button.
        self.upgrade_result.show(outcome.message, False)
        command = w.Textarea(value=outcome.command_text, layout=w.Layout(width="100%", height="64px"))
        command.add_class("sbf-upgrade-command")
        close = w.Button(description="关闭", button_style="primary")
        d = Dialog("系统升级", [w.HTML(f"<div class='sbf-message'>{escape(outcome.message.split('：')[0])}：</div>"),
                               command], [close], width="620px", css="sbf-upgrade-dialog")
        close.on_click(lambda _b: d.dismiss())
        self.ui.dialogs.show(d)

    # ---- 业务模块 ----------------------------------------------------------------------------
    def refresh_modules(self) -> None:
        ok, status = self.ui.call(self.wb.modules.status)  # local read
        self.modules = list(status) if ok and status else []
        cells: list[w.Widget] = []
        for label in MODULE_COLUMNS:
            h = w.HTML(f"<b>{label}</b>")
            h.add_class("sbf-th")
            cells.append(h)
        self.module_buttons = {}
        for s in self.modules:
            state_css = "sbf-ok" if s.installed else ("sbf-fail" if not s.offered else "")
            for value, css in ((s.label, ""), (s.state, state_css), (s.units, "")):
                c = w.HTML(f"<span class='{css}'>{escape(value)}</span>")
                c.add_class("sbf-td")
                c.add_class(f"sbf-module-{s.module}")
                cells.append(c)
            actions: list[w.Widget] = []
            if s.installed:
                actions.append(self._module_button(s, "卸载", self.ask_uninstall))
            else:
                add = self._module_button(s, "添加", self.install, primary=True)
                add.disabled = not s.offered
                actions.append(add)
                if s.units:
                    actions.append(self._module_button(s, "删除数据", self.ask_delete))
            cell = w.HBox(actions)
            cell.add_class("sbf-td")
            cell.add_class("sbf-module-actions")
            cells.append(cell)
        self.module_table.children = cells

    def _module_button(self, s: ModuleStatus, text: str, action: Any, *, primary: bool = False) -> w.Button:
        b = button(text, functools.partial(action, s.module), primary=primary,
                   css=f"sbf-module-{text}-{s.module}")
        self.module_buttons[(s.module, text)] = b
        return b

    def _label(self, module: str) -> str:
        return next((s.label for s in self.modules if s.module == module), module)

    def install(self, module: str) -> None:
        self.run_call(self.wb.modules.install, module, label="正在添加业务……",
                      on_done=lambda s: self._module_done(f"已添加{s.label}，可在【单位管理】中切换使用"),
                      on_error=self._module_failed)

    def ask_uninstall(self, module: str) -> None:
        self.ui.confirm(CONFIRM_UNINSTALL.format(label=self._label(module)),
                        functools.partial(self._uninstall, module), title="卸载业务", yes="确定", no="取消")

    def _uninstall(self, module: str) -> None:
        self.run_call(self.wb.modules.uninstall, module, True, label="正在卸载业务……",
                      on_done=lambda s: self._module_done(
                          f"已卸载{s.label}，其{s.units}个单位及数据仍保留在本机" if s.units else f"已卸载{s.label}"),
                      on_error=self._module_failed)

    def ask_delete(self, module: str) -> None:
        units = next((s.units for s in self.modules if s.module == module), 0)
        self.ui.confirm(CONFIRM_DELETE.format(label=self._label(module), units=units),
                        functools.partial(self._delete, module), title="删除数据", yes="确定删除", no="取消")

    def _delete(self, module: str) -> None:
        label = self._label(module)

        def done(deleted: dict[str, int]) -> None:
            self._module_done(f"已删除{label}的本地数据（{deleted.get('units', 0)}个单位，共{sum(deleted.values())}行）")

        self.run_call(self.wb.modules.delete_data, module, True, label="正在删除数据……", on_done=done,
                      on_error=self._module_failed)

    def _module_done(self, text: str) -> None:
        self.refresh_modules()
        self.module_result.show(text, True)

    def _module_failed(self, exc: BaseException) -> None:
        self.refresh_modules()
        self.module_result.failed(exc)

    # ---- 修复 --------------------------------------------------------------------------------
    def repair(self) -> None:
        self.run_call(self.wb.modules.repair, on_done=self._repaired, on_error=self.repair_result.failed,
                      label="正在修复，请稍候……", title="系统修复")

    def _repaired(self, report: RepairReport) -> None:
        detail = "\n".join(x for x in (report.program.command_text, report.program.output, report.store.detail) if x)
        self.repair_result.show(report.lines, report.ok, detail)
        self.refresh_modules()


def _row(*items: w.Widget) -> w.HBox:
    row = w.HBox(list(items), layout=w.Layout(margin="8px 0 2px 114px"))
    row.add_class("sbf-toolbar")
    return row
