"""缴费 (manual 2.11, EMP-11), 缴费凭证打印记录 (2.12, EMP-12) and 缴费记录 (2.13, EMP-13).

    p = wb.employer.payments                       缴费
      .arrears(pay_date=None) -> DataFrame          欠费信息 from the bureau (on entry, 刷新); late fee as if
                                                    paid on `pay_date` (预览); pay_by (缴费期限), days_left
      .complete(arrear_ids) -> list[str]            the selection with the items of the same 应征凭证序号
                                                    that must go with it (all but 可缓缴 ones)
      .split(arrear_ids) -> (normal, deferrable)    for the prompt to pay 可缓缴 items apart
      .summary(arrear_ids) -> PaySummary            items, amount, late fee, total and a Chinese text
      .agreements() -> list[AgreementChoice]        verified 三方协议 to pay by (masked ****6700)
      .payer_accounts() -> list[PayerAccount]       accounts for a voucher's payer block
      .add_payer_account(name, account, bank)       人工录入账户账号信息 (kept in the store)
      .pay(arrear_ids, password, method, agreement_id=, payer=) -> PayResult
      .pending() / .resend(password)                payments whose answer was lost (提交中)

    v = wb.employer.vouchers                       缴费凭证打印记录
      .fetched() / .sync(period_from, period_to) / .query(filters, page, page_size) / .frame(filters)
      .detail(voucher_no) -> VoucherDetail / .reprint(voucher_no) -> bytes (the stored PDF) / .void(voucher_no)

    r = wb.employer.payment_records                缴费记录
      .fetched() / .sync(period_from, period_to) / .query / .frame / .detail(record_id) -> RecordDetail
      .by_voucher_no(voucher_no) -> RecordDetail (申报明细 by 应征凭证序号) / .unlock(record_id, password) -> UnlockResult

立即缴费 follows the declarations (docs/patterns.md §8): in one unit of work the body and a fresh
Idempotency-Key are kept (提交中); the store is let go; the call goes out with that key and the
password in a header (the password is never kept); the answer is recorded in a second unit of work
(its records and voucher kept, the voucher's PDF printed once and kept byte for byte). A lost answer
leaves the payment 提交中: `resend(password)` (also after a restart) sends the same body with the same
key, and the bureau answers with the first payment: charged once. A refusal drops the kept key.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pandas as pd

from sbflib.domain import clock
from sbflib.domain.rules import PAYERS
from sbflib.errors import (
    MAX_PAGE,
    MAX_PAGE_SIZE,
    BureauError,
    ConnectionFailed,
    ValidationError,
    service_edge,
    whole_number,
)
from sbflib.gateway.payments import BankVoucher, Payment, PaymentRecord
from sbflib.io import xlsx
from sbflib.io.voucher import (
    VOUCHER_TITLE,
    VOUCHER_WARNING,
    VoucherDoc,
    format_period,
    voucher_doc_from_wire,
    voucher_pdf,
)
from sbflib.store import payments as repo
from sbflib.store.filters import parse_date
from sbflib.store.payments import (
    RECORD_COLUMNS,
    RECORD_LIST,
    RECORD_STATUSES,
    VOUCHER_COLUMNS,
    VOUCHER_LIST,
    VOUCHER_STATUSES,
    RecordFilter,
    VoucherFilter,
    check_month,
)
from sbflib.system.context import Context

__all__ = [
    "ARREAR_COLUMNS",
    "RECORD_COLUMNS",
    "RECORD_STATUSES",
    "VOUCHER_COLUMNS",
    "VOUCHER_STATUSES",
    "VOUCHER_TITLE",
    "VOUCHER_WARNING",
    "AgreementChoice",
    "PayResult",
    "PaySummary",
    "PayerAccount",
    "PaymentRecordService",
    "PaymentService",
    "RecordDetail",
    "RecordFilter",
    "UnlockResult",
    "VoucherDetail",
    "VoucherDoc",
    "VoucherFilter",
    "VoucherService",
    "format_period",
    "voucher_doc",
]

ZERO = Decimal("0.00")
AGREEMENT = "agreement"
VOUCHER = "voucher"
METHODS = {AGREEMENT: "三方协议缴费", VOUCHER: "银行端凭证缴费"}
DEFERRABLE = "可缓缴"
LOCKED = "锁定"
PAID = "缴费成功"
FAILED = "缴费失败"
VOIDED = "已作废"
UNPAID_VOUCHER = "未缴费"
PAID_VOUCHER = "已缴费"
MAX_ITEMS = 20_000
_ACCOUNT = re.compile(r"[0-9]{8,32}")
_VOUCHER_NO = re.compile(r"[0-9A-Za-z]{1,40}")

#: 欠费信息's columns (key -> the manual's label), display order.
ARREAR_COLUMNS = {
    "voucher_no": "应征凭证序号",
    "unit_number": "单位编号",
    "item_name": "征收项目",
    "subitem_name": "征收品目",
    "payer_name": "缴费对象",
    "period_range": "费款所属期",
    "headcount": "缴费人数",
    "amount": "应缴金额",
    "late_fee": "滞纳金",
    "total": "合计",
    "pay_by": "缴费期限",
    "days_left": "剩余天数",
    "operation": "操作类型",
    "status": "状态",
    "tax_authority": "主管税务机关",
}


def _ids(values: Any, label: str = "欠费信息") -> list[str]:
    if isinstance(values, str) or not isinstance(values, list | tuple | pd.Series):
        raise ValidationError("请勾选要缴费的欠费信息", field=label)
    ids = [str(v) for v in values]
    if not ids:
        raise ValidationError("请勾选要缴费的欠费信息", field=label)
    if len(ids) > MAX_ITEMS:
        raise ValidationError(f"一次最多缴纳{MAX_ITEMS}条欠费信息", field=label)
    return list(dict.fromkeys(ids))


def _password(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValidationError("请输入申报密码", field="申报密码")
    if len(value) > 64:
        raise ValidationError("申报密码不能超过64位", field="申报密码")
    return value


def _pay_date(value: Any) -> dt.date | None:
    day = parse_date(value, "缴费日期")
    if day is not None and day < clock.today():
        raise ValidationError("缴费日期不能早于今天", field="缴费日期")
    return day


def _period_range(start: Any, end: Any) -> str:
    start, end = str(start or ""), str(end or "")
    return start if start == end else f"{start} 至 {end}"


@dataclass(frozen=True)
class PaySummary:
    """What 立即缴费 asks the clerk to confirm: the items (险种) and the total."""

    arrear_ids: tuple[str, ...]
    rows: int
    amount: Decimal
    late_fee: Decimal
    total: Decimal
    deferrable: int
    lines: tuple[str, ...]      # one per 征收项目: "基本养老保险费 1,234.00元"

    @property
    def text(self) -> str:
        fee = f"（其中滞纳金{self.late_fee:,.2f}元）" if self.late_fee else ""
        return (f"本次缴纳{self.rows}条欠费信息，缴费金额合计{self.total:,.2f}元{fee}。"
                "请核对缴费的险种、金额是否正确无误。")


@dataclass(frozen=True)
class AgreementChoice:
    """A verified 三方协议 the payment may use."""

    agreement_id: str
    bank_name: str
    branch_name: str
    account_masked: str
    allow_debit: bool

    @property
    def label(self) -> str:
        return f"{self.bank_name} {self.branch_name}（{self.account_masked}）"


@dataclass(frozen=True)
class PayerAccount:
    """A payer block for a bank voucher (from an agreement, or 人工录入)."""

    payer_name: str
    payer_account: str
    payer_bank: str
    source: str = "人工录入"

    @property
    def label(self) -> str:
        return f"{self.payer_name} {self.payer_bank}（****{self.payer_account[-4:]}）"

    def to_wire(self) -> dict[str, str]:
        return {"payer_name": self.payer_name, "payer_account": self.payer_account, "payer_bank": self.payer_bank}


@dataclass(frozen=True)
class PayResult:
    """The answer to 立即缴费: the payment, a Chinese text, and for a voucher its PDF (kept)."""

    payment: Payment
    text: str
    pdf: bytes | None = None

    @property
    def status(self) -> str:
        return self.payment.status

    @property
    def voucher_no(self) -> str | None:
        return self.payment.bank_voucher_no


@dataclass(frozen=True)
class VoucherDetail:
    """查看银行端缴费凭证明细: the voucher and its items."""

    voucher: dict[str, Any]
    items: pd.DataFrame
    wire: dict[str, Any] = field(default_factory=dict)   # the bureau's voucher (what prints)


@dataclass(frozen=True)
class RecordDetail:
    """A 缴费记录 and its items (申报明细)."""

    record: dict[str, Any]
    items: pd.DataFrame


@dataclass(frozen=True)
class UnlockResult:
    """解锁: the record after it and the 扣费状态 (缴费成功 / 扣费失败)."""

    record: PaymentRecord
    outcome: str
    text: str = field(default="")


def record_row(r: PaymentRecord) -> dict[str, Any]:
    return {"record_id": r.record_id, "payment_id": r.payment_id, "declaration_id": r.declaration_id,
            "voucher_no": r.voucher_no, "channel": r.channel, "method": r.method, "status": r.status,
            "reason": r.reason, "unlock_result": r.unlock_result, "tax_authority": r.tax_authority,
            "period_start": r.period_start, "period_end": r.period_end, "amount": r.amount, "late_fee": r.late_fee,
            "total": r.total, "bank_name": r.bank_name, "account_masked": r.account_masked,
            "bank_serial": r.bank_serial, "bank_voucher_no": r.bank_voucher_no, "created_at": r.created_at,
            "decided_at": r.decided_at, "unlocked_at": r.unlocked_at, "paid_on": r.paid_on,
            "items": [{k: (str(v) if isinstance(v, Decimal) else v) for k, v in i.items()} for i in r.items]}


def voucher_row(v: BankVoucher) -> dict[str, Any]:
    return {"voucher_no": v.voucher_no, "channel": v.channel, "status": v.status, "issued_at": v.issued_at,
            "issued_on": v.issued_at.date() if v.issued_at else None, "valid_until": v.valid_until,
            "amount": v.amount, "late_fee": v.late_fee, "total": v.total, "tax_authority": v.tax_authority,
            "payer_name": v.payer_name, "payer_account": v.payer_account, "payer_bank": v.payer_bank,
            "period_start": v.period_start, "period_end": v.period_end, "voided_at": v.voided_at,
            "paid_at": v.paid_at, "payment_id": v.payment_id, "wire": v.wire}


def _items_frame(items: list[dict[str, Any]]) -> pd.DataFrame:
    df = pd.DataFrame(items)
    if df.empty:
        return df
    for k in ("amount", "late_fee", "total"):
        if k in df.columns:
            df[k] = [Decimal(str(v)) if v is not None else None for v in df[k]]
    for k in ("pay_by", "valid_until"):
        if k in df.columns:
            df[k] = [v if isinstance(v, dt.date) or v is None else dt.date.fromisoformat(str(v)[:10]) for v in df[k]]
    if "payer_name" not in df.columns and "payer" in df.columns:
        df["payer_name"] = df["payer"].map(lambda p: PAYERS.get(str(p), str(p)))
    if "period_start" in df.columns:
        df["period_range"] = [_period_range(a, b) for a, b in zip(df["period_start"], df["period_end"], strict=True)]
    return df


def voucher_doc(wire: dict[str, Any]) -> VoucherDoc:
    """What the voucher prints (io/voucher.py), for the page's 打印预览."""
    return voucher_doc_from_wire(wire)


def print_voucher(wire: dict[str, Any]) -> bytes:
    """The voucher's PDF (io/voucher.py) from the bureau's voucher."""
    return voucher_pdf(voucher_doc_from_wire(wire))


class _Part:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def _unit_id(self) -> str:
        return self.ctx.require_unit("employer").unit_id


# ==================================================================================================== 缴费


@service_edge
class PaymentService(_Part):
    """`wb.employer.payments` (缴费, EMP-11)."""

    COLUMNS = ARREAR_COLUMNS
    METHODS = METHODS

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        #: unit -> the arrears last fetched (the page's rows; summary and complete read them)
        self._held: dict[str, pd.DataFrame] = {}

    # ---- 欠费信息 ------------------------------------------------------------------------------
    def arrears(self, pay_date: dt.date | str | None = None) -> pd.DataFrame:
        """欠费信息 from the bureau (on entry and 刷新): one row per item owed, with 缴费期限 (pay_by), the
        days left and the late fee as if paid on `pay_date` (None: today; a later day previews what
        waiting costs). Money Decimal (Arrow)."""
        day = _pay_date(pay_date)
        unit_id = self._unit_id()
        try:
            table = self.ctx.client.payments.arrears_frame(unit_id, day)   # Arrow: 100,000 rows at once
        except BureauError as missing:
            if missing.code not in ("NOT_FOUND", "METHOD_NOT_ALLOWED"):
                raise
            table = self.ctx.client.arrears.list(unit_id, day)             # a bureau without the Arrow route
        df = table.to_pandas()
        df["payer_name"] = df["payer"].map(lambda p: PAYERS.get(str(p), str(p)))
        df["period_range"] = [_period_range(a, b) for a, b in zip(df["period_start"], df["period_end"], strict=True)]
        df["payable"] = df["status"] == "未缴费"
        if day is None or day == clock.today():
            self._held[unit_id] = df
        return df

    def _rows(self, ids: list[str]) -> pd.DataFrame:
        unit_id = self._unit_id()
        held = self._held.get(unit_id)
        if held is None or not set(ids) <= set(held["arrear_id"]):
            held = self.arrears()
        known = set(held["arrear_id"])
        missing = [i for i in ids if i not in known]
        if missing:
            raise ValidationError("所选欠费信息已不存在（可能已缴费或申报已作废），请刷新后重新选择", field="欠费信息",
                                  code="ARREARS_NOT_FOUND")
        rows: pd.DataFrame = held[held["arrear_id"].isin(ids)]
        return rows

    def complete(self, arrear_ids: list[str]) -> list[str]:
        """The selection plus the items of each chosen 应征凭证序号 that must be paid with it (every item
        but the 可缓缴 ones), in the list's order."""
        ids = _ids(arrear_ids)
        unit_id = self._unit_id()
        self._rows(ids)
        held = self._held[unit_id]
        chosen = held[held["arrear_id"].isin(ids)]
        together = held[held["declaration_id"].isin(chosen["declaration_id"]) & ~held["deferrable"]
                        & held["payable"]]
        wanted = set(ids) | set(together["arrear_id"])
        return [str(i) for i in held["arrear_id"] if i in wanted]

    def split(self, arrear_ids: list[str]) -> tuple[list[str], list[str]]:
        """(normal, 可缓缴) of the selection: 可缓缴 items may be paid apart (manual 2.11.1)."""
        ids = _ids(arrear_ids)
        rows = self._rows(ids)
        deferrable = set(rows.loc[rows["deferrable"], "arrear_id"])
        return [i for i in ids if i not in deferrable], [i for i in ids if i in deferrable]

    def summary(self, arrear_ids: list[str]) -> PaySummary:
        """What the clerk confirms: items per 征收项目, amount, late fee (today) and total."""
        ids = _ids(arrear_ids)
        rows = self._rows(ids)
        blocked = rows[~rows["payable"]]
        if not blocked.empty:
            first = blocked.iloc[0]
            why = ("已锁定，请先在缴费记录中解锁" if first["status"] == LOCKED else
                   f"已开具银行端缴费凭证{first['bank_voucher_no'] or ''}，请持凭证到银行缴款，或作废凭证后重新缴费")
            raise ValidationError(f"应征凭证序号{first['voucher_no']}的{first['item_name']}{why}", field="欠费信息",
                                  code="ARREAR_NOT_PAYABLE")
        amount = sum(rows["amount"], ZERO)
        late_fee = sum(rows["late_fee"], ZERO)
        per_item = rows.groupby("item_name", sort=False)["total"].agg(lambda s: sum(s, ZERO))
        lines = tuple(f"{name} {value:,.2f}元" for name, value in per_item.items())
        return PaySummary(tuple(ids), len(rows), amount, late_fee, amount + late_fee,
                          int(rows["deferrable"].sum()), lines)

    def check_password(self, password: str) -> bool:
        """安全认证 before the method is chosen (manual 2.11.2 二(二)): the bureau checks the declaration
        password (one try towards the lock; never retried, never kept). The payment sends it again."""
        pw = _password(password)
        self.ctx.client.units.verify(self._unit_id(), pw)
        return True

    # ---- 缴费方式 ------------------------------------------------------------------------------
    def agreements(self) -> list[AgreementChoice]:
        """The unit's verified 三方协议 (验证通过), the ones a payment may use."""
        unit_id = self._unit_id()
        return [AgreementChoice(a.agreement_id, a.bank_name, a.branch_name, a.account_masked, a.allow_debit)
                for a in self.ctx.client.agreements.list(unit_id) if a.usable]

    def payer_accounts(self) -> list[PayerAccount]:
        """Accounts for a voucher's payer block: 人工录入 ones (newest first), then the unit's
        agreements' accounts (not ended)."""
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            typed = [PayerAccount(**a) for a in repo.payer_accounts(con, unit_id)]
        try:
            agreements = self.ctx.client.agreements.list(unit_id)
        except ConnectionFailed:
            agreements = ()
        seen = {(a.payer_account, a.payer_bank) for a in typed}
        out = list(typed)
        for a in agreements:
            if a.status == "协议终止":
                continue
            acc = PayerAccount(a.account_name, a.account_no, a.bank_name, source="三方协议")
            if (acc.payer_account, acc.payer_bank) not in seen:
                seen.add((acc.payer_account, acc.payer_bank))
                out.append(acc)
        return out

    def add_payer_account(self, payer_name: str, payer_account: str, payer_bank: str) -> PayerAccount:
        """人工录入账户账号信息: 付款人名称, 付款人账号 (8-32 digits), 开户银行名称, all required."""
        values = []
        for value, label in ((payer_name, "付款人名称"), (payer_account, "付款人账号"), (payer_bank, "开户银行名称")):
            if not isinstance(value, str) or not value.strip():
                raise ValidationError(f"请填写{label}", field=label)
            if len(value.strip()) > 100:
                raise ValidationError(f"{label}不能超过100个字", field=label)
            values.append(value.strip())
        name, account, bank = values
        account = account.replace(" ", "")
        if not _ACCOUNT.fullmatch(account):
            raise ValidationError("付款人账号应为8至32位数字", field="付款人账号")
        with self.ctx.store.work() as con:
            repo.add_payer_account(con, self._unit_id(), name, account, bank)
        return PayerAccount(name, account, bank)

    # ---- 立即缴费 ------------------------------------------------------------------------------
    def pay(self, arrear_ids: list[str], password: str, method: str, agreement_id: str | None = None,
            payer: PayerAccount | None = None) -> PayResult:
        """立即缴费 of the chosen arrears (the total confirmed is today's), by 三方协议 (`agreement_id`, a
        verified one) or 银行端凭证 (`payer` or None: the payer block left blank). The password is
        checked by the bureau and never kept."""
        ids = _ids(arrear_ids)
        pw = _password(password)
        if method not in METHODS:
            raise ValidationError("请选择缴费方式", field="缴费方式")
        if method == AGREEMENT and not (isinstance(agreement_id, str) and agreement_id):
            raise ValidationError("请选择三方协议（付款银行信息）", field="三方协议")
        if payer is not None and not isinstance(payer, PayerAccount):
            raise ValidationError("付款人信息不正确", field="付款人")
        summary = self.summary(ids)
        body: dict[str, Any] = {"arrear_ids": ids, "method": method, "total": f"{summary.total:.2f}"}
        if method == AGREEMENT:
            body["agreement_id"] = agreement_id
        else:
            body["payer"] = payer.to_wire() if payer is not None else None
        unit_id = self._unit_id()
        key = uuid.uuid4().hex
        with self.ctx.store.work() as con:
            repo.add_submission(con, unit_id, key, method, body, summary.total, summary.rows)
        return self._send(unit_id, key, body, pw)

    def pending(self) -> pd.DataFrame:
        """Payments still 提交中 (their answer lost): pay_key, method, total, items, created_at."""
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            df = repo.pending_submissions(con, unit_id)
        return df.drop(columns=["body"])

    def resend(self, password: str) -> PayResult | None:
        """Send again the oldest payment still 提交中 with its kept body and key: the bureau answers with
        the payment it made (never pays twice). None when there is none."""
        pw = _password(password)
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            pending = repo.pending_submissions(con, unit_id)
        if pending.empty:
            return None
        first = pending.iloc[0]
        return self._send(unit_id, str(first["pay_key"]), json.loads(str(first["body"])), pw)

    def _send(self, unit_id: str, key: str, body: dict[str, Any], password: str) -> PayResult:
        try:
            payment = self.ctx.client.payments.pay(unit_id, body, password=password, key=key)
        except ConnectionFailed as lost:
            raise ConnectionFailed(
                "缴费时没有收到税务局的应答，无法确认是否已缴费。本次缴费已标记为“提交中”，请稍后在缴费页面点击"
                "【继续提交】再次提交（再次提交不会重复扣款）",
                detail=f"{lost.code}: {lost.detail}", code=lost.code,
            ) from lost
        except BureauError:
            # A refusal (wrong password, items changed …): nothing was paid; a new try gets a new key.
            with self.ctx.store.work() as con:
                repo.drop_submission(con, unit_id, key)
            raise
        pdf: bytes | None = None
        with self.ctx.store.work() as con:
            repo.record_answer(con, unit_id, key, payment.payment_id, payment.status)
            repo.put_records(con, unit_id, [record_row(r) for r in payment.records])
            if payment.voucher is not None:
                repo.put_vouchers(con, unit_id, [voucher_row(payment.voucher)])
        if payment.voucher is not None:
            pdf = VoucherService(self.ctx).print(payment.voucher.voucher_no)
        self._held.pop(unit_id, None)
        return PayResult(payment, _pay_text(payment), pdf)


def _pay_text(p: Payment) -> str:
    if p.method == VOUCHER:
        v = p.voucher
        until = f"，请在税款缴款日期{v.valid_until:%Y-%m-%d}前持凭证到银行柜台缴款" if v and v.valid_until else ""
        return f"已开具银行端缴费凭证{p.bank_voucher_no}，金额合计{p.total:,.2f}元{until}。"
    account = f"（{p.bank_name or ''} {p.account_masked or ''}）" if p.account_masked else ""
    if p.status == PAID:
        return f"缴费成功：三方协议扣款{p.total:,.2f}元{account}。可在缴费记录中查看。"
    if p.status == FAILED:
        reasons = "；".join(dict.fromkeys(r.reason for r in p.records if r.reason))
        return f"缴费失败{('：' + reasons) if reasons else ''}。欠费信息仍可重新缴费。"
    if p.status == LOCKED:
        return "扣款结果未确定，税款已锁定。请在缴费记录中点击【解锁】处理后再缴费。"
    return f"已提交缴费，状态：{p.status}。"


# ==================================================================================================== 缴费凭证


def _voucher_no(value: Any) -> str:
    if not isinstance(value, str) or not _VOUCHER_NO.fullmatch(value):
        raise ValidationError("凭证序号格式不正确", field="凭证序号")
    return value


def _months(period_from: Any, period_to: Any) -> tuple[str, str]:
    start = check_month(period_from, "费款所属期起")
    end = check_month(period_to, "费款所属期止")
    if start and end and start > end:
        raise ValidationError("费款所属期起不能晚于费款所属期止", field="费款所属期起")
    return start, end


def _default_months() -> tuple[str, str]:
    """The twelve months up to this one (entering a never-fetched page)."""
    today = clock.today()
    index = today.year * 12 + today.month - 1 - 11
    return f"{index // 12:04d}-{index % 12 + 1:02d}", f"{today:%Y-%m}"


@service_edge
class VoucherService(_Part):
    """`wb.employer.vouchers` (缴费凭证打印记录, EMP-12)."""

    COLUMNS = VOUCHER_COLUMNS
    LIST = VOUCHER_LIST
    STATUSES = VOUCHER_STATUSES

    def default_months(self) -> tuple[str, str]:
        return _default_months()

    def fetched(self) -> bool:
        with self.ctx.store.read() as con:
            return repo.vouchers_fetched(con, self._unit_id())

    def sync(self, period_from: str | None = None, period_to: str | None = None) -> int:
        """同步: the vouchers (printed here or elsewhere) whose 费款所属期 overlaps the months replace the
        held ones of that range; the PDFs printed here stay. Returns how many came."""
        start, end = _months(period_from, period_to)
        unit_id = self._unit_id()
        got = self.ctx.client.payments.vouchers(unit_id, start or None, end or None)
        with self.ctx.store.work() as con:
            return repo.replace_vouchers(con, unit_id, start, end, [voucher_row(v) for v in got])

    def query(self, filters: VoucherFilter | None = None, page: int = 1,
              page_size: int = 50) -> tuple[pd.DataFrame, int]:
        f = VOUCHER_LIST.check(filters)
        page = whole_number(page, "页码", MAX_PAGE)
        page_size = whole_number(page_size, "每页条数", MAX_PAGE_SIZE)
        with self.ctx.store.read() as con:
            return repo.vouchers_page(con, self._unit_id(), f, page=page, page_size=page_size)

    def frame(self, filters: VoucherFilter | None = None) -> pd.DataFrame:
        f = VOUCHER_LIST.check(filters)
        with self.ctx.store.read() as con:
            return repo.vouchers_all(con, self._unit_id(), f)

    def _held(self, voucher_no: str) -> dict[str, Any]:
        no = _voucher_no(voucher_no)
        with self.ctx.store.read() as con:
            row = repo.voucher_row(con, self._unit_id(), no)
        if row is None:
            raise ValidationError(f"未找到缴费凭证{no}，请先同步", field="凭证序号", code="VOUCHER_NOT_FOUND")
        return row

    def detail(self, voucher_no: str) -> VoucherDetail:
        """查看银行端缴费凭证明细."""
        row = self._held(voucher_no)
        wire = row.pop("wire")
        items = list(wire.get("items") or [])
        for item in items:  # 税款缴款日期: the voucher's, for each of its items
            item.setdefault("valid_until", row.get("valid_until"))
        return VoucherDetail(row, _items_frame(items), wire)

    def print(self, voucher_no: str) -> bytes:
        """The voucher's PDF: the stored one when printed before, else printed once now and kept."""
        row = self._held(voucher_no)
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            stored = repo.stored_pdf(con, unit_id, row["voucher_no"])
        if stored is not None:
            return stored
        pdf = print_voucher(row["wire"])
        with self.ctx.store.work() as con:
            repo.keep_pdf(con, unit_id, row["voucher_no"], pdf)
            kept = repo.stored_pdf(con, unit_id, row["voucher_no"])
        return kept or pdf

    def reprint(self, voucher_no: str) -> bytes:
        """重新打印: the PDF kept at the first print, byte for byte (never generated again). A voided
        voucher is not reprinted."""
        row = self._held(voucher_no)
        if row["status"] == VOIDED:
            raise ValidationError("该缴费凭证已作废，不能重新打印；如需缴费，请在缴费页面重新发起缴费",
                                  field="凭证序号", code="VOUCHER_VOIDED")
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            stored = repo.stored_pdf(con, unit_id, row["voucher_no"])
        if stored is None:
            return self.print(voucher_no)  # printed elsewhere (其他渠道): the first print here is kept
        with self.ctx.store.work() as con:
            repo.count_reprint(con, unit_id, row["voucher_no"])
        return stored

    def void(self, voucher_no: str) -> dict[str, Any]:
        """作废 an unpaid voucher: its items may be paid again. A voided or paid one is refused."""
        row = self._held(voucher_no)
        if row["status"] == VOIDED:
            raise ValidationError("该缴费凭证已作废，不能再次作废", field="凭证序号", code="VOUCHER_VOIDED")
        if row["status"] == PAID_VOUCHER:
            raise ValidationError("该缴费凭证已缴费，不能作废", field="凭证序号", code="VOUCHER_PAID")
        unit_id = self._unit_id()
        try:
            voucher = self.ctx.client.payments.void_voucher(unit_id, row["voucher_no"], key=uuid.uuid4().hex)
        except BureauError as refused:
            if refused.code in ("VOUCHER_VOIDED", "VOUCHER_PAID"):
                self._refresh(row["voucher_no"])
            raise
        with self.ctx.store.work() as con:
            repo.put_vouchers(con, unit_id, [voucher_row(voucher)])
        return self._held(voucher_no)

    def _refresh(self, voucher_no: str) -> None:
        unit_id = self._unit_id()
        try:
            voucher = self.ctx.client.payments.voucher(unit_id, voucher_no)
        except (BureauError, ConnectionFailed):
            return
        with self.ctx.store.work() as con:
            repo.put_vouchers(con, unit_id, [voucher_row(voucher)])

    def export(self, filters: VoucherFilter | None = None) -> bytes:
        df = self.frame(filters)[list(VOUCHER_COLUMNS)].copy()
        buffer = io.BytesIO()
        xlsx.export_dataframe(df, buffer, sheet_name="缴费凭证打印记录", headers=VOUCHER_COLUMNS)
        return buffer.getvalue()


# ==================================================================================================== 缴费记录


@service_edge
class PaymentRecordService(_Part):
    """`wb.employer.payment_records` (缴费记录, EMP-13)."""

    COLUMNS = RECORD_COLUMNS
    LIST = RECORD_LIST
    STATUSES = RECORD_STATUSES

    def default_months(self) -> tuple[str, str]:
        return _default_months()

    def fetched(self) -> bool:
        with self.ctx.store.read() as con:
            return repo.records_fetched(con, self._unit_id())

    def sync(self, period_from: str | None = None, period_to: str | None = None) -> int:
        """同步: records (here and in other channels) whose 费款所属期 overlaps the months replace the held
        ones of that range. Returns how many came."""
        start, end = _months(period_from, period_to)
        unit_id = self._unit_id()
        got = self.ctx.client.payments.records(unit_id, start or None, end or None)
        with self.ctx.store.work() as con:
            return repo.replace_records(con, unit_id, start, end, [record_row(r) for r in got])

    def query(self, filters: RecordFilter | None = None, page: int = 1,
              page_size: int = 50) -> tuple[pd.DataFrame, int]:
        f = RECORD_LIST.check(filters)
        page = whole_number(page, "页码", MAX_PAGE)
        page_size = whole_number(page_size, "每页条数", MAX_PAGE_SIZE)
        with self.ctx.store.read() as con:
            return repo.records_page(con, self._unit_id(), f, page=page, page_size=page_size)

    def frame(self, filters: RecordFilter | None = None) -> pd.DataFrame:
        f = RECORD_LIST.check(filters)
        with self.ctx.store.read() as con:
            return repo.records_all(con, self._unit_id(), f)

    def detail(self, record_id: str) -> RecordDetail:
        """One record and its items (申报明细)."""
        if not isinstance(record_id, str) or not record_id:
            raise ValidationError("缴费记录编号不正确", field="缴费记录")
        with self.ctx.store.read() as con:
            row = repo.record_row(con, self._unit_id(), record_id)
        if row is None:
            raise ValidationError("未找到该缴费记录，请先同步", field="缴费记录", code="PAYMENT_NOT_FOUND")
        items = row.pop("items")
        return RecordDetail(row, _items_frame(items))

    def by_voucher_no(self, voucher_no: str) -> RecordDetail:
        """申报明细 by 应征凭证序号 (a click on it in the list): its newest record."""
        no = _voucher_no(voucher_no)
        with self.ctx.store.read() as con:
            ids = repo.records_of_voucher_no(con, self._unit_id(), no)
        if not ids:
            raise ValidationError(f"未找到应征凭证序号为{no}的缴费记录", field="应征凭证序号", code="PAYMENT_NOT_FOUND")
        return self.detail(ids[0])

    def reason(self, record_id: str) -> str:
        """Why a 缴费失败 record failed (the bank's reason)."""
        rec = self.detail(record_id).record
        if rec["status"] != FAILED:
            return ""
        return str(rec.get("reason") or "银行未返回失败原因")

    def unlock(self, record_id: str, password: str) -> UnlockResult:
        """解锁 a 锁定 record behind the declaration password: 缴费成功 (paid) or 扣费失败 (缴费失败, the
        items owed again)."""
        pw = _password(password)
        rec = self.detail(record_id).record
        if rec["status"] != LOCKED:
            raise ValidationError(f"该缴费记录的状态为{rec['status']}，只有锁定状态的记录需要解锁", field="缴费记录",
                                  code="PAYMENT_NOT_LOCKED")
        unit_id = self._unit_id()
        try:
            after = self.ctx.client.payments.unlock(unit_id, str(rec["record_id"]), password=pw,
                                                    key=uuid.uuid4().hex)
        except BureauError as refused:
            if refused.code == "PAYMENT_NOT_LOCKED":  # decided meanwhile (a lost answer): keep what it is now
                try:
                    now = self.ctx.client.payments.record(unit_id, str(rec["record_id"]))
                    with self.ctx.store.work() as con:
                        repo.put_records(con, unit_id, [record_row(now)])
                except (BureauError, ConnectionFailed):
                    pass
            raise
        with self.ctx.store.work() as con:
            repo.put_records(con, unit_id, [record_row(after)])
        outcome = after.unlock_result or after.status
        if after.status == PAID:
            text = "解锁完成，扣费状态：缴费成功。该笔税款已缴费成功，无需再次缴费。"
        else:
            reason = f"（{after.reason}）" if after.reason else ""
            text = f"解锁完成，扣费状态：扣费失败{reason}。该笔税款缴费失败，请重新缴费。"
        return UnlockResult(after, outcome, text)

    def export(self, filters: RecordFilter | None = None) -> bytes:
        df = self.frame(filters)[list(RECORD_COLUMNS)].copy()
        buffer = io.BytesIO()
        xlsx.export_dataframe(df, buffer, sheet_name="缴费记录", headers=RECORD_COLUMNS)
        return buffer.getvalue()
