"""单位退费申请管理 (manual 2.28): the unit's refund applications kept in the store with their status,
刷新 from the bureau, and 新增退费申请 by tax ticket (税票退费) or by employee lines (职工明细退费).

    r = wb.employer.refunds
      .fetched() -> bool                        anything kept for the unit (else the page fetches)
      .refresh(start=None, end=None) -> int     刷新: the bureau's applications replace the kept ones
      .query(filters, page, page_size)          one page of the kept applications, newest first
      .frame(filters)                           every kept application (money Decimal, via Arrow)
      .candidates(kind, month_from, month_to, name="", id_number="") -> Candidates
                                                what may be refunded (实缴金额, 已申请退费, 可退金额)
      .check(application) -> RefundApplication  the base checks before the call, naming the field
      .apply(application) -> RefundRecord       提交申请 (待审核), once even when an answer is lost
      .pending() -> int / .resend()             submissions whose answer was lost, sent again as kept
      .detail(refund_id) -> (record, lines)     查看

The download happens first; the store is taken only for the short unit of work that keeps the
answer (docs/patterns.md §1). A submission is kept (body and Idempotency-Key) before it is sent, so
a lost answer, even across a restart, is sent again byte for byte and the bureau answers with the
application it already made (docs/patterns.md §8).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import pandas as pd
import pyarrow as pa

from sbflib.errors import (
    MAX_PAGE,
    MAX_PAGE_SIZE,
    BureauError,
    ConnectionFailed,
    ValidationError,
    service_edge,
    whole_number,
)
from sbflib.gateway.refunds import KINDS, REFUND_TYPES, Kind, RefundRecord
from sbflib.store import refunds as repo
from sbflib.store.filters import parse_date
from sbflib.store.refunds import (
    KIND_NAMES,
    RECORD_SCHEMA,
    REFUND_COLUMNS,
    REFUND_LIST,
    STATUSES,
    RefundFilter,
)
from sbflib.system.context import Context

__all__ = ["KIND_NAMES", "REFUND_COLUMNS", "REFUND_LIST", "REFUND_TYPES", "STATUSES", "Candidates", "RefundApplication",
           "RefundFilter", "RefundLine", "RefundService"]

_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_ACCOUNT = re.compile(r"[0-9]{8,32}")
MAX_LINES = 5000

#: The candidate lists' columns (manual 2.28 图 税票退费 / 职工明细退费), display order.
TICKET_COLUMNS = {"voucher_no": "应征凭证序号", "item_name": "征收项目", "payer_name": "缴费对象", "period": "费款所属期",
                  "paid_amount": "实缴金额", "asked": "已申请退费", "refundable": "可退金额", "arrived_on": "入库日期"}
EMPLOYEE_COLUMNS = {"name": "姓名", "id_type": "证件类型", "id_number": "证件号码", "item_name": "征收项目",
                    "payer_name": "缴费对象", "period": "缴费所属期", "paid_amount": "实缴金额", "asked": "已申请退费",
                    "refundable": "可退金额"}
LINE_COLUMNS = {"voucher_no": "应征凭证序号", "name": "姓名", "id_number": "证件号码", "item_name": "征收项目",
                "payer_name": "缴费对象", "period": "费款所属期", "paid_amount": "实缴金额", "amount": "退费金额"}
PAYER_NAMES = {"unit": "单位缴费", "personal": "个人缴费"}

LOST = ("提交退费申请时没有收到税务局的应答，无法确认是否已提交。申请已保存为“提交中”，"
        "请稍后点击【刷新】查看，或再次提交（再次提交不会重复申请）")


@dataclass(frozen=True)
class RefundLine:
    """One line to refund: the bureau's `line_key`, the amount asked and, when known, what is refundable."""

    line_key: str
    amount: Decimal | str
    refundable: Decimal | None = None


@dataclass(frozen=True)
class RefundApplication:
    """新增退费申请: 退费方式, 退费原因, 退费申请理由, 退费账户 and the chosen lines."""

    kind: str                               # ticket (税票退费) | employee (职工明细退费)
    refund_type: str                        # 退费原因: 误收退库 | 汇算清缴退费 | 多缴退费 | 其他退费
    reason: str                             # 退费申请理由
    account_name: str                       # 退费银行账户名称
    bank_name: str                          # 退费银行
    account_no: str                         # 退费银行账户
    lines: Sequence[RefundLine] = field(default_factory=tuple)

    @property
    def total(self) -> Decimal:
        return sum((Decimal(str(line.amount)) for line in self.lines), Decimal("0.00"))

    def body(self) -> dict[str, Any]:
        """The wire body (money as text with two decimals)."""
        return {"kind": self.kind, "refund_type": self.refund_type, "reason": self.reason,
                "account_name": self.account_name, "bank_name": self.bank_name, "account_no": self.account_no,
                "lines": [{"line_key": x.line_key, "amount": f"{Decimal(str(x.amount)):.2f}"} for x in self.lines],
                "total": f"{self.total:.2f}"}


@dataclass(frozen=True)
class Candidates:
    """What may be refunded: one row per line (money Decimal), and whether the bureau had more."""

    frame: pd.DataFrame
    truncated: bool


def _amount(value: Any, row: int) -> Decimal:
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError("退费金额应为数字", field="退费金额", row=row, code="REFUND_AMOUNT_INVALID") from None
    if not amount.is_finite() or amount <= 0:
        raise ValidationError("退费金额应大于0", field="退费金额", row=row, code="REFUND_AMOUNT_INVALID")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError("退费金额最多保留两位小数", field="退费金额", row=row, code="REFUND_AMOUNT_INVALID")
    return amount.quantize(Decimal("0.01"))


def check_application(app: RefundApplication) -> RefundApplication:
    """The base checks the manual's form shows before 提交申请 (the fields marked *), in the bureau's
    order: account, reason, lines. Returns the application trimmed, amounts as Decimal."""
    if not isinstance(app, RefundApplication):
        raise ValidationError("退费申请信息不完整", field="退费申请")
    if app.kind not in KINDS:
        raise ValidationError("请选择退费方式", field="退费方式")
    account_name = (app.account_name or "").strip()
    if not account_name:
        raise ValidationError("请输入退费银行账户名称", field="退费银行账户名称", code="REFUND_ACCOUNT_INVALID")
    bank = (app.bank_name or "").strip()
    if not bank:
        raise ValidationError("请输入退费银行", field="退费银行", code="REFUND_ACCOUNT_INVALID")
    account = re.sub(r"\s+", "", app.account_no or "")
    if not account:
        raise ValidationError("请输入退费银行账户", field="退费银行账户", code="REFUND_ACCOUNT_INVALID")
    if not _ACCOUNT.fullmatch(account):
        raise ValidationError("退费银行账户应为8至32位数字", field="退费银行账户", code="REFUND_ACCOUNT_INVALID")
    if len(account_name) > 100 or len(bank) > 100:
        raise ValidationError("不能超过100个字", field="退费银行账户名称" if len(account_name) > 100 else "退费银行",
                              code="REFUND_ACCOUNT_INVALID")
    if app.refund_type not in REFUND_TYPES:
        raise ValidationError("请选择退费原因", field="退费原因", code="REFUND_TYPE_INVALID")
    reason = (app.reason or "").strip()
    if not reason:
        raise ValidationError("请输入退费申请理由", field="退费申请理由", code="REFUND_REASON_REQUIRED")
    if len(reason) > 200:
        raise ValidationError("退费申请理由不能超过200个字", field="退费申请理由", code="REFUND_REASON_REQUIRED")
    lines = list(app.lines or ())
    if not lines:
        raise ValidationError("请勾选需要退费的信息", field="退费信息", code="REFUND_LINES_REQUIRED")
    if len(lines) > MAX_LINES:
        raise ValidationError(f"一次最多申请{MAX_LINES}条退费信息", field="退费信息", code="REFUND_LINES_REQUIRED")
    seen: set[str] = set()
    checked: list[RefundLine] = []
    for row, line in enumerate(lines, start=1):
        if line.line_key in seen:
            raise ValidationError("同一条退费信息不能重复申请", field="退费信息", row=row, code="REFUND_LINE_REPEATED")
        seen.add(line.line_key)
        amount = _amount(line.amount, row)
        if line.refundable is not None and amount > line.refundable:
            raise ValidationError(f"退费金额{amount:.2f}元超过可退金额{line.refundable:.2f}元", field="退费金额",
                                  row=row, code="REFUND_EXCEEDS_PAID")
        checked.append(RefundLine(line.line_key, amount, line.refundable))
    return RefundApplication(app.kind, app.refund_type, reason, account_name, bank, account, tuple(checked))


def _record_rows(records: Sequence[RefundRecord]) -> pa.Table:
    return pa.Table.from_pylist([{n: getattr(r, n) for n in RECORD_SCHEMA.names} for r in records],
                                schema=RECORD_SCHEMA)


def _period(start: Any, end: Any) -> str:
    start, end = str(start or ""), str(end or "")
    return start if start == end else f"{start}至{end}"


def _with_display(df: pd.DataFrame) -> pd.DataFrame:
    if len(df.columns):
        df["payer_name"] = [PAYER_NAMES.get(str(p), str(p)) for p in df["payer"]]
        df["period"] = [_period(s, e) for s, e in zip(df["period_start"], df["period_end"], strict=True)]
    return df


@service_edge
class RefundService:
    """`wb.employer.refunds` (单位退费申请管理)."""

    COLUMNS = REFUND_COLUMNS
    LIST = REFUND_LIST
    STATUSES = STATUSES
    REFUND_TYPES = REFUND_TYPES
    TICKET_COLUMNS = TICKET_COLUMNS
    EMPLOYEE_COLUMNS = EMPLOYEE_COLUMNS

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def _unit_id(self) -> str:
        return self.ctx.require_unit("employer").unit_id

    # ---- the kept list ------------------------------------------------------------------------
    def fetched(self) -> bool:
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            return repo.fetched(con, unit_id)

    def refresh(self, start: dt.date | str | None = None, end: dt.date | str | None = None) -> int:
        """刷新: the unit's applications (申请日期 from `start` to `end`; None: all) from the bureau, in
        place of the kept ones of that range (all when no range). Submissions whose answer was lost are
        sent again first. Returns how many applications came."""
        first = parse_date(start, "申请日期起")
        last = parse_date(end, "申请日期止")
        if first and last and first > last:
            raise ValidationError("开始日期不能晚于结束日期", field="申请日期起")
        unit_id = self._unit_id()
        self._resend(unit_id, quiet=True)
        records = self.ctx.client.refunds.list(unit_id, first, last)
        rows = _record_rows(records)
        with self.ctx.store.work() as con:
            if first is None and last is None:
                return repo.replace_all(con, unit_id, rows)
            repo.upsert(con, unit_id, rows)
            return rows.num_rows

    def query(self, filters: RefundFilter | None = None, page: int = 1,
              page_size: int = 50) -> tuple[pd.DataFrame, int]:
        """One page of the kept applications (newest first) and how many match."""
        f = self._check(filters)
        page = whole_number(page, "页码", MAX_PAGE)
        page_size = whole_number(page_size, "每页条数", MAX_PAGE_SIZE)
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            return repo.query_page(con, unit_id, f, page=page, page_size=page_size)

    def frame(self, filters: RefundFilter | None = None) -> pd.DataFrame:
        """Every kept application that matches (money as Decimal)."""
        f = self._check(filters)
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            return repo.all_rows(con, unit_id, f)

    @staticmethod
    def _check(filters: RefundFilter | None) -> RefundFilter:
        f = REFUND_LIST.check(filters)
        if f.status and f.status not in STATUSES:
            raise ValidationError("处理状态不正确", field="处理状态")
        if f.kind and f.kind not in KINDS:
            raise ValidationError("退费方式不正确", field="退费方式")
        return f

    def detail(self, refund_id: str) -> tuple[RefundRecord, pd.DataFrame]:
        """查看: the application and its lines (money Decimal)."""
        unit_id = self._unit_id()
        record, lines = self.ctx.client.refunds.detail(unit_id, refund_id)
        with self.ctx.store.work() as con:
            repo.upsert(con, unit_id, _record_rows([record]))
        return record, _with_display(lines.to_pandas())

    # ---- 新增退费申请 -----------------------------------------------------------------------------
    def candidates(self, kind: str, month_from: str = "", month_to: str = "", name: str = "",
                   id_number: str = "") -> Candidates:
        """税票退费 (`ticket`) or 职工明细退费 (`employee`) lines of 费款所属期 `month_from`..`month_to`
        (required, 年-月) that may be refunded; for employees optionally by 姓名 / 证件号码."""
        if kind not in KINDS:
            raise ValidationError("请选择退费方式", field="退费方式")
        for label, month in (("退费所属期起", month_from), ("退费所属期止", month_to)):
            if not (month or "").strip():
                raise ValidationError("请选择费款所属期", field=label)
            if not _MONTH.fullmatch(month.strip()):
                raise ValidationError("应为“年-月”，如2026-01", field=label)
        if month_from.strip() > month_to.strip():
            raise ValidationError("开始年月不能晚于结束年月", field="退费所属期起")
        name, id_number = (name or "").strip(), (id_number or "").strip()
        if len(name) > 50 or len(id_number) > 30:
            raise ValidationError("查询条件过长", field="姓名" if len(name) > 50 else "证件号码")
        wire_kind: Kind = "ticket" if kind == "ticket" else "employee"
        table, truncated = self.ctx.client.refunds.candidates(
            self._unit_id(), wire_kind, month_from.strip(), month_to.strip(), name=name if kind == "employee" else None,
            id_number=id_number if kind == "employee" else None)
        return Candidates(_with_display(table.to_pandas()), truncated)

    def check(self, application: RefundApplication) -> RefundApplication:
        """The base checks before the call (退费账户, 退费原因, 退费申请理由, lines and amounts), naming
        the field; the trimmed application."""
        return check_application(application)

    def apply(self, application: RefundApplication) -> RefundRecord:
        """提交申请: checked, kept with a fresh key (or the key of a waiting submission of the same body),
        sent, and the answer kept. A refusal forgets the submission; a lost answer keeps it."""
        app = check_application(application)
        unit_id = self._unit_id()
        body = json.dumps(app.body(), ensure_ascii=False, sort_keys=True)
        with self.ctx.store.work() as con:
            key = repo.keep_submission(con, unit_id, body, uuid.uuid4().hex)
        return self._send(unit_id, key, body)

    def _send(self, unit_id: str, key: str, body: str) -> RefundRecord:
        try:
            record = self.ctx.client.refunds.apply(unit_id, json.loads(body), key=key)
        except ConnectionFailed as lost:
            if lost.code == "BAD_RESPONSE":
                raise
            raise ConnectionFailed(LOST, detail=f"{lost.code}: {lost.detail}", code=lost.code) from lost
        except BureauError:
            with self.ctx.store.work() as con:
                repo.drop_submission(con, unit_id, key)
            raise
        with self.ctx.store.work() as con:
            repo.upsert(con, unit_id, _record_rows([record]))
            repo.drop_submission(con, unit_id, key)
        return record

    def pending(self) -> int:
        """Submissions whose answer was lost (提交中)."""
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            return len(repo.pending(con, unit_id))

    def resend(self) -> list[RefundRecord]:
        """Send every submission whose answer was lost again, as kept (same body, same key)."""
        return self._resend(self._unit_id(), quiet=False)

    def _resend(self, unit_id: str, *, quiet: bool) -> list[RefundRecord]:
        with self.ctx.store.read() as con:
            waiting = repo.pending(con, unit_id)
        done: list[RefundRecord] = []
        for key, body in waiting:
            try:
                done.append(self._send(unit_id, key, body))
            except (ConnectionFailed, BureauError):
                if not quiet:
                    raise
        return done
