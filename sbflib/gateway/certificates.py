"""税收完税证明（非印刷） 开具 / 补开 / 查验 and 职工 / 单位缴费证明 at the bureau (docs/api.md, "Agreements,
certificates and refunds"; manual 2.14-2.17, 2.26).

    client.certificates.issuable(unit_id, month_from=None, month_to=None) -> pa.Table   (ISSUABLE_SCHEMA)
    client.certificates.issue(unit_id, voucher_no)                        -> Certificate (开具, once)
    client.certificates.issued(unit_id, month_from=None, month_to=None)   -> tuple[Certificate, ...] (补开 list)
    client.certificates.get(unit_id, certificate_no)                      -> Certificate
    client.certificates.reissue(unit_id, certificate_no)                  -> Certificate (补开, `reissue` True)
    client.certificates.check(unit_id, paper)                             -> CheckAnswer (查验)
    client.certificates.unit_proof(unit_id, month_from, month_to)         -> ProofAnswer (UNIT_PROOF_SCHEMA)
    client.certificates.employee_proof(unit_id, month_from, month_to, name=, id_type=, id_number=)
                                                                          -> ProofAnswer (EMPLOYEE_PROOF_SCHEMA)

Money travels as text and becomes Decimal / decimal128(18, 2) here, never float; anything malformed in
an answer is BAD_RESPONSE. The POSTs carry a fresh Idempotency-Key (Http): a retry after a lost answer
gets the bureau's first answer (one certificate, one print counted).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import pyarrow as pa

from sbflib.errors import ConnectionFailed, ValidationError
from sbflib.gateway.http import MSG_PROTOCOL, Http, path, required, unit_part

TICKET_KIND = "税收完税证明（非印刷）"
MONEY = pa.decimal128(18, 2)
_CERTIFICATE_NO = re.compile(r"[0-9]{1,32}")

ISSUABLE_SCHEMA = pa.schema([
    ("voucher_no", pa.string()),
    ("taxpayer_id", pa.string()),
    ("taxpayer_name", pa.string()),
    ("tax_authority", pa.string()),
    ("period_start", pa.string()),
    ("period_end", pa.string()),
    ("items", pa.int32()),
    ("total", MONEY),
    ("paid_on", pa.date32()),
    ("arrived_on", pa.date32()),
    ("status", pa.string()),
    ("certificate_no", pa.string()),
])

UNIT_PROOF_SCHEMA = pa.schema([
    ("tax_authority", pa.string()),
    ("agency", pa.string()),
    ("unit_number", pa.string()),
    ("item_code", pa.string()),
    ("item_name", pa.string()),
    ("subitem_name", pa.string()),
    ("subitem_detail", pa.string()),
    ("payer", pa.string()),
    ("payer_name", pa.string()),
    ("period_start", pa.string()),
    ("period_end", pa.string()),
    ("arrived_on", pa.date32()),
    ("amount", MONEY),
    ("voucher_no", pa.string()),
])

EMPLOYEE_PROOF_SCHEMA = pa.schema([
    ("employee_id", pa.string()),
    ("name", pa.string()),
    ("id_type", pa.string()),
    ("id_number", pa.string()),
    ("unit_number", pa.string()),
    ("agency", pa.string()),
    ("tax_authority", pa.string()),
    ("item_code", pa.string()),
    ("item_name", pa.string()),
    ("subitem_name", pa.string()),
    ("month", pa.string()),
    ("base", MONEY),
    ("unit_amount", MONEY),
    ("personal_amount", MONEY),
    ("amount", MONEY),
    ("arrived_on", pa.date32()),
    ("voucher_no", pa.string()),
])


def _bad(detail: str) -> ConnectionFailed:
    return ConnectionFailed(MSG_PROTOCOL, detail=detail, code="BAD_RESPONSE")


def money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _date(value: Any) -> dt.date:
    return dt.date.fromisoformat(str(value)[:10])


def _time(value: Any) -> dt.datetime | None:
    if not value:
        return None
    return dt.datetime.fromisoformat(str(value)).replace(tzinfo=None)


def _opt(value: Any) -> str:
    return "" if value is None else str(value)


def certificate_part(certificate_no: object) -> str:
    """An 电子税票号码 fit for a path (digits only), else a Chinese refusal before anything is sent."""
    if not isinstance(certificate_no, str) or not _CERTIFICATE_NO.fullmatch(certificate_no):
        raise ValidationError("电子税票号码应为数字", field="电子税票号码", code="INVALID_PATH_PART")
    return certificate_no


_OPTIONAL = frozenset({"certificate_no", "subitem_detail"})  # may be null or missing in a row


def _table(rows: Any, schema: pa.Schema, what: str) -> pa.Table:
    """A list of the bureau's row objects as an Arrow table of `schema` (money from its text)."""
    if not isinstance(rows, list):
        raise _bad(f"{what}: not a list")
    out = []
    try:
        for item in rows:
            row: dict[str, Any] = {}
            for f in schema:
                value = item.get(f.name) if f.name in _OPTIONAL else item[f.name]
                if f.type == MONEY:
                    row[f.name] = money(value if value is not None else "0")
                elif f.type == pa.date32():
                    row[f.name] = _date(value) if value else None
                elif f.type == pa.int32():
                    row[f.name] = int(value or 0)
                else:
                    row[f.name] = None if value is None else str(value)
            out.append(row)
    except (KeyError, TypeError, ValueError, AttributeError, InvalidOperation) as exc:
        raise _bad(f"{what}: {exc!r}") from exc
    return pa.Table.from_pylist(out, schema=schema)


@dataclass(frozen=True)
class CertificateLine:
    """One line of a certificate: an item in the treasury, or its 滞纳金."""

    seq: int
    item_key: str
    voucher_no: str       # 原凭证号
    item_code: str
    item_name: str        # 税种
    subitem_name: str     # 品目名称
    period_start: str     # 税款所属时期 (YYYY-MM)
    period_end: str
    paid_on: dt.date
    arrived_on: dt.date   # 入（退）库日期
    amount: Decimal       # 实缴（退）金额


@dataclass(frozen=True)
class Certificate:
    """税收完税证明（非印刷） as the bureau issued it (开具, 补开 or the 查验 预览)."""

    certificate_no: str   # 电子税票号码
    ticket_kind: str
    taxpayer_id: str
    taxpayer_name: str
    region_code: str      # 行政区划
    region_name: str
    tax_authority: str
    treasury: str         # 收款国库
    ticket_track: str     # 票证字轨
    ticket_no: str        # 票证号码
    voucher_no: str
    issued_on: dt.date    # 填发日期
    issuer: str           # 填票人
    total: Decimal        # 金额合计
    status: str
    prints: int
    print_label: str      # 第n次打印
    reissue: bool         # this answer is a 补开
    period_start: str
    period_end: str
    items: tuple[CertificateLine, ...]
    last_printed_at: dt.datetime | None = None

    @classmethod
    def from_wire(cls, data: Any) -> Certificate:
        try:
            items = tuple(CertificateLine(
                seq=int(i["seq"]), item_key=str(i["item_key"]), voucher_no=str(i["voucher_no"]),
                item_code=str(i["item_code"]), item_name=str(i["item_name"]), subitem_name=str(i["subitem_name"]),
                period_start=str(i["period_start"]), period_end=str(i["period_end"]), paid_on=_date(i["paid_on"]),
                arrived_on=_date(i["arrived_on"]), amount=money(i["amount"])) for i in required(data, "items"))
            return cls(
                certificate_no=str(required(data, "certificate_no")),
                ticket_kind=str(data.get("ticket_kind") or TICKET_KIND),
                taxpayer_id=str(required(data, "taxpayer_id")), taxpayer_name=str(required(data, "taxpayer_name")),
                region_code=_opt(data.get("region_code")), region_name=_opt(data.get("region_name")),
                tax_authority=str(required(data, "tax_authority")), treasury=_opt(data.get("treasury")),
                ticket_track=_opt(data.get("ticket_track")), ticket_no=_opt(data.get("ticket_no")),
                voucher_no=_opt(data.get("voucher_no")), issued_on=_date(required(data, "issued_on")),
                issuer=_opt(data.get("issuer")), total=money(required(data, "total")),
                status=_opt(data.get("status")), prints=int(data.get("prints") or 0),
                print_label=_opt(data.get("print_label")), reissue=bool(data.get("reissue")),
                period_start=_opt(data.get("period_start")), period_end=_opt(data.get("period_end")),
                items=items, last_printed_at=_time(data.get("last_printed_at")),
            )
        except (KeyError, TypeError, ValueError, AttributeError, InvalidOperation) as exc:
            raise _bad(f"certificate: {exc!r}") from exc


@dataclass(frozen=True)
class CheckAnswer:
    """查验: `genuine`, the bureau's message, the 查验结果 fields (Chinese-keyed by the caller) and the
    certificate for the view-only 预览 (both None unless genuine)."""

    genuine: bool
    message: str
    result: dict[str, Any] | None
    certificate: Certificate | None

    @classmethod
    def from_wire(cls, data: Any) -> CheckAnswer:
        try:
            result = data.get("result")
            cert = data.get("certificate")
            return cls(genuine=bool(required(data, "genuine")), message=str(data.get("message") or ""),
                       result=dict(result) if isinstance(result, dict) else None,
                       certificate=Certificate.from_wire(cert) if cert else None)
        except (TypeError, AttributeError) as exc:
            raise _bad(f"check: {exc!r}") from exc


@dataclass(frozen=True)
class ProofAnswer:
    """A 缴费证明 query: the rows (Arrow), and when there are none the likelier reason and all of them."""

    rows: pa.Table
    reason: str | None
    reasons: tuple[str, ...]


def _proof(data: Any, schema: pa.Schema, what: str) -> ProofAnswer:
    if not isinstance(data, dict):
        raise _bad(f"{what}: not an object")
    reasons = data.get("reasons") or []
    if not isinstance(reasons, list):
        raise _bad(f"{what}: reasons not a list")
    return ProofAnswer(_table(data.get("rows"), schema, what), str(data["reason"]) if data.get("reason") else None,
                       tuple(str(r) for r in reasons))


def _months(month_from: str | None, month_to: str | None) -> dict[str, Any]:
    return {"from": month_from or None, "to": month_to or None}


class CertificatesApi:
    """`client.certificates`."""

    def __init__(self, http: Http) -> None:
        self._http = http

    def _unit(self, unit_id: str, *parts: str) -> str:
        return path("units", unit_part(unit_id), *parts)

    def issuable(self, unit_id: str, month_from: str | None = None, month_to: str | None = None) -> pa.Table:
        """开具 list: one row per 电子税票 in the treasury whose 费款所属期 meets the months (either may be None)."""
        data = self._http.get_json(self._unit(unit_id, "tax-certificates", "issuable"),
                                   params=_months(month_from, month_to))
        return _table(data, ISSUABLE_SCHEMA, "issuable")

    def issue(self, unit_id: str, voucher_no: str) -> Certificate:
        """开具 (once): 404 CERTIFICATE_NOTHING_TO_ISSUE, 409 CERTIFICATE_ALREADY_ISSUED (its message says 补开)."""
        data = self._http.send_json("POST", self._unit(unit_id, "tax-certificates"), {"voucher_no": voucher_no})
        return Certificate.from_wire(data)

    def issued(self, unit_id: str, month_from: str | None = None,
               month_to: str | None = None) -> tuple[Certificate, ...]:
        """补开 list: the certificates issued whose items' 费款所属期 meet the months."""
        data = self._http.get_json(self._unit(unit_id, "tax-certificates"), params=_months(month_from, month_to))
        if not isinstance(data, list):
            raise _bad("certificates: not a list")
        return tuple(Certificate.from_wire(c) for c in data)

    def get(self, unit_id: str, certificate_no: str) -> Certificate:
        data = self._http.get_json(self._unit(unit_id, "tax-certificates", certificate_part(certificate_no)))
        return Certificate.from_wire(data)

    def reissue(self, unit_id: str, certificate_no: str) -> Certificate:
        """补开: the same certificate (number, lines, amounts, date), marked 补开, one print more."""
        data = self._http.send_json(
            "POST", self._unit(unit_id, "tax-certificates", certificate_part(certificate_no), "reissue"), None)
        return Certificate.from_wire(data)

    def check(self, unit_id: str, paper: dict[str, str]) -> CheckAnswer:
        """查验 by the paper's fields (taxpayer_id, taxpayer_name, ticket_kind, certificate_no, region_code,
        total; tax_authority, ticket_track, ticket_no when given)."""
        params = {k: (v if v not in ("", None) else None) for k, v in paper.items()}
        data = self._http.get_json(self._unit(unit_id, "tax-certificate-checks"), params=params)
        return CheckAnswer.from_wire(data)

    def unit_proof(self, unit_id: str, month_from: str, month_to: str) -> ProofAnswer:
        data = self._http.get_json(self._unit(unit_id, "payment-proofs", "unit"), params=_months(month_from, month_to))
        return _proof(data, UNIT_PROOF_SCHEMA, "unit proof")

    def employee_proof(self, unit_id: str, month_from: str, month_to: str, *, name: str | None = None,
                       id_type: str | None = None, id_number: str | None = None) -> ProofAnswer:
        params = {**_months(month_from, month_to), "name": name or None, "id_type": id_type or None,
                  "id_number": id_number or None}
        data = self._http.get_json(self._unit(unit_id, "payment-proofs", "employees"), params=params)
        return _proof(data, EMPLOYEE_PROOF_SCHEMA, "employee proof")
