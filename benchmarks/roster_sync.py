"""Roster benchmark (EMP-2): full and incremental update, page query, export, each beside its floor.

    .venv/bin/python benchmarks/roster_sync.py --employees 100000 [--runs 5]

Seeds a demo bureau with that many employees in one unit, starts it on a free 127.0.0.1 port, and
drives real workbenches against it over HTTP. Every figure is the minimum of `--runs` runs in this
one process; the floors are measured in the same run, each floor run right before its product run.
Prints one JSON object:
  full_sync_s          first (full) update of the unit into a fresh client store (a new data folder
                       and workbench per run): HTTP transfer + Arrow decode + DuckDB load
  full_sync_first_s    the first of those runs alone (the bureau had not encoded this roster yet)
  floor_s              DuckDB alone loading the same employee and item rows from in-memory Arrow
                       into an empty store file with the same schema
  ratio                full_sync_s / floor_s                                  (target <= 2)
  incremental_1pct_s   incremental update after 1% of employees changed       (target <= 5% of full)
  incremental_server_ms  of the fastest incremental update, the bureau's own time by step (its
                       Server-Timing header: employees, items, encode); the rest is HTTP, decoding,
                       the client's load and commit
  page_query_p95_ms    fuzzy name + status filter, one page of 1,000: the 95th percentile of 50
                       queries, the lowest of the runs                        (target <= 30)
  export_all_s         every employee to .xlsx through the product's export
  export_floor_s       xlsxwriter constant-memory writing the same rows (target ratio <= 1.5)
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import httpx
import xlsxwriter

import sbflib
from sbflib.employer.roster import RosterFilter
from sbflib.gateway.demo import read_demo_secret
from sbflib.store.db import Store
from sbflib.store.roster import ITEM_COLUMNS, UNIT_AND_EMPLOYEE_COLUMNS


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_bureau(folder: Path, employees: int) -> tuple[subprocess.Popen, str, dict]:
    store = folder / "bureau.duckdb"
    subprocess.run(
        [sys.executable, "-m", "sbflib.bureau", "seed", "--store", str(store), "--employees", str(employees),
         "--seed", "7"],
        check=True, stdout=subprocess.DEVNULL,
    )
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sbflib.bureau", "serve", "--store", str(store), "--port", str(port), "--demo"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(url + "/api/v1/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    demo = json.loads((folder / "demo.json").read_text(encoding="utf-8"))
    return proc, url, demo


def main_unit(demo: dict) -> dict:
    units = demo["units"] if isinstance(demo, dict) else demo
    return max((u for u in units if u["module"] == "employer"), key=lambda u: u.get("employees", 0))


def floor_load(path: Path, employees, items) -> float:
    """DuckDB alone: the same rows from in-memory Arrow into a fresh store file with our schema."""
    store = Store(path)
    store.close()
    con = duckdb.connect(str(path))
    con.register("e", employees)
    con.register("i", items)
    cols = ", ".join(ITEM_COLUMNS)
    started = time.perf_counter()
    con.begin()
    con.execute(f"INSERT INTO employees ({UNIT_AND_EMPLOYEE_COLUMNS}) SELECT 'U', * FROM e")
    con.execute(f"INSERT INTO employee_items (unit_id, {cols}) SELECT 'U', {cols} FROM i")
    con.commit()
    elapsed = time.perf_counter() - started
    con.close()
    return elapsed


def export_floor(df) -> float:
    rows = df.astype(object).where(df.notna(), None).values.tolist()
    started = time.perf_counter()
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": False})
    ws = wb.add_worksheet()
    ws.write_row(0, 0, list(df.columns))
    for r, row in enumerate(rows, start=1):
        ws.write_row(r, 0, row)
    wb.close()
    return time.perf_counter() - started


def server_timing(header: str) -> dict[str, float]:
    """`roster;dur=12.3;desc=read, employees;dur=4.5` -> {"roster": 12.3, "employees": 4.5}."""
    found = {}
    for metric in header.split(","):
        name, *params = (part.strip() for part in metric.split(";"))
        for param in params:
            if param.startswith("dur="):
                found[name] = float(param[4:])
    return found


PASSWORD = "Bench#2026"


def logged_in(folder: Path, bureau_folder: Path, url: str, unit: dict, first: bool):
    """A workbench on a fresh data folder, logged in as the benchmark unit."""
    wb = sbflib.open(folder, gateway_url=url)
    wb.gateway.demo_secret = read_demo_secret(bureau_folder)
    wb.choose_region(unit["region"])
    candidates = wb.units.lookup(unit["taxpayer_id"], "employer")
    chosen = next(c for c in candidates if c.unit_id == unit["unit_id"])
    password = unit["password"] if first else PASSWORD
    wb.units.add(wb.units.verify(chosen.unit_id, password), confirmed=True)
    wb.login(chosen.unit_id, password)
    if first:
        wb.change_password(unit["password"], PASSWORD)
    return wb


def run(employees: int, runs: int) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="sbf-bench-"))
    (folder / "bureau").mkdir()
    proc, url, demo = start_bureau(folder / "bureau", employees)
    try:
        unit = main_unit(demo)
        unit_id = unit["unit_id"]
        fulls: list[float] = []
        floors: list[float] = []
        wb = None
        batch = None
        for k in range(runs):
            if wb is not None:
                wb.close()
            wb = logged_in(folder / f"client{k}", folder / "bureau", url, unit, first=k == 0)
            if batch is None:
                batch = wb.gateway.roster.batch(unit_id)
            floors.append(floor_load(folder / f"floor{k}.duckdb", batch.employees, batch.items))
            started = time.perf_counter()
            full = wb.employer.roster.sync(full=True)
            fulls.append(time.perf_counter() - started)
            assert full.received == unit.get("employees", full.received), (full.received, unit)
            assert full.changed == full.received
        assert wb is not None and batch is not None
        roster = wb.employer.roster

        incrementals = []
        server_timings = []
        for k in range(runs):
            changed = wb.gateway.demo.change_employees(unit_id, max(1, employees // 100), seed=3 + k)
            started = time.perf_counter()
            inc = roster.sync()
            incrementals.append(time.perf_counter() - started)
            server_timings.append(server_timing(wb.gateway.roster.last_server_timing))
            assert inc.changed == len(changed), (inc.changed, len(changed))

        surnames = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"]
        p95s, medians = [], []
        for _ in range(runs):
            timings = []
            for k in range(50):
                f = RosterFilter(name=surnames[k % len(surnames)], status="正常缴费")
                started = time.perf_counter()
                page, total = roster.query(f, page=1, page_size=1000)
                timings.append((time.perf_counter() - started) * 1000)
                assert len(page) == min(1000, total)
            p95s.append(statistics.quantiles(timings, n=20)[-1])
            medians.append(statistics.median(timings))

        exports, export_floors = [], []
        data = b""
        for _ in range(runs):
            frame = roster.export_frame()
            export_floors.append(export_floor(frame))
            started = time.perf_counter()
            data = roster.export_xlsx()
            exports.append(time.perf_counter() - started)
        wb.close()
        full_s, floor_s, inc_s = min(fulls), min(floors), min(incrementals)
        return {
            "employees": employees,
            "items": batch.items.num_rows,
            "runs": runs,
            "full_sync_s": round(full_s, 3),
            "full_sync_first_s": round(fulls[0], 3),
            "floor_s": round(floor_s, 3),
            "ratio": round(full_s / floor_s, 2),
            "incremental_1pct_s": round(inc_s, 3),
            "incremental_share": round(inc_s / full_s, 3),
            "incremental_server_ms": server_timings[incrementals.index(inc_s)],
            "page_query_p95_ms": round(min(p95s), 1),
            "page_query_median_ms": round(min(medians), 1),
            "export_all_s": round(min(exports), 3),
            "export_floor_s": round(min(export_floors), 3),
            "export_ratio": round(min(exports) / min(export_floors), 2),
            "export_bytes": len(data),
            "all_runs": {
                "full_sync_s": [round(x, 3) for x in fulls],
                "floor_s": [round(x, 3) for x in floors],
                "incremental_1pct_s": [round(x, 3) for x in incrementals],
                "page_query_p95_ms": [round(x, 1) for x in p95s],
            },
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
