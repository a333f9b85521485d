"""A fake 征收子系统 for one unit on `httpx.MockTransport` (service and page tests of 缴费, 缴费凭证打印记录
and 缴费记录): arrears, 安全认证, agreements, payments (by agreement: the bank's planned outcome; by
voucher: a voucher issued), records, 解锁, vouchers and 作废, with idempotency keys remembered and
a planned lost answer (`drop_next`: the work is done, then the answer never comes)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import httpx

UNIT = "U000001"
TAXPAYER = "91330100MA2700000T"
PASSWORD = "123456"
REGISTRATION = {
    "unit_id": UNIT, "taxpayer_id": TAXPAYER, "name": "杭州演示科技有限公司", "module": "employer",
    "region": "330100", "tax_authority": "国家税务总局杭州市西湖区税务局", "tax_office": "第一税务所",
    "unit_numbers": [{"unit_number": "1234", "agency": "西湖区社保中心", "tax_authority": "西湖区税务局"}],
}


def _agreement(agreement_id: str, status: str, bank: str, account: str) -> dict[str, Any]:
    return {"agreement_id": agreement_id, "protocol_no": "P" + agreement_id[-6:], "agreement_name": "社保费",
            "customer_name": "杭州演示科技有限公司", "tax_authority": "西湖区税务局", "region_code": "330106",
            "region_name": "西湖区", "bank_code": "102", "bank_name": bank, "clearing_bank_no": "102100099996",
            "branch_no": "102331000001", "branch_name": "杭州西湖支行", "account_name": "杭州演示科技有限公司",
            "account_no": account, "account_masked": "****" + account[-4:], "batch_flag": "费批扣",
            "allow_debit": True, "status": status, "verify_reason": None,
            "verified_on": "2026-01-05" if status == "验证通过" else None, "ended_how": None,
            "usable": status == "验证通过", "actions": []}


def _arrear(n: int, levy: str, item: str, payer: str, amount: str, deferrable: bool = False,
            period: str = "2026-10") -> dict[str, Any]:
    return {"arrear_id": f"SB001-P{n}", "declaration_id": "SB001" if not levy.endswith("2") else "SB002",
            "voucher_no": levy, "source_code": "01", "source_name": "税务机关", "tax_authority": "西湖区税务局",
            "declared_on": "2026-11-02", "prep_id": f"P{n}", "unit_number": "1234", "agency": "西湖区社保中心",
            "item_code": "10201", "item_name": item, "subitem_name": "职工基本养老保险", "payer": payer,
            "payer_name": "单位" if payer == "unit" else "个人", "period_start": period, "period_end": period,
            "headcount": 3, "amount": amount, "pay_by": "2026-11-16", "days_left": -11 if not deferrable else 80,
            "late_fee": "0.00", "total": amount, "deferrable": deferrable,
            "operation": "可缓缴" if deferrable else "正常缴费", "status": "未缴费", "locked_by": None,
            "bank_voucher_no": None}


class PayBureau:
    """`outcome`: success | failure | lock (the bank's answer to the next deduction); `unlock`:
    success | failure."""

    def __init__(self) -> None:
        self.arrears: dict[str, dict[str, Any]] = {
            a["arrear_id"]: a for a in (
                _arrear(1, "31000000000000000001", "基本养老保险费", "unit", "1600.00"),
                _arrear(2, "31000000000000000001", "基本养老保险费", "personal", "800.00"),
                _arrear(3, "31000000000000000002", "失业保险费", "unit", "50.00", deferrable=True),
                _arrear(4, "31000000000000000002", "工伤保险费", "unit", "20.00"),
            )}
        self.agreements = [_agreement("33010620260000000001", "验证通过", "中国工商银行", "6222020200116700"),
                           _agreement("33010620260000000002", "未验证", "中国建设银行", "6217000000001234")]
        self.records: dict[str, dict[str, Any]] = {}
        self.vouchers: dict[str, dict[str, Any]] = {}
        self.keys: dict[str, dict[str, Any]] = {}
        self.outcome = "success"
        self.unlock_outcome = "success"
        self.drop_next = False
        self.requests: list[httpx.Request] = []
        self.passwords_seen: list[str] = []
        self.seq = 0

    def _other_channel(self) -> None:
        if "JF-OTHER" not in self.records:
            self.records["JF-OTHER"] = self._record("JF-OTHER", None, "39000000000000000009", "其他渠道", "缴费成功",
                                                    [], Decimal("300.00"), period="2026-09")
            self.vouchers["4201601130000009999"] = self._voucher("4201601130000009999", [], None, "其他渠道",
                                                                 status="已作废", total=Decimal("12.00"))

    def _record(self, rid: str, payment_id: str | None, levy: str, channel: str, status: str,
                items: list[dict[str, Any]], total: Decimal, reason: str | None = None,
                period: str = "2026-10") -> dict[str, Any]:
        return {"record_id": rid, "payment_id": payment_id, "declaration_id": "SB001", "voucher_no": levy,
                "channel": channel, "method": "agreement", "status": status, "reason": reason, "unlock_result": None,
                "tax_authority": "西湖区税务局", "period_start": period, "period_end": period,
                "amount": f"{total:.2f}", "late_fee": "0.00", "total": f"{total:.2f}", "bank_name": "中国工商银行",
                "account_masked": "****6700", "bank_serial": None, "bank_voucher_no": None,
                "created_at": "2026-11-27T10:00:00+08:00", "decided_at": None, "unlocked_at": None,
                "paid_on": "2026-11-27" if status == "缴费成功" else None,
                "items": [{**i, "late_fee": "0.00", "total": i["amount"]} for i in items]}

    def _voucher(self, no: str, items: list[dict[str, Any]], payer: dict[str, Any] | None, channel: str = "客户端",
                 status: str = "未缴费", total: Decimal | None = None) -> dict[str, Any]:
        total = total if total is not None else sum((Decimal(i["amount"]) for i in items), Decimal("0.00"))
        payer = payer or {}
        return {"voucher_no": no, "channel": channel, "status": status, "issued_at": "2026-11-27T10:00:00+08:00",
                "valid_until": "2026-11-27", "amount": f"{total:.2f}", "late_fee": "0.00", "total": f"{total:.2f}",
                "taxpayer_id": TAXPAYER, "taxpayer_name": "杭州演示科技有限公司", "tax_authority": "西湖区税务局",
                "tax_authority_code": "13301060000", "payer_name": payer.get("payer_name"),
                "payer_account": payer.get("payer_account"), "payer_bank": payer.get("payer_bank"),
                "period_start": "2026-10", "period_end": "2026-10", "voided_at": None, "paid_at": None,
                "payment_id": None,
                "items": [{"voucher_no": i["voucher_no"], "declaration_id": i["declaration_id"],
                           "unit_number": "1234", "item_code": i["item_code"], "item_name": i["item_name"],
                           "subitem_name": i["subitem_name"], "payer": i["payer"], "payer_name": i["payer_name"],
                           "period_start": i["period_start"], "period_end": i["period_end"], "amount": i["amount"],
                           "late_fee": "0.00", "total": i["amount"]} for i in items] or [
                    {"voucher_no": "39000000000000000009", "declaration_id": None, "unit_number": "1234",
                     "item_code": "10201", "item_name": "基本养老保险费", "subitem_name": "职工基本养老保险",
                     "payer": "unit", "payer_name": "单位", "period_start": "2026-10", "period_end": "2026-10",
                     "amount": f"{total:.2f}", "late_fee": "0.00", "total": f"{total:.2f}"}]}

    @staticmethod
    def _refuse(status: int, code: str, message: str) -> httpx.Response:
        return httpx.Response(status, json={"code": code, "message": message})

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self._other_channel()
        parts = [p for p in request.url.path.removeprefix(f"/api/v1/units/{UNIT}").split("/") if p]
        body = json.loads(request.content) if request.content else {}
        method = request.method
        if method == "GET" and parts == ["arrears"]:
            day = request.url.params.get("pay_date")
            out = []
            for a in self.arrears.values():
                row = dict(a)
                if day and day > a["pay_by"] and a["payer"] == "unit":
                    fee = (Decimal(a["amount"]) * Decimal("0.0005") *
                           (dt.date.fromisoformat(day) - dt.date.fromisoformat(a["pay_by"])).days).quantize(
                        Decimal("0.01"))
                    row["late_fee"], row["total"] = f"{fee:.2f}", f"{Decimal(a['amount']) + fee:.2f}"
                out.append(row)
            return httpx.Response(200, json=out)
        if method == "POST" and parts == ["verify"]:
            if body.get("password") != PASSWORD:
                return self._refuse(401, "PASSWORD_WRONG", "申报密码错误，还可尝试4次")
            return httpx.Response(200, json=REGISTRATION)
        if method == "GET" and parts == ["agreements"]:
            return httpx.Response(200, json=self.agreements)
        if method == "POST" and parts == ["payments"]:
            return self._pay(request, body)
        if method == "GET" and parts == ["payments"]:
            return httpx.Response(200, json=list(reversed(self.records.values())))
        if method == "GET" and len(parts) == 2 and parts[0] == "payments":
            if parts[1] not in self.records:
                return self._refuse(404, "PAYMENT_NOT_FOUND", "未找到缴费记录")
            return httpx.Response(200, json=self.records[parts[1]])
        if method == "POST" and len(parts) == 3 and parts[0] == "payments" and parts[2] == "unlock":
            return self._unlock(request, parts[1])
        if method == "GET" and parts == ["vouchers"]:
            return httpx.Response(200, json=list(reversed(self.vouchers.values())))
        if method == "GET" and len(parts) == 2 and parts[0] == "vouchers":
            return httpx.Response(200, json=self.vouchers[parts[1]])
        if method == "POST" and len(parts) == 3 and parts[0] == "vouchers" and parts[2] == "void":
            v = self.vouchers.get(parts[1])
            if v is None:
                return self._refuse(404, "VOUCHER_NOT_FOUND", "未找到缴费凭证")
            if v["status"] == "已作废":
                return self._refuse(409, "VOUCHER_VOIDED", "该缴费凭证已作废")
            v["status"], v["voided_at"] = "已作废", "2026-11-27T11:00:00+08:00"
            for a in self.arrears.values():
                if a["bank_voucher_no"] == parts[1]:
                    a["bank_voucher_no"], a["status"] = None, "未缴费"
            return httpx.Response(200, json=v)
        return self._refuse(404, "NOT_FOUND", "未找到")

    def _answer(self, request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if self.drop_next:
            self.drop_next = False
            raise httpx.ReadTimeout("timed out", request=request)
        return response

    def _pay(self, request: httpx.Request, body: dict[str, Any]) -> httpx.Response:
        key = request.headers.get("Idempotency-Key", "")
        if key in self.keys:
            return self._answer(request, httpx.Response(201, json=self.keys[key]))
        password = request.headers.get("X-Sbf-Password", "")
        self.passwords_seen.append(password)
        if password != PASSWORD:
            return self._refuse(401, "PASSWORD_WRONG", "申报密码错误，还可尝试4次")
        chosen = [self.arrears.get(i) for i in body["arrear_ids"]]
        if any(a is None for a in chosen):
            return self._refuse(422, "ARREARS_NOT_FOUND", "所选欠费信息已不存在，请刷新")
        items = [a for a in chosen if a is not None]
        total = sum((Decimal(a["total"]) for a in items), Decimal("0.00"))
        if f"{total:.2f}" != body["total"]:
            return self._refuse(409, "ARREARS_CHANGED", "欠费信息已更新，请刷新后重新核对")
        self.seq += 1
        pid = f"ZF{self.seq:04d}"
        answer: dict[str, Any] = {"payment_id": pid, "method": body["method"], "agreement_id": body.get("agreement_id"),
                                  "bank_name": None, "account_masked": None, "bank_voucher_no": None,
                                  "amount": f"{total:.2f}", "late_fee": "0.00", "total": f"{total:.2f}",
                                  "created_at": "2026-11-27T10:00:00+08:00", "records": [], "voucher": None}
        if body["method"] == "voucher":
            no = f"42016011300000{self.seq:05d}"
            voucher = self._voucher(no, items, body.get("payer"))
            self.vouchers[no] = voucher
            for a in items:
                a["status"], a["bank_voucher_no"] = "已开具凭证", no
            answer.update(status="已开具凭证", bank_voucher_no=no, voucher=voucher)
        else:
            status = {"success": "缴费成功", "failure": "缴费失败", "lock": "锁定"}[self.outcome]
            rid = f"JF{self.seq:04d}"
            rec = self._record(rid, pid, items[0]["voucher_no"], "三方协议", status, items, total,
                               reason="账户余额不足" if status == "缴费失败" else None)
            self.records[rid] = rec
            for a in items:
                if status == "缴费成功":
                    del self.arrears[a["arrear_id"]]
                elif status == "锁定":
                    a["status"], a["locked_by"] = "锁定", rid
            answer.update(status=status, bank_name="中国工商银行", account_masked="****6700", records=[rec])
        self.keys[key] = answer
        return self._answer(request, httpx.Response(201, json=answer))

    def _unlock(self, request: httpx.Request, rid: str) -> httpx.Response:
        if request.headers.get("X-Sbf-Password") != PASSWORD:
            return self._refuse(401, "PASSWORD_WRONG", "申报密码错误，还可尝试4次")
        rec = self.records[rid]
        if rec["status"] != "锁定":
            return self._refuse(409, "PAYMENT_NOT_LOCKED", "只有锁定的记录需要解锁")
        mine = [a for a in self.arrears.values() if a["locked_by"] == rid]
        if self.unlock_outcome == "success":
            rec.update(status="缴费成功", unlock_result="缴费成功")
            for a in mine:
                del self.arrears[a["arrear_id"]]
        else:
            rec.update(status="缴费失败", unlock_result="扣费失败", reason="扣费失败：账户已冻结")
            for a in mine:
                a["status"], a["locked_by"] = "未缴费", None
        return httpx.Response(200, json=rec)
