"""首页 (manual 2.1): 待办事项 and 异常提醒, each line opening the menu where it is dealt with.

    h = wb.employer.home
      .summary(fetch=True) -> HomeSummary    .todo, .alerts, .fetched_at (None: from what is held)
      .todo() -> list[TodoItem]              待办事项
      .alerts() -> list[Alert]               异常提醒

What it reads (manual 2.1.3):
- 待办: (一) 未申报的社保费预处理信息, per declaration page (日常申报 / 特殊缴费申报 / 工程项目社保费申报),
  with the row count and the amount due; submissions whose answer never came (提交中, the declaration
  pages' store) so they are sent again; (二) 社保费欠费: declarations 申报成功 and 未缴费, with the total.
- 异常提醒: (一) employees paying now with no contribution wage (缴费基数 empty) on a 税务自主 item, from
  the held roster; (二) several periods (属期) of one page's preprocessing still undeclared; (三)
  arrears past their pay-by date (缴费期限).

Two bureau calls at most once a minute (`FRESH_S`): the unit's 应缴信息 (`GET /units/{id}/payables`,
via `PayableService.sync`, so 社保费应缴信息查询 shows the same) and its 欠费信息 (`GET /units/{id}/arrears`);
every other figure comes from the store. When the bureau cannot be reached, `summary(fetch=False)` gives the same from what is held.

Pay-by dates: a row declared from 征集信息 / 特殊缴费 / 工程项目 must be paid by its 征集有效日期 (when the
declaration pages hold it); a 税务机关 row by the region's pay-by date of its period
(`sbflib.domain.deadlines.pay_by_date`: the rule file's `collection` block, moved past holidays; the
defaults, the 15th of the next month, when the kept rule files have no block), later for the unit
share of an item the rule lets the unit's industry defer (可缓缴, `deferred_until`).

When the bureau serves its 欠费信息 (`GET /units/{id}/arrears`, the second call), arrears to pay and
those past their pay-by date come from it instead (its pay-by dates, days left and late fees as of
today; items 锁定 by a payment under way are left out); the rules above are the fallback for a
bureau without that route and for `summary(fetch=False)` before anything was fetched.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd

from sbflib.domain import clock
from sbflib.domain.deadlines import CollectionRule, deferred_until, pay_by_date
from sbflib.domain.errors import RuleViolation
from sbflib.employer.payables import PayableService
from sbflib.errors import BureauError, service_edge
from sbflib.store import home as repo
from sbflib.store import units as units_repo
from sbflib.system.context import Context

__all__ = ["CHANNEL_MENUS", "Alert", "HomeService", "HomeSummary", "TodoItem"]

#: Seconds a fetched summary stays fresh (todo() then alerts() make one bureau call, not two).
FRESH_S = 60.0

#: The page where each declaration channel's rows are declared: (menu ID, Chinese name).
CHANNEL_MENUS = {
    "daily": ("EMP-8", "日常申报"),
    "special": ("EMP-9", "特殊缴费申报"),
    "assessed": ("EMP-27", "社保费申报（核定）"),
    "project": ("EMP-23", "工程项目社保费申报"),
}
PAY_MENU = "EMP-11"          # 缴费
PAYABLES_MENU = "EMP-21"     # 社保费应缴信息查询 (where arrears are seen while 缴费 is not built)
WAGE_MENU = "EMP-3"          # 日常缴费工资申报-按职工
ROSTER_MENU = "EMP-2"        # 职工参保信息更新

_ZERO = Decimal("0.00")


@dataclass(frozen=True)
class TodoItem:
    """One 待办事项: `text` in Chinese, `count` rows / declarations, `amount` their total, `menu_id` the
    menu that deals with it (`fallback_menu_id` while that menu is not built)."""

    kind: str                      # undeclared | resend | unpaid
    text: str
    count: int
    amount: Decimal
    menu_id: str
    fallback_menu_id: str | None = None
    channel: str | None = None


@dataclass(frozen=True)
class Alert:
    """One 异常提醒 (same fields as TodoItem; `amount` may be None)."""

    kind: str                      # no_wage | periods | overdue
    text: str
    count: int
    menu_id: str
    fallback_menu_id: str | None = None
    amount: Decimal | None = None
    channel: str | None = None


@dataclass(frozen=True)
class Deadline:
    """One day of the 缴费日历 (beyond the manual): what falls due on it, from the bureau's 欠费信息."""

    pay_by: dt.date
    days_left: int            # negative: past it by that many days
    declarations: int         # 申报表 (应征凭证序号) with an item due that day
    amount: Decimal
    late_fee: Decimal         # charged up to today

    @property
    def text(self) -> str:
        when = (f"还剩{self.days_left}天" if self.days_left > 0 else "今日到期" if self.days_left == 0
                else f"已逾期{-self.days_left}天")
        fee = f"，截至今日滞纳金{_yuan(self.late_fee)}" if self.late_fee > 0 else ""
        return (f"{self.pay_by:%Y-%m-%d}（{when}）：{self.declarations}张申报表，应缴费额合计{_yuan(self.amount)}"
                f"{fee}")


@dataclass(frozen=True)
class HomeSummary:
    todo: list[TodoItem] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    fetched_at: dt.datetime | None = None   # when the 应缴信息 came from the bureau; None: held only
    deadlines: list[Deadline] = field(default_factory=list)  # 缴费日历, by pay-by date


def channel_of(prep_id: str, source_code: str | None) -> str:
    """The declaration page of a preprocessing row (docs/api.md: 01 and 03 征集信息 → 日常申报, 02 →
    特殊缴费申报, PGC- → 工程项目社保费申报).

    >>> channel_of("P01N-330108700935-10201-U-202611", "01"), channel_of("P02-1-10201-U", "02")
    ('daily', 'special')
    >>> channel_of("PGC-202611010000000001", "03"), channel_of("P03-2-10205-U", "03")
    ('project', 'daily')
    """
    if prep_id.startswith("PGC-"):
        return "project"
    if source_code == "02" or prep_id.startswith("P02-"):
        return "special"
    return "daily"


def _yuan(amount: Decimal) -> str:
    return f"{amount:,.2f}元"


def _periods_text(periods: list[tuple[str, str]]) -> str:
    shown = ["{}至{}".format(*p) if p[0] != p[1] else p[0] for p in periods[:3]]
    more = "等" if len(periods) > 3 else ""
    return "、".join(shown) + more


@service_edge
class HomeService:
    """`wb.employer.home` (首页 待办事项 / 异常提醒)."""

    def __init__(self, ctx: Context, payables: PayableService | None = None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.ctx = ctx
        self.payables = payables or PayableService(ctx)
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._last: tuple[str, float, HomeSummary] | None = None
        self._arrears: tuple[str, pd.DataFrame | None] | None = None  # the bureau's 欠费信息 as last fetched

    def _unit(self) -> tuple[str, str]:
        unit = self.ctx.require_unit("employer")
        return unit.unit_id, unit.region

    # ---- the one door ------------------------------------------------------------------------
    def summary(self, fetch: bool = True) -> HomeSummary:
        """待办 and 异常提醒. `fetch`: get the 应缴信息 from the bureau first (unless fetched for this
        unit within FRESH_S seconds); False: from what the store holds (no bureau call)."""
        unit_id, region = self._unit()
        with self._lock:
            last = self._last
            if fetch and last and last[0] == unit_id and self._monotonic() - last[1] < FRESH_S:
                return last[2]
            fetched_at = None
            if fetch:
                self.payables.sync()
                self._arrears = (unit_id, self._fetch_arrears(unit_id)) if self._has_arrears else None
                fetched_at = clock.now()
            arrears = self._arrears[1] if self._arrears and self._arrears[0] == unit_id else None
            result = self._build(unit_id, region, fetched_at, arrears)
            if fetch:
                self._last = (unit_id, self._monotonic(), result)
            return result

    _has_arrears = True  # False once the bureau answered it has no 欠费信息 route

    def _fetch_arrears(self, unit_id: str) -> pd.DataFrame | None:
        """The bureau's 欠费信息 (with pay-by dates), or None from a bureau that does not serve it."""
        try:
            table = self.ctx.client.arrears.list(unit_id)
        except BureauError as exc:
            if exc.status != 404:
                raise
            self._has_arrears = False
            return None
        return table.to_pandas()

    def todo(self) -> list[TodoItem]:
        """待办事项 (fetches the 应缴信息 when not fetched within a minute)."""
        return self.summary().todo

    def alerts(self) -> list[Alert]:
        """异常提醒 (fetches the 应缴信息 when not fetched within a minute)."""
        return self.summary().alerts

    def frame(self, fetch: bool = True) -> pd.DataFrame:
        """待办事项 then 异常提醒 as one DataFrame (the home page's two lists): section (待办事项 /
        异常提醒), kind, text, count, amount (Decimal or None), channel. `fetch` as in `summary`."""
        summary = self.summary(fetch)
        rows = [{"section": section, "kind": entry.kind, "text": entry.text, "count": entry.count,
                 "amount": entry.amount, "channel": entry.channel}
                for section, entries in (("待办事项", summary.todo), ("异常提醒", summary.alerts))
                for entry in entries]
        columns = ["section", "kind", "text", "count", "amount", "channel"]
        return pd.DataFrame(rows, columns=columns).astype({"count": "int64"})

    def forget(self) -> None:
        """Drop the remembered summary (the next call fetches again)."""
        with self._lock:
            self._last = None

    # ---- building ----------------------------------------------------------------------------
    def _build(self, unit_id: str, region: str, fetched_at: dt.datetime | None,
               arrears: pd.DataFrame | None) -> HomeSummary:
        payables = self.payables.frame()
        today = clock.today()
        month = clock.current_month()
        with self.ctx.store.read() as con:
            pending = repo.pending_submissions(con, unit_id)
            no_wage = repo.employees_without_wage(con, unit_id, month) if repo.roster_loaded(con, unit_id) else 0
            block = repo.collection_block(con, region)
            industry = str((units_repo.stored_profile(con, unit_id) or {}).get("industry") or "")
            unpaid = payables[payables["status"] == "申报成功"] if len(payables) else payables
            valid = repo.valid_until(con, unit_id, unpaid["prep_id"]) if len(unpaid) else {}
        undeclared = payables[payables["status"] == "初始"].copy() if len(payables) else payables
        if len(undeclared):
            undeclared["channel"] = [channel_of(str(p), s) for p, s in
                                     zip(undeclared["prep_id"], undeclared["source_code"], strict=True)]
        todo: list[TodoItem] = []
        alerts: list[Alert] = []
        todo += self._undeclared(undeclared)
        todo += self._resend(pending)
        todo += self._unpaid(unpaid) if arrears is None else self._arrears_to_pay(arrears)
        if no_wage:
            alerts.append(Alert("no_wage", f"有{no_wage}名正常缴费的职工缴费工资为空，请为其申报缴费工资", no_wage,
                                WAGE_MENU, ROSTER_MENU))
        alerts += self._periods(undeclared)
        overdue = (self._overdue(unpaid, valid, block, industry, today) if arrears is None
                   else self._arrears_overdue(arrears))
        if overdue is not None:
            alerts.append(overdue)
        return HomeSummary(todo, alerts, fetched_at, self._deadlines(arrears) if arrears is not None else [])

    @staticmethod
    def _deadlines(arrears: pd.DataFrame) -> list[Deadline]:
        """缴费日历: the unpaid items (not 锁定) by pay-by date, the earliest first."""
        open_rows = arrears[arrears["status"] != "锁定"] if len(arrears) else arrears
        days: list[Deadline] = []
        for pay_by, rows in (open_rows.groupby("pay_by", sort=True) if len(open_rows) else ()):
            days.append(Deadline(pay_by, int(rows["days_left"].min()), int(rows["voucher_no"].nunique()),
                                 sum(rows["amount"], _ZERO), sum(rows["late_fee"], _ZERO)))
        return days

    @staticmethod
    def _undeclared(rows: pd.DataFrame) -> list[TodoItem]:
        out = []
        for channel in ("daily", "special", "project"):
            mine = rows[rows["channel"] == channel] if len(rows) else rows
            if not len(mine):
                continue
            amount = sum(mine["amount"], _ZERO)
            menu, name = CHANNEL_MENUS[channel]
            out.append(TodoItem(
                "undeclared", f"{name}：有{len(mine)}条社保费预处理信息未申报，应缴费额合计{_yuan(amount)}，请及时申报",
                len(mine), amount, menu, channel=channel))
        return out

    @staticmethod
    def _resend(pending: list[tuple[str, int]]) -> list[TodoItem]:
        out = []
        for channel, rows in pending:
            if channel not in CHANNEL_MENUS:
                continue
            menu, name = CHANNEL_MENUS[channel]
            out.append(TodoItem(
                "resend", f"{name}：有{rows}条预处理信息已提交但未收到税务局的答复，请进入页面再次提交以获取结果",
                rows, _ZERO, menu, channel=channel))
        return out

    @staticmethod
    def _unpaid(rows: pd.DataFrame) -> list[TodoItem]:
        if not len(rows):
            return []
        declarations = rows["declaration_id"].nunique()
        amount = sum(rows["amount"], _ZERO)
        if amount <= 0:
            return []
        return [TodoItem("unpaid", f"社保费欠费信息已生成：{declarations}张申报表申报成功但未缴费，应缴费额合计{_yuan(amount)}，"
                         "可以进行社保费缴费", declarations, amount, PAY_MENU, PAYABLES_MENU)]

    @staticmethod
    def _arrears_to_pay(arrears: pd.DataFrame) -> list[TodoItem]:
        """From the bureau's 欠费信息: what may be paid now (not 锁定 by a payment under way)."""
        ready = arrears[arrears["status"] != "锁定"] if len(arrears) else arrears
        if not len(ready):
            return []
        amount = sum(ready["amount"], _ZERO)
        late = sum(ready["late_fee"], _ZERO)
        if amount + late <= 0:
            return []
        count = ready["voucher_no"].nunique()
        extra = f"，另有滞纳金{_yuan(late)}" if late > 0 else ""
        return [TodoItem("unpaid", f"社保费欠费信息已生成：{count}张申报表申报成功但未缴费，应缴费额合计{_yuan(amount)}{extra}，"
                         "可以进行社保费缴费", count, amount + late, PAY_MENU, PAYABLES_MENU)]

    @staticmethod
    def _arrears_overdue(arrears: pd.DataFrame) -> Alert | None:
        """From the bureau's 欠费信息: items past their pay-by date (days_left < 0), not 锁定."""
        late_rows = arrears[(arrears["days_left"] < 0) & (arrears["status"] != "锁定")] if len(arrears) else arrears
        if not len(late_rows):
            return None
        count = late_rows["voucher_no"].nunique()
        amount = sum(late_rows["amount"], _ZERO)
        fee = sum(late_rows["late_fee"], _ZERO)
        earliest = min(late_rows["pay_by"])
        return Alert("overdue", f"有{count}张申报表的欠费已超出缴费期限（最早于{earliest:%Y-%m-%d}到期），"
                     f"应缴费额合计{_yuan(amount)}，截至今日滞纳金{_yuan(fee)}，请及时缴费", count, PAY_MENU,
                     PAYABLES_MENU, amount=amount)

    @staticmethod
    def _periods(rows: pd.DataFrame) -> list[Alert]:
        out = []
        for channel in ("daily", "special", "project"):
            mine = rows[rows["channel"] == channel] if len(rows) else rows
            if not len(mine):
                continue
            periods = sorted({(str(a), str(b)) for a, b in zip(mine["period_start"], mine["period_end"], strict=True)})
            if len(periods) < 2:
                continue
            menu, name = CHANNEL_MENUS[channel]
            out.append(Alert(
                "periods", f"{name}：有{len(periods)}个属期（{_periods_text(periods)}）的预处理信息未申报，"
                "可能会超出申报期限", len(periods), menu, amount=sum(mine["amount"], _ZERO), channel=channel))
        return out

    @staticmethod
    def _overdue(rows: pd.DataFrame, valid: dict[str, dt.date], block: dict[str, object] | None,
                 industry: str, today: dt.date) -> Alert | None:
        if not len(rows):
            return None
        try:
            rule = CollectionRule.from_block(block)
        except RuleViolation:
            rule = CollectionRule()
        late: dict[str, Decimal] = {}
        earliest: dt.date | None = None
        for declaration_id, prep_id, source, period_end, item_code, payer, amount in zip(
                rows["declaration_id"], rows["prep_id"], rows["source_code"], rows["period_end"], rows["item_code"],
                rows["payer_code"], rows["amount"], strict=True):
            prep = str(prep_id)
            if prep in valid:
                pay_by: dt.date | None = valid[prep]
            elif source == "01" and prep.startswith("P01"):
                try:
                    pay_by = pay_by_date(str(period_end)[:7], rule)
                except RuleViolation:
                    pay_by = None
                if pay_by is not None and rule.deferrable(str(item_code), str(payer), industry):
                    pay_by = deferred_until(pay_by, rule)  # 可缓缴: the unit share is due later
            else:
                pay_by = None  # 征集信息 etc. are due by their 征集有效日期, not held here
            if pay_by is None or pay_by >= today:
                continue
            late[str(declaration_id)] = late.get(str(declaration_id), _ZERO) + amount
            earliest = pay_by if earliest is None else min(earliest, pay_by)
        if not late or earliest is None:
            return None
        amount = sum(late.values(), _ZERO)
        return Alert("overdue", f"有{len(late)}张申报表的欠费已超出缴费期限（最早于{earliest:%Y-%m-%d}到期），"
                     f"应缴费额合计{_yuan(amount)}，请及时缴费，逾期将按日加收滞纳金", len(late), PAY_MENU,
                     PAYABLES_MENU, amount=amount)
