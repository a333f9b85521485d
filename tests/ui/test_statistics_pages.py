"""统计分析 pages driven from Python over the real service and a store of known rows (the service
test's): each page draws on entry, a filter change redraws in place (the Image widget's PNG and the
table change, the chart's bars are the new figures), 下载图片 gives a real PNG, 导出数据 an .xlsx with
the chart's numbers, no missing-glyph warning, no English or catalogue ID on the page."""

from __future__ import annotations

import importlib.util
import io
import re
import warnings
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import ipywidgets as w
import openpyxl
import pytest

from sbflib.domain import clock
from sbflib.employer.statistics import StatisticsService
from sbflib.gateway.client import BureauClient
from sbflib.store.db import Store
from sbflib.system.context import Context, CurrentUnit
from sbflib.ui.context import Ui
from sbflib.ui.menus import EMPLOYER_MENUS, page_class

_spec = importlib.util.spec_from_file_location(
    "statistics_seed", Path(__file__).resolve().parents[1] / "services" / "test_statistics_service.py")
assert _spec and _spec.loader
seed_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(seed_module)
A, B = seed_module.A, seed_module.B


class Saved:
    def __init__(self) -> None:
        self.files: list[tuple[bytes, str]] = []


@pytest.fixture
def env(tmp_path):
    clock.set_today("2026-11-20")
    client = BureauClient("http://bureau.test", transport=httpx.MockTransport(lambda r: httpx.Response(404)),
                          sleep=lambda s: None)
    store = Store(tmp_path / "client" / "sbf.duckdb")
    ctx = Context(store, client)
    ctx.unit = CurrentUnit(seed_module.UNIT, "91330110JELB93XPED", "测试单位", "employer", seed_module.REGION)
    seed_module._seed(store)
    wb = SimpleNamespace(employer=SimpleNamespace(statistics=StatisticsService(ctx)))
    ui = Ui(wb, sync=True)  # type: ignore[arg-type]
    saved = Saved()
    ui.save = lambda data, name: saved.files.append((data, name))  # type: ignore[method-assign]
    yield ui, saved
    client.close()
    store.close()
    clock.reset()


def _open(ui: Ui, menu_id: str) -> Any:
    cls = page_class(menu_id)
    assert cls is not None
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)   # "Glyph ... missing from font" is a UserWarning
        return cls(ui)


def _texts(widget: w.Widget) -> list[str]:
    out: list[str] = []
    stack = [widget]
    while stack:
        x = stack.pop()
        for attr in ("value", "description", "placeholder"):
            v = getattr(x, attr, None)
            if isinstance(v, str):
                out.append(re.sub(r"<[^>]+>", " ", v))
        for opt in getattr(x, "options", ()) or ():
            out.append(opt[0] if isinstance(opt, tuple) else str(opt))
        stack.extend(getattr(x, "children", ()) or ())
    return out


def test_the_group_is_its_own_with_chinese_labels():
    group = next(g for g in EMPLOYER_MENUS if g.title == "统计分析")
    assert [(m.id, m.label) for m in group.items] == [("STA-1", "月度费款"), ("STA-2", "申报缴费到账核对"),
                                                     ("STA-3", "欠费账龄"), ("STA-4", "参保人数变动"),
                                                     ("STA-5", "缴费基数分布")]


@pytest.mark.parametrize("menu_id", ["STA-1", "STA-2", "STA-3", "STA-4", "STA-5"])
def test_every_page_draws_on_entry_in_chinese(env, menu_id):
    ui, _saved = env
    page = _open(ui, menu_id)
    assert page.draws == 1 and bytes(page.image.value).startswith(b"\x89PNG")
    ax = page.figure.axes[0]
    assert ax.get_title() == page.title
    assert re.search(r"[\u4e00-\u9fff]", ax.get_xlabel()) and re.search(r"[\u4e00-\u9fff]", ax.get_ylabel())
    for text in _texts(page):
        assert not re.search(r"STA-|EMP-|[A-Za-z]{4,}", text), text


def test_a_filter_change_redraws_in_place(env):
    ui, saved = env
    page = _open(ui, "STA-1")
    page.month_from.value = "2026-09"
    page.month_to.value = "2026-11"
    image = page.image
    before = (page.draws, page.image.value)
    heights = sorted(round(p.get_height(), 2) for p in page.figure.axes[0].patches if p.get_height())
    assert heights == [40.0, 500.0, 800.0, 1000.0, 1200.0, 1600.0]
    page.item.value = "10204"
    assert page.image is image and page.draws == before[0] + 1 and bytes(page.image.value) != bytes(before[1])
    heights = [round(p.get_height(), 2) for p in page.figure.axes[0].patches if p.get_height()]
    assert heights == [40.0]
    assert "40.00" in page.table.value and "1,600.00" not in page.table.value
    page.save_png()
    data, name = saved.files[-1]
    assert name == "月度费款_2026-09-2026-11.png" and data.startswith(b"\x89PNG\r\n\x1a\n")
    page.save_xlsx()
    data, name = saved.files[-1]
    assert name.endswith(".xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(data)).active.values)
    assert rows[0] == ("费款所属期", "征收项目代码", "征收项目", "缴费对象", "应缴金额")
    assert [(r[0], r[3], Decimal(str(r[4]))) for r in rows[1:]] == [("2026-09", "单位", Decimal("40.00"))]


def test_reconciliation_and_arrears_bars_are_the_figures(env):
    ui, saved = env
    page = _open(ui, "STA-2")
    page.month_from.value = "2026-09"
    page.month_to.value = "2026-10"
    ax = page.figure.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["应缴金额", "申报金额", "缴费金额", "到账金额"]
    bars = [round(p.get_height(), 2) for p in ax.patches]
    assert bars == [2440.0, 1500.0, 2440.0, 1500.0, 2440.0, 0.0, 1640.0, 0.0]
    assert "缴费未到账" in page.table.value and "800.00" in page.table.value
    page.save_xlsx()
    rows = list(openpyxl.load_workbook(io.BytesIO(saved.files[-1][0])).active.values)
    assert rows[1][0] == "2026-09" and float(rows[1][4]) == 1640.0

    arrears = _open(ui, "STA-3")
    ax = arrears.figure.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["未到期", "0-30天", "31-90天", "91-180天", "180天以上"]
    amounts = [round(p.get_height(), 2) for p in ax.patches[:5]]
    assert amounts == [0.0, 1500.0, 0.0, 0.0, 10.0]


def test_headcount_and_bases(env):
    ui, _saved = env
    page = _open(ui, "STA-4")
    page.month_from.value = "2026-09"
    page.month_to.value = "2026-11"
    page.unit_number.value = A
    ax = page.figure.axes[0]
    joined = [p.get_height() for p in ax.containers[0]]
    stopped = [p.get_height() for p in ax.containers[1]]
    assert joined == [1, 0, 2] and stopped == [0, -1, 0]
    assert list(page.figure.axes[1].lines[0].get_ydata()) == [2, 2, 3]
    bases = _open(ui, "STA-5")
    bases.month_to.value = "2026-11"
    bars = [p.get_height() for p in bases.figure.axes[0].containers[0]]
    assert bars == [0, 1, 1, 1, 1]          # 养老 (10201): at floor, between, at cap, above cap
    assert "4,612.00" in bases.table.value


def test_a_bad_month_is_said_in_chinese_and_nothing_is_drawn(env):
    ui, _saved = env
    page = _open(ui, "STA-1")
    draws = page.draws
    page.month_from.value = "2026-13"
    assert page.draws == draws and "年-月" in page.status.value


def test_update_fetches_every_source_then_redraws(env):
    ui, _saved = env
    calls: list[str] = []

    def sync(name: str) -> Any:
        return lambda *a, **k: calls.append(name) or 0

    e = ui.wb.employer
    for name in ("payables", "arrivals", "declaration_records", "payment_records"):
        setattr(e, name, SimpleNamespace(sync=sync(name)))
    ui.wb.declaration_settings = SimpleNamespace(update_rules=sync("rules"))
    page = _open(ui, "STA-2")
    draws = page.draws
    page.update_sources()
    assert sorted(calls) == ["arrivals", "declaration_records", "payables", "payment_records", "rules"]
    assert page.draws == draws + 1
