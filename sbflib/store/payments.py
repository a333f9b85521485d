"""缴费 / 缴费凭证打印记录 / 缴费记录 in the client store (migration 013): functions of the caller's
connection. The lists are declared once (`RECORD_LIST`, `VOUCHER_LIST`); rows come as plain dicts
from the service (the store does not know the wire). Money stays Decimal through Arrow (`frame`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import duckdb
import pandas as pd

from sbflib.domain import clock
from sbflib.errors import ValidationError
from sbflib.store.filters import ListSpec, Where, custom, date_from, date_to
from sbflib.store.frames import frame

Con = duckdb.DuckDBPyConnection

SENDING = "提交中"
SENT = "已提交"
RECORD_STATUSES = ("缴费成功", "缴费失败", "锁定")
VOUCHER_STATUSES = ("未缴费", "已缴费", "已作废", "已过期")
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def _now() -> dt.datetime:
    return clock.now().replace(tzinfo=None)


def check_month(value: Any, label: str) -> str:
    """'YYYY-MM' or '' (no bound); else ValidationError naming the field."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return f"{value:%Y-%m}"
    if not isinstance(value, str):
        raise ValidationError("应为“年-月”，如2026-01", field=label)
    text = value.strip()
    if text and not _MONTH.fullmatch(text):
        raise ValidationError("应为“年-月”，如2026-01", field=label)
    return text


# ---- lists -----------------------------------------------------------------------------------------


@dataclass
class RecordFilter:
    """缴费记录's query form: 费款所属期起止 (months), 缴费状态."""

    period_from: str = ""
    period_to: str = ""
    status: str = ""


@dataclass
class VoucherFilter:
    """缴费凭证打印记录's query form: 开具日期起止, 凭证状态."""

    issued_from: dt.date | str | None = None
    issued_to: dt.date | str | None = None
    status: str = ""


def _period_from(w: Where, month: str) -> None:
    w.add("r.period_end >= ?", check_month(month, "费款所属期起"))


def _period_to(w: Where, month: str) -> None:
    w.add("r.period_start <= ?", check_month(month, "费款所属期止"))


def _record_status(w: Where, status: str) -> None:
    if status not in RECORD_STATUSES:
        raise ValidationError("缴费状态不正确", field="缴费状态")
    w.equals("r.status", status)


def _voucher_status(w: Where, status: str) -> None:
    if status not in VOUCHER_STATUSES:
        raise ValidationError("凭证状态不正确", field="凭证状态")
    w.equals("v.status", status)


RECORD_COLUMNS = {
    "voucher_no": "应征凭证序号",
    "period_start": "费款所属期起",
    "period_end": "费款所属期止",
    "amount": "缴费金额",
    "late_fee": "滞纳金",
    "total": "合计",
    "channel": "缴费方式",
    "bank_name": "缴费银行",
    "account_masked": "缴费账号",
    "status": "缴费状态",
    "reason": "失败原因",
    "created_at": "缴费时间",
    "tax_authority": "主管税务机关",
}

RECORD_LIST: ListSpec[RecordFilter] = ListSpec(
    title="缴费记录",
    columns=RECORD_COLUMNS,
    filter_type=RecordFilter,
    fields={
        "period_from": custom("费款所属期起", _period_from),
        "period_to": custom("费款所属期止", _period_to),
        "status": custom("缴费状态", _record_status),
    },
)

VOUCHER_COLUMNS = {
    "voucher_no": "凭证序号",
    "issued_at": "开具时间",
    "period_start": "费款所属期起",
    "period_end": "费款所属期止",
    "total": "金额合计",
    "valid_until": "税款缴款日期",
    "status": "凭证状态",
    "channel": "开具渠道",
    "payer_name": "付款人名称",
    "tax_authority": "税务机关",
}

VOUCHER_LIST: ListSpec[VoucherFilter] = ListSpec(
    title="缴费凭证打印记录",
    columns=VOUCHER_COLUMNS,
    filter_type=VoucherFilter,
    fields={
        "issued_from": date_from("开具日期起", "v.issued_on"),
        "issued_to": date_to("开具日期止", "v.issued_on"),
        "status": custom("凭证状态", _voucher_status),
    },
)


# ---- submissions (立即缴费) -------------------------------------------------------------------------


def add_submission(con: Con, unit_id: str, key: str, method: str, body: Mapping[str, Any], total: Decimal,
                   items: int) -> None:
    con.execute("INSERT INTO pay_submissions (unit_id, pay_key, method, body, total, items, state, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [unit_id, key, method, json.dumps(body, ensure_ascii=False, sort_keys=True), total, items, SENDING,
                 _now()])


def pending_submissions(con: Con, unit_id: str) -> pd.DataFrame:
    """Payments still 提交中 (sent, answer not recorded): pay_key, method, body, total, items, created_at."""
    return frame(con, "SELECT pay_key, method, body, total, items, created_at FROM pay_submissions "
                      "WHERE unit_id = ? AND state = ? ORDER BY created_at", [unit_id, SENDING])


def drop_submission(con: Con, unit_id: str, key: str) -> None:
    con.execute("DELETE FROM pay_submissions WHERE unit_id = ? AND pay_key = ? AND state = ?", [unit_id, key, SENDING])


def record_answer(con: Con, unit_id: str, key: str, payment_id: str, status: str) -> None:
    con.execute("UPDATE pay_submissions SET state = ?, payment_id = ?, status = ?, answered_at = ? "
                "WHERE unit_id = ? AND pay_key = ?", [SENT, payment_id, status, _now(), unit_id, key])


# ---- 缴费记录 ----------------------------------------------------------------------------------------

_RECORD_FIELDS = ("record_id", "payment_id", "declaration_id", "voucher_no", "channel", "method", "status", "reason",
                  "unlock_result", "tax_authority", "period_start", "period_end", "amount", "late_fee", "total",
                  "bank_name", "account_masked", "bank_serial", "bank_voucher_no", "created_at", "decided_at",
                  "unlocked_at", "paid_on", "items")


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def put_records(con: Con, unit_id: str, rows: Iterable[Mapping[str, Any]]) -> int:
    """Insert or replace records by record_id."""
    rows = list(rows)
    if not rows:
        return 0
    now = _now()
    con.execute("DELETE FROM pay_records WHERE unit_id = ? AND list_contains(?, record_id)",
                [unit_id, [r["record_id"] for r in rows]])
    con.executemany(
        f"INSERT INTO pay_records (unit_id, {', '.join(_RECORD_FIELDS)}, fetched_at) "
        f"VALUES ({', '.join('?' * (len(_RECORD_FIELDS) + 2))})",
        [[unit_id, *[_json(r[f]) if f == "items" else r[f] for f in _RECORD_FIELDS], now] for r in rows])
    return len(rows)


def replace_records(con: Con, unit_id: str, period_from: str, period_to: str,
                    rows: Iterable[Mapping[str, Any]]) -> int:
    """同步: the held records whose 费款所属期 overlaps the months become `rows`."""
    w = Where().equals("unit_id", unit_id)
    if period_from:
        w.add("period_end >= ?", period_from)
    if period_to:
        w.add("period_start <= ?", period_to)
    con.execute(f"DELETE FROM pay_records WHERE {w.sql()}", w.params)
    return put_records(con, unit_id, rows)


_RECORD_SELECT = """
    SELECT r.record_id, r.payment_id, r.declaration_id, r.voucher_no, r.channel, r.method, r.status, r.reason,
           r.unlock_result, r.tax_authority, r.period_start, r.period_end,
           CASE WHEN r.period_start = r.period_end THEN r.period_start
                ELSE r.period_start || ' 至 ' || r.period_end END AS period_range, r.amount, r.late_fee, r.total, r.bank_name,
           r.account_masked, r.bank_serial, r.bank_voucher_no, r.created_at, r.decided_at, r.unlocked_at, r.paid_on
    FROM pay_records r WHERE {where}
    ORDER BY r.created_at DESC NULLS LAST, r.record_id DESC
"""


def _record_where(unit_id: str, filters: RecordFilter | None) -> Where:
    return RECORD_LIST.where(filters or RecordFilter(), Where().equals("r.unit_id", unit_id))


def records_page(con: Con, unit_id: str, filters: RecordFilter | None, *, page: int,
                 page_size: int) -> tuple[pd.DataFrame, int]:
    w = _record_where(unit_id, filters)
    total = int(con.execute(f"SELECT count(*) FROM pay_records r WHERE {w.sql()}", w.params).fetchall()[0][0])
    df = frame(con, _RECORD_SELECT.replace("{where}", w.sql()) + " LIMIT ? OFFSET ?",
               [*w.params, page_size, (page - 1) * page_size])
    return df, total


def records_all(con: Con, unit_id: str, filters: RecordFilter | None) -> pd.DataFrame:
    w = _record_where(unit_id, filters)
    return frame(con, _RECORD_SELECT.replace("{where}", w.sql()), w.params)


def record_row(con: Con, unit_id: str, record_id: str) -> dict[str, Any] | None:
    w = Where().equals("r.unit_id", unit_id).equals("r.record_id", record_id)
    df = frame(con, _RECORD_SELECT.replace("{where}", w.sql()), w.params)
    if df.empty:
        return None
    out = dict(df.iloc[0])
    items = con.execute("SELECT items FROM pay_records WHERE unit_id = ? AND record_id = ?",
                        [unit_id, record_id]).fetchall()
    out["items"] = json.loads(items[0][0]) if items and items[0][0] else []
    return out


def records_of_voucher_no(con: Con, unit_id: str, voucher_no: str) -> list[str]:
    rows = con.execute("SELECT record_id FROM pay_records WHERE unit_id = ? AND voucher_no = ? "
                       "ORDER BY created_at DESC", [unit_id, voucher_no]).fetchall()
    return [str(r[0]) for r in rows]


def records_fetched(con: Con, unit_id: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM pay_records WHERE unit_id = ?", [unit_id]).fetchall()[0][0])


# ---- 缴费凭证 ----------------------------------------------------------------------------------------

_VOUCHER_FIELDS = ("voucher_no", "channel", "status", "issued_at", "issued_on", "valid_until", "amount", "late_fee",
                   "total", "tax_authority", "payer_name", "payer_account", "payer_bank", "period_start", "period_end",
                   "voided_at", "paid_at", "payment_id", "wire")


def put_vouchers(con: Con, unit_id: str, rows: Iterable[Mapping[str, Any]]) -> int:
    rows = list(rows)
    if not rows:
        return 0
    now = _now()
    con.execute("DELETE FROM pay_vouchers WHERE unit_id = ? AND list_contains(?, voucher_no)",
                [unit_id, [r["voucher_no"] for r in rows]])
    con.executemany(
        f"INSERT INTO pay_vouchers (unit_id, {', '.join(_VOUCHER_FIELDS)}, fetched_at) "
        f"VALUES ({', '.join('?' * (len(_VOUCHER_FIELDS) + 2))})",
        [[unit_id, *[_json(r[f]) if f == "wire" else r[f] for f in _VOUCHER_FIELDS], now] for r in rows])
    return len(rows)


def replace_vouchers(con: Con, unit_id: str, period_from: str, period_to: str,
                     rows: Iterable[Mapping[str, Any]]) -> int:
    """同步: held vouchers whose 费款所属期 overlaps the months become `rows` (PDFs are kept)."""
    w = Where().equals("unit_id", unit_id)
    if period_from:
        w.add("period_end >= ?", period_from)
    if period_to:
        w.add("period_start <= ?", period_to)
    con.execute(f"DELETE FROM pay_vouchers WHERE {w.sql()}", w.params)
    return put_vouchers(con, unit_id, rows)


_VOUCHER_SELECT = """
    SELECT v.voucher_no, v.channel, v.status, v.issued_at, v.issued_on, v.valid_until, v.amount, v.late_fee, v.total,
           v.tax_authority, v.payer_name, v.payer_account, v.payer_bank, v.period_start, v.period_end,
           CASE WHEN v.period_start = v.period_end THEN v.period_start
                ELSE v.period_start || ' 至 ' || v.period_end END AS period_range, v.voided_at, v.paid_at, v.payment_id,
           p.voucher_no IS NOT NULL AS printed
    FROM pay_vouchers v LEFT JOIN pay_voucher_pdfs p ON p.unit_id = v.unit_id AND p.voucher_no = v.voucher_no
    WHERE {where}
    ORDER BY v.issued_at DESC NULLS LAST, v.voucher_no DESC
"""


def _voucher_where(unit_id: str, filters: VoucherFilter | None) -> Where:
    return VOUCHER_LIST.where(filters or VoucherFilter(), Where().equals("v.unit_id", unit_id))


def vouchers_page(con: Con, unit_id: str, filters: VoucherFilter | None, *, page: int,
                  page_size: int) -> tuple[pd.DataFrame, int]:
    w = _voucher_where(unit_id, filters)
    total = int(con.execute(f"SELECT count(*) FROM pay_vouchers v WHERE {w.sql()}", w.params).fetchall()[0][0])
    df = frame(con, _VOUCHER_SELECT.replace("{where}", w.sql()) + " LIMIT ? OFFSET ?",
               [*w.params, page_size, (page - 1) * page_size])
    return df, total


def vouchers_all(con: Con, unit_id: str, filters: VoucherFilter | None) -> pd.DataFrame:
    w = _voucher_where(unit_id, filters)
    return frame(con, _VOUCHER_SELECT.replace("{where}", w.sql()), w.params)


def voucher_row(con: Con, unit_id: str, voucher_no: str) -> dict[str, Any] | None:
    w = Where().equals("v.unit_id", unit_id).equals("v.voucher_no", voucher_no)
    df = frame(con, _VOUCHER_SELECT.replace("{where}", w.sql()), w.params)
    if df.empty:
        return None
    out = dict(df.iloc[0])
    wire = con.execute("SELECT wire FROM pay_vouchers WHERE unit_id = ? AND voucher_no = ?",
                       [unit_id, voucher_no]).fetchall()
    out["wire"] = json.loads(wire[0][0]) if wire else {}
    return out


def vouchers_fetched(con: Con, unit_id: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM pay_vouchers WHERE unit_id = ?", [unit_id]).fetchall()[0][0])


def keep_pdf(con: Con, unit_id: str, voucher_no: str, pdf: bytes) -> bool:
    """Keep the first print's bytes; a voucher already printed keeps its first PDF (False)."""
    held = con.execute("SELECT count(*) FROM pay_voucher_pdfs WHERE unit_id = ? AND voucher_no = ?",
                       [unit_id, voucher_no]).fetchall()[0][0]
    if held:
        return False
    con.execute("INSERT INTO pay_voucher_pdfs (unit_id, voucher_no, pdf, sha256, printed_at) VALUES (?, ?, ?, ?, ?)",
                [unit_id, voucher_no, pdf, hashlib.sha256(pdf).hexdigest(), _now()])
    return True


def stored_pdf(con: Con, unit_id: str, voucher_no: str) -> bytes | None:
    rows = con.execute("SELECT pdf FROM pay_voucher_pdfs WHERE unit_id = ? AND voucher_no = ?",
                       [unit_id, voucher_no]).fetchall()
    return bytes(rows[0][0]) if rows else None


def count_reprint(con: Con, unit_id: str, voucher_no: str) -> None:
    con.execute("UPDATE pay_voucher_pdfs SET reprints = reprints + 1 WHERE unit_id = ? AND voucher_no = ?",
                [unit_id, voucher_no])


# ---- 人工录入账户账号信息 ------------------------------------------------------------------------------


def add_payer_account(con: Con, unit_id: str, name: str, account: str, bank: str) -> None:
    con.execute("DELETE FROM pay_payer_accounts WHERE unit_id = ? AND payer_account = ? AND payer_bank = ?",
                [unit_id, account, bank])
    con.execute("INSERT INTO pay_payer_accounts VALUES (?, ?, ?, ?, ?)", [unit_id, name, account, bank, _now()])


def payer_accounts(con: Con, unit_id: str) -> list[dict[str, str]]:
    rows = con.execute("SELECT payer_name, payer_account, payer_bank FROM pay_payer_accounts WHERE unit_id = ? "
                       "ORDER BY created_at DESC", [unit_id]).fetchall()
    return [{"payer_name": str(r[0]), "payer_account": str(r[1]), "payer_bank": str(r[2])} for r in rows]
