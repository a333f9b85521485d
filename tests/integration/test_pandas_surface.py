"""The pandas surface (docs/workbench.md): every list a page shows is one call returning the whole
list as a DataFrame — never cut to a page, money as Decimal, dates as datetime.date. Checked on the
demo bureau with spare unit U000041: one non-pension group of the daily page declared and paid by
银行端凭证 at the demo bank counter, a wage draft of every paying employee, and 100 seeded arrears."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest

from sbflib.domain import clock
from sbflib.domain.wages import Adjust
from sbflib.employer.declarations import NOT_DECLARED

UNIT = "U000041"
PASSWORD = "Test#2026"
SEEDED_ARREARS = 120


def declare_and_pay(wb: Any) -> str:
    """Declare the first 未申报 non-pension group of 日常申报 and pay it by 银行端凭证 (the demo bank
    counter takes the money); the declaration ID."""
    daily = wb.employer.declarations.channel("daily")
    daily.load()
    groups = daily.groups()
    groups = groups[groups["selectable"] & ~groups["group_key"].str.contains("|10201|", regex=False)]
    prep_ids = list(groups.iloc[0]["prep_ids"])
    receipt = daily.submit(prep_ids, confirmed_warnings=True)
    declaration_id = receipt.declarations[0][0]
    arrears = wb.employer.payments.arrears()
    ids = arrears.loc[arrears["declaration_id"] == declaration_id, "arrear_id"].tolist()
    assert ids, "the declaration is owed"
    paid = wb.employer.payments.pay(wb.employer.payments.complete(ids), PASSWORD, "voucher")
    wb.gateway.payments.demo_pay_voucher(UNIT, paid.voucher_no)
    return str(declaration_id)


@pytest.fixture(scope="module")
def unit_wb(bureau, tmp_path_factory):
    import sbflib

    bureau.reset_unit(UNIT)
    unit = bureau.unit(UNIT)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SBF_DEMO_SECRET", bureau.demo_secret)  # the demo calls below (a bureau of its own folder)
        wb = sbflib.open(tmp_path_factory.mktemp("surface") / "data", gateway_url=bureau.url)
    wb.choose_region(unit["region"])
    wb.units.add(wb.units.verify(UNIT, unit["password"]), confirmed=True)
    wb.login(UNIT, unit["password"])
    wb.change_password(unit["password"], PASSWORD, confirm=PASSWORD)
    wb.gateway.demo.set_feedback_delay(0)
    try:
        wb.employer.roster.sync()
        declare_and_pay(wb)
        wb.gateway.payments.demo_seed_arrears(UNIT, SEEDED_ARREARS)
        yield wb
    finally:
        wb.gateway.demo.set_feedback_delay(5)
        wb.close()
        bureau.reset_unit(UNIT)


MONEY = re.compile(r"(amount|late_fee|total_due|base_total|^total$|^base$|wage$|_rate$|^rate$)")
DATE = re.compile(r"(_on$|^pay_by$|^valid_until$)")


def typed(df: pd.DataFrame, *, money: int = 0, dates: int = 0) -> pd.DataFrame:
    """Every money column holds Decimal (never float), every date column datetime.date (never a
    Timestamp or text); at least `money` / `dates` such columns with values."""
    seen_money = seen_dates = 0
    for column in df.columns:
        values = df[column].dropna()
        if MONEY.search(column) and df[column].dtype != "int32":
            assert all(isinstance(v, Decimal) for v in values), (column, values.head(3).tolist())
            seen_money += len(values) > 0
        if DATE.search(column):
            assert all(type(v) is dt.date for v in values), (column, values.head(3).tolist())
            seen_dates += len(values) > 0
    assert seen_money >= money and seen_dates >= dates, (list(df.columns), seen_money, seen_dates)
    return df


def whole(service: Any, frame: pd.DataFrame, page_size: int = 5) -> None:
    """The frame is the whole list the page pages through: as many rows as the query's total, more than
    one page of `page_size`."""
    page, total = service.query(None, 1, page_size)
    assert len(page) == min(page_size, total)
    assert len(frame) == total > page_size


@pytest.fixture(scope="module")
def synced(unit_wb):
    e = unit_wb.employer
    today = clock.today()
    e.payables.sync()
    e.arrivals.sync()
    e.declaration_records.sync(today - dt.timedelta(days=365), today)
    e.insurance_registrations.update()
    e.projects.update()
    e.vouchers.sync()
    e.payment_records.sync()
    return unit_wb


def test_roster_lists_are_whole_and_typed(synced):
    r = synced.employer.roster
    employees = r.frame()
    whole(r, employees)
    assert len(employees) == r.counts().total
    items = typed(r.items(), money=1)
    assert len(items) > len(employees)  # one row per insured item
    assert typed(r.changes(1)).shape[0] == len(employees)  # the first (full) update lists everyone
    assert isinstance(synced.employer.groups.list(), pd.DataFrame)
    assert len(synced.units.list()) == 1


def test_declaration_lists_are_whole_and_typed(synced):
    e = synced.employer
    daily = e.declarations.channel("daily")
    rows = typed(daily.frame(), money=3)
    whole(daily, rows, page_size=2)
    assert (rows["status"] == NOT_DECLARED).any()
    lines = typed(daily.lines(str(rows["prep_id"].iloc[0])), money=1)
    assert len(lines) == rows["headcount"].iloc[0]
    records = typed(e.declaration_records.frame(), money=1)
    assert len(records) == e.declaration_records.query(None, 1, 1)[1] >= 1
    e.declared_lines.sync()
    declared = typed(e.declared_lines.frame(), money=1)
    assert len(declared) == e.declared_lines.query(None, 1, 1)[1]


def test_payable_and_arrival_lists_are_whole_and_typed(synced):
    e = synced.employer
    whole(e.payables, typed(e.payables.frame(), money=3, dates=1), page_size=50)
    whole(e.arrivals, typed(e.arrivals.frame(), money=3, dates=2))
    registrations = typed(e.insurance_registrations.frame(), money=1)
    assert len(registrations) == e.insurance_registrations.query(None, 1, 1)[1]
    assert len(e.projects.frame()) == e.projects.query(None, 1, 1)[1]  # not a builder: none


def test_payment_lists_are_whole_and_typed(synced):
    e = synced.employer
    arrears = typed(e.payments.arrears(), money=3, dates=2)
    assert len(arrears) >= SEEDED_ARREARS  # the bureau's whole 欠费信息 in one frame
    assert (arrears["days_left"] < 0).any()  # seeded ones are overdue
    vouchers = typed(e.vouchers.frame(), money=3, dates=2)
    assert len(vouchers) == e.vouchers.query(None, 1, 1)[1] >= 1
    records = typed(e.payment_records.frame(), money=3, dates=1)
    assert len(records) == e.payment_records.query(None, 1, 1)[1] >= 1
    assert len(e.refunds.frame()) == e.refunds.query(None, 1, 1)[1]
    assert isinstance(e.agreements.frame(), pd.DataFrame)


def test_wage_lists_are_whole_and_typed(synced):
    e = synced.employer
    draft = e.wages.draft("daily", "employee")
    added = draft.add_all_normal(Adjust("ratio", "100"))
    assert added.added > 5
    whole(draft, typed(draft.frame(), money=1))
    assert len(e.wage_records.frame()) == e.wage_records.query(None, 1, 1)[1]


def test_system_lists_are_whole(synced):
    audit = synced.audit
    audit.flush()
    log = audit.frame()
    whole(audit, log, page_size=2)
    assert {"called_at", "operation", "outcome"} <= set(log.columns)
    assert isinstance(synced.notices(), pd.DataFrame)
    assert isinstance(synced.declaration_settings.rule_files(), pd.DataFrame)


def test_home_backup_and_module_lists_are_frames(synced):
    home = typed(synced.employer.home.frame(), money=1)
    assert set(home["section"]) <= {"待办事项", "异常提醒"} and (home["kind"] == "unpaid").any()
    summary = synced.employer.home.summary()
    assert len(home) == len(summary.todo) + len(summary.alerts)
    made = synced.backup.backup()
    backups = synced.backup.frame()
    assert backups["name"].iloc[0] == made.path.name and len(backups) == len(synced.backup.backups())
    modules = synced.modules.frame()
    assert len(modules) == len(synced.modules.status()) and "employer" in set(modules["module"])


def test_statistics_and_certificate_frames_are_typed(synced):
    e = synced.employer
    s = e.statistics
    f = s.default_filter(months=12)
    recon = typed(s.reconciliation(f), money=0)
    for column in ("due", "declared", "paid", "arrived", "undeclared", "unpaid", "not_arrived"):
        assert all(isinstance(v, Decimal) for v in recon[column]), column
    assert len(recon) == 12
    assert recon["paid"].sum() > 0  # the voucher paid at the demo bank counter
    fees = typed(s.monthly_fees(f), money=1)
    assert sum(fees["amount"], Decimal(0)) == sum(
        e.payables.frame().pipe(lambda p: p[p["period_start"].str[:7] >= f.month_from])["amount"], Decimal(0))
    arrears = typed(s.arrears(f), money=1, dates=0)
    assert all(type(v) is dt.date for v in arrears["pay_by"])
    today = clock.today()
    issuable = typed(e.certificates.issuable(f"{today - dt.timedelta(days=365):%Y-%m}", f"{today:%Y-%m}"))
    assert isinstance(issuable, pd.DataFrame)


def test_detail_lists_are_whole_and_typed(synced):
    """The lists inside a 查看 dialog: a declaration's lines, a payment's and a voucher's items, what
    may be refunded, the 缴费证明 rows, the 测算 rows."""
    e = synced.employer
    pay = e.payment_records.frame().iloc[0]
    declared = str(pay["declaration_id"])  # the declaration this module made and paid
    detail = e.declaration_records.detail(declared)
    assert len(typed(detail.lines, money=1)) == e.declaration_records.lines(declared, 1, 1)[1] > 1
    typed(detail.rows, money=1)
    items = e.payment_records.detail(str(pay["record_id"])).items
    assert len(typed(items.drop(columns=["pay_by"], errors="ignore"), money=1)) >= 1  # pay_by: see below
    voucher = e.vouchers.frame().iloc[0]
    items = e.vouchers.detail(str(voucher["voucher_no"])).items
    assert len(typed(items.drop(columns=["pay_by"], errors="ignore"), money=1)) >= 1
    month = clock.current_month()
    typed(e.payment_proofs.unit(f"{clock.today().year - 1}-01", month).rows)
    typed(e.refunds.candidates("ticket", f"{clock.today().year - 1}-01", month).frame)
    synced.declaration_settings.update_rules()
    typed(e.trial.rows(e.trial.trial([month])), money=1)
    assert len(e.declarations.pending()) == 0 and len(e.payments.pending()) == 0


def test_payment_detail_items_have_pay_by_as_a_date(synced):
    e = synced.employer
    pay = e.payment_records.frame().iloc[0]
    typed(e.payment_records.detail(str(pay["record_id"])).items, dates=1)
    voucher = e.vouchers.frame().iloc[0]
    typed(e.vouchers.detail(str(voucher["voucher_no"])).items, dates=1)
