"""The load people really make, against the session's real bureau and the client: several clerks
and several browser tabs on one data folder working on one unit at once, and a bureau that hangs for
a moment.

Uses the spare U000021 only (see tests/conftest.py); the whole file runs in well under 40 s.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

import sbflib
from sbflib.employer.roster import RosterFilter

UNIT = "U000021"
PASSWORD = "Test#2026"  # what `logged_in` changes the initial password to
FOLDERS = 5  # data folders (clerks' machines) ...
TABS = 4  # ... each with this many tabs (workbenches) open on it: 20 in all
PAGE = 20
DELAY = 2.0
MARGIN = 3.0


@pytest.fixture
def tabs(logged_in: Callable[..., Any], bureau: Any, tmp_path: Path) -> Iterator[Callable[[int, int], list[Any]]]:
    """A factory: `tabs(folders, per_folder)` gives `folders * per_folder` workbenches logged in to
    UNIT, `per_folder` of them on each data folder. The first is `logged_in`'s (which changed the
    password); the others log in with the changed password, one after the other, as clerks do."""
    opened: list[Any] = []

    def open_tabs(folders: int, per_folder: int) -> list[Any]:
        first = logged_in(UNIT)
        unit = bureau.unit(UNIT)
        result = []
        for f in range(folders):
            for t in range(per_folder):
                if f == 0 and t == 0:
                    wb = first
                else:
                    folder = first.data_dir if f == 0 else tmp_path / f"clerk-{f}"
                    wb = sbflib.open(folder, gateway_url=bureau.url)
                    opened.append(wb)
                    if t == 0 and f > 0:  # a new machine: 选择地区, 添加单位, then 登录
                        wb.choose_region(unit["region"])
                        wb.units.add(wb.units.verify(UNIT, PASSWORD), confirmed=True)
                    wb.login(UNIT, PASSWORD)
                result.append(wb)
        return result

    yield open_tabs
    for wb in opened:
        wb.close()


def _together(work: Callable[[int, Any], Any], workbenches: list[Any]) -> list[Any]:
    """Run `work(i, wb)` for every workbench in its own thread, all released at the same moment;
    return the results in order (the first error is raised)."""
    start = threading.Barrier(len(workbenches))

    def run(i: int, wb: Any) -> Any:
        start.wait(timeout=30)
        return work(i, wb)

    with ThreadPoolExecutor(max_workers=len(workbenches)) as pool:
        futures = [pool.submit(run, i, wb) for i, wb in enumerate(workbenches)]
        return [f.result(timeout=120) for f in futures]


def test_twenty_tabs_and_clerks_sync_query_and_read_the_unit_at_once(tabs, bureau):
    workbenches = tabs(FOLDERS, TABS)
    assert len(workbenches) == 20
    workbenches[0].employer.roster.sync()  # the first machine has the roster already; the others not
    unit = bureau.unit(UNIT)
    employees = unit["employees"]

    def work(i: int, wb: Any) -> tuple[int, int, str, float]:
        began = time.perf_counter()
        wb.employer.roster.sync()
        df, total = wb.employer.roster.query(RosterFilter(), page=1 + i % 3, page_size=PAGE)
        profile = wb.unit_info.profile(refresh=True)
        return total, len(df), profile["单位名称"], time.perf_counter() - began

    began = time.perf_counter()
    results = _together(work, workbenches)
    burst = time.perf_counter() - began
    print(f"\n20 at once (sync + page + unit info): {burst:.2f} s, slowest thread "
          f"{max(r[3] for r in results):.2f} s")

    assert {total for total, *_ in results} == {employees}
    for i, (_, rows, name, _) in enumerate(results):
        assert rows == min(PAGE, employees - (i % 3) * PAGE)
        assert name == unit["name"]
    # Every data folder ends with the whole roster, once.
    for wb in workbenches[::TABS]:
        assert wb.employer.roster.counts().total == employees
        assert wb.employer.roster.sync().changed == 0


def test_a_bureau_that_hangs_for_a_moment_slows_the_roster_but_fails_nothing(tabs, bureau):
    workbenches = tabs(1, 5)  # five tabs on one data folder
    workbenches[0].employer.roster.sync()
    faults = f"{bureau.api}/demo/faults"
    plan = {"path_prefix": f"/api/v1/units/{UNIT}/roster", "method": "GET", "mode": "delay",
            "times": len(workbenches), "seconds": DELAY}
    httpx.post(faults, json=plan, headers=bureau.demo_headers, timeout=10).raise_for_status()
    other: dict[str, float] = {}

    def meanwhile() -> None:
        # While the roster calls hang, the unit's other calls still answer at once.
        time.sleep(0.5)
        began = time.perf_counter()
        workbenches[0].unit_info.profile(refresh=True)
        other["profile"] = time.perf_counter() - began

    def work(i: int, wb: Any) -> tuple[int, float]:
        began = time.perf_counter()
        wb.employer.roster.sync()
        total = wb.employer.roster.query(page_size=PAGE)[1]
        return total, time.perf_counter() - began

    side = threading.Thread(target=meanwhile)
    side.start()
    try:
        results = _together(work, workbenches)
    finally:
        side.join(timeout=30)
        cleared = httpx.delete(faults, headers=bureau.demo_headers, timeout=10)
        cleared.raise_for_status()
    print(f"\nroster delayed {DELAY} s, 5 at once: slowest {max(s for _, s in results):.2f} s, "
          f"unit info meanwhile {other.get('profile', -1):.2f} s")

    assert cleared.json()["cleared"] == 0  # each of the five calls met its delay
    assert {total for total, _ in results} == {bureau.unit(UNIT)["employees"]}
    assert all(DELAY - 0.1 <= seconds <= DELAY + MARGIN for _, seconds in results)
    assert other["profile"] < DELAY


def test_ten_tabs_logging_in_at_the_same_moment_with_the_right_password_all_get_in(tabs, bureau):
    first = tabs(1, 1)[0]
    others = [sbflib.open(first.data_dir, gateway_url=bureau.url) for _ in range(10)]
    try:
        results = _together(lambda i, wb: wb.login(UNIT, PASSWORD), others)
        assert len(results) == 10
    finally:
        for wb in others:
            wb.close()
