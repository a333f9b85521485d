"""Contribution-wage filings (缴费工资申报) at the bureau: submit a filing, list the filings, read one
with its lines (docs: the wire contract of issue 8).

    client.wages.submit(unit_id, kind, way, tax_authority, lines, key=...)  -> WageFiling (待反馈)
    client.wages.list(unit_id, start=None, end=None)                         -> tuple[WageFiling, ...]
    client.wages.detail(unit_id, filing_id)                                   -> WageFilingDetail

A filing's lines travel as an Arrow table both ways (no Python object per line on our side beyond
what the JSON encoder needs). `submit` takes the Idempotency-Key from the caller (`Http.request`'s
`idempotency_key`): the service stores it on the rows before sending, so a submit whose answer was
lost (even across a restart) is sent again, byte for byte, with the same key and the bureau answers
with the filing it already made.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc

from sbflib.errors import ConnectionFailed, ValidationError
from sbflib.gateway.http import MSG_PROTOCOL, SUBMIT, Http, path, required, unit_part

Kind = Literal["daily", "annual"]
Way = Literal["employee", "item"]

#: A filing of 100,000 lines is sent and answered well within this (the bureau checks and stores
#: the lines before answering 202); retries of the same key share it.

_FILING_ID = re.compile(r"[A-Za-z0-9_\-]{1,64}")
_KEY = re.compile(r"[0-9a-f]{32}")

#: The lines of a filing as the service hands them over.
SUBMIT_SCHEMA = pa.schema([
    ("employee_id", pa.string()),
    ("item_code", pa.string()),
    ("wage", pa.decimal128(18, 2)),
    ("month", pa.string()),
])

#: The lines of a filing as `detail` returns them.
LINE_SCHEMA = pa.schema([
    ("line_no", pa.int32()),
    ("employee_id", pa.string()),
    ("name", pa.string()),
    ("id_type", pa.string()),
    ("id_number", pa.string()),
    ("item_code", pa.string()),
    ("item_name", pa.string()),
    ("old_wage", pa.decimal128(18, 2)),
    ("new_wage", pa.decimal128(18, 2)),
    ("base", pa.decimal128(18, 2)),
    ("month", pa.string()),
    ("status", pa.string()),
    ("reason", pa.string()),
])
_MONEY_COLUMNS = ("old_wage", "new_wage", "base")


def filing_part(filing_id: object) -> str:
    if not isinstance(filing_id, str) or not _FILING_ID.fullmatch(filing_id):
        raise ValidationError("申报记录编号格式不正确", field="申报记录", code="INVALID_PATH_PART")
    return filing_id


def _bad(detail: str) -> ConnectionFailed:
    return ConnectionFailed(MSG_PROTOCOL, detail=detail, code="BAD_RESPONSE")


@dataclass(frozen=True)
class WageFiling:
    """One filing (缴费工资申报记录) as the bureau keeps it."""

    filing_id: str
    submitted_at: str
    kind: str
    way: str
    tax_authority: str
    employees: int
    lines: int
    status: str              # 待反馈 | 全部申报成功 | 全部申报失败 | 部分申报成功
    decided_at: str | None = None

    @classmethod
    def from_wire(cls, data: Any) -> WageFiling:
        try:
            return cls(
                filing_id=str(required(data, "filing_id")),
                submitted_at=str(required(data, "submitted_at")),
                kind=str(required(data, "kind")),
                way=str(required(data, "way")),
                tax_authority=str(data.get("tax_authority") or ""),
                employees=int(data.get("employees") or 0),
                # In a filing's detail `lines` holds the lines themselves rather than their count.
                lines=len(data["lines"]) if isinstance(data.get("lines"), list) else int(data.get("lines") or 0),
                status=str(required(data, "status")),
                decided_at=str(data["decided_at"]) if data.get("decided_at") else None,
            )
        except (TypeError, ValueError, AttributeError) as exc:
            raise _bad(f"wage filing: {exc!r}") from exc


@dataclass(frozen=True)
class WageFilingDetail:
    """A filing and its lines (LINE_SCHEMA; money as decimal128(18, 2))."""

    filing: WageFiling
    lines: pa.Table


def lines_table(rows: Any) -> pa.Table:
    """The `lines` of a filing's answer as an Arrow table of LINE_SCHEMA (money from its text)."""
    if not isinstance(rows, list):
        raise _bad("wage filing lines: not a list")
    try:
        wire = pa.Table.from_pylist(rows) if rows else LINE_SCHEMA.empty_table()
        columns = []
        for field in LINE_SCHEMA:
            if field.name not in wire.column_names:
                columns.append(pa.nulls(wire.num_rows, field.type))
                continue
            column = wire[field.name]
            if field.name in _MONEY_COLUMNS:
                if not pa.types.is_decimal(column.type):
                    column = pc.cast(pc.cast(column, pa.string()), pa.decimal128(18, 2))
                column = pc.cast(column, field.type)
            else:
                column = pc.cast(column, field.type)
            columns.append(column)
        return pa.table(columns, schema=LINE_SCHEMA)
    except (pa.ArrowException, TypeError, ValueError) as exc:
        raise _bad(f"wage filing lines: {exc!r}") from exc


def _wire_lines(lines: pa.Table) -> list[dict[str, Any]]:
    """The `lines` of a submit body: wages as text with two decimals ("1234.00")."""
    missing = [n for n in SUBMIT_SCHEMA.names if n not in lines.column_names]
    if missing:
        raise ValueError(f"lines lack {missing}")
    table = lines.select(SUBMIT_SCHEMA.names).cast(SUBMIT_SCHEMA)
    wage = pc.cast(table["wage"], pa.string())
    table = table.set_column(2, "wage", wage)
    return table.to_pylist()


class WagesApi:
    """`client.wages`."""

    def __init__(self, http: Http) -> None:
        self._http = http

    def submit(self, unit_id: str, kind: Kind, way: Way, tax_authority: str, lines: pa.Table, *,
               key: str) -> WageFiling:
        """Send one filing (`lines`: SUBMIT_SCHEMA columns) with the Idempotency-Key `key` (32 hex
        characters, made and kept by the caller; a retry of the same submit reuses it). The bureau
        answers 202 with the filing 待反馈."""
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise ValueError("the idempotency key must be 32 lower-case hex characters")
        body = {"kind": kind, "way": way, "tax_authority": tax_authority, "lines": _wire_lines(lines)}
        data = self._http.send_json("POST", path("units", unit_part(unit_id), "wage-filings"), body,
                                    idempotency_key=key, policy=SUBMIT)
        return WageFiling.from_wire(data)

    def list(self, unit_id: str, start: dt.date | None = None, end: dt.date | None = None) -> tuple[WageFiling, ...]:
        """The unit's filings submitted from `start` to `end` (both included; None: no bound)."""
        params = {"from": start.isoformat() if start else None, "to": end.isoformat() if end else None}
        data = self._http.get_json(path("units", unit_part(unit_id), "wage-filings"), params=params)
        if not isinstance(data, list):
            raise _bad("wage filings: not a list")
        return tuple(WageFiling.from_wire(item) for item in data)

    def detail(self, unit_id: str, filing_id: str) -> WageFilingDetail:
        """One filing with its lines (each 成功/失败 with its reason once decided)."""
        data = self._http.get_json(path("units", unit_part(unit_id), "wage-filings", filing_part(filing_id)),
                                   policy=SUBMIT)
        filing = WageFiling.from_wire(data)
        return WageFilingDetail(filing, lines_table(data.get("lines") or []))
