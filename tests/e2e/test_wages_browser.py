"""缴费工资申报 in Chromium against Voila (manual 2.3–2.7).

- `test_screens`: the four filing pages and their dialogs (添加 menu, 单个录入 with the fuzzy name list
  and the 补缴 prompt, 按单位编号添加 / 按分组添加 / 添加全部正常缴费职工, 批量修改, 外部文件导入) and
  the record page, at 1366×768 and 1024×700 into test-artifacts/screens/ (wages-*.png); key buttons in
  view and not covered.
- `test_import_1000_rows_with_3_bad_then_submit`: download the template, fill 1,000 rows from the
  unit's roster of which 3 are bad, import, see exactly those 3 reported (and in the downloaded
  report), tick the page, 提交申报, 立即获取, and see the record 部分申报成功 or 全部申报成功 as the
  lines say.

Units U000024 (import) and U000025 (screens) are reserved for these tests (tests/conftest.py).
The grid draws on a canvas, so cells are clicked at positions computed from the page's widths.
"""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import flows
import httpx
import openpyxl
import pytest

from sbflib.domain import clock
from sbflib.employer.wages import FEEDBACK_WAIT_KEY
from sbflib.store import roster as roster_repo
from sbflib.store import settings as settings_repo
from sbflib.store.db import Store
from sbflib.store.frames import frame
from sbflib.ui.components.tick_table import TICK_WIDTH
from sbflib.ui.pages.wages import WIDTHS

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SCREENS = ARTIFACTS / "screens"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
IMPORT_UNIT = "U000024"
SCREEN_UNIT = "U000025"
PASSWORD = "Wage#2026pw"
HEADER_H, ROW_H = 30, 26
SIZES = [(1366, 768), (1024, 700)]
ROWS = 1000


def _browser_page(p: Any) -> tuple[Any, Any]:
    browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    page = browser.new_page(viewport={"width": 1366, "height": 768}, accept_downloads=True, locale="zh-CN")
    page.set_default_timeout(120_000)
    return browser, page


def _login(page: Any, url: str, unit: dict, bureau: Any) -> None:
    page.goto(url)
    page.wait_for_selector(".sbf-region-page, .sbf-units-page")
    if page.locator(".sbf-region-page").count():  # the module's first test; later ones find the units page
        regions = httpx.get(f"{bureau.api}/regions", timeout=10).json()
        flows.choose_region(page, next(r["name"] for r in regions if r["code"] == unit["region"]))
    flows.add_unit(page, unit, flows.siblings_of(bureau.demo["units"], unit))
    # only this unit's row (the module's data folder may hold the other test's unit too)
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
    url, _base, data = voila
    opened: list[tuple[Any, Any, str]] = []
    with playwright.sync_playwright() as p:
        def make(unit_id: str) -> tuple[Any, Path]:
            bureau.reset_unit(unit_id)
            browser, page = _browser_page(p)
            opened.append((browser, page, unit_id))
            _login(page, url, bureau.unit(unit_id), bureau)
            return page, data

        try:
            yield make
        finally:
            for browser, page, unit_id in opened:
                page.close(run_before_unload=True)
                browser.close()
                bureau.reset_unit(unit_id)


def _feedback_delay(bureau: Any, seconds: float) -> None:
    httpx.post(f"{bureau.api}/demo/settings", json={"feedback_delay_s": seconds}, headers=bureau.demo_headers,
               timeout=10).raise_for_status()


def _shot(page: Any, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    vp = page.viewport_size
    page.screenshot(path=str(SCREENS / f"wages-{name}-{vp['width']}x{vp['height']}.png"))


def _shots(page: Any, name: str, selectors: tuple[str, ...] = (), grid: str = "") -> None:
    """Screenshots at both sizes; the selectors in view and not covered; with `grid`, its whole row
    fits (no horizontal scroll bar)."""
    for w, h in SIZES:
        page.set_viewport_size({"width": w, "height": h})
        time.sleep(0.8)
        _shot(page, name)
        for sel in selectors:
            _assert_visible(page, sel)
        if grid:
            assert not page.locator(f"{grid} .lm-ScrollBar[data-orientation='horizontal']").is_visible(), (name, w)
    page.set_viewport_size({"width": 1366, "height": 768})
    time.sleep(0.5)


def _assert_visible(page: Any, selector: str) -> None:
    """In the viewport (after scrolling) and not covered by another element; label not cut off."""
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
    elided = loc.evaluate("t => { const b = t.matches('button') ? t : t.querySelector('button') || t;"
                          " return b.scrollWidth > b.clientWidth + 1; }")
    assert not elided, f"{selector}'s label is cut off"


def _grid(menu: str) -> str:
    return f".sbf-page-{menu} .lm-DataGrid"


def _click_header_tick(page: Any, menu: str) -> None:
    box = page.locator(_grid(menu)).bounding_box()
    page.mouse.move(box["x"] + 10, box["y"] + HEADER_H / 2)
    page.mouse.click(box["x"] + 10, box["y"] + HEADER_H / 2)


def _click_tick(page: Any, menu: str, row: int) -> None:
    box = page.locator(_grid(menu)).bounding_box()
    x, y = box["x"] + TICK_WIDTH / 2, box["y"] + HEADER_H + row * ROW_H + ROW_H / 2
    page.mouse.move(x, y)
    page.mouse.click(x, y)


def _pager_total(page: Any, menu: str) -> int:
    text = page.inner_text(f".sbf-page-{menu} .sbf-pager-label")
    return int(text.split("共")[1].split("条")[0].strip())


def _wait_total(page: Any, menu: str, n: int) -> None:
    page.wait_for_function(
        "([sel, t]) => (document.querySelector(sel)?.innerText || '').includes(t)",
        arg=[f".sbf-page-{menu} .sbf-pager-label", f"共 {n} 条"])


def _close_messages(page: Any) -> None:
    while page.locator(".sbf-message-dialog button:text-is('确定')").count():
        page.click(".sbf-message-dialog button:text-is('确定')")
        time.sleep(0.2)


# ---- the 1,000-row import ---------------------------------------------------------------------------
def _roster(data: Path, unit_id: str) -> Any:
    """The unit's employees as the client holds them: full ID numbers, status, start and stop month."""
    store = Store(data / "client" / "sbf.duckdb")
    try:
        with store.read() as con:
            people = roster_repo.query_all(con, unit_id, None, full_ids=True)
            months = frame(con, "SELECT employee_id, start_month, stop_month FROM employees WHERE unit_id = ?",
                           [unit_id])
    finally:
        store.close()
    return people.merge(months, on="employee_id")


def _fill(template: Path, target: Path, people: Any, month: str) -> list[int]:
    """1,000 rows (one per paying employee), three of them bad: another employee's ID number,
    a wage that is not an amount, a month after the employee's stop month (or, when nobody has one,
    a month that is not a month). Returns the bad rows' numbers (spreadsheet rows, header = 1)."""
    wb = openpyxl.load_workbook(template)
    ws = wb.worksheets[0]
    header = [str(c.value or "").strip() for c in ws[1]]

    def col(*names: str) -> int:
        for i, h in enumerate(header):
            if any(n in h for n in names):
                return i + 1
        raise AssertionError(f"template has no column {names}: {header}")

    c_name, c_id, c_wage = col("姓名"), col("证件号码"), col("新缴费工资", "缴费工资")
    c_type = next((i + 1 for i, h in enumerate(header) if "证件类型" in h), None)
    c_month = next((i + 1 for i, h in enumerate(header) if "生效年月" in h), None)
    paying = people[people["status"] == "正常缴费"].reset_index(drop=True)
    stopped = people[people["stop_month"].notna() & (people["status"] != "正常缴费")].reset_index(drop=True)
    assert len(paying) > ROWS, f"{len(paying)} paying employees: the import test needs {ROWS + 1}"
    first = 2
    bad = {first + 10: "id", first + 500: "wage", first + 990: "month"}
    for i in range(ROWS):
        r = first + i
        p = paying.iloc[i]
        ws.cell(r, c_name, str(p["name"]))
        if c_type:
            ws.cell(r, c_type, str(p["id_type"]))
        ws.cell(r, c_id, str(p["id_number"]))
        ws.cell(r, c_wage, f"{5000 + i % 400}.00")
        if c_month:
            ws.cell(r, c_month, month)
        what = bad.get(r)
        if what == "id":
            ws.cell(r, c_id, str(paying.iloc[-1]["id_number"]))  # another employee's, not in the file
        elif what == "wage":
            ws.cell(r, c_wage, "五千元")
        elif what == "month":
            if len(stopped) and c_month:
                s = stopped.iloc[0]
                ws.cell(r, c_name, str(s["name"]))
                if c_type:
                    ws.cell(r, c_type, str(s["id_type"]))
                ws.cell(r, c_id, str(s["id_number"]))
                ws.cell(r, c_month, month)  # after the employee's stop month
            elif c_month:
                ws.cell(r, c_month, "2026/13")
            else:
                ws.cell(r, c_wage, "-100")
    wb.save(target)
    return sorted(bad)


def test_import_1000_rows_with_3_bad_then_submit(app, bureau):
    _feedback_delay(bureau, 2)
    page, data = app(IMPORT_UNIT)
    month = clock.current_month()
    people = _roster(data, IMPORT_UNIT)
    page.click(".sbf-menu-EMP-3")
    page.wait_for_selector(_grid("EMP-3"))
    page.click(".sbf-page-EMP-3 .sbf-wage-add")
    page.click(".sbf-page-EMP-3 .sbf-add-import")
    page.wait_for_selector(".sbf-wage-import-dialog")
    with page.expect_download() as info:
        page.click(".sbf-wage-import-dialog .sbf-wage-template")
    template = data / "template.xlsx"
    info.value.save_as(template)
    assert info.value.suggested_filename.endswith(".xlsx")
    filled = data / "filled.xlsx"
    bad_rows = _fill(template, filled, people, month)
    page.set_input_files(".sbf-wage-import-dialog .sbf-wage-import-upload input[type=file]", str(filled))
    page.wait_for_selector(".sbf-wage-import-dialog .sbf-import-summary", timeout=180_000)
    summary = page.inner_text(".sbf-wage-import-dialog .sbf-import-summary")
    errors_text = page.inner_text(".sbf-wage-import-dialog .sbf-wage-import-result")
    assert f"成功添加{ROWS - 3}条" in summary and "3行有误" in summary, errors_text
    reported = page.locator(".sbf-wage-import-errors tbody tr td:first-child").all_inner_texts()
    assert sorted({int(t) for t in reported}) == bad_rows, (reported, bad_rows)
    _shots(page, "import-report", (".sbf-wage-import-dialog .sbf-wage-import-report",))
    with page.expect_download() as info:
        page.click(".sbf-wage-import-dialog .sbf-wage-import-report")
    report = data / "report.xlsx"
    info.value.save_as(report)
    rows = list(openpyxl.load_workbook(report, read_only=True).worksheets[0].iter_rows(values_only=True))
    head = [str(h) for h in rows[0]]
    assert sorted({int(r[head.index("行号")]) for r in rows[1:] if r and r[0] is not None}) == bad_rows
    page.click(".sbf-wage-import-dialog .sbf-dialog-footer button:text-is('关闭')")
    _wait_total(page, "EMP-3", ROWS - 3)

    # tick the whole page (1,000 a page by default) and submit it
    time.sleep(1.0)
    _click_header_tick(page, "EMP-3")
    time.sleep(1.0)
    _shot(page, "import-ticked")
    page.click(".sbf-page-EMP-3 .sbf-wage-submit")
    page.wait_for_selector(".sbf-confirm-dialog, .sbf-message-dialog")
    assert not page.locator(".sbf-message-dialog").count(), page.inner_text(".sbf-message-dialog")
    assert f"{ROWS - 3}条" in page.inner_text(".sbf-confirm-dialog")
    page.click(".sbf-confirm-dialog button:text-is('确定')")
    page.wait_for_selector(".sbf-countdown-dialog", timeout=180_000)
    assert "秒后自动获取" in page.inner_text(".sbf-countdown-dialog")
    _shots(page, "countdown", (".sbf-countdown-dialog .sbf-fetch-now",))
    time.sleep(2.5)  # the demo bureau decides after 2 s
    page.click(".sbf-countdown-dialog .sbf-fetch-now")
    page.wait_for_selector(".sbf-wage-records-page .lm-DataGrid")
    page.wait_for_selector(".sbf-message-dialog :text('本次缴费工资申报的状态')", timeout=120_000)
    told = page.inner_text(".sbf-message-dialog")
    _close_messages(page)

    # what the lines say decides the status
    wb_status = _record_status(data)
    assert wb_status in ("全部申报成功", "部分申报成功"), wb_status
    assert wb_status in told
    _shots(page, "records", (".sbf-wage-feedback",))
    # 查看 in the 操作 column: the detail dialog, then 导出
    box = page.locator(".sbf-wage-records-page .lm-DataGrid").bounding_box()
    from sbflib.ui.pages.wage_records import WIDTHS as RW
    x = box["x"] + sum(RW.values()) + 26
    y = box["y"] + HEADER_H + ROW_H / 2
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    page.wait_for_selector(".sbf-record-detail-dialog .lm-DataGrid")
    assert f"共 {ROWS - 3} 条" in page.inner_text(".sbf-record-detail-dialog .sbf-pager-label")
    _shots(page, "record-detail", (".sbf-record-detail-dialog .sbf-record-export",))
    with page.expect_download() as info:
        page.click(".sbf-record-detail-dialog .sbf-record-export")
    lines = data / "lines.xlsx"
    info.value.save_as(lines)
    rows = list(openpyxl.load_workbook(lines, read_only=True).worksheets[0].iter_rows(values_only=True))
    head = [str(h) for h in rows[0]]
    statuses = [r[head.index("状态")] for r in rows[1:]]
    assert len(statuses) == ROWS - 3
    assert all("*" in str(r[head.index("证件号码")]) for r in rows[1:])
    expected = "全部申报成功" if set(statuses) == {"成功"} else "部分申报成功"
    assert wb_status == expected
    _feedback_delay(bureau, 5)


def _record_status(data: Path) -> str:
    """The status of the newest filing as the client stored it."""
    store = Store(data / "client" / "sbf.duckdb")
    try:
        with store.read() as con:
            rows = con.execute("SELECT status FROM wage_filings ORDER BY submitted_at DESC LIMIT 1").fetchall()
    finally:
        store.close()
    return str(rows[0][0]) if rows else ""


# ---- screens of every page and dialog ------------------------------------------------------------------
def test_screens(app, bureau):
    page, _data = app(SCREEN_UNIT)
    for menu, name in (("EMP-3", "daily-employee"), ("EMP-4", "daily-item"), ("EMP-5", "annual-employee"),
                       ("EMP-6", "annual-item")):
        page.click(f".sbf-menu-{menu}")
        page.wait_for_selector(_grid(menu))
        _shots(page, f"{name}-empty", tuple(f".sbf-page-{menu} {s}" for s in (
            ".sbf-wage-add", ".sbf-wage-batch", ".sbf-wage-delete", ".sbf-export", ".sbf-wage-submit",
            ".sbf-wage-switch", ".sbf-query-buttons button:text-is('查询')")), grid=_grid(menu))
        assert "EMP-" not in page.inner_text(".sbf-app")
    # the switch button names the other way
    assert page.inner_text(".sbf-page-EMP-6 .sbf-wage-switch") == "按职工申报缴费工资"
    page.click(".sbf-page-EMP-6 .sbf-wage-switch")
    page.wait_for_selector(".sbf-page-EMP-5 .lm-DataGrid")
    assert page.inner_text(".sbf-page-EMP-5 .sbf-wage-switch") == "按险种申报缴费工资"

    page.click(".sbf-menu-EMP-3")
    page.wait_for_selector(_grid("EMP-3"))
    m = ".sbf-page-EMP-3"
    page.click(f"{m} .sbf-wage-add")
    page.wait_for_selector(f"{m} .sbf-add-single", state="visible")
    _shots(page, "add-menu", tuple(f"{m} {s}" for s in (".sbf-add-single", ".sbf-add-import", ".sbf-add-all",
                                                         ".sbf-add-unit-number", ".sbf-add-group")))
    # 添加全部正常缴费职工 at 100 %
    page.click(f"{m} .sbf-add-all")
    page.wait_for_selector(".sbf-add-all-dialog")
    _shots(page, "add-all", (".sbf-add-all-dialog .sbf-dialog-ok",))
    page.click(".sbf-add-all-dialog .sbf-dialog-ok")
    page.wait_for_selector(".sbf-message-dialog")
    assert "添加" in page.inner_text(".sbf-message-dialog")
    _close_messages(page)
    page.wait_for_function(f"() => !document.querySelector('{m} .sbf-pager-label').innerText.includes('共 0 条')")
    _shots(page, "daily-employee-list", (f"{m} .sbf-pager button:text-is('下一页')",), grid=_grid("EMP-3"))
    # 单个录入: the fuzzy name list, and the 补缴 prompt for an earlier month
    people = _roster(_data, SCREEN_UNIT)
    name = str(people[people["status"] == "正常缴费"].iloc[0]["name"])
    page.click(f"{m} .sbf-wage-add")
    page.click(f"{m} .sbf-add-single")
    page.wait_for_selector(".sbf-single-entry-dialog")
    page.fill(".sbf-entry-name input", name[-1])
    page.wait_for_function("c => { const os = [...document.querySelectorAll('.sbf-entry-name datalist option')];"
                           " return os.length > 0 && os.every(o => o.value.includes(c)); }", arg=name[-1])
    options = page.locator(".sbf-entry-name datalist option").evaluate_all("os => os.map(o => o.value)")
    assert options and all(name[-1] in o for o in options)
    page.fill(".sbf-entry-name input", options[0])
    page.locator(".sbf-entry-name input").press("Tab")
    page.wait_for_function("() => document.querySelector('.sbf-entry-id-number input').value.includes('*')")
    _shots(page, "single-entry", (".sbf-single-entry-dialog .sbf-dialog-ok",))
    y, mo = int(clock.current_month()[:4]), int(clock.current_month()[5:])
    earlier = f"{y - 1}-12" if mo == 1 else f"{y}-{mo - 1:02d}"
    page.fill(".sbf-single-entry-dialog .sbf-wage-month input", earlier)
    page.locator(".sbf-single-entry-dialog .sbf-wage-month input").press("Enter")
    page.wait_for_selector(".sbf-confirm-dialog")
    assert "补缴" in page.inner_text(".sbf-confirm-dialog")
    _shots(page, "back-pay", (".sbf-confirm-dialog button:text-is('确定')",))
    page.click(".sbf-confirm-dialog button:text-is('取消')")
    page.click(".sbf-single-entry-dialog .sbf-dialog-cancel")
    # 按单位编号添加缴费职工 / 按分组添加缴费职工 dialogs
    page.click(f"{m} .sbf-wage-add")
    page.click(f"{m} .sbf-add-unit-number")
    page.wait_for_selector(".sbf-add-unit-number-dialog")
    page.select_option(".sbf-add-unit-number-dialog .sbf-adjust-mode select", label="按固定金额")
    _shots(page, "add-by-unit-number", (".sbf-add-unit-number-dialog .sbf-dialog-ok",))
    page.click(".sbf-add-unit-number-dialog .sbf-dialog-cancel")
    # 批量修改 of two ticked rows
    page.wait_for_selector(".sbf-overlay", state="hidden")
    time.sleep(1.0)
    _click_tick(page, "EMP-3", 0)
    time.sleep(0.5)
    _click_tick(page, "EMP-3", 1)
    time.sleep(1.0)
    page.click(f"{m} .sbf-wage-batch")
    page.wait_for_selector(".sbf-batch-dialog")
    page.fill(".sbf-batch-dialog .sbf-adjust-value input", "110")
    _shots(page, "batch-change", (".sbf-batch-dialog .sbf-dialog-ok",))
    page.click(".sbf-batch-dialog .sbf-dialog-ok")
    page.wait_for_selector(".sbf-message-dialog :text('已修改')")
    assert "已修改2条" in page.inner_text(".sbf-message-dialog"), page.inner_text(".sbf-message-dialog")
    _close_messages(page)
    # in-row edit: a double click on 新缴费工资 opens the cell editor
    box = page.locator(_grid("EMP-3")).bounding_box()
    order = ["序号", "name", "id_type", "id_number", "tax_authority", "old_wage"]
    x = box["x"] + TICK_WIDTH + 52 + sum(WIDTHS[k] for k in order[1:]) + WIDTHS["new_wage"] / 2
    yy = box["y"] + HEADER_H + 2 * ROW_H + ROW_H / 2
    page.mouse.dblclick(x, yy)
    time.sleep(0.5)
    page.keyboard.press("Control+A")
    page.keyboard.type("7777.7")
    page.keyboard.press("Enter")
    time.sleep(1.0)
    _shots(page, "in-row-edit")
    assert Decimal("7777.70") in _draft_wages(_data, SCREEN_UNIT)  # kept in the store's edit list
    # 外部文件导入 dialog
    page.click(f"{m} .sbf-wage-add")
    page.click(f"{m} .sbf-add-import")
    page.wait_for_selector(".sbf-wage-import-dialog")
    _shots(page, "import", (".sbf-wage-import-dialog .sbf-wage-template",
                            ".sbf-wage-import-dialog .sbf-wage-import-upload button"))
    page.click(".sbf-wage-import-dialog .sbf-dialog-footer button:text-is('关闭')")
    # per-item 单个录入
    page.click(".sbf-menu-EMP-4")
    page.wait_for_selector(_grid("EMP-4"))
    page.click(".sbf-page-EMP-4 .sbf-wage-add")
    page.click(".sbf-page-EMP-4 .sbf-add-single")
    page.wait_for_selector(".sbf-single-entry-dialog")
    page.fill(".sbf-entry-name input", options[0])
    page.locator(".sbf-entry-name input").press("Tab")
    page.wait_for_selector(".sbf-entry-item-wage")
    _shots(page, "single-entry-per-item", (".sbf-single-entry-dialog .sbf-dialog-ok",))
    page.click(".sbf-single-entry-dialog .sbf-dialog-cancel")
    # records page, empty
    page.click(".sbf-menu-EMP-7")
    page.wait_for_selector(".sbf-wage-records-page .lm-DataGrid")
    _shots(page, "records-empty", (".sbf-wage-feedback",), grid=".sbf-wage-records-page .lm-DataGrid")
    assert "EMP-" not in page.inner_text(".sbf-app")
    # 提交申报 of one row with a 3 s countdown (set as the service stores it): the record page
    # opens by itself when it runs out and fetches the feedback
    _feedback_delay(bureau, 0)
    _set_setting(_data, FEEDBACK_WAIT_KEY, 3)
    page.click(".sbf-menu-EMP-3")
    page.wait_for_selector(_grid("EMP-3"))
    time.sleep(0.5)
    _click_tick(page, "EMP-3", 0)
    time.sleep(0.5)
    page.click(f"{m} .sbf-wage-submit")
    # the countdown shows for 3 s: a MutationObserver notes it even if the page is slow to look
    page.evaluate("""() => { window.__sawCountdown = false;
        new MutationObserver(() => { if (document.querySelector('.sbf-countdown-dialog'))
            window.__sawCountdown = true; }).observe(document.body, {childList: true, subtree: true}); }""")
    page.click(".sbf-confirm-dialog button:text-is('确定')")
    page.wait_for_selector(".sbf-page-EMP-7.sbf-wage-records-page", state="visible", timeout=120_000)
    assert page.evaluate("() => window.__sawCountdown")
    page.wait_for_selector(".sbf-message-dialog :text('本次缴费工资申报的状态')", timeout=60_000)
    assert "申报成功" in page.inner_text(".sbf-message-dialog")
    _close_messages(page)
    _set_setting(_data, FEEDBACK_WAIT_KEY, 20)
    _feedback_delay(bureau, 5)


def _draft_wages(data: Path, unit_id: str) -> list[Decimal]:
    store = Store(data / "client" / "sbf.duckdb")
    try:
        with store.read() as con:
            rows = con.execute("SELECT new_wage FROM wage_draft_rows WHERE unit_id = ?", [unit_id]).fetchall()
    finally:
        store.close()
    return [Decimal(str(r[0])) for r in rows]


def _set_setting(data: Path, key: str, value: Any) -> None:
    store = Store(data / "client" / "sbf.duckdb")
    try:
        with store.work() as con:
            settings_repo.write(con, key, value)
    finally:
        store.close()
