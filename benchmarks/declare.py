"""Client side of fee declarations (社保费申报) for a big unit: the 日常申报 page's preprocessing, its
per-employee lines and the submission, through the workbench.

    .venv/bin/python benchmarks/declare.py --employees 100000 [--runs 3]

Seeds a demo bureau with that many employees in the main unit (U000001, 杭州: four 税务自主 items and
生育保险费 税务代征; as benchmarks/bureau_declarations.py does), starts it on a free 127.0.0.1 port with
`--feedback-delay 0`, and per run (each on a freshly reset unit, a new data folder, logged in, the
roster fetched as after login; none of that timed) measures:

  preprocess_fetch_s   `channel("daily").load()` on entering the page: the bureau's first call of the
                       month (the office's 征集信息 generated) and the rows kept in the store
  detail_download_s    `download_lines()`: the per-employee lines of every row of the month, read as
                       Arrow and kept in the store (what clicking 缴费人数 would fetch row by row)
  check_s              `check(every row)`: 提交申报's check prompt, with the trial calculation
  submit_s             `submit(every row, confirmed_warnings=True)`: the checks (with the trial
                       calculation the workbench wires in), the summary, the kept key and body, the
                       POST until the 202, the answer recorded

and, in the same run, floors the client cannot go below: `preprocess_floor_s` (the same GET again with
plain httpx, answer not parsed), `detail_floor_s` (the same lines with plain httpx, bytes only), and
`detail_read_s` (the lines again through the gateway, read as Arrow, not stored). `timeouts` counts
attempts the gateway gave up on and retried (a loaded machine: the bureau took over 10 s to answer).
Prints one JSON line: the minimum of each figure over the runs.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import signal
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from bureau_declarations import _start
from bureau_wages import UNIT

import sbflib

PASSWORD = "Bench#2026"


class _Count(logging.Handler):
    """Counts the gateway's "bureau call failed" warnings (an attempt that timed out and was retried)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += "bureau call failed" in record.getMessage()


_TIMEOUTS = _Count()
logging.getLogger("sbflib.gateway").addHandler(_TIMEOUTS)


def _reset(url: str, folder: Path) -> dict[str, str]:
    secret = (folder / "demo-secret").read_text(encoding="utf-8").strip()
    httpx.post(f"{url}/demo/units/{UNIT}/reset", headers={"X-Sbf-Demo-Secret": secret}, timeout=120
               ).raise_for_status()
    demo = json.loads((folder / "demo.json").read_text(encoding="utf-8"))
    return next(u for u in demo["units"] if u["unit_id"] == UNIT)


def _workbench(url: str, folder: Path, unit: dict[str, str], run: int) -> sbflib.Workbench:
    wb = sbflib.open(folder / f"client-{run}", gateway_url=url.removesuffix("/api/v1"))
    wb.choose_region(unit["region"])
    wb.units.add(wb.units.verify(UNIT, unit["password"]), confirmed=True)
    wb.login(UNIT, unit["password"])
    wb.change_password(unit["password"], PASSWORD, confirm=PASSWORD)
    wb.employer.roster.sync(full=True)
    return wb


def _one_run(url: str, folder: Path, run: int) -> dict[str, object]:
    unit = _reset(url, folder)
    wb = _workbench(url, folder, unit, run)
    try:
        daily = wb.employer.declarations.channel("daily")
        t0 = time.perf_counter()
        rows = daily.load()
        t1 = time.perf_counter()
        token = wb.gateway.token
        raw = httpx.Client(base_url=url, timeout=300, headers={"Authorization": f"Bearer {token}"})
        t2 = time.perf_counter()
        raw.get(f"/units/{UNIT}/preprocessing", params={"channel": "daily"}).raise_for_status()
        t3 = time.perf_counter()
        lines = daily.download_lines()
        t4 = time.perf_counter()
        ids = daily.frame()["prep_id"].tolist()
        t5 = time.perf_counter()
        raw.get(f"/units/{UNIT}/preprocessing/lines", params={"ids": ",".join(ids)}).raise_for_status()
        t6 = time.perf_counter()
        wb.gateway.declarations.preprocessing_lines(UNIT, ids)
        t7 = time.perf_counter()
        report = daily.check(ids)          # 提交申报's check prompt (the page runs it before 立即提交)
        t8 = time.perf_counter()
        receipt = daily.submit(ids, confirmed_warnings=True)
        t9 = time.perf_counter()
        raw.close()
        return {"preprocess_fetch_s": t1 - t0, "preprocess_floor_s": t3 - t2, "detail_download_s": t4 - t3,
                "detail_floor_s": t6 - t5, "detail_read_s": t7 - t6, "check_s": t8 - t7, "submit_s": t9 - t8,
                "rows": rows, "lines": lines, "findings": len(report.findings),
                "declarations": len(receipt.declarations), "total_due": f"{receipt.total_due:.2f}",
                "timeouts": _TIMEOUTS.count}
    finally:
        wb.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
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
