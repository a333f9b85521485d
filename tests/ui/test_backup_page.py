"""备份恢复 (SET-2) page, driven from Python: 备份 asks then shows the file and its size, 自动备份 saves
its settings, 恢复 asks then restores from the default list or a chosen file and refuses a damaged one."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from sbflib.store.db import Store
from sbflib.system.backup import AutoBackupSettings, BackupService
from sbflib.ui.context import Ui
from sbflib.ui.pages.backup import CHOSEN_PLACE, FROM_FILE, BackupPage


@pytest.fixture
def page(tmp_path):
    store = Store(tmp_path / "data" / "client" / "sbf.duckdb")
    with store.work() as con:
        con.execute("INSERT INTO employees (unit_id, employee_id, name) "
                    "SELECT 'U1', 'E' || i, '职工' || i FROM range(100) t(i)")
    wb = SimpleNamespace(store=store, backup=BackupService(store, tmp_path / "data"))
    return BackupPage(Ui(wb, sync=True))  # type: ignore[arg-type]


def employees(page) -> int:
    with page.wb.store.read() as con:
        return con.execute("SELECT count(*) FROM employees").fetchall()[0][0]


def answer(page, text: str) -> None:
    dialog = page.ui.dialogs.current
    assert dialog is not None
    dialog.button(text).click()


def test_backup_asks_first_and_shows_the_file_and_its_size(page, tmp_path):
    assert str(tmp_path / "data" / "backups") in page.default_path.value
    assert page.folder.disabled and not page.backup_list.disabled and page.restore_file.disabled
    assert page.backup_list.options[0][0] == "（默认路径下还没有备份）"

    page.backup_button.click()
    assert "是否立即备份" in page.ui.dialogs.current.text
    answer(page, "否")
    assert page.ui.dialogs.current is None and not (tmp_path / "data" / "backups").exists()

    page.backup_button.click()
    answer(page, "是")
    message = page.ui.dialogs.current.text
    assert "备份成功" in message and "社保费备份-" in message and ("KB" in message or "MB" in message)
    answer(page, "确定")
    assert "sbf-ok" in page.backup_result.text.value and "社保费备份-" in page.backup_result.text.value
    assert len(page.backup_list.options) == 1 and "手动备份" in page.backup_list.options[0][0]
    assert not page.frozen


def test_backup_to_a_chosen_folder(page, tmp_path):
    page.place.value = CHOSEN_PLACE
    assert not page.folder.disabled
    page.backup_button.click()  # nothing typed: said on the page, nothing asked
    assert page.ui.dialogs.current is None and "请填写备份文件夹" in page.backup_result.text.value
    page.folder.value = "相对路径"
    page.backup_button.click()
    answer(page, "是")
    assert "完整的文件夹路径" in page.ui.dialogs.current.text  # the error dialog
    answer(page, "确定")
    assert "sbf-fail" in page.backup_result.text.value
    page.folder.value = str(tmp_path / "移动硬盘")
    page.backup_button.click()
    answer(page, "是")
    answer(page, "确定")
    assert len(list((tmp_path / "移动硬盘").glob("*.sbfbak"))) == 1


def test_auto_backup_settings_are_saved_and_checked(page, tmp_path):
    assert page.auto_enabled.value is False and page.auto_keep.value == 5 and page.auto_folder.value == ""
    page.auto_enabled.value = True
    page.auto_keep.value = 3
    page.auto_folder.value = str(tmp_path / "自动")
    page.auto_save_button.click()
    assert "保存成功" in page.auto_result.text.value and "最多保留3份" in page.auto_result.text.value
    assert page.wb.backup.auto_settings() == AutoBackupSettings(True, str(tmp_path / "自动"), 3)
    page.auto_folder.value = "不是完整路径"
    page.auto_save_button.click()
    assert "sbf-fail" in page.auto_result.text.value and "完整的文件夹路径" in page.auto_result.text.value
    assert page.wb.backup.auto_settings().folder == str(tmp_path / "自动")
    # a new page shows what was saved
    again = BackupPage(page.ui)
    assert again.auto_enabled.value is True and again.auto_keep.value == 3


def test_restore_from_the_default_list_after_a_prompt(page):
    page.backup_button.click()
    answer(page, "是")
    answer(page, "确定")
    with page.wb.store.work() as con:
        con.execute("DELETE FROM employees WHERE employee_id LIKE 'E1%'")
    assert employees(page) < 100

    page.restore_button.click()
    assert "是否确认恢复" in page.ui.dialogs.current.text
    answer(page, "否")
    assert employees(page) < 100

    page.restore_button.click()
    answer(page, "是")
    message = page.ui.dialogs.current.text
    assert "恢复成功" in message and "恢复前备份-" in message
    answer(page, "确定")
    assert employees(page) == 100
    assert "sbf-ok" in page.restore_result.text.value
    labels = [label for label, _path in page.backup_list.options]
    assert len(labels) == 2 and any("恢复前备份" in label for label in labels)


def test_restore_of_a_damaged_chosen_file_is_refused(page, tmp_path):
    page.backup_button.click()
    answer(page, "是")
    answer(page, "确定")
    good = page.backup_list.value
    damaged = tmp_path / "damaged.sbfbak"
    data = bytearray(Path(good).read_bytes())
    data[len(data) // 3] ^= 0xFF
    damaged.write_bytes(bytes(data))

    page.source.value = FROM_FILE
    assert page.backup_list.disabled and not page.restore_file.disabled
    page.restore_button.click()
    assert "请选择要恢复的备份文件" in page.restore_result.text.value
    page.restore_file.value = str(damaged)
    page.restore_button.click()
    answer(page, "是")
    assert "已损坏" in page.ui.dialogs.current.text
    answer(page, "确定")
    assert "sbf-fail" in page.restore_result.text.value and "已损坏" in page.restore_result.text.value
    assert len(page.backup_list.options) == 1  # no safety backup for a refused file
    assert employees(page) == 100
    # the manifest names what the file holds
    import zipfile

    with zipfile.ZipFile(good) as zf:
        assert json.loads(zf.read("manifest.json"))["tables"]["employees"] == 100
