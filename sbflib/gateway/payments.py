"""缴费, 缴费凭证打印记录 and 缴费记录 at the bureau's 征收子系统 (manual 2.11-2.13; docs/api.md "Payments").

    client.payments.arrears_frame(unit_id, pay_date)           -> pa.Table      欠费信息 as Arrow
    client.payments.pay(unit_id, body, password=, key=)        -> Payment       立即缴费 (POST /payments)
    client.payments.records(unit_id, period_from, period_to)   -> tuple[PaymentRecord, ...]   缴费记录 (同步)
    client.payments.record(unit_id, record_id)                 -> PaymentRecord
    client.payments.unlock(unit_id, record_id, password=, key=) -> PaymentRecord  解锁
    client.payments.vouchers(unit_id, period_from, period_to)  -> tuple[BankVoucher, ...]     缴费凭证 (同步)
    client.payments.voucher(unit_id, voucher_no)               -> BankVoucher
    client.payments.void_voucher(unit_id, voucher_no, key=)    -> BankVoucher   作废
    client.payments.demo_bank / demo_seed_arrears / demo_pay_voucher   demo calls (tests, demo secret)

The arrears (欠费信息) come from `client.arrears` (gateway/arrears.py). The declaration password
travels in the header `X-Sbf-Password` (never in a body, never kept). A payment and an unlock take
their Idempotency-Key from the caller (`key`): the service keeps a payment's key in the store before
the call, so a lost answer or a restart re-sends the same body with the same key and the bureau
answers with the first payment (charged once). Money is Decimal from the decimal strings; a float is
a protocol error.
"""

from __future__ import annotations

import datetime as dt
import re
import struct
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import pyarrow as pa

from sbflib.errors import ConnectionFailed, StateError, ValidationError
from sbflib.gateway.arrears import ARREAR_SCHEMA
from sbflib.gateway.http import MSG_PROTOCOL, CallPolicy, Http, path, unit_part

PASSWORD_HEADER = "X-Sbf-Password"
SECRET_HEADER = "X-Sbf-Demo-Secret"
_KEY = re.compile(r"[0-9a-f]{32}")
_RECORD_ID = re.compile(r"[A-Za-z0-9]{1,40}")
_VOUCHER_NO = re.compile(r"[0-9A-Za-z]{1,40}")
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_CENT = Decimal("0.01")

RECORD_STATUSES = ("缴费成功", "缴费失败", "锁定")
VOUCHER_STATUSES = ("未缴费", "已缴费", "已作废", "已过期")


def _bad(detail: str) -> ConnectionFailed:
    return ConnectionFailed(MSG_PROTOCOL, detail=detail, code="BAD_RESPONSE")


def _part(value: object, pattern: re.Pattern[str], label: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ValidationError(f"{label}格式不正确", field=label, code="INVALID_PATH_PART")
    return value


def _key(key: object) -> str:
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise ValueError("the idempotency key must be 32 lower-case hex characters")
    return key


def _month(value: str | None, label: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _MONTH.fullmatch(value):
        raise ValidationError("应为“年-月”，如2026-01", field=label)
    return value


def money(value: Any) -> Decimal:
    """Money from the wire: a decimal string (or int), never a float."""
    if isinstance(value, float | bool) or value is None:
        raise TypeError(f"money {value!r}")
    amount = Decimal(str(value))
    if not amount.is_finite():
        raise ValueError(f"money {value!r}")
    return amount.quantize(_CENT)


def _text(data: Any, name: str) -> str | None:
    value = data.get(name)
    return None if value is None else str(value)


def _day(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(str(value)[:10]) if value else None


def _time(value: Any) -> dt.datetime | None:
    """A wire time as Beijing wall-clock time without a zone (as the store keeps times)."""
    if not value:
        return None
    moment = dt.datetime.fromisoformat(str(value))
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone(dt.timedelta(hours=8))).replace(tzinfo=None)
    return moment


def _items(data: Any) -> tuple[dict[str, Any], ...]:
    items = data.get("items") or []
    if not isinstance(items, list):
        raise TypeError("items is not a list")
    out = []
    for item in items:
        row = dict(item)
        for k in ("amount", "late_fee", "total"):
            if k in row and row[k] is not None:
                row[k] = money(row[k])
        out.append(row)
    return tuple(out)


@dataclass(frozen=True)
class PaymentRecord:
    """One 缴费记录 (per 应征凭证序号 paid)."""

    record_id: str
    payment_id: str | None
    declaration_id: str | None
    voucher_no: str | None          # 应征凭证序号
    channel: str                    # 三方协议 | 银行端凭证 | 其他渠道
    method: str
    status: str                     # 缴费成功 | 缴费失败 | 锁定
    reason: str | None
    unlock_result: str | None       # 缴费成功 | 扣费失败
    tax_authority: str | None
    period_start: str | None
    period_end: str | None
    amount: Decimal
    late_fee: Decimal
    total: Decimal
    bank_name: str | None
    account_masked: str | None
    bank_serial: str | None
    bank_voucher_no: str | None
    created_at: dt.datetime | None
    decided_at: dt.datetime | None
    unlocked_at: dt.datetime | None
    paid_on: dt.date | None
    items: tuple[dict[str, Any], ...]

    @classmethod
    def from_wire(cls, data: Any) -> PaymentRecord:
        try:
            status = str(data["status"])
            if status not in RECORD_STATUSES:
                raise ValueError(f"status {status!r}")
            amount, late_fee = money(data["amount"]), money(data["late_fee"])
            return cls(
                record_id=str(data["record_id"]), payment_id=_text(data, "payment_id"),
                declaration_id=_text(data, "declaration_id"), voucher_no=_text(data, "voucher_no"),
                channel=str(data["channel"]), method=str(data.get("method") or ""), status=status,
                reason=_text(data, "reason"), unlock_result=_text(data, "unlock_result"),
                tax_authority=_text(data, "tax_authority"), period_start=_text(data, "period_start"),
                period_end=_text(data, "period_end"), amount=amount, late_fee=late_fee,
                total=money(data["total"]) if data.get("total") is not None else amount + late_fee,
                bank_name=_text(data, "bank_name"), account_masked=_text(data, "account_masked"),
                bank_serial=_text(data, "bank_serial"), bank_voucher_no=_text(data, "bank_voucher_no"),
                created_at=_time(data.get("created_at")), decided_at=_time(data.get("decided_at")),
                unlocked_at=_time(data.get("unlocked_at")), paid_on=_day(data.get("paid_on")),
                items=_items(data),
            )
        except (KeyError, TypeError, ValueError, InvalidOperation, AttributeError) as exc:
            raise _bad(f"payment record: {exc!r}") from exc


@dataclass(frozen=True)
class BankVoucher:
    """One 银行端缴费凭证; `wire` is the bureau's answer as it came (printed by io/voucher.py)."""

    voucher_no: str                 # 银行端查询缴税凭证序号
    channel: str                    # 客户端 | 其他渠道
    status: str                     # 未缴费 | 已缴费 | 已作废 | 已过期
    issued_at: dt.datetime | None
    valid_until: dt.date | None     # 税款缴款日期
    amount: Decimal
    late_fee: Decimal
    total: Decimal
    tax_authority: str | None
    payer_name: str | None
    payer_account: str | None
    payer_bank: str | None
    period_start: str | None
    period_end: str | None
    voided_at: dt.datetime | None
    paid_at: dt.datetime | None
    payment_id: str | None
    items: tuple[dict[str, Any], ...]
    wire: dict[str, Any]

    @classmethod
    def from_wire(cls, data: Any) -> BankVoucher:
        try:
            status = str(data["status"])
            if status not in VOUCHER_STATUSES:
                raise ValueError(f"status {status!r}")
            return cls(
                voucher_no=str(data["voucher_no"]), channel=str(data.get("channel") or ""), status=status,
                issued_at=_time(data.get("issued_at")), valid_until=_day(data.get("valid_until")),
                amount=money(data["amount"]), late_fee=money(data["late_fee"]), total=money(data["total"]),
                tax_authority=_text(data, "tax_authority"), payer_name=_text(data, "payer_name"),
                payer_account=_text(data, "payer_account"), payer_bank=_text(data, "payer_bank"),
                period_start=_text(data, "period_start"), period_end=_text(data, "period_end"),
                voided_at=_time(data.get("voided_at")), paid_at=_time(data.get("paid_at")),
                payment_id=_text(data, "payment_id"), items=_items(data), wire=dict(data),
            )
        except (KeyError, TypeError, ValueError, InvalidOperation, AttributeError) as exc:
            raise _bad(f"voucher: {exc!r}") from exc


@dataclass(frozen=True)
class Payment:
    """The answer to 立即缴费: the payment, its records (三方协议) or its voucher (银行端凭证)."""

    payment_id: str
    method: str                     # agreement | voucher
    status: str                     # 缴费成功 | 缴费失败 | 锁定 | 已开具凭证
    agreement_id: str | None
    bank_name: str | None
    account_masked: str | None
    bank_voucher_no: str | None
    amount: Decimal
    late_fee: Decimal
    total: Decimal
    created_at: dt.datetime | None
    records: tuple[PaymentRecord, ...]
    voucher: BankVoucher | None

    @classmethod
    def from_wire(cls, data: Any) -> Payment:
        try:
            voucher = data.get("voucher")
            return cls(
                payment_id=str(data["payment_id"]), method=str(data["method"]), status=str(data["status"]),
                agreement_id=_text(data, "agreement_id"), bank_name=_text(data, "bank_name"),
                account_masked=_text(data, "account_masked"), bank_voucher_no=_text(data, "bank_voucher_no"),
                amount=money(data["amount"]), late_fee=money(data["late_fee"]), total=money(data["total"]),
                created_at=_time(data.get("created_at")),
                records=tuple(PaymentRecord.from_wire(r) for r in data.get("records") or []),
                voucher=BankVoucher.from_wire(voucher) if voucher else None,
            )
        except (KeyError, TypeError, ValueError, InvalidOperation, AttributeError) as exc:
            raise _bad(f"payment: {exc!r}") from exc


def _list(data: Any, what: str) -> list[Any]:
    if not isinstance(data, list):
        raise _bad(f"{what}: not a list")
    return data


class PaymentsApi:
    """`client.payments`."""

    def __init__(self, http: Http) -> None:
        self._http = http

    def _base(self, unit_id: str, *parts: str) -> str:
        return path("units", unit_part(unit_id), *parts)

    def arrears_frame(self, unit_id: str, pay_date: dt.date | None = None) -> pa.Table:
        """欠费信息 as Arrow (`GET /units/{id}/arrears/table`: u64 LE length + IPC stream), the columns of
        `client.arrears.list` (ARREAR_SCHEMA). 100,000 rows load in a fraction of the JSON's time."""
        params = {"pay_date": pay_date.isoformat() if pay_date else None}
        response = self._http.request("GET", self._base(unit_id, "arrears", "table"), params=params)
        body = response.content
        try:
            (length,) = struct.unpack_from("<Q", body, 0)
            if length != len(body) - 8:
                raise ValueError("length prefix does not match the body")
            table = pa.ipc.open_stream(pa.py_buffer(body[8:])).read_all()
            return table.select(ARREAR_SCHEMA.names).cast(ARREAR_SCHEMA)
        except (struct.error, ValueError, KeyError, pa.ArrowException) as exc:
            raise _bad(f"arrears table: {exc!r}") from exc

    def pay(self, unit_id: str, body: dict[str, Any], *, password: str, key: str) -> Payment:
        """立即缴费 with the kept `key` (a retry of this call reuses it; the bureau answers a known key
        with the payment as it is now)."""
        data = self._http.send_json("POST", self._base(unit_id, "payments"), body,
                                    headers={PASSWORD_HEADER: password}, idempotency_key=_key(key))
        return Payment.from_wire(data)

    def records(self, unit_id: str, period_from: str | None = None,
                period_to: str | None = None) -> tuple[PaymentRecord, ...]:
        params = {"from": _month(period_from, "费款所属期起"), "to": _month(period_to, "费款所属期止")}
        data = self._http.get_json(self._base(unit_id, "payments"), params=params)
        return tuple(PaymentRecord.from_wire(r) for r in _list(data, "payments"))

    def record(self, unit_id: str, record_id: str) -> PaymentRecord:
        data = self._http.get_json(self._base(unit_id, "payments", _part(record_id, _RECORD_ID, "缴费记录")))
        return PaymentRecord.from_wire(data)

    def unlock(self, unit_id: str, record_id: str, *, password: str, key: str) -> PaymentRecord:
        """解锁 (the password counts towards the lock: one try per click)."""
        data = self._http.send_json("POST", self._base(unit_id, "payments", _part(record_id, _RECORD_ID, "缴费记录"),
                                                       "unlock"), {},
                                    headers={PASSWORD_HEADER: password}, idempotency_key=_key(key),
                                    policy=CallPolicy(retry=False))
        return PaymentRecord.from_wire(data)

    def vouchers(self, unit_id: str, period_from: str | None = None,
                 period_to: str | None = None) -> tuple[BankVoucher, ...]:
        params = {"from": _month(period_from, "费款所属期起"), "to": _month(period_to, "费款所属期止")}
        data = self._http.get_json(self._base(unit_id, "vouchers"), params=params)
        return tuple(BankVoucher.from_wire(v) for v in _list(data, "vouchers"))

    def voucher(self, unit_id: str, voucher_no: str) -> BankVoucher:
        data = self._http.get_json(self._base(unit_id, "vouchers", _part(voucher_no, _VOUCHER_NO, "凭证序号")))
        return BankVoucher.from_wire(data)

    def void_voucher(self, unit_id: str, voucher_no: str, *, key: str) -> BankVoucher:
        data = self._http.send_json("POST", self._base(unit_id, "vouchers", _part(voucher_no, _VOUCHER_NO, "凭证序号"),
                                                       "void"), {}, idempotency_key=_key(key))
        return BankVoucher.from_wire(data)

    # ---- demo (tests; the demo secret) ------------------------------------------------------------
    def _demo_headers(self) -> dict[str, str]:
        if not self._http.demo_secret:
            raise StateError("演示功能需要演示密钥：请使用本机演示税务局，或先设置 demo_secret")
        return {SECRET_HEADER: self._http.demo_secret}

    def demo_bank(self, unit_id: str, outcome: str = "success", reason: str | None = None,
                  unlock_outcome: str = "success", unlock_reason: str | None = None) -> dict[str, Any]:
        """How the simulated bank answers the unit's next 三方协议 deductions and 解锁."""
        body = {"outcome": outcome, "reason": reason, "unlock_outcome": unlock_outcome, "unlock_reason": unlock_reason}
        data = self._http.send_json("POST", path("demo", "units", unit_part(unit_id), "bank"), body,
                                    headers=self._demo_headers())
        return dict(data or {})

    def demo_seed_arrears(self, unit_id: str, count: int) -> str:
        """One successful unpaid declaration of `count` rows: its declaration ID."""
        data = self._http.send_json("POST", path("demo", "units", unit_part(unit_id), "arrears"), {"count": count},
                                    headers=self._demo_headers())
        return str(data["declaration_id"])

    def demo_pay_voucher(self, unit_id: str, voucher_no: str) -> dict[str, Any]:
        """The bank counter takes the money of a voucher."""
        data = self._http.send_json("POST", path("demo", "units", unit_part(unit_id), "vouchers",
                                                 _part(voucher_no, _VOUCHER_NO, "凭证序号"), "pay"), {},
                                    headers=self._demo_headers())
        return dict(data or {})
