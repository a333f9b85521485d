"""社保费测算 (beyond the official client) against the real bureau on loopback, spare unit U000040
(杭州, 税务自主 except 生育保险费): after a wage filing the client's trial, made from the rule files and
wages it keeps, equals the bureau's preprocessing row by row (one item and payer worked by hand with
Decimal); a base changed locally is listed with the amount of difference; D003 fires in
check_selection for the row that differs; a month without rules is refused in Chinese."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import httpx
import pytest

from sbflib.domain import clock
from sbflib.domain.declaration_checks import check_selection
from sbflib.domain.industry_classes import injury_class
from sbflib.domain.months import add_months
from sbflib.domain.wages import Adjust
from sbflib.errors import StateError
from sbflib.store.frames import frame

UNIT = "U000040"
FEN = Decimal("0.01")


@pytest.fixture
def unit_wb(logged_in, bureau):
    wb = logged_in(UNIT)
    wb.gateway.demo_secret = bureau.demo_secret
    wb.gateway.demo.set_feedback_delay(0)
    wb.update_after_login()  # 数据更新: 单位信息, rule files, the roster
    wb.employer.wage_records.feedback_wait_s = 0
    yield wb
    httpx.post(f"{bureau.api}/demo/settings", json={"feedback_delay_s": 5}, headers=bureau.demo_headers,
               timeout=10).raise_for_status()


def _preprocessing(wb, bureau) -> list[dict]:
    resp = httpx.get(f"{bureau.api}/units/{UNIT}/preprocessing", params={"channel": "daily"},
                     headers={"Authorization": f"Bearer {wb.ctx.client.token}"}, timeout=30)
    resp.raise_for_status()
    return [r for r in resp.json() if r["source_code"] == "01"]


def _file_wages(wb) -> None:
    """A daily filing for every paying employee this month (+3 %), and one employee's wage from two
    months back (back pay), both decided; then the roster update that brings the new bases."""
    month = clock.current_month()
    draft = wb.employer.wages.draft("daily", "employee")
    assert draft.add_all_normal(Adjust.ratio(103), month).added > 0
    draft.submit(draft.frame()["row_id"].tolist())
    back = wb.employer.wages.draft("daily", "employee")
    paying = wb.employer.roster.frame()
    first = paying[paying["status"] == "正常缴费"].iloc[0]
    back.add_one(first["employee_id"], back.tax_authorities()[0], Decimal("9876.54"), add_months(month, -2))
    rows = back.frame()
    back.submit(rows[rows["status"] == "未申报"]["row_id"].tolist())
    assert wb.employer.wage_records.feedback() >= 1
    records = wb.employer.wage_records.frame()
    assert set(records["status"]) <= {"全部申报成功", "部分申报成功"}
    wb.employer.roster.sync()


def test_after_a_wage_filing_the_trial_equals_the_preprocessing_row_by_row(unit_wb, bureau):
    wb = unit_wb
    _file_wages(wb)
    month = clock.current_month()
    prep = _preprocessing(wb, bureau)
    months = sorted({r["period_start"] for r in prep})
    assert month in months and add_months(month, -2) in months  # the back-pay month is offered too

    trial = wb.employer.trial.trial(months)
    with pytest.raises(StateError, match="尚未获取"):  # 核对 needs the page's preprocessing
        wb.employer.trial.compare("daily")
    assert wb.employer.declarations.channel("daily").load() > 0
    got = {(r["unit_number"], r["item_code"], r["payer"], r["month"]): r for r in trial.rows.to_dict("records")}
    want = {(r["unit_number"], r["item_code"], r["payer"], r["period_start"]): r for r in prep}
    assert set(got) == set(want)
    for key, row in want.items():
        mine = got[key]
        assert mine["headcount"] == row["headcount"], key
        assert mine["base_total"] == Decimal(row["base_total"]), key
        assert mine["amount"] == Decimal(row["amount"]), key
        assert isinstance(mine["amount"], Decimal)
    assert wb.employer.trial.compare("daily").empty

    # By hand: 基本养老保险费, unit part, this month: each paying employee's base (the roster's, held
    # between 4612.00 and 23061.00) × 0.16, rounded half up to the fen, then added.
    with wb.store.read() as con:
        bases = frame(con, """
            SELECT i.employee_id, max(i.base) AS base FROM employee_items i JOIN employees e
              ON e.unit_id = i.unit_id AND e.employee_id = i.employee_id
            WHERE i.unit_id = ? AND i.item_code = '10201' AND i.collection_mode = '税务自主'
              AND e.start_month <= ? AND (e.stop_month IS NULL OR e.stop_month = '' OR e.stop_month >= ?)
              AND i.start_month <= ? AND (i.stop_month IS NULL OR i.stop_month = '' OR i.stop_month >= ?)
            GROUP BY i.employee_id""", [UNIT, month, month, month, month])
    floor, cap, rate = Decimal("4612.00"), Decimal("23061.00"), Decimal("0.16")
    held = [min(max(b, floor), cap) for b in bases["base"]]
    amount = sum(((b * rate).quantize(FEN, ROUND_HALF_UP) for b in held), Decimal("0.00"))
    row = trial.rows[(trial.rows["item_code"] == "10201") & (trial.rows["payer"] == "unit")
                     & (trial.rows["month"] == month)].iloc[0]
    assert row["headcount"] == len(held) and row["base_total"] == sum(held, Decimal("0.00"))
    assert row["amount"] == amount

    # 工伤保险费 goes by the unit's industry class (单位信息: 商务服务业, 二类).
    industry = wb.unit_info.profile()["行业"]
    assert injury_class(industry) == 2
    injury = trial.rows[(trial.rows["item_code"] == "10204") & (trial.rows["month"] == month)]
    assert list(injury["payer"]) == ["unit"] and list(injury["rate"]) == [Decimal("0.004")]


def test_a_locally_changed_base_is_listed_with_its_difference_and_d003_fires(unit_wb, bureau):
    wb = unit_wb
    month = clock.current_month()
    daily = wb.employer.declarations.channel("daily")
    daily.load()
    assert wb.employer.trial.compare("daily", [month]).empty
    with wb.store.read() as con:
        target = frame(con, """SELECT employee_id, base FROM employee_items WHERE unit_id = ? AND item_code = '10202'
                                 AND collection_mode = '税务自主' AND base BETWEEN 6000 AND 20000
                               ORDER BY employee_id LIMIT 1""", [UNIT]).iloc[0]
    with wb.store.work() as con:  # as if the roster here were out of date by 1000.00 for one employee
        con.execute("UPDATE employee_items SET base = base + 1000 WHERE unit_id = ? AND employee_id = ? "
                    "AND item_code = '10202'", [UNIT, target["employee_id"]])
    diff = wb.employer.trial.compare("daily", [month])
    assert set(diff["item_code"]) == {"10202"} and set(diff["payer"]) == {"unit", "personal"}
    rate = Decimal("0.005")
    gap = ((target["base"] * rate).quantize(FEN, ROUND_HALF_UP)
           - ((target["base"] + 1000) * rate).quantize(FEN, ROUND_HALF_UP))
    assert list(diff["difference"]) == [gap, gap]  # preprocessing − trial, unit and personal
    assert all(isinstance(v, Decimal) for v in diff["trial_amount"])
    assert set(diff["reason"]) == {"应缴费额不同、缴费基数合计不同"}
    assert set(diff["item_name"]) == {"失业保险费"} and set(diff["payer_name"]) == {"单位", "个人"}

    # Per employee: the one line that differs, from the preprocessing's lines (downloaded, kept).
    people = wb.employer.trial.compare_employees("daily")
    assert set(people["employee_id"]) == {target["employee_id"]} and list(people["difference"]) == [gap, gap]
    assert people["name"].notna().all() and set(people["reason"]) == {"应缴费额不同、缴费基数不同"}

    prep = daily.frame()
    now = prep[(prep["period_start"] == month) & (prep["source_code"] == "01")]
    group = now[now["item_code"] == "10202"]
    inputs = wb.employer.trial.check_inputs([month])
    assert inputs is not None and set(inputs) == {"trial", "insured", "wages"}
    report = check_selection(now, set(group["prep_id"]), current_month=month, **inputs)
    d003 = [f for f in report.findings if f.code == "D003"]
    assert {f.row for f in d003} == set(group["prep_id"]) and {f.difference for f in d003} == {gap}
    assert "测算" in d003[0].message and not report.blocked
    # The declaration page's own check runs the trial (wired in the workbench).
    page_report = daily.check(list(group["prep_id"]))
    assert {f.row for f in page_report.findings if f.code == "D003"} == set(group["prep_id"])
    # Another item, same inputs: nothing to say.
    pension = now[now["item_code"] == "10201"]
    assert not [f for f in check_selection(now, set(pension["prep_id"]), current_month=month, **inputs).findings
                if f.code == "D003"]


def test_months_without_rules_are_refused_in_chinese(unit_wb):
    wb = unit_wb
    with pytest.raises(StateError, match="规则") as err:
        wb.employer.trial.trial(["2019-01"])
    assert "2019-01" in str(err.value)
    assert wb.employer.trial.check_inputs(["2019-01"]) is None
    with wb.store.work() as con:
        con.execute("DELETE FROM rule_files")
    with pytest.raises(StateError, match="规则文件"):
        wb.employer.trial.trial()
