"""社保费申报记录 at the bureau (manual 2.10, 2.20, 2.24; docs/api.md "Fee declarations"): the records of
a date range, one record with its rows as declared, its per-employee lines (Arrow), and 作废.

    client.declaration_records.list(unit_id, start=None, end=None, kind=None) -> tuple[DeclarationRecord, ...]
    client.declaration_records.detail(unit_id, declaration_id)                -> DeclarationDetail
    client.declaration_records.lines(unit_id, declaration_id)                 -> pa.Table (LINE_SCHEMA)
    client.declaration_records.void(unit_id, declaration_id, key=...)         -> DeclarationRecord (作废中)

`kind` is "fees" (日常 / 特殊 / 核定: 申报记录) or "project" (工程项目社保费申报记录). Money travels as
text and becomes Decimal here (rows as decimal128(18, 2), never float). `void` takes the
Idempotency-Key from the caller, who keeps it in the store before sending, so a void whose answer
was lost is sent again with the same key and the bureau voids once.
"""

from __future__ import annotations

import datetime as dt
import re
import struct
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc

from sbflib.errors import ConnectionFailed, ValidationError
from sbflib.gateway.http import MSG_PROTOCOL, CallPolicy, Http, path, required, unit_part

Kind = Literal["fees", "project"]

LINES_MEDIA_TYPE = "application/vnd.sbf.lines.v1"
#: A declaration of 100,000 employees' lines is a few tens of MB; its download has this long.
BULK_DEADLINE = 180.0

STATUSES = ("待反馈", "申报成功", "申报失败", "作废中", "已作废")
PAY_STATUSES = ("未缴费", "已缴费", "已生成待批扣清册", "无需缴费")

_DECLARATION_ID = re.compile(r"[A-Za-z0-9]{1,40}")
_KEY = re.compile(r"[0-9a-f]{32}")

#: The rows of a declaration as declared (`detail`).
ROW_SCHEMA = pa.schema([
    ("prep_id", pa.string()),
    ("group_key", pa.string()),
    ("channel", pa.string()),
    ("source_code", pa.string()),
    ("source_name", pa.string()),
    ("unit_number", pa.string()),
    ("agency", pa.string()),
    ("notice_no", pa.string()),
    ("valid_until", pa.string()),
    ("special_type", pa.string()),
    ("project_no", pa.string()),
    ("item_code", pa.string()),
    ("item_name", pa.string()),
    ("subitem_name", pa.string()),
    ("payer", pa.string()),
    ("payer_name", pa.string()),
    ("period_start", pa.string()),
    ("period_end", pa.string()),
    ("headcount", pa.int32()),
    ("base_total", pa.decimal128(18, 2)),
    ("rate", pa.decimal128(12, 6)),
    ("amount", pa.decimal128(18, 2)),
])
_ROW_MONEY = {"base_total": "0.01", "amount": "0.01", "rate": "0.000001"}

#: The per-employee lines of a declaration (`lines`), as the bureau sends them.
LINE_SCHEMA = pa.schema([
    ("prep_id", pa.string()),
    ("employee_id", pa.string()),
    ("name", pa.string()),
    ("id_type", pa.string()),
    ("id_number", pa.string()),
    ("person_number", pa.string()),
    ("item_code", pa.string()),
    ("payer", pa.string()),
    ("month", pa.string()),
    ("base", pa.decimal128(18, 2)),
    ("rate", pa.decimal128(12, 6)),
    ("amount", pa.decimal128(18, 2)),
])


def declaration_part(declaration_id: object) -> str:
    """A declaration id checked before it goes into a path."""
    if not isinstance(declaration_id, str) or not _DECLARATION_ID.fullmatch(declaration_id):
        raise ValidationError("申报记录编号格式不正确", field="申报记录", code="INVALID_PATH_PART")
    return declaration_id


def _bad(detail: str) -> ConnectionFailed:
    return ConnectionFailed(MSG_PROTOCOL, detail=detail, code="BAD_RESPONSE")


def _text(data: Any, name: str) -> str | None:
    value = data.get(name)
    return None if value is None or value == "" else str(value)


def _time(value: Any) -> dt.datetime | None:
    """A wire time ('2026-11-27T09:30:00+08:00') as a naive Beijing wall-clock time (the screens' time)."""
    if value in (None, ""):
        return None
    stamp = dt.datetime.fromisoformat(str(value))
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(dt.timezone(dt.timedelta(hours=8))).replace(tzinfo=None)
    return stamp


@dataclass(frozen=True)
class DeclarationRecord:
    """One 社保费申报记录 (one declaration of one data source)."""

    declaration_id: str
    submission_id: str
    channel: str                  # daily | special | assessed | project
    source_code: str
    source_name: str              # 数据来源
    tax_authority: str            # 主管税务机关
    status: str                   # 待反馈 | 申报成功 | 申报失败 | 作废中 | 已作废
    submitted_at: dt.datetime     # 申报日期 (Beijing time)
    rows: int
    headcount: int
    total_due: Decimal            # 应缴费额合计
    reason: str | None = None     # why it failed
    decided_at: dt.datetime | None = None
    voucher_no: str | None = None  # 应征凭证序号
    pay_status: str | None = None  # 未缴费 | 已缴费 | 已生成待批扣清册 | 无需缴费
    void_requested_at: dt.datetime | None = None
    void_decided_at: dt.datetime | None = None
    void_reason: str | None = None  # why a void failed (paid meanwhile)
    period_start: str | None = None
    period_end: str | None = None

    @classmethod
    def from_wire(cls, data: Any) -> DeclarationRecord:
        try:
            status = str(required(data, "status"))
            if status not in STATUSES:
                raise ValueError(f"status {status!r}")
            pay = _text(data, "pay_status")
            if pay is not None and pay not in PAY_STATUSES:
                raise ValueError(f"pay_status {pay!r}")
            submitted = _time(required(data, "submitted_at"))
            assert submitted is not None
            return cls(
                declaration_id=declaration_part(str(required(data, "declaration_id"))),
                submission_id=str(required(data, "submission_id")),
                channel=str(required(data, "channel")),
                source_code=str(required(data, "source_code")),
                source_name=str(data.get("source_name") or ""),
                tax_authority=str(data.get("tax_authority") or ""),
                status=status,
                submitted_at=submitted,
                rows=int(data.get("rows") or 0),
                headcount=int(data.get("headcount") or 0),
                total_due=Decimal(str(required(data, "total_due"))).quantize(Decimal("0.01")),
                reason=_text(data, "reason"),
                decided_at=_time(data.get("decided_at")),
                voucher_no=_text(data, "voucher_no"),
                pay_status=pay,
                void_requested_at=_time(data.get("void_requested_at")),
                void_decided_at=_time(data.get("void_decided_at")),
                void_reason=_text(data, "void_reason"),
                period_start=_text(data, "period_start"),
                period_end=_text(data, "period_end"),
            )
        except ValidationError as exc:
            raise _bad(f"declaration record: {exc.message}") from exc
        except (TypeError, ValueError, AttributeError, InvalidOperation, AssertionError) as exc:
            raise _bad(f"declaration record: {exc!r}") from exc

    def as_row(self) -> dict[str, Any]:
        """The record as a dict of plain values (for the store)."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True)
class DeclarationDetail:
    """A record and its rows as declared (ROW_SCHEMA)."""

    record: DeclarationRecord
    rows: pa.Table


def rows_table(rows: Any) -> pa.Table:
    """The `rows` of a detail answer as a table of ROW_SCHEMA (money and rate from their text)."""
    if not isinstance(rows, list):
        raise _bad("declaration rows: not a list")
    out = []
    try:
        for item in rows:
            row: dict[str, Any] = {}
            for field in ROW_SCHEMA:
                value = item.get(field.name)
                if field.name in _ROW_MONEY:
                    row[field.name] = Decimal(str(value)).quantize(Decimal(_ROW_MONEY[field.name]))
                elif field.name == "headcount":
                    row[field.name] = int(value or 0)
                else:
                    row[field.name] = None if value is None else str(value)
            out.append(row)
        return pa.Table.from_pylist(out, schema=ROW_SCHEMA)
    except (TypeError, ValueError, AttributeError, InvalidOperation, pa.ArrowException) as exc:
        raise _bad(f"declaration rows: {exc!r}") from exc


def read_lines(body: bytes) -> pa.Table:
    """The lines frame (u64 little-endian length, then an Arrow IPC stream) as LINE_SCHEMA."""
    try:
        (length,) = struct.unpack_from("<Q", body, 0)
        if 8 + length > len(body):
            raise ValueError("frame shorter than its length")
        with pa.ipc.open_stream(pa.py_buffer(memoryview(body)[8:8 + length])) as reader:
            wire = reader.read_all()
        columns = []
        for field in LINE_SCHEMA:
            if field.name not in wire.column_names:
                if field.name in ("name", "id_type", "id_number", "person_number"):
                    columns.append(pa.nulls(wire.num_rows, field.type))
                    continue
                raise ValueError(f"missing column {field.name}")
            columns.append(pc.cast(wire[field.name], field.type))
        return pa.table(columns, schema=LINE_SCHEMA)
    except (struct.error, ValueError, TypeError, pa.ArrowException) as exc:
        raise _bad(f"declaration lines: {exc!r}") from exc


class DeclarationRecordsApi:
    """`client.declaration_records`."""

    def __init__(self, http: Http) -> None:
        self._http = http

    def list(self, unit_id: str, start: dt.date | None = None, end: dt.date | None = None,
             kind: Kind | None = None) -> tuple[DeclarationRecord, ...]:
        """The records declared from `start` to `end` (Beijing dates, both included; None: no bound),
        newest first; `kind` fees (申报记录) or project (工程项目); None: all."""
        if kind not in (None, "fees", "project"):
            raise ValidationError("申报记录类型不正确", field="申报记录类型")
        params = {"from": start.isoformat() if start else None, "to": end.isoformat() if end else None,
                  "kind": kind}
        data = self._http.get_json(path("units", unit_part(unit_id), "declarations"), params=params)
        if not isinstance(data, list):
            raise _bad("declarations: not a list")
        return tuple(DeclarationRecord.from_wire(item) for item in data)

    def detail(self, unit_id: str, declaration_id: str) -> DeclarationDetail:
        """One record with its rows as declared."""
        data = self._http.get_json(path("units", unit_part(unit_id), "declarations",
                                        declaration_part(declaration_id)))
        if not isinstance(data, dict):
            raise _bad("declaration detail: not an object")
        return DeclarationDetail(DeclarationRecord.from_wire(required(data, "record")),
                                 rows_table(data.get("rows") or []))

    def lines(self, unit_id: str, declaration_id: str) -> pa.Table:
        """The per-employee lines of a declaration as declared (申报明细), LINE_SCHEMA."""
        response = self._http.request(
            "GET", path("units", unit_part(unit_id), "declarations", declaration_part(declaration_id), "lines"),
            headers={"Accept": LINES_MEDIA_TYPE}, policy=CallPolicy(deadline=BULK_DEADLINE))
        return read_lines(response.content)

    def void(self, unit_id: str, declaration_id: str, *, key: str) -> DeclarationRecord:
        """作废 with the Idempotency-Key `key` (32 hex characters, kept by the caller; a retry of the
        same void reuses it). The bureau answers 202 with the record 作废中, or refuses (409: paid,
        on a debit list, voided, voiding, not voidable) with its Chinese message."""
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise ValueError("the idempotency key must be 32 lower-case hex characters")
        data = self._http.send_json(
            "POST", path("units", unit_part(unit_id), "declarations", declaration_part(declaration_id), "void"),
            {}, idempotency_key=key)
        return DeclarationRecord.from_wire(data)
