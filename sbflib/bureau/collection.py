"""The 征收子系统 (manual 2.11-2.13, 2.22): arrears (欠费), payments, bank vouchers, arrivals (到账).

- **Arrears** are not stored: every row of a successful (申报成功) declaration that is not yet paid
  (pay_status 未缴费) and that no successful payment item covers. Each has a pay-by date from the
  region's rule (`sbflib.domain.deadlines`, the `collection` block of the rule file; a row the office
  assessed with a 征集有效日期 is due on that day), and a late fee (滞纳金) once past it. The unit
  share of the rule's deferrable items (可缓缴) of a unit in one of its industries is due later and
  may be paid apart from the rest.
- **Paying** (`payments.py`) makes payment records (缴费记录, one per payment and 应征凭证序号) with their
  items; a successful one settles its items, makes the arrivals and marks a declaration 已缴费 once
  nothing of it is left unpaid.
- **Arrivals**: one per item paid, paid into the treasury (入库) and passed to the fund (到账) on the day
  of payment in the demo (`paid_on` = `arrived_on`).
- The demo generates, per unit on first use, payments and vouchers made "in other channels" for
  the third and second months before the current one (so the sync buttons of the client have work), with their
  arrivals; a demo reset forgets them and they come again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from functools import lru_cache
from typing import Any

import duckdb

from sbflib.domain import clock
from sbflib.domain import declarations as decl_rules
from sbflib.domain.contributions import contribution_amount
from sbflib.domain.deadlines import (
    CollectionRule,
    days_left,
    deferred_until,
    late_fee,
    next_working_day,
    pay_by_date,
)
from sbflib.domain.errors import RuleViolation
from sbflib.domain.months import add_months

from .errors import Refusal, unit_not_found
from .regions import INDUSTRY_RISK_CLASSES, ITEMS
from .rules import contribution_documents, contribution_rules
from .store import BureauStore, first_row

ZERO = Decimal("0.00")
CHANNEL_AGREEMENT = "三方协议"
CHANNEL_VOUCHER = "银行端凭证"
CHANNEL_OTHER = "其他渠道"
PAID, FAILED, LOCKED = "缴费成功", "缴费失败", "锁定"
DEDUCTION_FAILED = "扣费失败"
PAYER_NAMES = {"unit": "单位", "personal": "个人"}
_ITEMS = {i.code: i for i in ITEMS}


# --- the region's rule -----------------------------------------------------------------------


@lru_cache(maxsize=16)
def collection_rule(region: str) -> CollectionRule:
    """The region's collection rule: the `collection` block of its newest contribution rule file."""
    docs = sorted(contribution_documents(region), key=lambda d: str(d.get("updated", "")))
    block = next((d["collection"] for d in reversed(docs) if d.get("collection")), None)
    return CollectionRule.from_block(block)


def unit_facts(cur: duckdb.DuckDBPyConnection, unit_id: str) -> dict[str, Any]:
    """What the 征收子系统 needs of a unit: region, industry, names, tax authority and its code."""
    row = first_row(cur.execute(
        "SELECT region, coalesce(industry, ''), taxpayer_id, name, coalesce(tax_authority, ''), module "
        "FROM units WHERE unit_id = ?", [unit_id]))
    if row is None:
        raise unit_not_found(unit_id)
    region, industry, taxpayer_id, name, authority, module = row
    code = "1" + hashlib.sha256(authority.encode()).hexdigest()[:10]
    digits = "".join(str(int(c, 16) % 10) for c in code[1:])
    return {"region": region, "industry": industry, "taxpayer_id": taxpayer_id, "name": name,
            "tax_authority": authority, "tax_authority_code": "1" + digits, "module": module}


# --- arrears -----------------------------------------------------------------------------------

_ARREARS_SQL = """
    WITH paid AS (
        SELECT i.declaration_id, i.prep_id FROM payment_items i JOIN payment_records p USING (record_id)
        WHERE i.unit_id = $u AND p.status = '缴费成功'),
    locked AS (
        SELECT DISTINCT i.declaration_id, i.prep_id, p.record_id FROM payment_items i
        JOIN payment_records p USING (record_id) WHERE i.unit_id = $u AND p.status = '锁定'),
    vouchered AS (
        SELECT vi.declaration_id, vi.prep_id, any_value(v.voucher_no) AS bank_voucher_no FROM bank_voucher_items vi
        JOIN bank_vouchers v USING (voucher_no)
        WHERE v.unit_id = $u AND v.status = '未缴费' AND v.valid_until >= $today GROUP BY ALL)
    SELECT d.declaration_id || '-' || r.prep_id AS arrear_id, d.declaration_id, d.voucher_no, d.source_code,
           d.tax_authority, d.submitted_at::DATE AS declared_on, r.prep_id, r.unit_number, r.agency, r.item_code,
           r.item_name, r.subitem_name, r.payer, r.period_start, r.period_end, r.headcount, r.amount,
           r.valid_until, l.record_id AS locked_by, v.bank_voucher_no
    FROM declaration_rows r JOIN declarations d USING (declaration_id)
    LEFT JOIN paid ON paid.declaration_id = r.declaration_id AND paid.prep_id = r.prep_id
    LEFT JOIN locked l ON l.declaration_id = r.declaration_id AND l.prep_id = r.prep_id
    LEFT JOIN vouchered v ON v.declaration_id = r.declaration_id AND v.prep_id = r.prep_id
    WHERE d.unit_id = $u AND d.status = '申报成功' AND d.pay_status = '未缴费' AND r.amount > 0
      AND paid.prep_id IS NULL
"""


def arrears_rows(cur: duckdb.DuckDBPyConnection, unit_id: str, pay_date: dt.date,
                 ids: list[str] | None = None) -> list[dict[str, Any]]:
    """The unit's arrears with pay-by date, days left and the late fee if paid on `pay_date`
    (ordered by period, 应征凭证序号, item, payer); only `ids` (arrear IDs) when given."""
    facts = unit_facts(cur, unit_id)
    rule = collection_rule(facts["region"])
    today = clock.today()
    sql = _ARREARS_SQL
    params: dict[str, Any] = {"u": unit_id, "today": today}
    if ids is not None:
        sql += " AND list_contains($ids, d.declaration_id || '-' || r.prep_id)"
        params["ids"] = ids
    sql += " ORDER BY r.period_start, d.voucher_no, r.unit_number, r.item_code, r.payer DESC, r.prep_id"
    rows = cur.execute(sql, params).fetchall()
    names = [c[0] for c in cur.description or []]
    due_cache: dict[tuple[str, dt.date | None], dt.date] = {}
    out = []
    for values in rows:
        row = dict(zip(names, values, strict=True))
        key = (row["period_end"], row["valid_until"])
        pay_by = due_cache.get(key)
        if pay_by is None:
            pay_by = (next_working_day(row["valid_until"]) if row["valid_until"] is not None
                      else pay_by_date(row["period_end"], rule))
            due_cache[key] = pay_by
        deferrable = rule.deferrable(row["item_code"], row["payer"], facts["industry"])
        if deferrable:
            pay_by = deferred_until(pay_by, rule)
        fee = late_fee(row["amount"], pay_by, pay_date, rule, row["payer"])
        status = LOCKED if row["locked_by"] else ("已开具凭证" if row["bank_voucher_no"] else "未缴费")
        out.append({
            "arrear_id": row["arrear_id"], "declaration_id": row["declaration_id"], "voucher_no": row["voucher_no"],
            "source_code": row["source_code"], "source_name": decl_rules.SOURCES[row["source_code"]],
            "tax_authority": row["tax_authority"], "declared_on": row["declared_on"], "prep_id": row["prep_id"],
            "unit_number": row["unit_number"], "agency": row["agency"], "item_code": row["item_code"],
            "item_name": row["item_name"], "subitem_name": row["subitem_name"], "payer": row["payer"],
            "payer_name": PAYER_NAMES[row["payer"]], "period_start": row["period_start"],
            "period_end": row["period_end"], "headcount": row["headcount"], "amount": row["amount"],
            "pay_by": pay_by, "days_left": days_left(pay_by, today), "late_fee": fee,
            "total": row["amount"] + fee, "deferrable": deferrable, "operation": "可缓缴" if deferrable else "正常缴费",
            "status": status, "locked_by": row["locked_by"], "bank_voucher_no": row["bank_voucher_no"],
        })
    return out


# --- settling: records, items, arrivals ----------------------------------------------------------

_ITEM_KEYS = ("declaration_id", "prep_id", "unit_number", "agency", "item_code", "item_name", "subitem_name",
              "payer", "period_start", "period_end", "headcount", "amount", "late_fee", "pay_by", "deferrable")
# The same, as columns of payment_items and bank_voucher_items (DEFERRABLE is an SQL keyword).
ITEM_COLUMNS = tuple("is_deferrable" if k == "deferrable" else k for k in _ITEM_KEYS)


def new_record(cur: duckdb.DuckDBPyConnection, unit_id: str, *, payment_id: str | None, levy_no: str,
               declaration_id: str | None, channel: str, method: str, status: str, reason: str | None,
               tax_authority: str, items: list[dict[str, Any]], now: dt.datetime, bank_name: str | None = None,
               account_masked: str | None = None, bank_voucher_no: str | None = None) -> str:
    """A payment record (缴费记录) of `items` (one 应征凭证序号); a successful one settles them."""
    seq = cur.execute("SELECT nextval('payment_record_seq')").fetchall()[0][0]
    record_id = f"JF{now:%Y%m%d}{seq:08d}"
    amount = sum((i["amount"] for i in items), ZERO)
    fee = sum((i["late_fee"] for i in items), ZERO)
    serial = f"YH{now:%Y%m%d%H%M%S}{seq:06d}" if status != FAILED else None
    cur.execute("""
        INSERT INTO payment_records (record_id, payment_id, unit_id, declaration_id, voucher_no, channel, method,
            status, reason, unlock_result, tax_authority, period_start, period_end, amount, late_fee, total,
            bank_name, account_masked, bank_serial, bank_voucher_no, created_at, decided_at, unlocked_at,
            unlock_key, paid_on)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?)
    """, [record_id, payment_id, unit_id, declaration_id, levy_no, channel, method, status, reason, tax_authority,
          min(i["period_start"] for i in items), max(i["period_end"] for i in items), amount, fee, amount + fee,
          bank_name, account_masked, serial, bank_voucher_no, now, now if status != LOCKED else None,
          now.date() if status == PAID else None])
    cur.executemany(
        f"INSERT INTO payment_items (record_id, unit_id, {', '.join(ITEM_COLUMNS)}) "
        f"VALUES (?, ?, {', '.join('?' for _ in _ITEM_KEYS)})",
        [[record_id, unit_id, *(i[k] for k in _ITEM_KEYS)] for i in items])
    if status == PAID:
        arrive(cur, unit_id, record_id, now.date())
    return record_id


def arrive(cur: duckdb.DuckDBPyConnection, unit_id: str, record_id: str, paid_on: dt.date) -> None:
    """The record's items are paid into the treasury (入库) and arrive at the fund (到账) the same day;
    a declaration with nothing left unpaid becomes 已缴费."""
    now = clock.now()
    cur.execute("""
        INSERT INTO arrivals
        SELECT 'DZ' || substr(i.record_id, 3) || lpad((row_number() OVER (ORDER BY i.item_code, i.payer DESC,
                   i.prep_id))::VARCHAR, 6, '0'),
               i.unit_id, i.record_id, p.voucher_no, i.declaration_id, i.unit_number, i.agency, i.item_code,
               i.item_name, i.subitem_name, i.payer, i.period_start, i.period_end, i.amount, i.late_fee, $on, $on,
               p.channel, p.tax_authority, $now
        FROM payment_items i JOIN payment_records p USING (record_id) WHERE i.record_id = $r
    """, {"on": paid_on, "r": record_id, "now": now})
    cur.execute("UPDATE payment_records SET paid_on = ? WHERE record_id = ?", [paid_on, record_id])
    close_paid_declarations(cur, unit_id)


def close_paid_declarations(cur: duckdb.DuckDBPyConnection, unit_id: str) -> None:
    """Declarations of the unit (申报成功 / 作废中, 未缴费) whose every row with an amount is paid: 已缴费."""
    cur.execute("""
        UPDATE declarations SET pay_status = '已缴费'
        WHERE unit_id = $u AND status IN ('申报成功', '作废中') AND pay_status = '未缴费'
          AND NOT EXISTS (
              SELECT 1 FROM declaration_rows r WHERE r.declaration_id = declarations.declaration_id AND r.amount > 0
                AND NOT EXISTS (SELECT 1 FROM payment_items i JOIN payment_records p USING (record_id)
                                WHERE i.declaration_id = r.declaration_id AND i.prep_id = r.prep_id
                                  AND p.status = '缴费成功'))
    """, {"u": unit_id})


def settle_declaration(cur: duckdb.DuckDBPyConnection, unit_id: str, declaration_id: str,
                       channel: str = CHANNEL_OTHER) -> str | None:
    """Demo: every unpaid item of the declaration is paid at once in another channel (with its late
    fee as of today), recorded and arrived. None when nothing was left to pay."""
    today = clock.today()
    items = [a for a in arrears_rows(cur, unit_id, today) if a["declaration_id"] == declaration_id]
    if not items:
        return None
    return new_record(cur, unit_id, payment_id=None, levy_no=items[0]["voucher_no"], declaration_id=declaration_id,
                      channel=channel, method="other", status=PAID, reason=None,
                      tax_authority=items[0]["tax_authority"], items=items, now=clock.now())


# --- arrivals and treasury items -------------------------------------------------------------------

_ARRIVAL_COLUMNS = ("arrival_id, voucher_no, declaration_id, unit_number, agency, item_code, item_name, subitem_name, "
                    "payer, period_start, period_end, amount, late_fee, paid_on, arrived_on, channel, tax_authority, "
                    "record_id")


def arrivals(store: BureauStore, unit_id: str, date_from: dt.date | None, date_to: dt.date | None,
             ) -> list[dict[str, Any]]:
    """社保费到账信息: the items paid into the treasury and arrived at the fund between the two days
    (by 到账日期, both included; either may be None), newest first."""
    ensure_history(store, unit_id)
    with store.reading() as cur:
        rows = cur.sql(f"""
            SELECT {_ARRIVAL_COLUMNS} FROM arrivals
            WHERE unit_id = ? AND (?::DATE IS NULL OR arrived_on >= ?::DATE) AND (?::DATE IS NULL OR arrived_on <= ?::DATE)
            ORDER BY arrived_on DESC, arrival_id DESC
        """, params=[unit_id, date_from, date_from, date_to, date_to]).to_arrow_table().to_pylist()
    for row in rows:
        row["payer_name"] = PAYER_NAMES[row["payer"]]
        row["total"] = row["amount"] + row["late_fee"]
        row["status"] = "已到账"
    return rows


def treasury_items(cur: duckdb.DuckDBPyConnection, unit_id: str, date_from: dt.date | None,
                   date_to: dt.date | None) -> list[dict[str, Any]]:
    """Items of the unit paid into the treasury (入库) between the two days by 入库日期 (both included;
    either may be None), for 税收完税证明: `arrival_id, item_code, item_name, subitem_name, payer,
    period_start, period_end, amount, late_fee, paid_on, arrived_on, voucher_no (应征凭证序号),
    declaration_id (null for a payment made elsewhere), unit_number, agency, channel, tax_authority`,
    oldest first. Runs in the caller's unit of work."""
    return cur.sql("""
        SELECT arrival_id, item_code, item_name, subitem_name, payer, period_start, period_end, amount, late_fee,
               paid_on, arrived_on, voucher_no, declaration_id, unit_number, agency, channel, tax_authority
        FROM arrivals WHERE unit_id = ? AND (?::DATE IS NULL OR paid_on >= ?::DATE)
          AND (?::DATE IS NULL OR paid_on <= ?::DATE)
        ORDER BY paid_on, arrival_id
    """, params=[unit_id, date_from, date_from, date_to, date_to]).to_arrow_table().to_pylist()


# --- the demo's history in other channels -----------------------------------------------------------


def _levy_no(unit_id: str, tag: str, now: dt.datetime) -> str:
    """A 20-digit 应征凭证序号 for a payment made elsewhere (stable per unit and tag)."""
    digest = int(hashlib.sha256(f"{unit_id}|{tag}".encode()).hexdigest(), 16) % 10**11
    return f"3{now:%Y%m%d}{digest:011d}"


def _history_items(cur: duckdb.DuckDBPyConnection, unit_id: str, region: str, industry: str,
                   month: str) -> list[dict[str, Any]]:
    """What the unit owed for `month` per unit number, item and payer (roster bases × rates)."""
    try:
        rules_ = contribution_rules(region)
    except LookupError:
        return []
    groups = cur.execute("""
        SELECT i.unit_number, any_value(i.agency), i.item_code, any_value(i.item_name), any_value(i.subitem_name),
               count(DISTINCT i.employee_id)::INTEGER, sum(i.base)::DECIMAL(18,2)
        FROM employee_items i JOIN employees e ON e.unit_id = i.unit_id AND e.employee_id = i.employee_id
        WHERE i.unit_id = ? AND i.start_month <= ? AND (i.stop_month IS NULL OR i.stop_month >= ?)
          AND e.start_month <= ? AND (e.stop_month IS NULL OR e.stop_month >= ?)
        GROUP BY i.unit_number, i.item_code ORDER BY i.unit_number, i.item_code
    """, [unit_id, month, month, month, month]).fetchall()
    items = []
    rule = collection_rule(region)
    for unit_number, agency, item_code, item_name, subitem_name, headcount, base_total in groups:
        for payer in ("unit", "personal"):
            try:
                rate = rules_.rate(month, item_code, payer, injury_class=INDUSTRY_RISK_CLASSES.get(industry))
            except RuleViolation:
                continue
            if rate <= 0:
                continue
            items.append({"declaration_id": None, "prep_id": f"H-{unit_number}-{item_code}-{payer[0].upper()}-"
                          f"{month.replace('-', '')}", "unit_number": unit_number, "agency": agency,
                          "item_code": item_code, "item_name": item_name, "subitem_name": subitem_name,
                          "payer": payer, "period_start": month, "period_end": month, "headcount": headcount,
                          "amount": contribution_amount(base_total, rate, rules_.rounding), "late_fee": ZERO,
                          "pay_by": pay_by_date(month, rule), "deferrable": False})
    return items


def ensure_history(store: BureauStore, unit_id: str) -> None:
    """Demo: payments and vouchers of the unit made in other channels (电子税务局, 银行柜台) for the
    third and second months before the current one (their pay-by dates have passed), generated once
    per unit (again after a demo reset)."""
    with store.reading() as cur:
        done = cur.execute("SELECT count(*) FROM collection_units WHERE unit_id = ?", [unit_id]).fetchall()[0][0]
    if done:
        return
    with store.writing() as cur:
        if cur.execute("SELECT count(*) FROM collection_units WHERE unit_id = ?", [unit_id]).fetchall()[0][0]:
            return
        facts = unit_facts(cur, unit_id)
        now = clock.now()
        cur.execute("INSERT INTO collection_units VALUES (?, ?)", [unit_id, now])
        if facts["module"] != "employer":
            return
        month = clock.current_month()
        older, last = add_months(month, -3), add_months(month, -2)
        # Three months back: paid by a 三方协议 deduction at the 电子税务局.
        items = _history_items(cur, unit_id, facts["region"], facts["industry"], older)
        if items:
            paid_at = dt.datetime.combine(items[0]["pay_by"] - dt.timedelta(days=3), dt.time(10, 12, 5))
            new_record(cur, unit_id, payment_id=None, levy_no=_levy_no(unit_id, older, paid_at), declaration_id=None,
                       channel=CHANNEL_OTHER, method="agreement", status=PAID, reason=None,
                       tax_authority=facts["tax_authority"], items=items, now=paid_at, bank_name="中国工商银行",
                       account_masked="****6700")
        # Two months back: a bank voucher printed at the 电子税务局 and paid at the counter, and one voided.
        items = _history_items(cur, unit_id, facts["region"], facts["industry"], last)
        if items:
            from .vouchers import history_voucher

            issued = dt.datetime.combine(items[0]["pay_by"] - dt.timedelta(days=6), dt.time(9, 30, 0))
            history_voucher(cur, unit_id, facts, items, issued, paid=False, levy_no=_levy_no(unit_id, "v" + last,
                                                                                               issued))
            history_voucher(cur, unit_id, facts, items, issued + dt.timedelta(days=1, hours=1), paid=True,
                            levy_no=_levy_no(unit_id, last, issued))


def clear_unit(store: BureauStore, unit_id: str) -> None:
    """Forget the unit's payments, vouchers, arrivals, bank setting and history (demo reset)."""
    with store.writing() as cur:
        cur.execute("DELETE FROM bank_voucher_items WHERE voucher_no IN "
                    "(SELECT voucher_no FROM bank_vouchers WHERE unit_id = ?)", [unit_id])
        for table in ("bank_vouchers", "payment_items", "payment_records", "payments", "arrivals",
                      "bank_behaviour", "collection_units"):
            cur.execute(f"DELETE FROM {table} WHERE unit_id = ?", [unit_id])


def unknown_arrears(missing: list[str]) -> Refusal:
    return Refusal(422, "ARREARS_NOT_FOUND",
                   f"欠费信息{'、'.join(missing[:3])}不存在或已缴纳，请刷新欠费信息后重新选择")
