"""Dashboard first paint: seconds from opening the app's URL in Chromium until the first screen
(选择地区) is drawn, with Voila started as `sbf run` starts it (preheated kernel, sbf template).

    .venv/bin/python benchmarks/first_paint.py --runs 5

Prints one JSON object: each run's seconds to the first screen (`first_paint_s`, with min and
median) and to the region list being filled from the bureau (`regions_filled_s`), and the machine's
load average before and after (the machine is shared: read figures with the load). Each run opens
a fresh page and closes it; the script waits for Voila to refill its preheated kernel between runs.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

from sbflib import cli
from sbflib.gateway.local import ensure_local_bureau, stop_local_bureau

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def main(runs: int, pause: float = 10.0) -> dict:
    data = Path(tempfile.mkdtemp(prefix="sbf-paint-"))
    os.environ.setdefault("SBF_DEMO_EMPLOYEES", "300")
    ensure_local_bureau(data)
    port, token = cli.free_port(), secrets.token_urlsafe(16)
    voila = subprocess.Popen(cli.voila_command(port, token), env=cli.voila_env(str(data), None),
                             cwd=str(cli.dashboards_dir()), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
    url = f"http://127.0.0.1:{port}/?token={token}"
    try:
        for _ in range(120):
            try:
                httpx.get(f"http://127.0.0.1:{port}/voila/api/shutdown", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.5)
        seconds: list[float] = []
        filled: list[float] = []
        load_before = os.getloadavg()
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for _ in range(runs):
                time.sleep(pause)  # the preheated kernel of the previous run is replaced by now
                page = browser.new_page(viewport={"width": 1366, "height": 820})
                started = time.perf_counter()
                page.goto(url)
                page.wait_for_selector(".sbf-region-page", timeout=120_000)
                seconds.append(round(time.perf_counter() - started, 2))
                page.wait_for_function(
                    "() => document.querySelectorAll('.sbf-region-dropdown select option').length > 0",
                    timeout=120_000)
                filled.append(round(time.perf_counter() - started, 2))
                page.close(run_before_unload=True)
            browser.close()
        return {"first_paint_s": seconds, "min_s": min(seconds), "median_s": statistics.median(seconds),
                "regions_filled_s": filled, "regions_filled_median_s": statistics.median(filled),
                "load_before": [round(x, 2) for x in load_before],
                "load_after": [round(x, 2) for x in os.getloadavg()]}
    finally:
        os.killpg(voila.pid, signal.SIGTERM)
        stop_local_bureau(data)
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pause", type=float, default=10.0, help="seconds between runs (kernel refill)")
    args = parser.parse_args()
    print(json.dumps(main(args.runs, args.pause)))
