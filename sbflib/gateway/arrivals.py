"""社保费到账信息 (manual 2.22) at the bureau: `GET /units/{id}/arrivals?from=&to=` (docs/api.md).

    client.arrivals.list(unit_id, start=None, end=None) -> pa.Table   (ARRIVAL_SCHEMA)

Rows by 到账（入库）日期 (`arrived_on`); money as decimal128(18, 2) from its text, so nothing passes
through float. A column the bureau leaves out that is not needed to tell an arrival apart
(`late_fee`, `declaration_id`, `unit_number`, `agency`, `subitem_name`, `tax_authority`) comes as
null or zero, `status` as 已到账; a `total` that is not `amount + late_fee`, or anything else
malformed, is BAD_RESPONSE.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

import pyarrow as pa

from sbflib.errors import ConnectionFailed
from sbflib.gateway.http import MSG_PROTOCOL, Http, path, unit_part

#: 缴费渠道 as the bureau names them (contracts: 三方协议 / 银行端凭证 / 其他渠道).
CHANNELS = ("三方协议", "银行端凭证", "其他渠道")
PAYERS = ("unit", "personal")

ARRIVAL_SCHEMA = pa.schema([
    ("arrival_id", pa.string()),
    ("voucher_no", pa.string()),        # 应征凭证序号
    ("declaration_id", pa.string()),
    ("unit_number", pa.string()),
    ("agency", pa.string()),            # 社保经办机构
    ("item_code", pa.string()),
    ("item_name", pa.string()),
    ("subitem_name", pa.string()),      # 征收品目
    ("payer", pa.string()),             # unit | personal
    ("period_start", pa.string()),
    ("period_end", pa.string()),
    ("amount", pa.decimal128(18, 2)),
    ("late_fee", pa.decimal128(18, 2)),
    ("paid_on", pa.date32()),
    ("arrived_on", pa.date32()),
    ("channel", pa.string()),
    ("tax_authority", pa.string()),
    ("status", pa.string()),            # 到账状态
])

_TEXT = ("arrival_id", "voucher_no", "item_code", "item_name", "payer", "period_start", "period_end", "channel")
_OPTIONAL_TEXT = ("declaration_id", "unit_number", "agency", "subitem_name", "tax_authority", "status")
_CENT = Decimal("0.01")


def _bad(detail: str) -> ConnectionFailed:
    return ConnectionFailed(MSG_PROTOCOL, detail=detail, code="BAD_RESPONSE")


def _money(value: Any) -> Decimal:
    if isinstance(value, float):
        raise TypeError("money as a float")
    amount = Decimal(str(value))
    if not amount.is_finite():
        raise ValueError(f"money {value!r}")
    return amount.quantize(_CENT)


def _date(value: Any) -> dt.date:
    return dt.date.fromisoformat(str(value)[:10])


def arrivals_table(data: Any) -> pa.Table:
    """The bureau's answer as an Arrow table of ARRIVAL_SCHEMA; anything malformed is BAD_RESPONSE."""
    if not isinstance(data, list):
        raise _bad("arrivals: not a list")
    rows = []
    try:
        for item in data:
            row: dict[str, Any] = {k: str(item[k]) for k in _TEXT}
            for key in _OPTIONAL_TEXT:
                row[key] = str(item[key]) if item.get(key) not in (None, "") else None
            if row["payer"] not in PAYERS:
                raise ValueError(f"payer {row['payer']!r}")
            row["amount"] = _money(item["amount"])
            row["late_fee"] = _money(item.get("late_fee") or "0")
            if item.get("total") is not None and _money(item["total"]) != row["amount"] + row["late_fee"]:
                raise ValueError(f"total {item['total']!r} is not amount + late_fee")
            row["status"] = row["status"] or "已到账"
            row["paid_on"] = _date(item["paid_on"]) if item.get("paid_on") else None
            row["arrived_on"] = _date(item["arrived_on"])
            rows.append(row)
    except (KeyError, TypeError, ValueError, InvalidOperation, AttributeError) as exc:
        raise _bad(f"arrivals: {exc!r}") from exc
    return pa.Table.from_pylist(rows, schema=ARRIVAL_SCHEMA)


class ArrivalsApi:
    """`client.arrivals`."""

    def __init__(self, http: Http) -> None:
        self._http = http

    def list(self, unit_id: str, start: dt.date | None = None, end: dt.date | None = None) -> pa.Table:
        """The unit's 到账信息 that arrived from `start` to `end` (both included; None: no bound)."""
        params = {"from": start.isoformat() if start else None, "to": end.isoformat() if end else None}
        data = self._http.get_json(path("units", unit_part(unit_id), "arrivals"), params=params)
        return arrivals_table(data)
