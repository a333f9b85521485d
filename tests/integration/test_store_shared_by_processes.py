"""Two processes on one client store, as two Voila tabs and a notebook are: no lock error reaches
the user and nothing is lost."""

import multiprocessing as mp

from sbflib.store import groups as groups_repo
from sbflib.store.db import Store
from sbflib.store.settings import get_setting, set_setting

ROUNDS = 40


def _worker(path: str, tag: str, queue) -> None:
    try:
        store = Store(path)
        for i in range(ROUNDS):
            with store.work() as con:
                groups_repo.insert_group(con, "U1", f"{tag}{i}", None)
            set_setting(store, f"last.{tag}", i)
            names = {g.name for g in groups_repo.load_groups(store, "U1").values()}
            assert f"{tag}{i}" in names
            assert get_setting(store, f"last.{tag}") == i
        queue.put((tag, "ok"))
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which fails the test with it
        queue.put((tag, repr(exc)))


def test_two_processes_interleave_reads_and_writes(tmp_path):
    path = str(tmp_path / "client" / "sbf.duckdb")
    Store(path)  # migrate once before the race
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    workers = [ctx.Process(target=_worker, args=(path, tag, queue)) for tag in ("A", "B")]
    for w in workers:
        w.start()
    results = dict(queue.get(timeout=120) for _ in workers)
    for w in workers:
        w.join(timeout=30)
    assert results == {"A": "ok", "B": "ok"}
    names = {g.name for g in groups_repo.load_groups(Store(path), "U1").values()}
    assert names == {f"{t}{i}" for t in "AB" for i in range(ROUNDS)}


def test_migrations_are_recorded_and_rerun_safely(tmp_path):
    store = Store(tmp_path / "s.duckdb")
    version = store.schema_version()
    assert version >= 1
    assert Store(tmp_path / "s.duckdb").schema_version() == version
