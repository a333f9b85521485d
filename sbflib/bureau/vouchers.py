"""银行端缴费凭证 (bank vouchers, manual 2.11 二(三)2, 2.12): the clerk prints one, takes it to a bank
counter and pays there.

A voucher holds a voucher number (银行端查询缴税凭证序号, 19 digits), the items with their 应征凭证序号,
the total, the payer block the clerk chose (or blank), and is valid until the earliest pay-by date
of its items (the late fee grows every day after it, so an overdue voucher is valid on its day of
issue only: "请在税款缴款日期前缴款，逾期必须重新打印后才能缴款！"). While it is unpaid and valid its items
cannot be paid otherwise (void it first). It may be voided while unpaid (未缴费 → 已作废); a voided
or paid voucher cannot be voided again. The bank reports a payment (demo call), which makes the
payment records (channel 银行端凭证) and the arrivals.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import duckdb

from sbflib.domain import clock

from . import collection as col
from .errors import Refusal
from .store import BureauStore, first_row

UNPAID, PAID, VOIDED, EXPIRED = "未缴费", "已缴费", "已作废", "已过期"
CLIENT, ELSEWHERE = "客户端", "其他渠道"
_ITEM_KEYS = ("declaration_id", "levy_no", "prep_id", "unit_number", "agency", "item_code", "item_name",
              "subitem_name", "payer", "period_start", "period_end", "headcount", "amount", "late_fee", "pay_by",
              "deferrable")
_ITEM_COLUMNS = tuple("is_deferrable" if k == "deferrable" else k for k in _ITEM_KEYS)


def _insert(cur: duckdb.DuckDBPyConnection, unit_id: str, facts: dict[str, Any], items: list[dict[str, Any]],
            issued: dt.datetime, *, payment_id: str | None, channel: str, status: str, valid_until: dt.date,
            payer: dict[str, str | None]) -> str:
    seq = cur.execute("SELECT nextval('bank_voucher_seq')").fetchall()[0][0]
    voucher_no = f"4{issued:%Y%m%d}{seq:010d}"
    amount = sum((i["amount"] for i in items), col.ZERO)
    fee = sum((i["late_fee"] for i in items), col.ZERO)
    cur.execute("""
        INSERT INTO bank_vouchers (voucher_no, unit_id, payment_id, channel, status, issued_at, valid_until, amount,
            late_fee, total, taxpayer_id, taxpayer_name, tax_authority, tax_authority_code, payer_name,
            payer_account, payer_bank, period_start, period_end, voided_at, void_key, paid_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL)
    """, [voucher_no, unit_id, payment_id, channel, status, issued, valid_until, amount, fee, amount + fee,
          facts["taxpayer_id"], facts["name"], facts["tax_authority"], facts["tax_authority_code"],
          payer.get("payer_name"), payer.get("payer_account"), payer.get("payer_bank"),
          min(i["period_start"] for i in items), max(i["period_end"] for i in items)])
    cur.executemany(
        f"INSERT INTO bank_voucher_items ({', '.join(('voucher_no', *_ITEM_COLUMNS))}) "
        f"VALUES ({', '.join('?' for _ in range(len(_ITEM_KEYS) + 1))})",
        [[voucher_no, *(i.get(k) if k != "levy_no" else i["voucher_no"] for k in _ITEM_KEYS)] for i in items])
    return voucher_no


def issue(cur: duckdb.DuckDBPyConnection, unit_id: str, facts: dict[str, Any], payment_id: str,
          items: list[dict[str, Any]], payer: dict[str, str | None], now: dt.datetime) -> str:
    """A voucher for the chosen arrears (their late fee as of today), valid until the earliest pay-by
    date, or today only when an item is overdue."""
    today = now.date()
    first_due = min(i["pay_by"] for i in items)
    return _insert(cur, unit_id, facts, items, now, payment_id=payment_id, channel=CLIENT, status=UNPAID,
                   valid_until=max(first_due, today), payer=payer)


def history_voucher(cur: duckdb.DuckDBPyConnection, unit_id: str, facts: dict[str, Any],
                    items: list[dict[str, Any]], issued: dt.datetime, *, paid: bool, levy_no: str) -> str:
    """Demo: a voucher printed in another channel, paid at the bank two days later or voided."""
    rows = [{**i, "voucher_no": levy_no} for i in items]
    voucher_no = _insert(cur, unit_id, facts, rows, issued, payment_id=None, channel=ELSEWHERE, status=UNPAID,
                         valid_until=min(i["pay_by"] for i in items), payer={})
    if paid:
        _paid_at_bank(cur, unit_id, voucher_no, issued + dt.timedelta(days=2))
    else:
        cur.execute("UPDATE bank_vouchers SET status = ?, voided_at = ? WHERE voucher_no = ?",
                    [VOIDED, issued + dt.timedelta(hours=2), voucher_no])
    return voucher_no


def _paid_at_bank(cur: duckdb.DuckDBPyConnection, unit_id: str, voucher_no: str, when: dt.datetime) -> list[str]:
    """The bank reports the voucher paid: one payment record per 应征凭证序号, settled and arrived."""
    head = cur.execute("SELECT payment_id, tax_authority, payer_bank, payer_account FROM bank_vouchers "
                       "WHERE voucher_no = ?", [voucher_no]).fetchall()[0]
    items = _items(cur, voucher_no)
    by_levy: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        by_levy[item["levy_no"]].append(item)
    records = []
    for levy_no, group in by_levy.items():
        records.append(col.new_record(
            cur, unit_id, payment_id=head[0], levy_no=levy_no, declaration_id=group[0]["declaration_id"],
            channel=col.CHANNEL_VOUCHER, method="voucher", status=col.PAID, reason=None, tax_authority=head[1],
            items=group, now=when, bank_name=head[2], account_masked=_mask(head[3]), bank_voucher_no=voucher_no))
    cur.execute("UPDATE bank_vouchers SET status = ?, paid_at = ? WHERE voucher_no = ?", [PAID, when, voucher_no])
    return records


def _mask(account: str | None) -> str | None:
    return None if not account else "****" + account[-4:]


def _items(cur: duckdb.DuckDBPyConnection, voucher_no: str) -> list[dict[str, Any]]:
    return cur.sql(f"SELECT {', '.join(c if c == k else f'{c} AS {k}' for c, k in zip(_ITEM_COLUMNS, _ITEM_KEYS))} "
                   "FROM bank_voucher_items WHERE voucher_no = ? "
                   "ORDER BY levy_no, unit_number, item_code, payer DESC, prep_id",
                   params=[voucher_no]).to_arrow_table().to_pylist()


_HEAD = ("voucher_no, channel, status, issued_at, valid_until, amount, late_fee, total, taxpayer_id, taxpayer_name, "
         "tax_authority, tax_authority_code, payer_name, payer_account, payer_bank, period_start, period_end, "
         "voided_at, paid_at, payment_id")


def _wire(head: dict[str, Any], today: dt.date) -> dict[str, Any]:
    if head["status"] == UNPAID and head["valid_until"] < today:
        head["status"] = EXPIRED
    return head


def one(cur: duckdb.DuckDBPyConnection, unit_id: str, voucher_no: str) -> dict[str, Any]:
    """One voucher of the unit with its items, in the caller's unit of work."""
    rows = cur.sql(f"SELECT {_HEAD} FROM bank_vouchers WHERE unit_id = ? AND voucher_no = ?",
                   params=[unit_id, voucher_no]).to_arrow_table().to_pylist()
    if not rows:
        raise Refusal(404, "VOUCHER_NOT_FOUND", f"未找到银行端缴费凭证{voucher_no}")
    head = _wire(rows[0], clock.today())
    head["items"] = [_wire_item(i) for i in _items(cur, voucher_no)]
    return head


def _wire_item(item: dict[str, Any]) -> dict[str, Any]:
    out = {k: item[k] for k in ("levy_no", "declaration_id", "unit_number", "item_code", "item_name",
                                "subitem_name", "payer", "period_start", "period_end", "amount", "late_fee")}
    out["voucher_no"] = out.pop("levy_no")
    out["payer_name"] = col.PAYER_NAMES[item["payer"]]
    out["total"] = item["amount"] + item["late_fee"]
    return out


def voucher(store: BureauStore, unit_id: str, voucher_no: str) -> dict[str, Any]:
    """One voucher with its items (查看)."""
    with store.reading() as cur:
        return one(cur, unit_id, voucher_no)


def list_vouchers(store: BureauStore, unit_id: str, period_from: str | None, period_to: str | None,
                  ) -> list[dict[str, Any]]:
    """缴费凭证打印记录 whose 费款所属期 overlaps the months `period_from`..`period_to` (either may be
    None), printed here or in other channels, newest first, each with its items."""
    col.ensure_history(store, unit_id)
    with store.reading() as cur:
        heads = cur.sql(f"""
            SELECT {_HEAD} FROM bank_vouchers WHERE unit_id = ?
              AND (?::VARCHAR IS NULL OR period_end >= ?) AND (?::VARCHAR IS NULL OR period_start <= ?)
            ORDER BY issued_at DESC, voucher_no DESC
        """, params=[unit_id, period_from, period_from, period_to, period_to]).to_arrow_table().to_pylist()
        today = clock.today()
        for head in heads:
            _wire(head, today)
            head["items"] = [_wire_item(i) for i in _items(cur, head["voucher_no"])]
    return heads


def void(store: BureauStore, unit_id: str, voucher_no: str, key: str | None) -> dict[str, Any]:
    """作废 an unpaid voucher: its items may be paid again (a new voucher, or by agreement)."""
    with store.writing() as cur:
        found = first_row(cur.execute("SELECT status, void_key FROM bank_vouchers WHERE unit_id = ? AND voucher_no = ?",
                                      [unit_id, voucher_no]))
        if found is None:
            raise Refusal(404, "VOUCHER_NOT_FOUND", f"未找到银行端缴费凭证{voucher_no}")
        status, void_key = found
        if status == VOIDED and key is not None and void_key == key:
            return one(cur, unit_id, voucher_no)
        if status == VOIDED:
            raise Refusal(409, "VOUCHER_VOIDED", "该缴费凭证已作废，不能重新打印或再次作废，请在缴费页面重新发起缴费")
        if status == PAID:
            raise Refusal(409, "VOUCHER_PAID", "该缴费凭证已缴费，不能作废")
        cur.execute("UPDATE bank_vouchers SET status = ?, voided_at = ?, void_key = ? WHERE voucher_no = ?",
                    [VOIDED, clock.now(), key, voucher_no])
        return one(cur, unit_id, voucher_no)


def bank_pays(store: BureauStore, unit_id: str, voucher_no: str) -> dict[str, Any]:
    """Demo: the bank counter takes the money for a valid unpaid voucher."""
    with store.writing() as cur:
        head = one(cur, unit_id, voucher_no)
        if head["status"] == VOIDED:
            raise Refusal(409, "VOUCHER_VOIDED", "该缴费凭证已作废，不能缴款")
        if head["status"] == PAID:
            raise Refusal(409, "VOUCHER_PAID", "该缴费凭证已缴费")
        if head["status"] == EXPIRED:
            raise Refusal(409, "VOUCHER_EXPIRED",
                          f"该缴费凭证已超过税款缴款日期（{head['valid_until']:%Y-%m-%d}），逾期必须重新打印后才能缴款")
        _paid_at_bank(cur, unit_id, voucher_no, clock.now())
        return one(cur, unit_id, voucher_no)
