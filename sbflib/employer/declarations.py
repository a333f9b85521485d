"""社保费申报 (manual 2.8 日常申报, 2.9 特殊缴费申报, 2.27 社保费申报（核定）, 2.23 工程项目社保费申报):
the preprocessing rows of the four declaration pages, the checks before 提交申报, the summary, the
submission, the per-employee lines and the export. The API the pages use (/work/notes/h1-declare-api.md):

    d = wb.employer.declarations.channel(channel)   "daily" | "special" | "assessed" | "project"
      .columns                     key -> Chinese label, display order
      .load() -> int               fetch the page's rows from the bureau into the store (on entry, 刷新)
      .frame(filters) / .query(filters, page, page_size)
      .groups(frame) -> DataFrame  one row per tick box (rows that must be declared together)
      .check(prep_ids) -> CheckReport
      .summary(prep_ids) -> SubmitSummary      .rows, .headcount, .total_due, .text
      .submit(prep_ids, confirmed_warnings=False) -> SubmitReceipt
      .resend() -> SubmitReceipt | None        the page's submissions still 提交中, sent again as kept
      .result(submission_id) -> SubmitReceipt  the declarations of a submission as decided now
      .lines(prep_id) -> DataFrame             缴费人数: downloaded once and kept
      .download_lines(prep_ids=None) -> int    every row's lines not yet held, in one go
      .export(prep_ids=None) -> bytes          .xlsx

Grouping and the checks are the domain's (`sbflib.domain.declarations`, `declaration_checks`).

Submitting follows the wage filing (docs/patterns.md §8): in one unit of work the selected rows are
kept under a fresh Idempotency-Key with the exact body (they show 提交中); the store is let go; the
POST goes out with that key; the answer is recorded and the rows become 申报中 in a second unit of
work. A lost answer leaves the submission 提交中; the next 提交申报 of those rows (also after a
restart) re-sends the kept body with the kept key, and the bureau answers with the declarations it
already made: never two. A refusal drops the kept submission (nothing was declared).
"""

from __future__ import annotations

import io
import json
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

import pandas as pd

from sbflib.domain import clock
from sbflib.domain.declaration_checks import CheckReport, Finding, check_selection
from sbflib.domain.declarations import TAX_OFFICE, group_keys, group_label
from sbflib.errors import (
    MAX_PAGE,
    MAX_PAGE_SIZE,
    BureauError,
    ConnectionFailed,
    ValidationError,
    service_edge,
    whole_number,
)
from sbflib.gateway.declarations import CHANNELS, MAX_IDS, Submission, submit_body
from sbflib.io import xlsx
from sbflib.store import declarations as repo
from sbflib.store import settings as settings_repo
from sbflib.store.declarations import (
    CHANNEL_LABELS,
    COLUMNS,
    DECLARE_LIST,
    DECLARED,
    DECLARING,
    LINE_COLUMNS,
    NOT_DECLARED,
    ROW_STATUSES,
    SENDING,
    DeclareFilter,
    channel_columns,
)
from sbflib.system.context import Context

__all__ = [
    "CHANNELS", "CHANNEL_LABELS", "COLUMNS", "DECLARED", "DECLARE_LIST", "DECLARING", "LINE_COLUMNS",
    "NOT_DECLARED", "ROW_STATUSES", "SENDING", "Channel", "DeclarationService", "DeclareFilter", "DeclareList",
    "SubmitReceipt", "SubmitSummary", "TrialInputs",
]

Channel = Literal["daily", "special", "assessed", "project"]
#: H4's trial: months ('YYYY-MM') -> keyword arguments of `check_selection` (`trial`, `insured`,
#: `wages`), or None when it cannot price them.
TrialInputs = Callable[[list[str]], "dict[str, Any] | None"]

#: The page's countdown after 提交申报 is the wage filings' setting (20 s by default).
FEEDBACK_WAIT_KEY = "wages.feedback_wait_s"
DEFAULT_FEEDBACK_WAIT = 20
_ZERO = Decimal("0.00")
#: Seconds a check report stays good for 提交申报 of the same selection over unchanged rows.
CHECK_REUSE_S = 600.0


@dataclass(frozen=True)
class SubmitSummary:
    """提交申报确认: what the selection declares."""

    rows: int
    headcount: int
    total_due: Decimal
    text: str


@dataclass(frozen=True)
class SubmitReceipt:
    """What 提交申报 made: one declaration per data source, `(declaration_id, source_name, status)`;
    `reasons` holds the failure reason of a 申报失败 declaration (after `result`)."""

    submission_id: str
    declarations: tuple[tuple[str, str, str], ...]
    rows: int = 0
    headcount: int = 0
    total_due: Decimal = _ZERO
    text: str = ""
    submission_ids: tuple[str, ...] = ()
    reasons: tuple[tuple[str, str], ...] = ()

    @property
    def decided(self) -> bool:
        return all(status != "待反馈" for _d, _s, status in self.declarations)


def _channel(channel: Any) -> Channel:
    if channel not in CHANNELS:
        raise ValidationError("申报菜单应为日常申报、特殊缴费申报、社保费申报（核定）或工程项目社保费申报",
                              field="申报菜单", code="INVALID_CHANNEL")
    return channel  # type: ignore[no-any-return]


def _prep_ids(values: Any, label: str = "预处理信息") -> list[str]:
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise ValidationError("应为预处理信息编号的列表", field=label)
    ids = []
    for v in values:
        if not isinstance(v, str) or not v or len(v) > 80 or not v.isascii() or not v.replace("-", "").isalnum():
            raise ValidationError("预处理信息编号格式不正确", field=label)
        ids.append(v)
    ids = list(dict.fromkeys(ids))
    if not ids:
        raise ValidationError("请先勾选要申报的预处理信息", field=label)
    if len(ids) > MAX_IDS:
        raise ValidationError(f"一次最多申报{MAX_IDS}条预处理信息，请分批提交", field=label, code="TOO_MANY_ROWS")
    return ids


def _money(value: Any) -> Decimal:
    return Decimal(value) if value is not None and not pd.isna(value) else _ZERO


def _headcount(rows: pd.DataFrame) -> int:
    """缴费人数 of a selection when the lines are not held: the employees of one unit number pay on
    every 01 item and 03 征集信息 and on both parts, so there the largest row's count per unit number;
    a 特殊缴费 notice and a 工程项目 are people of their own, counted per notice and per project."""
    if rows.empty:
        return 0
    unit = rows["unit_number"].astype(object).map(str)
    notice = rows["notice_no"].astype(object).map(str)
    project = rows["project_no"].astype(object)
    who = ("U|" + unit).where(rows["source_code"] != "02", "S|" + unit + "|" + notice)
    who = who.where(project.isna(), "P|" + project.map(str))
    per = pd.DataFrame({"who": who, "n": rows["headcount"].fillna(0).astype(int)})
    return int(per.groupby("who")["n"].max().sum())


@service_edge
class DeclareList:
    """The rows of one declaration page (channel) of the logged-in unit, as last fetched. Made by
    `DeclarationService.channel`; holds no data itself (every call reads the store)."""

    def __init__(self, service: DeclarationService, channel: Channel) -> None:
        self._service = service
        self.channel: Channel = channel

    # -- helpers -----------------------------------------------------------------------------------
    @property
    def _ctx(self) -> Context:
        return self._service.ctx

    def _unit_id(self) -> str:
        return self._ctx.require_unit("employer").unit_id

    @property
    def columns(self) -> dict[str, str]:
        """Column key -> Chinese label, in display order."""
        return channel_columns(self.channel)

    @property
    def title(self) -> str:
        return CHANNEL_LABELS[self.channel]

    # -- 刷新 ------------------------------------------------------------------------------------
    def load(self) -> int:
        """Fetch the page's preprocessing from the bureau and keep it in place of the rows held
        (entering the page, 刷新). Returns how many rows came."""
        unit_id = self._unit_id()
        table = self._ctx.client.declarations.preprocessing(unit_id, self.channel)
        with self._ctx.store.work() as con:
            return repo.replace_rows(con, unit_id, self.channel, table)

    def loaded(self) -> bool:
        """Whether the page's rows were ever fetched (a page fetches on entry when not)."""
        unit_id = self._unit_id()
        with self._ctx.store.read() as con:
            return repo.loaded_at(con, unit_id, self.channel) is not None

    # -- 查询 ----------------------------------------------------------------------------------
    @staticmethod
    def _filters(filters: DeclareFilter | None) -> DeclareFilter:
        f = DECLARE_LIST.check(filters)
        if f.status and f.status not in ROW_STATUSES:
            raise ValidationError("申报状态不正确", field="申报状态")
        if f.period and (len(f.period) != 7 or f.period[4] != "-" or not (f.period[:4] + f.period[5:]).isdigit()):
            raise ValidationError("应为“年-月”，如2026-11", field="费款所属期")
        return f

    def frame(self, filters: DeclareFilter | None = None) -> pd.DataFrame:
        """Every held row that matches, in the bureau's order: prep_id, group_key, status (未申报 /
        提交中 / 申报中 / 已申报), declaration_id, codes, then the shown columns; money as Decimal."""
        f = self._filters(filters)
        unit_id = self._unit_id()
        with self._ctx.store.read() as con:
            return repo.query_all(con, unit_id, self.channel, f)

    def query(self, filters: DeclareFilter | None = None, page: int = 1,
              page_size: int = 50) -> tuple[pd.DataFrame, int]:
        """One page of the held rows and how many match."""
        f = self._filters(filters)
        page = whole_number(page, "页码", MAX_PAGE)
        page_size = whole_number(page_size, "每页条数", MAX_PAGE_SIZE)
        unit_id = self._unit_id()
        with self._ctx.store.read() as con:
            return repo.query_page(con, unit_id, self.channel, f, page=page, page_size=page_size)

    def groups(self, frame: pd.DataFrame | None = None) -> pd.DataFrame:
        """One row per tick box, in the order of `frame` (the page's rows when None): group_key,
        group_label, prep_ids (list), rows, headcount, amount (Decimal), status (the rows' status when
        they share one, else 部分申报), selectable (every row 未申报 or 提交中)."""
        rows = self.frame() if frame is None else frame
        columns = ["group_key", "group_label", "prep_ids", "rows", "headcount", "amount", "status", "selectable"]
        if rows is None or len(rows) == 0:
            return pd.DataFrame(columns=columns)
        keys = rows["group_key"] if "group_key" in rows else group_keys(rows)
        work = pd.DataFrame({
            "group_key": keys.astype(object).map(str).to_numpy(),
            "prep_id": rows["prep_id"].astype(object).to_numpy(),
            "headcount": (rows["headcount"].fillna(0).astype(int) if "headcount" in rows else 0),
            "amount": (rows["amount"].astype(object) if "amount" in rows else _ZERO),
            "status": (rows["status"].astype(object) if "status" in rows else NOT_DECLARED),
        })
        g = work.groupby("group_key", sort=False)
        statuses = g["status"].agg(lambda s: list(dict.fromkeys(s)))
        out = pd.DataFrame({
            "prep_ids": g["prep_id"].agg(list),
            "rows": g.size(),
            # one group is one unit number and one period or notice: its people are on every row
            "headcount": g["headcount"].max(),
            "amount": g["amount"].agg(lambda s: sum((_money(a) for a in s), _ZERO)),
            "status": statuses.map(lambda v: v[0] if len(v) == 1 else "部分申报"),
            "selectable": statuses.map(lambda v: all(x in (NOT_DECLARED, SENDING) for x in v)),
        }).reset_index()
        out["group_label"] = out["group_key"].map(group_label)
        return out[columns]

    # -- 校验 / 确认 -------------------------------------------------------------------------------
    def _offered(self, unit_id: str) -> pd.DataFrame:
        with self._ctx.store.read() as con:
            return repo.query_all(con, unit_id, self.channel)

    def _check(self, offered: pd.DataFrame, ids: list[str]) -> CheckReport:
        """check_selection over the page's rows; rows 提交中 count as offered (submitting them again
        re-sends their kept submission). The report of the same selection over the same rows is
        reused for a few minutes on the same day: 提交申报's check prompt and 立即提交 do not price the
        trial twice."""
        state = (self.channel, clock.today(), tuple(ids), int(pd.util.hash_pandas_object(
            offered[["prep_id", "status", "amount", "headcount"]].astype(str), index=False).sum()))
        memo = self._service._checked.get(self.channel)
        if memo is not None and memo[0] == state and time.monotonic() - memo[2] < CHECK_REUSE_S:
            return memo[1]
        report = self._check_now(offered, ids)
        self._service._checked[self.channel] = (state, report, time.monotonic())
        return report

    def _check_now(self, offered: pd.DataFrame, ids: list[str]) -> CheckReport:
        rows = offered.copy()
        rows["status"] = rows["status"].where(rows["status"] != SENDING, NOT_DECLARED)
        extra: dict[str, Any] = {}
        inputs = self._service.trial_inputs
        chosen = rows[rows["prep_id"].isin(ids)]
        months = sorted({str(m) for m in chosen.loc[chosen["source_code"] == TAX_OFFICE, "period_start"]})
        if inputs is not None and months:
            extra = dict(inputs(months) or {})
            extra = {k: v for k, v in extra.items() if k in ("trial", "insured", "wages")}
        return check_selection(rows, ids, **extra)

    def check(self, prep_ids: list[str]) -> CheckReport:
        """申报前校验 of the ticked rows: errors block 提交申报, warnings ask the clerk to confirm."""
        ids = _prep_ids(prep_ids)
        unit_id = self._unit_id()
        return self._check(self._offered(unit_id), ids)

    def summary(self, prep_ids: list[str]) -> SubmitSummary:
        """提交申报确认: the row count, 缴费人数 and 应缴费额合计 of the ticked rows."""
        ids = _prep_ids(prep_ids)
        unit_id = self._unit_id()
        with self._ctx.store.read() as con:
            rows = repo.query_all(con, unit_id, self.channel, prep_ids=ids)
            held = repo.held_lines(con, unit_id, ids) if self.channel != "project" else set()
            exact = repo.distinct_employees(con, unit_id, ids) if held and held >= set(ids) else None
        missing = sorted(set(ids) - set(rows["prep_id"]))
        if missing:
            raise ValidationError(f"预处理信息{missing[0]}已不在列表中，请刷新后重新勾选", field="勾选",
                                  code="ROW_MISSING")
        total = sum((_money(a) for a in rows["amount"]), _ZERO)
        headcount = exact if exact is not None else _headcount(rows)
        text = f"本次申报{len(rows)}条预处理信息，缴费人数{headcount}人，应缴费额合计{total:,.2f}元"
        return SubmitSummary(len(rows), headcount, total, text)

    def _refuse(self, offered: pd.DataFrame, finding: Finding, code: str | None = None,
                extra: str = "") -> ValidationError:
        """The finding as the ValidationError a clerk sees: 第n行 (the row's 序号 on the page),
        【field】, reason."""
        row = None
        if finding.row is not None:
            where = offered.index[(offered["prep_id"] == finding.row) | (offered["group_key"] == finding.row)]
            row = int(where[0]) + 1 if len(where) else None
        return ValidationError(finding.message + extra, field=finding.field, row=row, code=code or finding.code)

    # -- 提交申报 ------------------------------------------------------------------------------
    def submit(self, prep_ids: list[str], confirmed_warnings: bool = False) -> SubmitReceipt:
        """提交申报 of the ticked rows (whole groups). Rows 提交中 (a lost answer) are sent again with
        their kept key and body; 未申报 rows are checked (errors refuse with the row, field and reason;
        warnings need `confirmed_warnings=True`) and sent as a new submission."""
        ids = _prep_ids(prep_ids)
        if not isinstance(confirmed_warnings, bool):
            raise ValidationError("应为是或否", field="确认提示")
        unit_id = self._unit_id()
        offered = self._offered(unit_id)
        with self._ctx.store.read() as con:
            pending = repo.pending_submissions(con, unit_id, ids)
            resend_rows: set[str] = set()
            for key in pending["submit_key"]:
                resend_rows |= set(repo.submission_rows(con, unit_id, str(key)))
        fresh = [i for i in ids if i not in resend_rows]
        new_body: dict[str, Any] | None = None
        summary: SubmitSummary | None = None
        if fresh:
            report = self._check(offered[~offered["prep_id"].isin(resend_rows)].reset_index(drop=True), fresh)
            if report.errors:
                first = report.errors[0]
                more = f"（另有{len(report.errors) - 1}个错误）" if len(report.errors) > 1 else ""
                raise self._refuse(offered, first, extra=more)
            if report.warnings and not confirmed_warnings:
                first = report.warnings[0]
                more = f"等{len(report.warnings)}条提示" if len(report.warnings) > 1 else ""
                raise self._refuse(offered, first, code="WARNINGS_NOT_CONFIRMED",
                                   extra=f"（{first.hint}）{more}；请确认后再提交")
            summary = self.summary(fresh)
            new_body = submit_body(self.channel, fresh, summary.total_due)
        sends: list[tuple[str, dict[str, Any]]] = [(str(k), json.loads(str(b)))
                                                   for k, b in zip(pending["submit_key"], pending["body"], strict=True)]
        if new_body is not None and summary is not None:
            key = uuid.uuid4().hex
            with self._ctx.store.work() as con:
                # The check and the write it guards: no row of the selection went into another
                # submission meanwhile (a second tab).
                taken = repo.pending_submissions(con, unit_id, fresh)
                if len(taken):
                    raise ValidationError("所选预处理信息正在提交中，请刷新后重试", field="勾选", code="ROW_SENDING")
                repo.add_submission(con, unit_id, key, self.channel, new_body, summary.total_due, summary.rows,
                                    summary.headcount)
            sends.append((key, new_body))
        answers = [self._send(unit_id, key, body) for key, body in sends]
        return self._receipt(answers, summary)

    def resend(self) -> SubmitReceipt | None:
        """Send again every submission of this page still 提交中 (its answer was lost), each with its
        kept body and key; the bureau answers with what it already made. None when there is none."""
        unit_id = self._unit_id()
        with self._ctx.store.read() as con:
            pending = repo.pending_submissions(con, unit_id)
        pending = pending[pending["channel"] == self.channel]
        if pending.empty:
            return None
        answers = [self._send(unit_id, str(key), json.loads(str(body)))
                   for key, body in zip(pending["submit_key"], pending["body"], strict=True)]
        return self._receipt(answers, None)

    def _send(self, unit_id: str, key: str, body: dict[str, Any]) -> Submission:
        client = self._ctx.client
        try:
            submission = client.declarations.send(unit_id, body, key=key)
        except ConnectionFailed as lost:
            raise ConnectionFailed(
                "提交申报时没有收到税务局的应答，无法确认是否已申报。所选数据已标记为“提交中”，"
                "请稍后再次提交这些数据（再次提交不会重复申报）",
                detail=f"{lost.code}: {lost.detail}", code=lost.code,
            ) from lost
        except BureauError:
            # A refusal: the bureau declared nothing; the rows are offered again.
            with self._ctx.store.work() as con:
                repo.drop_submission(con, unit_id, key)
            raise
        declared = {d.source_code: (d.declaration_id, DECLARING if d.status == "待反馈" else DECLARED)
                    for d in submission.declarations}
        answer = {"submission_id": submission.submission_id, "channel": submission.channel,
                  "submitted_at": submission.submitted_at,
                  "declarations": [{"declaration_id": d.declaration_id, "source_code": d.source_code,
                                    "source_name": d.source_name, "status": d.status, "rows": d.rows,
                                    "headcount": d.headcount, "total_due": f"{d.total_due:.2f}"}
                                   for d in submission.declarations]}
        with self._ctx.store.work() as con:
            repo.record_answer(con, unit_id, key, submission.submission_id, answer, declared)
        return submission

    @staticmethod
    def _receipt(answers: list[Submission], summary: SubmitSummary | None) -> SubmitReceipt:
        records = [d for s in answers for d in s.declarations]
        rows = sum(d.rows for d in records)
        headcount = summary.headcount if summary is not None and len(answers) == 1 else sum(d.headcount for d in records)
        total = sum((d.total_due for d in records), _ZERO)
        names = "、".join(f"{d.source_name}申报表{d.declaration_id}" for d in records)
        text = (f"已提交申报：{names}，共{rows}条预处理信息、应缴费额合计{total:,.2f}元，"
                "申报结果稍后获取，请到申报记录查看")
        last = answers[-1]
        return SubmitReceipt(last.submission_id, tuple((d.declaration_id, d.source_name, d.status) for d in records),
                             rows, headcount, total, text, tuple(s.submission_id for s in answers))

    def result(self, submission_id: str) -> SubmitReceipt:
        """The declarations of a submission as the bureau has decided them now (the page says which
        succeeded and which failed, with the reason)."""
        if not isinstance(submission_id, str) or not submission_id.isascii() or not submission_id.isalnum() \
                or len(submission_id) > 40:
            raise ValidationError("申报编号格式不正确", field="申报编号")
        unit_id = self._unit_id()
        records = [r for r in self._ctx.client.declaration_records.list(unit_id) if r.submission_id == submission_id]
        if not records:
            raise ValidationError("没有找到该次申报，请到申报记录查看", field="申报编号", code="SUBMISSION_NOT_FOUND")
        records.sort(key=lambda r: r.declaration_id)
        parts = []
        for r in records:
            text = f"{r.source_name}申报表{r.declaration_id}：{r.status}"
            if r.reason:
                text += f"（{r.reason}）"
            parts.append(text)
        return SubmitReceipt(
            submission_id, tuple((r.declaration_id, r.source_name, r.status) for r in records),
            sum(r.rows for r in records), sum(r.headcount for r in records),
            sum((r.total_due for r in records), _ZERO), "；".join(parts), (submission_id,),
            tuple((r.declaration_id, r.reason) for r in records if r.reason),
        )

    # -- 缴费人数: the lines -------------------------------------------------------------------------
    def lines(self, prep_id: str, *, full_ids: bool = False) -> pd.DataFrame:
        """职工社保费明细 of one row: downloaded from the bureau the first time, then read from the
        store (no request). ID numbers masked unless `full_ids`."""
        [prep_id] = _prep_ids([prep_id], "预处理信息")
        if self.channel == "project":
            raise ValidationError("工程项目社保费没有职工明细", field="缴费人数", code="NO_LINES")
        unit_id = self._unit_id()
        with self._ctx.store.read() as con:
            held = repo.held_lines(con, unit_id, [prep_id])
        if not held:
            self._download(unit_id, [prep_id])
        with self._ctx.store.read() as con:
            return repo.lines_frame(con, unit_id, [prep_id], full_ids=bool(full_ids))

    def download_lines(self, prep_ids: list[str] | None = None) -> int:
        """Download the lines of the given rows (None: every row of the page) that are not held yet,
        in one go. Returns how many lines came."""
        unit_id = self._unit_id()
        ids = _prep_ids(prep_ids) if prep_ids is not None else None
        with self._ctx.store.read() as con:
            rows = repo.query_all(con, unit_id, self.channel, prep_ids=ids)
            wanted = rows["prep_id"].tolist()
            held = repo.held_lines(con, unit_id, wanted) if wanted else set()
        missing = [i for i in wanted if i not in held]
        if self.channel == "project" or not missing:
            return 0
        return self._download(unit_id, missing)

    def _download(self, unit_id: str, prep_ids: list[str]) -> int:
        lines = self._ctx.client.declarations.preprocessing_lines(unit_id, prep_ids)
        with self._ctx.store.work() as con:
            return repo.store_lines(con, unit_id, prep_ids, lines)

    # -- 导出 ----------------------------------------------------------------------------------
    def export(self, prep_ids: list[str] | None = None) -> bytes:
        """导出: the ticked rows (None: every row of the page) with the page's Chinese headers."""
        ids = _prep_ids(prep_ids) if prep_ids is not None else None
        unit_id = self._unit_id()
        with self._ctx.store.read() as con:
            df = repo.query_all(con, unit_id, self.channel, prep_ids=ids)
        shown = df[list(self.columns)].copy()
        shown["rate"] = [f"{(r * 100).normalize():f}%" if r is not None and not pd.isna(r) else "" for r in shown["rate"]]
        shown["valid_until"] = [f"{d:%Y-%m-%d}" if d is not None and not pd.isna(d) else "" for d in shown["valid_until"]]
        buffer = io.BytesIO()
        xlsx.export_dataframe(shown, buffer, sheet_name=self.title, headers=self.columns)
        return buffer.getvalue()


@service_edge
class DeclarationService:
    """`wb.employer.declarations`: the four declaration pages. `trial_inputs` (H4's trial) gives the
    checks the trial calculation; without it the trial checks are skipped."""

    CHANNELS = CHANNELS
    LABELS = CHANNEL_LABELS
    LINE_COLUMNS = LINE_COLUMNS

    def __init__(self, ctx: Context, trial_inputs: TrialInputs | None = None) -> None:
        self.ctx = ctx
        self.trial_inputs = trial_inputs
        #: channel -> (selection and rows checked, report, when): the last check, reused by submit
        self._checked: dict[str, tuple[Any, CheckReport, float]] = {}

    def channel(self, channel: Channel) -> DeclareList:
        """The rows of one page: 日常申报 "daily", 特殊缴费申报 "special", 社保费申报（核定） "assessed",
        工程项目社保费申报 "project"."""
        return DeclareList(self, _channel(channel))

    @property
    def feedback_wait_s(self) -> int:
        """Seconds the page counts down after 提交申报 (the wage filings' setting, default 20)."""
        with self.ctx.store.read() as con:
            return int(settings_repo.read(con, FEEDBACK_WAIT_KEY, DEFAULT_FEEDBACK_WAIT))

    def pending(self) -> pd.DataFrame:
        """Submissions still 提交中 (their answer lost): submit_key, channel, total_due, rows, created_at."""
        unit_id = self.ctx.require_unit("employer").unit_id
        with self.ctx.store.read() as con:
            df = repo.pending_submissions(con, unit_id)
        return df.drop(columns=["body"])
