"""单位三方协议管理 (manual 2.18) through the client against a real bureau on loopback: the rules one by
one (modify → 未验证, 作废 only unverified, 撤销 only verified, a voided one cannot be verified, a second
费批扣 refused), each refusal the bureau's Chinese message; the cascade; and a dropped answer re-sent with
the same Idempotency-Key does the action once (within one call, and by the service on a second try).

Spare unit (tests/conftest.py): U000045; the demo reset puts its seeded agreements back (one 验证通过
费批扣 at 中国工商银行 ****6700, one 未验证 at 中国建设银行).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sbflib.employer.agreements import AgreementForm
from sbflib.errors import BureauError, ConnectionFailed
from sbflib.gateway.http import deadline_transport

UNIT = "U000045"


class Recording(httpx.BaseTransport):
    def __init__(self) -> None:
        self.inner = deadline_transport(None)
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


@pytest.fixture
def wb(logged_in):
    return logged_in(UNIT)


def _seeded(service: Any) -> tuple[Any, Any]:
    rows = service.list()
    verified = next(a for a in rows if a.status == "验证通过")
    unverified = next(a for a in rows if a.status == "未验证")
    return verified, unverified


def _form(service: Any, account: str, allow_debit: bool = True, like: Any = None) -> AgreementForm:
    verified = like or _seeded(service)[0]
    [bank] = [b for b in service.banks(verified.region_code) if b.bank_code == verified.bank_code]
    branch = service.branches(verified.region_code, bank.bank_code)[0]
    return AgreementForm(allow_debit, service.tax_authorities()[0], verified.region_code, bank.bank_code,
                         branch.branch_no, "测试账户", account)


def _refused(call: Any, code: str) -> str:
    with pytest.raises(BureauError) as caught:
        call()
    assert caught.value.code == code, caught.value
    message = str(caught.value)
    assert message and not any(c.isascii() and c.isalpha() for c in message.replace("ID", "")), message
    return message


def test_the_seeded_agreements_are_listed_masked(wb):
    service = wb.employer.agreements
    verified, unverified = _seeded(service)
    assert (verified.bank_name, verified.account_masked, verified.batch_flag) == ("中国工商银行", "****6700", "费批扣")
    assert unverified.bank_name == "中国建设银行" and unverified.account_masked.startswith("****")
    df = service.frame()
    assert set(df["account_masked"]) >= {"****6700"}
    assert not any("6700" in str(v) and len(str(v)) > 8 for v in df["account_masked"])


def test_the_rules_one_by_one(wb):
    service = wb.employer.agreements
    verified, unverified = _seeded(service)

    # 作废 only unverified; 撤销 only verified (the bureau's messages)
    assert "撤销" in _refused(lambda: service.void(verified.agreement_id), "AGREEMENT_NOT_VOIDABLE")
    assert "作废" in _refused(lambda: service.revoke(unverified.agreement_id), "AGREEMENT_NOT_REVOCABLE")

    # a second 费批扣 agreement cannot be verified while one is 验证通过
    second = service.new(_form(service, "6222020200012345"))
    assert second.status == "未验证" and second.batch_flag == "费批扣" and second.account_masked == "****2345"
    assert "费批扣" in _refused(lambda: service.verify(second.agreement_id), "AGREEMENT_BATCH_EXISTS")

    # modify → 未验证 (it no longer pays until verified)
    changed = service.modify(verified.agreement_id, verified.form())
    assert changed.status == "未验证" and not changed.usable
    # now the new one may be verified, and the modified one may not be verified as 费批扣 any more
    assert service.verify(second.agreement_id).status == "验证通过"
    _refused(lambda: service.verify(changed.agreement_id), "AGREEMENT_BATCH_EXISTS")

    # a voided agreement cannot be verified (nor voided again)
    voided = service.void(unverified.agreement_id)
    assert voided.status == "协议终止" and voided.ended_how == "作废"
    _refused(lambda: service.verify(unverified.agreement_id), "AGREEMENT_ENDED")
    _refused(lambda: service.modify(unverified.agreement_id, unverified.form()), "AGREEMENT_ENDED")

    # 撤销 a verified one: 协议终止, and it cannot pay
    revoked = service.revoke(second.agreement_id)
    assert revoked.status == "协议终止" and revoked.ended_how == "撤销" and not revoked.usable

    # the same account in a live agreement of the unit is refused
    _refused(lambda: service.new(_form(service, verified.account_no, like=verified)), "AGREEMENT_DUPLICATE")
    statuses = {a.agreement_id: a.status for a in service.list()}
    assert statuses[unverified.agreement_id] == "协议终止" and statuses[verified.agreement_id] == "未验证"


def test_the_bank_may_refuse_a_verification_with_its_reason(wb, bureau):
    service = wb.employer.agreements
    _verified, unverified = _seeded(service)
    httpx.post(f"{bureau.api}/demo/units/{UNIT}/bank-verifications",
               json={"outcome": "fail", "reason": "账户余额不足", "times": 1}, headers=bureau.demo_headers,
               timeout=10).raise_for_status()
    failed = service.verify(unverified.agreement_id)
    assert failed.status == "验证失败" and failed.verify_reason and "余额不足" in failed.verify_reason
    # 所有非批扣 may be verified beside the 费批扣 one
    assert service.verify(unverified.agreement_id).status == "验证通过"


def test_a_dropped_answer_is_sent_again_with_the_same_key_and_done_once(wb, bureau):
    recording = Recording()
    wb.ctx.client.demo_secret = bureau.demo_secret
    wb.ctx.client = wb.ctx.client.derive(proxy=None, transport=recording, timeout=1.0, deadline=20.0,
                                         backoff=lambda attempt: 0.1)
    client = wb.ctx.client
    service = wb.employer.agreements
    before = len(service.list())
    try:
        # within one call: the transport's retry carries the same key
        client.demo.inject_fault(f"/api/v1/units/{UNIT}/agreements", "POST", "drop", times=1, seconds=3)
        recording.requests.clear()
        made = service.new(_form(service, "6222020200013579", allow_debit=False))
        posts = [r for r in recording.requests if r.method == "POST"]
        assert len(posts) == 2 and posts[0].headers["Idempotency-Key"] == posts[1].headers["Idempotency-Key"]
        assert len(service.list()) == before + 1 and made.status == "未验证"

        # across two clicks: the first call gives up, the service keeps the key, the second click reuses it
        wb.ctx.client = client.derive(proxy=None, transport=recording, timeout=1.0, retries=1, deadline=20.0)
        client.demo.inject_fault(f"/api/v1/units/{UNIT}/agreements/{made.agreement_id}/verify", "POST", "drop",
                                 times=1, seconds=3)
        recording.requests.clear()
        with pytest.raises(ConnectionFailed) as caught:
            service.verify(made.agreement_id)
        assert "不会重复办理" in str(caught.value)
        assert service.pending() == 1
        done = service.verify(made.agreement_id)
        assert done.status == "验证通过" and service.pending() == 0
        posts = [r for r in recording.requests if r.method == "POST"]
        assert len(posts) == 2 and posts[0].headers["Idempotency-Key"] == posts[1].headers["Idempotency-Key"]
        # done once: a second verification now is refused as already verified
        _refused(lambda: service.verify(made.agreement_id), "AGREEMENT_VERIFIED")
    finally:
        client.demo.clear_faults()
