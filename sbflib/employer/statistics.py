"""统计分析 (beyond the manual): `wb.employer.statistics`, the data of five charts over what the client
keeps, each one call returning a DataFrame, filtered by period (所属期起止), 单位编号 and 征收项目.

- `monthly_fees`: 应缴信息 (`payables`) per month × item × payer part.
- `reconciliation`: per month 应缴 (应缴信息), 申报 (rows of 申报成功 申报记录), 缴费 (items of 缴费成功
  缴费记录), 到账 (到账信息) and their differences.
- `arrears_by_age` / `arrears`: 应缴信息 rows 申报成功 (declared, not paid), aged against the pay-by date
  of the region's rule file on `as_of`, with the late fee each carries.
- `headcount_flow`: 职工参保信息 (the roster's insured items) per month × unit number: joined, stopped,
  insured.
- `base_distribution`: the roster's bases in force in a month against the item's floor and cap.

The store is aggregated in DuckDB SQL (100,000 employees × 24 months stays well under a second per
chart: `benchmarks/stats.py`); the rules of what the figures mean are `sbflib.domain.statistics`.
What is counted is what the query pages hold: sync them first (应缴信息, 到账信息, 申报记录, 缴费记录,
职工参保信息更新); `tests/integration/test_statistics_vs_pages.py` holds the figures equal.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd
import pyarrow as pa

from sbflib.domain import clock
from sbflib.domain import statistics as stats
from sbflib.domain.deadlines import CollectionRule, pay_by_date
from sbflib.domain.errors import RuleViolation
from sbflib.domain.months import add_months, is_month
from sbflib.domain.rules import CONTRIBUTION, ContributionRules, merge_documents
from sbflib.errors import StateError, ValidationError, service_edge
from sbflib.io import xlsx
from sbflib.store.frames import frame
from sbflib.system.context import Context

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["CHARTS", "COLUMNS", "StatisticsService", "StatsChoices", "StatsFilter"]

Con = duckdb.DuckDBPyConnection

#: chart name -> Chinese title, display order
CHARTS = {
    "fees": "月度费款",
    "reconciliation": "申报缴费到账核对",
    "arrears": "欠费账龄",
    "headcount": "参保人数变动",
    "bases": "缴费基数分布",
}

#: per chart: column -> Chinese label (display and export order)
COLUMNS: dict[str, dict[str, str]] = {
    "fees": {"month": "费款所属期", "item_code": "征收项目代码", "item_name": "征收项目", "payer_name": "缴费对象",
             "amount": "应缴金额"},
    "reconciliation": dict(stats.RECONCILE_LABELS),
    "arrears": {"bucket": "账龄", "rows": "笔数", "amount": "欠费金额", "late_fee": "滞纳金", "total": "合计"},
    "headcount": {"month": "月份", "unit_number": "单位编号", "joined": "新增参保人数", "stopped": "停止缴费人数",
                  "insured": "月末参保人数"},
    "bases": {"item_code": "征收项目代码", "item_name": "征收项目", "floor": "缴费基数下限", "cap": "缴费基数上限",
              **stats.BASE_BANDS, "total": "合计人数"},
}

#: 欠费明细 (the rows behind the arrears chart)
ARREAR_COLUMNS = {
    "declaration_id": "申报编号", "unit_number": "单位编号", "item_name": "征收项目", "payer_name": "缴费对象",
    "period_start": "费款所属期起", "period_end": "费款所属期止", "amount": "欠费金额", "pay_by": "缴费期限",
    "days_past": "逾期天数", "bucket": "账龄", "late_fee": "滞纳金",
}

_UNIT_NUMBER = re.compile(r"[0-9A-Za-z_-]{1,40}")
_ITEM_CODE = re.compile(r"[0-9A-Za-z]{1,20}")
_MONTH_EXPR = "substr({t}.period_start, 1, 7)"


@dataclass(frozen=True)
class StatsFilter:
    """The filters every chart takes; empty values do not filter.

    month_from / month_to: 费款所属期起止 'YYYY-MM' (for 参保人数变动 the months shown, for 缴费基数分布
    `month_to` is the month whose bases and limits are compared, default this month).
    """

    month_from: str = ""
    month_to: str = ""
    unit_number: str = ""     # 单位编号
    item_code: str = ""       # 征收项目代码


@dataclass(frozen=True)
class StatsChoices:
    """What the filters may choose: unit numbers and items (code -> name) the store holds."""

    unit_numbers: list[str]
    items: dict[str, str]


def _check(filters: StatsFilter | None) -> StatsFilter:
    f = filters or StatsFilter()
    if not isinstance(f, StatsFilter):
        raise ValidationError("统计条件不正确", field="统计条件")
    for value, label in ((f.month_from, "所属期起"), (f.month_to, "所属期止")):
        if value and not (isinstance(value, str) and is_month(value)):
            raise ValidationError("应为“年-月”，如2026-01", field=label)
    if f.month_from and f.month_to and f.month_from > f.month_to:
        raise ValidationError("所属期起不能晚于所属期止", field="所属期起")
    if f.unit_number and not (isinstance(f.unit_number, str) and _UNIT_NUMBER.fullmatch(f.unit_number)):
        raise ValidationError("单位编号格式不正确", field="单位编号")
    if f.item_code and not (isinstance(f.item_code, str) and _ITEM_CODE.fullmatch(f.item_code)):
        raise ValidationError("征收项目不正确", field="征收项目")
    return f


def _where(f: StatsFilter, alias: str, *, months: bool = True, unit: bool = True,
           item: bool = True) -> tuple[str, list[Any]]:
    """Conditions on a table with unit_id, period_start, unit_number, item_code (alias `alias`)."""
    parts: list[str] = [f"{alias}.unit_id = ?"]
    params: list[Any] = []
    month = _MONTH_EXPR.format(t=alias)
    if months and f.month_from:
        parts.append(f"{month} >= ?")
        params.append(f.month_from)
    if months and f.month_to:
        parts.append(f"{month} <= ?")
        params.append(f.month_to)
    if unit and f.unit_number:
        parts.append(f"{alias}.unit_number = ?")
        params.append(f.unit_number)
    if item and f.item_code:
        parts.append(f"{alias}.item_code = ?")
        params.append(f.item_code)
    return " AND ".join(parts), params


def _table_exists(con: Con, name: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                            [name]).fetchall()[0][0])


_PAY_ITEM_TYPE = json.dumps([{"unit_number": "VARCHAR", "item_code": "VARCHAR", "item_name": "VARCHAR",
                              "payer": "VARCHAR", "period_start": "VARCHAR", "period_end": "VARCHAR",
                              "amount": "DECIMAL(18,2)"}])


def _rule_documents(con: Con, region: str) -> list[dict[str, Any]]:
    rows = con.execute("SELECT body FROM rule_files WHERE region = ? ORDER BY name", [region]).fetchall()
    docs = []
    for (body,) in rows:
        try:
            doc = json.loads(body) if body else None
        except ValueError:
            continue
        if isinstance(doc, dict) and doc.get("kind") == CONTRIBUTION:
            docs.append(doc)
    return docs


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


@service_edge
class StatisticsService:
    """`wb.employer.statistics` (统计分析)."""

    CHARTS = CHARTS
    COLUMNS = COLUMNS
    ARREAR_COLUMNS = ARREAR_COLUMNS

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def _unit_id(self) -> str:
        return self.ctx.require_unit("employer").unit_id

    # ---- filters ---------------------------------------------------------------------------------
    def default_filter(self, months: int = 12) -> StatsFilter:
        """The last `months` months up to this month, every unit number and item."""
        this = clock.current_month()
        return StatsFilter(month_from=add_months(this, -(months - 1)), month_to=this)

    def choices(self) -> StatsChoices:
        """单位编号 and 征收项目 the store holds (the roster, 应缴信息 and 到账信息)."""
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            numbers = con.execute("""
                SELECT unit_number FROM unit_numbers WHERE unit_id = ?
                UNION SELECT unit_number FROM employee_items WHERE unit_id = ?
                UNION SELECT unit_number FROM payables WHERE unit_id = ?
                ORDER BY 1""", [unit_id] * 3).fetchall()
            items = con.execute("""
                SELECT item_code, any_value(item_name) FROM (
                    SELECT item_code, item_name FROM employee_items WHERE unit_id = ?
                    UNION ALL SELECT item_code, item_name FROM payables WHERE unit_id = ?
                    UNION ALL SELECT item_code, item_name FROM arrivals WHERE unit_id = ?)
                WHERE item_code IS NOT NULL GROUP BY 1 ORDER BY 1""", [unit_id] * 3).fetchall()
        return StatsChoices([str(n) for (n,) in numbers if n], {str(c): str(n or c) for c, n in items})

    # ---- (a) 月度费款 --------------------------------------------------------------------------------
    def monthly_fees(self, filters: StatsFilter | None = None) -> pd.DataFrame:
        """应缴信息 per month × item × payer part: month, item_code, item_name, payer ('unit'|'personal'),
        payer_name (单位/个人), amount (Decimal)."""
        f = _check(filters)
        unit_id = self._unit_id()
        where, params = _where(f, "p")
        with self.ctx.store.read() as con:
            rows = frame(con, f"""
                SELECT {_MONTH_EXPR.format(t='p')} AS month, p.item_code, any_value(p.item_name) AS item_name,
                       p.payer, sum(p.amount) AS amount
                FROM payables p WHERE {where} GROUP BY ALL""", [unit_id, *params])
        return stats.monthly_fees(rows)

    # ---- (b) 申报缴费到账核对 ---------------------------------------------------------------------------
    def _declared(self, con: Con, unit_id: str, f: StatsFilter) -> pd.DataFrame:
        where, params = _where(f, "r")
        return frame(con, f"""
            SELECT {_MONTH_EXPR.format(t='r')} AS month, sum(r.amount) AS amount
            FROM declaration_record_rows r
            JOIN declaration_records d ON d.unit_id = r.unit_id AND d.declaration_id = r.declaration_id
            WHERE {where} AND d.status = '申报成功' GROUP BY 1""", [unit_id, *params])

    def _paid(self, con: Con, unit_id: str, f: StatsFilter) -> pd.DataFrame:
        if not _table_exists(con, "pay_records"):
            return _empty(["month", "amount"])
        where, params = _where(f, "i")
        return frame(con, f"""
            WITH i AS (
                SELECT x.unit_id, x.it.unit_number, x.it.item_code, x.it.period_start, x.it.amount
                FROM (SELECT unit_id, unnest(from_json(items, ?)) AS it FROM pay_records
                      WHERE unit_id = ? AND status = '缴费成功' AND items IS NOT NULL) x)
            SELECT {_MONTH_EXPR.format(t='i')} AS month, sum(i.amount) AS amount
            FROM i WHERE {where} GROUP BY 1""", [_PAY_ITEM_TYPE, unit_id, unit_id, *params])

    def _sum_month(self, con: Con, table: str, unit_id: str, f: StatsFilter) -> pd.DataFrame:
        where, params = _where(f, "t")
        return frame(con, f"""SELECT {_MONTH_EXPR.format(t='t')} AS month, sum(t.amount) AS amount
                              FROM {table} t WHERE {where} GROUP BY 1""", [unit_id, *params])

    def reconciliation(self, filters: StatsFilter | None = None) -> pd.DataFrame:
        """Per month: due (应缴), declared (申报), paid (缴费), arrived (到账), undeclared = due − declared,
        unpaid = declared − paid, not_arrived = paid − arrived (Decimal); every month of the filter's
        range when both ends are given."""
        f = _check(filters)
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            due = self._sum_month(con, "payables", unit_id, f)
            declared = self._declared(con, unit_id, f)
            paid = self._paid(con, unit_id, f)
            arrived = self._sum_month(con, "arrivals", unit_id, f)
        months = stats.month_range(f.month_from, f.month_to) if f.month_from and f.month_to else None
        return stats.reconcile(due, declared, paid, arrived, months)

    # ---- (c) 欠费账龄 ----------------------------------------------------------------------------------
    def _collection_rule(self, con: Con, region: str) -> CollectionRule:
        docs = _rule_documents(con, region)
        block = merge_documents(docs).get("collection") if docs else None
        try:
            return CollectionRule.from_block(block if isinstance(block, dict) else None)
        except RuleViolation:
            return CollectionRule()

    def arrears(self, filters: StatsFilter | None = None, as_of: dt.date | None = None) -> pd.DataFrame:
        """The 应缴信息 rows declared and not paid (申报成功), one per row: declaration_id, unit_number,
        item_code, item_name, payer, payer_name, period_start, period_end, amount, pay_by (date),
        days_past (on `as_of`, default today), bucket, late_fee (Decimal, if paid on `as_of`)."""
        f = _check(filters)
        day = as_of or clock.today()
        unit = self.ctx.require_unit("employer")
        where, params = _where(f, "p")
        with self.ctx.store.read() as con:
            rows = frame(con, f"""
                SELECT p.payable_id, p.declaration_id, p.unit_number, p.item_code, p.item_name, p.payer,
                       p.period_start, p.period_end, p.amount
                FROM payables p WHERE {where} AND p.status = '申报成功'
                ORDER BY p.period_start, p.payable_id""", [unit.unit_id, *params])
            rule = self._collection_rule(con, unit.region)
        rows["payer_name"] = rows["payer"].map(lambda p: stats.PAYER_NAMES.get(str(p), str(p)))
        return stats.age_arrears(rows, day, rule, lambda month: pay_by_date(month, rule))

    def arrears_by_age(self, filters: StatsFilter | None = None, as_of: dt.date | None = None) -> pd.DataFrame:
        """Per aging bucket (未到期, 0-30天, 31-90天, 91-180天, 180天以上 past the pay-by date on `as_of`):
        bucket, rows, amount, late_fee, total (Decimal)."""
        return stats.arrears_by_age(self.arrears(filters, as_of))

    # ---- (d) 参保人数变动 -------------------------------------------------------------------------------
    def _months(self, f: StatsFilter) -> list[str]:
        default = self.default_filter()
        last = f.month_to or (max(default.month_to, f.month_from) if f.month_from else default.month_to)
        first = f.month_from or add_months(last, -11)
        return stats.month_range(first, last)

    def headcount_spans(self, filters: StatsFilter | None = None) -> pd.DataFrame:
        """Employees per unit number, first month and last month paid there (None: open): unit_number,
        start_month, stop_month, employees."""
        f = _check(filters)
        unit_id = self._unit_id()
        where, params = _where(f, "i", months=False)
        with self.ctx.store.read() as con:
            return frame(con, f"""
                WITH s AS (
                    SELECT i.employee_id, i.unit_number, min(nullif(i.start_month, '')) AS start_month,
                           CASE WHEN bool_or(coalesce(i.stop_month, '') = '') THEN NULL
                                ELSE max(i.stop_month) END AS stop_month
                    FROM employee_items i WHERE {where} GROUP BY 1, 2)
                SELECT unit_number, start_month, stop_month, count(*)::BIGINT AS employees
                FROM s GROUP BY ALL ORDER BY ALL""", [unit_id, *params])

    def headcount_flow(self, filters: StatsFilter | None = None) -> pd.DataFrame:
        """Per month (所属期起止; default the last 12 months) and unit number: joined (first month paid
        there), stopped (last month paid there), insured (paying that month); ints."""
        f = _check(filters)
        return stats.headcount_flow(self.headcount_spans(f), self._months(f))

    # ---- (e) 缴费基数分布 -------------------------------------------------------------------------------
    def _rules(self, con: Con, region: str) -> ContributionRules:
        docs = _rule_documents(con, region)
        if not docs:
            raise StateError("本地没有缴费规则文件，请先在申报管理中更新规则文件")
        try:
            return ContributionRules.from_document(merge_documents(docs))
        except RuleViolation as err:
            raise StateError(f"本地的缴费规则文件无法读取（{err.message}），请在申报管理中更新规则文件",
                             detail=str(err)) from err

    def base_distribution(self, filters: StatsFilter | None = None) -> pd.DataFrame:
        """The roster's bases of items paying in the month (`month_to`, default this month) per item
        against the floor and cap in force: item_code, item_name, floor, cap (Decimal, None: no cap),
        below_floor, at_floor, between, at_cap, above_cap, total (ints). Items the rules give no limits
        for are left out."""
        f = _check(filters)
        month = f.month_to or clock.current_month()
        unit = self.ctx.require_unit("employer")
        where, params = _where(f, "i", months=False)
        with self.ctx.store.read() as con:
            rules = self._rules(con, unit.region)
            codes = [str(c) for (c,) in con.execute(
                f"SELECT DISTINCT i.item_code FROM employee_items i WHERE {where} ORDER BY 1",
                [unit.unit_id, *params]).fetchall() if c]
            limits = []
            for code in codes:
                try:
                    lim = rules.base_limits(month, code)
                except RuleViolation:
                    continue
                limits.append({"item_code": code, "floor": lim.floor, "cap": lim.cap})
            columns = list(COLUMNS["bases"])
            if not limits:
                return _empty(columns)
            table = pa.table({"item_code": pa.array([x["item_code"] for x in limits], pa.string()),
                              "floor": pa.array([x["floor"] for x in limits], pa.decimal128(18, 2)),
                              "cap": pa.array([x["cap"] for x in limits], pa.decimal128(18, 2))})
            con.register("stat_limits", table)
            try:
                band = stats.base_band_sql("i.base", "l.floor", "l.cap")
                counts = frame(con, f"""
                    SELECT i.item_code, any_value(i.item_name) AS item_name, any_value(l.floor) AS floor,
                           any_value(l.cap) AS cap,
                           {", ".join(f"count(*) FILTER (WHERE b = '{k}')::BIGINT AS {k}" for k in stats.BASE_BANDS)},
                           count(*)::BIGINT AS total
                    FROM (SELECT i.*, {band} AS b FROM employee_items i JOIN stat_limits l USING (item_code)
                          WHERE {where} AND i.base IS NOT NULL
                            AND coalesce(i.start_month, '') <= ? AND coalesce(i.start_month, '') <> ''
                            AND (coalesce(i.stop_month, '') = '' OR i.stop_month >= ?)) i
                    JOIN stat_limits l USING (item_code)
                    GROUP BY i.item_code ORDER BY i.item_code""", [unit.unit_id, *params, month, month])
            finally:
                con.unregister("stat_limits")
        return counts[columns]

    def bases(self, filters: StatsFilter | None = None) -> pd.DataFrame:
        """The bases behind `base_distribution`, one per insured item paying in the month: employee_id,
        unit_number, item_code, item_name, base (Decimal) (for a histogram)."""
        f = _check(filters)
        month = f.month_to or clock.current_month()
        unit_id = self._unit_id()
        where, params = _where(f, "i", months=False)
        with self.ctx.store.read() as con:
            return frame(con, f"""
                SELECT i.employee_id, i.unit_number, i.item_code, i.item_name, i.base FROM employee_items i
                WHERE {where} AND i.base IS NOT NULL AND coalesce(i.start_month, '') <= ?
                  AND coalesce(i.start_month, '') <> '' AND (coalesce(i.stop_month, '') = '' OR i.stop_month >= ?)
                ORDER BY i.item_code, i.employee_id""", [unit_id, *params, month, month])

    # ---- one door for the page -----------------------------------------------------------------------
    def chart(self, name: str, filters: StatsFilter | None = None) -> pd.DataFrame:
        """The data of chart `name` (a CHARTS key)."""
        if name == "fees":
            return self.monthly_fees(filters)
        if name == "reconciliation":
            return self.reconciliation(filters)
        if name == "arrears":
            return self.arrears_by_age(filters)
        if name == "headcount":
            return self.headcount_flow(filters)
        if name == "bases":
            return self.base_distribution(filters)
        raise ValidationError("没有这个统计图", field="统计图")

    def table(self, name: str, data: pd.DataFrame) -> pd.DataFrame:
        """The chart's data with Chinese column headers, as shown and exported."""
        columns = COLUMNS.get(name)
        if columns is None:
            raise ValidationError("没有这个统计图", field="统计图")
        return data[list(columns)].rename(columns=columns)

    def export(self, name: str, filters: StatsFilter | None = None, data: pd.DataFrame | None = None) -> bytes:
        """导出数据: the chart's data as .xlsx with the Chinese headers (money as numbers)."""
        df = self.chart(name, filters) if data is None else data
        columns = COLUMNS.get(name, {})
        if not columns:
            raise ValidationError("没有这个统计图", field="统计图")
        buffer = io.BytesIO()
        xlsx.export_dataframe(df[list(columns)], buffer, sheet_name=CHARTS[name], headers=columns)
        return buffer.getvalue()

    def figure(self, name: str, data: pd.DataFrame, filters: StatsFilter | None = None) -> Figure:
        """The chart of `data` (as `chart(name)` returns it), titled and labelled in Chinese with the
        shipped font (no pyplot: safe from a background thread)."""
        if name not in CHARTS:
            raise ValidationError("没有这个统计图", field="统计图")
        return _draw(name, data, self._caption(name, _check(filters)))

    def _caption(self, name: str, f: StatsFilter) -> str:
        """The filters in words, under the title (所属期, 单位编号, 征收项目)."""
        if name == "bases":
            period = f"统计月份{f.month_to or clock.current_month()}"
        elif f.month_from or f.month_to:
            period = f"所属期{f.month_from or '…'}至{f.month_to or '…'}"
        else:
            period = "全部所属期"
        item = "全部征收项目"
        if f.item_code:
            try:
                item = self.choices().items.get(f.item_code, f.item_code)
            except StateError:
                item = f.item_code
        return "  ".join([period, f"单位编号{f.unit_number}" if f.unit_number else "全部单位编号", item])

    def png(self, name: str, filters: StatsFilter | None = None, data: pd.DataFrame | None = None) -> bytes:
        """下载图片: the chart as PNG bytes."""
        df = self.chart(name, filters) if data is None else data
        fig = self.figure(name, df, filters)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=100)
        return buffer.getvalue()


# ---- charts (matplotlib, imported on the first chart) -------------------------------------------------

_COLOURS = ["#2f6fb0", "#e07b39", "#3a9a5b", "#c94c4c", "#8a63b8", "#8c6d4f", "#d16ba5", "#6f6f6f",
            "#b5a22c", "#2aa3b5"]


def _f(value: Any) -> float:
    return 0.0 if value is None or pd.isna(value) else float(value)


def _draw(name: str, data: pd.DataFrame, caption: str = "") -> Figure:
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    from sbflib.io.fonts import use_cjk_font_in_matplotlib

    use_cjk_font_in_matplotlib()
    fig = Figure(figsize=(9.2, 4.0), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    ax.set_title(CHARTS[name])
    if caption:
        fig.suptitle(caption, fontsize=9, color="#555555", x=0.01, ha="left")
    money = FuncFormatter(lambda v, _pos: f"{v:,.0f}")
    if data.empty:
        ax.text(0.5, 0.5, "所选条件下没有数据", ha="center", va="center", transform=ax.transAxes)
        ax.set_xticks([])
        ax.set_yticks([])
        return fig
    if name == "fees":
        months = sorted(set(data["month"]))
        x = list(range(len(months)))
        bottom = [0.0] * len(months)
        series = data.groupby(["item_code", "payer"], sort=False)
        for n, ((_code, _payer), part) in enumerate(series):
            label = f"{part['item_name'].iloc[0]}（{part['payer_name'].iloc[0]}）"
            by_month = {m: _f(a) for m, a in zip(part["month"], part["amount"], strict=True)}
            heights = [by_month.get(m, 0.0) for m in months]
            ax.bar(x, heights, 0.7, bottom=bottom, label=label, color=_COLOURS[n % len(_COLOURS)])
            bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
        ax.set_xticks(x, months, rotation=45, ha="right")
        ax.set_xlabel("费款所属期")
        ax.set_ylabel("应缴金额（元）")
        ax.yaxis.set_major_formatter(money)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, title="征收项目（缴费对象）")
    elif name == "reconciliation":
        months = list(data["month"])
        x = list(range(len(months)))
        keys = ["due", "declared", "paid", "arrived"]
        width = 0.2
        for n, key in enumerate(keys):
            ax.bar([i + (n - 1.5) * width for i in x], [_f(v) for v in data[key]], width,
                   label=stats.RECONCILE_LABELS[key], color=_COLOURS[n])
        ax.set_xticks(x, months, rotation=45, ha="right")
        ax.set_xlabel("费款所属期")
        ax.set_ylabel("金额（元）")
        ax.yaxis.set_major_formatter(money)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=9)
    elif name == "arrears":
        buckets = list(data["bucket"])
        x = list(range(len(buckets)))
        amounts = [_f(v) for v in data["amount"]]
        fees = [_f(v) for v in data["late_fee"]]
        ax.bar(x, amounts, 0.6, label="欠费金额", color=_COLOURS[0])
        ax.bar(x, fees, 0.6, bottom=amounts, label="滞纳金", color=_COLOURS[3])
        for i, rows in enumerate(data["rows"]):
            ax.annotate(f"{int(rows)}笔", (i, amounts[i] + fees[i]), ha="center", va="bottom", fontsize=9)
        ax.set_xticks(x, buckets)
        ax.set_xlabel("逾期天数（缴费期限之后）")
        ax.set_ylabel("金额（元）")
        ax.yaxis.set_major_formatter(money)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=9)
    elif name == "headcount":
        totals = data.groupby("month", sort=True)[["joined", "stopped", "insured"]].sum()
        months = list(totals.index)
        x = list(range(len(months)))
        ax.bar(x, [int(v) for v in totals["joined"]], 0.6, label="新增参保人数", color=_COLOURS[2])
        ax.bar(x, [-int(v) for v in totals["stopped"]], 0.6, label="停止缴费人数", color=_COLOURS[3])
        ax.axhline(0, color="#555555", linewidth=0.8)
        ax.set_xticks(x, months, rotation=45, ha="right")
        ax.set_xlabel("月份")
        ax.set_ylabel("人数（新增为正，停止为负）")
        right = ax.twinx()
        right.plot(x, [int(v) for v in totals["insured"]], color=_COLOURS[0], marker="o", label="月末参保人数")
        right.set_ylabel("月末参保人数")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        right.yaxis.set_major_locator(MaxNLocator(integer=True))
        handles = ax.get_legend_handles_labels()
        more = right.get_legend_handles_labels()
        ax.legend(handles[0] + more[0], handles[1] + more[1], loc="upper left", bbox_to_anchor=(1.08, 1), fontsize=9)
    elif name == "bases":
        bands = list(stats.BASE_BANDS)
        x = list(range(len(bands)))
        items = list(data.itertuples(index=False))
        width = 0.8 / max(1, len(items))
        for n, row in enumerate(items):
            values = [int(getattr(row, b)) for b in bands]
            cap = "无上限" if row.cap is None or pd.isna(row.cap) else f"{_f(row.cap):,.0f}"
            label = f"{row.item_name}（下限{_f(row.floor):,.0f}，上限{cap}）"
            ax.bar([i + (n - (len(items) - 1) / 2) * width for i in x], values, width, label=label,
                   color=_COLOURS[n % len(_COLOURS)])
        ax.set_xticks(x, [stats.BASE_BANDS[b] for b in bands])
        ax.set_xlabel("缴费基数与下限、上限")
        ax.set_ylabel("人数")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, title="征收项目")
    return fig
