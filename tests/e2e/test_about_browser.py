"""关于 in Chromium against Voila (manual 1.3, 1.4): the page at 1366×768 and 1024×700, 修复 and its
report, 卸载 of 代收单位业务 after "是否确认卸载" (单位管理 then shows one button), and 添加 again.
Screenshots go to test-artifacts/screens/. Unit U000029 belongs to the modules/upgrade tests."""

from __future__ import annotations

import flows
import httpx
import pytest
from test_layout_browser import assert_clickable, both_sizes

pytestmark = pytest.mark.e2e

UNIT_ID = "U000029"
PASSWORD = "Mod#2026pw"


def test_about_page_repair_and_modules(voila, page, bureau, shot):
    url, _base, _data = voila
    unit = bureau.unit(UNIT_ID)
    bureau.reset_unit(UNIT_ID)
    try:
        page.set_default_timeout(60_000)
        page.set_viewport_size({"width": 1366, "height": 768})
        page.goto(url)
        regions = httpx.get(f"{bureau.api}/regions", timeout=10).json()
        flows.choose_region(page, next(r["name"] for r in regions if r["code"] == unit["region"]))
        flows.add_unit(page, unit, flows.siblings_of(bureau.demo["units"], unit))
        flows.first_login(page, unit, PASSWORD)

        page.click(".sbf-about-button")
        page.wait_for_selector(".sbf-about-page .sbf-version-state .sbf-ok")
        text = page.inner_text(".sbf-about-page")
        assert "当前版本" in text and "最新版本" in text and "当前已是最新版本" in text
        assert "SYS-" not in text and "employer" not in text

        page.click(".sbf-repair")
        page.wait_for_selector(".sbf-repair-result :text('修复完成')")
        assert "本地数据库：完好" in page.inner_text(".sbf-repair-result")
        both_sizes(page, shot, "21-about-repaired", [".sbf-repair", ".sbf-module-卸载-collector"])

        page.click(".sbf-module-卸载-collector")
        page.wait_for_selector(".sbf-confirm-dialog")
        assert "是否确认卸载代收单位业务" in page.inner_text(".sbf-confirm-dialog")
        both_sizes(page, shot, "22-about-confirm-uninstall", [".sbf-confirm-dialog button:text-is('确定')",
                                                               ".sbf-confirm-dialog button:text-is('取消')"])
        page.click(".sbf-confirm-dialog button:text-is('确定')")
        page.wait_for_selector(".sbf-module-result :text('已卸载代收单位业务')")
        both_sizes(page, shot, "23-about-uninstalled", [".sbf-module-添加-collector"])

        page.click(".sbf-switch-unit")
        page.wait_for_selector(".sbf-units-page")
        assert page.locator(".sbf-module-button").all_inner_texts() == ["用人单位"]
        page.click(".sbf-login-button")
        page.fill(".sbf-step-login .sbf-password input", PASSWORD)
        page.click(".sbf-login-ok")
        page.wait_for_selector(".sbf-home-page")
        page.click(".sbf-about-button")
        page.wait_for_selector(".sbf-module-添加-collector")
        assert_clickable(page, ".sbf-module-添加-collector")
        page.click(".sbf-module-添加-collector")
        page.wait_for_selector(".sbf-module-result :text('已添加代收单位业务')")
        page.click(".sbf-switch-unit")
        page.wait_for_selector(".sbf-units-page")
        assert page.locator(".sbf-module-button").all_inner_texts() == ["用人单位", "代收单位"]
    finally:
        bureau.reset_unit(UNIT_ID)
