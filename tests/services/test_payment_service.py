"""缴费 / 缴费凭证打印记录 / 缴费记录 services against a fake 征收子系统 on MockTransport (tests/services/
payfake.py) and a temporary store: the selection completed per 应征凭证序号 and 可缓缴 split apart, the
summary, the password sent only in a header and never kept, a payment kept 提交中 before the call and
re-sent with the same key after a lost answer (paid once), a refusal dropping the key, vouchers printed
once and reprinted byte for byte, void then refused, records synced, 解锁 both ways."""

from __future__ import annotations

import datetime as dt
import json
import sys
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from payfake import PASSWORD, TAXPAYER, UNIT, PayBureau

from sbflib.employer.payments import PaymentRecordService, PaymentService, VoucherService
from sbflib.errors import BureauError, ConnectionFailed, ValidationError
from sbflib.gateway.client import BureauClient
from sbflib.store.db import Store
from sbflib.system.context import Context, CurrentUnit


class Services:
    def __init__(self, tmp_path: Path) -> None:
        self.bureau = PayBureau()
        self.client = BureauClient("http://bureau.test", transport=httpx.MockTransport(self.bureau),
                                   sleep=lambda s: None, retries=1)
        self.store = Store(tmp_path / "client" / "sbf.duckdb")
        self.ctx = Context(self.store, self.client)
        self.ctx.unit = CurrentUnit(UNIT, TAXPAYER, "杭州演示科技有限公司", "employer", "330100")
        self.pay = PaymentService(self.ctx)
        self.vouchers = VoucherService(self.ctx)
        self.records = PaymentRecordService(self.ctx)


@pytest.fixture
def s(tmp_path):
    services = Services(tmp_path)
    yield services
    services.client.close()
    services.store.close()


def test_arrears_come_with_money_as_decimal_and_a_late_fee_preview(s):
    df = s.pay.arrears()
    assert len(df) == 4 and all(isinstance(v, Decimal) for v in df["amount"])
    assert list(df["payer_name"][:2]) == ["单位", "个人"] and df["period_range"].iloc[0] == "2026-10"
    preview = s.pay.arrears(pay_date="2099-01-01")
    assert preview["late_fee"].iloc[0] > 0 and preview["late_fee"].iloc[1] == 0
    with pytest.raises(ValidationError) as past:
        s.pay.arrears(pay_date="2000-01-01")
    assert past.value.field == "缴费日期"


def test_the_selection_is_completed_per_levy_and_deferrable_items_split(s):
    s.pay.arrears()
    assert s.pay.complete(["SB001-P1"]) == ["SB001-P1", "SB001-P2"]
    assert s.pay.complete(["SB001-P4"]) == ["SB001-P4"]            # the 可缓缴 one may stay
    normal, deferrable = s.pay.split(["SB001-P3", "SB001-P4"])
    assert normal == ["SB001-P4"] and deferrable == ["SB001-P3"]
    summary = s.pay.summary(["SB001-P1", "SB001-P2"])
    assert summary.total == Decimal("2400.00") and summary.rows == 2
    assert summary.lines == ("基本养老保险费 2,400.00元",) and "核对" in summary.text
    with pytest.raises(ValidationError):
        s.pay.summary([])


def test_a_payment_by_agreement_sends_the_password_in_a_header_only_and_keeps_the_records(s):
    s.pay.arrears()
    choices = s.pay.agreements()
    assert [c.account_masked for c in choices] == ["****6700"]        # verified ones only
    result = s.pay.pay(["SB001-P1", "SB001-P2"], PASSWORD, "agreement", agreement_id=choices[0].agreement_id)
    assert result.status == "缴费成功" and "2,400.00" in result.text
    sent = next(r for r in s.bureau.requests if r.method == "POST" and r.url.path.endswith("/payments"))
    assert PASSWORD not in sent.content.decode() and sent.headers["X-Sbf-Password"] == PASSWORD
    body = json.loads(sent.content)
    assert body == {"arrear_ids": ["SB001-P1", "SB001-P2"], "method": "agreement", "total": "2400.00",
                    "agreement_id": choices[0].agreement_id}
    with s.store.read() as con:
        kept = con.execute("SELECT body FROM pay_submissions").fetchall()
    assert kept and all(PASSWORD not in str(row[0]) for row in kept)
    held = s.records.frame()
    assert list(held["status"]) == ["缴费成功"] and held["total"].iloc[0] == Decimal("2400.00")
    items = s.records.by_voucher_no("31000000000000000001").items
    assert len(items) == 2 and all(type(d) is dt.date for d in items["pay_by"])


def test_a_lost_answer_is_sent_again_with_the_same_key_and_paid_once(s):
    s.pay.arrears()
    s.bureau.drop_next = True
    agreement = s.pay.agreements()[0].agreement_id
    with pytest.raises(ConnectionFailed) as lost:
        s.pay.pay(["SB001-P1", "SB001-P2"], PASSWORD, "agreement", agreement_id=agreement)
    assert "不会重复扣款" in str(lost.value)
    assert len(s.pay.pending()) == 1
    result = s.pay.resend(PASSWORD)
    assert result is not None and result.status == "缴费成功"
    keys = [r.headers["Idempotency-Key"] for r in s.bureau.requests if r.url.path.endswith("/payments")
            and r.method == "POST"]
    assert len(keys) == 2 and keys[0] == keys[1]
    assert len(s.bureau.records) == 2                                  # one payment (and the other channel's)
    assert s.pay.pending().empty and s.pay.resend(PASSWORD) is None


def test_a_refusal_drops_the_kept_key(s):
    s.pay.arrears()
    agreement = s.pay.agreements()[0].agreement_id
    with pytest.raises(BureauError) as wrong:
        s.pay.pay(["SB001-P1", "SB001-P2"], "000000", "agreement", agreement_id=agreement)
    assert wrong.value.code == "PASSWORD_WRONG"
    assert s.pay.pending().empty
    with pytest.raises(ValidationError):
        s.pay.pay(["SB001-P1"], PASSWORD, "agreement", agreement_id=None)
    with pytest.raises(ValidationError):
        s.pay.pay(["SB001-P1"], "", "agreement", agreement_id=agreement)
    with pytest.raises(BureauError) as wrong_verify:
        s.pay.check_password("000000")
    assert wrong_verify.value.code == "PASSWORD_WRONG"
    assert s.pay.check_password(PASSWORD) is True


def test_a_voucher_is_printed_once_reprinted_byte_for_byte_then_voided_and_refused(s):
    s.pay.arrears()
    payer = s.pay.add_payer_account("杭州演示科技有限公司", "6222 0202 0011 2233", "工商银行西湖支行")
    assert payer.payer_account == "6222020200112233"
    with pytest.raises(ValidationError) as bad:
        s.pay.add_payer_account("某单位", "12ab", "某银行")
    assert bad.value.field == "付款人账号"
    accounts = s.pay.payer_accounts()
    assert accounts[0] == payer and any(a.source == "三方协议" for a in accounts)
    result = s.pay.pay(["SB001-P1", "SB001-P2"], PASSWORD, "voucher", payer=payer)
    assert result.pdf is not None and result.pdf[:5] == b"%PDF-"
    no = result.voucher_no
    assert no is not None
    assert s.vouchers.reprint(no) == result.pdf
    detail = s.vouchers.detail(no)
    assert detail.items["amount"].sum() == Decimal("2400.00")
    assert set(detail.items["valid_until"]) == {dt.date(2026, 11, 27)}
    with s.store.read() as con:
        assert con.execute("SELECT reprints FROM pay_voucher_pdfs").fetchall() == [(1,)]
    voided = s.vouchers.void(no)
    assert voided["status"] == "已作废"
    with pytest.raises(ValidationError) as reprint:
        s.vouchers.reprint(no)
    assert "已作废" in str(reprint.value) and reprint.value.code == "VOUCHER_VOIDED"
    with pytest.raises(ValidationError):
        s.vouchers.void(no)


def test_sync_keeps_the_pdf_printed_here_and_prints_others_once(s):
    s.pay.arrears()
    result = s.pay.pay(["SB001-P1", "SB001-P2"], PASSWORD, "voucher", payer=None)
    start, end = s.vouchers.default_months()
    assert start < end
    assert s.vouchers.sync("2026-01", "2026-12") == 2
    assert s.vouchers.reprint(result.voucher_no or "") == result.pdf
    with pytest.raises(ValidationError):
        s.vouchers.reprint("4201601130000009999")                     # voided elsewhere
    with pytest.raises(ValidationError) as order:
        s.vouchers.sync("2026-12", "2026-01")
    assert order.value.field == "费款所属期起"
    from sbflib.employer.payments import VoucherFilter

    assert s.vouchers.query(VoucherFilter(status="已作废"))[1] == 1
    assert s.vouchers.export()[:2] == b"PK"


@pytest.mark.parametrize(("unlock", "status", "outcome"), [("success", "缴费成功", "缴费成功"),
                                                           ("failure", "缴费失败", "扣费失败")])
def test_unlock_both_ways_and_failure_reasons(s, unlock, status, outcome):
    s.pay.arrears()
    s.bureau.outcome, s.bureau.unlock_outcome = "lock", unlock
    agreement = s.pay.agreements()[0].agreement_id
    paid = s.pay.pay(["SB001-P1", "SB001-P2"], PASSWORD, "agreement", agreement_id=agreement)
    assert paid.status == "锁定" and "解锁" in paid.text
    rid = paid.payment.records[0].record_id
    with pytest.raises(ValidationError):
        s.pay.summary(["SB001-P1", "SB001-P2"])                        # locked: not payable
    result = s.records.unlock(rid, PASSWORD)
    assert result.outcome == outcome and result.record.status == status and outcome in result.text
    assert s.records.detail(rid).record["status"] == status
    if status == "缴费失败":
        assert s.records.reason(rid) == "扣费失败：账户已冻结"
    with pytest.raises(ValidationError):
        s.records.unlock(rid, PASSWORD)


def test_records_sync_and_query_by_period(s):
    from sbflib.employer.payments import RecordFilter

    assert not s.records.fetched()
    assert s.records.sync("2026-01", "2026-12") == 1
    assert s.records.fetched()
    df, total = s.records.query(RecordFilter(period_from="2026-09", period_to="2026-09"))
    assert total == 1 and df["channel"].iloc[0] == "其他渠道"
    assert s.records.query(RecordFilter(period_from="2026-10"))[1] == 0
    with pytest.raises(ValidationError) as bad:
        s.records.query(RecordFilter(period_from="2026/10"))
    assert bad.value.field == "费款所属期起"
    assert s.records.export()[:2] == b"PK"
