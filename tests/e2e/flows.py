"""Steps of the app that several browser tests walk through: region, 添加单位, first login.

Imported by the e2e tests as `flows` (pytest puts this folder on the import path).
"""

from __future__ import annotations

from typing import Any


def choose_region(page: Any, region_name: str) -> None:
    """选择地区 → 是."""
    page.wait_for_selector(".sbf-region-page")
    page.select_option(".sbf-region-dropdown select", label=region_name)
    page.click(".sbf-region-enter")
    page.click(".sbf-confirm-dialog button:text-is('是')")
    page.wait_for_selector(".sbf-units-page")


def add_unit(page: Any, unit: dict, siblings: list[dict]) -> None:
    """添加 → 纳税人识别号 → (选择单位: the row of `unit` among `siblings`, the demo units of the same
    taxpayer ID and module) → 安全认证 → 确认参保登记信息 → 我已确认无误."""
    page.click(".sbf-add-unit")
    page.fill(".sbf-taxpayer-id input", unit["taxpayer_id"])
    page.click(".sbf-next")
    page.wait_for_selector(".sbf-step-security, .sbf-choose-unit")
    if page.locator(".sbf-choose-unit").count():
        shown = page.locator(".sbf-choose-unit .sbf-choose-grid").inner_text()
        order = sorted((u["name"] for u in siblings if u["name"] in shown), key=shown.index)
        page.locator(".sbf-choose-unit .sbf-radio").nth(order.index(unit["name"])).click()
        page.click(".sbf-choose-unit button:text-is('确定')")
    page.fill(".sbf-step-security .sbf-password input", unit["password"])
    page.click(".sbf-verify")
    page.wait_for_selector(".sbf-step-confirm")
    page.check(".sbf-confirmed input")
    page.click(".sbf-confirm-add")
    page.wait_for_selector(f".sbf-unit-table :text('{unit['taxpayer_id']}')")


def first_login(page: Any, unit: dict, new_password: str) -> None:
    """登录 with the initial password, then the forced 修改申报密码, to the home page."""
    page.click(".sbf-login-button")
    page.fill(".sbf-step-login .sbf-password input", unit["password"])
    page.click(".sbf-login-ok")
    page.wait_for_selector(".sbf-step-change-password")
    page.fill(".sbf-new-password input", new_password)
    page.fill(".sbf-new-password2 input", new_password)
    page.click(".sbf-change-ok")
    page.click(".sbf-message-dialog button:text-is('确定')")
    page.wait_for_selector(".sbf-home-page")


def siblings_of(units: list[dict], unit: dict) -> list[dict]:
    """The demo units of `unit`'s taxpayer ID and module (选择单位 lists them)."""
    return [u for u in units if u["taxpayer_id"] == unit["taxpayer_id"] and u["module"] == unit["module"]]
