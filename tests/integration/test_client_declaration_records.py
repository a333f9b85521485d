"""申报记录 (EMP-10), 工程项目社保费申报记录 (EMP-24) and 社保费申报明细 (EMP-20) against a real bureau on
loopback (spare units U000038, U000039 the builder): sync by a declaration-date range, 作废 of an
unpaid record with its result after 获取反馈, the bureau's refusal to void a paid one, a dropped void
answer re-sent with the same key voiding once, and the per-employee lines downloaded and kept.
Declarations are made through the bureau's HTTP API directly (the declare service is another's)."""

from __future__ import annotations

import datetime as dt
import io
import re
import time
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

import sbflib
from sbflib.domain import clock
from sbflib.employer.declaration_records import DeclaredLineFilter, RecordFilter
from sbflib.errors import BureauError, ConnectionFailed

UNIT = "U000038"
BUILDER = "U000039"
PASSWORD = "Test#2026"


def _settings(bureau: Any, delay: float) -> None:
    httpx.post(f"{bureau.api}/demo/settings", json={"feedback_delay_s": delay}, headers=bureau.demo_headers,
               timeout=10).raise_for_status()


@pytest.fixture
def session(logged_in, bureau):
    def open_unit(unit_id: str) -> tuple[Any, httpx.Client]:
        wb = logged_in(unit_id)
        http = httpx.Client(base_url=bureau.api, timeout=60,
                            headers={"Authorization": f"Bearer {wb.ctx.client.token}"})
        opened.append(http)
        return wb, http

    opened: list[httpx.Client] = []
    _settings(bureau, 0)
    yield open_unit
    for http in opened:
        http.close()
    _settings(bureau, 5)


def _declare(http: httpx.Client, unit_id: str, channel: str, pick: Any) -> tuple[str, list[dict[str, Any]]]:
    """Declare the preprocessing rows `pick(rows)` chooses (whole groups); wait for the decision."""
    rows = http.get(f"/units/{unit_id}/preprocessing", params={"channel": channel}).json()
    chosen = [r for r in pick(rows) if r["status"] == "未申报"]
    assert chosen
    due = sum((Decimal(r["amount"]) for r in chosen), Decimal("0.00"))
    resp = http.post(f"/units/{unit_id}/declarations", headers={"Idempotency-Key": uuid.uuid4().hex},
                     json={"channel": channel, "prep_ids": [r["prep_id"] for r in chosen], "total_due": f"{due:.2f}"})
    assert resp.status_code == 202, resp.text
    declaration_id: str = resp.json()["declarations"][0]["declaration_id"]
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        record = http.get(f"/units/{unit_id}/declarations/{declaration_id}").json()["record"]
        if record["status"] != "待反馈":
            break
        time.sleep(0.2)
    assert record["status"] == "申报成功", record
    return declaration_id, chosen


def _pension(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if r["source_code"] == "01" and "|10201|" in r["group_key"]]


def _unemployment(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if r["source_code"] == "01" and "|10202|" in r["group_key"]]


def _pay(bureau: Any, unit_id: str, declaration_id: str) -> None:
    paid = httpx.post(f"{bureau.api}/demo/units/{unit_id}/declarations/{declaration_id}/payment",
                      json={"pay_status": "已缴费"}, headers=bureau.demo_headers, timeout=10)
    assert paid.status_code == 200, paid.text


def test_sync_by_date_range_keeps_the_records_with_their_rows_and_decimal_money(session):
    wb, http = session(UNIT)
    records = wb.employer.declaration_records
    declaration_id, rows = _declare(http, UNIT, "daily", _pension)
    today = clock.today()

    assert records.sync(today - dt.timedelta(days=30), today - dt.timedelta(days=1)) == 0
    assert records.frame().empty
    steps: list[tuple[float, str]] = []
    assert records.sync(today, today, progress=lambda f, label="": steps.append((f, label))) == 1
    assert steps[-1][0] == 1.0 and all("申报" in label for _f, label in steps)
    df = records.frame()
    assert list(df["declaration_id"]) == [declaration_id]
    rec = df.iloc[0]
    assert rec["status"] == "申报成功" and rec["pay_status"] == "未缴费" and rec["channel_name"] == "日常申报"
    assert isinstance(rec["total_due"], Decimal)
    assert rec["total_due"] == sum(Decimal(r["amount"]) for r in rows)
    assert rec["rows_fetched"]          # the rows came with the sync
    assert records.unpaid_after_sync() == 1
    assert records.project.frame().empty  # a project record list of its own

    # A sync of an earlier range leaves today's record alone; a range that holds it again keeps it.
    assert records.sync(today - dt.timedelta(days=7), today - dt.timedelta(days=1)) == 0
    assert records.query(RecordFilter(declared_from=today, declared_to=today))[1] == 1
    assert records.query(RecordFilter(status="已作废"))[1] == 0

    # the 社会保险费申报表 of the record prints the taxpayer, every row and the total
    pdf = records.print_form(declaration_id)
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    assert wb.unit.taxpayer_id in text and wb.unit.name in text
    for r in rows:
        assert f"{r['unit_number']}{r['item_name']}{r['subitem_name']}{r['payer_name']}" in text
        assert f"{Decimal(r['amount']):,.2f}" in text
    assert f"合计{sum(Decimal(r['amount']) for r in rows):,.2f}" in text


def test_void_of_an_unpaid_record_is_decided_on_feedback_and_it_is_never_offered_for_payment(session):
    wb, http = session(UNIT)
    records = wb.employer.declaration_records
    declaration_id, rows = _declare(http, UNIT, "daily", _pension)
    records.sync(clock.today(), clock.today())

    answer = records.void(declaration_id)
    assert answer["status"] == "作废中"      # the bureau's answer to the void itself
    assert records.pending_voids() == []    # the answer came: no key kept
    assert records.feedback() == 1          # decided after the (zero) delay
    rec = records.frame().iloc[0]
    assert rec["status"] == "已作废" and rec["pay_status"] == ""
    assert records.unpaid_after_sync() == 0

    # A voided record can only be viewed: a second void is refused in Chinese, locally.
    with pytest.raises(Exception) as refused:
        records.void(declaration_id)
    assert "已作废" in str(refused.value)
    # Its rows are offered again.
    offered = http.get(f"/units/{UNIT}/preprocessing", params={"channel": "daily"}).json()
    again = {r["prep_id"]: r["status"] for r in offered}
    assert {again[r["prep_id"]] for r in rows} == {"未申报"}


def test_a_paid_record_is_not_voided_and_the_bureau_says_why(session, bureau):
    wb, http = session(UNIT)
    records = wb.employer.declaration_records
    declaration_id, _rows = _declare(http, UNIT, "daily", _unemployment)
    records.sync()
    _pay(bureau, UNIT, declaration_id)
    with pytest.raises(BureauError) as refused:
        records.void(declaration_id)
    assert refused.value.code == "DECLARATION_PAID"
    assert str(refused.value) == "该申报记录已缴费，不能作废"
    assert records.pending_voids() == []
    rec = records.frame().iloc[0]
    assert rec["status"] == "申报成功" and rec["pay_status"] == "已缴费"   # refreshed after the refusal
    assert records.unpaid_after_sync() == 0


def test_a_dropped_void_answer_is_sent_again_with_the_same_key_and_voids_once(session, bureau):
    wb, http = session(UNIT)
    data_dir = wb.data_dir
    declaration_id, _rows = _declare(http, UNIT, "daily", _pension)
    wb.employer.declaration_records.sync()
    fast = wb.ctx.client.derive(proxy=None, timeout=1.0, deadline=6.0, backoff=lambda attempt: 0.1)
    fast.demo_secret = bureau.demo_secret
    wb.ctx.client.close()
    wb.ctx.client = fast
    fast.demo.inject_fault(f"/api/v1/units/{UNIT}/declarations/{declaration_id}/void", "POST", "drop",
                           times=10, seconds=2)
    try:
        with pytest.raises(ConnectionFailed) as lost:
            wb.employer.declaration_records.void(declaration_id)
    finally:
        fast.demo.clear_faults()
    assert "再次作废不会重复作废" in str(lost.value)
    assert wb.employer.declaration_records.pending_voids() == [declaration_id]
    first = fast.declaration_records.detail(UNIT, declaration_id).record
    assert first.void_requested_at is not None  # the bureau did take it; we never heard

    # The client restarts on the same data folder: the void's key is still kept.
    wb.close()
    again = sbflib.open(data_dir, gateway_url=bureau.url)
    try:
        again.login(UNIT, PASSWORD)
        records = again.employer.declaration_records
        assert records.pending_voids() == [declaration_id]
        answer = records.void(declaration_id)
        assert answer["status"] == "作废中"
        assert records.pending_voids() == []
        records.feedback()
        assert records.status(declaration_id) == "已作废"
        final = again.gateway.declaration_records.detail(UNIT, declaration_id).record
        assert final.void_requested_at == first.void_requested_at  # one void, not two
    finally:
        again.close()


def test_lines_are_downloaded_once_and_kept_for_the_detail_and_the_query(session):
    wb, http = session(UNIT)
    records = wb.employer.declaration_records
    lines = wb.employer.declared_lines
    declaration_id, rows = _declare(http, UNIT, "daily", _pension)
    records.sync()
    missing = lines.missing()
    assert list(missing["declaration_id"]) == [declaration_id]
    steps: list[float] = []
    count = lines.download([declaration_id], progress=lambda f, label="": steps.append(f))
    assert count == sum(int(r["headcount"]) for r in rows) and steps[-1] == 1.0
    assert lines.missing().empty

    df = lines.frame()
    assert len(df) == count
    assert all(isinstance(v, Decimal) for v in df["amount"])
    assert sum(df["amount"]) == sum(Decimal(r["amount"]) for r in rows)
    assert set(df["item_name"]) == {"基本养老保险费"}
    assert all("*" in v for v in df["id_number"])            # masked unless asked
    assert not any("*" in v for v in lines.frame(masked=False)["id_number"])
    name = df.iloc[0]["name"]
    assert lines.query(DeclaredLineFilter(name=name))[1] >= 1

    served = len([r for r in wb.ctx.client.declaration_records.list(UNIT)])
    assert served == 1
    detail = records.detail(declaration_id)       # the lines held: nothing downloaded again
    assert len(detail.lines) == count and len(detail.rows) == len(rows)
    assert detail.can_void

    # 同步 in 社保费申报明细查询 downloads what is missing (a second declaration)
    second, more = _declare(http, UNIT, "daily", _unemployment)
    assert lines.sync() == sum(int(r["headcount"]) for r in more)
    assert set(lines.frame()["declaration_id"]) == {declaration_id, second}


def test_project_records_sync_view_and_void_on_their_own_list(session):
    wb, http = session(BUILDER)
    projects = wb.employer.declaration_records.project
    declaration_id, rows = _declare(http, BUILDER, "project", lambda rows: rows[:1])
    assert projects.sync(clock.today(), clock.today()) == 1
    assert wb.employer.declaration_records.sync() == 0   # not a fee record
    rec = projects.frame().iloc[0]
    assert rec["declaration_id"] == declaration_id and rec["channel_name"] == "工程项目社保费申报"
    detail = projects.detail(declaration_id)
    assert detail.rows.iloc[0]["project_no"] == rows[0]["project_no"]
    assert projects.void(declaration_id)["status"] == "作废中"
    assert projects.feedback() == 1 and projects.status(declaration_id) == "已作废"


def test_a_declaration_made_by_the_declare_service_shows_its_kept_lines_without_downloading(session, monkeypatch):
    wb, _http = session(UNIT)
    daily = wb.employer.declarations.channel("daily")
    daily.load()
    rows = daily.frame()
    pension = rows[(rows["source_code"] == "01") & rows["group_key"].str.contains("|10201|", regex=False)]
    prep_ids = list(pension["prep_id"])
    for prep_id in prep_ids:
        daily.lines(prep_id)              # a click on 缴费人数 keeps the lines
    receipt = daily.submit(prep_ids, confirmed_warnings=True)
    declaration_id = receipt.declarations[0][0]

    records = wb.employer.declaration_records
    records.sync(clock.today(), clock.today())
    assert records.status(declaration_id) == "申报成功"
    downloads: list[str] = []
    real = wb.ctx.client.declaration_records.lines
    monkeypatch.setattr(wb.ctx.client.declaration_records, "lines",
                        lambda unit_id, did: downloads.append(did) or real(unit_id, did))
    detail = records.detail(declaration_id)
    assert downloads == []                # the kept lines are the declared ones
    assert len(detail.lines) == int(pension["headcount"].sum())
    assert sum(detail.lines["amount"]) == sum(pension["amount"])
