"""The bureau's wage filings in-process (sbflib/bureau/wages.py): the body check, the annual month of
the rule files, and deciding on a seeded store with the clock pinned: back pay, bases that wait for
their month, the worker."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import Any

import pytest

from sbflib.bureau import wages
from sbflib.bureau.errors import Refusal
from sbflib.bureau.rules import annual_wage_month
from sbflib.bureau.seed import seed
from sbflib.bureau.store import BureauStore
from sbflib.domain import clock
from sbflib.domain.rules import unsourced_figures

UNIT = "U000026"
GOOD = {"employee_id": "E000000001", "item_code": None, "wage": "7000.5", "month": "2026-11"}


def _body(lines: list[Any], **top: Any) -> bytes:
    return json.dumps({"kind": "daily", "way": "employee", "tax_authority": "某税务局", "lines": lines,
                       **top}).encode()


def test_a_good_body_becomes_columns_numbered_from_one():
    parsed = wages.parse_filing(_body([GOOD, {**GOOD, "employee_id": "E000000002"}]))
    assert (parsed.kind, parsed.way, parsed.tax_authority) == ("daily", "employee", "某税务局")
    assert parsed.lines.column("line_no").to_pylist() == [1, 2]
    assert parsed.lines.column("wage").to_pylist() == ["7000.5", "7000.5"]
    assert len(parsed.body_sha256) == 64


@pytest.mark.parametrize(("lines", "top", "words"), [
    ([GOOD, {**GOOD, "wage": "-1"}], {}, "第2行字段【缴费工资】"),
    ([GOOD, {**GOOD, "wage": "0.00"}], {}, "第2行字段【缴费工资】"),
    ([GOOD, {**GOOD, "wage": 7000}], {}, "第2行字段【缴费工资】（wage）应为文本"),
    ([GOOD, {**GOOD, "wage": "1.234"}], {}, "第2行"),
    ([{**GOOD, "employee_id": "E 1"}], {}, "第1行字段【职工ID】"),
    ([GOOD, GOOD, {**GOOD, "month": "2026-1"}], {}, "第3行字段【生效年月】"),
    ([{**GOOD, "item_code": "10201"}], {}, "第1行字段【险种编码】"),
    ([GOOD], {"way": "item"}, "第1行字段【险种编码】"),
    ([GOOD], {"kind": "annual"}, "第1行字段【生效年月】（month）应为空"),
    ([GOOD, "x"], {}, "第2行应为JSON对象"),
    ([], {}, "lines"),
    ([GOOD], {"kind": "monthly"}, "kind"),
    ([GOOD], {"tax_authority": " "}, "tax_authority"),
])
def test_malformed_bodies_are_refused_naming_the_line(lines, top, words):
    with pytest.raises(Refusal) as info:
        wages.parse_filing(_body(lines, **top))
    assert info.value.status == 422 and words in info.value.message


def test_not_json_and_too_many_lines_are_refused():
    for body in (b"{", b"[]", b"\xff"):
        with pytest.raises(Refusal):
            wages.parse_filing(body)
    with pytest.raises(Refusal) as info:
        wages.parse_filing(_body([GOOD] * (wages.MAX_LINES + 1)))
    assert "最多100000行" in info.value.message


def test_100000_lines_are_checked_quickly():
    lines = [{**GOOD, "employee_id": f"E{n:09d}"} for n in range(wages.MAX_LINES)]
    body = _body(lines)
    started = time.perf_counter()
    parsed = wages.parse_filing(body)
    took = time.perf_counter() - started
    assert parsed.lines.num_rows == wages.MAX_LINES
    assert took < 3, took  # 0.31 s here for 100,000 lines; pydantic models of the lines took 0.94 s


def test_the_annual_month_is_the_start_of_the_contribution_year_of_each_region():
    for region in ("330100", "440300", "310100"):
        assert annual_wage_month(region, "2026-11") == "2026-07"
        assert annual_wage_month(region, "2026-07") == "2026-07"
        assert annual_wage_month(region, "2027-06") == "2026-07"


def test_an_annual_month_needs_a_source_or_a_reason():
    doc = {"sources": {}, "annual_wage": [{"valid_from": "2019-01", "effective_month": "07"}]}
    assert unsourced_figures(doc) == ["annual_wage[0] 2019-01"]
    doc["annual_wage"][0].update({"confirmed": False, "reason": "演示值"})
    assert unsourced_figures(doc) == []


# --- deciding on a seeded store ----------------------------------------------------------------


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("wages") / "bureau.duckdb"
    clock.set_today("2026-09-15")
    try:
        seed(path, seed=5, employees=20, residents=0)
    finally:
        clock.reset()
    opened = BureauStore(path)
    yield opened
    opened.close()


@pytest.fixture
def september(store):
    clock.set_today("2026-09-15")
    wages.clear_unit(store, UNIT)
    yield store
    clock.reset()


def _employee(store: BureauStore, n: int = 0) -> str:
    with store.reading() as cur:
        rows = cur.execute("SELECT employee_id FROM employees WHERE unit_id = ? AND stop_month IS NULL "
                           "AND start_month <= '2026-01' ORDER BY employee_id", [UNIT]).fetchall()
    return str(rows[n][0])


def _authority(store: BureauStore) -> str:
    with store.reading() as cur:
        return str(cur.execute("SELECT tax_authority FROM units WHERE unit_id = ?", [UNIT]).fetchall()[0][0])


def _file(store: BureauStore, lines: list[dict[str, Any]], way: str = "item") -> str:
    body = json.dumps({"kind": "daily", "way": way, "tax_authority": _authority(store), "lines": lines}).encode()
    record = wages.submit(store, UNIT, wages.parse_filing(body), 0)
    wages.decide_due(store, UNIT)
    return str(record["filing_id"])


def _base(store: BureauStore, employee_id: str, item: str) -> Decimal:
    with store.reading() as cur:
        return Decimal(cur.execute("SELECT max(base) FROM employee_items WHERE unit_id = ? AND employee_id = ? "
                                   "AND item_code = ?", [UNIT, employee_id, item]).fetchall()[0][0])


def _seq(store: BureauStore, employee_id: str) -> int:
    with store.reading() as cur:
        return int(cur.execute("SELECT change_seq FROM employees WHERE unit_id = ? AND employee_id = ?",
                               [UNIT, employee_id]).fetchall()[0][0])


def _back_pay(store: BureauStore, employee_id: str) -> list[tuple[str, str, Decimal]]:
    with store.reading() as cur:
        return cur.execute("SELECT item_code, month, base FROM wage_back_pay WHERE unit_id = ? AND employee_id = ? "
                           "ORDER BY item_code, month", [UNIT, employee_id]).fetchall()


def test_a_past_month_makes_back_pay_under_each_month_floor_and_sets_todays_base(september):
    store = september
    emp = _employee(store)
    before = _seq(store, emp)
    filing = _file(store, [{"employee_id": emp, "item_code": "10201", "wage": "3000", "month": "2026-05"}])
    line = wages.filing_detail(store, UNIT, filing)["lines"].to_pylist()[0]
    assert (line["status"], line["base"]) == ("成功", Decimal("4462.00"))  # the 2025-07 floor in force in May
    assert "按下限4462.00" in line["reason"]
    # May and June under the 2025-07 floor, July and August under the 2026-07 one; not September.
    assert _back_pay(store, emp) == [("10201", "2026-05", Decimal("4462.00")), ("10201", "2026-06", Decimal("4462.00")),
                                     ("10201", "2026-07", Decimal("4612.00")), ("10201", "2026-08", Decimal("4612.00"))]
    assert _base(store, emp, "10201") == Decimal("4612.00")  # September's floor
    assert _seq(store, emp) > before


def test_a_back_filing_never_overrides_a_later_base_and_its_back_pay_stops_there(september):
    store = september
    emp = _employee(store, 1)
    _file(store, [{"employee_id": emp, "item_code": None, "wage": "9000", "month": "2026-08"}], way="employee")
    _file(store, [{"employee_id": emp, "item_code": None, "wage": "8000", "month": "2026-06"}], way="employee")
    assert _base(store, emp, "10203") == Decimal("9000.00")
    assert _base(store, emp, "10205") != Decimal("9000.00")  # 税务代征 in 杭州: untouched
    months = {(item, month): base for item, month, base in _back_pay(store, emp)}
    assert months[("10203", "2026-06")] == months[("10203", "2026-07")] == Decimal("8000.00")
    assert months[("10203", "2026-08")] == Decimal("9000.00")
    assert {item for item, _ in months} == {"10201", "10202", "10203", "10204"}


def test_a_future_month_waits_in_the_history_until_its_month_comes(september):
    store = september
    emp = _employee(store, 2)
    old = _base(store, emp, "10202")
    filing = _file(store, [{"employee_id": emp, "item_code": "10202", "wage": "10000", "month": "2026-11"}])
    assert wages.filing_detail(store, UNIT, filing)["status"] == "全部申报成功"
    assert _base(store, emp, "10202") == old and _back_pay(store, emp) == []
    seq = _seq(store, emp)
    clock.set_today("2026-10-20")
    wages.decide_due(store)
    assert _base(store, emp, "10202") == old
    clock.set_today("2026-11-02")
    wages.decide_due(store)  # the worker's round
    assert _base(store, emp, "10202") == Decimal("10000.00")
    assert _seq(store, emp) > seq


def test_the_worker_decides_without_a_read_and_stops(september):
    store = september
    emp = _employee(store, 3)
    body = json.dumps({"kind": "daily", "way": "employee", "tax_authority": _authority(store),
                       "lines": [{"employee_id": emp, "item_code": None, "wage": "6000", "month": "2026-09"}]}).encode()
    record = wages.submit(store, UNIT, wages.parse_filing(body), 0)
    worker = wages.FeedbackWorker(store, interval=0.05)
    worker.start()
    try:
        deadline = time.monotonic() + 10
        status = "待反馈"
        while status == "待反馈" and time.monotonic() < deadline:
            time.sleep(0.05)
            with store.reading() as cur:
                status = cur.execute("SELECT status FROM wage_filings WHERE filing_id = ?",
                                     [record["filing_id"]]).fetchall()[0][0]
    finally:
        worker.stop()
    assert status == "全部申报成功"
    assert worker._thread is None


def test_a_pending_filing_waits_for_its_delay(september):
    store = september
    emp = _employee(store, 4)
    body = json.dumps({"kind": "annual", "way": "employee", "tax_authority": _authority(store),
                       "lines": [{"employee_id": emp, "item_code": None, "wage": "6000"}]}).encode()
    record = wages.submit(store, UNIT, wages.parse_filing(body), 3600)
    assert wages.decide_due(store, UNIT) == 0
    detail = wages.filing_detail(store, UNIT, record["filing_id"])
    line = detail["lines"].to_pylist()[0]
    assert detail["status"] == "待反馈" and line["status"] == "待反馈" and line["month"] == "2026-07"
    assert line["name"] and line["old_wage"] == _base(store, emp, "10201")  # the roster's, while pending


def test_an_annual_wage_holds_from_the_start_of_a_later_joiner(september):
    store = september
    joiner = _employee(store, 5)
    with store.writing() as cur:  # this employee joined in August of the contribution year
        for table in ("employees", "employee_items"):
            cur.execute(f"UPDATE {table} SET start_month = '2026-08' WHERE unit_id = ? AND employee_id = ?",
                        [UNIT, joiner])
    body = json.dumps({"kind": "annual", "way": "employee", "tax_authority": _authority(store),
                       "lines": [{"employee_id": joiner, "item_code": None, "wage": "6000"}]}).encode()
    record = wages.submit(store, UNIT, wages.parse_filing(body), 0)
    line = wages.filing_detail(store, UNIT, record["filing_id"])["lines"].to_pylist()[0]
    assert (line["status"], line["month"]) == ("成功", "2026-08")
    assert [m for _, m, _ in _back_pay(store, joiner)][:1] == ["2026-08"]


def test_serve_takes_a_feedback_delay_and_refuses_a_bad_one(tmp_path, capsys):
    from sbflib.bureau.cli import _parser, main

    assert _parser().parse_args(["serve"]).feedback_delay == wages.DEFAULT_FEEDBACK_DELAY_S == 5
    assert _parser().parse_args(["serve", "--feedback-delay", "0.5"]).feedback_delay == 0.5
    for bad in ("-1", "nan", "100000"):
        assert main(["serve", "--store", str(tmp_path / "b.duckdb"), "--feedback-delay", bad]) == 2
        assert "--feedback-delay" in capsys.readouterr().err
    assert not (tmp_path / "b.duckdb").exists()
