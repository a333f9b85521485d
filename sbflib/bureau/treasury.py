"""What has been paid into the treasury (入库), as the certificates, payment proofs and refunds see it.

The 征收子系统 (`collection.treasury_items(cur, unit_id, date_from, date_to)`, H6) tells which items have
arrived: one per declared row paid (its declaration, unit number, item, payer and period), and the
demo's payments made in other channels (no declaration). Without it, a declaration marked 已缴费 counts as
paid and arrived on its decision date. An item of a declaration is keyed `<declaration_id>-<prep_id>`
(so its per-employee lines can be found); another one by its arrival ID.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import duckdb

from .regions import REGIONS
from .store import BureauStore, first_row

PAID = "已缴费"
_EARLIEST = dt.date(2000, 1, 1)
_FAR = dt.date(2999, 12, 31)


def _collection(attr: str) -> Callable[..., Any] | None:
    """A function of the 征收子系统 module, when it is there."""
    try:
        module = importlib.import_module("sbflib.bureau.collection")
    except ModuleNotFoundError as exc:
        if exc.name != "sbflib.bureau.collection":
            raise
        return None
    fn = getattr(module, attr, None)
    return fn if callable(fn) else None


def prepare(store: BureauStore, unit_id: str) -> None:
    """Before reading: the 征收子系统's demo history of the unit (payments in other channels), once."""
    ensure = _collection("ensure_history")
    if ensure is not None:
        ensure(store, unit_id)


_ROWS_SQL = """
    SELECT d.pay_status, d.declaration_id || '-' || r.prep_id AS item_key, d.declaration_id, d.voucher_no, d.tax_authority,
           r.prep_id, r.unit_number, r.agency, r.item_code, r.item_name, r.subitem_name, r.payer,
           r.period_start, r.period_end, r.amount, CAST(coalesce(d.decided_at, d.submitted_at) AS DATE) AS day
    FROM declarations d JOIN declaration_rows r ON r.declaration_id = d.declaration_id
    WHERE d.unit_id = ? AND d.status IN ('申报成功', '作废中') AND r.amount > 0
    ORDER BY d.voucher_no, r.unit_number, r.item_code, r.payer, r.period_start
"""
_ROW_COLUMNS = ("pay_status", "item_key", "declaration_id", "voucher_no", "tax_authority", "prep_id", "unit_number", "agency",
                "item_code", "item_name", "subitem_name", "payer", "period_start", "period_end", "amount", "day")


def _declared_rows(cur: duckdb.DuckDBPyConnection, unit_id: str) -> list[dict[str, Any]]:
    """Every declared row (with an amount) of the unit's successful declarations, with its pay status."""
    out = []
    for row in cur.execute(_ROWS_SQL, [unit_id]).fetchall():
        rec = dict(zip(_ROW_COLUMNS, row, strict=True))
        rec["paid_on"] = rec["arrived_on"] = rec.pop("day")
        out.append(rec)
    return out


def paid_rows(cur: duckdb.DuckDBPyConnection, unit_id: str) -> list[dict[str, Any]]:
    """Declared rows of the unit known to be paid: of declarations 已缴费, and those in the treasury."""
    arrived = {i["item_key"] for i in items(cur, unit_id)}
    return [{k: v for k, v in r.items() if k != "pay_status"} for r in _declared_rows(cur, unit_id)
            if r["pay_status"] == PAID or r["item_key"] in arrived]


def _month(value: Any) -> str:
    text = str(value)
    return text[:7]


def items(cur: duckdb.DuckDBPyConnection, unit_id: str) -> list[dict[str, Any]]:
    """The unit's items in the treasury: item_key, declaration_id, voucher_no (应征凭证序号), tax_authority,
    unit_number, agency, item_code, item_name, subitem_name, payer, period_start, period_end (YYYY-MM),
    amount and late_fee (滞纳金) (Decimal), paid_on, arrived_on (dates)."""
    rows = _declared_rows(cur, unit_id)
    source = _collection("treasury_items")
    if source is None:
        return [{**{k: v for k, v in r.items() if k != "pay_status"}, "late_fee": Decimal("0.00")}
                for r in rows if r["pay_status"] == PAID]
    arrived = source(cur, unit_id, _EARLIEST, _FAR)
    by_declaration: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_declaration.setdefault(r["declaration_id"], []).append(r)
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for a in arrived:
        declaration_id = a.get("declaration_id")
        candidates = by_declaration.get(str(declaration_id), []) if declaration_id else []
        match = next((r for r in candidates if r["item_key"] not in seen and r["item_code"] == a.get("item_code")
                      and r["payer"] == a.get("payer", r["payer"])
                      and r["unit_number"] == a.get("unit_number", r["unit_number"])
                      and r["period_start"] == _month(a.get("period_start", r["period_start"]))), None)
        if match is not None:
            rec = {k: v for k, v in match.items() if k != "pay_status"}
        else:  # an arrival the declarations do not explain (other channels): kept as the 征收子系统 says
            key = str(a.get("arrival_id") or f"{a.get('voucher_no')}-{a.get('item_code')}-{a.get('period_start')}")
            rec = {"item_key": key, "declaration_id": declaration_id, "prep_id": None,
                   "unit_number": a.get("unit_number") or "", "agency": a.get("agency") or "",
                   "item_code": a.get("item_code") or "", "item_name": a.get("item_name") or "",
                   "subitem_name": a.get("subitem_name") or a.get("item_name") or "",
                   "payer": a.get("payer") or "unit", "period_start": _month(a.get("period_start")),
                   "period_end": _month(a.get("period_end") or a.get("period_start"))}
        rec["voucher_no"] = str(a.get("voucher_no") or rec.get("voucher_no") or "")
        rec["tax_authority"] = a.get("tax_authority") or rec.get("tax_authority") or ""
        rec["amount"] = Decimal(str(a.get("amount", rec.get("amount", "0"))))
        rec["late_fee"] = Decimal(str(a.get("late_fee") or "0.00"))
        rec["paid_on"] = _date(a.get("paid_on")) or rec.get("paid_on")
        rec["arrived_on"] = _date(a.get("arrived_on")) or rec["paid_on"]
        seen.add(rec["item_key"])
        out.append(rec)
    return out


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    return dt.date.fromisoformat(str(value)[:10])


def overlaps(item: dict[str, Any], month_from: str | None, month_to: str | None) -> bool:
    """An item's period (YYYY-MM) meets the months asked for (either end may be open)."""
    return (month_to is None or item["period_start"] <= month_to) and (
        month_from is None or item["period_end"] >= month_from)


def unit_facts(cur: duckdb.DuckDBPyConnection, unit_id: str) -> dict[str, str]:
    """Taxpayer ID and name, tax authority, and the district (行政区划) of the unit's tax authority."""
    row = first_row(cur.execute("SELECT taxpayer_id, name, region, coalesce(tax_authority, '') FROM units "
                                "WHERE unit_id = ?", [unit_id]))
    if row is None:
        from .errors import unit_not_found

        raise unit_not_found(unit_id)
    taxpayer_id, name, region, authority = row
    district_code, district_name = region, ""
    for reg in REGIONS:
        for d in reg.districts:
            if d.tax_authority == authority:
                district_code, district_name = d.area_code, f"{reg.name}{d.name}"
    if not district_name:
        district_name = next((r.name for r in REGIONS if r.code == region), region)
    return {"taxpayer_id": taxpayer_id, "name": name, "region": region, "tax_authority": authority,
            "district_code": district_code, "district_name": district_name}
