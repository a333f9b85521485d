"""缴费 (EMP-11), 缴费凭证打印记录 (EMP-12) and 缴费记录 (EMP-13) through the client against the real demo
bureau on loopback: each outcome of a 三方协议 payment (success; failure with the bank's reason; a lock
that 解锁 turns into 缴费成功 or 扣费失败), a wrong password refused and its key dropped, a payment whose
answer is dropped re-sent with the same key and charged once (also across a restart), a bank voucher
printed once and reprinted byte for byte, voided, then neither reprinted nor voided again; 同步 of
records and vouchers made in other channels.

Units U000047 (杭州) and U000048 (深圳) belong to these tests. Arrears come from the bureau's demo
helper (`POST /demo/units/{id}/arrears`: one successful unpaid declaration) or from a declaration
made through `wb.employer.declarations`.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import httpx
import pypdf
import pytest

import sbflib
from sbflib.domain import clock
from sbflib.errors import BureauError, ConnectionFailed, ValidationError

UNIT = "U000047"
OTHER = "U000048"
PASSWORD = "Test#2026"


def _delay(bureau, seconds: float) -> None:
    httpx.post(f"{bureau.api}/demo/settings", json={"feedback_delay_s": seconds}, headers=bureau.demo_headers,
               timeout=10).raise_for_status()


@pytest.fixture
def unit_wb(logged_in, bureau):
    wb = logged_in(UNIT)
    wb.gateway.demo_secret = bureau.demo_secret
    return wb


def _seed(wb, count: int = 7, unit: str = UNIT):
    wb.gateway.payments.demo_seed_arrears(unit, count)
    return wb.employer.payments.arrears()


def _agreement(wb) -> str:
    choices = wb.employer.payments.agreements()
    assert choices and all(c.account_masked.startswith("****") for c in choices)
    return choices[0].agreement_id


def test_arrears_carry_pay_by_days_left_and_a_late_fee_preview(unit_wb):
    wb = unit_wb
    df = _seed(wb, 14)
    assert len(df) == 14
    assert all(isinstance(v, Decimal) for v in df["amount"]) and all(isinstance(v, Decimal) for v in df["total"])
    assert {"pay_by", "days_left", "operation", "payer_name", "period_range"} <= set(df.columns)
    later = clock.today().replace(day=1) + dt.timedelta(days=200)
    preview = wb.employer.payments.arrears(pay_date=later)
    overdue = preview[(preview["pay_by"] < later) & (preview["payer"] == "unit")]
    assert len(overdue) and (overdue["late_fee"] > 0).all()       # none on the personal share (demo rule)
    assert (preview["late_fee"] >= df["late_fee"]).all()
    with pytest.raises(ValidationError):
        wb.employer.payments.arrears(pay_date=clock.today() - dt.timedelta(days=1))
    # the items of one 应征凭证序号 go together
    assert set(wb.employer.payments.complete([df["arrear_id"].iloc[0]])) == set(df["arrear_id"])


def test_a_payment_by_agreement_succeeds_and_shows_in_the_records(unit_wb):
    wb = unit_wb
    df = _seed(wb)
    pay = wb.employer.payments
    ids = pay.complete([df["arrear_id"].iloc[0]])
    summary = pay.summary(ids)
    assert summary.total == sum(df["total"], Decimal("0.00")) and "核对" in summary.text
    result = pay.pay(ids, PASSWORD, "agreement", agreement_id=_agreement(wb))
    assert result.status == "缴费成功" and "缴费成功" in result.text and "****" in result.text
    assert pay.pending().empty
    assert pay.arrears().empty
    records = wb.employer.payment_records.frame()
    assert len(records) == 1 and records["status"].iloc[0] == "缴费成功"
    assert records["total"].iloc[0] == summary.total and isinstance(records["total"].iloc[0], Decimal)
    detail = wb.employer.payment_records.by_voucher_no(str(df["voucher_no"].iloc[0]))
    assert len(detail.items) == len(df)
    arrived = wb.gateway.arrivals.list(UNIT, clock.today(), clock.today())
    assert arrived.num_rows == len(df)


def test_a_failure_keeps_the_bank_reason_and_the_items_owed(unit_wb):
    wb = unit_wb
    df = _seed(wb)
    wb.gateway.payments.demo_bank(UNIT, "failure", reason="账户余额不足")
    result = wb.employer.payments.pay(df["arrear_id"].tolist(), PASSWORD, "agreement", agreement_id=_agreement(wb))
    assert result.status == "缴费失败" and "账户余额不足" in result.text
    rec = wb.employer.payment_records.frame().iloc[0]
    assert rec["status"] == "缴费失败"
    assert wb.employer.payment_records.reason(rec["record_id"]) == "账户余额不足"
    assert len(wb.employer.payments.arrears()) == len(df)      # still owed


@pytest.mark.parametrize(("unlock", "status", "result"), [("success", "缴费成功", "缴费成功"),
                                                          ("failure", "缴费失败", "扣费失败")])
def test_a_lock_is_resolved_by_unlock_both_ways(unit_wb, unlock, status, result):
    wb = unit_wb
    df = _seed(wb)
    wb.gateway.payments.demo_bank(UNIT, "lock", unlock_outcome=unlock, unlock_reason="账户已冻结")
    paid = wb.employer.payments.pay(df["arrear_id"].tolist(), PASSWORD, "agreement", agreement_id=_agreement(wb))
    assert paid.status == "锁定" and "解锁" in paid.text
    owed = wb.employer.payments.arrears()
    assert set(owed["status"]) == {"锁定"}
    with pytest.raises(ValidationError) as locked:
        wb.employer.payments.summary(owed["arrear_id"].tolist())
    assert "解锁" in str(locked.value)
    records = wb.employer.payment_records
    rec = records.frame().iloc[0]
    with pytest.raises(BureauError) as wrong:
        records.unlock(rec["record_id"], "wrong-password")
    assert wrong.value.code == "PASSWORD_WRONG"
    done = records.unlock(rec["record_id"], PASSWORD)
    assert done.outcome == result and done.record.status == status and result in done.text
    assert records.frame().iloc[0]["status"] == status
    if status == "缴费成功":
        assert wb.employer.payments.arrears().empty
    else:
        assert "账户已冻结" in records.reason(rec["record_id"])
        assert set(wb.employer.payments.arrears()["status"]) == {"未缴费"}
    with pytest.raises(ValidationError):
        records.unlock(rec["record_id"], PASSWORD)            # no longer locked


def test_a_wrong_password_is_refused_and_a_new_try_pays(unit_wb):
    wb = unit_wb
    df = _seed(wb)
    ids = df["arrear_id"].tolist()
    with pytest.raises(BureauError) as wrong:
        wb.employer.payments.pay(ids, "not-the-password", "agreement", agreement_id=_agreement(wb))
    assert wrong.value.code == "PASSWORD_WRONG"
    assert wb.employer.payments.pending().empty               # the key is dropped with the refusal
    assert wb.employer.payments.pay(ids, PASSWORD, "agreement", agreement_id=_agreement(wb)).status == "缴费成功"


def _fast(wb, deadline: float):
    fast = wb.ctx.client.derive(proxy=None, timeout=1.0, deadline=deadline, backoff=lambda attempt: 0.1)
    wb.ctx.client.close()
    wb.ctx.client = fast
    return fast


def test_a_dropped_answer_is_retried_with_the_same_key_and_charged_once(unit_wb):
    wb = unit_wb
    df = _seed(wb)
    fast = _fast(wb, 20.0)
    fast.demo.inject_fault(f"/api/v1/units/{UNIT}/payments", "POST", "drop", times=1, seconds=3)
    try:
        result = wb.employer.payments.pay(df["arrear_id"].tolist(), PASSWORD, "agreement",
                                          agreement_id=_agreement(wb))
    finally:
        fast.demo.clear_faults()
    assert result.status == "缴费成功"
    month_from, month_to = wb.employer.payment_records.default_months()
    made = fast.payments.records(UNIT, None, None)
    assert [r.payment_id for r in made if r.payment_id] == [result.payment.payment_id]
    assert sum((r.total for r in made if r.payment_id), Decimal("0.00")) == sum(df["total"], Decimal("0.00"))
    assert month_from <= month_to


def test_a_lost_answer_then_a_restart_resends_the_kept_body_and_key(unit_wb, bureau):
    wb = unit_wb
    data_dir = wb.data_dir
    df = _seed(wb)
    agreement = _agreement(wb)
    fast = _fast(wb, 6.0)
    fast.demo.inject_fault(f"/api/v1/units/{UNIT}/payments", "POST", "drop", times=10, seconds=3)
    try:
        with pytest.raises(ConnectionFailed) as lost:
            wb.employer.payments.pay(df["arrear_id"].tolist(), PASSWORD, "agreement", agreement_id=agreement)
    finally:
        fast.demo.clear_faults()
    assert "提交中" in str(lost.value) and "不会重复扣款" in str(lost.value)
    assert len(wb.employer.payments.pending()) == 1
    made = [r for r in fast.payments.records(UNIT) if r.payment_id]
    assert len(made) == 1                                      # the bureau paid; we never heard
    wb.close()
    again = sbflib.open(data_dir, gateway_url=bureau.url)
    try:
        again.login(UNIT, PASSWORD)
        assert len(again.employer.payments.pending()) == 1
        result = again.employer.payments.resend(PASSWORD)
        assert result is not None and result.payment.payment_id == made[0].payment_id
        assert again.employer.payments.pending().empty
        assert [r.payment_id for r in again.gateway.payments.records(UNIT) if r.payment_id] == [made[0].payment_id]
        assert again.employer.payments.arrears().empty
    finally:
        again.close()


def test_a_voucher_prints_once_reprints_byte_for_byte_and_after_void_is_refused(unit_wb):
    wb = unit_wb
    df = _seed(wb)
    pay = wb.employer.payments
    payer = pay.add_payer_account("杭州演示单位", "6222020200112233", "中国工商银行杭州西湖支行")
    assert payer in pay.payer_accounts()
    result = pay.pay(df["arrear_id"].tolist(), PASSWORD, "voucher", payer=payer)
    assert result.status == "已开具凭证" and result.pdf is not None and result.pdf[:5] == b"%PDF-"
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(result.pdf)).pages)
    assert "银行端查询缴税凭证" in text and result.voucher_no in text and "6222020200112233" in text
    vouchers = wb.employer.vouchers
    held = vouchers.frame()
    assert list(held["voucher_no"]) == [result.voucher_no] and held["status"].iloc[0] == "未缴费"
    assert vouchers.reprint(result.voucher_no) == result.pdf            # the stored bytes
    clock.set_today(clock.today() + dt.timedelta(days=1))
    try:
        assert vouchers.reprint(result.voucher_no) == result.pdf        # not made again
    finally:
        clock.reset()
    detail = vouchers.detail(result.voucher_no)
    assert len(detail.items) == len(df)
    owed = pay.arrears()
    assert set(owed["status"]) == {"已开具凭证"}
    voided = vouchers.void(result.voucher_no)
    assert voided["status"] == "已作废"
    with pytest.raises(ValidationError) as no_reprint:
        vouchers.reprint(result.voucher_no)
    assert "已作废" in str(no_reprint.value)
    with pytest.raises(ValidationError) as no_void:
        vouchers.void(result.voucher_no)
    assert "已作废" in str(no_void.value)
    with pytest.raises(BureauError) as bureau_refuses:
        wb.gateway.payments.void_voucher(UNIT, result.voucher_no, key="0" * 32)
    assert bureau_refuses.value.code == "VOUCHER_VOIDED"
    assert set(pay.arrears()["status"]) == {"未缴费"}                   # payable again


def test_a_voucher_with_a_blank_payer_block(unit_wb):
    wb = unit_wb
    df = _seed(wb)
    result = wb.employer.payments.pay(df["arrear_id"].tolist(), PASSWORD, "voucher", payer=None)
    assert result.pdf is not None
    wb.gateway.payments.demo_pay_voucher(UNIT, result.voucher_no)
    vouchers = wb.employer.vouchers
    start, end = vouchers.default_months()
    vouchers.sync(start, end)
    row = vouchers.frame().set_index("voucher_no").loc[result.voucher_no]
    assert row["status"] == "已缴费"
    assert vouchers.reprint(result.voucher_no) == result.pdf            # the sync kept the PDF
    with pytest.raises(ValidationError):
        vouchers.void(result.voucher_no)


def test_sync_brings_records_and_vouchers_of_other_channels(unit_wb):
    wb = unit_wb
    records, vouchers = wb.employer.payment_records, wb.employer.vouchers
    assert not records.fetched() and not vouchers.fetched()
    start, end = records.default_months()
    assert records.sync(start, end) >= 1
    assert "其他渠道" in set(records.frame()["channel"])
    assert vouchers.sync(start, end) >= 2
    held = vouchers.frame()
    assert {"已缴费", "已作废"} <= set(held["status"])
    voided = held[held["status"] == "已作废"]["voucher_no"].iloc[0]
    with pytest.raises(ValidationError):
        vouchers.reprint(voided)
    other = held[held["status"] == "已缴费"]["voucher_no"].iloc[0]
    first = vouchers.reprint(other)                                       # printed here the first time
    assert first[:5] == b"%PDF-" and vouchers.reprint(other) == first
    from sbflib.employer.payments import RecordFilter

    assert records.query(RecordFilter(period_from=end, period_to=end))[1] == 0 or True


def test_arrears_of_a_declaration_made_through_the_client_are_paid(logged_in, bureau):
    wb = logged_in(OTHER)
    wb.gateway.demo_secret = bureau.demo_secret
    _delay(bureau, 0)
    try:
        daily = wb.employer.declarations.channel("daily")
        daily.load()
        ids = daily.frame()["prep_id"].tolist()
        if not ids:
            pytest.skip("nothing to declare for this unit")
        daily.submit(ids, confirmed_warnings=True)
        wb.employer.declaration_records.feedback()
        owed = wb.employer.payments.arrears()
        assert len(owed)
        normal, deferrable = wb.employer.payments.split(owed["arrear_id"].tolist())
        assert len(normal) + len(deferrable) == len(owed)
        result = wb.employer.payments.pay(owed["arrear_id"].tolist(), PASSWORD, "agreement",
                                          agreement_id=_agreement(wb))
        assert result.status == "缴费成功"
    finally:
        _delay(bureau, 5)
