"""社保费申报 in Chromium against Voila (issue 9: "file wages, declare the generated preprocessing, see
the record").

`test_file_wages_then_declare_and_see_the_record` (unit U000035, reserved for the declaration pages):
日常缴费工资申报 → 添加全部正常缴费职工 → tick the page → 提交申报 → 立即获取; then 日常申报: the rows
the bureau generated from the filed wages, one tick box per group; tick every group (the header box)
→ 提交申报 → 核对 → 提交申报确认 (row count and total due) → 立即提交 → the countdown → 立即获取 → the
result of each declaration and 申报记录 with the record (when that page is built; else the rows
turn 已申报 on 日常申报). Screens of the steps at 1366×768 go to test-artifacts/screens/declare-*.png.

The grid draws on a canvas, so the tick boxes are clicked at positions computed from the widths.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import flows
import httpx
import pytest

from sbflib.ui.menus import page_class

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SCREENS = ARTIFACTS / "screens"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
UNIT = "U000035"
PASSWORD = "Decl#2026pw"
HEADER_H = 30
SIZES = ((1366, 768), (1024, 700))
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


def _login(page: Any, url: str, unit: dict, bureau: Any) -> None:
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


@pytest.fixture
def app(voila, bureau):
    """A Chromium page logged in to UNIT (closed after the test), and the client's data folder."""
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed")
    url, _base, data = voila
    bureau.reset_unit(UNIT)
    _feedback_delay(bureau, 0)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 768}, accept_downloads=True, locale="zh-CN")
        page.set_default_timeout(60_000)
        try:
            _login(page, url, bureau.unit(UNIT), bureau)
            yield page, data
        finally:
            page.close(run_before_unload=True)
            browser.close()
            _feedback_delay(bureau, 5)
            bureau.reset_unit(UNIT)


def _feedback_delay(bureau: Any, seconds: float) -> None:
    httpx.post(f"{bureau.api}/demo/settings", json={"feedback_delay_s": seconds}, headers=bureau.demo_headers,
               timeout=10).raise_for_status()


def _shot(page: Any, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    vp = page.viewport_size
    page.screenshot(path=str(SCREENS / f"declare-{name}-{vp['width']}x{vp['height']}.png"))


def _both_sizes(page: Any, name: str, selectors: tuple[str, ...] = ()) -> None:
    """Shots at 1366×768 and 1024×700: nothing runs beside or below the window (the grid scrolls
    inside itself), and the selectors are in view and not covered."""
    for w, h in SIZES:
        page.set_viewport_size({"width": w, "height": h})
        time.sleep(0.5)
        _shot(page, name)
        over = page.evaluate("() => [document.documentElement.scrollWidth - innerWidth,"
                             " document.documentElement.scrollHeight - innerHeight]")
        assert over[0] <= 1 and over[1] <= 1, (name, w, over)
        for sel in selectors:
            loc = page.locator(sel).first
            loc.scroll_into_view_if_needed()
            state = loc.evaluate(CLICKABLE_JS)
            assert state["inside"] and not state["covered"], (sel, w, state)
    page.set_viewport_size({"width": 1366, "height": 768})
    time.sleep(0.3)


def _click_header_tick(page: Any, menu: str) -> None:
    box = page.locator(f".sbf-page-{menu} .lm-DataGrid").bounding_box()
    page.mouse.move(box["x"] + 10, box["y"] + HEADER_H / 2)
    page.mouse.click(box["x"] + 10, box["y"] + HEADER_H / 2)


def _close_messages(page: Any) -> list[str]:
    texts = []
    while page.locator(".sbf-message-dialog button:text-is('确定')").count():
        texts.append(page.inner_text(".sbf-message-dialog"))
        page.click(".sbf-message-dialog button:text-is('确定')")
        time.sleep(0.2)
    return texts


def _total(page: Any, menu: str) -> int:
    text = page.inner_text(f".sbf-page-{menu} .sbf-pager-label")
    return int(text.split("共")[1].split("条")[0].strip())


def test_file_wages_then_declare_and_see_the_record(app):
    page, _data = app
    started = time.monotonic()
    # 1. file this month's wages for every paying employee (as they are)
    page.click(".sbf-menu-EMP-3")
    page.wait_for_selector(".sbf-page-EMP-3 .lm-DataGrid")
    page.click(".sbf-page-EMP-3 .sbf-wage-add")
    page.click(".sbf-page-EMP-3 .sbf-add-all")
    page.wait_for_selector(".sbf-add-all-dialog")
    page.click(".sbf-add-all-dialog .sbf-dialog-ok")
    page.wait_for_selector(".sbf-message-dialog")
    _close_messages(page)
    page.wait_for_function("() => !document.querySelector('.sbf-page-EMP-3 .sbf-pager-label')"
                           ".innerText.includes('共 0 条')")
    time.sleep(0.8)
    _click_header_tick(page, "EMP-3")
    time.sleep(0.8)
    page.click(".sbf-page-EMP-3 .sbf-wage-submit")
    page.click(".sbf-confirm-dialog button:text-is('确定')")
    page.wait_for_selector(".sbf-countdown-dialog")
    page.click(".sbf-countdown-dialog .sbf-fetch-now")
    page.wait_for_selector(".sbf-message-dialog :text('本次缴费工资申报的状态')")
    assert "申报成功" in page.inner_text(".sbf-message-dialog")
    _close_messages(page)

    # 2. 日常申报: the bureau's preprocessing, one tick box per group
    page.click(".sbf-menu-EMP-8")
    page.wait_for_selector(".sbf-page-EMP-8 .lm-DataGrid")
    page.wait_for_function("() => !document.querySelector('.sbf-page-EMP-8 .sbf-pager-label')"
                           ".innerText.includes('共 0 条')")
    rows = _total(page, "EMP-8")
    assert rows >= 2
    text = page.inner_text(".sbf-page-EMP-8")
    assert "EMP-" not in text and "必须一起提交申报" in text
    _both_sizes(page, "daily", tuple(f".sbf-page-EMP-8 {s}" for s in (
        ".sbf-declare-refresh", ".sbf-declare-submit", ".sbf-declare-export",
        ".sbf-query-buttons button:text-is('查询')", ".sbf-query-buttons button:text-is('重置')")))
    _click_header_tick(page, "EMP-8")
    time.sleep(0.8)
    page.click(".sbf-page-EMP-8 .sbf-declare-submit")
    page.wait_for_selector(".sbf-confirm-dialog, .sbf-declare-check-dialog")
    if page.locator(".sbf-declare-check-dialog").count():  # warnings only: 继续申报
        _shot(page, "check")
        page.click(".sbf-declare-check-dialog button:text-is('继续申报')")
    else:
        assert "核对" in page.inner_text(".sbf-confirm-dialog")
        page.click(".sbf-confirm-dialog button:text-is('确定')")
    page.wait_for_selector(".sbf-declare-summary-dialog")
    summary = page.inner_text(".sbf-declare-summary-dialog")
    assert f"{rows}条" in summary and re.search(r"应缴费额合计\s*[\d,]+\.\d\d元", summary), summary
    _both_sizes(page, "summary", (".sbf-declare-summary-dialog .sbf-declare-submit-now",))
    page.click(".sbf-declare-summary-dialog .sbf-declare-submit-now")
    page.wait_for_selector(".sbf-countdown-dialog")
    left = re.search(r"(\d+) 秒后自动获取", page.inner_text(".sbf-countdown-dialog .sbf-countdown"))
    assert left and 10 < int(left.group(1)) <= 20  # the wage filings' setting: 20 s
    _shot(page, "countdown")
    page.click(".sbf-countdown-dialog .sbf-fetch-now")
    page.wait_for_selector(".sbf-declare-result-dialog")
    result = page.inner_text(".sbf-declare-result-dialog")
    assert "申报成功" in result and "申报失败" not in result, result
    assert "税务机关" in result and "社保部门核定征收" in result  # 杭州: 生育保险费 is 征集信息
    _both_sizes(page, "result", (".sbf-declare-result-dialog button:text-is('确定')",))
    page.click(".sbf-declare-result-dialog button:text-is('确定')")

    # 3. the record: on 申报记录 when that page is built, else the rows are 已申报
    page.wait_for_selector(".sbf-page-EMP-10")
    if page_class("EMP-10") is not None:
        page.wait_for_selector(".sbf-page-EMP-10 .lm-DataGrid")
        _close_messages(page)
        page.wait_for_function("() => !document.querySelector('.sbf-page-EMP-10 .sbf-pager-label')"
                               ".innerText.includes('共 0 条')")
        assert _total(page, "EMP-10") >= 2
        _shot(page, "records")
    page.click(".sbf-menu-EMP-8")
    page.wait_for_selector(".sbf-page-EMP-8 .lm-DataGrid")
    page.select_option(".sbf-page-EMP-8 .sbf-q-status select", label="已申报")
    page.click(".sbf-page-EMP-8 .sbf-query-buttons button:text-is('查询')")
    page.wait_for_function("n => document.querySelector('.sbf-page-EMP-8 .sbf-pager-label').innerText"
                           ".includes(`共 ${n} 条`)", arg=rows)
    _shot(page, "declared")
    assert time.monotonic() - started < 90
