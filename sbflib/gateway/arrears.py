"""欠费信息 at the bureau (the 征收子系统, manual 2.11): `GET /units/{id}/arrears?pay_date=` (docs/api.md
"Payments").

    client.arrears.list(unit_id, pay_date=None) -> pa.Table   (ARREAR_SCHEMA)

One row per declared item not yet paid, with its pay-by date (缴费期限: the region's, moved past
holidays; a 征集信息's 征集有效日期; a deferrable unit share's deferred deadline), the days left and the
late fee if paid on `pay_date` (default today). Money as decimal128(18, 2) from its text. First used by
首页 (待办 / 异常提醒); the 缴费 page reads the same.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

import pyarrow as pa

from sbflib.errors import ConnectionFailed
from sbflib.gateway.http import MSG_PROTOCOL, Http, path, unit_part

STATUSES = ("未缴费", "锁定", "已开具凭证")

ARREAR_SCHEMA = pa.schema([
    ("arrear_id", pa.string()),
    ("declaration_id", pa.string()),
    ("voucher_no", pa.string()),        # 应征凭证序号
    ("source_code", pa.string()),
    ("source_name", pa.string()),
    ("tax_authority", pa.string()),
    ("declared_on", pa.date32()),
    ("prep_id", pa.string()),
    ("unit_number", pa.string()),
    ("agency", pa.string()),
    ("item_code", pa.string()),
    ("item_name", pa.string()),
    ("subitem_name", pa.string()),
    ("payer", pa.string()),
    ("period_start", pa.string()),
    ("period_end", pa.string()),
    ("headcount", pa.int32()),
    ("amount", pa.decimal128(18, 2)),
    ("pay_by", pa.date32()),            # 缴费期限
    ("days_left", pa.int32()),
    ("late_fee", pa.decimal128(18, 2)),
    ("total", pa.decimal128(18, 2)),
    ("deferrable", pa.bool_()),
    ("operation", pa.string()),         # 可缓缴 | 正常缴费
    ("status", pa.string()),            # 未缴费 | 锁定 | 已开具凭证
    ("locked_by", pa.string()),
    ("bank_voucher_no", pa.string()),
])

_TEXT = ("arrear_id", "declaration_id", "voucher_no", "source_code", "source_name", "tax_authority", "prep_id",
         "unit_number", "agency", "item_code", "item_name", "subitem_name", "payer", "period_start", "period_end",
         "operation", "status")
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


def arrears_table(data: Any) -> pa.Table:
    """The bureau's answer as an Arrow table of ARREAR_SCHEMA; anything malformed is BAD_RESPONSE."""
    if not isinstance(data, list):
        raise _bad("arrears: not a list")
    rows = []
    try:
        for item in data:
            row: dict[str, Any] = {k: str(item[k]) for k in _TEXT}
            if row["status"] not in STATUSES:
                raise ValueError(f"status {row['status']!r}")
            row["declared_on"] = dt.date.fromisoformat(str(item["declared_on"])[:10])
            row["pay_by"] = dt.date.fromisoformat(str(item["pay_by"])[:10])
            row["headcount"] = int(item["headcount"])
            row["days_left"] = int(item["days_left"])
            row["amount"] = _money(item["amount"])
            row["late_fee"] = _money(item["late_fee"])
            row["total"] = _money(item["total"])
            if row["total"] != row["amount"] + row["late_fee"]:
                raise ValueError("total is not amount + late_fee")
            row["deferrable"] = bool(item["deferrable"])
            row["locked_by"] = str(item["locked_by"]) if item.get("locked_by") else None
            row["bank_voucher_no"] = str(item["bank_voucher_no"]) if item.get("bank_voucher_no") else None
            rows.append(row)
    except (KeyError, TypeError, ValueError, InvalidOperation, AttributeError) as exc:
        raise _bad(f"arrears: {exc!r}") from exc
    return pa.Table.from_pylist(rows, schema=ARREAR_SCHEMA)


class ArrearsApi:
    """`client.arrears`."""

    def __init__(self, http: Http) -> None:
        self._http = http

    def list(self, unit_id: str, pay_date: dt.date | None = None) -> pa.Table:
        """The unit's arrears; late fees as if paid on `pay_date` (None: today)."""
        params = {"pay_date": pay_date.isoformat() if pay_date else None}
        data = self._http.get_json(path("units", unit_part(unit_id), "arrears"), params=params)
        return arrears_table(data)
