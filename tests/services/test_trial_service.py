"""社保费测算 service over a temporary store (no bureau): the trial from the kept rule file (杭州 2026),
the unit's industry class, the roster's bases and the decided wage filings; worked by hand with
Decimal; the comparison with the preprocessing the declaration page keeps (per row and per employee);
the D003 / D004 inputs; refusals in Chinese; export."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pyarrow as pa
import pytest

from sbflib.domain import clock
from sbflib.domain.declaration_checks import check_selection
from sbflib.employer.trial import NO_PREPROCESSING, NO_RULES, TrialService
from sbflib.errors import StateError, ValidationError
from sbflib.gateway.client import BureauClient
from sbflib.gateway.declarations import LINE_SCHEMA, PREP_SCHEMA
from sbflib.store import declarations as declare_repo
from sbflib.store import reference as reference_repo
from sbflib.store.db import Store
from sbflib.system.context import Context, CurrentUnit

UNIT = "U000040"
REGION = "330100"
NUMBER = "330102920419"
MONTH = "2026-11"
FEN = Decimal("0.01")
RULES = Path(__file__).resolve().parents[2] / "sbflib" / "bureau" / "rules" / "330100-contribution-2026.json"
SYNCED = dt.datetime(2026, 11, 14, 9, 0)

# employee: (start, stop, base on every item); E4 pays without a wage, E5 stopped in August
EMPLOYEES = {"E1": ("2020-01", None, "3000.00"), "E2": ("2021-03", None, "8000.55"),
             "E3": ("2019-07", None, "30000.00"), "E4": ("2026-11", None, None), "E5": ("2018-01", "2026-08", "9000.00")}
NAMES = {"E1": "林婷", "E2": "王强", "E3": "陈静", "E4": "赵磊", "E5": "孙悦"}


def _r(value: str) -> Decimal:
    return Decimal(value).quantize(FEN, ROUND_HALF_UP)


def _seed(store: Store, *, rules: bool = True, industry: str = "商务服务业", region: str = REGION,
          rules_file: Path = RULES) -> None:
    with store.work() as con:
        con.execute("INSERT INTO units (unit_id, module, taxpayer_id, name, region, added_at, last_sync_at, profile_json)"
                    " VALUES (?, 'employer', '91330110JELB93XPED', '杭州上城和瑞商务咨询有限公司', ?, ?, ?, ?)",
                    [UNIT, region, SYNCED, SYNCED, json.dumps({"industry": industry}, ensure_ascii=False)])
        for emp, (start, stop, base) in EMPLOYEES.items():
            con.execute("INSERT INTO employees (unit_id, employee_id, name, start_month, stop_month) VALUES (?, ?, ?, ?, ?)",
                        [UNIT, emp, NAMES[emp], start, stop])
            for code, name, mode in (("10201", "基本养老保险费", "税务自主"), ("10204", "工伤保险费", "税务自主"),
                                     ("10205", "生育保险费", "税务代征")):
                con.execute("INSERT INTO employee_items (unit_id, employee_id, unit_number, item_code, item_name, base,"
                            " start_month, stop_month, collection_mode) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            [UNIT, emp, NUMBER, code, name, base, start, stop, mode])
        if rules:
            body = json.loads(rules_file.read_text(encoding="utf-8"))
            reference_repo.replace_rules(con, region, [("contribution", "1", "2026-07-01", body)])


def _filing(store: Store, filing_id: str, employee: str, month: str, wage: str, decided: dt.datetime) -> None:
    """A decided daily filing by employee (item NULL: every 税务自主 item) kept with its line."""
    with store.work() as con:
        con.execute("INSERT INTO wage_filings (unit_id, filing_id, submitted_at, kind, way, status, decided_at,"
                    " fetched_at, lines_fetched) VALUES (?, ?, ?, 'daily', 'employee', '全部申报成功', ?, ?, true)",
                    [UNIT, filing_id, decided, decided, decided])
        con.execute("INSERT INTO wage_filing_lines (unit_id, filing_id, line_no, employee_id, item_code, new_wage,"
                    " base, month, status) VALUES (?, ?, 1, ?, NULL, ?, ?, ?, '成功')",
                    [UNIT, filing_id, employee, wage, wage, month])


class Bureau:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(404, json={"code": "NOT_FOUND", "message": "未找到"})


@pytest.fixture
def env(tmp_path):
    clock.set_today("2026-11-15")
    bureau = Bureau()
    client = BureauClient("http://bureau.test", transport=httpx.MockTransport(bureau), sleep=lambda s: None)
    store = Store(tmp_path / "client" / "sbf.duckdb")
    ctx = Context(store, client)
    ctx.unit = CurrentUnit(UNIT, "91330110JELB93XPED", "测试单位", "employer", REGION)
    yield store, TrialService(ctx), bureau
    client.close()
    store.close()
    clock.reset()


# By hand, 2026-11 (floor 4612.00, cap 23061.00; 养老 0.16 / 0.08; 工伤 class 2 (商务服务业) 0.004 unit only):
# bases 3000.00 → 4612.00, 8000.55, 30000.00 → 23061.00; E4 has no wage, E5 stopped.
BASES = [Decimal("4612.00"), Decimal("8000.55"), Decimal("23061.00")]
PENSION_UNIT = [_r("737.92"), _r("1280.088"), _r("3689.76")]        # 737.92 + 1280.09 + 3689.76
PENSION_PERSONAL = [_r("368.96"), _r("640.044"), _r("1844.88")]     # 368.96 + 640.04 + 1844.88
INJURY_UNIT = [_r("18.448"), _r("32.0022"), _r("92.244")]           # 18.45 + 32.00 + 92.24


def test_the_current_month_worked_by_hand(env):
    store, service, bureau = env
    _seed(store)
    trial = service.trial()
    rows = {(r["item_code"], r["payer"]): r for r in trial.rows.to_dict("records")}
    assert set(rows) == {("10201", "unit"), ("10201", "personal"), ("10204", "unit")}  # no 代征, no rate 0
    assert rows["10201", "unit"]["amount"] == sum(PENSION_UNIT) == Decimal("5707.77")
    assert rows["10201", "personal"]["amount"] == sum(PENSION_PERSONAL) == Decimal("2853.88")
    assert rows["10204", "unit"]["amount"] == sum(INJURY_UNIT) == Decimal("142.69")
    assert rows["10204", "unit"]["rate"] == Decimal("0.004")
    for r in rows.values():
        assert r["headcount"] == 3 and r["base_total"] == sum(BASES) and r["month"] == MONTH
        assert r["unit_number"] == NUMBER and isinstance(r["amount"], Decimal)
    assert trial.total == Decimal("8704.34")
    named = service.rows(trial)
    assert set(named["item_name"]) == {"基本养老保险费", "工伤保险费"} and set(named["payer_name"]) == {"单位", "个人"}
    unpriced = service.unpriced()
    assert list(unpriced["employee_id"].unique()) == ["E4"] and set(unpriced["name"]) == {"赵磊"}
    same, shown, left_out = service.calculate()
    assert same.rows.equals(trial.rows) and shown.equals(named) and left_out.equals(unpriced)
    assert bureau.requests == []  # nothing is fetched for a trial


def test_shanghai_rounds_each_line_up_to_the_jiao(env):
    """上海 见分进角 (the rule file's rounding): each line rounded half up to the fen, then up to the jiao;
    floor 7384.00 and cap 36921.00 in force since 2024-07."""
    store, service, _ = env
    _seed(store, region="310100", rules_file=RULES.with_name("310100-contribution-2024.json"))
    service.ctx.unit = CurrentUnit(UNIT, "91310115MA0000000X", "上海测试单位", "employer", "310100")
    rows = {(r["item_code"], r["payer"]): r for r in service.trial().rows.to_dict("records")}
    # 7384.00 × 0.16 = 1181.44 → 1181.50; 8000.55 × 0.16 = 1280.088 → 1280.09 → 1280.10; 30000.00 × 0.16 = 4800.00
    assert rows["10201", "unit"]["amount"] == Decimal("1181.50") + Decimal("1280.10") + Decimal("4800.00")
    # 590.72 → 590.80; 640.044 → 640.04 → 640.10; 2400.00
    assert rows["10201", "personal"]["amount"] == Decimal("590.80") + Decimal("640.10") + Decimal("2400.00")
    assert rows["10201", "unit"]["base_total"] == Decimal("7384.00") + Decimal("8000.55") + Decimal("30000.00")


def test_the_class_comes_from_the_roster_when_the_industry_is_unknown(env):
    store, service, _ = env
    _seed(store, industry="未列明行业")
    with pytest.raises(StateError, match="行业风险类别"):
        service.trial()
    with store.work() as con:
        con.execute("UPDATE employee_items SET subitem_detail = '工伤保险费（三类行业）' WHERE item_code = '10204'")
    rows = service.trial().rows
    assert list(rows.loc[rows["item_code"] == "10204", "rate"]) == [Decimal("0.007")]


def test_back_pay_months_and_a_filing_newer_than_the_roster(env):
    store, service, _ = env
    _seed(store)
    # E2's wage from September, decided on 10 November: September and October are owed again.
    _filing(store, "F1", "E2", "2026-09", "9000.00", dt.datetime(2026, 11, 10, 10, 0))
    trial = service.trial(["2026-08", "2026-09", "2026-10", "2026-11"])
    back = trial.rows[trial.rows["month"] < MONTH]
    assert set(back["month"]) == {"2026-09", "2026-10"} and set(back["headcount"]) == {1}
    sept = back[(back["month"] == "2026-09") & (back["item_code"] == "10201") & (back["payer"] == "unit")].iloc[0]
    assert sept["base_total"] == Decimal("9000.00") and sept["amount"] == Decimal("1440.00")
    # the roster (updated on the 14th, after the decision) keeps E2's current base
    now = trial.rows[(trial.rows["month"] == MONTH) & (trial.rows["item_code"] == "10201")]
    assert set(now["base_total"]) == {sum(BASES)}
    # a filing for this month decided after the roster's last update counts before the roster does
    _filing(store, "F2", "E1", MONTH, "5000.00", SYNCED + dt.timedelta(hours=2))
    now = service.trial().rows
    assert set(now.loc[now["item_code"] == "10201", "base_total"]) == {sum(BASES) - Decimal("4612.00") + Decimal("5000.00")}


def _prep_rows(personal_amount: str = "2853.88", status: str = "未申报") -> pa.Table:
    def row(item: str, name: str, payer: str, rate: str, amount: str, row_status: str = "未申报") -> dict[str, Any]:
        code = "U" if payer == "unit" else "P"
        return {"prep_id": f"P01N-{NUMBER}-{item}-{code}-202611", "group_key": f"01|{NUMBER}|{item}|{MONTH}|{MONTH}",
                "channel": "daily", "source_code": "01", "source_name": "税务机关", "unit_number": NUMBER,
                "item_code": item, "item_name": name, "payer": payer, "payer_name": "单位" if payer == "unit" else "个人",
                "period_start": MONTH, "period_end": MONTH, "headcount": 3, "base_total": sum(BASES),
                "rate": Decimal(rate), "amount": Decimal(amount), "back_pay": False, "status": row_status}
    rows = [row("10201", "基本养老保险费", "unit", "0.16", "5707.77"),
            row("10201", "基本养老保险费", "personal", "0.08", personal_amount),
            row("10204", "工伤保险费", "unit", "0.004", "142.69", status)]
    assessed = {**rows[0], "prep_id": "P03-N1-10205-U", "source_code": "03", "item_code": "10205", "notice_no": "N1",
                "amount": Decimal("99.99")}
    return pa.Table.from_pylist([*rows, assessed], schema=PREP_SCHEMA)


def _keep(store: Store, table: pa.Table) -> None:
    with store.work() as con:
        declare_repo.replace_rows(con, UNIT, "daily", table)


def test_compare_lists_every_difference_per_row_and_per_employee(env):
    store, service, _ = env
    _seed(store)
    with pytest.raises(StateError) as err:
        service.compare()
    assert str(err.value) == NO_PREPROCESSING and not service.loaded()
    assert service.preprocessing_months() == []
    _keep(store, _prep_rows())
    assert service.loaded() and service.compare().empty  # equal; the 代征 row is not compared
    assert service.preprocessing_months() == [MONTH]
    _keep(store, _prep_rows(personal_amount="2853.90"))
    diff = service.compare()
    assert len(diff) == 1
    d = diff.iloc[0]
    assert (d["item_code"], d["payer"], d["item_name"], d["payer_name"]) == ("10201", "personal", "基本养老保险费", "个人")
    assert d["trial_amount"] == Decimal("2853.88") and d["bureau_amount"] == Decimal("2853.90")
    assert d["difference"] == Decimal("0.02") and d["reason"] == "应缴费额不同"
    assert d["prep_id"] == f"P01N-{NUMBER}-10201-P-202611"
    # per employee: the bureau's lines (kept by the declaration page) say E2 is 0.02 higher
    prep_id = d["prep_id"]
    lines = pa.Table.from_pylist([
        {"prep_id": prep_id, "employee_id": e, "name": NAMES[e], "item_code": "10201", "payer": "personal",
         "month": MONTH, "base": b, "rate": Decimal("0.08"), "amount": a + (Decimal("0.02") if e == "E2" else 0)}
        for e, b, a in zip(("E1", "E2", "E3"), BASES, PENSION_PERSONAL, strict=True)], schema=LINE_SCHEMA)
    with store.work() as con:
        declare_repo.store_lines(con, UNIT, [prep_id], lines)
    people = service.compare_employees()
    assert list(people["employee_id"]) == ["E2"] and list(people["name"]) == ["王强"]
    assert people.iloc[0]["difference"] == Decimal("0.02") and people.iloc[0]["trial_amount"] == Decimal("640.04")


def test_a_declared_row_is_left_out_unless_asked_and_a_missing_row_is_listed(env):
    store, service, _ = env
    _seed(store)
    table = _prep_rows(status="已申报")
    table = table.set_column(table.schema.get_field_index("amount"), "amount",
                             pa.array([Decimal("5707.77"), Decimal("2853.88"), Decimal("100.00"), Decimal("99.99")],
                                      pa.decimal128(18, 2)))
    _keep(store, table)
    assert service.compare().empty
    assert len(service.compare(include_declared=True)) == 1
    _keep(store, table.slice(0, 2))  # the bureau has no 工伤 row
    diff = service.compare()
    assert list(diff["reason"]) == ["测算有而预处理无"] and diff.iloc[0]["difference"] == Decimal("-142.69")
    assert diff.iloc[0]["bureau_amount"] is None


def test_check_inputs_give_d003_and_d004(env):
    store, service, _ = env
    _seed(store)
    _keep(store, _prep_rows(personal_amount="2853.90"))
    inputs = service.check_inputs([MONTH])
    assert inputs is not None and set(inputs) == {"trial", "insured", "wages"}
    offered = declare_repo_frame(store)
    own = offered[offered["source_code"] == "01"]
    pension = set(own.loc[own["item_code"] == "10201", "prep_id"])
    report = check_selection(offered, pension, current_month=MONTH, **inputs)
    codes = [(f.code, f.row) for f in report.findings]
    assert ("D003", f"P01N-{NUMBER}-10201-P-202611") in codes
    assert ("D003", f"P01N-{NUMBER}-10201-U-202611") not in codes
    d004 = [f for f in report.findings if f.code == "D004"]
    assert [f.employee_id for f in d004] == ["E4"] and "赵磊" in d004[0].message
    assert service.check_inputs(["2019-01"]) is None  # no rules then: the checks skip D003 / D004
    assert service.check_inputs([]) is None


def declare_repo_frame(store: Store):
    with store.read() as con:
        return declare_repo.query_all(con, UNIT, "daily")


def test_refusals_in_chinese(env):
    store, service, _ = env
    _seed(store, rules=False)
    with pytest.raises(StateError) as err:
        service.trial()
    assert str(err.value) == NO_RULES
    with store.work() as con:
        reference_repo.replace_rules(con, REGION, [("contribution-2026", "1", "2026-07-01",
                                                    json.loads(RULES.read_text(encoding="utf-8")))])
    with pytest.raises(StateError, match="2019-01.*规则"):
        service.trial(["2019-01"])
    with pytest.raises(ValidationError, match="格式不正确"):
        service.trial(["2026-13"])
    with pytest.raises(ValidationError, match="申报页面"):
        service.compare("weekly")
    with pytest.raises(ValidationError, match="最多"):
        service.trial([f"{y}-{m:02d}" for y in (2024, 2025, 2026, 2027) for m in range(1, 13)])


def test_export_has_the_trial_and_the_differences_with_chinese_headers(env):
    store, service, _ = env
    _seed(store)
    _keep(store, _prep_rows(personal_amount="2853.90"))
    trial = service.trial()
    book = openpyxl.load_workbook(io.BytesIO(service.export(trial, service.compare())))
    assert book.sheetnames == ["测算结果", "核对差异"]
    head = [c.value for c in book["测算结果"][1]]
    assert head[:4] == ["费款所属期", "单位编号", "征收项目", "缴费方"] and "应缴费额" in head
    assert book["测算结果"].max_row == 4
    diff_head = [c.value for c in book["核对差异"][1]]
    assert "金额差额" in diff_head and "差异原因" in diff_head
    row = [c.value for c in book["核对差异"][2]]
    assert row[diff_head.index("金额差额")] in (0.02, "0.02", Decimal("0.02"))
    only = openpyxl.load_workbook(io.BytesIO(service.export()))
    assert only.sheetnames == ["测算结果"]
