"""首页 待办事项 / 异常提醒 (manual 2.1.3) over MockTransport and a temporary store: undeclared
preprocessing per declaration page with counts and totals, arrears ready to pay, employees without a
contribution wage, several periods undeclared, arrears past their pay-by date; one bureau call per
minute; what is held when the bureau is down."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import httpx
import pytest

from sbflib.domain import clock
from sbflib.employer.home import FRESH_S, HomeService, channel_of
from sbflib.errors import ConnectionFailed
from sbflib.gateway.client import BureauClient
from sbflib.store.db import Store
from sbflib.system.context import Context, CurrentUnit

UNIT = "U000001"
TODAY = "2026-11-27"


def _row(prep_id: str, status: str, amount: str, period: tuple[str, str] = ("2026-11", "2026-11"),
         source: str = "01", declaration_id: str | None = None) -> dict[str, Any]:
    return {"payable_id": f"{declaration_id}-{prep_id}" if declaration_id else prep_id, "prep_id": prep_id,
            "declaration_id": declaration_id, "created_on": "2026-11-20", "status": status, "source_code": source,
            "source_name": "税务机关", "kind": "应缴社保费", "unit_number": "1234", "item_code": "10201",
            "item_name": "基本养老保险费", "payer": "unit", "period_start": period[0], "period_end": period[1],
            "headcount": 3, "base_total": "15000.00", "rate": "0.16", "amount": amount}


ROWS = [
    # 日常申报: this month's 01 rows and a 征集信息 row, undeclared
    _row("P01N-1234-10201-U-202611", "初始", "2400.00"),
    _row("P01N-1234-10201-P-202611", "初始", "1200.00"),
    _row("P03-202611010000000001-10205-U", "初始", "100.50", source="03"),
    # 特殊缴费申报: three periods, undeclared
    _row("P02-A-10201-U", "初始", "300.00", ("2025-09", "2025-11"), source="02"),
    _row("P02-B-10202-U", "初始", "200.00", ("2026-05", "2026-07"), source="02"),
    _row("P02-C-10201-U", "初始", "100.00", ("2024-11", "2025-01"), source="02"),
    # 工程项目
    _row("PGC-202611010000000009", "初始", "999.99", source="03"),
    # declared, unpaid: a back-pay month (pay-by 2026-09-15, past) and this month (pay-by 2026-12-15)
    _row("P01B-1234-10201-U-202608", "申报成功", "500.00", ("2026-08", "2026-08"), declaration_id="SB1"),
    _row("P01N-1234-10202-U-202611", "申报成功", "80.00", declaration_id="SB2"),
    _row("P03-202611010000000002-10205-U", "申报成功", "20.00", source="03", declaration_id="SB3"),
    # paid and pending: not 待办
    _row("P01N-1234-10203-U-202611", "销账", "70.00", declaration_id="SB0"),
    _row("P01N-1234-10204-U-202611", "申报中", "60.00", declaration_id="SB4"),
]


class Bureau:
    def __init__(self) -> None:
        self.rows = list(ROWS)
        self.calls = 0
        self.arrears: list[dict[str, Any]] | None = None
        self.arrears_calls = 0
        self.down = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        if request.url.path == f"/api/v1/units/{UNIT}/arrears":
            self.arrears_calls += 1
            if self.arrears is None:  # a bureau without the 征收子系统
                return httpx.Response(404, json={"code": "NOT_FOUND", "message": "未找到"})
            return httpx.Response(200, json=self.arrears)
        self.calls += 1
        assert request.url.path == f"/api/v1/units/{UNIT}/payables"
        return httpx.Response(200, json=self.rows)


class Ticker:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def env(tmp_path):
    clock.set_today(TODAY)
    bureau = Bureau()
    client = BureauClient("http://bureau.test", transport=httpx.MockTransport(bureau), sleep=lambda s: None,
                          retries=1)
    store = Store(tmp_path / "client" / "sbf.duckdb")
    ctx = Context(store, client)
    ctx.unit = CurrentUnit(UNIT, "91330100MA0000000X", "测试单位", "employer", "330100")
    ticker = Ticker()
    yield bureau, HomeService(ctx, monotonic=ticker), store, ticker
    client.close()
    store.close()
    clock.reset()


def _by_kind(items: list[Any], kind: str) -> list[Any]:
    return [i for i in items if i.kind == kind]


def test_undeclared_preprocessing_per_page_with_counts_and_totals(env):
    _bureau, home, _store, _t = env
    todo = home.todo()
    undeclared = _by_kind(todo, "undeclared")
    assert [(t.channel, t.count, t.amount, t.menu_id) for t in undeclared] == [
        ("daily", 3, Decimal("3700.50"), "EMP-8"),
        ("special", 3, Decimal("600.00"), "EMP-9"),
        ("project", 1, Decimal("999.99"), "EMP-23"),
    ]
    assert undeclared[0].text == "日常申报：有3条社保费预处理信息未申报，应缴费额合计3,700.50元，请及时申报"
    assert all(isinstance(t.amount, Decimal) for t in todo)


def test_arrears_ready_to_pay_are_the_declared_unpaid_declarations(env):
    _bureau, home, _store, _t = env
    [unpaid] = _by_kind(home.todo(), "unpaid")
    assert (unpaid.count, unpaid.amount) == (3, Decimal("600.00"))
    assert (unpaid.menu_id, unpaid.fallback_menu_id) == ("EMP-11", "EMP-21")
    assert "3张申报表申报成功但未缴费" in unpaid.text and "600.00元" in unpaid.text


def test_nothing_to_do_when_everything_is_paid(env):
    bureau, home, _store, _t = env
    bureau.rows = [ROWS[-2]]
    summary = home.summary()
    assert summary.todo == [] and summary.alerts == []


def test_one_bureau_call_a_minute_and_none_from_what_is_held(env):
    bureau, home, _store, ticker = env
    home.todo()
    home.alerts()
    assert bureau.calls == 1
    ticker.now += FRESH_S + 1
    home.alerts()
    assert bureau.calls == 2
    held = home.summary(fetch=False)
    assert bureau.calls == 2 and held.fetched_at is None and len(held.todo) == 4


def test_when_the_bureau_is_down_the_held_summary_is_still_there(env):
    bureau, home, _store, ticker = env
    home.summary()
    bureau.down = True
    ticker.now += FRESH_S + 1
    with pytest.raises(ConnectionFailed) as failed:
        home.summary()
    assert "无法连接" in str(failed.value)
    assert len(home.summary(fetch=False).todo) == 4


def test_several_periods_undeclared_per_page(env):
    _bureau, home, _store, _t = env
    [periods] = _by_kind(home.alerts(), "periods")
    assert (periods.channel, periods.count, periods.menu_id) == ("special", 3, "EMP-9")
    assert periods.text == ("特殊缴费申报：有3个属期（2024-11至2025-01、2025-09至2025-11、2026-05至2026-07）的预处理信息未申报，"
                            "可能会超出申报期限")


def test_arrears_past_the_pay_by_date(env):
    _bureau, home, _store, _t = env
    [overdue] = _by_kind(home.alerts(), "overdue")
    # SB1's back-pay month 2026-08 was due on 2026-09-15; SB2 (2026-11) is due on 2026-12-15; SB3
    # (征集信息) is due by its 征集有效日期, which nothing holds here
    assert (overdue.count, overdue.amount, overdue.menu_id, overdue.fallback_menu_id) == (
        1, Decimal("500.00"), "EMP-11", "EMP-21")
    assert "最早于2026-09-15到期" in overdue.text


def test_pay_by_follows_the_kept_rule_file_and_holidays(env):
    bureau, home, store, ticker = env
    bureau.rows = [_row("P01N-1234-10201-U-202610", "申报成功", "10.00", ("2026-10", "2026-10"), declaration_id="SB9")]
    clock.set_today("2026-11-17")   # 2026-11-15 is a Sunday: due on Monday 11-16, so late on the 17th
    assert _by_kind(home.alerts(), "overdue")
    doc = {"kind": "contribution", "region": "330100", "updated": "2026-11-01",
           "collection": {"pay_by": {"day": 20, "months_after": 1}}}
    with store.work() as con:
        con.execute("INSERT INTO rule_files VALUES ('330100', 'c.json', '1', '2026-11-01', ?)", [json.dumps(doc)])
    ticker.now += FRESH_S + 1
    assert not _by_kind(home.alerts(), "overdue")  # due on the 20th now


def test_the_unit_share_of_a_deferrable_item_is_due_later(env):
    bureau, home, store, ticker = env
    bureau.rows = [_row("P01B-1234-10201-U-202608", "申报成功", "500.00", ("2026-08", "2026-08"), declaration_id="SB1")]
    doc = {"kind": "contribution", "region": "330100", "updated": "2026-11-01",
           "collection": {"pay_by": {"day": 15, "months_after": 1},
                          "deferral": {"items": ["10201"], "payer": "unit", "months": 3, "industries": ["餐饮业"]}}}
    with store.work() as con:
        con.execute("INSERT INTO rule_files VALUES ('330100', 'c.json', '1', '2026-11-01', ?)", [json.dumps(doc)])
        con.execute("INSERT INTO units (unit_id, module, taxpayer_id, name, region, added_at, profile_json) "
                    "VALUES (?, 'employer', '91330100MA0000000X', '测试单位', '330100', now(), ?)",
                    [UNIT, json.dumps({"industry": "餐饮业"})])
    assert not _by_kind(home.alerts(), "overdue")  # due 2026-09-15, deferred three months: 2026-12-15
    with store.work() as con:
        con.execute("UPDATE units SET profile_json = ? WHERE unit_id = ?", [json.dumps({"industry": "软件业"}), UNIT])
    ticker.now += FRESH_S + 1
    assert _by_kind(home.alerts(), "overdue")


def test_employees_paying_now_without_a_contribution_wage(env):
    _bureau, home, store, ticker = env
    assert not _by_kind(home.alerts(), "no_wage")
    with store.work() as con:
        con.execute("INSERT INTO units (unit_id, module, taxpayer_id, name, region, added_at, roster_cursor) "
                    "VALUES (?, 'employer', '91330100MA0000000X', '测试单位', '330100', now(), 5)", [UNIT])
        for emp, start, stop in (("E1", "2020-01", None), ("E2", "2020-01", None), ("E3", "2020-01", "2026-01"),
                                 ("E4", "2027-01", None), ("E5", "2020-01", None)):
            con.execute("INSERT INTO employees (unit_id, employee_id, name, start_month, stop_month) "
                        "VALUES (?, ?, '职工', ?, ?)", [UNIT, emp, start, stop])
        items = [("E1", "10201", None, "税务自主"), ("E1", "10202", Decimal(0), "税务自主"),
                 ("E2", "10201", Decimal(5000), "税务自主"), ("E3", "10201", None, "税务自主"),
                 ("E4", "10201", None, "税务自主"), ("E5", "10205", None, "税务代征"),
                 ("E5", "10201", Decimal("0.00"), "税务自主")]
        for emp, item, base, mode in items:
            con.execute("INSERT INTO employee_items (unit_id, employee_id, item_code, base, start_month, "
                        "collection_mode) VALUES (?, ?, ?, ?, '2020-01', ?)", [UNIT, emp, item, base, mode])
    ticker.now += FRESH_S + 1
    [alert] = _by_kind(home.alerts(), "no_wage")
    assert alert.count == 2  # E1 and E5; E2 has a wage, E3 stopped, E4 not started, E5's 代征 item does not count
    assert (alert.menu_id, alert.fallback_menu_id) == ("EMP-3", "EMP-2")
    assert alert.text == "有2名正常缴费的职工缴费工资为空，请为其申报缴费工资"


def _has(store: Store, table: str) -> bool:
    with store.read() as con:
        return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table]).fetchall()[0][0])


def test_collected_rows_are_due_by_their_notice_date_when_the_pages_hold_it(env):
    _bureau, home, store, _t = env
    if not _has(store, "declare_rows"):
        pytest.skip("the declaration pages' store (migration 008) is not here yet")
    with store.work() as con:
        con.execute("""INSERT INTO declare_rows (unit_id, channel, pos, prep_id, group_key, source_code, valid_until,
                       status, fetched_at) VALUES (?, 'daily', 1, 'P03-202611010000000002-10205-U', 'g', '03',
                       DATE '2026-11-26', '已申报', now())""", [UNIT])
    [overdue] = _by_kind(home.alerts(), "overdue")
    assert (overdue.count, overdue.amount) == (2, Decimal("520.00"))


def test_submissions_without_an_answer_are_to_be_sent_again(env):
    _bureau, home, store, _t = env
    if not _has(store, "declare_submissions"):
        pytest.skip("the declaration pages' store (migration 008) is not here yet")
    with store.work() as con:
        con.execute("""INSERT INTO declare_submissions (unit_id, submit_key, channel, body, total_due, rows, headcount,
                       state, created_at) VALUES (?, 'k1', 'special', '{}', 1.00, 2, 3, '提交中', now())""", [UNIT])
    [resend] = _by_kind(home.todo(), "resend")
    assert (resend.channel, resend.count, resend.menu_id) == ("special", 2, "EMP-9")
    assert "已提交但未收到税务局的答复" in resend.text


def test_channel_of_each_kind_of_row():
    assert channel_of("P01B-1234-10201-U-202608", "01") == "daily"
    assert channel_of("P03-1-10205-U", "03") == "daily"
    assert channel_of("P02-1-10201-U", "02") == "special"
    assert channel_of("PGC-1", "03") == "project"


def test_texts_have_no_catalogue_ids_or_english(env):
    _bureau, home, _store, _t = env
    summary = home.summary()
    for item in [*summary.todo, *summary.alerts]:
        assert "EMP" not in item.text and not any("a" <= c.lower() <= "z" for c in item.text), item.text
    assert isinstance(summary.fetched_at, dt.datetime)


def _arrear(voucher: str, prep_id: str, amount: str, pay_by: str, days_left: int, late_fee: str = "0.00",
            status: str = "未缴费") -> dict[str, Any]:
    return {"arrear_id": f"SB{voucher}-{prep_id}", "declaration_id": f"SB{voucher}", "voucher_no": voucher,
            "source_code": "01", "source_name": "税务机关", "tax_authority": "国家税务总局杭州市滨江区税务局",
            "declared_on": "2026-11-20", "prep_id": prep_id, "unit_number": "1234", "agency": "杭州市社保中心",
            "item_code": "10201", "item_name": "基本养老保险费", "subitem_name": "企业职工基本养老保险费", "payer": "unit",
            "payer_name": "单位", "period_start": "2026-08", "period_end": "2026-08", "headcount": 1, "amount": amount,
            "pay_by": pay_by, "days_left": days_left, "late_fee": late_fee,
            "total": str(Decimal(amount) + Decimal(late_fee)), "deferrable": False, "operation": "正常缴费",
            "status": status, "locked_by": None, "bank_voucher_no": None}


def test_the_bureaus_arrears_decide_what_to_pay_and_what_is_late(env):
    bureau, home, _store, _t = env
    bureau.arrears = [
        _arrear("1", "P01B-1", "500.00", "2026-09-15", -73, late_fee="18.25"),
        _arrear("1", "P01B-2", "250.00", "2026-09-15", -73),             # personal share: no late fee
        _arrear("2", "P03-1", "20.00", "2026-11-26", -1, late_fee="0.01"),  # a 征集有效日期 yesterday
        _arrear("3", "P01N-1", "80.00", "2026-12-15", 18),
        _arrear("4", "P01N-2", "99.00", "2026-09-15", -73, status="锁定"),  # a payment under way
    ]
    summary = home.summary()
    assert bureau.calls == 1 and bureau.arrears_calls == 1
    [unpaid] = _by_kind(summary.todo, "unpaid")
    assert (unpaid.count, unpaid.amount) == (3, Decimal("868.26"))
    assert unpaid.text == ("社保费欠费信息已生成：3张申报表申报成功但未缴费，应缴费额合计850.00元，另有滞纳金18.26元，"
                           "可以进行社保费缴费")
    [overdue] = _by_kind(summary.alerts, "overdue")
    assert (overdue.count, overdue.amount) == (2, Decimal("770.00"))
    assert overdue.text == ("有2张申报表的欠费已超出缴费期限（最早于2026-09-15到期），应缴费额合计770.00元，"
                            "截至今日滞纳金18.26元，请及时缴费")
    held = home.summary(fetch=False)  # the arrears fetched last stay in memory
    assert _by_kind(held.alerts, "overdue") == [overdue] and bureau.arrears_calls == 1


def test_nothing_to_pay_when_the_bureau_owes_nothing(env):
    bureau, home, _store, _t = env
    bureau.arrears = []
    summary = home.summary()
    assert not _by_kind(summary.todo, "unpaid") and not _by_kind(summary.alerts, "overdue")
    assert _by_kind(summary.todo, "undeclared")  # the payables still say what is undeclared


def test_a_bureau_without_arrears_is_asked_once(env):
    bureau, home, _store, ticker = env
    home.summary()
    ticker.now += FRESH_S + 1
    home.summary()
    assert bureau.calls == 2 and bureau.arrears_calls == 1


def test_a_malformed_arrears_answer_is_a_protocol_error(env):
    bureau, home, _store, _t = env
    bureau.arrears = [{**_arrear("1", "P", "1.00", "2026-09-15", -1), "total": "9.99"}]
    with pytest.raises(ConnectionFailed) as failed:
        home.summary()
    assert failed.value.code == "BAD_RESPONSE"


def test_every_public_method_is_behind_the_service_edge():
    import inspect

    for name, member in vars(HomeService).items():
        if not name.startswith("_") and inspect.isfunction(member):
            assert hasattr(member, "__wrapped__"), name


def test_the_deadline_calendar_lists_each_pay_by_date_with_days_left_and_late_fees(env):
    """缴费日历 (beyond the manual): every day something falls due, the earliest first; 锁定 items left out."""
    bureau, home, _store, _t = env
    bureau.arrears = [
        _arrear("1", "P01B-1", "500.00", "2026-09-15", -73, late_fee="18.25"),
        _arrear("1", "P01B-2", "250.00", "2026-09-15", -73),
        _arrear("3", "P01N-1", "80.00", "2026-12-15", 18),
        _arrear("5", "P01N-3", "20.50", "2026-12-15", 18),
        _arrear("4", "P01N-2", "99.00", "2026-11-27", 0, status="锁定"),  # a payment under way
    ]
    days = home.summary().deadlines
    assert [(d.pay_by, d.days_left, d.declarations, d.amount, d.late_fee) for d in days] == [
        (dt.date(2026, 9, 15), -73, 1, Decimal("750.00"), Decimal("18.25")),
        (dt.date(2026, 12, 15), 18, 2, Decimal("100.50"), Decimal("0.00")),
    ]
    assert days[0].text == "2026-09-15（已逾期73天）：1张申报表，应缴费额合计750.00元，截至今日滞纳金18.25元"
    assert days[1].text == "2026-12-15（还剩18天）：2张申报表，应缴费额合计100.50元"
    bureau.arrears = None
    home.forget()
    assert home.summary().deadlines == []  # a bureau without 欠费信息: no calendar rather than a guess
