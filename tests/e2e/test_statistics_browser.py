"""统计分析 in Chromium against Voila, on U000042 with two declarations (one paid): log in, open each of
the five chart pages, 更新数据 once, change a filter and see the chart redraw without a reload (the
image's bytes change, the page is not reloaded); shots at 1366×768 into test-artifacts/screens/
(stats-*.png), the buttons in view and not covered, no catalogue ID or English on the page."""

from __future__ import annotations

import re
import time
import uuid
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import flows
import httpx
import pytest

pytestmark = pytest.mark.e2e

SCREENS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screens"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
UNIT = "U000042"
PASSWORD = "Test#2026"
PAGES = [("STA-1", "fees"), ("STA-2", "reconciliation"), ("STA-3", "arrears"), ("STA-4", "headcount"),
         ("STA-5", "bases")]

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


def _prepare(bureau: Any) -> None:
    token = bureau.token(UNIT, PASSWORD)
    demo = {"headers": bureau.demo_headers, "timeout": 10}
    httpx.post(f"{bureau.api}/demo/settings", json={"feedback_delay_s": 0}, **demo).raise_for_status()
    with httpx.Client(base_url=bureau.api, timeout=60, headers={"Authorization": f"Bearer {token}"}) as http:
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in http.get(f"/units/{UNIT}/preprocessing", params={"channel": "daily"}).json():
            if r["status"] == "未申报" and r["source_code"] == "01":
                groups[r["group_key"]].append(r)
        for n, rows in enumerate(list(groups.values())[:2]):
            due = sum((Decimal(r["amount"]) for r in rows), Decimal("0.00"))
            resp = http.post(f"/units/{UNIT}/declarations", headers={"Idempotency-Key": uuid.uuid4().hex},
                             json={"channel": "daily", "prep_ids": [r["prep_id"] for r in rows],
                                   "total_due": f"{due:.2f}"})
            assert resp.status_code == 202, resp.text
            did = resp.json()["declarations"][0]["declaration_id"]
            deadline = time.monotonic() + 15
            while http.get(f"/units/{UNIT}/declarations/{did}").json()["record"]["status"] == "待反馈":
                assert time.monotonic() < deadline
                time.sleep(0.2)
            if n == 0:
                httpx.post(f"{bureau.api}/demo/units/{UNIT}/declarations/{did}/payment",
                           json={"pay_status": "已缴费"}, **demo).raise_for_status()
    httpx.post(f"{bureau.api}/demo/settings", json={"feedback_delay_s": 5}, **demo).raise_for_status()


def _login(page: Any, unit: dict[str, Any]) -> None:
    page.fill(".sbf-unit-search input", unit["taxpayer_id"])
    page.locator(".sbf-unit-search input").press("Enter")
    page.wait_for_function("() => document.querySelectorAll('.sbf-login-button').length === 1")
    page.click(".sbf-login-button")
    page.fill(".sbf-step-login .sbf-password input", PASSWORD)
    page.click(".sbf-login-ok")
    page.wait_for_selector(".sbf-home-page")


def _image(page: Any, css: str) -> str:
    return str(page.eval_on_selector(f"{css} .sbf-stat-chart", "el => el.src || ''"))


def _wait_drawn(page: Any, css: str, before: str = "") -> str:
    page.wait_for_function(
        """([css, before]) => { const el = document.querySelector(css + ' .sbf-stat-chart');
             return el && el.src && el.naturalWidth > 100 && el.src !== before
               && !document.querySelector(css).classList.contains('sbf-frozen'); }""",
        arg=[css, before])
    return _image(page, css)


def test_statistics_pages(voila: Any, bureau: Any) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed")
    url, _base, _data = voila
    unit = bureau.unit(UNIT)
    _prepare(bureau)
    SCREENS.mkdir(parents=True, exist_ok=True)
    try:
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
            page.set_default_timeout(120_000)
            page.goto(url)
            page.wait_for_selector(".sbf-region-page, .sbf-units-page")
            if page.locator(".sbf-region-page").count():
                regions = httpx.get(f"{bureau.api}/regions", timeout=10).json()
                flows.choose_region(page, next(r["name"] for r in regions if r["code"] == unit["region"]))
            flows.add_unit(page, {**unit, "password": PASSWORD}, flows.siblings_of(bureau.demo["units"], unit))
            _login(page, unit)
            page.evaluate("() => { window.__sbf_loaded = true; }")   # gone if the page reloads

            for n, (menu_id, chart) in enumerate(PAGES):
                css = f".sbf-stat-{chart}"
                page.click(f".sbf-menu-{menu_id}")
                page.wait_for_selector(f"{css} .sbf-stat-chart", state="attached")
                first = _wait_drawn(page, css)
                if n == 0:
                    page.click(f"{css} .sbf-stat-update")   # the same figures may give the same image
                    try:
                        page.wait_for_selector(f"{css}.sbf-frozen", timeout=3000)
                    except Exception:  # noqa: BLE001 - done before we looked
                        first = _image(page, css)
                    page.wait_for_selector(f"{css}:not(.sbf-frozen)")
                    first = _wait_drawn(page, css)
                # a filter change redraws in place (the filters are written under the title)
                page.locator(f"{css} .sbf-stat-item select").select_option(index=1)
                _wait_drawn(page, css, first)
                page.wait_for_timeout(300)
                page.screenshot(path=str(SCREENS / f"stats-{chart}-1366x768.png"))
                for selector in (".sbf-stat-update", ".sbf-stat-png", ".sbf-stat-xlsx", ".sbf-stat-chart"):
                    loc = page.locator(f"{css} {selector}").first
                    loc.scroll_into_view_if_needed()
                    state = loc.evaluate(CLICKABLE_JS)
                    assert state["inside"] and not state["covered"], (chart, selector, state)
                over = page.evaluate("() => document.documentElement.scrollWidth - innerWidth")
                assert over <= 1, (chart, over)
                text = page.inner_text(css)
                assert "STA-" not in text and "EMP-" not in text
                assert not re.search(r"[A-Za-z]{3,}", text), re.findall(r"[A-Za-z]{3,}", text)[:5]
            assert page.evaluate("() => window.__sbf_loaded === true")
            page.close(run_before_unload=True)
            browser.close()
    finally:
        bureau.reset_unit(UNIT)
