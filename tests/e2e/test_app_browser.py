"""Chromium against Voila as users run it (`sbf run`'s command line): the page names no external host,
and the whole flow region → add unit → login → forced change → roster → fuzzy filter → export works.

Voila runs in its own process group on a free 127.0.0.1 port and the whole group is stopped after
the module. Screenshots land in test-artifacts/ (git-ignored).
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import time
from pathlib import Path

import httpx
import openpyxl
import pytest

from sbflib import cli
from sbflib.employer.roster import COLUMNS
from sbflib.store import roster as roster_repo
from sbflib.store.db import Store

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
# Names that appear in the page without being fetched: SVG/RDF namespace URIs, a link in a JS comment.
NOT_FETCHED = {"www.w3.org", "purl.org", "creativecommons.org", "developer.mozilla.org"}
UNIT_ID = "U000017"  # reserved for UI and end-to-end tests


@pytest.fixture(scope="module")
def voila(bureau, tmp_path_factory):
    data = tmp_path_factory.mktemp("e2e-client")
    port, token = cli.free_port(), secrets.token_urlsafe(16)
    log = data / "voila.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(cli.voila_command(port, token), env=cli.voila_env(str(data), bureau.url),
                                cwd=str(cli.dashboards_dir()), stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise RuntimeError(log.read_text(errors="replace"))
            try:
                if httpx.get(f"{base}/voila/api/shutdown", timeout=1).status_code < 600:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("voila did not answer:\n" + log.read_text(errors="replace"))
            time.sleep(0.3)
        yield f"{base}/?token={token}", base, data
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


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


def test_without_token_the_page_is_refused(voila):
    _url, base, _data = voila
    assert httpx.get(f"{base}/", timeout=30, follow_redirects=False).status_code in (302, 401, 403)


@pytest.fixture
def page(voila):
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        pg = browser.new_page(viewport={"width": 1366, "height": 820}, accept_downloads=True)
        pg.set_default_timeout(90_000)
        yield pg
        pg.close(run_before_unload=True)
        browser.close()


def _shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"e2e-{name}.png"))


def test_whole_flow(voila, page, bureau):
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
        page.click(".sbf-add-unit")
        page.fill(".sbf-taxpayer-id input", unit["taxpayer_id"])
        page.click(".sbf-next")
        page.wait_for_selector(".sbf-step-security, .sbf-choose-unit")
        if page.locator(".sbf-choose-unit").count():
            page.click(".sbf-choose-unit button:text-is('确定')")
        page.fill(".sbf-step-security .sbf-password input", unit["password"])
        page.click(".sbf-verify")
        page.wait_for_selector(".sbf-step-confirm")
        page.check(".sbf-confirmed input")
        page.click(".sbf-confirm-add")
        page.wait_for_selector(f".sbf-unit-table :text('{unit['taxpayer_id']}')")
        _shot(page, "units")

        page.click(".sbf-login-button")
        page.fill(".sbf-step-login .sbf-password input", unit["password"])
        page.click(".sbf-login-ok")
        page.wait_for_selector(".sbf-step-change-password")
        page.fill(".sbf-new-password input", "E2e#2026pw")
        page.fill(".sbf-new-password2 input", "E2e#2026pw")
        page.click(".sbf-change-ok")
        page.click(".sbf-message-dialog button:text-is('确定')")
        page.wait_for_selector(".sbf-home-page")
        assert unit["taxpayer_id"] in page.inner_text(".sbf-status-taxpayer-id")

        page.click(".sbf-menu-EMP-2")
        page.wait_for_selector(".sbf-roster-page .lm-DataGrid")
        page.wait_for_selector(".sbf-count-total")
        total = int(page.inner_text(".sbf-count-total"))
        assert total == unit["employees"]  # the seeded roster, all of it
        assert f"共 {total} 条" in page.inner_text(".sbf-roster-page .sbf-pager-label")
        _shot(page, "roster")

        # Fuzzy name filter: the commonest first character of the unit's names narrows the list.
        store = Store(data / "client" / "sbf.duckdb")
        everyone = roster_repo.query_all(store, UNIT_ID, roster_repo.RosterQuery())
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
        # The export holds the filtered table: same header, same rows in the same order.
        assert list(rows[0]) == list(COLUMNS.values())
        shown = expected.rename(columns={"group_id": "group"}).assign(group="")[list(COLUMNS)]
        shown = shown.fillna("").astype(str).values.tolist()
        assert [["" if v is None else str(v) for v in row] for row in rows[1:]] == shown
        _shot(page, "exported")
    finally:
        bureau.reset_password(UNIT_ID)
