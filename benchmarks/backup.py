"""Backup benchmark (SET-2): back up a store with a big roster while another process reads it, restore
into a fresh data folder, and compare every table row for row.

    .venv/bin/python benchmarks/backup.py --employees 100000 [--runs 5]

Seeds a demo bureau with that many employees in one unit (as benchmarks/roster_sync.py does),
loads them into a client store with the product's full update, then starts a second process that
reads the store in a loop (a page of the roster and its count, as a tab would) and, while it reads,
takes `--runs` backups with `wb.backup.backup()`; each backup is restored with
`BackupService.restore` into a fresh data folder. Prints one JSON object:
  backup_s        the fastest backup (consistent copy in the store's turn, sha256, zip)   (target <= 10)
  restore_s       the fastest restore into a fresh folder (checksum, open and check, safety backup,
                  rename)                                                                   (target <= 10)
  tables_equal    every table of every restored store equal row for row to the source (EXCEPT ALL
                  both ways, and the same row counts)                                       (target true)
  reader_reads, reader_slowest_s   the second process's reads while the backups ran, and its
                  slowest (it waits for the backup's turn like for any unit of work)
  copy_methods    the ways to take a consistent copy, each alone on the same store: CHECKPOINT + file
                  copy (the product's), ATTACH + COPY FROM DATABASE, EXPORT DATABASE (Parquet)
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
import roster_sync

from sbflib.store.db import Store
from sbflib.system.backup import BackupService


def reader(path: str, stop: mp.synchronize.Event, started: mp.synchronize.Event, queue: mp.Queue) -> None:
    """A tab reading the roster in a loop: a page of 1,000 and its count in one snapshot."""
    store = Store(path)
    reads, slowest, errors = 0, 0.0, []
    started.set()
    while not stop.is_set():
        t = time.perf_counter()
        try:
            with store.read() as con:
                con.execute("SELECT count(*) FROM employees WHERE name LIKE '%王%'").fetchall()
                con.execute("SELECT * FROM employees WHERE name LIKE '%王%' ORDER BY employee_id "
                            "LIMIT 1000 OFFSET 1000").fetchall()
            reads += 1
        except Exception as exc:  # noqa: BLE001 - reported in the JSON
            errors.append(repr(exc))
        slowest = max(slowest, time.perf_counter() - t)
        time.sleep(0.01)
    queue.put({"reads": reads, "slowest": slowest, "errors": errors})


def tables_equal(source: Path, restored: Path) -> tuple[bool, dict[str, int]]:
    """Every table of `source` and `restored` (both closed) equal row for row."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{source}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{restored}' AS b (READ_ONLY)")
    names_a = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'a'").fetchall()}
    names_b = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'b'").fetchall()}
    equal = names_a == names_b
    counts = {}
    for name in sorted(names_a & names_b):
        n_a = con.execute(f'SELECT count(*) FROM a."{name}"').fetchall()[0][0]
        n_b = con.execute(f'SELECT count(*) FROM b."{name}"').fetchall()[0][0]
        diff = con.execute(f'SELECT count(*) FROM (SELECT * FROM a."{name}" EXCEPT ALL SELECT * FROM b."{name}")'
                           f' UNION ALL SELECT count(*) FROM (SELECT * FROM b."{name}" EXCEPT ALL '
                           f'SELECT * FROM a."{name}")').fetchall()
        counts[name] = n_a
        equal = equal and n_a == n_b and all(r[0] == 0 for r in diff)
    con.close()
    return equal, counts


def methods(source: Path, scratch: Path, runs: int) -> dict[str, float]:
    """The ways to take a consistent copy, timed alone on the same (closed) store, fastest of `runs`:
    CHECKPOINT then a file copy (what the product does inside the store's turn), ATTACH + COPY FROM
    DATABASE, and EXPORT DATABASE to Parquet."""
    found: dict[str, list[float]] = {"checkpoint_copy_s": [], "copy_from_database_s": [], "export_database_s": []}
    for k in range(runs):
        con = duckdb.connect(str(source))
        t = time.perf_counter()
        con.execute("CHECKPOINT")
        shutil.copyfile(source, scratch / f"copy{k}.duckdb")
        found["checkpoint_copy_s"].append(time.perf_counter() - t)
        t = time.perf_counter()
        con.execute(f"ATTACH '{scratch / f'attached{k}.duckdb'}' AS bk")
        con.execute(f"COPY FROM DATABASE {source.stem} TO bk")
        con.execute("DETACH bk")
        found["copy_from_database_s"].append(time.perf_counter() - t)
        t = time.perf_counter()
        con.execute(f"EXPORT DATABASE '{scratch / f'export{k}'}' (FORMAT parquet)")
        found["export_database_s"].append(time.perf_counter() - t)
        con.close()
    return {name: round(min(times), 4) for name, times in found.items()}


def run(employees: int, runs: int) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="sbf-bench-backup-"))
    (folder / "bureau").mkdir()
    proc, url, demo = roster_sync.start_bureau(folder / "bureau", employees)
    try:
        unit = roster_sync.main_unit(demo)
        wb = roster_sync.logged_in(folder / "client", folder / "bureau", url, unit, first=True)
        wb.employer.roster.sync(full=True)
        store_path = wb.store.path
        store_bytes = store_path.stat().st_size

        ctx = mp.get_context("spawn")
        stop, started, queue = ctx.Event(), ctx.Event(), ctx.Queue()
        second = ctx.Process(target=reader, args=(str(store_path), stop, started, queue))
        second.start()
        started.wait(60)
        time.sleep(1.0)  # the reader is in its loop
        backups, results = [], []
        for _ in range(runs):
            t = time.perf_counter()
            result = wb.backup.backup()
            backups.append(time.perf_counter() - t)
            results.append(result)
            time.sleep(0.3)
        stop.set()
        read_report = queue.get(timeout=60)
        second.join(timeout=30)

        wb.store.close()  # the source as backed up (closing the workbench would log out and write)
        restores, equal, counts = [], True, {}
        for k, result in enumerate(results):
            fresh = folder / f"fresh{k}"
            target_store = Store(fresh / "client" / "sbf.duckdb")
            target = BackupService(target_store, fresh)
            t = time.perf_counter()
            target.restore(result.path)
            restores.append(time.perf_counter() - t)
            target_store.close()
            same, counts = tables_equal(store_path, target_store.path)
            equal = equal and same
        scratch = folder / "methods"
        scratch.mkdir()
        ways = methods(store_path, scratch, runs)
        wb.close()
        return {
            "employees": employees,
            "rows": counts,
            "runs": runs,
            "backup_s": round(min(backups), 3),
            "restore_s": round(min(restores), 3),
            "tables_equal": equal,
            "copy_methods": ways,
            "store_bytes": store_bytes,
            "backup_bytes": results[0].size,
            "reader_reads": read_report["reads"],
            "reader_slowest_s": round(read_report["slowest"], 3),
            "reader_errors": read_report["errors"],
            "all_runs": {"backup_s": [round(x, 3) for x in backups], "restore_s": [round(x, 3) for x in restores]},
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        }
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(json.dumps(run(args.employees, args.runs), ensure_ascii=False))
