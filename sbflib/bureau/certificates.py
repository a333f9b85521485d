"""Tax certificates (税收完税证明（非印刷）, manual 2.14 开具, 2.15 补开, 2.26 查验) and payment proofs
(职工缴费证明 2.16, 单位缴费证明 2.17).

A certificate covers one 电子税票: the items of one payment (应征凭证序号) that are in the treasury
(`treasury.items`). 开具 issues it once with an 电子税票号码 (certificate_no), a 票证字轨 and 票证号码;
补开 gives the same certificate again (same number, same lines and amounts, same 开具日期), marked 补开,
and counts the prints (第N次打印). 查验 answers whether a paper certificate's fields (纳税人识别号, 纳税人名称,
票证种类, 电子税票号码, 行政区划, 金额合计; 主管税务机关, 票证字轨, 票证号码 when given) are those of an issued one.

Payment proofs list what was paid and is in the treasury, per employee and month (from the declared
per-employee lines) or per unit number, item and payer; when nothing is found they say which of the
manual's reasons holds.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import duckdb

from sbflib.domain import clock

from . import treasury
from .errors import Refusal
from .store import BureauStore, first_row

TICKET_KIND = "税收完税证明（非印刷）"
ISSUER = "单位社保费管理客户端"
NORMAL = "正常"
_PROVINCE_SHORT = {"33": "浙", "44": "粤", "31": "沪"}
_CITY_TREASURY = {"330100": "国家金库杭州市中心支库", "440300": "国家金库深圳市分库", "310100": "国家金库上海市分库"}
_CERT_COLUMNS = ("certificate_no, unit_id, taxpayer_id, taxpayer_name, region_code, region_name, tax_authority, "
                 "treasury, ticket_track, ticket_no, voucher_no, issued_on, issued_at, issuer, total, status, "
                 "prints, last_printed_at")
_ITEM_COLUMNS = ("seq, item_key, voucher_no, item_code, item_name, subitem_name, period_start, period_end, "
                 "paid_on, arrived_on, amount")
EMPLOYEE_REASONS = (
    "未查询到该职工的登记信息，即职工参保信息中不存在该人员",
    "职工在输入的费款所属期内未完成社保费缴纳",
    "缴纳的费款未入库",
)
UNIT_REASONS = EMPLOYEE_REASONS[1:]
MAX_PROOF_ROWS = 20_000


def _names(columns: str) -> list[str]:
    return [c.strip() for c in columns.split(",")]


def _tickets(cur: duckdb.DuckDBPyConnection, unit_id: str) -> dict[str, list[dict[str, Any]]]:
    """The unit's treasury items grouped by 应征凭证序号 (one 电子税票 each)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for item in treasury.items(cur, unit_id):
        out.setdefault(item["voucher_no"], []).append(item)
    return out


def _issued_by_voucher(cur: duckdb.DuckDBPyConnection, unit_id: str) -> dict[str, str]:
    return dict(cur.execute("SELECT voucher_no, certificate_no FROM tax_certificates WHERE unit_id = ?",
                            [unit_id]).fetchall())


def _check_months(month_from: str | None, month_to: str | None) -> None:
    if month_from and month_to and month_from > month_to:
        raise Refusal(422, "PERIOD_INVALID", "费款所属期起不能晚于费款所属期止")


def issuable(store: BureauStore, unit_id: str, month_from: str | None, month_to: str | None) -> list[dict[str, Any]]:
    """开具 list: one row per 电子税票 whose items' 费款所属期 meet the months, issued or not."""
    treasury.prepare(store, unit_id)
    _check_months(month_from, month_to)
    with store.reading() as cur:
        facts = treasury.unit_facts(cur, unit_id)
        tickets = _tickets(cur, unit_id)
        issued = _issued_by_voucher(cur, unit_id)
    out = []
    for voucher_no, found in tickets.items():
        if not any(treasury.overlaps(i, month_from, month_to) for i in found):
            continue
        out.append({
            "voucher_no": voucher_no, "taxpayer_id": facts["taxpayer_id"], "taxpayer_name": facts["name"],
            "tax_authority": found[0]["tax_authority"] or facts["tax_authority"],
            "period_start": min(i["period_start"] for i in found), "period_end": max(i["period_end"] for i in found),
            "items": len(found),
            "total": sum((i["amount"] + i.get("late_fee", Decimal("0.00")) for i in found), Decimal("0.00")),
            "paid_on": max(i["paid_on"] for i in found), "arrived_on": max(i["arrived_on"] for i in found),
            "status": "已开具" if voucher_no in issued else "未开具", "certificate_no": issued.get(voucher_no),
        })
    out.sort(key=lambda r: (r["period_start"], r["voucher_no"]))
    return out


def _certificate(cur: duckdb.DuckDBPyConnection, certificate_no: str) -> dict[str, Any] | None:
    row = first_row(cur.execute(f"SELECT {_CERT_COLUMNS} FROM tax_certificates WHERE certificate_no = ?",
                                [certificate_no]))
    if row is None:
        return None
    rec = dict(zip(_names(_CERT_COLUMNS), row, strict=True))
    rec["items"] = [dict(zip(_names(_ITEM_COLUMNS), r, strict=True)) for r in cur.execute(
        f"SELECT {_ITEM_COLUMNS} FROM tax_certificate_items WHERE certificate_no = ? ORDER BY seq",
        [certificate_no]).fetchall()]
    rec["ticket_kind"] = TICKET_KIND
    rec["period_start"] = min((i["period_start"] for i in rec["items"]), default=None)
    rec["period_end"] = max((i["period_end"] for i in rec["items"]), default=None)
    return rec


def _own(cur: duckdb.DuckDBPyConnection, unit_id: str, certificate_no: str) -> dict[str, Any]:
    rec = _certificate(cur, certificate_no)
    if rec is None or rec["unit_id"] != unit_id:
        raise Refusal(404, "CERTIFICATE_NOT_FOUND", f"未找到本单位的税收完税证明{certificate_no}")
    return rec


def _printed(rec: dict[str, Any], reissue: bool) -> dict[str, Any]:
    rec = {k: v for k, v in rec.items() if k != "unit_id"}
    rec["reissue"] = reissue
    rec["print_label"] = f"第{rec['prints']}次打印"
    return rec


def _certificate_lines(found: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """The certificate's lines (without seq): each item, and its 滞纳金 as a line of its own when there is one."""
    out: list[tuple[Any, ...]] = []
    for i in sorted(found, key=lambda i: (i["period_start"], i["item_code"], i["payer"])):
        common = (i["voucher_no"], i["item_code"])
        dates = (i["period_start"], i["period_end"], i["paid_on"], i["arrived_on"])
        out.append((i["item_key"], *common, i["item_name"], i["subitem_name"], *dates, i["amount"]))
        if i.get("late_fee"):
            out.append((i["item_key"] + "|滞纳金", *common, "滞纳金", f"{i['item_name']}滞纳金", *dates, i["late_fee"]))
    return out


def issue(store: BureauStore, unit_id: str, voucher_no: str) -> dict[str, Any]:
    """开具: the certificate of one 电子税票, once. Refused when nothing of it is in the treasury, or when it
    was issued already (then 补开)."""
    treasury.prepare(store, unit_id)
    now = clock.now()
    with store.writing() as cur:
        facts = treasury.unit_facts(cur, unit_id)
        found = _tickets(cur, unit_id).get(voucher_no)
        if not found:
            raise Refusal(404, "CERTIFICATE_NOTHING_TO_ISSUE",
                          f"应征凭证序号{voucher_no}没有已入库的费款，不能开具税收完税证明（费款入库后方可开具）")
        done = first_row(cur.execute("SELECT certificate_no FROM tax_certificates WHERE unit_id = ? AND voucher_no = ?",
                                     [unit_id, voucher_no]))
        if done is not None:
            raise Refusal(409, "CERTIFICATE_ALREADY_ISSUED",
                          f"应征凭证序号{voucher_no}的税收完税证明已开具（电子税票号码{done[0]}），如需重新打印请到补开菜单补开")
        seq = cur.execute("SELECT nextval('certificate_seq')").fetchall()[0][0]
        district = facts["district_code"]
        certificate_no = f"3{district}{now:%y}{seq:011d}"[:20]
        province = _PROVINCE_SHORT.get(district[:2], "")
        lines = _certificate_lines(found)
        total = sum((line[-1] for line in lines), Decimal("0.00"))
        cur.execute(f"INSERT INTO tax_certificates ({_CERT_COLUMNS}) VALUES ({', '.join('?' * 18)})", [
            certificate_no, unit_id, facts["taxpayer_id"], facts["name"], district, facts["district_name"],
            found[0]["tax_authority"] or facts["tax_authority"], _CITY_TREASURY.get(facts["region"], "国家金库"),
            f"({now:%Y}){province}证非印", f"{seq:010d}", voucher_no, now.date(), now, ISSUER, total, NORMAL, 1, now])
        cur.executemany(f"INSERT INTO tax_certificate_items (certificate_no, {_ITEM_COLUMNS}) "
                        f"VALUES ({', '.join('?' * 12)})", [(certificate_no, n, *line) for n, line in enumerate(lines, 1)])
        return _printed(_own(cur, unit_id, certificate_no), reissue=False)


def issued(store: BureauStore, unit_id: str, month_from: str | None, month_to: str | None) -> list[dict[str, Any]]:
    """补开 list: the certificates issued to the unit whose items' 费款所属期 meet the months."""
    _check_months(month_from, month_to)
    with store.reading() as cur:
        numbers = [r[0] for r in cur.execute(
            "SELECT c.certificate_no FROM tax_certificates c WHERE c.unit_id = ? AND EXISTS (SELECT 1 FROM "
            "tax_certificate_items i WHERE i.certificate_no = c.certificate_no AND (? IS NULL OR i.period_start <= ?) "
            "AND (? IS NULL OR i.period_end >= ?)) ORDER BY c.issued_at, c.certificate_no",
            [unit_id, month_to, month_to, month_from, month_from]).fetchall()]
        return [_printed(_own(cur, unit_id, n), reissue=False) for n in numbers]


def certificate(store: BureauStore, unit_id: str, certificate_no: str) -> dict[str, Any]:
    with store.reading() as cur:
        return _printed(_own(cur, unit_id, certificate_no), reissue=False)


def reissue(store: BureauStore, unit_id: str, certificate_no: str) -> dict[str, Any]:
    """补开: the issued certificate again, the same number, lines and amounts, marked 补开 (prints + 1)."""
    with store.writing() as cur:
        _own(cur, unit_id, certificate_no)
        cur.execute("UPDATE tax_certificates SET prints = prints + 1, last_printed_at = ? WHERE certificate_no = ?",
                    [clock.now(), certificate_no])
        return _printed(_own(cur, unit_id, certificate_no), reissue=True)


def check(store: BureauStore, fields: dict[str, Any]) -> dict[str, Any]:
    """查验: is there an issued certificate with exactly these paper fields? Optional fields (主管税务机关,
    票证字轨, 票证号码) count when given. Answers `genuine`, a message and, when genuine, the result
    fields and the certificate for the view-only preview."""
    with store.reading() as cur:
        rec = _certificate(cur, fields["certificate_no"].strip())
    wanted = {"taxpayer_id": fields["taxpayer_id"], "taxpayer_name": fields["taxpayer_name"],
              "region_code": fields["region_code"], "tax_authority": fields.get("tax_authority"),
              "ticket_track": fields.get("ticket_track"), "ticket_no": fields.get("ticket_no")}
    genuine = rec is not None and fields["ticket_kind"] == TICKET_KIND and rec["total"] == fields["total"] and all(
        value is None or not str(value).strip() or str(value).strip() == str(rec[key])
        for key, value in wanted.items())
    if not genuine or rec is None:
        return {"genuine": False, "message": "查验不一致：未查询到与所录票面信息一致的税收完税证明，请核对纳税人识别号、"
                "电子税票号码、金额合计等信息；如仍不一致，该证明可能不是税务机关开具的",
                "result": None, "certificate": None}
    result = {"taxpayer_id": rec["taxpayer_id"], "taxpayer_name": rec["taxpayer_name"],
              "certificate_no": rec["certificate_no"], "ticket_kind_name": TICKET_KIND,
              "ticket_track_name": rec["ticket_track"], "treasury": rec["treasury"], "ticket_no": rec["ticket_no"],
              "issued_on": rec["issued_on"], "issuer": rec["issuer"], "status": rec["status"],
              "voided_by": None, "voided_on": None, "void_reason": None}
    return {"genuine": True, "message": "查验一致：该税收完税证明由税务机关开具，票面信息与开具信息一致",
            "result": result, "certificate": _printed(rec, reissue=False)}


# --- payment proofs (缴费证明) ---------------------------------------------------------------------


def unit_proof(store: BureauStore, unit_id: str, month_from: str, month_to: str) -> dict[str, Any]:
    """单位缴费证明: per unit number, item, payer and period, what is paid and in the treasury."""
    treasury.prepare(store, unit_id)
    _check_months(month_from, month_to)
    with store.reading() as cur:
        treasury.unit_facts(cur, unit_id)
        found = [i for i in treasury.items(cur, unit_id) if treasury.overlaps(i, month_from, month_to)]
        paid = [r for r in treasury.paid_rows(cur, unit_id) if treasury.overlaps(r, month_from, month_to)]
    rows = [{"tax_authority": i["tax_authority"], "agency": i["agency"], "unit_number": i["unit_number"],
             "item_code": i["item_code"], "item_name": i["item_name"], "subitem_name": i["subitem_name"],
             "subitem_detail": None, "payer": i["payer"], "payer_name": "单位缴费" if i["payer"] == "unit" else "个人缴费",
             "period_start": i["period_start"], "period_end": i["period_end"], "arrived_on": i["arrived_on"],
             "amount": i["amount"], "voucher_no": i["voucher_no"]}
            for i in sorted(found, key=lambda i: (i["period_start"], i["unit_number"], i["item_code"], i["payer"]))]
    reason = None
    if not rows:
        reason = UNIT_REASONS[1] if paid else UNIT_REASONS[0]
    return {"rows": rows, "reason": reason, "reasons": list(UNIT_REASONS)}


def employee_proof(store: BureauStore, unit_id: str, month_from: str, month_to: str, *, name: str | None,
                   id_type: str | None, id_number: str | None) -> dict[str, Any]:
    """职工缴费证明: per employee, item and month paid and in the treasury, unit and personal parts."""
    treasury.prepare(store, unit_id)
    _check_months(month_from, month_to)
    name, id_number = (name or "").strip() or None, (id_number or "").strip() or None
    if name is None and id_number is None:
        raise Refusal(422, "PROOF_EMPLOYEE_REQUIRED", "请输入职工姓名或证件号码")
    with store.reading() as cur:
        treasury.unit_facts(cur, unit_id)
        people = cur.execute(
            "SELECT employee_id FROM employees WHERE unit_id = ? AND (? IS NULL OR name = ?) "
            "AND (? IS NULL OR id_type = ?) AND (? IS NULL OR id_number = ?)",
            [unit_id, name, name, id_type, id_type, id_number, id_number]).fetchall()
        if not people:
            return {"rows": [], "reason": EMPLOYEE_REASONS[0], "reasons": list(EMPLOYEE_REASONS)}
        arrived = {i["item_key"]: i for i in treasury.items(cur, unit_id)}
        paid = {r["item_key"]: r for r in treasury.paid_rows(cur, unit_id)}
        keys = [k for k in paid if treasury.overlaps(paid[k], month_from, month_to)]
        lines = cur.execute(f"""
            SELECT l.declaration_id || '-' || l.prep_id AS item_key, l.employee_id, e.name, e.id_type, e.id_number,
                   l.month, l.base, l.amount
            FROM declaration_lines l JOIN employees e ON e.unit_id = ? AND e.employee_id = l.employee_id
            WHERE l.declaration_id || '-' || l.prep_id IN (SELECT unnest(?)) AND l.month BETWEEN ? AND ?
              AND l.employee_id IN (SELECT unnest(?))
            ORDER BY l.employee_id, l.month LIMIT {MAX_PROOF_ROWS * 10}
        """, [unit_id, keys, month_from, month_to, [p[0] for p in people]]).fetchall()
    merged: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    not_arrived = False
    for item_key, employee_id, person, kind, number, month, base, amount in lines:
        item = arrived.get(item_key)
        if item is None:
            not_arrived = True
            continue
        key = (employee_id, item["unit_number"], item["item_code"], month)
        row = merged.setdefault(key, {
            "employee_id": employee_id, "name": person, "id_type": kind, "id_number": number,
            "unit_number": item["unit_number"], "agency": item["agency"], "tax_authority": item["tax_authority"],
            "item_code": item["item_code"], "item_name": item["item_name"], "subitem_name": item["subitem_name"],
            "month": month, "base": base, "unit_amount": Decimal("0.00"), "personal_amount": Decimal("0.00"),
            "amount": Decimal("0.00"), "arrived_on": item["arrived_on"], "voucher_no": item["voucher_no"]})
        row["unit_amount" if item["payer"] == "unit" else "personal_amount"] += amount
        row["amount"] += amount
        row["arrived_on"] = max(row["arrived_on"], item["arrived_on"])
    rows = sorted(merged.values(), key=lambda r: (r["employee_id"], r["month"], r["unit_number"], r["item_code"]))
    reason = None
    if not rows:
        reason = EMPLOYEE_REASONS[2] if not_arrived else EMPLOYEE_REASONS[1]
    return {"rows": rows[:MAX_PROOF_ROWS], "reason": reason, "reasons": list(EMPLOYEE_REASONS)}


def clear_unit(store: BureauStore, unit_id: str) -> None:
    """Demo reset: the unit's certificates are forgotten."""
    with store.writing() as cur:
        cur.execute("DELETE FROM tax_certificate_items WHERE certificate_no IN "
                    "(SELECT certificate_no FROM tax_certificates WHERE unit_id = ?)", [unit_id])
        cur.execute("DELETE FROM tax_certificates WHERE unit_id = ?", [unit_id])
