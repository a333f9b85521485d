"""Chromium against Voila as users run it (`sbf run`'s command line): the page names no external host,
and the whole flow region → add unit → login → forced change → roster → fuzzy filter → export works.

Voila runs in its own process group on a free 127.0.0.1 port and the whole group is stopped after
the module. Screenshots land in test-artifacts/ (git-ignored).
"""

from __future__ import annotations

import re

import flows
import httpx
import openpyxl
import pytest

from sbflib.employer.roster import COLUMNS
from sbflib.store import roster as roster_repo
from sbflib.store.db import Store

pytestmark = pytest.mark.e2e

UNIT_ID = "U000017"  # reserved for UI and end-to-end tests
# Names that appear in the page without being fetched: SVG/RDF namespace URIs, a link in a JS comment.
NOT_FETCHED = {"www.w3.org", "purl.org", "creativecommons.org", "developer.mozilla.org"}


def test_served_page_names_no_external_host(voila):
    url, _base, _data = voila
    html = httpx.get(url, timeout=120).text
    # Anything the browser could fetch (src, href, import, url()) stays on loopback.
    fetched = re.findall(r"(?:src=|href=|import\(|from\s|url\()\s*[\"']?https?://([^/\"'\s:)]+)", html)
    assert set(fetched) <= {"127.0.0.1"}, fetched
    # Other absolute URLs may only be XML namespace names of inline SVG and doc links in comments.
    hosts = set(re.findall(r"https?://([^/\"'\s:)]+)", html))
    assert hosts <= {"127.0.0.1"} | NOT_FETCHED, hosts - NOT_FETCHED
    assert "社保费管理客户端" in html


def test_loading_screen_is_chinese(voila, page):
    url, _base, _data = voila
    html = httpx.get(url, timeout=120).text
    assert "正在加载社保费管理客户端" in html
    for english in ("Executing", "Loading", "Running"):
        assert english not in html, english
    # In the browser: whatever shows before the first screen is Chinese.
    page.goto(url, wait_until="commit")
    seen = []
    for _ in range(40):
        text = page.evaluate("() => document.body ? document.body.innerText : ''")
        seen.append(text)
        if page.locator(".sbf-region-page, .sbf-units-page").count():
            break
        page.wait_for_timeout(100)
    assert not [t for t in seen if re.search(r"Executing|Loading|Running", t)], seen


def test_without_token_the_page_is_refused(voila):
    _url, base, _data = voila
    assert httpx.get(f"{base}/", timeout=30, follow_redirects=False).status_code in (302, 401, 403)


def test_whole_flow(voila, page, bureau, shot):
    url, _base, data = voila
    unit = bureau.unit(UNIT_ID)
    bureau.reset_password(UNIT_ID)
    try:
        page.goto(url)
        page.wait_for_selector(".sbf-region-page")
        regions = httpx.get(f"{bureau.api}/regions", timeout=10).json()
        region_name = next(r["name"] for r in regions if r["code"] == unit["region"])
        page.select_option(".sbf-region-dropdown select", label=region_name)
        page.click(".sbf-region-enter")
        assert f"确认选择【{region_name}】吗" in page.inner_text(".sbf-confirm-dialog")
        page.click(".sbf-confirm-dialog button:text-is('是')")

        page.wait_for_selector(".sbf-units-page")
        flows.add_unit(page, unit, flows.siblings_of(bureau.demo["units"], unit))
        shot(page, "units")

        flows.first_login(page, unit, "E2e#2026pw")
        assert unit["taxpayer_id"] in page.inner_text(".sbf-status-taxpayer-id")

        page.click(".sbf-menu-EMP-2")
        page.wait_for_selector(".sbf-roster-page .lm-DataGrid")
        page.wait_for_selector(".sbf-count-total")
        total = int(page.inner_text(".sbf-count-total"))
        assert total == unit["employees"]  # the seeded roster, all of it
        assert f"共 {total} 条" in page.inner_text(".sbf-roster-page .sbf-pager-label")
        shot(page, "roster")

        # Fuzzy name filter: the commonest first character of the unit's names narrows the list.
        store = Store(data / "client" / "sbf.duckdb")
        with store.read() as con:
            everyone = roster_repo.query_all(con, UNIT_ID, None)
        store.close()
        surname = everyone["name"].str[0].value_counts().index[0]
        page.fill(".sbf-q-name input", surname)
        page.click(".sbf-roster-page .sbf-query-buttons button:text-is('查询')")
        page.wait_for_function(
            "t => !document.querySelector('.sbf-roster-page .sbf-pager-label').innerText.includes(t)",
            arg=f"共 {total} 条")
        filtered = int(re.search(r"共 (\d+) 条", page.inner_text(".sbf-roster-page .sbf-pager-label")).group(1))
        expected = everyone[everyone["name"].str.contains(surname)]
        assert 0 < filtered < total and filtered == len(expected)

        page.click(".sbf-export")
        with page.expect_download() as info:
            page.click(".sbf-export-all")
        download = info.value
        assert download.suggested_filename.endswith(".xlsx")
        saved = data / download.suggested_filename
        download.save_as(saved)
        rows = list(openpyxl.load_workbook(saved, read_only=True).active.iter_rows(values_only=True))
        # 所有职工 exports every employee whatever the query form holds: same header, same order.
        assert list(rows[0]) == list(COLUMNS.values())
        shown = everyone.rename(columns={"group_id": "group"}).assign(group="")[list(COLUMNS)]
        shown = shown.fillna("").astype(str).values.tolist()
        assert [["" if v is None else str(v) for v in row] for row in rows[1:]] == shown
        shot(page, "exported")
    finally:
        bureau.reset_password(UNIT_ID)
