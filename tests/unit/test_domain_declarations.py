"""Pure rules of the fee declarations (sbflib.domain.declarations, sbflib.domain.declaration_checks): the
two grouping rules over a page of rows, the trial calculation (测算) worked by hand, its comparison with
the bureau's preprocessing, and the pre-submission check catalogue."""

from __future__ import annotations

import datetime as dt
import functools
import random
import re
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import sbflib.domain.declaration_checks as checks_module
from sbflib.bureau.rules import contribution_rules
from sbflib.domain.contributions import contribution
from sbflib.domain.declaration_checks import CATALOGUE, ERROR, WARNING, CheckReport, check_selection
from sbflib.domain.declarations import (
    COMPARE_COLUMNS,
    TRIAL_LINE_COLUMNS,
    TRIAL_ROW_COLUMNS,
    compare_lines,
    compare_with_preprocessing,
    fen_to_money,
    group_key,
    group_keys,
    incomplete_groups,
    money_to_fen,
    partial_groups,
    round_fen,
    trial_calculation,
)
from sbflib.domain.errors import RuleViolation
from sbflib.domain.money import HALF_UP_TO_FEN, JIAO, UP_TO_JIAO, YUAN, Rounding, round_money
from sbflib.domain.rules import ContributionRules

D = Decimal
HZ = "330100"  # 杭州: half up to the fen; 2026-07 on floor 4612.00, cap 23061.00
SH = "310100"  # 上海: 见分进角 (ROUND_UP to the jiao); 2024-07 on floor 7384.00, cap 36921.00


# --- grouping ------------------------------------------------------------------------------------

def _row(prep_id, source="01", unit="1234", item="10201", payer="unit", start="2026-11", end="2026-11",
         notice=None, status="未申报", amount="100.00", **more):
    return {"prep_id": prep_id, "source_code": source, "unit_number": unit, "item_code": item, "payer": payer,
            "period_start": start, "period_end": end, "notice_no": notice, "status": status,
            "amount": D(amount), **more}


def test_self_declared_rows_group_by_period_item_and_unit_number_vectorised():
    rows = pd.DataFrame([_row("a"), _row("b", payer="personal"), _row("c", item="10202"), _row("d", unit="9"),
                         _row("e", start="2026-10"), _row("f", end="2026-12")])
    keys = group_keys(rows).tolist()
    assert keys[0] == keys[1] == "01|1234|10201|2026-11|2026-11"
    assert len(set(keys[1:])) == 5  # item, unit number, period start and period end each split a group


def test_assessed_rows_group_by_unit_number_and_notice_whatever_item_and_period():
    rows = pd.DataFrame([_row("x1", "03", notice="N1"), _row("x2", "03", item="10205", start="2026-10", notice="N1"),
                         _row("y", "03", notice="N2"), _row("z", "03", unit="77", notice="N1"),
                         _row("s", "02", notice="N1")])
    keys = group_keys(rows).tolist()
    assert keys[0] == keys[1] == "03|1234|N1"
    assert len(set(keys)) == 4  # another notice, another unit number, and 特殊缴费 (02) is a kind of its own


def test_group_keys_equal_group_key_row_by_row():
    rng = random.Random(10)
    rows = [_row(f"p{n}", rng.choice(["01", "02", "03"]), rng.choice(["1", "2"]), rng.choice(["10201", "10202"]),
                 rng.choice(["unit", "personal"]), rng.choice(["2026-10", "2026-11"]), rng.choice(["2026-11", "2026-12"]),
                 rng.choice(["N1", "N2", None])) for n in range(500)]
    assert group_keys(pd.DataFrame(rows)).tolist() == [group_key(r) for r in rows]


def test_partial_groups_names_the_rows_left_out():
    rows = pd.DataFrame([_row("a"), _row("b", payer="personal"), _row("c", item="10202"),
                         _row("n1", "03", notice="N"), _row("n2", "03", item="10205", notice="N"),
                         _row("old", payer="personal", status="已申报")])  # declared: not offered, not counted
    assert partial_groups(rows, {"a", "b", "c"}).empty
    got = partial_groups(rows, {"a", "c", "n2"})
    assert got[["group_key", "selected", "total", "missing"]].to_dict("records") == [
        {"group_key": "01|1234|10201|2026-11|2026-11", "selected": 1, "total": 2, "missing": ["b"]},
        {"group_key": "03|1234|N", "selected": 1, "total": 2, "missing": ["n1"]}]
    assert got["group_label"][0] == "单位编号1234、征收项目10201、费款所属期2026-11至2026-11"
    assert partial_groups(rows, set()).empty


def test_partial_groups_agree_with_incomplete_groups():
    rng = random.Random(11)
    rows = [_row(f"p{n}", rng.choice(["01", "03"]), rng.choice(["1", "2"]), rng.choice(["10201", "10202"]),
                 rng.choice(["unit", "personal"]), notice=rng.choice(["N1", "N2"])) for n in range(60)]
    for _ in range(50):
        chosen = {r["prep_id"] for r in rows if rng.random() < 0.5}
        got = partial_groups(pd.DataFrame(rows), chosen)
        assert list(zip(got["group_key"], got["missing"], strict=True)) == incomplete_groups(rows, chosen)


# --- the trial calculation, worked by hand -------------------------------------------------------

def _wages(*lines):
    """(employee, item, month, wage[, unit number]) → the trial's input."""
    return pd.DataFrame([{"employee_id": e, "item_code": i, "month": m, "wage": None if w is None else D(w),
                          "unit_number": rest[0] if rest else "330108700935"} for e, i, m, w, *rest in lines])


def _amounts(trial):
    return {(r["employee_id"], r["item_code"], r["payer"]): (r["base"], r["amount"])
            for r in trial.lines.to_pylist()}


def test_hangzhou_worked_example_per_item_and_payer():
    # 杭州 2026-11, wage 8000.50 (between floor 4612.00 and cap 23061.00: base 8000.50), class 1 industry;
    # half up to the fen:
    #   养老 10201 单位 8000.50 × 0.16  = 1280.0800  → 1280.08
    #   养老 10201 个人 8000.50 × 0.08  =  640.0400  →  640.04
    #   失业 10202 单位 8000.50 × 0.005 =   40.0025  →   40.00
    #   失业 10202 个人 8000.50 × 0.005 =   40.0025  →   40.00
    #   医疗 10203 单位 8000.50 × 0.095 =  760.0475  →  760.05
    #   医疗 10203 个人 8000.50 × 0.02  =  160.0100  →  160.01
    #   工伤 10204 单位 8000.50 × 0.002 =   16.0010  →   16.00  (个人 0: no line)
    #   生育 10205 单位 8000.50 × 0.008 =   64.0040  →   64.00  (个人 0: no line)
    rules = contribution_rules(HZ)
    items = ("10201", "10202", "10203", "10204", "10205")
    trial = trial_calculation(rules, _wages(*[("E1", i, "2026-11", "8000.50") for i in items]), injury_class=1)
    by_hand = {("10201", "unit"): "1280.08", ("10201", "personal"): "640.04", ("10202", "unit"): "40.00",
               ("10202", "personal"): "40.00", ("10203", "unit"): "760.05", ("10203", "personal"): "160.01",
               ("10204", "unit"): "16.00", ("10205", "unit"): "64.00"}
    assert _amounts(trial) == {("E1", i, p): (D("8000.50"), D(a)) for (i, p), a in by_hand.items()}
    assert tuple(trial.lines.column_names) == TRIAL_LINE_COLUMNS
    assert trial.lines.schema.field("amount").type == pa.decimal128(18, 2)
    assert tuple(trial.rows.columns) == TRIAL_ROW_COLUMNS
    assert trial.rows[["item_code", "payer"]].apply(tuple, axis=1).tolist() == list(by_hand)  # unit part first
    assert trial.rows["rate"].map(str).tolist() == ["0.16", "0.08", "0.005", "0.005", "0.095", "0.02", "0.002",
                                                    "0.008"]
    assert trial.total == D("3000.18")  # 1280.08 + 640.04 + 40 + 40 + 760.05 + 160.01 + 16 + 64


def test_rows_are_the_sum_of_the_rounded_lines_not_the_rounded_sum():
    # Two employees on 8000.50 for 失业 10202: each line 40.0025 → 40.00, the row 80.00. Rounding the
    # total (80.0050 → 80.01) would leave the row a fen above its lines.
    trial = trial_calculation(contribution_rules(HZ), _wages(("E1", "10202", "2026-11", "8000.50"),
                                                             ("E2", "10202", "2026-11", "8000.50")))
    unit = trial.rows[trial.rows["payer"] == "unit"].iloc[0]
    assert (unit["headcount"], unit["base_total"], unit["amount"]) == (2, D("16001.00"), D("80.00"))
    assert round_money(D("16001.00") * D("0.005")) == D("80.01")


def test_floor_and_cap_clamp_the_wage_with_the_figures_of_that_month():
    # 2026-06 is priced with the 2025 figures (floor 4462.00, cap 22311.00), 2026-07 with 2026's
    # (4612.00, 23061.00). 养老 单位 0.16:
    #   3000.00 in 2026-06 → base 4462.00 × 0.16 =  713.92
    #   3000.00 in 2026-07 → base 4612.00 × 0.16 =  737.92
    #   30000.00 in 2026-06 → base 22311.00 × 0.16 = 3569.76
    #   30000.00 in 2026-07 → base 23061.00 × 0.16 = 3689.76
    trial = trial_calculation(contribution_rules(HZ), _wages(
        ("LOW", "10201", "2026-06", "3000"), ("LOW", "10201", "2026-07", "3000"),
        ("HIGH", "10201", "2026-06", "30000"), ("HIGH", "10201", "2026-07", "30000")))
    got = {(r["employee_id"], r["month"]): (r["base"], r["clamped"], r["amount"])
           for r in trial.lines.to_pylist() if r["payer"] == "unit"}
    assert got == {("LOW", "2026-06"): (D("4462.00"), "floor", D("713.92")),
                   ("LOW", "2026-07"): (D("4612.00"), "floor", D("737.92")),
                   ("HIGH", "2026-06"): (D("22311.00"), "cap", D("3569.76")),
                   ("HIGH", "2026-07"): (D("23061.00"), "cap", D("3689.76"))}
    assert trial.rows["month"].tolist() == ["2026-06", "2026-06", "2026-07", "2026-07"]


def test_shanghai_rounds_up_to_the_jiao():
    # 上海 (rule file: ROUND_UP to 0.1, 见分进角): the exact amount is first rounded half up to the fen,
    # then any fen carries the jiao up. Wage 8000.50 in 2026-11 (floor 7384.00): base 8000.50.
    #   养老 单位 8000.50 × 0.16  = 1280.0800 → 1280.08 → 1280.10
    #   养老 个人 8000.50 × 0.08  =  640.0400 →  640.04 →  640.10
    #   失业 单位 8000.50 × 0.005 =   40.0025 →   40.00 →   40.00  (a fraction of a fen is no fen)
    #   医疗 单位 8000.50 × 0.09  =  720.0450 →  720.05 →  720.10
    #   医疗 个人 8000.50 × 0.02  =  160.0100 →  160.01 →  160.10
    #   工伤 单位 8000.50 × 0.0016 =  12.8008 →   12.80 →   12.80  (class 1 in 上海's file; 生育 is 0: no line)
    rules = contribution_rules(SH)
    assert rules.rounding == UP_TO_JIAO
    items = ("10201", "10202", "10203", "10204", "10205")
    got = _amounts(trial_calculation(rules, _wages(*[("E1", i, "2026-11", "8000.50") for i in items]),
                                     injury_class=1))
    assert {k[1:]: v[1] for k, v in got.items()} == {
        ("10201", "unit"): D("1280.10"), ("10201", "personal"): D("640.10"), ("10202", "unit"): D("40.00"),
        ("10202", "personal"): D("40.00"), ("10203", "unit"): D("720.10"), ("10203", "personal"): D("160.10"),
        ("10204", "unit"): D("12.80")}


@pytest.mark.parametrize("rounding", [HALF_UP_TO_FEN, UP_TO_JIAO, Rounding("ROUND_HALF_UP", JIAO),
                                      Rounding("ROUND_DOWN", JIAO), Rounding("ROUND_HALF_UP", YUAN),
                                      Rounding("ROUND_UP", YUAN), Rounding("ROUND_DOWN", YUAN)])
def test_integer_rounding_is_the_twin_of_round_money(rounding):
    rng = np.random.default_rng(12)
    base = rng.integers(0, 10_000_000, 5000)
    rate = rng.choice([160000, 80000, 5000, 95000, 20000, 2000, 11000, 4500, 8000, 1], 5000)
    got = round_fen(base * rate, rounding)
    want = [round_money(D(int(b)).scaleb(-2) * D(int(r)).scaleb(-6), rounding) for b, r in zip(base, rate, strict=True)]
    assert [D(int(g)).scaleb(-2) for g in got] == want


def test_trial_lines_equal_the_one_at_a_time_contribution():
    rules = contribution_rules(HZ)
    rng = random.Random(13)
    lines = [(f"E{n}", rng.choice(["10201", "10202", "10203", "10204"]), rng.choice(["2026-06", "2026-11"]),
              f"{rng.randint(100, 4_000_000) / 100:.2f}") for n in range(400)]
    trial = trial_calculation(rules, _wages(*lines), injury_class=5)
    for r in trial.lines.to_pylist():
        c = contribution(rules, r["month"], r["item_code"], r["payer"], r["wage"], injury_class=5)
        assert (r["base"], r["rate"], r["amount"]) == (c.base, c.rate, c.amount)


def test_the_trial_takes_arrow_input_and_the_highest_of_duplicate_wages():
    table = pa.table({"employee_id": ["E1", "E1", "E2"], "unit_number": ["U", "U", "U"],
                      "item_code": ["10202", "10202", "10202"], "month": ["2026-11"] * 3,
                      "wage": fen_to_money(np.array([500000, 900000, 0])), "other": [1, 2, 3]})
    trial = trial_calculation(contribution_rules(HZ), table)
    assert {(r["employee_id"], r["payer"]): r["base"] for r in trial.lines.to_pylist()} == {
        ("E1", "unit"): D("9000.00"), ("E1", "personal"): D("9000.00"),
        ("E2", "unit"): D("4612.00"), ("E2", "personal"): D("4612.00")}


def test_missing_wages_are_not_priced():
    trial = trial_calculation(contribution_rules(HZ), _wages(("E1", "10202", "2026-11", None),
                                                             ("E2", "10202", "2026-11", "5000")))
    assert set(trial.lines.column("employee_id").to_pylist()) == {"E2"}


@pytest.mark.parametrize(("lines", "kwargs", "code"), [
    ([("E1", "10201", "2019-01", "5000")], {}, "RULE_NOT_IN_FORCE"),  # before 杭州's first bases
    ([("E1", "10204", "2026-11", "5000")], {}, "INJURY_CLASS_REQUIRED"),
    ([("E1", "99999", "2026-11", "5000")], {}, "RULE_NOT_FOUND"),
    ([("E1", "10201", "2026-13", "5000")], {}, "MONTH_FORMAT"),
    ([("E1", "10201", "2026-11", "5000.005")], {}, "MONEY_PLACES"),
    ([("E1", "10201", "2026-11", "-1")], {}, "MONEY_NEGATIVE"),
])
def test_the_trial_refuses_what_it_cannot_price(lines, kwargs, code):
    with pytest.raises(RuleViolation) as err:
        trial_calculation(contribution_rules(HZ), _wages(*lines), **kwargs)
    assert err.value.code == code


def test_money_is_never_float():
    with pytest.raises(RuleViolation) as err:
        money_to_fen(pd.Series([1.1, 2.2]))
    assert err.value.code == "MONEY_TYPE"
    assert money_to_fen(pd.Series([D("1.10"), "2.2", 3, None]))[0].tolist() == [110, 220, 300, 0]


def test_a_rounding_given_directly_applies():
    doc = {"kind": "contribution", "rounding": {"mode": "ROUND_HALF_UP", "unit": "1"},
           "bases": [{"valid_from": "2026-01", "floor": "1000", "cap": "9000"}],
           "rates": [{"item_code": "10201", "payer": "unit", "rate": "0.16", "valid_from": "2026-01"}]}
    # 3333.33 × 0.16 = 533.3328 → half up to the yuan: 533.00; 3340.63 × 0.16 = 534.5008 → 535.00
    trial = trial_calculation(ContributionRules.from_document(doc),
                              _wages(("A", "10201", "2026-02", "3333.33"), ("B", "10201", "2026-02", "3340.63")))
    assert trial.lines.column("amount").to_pylist() == [D("533.00"), D("535.00")]
    assert trial.rows["amount"].tolist() == [D("1068.00")]


# --- comparison with the bureau's preprocessing --------------------------------------------------

def _prep_from(trial):
    rows = trial.rows.copy()
    rows["prep_id"] = [f"P01N-{u}-{i}-{'U' if p == 'unit' else 'P'}-{m.replace('-', '')}"
                       for u, i, p, m in zip(rows["unit_number"], rows["item_code"], rows["payer"], rows["month"],
                                             strict=True)]
    return rows.assign(source_code="01", period_start=rows["month"], period_end=rows["month"]).drop(columns="month")


def test_comparison_finds_exactly_the_changed_rows():
    trial = trial_calculation(contribution_rules(HZ), _wages(
        *[(f"E{n}", i, "2026-11", f"{5000 + 37 * n}.50") for n in range(30) for i in ("10201", "10202", "10203")]))
    prep = _prep_from(trial)
    assert compare_with_preprocessing(trial.rows, prep).empty
    prep.loc[0, "amount"] += D("0.01")  # 养老 单位: one fen more
    prep.loc[3, "headcount"] -= 1  # 失业 个人: one employee fewer (and amount unchanged)
    gone = prep.loc[5, "prep_id"]  # 医疗 个人: the bureau has no such row
    prep = prep.drop(index=5)
    extra = prep.iloc[[0]].assign(prep_id="P01B-330108700935-10201-U-202610", period_start="2026-10",
                                  period_end="2026-10", amount=D("12.30"))
    assessed = prep.iloc[[1]].assign(prep_id="P03-N-10205-U", source_code="03", item_code="10205")  # not compared
    diff = compare_with_preprocessing(trial.rows, pd.concat([prep, extra, assessed], ignore_index=True))
    assert tuple(diff.columns) == COMPARE_COLUMNS
    got = {(r["item_code"], r["payer"], r["month"]): (r["reason"], r["difference"]) for r in diff.to_dict("records")}
    assert got == {("10201", "unit", "2026-11"): ("应缴费额不同", D("0.01")),
                   ("10202", "personal", "2026-11"): ("缴费人数不同", D("0.00")),
                   ("10203", "personal", "2026-11"): ("测算有而预处理无", -trial.rows.loc[5, "amount"]),
                   ("10201", "unit", "2026-10"): ("预处理有而测算无", D("12.30"))}
    only_trial = diff[diff["reason"] == "测算有而预处理无"].iloc[0]
    assert only_trial["bureau_amount"] is None and only_trial["prep_id"] is None and gone.endswith("P-202611")
    assert diff["month"].tolist() == ["2026-10", "2026-11", "2026-11", "2026-11"]  # by unit number, month, item
    assert diff["prep_id"][1] == "P01N-330108700935-10201-U-202611"
    assert compare_with_preprocessing(trial.rows, pd.concat([prep, extra]), months=["2026-10"])["month"].tolist() \
        == ["2026-10"]


def test_line_comparison_names_the_employee():
    trial = trial_calculation(contribution_rules(HZ), _wages(("E1", "10201", "2026-11", "8000.50"),
                                                             ("E2", "10201", "2026-11", "9000")))
    bureau = trial.lines.to_pandas().assign(prep_id="P")
    bureau.loc[(bureau["employee_id"] == "E2") & (bureau["payer"] == "unit"), "amount"] = D("1440.01")
    # E2 unit: 9000 × 0.16 = 1440.00
    diff = compare_lines(trial.lines, bureau)
    assert diff[["employee_id", "payer", "trial_amount", "bureau_amount", "difference", "reason"]].to_dict("records") \
        == [{"employee_id": "E2", "payer": "unit", "trial_amount": D("1440.00"), "bureau_amount": D("1440.01"),
             "difference": D("0.01"), "reason": "应缴费额不同"}]


# --- the pre-submission checks -------------------------------------------------------------------

NOW = "2026-11"
TODAY = dt.date(2026, 11, 20)


def _page(**changes):
    """A clean page: 01 rows of 2026-11 for 养老 (unit, personal), and one 03 notice of 生育."""
    rows = [_row("A1", amount="1280.08", item_name="基本养老保险费"),
            _row("A2", payer="personal", amount="640.04", item_name="基本养老保险费"),
            _row("N1", "03", item="10205", notice="N-1", amount="64.00", valid_until=dt.date(2026, 12, 31))]
    for r in rows:
        r.update(changes.get(r["prep_id"], {}))
    return pd.DataFrame(rows)


def _clean_inputs():
    wages = _wages(("E1", "10201", NOW, "8000.50", "1234"))
    trial = trial_calculation(contribution_rules(HZ), wages)
    insured = pd.DataFrame([{"employee_id": "E1", "name": "张三", "item_code": "10201", "unit_number": "1234",
                             "start_month": "2020-01", "stop_month": None}])
    return {"trial": trial, "insured": insured, "wages": wages}


def _run(page=None, selected=("A1", "A2", "N1"), **inputs):
    args = {**_clean_inputs(), **inputs}
    return check_selection(_page() if page is None else page, selected, current_month=NOW, today=TODAY, **args)


@functools.cache
def _examples():
    """One made example per code: the report of a selection that should raise it."""
    declared = pd.DataFrame([{**_row("OLD-A1"), "declaration_id": "SB1", "status": "申报成功"}])
    late = {"period_start": "2026-09", "period_end": "2026-09"}
    earlier = pd.concat([_page(), pd.DataFrame([_row("E1", start="2026-10", end="2026-10")])], ignore_index=True)
    insured = pd.DataFrame([{"employee_id": "E1", "name": "张三", "item_code": "10201", "unit_number": "1234",
                             "start_month": "2020-01", "stop_month": None},
                            {"employee_id": "E9", "name": "李四", "item_code": "10201", "unit_number": "1234",
                             "start_month": "2026-01", "stop_month": None}])
    return {
        "D001": _run(selected=("A1", "N1")),
        "D002": _run(declared=declared),
        "D003": _run(_page(A1={"amount": D("1280.18")})),
        "D004": _run(insured=insured),
        "D005": _run(_page(A1=late, A2=late), trial=None),
        "D006": _run(_page(N1={"valid_until": dt.date(2026, 11, 19)})),
        "D007": _run(selected=()),
        "D008": _run(selected=("A1", "A2", "N1", "GONE")),
        "D009": _run(earlier),
        "D010": _run(_page(N1={"amount": D("0.00")})),
    }


def test_a_clean_selection_has_no_findings():
    report = _run()
    assert report.findings == () and not report.blocked and not report.needs_confirmation
    assert report.summary() == "校验通过"


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_each_check_fires_on_its_example(code):
    report = _examples()[code]
    mine = [f for f in report.findings if f.code == code]
    assert mine, report.findings
    spec = CATALOGUE[code]
    assert all((f.severity, f.field, f.hint) == (spec.severity, spec.field, spec.hint) for f in mine)
    assert all("{" not in f.message and not re.search(r"[A-Za-z]{4,}", f.message.replace("None", "x"))
               for f in mine if code != "D008")  # messages are Chinese (IDs aside)
    assert report.blocked == any(f.severity == ERROR for f in report.findings)


def test_every_code_is_documented_and_reachable():
    assert set(_examples()) == set(CATALOGUE)
    doc = checks_module.__doc__ or ""
    for code, spec in CATALOGUE.items():
        assert spec.code == code and spec.severity in (ERROR, WARNING)
        assert spec.title and spec.template and spec.hint and spec.field
        assert re.search(rf"^{code}\s+{spec.severity}\s+{spec.title}", doc, re.MULTILINE), code


def test_the_example_findings_say_what_and_where():
    ex = _examples()
    (d001,) = ex["D001"].findings
    assert (d001.row, d001.group_key) == ("01|1234|10201|2026-11|2026-11",) * 2
    assert d001.message == "单位编号1234、征收项目10201、费款所属期2026-11至2026-11的预处理信息须一并申报，本次勾选1条，缺少1条（A2）"
    (d002,) = ex["D002"].findings
    assert d002.row == "A1" and "申报记录SB1" in d002.message
    (d003,) = ex["D003"].findings
    assert (d003.row, d003.difference, d003.severity) == ("A1", D("0.10"), WARNING)
    assert "应缴费额为1280.18元" in d003.message and "测算为1280.08元" in d003.message and "+0.10" in d003.message
    (d004,) = ex["D004"].findings
    assert d004.employee_id == "E9" and "李四（E9）" in d004.message and "2026-11" in d004.message
    d005 = [f for f in ex["D005"].findings if f.code == "D005"]
    assert [f.row for f in d005] == ["A1"] and "2个月" in d005[0].message  # once per group
    assert ex["D005"].needs_confirmation and not ex["D005"].blocked
    assert ex["D009"].findings[0].row == "01|1234|10201|2026-10|2026-10"


def test_errors_come_first_and_the_report_renders_as_a_table():
    report = _run(_page(A1={"amount": D("1280.18")}, N1={"valid_until": dt.date(2026, 1, 1)}), selected=("A1", "N1"))
    assert [f.code for f in report.findings] == ["D001", "D006", "D003"]
    assert report.summary() == "发现2个错误、1个警告"
    table = report.frame()
    assert list(table.columns) == ["代码", "级别", "预处理信息", "字段", "说明", "处理建议"]
    assert table["级别"].tolist() == ["错误", "错误", "警告"]
    assert isinstance(CheckReport(()).frame(), pd.DataFrame)


def test_a_difference_within_the_tolerance_is_not_reported():
    page = _page(A1={"amount": D("1280.09")})
    assert [f.code for f in _run(page).findings] == ["D003"]
    assert _run(page, tolerance=D("0.01")).findings == ()


def test_a_failed_or_voided_declaration_does_not_count_as_declared():
    declared = pd.DataFrame([{**_row("OLD-A1"), "declaration_id": "SB1", "status": s} for s in ("申报失败", "已作废")])
    assert _run(declared=declared).findings == ()
    assert [f.code for f in _run(_page(A1={"status": "申报中", "declaration_id": "SB2"})).findings] == ["D002"]


def test_empty_sides_compare_and_check_cleanly():
    trial = trial_calculation(contribution_rules(HZ), _wages(("E1", "10202", "2026-11", "5000")))
    assert compare_with_preprocessing(trial.rows, pd.DataFrame())["reason"].tolist() == ["测算有而预处理无"] * 2
    empty = trial_calculation(contribution_rules(HZ), _wages(("E1", "10202", "2026-11", None)))
    assert empty.lines.num_rows == 0 and empty.rows.empty and empty.total == D("0.00")
    assert compare_with_preprocessing(empty.rows, _prep_from(trial))["reason"].tolist() == ["预处理有而测算无"] * 2
    assert [f.code for f in check_selection(pd.DataFrame(), ["X"], current_month=NOW, today=TODAY).findings] \
        == ["D008"]


def test_the_trial_only_judges_the_months_it_priced():
    late = {"period_start": "2026-10", "period_end": "2026-10"}
    page = pd.concat([_page(), pd.DataFrame([_row("B1", **late), _row("B2", payer="personal", **late)])],
                     ignore_index=True)
    codes = [f.code for f in _run(page, selected=("A1", "A2", "N1", "B1", "B2"), wages=None).findings]
    assert "D003" not in codes  # 2026-10 was not priced: no difference claimed


# --- the twin: the trial prices a seeded unit exactly as the bureau's preprocessing does ----------

def test_the_trial_equals_the_bureau_preprocessing_of_a_seeded_unit(tmp_path):
    from sbflib.bureau import declarations as bureau_declarations
    from sbflib.bureau.regions import INDUSTRY_RISK_CLASSES
    from sbflib.bureau.seed import seed
    from sbflib.bureau.store import BureauStore
    from sbflib.domain import clock

    seed(tmp_path / "bureau.duckdb", employees=200, residents=10)
    store = BureauStore(tmp_path / "bureau.duckdb")
    try:
        unit, month = "U000030", clock.current_month()
        rows = pd.DataFrame(bureau_declarations.preprocessing(store, unit, "daily"))
        lines = bureau_declarations.decode_lines(bureau_declarations.preprocessing_lines(store, unit, [])[0])
        with store.reading() as cur:
            region, industry = cur.execute("SELECT region, industry FROM units WHERE unit_id = ?", [unit]).fetchall()[0]
            # The filed wages the client knows: each paying employee's base on each 税务自主 item.
            wages = cur.sql("""
                SELECT i.employee_id, any_value(i.unit_number) AS unit_number, i.item_code, $m AS month,
                       max(i.base) AS wage
                FROM employee_items i JOIN employees e USING (unit_id, employee_id)
                WHERE i.unit_id = $u AND i.collection_mode = '税务自主'
                  AND e.start_month <= $m AND (e.stop_month IS NULL OR e.stop_month >= $m)
                GROUP BY i.employee_id, i.item_code
                HAVING min(i.start_month) <= $m AND (bool_or(i.stop_month IS NULL) OR max(i.stop_month) >= $m)
            """, params={"u": unit, "m": month}).to_arrow_table()
    finally:
        store.close()
    trial = trial_calculation(contribution_rules(region), wages, injury_class=INDUSTRY_RISK_CLASSES.get(industry))
    assert len(trial.rows) >= 5 and trial.lines.num_rows > 50
    assert compare_with_preprocessing(trial.rows, rows, months=[month]).empty
    mine = lines.to_pandas()
    mine = mine[mine["prep_id"].str.startswith("P01N")]
    assert compare_lines(trial.lines, mine).empty


def test_an_assessed_notice_already_declared_is_found_by_its_notice():
    declared = pd.DataFrame([{**_row("OLD-N1", "03", item="10205", notice="N-1"), "declaration_id": "SB7",
                              "status": "待反馈"},
                             {**_row("OTHER", "03", item="10205", notice="N-2"), "declaration_id": "SB8",
                              "status": "申报成功"}])
    (d002,) = _run(declared=declared).findings
    assert (d002.code, d002.row) == ("D002", "N1") and "申报记录SB7" in d002.message and "待反馈" in d002.message
