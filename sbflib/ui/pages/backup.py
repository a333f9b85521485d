"""备份恢复 (SET-2): 备份设置 (立即备份 to the default or a chosen folder), 自动备份 (on exit, how many
copies, where) and 恢复设置 (from the default list or a chosen file), as the manual's three pages,
shown as three cards. Every call goes through `run_call`; 备份 and 恢复 ask first and show the result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ipywidgets as w

from sbflib.system.backup import AutoBackupSettings, BackupInfo, BackupResult, RestoreResult
from sbflib.ui.components.card import ResultLine, card
from sbflib.ui.components.html import escape
from sbflib.ui.context import button, field
from sbflib.ui.page import Page

if TYPE_CHECKING:
    from sbflib.ui.context import Ui

DEFAULT_PLACE = "备份到默认路径"
CHOSEN_PLACE = "备份到选择路径"
FROM_LIST = "从默认路径恢复"
FROM_FILE = "从指定文件恢复"


def _actions(*items: w.Widget) -> w.HBox:
    """A card's buttons (and its result line), lined up with the inputs under the 110px labels."""
    row = w.HBox(list(items), layout=w.Layout(margin="8px 0 2px 114px"))
    row.add_class("sbf-toolbar")
    return row


class BackupPage(Page):
    menu_id = "SET-2"
    title = "备份恢复"

    def __init__(self, ui: Ui) -> None:
        default = str(ui.wb.backup.default_folder)
        # 备份设置
        self.place = w.RadioButtons(options=[DEFAULT_PLACE, CHOSEN_PLACE], value=DEFAULT_PLACE)
        self.place.add_class("sbf-backup-place")
        self.default_path = w.HTML(f"<span class='sbf-readonly sbf-backup-default'>{escape(default)}</span>")
        self.folder = w.Text(placeholder="备份文件夹的完整路径，例如 /home/用户名/社保备份",
                             layout=w.Layout(width="420px", max_width="100%"))
        self.folder.add_class("sbf-backup-folder")
        self.backup_button = button("备份", self.ask_backup, primary=True, css="sbf-backup-now")
        self.backup_result = ResultLine("sbf-backup-result", margin="0 0 0 114px")
        self.place.observe(lambda _c: self._toggle(), names="value")
        backup_card = card("备份设置", [
            field("备份方式", self.place), field("默认路径", self.default_path), field("选择路径", self.folder),
            _actions(self.backup_button), self.backup_result,
        ], "sbf-backup-card")

        # 自动备份
        self.auto_enabled = w.Checkbox(value=False, description="启动自动备份（退出软件后自动备份）", indent=False)
        self.auto_enabled.add_class("sbf-auto-enabled")
        self.auto_keep = w.BoundedIntText(value=5, min=1, max=100, layout=w.Layout(width="120px"))
        self.auto_keep.add_class("sbf-auto-keep")
        self.auto_folder = w.Text(placeholder="不填则使用默认路径", layout=w.Layout(width="420px", max_width="100%"))
        self.auto_folder.add_class("sbf-auto-folder")
        self.auto_save_button = button("保存", self.save_auto, primary=True, css="sbf-auto-save")
        self.auto_result = ResultLine("sbf-auto-result", margin="0 0 0 114px")
        auto_card = card("自动备份", [
            field("自动备份", self.auto_enabled), field("保留份数", self.auto_keep),
            field("备份路径", self.auto_folder), _actions(self.auto_save_button), self.auto_result,
        ], "sbf-auto-card")

        # 恢复设置
        self.source = w.RadioButtons(options=[FROM_LIST, FROM_FILE], value=FROM_LIST)
        self.source.add_class("sbf-restore-source")
        self.backup_list = w.Select(options=[], rows=5, layout=w.Layout(width="560px", max_width="100%"))
        self.backup_list.add_class("sbf-backup-list")
        self.refresh_button = button("刷新列表", self.refresh, css="sbf-backup-refresh")
        self.restore_file = w.Text(placeholder="备份文件的完整路径（.sbfbak）", layout=w.Layout(width="420px",
                                                                                          max_width="100%"))
        self.restore_file.add_class("sbf-restore-file")
        self.restore_button = button("恢复", self.ask_restore, primary=True, css="sbf-restore-now")
        self.restore_result = ResultLine("sbf-restore-result", margin="0 0 0 114px")
        self.source.observe(lambda _c: self._toggle(), names="value")
        restore_card = card("恢复设置", [
            field("恢复方式", self.source), field("默认路径备份", self.backup_list),
            field("指定文件", self.restore_file),
            _actions(w.HTML("<div class='sbf-tip'>恢复将用所选备份替换当前全部本地数据；"
                            "恢复前会自动把当前数据备份到默认路径。网络设置、登录密码、自动备份设置和操作日志保持不变。</div>")),
            _actions(self.restore_button, self.refresh_button), self.restore_result,
        ], "sbf-restore-card")

        super().__init__(ui, [backup_card, auto_card, restore_card], css="sbf-backup-page", show_title=True)
        self._toggle()
        self._load()

    # -- state ------------------------------------------------------------------------------------
    def on_show(self) -> None:
        self._load()

    def _load(self) -> None:
        """The saved 自动备份 settings and the default list (local reads of the store and the folder)."""
        ok, settings = self.ui.call(self.wb.backup.auto_settings)
        if ok:
            self.auto_enabled.value = settings.enabled
            self.auto_keep.value = settings.keep
            self.auto_folder.value = settings.folder
        self.refresh()

    def refresh(self) -> None:
        ok, found = self.ui.call(self.wb.backup.backups)
        if ok:
            self._list(found)

    def _list(self, found: list[BackupInfo]) -> None:
        options = [(f"{b.created_at:%Y-%m-%d %H:%M:%S}  {b.kind_label}  {b.size_text}  {b.name}", str(b.path))
                   for b in found]
        if not options:
            options = [("（默认路径下还没有备份）", "")]
        self.backup_list.options = options
        self.backup_list.value = options[0][1]

    def _toggle(self) -> None:
        self.folder.disabled = self.place.value != CHOSEN_PLACE
        from_list = self.source.value == FROM_LIST
        self.backup_list.disabled = not from_list
        self.refresh_button.disabled = not from_list
        self.restore_file.disabled = from_list

    # -- 备份 -------------------------------------------------------------------------------------
    def chosen_folder(self) -> str | None:
        return self.folder.value.strip() if self.place.value == CHOSEN_PLACE else None

    def ask_backup(self) -> None:
        folder = self.chosen_folder()
        if folder == "":
            self.backup_result.show("请填写备份文件夹的路径", False)
            return
        where = folder or str(self.wb.backup.default_folder)
        self.ui.confirm(f"将把当前全部本地数据备份到：{where}。是否立即备份？", self.backup, title="备份")

    def backup(self) -> None:
        self.backup_result.show("正在备份……", True)
        self.run_call(self.wb.backup.backup, self.chosen_folder(), on_done=self._backed_up,
                      on_error=self._backup_failed, label="正在备份数据，请稍候……", title="备份")

    def _backed_up(self, result: BackupResult) -> None:
        self.backup_result.show(result.message, True)
        self.refresh()
        self.ui.message(result.message, title="备份")

    def _backup_failed(self, exc: BaseException) -> None:
        self.backup_result.failed(exc)
        self.ui.error(exc)

    # -- 自动备份 ---------------------------------------------------------------------------------
    def save_auto(self) -> None:
        settings = AutoBackupSettings(enabled=bool(self.auto_enabled.value), folder=self.auto_folder.value.strip(),
                                      keep=int(self.auto_keep.value))
        self.run_call(self.wb.backup.save_auto_settings, settings, on_done=self._auto_saved,
                      on_error=self.auto_result.failed, label="正在保存……", title="自动备份")

    def _auto_saved(self, settings: AutoBackupSettings) -> None:
        self.auto_folder.value = settings.folder
        state = "已启动" if settings.enabled else "未启动"
        self.auto_result.show(f"保存成功。自动备份{state}，最多保留{settings.keep}份。", True)
        self.refresh()

    # -- 恢复 -------------------------------------------------------------------------------------
    def chosen_backup(self) -> str:
        return (self.backup_list.value or "") if self.source.value == FROM_LIST else self.restore_file.value.strip()

    def ask_restore(self) -> None:
        path = self.chosen_backup()
        if not path:
            self.restore_result.show("请选择要恢复的备份文件", False)
            return
        self.ui.confirm("恢复将用所选备份替换当前全部本地数据，恢复前会先备份当前数据。是否确认恢复？",
                        lambda: self.restore(path), title="恢复")

    def restore(self, path: str) -> None:
        self.restore_result.show("正在恢复……", True)
        self.run_call(self.wb.backup.restore, path, on_done=self._restored, on_error=self._restore_failed,
                      label="正在检查备份文件并恢复数据，请稍候……", title="恢复")

    def _restored(self, result: RestoreResult) -> None:
        self.restore_result.show(result.message, True)
        self._load()
        self.ui.message(result.message, title="恢复")

    def _restore_failed(self, exc: BaseException) -> None:
        self.restore_result.failed(exc)
        self.ui.error(exc)
