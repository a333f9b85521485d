"""单位三方协议 (manual 2.18) at the bureau, and the bank cascade of its form (docs/api.md, "Agreements,
certificates and refunds").

    client.agreements.list(unit_id)                          -> tuple[Agreement, ...]  (newest first)
    client.agreements.get(unit_id, agreement_id)             -> Agreement
    client.agreements.create(unit_id, form, key=...)          -> Agreement (未验证)
    client.agreements.modify(unit_id, agreement_id, form, key=...)            (未验证 again)
    client.agreements.void / revoke / verify(unit_id, agreement_id, key=...) -> Agreement
    client.agreements.regions(q) / banks(region_code) / branches(region_code, bank_code, q)

Every state-changing call takes the Idempotency-Key from the caller (`key`, 32 hex characters): the
service makes one per logical call and keeps it while the answer is unknown, so a retry of the same
action, even a later click, is answered by the bureau with its first answer and done once.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass
from typing import Any

from sbflib.errors import ConnectionFailed, ValidationError
from sbflib.gateway.http import MSG_PROTOCOL, Http, path, required, unit_part

_AGREEMENT_ID = re.compile(r"[0-9]{1,32}")
_REGION = re.compile(r"[0-9]{6}")
_BANK = re.compile(r"[0-9]{3}")
_KEY = re.compile(r"[0-9a-f]{32}")

STATUSES = ("未验证", "验证通过", "验证失败", "协议终止")
ACTIONS = ("修改", "作废", "撤销", "验证")


def _bad(detail: str) -> ConnectionFailed:
    return ConnectionFailed(MSG_PROTOCOL, detail=detail, code="BAD_RESPONSE")


def _part(value: object, pattern: re.Pattern[str], label: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ValidationError(f"{label}格式不正确", field=label, code="INVALID_PATH_PART")
    return value


def agreement_part(agreement_id: object) -> str:
    return _part(agreement_id, _AGREEMENT_ID, "协议编号")


def _key(key: object) -> str:
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise ValueError("the idempotency key must be 32 lower-case hex characters")
    return key


@dataclass(frozen=True)
class AgreementForm:
    """新增 / 修改 单位三方协议: every field required (manual 2.18.2 三)."""

    allow_debit: bool          # 是否允许银行代扣: True 允许代扣 (费批扣) / False 不允许代扣 (所有非批扣)
    tax_authority: str         # 所属税务机关
    region_code: str           # 行政区划
    bank_code: str             # 银行行别
    branch_no: str             # 开户网点 (开户行行号)
    account_name: str          # 账户名称
    account_no: str            # 缴费账号

    def to_wire(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Agreement:
    """One agreement as the bureau keeps it (the list's columns and the form's values)."""

    agreement_id: str
    protocol_no: str
    agreement_name: str
    customer_name: str
    tax_authority: str
    region_code: str
    region_name: str
    bank_code: str
    bank_name: str
    clearing_bank_no: str
    branch_no: str
    branch_name: str
    account_name: str
    account_no: str
    account_masked: str
    batch_flag: str
    allow_debit: bool
    status: str
    verify_reason: str | None
    verified_on: dt.date | None
    ended_how: str | None
    usable: bool
    actions: tuple[str, ...]

    @classmethod
    def from_wire(cls, data: Any) -> Agreement:
        try:
            text = {k: str(required(data, k)) for k in (
                "agreement_id", "protocol_no", "agreement_name", "customer_name", "tax_authority", "region_code",
                "region_name", "bank_code", "bank_name", "clearing_bank_no", "branch_no", "branch_name",
                "account_name", "account_no", "account_masked", "batch_flag", "status")}
            if text["status"] not in STATUSES:
                raise ValueError(f"status {text['status']!r}")
            verified = data.get("verified_on")
            return cls(
                **text,
                allow_debit=bool(data.get("allow_debit")),
                verify_reason=str(data["verify_reason"]) if data.get("verify_reason") else None,
                verified_on=dt.date.fromisoformat(str(verified)[:10]) if verified else None,
                ended_how=str(data["ended_how"]) if data.get("ended_how") else None,
                usable=bool(data.get("usable")),
                actions=tuple(str(a) for a in data.get("actions") or () if a in ACTIONS),
            )
        except (TypeError, ValueError, AttributeError) as exc:
            raise _bad(f"agreement: {exc!r}") from exc

    def form(self) -> AgreementForm:
        """The agreement's values as the 修改 form starts with them."""
        return AgreementForm(self.allow_debit, self.tax_authority, self.region_code, self.bank_code, self.branch_no,
                             self.account_name, self.account_no)


@dataclass(frozen=True)
class BankingRegion:
    region_code: str
    region_name: str


@dataclass(frozen=True)
class Bank:
    bank_code: str
    bank_name: str


@dataclass(frozen=True)
class Branch:
    branch_no: str
    branch_name: str
    bank_code: str
    clearing_bank_no: str


def _list(data: Any, what: str) -> list[Any]:
    if not isinstance(data, list):
        raise _bad(f"{what}: not a list")
    return data


class AgreementsApi:
    """`client.agreements`."""

    def __init__(self, http: Http) -> None:
        self._http = http

    def _base(self, unit_id: str) -> str:
        return path("units", unit_part(unit_id), "agreements")

    def list(self, unit_id: str) -> tuple[Agreement, ...]:
        data = self._http.get_json(self._base(unit_id))
        return tuple(Agreement.from_wire(item) for item in _list(data, "agreements"))

    def get(self, unit_id: str, agreement_id: str) -> Agreement:
        return Agreement.from_wire(self._http.get_json(path("units", unit_part(unit_id), "agreements",
                                                            agreement_part(agreement_id))))

    def create(self, unit_id: str, form: AgreementForm, *, key: str) -> Agreement:
        """新增: saved 未验证."""
        data = self._http.send_json("POST", self._base(unit_id), form.to_wire(), idempotency_key=_key(key))
        return Agreement.from_wire(data)

    def modify(self, unit_id: str, agreement_id: str, form: AgreementForm, *, key: str) -> Agreement:
        """修改: the new values, 未验证 again."""
        data = self._http.send_json("PUT", path("units", unit_part(unit_id), "agreements", agreement_part(agreement_id)),
                                    form.to_wire(), idempotency_key=_key(key))
        return Agreement.from_wire(data)

    def _act(self, unit_id: str, agreement_id: str, action: str, key: str) -> Agreement:
        data = self._http.send_json(
            "POST", path("units", unit_part(unit_id), "agreements", agreement_part(agreement_id), action), None,
            idempotency_key=_key(key))
        return Agreement.from_wire(data)

    def void(self, unit_id: str, agreement_id: str, *, key: str) -> Agreement:
        """作废 (only while not verified): 协议终止."""
        return self._act(unit_id, agreement_id, "void", key)

    def revoke(self, unit_id: str, agreement_id: str, *, key: str) -> Agreement:
        """撤销 (only when 验证通过): 协议终止."""
        return self._act(unit_id, agreement_id, "revoke", key)

    def verify(self, unit_id: str, agreement_id: str, *, key: str) -> Agreement:
        """验证 with the bank: 验证通过 or 验证失败 (with the bank's reason)."""
        return self._act(unit_id, agreement_id, "verify", key)

    # ---- the form's cascade (no token needed) -------------------------------------------------
    def regions(self, q: str | None = None) -> tuple[BankingRegion, ...]:
        data = self._http.get_json(path("banking", "regions"), params={"q": q or None})
        try:
            return tuple(BankingRegion(str(r["region_code"]), str(r["region_name"])) for r in _list(data, "regions"))
        except (KeyError, TypeError) as exc:
            raise _bad(f"regions: {exc!r}") from exc

    def banks(self, region_code: str) -> tuple[Bank, ...]:
        data = self._http.get_json(path("banking", "regions", _part(region_code, _REGION, "行政区划"), "banks"))
        try:
            return tuple(Bank(str(b["bank_code"]), str(b["bank_name"])) for b in _list(data, "banks"))
        except (KeyError, TypeError) as exc:
            raise _bad(f"banks: {exc!r}") from exc

    def branches(self, region_code: str, bank_code: str, q: str | None = None) -> tuple[Branch, ...]:
        data = self._http.get_json(
            path("banking", "regions", _part(region_code, _REGION, "行政区划"), "banks",
                 _part(bank_code, _BANK, "银行行别"), "branches"), params={"q": q or None})
        try:
            return tuple(Branch(str(b["branch_no"]), str(b["branch_name"]), str(b["bank_code"]),
                                str(b["clearing_bank_no"])) for b in _list(data, "branches"))
        except (KeyError, TypeError) as exc:
            raise _bad(f"branches: {exc!r}") from exc
