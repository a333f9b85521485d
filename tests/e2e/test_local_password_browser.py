"""登录密码设置 in Chromium: with a local password set, the app's first screen asks for it and shows
nothing else until it is given (a wrong one is refused); then 登录密码设置, 申报管理 and 操作日志 are
shot at 1366×768 and 1024×700 and their buttons are in view and not covered."""

from __future__ import annotations

import httpx
import pytest
from flows import add_unit, first_login, siblings_of

from sbflib.store.db import Store
from sbflib.system.local_password import LocalPasswordService

pytestmark = pytest.mark.e2e

UNIT_ID = "U000027"  # audit log and password change (tests/conftest.py)
SECRET = "本地密码abc123"
NEW_PASSWORD = "Loc#2026pw"
SIZES = ((1366, 768), (1024, 700))

CLICKABLE_JS = """
(el) => {
  const r = el.getBoundingClientRect();
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  const inside = r.width > 0 && r.height > 0 && r.left >= 0 && r.top >= 0
    && r.right <= window.innerWidth + 0.5 && r.bottom <= window.innerHeight + 0.5;
  const top = document.elementFromPoint(x, y);
  return {inside, covered: !(top && (top === el || el.contains(top))), top: top ? top.className : null};
}
"""


def _both_sizes(page, shot, name, selectors=()):
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(400)
        shot(page, f"{name}-{width}x{height}", folder="screens")
        over = page.evaluate("() => [document.documentElement.scrollWidth - innerWidth,"
                             " document.documentElement.scrollHeight - innerHeight]")
        assert over[0] <= 1 and over[1] <= 1, (name, width, height, over)
        for selector in selectors:
            loc = page.locator(selector).first
            loc.wait_for(state="visible")
            loc.scroll_into_view_if_needed()
            page.wait_for_timeout(100)
            state = loc.evaluate(CLICKABLE_JS)
            assert state["inside"] and not state["covered"], (selector, width, height, state)
    page.set_viewport_size({"width": SIZES[0][0], "height": SIZES[0][1]})


def _appears(page, selector: str, seconds: float = 5.0) -> bool:
    for _ in range(int(seconds * 10)):
        if page.locator(selector).count():
            return True
        page.wait_for_timeout(100)
    return False


def test_the_local_password_guards_the_app(voila, page, bureau, shot):
    url, _base, data = voila
    store = Store(data / "client" / "sbf.duckdb")
    LocalPasswordService(store).set(SECRET, SECRET)
    store.close()
    unit = bureau.unit(UNIT_ID)
    bureau.reset_unit(UNIT_ID)
    try:
        page.set_viewport_size({"width": 1366, "height": 768})
        page.goto(url)
        page.wait_for_selector(".sbf-local-password-gate")
        _both_sizes(page, shot, "set3-gate", [".sbf-gate-ok"])
        # nothing but the password screen: no region, no units, no menus, no network settings
        for selector in (".sbf-region-page", ".sbf-units-page", ".sbf-menu", ".sbf-network-button"):
            assert page.locator(selector).count() == 0, selector
        page.fill(".sbf-gate-password input", "wrong-password")
        page.click(".sbf-gate-ok")
        page.wait_for_selector(".sbf-error-dialog")
        assert "登录密码错误" in page.inner_text(".sbf-error-dialog")
        page.click(".sbf-error-dialog button:text-is('确定')")
        assert page.locator(".sbf-region-page").count() == 0
        page.fill(".sbf-gate-password input", SECRET)
        page.click(".sbf-gate-ok")
        page.wait_for_selector(".sbf-region-page")

        # on to a logged-in unit, then the three pages of this slice
        regions = httpx.get(f"{bureau.api}/regions", timeout=10).json()
        page.wait_for_function("() => document.querySelectorAll('.sbf-region-dropdown option').length > 0")
        page.select_option(".sbf-region-dropdown select",
                           label=next(r["name"] for r in regions if r["code"] == unit["region"]))
        page.click(".sbf-region-enter")
        page.click(".sbf-confirm-dialog button:text-is('是')")
        page.wait_for_selector(".sbf-units-page")
        add_unit(page, unit, siblings_of(bureau.demo["units"], unit))
        first_login(page, unit, NEW_PASSWORD)

        page.click(".sbf-menu-SET-3")
        page.wait_for_selector(".sbf-local-password-page")
        assert "已设置登录密码" in page.inner_text(".sbf-local-password-page")
        _both_sizes(page, shot, "set3-local-password", [".sbf-local-save"])

        page.click(".sbf-menu-SET-5")
        page.wait_for_selector(".sbf-declaration-page .sbf-rule-table")
        _both_sizes(page, shot, "set5-declaration", [".sbf-rules-update", ".sbf-decl-save"])
        page.fill(".sbf-decl-old input", NEW_PASSWORD)
        page.fill(".sbf-decl-new input", "Loc#2027pw")
        page.fill(".sbf-decl-new2 input", "Loc#2027pw")
        page.click(".sbf-decl-save")
        page.wait_for_selector(".sbf-message-dialog")
        assert "申报密码修改成功" in page.inner_text(".sbf-message-dialog")
        page.click(".sbf-message-dialog button:text-is('确定')")

        page.click(".sbf-menu-SET-6")
        page.wait_for_selector(".sbf-audit-page .sbf-grid")
        page.wait_for_function("() => document.querySelector('.sbf-audit-page .sbf-pager-label')"
                               " && !document.querySelector('.sbf-audit-page .sbf-pager-label')"
                               ".textContent.startsWith('共 0 条')")
        _both_sizes(page, shot, "set6-audit-log", [".sbf-audit-export", ".sbf-audit-page .sbf-query-buttons button"])
        assert "共 4 条" in page.inner_text(".sbf-audit-page .sbf-pager-label")  # 安全认证, 登录, 修改申报密码 twice

        # 查看 of the newest entry (the 申报密码设置 just saved): every field, the fields sent, no password
        from sbflib.system.audit import COLUMNS
        from sbflib.ui.pages.audit import SHOWN, WIDTHS

        # (back at 1366 px the grid returns to its default widths a moment after the resize; click again
        # if the first click landed while it was still fitted to 1024 px)
        for _attempt in range(5):
            page.wait_for_timeout(600)
            box = page.locator(".sbf-audit-page .sbf-grid").bounding_box()
            x = box["x"] + WIDTHS["序号"] + sum(WIDTHS[COLUMNS[k]] for k in SHOWN) + 26
            y = box["y"] + 30 + 13
            page.mouse.move(x, y)
            page.mouse.click(x, y)
            if page.locator(".sbf-audit-dialog").count() or _appears(page, ".sbf-audit-dialog"):
                break
        page.wait_for_selector(".sbf-audit-dialog")
        detail = page.inner_text(".sbf-audit-dialog")
        assert "发送内容" in detail and "修改申报密码" in detail and "Loc#2027pw" not in detail
        assert NEW_PASSWORD not in detail and "******" in detail
        _both_sizes(page, shot, "set6-audit-detail", [".sbf-audit-dialog button:text-is('关闭')"])
        page.click(".sbf-audit-dialog button:text-is('关闭')")
    finally:
        bureau.reset_unit(UNIT_ID)
