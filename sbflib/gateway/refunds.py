"""单位退费申请 (manual 2.28) at the bureau (docs/api.md, "Agreements, certificates and refunds").

    client.refunds.candidates(unit_id, kind, month_from, month_to, name=None, id_number=None)
                                                      -> (pa.Table CANDIDATE_SCHEMA, truncated)
    client.refunds.apply(unit_id, body, key=...)     -> RefundRecord (待审核)
    client.refunds.list(unit_id, start=None, end=None) -> tuple[RefundRecord, ...]   (newest first)
    client.refunds.detail(unit_id, refund_id)        -> (RefundRecord, pa.Table LINE_SCHEMA)

Money travels as text and becomes decimal128(18, 2) here, never float. `apply` takes the
Idempotency-Key from the caller: the service keeps it in the store with the body before sending, so a
lost answer (even across a restart) is sent again with the same key and applies once.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import pyarrow as pa

from sbflib.errors import ConnectionFailed, ValidationError
from sbflib.gateway.http import MSG_PROTOCOL, CallPolicy, Http, path, required, unit_part

Kind = Literal["ticket", "employee"]
KINDS = {"ticket": "税票退费", "employee": "职工明细退费"}
STATUSES = ("待审核", "已退库", "审核不通过")
REFUND_TYPES = ("误收退库", "汇算清缴退费", "多缴退费", "其他退费")

#: 5,000 lines are answered well within this.
CALL_DEADLINE = 60.0

_REFUND_ID = re.compile(r"TF[0-9]{1,30}")
_KEY = re.compile(r"[0-9a-f]{32}")
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")

MONEY = pa.decimal128(18, 2)

CANDIDATE_SCHEMA = pa.schema([
    ("line_key", pa.string()),
    ("voucher_no", pa.string()),
    ("item_code", pa.string()),
    ("item_name", pa.string()),
    ("payer", pa.string()),
    ("employee_id", pa.string()),
    ("name", pa.string()),
    ("id_type", pa.string()),
    ("id_number", pa.string()),
    ("period_start", pa.string()),
    ("period_end", pa.string()),
    ("paid_amount", MONEY),
    ("asked", MONEY),
    ("refundable", MONEY),
    ("arrived_on", pa.date32()),
])

LINE_SCHEMA = pa.schema([
    ("seq", pa.int32()),
    ("line_key", pa.string()),
    ("voucher_no", pa.string()),
    ("item_code", pa.string()),
    ("item_name", pa.string()),
    ("payer", pa.string()),
    ("employee_id", pa.string()),
    ("name", pa.string()),
    ("id_type", pa.string()),
    ("id_number", pa.string()),
    ("period_start", pa.string()),
    ("period_end", pa.string()),
    ("paid_amount", MONEY),
    ("amount", MONEY),
])


def _bad(detail: str) -> ConnectionFailed:
    return ConnectionFailed(MSG_PROTOCOL, detail=detail, code="BAD_RESPONSE")


def refund_part(refund_id: object) -> str:
    if not isinstance(refund_id, str) or not _REFUND_ID.fullmatch(refund_id):
        raise ValidationError("退费申请编号格式不正确", field="退费申请编号", code="INVALID_PATH_PART")
    return refund_id


def money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _time(value: Any) -> dt.datetime | None:
    """A bureau time (ISO, with its +08:00) as the naive local time the store keeps."""
    if not value:
        return None
    return dt.datetime.fromisoformat(str(value)).replace(tzinfo=None)


@dataclass(frozen=True)
class RefundRecord:
    """One application (单位退费申请) as the bureau keeps it."""

    refund_id: str
    kind: str
    kind_name: str
    status: str
    refund_type: str
    reason: str
    account_name: str
    bank_name: str
    account_masked: str
    total: Decimal
    applied_at: dt.datetime
    decided_at: dt.datetime | None
    result_reason: str | None
    lines: int

    @classmethod
    def from_wire(cls, data: Any) -> RefundRecord:
        try:
            status = str(required(data, "status"))
            if status not in STATUSES:
                raise ValueError(f"status {status!r}")
            kind = str(required(data, "kind"))
            applied = _time(required(data, "applied_at"))
            assert applied is not None
            return cls(
                refund_id=str(required(data, "refund_id")), kind=kind,
                kind_name=str(data.get("kind_name") or KINDS.get(kind, kind)), status=status,
                refund_type=str(required(data, "refund_type")), reason=str(data.get("reason") or ""),
                account_name=str(data.get("account_name") or ""), bank_name=str(data.get("bank_name") or ""),
                account_masked=str(data.get("account_masked") or ""), total=money(required(data, "total")),
                applied_at=applied, decided_at=_time(data.get("decided_at")),
                result_reason=str(data["result_reason"]) if data.get("result_reason") else None,
                lines=int(data.get("lines") or 0) if not isinstance(data.get("lines"), list) else len(data["lines"]),
            )
        except (TypeError, ValueError, AttributeError, InvalidOperation, AssertionError) as exc:
            raise _bad(f"refund: {exc!r}") from exc


def _table(rows: Any, schema: pa.Schema, what: str) -> pa.Table:
    if not isinstance(rows, list):
        raise _bad(f"{what}: not a list")
    out = []
    try:
        for item in rows:
            row: dict[str, Any] = {}
            for f in schema:
                value = item.get(f.name)
                if f.type == MONEY:
                    row[f.name] = money(value if value is not None else "0")
                elif f.type == pa.date32():
                    row[f.name] = dt.date.fromisoformat(str(value)[:10]) if value else None
                elif f.type == pa.int32():
                    row[f.name] = int(value)
                else:
                    row[f.name] = None if value is None else str(value)
            out.append(row)
        return pa.Table.from_pylist(out, schema=schema)
    except (TypeError, ValueError, AttributeError, InvalidOperation, pa.ArrowException) as exc:
        raise _bad(f"{what}: {exc!r}") from exc


class RefundsApi:
    """`client.refunds`."""

    def __init__(self, http: Http) -> None:
        self._http = http

    def candidates(self, unit_id: str, kind: Kind, month_from: str | None = None, month_to: str | None = None, *,
                   name: str | None = None, id_number: str | None = None) -> tuple[pa.Table, bool]:
        """What may be refunded (paid lines in the treasury) with 实缴金额, 已申请退费 and 可退金额;
        `truncated` when the bureau had more than it sends (5,000)."""
        if kind not in KINDS:
            raise ValidationError("请选择退费方式", field="退费方式")
        for label, month in (("退费所属期起", month_from), ("退费所属期止", month_to)):
            if month and not _MONTH.fullmatch(month):
                raise ValidationError("应为“年-月”，如2026-01", field=label)
        params = {"kind": kind, "from": month_from or None, "to": month_to or None, "name": name or None,
                  "id_number": id_number or None}
        data = self._http.get_json(path("units", unit_part(unit_id), "refund-candidates"), params=params,
                                   policy=CallPolicy(deadline=CALL_DEADLINE))
        if not isinstance(data, dict):
            raise _bad("refund candidates: not an object")
        return _table(data.get("lines"), CANDIDATE_SCHEMA, "refund candidates"), bool(data.get("truncated"))

    def apply(self, unit_id: str, body: dict[str, Any], *, key: str) -> RefundRecord:
        """提交申请 with the Idempotency-Key `key` (32 hex characters, kept by the caller)."""
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise ValueError("the idempotency key must be 32 lower-case hex characters")
        data = self._http.send_json("POST", path("units", unit_part(unit_id), "refunds"), body, idempotency_key=key,
                                    policy=CallPolicy(deadline=CALL_DEADLINE))
        return RefundRecord.from_wire(data)

    def list(self, unit_id: str, start: dt.date | None = None, end: dt.date | None = None) -> tuple[RefundRecord, ...]:
        """The unit's applications by 申请日期 from `start` to `end` (None: no bound), newest first."""
        params = {"from": start.isoformat() if start else None, "to": end.isoformat() if end else None}
        data = self._http.get_json(path("units", unit_part(unit_id), "refunds"), params=params)
        if not isinstance(data, list):
            raise _bad("refunds: not a list")
        return tuple(RefundRecord.from_wire(item) for item in data)

    def detail(self, unit_id: str, refund_id: str) -> tuple[RefundRecord, pa.Table]:
        """One application with its lines (LINE_SCHEMA)."""
        data = self._http.get_json(path("units", unit_part(unit_id), "refunds", refund_part(refund_id)),
                                   policy=CallPolicy(deadline=CALL_DEADLINE))
        if not isinstance(data, dict):
            raise _bad("refund: not an object")
        return RefundRecord.from_wire(data.get("record")), _table(data.get("lines"), LINE_SCHEMA, "refund lines")
