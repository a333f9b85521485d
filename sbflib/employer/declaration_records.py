"""社保费申报记录 (EMP-10, manual 2.10), 工程项目社保费申报记录 (EMP-24, 2.24) and 社保费申报明细查询
(EMP-20, 2.20).

    r = wb.employer.declaration_records          kind "fees" (申报记录); r.project (or r.of("project")): 工程项目
      .sync(date_from=None, date_to=None, progress=None) -> int   records declared in the range (Beijing dates)
      .unpaid_after_sync() -> int                 held records 申报成功 and 未缴费 (the prompt to go and pay)
      .query(filters, page, page_size)  .frame(filters)          the held records, newest first
      .detail(declaration_id) -> RecordDetail     record + rows + lines (downloaded when missing)
      .feedback() -> int                          fetch the records still 待反馈 / 作废中; how many were decided
      .void(declaration_id) -> dict               作废 (a kept Idempotency-Key: a lost answer re-sent voids once)
      .print_form(declaration_id) -> bytes        社会保险费申报表 (PDF)
      .export(filters=None, declaration_id=None)  .xlsx of the list, or of one declaration's rows
      .feedback_wait_s                            the countdown after 作废 (the wage filings' setting, 20 s)
    l = wb.employer.declared_lines               社保费申报明细查询
      .missing() -> DataFrame    .download(ids, progress=None) -> int    .sync(progress=None) -> int
      .query(filters, page, page_size)    .frame(filters)    .export(filters, masked=True)

Downloads happen first; the store is taken only for the short unit of work that keeps what came
(docs/patterns.md §1). A void writes its key before it is sent (one unit of work), sends without
holding the store, then records the answer (another unit of work): a lost answer leaves the key,
and the next 作废 of that record sends the same key again, so the bureau answers 作废中 without a
second void.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sbflib.domain import clock
from sbflib.errors import (
    MAX_PAGE,
    MAX_PAGE_SIZE,
    BureauError,
    ConnectionFailed,
    StateError,
    ValidationError,
    service_edge,
    whole_number,
)
from sbflib.gateway.declaration_records import DeclarationRecord
from sbflib.io import xlsx
from sbflib.io.declaration_form import DeclarationHeader, declaration_form_pdf, form_lines
from sbflib.store import declaration_records as repo
from sbflib.store import settings as settings_repo
from sbflib.store.declaration_records import (
    CHANNEL_LABELS,
    DECLARED,
    FAILED,
    KINDS,
    LINE_COLUMNS,
    LINE_LIST,
    PAY_STATUSES,
    PENDING,
    RECORD_COLUMNS,
    RECORD_LIST,
    STATUSES,
    UNPAID,
    VOIDED,
    VOIDING,
    DeclaredLineFilter,
    RecordFilter,
)
from sbflib.store.filters import parse_date
from sbflib.system.context import Context

__all__ = [
    "CHANNEL_LABELS", "DETAIL_COLUMNS", "LINE_COLUMNS", "LINE_LIST", "PAY_STATUSES", "RECORD_COLUMNS",
    "RECORD_LIST", "STATUSES", "DeclarationRecordService", "DeclaredLineFilter", "DeclaredLineService",
    "RecordDetail", "RecordFilter",
]

Progress = Callable[..., Any]

#: The wage filings' countdown setting, shared by every page that waits for the bureau's feedback.
FEEDBACK_WAIT_KEY = "wages.feedback_wait_s"
DEFAULT_FEEDBACK_WAIT = 20

#: The rows of one declaration as 查看 shows them and 导出 writes them (manual 2.10 三).
DETAIL_COLUMNS = {
    "unit_number": "单位编号",
    "item_name": "征收项目",
    "subitem_name": "征收品目",
    "payer_name": "缴费对象",
    "period_start": "费款所属期起",
    "period_end": "费款所属期止",
    "headcount": "缴费人数",
    "base_total": "缴费基数（元）",
    "rate": "费率",
    "amount": "应缴费额（元）",
}

_KIND_TITLES = {"fees": "社保费申报记录", "project": "工程项目社保费申报记录"}


def _declaration_id(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 40 or not value.strip().isalnum():
        raise ValidationError("请选择申报记录", field="申报记录")
    return value.strip()


def _report(progress: Progress | None, fraction: float, label: str) -> None:
    if progress is not None:
        progress(max(0.0, min(1.0, fraction)), label)


def _check_records(filters: RecordFilter | None) -> RecordFilter:
    f = RECORD_LIST.check(filters)
    if f.status and f.status not in STATUSES:
        raise ValidationError("申报状态不正确", field="申报状态")
    if f.pay_status and f.pay_status not in PAY_STATUSES:
        raise ValidationError("缴费状态不正确", field="缴费状态")
    if f.channel and f.channel not in CHANNEL_LABELS:
        raise ValidationError("申报渠道不正确", field="申报渠道")
    return f


@dataclass(frozen=True)
class RecordDetail:
    """查看: one record (its held columns), its rows as declared and its per-employee lines."""

    record: dict[str, Any]
    rows: pd.DataFrame
    lines: pd.DataFrame

    @property
    def can_void(self) -> bool:
        return self.record.get("status") == DECLARED and self.record.get("pay_status") == UNPAID

    @property
    def can_pay(self) -> bool:
        return self.can_void


@service_edge
class DeclarationRecordService:
    """`wb.employer.declaration_records` (kind fees, 申报记录) and its `.project` (工程项目社保费申报记录)."""

    COLUMNS = RECORD_COLUMNS
    DETAIL_COLUMNS = DETAIL_COLUMNS
    LIST = RECORD_LIST
    STATUSES = STATUSES
    PAY_STATUSES = PAY_STATUSES

    def __init__(self, ctx: Context, kind: str = "fees") -> None:
        if kind not in KINDS:
            raise ValidationError("申报记录类型不正确", field="申报记录类型")
        self.ctx = ctx
        self.kind = kind
        self.title = _KIND_TITLES[kind]
        self._other: DeclarationRecordService | None = None

    # ---- the two kinds ----------------------------------------------------------------------
    @property
    def project(self) -> DeclarationRecordService:
        """工程项目社保费申报记录 (EMP-24)."""
        return self.of("project")

    def of(self, kind: str) -> DeclarationRecordService:
        """The records of `kind` ("fees" or "project")."""
        if kind == self.kind:
            return self
        if kind not in KINDS:
            raise ValidationError("申报记录类型不正确", field="申报记录类型")
        if self._other is None:
            self._other = DeclarationRecordService(self.ctx, kind)
            self._other._other = self
        return self._other

    def _unit_id(self) -> str:
        return self.ctx.require_unit("employer").unit_id

    @property
    def feedback_wait_s(self) -> int:
        """Seconds the page counts down after 作废 before fetching the result (default 20)."""
        with self.ctx.store.read() as con:
            return int(settings_repo.read(con, FEEDBACK_WAIT_KEY, DEFAULT_FEEDBACK_WAIT))

    # ---- 同步 --------------------------------------------------------------------------------
    def sync(self, date_from: dt.date | str | None = None, date_to: dt.date | str | None = None,
             progress: Progress | None = None) -> int:
        """同步: the records declared from `date_from` to `date_to` (both included; None: no bound)
        replace those held for that range; the rows of each record not yet held are fetched too.
        Returns how many records the bureau has in the range."""
        first = parse_date(date_from, "申报开始日期")
        last = parse_date(date_to, "申报结束日期")
        if first and last and first > last:
            raise ValidationError("开始日期不能晚于结束日期", field="申报开始日期")
        unit_id = self._unit_id()
        _report(progress, 0.05, "正在获取申报记录……")
        records = self.ctx.client.declaration_records.list(unit_id, first, last, self.kind)  # type: ignore[arg-type]
        with self.ctx.store.work() as con:
            repo.replace_range(con, unit_id, self.kind, first, last, [r.as_row() for r in records])
            todo = repo.without_rows(con, unit_id, [r.declaration_id for r in records])
        for n, declaration_id in enumerate(todo, start=1):
            _report(progress, 0.1 + 0.9 * (n - 1) / len(todo), f"正在获取申报明细（{n}/{len(todo)}）……")
            self._fetch_rows(unit_id, declaration_id)
        _report(progress, 1.0, f"同步完成，共{len(records)}条申报记录")
        return len(records)

    def _fetch_rows(self, unit_id: str, declaration_id: str) -> None:
        detail = self.ctx.client.declaration_records.detail(unit_id, declaration_id)
        with self.ctx.store.work() as con:
            repo.upsert_records(con, unit_id, [detail.record.as_row()])
            repo.store_rows(con, unit_id, declaration_id, detail.rows)

    def unpaid_after_sync(self) -> int:
        """How many held records of this kind are 申报成功 and 未缴费 (the prompt to go and pay)."""
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            return repo.unpaid_count(con, unit_id, self.kind)

    # ---- 获取反馈 ------------------------------------------------------------------------------
    def feedback(self) -> int:
        """获取反馈: fetch the records declared today and those held as 待反馈 or 作废中 (a declaration
        just submitted is among today's); returns how many of the held ones are decided now."""
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            waiting = repo.ids_with_status(con, unit_id, self.kind, (PENDING, VOIDING))
        start = min([clock.today(), *(at.date() for _id, at in waiting)])
        records = self.ctx.client.declaration_records.list(unit_id, start, None, self.kind)  # type: ignore[arg-type]
        with self.ctx.store.work() as con:
            repo.upsert_records(con, unit_id, [r.as_row() for r in records])
            todo = repo.without_rows(con, unit_id, [r.declaration_id for r in records])
        for declaration_id in todo:
            self._fetch_rows(unit_id, declaration_id)
        now = {r.declaration_id: r.status for r in records}
        return sum(1 for did, _at in waiting if now.get(did) not in (None, PENDING, VOIDING))

    def status(self, declaration_id: str) -> str:
        """The held status of one record ('' when not held)."""
        declaration_id = _declaration_id(declaration_id)
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            rec = repo.record(con, unit_id, declaration_id)
        return str(rec["status"]) if rec else ""

    # ---- list --------------------------------------------------------------------------------
    def query(self, filters: RecordFilter | None = None, page: int = 1,
              page_size: int = 50) -> tuple[pd.DataFrame, int]:
        """One page of the held records (newest first) and how many match."""
        f = _check_records(filters)
        page = whole_number(page, "页码", MAX_PAGE)
        page_size = whole_number(page_size, "每页条数", MAX_PAGE_SIZE)
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            return repo.query_records(con, unit_id, self.kind, f, page=page, page_size=page_size)

    def frame(self, filters: RecordFilter | None = None) -> pd.DataFrame:
        """Every held record that matches (money as Decimal), newest first."""
        f = _check_records(filters)
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            return repo.all_records(con, unit_id, self.kind, f)

    # ---- 查看 ----------------------------------------------------------------------------------
    def detail(self, declaration_id: str, *, full_ids: bool = False, with_lines: bool = True) -> RecordDetail:
        """查看: the record, its rows and its per-employee lines; rows and lines are downloaded when
        not held (a record not held at all is fetched too). ID numbers masked unless `full_ids`.
        `with_lines=False` makes sure the lines are held but leaves them out (`lines` is empty; the
        page reads them a page at a time with `lines()`: a big unit's declaration has 100,000s)."""
        declaration_id = _declaration_id(declaration_id)
        unit_id = self._unit_id()
        held = self._with_rows(unit_id, declaration_id)
        if not held["lines_fetched"] and held["status"] not in (PENDING, FAILED):
            _download_lines(self.ctx, unit_id, declaration_id)
        with self.ctx.store.read() as con:
            rec = repo.record(con, unit_id, declaration_id)
            rows = repo.record_rows(con, unit_id, declaration_id)
            if with_lines:
                lines = repo.all_lines(con, unit_id, None, full_ids=bool(full_ids), declaration_id=declaration_id)
            else:
                lines = repo.query_lines(con, unit_id, None, page=1, page_size=1, declaration_id=declaration_id)[0]
                lines = lines.iloc[0:0]
        assert rec is not None
        return RecordDetail(rec, rows, lines)

    def _with_rows(self, unit_id: str, declaration_id: str) -> dict[str, Any]:
        """The held record, its rows fetched first when not held (or while it may still change)."""
        with self.ctx.store.read() as con:
            rec = repo.record(con, unit_id, declaration_id)
        if rec is None or not rec["rows_fetched"] or rec["status"] in (PENDING, VOIDING):
            self._fetch_rows(unit_id, declaration_id)
            with self.ctx.store.read() as con:
                rec = repo.record(con, unit_id, declaration_id)
        assert rec is not None
        if rec["kind"] != self.kind:
            raise ValidationError(f"该申报记录不属于{self.title}", field="申报记录", code="DECLARATION_OTHER_KIND")
        return rec

    def lines(self, declaration_id: str, page: int = 1, page_size: int = 50,
              masked: bool = True) -> tuple[pd.DataFrame, int]:
        """One page of a declaration's held lines (in the bureau's order) and how many it has."""
        declaration_id = _declaration_id(declaration_id)
        page = whole_number(page, "页码", MAX_PAGE)
        page_size = whole_number(page_size, "每页条数", MAX_PAGE_SIZE)
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            return repo.query_lines(con, unit_id, None, page=page, page_size=page_size, full_ids=not masked,
                                    declaration_id=declaration_id)

    # ---- 作废 ----------------------------------------------------------------------------------
    def void(self, declaration_id: str) -> dict[str, Any]:
        """作废 a 申报成功, 未缴费 record: the bureau answers 作废中 and decides later (获取反馈).
        Refusals (paid, on a debit list, voided …) come as the bureau's Chinese message. A void whose
        answer was lost is sent again with its kept key: the bureau voids once."""
        declaration_id = _declaration_id(declaration_id)
        unit_id = self._unit_id()
        with self.ctx.store.work() as con:
            rec = repo.record(con, unit_id, declaration_id)
            key = repo.void_key(con, unit_id, declaration_id)
            if key is None:
                if rec is not None and rec["kind"] != self.kind:
                    raise ValidationError(f"该申报记录不属于{self.title}", field="申报记录")
                if rec is not None and rec["status"] == VOIDED:
                    raise StateError("该申报记录已作废，只能查看明细")
                key = uuid.uuid4().hex
                repo.keep_void_key(con, unit_id, declaration_id, key)
        try:
            answer: DeclarationRecord = self.ctx.client.declaration_records.void(unit_id, declaration_id, key=key)
        except ConnectionFailed as lost:
            raise ConnectionFailed(
                "作废时没有收到税务局的应答，无法确认是否已发起作废。请稍后再次点击【作废】"
                "（再次作废不会重复作废），或点击【获取反馈】查看作废结果",
                detail=f"{lost.code}: {lost.detail}", code=lost.code,
            ) from lost
        except BureauError:
            with self.ctx.store.work() as con:
                repo.drop_void_key(con, unit_id, declaration_id)
            self._refresh_one(unit_id, declaration_id)
            raise
        with self.ctx.store.work() as con:
            repo.drop_void_key(con, unit_id, declaration_id)
            repo.upsert_records(con, unit_id, [answer.as_row()])
            held = repo.record(con, unit_id, declaration_id)
        return held or answer.as_row()

    def _refresh_one(self, unit_id: str, declaration_id: str) -> None:
        """After a refusal, the record as the bureau has it now (best effort)."""
        try:
            self._fetch_rows(unit_id, declaration_id)
        except (BureauError, ConnectionFailed):
            pass

    def pending_voids(self) -> list[str]:
        """Records whose 作废 was sent but not answered (the next 作废 re-sends the same key)."""
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            return repo.pending_voids(con, unit_id)

    # ---- 打印 / 导出 ----------------------------------------------------------------------------
    def print_form(self, declaration_id: str) -> bytes:
        """打印: the 社会保险费申报表 of one declaration as PDF bytes (taxpayer, every row, totals,
        the declarations block)."""
        declaration_id = _declaration_id(declaration_id)
        unit = self.ctx.require_unit("employer")
        rec = self._with_rows(unit.unit_id, declaration_id)   # the form prints the rows, not the lines
        with self.ctx.store.read() as con:
            rows = repo.record_rows(con, unit.unit_id, declaration_id)
        if rows.empty:
            raise StateError("该申报记录没有申报明细，无法打印")
        lines = form_lines(rows)
        submitted = rec["submitted_at"]
        declared_on = submitted.date() if isinstance(submitted, dt.datetime | pd.Timestamp) else clock.today()
        header = DeclarationHeader(unit.taxpayer_id, unit.name, str(rec.get("tax_authority") or ""), declared_on,
                                   declaration_id=declaration_id, status=str(rec.get("status") or ""))
        subtitle = CHANNEL_LABELS.get(str(rec.get("channel")), "")
        return declaration_form_pdf(header, lines, subtitle=subtitle)

    def export(self, filters: RecordFilter | None = None, declaration_id: str | None = None) -> bytes:
        """导出: the held records that match (declaration_id None), or the rows of one declaration."""
        buffer = io.BytesIO()
        if declaration_id is None:
            df = self.frame(filters)[list(RECORD_COLUMNS)].copy()
            xlsx.export_dataframe(df, buffer, sheet_name=self.title, headers=RECORD_COLUMNS)
        else:
            declaration_id = _declaration_id(declaration_id)
            unit_id = self._unit_id()
            self._with_rows(unit_id, declaration_id)
            with self.ctx.store.read() as con:
                rows = repo.record_rows(con, unit_id, declaration_id)[list(DETAIL_COLUMNS)].copy()
            rows["rate"] = [_percent(r) for r in rows["rate"]]
            xlsx.export_dataframe(rows, buffer, sheet_name="申报明细", headers=DETAIL_COLUMNS)
        return buffer.getvalue()


def _percent(rate: Any) -> str:
    if rate is None or pd.isna(rate):
        return ""
    return f"{(rate * 100).normalize():f}%"


def _download_lines(ctx: Context, unit_id: str, declaration_id: str) -> int:
    """The lines of a declaration: those 社保费申报 kept when they are the declared ones, else downloaded."""
    with ctx.store.work() as con:
        kept = repo.copy_kept_lines(con, unit_id, declaration_id)
    if kept is not None:
        return kept
    table = ctx.client.declaration_records.lines(unit_id, declaration_id)
    with ctx.store.work() as con:
        return repo.store_lines(con, unit_id, declaration_id, table)


def _ids(values: Any) -> list[str]:
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise ValidationError("请选择申报记录", field="申报记录")
    ids = [_declaration_id(v) for v in values]
    ids = list(dict.fromkeys(ids))
    if not ids:
        raise ValidationError("请先勾选要下载的申报明细", field="申报记录")
    return ids


@service_edge
class DeclaredLineService:
    """`wb.employer.declared_lines` (社保费申报明细查询, EMP-20): the per-employee lines of the
    successful declarations, kept locally."""

    COLUMNS = LINE_COLUMNS
    LIST = LINE_LIST

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def _unit_id(self) -> str:
        return self.ctx.require_unit("employer").unit_id

    def missing(self) -> pd.DataFrame:
        """The successful declarations whose lines are not downloaded yet (the 下载申报明细 list)."""
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            return repo.missing_lines(con, unit_id)

    def download(self, declaration_ids: list[str], progress: Progress | None = None) -> int:
        """下载: the lines of the chosen declarations; returns how many lines came."""
        ids = _ids(declaration_ids)
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            need_rows = repo.without_rows(con, unit_id, ids)
        records = DeclarationRecordService(self.ctx)
        total = 0
        for n, declaration_id in enumerate(ids, start=1):
            _report(progress, (n - 1) / len(ids), f"正在下载申报明细（{n}/{len(ids)}）……")
            if declaration_id in need_rows:
                records._fetch_rows(unit_id, declaration_id)
            total += _download_lines(self.ctx, unit_id, declaration_id)
        _report(progress, 1.0, f"下载完成，共{total}条申报明细")
        return total

    def sync(self, date_from: dt.date | str | None = None, date_to: dt.date | str | None = None,
             progress: Progress | None = None) -> int:
        """同步: the fee declarations of the range (None: all) from the bureau, then the lines of
        every successful one not held. Returns how many lines were downloaded."""
        def part(lo: float, hi: float) -> Progress | None:
            if progress is None:
                return None
            return lambda fraction, label="": progress(lo + (hi - lo) * fraction, label)

        DeclarationRecordService(self.ctx).sync(date_from, date_to, progress=part(0.0, 0.3))
        missing = self.missing()
        if missing.empty:
            _report(progress, 1.0, "同步完成，没有需要下载的申报明细")
            return 0
        return self.download(list(missing["declaration_id"]), progress=part(0.3, 1.0))

    def query(self, filters: DeclaredLineFilter | None = None, page: int = 1, page_size: int = 50,
              masked: bool = True) -> tuple[pd.DataFrame, int]:
        """One page of the held lines (newest declaration first) and how many match."""
        f = _check_lines(filters)
        page = whole_number(page, "页码", MAX_PAGE)
        page_size = whole_number(page_size, "每页条数", MAX_PAGE_SIZE)
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            return repo.query_lines(con, unit_id, f, page=page, page_size=page_size, full_ids=not masked)

    def frame(self, filters: DeclaredLineFilter | None = None, masked: bool = True) -> pd.DataFrame:
        """Every held line that matches (money as Decimal)."""
        f = _check_lines(filters)
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            return repo.all_lines(con, unit_id, f, full_ids=not masked)

    def item_names(self) -> list[str]:
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            return repo.item_names(con, unit_id)

    def export(self, filters: DeclaredLineFilter | None = None, masked: bool = True) -> bytes:
        """导出: every line of the query as .xlsx (ID numbers masked unless `masked=False`)."""
        df = self.frame(filters, masked=masked)[list(LINE_COLUMNS)].copy()
        df["rate"] = [_percent(r) for r in df["rate"]]
        buffer = io.BytesIO()
        xlsx.export_dataframe(df, buffer, sheet_name="社保费申报明细", headers=LINE_COLUMNS)
        return buffer.getvalue()


def _check_lines(filters: DeclaredLineFilter | None) -> DeclaredLineFilter:
    f = LINE_LIST.check(filters)
    if f.month and (len(f.month) != 7 or f.month[4] != "-" or not (f.month[:4] + f.month[5:]).isdigit()
                    or not 1 <= int(f.month[5:]) <= 12):
        raise ValidationError("应为“年-月”，如2026-01", field="费款所属期")
    return f
