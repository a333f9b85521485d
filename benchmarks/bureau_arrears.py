"""Bureau side of 缴费: the arrears (欠费信息) of a unit with 100,000 arrears rows.

    .venv/bin/python benchmarks/bureau_arrears.py [--rows 100000] [--runs 3]

Seeds a small demo bureau, starts it on a free 127.0.0.1 port, gives U000001 `--rows` arrears rows with
the demo call `POST /demo/units/U000001/arrears` (one successful unpaid declaration of that many rows,
items of the last 120 months, most of them overdue), logs in over HTTP and measures (minimum of `--runs`):
  seed_s         the demo call (rows written in one INSERT … SELECT)
  arrears_s      GET /units/U000001/arrears: pay-by dates, days left and late fees computed, JSON
  preview_s      the same with ?pay_date= a month ahead (the late-fee preview)
  table_s        GET /units/U000001/arrears/table: the same rows as Arrow (zstd), decoded
The client benchmark (`arrears_load_s`) can seed a bureau the same way before it loads the list.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import signal
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from bureau_declarations import _login, _start
from bureau_wages import UNIT

from sbflib.bureau.collection import decode_frame


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        proc, url = _start(folder, 50)
        try:
            http = _login(url, folder)
            secret = (folder / "demo-secret").read_text(encoding="utf-8").strip()
            t0 = time.perf_counter()
            httpx.post(f"{url}/demo/units/{UNIT}/arrears", json={"count": args.rows},
                       headers={"X-Sbf-Demo-Secret": secret}, timeout=300).raise_for_status()
            seed_s = time.perf_counter() - t0
            ahead = (dt.date.today() + dt.timedelta(days=31)).isoformat()
            for _ in range(args.runs):
                t1 = time.perf_counter()
                resp = http.get(f"/units/{UNIT}/arrears")
                resp.raise_for_status()
                t2 = time.perf_counter()
                rows = resp.json()
                t3 = time.perf_counter()
                http.get(f"/units/{UNIT}/arrears", params={"pay_date": ahead}).raise_for_status()
                t4 = time.perf_counter()
                table = http.get(f"/units/{UNIT}/arrears/table")
                table.raise_for_status()
                count = decode_frame(table.content).num_rows
                t5 = time.perf_counter()
                runs.append({"arrears_s": t2 - t1, "preview_s": t4 - t3, "table_s": t5 - t4, "rows": len(rows),
                             "table_rows": count, "mb": round(len(resp.content) / 2**20, 1),
                             "table_mb": round(len(table.content) / 2**20, 1)})
            http.close()
        finally:
            os.killpg(proc.pid, signal.SIGTERM)  # type: ignore[attr-defined]
            proc.wait(30)  # type: ignore[attr-defined]
    best = {k: (round(min(r[k] for r in runs), 3) if k.endswith("_s") else runs[0][k]) for k in runs[0]}
    print(json.dumps({"arrears_rows": args.rows, "seed_s": round(seed_s, 3), **best, "runs": len(runs),
                      "load": round(os.getloadavg()[0], 2), "python": platform.python_version()},
                     ensure_ascii=False))


if __name__ == "__main__":
    main()
