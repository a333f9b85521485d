"""Roster benchmark (EMP-2): full and incremental update, page query, export, each beside its floor.

    .venv/bin/python benchmarks/roster_sync.py --employees 100000

Seeds a demo bureau with that many employees in one unit, starts it on a free 127.0.0.1 port, and
drives a real workbench against it over HTTP. Prints one JSON object:
  full_sync_s          first (full) update of the unit: HTTP transfer + Arrow decode + DuckDB load
  floor_s              DuckDB alone loading the same employee and item rows from in-memory Arrow
                       into an empty store file with the same schema (same run)
  ratio                full_sync_s / floor_s                                  (target <= 3)
  incremental_1pct_s   incremental update after 1% of employees changed       (target <= 10% of full)
  page_query_p95_ms    fuzzy name + status filter, one page of 1,000, 50 runs (target <= 100)
  export_all_s         every employee to .xlsx through the product's export
  export_floor_s       xlsxwriter constant-memory writing the same rows (same run; target ratio <= 1.5)
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
from sbflib.store.db import Store
from sbflib.store.roster import UNIT_AND_EMPLOYEE_COLUMNS


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


def floor_load(folder: Path, employees, items) -> float:
    """DuckDB alone: the same rows from in-memory Arrow into a fresh store file with our schema."""
    store = Store(folder / "floor.duckdb")
    con = duckdb.connect(str(store.path))
    con.register("e", employees)
    con.register("i", items)
    started = time.perf_counter()
    con.begin()
    con.execute(f"INSERT INTO employees ({UNIT_AND_EMPLOYEE_COLUMNS}) SELECT 'U', * FROM e")
    con.execute("INSERT INTO employee_items SELECT 'U', * FROM i")
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


def run(employees: int) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="sbf-bench-"))
    (folder / "bureau").mkdir()
    proc, url, demo = start_bureau(folder / "bureau", employees)
    try:
        unit = main_unit(demo)
        wb = sbflib.open(folder / "client", gateway_url=url)
        wb.choose_region(unit["region"])
        candidates = wb.units.lookup(unit["taxpayer_id"], "employer")
        chosen = next(c for c in candidates if c.unit_id == unit["unit_id"])
        registration = wb.units.verify(chosen.unit_id, unit["password"])
        wb.units.add(registration, confirmed=True)
        wb.login(chosen.unit_id, unit["password"])
        wb.change_password(unit["password"], "Bench#2026")
        roster = wb.employer.roster

        started = time.perf_counter()
        full = roster.sync(full=True)
        full_sync_s = time.perf_counter() - started
        assert full.received == unit.get("employees", full.received), (full.received, unit)

        batch = wb.gateway.roster(chosen.unit_id)
        floor_s = min(floor_load(folder, batch.employees, batch.items) for _ in range(1))

        changed = wb.gateway.demo_change_employees(chosen.unit_id, max(1, employees // 100), seed=3)
        started = time.perf_counter()
        inc = roster.sync()
        incremental_s = time.perf_counter() - started
        assert inc.changed == len(changed), (inc.changed, len(changed))

        surnames = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"]
        timings = []
        for k in range(50):
            f = RosterFilter(name=surnames[k % len(surnames)], status="正常缴费")
            started = time.perf_counter()
            page, total = roster.query(f, page=1, page_size=1000)
            timings.append((time.perf_counter() - started) * 1000)
            assert len(page) == min(1000, total)
        p95 = statistics.quantiles(timings, n=20)[-1]

        started = time.perf_counter()
        data = roster.export_xlsx()
        export_all_s = time.perf_counter() - started
        frame = roster.export_frame()
        export_floor_s = export_floor(frame)
        wb.close()
        return {
            "employees": employees,
            "items": batch.items.num_rows,
            "full_sync_s": round(full_sync_s, 3),
            "floor_s": round(floor_s, 3),
            "ratio": round(full_sync_s / floor_s, 2),
            "incremental_1pct_s": round(incremental_s, 3),
            "incremental_share": round(incremental_s / full_sync_s, 3),
            "page_query_p95_ms": round(p95, 1),
            "page_query_median_ms": round(statistics.median(timings), 1),
            "export_all_s": round(export_all_s, 3),
            "export_floor_s": round(export_floor_s, 3),
            "export_ratio": round(export_all_s / export_floor_s, 2),
            "export_bytes": len(data),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        }
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--employees", type=int, default=100_000)
    args = parser.parse_args()
    print(json.dumps(run(args.employees), ensure_ascii=False))
