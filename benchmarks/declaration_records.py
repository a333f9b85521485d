"""Client side of 申报记录 (EMP-10) and 社保费申报明细查询 (EMP-20) for a big unit, through the workbench.

    .venv/bin/python benchmarks/declaration_records.py --employees 100000 [--runs 1]

Seeds a demo bureau with that many employees in the main unit (U000001, 杭州), as
benchmarks/declare.py does, starts it with `--feedback-delay 0`, and per run (a freshly reset unit, a
new data folder, logged in; every 日常申报 row of the month declared through the bureau's API, not
timed) measures:

  records_sync_s     `declaration_records.sync(today, today)`: the day's records and the rows of each
  lines_download_s   `declared_lines.download(missing)`: every declared per-employee line (Arrow) kept
  lines_floor_s      the same lines again with plain httpx, bytes only (what the bureau and the wire cost)
  lines_page_s       `declared_lines.query(page_size=1000)`: the first page of 社保费申报明细查询 (masked)
  lines_filter_s     the same with 姓名 contains one character (the query form)
  detail_s           查看 of the biggest record, its lines held: `detail(..., with_lines=False)` and the
                     first page of its lines (`lines(..., page_size=1000)`)
  print_s            `print_form(...)`: the 社会保险费申报表 PDF of that record

Prints one JSON line: the minimum of each figure over the runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from bureau_declarations import _start
from bureau_wages import UNIT
from declare import _reset, _workbench

from sbflib.domain import clock
from sbflib.employer.declaration_records import DeclaredLineFilter


def _declare_everything(url: str, token: str) -> int:
    raw = httpx.Client(base_url=url, timeout=600, headers={"Authorization": f"Bearer {token}"})
    try:
        rows = [r for r in raw.get(f"/units/{UNIT}/preprocessing", params={"channel": "daily"}).json()
                if r["status"] == "未申报"]
        due = sum((Decimal(r["amount"]) for r in rows), Decimal("0.00"))
        resp = raw.post(f"/units/{UNIT}/declarations", headers={"Idempotency-Key": uuid.uuid4().hex},
                        json={"channel": "daily", "prep_ids": [r["prep_id"] for r in rows], "total_due": f"{due:.2f}"})
        resp.raise_for_status()
        return len(resp.json()["declarations"])
    finally:
        raw.close()


def _one_run(url: str, folder: Path, run: int) -> dict[str, object]:
    unit = _reset(url, folder)
    wb = _workbench(url, folder, unit, run)
    try:
        declared = _declare_everything(url, str(wb.gateway.token))
        records = wb.employer.declaration_records
        lines = wb.employer.declared_lines
        today = clock.today()
        t0 = time.perf_counter()
        held = records.sync(today, today)
        t1 = time.perf_counter()
        missing = list(lines.missing()["declaration_id"])
        t2 = time.perf_counter()
        count = lines.download(missing)
        t3 = time.perf_counter()
        raw = httpx.Client(base_url=url, timeout=600, headers={"Authorization": f"Bearer {wb.gateway.token}"})
        f0 = time.perf_counter()
        for declaration_id in missing:
            raw.get(f"/units/{UNIT}/declarations/{declaration_id}/lines").raise_for_status()
        floor = time.perf_counter() - f0
        raw.close()
        t3b = time.perf_counter()
        _page, total = lines.query(None, page=1, page_size=1000)
        t4 = time.perf_counter()
        _hits, found = lines.query(DeclaredLineFilter(name="王"), page=1, page_size=1000)
        t5 = time.perf_counter()
        frame = records.frame()
        biggest = str(frame.sort_values("rows", ascending=False).iloc[0]["declaration_id"])  # the most lines
        t6 = time.perf_counter()
        records.detail(biggest, with_lines=False)
        _first, detail_lines = records.lines(biggest, page=1, page_size=1000)
        t7 = time.perf_counter()
        pdf = records.print_form(biggest)
        t8 = time.perf_counter()
        return {"records_sync_s": t1 - t0, "lines_download_s": t3 - t2, "lines_floor_s": floor, "lines_page_s": t4 - t3b,
                "lines_filter_s": t5 - t4, "detail_s": t7 - t6, "print_s": t8 - t7, "declarations": declared,
                "records": held, "lines": count, "lines_held": total, "filter_hits": found,
                "detail_lines": detail_lines, "pdf_bytes": len(pdf)}
    finally:
        wb.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        proc, url = _start(folder, args.employees)
        try:
            for run in range(args.runs):
                runs.append(_one_run(url, folder, run))
        finally:
            os.killpg(proc.pid, signal.SIGTERM)  # type: ignore[attr-defined]
            proc.wait(30)  # type: ignore[attr-defined]
    best = {k: (round(min(float(r[k]) for r in runs), 3) if k.endswith("_s") else runs[0][k])  # type: ignore[arg-type]
            for k in runs[0]}
    print(json.dumps({"employees": args.employees, **best, "runs": len(runs),
                      "load": round(os.getloadavg()[0], 2), "python": platform.python_version()},
                     ensure_ascii=False))


if __name__ == "__main__":
    main()
