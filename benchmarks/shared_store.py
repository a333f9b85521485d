"""One client store shared by a busy script and two dashboard tabs (issue 6, DESIGN "Data rules").

    .venv/bin/python benchmarks/shared_store.py --seconds 60 [--employees 100000]

Creates a temporary data folder with a client store holding a roster of that many employees, then
runs three processes on it for the given time, as a notebook and two Voila tabs would:
  script   a tight loop with no sleep: every loop one read (count + a page of 1,000 employees),
           every fifth loop also a settings write
  tab1/2   a click every 0.5-1.0 s: two clicks in three are a page query (count + page), one a write;
           each click is timed from the moment it starts until its result is in hand
Prints one JSON object:
  operations       units of work done by all three processes
  lock_errors      operations that failed because another process held the file (target 0)
  longest_wait_s   the longest click of either tab (target <= 1.0)
  click_p95_s, click_median_s, clicks, per_process (operations, writes, ops_per_s)
  lost_writes      writes a process made that are not in the store at the end (must be 0)
`--store-module FILE` loads `Store` from another db.py (to compare with an older version).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import multiprocessing as mp
import platform
import random
import statistics
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

import duckdb

from sbflib.errors import SbfError

PAGE_SIZE = 1000
COUNT_SQL = "SELECT count(*) FROM employees WHERE unit_id = ? AND name LIKE ?"
PAGE_SQL = (
    "SELECT employee_id, name, gender, id_number, birth_date, start_month FROM employees "
    "WHERE unit_id = ? AND name LIKE ? ORDER BY employee_id LIMIT ? OFFSET ?"
)
WRITE_SQL = "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)"


def load_store_class(module_file: str | None) -> Any:
    if not module_file:
        from sbflib.store.db import Store

        return Store
    spec = importlib.util.spec_from_file_location("sbf_bench_store_db", module_file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.Store


def create_store(path: Path, employees: int, module_file: str | None) -> None:
    store = load_store_class(module_file)(path)
    with store.work() as con:
        con.execute(
            "INSERT INTO employees (unit_id, employee_id, name, gender, id_type, id_number, birth_date, "
            "start_month, stop_month, updated_at, change_seq) "
            "SELECT 'U1', 'E' || lpad(i::VARCHAR, 7, '0'), '职工' || i, CASE WHEN i % 2 = 0 THEN '男' ELSE '女' END, "
            "'居民身份证', '110105' || lpad(i::VARCHAR, 12, '0'), DATE '1970-01-01' + (i % 15000)::INTEGER, "
            "'2020-01', NULL, now(), i FROM range(?) t(i)",
            [employees],
        )
    store.close()


def _page_query(store: Any, rng: random.Random, pages: int) -> None:
    with store.read() as con:
        pattern = f"%{rng.randint(0, 9)}%"
        con.execute(COUNT_SQL, ["U1", pattern]).fetchall()
        con.execute(PAGE_SQL, ["U1", pattern, PAGE_SIZE, PAGE_SIZE * rng.randrange(pages)]).fetchall()


def _write(store: Any, key: str, value: int) -> None:
    with store.work() as con:
        con.execute(WRITE_SQL, [key, json.dumps(value)])


def _is_lock_failure(exc: BaseException) -> bool:
    if isinstance(exc, SbfError):
        return True  # the store's Chinese "held by another window" message
    return isinstance(exc, duckdb.Error) and ("lock" in str(exc).lower())


def worker(role: str, path: str, module_file: str | None, pages: int, start_at: float, stop_at: float,
           results: Any) -> None:
    report: dict[str, Any] = {"role": role, "operations": 0, "writes": [], "lock_errors": 0, "clicks": [],
                              "errors": []}
    try:
        store = load_store_class(module_file)(path)
        rng = random.Random(role)
        time.sleep(max(0.0, start_at - time.time()))
        n = 0
        while time.time() < stop_at:
            if role == "script":
                ops = [("read", None)]
                if n % 5 == 4:
                    ops.append(("write", f"bench.{role}.{n}"))
            else:
                time.sleep(rng.uniform(0.5, 1.0))
                if time.time() >= stop_at:
                    break
                ops = [("write", f"bench.{role}.{n}")] if n % 3 == 2 else [("read", None)]
            started = time.perf_counter()
            for kind, key in ops:
                try:
                    if kind == "read":
                        _page_query(store, rng, pages)
                    else:
                        assert key is not None
                        _write(store, key, n)
                        report["writes"].append(key)
                    report["operations"] += 1
                except Exception as exc:  # noqa: BLE001 - counted and reported, the run goes on
                    if _is_lock_failure(exc):
                        report["lock_errors"] += 1
                    else:
                        report["errors"].append(repr(exc)[:300])
            if role != "script":
                report["clicks"].append(time.perf_counter() - started)
            n += 1
        store.close()
    except Exception:  # noqa: BLE001
        report["errors"].append(traceback.format_exc()[-1500:])
    results.put(report)


def run(seconds: float, employees: int, module_file: str | None = None, folder: Path | None = None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="sbf-shared-store-") as tmp:
        data = Path(folder or tmp)
        path = data / "client" / "sbf.duckdb"
        create_store(path, employees, module_file)
        pages = max(1, employees // 10 // PAGE_SIZE)  # a pattern like '%3%' matches about a tenth or more
        ctx = mp.get_context("spawn")
        results = ctx.Queue()
        roles = ("script", "tab1", "tab2")
        procs = []
        # The clock starts for all three at once, after each has imported and opened the store
        # (spawned interpreters take 1-3 s to import on this machine).
        start_at = time.time() + 8.0
        stop_at = start_at + seconds
        for role in roles:
            p = ctx.Process(target=worker, args=(role, str(path), module_file, pages, start_at, stop_at, results))
            p.start()
            procs.append(p)
        reports = [results.get(timeout=seconds + 120) for _ in roles]
        for p in procs:
            p.join(timeout=30)
        # Nothing lost: every write a process says it made is in the store.
        store = load_store_class(module_file)(path)
        with store.read() as con:
            kept = {row[0] for row in con.execute("SELECT key FROM settings WHERE key LIKE 'bench.%'").fetchall()}
        store.close()
    clicks = sorted(c for r in reports for c in r["clicks"])
    written = [k for r in reports for k in r["writes"]]
    per_process = {
        r["role"]: {"operations": r["operations"], "writes": len(r["writes"]), "lock_errors": r["lock_errors"],
                    "ops_per_s": round(r["operations"] / seconds, 1),
                    **({"clicks": len(r["clicks"])} if r["role"] != "script" else {}),
                    **({"errors": r["errors"][:3]} if r["errors"] else {})}
        for r in sorted(reports, key=lambda r: r["role"])
    }
    return {
        "seconds": seconds,
        "employees": employees,
        "store_module": module_file or "sbflib.store.db",
        "operations": sum(r["operations"] for r in reports),
        "lock_errors": sum(r["lock_errors"] for r in reports),
        "other_errors": sum(len(r["errors"]) for r in reports),
        "longest_wait_s": round(max(clicks), 3) if clicks else None,
        "click_p95_s": round(clicks[int(0.95 * (len(clicks) - 1))], 3) if clicks else None,
        "click_median_s": round(statistics.median(clicks), 3) if clicks else None,
        "clicks": len(clicks),
        "lost_writes": len(set(written) - kept),
        "per_process": per_process,
        "machine": f"{platform.machine()} {platform.python_version()} duckdb {duckdb.__version__}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--store-module", default=None, help="a db.py file to take Store from (for a before/after)")
    args = parser.parse_args()
    print(json.dumps(run(args.seconds, args.employees, args.store_module), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
