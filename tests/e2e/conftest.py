"""Shared end-to-end fixtures: Voila started as `sbf run` starts it, and a Chromium page.

- `voila` (module scope): Voila in its own process group on a free 127.0.0.1 port with a fresh
  client data folder pointed at the session's demo bureau; yields (url with token, base url, data
  folder). The whole group is stopped after the module.
- `browser` / `page`: Debian's Chromium driven by Playwright (skipped when either is missing);
  `page` is 1366×820 and is closed with `run_before_unload=True` so no kernel is left behind.
- `new_page(width, height)` (fixture, a factory): more pages at chosen sizes (layout tests); each is
  closed after the test.
- `shot(page, name, folder="")` (fixture, a function): a screenshot into test-artifacts/[folder/]
  (git-ignored).
Test modules get these as fixtures (conftest modules are not imported by name).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flows import start_voila, stop_voila

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="module")
def voila(bureau: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Path]]:
    data = tmp_path_factory.mktemp("e2e-client")
    proc, url, base = start_voila(bureau.url, data)
    try:
        yield url, base, data
    finally:
        stop_voila(proc)


@pytest.fixture
def browser() -> Iterator[Any]:
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def open_page(browser: Any, width: int = 1366, height: int = 820) -> Any:
    # zh-CN as a clerk's browser: date inputs read 年/月/日, not mm/dd/yyyy
    pg = browser.new_page(viewport={"width": width, "height": height}, accept_downloads=True, locale="zh-CN")
    pg.set_default_timeout(90_000)
    return pg


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    pg = open_page(browser)
    yield pg
    pg.close(run_before_unload=True)


@pytest.fixture
def new_page(browser: Any) -> Iterator[Callable[..., Any]]:
    pages: list[Any] = []

    def make(width: int = 1366, height: int = 820) -> Any:
        pg = open_page(browser, width, height)
        pages.append(pg)
        return pg

    yield make
    for pg in pages:
        pg.close(run_before_unload=True)


@pytest.fixture
def shot() -> Callable[..., Path]:
    return take_shot


def take_shot(page: Any, name: str, folder: str = "") -> Path:
    """Screenshot into test-artifacts/[folder/]e2e-<name>.png."""
    target = ARTIFACTS / folder if folder else ARTIFACTS
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"e2e-{name}.png"
    page.screenshot(path=str(path))
    return path
