"""申报记录 (EMP-10), 社保费申报明细查询 (EMP-20) and 工程项目社保费申报记录 (EMP-24) in Chromium against
Voila, logged in to U000039 (a 杭州 builder) with three declarations made through the bureau's API
(one unpaid, one paid, one 工程项目): 同步 with its date dialog and the prompt to pay, 查看 with the
rows and lines, the offer to download lines, each shot at 1366×768 and 1024×700 into
test-artifacts/screens/; buttons in view and not covered, the app one screen high, no catalogue ID
and no English on screen."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
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
UNIT = "U000039"
PASSWORD = "Rec#2026pw"
SIZES = [(1366, 768), (1024, 700)]
ACTIONS = 52 + 44 + 44   # 查看, 缴费, 作废 (tick_table: ACTION_WIDTH, LINK_WIDTH)
HEADER_H = 28
ROW_H = 28

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
        page.wait_for_timeout(600)
        page.screenshot(path=str(SCREENS / f"declaration-records-{name}-{width}x{height}.png"))
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
    page.wait_for_timeout(400)


def _declare(bureau: Any, token: str, channel: str, pick: Any) -> str:
    http = httpx.Client(base_url=bureau.api, timeout=60, headers={"Authorization": f"Bearer {token}"})
    try:
        rows = [r for r in pick(http.get(f"/units/{UNIT}/preprocessing", params={"channel": channel}).json())
                if r["status"] == "未申报"]
        due = sum((Decimal(r["amount"]) for r in rows), Decimal("0.00"))
        resp = http.post(f"/units/{UNIT}/declarations", headers={"Idempotency-Key": uuid.uuid4().hex},
                         json={"channel": channel, "prep_ids": [r["prep_id"] for r in rows], "total_due": f"{due:.2f}"})
        assert resp.status_code == 202, resp.text
        declaration_id: str = resp.json()["declarations"][0]["declaration_id"]
        assert http.get(f"/units/{UNIT}/declarations/{declaration_id}").json()["record"]["status"] == "申报成功"
        return declaration_id
    finally:
        http.close()


def _visible_text_is_chinese(page: Any) -> None:
    text = page.inner_text(".sbf-app")
    assert "EMP-" not in text
    assert not re.search(r"\b(None|nan|NaN|Error|Traceback)\b", text), text


def test_declaration_record_pages(voila: Any, bureau: Any) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed")
    url, _base, _data = voila
    unit = bureau.unit(UNIT)
    httpx.post(f"{bureau.api}/demo/settings", json={"feedback_delay_s": 0}, headers=bureau.demo_headers,
               timeout=10).raise_for_status()
    token = bureau.token(UNIT, PASSWORD)   # resets the unit, changes the password
    _declare(bureau, token, "daily", lambda rows: [r for r in rows if r["source_code"] == "01"
                                                   and "|10201|" in r["group_key"]])
    paid = _declare(bureau, token, "daily", lambda rows: [r for r in rows if r["source_code"] == "01"
                                                          and "|10202|" in r["group_key"]])
    httpx.post(f"{bureau.api}/demo/units/{UNIT}/declarations/{paid}/payment", json={"pay_status": "已缴费"},
               headers=bureau.demo_headers, timeout=10).raise_for_status()
    _declare(bureau, token, "project", lambda rows: rows[:1])
    try:
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN",
                                    accept_downloads=True)
            page.set_default_timeout(120_000)
            page.goto(url)
            page.wait_for_selector(".sbf-region-page, .sbf-units-page")
            if page.locator(".sbf-region-page").count():
                regions = httpx.get(f"{bureau.api}/regions", timeout=10).json()
                flows.choose_region(page, next(r["name"] for r in regions if r["code"] == unit["region"]))
            known = {**unit, "password": PASSWORD}
            flows.add_unit(page, known, flows.siblings_of(bureau.demo["units"], unit))
            page.fill(".sbf-unit-search input", unit["taxpayer_id"])
            page.locator(".sbf-unit-search input").press("Enter")
            page.wait_for_function("() => document.querySelectorAll('.sbf-login-button').length === 1")
            page.click(".sbf-login-button")
            page.fill(".sbf-step-login .sbf-password input", PASSWORD)
            page.click(".sbf-login-ok")
            page.wait_for_selector(".sbf-home-page")

            # 申报记录: 同步 → date dialog → progress → 待缴费提醒
            page.click(".sbf-menu-EMP-10")
            root = ".sbf-declaration-records-page"
            page.wait_for_selector(f"{root} .lm-DataGrid")
            page.click(f"{root} .sbf-records-sync")
            page.wait_for_selector(".sbf-sync-dialog")
            _shots(page, "sync-dialog", (".sbf-sync-dialog .sbf-sync-ok",))
            page.click(".sbf-sync-dialog .sbf-sync-ok")
            page.wait_for_selector(".sbf-confirm-dialog:has-text('是否立即缴费')")
            _shots(page, "pay-prompt", (".sbf-confirm-dialog button:text-is('取消')",))
            page.click(".sbf-confirm-dialog button:text-is('取消')")
            page.wait_for_function(f"() => document.querySelector('{root}').innerText.includes('共 2 条')")
            _shots(page, "list", (f"{root} .sbf-records-sync", f"{root} .sbf-records-export",
                                  f"{root} .sbf-records-feedback"))
            _visible_text_is_chinese(page)

            # 查看 on the newest record: the 操作 column is at the row's right end (the row is fitted)
            box = page.locator(f"{root} .lm-DataGrid").bounding_box()
            x = box["x"] + box["width"] - 26 - ACTIONS + 26
            y = box["y"] + HEADER_H + ROW_H / 2
            page.mouse.move(x, y)
            page.mouse.click(x, y)
            page.wait_for_selector(".sbf-declaration-detail-dialog")
            page.wait_for_timeout(800)
            _shots(page, "detail", (".sbf-declaration-detail-dialog .sbf-record-print",
                                    ".sbf-declaration-detail-dialog .sbf-record-export"))
            text = page.inner_text(".sbf-declaration-detail-dialog")
            assert "职工申报明细" in text and "应缴费额合计" in text
            with page.expect_download() as download:
                page.click(".sbf-declaration-detail-dialog .sbf-record-print")
            assert download.value.suggested_filename.startswith("社会保险费申报表_")
            page.click(".sbf-declaration-detail-dialog button:text-is('关闭')")

            # 社保费申报明细查询: the offer to download what is missing (the paid record's lines)
            page.click(".sbf-menu-EMP-20")
            page.wait_for_selector(".sbf-lines-download-dialog")
            _shots(page, "lines-offer", (".sbf-lines-download-dialog .sbf-lines-download",))
            page.click(".sbf-lines-download-dialog .sbf-lines-download")
            page.wait_for_selector(".sbf-message-dialog:has-text('下载完成')")
            page.click(".sbf-message-dialog button:text-is('确定')")
            lines = ".sbf-declared-lines-page"
            page.wait_for_selector(f"{lines} .lm-DataGrid")
            _shots(page, "lines", (f"{lines} .sbf-lines-sync", f"{lines} .sbf-lines-export"))
            _visible_text_is_chinese(page)

            # 工程项目社保费申报记录
            page.click(".sbf-menu-EMP-24")
            project = ".sbf-page-EMP-24"
            page.wait_for_selector(f"{project} .lm-DataGrid")
            page.click(f"{project} .sbf-records-sync")
            page.click(".sbf-sync-dialog .sbf-sync-ok")
            page.wait_for_selector(".sbf-confirm-dialog:has-text('是否立即缴费')")
            page.click(".sbf-confirm-dialog button:text-is('取消')")
            page.wait_for_function(f"() => document.querySelector('{project}').innerText.includes('共 1 条')")
            _shots(page, "project", (f"{project} .sbf-records-sync",))
            _visible_text_is_chinese(page)

            # 作废 the unpaid record (second row): confirm → countdown → 获取反馈 → 作废成功
            page.click(".sbf-menu-EMP-10")
            page.wait_for_function(f"() => document.querySelector('{root}').innerText.includes('共 2 条')")
            box = page.locator(f"{root} .lm-DataGrid").bounding_box()
            x = box["x"] + box["width"] - 26 - 22
            y = box["y"] + HEADER_H + ROW_H * 1.5
            page.mouse.move(x, y)
            page.mouse.click(x, y)
            page.wait_for_selector(".sbf-confirm-dialog:has-text('确定作废')")
            _shots(page, "void-confirm", (".sbf-confirm-dialog button:text-is('确定')",))
            page.click(".sbf-confirm-dialog button:text-is('确定')")
            page.wait_for_selector(".sbf-void-countdown-dialog")
            _shots(page, "void-countdown", (".sbf-void-countdown-dialog .sbf-void-fetch-now",))
            page.click(".sbf-void-countdown-dialog .sbf-void-fetch-now")
            page.wait_for_selector(".sbf-message-dialog:has-text('作废成功')")
            _shots(page, "void-done", (".sbf-message-dialog button:text-is('确定')",))
            page.click(".sbf-message-dialog button:text-is('确定')")
            page.wait_for_function(f"() => document.querySelector('{root}').innerText.includes('共 2 条')")
            _visible_text_is_chinese(page)
            page.close(run_before_unload=True)
            browser.close()
    finally:
        httpx.post(f"{bureau.api}/demo/settings", json={"feedback_delay_s": 5}, headers=bureau.demo_headers,
                   timeout=10).raise_for_status()
        bureau.reset_unit(UNIT)
