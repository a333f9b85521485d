"""社保费应缴信息 (manual 2.21) at the bureau: `GET /units/{id}/payables?from=&to=` (docs/api.md).

    client.payables.list(unit_id, start=None, end=None) -> pa.Table   (PAYABLE_SCHEMA)

Rows by 申报生成日期 (`created_on`), newest first; money as decimal128(18, 2) from its text, the
rate as decimal128(9, 6), so nothing passes through float.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

import pyarrow as pa

from sbflib.errors import ConnectionFailed
from sbflib.gateway.http import MSG_PROTOCOL, Http, path, unit_part

STATUSES = ("初始", "申报中", "申报成功", "销账", "已生成待批扣清册")

PAYABLE_SCHEMA = pa.schema([
    ("payable_id", pa.string()),
    ("prep_id", pa.string()),
    ("declaration_id", pa.string()),
    ("created_on", pa.date32()),
    ("status", pa.string()),
    ("source_code", pa.string()),
    ("source_name", pa.string()),
    ("kind", pa.string()),
    ("unit_number", pa.string()),
    ("item_code", pa.string()),
    ("item_name", pa.string()),
    ("payer", pa.string()),
    ("period_start", pa.string()),
    ("period_end", pa.string()),
    ("headcount", pa.int32()),
    ("base_total", pa.decimal128(18, 2)),
    ("rate", pa.decimal128(9, 6)),
    ("amount", pa.decimal128(18, 2)),
])

_TEXT = ("payable_id", "prep_id", "status", "source_code", "source_name", "kind", "unit_number", "item_code",
         "item_name", "payer", "period_start", "period_end")


def _bad(detail: str) -> ConnectionFailed:
    return ConnectionFailed(MSG_PROTOCOL, detail=detail, code="BAD_RESPONSE")


def _decimal(value: Any, places: str) -> Decimal:
    return Decimal(str(value)).quantize(Decimal(places))


def payables_table(data: Any) -> pa.Table:
    """The bureau's answer as an Arrow table of PAYABLE_SCHEMA; anything malformed is BAD_RESPONSE."""
    if not isinstance(data, list):
        raise _bad("payables: not a list")
    rows = []
    try:
        for item in data:
            row: dict[str, Any] = {k: str(item[k]) for k in _TEXT}
            if row["status"] not in STATUSES:
                raise ValueError(f"status {row['status']!r}")
            row["declaration_id"] = str(item["declaration_id"]) if item.get("declaration_id") else None
            row["created_on"] = dt.date.fromisoformat(str(item["created_on"])[:10])
            row["headcount"] = int(item["headcount"])
            row["base_total"] = _decimal(item["base_total"], "0.01")
            row["rate"] = _decimal(item["rate"], "0.000001")
            row["amount"] = _decimal(item["amount"], "0.01")
            rows.append(row)
    except (KeyError, TypeError, ValueError, InvalidOperation, AttributeError) as exc:
        raise _bad(f"payables: {exc!r}") from exc
    return pa.Table.from_pylist(rows, schema=PAYABLE_SCHEMA)


class PayablesApi:
    """`client.payables`."""

    def __init__(self, http: Http) -> None:
        self._http = http

    def list(self, unit_id: str, start: dt.date | None = None, end: dt.date | None = None) -> pa.Table:
        """The unit's 应缴信息 generated from `start` to `end` (both included; None: no bound)."""
        params = {"from": start.isoformat() if start else None, "to": end.isoformat() if end else None}
        data = self._http.get_json(path("units", unit_part(unit_id), "payables"), params=params)
        return payables_table(data)
