"""证明打印 in Chromium against Voila, on U000046 (a declaration paid through the demo, and the demo's
payments in other channels): 开具 lists after 查询, 开具 of a row saves the certificate, a second 开具
shows the bureau's message with 前往补开; 补开 lists it; 查验 with the certificate's fields says 真 and
previews it; the unit and employee proofs list, and say why when nothing is found. Each screen is shot
at 1366×768 and 1024×700 into test-artifacts/screens/, its buttons in view and not covered, the app
one screen high, and no catalogue ID or English shows."""

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

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SCREENS = ARTIFACTS / "screens"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
UNIT = "U000046"
PASSWORD = "Test#2026"
HEADER_H, ROW_H, SCROLLBAR, ACTION_W = 30, 26, 26, 52



def _prepare(bureau: Any) -> dict[str, Any]:
    """The unit reset, its password PASSWORD, one item declared and paid; one employee of it."""
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
        person = http.get("/refund-candidates", params={"kind": "employee"}).json()["lines"][0]
        return {"record": record, "person": person, "token": token}


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
    # "No." is printed on the ticket itself (电子税票号码 No.)
    words = re.findall(r"[A-Za-z]{3,}", text)
    assert not words, words[:5]


def _wait_text(page: Any, root: str, text: str) -> None:
    page.wait_for_function(f"() => document.querySelector('{root}').innerText.includes({text!r})")


def _wait_rows(page: Any, root: str) -> None:
    """The grid draws its cells on a canvas: wait for the pager's 共 N 条 with N > 0."""
    page.wait_for_function(f"() => /共\\s*[1-9]/.test(document.querySelector('{root}').innerText)")


def _download(page: Any, click: Any) -> str:
    """The name of the file a click saves (a shot of the screen when none comes)."""
    try:
        with page.expect_download(timeout=30_000) as download:
            click()
        return str(download.value.suggested_filename)
    except Exception:
        SCREENS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENS / "certificates-no-download.png"))
        raise


def _action_download(page: Any, root: str, row: int = 0) -> str:
    """Click the 操作 link of `row` and return the saved file's name. The grid draws on a canvas and
    the fitted row may end before the grid's right edge, so the cells of the row's last 120 px are
    tried from the right (a click on any other cell does nothing)."""
    box = page.locator(f"{root} .lm-DataGrid").bounding_box()
    y = box["y"] + HEADER_H + ROW_H * row + ROW_H / 2
    for back in range(8, 128, 12):
        x = box["x"] + box["width"] - back
        try:
            with page.expect_download(timeout=4_000) as download:
                page.mouse.move(x, y)
                page.mouse.click(x, y)
            return str(download.value.suggested_filename)
        except Exception:  # noqa: BLE001 - not the link: the next place to the left
            if page.locator(".sbf-dialog").count():
                return ""
    return _download(page, lambda: None)


def _click_action(page: Any, root: str, row: int = 0) -> None:
    """The 操作 cell of `row`, found as `_action_download` found it (a click that saves nothing)."""
    box = page.locator(f"{root} .lm-DataGrid").bounding_box()
    y = box["y"] + HEADER_H + ROW_H * row + ROW_H / 2
    for back in range(8, 128, 12):
        x = box["x"] + box["width"] - back
        page.mouse.move(x, y)
        page.mouse.click(x, y)
        page.wait_for_timeout(1500)
        if page.locator(".sbf-dialog").count():
            return


def test_certificate_and_proof_pages(voila: Any, bureau: Any) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed")
    url, _base, _data = voila
    unit = bureau.unit(UNIT)
    made = _prepare(bureau)
    try:
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN", accept_downloads=True)
            page.set_default_timeout(120_000)
            page.goto(url)
            page.wait_for_selector(".sbf-region-page, .sbf-units-page")
            if page.locator(".sbf-region-page").count():
                regions = httpx.get(f"{bureau.api}/regions", timeout=10).json()
                flows.choose_region(page, next(r["name"] for r in regions if r["code"] == unit["region"]))
            flows.add_unit(page, {**unit, "password": PASSWORD}, flows.siblings_of(bureau.demo["units"], unit))
            _login(page, unit)

            # 税收完税证明（非印刷）开具: empty until 查询
            root = ".sbf-tax-certificates-issue"
            page.click(".sbf-menu-EMP-14")
            page.wait_for_selector(f"{root} .lm-DataGrid")
            page.click(f"{root} .sbf-query-buttons button:text-is('查询')")
            _wait_rows(page, root)
            flows.shots_at_both_sizes(page, "certificate-issue", (f"{root} .sbf-query-buttons button:text-is('查询')",
                                               f"{root} .sbf-pager button:text-is('下一页')"))
            text = page.inner_text(root)
            assert "税收完税证明（非印刷）开具" in text and "共 " in text
            _no_ids_or_english(text)
            assert _action_download(page, root).startswith("税收完税证明_")
            _wait_text(page, root, "已开具税收完税证明")
            _click_action(page, root)  # the same again: refused, pointing to 补开
            page.wait_for_selector(".sbf-confirm-dialog:has-text('补开')")
            flows.shots_at_both_sizes(page, "certificate-issue-refused", (".sbf-confirm-dialog button:text-is('前往补开')",))
            _no_ids_or_english(page.inner_text(".sbf-confirm-dialog"))
            page.click(".sbf-confirm-dialog button:text-is('前往补开')")

            # 补开
            root = ".sbf-tax-certificates-reissue"
            page.wait_for_selector(f"{root} .lm-DataGrid")
            page.click(f"{root} .sbf-query-buttons button:text-is('查询')")
            _wait_text(page, root, "共 1 条")
            assert _action_download(page, root).endswith("_补开.pdf")
            _wait_text(page, root, "已补开")
            flows.shots_at_both_sizes(page, "certificate-reissue", (f"{root} .sbf-query-buttons button:text-is('查询')",))
            _no_ids_or_english(page.inner_text(root))

            # 查验 with the issued certificate's fields
            cert = httpx.get(f"{bureau.api}/units/{UNIT}/tax-certificates", timeout=30,
                             headers={"Authorization": f"Bearer {made['token']}"}).json()[0]
            root = ".sbf-tax-certificate-check"
            page.click(".sbf-menu-EMP-26")
            page.wait_for_selector(f"{root} .sbf-check-query")
            page.click(f"{root} .sbf-check-query")
            page.wait_for_selector(".sbf-error-dialog:has-text('纳税人识别号')")
            flows.shots_at_both_sizes(page, "certificate-check-missing", (".sbf-error-dialog button:text-is('确定')",))
            page.click(".sbf-error-dialog button:text-is('确定')")
            for key, value in (("taxpayer-id", cert["taxpayer_id"]), ("taxpayer-name", cert["taxpayer_name"]),
                               ("certificate-no", cert["certificate_no"]), ("region-code", cert["region_code"]),
                               ("total", cert["total"])):
                page.fill(f"{root} .sbf-check-{key} input", value)
            page.click(f"{root} .sbf-check-query")
            _wait_text(page, root, "查验结果：真")
            flows.shots_at_both_sizes(page, "certificate-check", (f"{root} .sbf-check-query", f"{root} .sbf-check-preview"))
            _no_ids_or_english(page.inner_text(root))
            page.click(f"{root} .sbf-check-preview")
            page.wait_for_selector(".sbf-cert-preview-dialog")
            flows.shots_at_both_sizes(page, "certificate-preview", (".sbf-cert-preview-dialog button:text-is('关闭')",))
            page.click(".sbf-cert-preview-dialog button:text-is('关闭')")

            # 单位缴费证明打印
            root = ".sbf-payment-proofs-unit"
            page.click(".sbf-menu-EMP-17")
            page.wait_for_selector(f"{root} .lm-DataGrid")
            page.click(f"{root} .sbf-query-buttons button:text-is('查询')")
            _wait_rows(page, root)
            flows.shots_at_both_sizes(page, "proof-unit", (f"{root} .sbf-proof-print", f"{root} .sbf-proof-export",
                                        f"{root} .sbf-pager button:text-is('下一页')"))
            _no_ids_or_english(page.inner_text(root))
            assert _download(page, lambda: page.click(f"{root} .sbf-proof-print")).endswith(".pdf")

            # 职工缴费证明打印: nobody found, then the employee
            root = ".sbf-payment-proofs-employee"
            page.click(".sbf-menu-EMP-16")
            page.wait_for_selector(f"{root} .lm-DataGrid")
            page.fill(f"{root} .sbf-q-name input", "查无此人")
            page.click(f"{root} .sbf-query-buttons button:text-is('查询')")
            _wait_text(page, root, "原因可能有")
            flows.shots_at_both_sizes(page, "proof-employee-none", (f"{root} .sbf-proof-print",))
            page.fill(f"{root} .sbf-q-name input", made["person"]["name"])
            page.click(f"{root} .sbf-query-buttons button:text-is('查询')")
            _wait_rows(page, root)
            flows.shots_at_both_sizes(page, "proof-employee", (f"{root} .sbf-proof-print", f"{root} .sbf-proof-export",
                                            f"{root} .sbf-pager button:text-is('下一页')"))
            _no_ids_or_english(page.inner_text(root))
            page.close(run_before_unload=True)
            browser.close()
    finally:
        httpx.post(f"{bureau.api}/demo/settings", json={"feedback_delay_s": 5}, headers=bureau.demo_headers,
                   timeout=10)
        bureau.reset_unit(UNIT)
