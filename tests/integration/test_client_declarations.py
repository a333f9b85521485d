"""社保费申报 (EMP-8, 9, 23, 27) through the client against the real demo bureau on loopback: the
pages' rows kept in the store, submit → 待反馈 (rows 申报中) → success (rows 已申报), the 核定 page's
one-declaration-per-source with one failing (the seeded 政策性补缴 whose 征集有效日期 is yesterday),
part of a group refused before any request (D001) and by the bureau (GROUP_INCOMPLETE), a dropped
answer re-sent with the same key (one declaration, also across a restart), lines downloaded once.

Units U000033 and U000034 belong to these tests (杭州: 生育保险费 10205 is 税务代征 there, so the
daily page holds 01 rows and the 03 征集信息 of 10205). Tests that look at 申报中 give the bureau's
worker 6 s; the others set the delay to 0.
"""

from __future__ import annotations

import time
import uuid
from decimal import Decimal

import httpx
import openpyxl
import io
import pytest

import sbflib
from sbflib.employer.declarations import DECLARED, DECLARING, NOT_DECLARED, SENDING
from sbflib.errors import BureauError, ConnectionFailed, ValidationError

UNIT = "U000033"
OTHER = "U000034"
PASSWORD = "Test#2026"


def _delay(bureau, seconds: float) -> None:
    httpx.post(f"{bureau.api}/demo/settings", json={"feedback_delay_s": seconds}, headers=bureau.demo_headers,
               timeout=10).raise_for_status()


@pytest.fixture
def unit_wb(logged_in, bureau):
    wb = logged_in(UNIT)
    wb.gateway.demo_secret = bureau.demo_secret
    _delay(bureau, 0)
    yield wb
    _delay(bureau, 5)


@pytest.fixture
def other_wb(logged_in, bureau):
    wb = logged_in(OTHER)
    wb.gateway.demo_secret = bureau.demo_secret
    _delay(bureau, 0)
    yield wb
    _delay(bureau, 5)


def _whole_groups(page, source: str | None = None) -> list[str]:
    df = page.frame()
    df = df[df["status"] == NOT_DECLARED]
    if source is not None:
        df = df[df["source_code"] == source]
    return df["prep_id"].tolist()


def test_each_page_loads_its_rows_into_the_store_with_money_as_decimal(unit_wb):
    wb = unit_wb
    daily = wb.employer.declarations.channel("daily")
    assert not daily.loaded()
    count = daily.load()
    assert count > 0 and daily.loaded()
    df = daily.frame()
    assert len(df) == count and set(df["source_code"]) == {"01", "03"}
    assert all(isinstance(v, Decimal) for v in df["amount"]) and all(isinstance(v, Decimal) for v in df["rate"])
    assert set(df["status"]) == {NOT_DECLARED}
    assert list(daily.columns)[:2] == ["source_name", "unit_number"] and daily.columns["headcount"] == "缴费人数"
    page, total = daily.query(page=1, page_size=3)
    assert total == count and len(page) == min(3, count)
    assert page["prep_id"].tolist() == df["prep_id"].tolist()[:3]
    groups = daily.groups(df)
    assert groups["rows"].sum() == count and groups["selectable"].all()
    assert groups["amount"].sum() == df["amount"].sum()

    special = wb.employer.declarations.channel("special")
    assert special.load() > 0 and set(special.frame()["source_code"]) == {"02"}
    assessed = wb.employer.declarations.channel("assessed")
    assert set(wb.employer.declarations.channel("assessed").frame()["source_code"]) == set()   # not loaded yet
    assessed.load()
    assert set(assessed.frame()["source_code"]) == {"02", "03"}
    project = wb.employer.declarations.channel("project")
    assert project.load() == 0 and project.frame().empty   # not a builder
    # The pages are kept apart: daily still holds its own rows.
    assert len(daily.frame()) == count
