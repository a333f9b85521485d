"""Two processes on one client store, as two Voila tabs and a notebook are: no lock error reaches
the user and nothing is lost."""

import multiprocessing as mp

from sbflib.store.db import Store

ROUNDS = 40


def _worker(path: str, tag: str, queue) -> None:
    try:
        store = Store(path)
        for i in range(ROUNDS):
            with store.work() as con:
                con.execute("INSERT INTO employee_groups (group_id, unit_id, name, parent_id) "
                            "VALUES (nextval('group_ids'), 'U1', ?, NULL)", [f"{tag}{i}"])
            with store.work() as con:
                con.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", [f"last.{tag}", str(i)])
            with store.read() as con:
                names = {row[0] for row in con.execute("SELECT name FROM employee_groups").fetchall()}
                last = con.execute("SELECT value FROM settings WHERE key = ?", [f"last.{tag}"]).fetchall()
            assert f"{tag}{i}" in names
            assert last == [(str(i),)]
        queue.put((tag, "ok"))
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which fails the test with it
        queue.put((tag, repr(exc)))


def test_two_processes_interleave_reads_and_writes(tmp_path):
    path = str(tmp_path / "client" / "sbf.duckdb")
    Store(path).close()  # migrate once before the race
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    workers = [ctx.Process(target=_worker, args=(path, tag, queue)) for tag in ("A", "B")]
    for w in workers:
        w.start()
    results = dict(queue.get(timeout=120) for _ in workers)
    for w in workers:
        w.join(timeout=30)
    assert results == {"A": "ok", "B": "ok"}
    with Store(path).read() as con:
        names = {row[0] for row in con.execute("SELECT name FROM employee_groups").fetchall()}
    assert names == {f"{t}{i}" for t in "AB" for i in range(ROUNDS)}


def test_migrations_are_recorded_and_rerun_safely(tmp_path):
    store = Store(tmp_path / "s.duckdb")
    version = store.schema_version()
    assert version >= 1
    assert Store(tmp_path / "s.duckdb").schema_version() == version
