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
import struct
from decimal import Decimal
from functools import lru_cache
from typing import Any

import duckdb
import pyarrow as pa

from sbflib.domain import clock
from sbflib.domain import declarations as decl_rules
from sbflib.domain.contributions import contribution_amount
from sbflib.domain.deadlines import (
    CollectionRule,
    deferred_until,
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


_ARREAR_ORDER = "a.period_start, a.voucher_no, a.unit_number, a.item_code, a.payer DESC, a.prep_id"
_SOURCE_NAMES_SQL = "CASE a.source_code " + " ".join(
    f"WHEN '{code}' THEN '{name}'" for code, name in decl_rules.SOURCES.items()) + " END"


def _due_table(cur: duckdb.DuckDBPyConnection, unit_id: str, rule: CollectionRule, industry: str) -> pa.Table:
    """Pay-by date and 可缓缴 per distinct (period end, 征集有效日期, item, payer) of the unit's unpaid
    declared rows: the calendar work done once per key in Python (`sbflib.domain.deadlines`)."""
    keys = cur.execute("""
        SELECT DISTINCT r.period_end, r.valid_until, r.item_code, r.payer
        FROM declaration_rows r JOIN declarations d USING (declaration_id)
        WHERE d.unit_id = ? AND d.status = '申报成功' AND d.pay_status = '未缴费'
    """, [unit_id]).fetchall()
    cols: dict[str, list[Any]] = {"period_end": [], "valid_until": [], "item_code": [], "payer": [], "pay_by": [],
                                  "deferrable": []}
    base: dict[tuple[str, dt.date | None], dt.date] = {}
    for period_end, valid_until, item_code, payer in keys:
        due = base.get((period_end, valid_until))
        if due is None:
            due = next_working_day(valid_until) if valid_until is not None else pay_by_date(period_end, rule)
            base[(period_end, valid_until)] = due
        deferrable = rule.deferrable(item_code, payer, industry)
        for name, value in (("period_end", period_end), ("valid_until", valid_until), ("item_code", item_code),
                            ("payer", payer), ("pay_by", deferred_until(due, rule) if deferrable else due),
                            ("deferrable", deferrable)):
            cols[name].append(value)
    return pa.table({"period_end": pa.array(cols["period_end"], pa.string()),
                     "valid_until": pa.array(cols["valid_until"], pa.date32()),
                     "item_code": pa.array(cols["item_code"], pa.string()),
                     "payer": pa.array(cols["payer"], pa.string()),
                     "pay_by": pa.array(cols["pay_by"], pa.date32()),
                     "deferrable": pa.array(cols["deferrable"], pa.bool_())})


def late_fee_sql(amount: str, pay_by: str, pay_date: str, payer: str, rule: CollectionRule) -> str:
    """The SQL twin of `deadlines.late_fee` (tested equal): amount × daily rate × overdue days, rounded
    half up to the fen (DuckDB rounds a DECIMAL half away from zero; amounts are not negative)."""
    rate = format(rule.daily_rate, "f")
    fee = (f"round({amount} * {rate}::DECIMAL(12,8) * greatest(0, date_diff('day', {pay_by}, {pay_date})), 2)"
           "::DECIMAL(18,2)")
    if rule.personal_share_exempt:
        return f"CASE WHEN {payer} = 'unit' THEN {fee} ELSE 0.00::DECIMAL(18,2) END"
    return fee


def _arrears_sql(cur: duckdb.DuckDBPyConnection, unit_id: str, pay_date: dt.date, ids: list[str] | None,
                 ) -> tuple[str, dict[str, Any]]:
    """The arrears query (the due table registered as `ar_due`, unregister it after) and its parameters."""
    facts = unit_facts(cur, unit_id)
    rule = collection_rule(facts["region"])
    cur.register("ar_due", _due_table(cur, unit_id, rule, facts["industry"]))
    where = " AND list_contains($ids, d.declaration_id || '-' || r.prep_id)" if ids is not None else ""
    fee = late_fee_sql("a.amount", "a.pay_by", "$pay_date", "a.payer", rule)
    sql = f"""
        WITH base AS ({_ARREARS_SQL}{where}),
        a AS (SELECT base.*, due.pay_by, due.deferrable FROM base JOIN ar_due due
              ON due.period_end = base.period_end AND due.valid_until IS NOT DISTINCT FROM base.valid_until
              AND due.item_code = base.item_code AND due.payer = base.payer),
        f AS (SELECT a.*, {fee} AS late_fee FROM a)
        SELECT a.arrear_id, a.declaration_id, a.voucher_no, a.source_code, {_SOURCE_NAMES_SQL} AS source_name,
               a.tax_authority, a.declared_on, a.prep_id, a.unit_number, a.agency, a.item_code, a.item_name,
               a.subitem_name, a.payer, CASE a.payer WHEN 'unit' THEN '单位' ELSE '个人' END AS payer_name,
               a.period_start, a.period_end, a.headcount, a.amount, a.pay_by,
               date_diff('day', $today::DATE, a.pay_by)::INTEGER AS days_left, a.late_fee,
               (a.amount + a.late_fee)::DECIMAL(18,2) AS total, a.deferrable,
               CASE WHEN a.deferrable THEN '可缓缴' ELSE '正常缴费' END AS operation,
               CASE WHEN a.locked_by IS NOT NULL THEN '锁定' WHEN a.bank_voucher_no IS NOT NULL THEN '已开具凭证'
                    ELSE '未缴费' END AS status, a.locked_by, a.bank_voucher_no
        FROM f a
    """
    params: dict[str, Any] = {"u": unit_id, "today": clock.today(), "pay_date": pay_date}
    if ids is not None:
        params["ids"] = ids
    return sql, params


def arrears_rows(cur: duckdb.DuckDBPyConnection, unit_id: str, pay_date: dt.date,
                 ids: list[str] | None = None) -> list[dict[str, Any]]:
    """The unit's arrears with pay-by date, days left and the late fee if paid on `pay_date`
    (ordered by period, 应征凭证序号, item, payer); only `ids` (arrear IDs) when given."""
    sql, params = _arrears_sql(cur, unit_id, pay_date, ids)
    try:
        return cur.sql(f"{sql} ORDER BY {_ARREAR_ORDER}", params=params).to_arrow_table().to_pylist()
    finally:
        cur.unregister("ar_due")


ARREARS_MEDIA_TYPE = "application/vnd.sbf.arrears.v1"
_IPC_OPTIONS = pa.ipc.IpcWriteOptions(compression="zstd")


def arrears_frame(cur: duckdb.DuckDBPyConnection, unit_id: str, pay_date: dt.date) -> tuple[bytes, int]:
    """The same as one Arrow frame (u64 LE length + IPC stream, zstd buffers; money decimal128(18,2),
    dates date32), and the row count: what a client that keeps 100,000 arrears loads fastest."""
    sql, params = _arrears_sql(cur, unit_id, pay_date, None)
    try:
        table = cur.sql(f"{sql} ORDER BY {_ARREAR_ORDER}", params=params).to_arrow_table()
    finally:
        cur.unregister("ar_due")
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema, options=_IPC_OPTIONS) as writer:
        writer.write_table(table)
    stream = sink.getvalue()
    return struct.pack("<Q", stream.size) + stream.to_pybytes(), table.num_rows


def decode_frame(body: bytes) -> pa.Table:
    """Inverse of `arrears_frame` (for tests and tools)."""
    (length,) = struct.unpack_from("<Q", body, 0)
    return pa.ipc.open_stream(pa.py_buffer(body[8:8 + length])).read_all()


def arrears_json(cur: duckdb.DuckDBPyConnection, unit_id: str, pay_date: dt.date) -> str:
    """The same as one JSON array, built by DuckDB (100,000 rows: no Python object per row). Money as
    decimal strings with 2 places, dates as YYYY-MM-DD, as the `Arrear` model says."""
    sql, params = _arrears_sql(cur, unit_id, pay_date, None)
    money = ("amount", "late_fee", "total")
    fields = ("arrear_id", "declaration_id", "voucher_no", "source_code", "source_name", "tax_authority",
              "declared_on", "prep_id", "unit_number", "agency", "item_code", "item_name", "subitem_name", "payer",
              "payer_name", "period_start", "period_end", "headcount", "amount", "pay_by", "days_left", "late_fee",
              "total", "deferrable", "operation", "status", "locked_by", "bank_voucher_no")
    parts = ", ".join(f"'{f}': " + (f"x.{f}::VARCHAR" if f in money else f"strftime(x.{f}, '%Y-%m-%d')"
                                     if f in ("declared_on", "pay_by") else f"x.{f}") for f in fields)
    try:
        order = _ARREAR_ORDER.replace("a.", "x.")
        rows = cur.execute(f"""
            SELECT '[' || coalesce(string_agg(to_json({{{parts}}})::VARCHAR, ',' ORDER BY {order}), '') || ']'
            FROM ({sql}) x
        """, params).fetchall()
    finally:
        cur.unregister("ar_due")
    return str(rows[0][0])


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


# --- benchmarks ---------------------------------------------------------------------------------------

_BENCH_PARTS = (("10201", "基本养老保险费", "企业职工基本养老保险费", "unit", "0.16"),
                ("10201", "基本养老保险费", "企业职工基本养老保险费", "personal", "0.08"),
                ("10202", "失业保险费", "失业保险费", "unit", "0.005"),
                ("10202", "失业保险费", "失业保险费", "personal", "0.005"),
                ("10203", "基本医疗保险费", "职工基本医疗保险费", "unit", "0.095"),
                ("10203", "基本医疗保险费", "职工基本医疗保险费", "personal", "0.02"),
                ("10204", "工伤保险费", "工伤保险费", "unit", "0.002"))


def seed_arrears(store: BureauStore, unit_id: str, count: int = 100_000) -> str:
    """Demo and benchmarks: one successful unpaid declaration of the unit with `count` rows (one per
    employee-like line: an item and payer of one of the last 120 months), so the unit has `count`
    arrears, most of them overdue. Returns the declaration ID. Cleared by a demo reset."""
    now = clock.now()
    month = clock.current_month()
    with store.writing() as cur:
        facts = unit_facts(cur, unit_id)
        number = first_row(cur.execute("SELECT unit_number, agency FROM unit_numbers WHERE unit_id = ? "
                                       "ORDER BY unit_number LIMIT 1", [unit_id]))
        if number is None:
            raise Refusal(404, "UNIT_NOT_FOUND", f"单位{unit_id}没有单位编号")
        seq = cur.execute("SELECT nextval('declaration_seq')").fetchall()[0][0]
        declaration_id = f"SB{now:%Y%m%d}{seq:08d}"
        levy = cur.execute("SELECT nextval('voucher_seq')").fetchall()[0][0]
        cur.execute("CREATE OR REPLACE TEMP TABLE bench_parts (n INTEGER, item_code VARCHAR, item_name VARCHAR, "
                    "subitem_name VARCHAR, payer VARCHAR, rate DECIMAL(12,6))")
        cur.executemany("INSERT INTO bench_parts VALUES (?, ?, ?, ?, ?, ?)",
                        [[n, *part[:4], Decimal(part[4])] for n, part in enumerate(_BENCH_PARTS)])
        cur.execute("""
            INSERT INTO declaration_rows
            SELECT $d, 'PB-' || lpad(i::VARCHAR, 7, '0'), 'daily', '01', $un, $agency, NULL, NULL, NULL, NULL,
                   p.item_code, p.item_name, p.subitem_name, p.payer, m, m, 1,
                   (4612 + (i * 37) % 18000)::DECIMAL(18,2), p.rate,
                   round((4612 + (i * 37) % 18000) * p.rate, 2)::DECIMAL(18,2)
            FROM (SELECT i, strftime(($first::DATE - to_months((i // 7) % 120)::INTERVAL), '%Y-%m') AS m
                  FROM range($count) t(i)) r
            JOIN bench_parts p ON p.n = r.i % 7
        """, {"d": declaration_id, "un": number[0], "agency": number[1], "count": count,
              "first": dt.date(int(month[:4]), int(month[5:7]), 1)})
        cur.execute("DROP TABLE bench_parts")
        total = cur.execute("SELECT coalesce(sum(amount), 0) FROM declaration_rows WHERE declaration_id = ?",
                            [declaration_id]).fetchall()[0][0]
        cur.execute("""
            INSERT INTO declarations (declaration_id, unit_id, submission_id, channel, source_code, tax_authority,
                                      status, submitted_at, due_at, decided_at, rows, headcount, total_due,
                                      voucher_no, pay_status)
            VALUES (?, ?, ?, 'daily', '01', ?, '申报成功', ?, ?, ?, ?, ?, ?, ?, '未缴费')
        """, [declaration_id, unit_id, f"SSBENCH{seq:08d}", facts["tax_authority"], now, now, now, count, count,
              total, f"3{now:%Y%m%d}{levy:011d}"])
    return declaration_id


def void_hold(cur: duckdb.DuckDBPyConnection, declaration_id: str) -> Refusal | None:
    """Why a declaration cannot be voided because of its payments, if it cannot: items already paid
    (a 可缓缴 part paid apart), a deduction 锁定, or a valid unpaid bank voucher holding its items."""
    paid, locked = cur.execute("""
        SELECT count(*) FILTER (WHERE p.status = '缴费成功'), count(*) FILTER (WHERE p.status = '锁定')
        FROM payment_items i JOIN payment_records p USING (record_id) WHERE i.declaration_id = ?
    """, [declaration_id]).fetchall()[0]
    if paid:
        return Refusal(409, "DECLARATION_PAID", "该申报记录已部分缴费，不能作废")
    if locked:
        return Refusal(409, "DECLARATION_PAYMENT_PENDING", "该申报记录有锁定的缴费，请先在缴费记录中解锁，不能作废")
    voucher = first_row(cur.execute("""
        SELECT v.voucher_no FROM bank_voucher_items vi JOIN bank_vouchers v USING (voucher_no)
        WHERE vi.declaration_id = ? AND v.status = '未缴费' AND v.valid_until >= ? LIMIT 1
    """, [declaration_id, clock.today()]))
    if voucher is not None:
        return Refusal(409, "DECLARATION_PAYMENT_PENDING",
                       f"该申报记录已开具银行端缴费凭证{voucher[0]}，请先作废该凭证，再作废申报记录")
    return None
