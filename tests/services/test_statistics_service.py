"""统计分析 over a temporary store filled with known rows (no bureau call): the five charts' figures
worked by hand, the filters, the .xlsx and the PNG, refusals in Chinese."""

from __future__ import annotations

import datetime as dt
import io
import json
import warnings
from decimal import Decimal
from pathlib import Path

import httpx
import openpyxl
import pytest

from sbflib.domain import clock
from sbflib.employer.statistics import StatisticsService, StatsFilter
from sbflib.errors import ValidationError
from sbflib.gateway.client import BureauClient
from sbflib.store import reference as reference_repo
from sbflib.store.db import Store
from sbflib.system.context import Context, CurrentUnit

UNIT = "U000001"
REGION = "330100"
A, B = "330102920419", "330102920420"
RULES = Path(__file__).resolve().parents[2] / "sbflib" / "bureau" / "rules" / "330100-contribution-2026.json"
NOW = dt.datetime(2026, 11, 20, 9, 0)
D = Decimal


def _payable(con, pid, status, month, item, payer, amount, number=A, end=None, declaration_id=None):
    con.execute("INSERT INTO payables (unit_id, payable_id, prep_id, declaration_id, created_on, status, unit_number,"
                " item_code, item_name, payer, period_start, period_end, amount, fetched_at)"
                " VALUES (?, ?, ?, ?, DATE '2026-11-01', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [UNIT, pid, pid, declaration_id, status, number, item, NAMES[item], payer, month, end or month,
                 amount, NOW])


NAMES = {"10201": "基本养老保险费", "10204": "工伤保险费"}


def _seed(store: Store) -> None:
    with store.work() as con:
        con.execute("INSERT INTO units (unit_id, module, taxpayer_id, name, region, added_at)"
                    " VALUES (?, 'employer', '91330110JELB93XPED', '测试单位', ?, ?)", [UNIT, REGION, NOW])
        # 应缴信息: 2026-09 paid (销账), 2026-10 declared unpaid, 2026-11 undeclared (初始), unit B one row
        _payable(con, "S1-1", "销账", "2026-09", "10201", "unit", "1600.00", declaration_id="S1")
        _payable(con, "S1-2", "销账", "2026-09", "10201", "personal", "800.00", declaration_id="S1")
        _payable(con, "S1-3", "销账", "2026-09", "10204", "unit", "40.00", declaration_id="S1")
        _payable(con, "S2-1", "申报成功", "2026-10", "10201", "unit", "1000.00", declaration_id="S2")
        _payable(con, "S2-2", "申报成功", "2026-10", "10201", "personal", "500.00", declaration_id="S2")
        _payable(con, "P3", "初始", "2026-11", "10201", "unit", "1200.00")
        _payable(con, "S4-1", "申报成功", "2026-03", "10204", "unit", "10.00", number=B, declaration_id="S4")
        # 申报记录: S1, S2, S4 申报成功; S5 已作废 (not counted)
        for did, status, rows in (("S1", "申报成功", [("10201", "unit", "2026-09", "1600.00"),
                                                   ("10201", "personal", "2026-09", "800.00"),
                                                   ("10204", "unit", "2026-09", "40.00")]),
                                  ("S2", "申报成功", [("10201", "unit", "2026-10", "1000.00"),
                                                   ("10201", "personal", "2026-10", "500.00")]),
                                  ("S4", "申报成功", [("10204", "unit", "2026-03", "10.00")]),
                                  ("S5", "已作废", [("10201", "unit", "2026-10", "999.00")])):
            con.execute("INSERT INTO declaration_records (unit_id, declaration_id, kind, channel, status, submitted_at,"
                        " fetched_at, rows_fetched) VALUES (?, ?, 'fees', 'daily', ?, ?, ?, true)",
                        [UNIT, did, status, NOW, NOW])
            for pos, (item, payer, month, amount) in enumerate(rows):
                con.execute("INSERT INTO declaration_record_rows (unit_id, declaration_id, pos, prep_id, unit_number,"
                            " item_code, item_name, payer, period_start, period_end, amount)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            [UNIT, did, pos, f"{did}-{pos}", B if did == "S4" else A, item, NAMES[item], payer,
                             month, month, amount])
        # 缴费记录: S1 paid except nothing; a failed payment of S2 is not counted
        items = [{"unit_number": A, "item_code": i, "item_name": NAMES[i], "payer": p, "period_start": "2026-09",
                  "period_end": "2026-09", "amount": a} for i, p, a in (("10201", "unit", "1600.00"),
                                                                       ("10201", "personal", "800.00"),
                                                                       ("10204", "unit", "40.00"))]
        for rid, status, its in (("R1", "缴费成功", items), ("R2", "缴费失败", items[:1])):
            con.execute("INSERT INTO pay_records (unit_id, record_id, status, amount, late_fee, total, items,"
                        " period_start, period_end, fetched_at) VALUES (?, ?, ?, 0, 0, 0, ?, '2026-09', '2026-09', ?)",
                        [UNIT, rid, status, json.dumps(its), NOW])
        # 到账信息: 2026-09's unit shares arrived, the personal share not yet
        for aid, item, payer, amount in (("A1", "10201", "unit", "1600.00"), ("A2", "10204", "unit", "40.00")):
            con.execute("INSERT INTO arrivals (unit_id, arrival_id, unit_number, item_code, item_name, payer,"
                        " period_start, period_end, amount, late_fee, arrived_on, fetched_at)"
                        " VALUES (?, ?, ?, ?, ?, ?, '2026-09', '2026-09', ?, 0, DATE '2026-10-12', ?)",
                        [UNIT, aid, A, item, NAMES[item], payer, amount, NOW])
        # roster: E1 joined A 2025-01 open; E2 joined A 2026-09 stopped 2026-10; E3 joined B 2026-10 open
        for emp, number, start, stop, base in (("E1", A, "2025-01", None, "4612.00"),
                                               ("E2", A, "2026-09", "2026-10", "3000.00"),
                                               ("E3", B, "2026-10", None, "30000.00"),
                                               ("E4", A, "2026-11", None, "23061.00"),
                                               ("E5", A, "2026-11", None, "8000.00")):
            for item in ("10201", "10204"):
                con.execute("INSERT INTO employee_items (unit_id, employee_id, unit_number, item_code, item_name, base,"
                            " start_month, stop_month) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            [UNIT, emp, number, item, NAMES[item], base, start, stop])
        body = json.loads(RULES.read_text(encoding="utf-8"))
        reference_repo.replace_rules(con, REGION, [("contribution-2026", "1", "2026-07-01", body)])


@pytest.fixture
def service(tmp_path):
    clock.set_today("2026-11-20")
    client = BureauClient("http://bureau.test", transport=httpx.MockTransport(lambda r: httpx.Response(404)),
                          sleep=lambda s: None)
    store = Store(tmp_path / "client" / "sbf.duckdb")
    ctx = Context(store, client)
    ctx.unit = CurrentUnit(UNIT, "91330110JELB93XPED", "测试单位", "employer", REGION)
    _seed(store)
    yield StatisticsService(ctx)
    client.close()
    store.close()
    clock.reset()


def test_monthly_fees_by_item_and_payer(service):
    df = service.monthly_fees(StatsFilter("2026-09", "2026-11"))
    got = [(m, i, p, a) for m, i, p, a in zip(df["month"], df["item_code"], df["payer_name"], df["amount"], strict=True)]
    assert got == [("2026-09", "10201", "单位", D("1600.00")), ("2026-09", "10201", "个人", D("800.00")),
                   ("2026-09", "10204", "单位", D("40.00")), ("2026-10", "10201", "单位", D("1000.00")),
                   ("2026-10", "10201", "个人", D("500.00")), ("2026-11", "10201", "单位", D("1200.00"))]
    assert all(isinstance(v, Decimal) for v in df["amount"])
    only = service.monthly_fees(StatsFilter(item_code="10204"))
    assert list(only["amount"]) == [D("10.00"), D("40.00")]     # 2026-03 (unit B) and 2026-09
    assert list(service.monthly_fees(StatsFilter(unit_number=B))["month"]) == ["2026-03"]


def test_reconciliation_lists_the_differences(service):
    df = service.reconciliation(StatsFilter("2026-08", "2026-11")).set_index("month")
    assert list(df.index) == ["2026-08", "2026-09", "2026-10", "2026-11"]
    sep = df.loc["2026-09"]
    assert (sep.due, sep.declared, sep.paid, sep.arrived) == (D("2440.00"), D("2440.00"), D("2440.00"), D("1640.00"))
    assert (sep.undeclared, sep.unpaid, sep.not_arrived) == (D("0.00"), D("0.00"), D("800.00"))
    oct_ = df.loc["2026-10"]  # the voided S5 is not declared; S2 not paid
    assert (oct_.due, oct_.declared, oct_.paid, oct_.unpaid) == (D("1500.00"), D("1500.00"), D("0.00"), D("1500.00"))
    nov = df.loc["2026-11"]
    assert (nov.due, nov.declared, nov.undeclared) == (D("1200.00"), D("0.00"), D("1200.00"))
    assert df.loc["2026-08"].due == D("0.00")


def test_arrears_by_age_with_late_fees(service):
    # as of 2026-11-20: 2026-10 pay-by 2026-11-16 (15th a Sunday) → 4 days; 2026-03 pay-by 2026-04-20 → 214 days
    rows = service.arrears()
    by_id = rows.set_index("payable_id")
    assert by_id.loc["S2-1", "pay_by"] == dt.date(2026, 11, 16) and by_id.loc["S2-1", "days_past"] == 4
    assert by_id.loc["S2-1", "late_fee"] == D("2.00")          # 1000 × 0.0005 × 4
    assert by_id.loc["S2-2", "late_fee"] == D("0.00")          # the personal share carries none
    assert by_id.loc["S4-1", "bucket"] == "180天以上"
    df = service.arrears_by_age().set_index("bucket")
    assert list(df.index) == ["未到期", "0-30天", "31-90天", "91-180天", "180天以上"]
    assert (df.loc["0-30天", "rows"], df.loc["0-30天", "amount"], df.loc["0-30天", "late_fee"]) == (2, D("1500.00"), D("2.00"))
    assert by_id.loc["S4-1", "pay_by"] == dt.date(2026, 4, 20)  # 清明 (3 days off) moves 04-15 to a Saturday → Monday
    late = (dt.date(2026, 11, 20) - dt.date(2026, 4, 20)).days
    assert df.loc["180天以上", "late_fee"] == (D("10.00") * D("0.0005") * late).quantize(D("0.01"))
    # on the pay-by date itself nothing is late yet
    assert service.arrears(as_of=dt.date(2026, 11, 16)).set_index("payable_id").loc["S2-1", "late_fee"] == D("0.00")
    assert service.arrears(as_of=dt.date(2026, 11, 1)).set_index("payable_id").loc["S2-1", "bucket"] == "未到期"


def test_headcount_flow_per_unit_number(service):
    df = service.headcount_flow(StatsFilter("2026-09", "2026-11"))
    got = {(r.month, r.unit_number): (r.joined, r.stopped, r.insured) for r in df.itertuples()}
    assert got[("2026-09", A)] == (1, 0, 2)
    assert got[("2026-10", A)] == (0, 1, 2)
    assert got[("2026-11", A)] == (2, 0, 3)
    assert got[("2026-10", B)] == (1, 0, 1)
    assert set(service.headcount_flow(StatsFilter("2026-09", "2026-11", unit_number=B))["unit_number"]) == {B}


def test_base_distribution_against_floor_and_cap(service):
    # 2026-11 in 杭州: floor 4612.00, cap 23061.00; paying in 2026-11: E1 (at floor), E3 (above), E4 (at cap), E5
    df = service.base_distribution(StatsFilter(month_to="2026-11")).set_index("item_code")
    row = df.loc["10201"]
    assert (row.floor, row.cap) == (D("4612.00"), D("23061.00"))
    assert [int(row[k]) for k in ("below_floor", "at_floor", "between", "at_cap", "above_cap", "total")] == [0, 1, 1, 1, 1, 4]
    oct_ = service.base_distribution(StatsFilter(month_to="2026-10", unit_number=A)).set_index("item_code")
    assert (oct_.loc["10201", "below_floor"], oct_.loc["10201", "total"]) == (1, 2)  # E2 3000.00 and E1


def test_exports_and_png(service):
    data = service.chart("reconciliation", StatsFilter("2026-09", "2026-10"))
    book = openpyxl.load_workbook(io.BytesIO(service.export("reconciliation", data=data)))
    sheet = book.active
    assert sheet.title == "申报缴费到账核对"
    values = list(sheet.values)
    assert values[0][:5] == ("费款所属期", "应缴金额", "申报金额", "缴费金额", "到账金额")
    assert values[1][0] == "2026-09" and float(values[1][7]) == 800.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")        # a missing glyph would warn
        png = service.png("fees", StatsFilter("2026-09", "2026-11"))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    fig = service.figure("fees", service.monthly_fees(StatsFilter("2026-09", "2026-11")))
    ax = fig.axes[0]
    assert ax.get_title() == "月度费款"
    heights = sorted(round(p.get_height(), 2) for p in ax.patches if p.get_height())
    assert heights == [40.0, 500.0, 800.0, 1000.0, 1200.0, 1600.0]


def test_refusals_in_chinese(service):
    with pytest.raises(ValidationError) as err:
        service.monthly_fees(StatsFilter("2026-13"))
    assert "年-月" in str(err.value)
    with pytest.raises(ValidationError, match="不能晚于"):
        service.reconciliation(StatsFilter("2026-11", "2026-01"))
    with pytest.raises(ValidationError, match="单位编号"):
        service.headcount_flow(StatsFilter(unit_number="x'; DROP"))
    with pytest.raises(ValidationError, match="统计图"):
        service.chart("pie")
