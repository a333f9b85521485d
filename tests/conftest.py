"""Shared fixtures. `bureau`: a real demo bureau (uvicorn subprocess on loopback) for the session.

The bureau is seeded once per test session (seed 7, 300 employees in the main unit) in a temporary
directory and started with `python -m sbflib.bureau serve --demo` on a free 127.0.0.1 port, as users
run it. It is killed (its whole process group) when the session ends.

Demo units (see `bureau.demo["units"]`, each with unit_id, taxpayer_id, name, module, region, role,
unit_numbers, password = the initial password a clerk would type, initial_passwords, employees):

    U000001  main demo unit, 杭州 (税务自主 but 生育保险费 税务代征, as every 杭州 unit), unit numbers "1234" (→ 123400) and "330108200351"
    U000002  second unit of the same taxpayer ID as U000001
    U000003, U000004, U000009, U000010  small employers (杭州 / 深圳)
    U000006  深圳 school as employer; U000007 the same taxpayer ID as collector (代收单位)
    U000005, U000008  collectors (街道办事处), password = last 6 characters of the taxpayer ID
    Collectors (U000005, U000007, U000008) have unit numbers with agencies, like employers.
    U000019  上海 (310100): the only region offering 用人单位业务 alone (one button, manual 1.4); a spare
             for the UI and end-to-end tests of that case

Demo calls need the demo secret (`bureau.demo_headers`; `serve --demo` keeps it in `demo-secret`
beside the store). `bureau.reset_unit(unit_id)` (also `reset_password`) puts a unit back as seeded:
initial password, lock cleared, sessions ended, its idempotency records dropped (roster changes stay).
The `logged_in` fixture is a factory: `wb = logged_in("U000017")` gives a workbench that has added the
unit, logged in and changed the initial password to "Test#2026"; it resets the unit before and after.

Shared units (U000001..U000010) must be left as found: a test that changes a password or makes
wrong tries on them calls `bureau.reset_unit(unit_id)` afterwards.

Spare units (role "spare") are for destructive tests (lockout, password changes, demo changes).
Each belongs to one test area, so areas running in the same session cannot disturb each other:

    U000011, U000014, U000016  tests/integration/test_bureau_api.py
    U000012, U000013, U000015  client integration tests (units, login, lockout)
    U000004                    client roster tests (demo changes; not a spare but reserved)
    U000017, U000018           UI and end-to-end tests
    U000020                    tests/integration/test_bureau_subitems.py (征收子目; 建筑, 五类行业)
    U000021                    tests/integration/test_load.py (concurrent clients, a slow bureau)
    U000022, U000023           wage filings: services and client integration (H3)
    U000024, U000025           wage filings: UI and end-to-end (H4); U000024 has 1,250 employees
                               (1,049 正常缴费 at seed 7) for the 1,000-row import
    U000026                    tests/integration/test_bureau_wages.py (bureau wage filings)
    U000027                    audit log and password change (SET-5)
    U000028                    backup and restore
    U000029                    modules and upgrade
    U000030, U000031, U000032  fee declarations (社保费申报): bureau tests (tests/integration/
                               test_bureau_declarations.py) and the client side next; U000031 is a
                               builder with 工程项目, U000032 is in 深圳 (every item 税务代征)
    U000033, U000034           declaration client: services and integration (declare, submit)
    U000035, U000036, U000037  declaration pages and Chromium; U000036 builds, U000037 is in 深圳
    U000038, U000039           申报记录 / 申报明细 / 工程项目申报记录; U000039 builds
    U000040                    测算 (trial calculation) against the bureau's preprocessing
    U000041, U000042           到账信息 and 首页 待办 / 异常提醒
    U000043, U000044           the bureau's 征收子系统: arrears, payments, vouchers
    U000045, U000046           the bureau's agreements, certificates and refunds
    U000047                    printouts (vouchers, certificates); U000048 (深圳) is free

Even on its own spare, a test should start with `bureau.reset_unit(unit_id)` (or use `logged_in`).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

SEED = 7
EMPLOYEES = 300


@dataclass
class BureauProcess:
    """A running demo bureau: `url` is the base URL without /api/v1 (http://127.0.0.1:PORT)."""

    url: str
    store_dir: Path
    demo: dict[str, Any]
    process: subprocess.Popen[bytes]

    @property
    def api(self) -> str:
        """The API root, `url` + /api/v1."""
        return f"{self.url}/api/v1"

    def unit(self, unit_id: str) -> dict[str, Any]:
        """The demo.json entry of a unit."""
        return next(u for u in self.demo["units"] if u["unit_id"] == unit_id)

    @property
    def demo_secret(self) -> str:
        """The demo secret `serve --demo` keeps in `demo-secret` beside the store."""
        return (self.store_dir / "demo-secret").read_text(encoding="utf-8").strip()

    @property
    def demo_headers(self) -> dict[str, str]:
        """Headers a demo call (`/api/v1/demo/...`) needs."""
        return {"X-Sbf-Demo-Secret": self.demo_secret}

    def reset_unit(self, unit_id: str) -> None:
        """The unit as seeded, for a test: initial password, lock cleared, sessions ended, its
        idempotency records dropped (demo call `POST /demo/units/{id}/reset`). Roster changes stay."""
        httpx.post(f"{self.api}/demo/units/{quote(unit_id, safe='')}/reset", headers=self.demo_headers,
                   timeout=10).raise_for_status()

    def reset_password(self, unit_id: str) -> None:
        """Back to the initial password, lock and sessions cleared (kept for the tests that call it:
        the same as `reset_unit`)."""
        self.reset_unit(unit_id)

    def token(self, unit_id: str, new_password: str = "Test#2026") -> str:
        """A session token for `unit_id` that may act: resets the unit, logs in with the initial
        password and changes it to `new_password`. Use on units your tests own."""
        self.reset_password(unit_id)
        unit = self.unit(unit_id)
        resp = httpx.post(f"{self.api}/sessions", json={"unit_id": unit_id, "password": unit["password"]},
                          timeout=10)
        resp.raise_for_status()
        token = resp.json()["token"]
        httpx.put(
            f"{self.api}/units/{unit_id}/password",
            json={"old_password": unit["password"], "new_password": new_password},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        ).raise_for_status()
        return token


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"bureau exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"bureau did not answer /health within {timeout} s:\n{log.read_text(errors='replace')}")


@pytest.fixture(scope="session")
def bureau(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BureauProcess]:
    """A seeded demo bureau on loopback for the whole session (see the module docstring)."""
    store_dir = tmp_path_factory.mktemp("bureau")
    store = store_dir / "bureau.duckdb"
    port = _free_port()
    log = store_dir / "bureau.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "sbflib.bureau", "serve", "--store", str(store), "--port", str(port),
             "--demo", "--seed-if-missing", "--seed", str(SEED), "--employees", str(EMPLOYEES),
             "--residents", "200"],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so the teardown kills all of it
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, log)
        demo = json.loads((store_dir / "demo.json").read_text(encoding="utf-8"))
        yield BureauProcess(url=url, store_dir=store_dir, demo=demo, process=process)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture
def wb(tmp_path: Path, bureau: BureauProcess) -> Iterator[Any]:
    """A fresh workbench (empty data folder, no region chosen yet) talking to the session's bureau."""
    import sbflib

    workbench = sbflib.open(tmp_path / "data", gateway_url=bureau.url)
    yield workbench
    workbench.close()


LOGGED_IN_PASSWORD = "Test#2026"


@pytest.fixture
def logged_in(tmp_path: Path, bureau: BureauProcess) -> Iterator[Callable[..., Any]]:
    """A factory: `logged_in(unit_id)` returns a workbench (its own empty data folder, talking to the
    session's bureau) that has chosen the unit's region, added the unit (安全认证, 我已确认无误),
    logged in with the initial password and changed it to `password` (default "Test#2026").
    The unit is reset first (`bureau.reset_unit`); every workbench is closed and its unit reset
    after the test. Use it on units your test area owns (see the module docstring)."""
    import sbflib

    opened: list[tuple[str, Any]] = []

    def open_logged_in(unit_id: str, password: str = LOGGED_IN_PASSWORD) -> Any:
        bureau.reset_unit(unit_id)
        unit = bureau.unit(unit_id)
        workbench = sbflib.open(tmp_path / f"logged-in-{len(opened)}-{unit_id}", gateway_url=bureau.url)
        opened.append((unit_id, workbench))
        workbench.choose_region(unit["region"])
        workbench.units.add(workbench.units.verify(unit_id, unit["password"]), confirmed=True)
        workbench.login(unit_id, unit["password"])
        workbench.change_password(unit["password"], password, confirm=password)
        return workbench

    yield open_logged_in
    for unit_id, workbench in opened:
        workbench.close()
        bureau.reset_unit(unit_id)
