"""Paying arrears (缴费, manual 2.11), the payment records (缴费记录, 2.13) and 解锁.

A payment (POST) names the arrears chosen, the method and the total the clerk confirmed; the
declaration password is checked first (it counts towards the unit's lock, like 安全认证).

- `agreement` (三方协议): the agreement must be usable (`agreements.usable_for_payment`); the simulated
  bank decides the deduction, per payment: success (缴费成功: the items are settled, arrive, and a
  declaration with nothing left unpaid becomes 已缴费), failure with a reason (缴费失败: the items stay
  owed), or a lock (锁定: the items cannot be paid again until 解锁, which the bank resolves into
  缴费成功 or 扣费失败). What the bank answers is the unit's demo setting (`bank_behaviour`, default
  success; `POST /demo/units/{id}/bank`).
- `voucher` (银行端缴费凭证): a voucher is issued (`vouchers.py`); the items are paid when the bank
  reports the voucher paid.

Rules on the items chosen: each must be owed now (ARREARS_NOT_FOUND), not locked (ARREAR_LOCKED), not
on a valid unpaid voucher (ARREAR_ON_VOUCHER); of one declaration (应征凭证序号) the items that are not
可缓缴 go together (ARREARS_INCOMPLETE), the 可缓缴 ones may be paid apart; the total (late fees as of
today included) must be the one confirmed (ARREARS_CHANGED). The payment keeps its key: the same key
from the same unit (even after a new login) answers the payment as it is now, without paying twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from decimal import Decimal
from typing import Any

import duckdb

from sbflib.domain import clock

from . import collection as col
from . import declarations, vouchers
from .accounts import check_password
from .errors import Refusal
from .store import BureauStore, first_row

MAX_ITEMS = 100_000
DEFAULT_FAILURE = "账户余额不足"
DEFAULT_UNLOCK_FAILURE = "账户余额不足"
BANK_OUTCOMES = ("success", "failure", "lock")


def body_digest(arrear_ids: list[str], method: str, agreement_id: str | None, payer: dict[str, Any] | None,
                total: Decimal) -> str:
    doc = {"arrear_ids": sorted(arrear_ids), "method": method, "agreement_id": agreement_id, "payer": payer,
           "total": f"{total:.2f}"}
    return hashlib.sha256(json.dumps(doc, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


# --- the simulated bank ------------------------------------------------------------------------------


def bank_setting(cur: duckdb.DuckDBPyConnection, unit_id: str) -> dict[str, Any]:
    row = first_row(cur.execute("SELECT outcome, reason, unlock_outcome, unlock_reason FROM bank_behaviour "
                                "WHERE unit_id = ?", [unit_id]))
    if row is None:
        return {"outcome": "success", "reason": None, "unlock_outcome": "success", "unlock_reason": None}
    return {"outcome": row[0], "reason": row[1], "unlock_outcome": row[2], "unlock_reason": row[3]}


def set_bank(store: BureauStore, unit_id: str, setting: dict[str, Any]) -> dict[str, Any]:
    """Demo: how the bank answers the unit's next 三方协议 deductions and unlocks (until changed or reset)."""
    with store.writing() as cur:
        col.unit_facts(cur, unit_id)
        cur.execute("INSERT OR REPLACE INTO bank_behaviour VALUES (?, ?, ?, ?, ?)",
                    [unit_id, setting["outcome"], setting.get("reason"), setting["unlock_outcome"],
                     setting.get("unlock_reason")])
        return bank_setting(cur, unit_id)


# --- arrears -----------------------------------------------------------------------------------------


def _pay_date(pay_date: dt.date | None) -> dt.date:
    today = clock.today()
    if pay_date is not None and pay_date < today:
        raise Refusal(422, "VALIDATION", f"请求参数有误：缴费日期（pay_date）不能早于今天（{today:%Y-%m-%d}）")
    return pay_date or today


def arrears(store: BureauStore, unit_id: str, pay_date: dt.date | None = None) -> list[dict[str, Any]]:
    """欠费信息 of the unit, the late fee computed as if paid on `pay_date` (default today)."""
    day = _pay_date(pay_date)
    declarations.decide_due(store, unit_id)
    with store.reading() as cur:
        return col.arrears_rows(cur, unit_id, day)


def arrears_frame(store: BureauStore, unit_id: str, pay_date: dt.date | None = None) -> tuple[bytes, int]:
    """The same as one Arrow frame and its row count (`collection.arrears_frame`)."""
    day = _pay_date(pay_date)
    declarations.decide_due(store, unit_id)
    with store.reading() as cur:
        return col.arrears_frame(cur, unit_id, day)


def arrears_json(store: BureauStore, unit_id: str, pay_date: dt.date | None = None) -> str:
    """The same as the JSON array the route answers (built by DuckDB: 100,000 rows in well under a second
    of CPU)."""
    day = _pay_date(pay_date)
    declarations.decide_due(store, unit_id)
    with store.reading() as cur:
        return col.arrears_json(cur, unit_id, day)


# --- paying ------------------------------------------------------------------------------------------


def _check_selection(chosen: list[dict[str, Any]], owed: list[dict[str, Any]], total: Decimal) -> None:
    locked = [a for a in chosen if a["status"] == col.LOCKED]
    if locked:
        raise Refusal(409, "ARREAR_LOCKED",
                      f"欠费信息{locked[0]['arrear_id']}已锁定（缴费记录{locked[0]['locked_by']}），"
                      "锁定状态的欠费信息不能缴费，请先在缴费记录中解锁")
    on_voucher = [a for a in chosen if a["bank_voucher_no"]]
    if on_voucher:
        raise Refusal(409, "ARREAR_ON_VOUCHER",
                      f"欠费信息{on_voucher[0]['arrear_id']}已开具银行端缴费凭证{on_voucher[0]['bank_voucher_no']}，"
                      "请持凭证到银行缴款，或在缴费凭证打印记录中作废该凭证后重新缴费")
    ids = {a["arrear_id"] for a in chosen}
    by_declaration: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for a in owed:
        if not a["deferrable"]:
            by_declaration[a["declaration_id"]].append(a)
    for rows in by_declaration.values():
        taken = [a for a in rows if a["arrear_id"] in ids]
        if taken and len(taken) < len(rows):
            left = [a["arrear_id"] for a in rows if a["arrear_id"] not in ids]
            raise Refusal(422, "ARREARS_INCOMPLETE",
                          f"应征凭证序号{rows[0]['voucher_no']}的欠费信息须一并缴纳（可缓缴的除外），本次缺少"
                          f"{len(left)}条（{'、'.join(left[:3])}）")
    due = sum((a["total"] for a in chosen), col.ZERO)
    if due != total:
        raise Refusal(409, "ARREARS_CHANGED",
                      f"所选欠费的应缴金额（含滞纳金）合计为{due:.2f}元，与确认的{total:.2f}元不一致，"
                      "欠费信息已更新，请刷新后重新核对")


def _payer_fields(agreement: dict[str, Any]) -> tuple[str | None, str | None]:
    bank = agreement.get("bank_name") or agreement.get("bank") or agreement.get("branch_name")
    masked = agreement.get("account_masked")
    if not masked:
        full = agreement.get("account_no") or agreement.get("account") or agreement.get("account_number")
        masked = f"****{str(full)[-4:]}" if full else None
    return (str(bank) if bank else None), (str(masked) if masked else None)


def pay(store: BureauStore, unit_id: str, *, password: str, arrear_ids: list[str], method: str,
        agreement_id: str | None, payer: dict[str, Any] | None, total: Decimal,
        idempotency_key: str | None) -> dict[str, Any]:
    """立即缴费: check the password, then the selection, then pay by agreement or issue a voucher."""
    digest = body_digest(arrear_ids, method, agreement_id, payer, total)
    if idempotency_key:
        with store.reading() as cur:
            known = first_row(cur.execute("SELECT payment_id, body_sha256 FROM payments WHERE unit_id = ? AND "
                                          "idempotency_key = ?", [unit_id, idempotency_key]))
        if known is not None:
            if known[1] != digest:
                raise Refusal(422, "IDEMPOTENCY_KEY_REUSED", "该幂等键已用于另一笔不同的请求，请使用新的幂等键")
            return payment(store, unit_id, known[0])
    check_password(store, unit_id, password)
    declarations.decide_due(store, unit_id)
    now = clock.now()
    with store.writing() as cur:
        if idempotency_key:  # a twin that arrived meanwhile
            known = first_row(cur.execute("SELECT payment_id FROM payments WHERE unit_id = ? AND idempotency_key = ?",
                                          [unit_id, idempotency_key]))
            if known is not None:
                return _payment(cur, unit_id, known[0])
        facts = col.unit_facts(cur, unit_id)
        if facts["module"] != "employer":
            raise Refusal(400, "PAYMENT_NOT_OFFERED", "代收单位请在代收代缴菜单缴费")
        owed = col.arrears_rows(cur, unit_id, now.date())
        by_id = {a["arrear_id"]: a for a in owed}
        missing = [i for i in arrear_ids if i not in by_id]
        if missing:
            raise col.unknown_arrears(missing)
        chosen = [by_id[i] for i in arrear_ids]
        _check_selection(chosen, owed, total)
        agreement: dict[str, Any] | None = None
        if method == "agreement":
            if not agreement_id:
                raise Refusal(422, "VALIDATION", "请求参数有误：三方协议缴费须选择三方协议（agreement_id）")
            from .agreements import usable_for_payment

            agreement = usable_for_payment(cur, unit_id, agreement_id)
        seq = cur.execute("SELECT nextval('payment_seq')").fetchall()[0][0]
        payment_id = f"ZF{now:%Y%m%d}{seq:08d}"
        bank_name, masked = _payer_fields(agreement) if agreement is not None else (None, None)
        amount = sum((a["amount"] for a in chosen), col.ZERO)
        fee = sum((a["late_fee"] for a in chosen), col.ZERO)
        voucher_no = None
        if method == "voucher":
            voucher_no = vouchers.issue(cur, unit_id, facts, payment_id, chosen, payer or {}, now)
        cur.execute("INSERT INTO payments VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [payment_id, unit_id, method, agreement_id if method == "agreement" else None, bank_name,
                     (agreement or {}).get("account_name"), masked, voucher_no, amount, fee, amount + fee, now,
                     idempotency_key, digest])
        if method == "agreement":
            bank = bank_setting(cur, unit_id)
            status = {"success": col.PAID, "failure": col.FAILED, "lock": col.LOCKED}[bank["outcome"]]
            reason = (bank["reason"] or DEFAULT_FAILURE) if status == col.FAILED else None
            by_levy: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for a in chosen:
                by_levy[a["voucher_no"]].append(a)
            for levy_no, items in by_levy.items():
                col.new_record(cur, unit_id, payment_id=payment_id, levy_no=levy_no,
                               declaration_id=items[0]["declaration_id"], channel=col.CHANNEL_AGREEMENT,
                               method="agreement", status=status, reason=reason,
                               tax_authority=items[0]["tax_authority"], items=items, now=now, bank_name=bank_name,
                               account_masked=masked)
        return _payment(cur, unit_id, payment_id)


_RECORD = ("record_id, payment_id, declaration_id, voucher_no, channel, method, status, reason, unlock_result, "
           "tax_authority, period_start, period_end, amount, late_fee, total, bank_name, account_masked, bank_serial, "
           "bank_voucher_no, created_at, decided_at, unlocked_at, paid_on")
_ITEM = ("declaration_id, prep_id, unit_number, agency, item_code, item_name, subitem_name, payer, period_start, "
         "period_end, headcount, amount, late_fee, pay_by, is_deferrable AS deferrable")


def _items(cur: duckdb.DuckDBPyConnection, record_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    rows = cur.sql(f"SELECT record_id, {_ITEM} FROM payment_items WHERE list_contains(?, record_id) "
                   "ORDER BY record_id, unit_number, item_code, payer DESC, prep_id",
                   params=[record_ids]).to_arrow_table().to_pylist()
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        rid = row.pop("record_id")
        row["payer_name"] = col.PAYER_NAMES[row["payer"]]
        row["total"] = row["amount"] + row["late_fee"]
        out[rid].append(row)
    return out


def _records(cur: duckdb.DuckDBPyConnection, where: str, params: list[Any], *, items: bool = True,
             ) -> list[dict[str, Any]]:
    rows = cur.sql(f"SELECT {_RECORD} FROM payment_records WHERE {where} ORDER BY created_at DESC, record_id DESC",
                   params=params).to_arrow_table().to_pylist()
    lines = _items(cur, [r["record_id"] for r in rows]) if items and rows else {}
    for row in rows:
        row["items"] = lines.get(row["record_id"], [])
    return rows


def _payment(cur: duckdb.DuckDBPyConnection, unit_id: str, payment_id: str) -> dict[str, Any]:
    rows = cur.sql("SELECT payment_id, method, agreement_id, bank_name, account_masked, voucher_no AS bank_voucher_no, "
                   "amount, late_fee, total, created_at FROM payments WHERE unit_id = ? AND payment_id = ?",
                   params=[unit_id, payment_id]).to_arrow_table().to_pylist()
    if not rows:
        raise Refusal(404, "PAYMENT_NOT_FOUND", f"未找到缴费{payment_id}")
    out = rows[0]
    out["records"] = _records(cur, "unit_id = ? AND payment_id = ?", [unit_id, payment_id])
    statuses = {r["status"] for r in out["records"]}
    if out["method"] == "voucher":
        out["voucher"] = vouchers.one(cur, unit_id, out["bank_voucher_no"])
        out["status"] = col.PAID if out["voucher"]["status"] == vouchers.PAID else "已开具凭证"
    else:
        out["voucher"] = None
        out["status"] = (col.LOCKED if col.LOCKED in statuses else col.FAILED if col.FAILED in statuses
                         else col.PAID)
    return out


def payment(store: BureauStore, unit_id: str, payment_id: str) -> dict[str, Any]:
    with store.reading() as cur:
        return _payment(cur, unit_id, payment_id)


def records(store: BureauStore, unit_id: str, period_from: str | None, period_to: str | None,
            ) -> list[dict[str, Any]]:
    """缴费记录 whose 费款所属期 overlaps `period_from`..`period_to` (months; either may be None), made
    here or in other channels, newest first, each with its items."""
    col.ensure_history(store, unit_id)
    with store.reading() as cur:
        return _records(cur, "unit_id = ? AND (?::VARCHAR IS NULL OR period_end >= ?) "
                        "AND (?::VARCHAR IS NULL OR period_start <= ?)",
                        [unit_id, period_from, period_from, period_to, period_to])


def _record(cur: duckdb.DuckDBPyConnection, unit_id: str, record_id: str) -> dict[str, Any]:
    found = _records(cur, "unit_id = ? AND record_id = ?", [unit_id, record_id])
    if not found:
        raise Refusal(404, "PAYMENT_NOT_FOUND", f"未找到缴费记录{record_id}")
    return found[0]


def record(store: BureauStore, unit_id: str, record_id: str) -> dict[str, Any]:
    """One 缴费记录 with its items (申报明细 by 应征凭证序号)."""
    with store.reading() as cur:
        return _record(cur, unit_id, record_id)


def unlock(store: BureauStore, unit_id: str, record_id: str, password: str, key: str | None) -> dict[str, Any]:
    """解锁 a locked record: the bank resolves it into 缴费成功 (settled, arrived) or 扣费失败 (缴费失败,
    the items owed again)."""
    with store.reading() as cur:
        rec = _record(cur, unit_id, record_id)
        done = first_row(cur.execute("SELECT unlock_key FROM payment_records WHERE record_id = ?", [record_id]))
    if key is not None and done is not None and done[0] == key:
        return rec
    if rec["status"] != col.LOCKED:
        raise Refusal(409, "PAYMENT_NOT_LOCKED", f"缴费记录{record_id}的状态为{rec['status']}，只有锁定的记录需要解锁")
    check_password(store, unit_id, password)
    now = clock.now()
    with store.writing() as cur:
        status = first_row(cur.execute("SELECT status, unlock_key FROM payment_records WHERE record_id = ?",
                                       [record_id]))
        if status is not None and key is not None and status[1] == key:
            return _record(cur, unit_id, record_id)
        if status is None or status[0] != col.LOCKED:
            raise Refusal(409, "PAYMENT_NOT_LOCKED", f"缴费记录{record_id}已不是锁定状态")
        bank = bank_setting(cur, unit_id)
        if bank["unlock_outcome"] == "success":
            cur.execute("UPDATE payment_records SET status = ?, unlock_result = ?, unlocked_at = ?, decided_at = ?, "
                        "unlock_key = ? WHERE record_id = ?", [col.PAID, col.PAID, now, now, key, record_id])
            col.arrive(cur, unit_id, record_id, now.date())
        else:
            reason = f"{col.DEDUCTION_FAILED}：{bank['unlock_reason'] or DEFAULT_UNLOCK_FAILURE}"
            cur.execute("UPDATE payment_records SET status = ?, unlock_result = ?, reason = ?, unlocked_at = ?, "
                        "decided_at = ?, unlock_key = ? WHERE record_id = ?",
                        [col.FAILED, col.DEDUCTION_FAILED, reason, now, now, key, record_id])
        return _record(cur, unit_id, record_id)
