"""首页 (待办事项 / 异常提醒) and 社保费到账信息查询 in Chromium against Voila, on U000042 with a back-pay
month declared and left unpaid and a paid declaration: the home page lists its lines and a line
opens its menu; the arrivals page loads today's arrival with the demo's history; both are shot at
1366×768 and 1024×700 into test-artifacts/screens/, their buttons are in view and not covered, the
app stays one screen high, and no catalogue ID or English shows."""

from __future__ import annotations

import re
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import flows
import httpx
import pytest

from sbflib.domain import clock
from sbflib.domain.months import add_months

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SCREENS = ARTIFACTS / "screens"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
UNIT = "U000042"
PASSWORD = "Test#2026"
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
        page.wait_for_timeout(600)
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


def _wait(http: httpx.Client, url: str, pending: str, key: str | None = None) -> dict[str, Any]:
    deadline = time.monotonic() + 15
    while True:
        body: dict[str, Any] = http.get(url).json()
        record = body[key] if key else body
        if record["status"] != pending or time.monotonic() > deadline:
            return record
        time.sleep(0.2)


def _declare(http: httpx.Client, rows: list[dict[str, Any]]) -> dict[str, Any]:
    due = sum((Decimal(r["amount"]) for r in rows), Decimal("0.00"))
    resp = http.post(f"/units/{UNIT}/declarations", headers={"Idempotency-Key": uuid.uuid4().hex},
                     json={"channel": "daily", "prep_ids": [r["prep_id"] for r in rows], "total_due": f"{due:.2f}"})
    assert resp.status_code == 202, resp.text
    did = resp.json()["declarations"][0]["declaration_id"]
    record = _wait(http, f"/units/{UNIT}/declarations/{did}", "待反馈", "record")
    assert record["status"] == "申报成功", record
    return record


def _prepare(bureau: Any) -> None:
    """The unit reset, its password set to PASSWORD; a back-pay month declared and unpaid; this month's
    unemployment rows declared and paid (an arrival today)."""
    token = bureau.token(UNIT, PASSWORD)
    demo = {"headers": bureau.demo_headers, "timeout": 10}
    httpx.post(f"{bureau.api}/demo/settings", json={"feedback_delay_s": 0}, **demo).raise_for_status()
    with httpx.Client(base_url=bureau.api, timeout=60, headers={"Authorization": f"Bearer {token}"}) as http:
        month = add_months(clock.current_month(), -3)
        authority = http.get(f"/units/{UNIT}/registration").json()["tax_authority"]
        employees = http.get(f"/units/{UNIT}/employees", params={"size": 200}).json()["employees"]
        who = next(e for e in employees if (e["start_month"] or "") <= add_months(month, -12) and not e["stop_month"]
                   and any(i["collection_mode"] == "税务自主" for i in e["items"]))
        filed = http.post(f"/units/{UNIT}/wage-filings", headers={"Idempotency-Key": uuid.uuid4().hex},
                          json={"kind": "daily", "way": "employee", "tax_authority": authority,
                                "lines": [{"employee_id": who["employee_id"], "item_code": None, "wage": "9000.00",
                                           "month": month}]})
        assert filed.status_code == 202, filed.text
        _wait(http, f"/units/{UNIT}/wage-filings/{filed.json()['filing_id']}", "待反馈")
        rows = [r for r in http.get(f"/units/{UNIT}/preprocessing", params={"channel": "daily"}).json()
                if r["status"] == "未申报"]
        back = {r["group_key"] for r in rows if r["prep_id"].startswith("P01B") and r["period_end"] == month}
        _declare(http, [r for r in rows if r["group_key"] in back])
        jobless = {r["group_key"] for r in rows if r["prep_id"].startswith("P01N") and "|10202|" in r["group_key"]}
        paid = _declare(http, [r for r in rows if r["group_key"] in jobless])
        httpx.post(f"{bureau.api}/demo/units/{UNIT}/declarations/{paid['declaration_id']}/payment",
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


def _no_ids_or_english(text: str) -> None:
    assert "EMP-" not in text
    # the app's own Latin (none expected) besides digits and punctuation
    assert not re.search(r"[A-Za-z]{3,}", text), re.findall(r"[A-Za-z]{3,}", text)[:5]


def test_home_and_arrivals(voila: Any, bureau: Any) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed")
    url, _base, _data = voila
    unit = bureau.unit(UNIT)
    _prepare(bureau)
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
            # the unit's password is PASSWORD now (安全认证 checks it too)
            flows.add_unit(page, {**unit, "password": PASSWORD}, flows.siblings_of(bureau.demo["units"], unit))
            _login(page, unit)

            page.wait_for_selector(".sbf-home-unpaid")
            page.wait_for_selector(".sbf-home-overdue")
            _shots(page, "home", (".sbf-home-refresh", ".sbf-home-page .sbf-home-line", ".sbf-quick-EMP-2"))
            text = page.inner_text(".sbf-home-page")
            assert "待办事项" in text and "异常提醒" in text and "申报成功但未缴费" in text and "已超出缴费期限" in text
            _no_ids_or_english(text)

            # a line opens its menu (特殊缴费申报 for its periods left undeclared)
            page.click(".sbf-home-periods.sbf-home-to-EMP-9")
            page.wait_for_selector(".sbf-menu-EMP-9.sbf-menu-active")

            page.click(".sbf-menu-EMP-22")
            page.wait_for_selector(".sbf-arrivals-page .lm-DataGrid")
            page.wait_for_function("() => document.querySelector('.sbf-arrivals-page').innerText.includes('已于')")
            _shots(page, "arrivals", (".sbf-arrivals-page .sbf-list-update", ".sbf-arrivals-page .sbf-list-export",
                                      ".sbf-arrivals-page .sbf-query-buttons button:text-is('查询')"))
            text = page.inner_text(".sbf-arrivals-page")
            assert "社保费到账信息查询" in text and "实缴金额合计" in text
            _no_ids_or_english(text)
            page.close(run_before_unload=True)
            browser.close()
    finally:
        bureau.reset_unit(UNIT)
