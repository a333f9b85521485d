"""职工参保信息更新 in Chromium against Voila (manual 2.2): 查看 in the 操作 column, ticking rows and
exporting exactly them, 所有职工 with a filter set, 完整 vs 脱敏 ID numbers, and screenshots of the
page and its dialogs at 1366×768 and 1024×700 into test-artifacts/screens/.

Unit U000018 is reserved for UI and end-to-end tests (tests/conftest.py). The grid draws on a canvas,
so cells are clicked at positions computed from the page's fixed column widths.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import flows
import httpx
import openpyxl
import pytest

from sbflib.domain.ids import mask_id_number
from sbflib.store import roster as roster_repo
from sbflib.store.db import Store
from sbflib.ui.components.tick_table import ACTION_WIDTH, LINK_WIDTH, TICK_WIDTH
from sbflib.ui.pages.roster import WIDTHS

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SCREENS = ARTIFACTS / "screens"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
UNIT_ID = "U000018"  # reserved for UI and end-to-end tests
PASSWORD = "Rost#2026pw"
HEADER_H, ROW_H = 30, 26
COLUMN_ORDER = ["序号", "姓名", "性别", "证件类型", "证件号码", "参保状态", "单位编号", "分组", "更新时间"]
GRID = ".sbf-roster-page .lm-DataGrid"


@pytest.fixture(scope="module")
def roster(voila, bureau):
    """A Chromium page logged in to U000018 through the app, on the roster page (one page for the
    module: the conftest's `page` is per test, and logging in takes a while)."""
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed")
    url, _base, data = voila
    unit = bureau.unit(UNIT_ID)
    bureau.reset_password(UNIT_ID)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 768}, accept_downloads=True)
        page.set_default_timeout(90_000)
        try:
            _login(page, url, unit, bureau)
            page.click(".sbf-menu-EMP-2")
            page.wait_for_selector(f"{GRID}")
            page.wait_for_selector(".sbf-count-total")
            yield page, data, unit
        finally:
            page.close(run_before_unload=True)
            browser.close()
            bureau.reset_password(UNIT_ID)


def _login(page: Any, url: str, unit: dict, bureau: Any) -> None:
    page.goto(url)
    regions = httpx.get(f"{bureau.api}/regions", timeout=10).json()
    flows.choose_region(page, next(r["name"] for r in regions if r["code"] == unit["region"]))
    flows.add_unit(page, unit, flows.siblings_of(bureau.demo["units"], unit))
    flows.first_login(page, unit, PASSWORD)


def _everyone(data: Path) -> Any:
    """Every employee of the unit as the list shows them (same order, ID numbers masked)."""
    store = Store(data / "client" / "sbf.duckdb")
    try:
        with store.read() as con:
            return roster_repo.query_all(con, UNIT_ID, None)
    finally:
        store.close()


def _cell(page: Any, row: int, column: str) -> tuple[float, float]:
    """Viewport position of the centre of a body cell (column: a data label, ☐, 查看 or 编辑)."""
    box = page.locator(GRID).bounding_box()
    widths = [TICK_WIDTH] + [WIDTHS[c] for c in COLUMN_ORDER] + [ACTION_WIDTH, LINK_WIDTH]
    names = ["☐", *COLUMN_ORDER, "查看", "编辑"]
    i = names.index(column)
    x = box["x"] + sum(widths[:i]) + widths[i] / 2
    y = box["y"] + (HEADER_H if row >= 0 else 0) + max(row, 0) * ROW_H + (ROW_H if row >= 0 else HEADER_H) / 2
    return x, y


def _click_cell(page: Any, row: int, column: str) -> None:
    x, y = _cell(page, row, column)
    page.mouse.move(x, y)
    page.mouse.click(x, y)


def _export(page: Any, which: str, ids: str, data: Path) -> list[tuple]:
    """导出 → 证件号码 脱敏/完整 → 选中职工/所有职工; the downloaded sheet's rows (header first)."""
    if not page.locator(".sbf-export-menu").is_visible():
        page.click(".sbf-export")
    page.click(f".sbf-export-ids button:text-is('{ids}')")
    with page.expect_download() as info:
        page.click(".sbf-export-selected" if which == "选中职工" else ".sbf-export-all")
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    saved = data / f"{which}-{ids}-{download.suggested_filename}"
    download.save_as(saved)
    return list(openpyxl.load_workbook(saved, read_only=True).active.iter_rows(values_only=True))


def _shot(page: Any, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    vp = page.viewport_size
    page.screenshot(path=str(SCREENS / f"roster-{name}-{vp['width']}x{vp['height']}.png"))


def test_view_in_the_operations_column_opens_the_employee(roster):
    page, data, _unit = roster
    everyone = _everyone(data)
    _click_cell(page, 2, "查看")
    page.wait_for_selector(".sbf-detail-dialog")
    text = page.inner_text(".sbf-detail-dialog")
    assert everyone.iloc[2]["name"] in text
    assert "基本信息" in text and "参保信息" in text and "参保险种信息" in text
    page.click(".sbf-detail-dialog button:text-is('关闭')")
    page.wait_for_selector(".sbf-detail-dialog", state="detached")


def test_ticking_two_rows_exports_exactly_them(roster):
    page, data, _unit = roster
    everyone = _everyone(data)
    _click_cell(page, 1, "☐")
    _click_cell(page, 3, "☐")
    time.sleep(0.5)
    rows = _export(page, "选中职工", "脱敏", data)
    header = list(rows[0])
    names = [r[header.index("姓名")] for r in rows[1:]]
    ids = [r[header.index("证件号码")] for r in rows[1:]]
    assert names == [everyone.iloc[1]["name"], everyone.iloc[3]["name"]]
    assert ids == [everyone.iloc[1]["id_number"], everyone.iloc[3]["id_number"]]  # both masked


def test_the_header_box_ticks_the_whole_page(roster):
    page, data, _unit = roster
    everyone = _everyone(data)
    box = page.locator(GRID).bounding_box()
    page.mouse.move(box["x"] + 10, box["y"] + HEADER_H / 2)
    page.mouse.click(box["x"] + 10, box["y"] + HEADER_H / 2)  # left of the header's filter icon
    time.sleep(0.5)
    rows = _export(page, "选中职工", "脱敏", data)
    assert len(rows) - 1 == len(everyone)
    page.mouse.click(box["x"] + 10, box["y"] + HEADER_H / 2)  # and off again
    time.sleep(0.5)
    page.click(".sbf-export")
    page.click(".sbf-export-selected")
    page.wait_for_selector(".sbf-message-dialog")
    assert "请先勾选" in page.inner_text(".sbf-message-dialog")
    page.click(".sbf-message-dialog button:text-is('确定')")


def test_all_employees_ignores_the_name_filter(roster, bureau):
    page, data, unit = roster
    everyone = _everyone(data)
    page.fill(".sbf-q-name input", everyone.iloc[0]["name"][0])
    page.click(".sbf-roster-page .sbf-query-buttons button:text-is('查询')")
    page.wait_for_function(
        "t => !document.querySelector('.sbf-roster-page .sbf-pager-label').innerText.includes(t)",
        arg=f"共 {len(everyone)} 条")
    rows = _export(page, "所有职工", "脱敏", data)
    assert len(rows) - 1 == len(everyone) == unit["employees"]
    page.click(".sbf-roster-page .sbf-query-buttons button:text-is('重置')")


def test_full_and_masked_exports_differ_in_the_id_column(roster):
    page, data, _unit = roster
    masked = _export(page, "所有职工", "脱敏", data)
    full = _export(page, "所有职工", "完整", data)
    col = list(masked[0]).index("证件号码")
    m = [r[col] for r in masked[1:]]
    f = [r[col] for r in full[1:]]
    assert len(m) == len(f) and m != f
    assert all("*" in v for v in m) and not any("*" in v for v in f)
    assert m == [mask_id_number(v) for v in f]
    # the choice is remembered: the menu opens on 完整 next time
    page.click(".sbf-export")
    assert "mod-active" in (page.get_attribute(".sbf-export-ids button:text-is('完整')", "class") or "")
    page.click(".sbf-export-ids button:text-is('脱敏')")
    page.click(".sbf-export")


SIZES = [(1366, 768), (1024, 700)]


def _shots(page: Any, name: str) -> None:
    """The current state at both sizes (dialogs are opened at 1366 where every cell is in view)."""
    for w, h in SIZES:
        page.set_viewport_size({"width": w, "height": h})
        time.sleep(0.8)
        _shot(page, name)
    page.set_viewport_size({"width": 1366, "height": 768})
    time.sleep(0.5)


def test_screens(roster, bureau):
    """Screenshots of the list and each dialog at 1366×768 and 1024×700; at both sizes the query
    buttons and the whole toolbar are in view and not covered by the grid."""
    page, _data, _unit = roster
    for w, h in SIZES:
        page.set_viewport_size({"width": w, "height": h})
        time.sleep(0.8)
        _shot(page, "list")
        # the whole row fits, 操作 (查看/编辑) at its right included: no horizontal scroll bar
        assert not page.locator(f"{GRID} .lm-ScrollBar[data-orientation='horizontal']").is_visible(), (w, h)
        for sel in (".sbf-query-buttons button:text-is('查询')", ".sbf-query-buttons button:text-is('重置')",
                    ".sbf-query-buttons button:text-is('收起')", ".sbf-sync", ".sbf-full-sync", ".sbf-export",
                    ".sbf-groups", ".sbf-roster-group-template", ".sbf-roster-group-import"):
            _assert_visible(page, f".sbf-roster-page {sel}")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.click(".sbf-export")
    page.wait_for_selector(".sbf-export-menu .sbf-export-all", state="visible")
    _shots(page, "export")
    page.click(".sbf-export")
    page.wait_for_selector(".sbf-export-menu .sbf-export-all", state="hidden")
    _click_cell(page, 0, "查看")
    page.wait_for_selector(".sbf-detail-dialog")
    _shots(page, "detail")
    page.click(".sbf-detail-dialog button:text-is('关闭')")
    page.wait_for_selector(".sbf-overlay", state="hidden")
    _click_cell(page, 0, "编辑")
    page.wait_for_selector(".sbf-edit-dialog")
    _shots(page, "edit")
    page.click(".sbf-edit-dialog button:text-is('取消')")
    page.wait_for_selector(".sbf-overlay", state="hidden")
    page.click(".sbf-groups")
    page.wait_for_selector(".sbf-groups-dialog")
    page.fill(".sbf-group-name input", "一车间")
    page.click(".sbf-group-new")
    page.wait_for_selector(".sbf-group-row :text('一车间')")
    _shots(page, "groups")
    page.fill(".sbf-group-name input", "A-B")
    page.click(".sbf-group-new")
    page.wait_for_selector(".sbf-message-dialog")
    assert "分组名称" in page.inner_text(".sbf-message-dialog")
    _shots(page, "group-name-refused")
    page.click(".sbf-message-dialog button:text-is('确定')")
    page.click(".sbf-groups-dialog .sbf-dialog-footer button:text-is('关闭')")
    # the office changes 3 employees; 增量更新 says so and shows them on 是
    httpx.post(f"{bureau.api}/demo/units/{UNIT_ID}/changes", json={"count": 3, "seed": 11},
               headers=bureau.demo_headers, timeout=30).raise_for_status()
    page.click(".sbf-sync")
    page.wait_for_selector(".sbf-confirm-dialog")
    assert "增量更新完成，本次共变更了3条职工信息" in page.inner_text(".sbf-confirm-dialog")
    _shots(page, "update")
    page.click(".sbf-confirm-dialog button:text-is('是')")
    page.wait_for_selector(".sbf-changes-dialog .lm-DataGrid")
    assert "共 3 条" in page.inner_text(".sbf-changes-dialog .sbf-pager-label")
    _shots(page, "update-details")
    page.click(".sbf-changes-dialog .sbf-dialog-footer button:text-is('关闭')")


def _assert_visible(page: Any, selector: str) -> None:
    """In the viewport (after scrolling the page box) and not covered by another element."""
    loc = page.locator(selector).first
    loc.scroll_into_view_if_needed()
    box = loc.bounding_box()
    assert box and box["width"] > 4 and box["height"] > 4, selector
    vp = page.viewport_size
    assert box["x"] >= 0 and box["x"] + box["width"] <= vp["width"] + 1, f"{selector} is cut off: {box}"
    centre = [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2]
    hit = loc.evaluate("(t, [x, y]) => { const el = document.elementFromPoint(x, y);"
                       " return !!el && (t === el || t.contains(el)); }", centre)
    assert hit, f"{selector} is covered by another element"
    elided = loc.evaluate("t => { const b = t.matches('button') ? t : t.querySelector('button') || t;"
                          " return b.scrollWidth > b.clientWidth + 1; }")
    assert not elided, f"{selector}'s label is cut off"
