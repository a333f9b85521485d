"""单位三方协议管理 and 单位退费申请管理 in Chromium against Voila, on U000046 (its seeded agreements, a
paid declaration and one refund application made through the API): each page and its form are shot at
1366×768 and 1024×700 into test-artifacts/screens/, their buttons are in view and not covered, the app
stays one screen high, the account shows masked, and no catalogue ID or English shows."""

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

from sbflib.ui.pages.agreements import WIDTHS

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
UNIT = "U000046"
PASSWORD = "Test#2026"
HEADER_H, ROW_H = 30, 26



def _prepare(bureau: Any) -> None:
    """The unit reset (its seeded agreements back), its password PASSWORD; one item declared and paid
    and a refund application of 100.00 on it."""
    token = bureau.token(UNIT, PASSWORD)
    demo = {"headers": bureau.demo_headers, "timeout": 10}
    httpx.post(f"{bureau.api}/demo/settings", json={"feedback_delay_s": 0}, **demo).raise_for_status()
    with httpx.Client(base_url=f"{bureau.api}/units/{UNIT}", timeout=60,
                      headers={"Authorization": f"Bearer {token}"}) as http:
        rows = [r for r in http.get("/preprocessing", params={"channel": "daily"}).json()
                if r["source_code"] == "01" and r["item_code"] == "10201" and not r["back_pay"]
                and r["status"] == "未申报"]
        due = sum((Decimal(r["amount"]) for r in rows), Decimal("0.00"))
        resp = http.post("/declarations", headers={"Idempotency-Key": uuid.uuid4().hex},
                         json={"channel": "daily", "prep_ids": [r["prep_id"] for r in rows], "total_due": f"{due:.2f}"})
        assert resp.status_code == 202, resp.text
        record = resp.json()["declarations"][0]
        deadline = time.monotonic() + 20
        while record["status"] == "待反馈" and time.monotonic() < deadline:
            time.sleep(0.2)
            record = http.get(f"/declarations/{record['declaration_id']}").json()["record"]
        httpx.post(f"{bureau.api}/demo/units/{UNIT}/declarations/{record['declaration_id']}/payment",
                   json={"pay_status": "已缴费"}, **demo).raise_for_status()
        httpx.post(f"{bureau.api}/demo/settings", json={"feedback_delay_s": 60}, **demo).raise_for_status()
        line = next(c for c in http.get("/refund-candidates", params={"kind": "ticket"}).json()["lines"]
                    if c["voucher_no"] == record["voucher_no"] and c["payer"] == "unit")
        made = http.post("/refunds", headers={"Idempotency-Key": uuid.uuid4().hex}, json={
            "kind": "ticket", "refund_type": "误收退库", "reason": "重复缴纳，申请退还", "account_name": "测试单位",
            "bank_name": "中国工商银行", "account_no": "1202004509006700",
            "lines": [{"line_key": line["line_key"], "amount": "100.00"}], "total": "100.00"})
        assert made.status_code == 201, made.text


def _click_cell(page: Any, root: str, x_offset: float, row: int | None) -> None:
    """A grid cell (the grid draws on a canvas): `x_offset` px from its left, the header when row is None."""
    box = page.locator(f"{root} .lm-DataGrid").bounding_box()
    x = box["x"] + x_offset
    y = box["y"] + (HEADER_H / 2 if row is None else HEADER_H + ROW_H * row + ROW_H / 2)
    page.mouse.move(x, y)
    page.mouse.click(x, y)


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
    assert not re.search(r"[A-Za-z]{3,}", text), re.findall(r"[A-Za-z]{3,}", text)[:5]


def test_agreements_and_refunds(voila: Any, bureau: Any) -> None:
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
            flows.add_unit(page, {**unit, "password": PASSWORD}, flows.siblings_of(bureau.demo["units"], unit))
            _login(page, unit)

            # 单位三方协议管理
            page.click(".sbf-menu-EMP-18")
            page.wait_for_selector(".sbf-agreements-page .lm-DataGrid")
            page.wait_for_function("() => document.querySelector('.sbf-agreements-page').innerText.includes('共2份协议')")
            flows.shots_at_both_sizes(page, "agreements", (".sbf-agreement-add", ".sbf-agreement-refresh"))
            text = page.inner_text(".sbf-agreements-page")
            assert "单位三方协议管理" in text and "验证通过1份" in text
            _no_ids_or_english(text)
            page.click(".sbf-agreement-add")
            page.wait_for_selector(".sbf-agreement-dialog")
            page.click(".sbf-agreement-debit label:has-text('不允许代扣')")
            page.fill(".sbf-agreement-region-search input", "西湖")
            page.locator(".sbf-agreement-region-search input").press("Enter")
            page.wait_for_timeout(1500)
            flows.shots_at_both_sizes(page, "agreement-form", (".sbf-agreement-save", ".sbf-agreement-cancel"))
            _no_ids_or_english(page.inner_text(".sbf-agreement-dialog"))
            page.click(".sbf-agreement-cancel")
            # 修改: the 操作 column right after the data columns (at 1366 px they keep their default widths)
            page.wait_for_timeout(800)   # the grid settles after the dialog closed
            _click_cell(page, ".sbf-agreements-page", sum(WIDTHS.values()) + 26, 1)
            page.wait_for_selector(".sbf-agreement-dialog", timeout=20_000)
            page.wait_for_function(
                "() => document.querySelector('.sbf-agreement-dialog').innerText.includes('修改单位三方协议')")
            flows.shots_at_both_sizes(page, "agreement-modify", (".sbf-agreement-save", ".sbf-agreement-cancel"))
            text = page.inner_text(".sbf-agreement-dialog")
            assert "协议名称" in text and "清算行行号" in text
            _no_ids_or_english(text)
            page.click(".sbf-agreement-cancel")

            # 单位退费申请管理
            page.click(".sbf-menu-EMP-28")
            page.wait_for_selector(".sbf-refunds-page .lm-DataGrid")
            page.wait_for_function("() => document.querySelector('.sbf-refunds-page').innerText.includes('共 1 条')")
            flows.shots_at_both_sizes(page, "refunds", (".sbf-refund-add", ".sbf-refund-refresh",
                                     ".sbf-refunds-page .sbf-query-buttons button:text-is('查询')"))
            text = page.inner_text(".sbf-refunds-page")
            assert "单位退费申请管理" in text
            _no_ids_or_english(text)
            page.click(".sbf-refund-add")
            page.wait_for_selector(".sbf-refund-dialog")
            page.click(".sbf-refund-search")
            page.wait_for_function(
                "() => document.querySelector('.sbf-refund-dialog').innerText.includes('条可退费信息')")
            flows.shots_at_both_sizes(page, "refund-form", (".sbf-refund-search", ".sbf-refund-next"))
            _no_ids_or_english(page.inner_text(".sbf-refund-dialog"))
            _click_cell(page, ".sbf-refund-dialog", 16, 0)   # tick the first line
            page.wait_for_timeout(500)
            page.click(".sbf-refund-next")
            page.wait_for_selector(".sbf-refund-submit")
            flows.shots_at_both_sizes(page, "refund-account", (".sbf-refund-back", ".sbf-refund-submit"))
            text = page.inner_text(".sbf-refund-dialog")
            assert "退费金额合计" in text and "退费申请理由" in text
            _no_ids_or_english(text)
            page.click(".sbf-refund-submit")   # nothing typed: the check names the field
            page.wait_for_selector(".sbf-error-dialog")
            assert "【退费银行】" in page.inner_text(".sbf-error-dialog")
            page.close(run_before_unload=True)
            browser.close()
    finally:
        httpx.post(f"{bureau.api}/demo/settings", json={"feedback_delay_s": 5}, headers=bureau.demo_headers,
                   timeout=10)
        bureau.reset_unit(UNIT)
