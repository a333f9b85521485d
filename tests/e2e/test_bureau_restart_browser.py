"""An open tab recovers after the embedded demo bureau restarts (issue 6, "a bureau that comes back").

Voila runs as `sbf run` starts it on a fresh data folder WITHOUT a gateway URL, so the app uses the
data folder's embedded demo bureau (`sbflib.gateway.local`). In Chromium: region, add the main demo
unit (initial password from `<data>/bureau/demo.json`), log in, change the password, open the roster.
Then the bureau's whole process group is killed, and in the same open tab 增量更新 is clicked: the
gateway re-reads `address.json`, starts the bureau again (on its recorded port when free) and the
update succeeds in Chinese, with no error dialog. The bureau keeps sessions in its store, so the
login survives the restart (no 请重新登录). Killed once more and recorded at another port, it comes
back there and 全量更新 in the same tab follows it.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flows
import pytest

from sbflib import cli
from sbflib.gateway import local

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "Rest#2026pw"


def _address(data: Path) -> dict[str, Any]:
    return dict(json.loads((data / "bureau" / "address.json").read_text()))


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Path]]:
    """A fresh data folder with its embedded bureau started first (so the page never waits for the
    seed), and Voila on it; everything started here is stopped afterwards, restarted bureau included."""
    monkeypatch.setenv("SBF_DEMO_EMPLOYEES", "40")  # inherited by the bureau, Voila and its kernels
    data = tmp_path / "data"
    local.ensure_local_bureau(data)
    first_pid = _address(data)["pid"]
    proc = None
    try:
        proc, url, _base = flows.start_voila(None, data)
        yield url, data
    finally:
        if proc is not None:
            flows.stop_voila(proc)
        local.stop_local_bureau(data)  # the bureau that runs now (the restarted one)
        _kill_group(first_pid)


def test_an_open_tab_recovers_after_the_bureau_restarts(app, browser, shot):
    url, data = app
    demo = json.loads((data / "bureau" / "demo.json").read_text(encoding="utf-8"))
    unit = next(u for u in demo["units"] if u.get("role") == "main")
    region = next(r["name"] for r in demo["regions"] if r["code"] == unit["region"])

    page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page.set_default_timeout(60_000)
    try:
        page.goto(url)
        flows.choose_region(page, region)
        flows.add_unit(page, unit, flows.siblings_of(demo["units"], unit))  # the main ID has two units
        flows.first_login(page, unit, PASSWORD)
        page.click(".sbf-menu-EMP-2")
        page.wait_for_selector(".sbf-roster-page .lm-DataGrid")
        page.wait_for_selector(".sbf-count-total")
        assert int(page.inner_text(".sbf-count-total")) == unit["employees"]

        # The bureau dies: its whole process group, as a crash or `kill -9` would.
        before = _address(data)
        _kill_group(before["pid"])
        deadline = time.monotonic() + 10
        while local.running_local_bureau(data) is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert local.running_local_bureau(data) is None

        # Same tab, no reload: 增量更新 reaches the bureau started again, the session kept.
        page.click(".sbf-roster-page .sbf-sync")
        page.wait_for_selector(".sbf-message-dialog, .sbf-confirm-dialog", timeout=60_000)
        shot(page, "bureau-restarted", "screens")
        assert page.locator(".sbf-error-dialog").count() == 0, page.inner_text(".sbf-error-dialog")
        text = page.inner_text(".sbf-message-dialog, .sbf-confirm-dialog")
        assert "增量更新完成" in text and "请重新登录" not in text, text
        after = _address(data)
        assert after["pid"] != before["pid"] and after["url"] == before["url"]  # restarted, same port
        assert local.running_local_bureau(data) == after["url"]
        page.click(".sbf-message-dialog button:text-is('确定'), .sbf-confirm-dialog button:text-is('否')")

        # Killed again, and recorded meanwhile at another address (as when another process started it
        # elsewhere): the open tab follows address.json there, not the port it called before.
        _kill_group(after["pid"])
        elsewhere = f"http://127.0.0.1:{cli.free_port()}"
        address = data / "bureau" / "address.json"
        address.write_text(json.dumps({"url": elsewhere, "pid": after["pid"]}))
        address.chmod(0o600)
        page.click(".sbf-roster-page .sbf-full-sync")
        page.wait_for_selector(".sbf-message-dialog, .sbf-confirm-dialog", timeout=60_000)
        assert page.locator(".sbf-error-dialog").count() == 0, page.inner_text(".sbf-error-dialog")
        assert "全量更新完成" in page.inner_text(".sbf-message-dialog, .sbf-confirm-dialog")
        assert _address(data)["url"] == elsewhere and local.running_local_bureau(data) == elsewhere
    finally:
        page.close(run_before_unload=True)
