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

import datetime as dt
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from decimal import Decimal

import httpx
import openpyxl
import pytest

import sbflib
from sbflib.domain import clock
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


def _wait_decided(page, submission_id: str, limit: float = 30.0):
    end = time.monotonic() + limit
    while True:
        result = page.result(submission_id)
        if result.decided or time.monotonic() > end:
            return result
        time.sleep(0.5)


def test_submit_goes_pending_then_declared(unit_wb, bureau):
    wb = unit_wb
    _delay(bureau, 6)
    daily = wb.employer.declarations.channel("daily")
    daily.load()
    ids = _whole_groups(daily, "01")
    summary = daily.summary(ids)
    rows = daily.frame()
    chosen = rows[rows["prep_id"].isin(ids)]
    assert summary.rows == len(ids) and summary.total_due == chosen["amount"].sum()
    assert summary.headcount == chosen["headcount"].max() and "应缴费额合计" in summary.text
    assert not daily.check(ids).blocked
    receipt = daily.submit(ids, confirmed_warnings=True)
    assert [(s, st) for _d, s, st in receipt.declarations] == [("税务机关", "待反馈")]
    assert receipt.total_due == summary.total_due and receipt.rows == len(ids)
    declaration_id = receipt.declarations[0][0]
    after = daily.frame().set_index("prep_id")
    assert set(after.loc[ids, "status"]) == {DECLARING} and set(after.loc[ids, "declaration_id"]) == {declaration_id}
    daily.load()   # what the bureau says now: still 申报中 (its worker waits 6 s)
    assert set(daily.frame().set_index("prep_id").loc[ids, "status"]) == {DECLARING}
    assert wb.employer.declarations.pending().empty
    result = _wait_decided(daily, receipt.submission_id)
    assert result.declarations == ((declaration_id, "税务机关", "申报成功"),)
    daily.load()
    final = daily.frame().set_index("prep_id")
    assert set(final.loc[ids, "status"]) == {DECLARED}
    with pytest.raises(ValidationError) as again:     # declared rows cannot be declared twice
        daily.submit(ids, confirmed_warnings=True)
    assert "已申报" in str(again.value) and again.value.row is not None


BUREAU_DAY = "2027-07-15"   # a day of a private bureau on which 杭州 prices 政策性补缴 (24-22 months back)


@pytest.fixture
def dated_wb(tmp_path):
    """A private demo bureau whose day is BUREAU_DAY (SBF_TODAY), and a workbench logged in to
    U000033 on it. In 杭州 the shared bureau's 政策性补缴 months (2024-11..2025-01) lie before the rule
    file's first base (2025-07), so only a later day makes the notice that expired yesterday."""
    folder = tmp_path / "dated-bureau"
    folder.mkdir()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = (folder / "bureau.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sbflib.bureau", "serve", "--store", str(folder / "bureau.duckdb"), "--port",
         str(port), "--demo", "--seed-if-missing", "--seed", "7", "--employees", "20", "--residents", "0",
         "--feedback-delay", "0"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        env={**os.environ, "SBF_TODAY": BUREAU_DAY, "PYTHONUNBUFFERED": "1"})
    url = f"http://127.0.0.1:{port}"
    wb = None
    try:
        for _ in range(600):
            if proc.poll() is not None:
                raise RuntimeError((folder / "bureau.log").read_text(errors="replace"))
            try:
                if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        demo = json.loads((folder / "demo.json").read_text(encoding="utf-8"))
        unit = next(u for u in demo["units"] if u["unit_id"] == UNIT)
        wb = sbflib.open(tmp_path / "dated-client", gateway_url=url)
        wb.choose_region(unit["region"])
        wb.units.add(wb.units.verify(UNIT, unit["password"]), confirmed=True)
        wb.login(UNIT, unit["password"])
        wb.change_password(unit["password"], PASSWORD, confirm=PASSWORD)
        yield wb
    finally:
        if wb is not None:
            wb.close()
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
        clock.reset()


def test_assessed_makes_one_declaration_per_source_and_says_which_failed(dated_wb):
    wb = dated_wb
    clock.set_today(BUREAU_DAY)
    assessed = wb.employer.declarations.channel("assessed")
    assessed.load()
    rows = assessed.frame()
    expired = rows[(rows["source_code"] == "02") & (rows["valid_until"] < clock.today())]
    assert len(expired), "the demo seeds one 特殊缴费 notice whose 征集有效日期 is yesterday"
    assert set(expired["special_type"]) == {"政策性补缴"}
    collected = rows[rows["source_code"] == "03"]["prep_id"].tolist()
    ids = collected + expired["prep_id"].tolist()
    # The client refuses it before sending: the notice has expired.
    with pytest.raises(ValidationError) as refused:
        assessed.submit(ids, confirmed_warnings=True)
    assert "征集有效日期" in str(refused.value) and refused.value.code == "D006"
    assert wb.gateway.declaration_records.list(UNIT) == ()
    # A clerk whose computer's date is two days behind gets through the client's check; the bureau
    # makes one declaration per data source and decides them each on its own.
    clock.set_today(expired["valid_until"].iloc[0] - dt.timedelta(days=1))
    receipt = assessed.submit(ids, confirmed_warnings=True)
    clock.set_today(BUREAU_DAY)
    assert sorted(s for _d, s, _st in receipt.declarations) == ["社保部门", "社保部门核定征收"]
    assert {st for _d, _s, st in receipt.declarations} == {"待反馈"}
    result = _wait_decided(assessed, receipt.submission_id)
    outcome = {source: status for _d, source, status in result.declarations}
    assert outcome == {"社保部门核定征收": "申报成功", "社保部门": "申报失败"}
    assert "社保部门核定征收申报表" in result.text and "申报失败" in result.text and "征集有效日期" in result.text
    failed = next(d for d, s, _st in result.declarations if s == "社保部门")
    assert "征集有效日期" in dict(result.reasons)[failed]
    assessed.load()
    after = assessed.frame().set_index("prep_id")
    assert set(after.loc[collected, "status"]) == {DECLARED}
    assert set(after.loc[expired["prep_id"], "status"]) == {NOT_DECLARED}   # a failed one is offered again


def test_part_of_a_group_is_refused_before_sending_and_by_the_bureau(unit_wb, monkeypatch):
    wb = unit_wb
    daily = wb.employer.declarations.channel("daily")
    daily.load()
    groups = daily.groups()
    group = groups[groups["rows"] > 1].iloc[0]
    part = group["prep_ids"][:1]
    sent: list[object] = []
    real_send = wb.gateway.declarations.send
    monkeypatch.setattr(wb.gateway.declarations, "send", lambda *a, **k: sent.append(a) or real_send(*a, **k))
    with pytest.raises(ValidationError) as refused:
        daily.submit(part, confirmed_warnings=True)
    assert refused.value.code == "D001" and refused.value.field == "勾选" and refused.value.row >= 1
    assert "须一并申报" in str(refused.value) and not sent
    assert daily.check(part).blocked
    # Forced past the client: the bureau refuses it too, and nothing is declared.
    amount = daily.frame().set_index("prep_id").loc[part[0], "amount"]
    with pytest.raises(BureauError) as bureau_refused:
        wb.gateway.declarations.submit(UNIT, "daily", part, amount, key=uuid.uuid4().hex)
    assert bureau_refused.value.code == "GROUP_INCOMPLETE" and "须一并申报" in str(bureau_refused.value)
    assert wb.gateway.declaration_records.list(UNIT) == ()


def _fast(wb, deadline: float):
    fast = wb.ctx.client.derive(proxy=None, timeout=1.0, deadline=deadline, backoff=lambda attempt: 0.1)
    wb.ctx.client.close()
    wb.ctx.client = fast
    return fast


def test_a_dropped_answer_is_sent_again_with_the_same_key_and_makes_one_declaration(other_wb):
    wb = other_wb
    fast = _fast(wb, 20.0)
    special = wb.employer.declarations.channel("special")
    special.load()
    rows = special.frame()
    ids = rows[rows["valid_until"] >= clock.today()]["prep_id"].tolist()
    fast.demo.inject_fault(f"/api/v1/units/{OTHER}/declarations", "POST", "drop", times=1, seconds=3)
    try:
        receipt = special.submit(ids, confirmed_warnings=True)
    finally:
        fast.demo.clear_faults()
    records = fast.declaration_records.list(OTHER)
    assert [r.declaration_id for r in records] == [receipt.declarations[0][0]]
    assert set(special.frame().set_index("prep_id").loc[ids, "status"]) == {DECLARING}
    special.load()
    assert set(special.frame().set_index("prep_id").loc[ids, "status"]) == {DECLARED}   # delay 0: decided


def test_a_lost_answer_then_a_restart_resends_the_kept_body_and_key(other_wb, bureau):
    wb = other_wb
    data_dir = wb.data_dir
    fast = _fast(wb, 6.0)
    daily = wb.employer.declarations.channel("daily")
    daily.load()
    ids = _whole_groups(daily)
    fast.demo.inject_fault(f"/api/v1/units/{OTHER}/declarations", "POST", "drop", times=10, seconds=3)
    try:
        with pytest.raises(ConnectionFailed) as lost:
            daily.submit(ids, confirmed_warnings=True)
    finally:
        fast.demo.clear_faults()
    assert "提交中" in str(lost.value) and "不会重复申报" in str(lost.value)
    assert set(daily.frame().set_index("prep_id").loc[ids, "status"]) == {SENDING}
    made = fast.declaration_records.list(OTHER)
    assert len(made) == 2        # the bureau did declare it (01 and 03); we never heard
    kept = wb.employer.declarations.pending()
    assert len(kept) == 1

    wb.close()
    again = sbflib.open(data_dir, gateway_url=bureau.url)
    try:
        again.login(OTHER, PASSWORD)
        daily = again.employer.declarations.channel("daily")
        daily.load()                                  # the bureau says 已申报, the client still 提交中
        assert set(daily.frame().set_index("prep_id").loc[ids, "status"]) == {SENDING}
        receipt = daily.submit(ids)                   # re-sent as kept: the first answer again
        assert sorted(d for d, _s, _st in receipt.declarations) == sorted(r.declaration_id for r in made)
        assert len(again.gateway.declaration_records.list(OTHER)) == 2
        assert again.employer.declarations.pending().empty
        daily.load()
        assert set(daily.frame().set_index("prep_id").loc[ids, "status"]) == {DECLARED}
    finally:
        again.close()


def test_lines_are_downloaded_once_and_kept(unit_wb, monkeypatch):
    wb = unit_wb
    daily = wb.employer.declarations.channel("daily")
    daily.load()
    row = daily.frame().iloc[0]
    calls: list[object] = []
    real = wb.gateway.declarations.preprocessing_lines
    monkeypatch.setattr(wb.gateway.declarations, "preprocessing_lines",
                        lambda *a, **k: calls.append(a) or real(*a, **k))
    first = daily.lines(row["prep_id"])
    assert len(calls) == 1
    second = daily.lines(row["prep_id"])
    assert len(calls) == 1 and second.equals(first)        # no second request
    assert first["employee_id"].nunique() == row["headcount"]
    assert first["amount"].sum() == row["amount"] and first["base"].sum() == row["base_total"]
    assert all(isinstance(v, Decimal) for v in first["amount"])
    assert first["id_number"].str.contains(r"\*{4}").all()
    assert daily.download_lines() > 0 and len(calls) == 2   # the other rows, in one go
    assert daily.download_lines() == 0 and len(calls) == 2


def test_export_has_the_pages_chinese_headers(unit_wb):
    wb = unit_wb
    special = wb.employer.declarations.channel("special")
    special.load()
    ids = special.frame()["prep_id"].tolist()[:2]
    sheet = openpyxl.load_workbook(io.BytesIO(special.export(ids))).active
    header = [c.value for c in sheet[1]]
    assert header == list(special.columns.values()) and sheet.max_row == 3
    assert "征集有效日期" in header and "应缴费额（元）" in header
