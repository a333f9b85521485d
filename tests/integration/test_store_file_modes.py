"""The client's data holds full ID numbers and the key to saved passwords: on a fresh data folder
nobody but the owner can list or read any of it (folders 0700, files 0600), whatever the umask."""

import multiprocessing as mp
import os
import stat
import threading
import time

import duckdb
import pytest

from sbflib.store.db import Store
from sbflib.store.secrets import SecretBox


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def usual_umask():
    old = os.umask(0o022)  # the usual default, which leaves new files world-readable
    yield
    os.umask(old)


def test_a_fresh_data_folder_is_private(tmp_path, usual_umask):
    data = tmp_path / "data"
    store = Store(data / "client" / "sbf.duckdb")
    with store.work() as con:
        con.execute("INSERT INTO employees (unit_id, employee_id, id_number) VALUES ('U1', 'E1', '110105194912310021')")
    box = SecretBox(data / "client" / "secret.key")
    assert box.open(box.seal("代理密码")) == "代理密码"

    assert _mode(data) == 0o700
    assert _mode(data / "client") == 0o700
    client_files = sorted(p.name for p in (data / "client").iterdir())
    assert "sbf.duckdb.wal" in client_files  # the write is still in the log while the store is open
    for name in client_files:
        expected = 0o700 if (data / "client" / name).is_dir() else 0o600
        assert _mode(data / "client" / name) == expected, name
    store.close()
    for name in os.listdir(data / "client"):
        expected = 0o700 if (data / "client" / name).is_dir() else 0o600
        assert _mode(data / "client" / name) == expected, name


def test_files_of_an_older_version_are_made_private(tmp_path, usual_umask):
    folder = tmp_path / "client"
    folder.mkdir()
    con = duckdb.connect(str(folder / "sbf.duckdb"))  # as an older version left it: 0644
    con.close()
    (folder / "secret.key").write_bytes(b"")
    assert _mode(folder / "sbf.duckdb") == 0o644
    Store(folder / "sbf.duckdb").close()
    box = SecretBox(folder / "secret.key")
    box.open("x")
    assert _mode(folder / "sbf.duckdb") == 0o600
    assert _mode(folder / "secret.key") == 0o600


def _busy(path: str, started) -> None:
    store = Store(path)
    with store.work() as con:
        started.set()
        time.sleep(3)  # one long unit of work: the other process has to queue
        con.execute("SELECT 1")


def test_a_waiters_marker_is_private(tmp_path, usual_umask):
    path = tmp_path / "client" / "sbf.duckdb"
    Store(path).close()
    ctx = mp.get_context("spawn")
    started = ctx.Event()
    holder = ctx.Process(target=_busy, args=(str(path), started))
    holder.start()
    try:
        assert started.wait(60)
        opened = {}  # opened in a thread, which queues behind the holder
        waiter = threading.Thread(target=lambda: opened.setdefault("store", Store(path)))
        waiter.start()
        waiters = tmp_path / "client" / "sbf.duckdb.waiters"
        deadline = time.monotonic() + 3
        markers = []
        while not markers and time.monotonic() < deadline:
            markers = list(waiters.iterdir()) if waiters.exists() else []
            time.sleep(0.01)
        assert markers, "the second process did not queue"
        assert _mode(waiters) == 0o700
        assert _mode(markers[0]) == 0o600
        assert _mode(tmp_path / "client" / "sbf.duckdb.turn") == 0o600
        waiter.join(30)
        assert opened["store"].schema_version() >= 1
    finally:
        holder.join(30)
        holder.kill()
