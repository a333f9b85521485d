"""单位参保信息查询 and 工程项目参保信息查询 in Chromium against Voila, logged in to U000031 (a 杭州
builder): each page loads (fetched from the bureau on the first visit), is shot at 1366×768 and
1024×700 into test-artifacts/screens/, its buttons are in view and not covered, the app stays one
screen high, and no catalogue ID shows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import flows
import httpx
import pytest

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SCREENS = ARTIFACTS / "screens"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
UNIT = "U000031"
PASSWORD = "Reg#2026pw"
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


def _shots(page: Any, name: str, selectors: tuple[str, ...]) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(500)
        page.screenshot(path=str(SCREENS / f"registrations-{name}-{width}x{height}.png"))
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


def test_registration_pages(voila: Any, bureau: Any) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed")
    url, _base, _data = voila
    unit = bureau.unit(UNIT)
    bureau.reset_unit(UNIT)
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
            flows.add_unit(page, unit, flows.siblings_of(bureau.demo["units"], unit))
            page.fill(".sbf-unit-search input", unit["taxpayer_id"])
            page.locator(".sbf-unit-search input").press("Enter")
            page.wait_for_function("() => document.querySelectorAll('.sbf-login-button').length === 1")
            flows.first_login(page, unit, PASSWORD)

            page.click(".sbf-menu-EMP-19")
            page.wait_for_selector(".sbf-insurance-registrations-page .lm-DataGrid")
            page.wait_for_function("() => document.querySelector('.sbf-insurance-registrations-page')"
                                   ".innerText.includes('已于')")
            _shots(page, "insurance", (".sbf-list-update", ".sbf-insurance-registrations-page .sbf-list-export",
                                       ".sbf-insurance-registrations-page .sbf-pager button:text-is('下一页')"))
            text = page.inner_text(".sbf-insurance-registrations-page")
            assert "单位参保信息查询" in text and "税务代征" in text

            page.click(".sbf-menu-EMP-25")
            page.wait_for_selector(".sbf-projects-page .lm-DataGrid")
            page.wait_for_function("() => document.querySelector('.sbf-projects-page').innerText.includes('已于')")
            _shots(page, "projects", (".sbf-projects-page .sbf-list-update", ".sbf-projects-page .sbf-list-export",
                                      ".sbf-projects-page .sbf-pager button:text-is('下一页')"))
            assert "共 2 条" in page.inner_text(".sbf-projects-page")
            assert "EMP-" not in page.inner_text(".sbf-app")
            page.close(run_before_unload=True)
            browser.close()
    finally:
        bureau.reset_unit(UNIT)
