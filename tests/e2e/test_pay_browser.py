"""缴费 (EMP-11), 缴费凭证打印记录 (EMP-12) and 缴费记录 (EMP-13) in Chromium against Voila.

- `test_pay_an_arrear_by_agreement_and_see_it_in_the_records` (U000047): arrears seeded by the demo
  bureau, 缴费 → tick all → 立即缴费 → 立即缴费提醒 → 安全认证 → 选择缴费方式 (三方协议, ****6700) → 确认缴费
  → 缴费成功 → 缴费记录 shows the record; 查看 shows its 申报明细.
- `test_print_a_voucher_and_read_the_pdf` (U000047 again, reset): 银行端凭证缴费 with 人工录入账户账号信息 → 打印预览 →
  打印 downloads the PDF, whose text is read with pypdf; 缴费凭证打印记录 → 重新打印 downloads the same bytes.

Every step is shot at 1366×768 (and the lists at 1024×700 too) into test-artifacts/screens/pay-*.png;
buttons in view and not covered; no catalogue ID and no English on screen.
"""

from __future__ import annotations

import io
import re
import time
from pathlib import Path
from typing import Any

import flows
import httpx
import pypdf
import pytest

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SCREENS = ARTIFACTS / "screens"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
AGREEMENT_UNIT = "U000047"
VOUCHER_UNIT = "U000047"   # the module's data folder is in one region (杭州); U000048 is in 深圳
PASSWORD = "Pay#2026pw"
SIZES = [(1366, 768), (1024, 700)]
HEADER_H, ROW_H = 30, 26
LINKS = {"records": 52 + 44, "vouchers": 52 + 44 + 44}   # 查看 + 解锁; 查看 + 重新打印 + 作废
SCROLL = 26


def _login(page: Any, url: str, unit: dict, bureau: Any) -> None:
    page.goto(url)
    page.wait_for_selector(".sbf-region-page, .sbf-units-page")
    if page.locator(".sbf-region-page").count():  # the module's first test; later ones find the units page
        regions = httpx.get(f"{bureau.api}/regions", timeout=10).json()
        flows.choose_region(page, next(r["name"] for r in regions if r["code"] == unit["region"]))
    page.fill(".sbf-unit-search input", unit["taxpayer_id"])
    page.locator(".sbf-unit-search input").press("Enter")
    time.sleep(1.0)
    if page.locator(".sbf-login-button").count() != 1:  # not yet added in this module's data folder
        flows.add_unit(page, unit, flows.siblings_of(bureau.demo["units"], unit))
        page.fill(".sbf-unit-search input", unit["taxpayer_id"])
        page.locator(".sbf-unit-search input").press("Enter")
    page.wait_for_function("() => document.querySelectorAll('.sbf-login-button').length === 1")
    flows.first_login(page, unit, PASSWORD)


@pytest.fixture
def app(voila, bureau):
    """A factory: `app(unit_id)` → a Chromium page logged in to the unit (closed after the test)."""
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed")
    url, _base, _data = voila
    opened: list[tuple[Any, Any, str]] = []
    with playwright.sync_playwright() as p:
        def make(unit_id: str) -> Any:
            bureau.reset_unit(unit_id)
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1366, "height": 768}, accept_downloads=True, locale="zh-CN")
            page.set_default_timeout(120_000)
            opened.append((browser, page, unit_id))
            _login(page, url, bureau.unit(unit_id), bureau)
            return page

        try:
            yield make
        finally:
            for browser, page, unit_id in opened:
                page.close(run_before_unload=True)
                browser.close()
                bureau.reset_unit(unit_id)


def _seed(bureau: Any, unit_id: str, count: int) -> None:
    httpx.post(f"{bureau.api}/demo/units/{unit_id}/arrears", json={"count": count}, headers=bureau.demo_headers,
               timeout=30).raise_for_status()


def _shot(page: Any, name: str, selectors: tuple[str, ...] = (), sizes: list[tuple[int, int]] | None = None,
          grid: str = "") -> None:
    """Screenshots; the selectors in view and not covered; with `grid`, its whole row fits (no
    horizontal scroll bar: 操作 stays in view)."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    for width, height in sizes or SIZES[:1]:
        page.set_viewport_size({"width": width, "height": height})
        time.sleep(0.8)
        page.screenshot(path=str(SCREENS / f"pay-{name}-{width}x{height}.png"))
        for selector in selectors:
            _assert_visible(page, selector)
        if grid:
            assert not page.locator(f"{grid} .lm-ScrollBar[data-orientation='horizontal']").is_visible(), (name, width)
    page.set_viewport_size({"width": 1366, "height": 768})
    time.sleep(0.3)


def _assert_visible(page: Any, selector: str) -> None:
    loc = page.locator(selector).first
    loc.scroll_into_view_if_needed()
    box = loc.bounding_box()
    assert box and box["width"] > 4 and box["height"] > 4, selector
    vp = page.viewport_size
    assert box["x"] >= 0 and box["x"] + box["width"] <= vp["width"] + 1, f"{selector} is cut off: {box}"
    assert box["y"] >= 0 and box["y"] + box["height"] <= vp["height"] + 1, f"{selector} is cut off: {box}"
    centre = [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2]
    hit = loc.evaluate("(t, [x, y]) => { const el = document.elementFromPoint(x, y);"
                       " return !!el && (t === el || t.contains(el)); }", centre)
    assert hit, f"{selector} is covered by another element"


def _chinese_only(page: Any) -> None:
    text = page.inner_text(".sbf-app")
    assert "EMP-" not in text
    assert not re.search(r"\b(None|nan|NaN|Error|Traceback|agreement|voucher)\b", text), text


def _pager_total(page: Any, root: str) -> int:
    text = page.inner_text(f"{root} .sbf-pager-label")
    return int(text.split("共")[1].split("条")[0].strip())


def _tick_all(page: Any, root: str) -> None:
    box = page.locator(f"{root} .lm-DataGrid").bounding_box()
    page.mouse.move(box["x"] + 10, box["y"] + HEADER_H / 2)
    page.mouse.click(box["x"] + 10, box["y"] + HEADER_H / 2)


def _click_action(page: Any, root: str, row: int, links: int, second: bool = False) -> None:
    """查看 (the 操作 column) or the link column after it, at the row's right end."""
    box = page.locator(f"{root} .lm-DataGrid").bounding_box()
    left = box["x"] + box["width"] - SCROLL - links
    x = left + (52 + 22 if second else 26)
    y = box["y"] + HEADER_H + ROW_H * row + ROW_H / 2
    page.mouse.move(x, y)
    page.mouse.click(x, y)


def _pay_through_password(page: Any, root: str, count: int) -> None:
    page.click(".sbf-menu-EMP-11")
    page.wait_for_selector(f"{root} .lm-DataGrid")
    page.wait_for_function(f"() => {{ const e = document.querySelector('{root} .sbf-pay-totals');"
                           f" return !!e && e.innerText.includes('共{count}条'); }}")
    _shot(page, "arrears", (f"{root} .sbf-pay-now", f"{root} .sbf-pay-refresh", f"{root} .sbf-pay-preview"),
          sizes=SIZES, grid=root)
    _chinese_only(page)
    _tick_all(page, root)
    page.click(f"{root} .sbf-pay-now")
    page.wait_for_selector(".sbf-pay-confirm-dialog")
    assert "请核对缴费的险种、金额是否正确无误" in page.inner_text(".sbf-pay-confirm-dialog")
    _shot(page, "confirm-items", (".sbf-pay-confirm-dialog .sbf-pay-confirm-ok",))
    page.click(".sbf-pay-confirm-dialog .sbf-pay-confirm-ok")
    page.wait_for_selector(".sbf-password-dialog")
    page.fill(".sbf-password-dialog .sbf-password input", PASSWORD)
    _shot(page, "password")
    page.click(".sbf-password-dialog button:text-is('确定')")
    page.wait_for_selector(".sbf-pay-method-dialog")
    time.sleep(0.5)


def test_pay_an_arrear_by_agreement_and_see_it_in_the_records(app: Any, bureau: Any) -> None:
    page = app(AGREEMENT_UNIT)
    _seed(bureau, AGREEMENT_UNIT, 7)
    root = ".sbf-pay-page"
    _pay_through_password(page, root, 7)
    method = page.inner_text(".sbf-pay-method-dialog")
    assert "三方协议缴费" in method and "银行端凭证缴费" in method and "温馨提示" in method
    assert "****6700" in page.locator(".sbf-pay-method-dialog .sbf-pay-agreement select").inner_text()
    _shot(page, "method-agreement", (".sbf-pay-method-dialog .sbf-pay-method-ok",))
    page.click(".sbf-pay-method-dialog .sbf-pay-method-ok")
    page.wait_for_selector(".sbf-pay-final-dialog")
    final = page.inner_text(".sbf-pay-final-dialog")
    assert "三方协议支付" in final and "****6700" in final
    _shot(page, "confirm-method", (".sbf-pay-final-dialog .sbf-pay-final-ok",))
    page.click(".sbf-pay-final-dialog .sbf-pay-final-ok")
    page.wait_for_selector(".sbf-message-dialog:has-text('缴费成功')")
    _shot(page, "paid", (".sbf-message-dialog button:text-is('确定')",))
    page.click(".sbf-message-dialog button:text-is('确定')")

    records = ".sbf-payment-records-page"
    page.wait_for_selector(f"{records} .lm-DataGrid")
    page.wait_for_function(f"() => document.querySelector('{records} .sbf-pager-label') &&"
                           f" document.querySelector('{records} .sbf-pager-label').innerText.includes('共 1 条')")
    assert _pager_total(page, records) == 1
    _shot(page, "records", (f"{records} .sbf-payrecords-sync", f"{records} .sbf-payrecords-export"), sizes=SIZES,
          grid=records)
    _chinese_only(page)
    _click_action(page, records, 0, LINKS["records"])
    page.wait_for_selector(".sbf-payment-detail-dialog")
    detail = page.inner_text(".sbf-payment-detail-dialog")
    assert "缴费成功" in detail and "****6700" in detail and "申报明细" in detail
    _shot(page, "record-detail", (".sbf-payment-detail-dialog button:text-is('关闭')",))
    page.click(".sbf-payment-detail-dialog button:text-is('关闭')")
    # the arrears are gone from 缴费
    page.click(".sbf-menu-EMP-11")
    page.wait_for_function("() => { const e = document.querySelector('.sbf-pay-page .sbf-pay-totals');"
                           " return !!e && e.innerText.includes('当前没有欠费信息'); }")


def test_print_a_voucher_and_read_the_pdf(app: Any, bureau: Any, tmp_path: Path) -> None:
    page = app(VOUCHER_UNIT)
    _seed(bureau, VOUCHER_UNIT, 7)
    root = ".sbf-pay-page"
    _pay_through_password(page, root, 7)
    page.click(".sbf-pay-method-dialog .sbf-pay-method label:has-text('银行端凭证缴费')")
    page.click(".sbf-pay-method-dialog .sbf-pay-enter-payer")
    page.wait_for_selector(".sbf-payer-entry-dialog")
    page.fill(".sbf-payer-entry-dialog .sbf-payer-name input", "杭州演示单位")
    page.fill(".sbf-payer-entry-dialog .sbf-payer-account input", "6222020200112233")
    page.fill(".sbf-payer-entry-dialog .sbf-payer-bank input", "中国工商银行杭州分行")
    _shot(page, "payer-entry", (".sbf-payer-entry-dialog .sbf-payer-save",))
    page.click(".sbf-payer-entry-dialog .sbf-payer-save")
    page.wait_for_selector(".sbf-payer-entry-dialog", state="detached")
    assert "6222020200112233"[-4:] in page.locator(".sbf-pay-method-dialog .sbf-pay-payer select").inner_text()
    _shot(page, "method-voucher", (".sbf-pay-method-dialog .sbf-pay-method-ok",))
    page.click(".sbf-pay-method-dialog .sbf-pay-method-ok")
    page.wait_for_selector(".sbf-message-dialog:has-text('已开具银行端缴费凭证')")
    page.click(".sbf-message-dialog button:text-is('确定')")
    page.wait_for_selector(".sbf-voucher-preview-dialog")
    preview = page.inner_text(".sbf-voucher-preview-dialog")
    assert "银行端查询缴税凭证" in preview and "6222020200112233" in preview and "金额合计（大写）" in preview
    voucher_no = page.inner_text(".sbf-voucher-preview-dialog .sbf-voucher-no").strip()
    _shot(page, "voucher-preview", (".sbf-voucher-preview-dialog .sbf-voucher-print",))
    with page.expect_download() as download:
        page.click(".sbf-voucher-preview-dialog .sbf-voucher-print")
    first = tmp_path / "first.pdf"
    download.value.save_as(first)
    pdf = first.read_bytes()
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    for expected in ("银行端查询缴税凭证", voucher_no, "6222020200112233", "杭州演示单位", "金额合计", "整",
                     "请在税款缴款日期前缴款"):
        assert expected in text, expected
    page.click(".sbf-voucher-preview-dialog button:text-is('关闭')")

    vouchers = ".sbf-vouchers-page"
    page.click(".sbf-menu-EMP-12")
    page.wait_for_selector(f"{vouchers} .lm-DataGrid")
    page.wait_for_function(f"() => document.querySelector('{vouchers} .sbf-pager-label') &&"
                           f" !document.querySelector('{vouchers} .sbf-pager-label').innerText.includes('共 0 条')")
    _shot(page, "vouchers", (f"{vouchers} .sbf-vouchers-sync", f"{vouchers} .sbf-vouchers-export"), sizes=SIZES,
          grid=vouchers)
    _chinese_only(page)
    # the newest voucher (printed here) is the first row: 重新打印 gives the stored bytes
    _click_action(page, vouchers, 0, LINKS["vouchers"], second=True)
    page.wait_for_selector(".sbf-voucher-preview-dialog")
    with page.expect_download() as again:
        page.click(".sbf-voucher-preview-dialog .sbf-voucher-print")
    second = tmp_path / "again.pdf"
    again.value.save_as(second)
    assert second.read_bytes() == pdf
    page.click(".sbf-voucher-preview-dialog button:text-is('关闭')")
