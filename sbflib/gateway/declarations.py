"""Fee declarations (社保费申报) at the bureau: the preprocessing a declaration page offers, its
per-employee lines, and declaring (docs/api.md, "Fee declarations").

    client.declarations.preprocessing(unit_id, channel)              -> pa.Table (PREP_SCHEMA)
    client.declarations.preprocessing_lines(unit_id, ids)            -> pa.Table (LINE_SCHEMA)
    client.declarations.submit(unit_id, channel, prep_ids, total_due, key=...) -> Submission
    client.declarations.send(unit_id, body, key=...)                 -> Submission (a kept body, re-sent)
    client.declarations.records(unit_id, start, end, kind)           -> client.declaration_records.list

Money and rates arrive as text and become Arrow decimals (money decimal128(18, 2), rate
decimal128(12, 6)); nothing passes through float. The lines come as the bureau's frame (a u64
little-endian length, then an Arrow IPC stream) and are read without a Python object per line.

`submit` takes the Idempotency-Key from the caller (as `gateway/wages.py` does): the service keeps
the key and the body in the store before sending, so a submission whose answer was lost (even across
a restart) is sent again byte for byte with the same key (`send`), and the bureau answers with the
declarations it already made.
"""

from __future__ import annotations

import datetime as dt
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc

from sbflib.errors import ConnectionFailed, ValidationError
from sbflib.gateway.declaration_records import DeclarationRecord, DeclarationRecordsApi
from sbflib.gateway.http import BULK, MSG_PROTOCOL, SUBMIT, Http, path, required, unit_part

__all__ = [
    "CHANNELS", "LINE_SCHEMA", "PREP_SCHEMA", "Channel", "DeclarationRecord", "DeclarationsApi", "Submission",
    "read_lines", "submit_body",
]

Channel = Literal["daily", "special", "assessed", "project"]
CHANNELS: tuple[Channel, ...] = ("daily", "special", "assessed", "project")

#: A submission of 5,000 rows of 100,000 employees is frozen (rows and lines) before the 202.
#: The bureau takes at most this many prep_ids per POST and this many characters in `ids`.
MAX_IDS = 5000
_MAX_IDS_CHARS = 20_000
MEDIA_LINES = "application/vnd.sbf.lines.v1"

_KEY = re.compile(r"[0-9a-f]{32}")
_PREP_ID = re.compile(r"[A-Za-z0-9-]{1,80}")
MONEY = pa.decimal128(18, 2)
RATE = pa.decimal128(12, 6)

#: The preprocessing rows of a page as `preprocessing` returns them (the wire's order).
PREP_SCHEMA = pa.schema([
    ("prep_id", pa.string()),
    ("group_key", pa.string()),
    ("channel", pa.string()),
    ("source_code", pa.string()),
    ("source_name", pa.string()),
    ("unit_number", pa.string()),
    ("agency", pa.string()),
    ("notice_no", pa.string()),
    ("valid_until", pa.date32()),
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
    ("base_total", MONEY),
    ("rate", RATE),
    ("amount", MONEY),
    ("back_pay", pa.bool_()),
    ("status", pa.string()),
    ("declaration_id", pa.string()),
])
_REQUIRED_TEXT = ("prep_id", "group_key", "channel", "source_code", "source_name", "unit_number", "item_code",
                  "item_name", "payer", "period_start", "period_end", "status")
_OPTIONAL_TEXT = ("agency", "notice_no", "special_type", "project_no", "subitem_name", "payer_name",
                  "declaration_id")
ROW_STATUSES = ("未申报", "申报中", "已申报")

#: The per-employee lines (clicking 缴费人数), ordered by prep_id, employee, month.
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
    ("base", MONEY),
    ("rate", RATE),
    ("amount", MONEY),
])


def _bad(detail: str) -> ConnectionFailed:
    return ConnectionFailed(MSG_PROTOCOL, detail=detail, code="BAD_RESPONSE")


def _channel(channel: object) -> Channel:
    if channel not in CHANNELS:
        raise ValidationError("申报菜单应为日常申报、特殊缴费申报、社保费申报（核定）或工程项目社保费申报",
                              field="申报菜单", code="INVALID_CHANNEL")
    return channel  # type: ignore[return-value]


def _prep_ids(ids: Sequence[str], *, allow_empty: bool = False) -> list[str]:
    if isinstance(ids, str | bytes):
        raise ValidationError("应为预处理信息编号的列表", field="预处理信息")
    out = []
    for i in ids:
        if not isinstance(i, str) or not _PREP_ID.fullmatch(i):
            raise ValidationError("预处理信息编号格式不正确", field="预处理信息", code="INVALID_PATH_PART")
        out.append(i)
    if not out and not allow_empty:
        raise ValidationError("请先勾选预处理信息", field="预处理信息")
    return out


def _money(value: Any, places: str = "0.01") -> Decimal:
    if isinstance(value, float | bool):
        raise TypeError(f"money as {type(value).__name__}")
    return Decimal(str(value)).quantize(Decimal(places))


def money_text(total: Decimal) -> str:
    """`total_due` as the bureau takes it: two decimals, no sign, no exponent ("81581.67")."""
    if not isinstance(total, Decimal) or not total.is_finite() or total < 0:
        raise ValidationError("应缴费额合计应为不小于0的金额", field="应缴费额合计")
    return f"{total.quantize(Decimal('0.01')):f}"


def preprocessing_table(data: Any) -> pa.Table:
    """The bureau's answer to GET /preprocessing as an Arrow table of PREP_SCHEMA."""
    if not isinstance(data, list):
        raise _bad("preprocessing: not a list")
    rows = []
    try:
        for item in data:
            row: dict[str, Any] = {k: str(item[k]) for k in _REQUIRED_TEXT}
            for k in _OPTIONAL_TEXT:
                value = item.get(k)
                row[k] = str(value) if value not in (None, "") else None
            if row["status"] not in ROW_STATUSES:
                raise ValueError(f"status {row['status']!r}")
            valid = item.get("valid_until")
            row["valid_until"] = dt.date.fromisoformat(str(valid)[:10]) if valid else None
            row["headcount"] = int(item["headcount"])
            row["base_total"] = _money(item["base_total"])
            row["rate"] = _money(item["rate"], "0.000001")
            row["amount"] = _money(item["amount"])
            row["back_pay"] = bool(item.get("back_pay") or False)
            rows.append(row)
    except (KeyError, TypeError, ValueError, InvalidOperation, AttributeError) as exc:
        raise _bad(f"preprocessing: {exc!r}") from exc
    return pa.Table.from_pylist(rows, schema=PREP_SCHEMA)


def read_lines(body: bytes) -> pa.Table:
    """The lines frame (u64 LE length + Arrow IPC stream) as a table of LINE_SCHEMA (columns the
    bureau leaves out are null; money and rates cast to their exact decimal types)."""
    try:
        (length,) = struct.unpack_from("<Q", body, 0)
        if length > len(body) - 8:
            raise ValueError("frame shorter than its length")
        with pa.ipc.open_stream(pa.py_buffer(memoryview(body)[8:8 + length])) as reader:
            table = reader.read_all()
        columns = []
        for field in LINE_SCHEMA:
            if field.name not in table.column_names:
                columns.append(pa.nulls(table.num_rows, field.type))
                continue
            column = table[field.name]
            if pa.types.is_floating(column.type):
                raise ValueError(f"{field.name} as float")
            columns.append(column if column.type == field.type else pc.cast(column, field.type))
        return pa.table(columns, schema=LINE_SCHEMA)
    except (ValueError, struct.error, pa.ArrowException) as exc:
        raise _bad(f"preprocessing lines: {exc!r}") from exc


@dataclass(frozen=True)
class Submission:
    """The answer to 提交申报: one declaration per data source among the rows, each 待反馈 (the
    records as `client.declaration_records` reads them)."""

    submission_id: str
    channel: str
    submitted_at: str
    declarations: tuple[DeclarationRecord, ...]

    @classmethod
    def from_wire(cls, data: Any) -> Submission:
        try:
            records = required(data, "declarations")
            if not isinstance(records, list) or not records:
                raise ValueError("declarations: not a non-empty list")
            return cls(
                submission_id=str(required(data, "submission_id")),
                channel=str(required(data, "channel")),
                submitted_at=str(required(data, "submitted_at")),
                declarations=tuple(DeclarationRecord.from_wire(r) for r in records),
            )
        except (TypeError, ValueError, AttributeError) as exc:
            raise _bad(f"submission: {exc!r}") from exc


def submit_body(channel: Channel, prep_ids: Sequence[str], total_due: Decimal) -> dict[str, Any]:
    """The POST body, checked: `{"channel", "prep_ids", "total_due"}` (the service keeps it as is)."""
    ids = _prep_ids(prep_ids)
    if len(ids) > MAX_IDS:
        raise ValidationError(f"一次最多申报{MAX_IDS}条预处理信息，请分批提交", field="预处理信息",
                              code="TOO_MANY_ROWS")
    if len(set(ids)) != len(ids):
        raise ValidationError("预处理信息有重复", field="预处理信息")
    return {"channel": _channel(channel), "prep_ids": ids, "total_due": money_text(total_due)}


def _id_batches(ids: list[str]) -> list[list[str]]:
    """`ids` cut so that each batch's comma-joined text stays within what the bureau takes."""
    batches: list[list[str]] = []
    current: list[str] = []
    size = 0
    for i in ids:
        if current and size + len(i) + 1 > _MAX_IDS_CHARS:
            batches.append(current)
            current, size = [], 0
        current.append(i)
        size += len(i) + 1
    if current:
        batches.append(current)
    return batches


class DeclarationsApi:
    """`client.declarations`."""

    def __init__(self, http: Http) -> None:
        self._http = http

    def preprocessing(self, unit_id: str, channel: Channel) -> pa.Table:
        """The rows the page of `channel` offers (declared ones too, with their status), PREP_SCHEMA."""
        data = self._http.get_json(path("units", unit_part(unit_id), "preprocessing"),
                                   params={"channel": _channel(channel)})
        return preprocessing_table(data)

    def preprocessing_lines(self, unit_id: str, ids: Sequence[str] | None = None) -> pa.Table:
        """The per-employee lines of the given rows (None: every row of the unit), LINE_SCHEMA. Many
        ids go in several requests (the bureau takes at most 20,000 characters of ids)."""
        url = path("units", unit_part(unit_id), "preprocessing", "lines")
        wanted = None if ids is None else _prep_ids(ids, allow_empty=True)
        if wanted is not None and not wanted:
            return LINE_SCHEMA.empty_table()
        parts = []
        for batch in ([None] if wanted is None else _id_batches(wanted)):
            response = self._http.request("GET", url, params={"ids": ",".join(batch) if batch else None},
                                          headers={"Accept": MEDIA_LINES}, policy=BULK)
            parts.append(read_lines(response.content))
        return parts[0] if len(parts) == 1 else pa.concat_tables(parts)

    def records(self, unit_id: str, start: dt.date | None = None, end: dt.date | None = None,
                kind: Literal["fees", "project"] | None = None) -> tuple[DeclarationRecord, ...]:
        """申报记录 declared from `start` to `end` (both included; None: no bound), newest first: the same
        call as `client.declaration_records.list` (one reader of the record), here for this API's callers."""
        return DeclarationRecordsApi(self._http).list(unit_id, start, end, kind)

    def submit(self, unit_id: str, channel: Channel, prep_ids: Sequence[str], total_due: Decimal, *,
               key: str) -> Submission:
        """提交申报 of whole groups with the Idempotency-Key `key` (32 hex characters, made and kept by
        the caller). The bureau answers 202 with one declaration per data source, each 待反馈."""
        return self.send(unit_id, submit_body(channel, prep_ids, total_due), key=key)

    def send(self, unit_id: str, body: dict[str, Any], *, key: str) -> Submission:
        """Send a body made by `submit_body` (a kept one, re-sent as it was) with its key."""
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise ValueError("the idempotency key must be 32 lower-case hex characters")
        data = self._http.send_json("POST", path("units", unit_part(unit_id), "declarations"), body,
                                    idempotency_key=key, policy=SUBMIT)
        return Submission.from_wire(data)
