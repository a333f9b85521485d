"""Layout at the manual's 1366×768 and at 1024×700: every screen of the first slice is shot at both
sizes into test-artifacts/screens/, and its key buttons are in the viewport (after scrolling to
them) and not covered: `elementFromPoint` at a button's centre is the button itself."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.e2e

UNIT_ID = "U000017"  # reserved for UI and end-to-end tests (reset before and after)
SIZES = ((1366, 768), (1024, 700))
NEW_PASSWORD = "Lay#2026pw"

CLICKABLE_JS = """
(el) => {
  const r = el.getBoundingClientRect();
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  const inside = r.width > 0 && r.height > 0 && r.left >= 0 && r.top >= 0
    && r.right <= window.innerWidth + 0.5 && r.bottom <= window.innerHeight + 0.5;
  const top = document.elementFromPoint(x, y);
  return {inside, covered: !(top && (top === el || el.contains(top))),
          box: [r.left, r.top, r.right, r.bottom], top: top ? top.className : null};
}
"""


def assert_clickable(page, selector):
    loc = page.locator(selector).first
    loc.wait_for(state="visible")
    loc.scroll_into_view_if_needed()
    page.wait_for_timeout(100)
    state = loc.evaluate(CLICKABLE_JS)
    assert state["inside"] and not state["covered"], (selector, page.viewport_size, state)


def both_sizes(page, shot, name, selectors=()):
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(400)
        shot(page, f"{name}-{width}x{height}", folder="screens")
        # the app is one screen high: nothing runs below or beside the window
        over = page.evaluate("() => [document.documentElement.scrollWidth - innerWidth,"
                             " document.documentElement.scrollHeight - innerHeight]")
        assert over[0] <= 1 and over[1] <= 1, (name, width, height, over)
        for selector in selectors:
            assert_clickable(page, selector)
    page.set_viewport_size({"width": SIZES[0][0], "height": SIZES[0][1]})


def test_every_screen_fits_at_both_sizes(voila, page, bureau, shot):
    url, _base, _data = voila
    unit = bureau.unit(UNIT_ID)
    bureau.reset_password(UNIT_ID)
    try:
        page.set_viewport_size({"width": SIZES[0][0], "height": SIZES[0][1]})
        page.goto(url)
        page.wait_for_selector(".sbf-region-page")
        page.wait_for_function("() => document.querySelectorAll('.sbf-region-dropdown option').length > 0")
        both_sizes(page, shot, "01-region", [".sbf-region-enter", ".sbf-network-button"])
        regions = httpx.get(f"{bureau.api}/regions", timeout=10).json()
        region_name = next(r["name"] for r in regions if r["code"] == unit["region"])
        page.select_option(".sbf-region-dropdown select", label=region_name)
        page.click(".sbf-region-enter")
        page.wait_for_selector(".sbf-confirm-dialog")
        both_sizes(page, shot, "02-region-confirm", [".sbf-confirm-dialog button:text-is('是')"])
        page.click(".sbf-confirm-dialog button:text-is('是')")

        page.wait_for_selector(".sbf-units-page")
        both_sizes(page, shot, "03-units-empty", [".sbf-add-unit", ".sbf-unit-reset"])
        page.click(".sbf-add-unit")
        page.wait_for_selector(".sbf-step-taxpayer")
        both_sizes(page, shot, "04-add-taxpayer", [".sbf-next", ".sbf-wizard-back"])
        page.click(".sbf-next")  # nothing typed: the error dialog names the field
        page.wait_for_selector(".sbf-error-dialog")
        assert "【纳税人识别号】：请输入纳税人识别号" in page.inner_text(".sbf-error-dialog")
        both_sizes(page, shot, "04b-error", [".sbf-error-dialog button:text-is('确定')"])
        page.click(".sbf-error-dialog button:text-is('确定')")
        page.fill(".sbf-taxpayer-id input", unit["taxpayer_id"])
        page.click(".sbf-next")
        page.wait_for_selector(".sbf-step-security, .sbf-choose-unit")
        if page.locator(".sbf-choose-unit").count():
            both_sizes(page, shot, "05-add-choose", [".sbf-choose-unit button:text-is('确定')"])
            page.click(".sbf-choose-unit button:text-is('确定')")
        page.wait_for_selector(".sbf-step-security")
        both_sizes(page, shot, "06-add-security", [".sbf-verify"])
        page.fill(".sbf-step-security .sbf-password input", unit["password"])
        page.click(".sbf-verify")
        page.wait_for_selector(".sbf-step-confirm")
        page.check(".sbf-confirmed input")
        both_sizes(page, shot, "07-add-confirm", [".sbf-confirm-add"])
        page.click(".sbf-confirm-add")
        page.wait_for_selector(f".sbf-unit-table :text('{unit['taxpayer_id']}')")
        both_sizes(page, shot, "08-units", [".sbf-login-button", ".sbf-add-unit"])

        page.click(".sbf-login-button")
        page.wait_for_selector(".sbf-step-login")
        both_sizes(page, shot, "09-login", [".sbf-login-ok", ".sbf-login-back"])
        page.fill(".sbf-step-login .sbf-password input", unit["password"])
        page.click(".sbf-login-ok")
        page.wait_for_selector(".sbf-step-change-password")
        both_sizes(page, shot, "10-forced-change", [".sbf-change-ok"])
        page.fill(".sbf-new-password input", NEW_PASSWORD)
        page.fill(".sbf-new-password2 input", NEW_PASSWORD)
        page.click(".sbf-change-ok")
        page.click(".sbf-message-dialog button:text-is('确定')")
        page.wait_for_selector(".sbf-home-page")
        both_sizes(page, shot, "11-home", [".sbf-quick-EMP-2", ".sbf-notices-button", ".sbf-messages-button",
                                           ".sbf-switch-unit", ".sbf-network-button", ".sbf-about-button"])

        page.click(".sbf-messages-button")
        page.wait_for_selector(".sbf-message-center")
        both_sizes(page, shot, "11b-messages", [".sbf-message-center button:text-is('关闭')"])
        page.click(".sbf-message-center button:text-is('关闭')")

        page.click(".sbf-network-button")
        page.wait_for_selector(".sbf-network-dialog")
        both_sizes(page, shot, "12-network", [".sbf-proxy-test", ".sbf-proxy-save"])
        page.click(".sbf-network-dialog .sbf-dialog-close")

        page.click(".sbf-notices-button")
        page.wait_for_selector(".sbf-notices-dialog")
        both_sizes(page, shot, "13-notices", [".sbf-notices-dialog button:text-is('关闭')"])
        page.click(".sbf-notices-dialog button:text-is('关闭')")

        page.click(".sbf-about-button")
        page.wait_for_selector(".sbf-about-page .sbf-version-state .sbf-ok")  # the bureau's newest came
        both_sizes(page, shot, "14-about", [".sbf-check-update", ".sbf-module-卸载-collector", ".sbf-repair"])

        page.click(".sbf-menu-SET-4")
        page.wait_for_selector(".sbf-unit-info-page .sbf-readonly-input")
        both_sizes(page, shot, "15-unit-info", [".sbf-unit-info-page .sbf-tip"])
        text = page.inner_text(".sbf-app")
        assert "SET-4" not in text and "EMP-" not in text  # no catalogue ID on a screen

        page.click(".sbf-menu-EMP-28")  # 单位退费申请管理: the last menu of the list
        page.wait_for_selector(".sbf-refund-add")
        both_sizes(page, shot, "16-refunds", [".sbf-refund-add", ".sbf-refund-refresh"])
        assert "EMP-28" not in page.inner_text(".sbf-app")

        page.click(".sbf-menu-SET-1")
        page.wait_for_selector(".sbf-network-page")
        both_sizes(page, shot, "17-network-page", [".sbf-network-page .sbf-proxy-test"])

        page.click(".sbf-menu-EMP-2")
        page.wait_for_selector(".sbf-roster-page .lm-DataGrid")
        page.wait_for_selector(".sbf-count-total")
        both_sizes(page, shot, "18-roster", [
            ".sbf-roster-page .sbf-query-buttons button:text-is('查询')",
            ".sbf-roster-page .sbf-query-buttons button:text-is('重置')",
            ".sbf-roster-page .sbf-query-buttons button:text-is('收起')",
            ".sbf-roster-page .sbf-pager button:text-is('下一页')",  # below the grid, reached by scrolling
        ])

        page.click(".sbf-menu-SET-2")  # 备份恢复: three cards, the page box scrolls to the last button
        page.wait_for_selector(".sbf-backup-page .sbf-backup-list")
        both_sizes(page, shot, "19-backup", [".sbf-backup-page .sbf-backup-now", ".sbf-backup-page .sbf-auto-save",
                                             ".sbf-backup-page .sbf-restore-now"])
        page.click(".sbf-backup-page .sbf-backup-now")
        page.click(".sbf-confirm-dialog button:text-is('是')")
        page.wait_for_selector(".sbf-message-dialog :text('备份成功')")
        both_sizes(page, shot, "19-backup-done", [".sbf-message-dialog button:text-is('确定')"])
        page.click(".sbf-message-dialog button:text-is('确定')")

        for n, menu in enumerate(("EMP-3", "EMP-4", "EMP-5", "EMP-6")):  # 缴费工资申报 (manual 2.3-2.6)
            page.click(f".sbf-menu-{menu}")
            page.wait_for_selector(f".sbf-page-{menu} .lm-DataGrid")
            both_sizes(page, shot, f"19{'abcd'[n]}-wages-{menu[4:]}", [
                f".sbf-page-{menu} .sbf-wage-add", f".sbf-page-{menu} .sbf-wage-submit",
                f".sbf-page-{menu} .sbf-wage-switch", f".sbf-page-{menu} .sbf-pager button:text-is('下一页')"])
        page.click(".sbf-menu-EMP-7")
        page.wait_for_selector(".sbf-wage-records-page .lm-DataGrid")
        both_sizes(page, shot, "20-wage-records", [".sbf-wage-feedback",
                                                   ".sbf-wage-records-page .sbf-pager button:text-is('下一页')"])
        page.click(".sbf-menu-EMP-21")  # 社保费应缴信息查询 (manual 2.21): fetched on entering
        page.wait_for_selector(".sbf-payables-page .lm-DataGrid")
        both_sizes(page, shot, "21-payables", [".sbf-payables-sync", ".sbf-payables-export",
                                               ".sbf-payables-page .sbf-pager button:text-is('下一页')"])
        assert "EMP-" not in page.inner_text(".sbf-app")
    finally:
        bureau.reset_password(UNIT_ID)
