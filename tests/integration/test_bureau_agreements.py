"""Three-party agreements (单位三方协议, manual 2.18) on a real bureau on loopback, the rules one by one:
several per unit; new and modified ones are 未验证; the simulated bank decides a verification (steered by
the demo call); only one verified 费批扣/所有批扣 agreement per unit; 作废 only while not verified, 撤销 only
once verified, both end it (协议终止); an ended agreement cannot be verified or modified; only a verified
one pays (`usable_for_payment`, checked on a store of its own). The bank cascade of the form.

Spare units (tests/conftest.py): U000045, U000046. The demo reset does not touch agreements, so each test
first ends the unit's live agreements (`_clean`) and works with its own.
"""

from __future__ import annotations

import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from sbflib.bureau import agreements as ag
from sbflib.bureau.errors import Refusal
from sbflib.bureau.seed import seed
from sbflib.bureau.store import BureauStore
from sbflib.domain import clock

UNIT = "U000045"
OTHER = "U000046"


class Api:
    def __init__(self, bureau: Any, unit: str) -> None:
        self.bureau = bureau
        self.unit = unit
        self.http = httpx.Client(base_url=bureau.api, timeout=30,
                                 headers={"Authorization": f"Bearer {bureau.token(unit)}"})

    def call(self, method: str, path: str, body: Any = None, key: str | None = None) -> httpx.Response:
        headers = {"Idempotency-Key": key or uuid.uuid4().hex} if method != "GET" else {}
        return self.http.request(method, f"/units/{self.unit}{path}", json=body, headers=headers)

    def ok(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        resp = self.call(method, path, body)
        assert resp.status_code == status, resp.text
        return resp.json()

    def refused(self, method: str, path: str, body: Any, status: int, code: str) -> str:
        resp = self.call(method, path, body)
        assert resp.status_code == status, resp.text
        assert resp.json()["code"] == code, resp.text
        return str(resp.json()["message"])

    def agreements(self) -> list[dict[str, Any]]:
        return self.ok("GET", "/agreements")

    def form(self, account_no: str, allow_debit: bool = True, bank: str = "308") -> dict[str, Any]:
        authority = self.ok("GET", "/registration")["tax_authority"]
        branch = httpx.get(f"{self.bureau.api}/banking/regions/330108/banks/{bank}/branches", timeout=10).json()[0]
        return {"allow_debit": allow_debit, "tax_authority": authority, "region_code": "330108", "bank_code": bank,
                "branch_no": branch["branch_no"], "account_name": "测试账户", "account_no": account_no}

    def create(self, account_no: str, allow_debit: bool = True) -> dict[str, Any]:
        return self.ok("POST", "/agreements", self.form(account_no, allow_debit), status=201)

    def plan(self, outcome: str, reason: str | None = None) -> None:
        httpx.post(f"{self.bureau.api}/demo/units/{self.unit}/bank-verifications",
                   json={"outcome": outcome, "reason": reason, "times": 1},
                   headers=self.bureau.demo_headers, timeout=10).raise_for_status()


def _clean(api: Api) -> None:
    """End every live agreement of the unit: revoke the verified, void the others."""
    for a in api.agreements():
        if a["status"] == ag.VERIFIED:
            api.ok("POST", f"/agreements/{a['agreement_id']}/revoke")
        elif a["status"] != ag.ENDED:
            api.ok("POST", f"/agreements/{a['agreement_id']}/void")


@pytest.fixture
def api(bureau):
    made = Api(bureau, UNIT)
    _clean(made)
    yield made
    made.http.close()


def _account() -> str:
    return "62" + str(uuid.uuid4().int)[:16]


def test_the_bank_cascade_offers_regions_banks_and_branches_with_fuzzy_search(bureau):
    regions = httpx.get(f"{bureau.api}/banking/regions", params={"q": "滨江"}, timeout=10).json()
    assert regions == [{"region_code": "330108", "region_name": "浙江省杭州市滨江区"}]
    banks = httpx.get(f"{bureau.api}/banking/regions/330108/banks", timeout=10).json()
    assert {"bank_code": "102", "bank_name": "中国工商银行"} in banks
    branches = httpx.get(f"{bureau.api}/banking/regions/330108/banks/102/branches", params={"q": "营业部"},
                         timeout=10).json()
    assert [b["branch_name"] for b in branches] == ["中国工商银行杭州滨江营业部"]
    assert len(branches[0]["branch_no"]) == 12 and branches[0]["branch_no"].startswith("102")
    unknown = httpx.get(f"{bureau.api}/banking/regions/999999/banks", timeout=10)
    assert unknown.status_code == 404 and unknown.json()["code"] == "REGION_NOT_FOUND"


def test_a_unit_is_seeded_with_a_verified_debit_agreement_shown_masked(bureau):
    # U000046's seeded agreements are left alone by the other tests until they clean it.
    api = Api(bureau, OTHER)
    seeded = [a for a in api.agreements() if a["account_no"].endswith("09006700")]
    assert seeded and seeded[0]["account_masked"] == "****6700"
    assert seeded[0]["bank_name"] == "中国工商银行" and seeded[0]["batch_flag"] == "费批扣"


def test_a_new_agreement_is_unverified_and_offers_modify_void_verify(api):
    made = api.create(_account())
    assert made["status"] == "未验证" and made["verified_on"] is None and made["usable"] is False
    assert made["batch_flag"] == "费批扣" and made["allow_debit"] is True
    assert made["actions"] == ["修改", "作废", "验证"]
    assert made["account_masked"] == "****" + made["account_no"][-4:]
    assert made["branch_name"] == "招商银行杭州滨江支行" and made["region_name"] == "浙江省杭州市滨江区"
    assert api.ok("GET", f"/agreements/{made['agreement_id']}") == made
    second = api.create(_account(), allow_debit=False)
    assert second["batch_flag"] == "所有非批扣"
    ids = [a["agreement_id"] for a in api.agreements()]
    assert made["agreement_id"] in ids and second["agreement_id"] in ids  # several per unit


def test_verification_is_decided_by_the_bank_fail_with_its_reason_then_pass(api):
    made = api.create(_account())
    api.plan("fail", "账户名称与银行预留户名不一致")
    failed = api.ok("POST", f"/agreements/{made['agreement_id']}/verify")
    assert failed["status"] == "验证失败" and failed["verify_reason"] == "账户名称与银行预留户名不一致"
    assert failed["usable"] is False and "验证" in failed["actions"]
    passed = api.ok("POST", f"/agreements/{made['agreement_id']}/verify")
    assert passed["status"] == "验证通过" and passed["verify_reason"] is None
    assert passed["verified_on"] == clock.today().isoformat() and passed["usable"] is True
    assert passed["actions"] == ["修改", "撤销"]
    api.refused("POST", f"/agreements/{made['agreement_id']}/verify", None, 409, "AGREEMENT_VERIFIED")


def test_an_account_the_bank_does_not_know_fails_verification(api):
    made = api.create("6222" + str(uuid.uuid4().int)[:8] + "0000")
    failed = api.ok("POST", f"/agreements/{made['agreement_id']}/verify")
    assert failed["status"] == "验证失败" and "未查询到该缴费账号" in failed["verify_reason"]


def test_only_one_verified_debiting_agreement_per_unit(api):
    first = api.create(_account())
    api.ok("POST", f"/agreements/{first['agreement_id']}/verify")
    second = api.create(_account())
    message = api.refused("POST", f"/agreements/{second['agreement_id']}/verify", None, 409, "AGREEMENT_BATCH_EXISTS")
    assert first["agreement_id"] in message and "费批扣" in message
    assert api.ok("GET", f"/agreements/{second['agreement_id']}")["status"] == "未验证"  # nothing changed
    # A non-debiting agreement verifies beside it.
    plain = api.create(_account(), allow_debit=False)
    assert api.ok("POST", f"/agreements/{plain['agreement_id']}/verify")["status"] == "验证通过"
    # Once the first is revoked, the second may be verified.
    api.ok("POST", f"/agreements/{first['agreement_id']}/revoke")
    assert api.ok("POST", f"/agreements/{second['agreement_id']}/verify")["status"] == "验证通过"


def test_modifying_makes_an_agreement_unverified_again(api):
    made = api.create(_account())
    api.ok("POST", f"/agreements/{made['agreement_id']}/verify")
    form = api.form(_account(), allow_debit=False, bank="105")
    changed = api.ok("PUT", f"/agreements/{made['agreement_id']}", form)
    assert changed["status"] == "未验证" and changed["verified_on"] is None and changed["usable"] is False
    assert changed["bank_name"] == "中国建设银行" and changed["batch_flag"] == "所有非批扣"
    assert changed["account_no"] == form["account_no"] and changed["agreement_id"] == made["agreement_id"]


def test_void_only_while_unverified_and_a_voided_one_cannot_be_verified_or_modified(api):
    verified = api.create(_account())
    api.ok("POST", f"/agreements/{verified['agreement_id']}/verify")
    api.refused("POST", f"/agreements/{verified['agreement_id']}/void", None, 409, "AGREEMENT_NOT_VOIDABLE")
    made = api.create(_account())
    voided = api.ok("POST", f"/agreements/{made['agreement_id']}/void")
    assert voided["status"] == "协议终止" and voided["ended_how"] == "作废" and voided["actions"] == []
    message = api.refused("POST", f"/agreements/{made['agreement_id']}/verify", None, 409, "AGREEMENT_ENDED")
    assert "已作废" in message
    api.refused("PUT", f"/agreements/{made['agreement_id']}", api.form(_account()), 409, "AGREEMENT_ENDED")
    api.refused("POST", f"/agreements/{made['agreement_id']}/void", None, 409, "AGREEMENT_ENDED")
    # A failed verification may be voided too (it is not verified).
    failing = api.create(_account(), allow_debit=False)
    api.plan("fail")
    api.ok("POST", f"/agreements/{failing['agreement_id']}/verify")
    assert api.ok("POST", f"/agreements/{failing['agreement_id']}/void")["status"] == "协议终止"


def test_revoke_only_once_verified_and_a_revoked_one_ends(api):
    made = api.create(_account())
    api.refused("POST", f"/agreements/{made['agreement_id']}/revoke", None, 409, "AGREEMENT_NOT_REVOCABLE")
    api.ok("POST", f"/agreements/{made['agreement_id']}/verify")
    revoked = api.ok("POST", f"/agreements/{made['agreement_id']}/revoke")
    assert revoked["status"] == "协议终止" and revoked["ended_how"] == "撤销" and revoked["usable"] is False
    api.refused("POST", f"/agreements/{made['agreement_id']}/revoke", None, 409, "AGREEMENT_ENDED")
    assert "已撤销" in api.refused("POST", f"/agreements/{made['agreement_id']}/verify", None, 409, "AGREEMENT_ENDED")


def test_the_form_is_checked_field_by_field(api):
    good = api.form(_account())
    for field, value, words in (("tax_authority", "国家税务总局某地税务局", "所属税务机关"),
                                ("branch_no", "105331008012", "开户网点"),
                                ("region_code", "999999", "行政区划"),
                                ("account_no", "12AB5678", "8至32位数字"),
                                ("account_name", "  ", "账户名称")):
        message = api.refused("POST", "/agreements", {**good, field: value}, 422, "AGREEMENT_FIELD_INVALID")
        assert words in message
    made = api.ok("POST", "/agreements", good, status=201)
    message = api.refused("POST", "/agreements", good, 409, "AGREEMENT_DUPLICATE")
    assert made["agreement_id"] in message


def test_the_same_key_creates_one_agreement(api):
    body = api.form(_account())
    key = uuid.uuid4().hex
    first = api.call("POST", "/agreements", body, key=key)
    again = api.call("POST", "/agreements", body, key=key)
    assert first.status_code == again.status_code == 201
    assert first.json()["agreement_id"] == again.json()["agreement_id"]
    assert sum(a["account_no"] == body["account_no"] for a in api.agreements()) == 1


def test_another_units_agreement_is_not_found(api, bureau):
    made = api.create(_account())
    other = Api(bureau, OTHER)
    resp = other.call("GET", f"/agreements/{made['agreement_id']}")
    assert resp.status_code == 404 and resp.json()["code"] == "AGREEMENT_NOT_FOUND"
    resp = other.call("POST", f"/agreements/{made['agreement_id']}/verify")
    assert resp.status_code == 404


def test_usable_for_payment_answers_the_verified_agreement_or_says_why_not(tmp_path: Path):
    seed(tmp_path / "b.duckdb", employees=60, residents=10)
    store = BureauStore(tmp_path / "b.duckdb")
    try:
        seeded = ag.list_agreements(store, UNIT)
        verified = next(a for a in seeded if a["status"] == ag.VERIFIED)
        unverified = next(a for a in seeded if a["status"] == ag.UNVERIFIED)
        with store.reading() as cur:
            found = ag.usable_for_payment(cur, UNIT, verified["agreement_id"])
        assert found["account_masked"] == "****6700" and found["account_no"].endswith("6700")
        assert found["bank_name"] == "中国工商银行" and found["batch_flag"] == "费批扣"

        def why(unit: str, agreement_id: str) -> str:
            with store.reading() as cur, pytest.raises(Refusal) as caught:
                ag.usable_for_payment(cur, unit, agreement_id)
            assert caught.value.code == "AGREEMENT_NOT_USABLE" and caught.value.status == 409
            return caught.value.message

        assert "未验证" in why(UNIT, unverified["agreement_id"])
        assert "不是本单位" in why(OTHER, verified["agreement_id"])
        assert "不是本单位" in why(UNIT, "99999999")
        ag.plan_bank(store, UNIT, "fail", "余额账户已冻结", 1)
        assert "余额账户已冻结" in why(UNIT, ag.verify(store, UNIT, unverified["agreement_id"])["agreement_id"])
        ag.void(store, UNIT, unverified["agreement_id"])
        assert "已作废" in why(UNIT, unverified["agreement_id"])
        ag.revoke(store, UNIT, verified["agreement_id"])
        assert "已撤销" in why(UNIT, verified["agreement_id"])
        ag.clear_unit(store, UNIT)  # the demo reset puts the seeded ones back
        assert [a["status"] for a in ag.list_agreements(store, UNIT)].count(ag.VERIFIED) == 1
    finally:
        store.close()


def test_the_payment_by_agreement_takes_only_a_usable_one(api, bureau):
    """The wire to the 征收子系统: POST /payments with method agreement is refused for an agreement that is
    not verified or was revoked (AGREEMENT_NOT_USABLE, our message), and paid with a verified one."""
    httpx.post(f"{bureau.api}/demo/settings", json={"feedback_delay_s": 0}, headers=bureau.demo_headers,
               timeout=10).raise_for_status()
    rows = [r for r in api.ok("GET", "/preprocessing?channel=daily")
            if r["source_code"] == "01" and r["item_code"] == "10202" and not r["back_pay"] and r["status"] == "未申报"]
    total = sum((Decimal(r["amount"]) for r in rows), Decimal("0.00"))
    answer = api.ok("POST", "/declarations", {"channel": "daily", "prep_ids": [r["prep_id"] for r in rows],
                                              "total_due": f"{total:.2f}"}, status=202)
    declaration_id = answer["declarations"][0]["declaration_id"]
    deadline = time.monotonic() + 20
    while api.ok("GET", f"/declarations/{declaration_id}")["record"]["status"] == "待反馈" and time.monotonic() < deadline:
        time.sleep(0.2)
    arrears = [a for a in api.ok("GET", "/arrears") if a["declaration_id"] == declaration_id]
    body = {"arrear_ids": [a["arrear_id"] for a in arrears], "method": "agreement",
            "total": f"{sum(Decimal(a['total']) for a in arrears):.2f}"}

    def pay(agreement_id: str) -> httpx.Response:
        return api.http.post(f"/units/{api.unit}/payments", json={**body, "agreement_id": agreement_id},
                             headers={"Idempotency-Key": uuid.uuid4().hex, "X-Sbf-Password": "Test#2026"})

    unverified = api.create(_account())
    refused = pay(unverified["agreement_id"])
    assert refused.status_code == 409 and refused.json()["code"] == "AGREEMENT_NOT_USABLE"
    assert "未验证" in refused.json()["message"]
    api.ok("POST", f"/agreements/{unverified['agreement_id']}/verify")
    api.ok("POST", f"/agreements/{unverified['agreement_id']}/revoke")
    revoked = pay(unverified["agreement_id"])
    assert revoked.status_code == 409 and "已撤销" in revoked.json()["message"]
    good = api.create(_account())
    api.ok("POST", f"/agreements/{good['agreement_id']}/verify")
    paid = pay(good["agreement_id"])
    assert paid.status_code == 201, paid.text
    assert paid.json()["status"] == "缴费成功" and paid.json()["account_masked"] == good["account_masked"]
    api.bureau.reset_unit(api.unit)  # its declarations and payments go; the agreements stay (ended by _clean)
