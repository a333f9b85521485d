"""缴费工资申报 (EMP-3..7) through the client against the real bureau on loopback: success, partial
success with reasons, annual months, the 代征 filter, a lost answer (one filing only, also across a
restart with 提交中 rows), the edit list across reopening, and the new base in the next roster update.

Units U000022 and U000023 belong to these tests (杭州: 生育保险费 10205 is collected 税务代征 there).
The bureau decides filings at once (`client.demo.set_feedback_delay(0)`)."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pyarrow as pa
import pytest

import sbflib
from sbflib.domain import clock
from sbflib.domain.wages import Adjust
from sbflib.employer.wages import SENDING, SENT, UNSENT, WageDraftFilter
from sbflib.errors import ConnectionFailed
from sbflib.store import wages as wages_repo

UNIT = "U000022"
OTHER = "U000023"
ASSESSED_ITEM = "10205"   # 生育保险费: 税务代征 in 杭州
PASSWORD = "Test#2026"


def _ready(wb):
    """Roster fetched, the bureau deciding at once, no countdown."""
    wb.gateway.demo.set_feedback_delay(0)
    wb.employer.roster.sync(full=True)
    wb.employer.wage_records.feedback_wait_s = 0
    return wb


def _default_delay(bureau):
    httpx.post(f"{bureau.api}/demo/settings", json={"feedback_delay_s": 5}, headers=bureau.demo_headers,
               timeout=10).raise_for_status()


@pytest.fixture
def unit_wb(logged_in, bureau):
    wb = logged_in(UNIT)
    wb.gateway.demo_secret = bureau.demo_secret
    yield _ready(wb)
    _default_delay(bureau)


@pytest.fixture
def other_wb(logged_in, bureau):
    wb = logged_in(OTHER)
    wb.gateway.demo_secret = bureau.demo_secret
    yield _ready(wb)
    _default_delay(bureau)


def _record(wb, filing_id):
    df = wb.employer.wage_records.frame()
    return df[df["filing_id"] == filing_id].iloc[0]


def test_a_daily_filing_of_every_paying_employee_succeeds(unit_wb):
    wb = unit_wb
    draft = wb.employer.wages.draft("daily", "employee")
    result = draft.add_all_normal(Adjust.ratio(100), clock.current_month())
    assert result.added > 0
    receipt = draft.submit(draft.frame()["row_id"].tolist())
    assert receipt.status == "待反馈" and receipt.employees == result.added
    assert set(draft.frame()["status"]) == {SENT}
    assert wb.employer.wage_records.feedback() == 1
    record = _record(wb, receipt.filing_id)
    assert record["status"] == "全部申报成功" and record["kind"] == "日常缴费工资申报"
    lines = wb.employer.wage_records.lines(receipt.filing_id)
    assert len(lines) == receipt.lines and set(lines["status"]) == {"成功"}
    assert lines["id_number"].str.contains(r"\*{8}").all()


def test_partial_success_names_the_reason_of_each_line(unit_wb):
    wb = unit_wb
    draft = wb.employer.wages.draft("daily", "employee")
    month = clock.current_month()
    roster = wb.employer.roster.frame()
    paying = roster[roster["status"] == "正常缴费"]["employee_id"].tolist()
    stopped = roster[roster["status"] == "停止缴费"]["employee_id"].tolist()
    assert len(paying) >= 3 and stopped, "the demo unit needs paying and stopped employees"
    authority = draft.tax_authorities()[0]
    draft.add_one(paying[0], authority, Decimal("1.00"), month)          # below the floor: raised
    draft.add_one(paying[1], authority, Decimal("9999999.00"), month)    # above the cap: cut
    draft.add_one(paying[2], authority, Decimal("8000.00"), month)
    # A row for an employee who stopped paying before this month, as a list made before the roster
    # changed would hold it: the client lets it through, the bureau refuses that line.
    with wb.store.work() as con:
        wages_repo.insert_rows(con, UNIT, "daily", "employee", pa.table({
            "employee_id": [stopped[0]], "tax_authority": [authority],
            "new_wage": pa.array([Decimal("8000.00")], pa.decimal128(18, 2)), "month": [month],
        }))
    receipt = draft.submit(draft.frame()["row_id"].tolist())
    wb.employer.wage_records.feedback()
    assert _record(wb, receipt.filing_id)["status"] == "部分申报成功"
    lines = wb.employer.wage_records.lines(receipt.filing_id).set_index("employee_id")
    low, high, fine, gone = (lines.loc[e] for e in (paying[0], paying[1], paying[2], stopped[0]))
    assert low["status"] == "成功" and low["base"] > low["new_wage"] and low["reason"]
    assert high["status"] == "成功" and high["base"] < high["new_wage"] and high["reason"]
    assert fine["status"] == "成功"
    assert gone["status"] == "失败" and gone["reason"]


def test_annual_filings_get_their_month_from_the_bureau(unit_wb):
    wb = unit_wb
    draft = wb.employer.wages.draft("annual", "employee")
    assert "month" not in draft.columns
    draft.add_all_normal(Adjust.ratio(105))
    receipt = draft.submit(draft.frame()["row_id"].tolist())
    wb.employer.wage_records.feedback()
    record = _record(wb, receipt.filing_id)
    assert record["kind"] == "年度缴费工资申报"
    months = wb.employer.wage_records.lines(receipt.filing_id)["month"]
    assert months.notna().all() and months.str.fullmatch(r"\d{4}-\d{2}").all()


def test_items_collected_by_the_other_office_are_never_added_nor_sent(unit_wb):
    wb = unit_wb
    draft = wb.employer.wages.draft("daily", "item")
    codes = [code for code, _name in draft.items()]
    assert ASSESSED_ITEM not in codes and codes
    assert wb.employer.roster.items()["item_code"].eq(ASSESSED_ITEM).any()  # the roster does hold it
    draft.add_all_normal(Adjust.fixed(6000), clock.current_month())
    assert ASSESSED_ITEM not in set(draft.frame()["item_code"])
    receipt = draft.submit(draft.frame()["row_id"].tolist())
    wb.employer.wage_records.feedback()
    lines = wb.employer.wage_records.lines(receipt.filing_id)
    assert ASSESSED_ITEM not in set(lines["item_code"]) and set(lines["status"]) == {"成功"}


def test_a_dropped_answer_is_retried_with_the_same_key_and_makes_one_filing(other_wb, bureau):
    wb = other_wb
    # Short tries, so a dropped answer is given up on quickly and retried with the same key.
    fast = wb.ctx.client.derive(proxy=None, timeout=1.0, deadline=20.0, backoff=lambda attempt: 0.1)
    wb.ctx.client.close()
    wb.ctx.client = fast
    draft = wb.employer.wages.draft("daily", "employee")
    draft.add_all_normal(Adjust.ratio(110), clock.current_month())
    before = len(wb.gateway.wages.list(OTHER))
    fast.demo.inject_fault(f"/api/v1/units/{OTHER}/wage-filings", "POST", "drop", times=1, seconds=3)
    try:
        receipt = draft.submit(draft.frame()["row_id"].tolist())
    finally:
        fast.demo.clear_faults()
    assert len(wb.gateway.wages.list(OTHER)) == before + 1
    assert set(draft.frame()["status"]) == {SENT} and receipt.filing_id


def test_a_lost_answer_then_a_restart_resends_the_same_key_and_never_files_twice(other_wb, bureau):
    wb = other_wb
    data_dir = wb.data_dir
    fast = wb.ctx.client.derive(proxy=None, timeout=1.0, deadline=8.0, backoff=lambda attempt: 0.1)
    wb.ctx.client.close()
    wb.ctx.client = fast
    draft = wb.employer.wages.draft("daily", "employee")
    draft.add_all_normal(Adjust.ratio(120), clock.current_month())
    ids = draft.frame()["row_id"].tolist()
    before = len(fast.wages.list(OTHER))
    fast.demo.inject_fault(f"/api/v1/units/{OTHER}/wage-filings", "POST", "drop", times=10, seconds=3)
    try:
        with pytest.raises(ConnectionFailed) as lost:
            draft.submit(ids)
    finally:
        fast.demo.clear_faults()
    assert "提交中" in str(lost.value)
    assert set(draft.frame()["status"]) == {SENDING}
    made = len(fast.wages.list(OTHER)) - before
    assert made == 1    # the bureau did file it; we never heard

    # The client restarts on the same data folder: the rows are still 提交中 with their key.
    wb.close()
    again = sbflib.open(data_dir, gateway_url=bureau.url)
    try:
        again.login(OTHER, PASSWORD)
        draft = again.employer.wages.draft("daily", "employee")
        assert set(draft.frame(WageDraftFilter(status=SENDING))["row_id"]) == set(ids)
        receipt = draft.submit(ids)
        assert len(again.gateway.wages.list(OTHER)) == before + 1   # the same filing, not a second
        assert set(draft.frame()["status"]) == {SENT} and set(draft.frame()["filing_id"]) == {receipt.filing_id}
    finally:
        again.close()


def test_the_edit_list_survives_reopening_the_workbench(other_wb, bureau):
    wb = other_wb
    draft = wb.employer.wages.draft("daily", "item")
    added = draft.add_all_normal(Adjust.ratio(100), clock.current_month()).added
    kept = draft.frame()
    wb.close()
    again = sbflib.open(wb.data_dir, gateway_url=bureau.url)
    try:
        again.login(OTHER, PASSWORD)
        reopened = again.employer.wages.draft("daily", "item").frame()
        assert len(reopened) == added and reopened.equals(kept)
        assert set(reopened["status"]) == {UNSENT}
    finally:
        again.close()


def test_the_next_roster_update_shows_the_new_base(other_wb):
    wb = other_wb
    draft = wb.employer.wages.draft("daily", "employee")
    roster = wb.employer.roster.frame()
    employee = roster[roster["status"] == "正常缴费"]["employee_id"].iloc[0]
    draft.add_one(employee, draft.tax_authorities()[0], Decimal("8888.00"), clock.current_month())
    receipt = draft.submit(draft.frame()["row_id"].tolist())
    wb.employer.wage_records.feedback()
    line = wb.employer.wage_records.lines(receipt.filing_id).iloc[0]
    assert line["status"] == "成功"
    wb.employer.roster.sync()
    items = wb.employer.roster.items()
    own = items[(items["employee_id"] == employee) & (items["collection_mode"] == "税务自主")]
    assert set(own["base"]) == {line["base"]}
