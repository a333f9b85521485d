"""Wage-filing benchmark (EMP-3): import a filled template of many rows, then submit them.

    .venv/bin/python benchmarks/wage_import.py --rows 50000 [--runs 5]

Seeds a demo bureau whose main unit (杭州, 税务自主) has enough employees, starts it on a free
127.0.0.1 port, logs a real workbench in over HTTP and updates its roster. The page's own template
(日常缴费工资申报-按职工申报) is filled with `--rows` employees who may file for the current month
(name, ID type, full ID number, a wage typed as a number, the month as text), as a clerk would in
Excel. Every figure is the minimum of `--runs` runs in this one process; each floor run comes right
before its product run. Prints one JSON object:
  import_s        template file bytes -> rows in the edit list, checks included:
                  wb.employer.wages.draft("daily", "employee").import_file(data)
  read_floor_s    the fastest pure read of the same file: python-calamine opening the workbook and
                  reading the data sheet into Python values (no checks, no store)
  ratio           import_s / read_floor_s                                      (target <= 3)
  io_read_s, io_check_s   the io layer alone (read_wage_file, check_rows) in the same runs
  submit_s        提交申报 of all imported rows: the filing sent with its lines and the 待反馈
                  record back (WageDraft.submit)                               (target <= 10)
The bureau's feedback delay is set to an hour meanwhile, so no decision runs during the timings.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

sys.path.insert(0, str(Path(__file__).resolve().parent))

from roster_sync import logged_in, main_unit, start_bureau

from sbflib.domain import clock
from sbflib.io import wage_import
from sbflib.store import wages as wage_store

KIND, WAY = "daily", "employee"


def eligible_rows(wb, unit_id: str, rows: int, month: str) -> list[list[object]]:
    """`rows` employees of the unit with a 税务自主 item who may file for `month`, as template rows."""
    with wb.store.read() as con:
        roster = wage_store.roster_for_check(con, unit_id)
        insured = wage_store.insured_for_check(con, unit_id)
    selfish = set(insured.loc[insured["collection_mode"] == wage_store.SELF_DECLARED, "employee_id"])
    shared = set(roster.loc[roster["id_number"].duplicated(keep=False), "id_number"])  # the seed repeats a few
    out: list[list[object]] = []
    for e in roster.itertuples(index=False):
        start = e.start_month if isinstance(e.start_month, str) else ""
        stop = e.stop_month if isinstance(e.stop_month, str) else ""
        if (e.employee_id not in selfish or e.id_number in shared
                or (start and start > month) or (stop and stop < month)):
            continue
        wage = 3000 + (len(out) * 37) % 27000 + (len(out) % 100) / 100
        out.append([e.name, e.id_type, e.id_number, wage, month])
        if len(out) == rows:
            break
    if len(out) < rows:
        raise SystemExit(f"only {len(out)} employees may file for {month}; seed more (--employees)")
    return out


def filled_template(template: bytes, rows: list[list[object]]) -> bytes:
    wb = load_workbook(io.BytesIO(template))
    ws = wb[wage_import.DATA_SHEET]
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def read_floor(data: bytes) -> float:
    started = time.perf_counter()
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    book.get_sheet_by_name(wage_import.DATA_SHEET).to_python(skip_empty_area=False)
    return time.perf_counter() - started


def run(rows: int, runs: int, employees: int) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="sbf-bench-wages-"))
    (folder / "bureau").mkdir()
    proc, url, demo = start_bureau(folder / "bureau", employees)
    try:
        unit = main_unit(demo)
        unit_id = unit["unit_id"]
        wb = logged_in(folder / "client", folder / "bureau", url, unit, first=True)
        wb.employer.roster.sync(full=True)
        wb.gateway.demo.set_feedback_delay(3600)
        month = clock.current_month()
        draft = wb.employer.wages.draft(KIND, WAY)
        data = filled_template(draft.template(), eligible_rows(wb, unit_id, rows, month))
        with wb.store.read() as con:
            roster = wage_store.roster_for_check(con, unit_id)
            insured = wage_store.insured_for_check(con, unit_id)
            items = wage_store.self_declared_items(con, unit_id)

        imports, floors, io_reads, io_checks, submits = [], [], [], [], []
        receipt = None
        for _ in range(runs):
            floors.append(read_floor(data))
            started = time.perf_counter()
            report = draft.import_file(data)
            imports.append(time.perf_counter() - started)
            assert report.added == rows and len(report.errors) == 0, (report.added, report.errors.head())

            started = time.perf_counter()
            parsed = wage_import.read_wage_file(data, KIND, WAY, items)
            io_reads.append(time.perf_counter() - started)
            started = time.perf_counter()
            checked = wage_import.check_rows(parsed, roster, insured, month)
            io_checks.append(time.perf_counter() - started)
            assert len(checked.good) == rows

            unsent = draft.frame()
            row_ids = unsent.loc[unsent["status"] == "未申报", "row_id"].tolist()
            assert len(row_ids) == rows
            started = time.perf_counter()
            receipt = draft.submit(row_ids)
            submits.append(time.perf_counter() - started)
            assert receipt.status == "待反馈" and receipt.lines == rows, receipt
        wb.close()
        import_s, floor_s = min(imports), min(floors)
        return {
            "rows": rows,
            "runs": runs,
            "file_bytes": len(data),
            "import_s": round(import_s, 3),
            "read_floor_s": round(floor_s, 3),
            "ratio": round(import_s / floor_s, 2),
            "io_read_s": round(min(io_reads), 3),
            "io_check_s": round(min(io_checks), 3),
            "submit_s": round(min(submits), 3),
            "all_runs": {
                "import_s": [round(x, 3) for x in imports],
                "read_floor_s": [round(x, 3) for x in floors],
                "submit_s": [round(x, 3) for x in submits],
            },
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        }
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--employees", type=int, default=0,
                        help="employees of the main unit (default: rows + 20%%, some cannot file)")
    args = parser.parse_args()
    employees = args.employees or int(args.rows * 1.2) + 100
    print(json.dumps(run(args.rows, args.runs, employees), ensure_ascii=False))
