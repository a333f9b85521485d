"""业务模块 and 修复 (SYS-2) on real data folders: `sbf install` in a fresh folder, removing a module keeps
its data until the clerk also deletes it, 修复 puts back a deleted template and the configuration
(and folder modes) without touching a row, finds changed program files against RECORD, and reports
a damaged store without touching it. U000029 is this area's spare unit."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from sbflib.errors import StateError, ValidationError
from sbflib.store import integrity
from sbflib.store.db import Store
from sbflib.system.modules import TEMPLATES, ModuleService
from sbflib.system.package import check_program, describe, verify_record

UNIT_ID = "U000029"


def sbf(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sbflib.cli", *args], capture_output=True, text=True, timeout=120,
                          check=False)


def table_digest(store: Store) -> dict[str, tuple[int, int]]:
    """Per table: (rows, a hash of every row), to see that nothing changed. The audit trail is left
    out: it journals the bureau calls (logout) on the store's next turn, whatever the test does."""
    with store.read() as con:
        names = [n for n in integrity.table_names(con) if not n.startswith("audit")]
        return {n: tuple(con.execute(f'SELECT count(*), coalesce(bit_xor(hash(t)), 0) FROM "{n}" AS t').fetchall()[0])
                for n in names}


def test_sbf_install_records_the_chosen_modules_in_a_fresh_data_folder(tmp_path):
    data = tmp_path / "data"
    done = sbf("install", "--module", "employer", "--data", str(data))
    assert done.returncode == 0, done.stderr
    assert "用人单位业务：已安装" in done.stdout and "代收单位业务：未安装" in done.stdout
    assert (data / "config.json").exists() and (data / "templates").is_dir()
    assert oct(os.stat(data / "client").st_mode & 0o777) == "0o700"
    modules = ModuleService(data)
    assert modules.installed() == ["employer"]
    assert modules.shown() == ["employer"]  # 单位管理 shows one button
    modules.store.close()

    done = sbf("install", "--module", "collector", "--data", str(data))  # added later
    assert done.returncode == 0, done.stderr
    modules = ModuleService(data)
    assert modules.installed() == ["employer", "collector"]
    assert [s.state for s in modules.status()] == ["已安装", "已安装"]
    modules.store.close()


def test_adding_a_module_where_nothing_was_recorded_keeps_what_was_served(tmp_path):
    modules = ModuleService(tmp_path / "data")  # a folder from before modules were recorded: both served
    assert modules.installed() == ["employer", "collector"]
    modules.uninstall("collector", confirmed=True)
    assert modules.installed() == ["employer"]
    fresh = ModuleService(tmp_path / "other")
    fresh.install("collector")  # 添加 on a folder with nothing recorded adds, it does not narrow
    assert fresh.installed() == ["employer", "collector"]
    modules.store.close()
    fresh.store.close()


def test_a_region_that_has_not_put_a_module_online_refuses_it(tmp_path):
    modules = ModuleService(tmp_path / "data")
    with modules.store.work() as con:
        con.execute("INSERT INTO settings VALUES ('region', ?)",
                    [json.dumps({"code": "310100", "name": "上海市", "modules": ["employer"], "collection_modes": {}})])
    assert modules.installed() == ["employer"] and modules.shown() == ["employer"]
    with pytest.raises(ValidationError) as refused:
        modules.install("collector")
    assert refused.value.code == "MODULE_NOT_OFFERED" and "所选地区尚未上线代收单位业务" in str(refused.value)
    with pytest.raises(ValidationError):
        modules.install("residents")
    assert [s.state for s in modules.status()] == ["已安装", "本地区未上线"]


def test_removing_a_module_keeps_its_data_until_the_clerk_deletes_it(logged_in):
    wb = logged_in(UNIT_ID)
    wb.update_after_login()  # the roster: employees and their items in the store
    with wb.store.read() as con:
        employees = con.execute("SELECT count(*) FROM employees WHERE unit_id = ?", [UNIT_ID]).fetchall()[0][0]
    assert employees >= 20
    modules = wb.modules
    assert modules.installed() == ["employer", "collector"]  # 杭州 offers both; nothing recorded: both

    with pytest.raises(ValidationError) as asked:
        modules.uninstall("employer")  # the clerk has not answered 是否确认卸载
    assert asked.value.code == "CONFIRM_REQUIRED" and "是否确认卸载用人单位业务" in str(asked.value)
    with pytest.raises(StateError, match="当前登录的单位属于用人单位业务"):
        modules.uninstall("employer", confirmed=True)
    wb.logout()

    before = table_digest(wb.store)
    status = modules.uninstall("employer", confirmed=True)
    assert not status.installed and status.units == 1 and status.state == "未安装（数据保留）"
    assert modules.shown() == ["collector"]
    after = {k: v for k, v in table_digest(wb.store).items() if k != "settings"}
    assert after == {k: v for k, v in before.items() if k != "settings"}  # not a row of data changed
    with pytest.raises(StateError, match="至少需要保留一项业务"):
        modules.uninstall("collector", confirmed=True)

    modules.install("employer")  # added again: the unit and its roster are back
    assert wb.units.list("employer")["unit_id"].tolist() == [UNIT_ID]
    with pytest.raises(StateError, match="请先卸载该业务"):
        modules.delete_data("employer", confirmed=True)

    modules.uninstall("employer", confirmed=True)
    with pytest.raises(ValidationError) as asked:
        modules.delete_data("employer")  # the second, separate choice
    assert "是否确认删除用人单位业务的全部本地数据（1个单位" in str(asked.value)
    deleted = modules.delete_data("employer", confirmed=True)
    assert deleted["units"] == 1 and deleted["employees"] == employees and deleted["employee_items"] > 0
    with wb.store.read() as con:
        left = {t: con.execute(f'SELECT count(*) FROM "{t}" WHERE unit_id = ?', [UNIT_ID]).fetchall()[0][0]
                for (t,) in con.execute("SELECT DISTINCT table_name FROM duckdb_columns() WHERE column_name = "
                                        "'unit_id' AND database_name = current_database()").fetchall()
                if not t.startswith("audit")}
    assert set(left.values()) == {0}, left
    assert modules.status()[0].state == "未安装"


def test_repair_restores_templates_configuration_and_modes_without_touching_data(logged_in):
    wb = logged_in(UNIT_ID)
    wb.update_after_login()
    wb.modules.ensure_layout()
    data = wb.data_dir
    before = table_digest(wb.store)
    template = data / "templates" / next(iter(TEMPLATES))
    template.unlink()
    (data / "config.json").write_text("{not json", encoding="utf-8")
    os.chmod(data / "client", 0o755)
    os.chmod(data / "client" / "sbf.duckdb", 0o644)

    done = sbf("repair", "--data", str(data), "--no-pip")  # another process, while this one holds the store
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert f"已恢复模板 {template.name}" in out
    assert "配置文件 config.json 已损坏，已恢复默认配置" in out
    assert "已将文件夹 client 设为仅本人可访问" in out and "已将文件 sbf.duckdb 设为仅本人可读写" in out
    assert "本地数据库：完好" in out and "修复完成，数据未作任何改动。" in out
    assert template.stat().st_size > 0
    assert json.loads((data / "config.json").read_text(encoding="utf-8"))["product"] == "社保费管理客户端"
    assert oct(os.stat(data / "client").st_mode & 0o777) == "0o700"
    assert oct(os.stat(data / "client" / "sbf.duckdb").st_mode & 0o777) == "0o600"
    assert table_digest(wb.store) == before  # not a row changed

    again = wb.modules.repair(run_pip=False)  # nothing left to put back
    assert again.ok and again.layout == ()
    assert table_digest(wb.store) == before


def test_a_damaged_store_is_reported_and_left_as_it_is(tmp_path):
    data = tmp_path / "data"
    (data / "client").mkdir(parents=True)
    store = data / "client" / "sbf.duckdb"
    store.write_bytes(b"this is not a database" * 1000)
    done = sbf("repair", "--data", str(data), "--no-pip")
    assert done.returncode == 1
    assert "本地数据库：本地数据库无法打开" in done.stdout and "修复未全部完成" in done.stdout
    assert store.read_bytes() == b"this is not a database" * 1000  # the clerk's file is not replaced


def _fake_wheel_install(site: Path) -> metadata.Distribution:
    """A package installed as pip installs a wheel: its files and a RECORD with their hashes."""
    pkg = site / "fakepkg"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("VALUE = 1\n")
    (pkg / "template.html").write_text("<p>模板</p>\n", encoding="utf-8")
    info = site / "fakepkg-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fakepkg\nVersion: 1.0\n")
    rows = []
    for path in (pkg / "__init__.py", pkg / "template.html", info / "METADATA"):
        digest = base64.urlsafe_b64encode(hashlib.sha256(path.read_bytes()).digest()).rstrip(b"=").decode()
        rows.append(f"{path.relative_to(site).as_posix()},sha256={digest},{path.stat().st_size}")
    rows.append("fakepkg-1.0.dist-info/RECORD,,")
    (info / "RECORD").write_text("\n".join(rows) + "\n")
    return metadata.Distribution.at(info)


def test_program_files_are_checked_against_record_and_put_back_by_pip_where_allowed(tmp_path):
    site = tmp_path / "site"
    dist = _fake_wheel_install(site)
    package_dir = Path(__import__("sbflib").__file__).resolve().parent
    assert verify_record(dist) == (3, [])
    kept = tmp_path / "kept"
    shutil.copytree(site, kept)

    (site / "fakepkg" / "template.html").unlink()
    (site / "fakepkg" / "__init__.py").write_text("VALUE = 2\n")
    assert verify_record(dist)[1] == ["fakepkg/__init__.py", "fakepkg/template.html"]

    report = check_program(dist, package_dir=package_dir, run=False)
    assert not report.ok and not report.ran
    assert report.command[1:] == ("-m", "pip", "install", "--force-reinstall", "--no-deps", "sbflib==1.0")

    ran = []

    def pip(cmd):  # what pip would do: the wheel's files back in place
        ran.append(cmd)
        shutil.rmtree(site / "fakepkg")
        shutil.copytree(kept / "fakepkg", site / "fakepkg")
        return subprocess.CompletedProcess(cmd, 0, "Successfully installed", "")

    install = describe(dist, package_dir)
    if not install.pip_allowed:
        pytest.skip("not running in a virtual environment this user can write")
    report = check_program(dist, package_dir=package_dir, runner=pip)
    assert ran and report.ran and report.repaired and report.ok
    assert verify_record(dist) == (3, [])


def test_the_services_are_behind_the_service_edge():
    import inspect

    from sbflib.system.upgrade import UpgradeService

    for service in (ModuleService, UpgradeService):
        for name, member in vars(service).items():
            if not name.startswith("_") and inspect.isfunction(member):
                assert hasattr(member, "__wrapped__"), f"{service.__name__}.{name}"


def test_upgrade_asks_the_bureau_and_has_nothing_to_do_when_current(wb):
    info = wb.upgrade.check()
    assert info.current == info.latest == "0.1.0" and not info.newer and info.command == ""
    assert info.state == "当前已是最新版本"
    with pytest.raises(StateError, match="当前已是最新版本"):
        wb.upgrade.upgrade()


def test_versions_compare_as_numbers():
    from sbflib.system.upgrade import is_newer

    assert is_newer("0.10.0", "0.9.1") and is_newer("1.0", "0.99") and not is_newer("0.1.0", "0.1.0")
    assert not is_newer("", "0.1.0")
