"""Refund applications (单位退费申请, manual 2.28): money paid into the treasury asked back.

Two ways: 税票退费 (`ticket`: items of paid 电子税票, one line per item in the treasury) and 职工明细退费
(`employee`: one employee's paid month of an item and payer part). Each line may be refunded up to what
was paid less what earlier applications ask or got back (审核不通过 ones free it again). An application
names the refund account (户名, 银行, 账号), a refund type and a reason; it is 待审核 until the bureau
decides it after the feedback delay (the wage filings' setting): 已退库, or 审核不通过 with a reason when a
demo call planned that.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import duckdb
import pyarrow as pa

from sbflib.domain import clock

from . import treasury
from .errors import Refusal
from .store import BureauStore, first_row

PENDING = "待审核"
REFUNDED = "已退库"
REJECTED = "审核不通过"
STATUSES = (PENDING, REFUNDED, REJECTED)
KINDS = {"ticket": "税票退费", "employee": "职工明细退费"}
REFUND_TYPES = ("误收退库", "汇算清缴退费", "多缴退费", "其他退费")
MAX_LINES = 5000
MAX_CANDIDATES = 5000
_APP_COLUMNS = ("refund_id, unit_id, kind, status, refund_type, reason, account_name, bank_name, account_no, "
                "total, applied_at, due_at, decided_at, result_reason, planned_outcome, planned_reason")
_LINE_COLUMNS = ("seq, line_key, voucher_no, item_code, item_name, payer, employee_id, name, id_type, id_number, "
                 "period_start, period_end, paid_amount, amount")
_ZERO = Decimal("0.00")


def _names(columns: str) -> list[str]:
    return [c.strip() for c in columns.split(",")]


def _asked(cur: duckdb.DuckDBPyConnection, unit_id: str) -> dict[str, Decimal]:
    """Per line key, what applications not refused ask or got back."""
    return {k: v for k, v in cur.execute(
        "SELECT l.line_key, sum(l.amount) FROM refund_lines l JOIN refund_applications a USING (refund_id) "
        "WHERE a.unit_id = ? AND a.status <> ? GROUP BY l.line_key", [unit_id, REJECTED]).fetchall()}


def _item_of(line_key: str) -> str:
    """The treasury item a line belongs to (an employee line's key is `<item_key>|<employee>|<month>`)."""
    return line_key.split("|", 1)[0]


def _per_item(asked: dict[str, Decimal]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for key, value in asked.items():
        out[_item_of(key)] = out.get(_item_of(key), _ZERO) + value
    return out


def _refundable(line: dict[str, Any], asked: dict[str, Decimal], on_items: dict[str, Decimal]
                ) -> tuple[Decimal, Decimal]:
    """(asked, refundable) of a line: its paid amount less what is asked on it, and never more than its
    item still holds (a ticket refund and employee refunds of one item share the item's amount)."""
    on_item = on_items.get(_item_of(line["line_key"]), _ZERO)
    on_line = asked.get(line["line_key"], _ZERO)
    left = min(line["paid_amount"] - on_line, line["item_paid"] - on_item)
    return on_line, max(left, _ZERO)


def _ticket_lines(cur: duckdb.DuckDBPyConnection, unit_id: str) -> list[dict[str, Any]]:
    return [{"line_key": i["item_key"], "voucher_no": i["voucher_no"], "item_code": i["item_code"],
             "item_name": i["item_name"], "payer": i["payer"], "employee_id": None, "name": None, "id_type": None,
             "id_number": None, "period_start": i["period_start"], "period_end": i["period_end"],
             "paid_amount": i["amount"], "item_paid": i["amount"], "arrived_on": i["arrived_on"]}
            for i in treasury.items(cur, unit_id)]


def _employee_lines(cur: duckdb.DuckDBPyConnection, unit_id: str, month_from: str | None, month_to: str | None,
                    name: str | None, id_number: str | None, keys: list[str] | None = None) -> list[dict[str, Any]]:
    items = {i["item_key"]: i for i in treasury.items(cur, unit_id)}
    wanted = list(items) if keys is None else sorted({_item_of(k) for k in keys} & set(items))
    only = "" if keys is None else (
        "AND l.declaration_id || '-' || l.prep_id || '|' || l.employee_id || '|' || l.month IN (SELECT unnest($keys))")
    limit = MAX_LINES if keys is not None else MAX_CANDIDATES + 1
    params: dict[str, Any] = {"u": unit_id, "items": wanted, "f": month_from, "t": month_to, "n": name,
                              "i": id_number}
    if keys is not None:
        params["keys"] = keys
    rows = cur.execute(f"""
        SELECT l.declaration_id || '-' || l.prep_id AS item_key, l.employee_id, e.name, e.id_type, e.id_number,
               l.month, l.amount
        FROM declaration_lines l JOIN employees e ON e.unit_id = $u AND e.employee_id = l.employee_id
        WHERE l.declaration_id || '-' || l.prep_id IN (SELECT unnest($items))
          AND ($f IS NULL OR l.month >= $f) AND ($t IS NULL OR l.month <= $t)
          AND ($n IS NULL OR e.name = $n) AND ($i IS NULL OR e.id_number = $i) AND l.amount > 0 {only}
        ORDER BY e.name, l.employee_id, l.month, item_key LIMIT {limit}
    """, params).fetchall()
    out = []
    for item_key, employee_id, person, kind, number, month, amount in rows:
        item = items[item_key]
        out.append({"line_key": f"{item_key}|{employee_id}|{month}", "voucher_no": item["voucher_no"],
                    "item_code": item["item_code"], "item_name": item["item_name"], "payer": item["payer"],
                    "employee_id": employee_id, "name": person, "id_type": kind, "id_number": number,
                    "period_start": month, "period_end": month, "paid_amount": amount,
                    "item_paid": item["amount"], "arrived_on": item["arrived_on"]})
    return out


def candidates(store: BureauStore, unit_id: str, kind: str, month_from: str | None, month_to: str | None, *,
               name: str | None = None, id_number: str | None = None) -> dict[str, Any]:
    """What may be refunded: lines of `kind` (ticket / employee) whose period meets the months, each with
    paid_amount, asked (by earlier applications) and refundable; at most 5,000 (`truncated` says more)."""
    treasury.prepare(store, unit_id)
    if month_from and month_to and month_from > month_to:
        raise Refusal(422, "PERIOD_INVALID", "费款所属期起不能晚于费款所属期止")
    name, id_number = (name or "").strip() or None, (id_number or "").strip() or None
    with store.reading() as cur:
        treasury.unit_facts(cur, unit_id)
        if kind == "ticket":
            lines = [r for r in _ticket_lines(cur, unit_id) if treasury.overlaps(r, month_from, month_to)]
        else:
            lines = _employee_lines(cur, unit_id, month_from, month_to, name, id_number)
        asked = _asked(cur, unit_id)
    on_items = _per_item(asked)
    for line in lines:
        line["asked"], line["refundable"] = _refundable(line, asked, on_items)
        del line["item_paid"]
    return {"lines": lines[:MAX_CANDIDATES], "truncated": len(lines) > MAX_CANDIDATES}


def _record(cur: duckdb.DuckDBPyConnection, refund_id: str) -> dict[str, Any] | None:
    row = first_row(cur.execute(f"SELECT {_APP_COLUMNS} FROM refund_applications WHERE refund_id = ?", [refund_id]))
    if row is None:
        return None
    rec = dict(zip(_names(_APP_COLUMNS), row, strict=True))
    for hidden in ("planned_outcome", "planned_reason", "due_at"):
        rec.pop(hidden)
    rec["kind_name"] = KINDS[rec["kind"]]
    rec["account_masked"] = "****" + rec["account_no"][-4:]
    rec["lines"] = cur.execute("SELECT count(*) FROM refund_lines WHERE refund_id = ?", [refund_id]).fetchall()[0][0]
    return rec


def _own(cur: duckdb.DuckDBPyConnection, unit_id: str, refund_id: str) -> dict[str, Any]:
    rec = _record(cur, refund_id)
    if rec is None or rec["unit_id"] != unit_id:
        raise Refusal(404, "REFUND_NOT_FOUND", f"未找到本单位的退费申请{refund_id}")
    return rec


def _public(rec: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in rec.items() if k != "unit_id"}


def _money(text: Any, what: str) -> Decimal:
    try:
        value = Decimal(str(text))
    except ArithmeticError:
        raise Refusal(422, "REFUND_AMOUNT_INVALID", f"{what}不是有效的金额") from None
    if not value.is_finite() or value != value.quantize(Decimal("0.01")) or abs(value) >= Decimal("1e14"):
        raise Refusal(422, "REFUND_AMOUNT_INVALID", f"{what}须为最多两位小数的金额")
    return value.quantize(Decimal("0.01"))


def apply(store: BureauStore, unit_id: str, body: dict[str, Any], delay_s: float) -> dict[str, Any]:
    """提交申请: checked in this order, nothing kept when one fails: the account (户名, 银行, 8-32 digit
    账号), the refund type and reason, the lines (known lines of the kind, no repeats, each amount above 0
    and at most what is refundable), and the total (the lines' sum)."""
    treasury.prepare(store, unit_id)
    account_name = body["account_name"].strip()
    bank_name = body["bank_name"].strip()
    account_no = body["account_no"].strip()
    if not account_name:
        raise Refusal(422, "REFUND_ACCOUNT_INVALID", "请填写退费银行账户名称")
    if not bank_name:
        raise Refusal(422, "REFUND_ACCOUNT_INVALID", "请选择退费银行")
    if not (account_no.isdigit() and 8 <= len(account_no) <= 32):
        raise Refusal(422, "REFUND_ACCOUNT_INVALID", "退费银行账户须为8至32位数字")
    if body["refund_type"] not in REFUND_TYPES:
        raise Refusal(422, "REFUND_TYPE_INVALID", f"退费原因须为：{'、'.join(REFUND_TYPES)}")
    reason = body["reason"].strip()
    if not reason:
        raise Refusal(422, "REFUND_REASON_REQUIRED", "请填写退费申请理由")
    wanted = body["lines"]
    keys = [w["line_key"] for w in wanted]
    if not wanted:
        raise Refusal(422, "REFUND_LINES_REQUIRED", "请勾选需要退费的信息")
    if len(set(keys)) != len(keys):
        raise Refusal(422, "REFUND_LINE_REPEATED", "同一条缴费信息在一份退费申请中只能出现一次")
    now = clock.now()
    with store.writing() as cur:
        treasury.unit_facts(cur, unit_id)
        if body["kind"] == "ticket":
            known = {r["line_key"]: r for r in _ticket_lines(cur, unit_id)}
        else:
            known = {r["line_key"]: r for r in _employee_lines(cur, unit_id, None, None, None, None, keys)}
        asked = _asked(cur, unit_id)
        on_items = _per_item(asked)
        lines, total = [], _ZERO
        for n, want in enumerate(wanted, 1):
            line = known.get(want["line_key"])
            if line is None:
                raise Refusal(422, "REFUND_LINE_NOT_FOUND",
                              f"第{n}条退费信息不是本单位已入库的{KINDS[body['kind']]}缴费信息，请重新查询后勾选")
            amount = _money(want["amount"], f"第{n}条的退费金额")
            if amount <= 0:
                raise Refusal(422, "REFUND_AMOUNT_INVALID", f"第{n}条的退费金额须大于0")
            on_line, refundable = _refundable(line, asked, on_items)
            if amount > refundable:
                raise Refusal(422, "REFUND_EXCEEDS_PAID",
                              f"第{n}条的退费金额{amount}元超过可退金额{refundable}元（实缴{line['paid_amount']}元，"
                              f"已申请退费{on_line}元）")
            asked[line["line_key"]] = on_line + amount
            on_items[_item_of(line["line_key"])] = on_items.get(_item_of(line["line_key"]), _ZERO) + amount
            lines.append((n, line, amount))
            total += amount
        if _money(body["total"], "退费金额合计") != total:
            raise Refusal(409, "REFUND_TOTAL_CHANGED",
                          f"退费金额合计应为所选退费金额之和{total}元，与提交的{body['total']}元不一致，请核对后重新提交")
        seq = cur.execute("SELECT nextval('refund_seq')").fetchall()[0][0]
        refund_id = f"TF{now:%Y%m%d}{seq:06d}"
        cur.execute(f"INSERT INTO refund_applications ({_APP_COLUMNS}) VALUES ({', '.join('?' * 16)})", [
            refund_id, unit_id, body["kind"], PENDING, body["refund_type"], reason, account_name, bank_name,
            account_no, total, now, now + dt.timedelta(seconds=delay_s), None, None, None, None])
        _insert_lines(cur, refund_id, lines)
        return _public(_own(cur, unit_id, refund_id))


def _insert_lines(cur: duckdb.DuckDBPyConnection, refund_id: str,
                  lines: list[tuple[int, dict[str, Any], Decimal]]) -> None:
    """The application's lines in one Arrow insert (thousands of rows; `executemany` takes seconds)."""
    text = ("line_key", "voucher_no", "item_code", "item_name", "payer", "employee_id", "name", "id_type",
            "id_number", "period_start", "period_end")
    money = pa.decimal128(18, 2)
    table = pa.table({
        "refund_id": pa.array([refund_id] * len(lines), pa.string()),
        "seq": pa.array([n for n, _, _ in lines], pa.int32()),
        **{col: pa.array([line[col] for _, line, _ in lines], pa.string()) for col in text},
        "paid_amount": pa.array([line["paid_amount"] for _, line, _ in lines], money),
        "amount": pa.array([amount for _, _, amount in lines], money),
    })
    cur.register("refund_lines_in", table)
    try:
        cur.execute(f"INSERT INTO refund_lines (refund_id, {_LINE_COLUMNS}) SELECT refund_id, {_LINE_COLUMNS} "
                    "FROM refund_lines_in")
    finally:
        cur.unregister("refund_lines_in")


def decide_due(store: BureauStore, unit_id: str | None = None) -> int:
    """Decide the applications whose delay has passed: 已退库, or 审核不通过 when a demo call planned it."""
    now = clock.now()
    unit_sql, params = ("AND unit_id = ?", [unit_id]) if unit_id else ("", [])
    with store.writing() as cur:
        due = cur.execute(f"SELECT refund_id, planned_outcome, planned_reason FROM refund_applications "
                          f"WHERE status = ? AND due_at <= ? {unit_sql}", [PENDING, now, *params]).fetchall()
        for refund_id, outcome, reason in due:
            status = REJECTED if outcome == REJECTED else REFUNDED
            why = (reason or "退费申请未通过审核") if status == REJECTED else None
            cur.execute("UPDATE refund_applications SET status = ?, result_reason = ?, decided_at = ? "
                        "WHERE refund_id = ?", [status, why, now, refund_id])
    return len(due)


def applications(store: BureauStore, unit_id: str, date_from: dt.date | None, date_to: dt.date | None
                 ) -> list[dict[str, Any]]:
    """The unit's applications by 申请日期 (both ends inclusive), newest first (due ones decided first)."""
    decide_due(store, unit_id)
    with store.reading() as cur:
        treasury.unit_facts(cur, unit_id)
        ids = [r[0] for r in cur.execute(
            "SELECT refund_id FROM refund_applications WHERE unit_id = ? AND (? IS NULL OR CAST(applied_at AS DATE) >= ?) "
            "AND (? IS NULL OR CAST(applied_at AS DATE) <= ?) ORDER BY applied_at DESC, refund_id DESC",
            [unit_id, date_from, date_from, date_to, date_to]).fetchall()]
        return [_public(_own(cur, unit_id, i)) for i in ids]


def application(store: BureauStore, unit_id: str, refund_id: str) -> dict[str, Any]:
    """One application and its lines."""
    decide_due(store, unit_id)
    with store.reading() as cur:
        rec = _public(_own(cur, unit_id, refund_id))
        lines = [dict(zip(_names(_LINE_COLUMNS), r, strict=True)) for r in cur.execute(
            f"SELECT {_LINE_COLUMNS} FROM refund_lines WHERE refund_id = ? ORDER BY seq", [refund_id]).fetchall()]
    return {"record": rec, "lines": lines}


def plan_decision(store: BureauStore, unit_id: str, refund_id: str, status: str, reason: str | None
                  ) -> dict[str, Any]:
    """Demo: decide a 待审核 application now (已退库, or 审核不通过 with `reason`)."""
    with store.writing() as cur:
        rec = _own(cur, unit_id, refund_id)
        if rec["status"] != PENDING:
            raise Refusal(409, "REFUND_DECIDED", f"退费申请{refund_id}已{rec['status']}，不能再审核")
        cur.execute("UPDATE refund_applications SET planned_outcome = ?, planned_reason = ?, due_at = ? "
                    "WHERE refund_id = ?", [status, reason, clock.now(), refund_id])
    decide_due(store, unit_id)
    with store.reading() as cur:
        return _public(_own(cur, unit_id, refund_id))


def clear_unit(store: BureauStore, unit_id: str) -> None:
    """Demo reset: the unit's refund applications are forgotten."""
    with store.writing() as cur:
        cur.execute("DELETE FROM refund_lines WHERE refund_id IN "
                    "(SELECT refund_id FROM refund_applications WHERE unit_id = ?)", [unit_id])
        cur.execute("DELETE FROM refund_applications WHERE unit_id = ?", [unit_id])
