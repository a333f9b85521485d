"""The bureau's registry of units (社保费登记信息), regions and notices: plain reads."""

from __future__ import annotations

from typing import Any

from sbflib.domain.ids import check_taxpayer_id

from .errors import Refusal, unit_not_found
from .store import BureauStore


def _rows(cur: Any) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def regions(store: BureauStore) -> list[dict[str, Any]]:
    with store.reading() as cur:
        regs = _rows(cur.execute("SELECT code, name, modules FROM regions ORDER BY code"))
        items = cur.execute(
            "SELECT region, item_code, collection_mode FROM region_items ORDER BY region, item_code"
        ).fetchall()
    for reg in regs:
        reg["collection_modes"] = {code: mode for r, code, mode in items if r == reg["code"]}
    return regs


def known_region(store: BureauStore, code: str) -> str:
    """`code` when it names a region of the regions table, else REGION_NOT_FOUND (never a pattern)."""
    with store.reading() as cur:
        row = cur.execute("SELECT code FROM regions WHERE code = ?", [code]).fetchall()
    if not row:
        raise Refusal(404, "REGION_NOT_FOUND", f"地区{code}不存在")
    return str(row[0][0])


def notices(store: BureauStore, region: str | None) -> list[dict[str, Any]]:
    with store.reading() as cur:
        return _rows(cur.execute(
            "SELECT notice_id, title, published, body FROM notices "
            "WHERE ? IS NULL OR region = ? ORDER BY published DESC, notice_id DESC",
            [region, region],
        ))


def units_of_taxpayer(store: BureauStore, taxpayer_id: str, module: str) -> list[dict[str, Any]]:
    """Units registered under a taxpayer ID (纳税人识别号) for one module."""
    check = check_taxpayer_id(taxpayer_id)
    if not check.ok:
        raise Refusal(400, "TAXPAYER_ID_MALFORMED", check.errors[0])
    with store.reading() as cur:
        units = _rows(cur.execute(
            "SELECT unit_id, taxpayer_id, name, registered_on, taxpayer_status, kind, module, region "
            "FROM units WHERE taxpayer_id = ? AND module = ? ORDER BY unit_id",
            [check.value, module],
        ))
    if not units:
        kind = "代收单位" if module == "collector" else "用人单位"
        raise Refusal(404, "TAXPAYER_NOT_FOUND", f"未查询到纳税人识别号{check.value}的{kind}社保费登记信息")
    return units


def registration(store: BureauStore, unit_id: str) -> dict[str, Any]:
    """社保费登记信息 of a unit with its unit numbers (单位编号)."""
    with store.reading() as cur:
        found = _rows(cur.execute(
            "SELECT unit_id, taxpayer_id, name, module, region, tax_authority, tax_office "
            "FROM units WHERE unit_id = ?",
            [unit_id],
        ))
        if not found:
            raise unit_not_found(unit_id)
        found[0]["unit_numbers"] = _rows(cur.execute(
            "SELECT unit_number, agency, tax_authority FROM unit_numbers WHERE unit_id = ? "
            "ORDER BY unit_number",
            [unit_id],
        ))
    return found[0]


def profile(store: BureauStore, unit_id: str) -> dict[str, Any]:
    """单位信息 (SET-4)."""
    with store.reading() as cur:
        found = _rows(cur.execute(
            "SELECT taxpayer_id, name, tax_authority, finance_officer, legal_representative, industry, "
            "enterprise_type, address, postcode, phone, email, listed FROM units WHERE unit_id = ?",
            [unit_id],
        ))
    if not found:
        raise unit_not_found(unit_id)
    return found[0]
