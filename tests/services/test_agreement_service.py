"""单位三方协议管理 (manual 2.18) over MockTransport: the list with the account masked, the form's checks
naming the field before anything is sent, the cascade, the bureau's refusals as its Chinese messages, and
one Idempotency-Key per logical call kept while the answer is unknown (a second try reuses it)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import httpx
import pytest

from sbflib.employer.agreements import COLUMNS, AgreementForm, AgreementService
from sbflib.errors import BureauError, ConnectionFailed, ValidationError
from sbflib.gateway.client import BureauClient
from sbflib.store.db import Store
from sbflib.system.context import Context, CurrentUnit

UNIT = "U000001"


def _agreement(aid: str, status: str, bank: str = "中国工商银行", account: str = "6222020200016700",
               flag: str = "费批扣") -> dict[str, Any]:
    return {
        "agreement_id": aid, "protocol_no": "3301" + aid[-8:], "agreement_name": f"{bank}三方协议",
        "customer_name": "杭州演示科技有限公司", "tax_authority": "国家税务总局杭州市西湖区税务局",
        "region_code": "330106", "region_name": "西湖区", "bank_code": "102", "bank_name": bank,
        "clearing_bank_no": "102331000018", "branch_no": "102331000125", "branch_name": "西湖支行",
        "account_name": "杭州演示科技有限公司", "account_no": account, "account_masked": "****" + account[-4:],
        "batch_flag": flag, "allow_debit": flag != "所有非批扣", "status": status, "verify_reason": None,
        "verified_on": "2026-01-05" if status == "验证通过" else None, "ended_how": None, "ended_at": None,
        "created_at": "2026-01-01T09:00:00+08:00", "updated_at": "2026-01-01T09:00:00+08:00",
        "usable": status == "验证通过", "actions": ["修改", "撤销"] if status == "验证通过" else ["修改", "作废", "验证"],
    }


FORM = AgreementForm(True, "国家税务总局杭州市西湖区税务局", "330106", "102", "102331000125", " 杭州演示科技有限公司 ",
                     "6222 0202 0001 2345")


class Bureau:
    def __init__(self) -> None:
        self.rows = [_agreement("00000000000000000002", "未验证", "中国建设银行", "6217000000004518", "所有非批扣"),
                     _agreement("00000000000000000001", "验证通过")]
        self.requests: list[httpx.Request] = []
        self.drop = 0          # answer the next N state-changing calls with a dropped connection (after doing them)
        self.done: dict[str, dict[str, Any]] = {}   # idempotency key -> first answer

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path.removeprefix("/api/v1")
        if request.method == "GET" and path == f"/units/{UNIT}/agreements":
            return httpx.Response(200, json=self.rows)
        if path == "/banking/regions":
            return httpx.Response(200, json=[{"region_code": "330106", "region_name": "西湖区"}])
        if path == "/banking/regions/330106/banks":
            return httpx.Response(200, json=[{"bank_code": "102", "bank_name": "中国工商银行"}])
        if path == "/banking/regions/330106/banks/102/branches":
            return httpx.Response(200, json=[{"branch_no": "102331000125", "branch_name": "西湖支行",
                                              "bank_code": "102", "clearing_bank_no": "102331000018"}])
        if path == f"/units/{UNIT}/registration":
            return httpx.Response(200, json={
                "unit_id": UNIT, "taxpayer_id": "91330100MA0000000X", "name": "测试", "module": "employer",
                "region": "330100", "tax_authority": "国家税务总局杭州市西湖区税务局", "tax_office": "",
                "unit_numbers": [{"unit_number": "1", "agency": "a", "tax_authority": "国家税务总局杭州市余杭区税务局"},
                                 {"unit_number": "2", "agency": "b", "tax_authority": "国家税务总局杭州市西湖区税务局"}]})
        if request.method in ("POST", "PUT"):
            key = request.headers["Idempotency-Key"]
            if key not in self.done:
                self.done[key] = self._act(request.method, path, request)
            answer = self.done[key]
            if self.drop:
                self.drop -= 1
                raise httpx.ReadTimeout("timed out", request=request)
            return httpx.Response(answer["status"], json=answer["body"])
        return httpx.Response(404, json={"code": "NOT_FOUND", "message": "未找到"})

    def _act(self, method: str, path: str, request: httpx.Request) -> dict[str, Any]:
        parts = path.split("/")
        if method == "POST" and path == f"/units/{UNIT}/agreements":
            made = _agreement(f"{len(self.rows) + 1:020d}", "未验证")
            self.rows.insert(0, made)
            return {"status": 201, "body": made}
        row = next(r for r in self.rows if r["agreement_id"] == parts[4])
        if method == "PUT":
            body = json.loads(request.content)
            row.update(account_no=body["account_no"], account_masked="****" + body["account_no"][-4:], status="未验证")
            return {"status": 200, "body": row}
        action = parts[5]
        if action == "void" and row["status"] == "验证通过":
            return {"status": 409, "body": {"code": "AGREEMENT_NOT_VOIDABLE",
                                            "message": "验证通过的三方协议不能作废，请撤销该协议"}}
        if action == "verify":
            row["status"] = "验证通过"
        else:
            row.update(status="协议终止", ended_how="作废" if action == "void" else "撤销")
        return {"status": 200, "body": row}

    def posts(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.method != "GET"]


@pytest.fixture
def env(tmp_path):
    bureau = Bureau()
    client = BureauClient("http://bureau.test", transport=httpx.MockTransport(bureau), sleep=lambda s: None,
                          retries=1)
    store = Store(tmp_path / "client" / "sbf.duckdb")
    ctx = Context(store, client)
    ctx.unit = CurrentUnit(UNIT, "91330100MA0000000X", "测试单位", "employer", "330100")
    yield bureau, AgreementService(ctx)
    client.close()
    store.close()


def test_the_list_has_the_manuals_columns_and_masks_the_account(env):
    _bureau, service = env
    df = service.frame()
    assert list(df.columns[:len(COLUMNS)]) == list(COLUMNS)
    assert list(COLUMNS.values())[:2] == ["客户名称", "银行名称"] and "协议用途" in COLUMNS.values()
    assert list(df["account_masked"]) == ["****4518", "****6700"]
    assert list(df["status"]) == ["未验证", "验证通过"]
    assert df.loc[1, "verified_on"] == dt.date(2026, 1, 5) and df.loc[0, "verified_on"] is None
    assert df.loc[1, "actions"] == "修改、撤销"


@pytest.mark.parametrize(("change", "field"), [
    ({"tax_authority": " "}, "所属税务机关"),
    ({"region_code": ""}, "行政区划"),
    ({"bank_code": ""}, "银行行别"),
    ({"branch_no": "12"}, "开户网点"),
    ({"account_name": "  "}, "账户名称"),
    ({"account_no": ""}, "缴费账号"),
    ({"account_no": "1234567"}, "缴费账号"),
    ({"account_no": "62220a0200012345"}, "缴费账号"),
])
def test_the_forms_checks_name_the_field_and_send_nothing(env, change, field):
    bureau, service = env
    form = AgreementForm(**{**FORM.to_wire(), **change})
    with pytest.raises(ValidationError) as caught:
        service.new(form)
    assert caught.value.field == field and f"【{field}】" in str(caught.value)
    assert bureau.posts() == []


def test_new_sends_the_trimmed_form_and_returns_it_unverified(env):
    bureau, service = env
    made = service.new(FORM)
    assert made.status == "未验证"
    [post] = bureau.posts()
    body = json.loads(post.content)
    assert body == {"allow_debit": True, "tax_authority": "国家税务总局杭州市西湖区税务局", "region_code": "330106",
                    "bank_code": "102", "branch_no": "102331000125", "account_name": "杭州演示科技有限公司",
                    "account_no": "6222020200012345"}
    assert len(post.headers["Idempotency-Key"]) == 32


def test_a_refusal_is_the_bureaus_chinese_message(env):
    _bureau, service = env
    with pytest.raises(BureauError) as caught:
        service.void("00000000000000000001")
    assert caught.value.code == "AGREEMENT_NOT_VOIDABLE" and "撤销" in str(caught.value)
    assert service.pending() == 0


def test_a_lost_answer_keeps_the_key_and_the_retry_does_the_action_once(env):
    bureau, service = env
    bureau.drop = 1
    with pytest.raises(ConnectionFailed) as caught:
        service.verify("00000000000000000002")
    assert "不会重复办理" in str(caught.value) and "验证" in str(caught.value)
    assert service.pending() == 1
    done = service.verify("00000000000000000002")
    assert done.status == "验证通过"
    first, second = bureau.posts()
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]
    assert len(bureau.done) == 1 and service.pending() == 0
    # a new logical call gets a new key
    service.revoke("00000000000000000002")
    assert bureau.posts()[-1].headers["Idempotency-Key"] != first.headers["Idempotency-Key"]


def test_a_modify_sent_again_with_other_values_is_a_new_call(env):
    bureau, service = env
    bureau.drop = 1
    with pytest.raises(ConnectionFailed):
        service.modify("00000000000000000002", FORM)
    other = AgreementForm(**{**FORM.to_wire(), "account_no": "6222020200019999"})
    assert service.modify("00000000000000000002", other).account_masked == "****9999"
    first, second = bureau.posts()
    assert first.headers["Idempotency-Key"] != second.headers["Idempotency-Key"]
    assert service.pending() == 1  # the first one's answer is still unknown


def test_the_cascade_and_the_tax_authorities(env):
    _bureau, service = env
    [region] = service.regions("西湖")
    [bank] = service.banks(region.region_code)
    [branch] = service.branches(region.region_code, bank.bank_code, "西湖")
    assert (region.region_name, bank.bank_name, branch.branch_name) == ("西湖区", "中国工商银行", "西湖支行")
    assert branch.clearing_bank_no == "102331000018"
    assert service.tax_authorities() == ("国家税务总局杭州市西湖区税务局", "国家税务总局杭州市余杭区税务局")
    with pytest.raises(ValidationError):
        service.banks("33a")
