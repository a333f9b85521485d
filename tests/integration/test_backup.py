"""备份恢复 (SET-2): a backup restores to the same tables, a damaged or foreign file is refused with
nothing changed, kill -9 during a backup or a restore leaves a usable store, a backup taken while
another process writes is one committed state, and automatic backups keep at most N copies."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest

from sbflib.employer.roster import RosterFilter
from sbflib.errors import ValidationError
from sbflib.store.db import Store
from sbflib.system.backup import AutoBackupSettings, BackupService

UNIT_ID = "U000028"  # this area's spare unit (tests/conftest.py)


def dump(store: Store) -> dict[str, list[tuple]]:
    """Every table, every row, in a stable order."""
    with store.read() as con:
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY 1").fetchall()]
        return {n: con.execute(f'SELECT * FROM "{n}" ORDER BY ALL').fetchall() for n in names}


def seeded(folder: Path, employees: int = 2000) -> tuple[Store, BackupService]:
    store = Store(folder / "client" / "sbf.duckdb")
    with store.work() as con:
        con.execute("INSERT INTO employees (unit_id, employee_id, name, id_number) "
                    "SELECT 'U1', 'E' || lpad(i::VARCHAR, 7, '0'), '职工' || i, '33010' || i "
                    f"FROM range({employees}) t(i)")
        con.execute("INSERT INTO employee_items (unit_id, employee_id, item_code, base) "
                    "SELECT 'U1', 'E' || lpad(i::VARCHAR, 7, '0'), '1' || (i % 5), 4000 + i % 1000 "
                    f"FROM range({employees * 5}) t(i)")
        con.execute("INSERT INTO settings VALUES ('marker', '\"before\"')")
    return store, BackupService(store, folder)


def set_marker(store: Store, value: str) -> None:
    with store.work() as con:
        con.execute("UPDATE settings SET value = ? WHERE key = 'marker'", [json.dumps(value)])


def marker(store: Store) -> str:
    with store.read() as con:
        return json.loads(con.execute("SELECT value FROM settings WHERE key = 'marker'").fetchall()[0][0])


# -- round trip --------------------------------------------------------------------------------------
def test_backup_then_restore_gives_back_every_table_row_for_row(logged_in, tmp_path):
    wb = logged_in(UNIT_ID)
    wb.employer.roster.sync(full=True)
    group_id = wb.employer.groups.add("备份组")
    employees = wb.employer.roster.frame()
    wb.employer.roster.set_group(list(employees["employee_id"][:3]), group_id)
    before = dump(wb.store)
    assert len(before["employees"]) > 10

    result = wb.backup.backup()
    assert result.path.parent == wb.backup.default_folder == wb.data_dir / "backups"
    assert result.path.name.startswith("社保费备份-") and result.path.suffix == ".sbfbak"
    assert result.size == result.path.stat().st_size > 0
    assert result.path.name in result.message and "备份成功" in result.message
    assert oct(result.path.stat().st_mode & 0o777) == "0o600"
    with zipfile.ZipFile(result.path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["tables"]["employees"] == len(before["employees"])
    assert len(manifest["database"]["sha256"]) == 64 and manifest["schema_version"] >= 3
    assert manifest["app_version"] and manifest["created_at"]

    # the clerk goes on working: rows deleted, a group dropped, a setting changed
    with wb.store.work() as con:
        con.execute("DELETE FROM employees WHERE employee_id IN (SELECT employee_id FROM employees LIMIT 5)")
        con.execute("DELETE FROM employee_group_members")
        con.execute("INSERT OR REPLACE INTO settings VALUES ('page_size', '20')")
    assert dump(wb.store) != before

    audit_now = dump(wb.store)["audit_log"]
    restored = wb.backup.restore(result.path)
    after = dump(wb.store)
    assert after.keys() == before.keys()
    for table in before:
        if table != "audit_log":  # the trail of bureau calls is the installation's: kept as it is now
            assert after[table] == before[table], table
    kept_ids = {row[1] for row in after["audit_log"]}  # record_id: every call already recorded is kept
    assert {row[1] for row in audit_now} <= kept_ids and len(audit_now) >= 1  # 修改申报密码 at least
    assert "恢复成功" in restored.message and restored.safety.path.name.startswith("恢复前备份-")
    # the safety backup holds the state just before the restore, and restores in turn
    wb.backup.restore(restored.safety.path)
    assert len(dump(wb.store)["employees"]) == len(before["employees"]) - 5
    # the workbench keeps working on the restored file
    assert wb.employer.roster.query(RosterFilter(), page=1, page_size=10)[1] == len(before["employees"]) - 5


def test_backup_to_a_chosen_folder_and_the_default_list(tmp_path):
    _store, service = seeded(tmp_path / "data", employees=50)
    chosen = tmp_path / "u盘" / "社保备份"
    result = service.backup(str(chosen))
    assert result.path.parent == chosen and oct(chosen.stat().st_mode & 0o777) == "0o700"
    assert [b.name for b in service.backups(str(chosen))] == [result.path.name]
    assert service.backups() == []  # the default list is the default folder (and the auto folder)
    mine = service.backup()
    listed = service.backups()
    assert [b.path for b in listed] == [mine.path] and listed[0].kind_label == "手动备份"
    with pytest.raises(ValidationError, match="完整的文件夹路径"):
        service.backup("relative/folder")
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(ValidationError, match="是文件"):
        service.backup(str(tmp_path / "a-file"))
    assert service.check(result.path).tables["employees"] == 50


# -- refused backups ---------------------------------------------------------------------------------
def _damaged_copies(good: Path, folder: Path) -> dict[str, Path]:
    folder.mkdir()
    data = good.read_bytes()
    flipped = bytearray(data)
    middle = len(flipped) // 3
    flipped[middle:middle + 64] = bytes(b ^ 0xFF for b in flipped[middle:middle + 64])
    copies = {"flipped": folder / "flipped.sbfbak", "cut": folder / "cut.sbfbak", "text": folder / "text.sbfbak",
              "other-zip": folder / "other.sbfbak", "foreign-manifest": folder / "foreign.sbfbak",
              "swapped-db": folder / "swapped.sbfbak", "not-duckdb": folder / "notdb.sbfbak"}
    copies["flipped"].write_bytes(bytes(flipped))
    copies["cut"].write_bytes(data[: len(data) // 2])
    copies["text"].write_text("这不是备份文件", encoding="utf-8")
    with zipfile.ZipFile(copies["other-zip"], "w") as zf:
        zf.writestr("readme.txt", "hello")
    with zipfile.ZipFile(good) as src:
        manifest = json.loads(src.read("manifest.json"))
        db = src.read("sbf.duckdb")
    with zipfile.ZipFile(copies["foreign-manifest"], "w") as zf:
        zf.writestr("sbf.duckdb", db)
        zf.writestr("manifest.json", json.dumps({**manifest, "format": "someone-else"}))
    with zipfile.ZipFile(copies["swapped-db"], "w") as zf:  # a valid zip whose database is not the one summed
        half = len(db) // 2
        zf.writestr("sbf.duckdb", db[:half] + bytes(b ^ 0x5A for b in db[half:half + 512]) + db[half + 512:])
        zf.writestr("manifest.json", json.dumps(manifest))
    with zipfile.ZipFile(copies["not-duckdb"], "w") as zf:  # checksum right, content not a database
        import hashlib

        junk = os.urandom(20000)
        zf.writestr("sbf.duckdb", junk)
        zf.writestr("manifest.json", json.dumps({**manifest, "database": {
            "name": "sbf.duckdb", "bytes": len(junk), "sha256": hashlib.sha256(junk).hexdigest()}}))
    return copies


def test_a_damaged_or_foreign_backup_is_refused_and_nothing_changes(tmp_path):
    store, service = seeded(tmp_path / "data")
    good = service.backup().path
    set_marker(store, "after the backup")
    before = dump(store)
    backups_before = sorted(p.name for p in service.default_folder.iterdir())
    data_files_before = sorted(p.name for p in store.path.parent.iterdir())

    for kind, path in _damaged_copies(good, tmp_path / "bad").items():
        with pytest.raises(ValidationError) as caught:
            service.restore(path)
        message = str(caught.value)
        assert caught.value.code in ("BACKUP_DAMAGED", "BACKUP_NOT_OURS"), (kind, caught.value.code)
        assert ("损坏" in message or "不是本客户端的备份文件" in message) and "不能恢复" in message, (kind, message)
        assert not any("a" <= ch.lower() <= "z" for ch in message), (kind, message)  # no English for the clerk
        with pytest.raises(ValidationError):
            service.check(path)
        assert dump(store) == before, kind
        assert sorted(p.name for p in service.default_folder.iterdir()) == backups_before, kind
        assert sorted(p.name for p in store.path.parent.iterdir()) == data_files_before, kind

    with pytest.raises(ValidationError, match="不存在"):
        service.restore(str(tmp_path / "nothing.sbfbak"))
    assert marker(store) == "after the backup"
    service.restore(good)  # the good one still restores
    assert marker(store) == "before"


def test_a_backup_from_a_newer_client_is_refused(tmp_path):
    _store, service = seeded(tmp_path / "data", employees=10)
    good = service.backup().path
    newer = tmp_path / "newer.sbfbak"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(newer, "w") as dst:
        manifest = json.loads(src.read("manifest.json"))
        dst.writestr("sbf.duckdb", src.read("sbf.duckdb"))
        dst.writestr("manifest.json", json.dumps({**manifest, "schema_version": 999}))
    with pytest.raises(ValidationError, match="较新版本"):
        service.restore(newer)


# -- kill -9 -----------------------------------------------------------------------------------------
def _loop(action: str, folder: str, backup: str, ready) -> None:
    store = Store(Path(folder) / "client" / "sbf.duckdb")
    service = BackupService(store, Path(folder))
    ready.put(os.getpid())
    while True:
        if action == "backup":
            service.backup()
        else:
            service.restore(backup)
            set_marker(store, "between restores")


@pytest.mark.parametrize("action", ["backup", "restore"])
def test_kill_9_during_a_backup_or_a_restore_leaves_a_usable_store(tmp_path, action):
    store, service = seeded(tmp_path / "data", employees=60000)
    good = service.backup().path
    set_marker(store, "current")
    expected = dump(store)
    store.close()
    ctx = mp.get_context("spawn")
    for round_no in range(4):
        ready = ctx.Queue()
        proc = ctx.Process(target=_loop, args=(action, str(tmp_path / "data"), str(good), ready))
        proc.start()
        ready.get(timeout=60)
        time.sleep(0.15 + 0.2 * round_no)  # somewhere inside a backup or a restore
        os.kill(proc.pid, signal.SIGKILL)
        proc.join(timeout=30)
        started = time.perf_counter()
        state = dump(store)  # opens at once: the dead process's turn went with it
        assert time.perf_counter() - started < 5
        if action == "backup":
            assert state == expected
        else:  # the old store, the restored one, or the restored one written after: never a mix
            assert marker(store) in ("current", "before", "between restores")
            assert len(state["employees"]) == 60000 and len(state["employee_items"]) == 300000
        with store.work() as con:  # and it takes writes
            con.execute("INSERT INTO settings VALUES (?, '1')", [f"after-kill-{action}-{round_no}"])
        expected = dump(store)
        store.close()
        # a half-written backup never shows in the list under a backup's name
        for info in service.backups():
            service.check(info.path)
    # what the killed processes left half-written is swept by the next backup and restore
    dead = 4194304 + 12345  # above Linux's largest pid: no such process
    (service.default_folder / f".sbf-copy-{dead}-0a1b2c.tmp").write_bytes(b"half")
    (store.path.parent / f".sbf-restore-{dead}-0a1b2c.tmp").write_bytes(b"half")
    service.backup()
    service.restore(good)
    assert [p.name for p in service.default_folder.glob(".sbf-*")] == []
    assert [p.name for p in store.path.parent.glob(".sbf-*")] == []


# -- a backup while another process writes ------------------------------------------------------------
def _writer(path: str, stop_at: float, queue) -> None:
    store = Store(path)
    n, errors, slowest = 0, [], 0.0
    while time.time() < stop_at:
        started = time.perf_counter()
        try:
            with store.work() as con:
                con.execute("INSERT INTO settings VALUES (?, ?)", [f"w{n:06d}", str(n)])
                con.execute("UPDATE employees SET name = ? WHERE employee_id = 'E0000001'", [f"改{n}"])
            n += 1
        except Exception as exc:  # noqa: BLE001 - reported to the test
            errors.append(repr(exc))
        slowest = max(slowest, time.perf_counter() - started)
    queue.put({"writes": n, "errors": errors, "slowest": slowest})


def test_a_backup_taken_while_another_process_writes_is_one_committed_state(tmp_path):
    store, service = seeded(tmp_path / "data", employees=20000)
    store.close()
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    stop_at = time.time() + 12
    writer = ctx.Process(target=_writer, args=(str(store.path), stop_at, queue))
    writer.start()
    time.sleep(4)  # the writer has imported and is looping
    results = []
    while time.time() < stop_at - 1:
        results.append(service.backup())
        time.sleep(0.2)
    report = queue.get(timeout=60)
    writer.join(timeout=30)
    assert report["errors"] == []
    assert report["writes"] > 20
    assert report["slowest"] < 2.0  # the backup took its turn; the writer waited at most that long
    assert len(results) >= 3
    seen = []
    for result in results:
        restored_dir = tmp_path / f"restore-{result.path.stem}"
        target_store, target = seeded(restored_dir, employees=0)
        target.restore(result.path)
        with target_store.read() as con:
            keys = [r[0] for r in con.execute("SELECT key FROM settings WHERE key LIKE 'w%' ORDER BY key").fetchall()]
            name = con.execute("SELECT name FROM employees WHERE employee_id = 'E0000001'").fetchall()[0][0]
        target_store.close()
        # every committed write before the copy and none after: w000000..w(k-1), and the same
        # unit of work's update of E0000001 with it
        assert keys == [f"w{i:06d}" for i in range(len(keys))]
        assert name == (f"改{len(keys) - 1}" if keys else "职工1")
        assert result.info.tables["settings"] == len(keys) + 1
        seen.append(len(keys))
    assert seen == sorted(seen) and seen[-1] > seen[0]


# -- automatic backup -----------------------------------------------------------------------------------
def test_auto_backup_on_exit_keeps_at_most_n_copies_and_leaves_other_backups(tmp_path):
    store, service = seeded(tmp_path / "data", employees=100)
    assert service.auto_settings() == AutoBackupSettings(enabled=False, folder="", keep=5)
    assert service.on_exit() is None  # off: nothing written
    assert not service.default_folder.exists() or not list(service.default_folder.iterdir())

    folder = tmp_path / "自动备份目录"
    saved = service.save_auto_settings(AutoBackupSettings(enabled=True, folder=str(folder), keep=3))
    assert saved == AutoBackupSettings(enabled=True, folder=str(folder), keep=3)
    manual = service.backup(str(folder))
    written = []
    for i in range(5):
        set_marker(store, f"exit {i}")
        once = BackupService(store, tmp_path / "data")  # a new workbench each session
        result = once.on_exit()
        assert result is not None and result.info.kind == "auto"
        assert once.on_exit() is None  # once per workbench (close() and then the interpreter's exit)
        written.append(result.path)
        time.sleep(0.01)
    autos = sorted(p.name for p in folder.glob("自动备份-*.sbfbak"))
    assert len(autos) == 3 and {p.name for p in written[-3:]} == set(autos)
    assert manual.path.exists()  # a clerk's own backup is never pruned
    listed = service.backups()  # the default list includes the automatic folder
    assert {b.name for b in listed} >= set(autos) | {manual.path.name}

    for bad in (0, 101):
        with pytest.raises(ValidationError, match="保留份数"):
            service.save_auto_settings(AutoBackupSettings(enabled=True, folder="", keep=bad))
    with pytest.raises(ValidationError, match="完整的文件夹路径"):
        service.save_auto_settings(AutoBackupSettings(enabled=True, folder="相对路径", keep=2))
    assert service.auto_settings().keep == 3


def test_a_restore_keeps_the_installation_settings_auto_backup_and_local_password(tmp_path):
    store, service = seeded(tmp_path / "data", employees=10)
    with store.work() as con:
        con.execute("INSERT INTO settings VALUES ('local_password', '\"old-hash\"')")
    old = service.backup().path
    service.save_auto_settings(AutoBackupSettings(enabled=True, folder="", keep=7))
    with store.work() as con:  # the clerk removed the local password after that backup
        con.execute("DELETE FROM settings WHERE key = 'local_password'")
        con.execute("INSERT INTO settings VALUES ('local_password_tries', '{\"failures\": 2}')")
    set_marker(store, "later")
    service.restore(old)
    assert marker(store) == "before"  # the data came back
    assert service.auto_settings() == AutoBackupSettings(enabled=True, folder="", keep=7)
    with store.read() as con:
        kept = dict(con.execute("SELECT key, value FROM settings WHERE key LIKE 'local_password%'").fetchall())
    assert kept == {"local_password_tries": '{"failures": 2}'}  # no old password brought back

    with store.work() as con:  # the proxy and the bureau's address are this installation's too
        con.execute("INSERT INTO settings VALUES ('gateway_url', '\"http://old\"')")
    with_url = service.backup().path
    with store.work() as con:
        con.execute("UPDATE settings SET value = '\"http://new\"' WHERE key = 'gateway_url'")
    service.restore(with_url)
    fresh_store, fresh = seeded(tmp_path / "fresh", employees=0)
    fresh.restore(with_url)  # a new folder has none: it takes the backup's
    for where, expected in ((store, "http://new"), (fresh_store, "http://old")):
        with where.read() as con:
            assert con.execute("SELECT value FROM settings WHERE key = 'gateway_url'").fetchall() == [
                (json.dumps(expected),)]


def test_a_restore_keeps_every_audit_entry_of_both_sides(tmp_path):
    store, service = seeded(tmp_path / "data", employees=10)

    def record(record_id: str, message: str) -> None:
        with store.work() as con:
            con.execute("INSERT INTO audit_log (record_id, called_at, operation, method, path, outcome, message) "
                        "VALUES (?, now(), '缴费工资申报', 'POST', '/units/U1/wage-filings', '成功', ?)",
                        [record_id, message])

    def trail() -> dict[str, tuple]:
        with store.read() as con:
            return {r[0]: r[1:] for r in con.execute("SELECT record_id, seq, message FROM audit_log").fetchall()}

    record("older", "in the backup")
    backup = service.backup().path
    with store.work() as con:
        con.execute("UPDATE audit_log SET message = 'updated since' WHERE record_id = 'older'")
    record("newer", "after the backup")
    service.restore(backup)
    kept = trail()
    assert kept.keys() == {"older", "newer"} and kept["older"][1] == "updated since"
    record("next", "after the restore")
    seqs = [seq for seq, _message in trail().values()]
    assert len(set(seqs)) == 3 and trail()["next"][0] == max(seqs)  # the sequence went on past both

    fresh_store, fresh = seeded(tmp_path / "fresh", employees=0)  # a new folder gets the backup's trail
    fresh.restore(backup)
    with fresh_store.read() as con:
        assert con.execute("SELECT record_id, message FROM audit_log").fetchall() == [("older", "in the backup")]


def test_the_interpreter_exit_runs_the_auto_backup(tmp_path):
    """A dashboard kernel's shutdown ends its interpreter: the atexit hook backs up."""
    store, service = seeded(tmp_path / "data", employees=10)
    service.save_auto_settings(AutoBackupSettings(enabled=True, folder="", keep=2))
    store.close()
    script = textwrap.dedent(f"""
        from pathlib import Path
        from sbflib.store.db import Store
        from sbflib.system.backup import BackupService
        store = Store({str(store.path)!r})
        service = BackupService(store, Path({str(tmp_path / "data")!r}))
        with store.work() as con:
            con.execute("UPDATE settings SET value = '\\"kernel\\"' WHERE key = 'marker'")
    """)
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
    autos = list(service.default_folder.glob("自动备份-*.sbfbak"))
    assert len(autos) == 1
    set_marker(store, "later")
    service.restore(autos[0])
    assert marker(store) == "kernel"


def test_a_dashboard_kernel_backs_up_when_it_shuts_down(tmp_path):
    """Voila ends a tab's kernel with a shutdown request: the kernel's interpreter exits and backs up."""
    manager_module = pytest.importorskip("jupyter_client.manager")
    store, service = seeded(tmp_path / "data", employees=10)
    service.save_auto_settings(AutoBackupSettings(enabled=True, folder=str(tmp_path / "auto"), keep=2))
    store.close()
    km = manager_module.KernelManager(kernel_name="python3")
    km.start_kernel(cwd=str(Path(__file__).resolve().parents[2]))
    try:
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=60)
        kc.execute(textwrap.dedent(f"""
            from pathlib import Path
            from sbflib.store.db import Store
            from sbflib.system.backup import BackupService
            store = Store({str(store.path)!r})
            service = BackupService(store, Path({str(tmp_path / "data")!r}))
            service.backups()
        """))
        assert kc.get_shell_msg(timeout=60)["content"]["status"] == "ok"
        kc.stop_channels()
    finally:
        km.shutdown_kernel(now=False)
    assert len(list((tmp_path / "auto").glob("自动备份-*.sbfbak"))) == 1
