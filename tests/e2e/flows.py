"""What several browser tests share: starting Voila as `sbf run` does, and the app's first steps
(region, 添加单位, first login).

Imported by the e2e tests as `flows` (pytest puts this folder on the import path).
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx

from sbflib import cli


def start_voila(bureau_url: str | None, data: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    """Start Voila as `sbf run` does; return (process, url with token, base url) once it answers."""
    port, token = cli.free_port(), secrets.token_urlsafe(16)
    log = data / "voila.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(cli.voila_command(port, token), env=cli.voila_env(str(data), bureau_url),
                                cwd=str(cli.dashboards_dir()), stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        if proc.poll() is not None:
            raise RuntimeError(log.read_text(errors="replace"))
        try:
            if httpx.get(f"{base}/voila/api/shutdown", timeout=1).status_code < 600:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            stop_voila(proc)
            raise RuntimeError("voila did not answer:\n" + log.read_text(errors="replace"))
        time.sleep(0.3)
    return proc, f"{base}/?token={token}", base


def stop_voila(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def choose_region(page: Any, region_name: str) -> None:
    """选择地区 → 是."""
    page.wait_for_selector(".sbf-region-page")
    page.select_option(".sbf-region-dropdown select", label=region_name)
    page.click(".sbf-region-enter")
    page.click(".sbf-confirm-dialog button:text-is('是')")
    page.wait_for_selector(".sbf-units-page")


def add_unit(page: Any, unit: dict, siblings: list[dict]) -> None:
    """添加 → 纳税人识别号 → (选择单位: the row of `unit` among `siblings`, the demo units of the same
    taxpayer ID and module) → 安全认证 → 确认参保登记信息 → 我已确认无误."""
    page.click(".sbf-add-unit")
    page.fill(".sbf-taxpayer-id input", unit["taxpayer_id"])
    page.click(".sbf-next")
    page.wait_for_selector(".sbf-step-security, .sbf-choose-unit")
    if page.locator(".sbf-choose-unit").count():
        shown = page.locator(".sbf-choose-unit .sbf-choose-grid").inner_text()
        order = sorted((u["name"] for u in siblings if u["name"] in shown), key=shown.index)
        page.locator(".sbf-choose-unit .sbf-radio").nth(order.index(unit["name"])).click()
        page.click(".sbf-choose-unit button:text-is('确定')")
    page.fill(".sbf-step-security .sbf-password input", unit["password"])
    page.click(".sbf-verify")
    page.wait_for_selector(".sbf-step-confirm")
    page.check(".sbf-confirmed input")
    page.click(".sbf-confirm-add")
    page.wait_for_selector(f".sbf-unit-table :text('{unit['taxpayer_id']}')")


def first_login(page: Any, unit: dict, new_password: str) -> None:
    """登录 with the initial password, then the forced 修改申报密码, to the home page."""
    page.click(".sbf-login-button")
    page.fill(".sbf-step-login .sbf-password input", unit["password"])
    page.click(".sbf-login-ok")
    page.wait_for_selector(".sbf-step-change-password")
    page.fill(".sbf-new-password input", new_password)
    page.fill(".sbf-new-password2 input", new_password)
    page.click(".sbf-change-ok")
    page.click(".sbf-message-dialog button:text-is('确定')")
    page.wait_for_selector(".sbf-home-page")


def siblings_of(units: list[dict], unit: dict) -> list[dict]:
    """The demo units of `unit`'s taxpayer ID and module (选择单位 lists them)."""
    return [u for u in units if u["taxpayer_id"] == unit["taxpayer_id"] and u["module"] == unit["module"]]


SCREENS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screens"
SIZES = [(1366, 768), (1024, 700)]

CLICKABLE_JS = """
(el) => {
  const r = el.getBoundingClientRect();
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  const inside = r.width > 0 && r.height > 0 && r.left >= 0 && r.top >= 0
    && r.right <= window.innerWidth + 0.5 && r.bottom <= window.innerHeight + 0.5;
  const top = document.elementFromPoint(x, y);
  return {inside, covered: !(top && (top === el || el.contains(top)))};
}
"""


def shots_at_both_sizes(page: Any, name: str, selectors: tuple[str, ...]) -> None:
    """Screenshots at 1366×768 and 1024×700 into test-artifacts/screens: no page scroll either way,
    and each selector's element inside the window and not covered (a clerk can click it)."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(700)
        page.screenshot(path=str(SCREENS / f"{name}-{width}x{height}.png"))
        over = page.evaluate("() => [document.documentElement.scrollWidth - innerWidth,"
                             " document.documentElement.scrollHeight - innerHeight]")
        assert over[0] <= 1 and over[1] <= 1, (name, width, height, over)
        for selector in selectors:
            loc = page.locator(selector).first
            loc.scroll_into_view_if_needed()
            page.wait_for_timeout(100)
            state = loc.evaluate(CLICKABLE_JS)
            assert state["inside"] and not state["covered"], (selector, width, state)
    page.set_viewport_size({"width": SIZES[0][0], "height": SIZES[0][1]})
