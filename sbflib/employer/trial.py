"""社保费测算 (beyond the official client): what a month should cost, worked out on the workbench.

    t = wb.employer.trial
      .trial(months=None) -> Trial                the current month by default (sbflib.domain.declarations.Trial)
      .rows(trial) -> DataFrame                   its rows with item and payer names (TRIAL_COLUMNS, Decimal money)
      .unpriced(months=None) -> DataFrame         employees paying without a known wage (left out)
      .calculate(months=None) -> (Trial, rows, unpriced)   the three from one read (the page's 测算)
      .compare(channel="daily", months=None) -> DataFrame   every row where the trial and the bureau's
                                                  preprocessing differ (COMPARE_COLUMNS: both figures, 金额差额)
      .compare_employees(channel="daily", prep_ids=None) -> DataFrame   the same per employee (LINE_COLUMNS)
      .loaded(channel="daily") -> bool / .preprocessing_months(channel="daily") -> list[str]
      .check_inputs(months) -> dict | None        `trial`, `insured`, `wages` for check_selection (D003/D004)
      .export(trial=None, differences=None) -> bytes   .xlsx (测算结果, 核对差异)

Where the figures come from (all kept by the client; nothing is fetched for the trial itself):
- the rules: the region's rule files kept at login (申报管理, `rule_files`), those of kind
  "contribution" merged (`merge_documents`), read by `ContributionRules`; a month before the first
  figures is refused, never priced with later ones;
- the unit's work-injury class: the industry in 单位信息 (`sbflib.domain.industry_classes`), else the
  征收子目 the roster carries (工伤保险费（一类行业）);
- the contribution wages, per employee and 税务自主 item (代征 items are assessed by the office):
  the current month and later: the roster's base (the latest filed wage, as the bureau applied it),
  unless the client knows a successful wage-filing line for a month up to it that was decided after
  the roster's last update, or is for a month after the current one (then that line's wage); only
  employees paying that month (employee and item start ≤ month ≤ stop);
  an earlier month (back pay): the latest successful filing line for a month up to it, when that
  filing was decided after the month (the bureau then owes the month again), as the bureau's
  `wage_back_pay` does.
The arithmetic is the domain's `trial_calculation` (per employee line, the region's rounding), the
comparison `compare_with_preprocessing` / `compare_lines`.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from sbflib.domain import clock
from sbflib.domain.declarations import (
    COMPARE_COLUMNS,
    LINE_COMPARE_COLUMNS,
    TAX_OFFICE,
    Trial,
    compare_lines,
    compare_with_preprocessing,
    trial_calculation,
)
from sbflib.domain.errors import RuleViolation
from sbflib.domain.industry_classes import injury_class
from sbflib.domain.months import is_month
from sbflib.domain.rules import CONTRIBUTION, PAYERS, ContributionRules, merge_documents
from sbflib.errors import StateError, ValidationError, service_edge
from sbflib.io import xlsx
from sbflib.store import declarations as declare_repo
from sbflib.store import units as units_repo
from sbflib.store.frames import arrow
from sbflib.system.context import Context

__all__ = ["COMPARE_LABELS", "LINE_LABELS", "TRIAL_COLUMNS", "Trial", "TrialService"]

SELF_DECLARED = "税务自主"
LINE_OK = "成功"
MAX_MONTHS = 36
#: The trial's rows on a page and in an export: key -> Chinese label, display order.
TRIAL_COLUMNS = {
    "month": "费款所属期", "unit_number": "单位编号", "item_name": "征收项目", "payer_name": "缴费方",
    "headcount": "缴费人数", "base_total": "缴费基数合计", "rate": "费率", "amount": "应缴费额",
}
#: The differences with the bureau's preprocessing, per row.
COMPARE_LABELS = {
    "month": "费款所属期", "unit_number": "单位编号", "item_name": "征收项目", "payer_name": "缴费方",
    "trial_headcount": "测算缴费人数", "bureau_headcount": "预处理缴费人数",
    "trial_base_total": "测算缴费基数合计", "bureau_base_total": "预处理缴费基数合计",
    "trial_amount": "测算应缴费额", "bureau_amount": "预处理应缴费额", "difference": "金额差额", "reason": "差异原因",
}
#: The differences per employee.
LINE_LABELS = {
    "month": "费款所属期", "employee_id": "个人识别号", "name": "姓名", "item_name": "征收项目", "payer_name": "缴费方",
    "trial_base": "测算缴费基数", "bureau_base": "预处理缴费基数", "trial_amount": "测算应缴费额",
    "bureau_amount": "预处理应缴费额", "difference": "金额差额", "reason": "差异原因",
}
NO_RULES = "本地没有本地区的缴费规则文件，无法测算。请在参数设置中心的申报管理中点击【更新】获取规则文件后再试"
NO_PREPROCESSING = "尚未获取社保费申报的预处理信息，无法核对。请先打开日常申报页面（或点击【刷新】）获取后再核对"
_INJURY = re.compile(r"（([一二三四五六七八])类行业）")

# --- what the client keeps: repository-style reads of the caller's unit of work ------------------
# (kept here until a store module owns them; each takes the connection of one read())


def _rule_documents(con: duckdb.DuckDBPyConnection, region: str) -> list[dict[str, Any]]:
    """The region's kept rule files of kind "contribution", parsed."""
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


def _class_from_roster(con: duckdb.DuckDBPyConnection, unit_id: str) -> int | None:
    """The work-injury class the roster's 征收子目 names (工伤保险费（一类行业）), when it does."""
    rows = con.execute(
        "SELECT subitem_detail FROM employee_items WHERE unit_id = ? AND item_code = '10204' "
        "AND subitem_detail IS NOT NULL LIMIT 1", [unit_id]).fetchall()
    found = _INJURY.search(rows[0][0]) if rows else None
    return "一二三四五六七八".index(found.group(1)) + 1 if found else None


_ITEMS_SQL = """
    e AS (SELECT employee_id, any_value(name) AS name, any_value(nullif(start_month, '')) AS e_start,
                 any_value(nullif(stop_month, '')) AS e_stop
          FROM employees WHERE unit_id = $u GROUP BY employee_id),
    i AS (SELECT employee_id, item_code, any_value(unit_number) AS unit_number, any_value(item_name) AS item_name,
                 max(base) AS base, min(nullif(start_month, '')) AS i_start,
                 CASE WHEN bool_or(nullif(stop_month, '') IS NULL) THEN NULL ELSE max(stop_month) END AS i_stop
          FROM employee_items WHERE unit_id = $u AND collection_mode = $self AND item_code IS NOT NULL
          GROUP BY employee_id, item_code)"""


def _wages(con: duckdb.DuckDBPyConnection, unit_id: str, months: list[str], current: str) -> pa.Table:
    """One row per employee, 税务自主 item and month to price: employee_id, unit_number, item_code,
    month, wage (null: paying without a known wage), source (职工参保信息 / 缴费工资申报)."""
    synced = con.execute("SELECT last_sync_at FROM units WHERE unit_id = ?", [unit_id]).fetchall()
    sql = f"""
        WITH mo AS (SELECT unnest($months::VARCHAR[]) AS month),
        {_ITEMS_SQL},
        ln AS (SELECT l.employee_id, l.item_code AS line_item, l.month AS from_month, l.new_wage AS wage,
                      f.submitted_at, f.decided_at, strftime(f.decided_at, '%Y-%m') AS decided_month, l.line_no
               FROM wage_filing_lines l JOIN wage_filings f ON f.unit_id = l.unit_id AND f.filing_id = l.filing_id
               WHERE l.unit_id = $u AND l.status = '{LINE_OK}' AND l.month IS NOT NULL AND l.new_wage IS NOT NULL
                 AND f.decided_at IS NOT NULL),
        p AS (SELECT mo.month, i.*, e.e_start, e.e_stop FROM mo CROSS JOIN i JOIN e USING (employee_id)),
        lx AS (SELECT p.month, p.employee_id, p.item_code, ln.from_month, ln.wage, ln.decided_at, ln.decided_month,
                      row_number() OVER (PARTITION BY p.month, p.employee_id, p.item_code
                                         ORDER BY ln.from_month DESC, ln.submitted_at DESC, ln.line_no DESC) AS k
               FROM p JOIN ln ON ln.employee_id = p.employee_id
                             AND (ln.line_item IS NULL OR ln.line_item = p.item_code)
                             AND ln.from_month <= p.month),
        l AS (SELECT * FROM lx WHERE k = 1),
        x AS (SELECT p.employee_id, p.unit_number, p.item_code, p.month,
                     CASE WHEN p.month < $cm THEN l.wage
                          WHEN l.wage IS NOT NULL AND (l.from_month > $cm OR $synced IS NULL OR l.decided_at > $synced)
                            THEN l.wage
                          ELSE p.base END AS wage,
                     CASE WHEN p.month < $cm OR (l.wage IS NOT NULL AND (l.from_month > $cm OR $synced IS NULL
                                                                         OR l.decided_at > $synced))
                          THEN '缴费工资申报' ELSE '职工参保信息' END AS source
              FROM p LEFT JOIN l ON l.month = p.month AND l.employee_id = p.employee_id AND l.item_code = p.item_code
              WHERE (p.e_stop IS NULL OR p.e_stop >= p.month) AND (p.i_stop IS NULL OR p.i_stop >= p.month)
                AND CASE WHEN p.month < $cm THEN l.wage IS NOT NULL AND l.decided_month > p.month
                         ELSE coalesce(p.e_start, '0000-00') <= p.month AND coalesce(p.i_start, '0000-00') <= p.month
                    END)
        SELECT employee_id, unit_number, item_code, month, wage, source FROM x
        ORDER BY month, unit_number, item_code, employee_id"""
    params = {"u": unit_id, "self": SELF_DECLARED, "months": months, "cm": current,
              "synced": synced[0][0] if synced else None}
    return con.sql(sql, params=params).to_arrow_table()


def _insured(con: duckdb.DuckDBPyConnection, unit_id: str) -> pd.DataFrame:
    """Who pays which 税务自主 item from when to when (D004): employee_id, name, item_code, unit_number,
    start_month, stop_month (the later start and the earlier stop of the employee and the item)."""
    sql = f"""
        WITH {_ITEMS_SQL}
        SELECT i.employee_id, e.name, i.item_code, i.unit_number,
               CASE WHEN e.e_start IS NULL THEN i.i_start WHEN i.i_start IS NULL THEN e.e_start
                    ELSE greatest(e.e_start, i.i_start) END AS start_month,
               CASE WHEN e.e_stop IS NULL THEN i.i_stop WHEN i.i_stop IS NULL THEN e.e_stop
                    ELSE least(e.e_stop, i.i_stop) END AS stop_month
        FROM i JOIN e USING (employee_id) ORDER BY i.employee_id, i.item_code"""
    return con.sql(sql, params={"u": unit_id, "self": SELF_DECLARED}).to_arrow_table().to_pandas()


def _item_names(con: duckdb.DuckDBPyConnection, unit_id: str) -> dict[str, str]:
    rows = con.execute("SELECT item_code, any_value(item_name) FROM employee_items WHERE unit_id = ? "
                       "AND item_code IS NOT NULL GROUP BY item_code", [unit_id]).fetchall()
    return {str(code): str(name or code) for code, name in rows}


def _employee_names(con: duckdb.DuckDBPyConnection, unit_id: str, ids: list[str]) -> dict[str, str]:
    if not ids:
        return {}
    table = arrow(con, "SELECT employee_id, any_value(name) AS name FROM employees WHERE unit_id = ? "
                       "AND employee_id IN (SELECT unnest(?::VARCHAR[])) GROUP BY employee_id", [unit_id, ids])
    return dict(zip(table.column("employee_id").to_pylist(), table.column("name").to_pylist(), strict=True))


# --- the service ---------------------------------------------------------------------------------


def _months(months: Iterable[str] | None) -> list[str]:
    if months is None:
        return [clock.current_month()]
    if isinstance(months, str):
        months = [months]
    out = sorted({str(m).strip() for m in months})
    if not out:
        raise ValidationError("请选择要测算的费款所属期", field="费款所属期")
    bad = [m for m in out if not is_month(m)]
    if bad:
        raise ValidationError(f"费款所属期“{bad[0]}”格式不正确，应为“年-月”，如2026-01", field="费款所属期")
    if len(out) > MAX_MONTHS:
        raise ValidationError(f"一次最多测算{MAX_MONTHS}个月", field="费款所属期")
    return out


def _check_channel(channel: Any) -> None:
    if channel not in declare_repo.CHANNEL_LABELS:
        raise ValidationError("申报页面不正确，应为日常申报、特殊缴费申报、社保费申报（核定）或工程项目社保费申报",
                              field="申报页面")


def _with_names(df: pd.DataFrame, items: dict[str, str]) -> pd.DataFrame:
    out = df.copy()
    out["item_name"] = out["item_code"].map(lambda c: items.get(str(c), str(c))).astype(object)
    out["payer_name"] = out["payer"].map(lambda p: PAYERS.get(str(p), str(p))).astype(object)
    return out


@service_edge
class TrialService:
    """`wb.employer.trial` (社保费测算). The bureau's preprocessing is the one the declaration pages
    keep (`sbflib.store.declarations`, fetched on entering 日常申报 or on 刷新); its per-employee lines
    are downloaded once and kept there too."""

    TRIAL_COLUMNS = TRIAL_COLUMNS
    COMPARE_LABELS = COMPARE_LABELS
    LINE_LABELS = LINE_LABELS

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def _unit_id(self) -> str:
        return self.ctx.require_unit("employer").unit_id

    # -- inputs ---------------------------------------------------------------------------------
    def _inputs(self, months: list[str]) -> tuple[ContributionRules, int | None, pa.Table, dict[str, str]]:
        unit = self.ctx.require_unit("employer")
        with self.ctx.store.read() as con:
            docs = _rule_documents(con, unit.region)
            profile = units_repo.stored_profile(con, unit.unit_id) or {}
            risk = injury_class(profile.get("industry")) or _class_from_roster(con, unit.unit_id)
            wages = _wages(con, unit.unit_id, months, clock.current_month())
            items = _item_names(con, unit.unit_id)
        if not docs:
            raise StateError(NO_RULES)
        try:
            rules = ContributionRules.from_document(merge_documents(docs))
        except RuleViolation as err:
            raise StateError(f"本地的缴费规则文件无法读取（{err.message}），请在申报管理中更新规则文件", detail=str(err)) from err
        return rules, risk, wages, items

    def _calculate(self, rules: ContributionRules, risk: int | None, wages: pa.Table, months: list[str]) -> Trial:
        try:
            for month in months:  # a month before the rules' first figures is refused, even with nothing to price
                rules.base_limits(month)
            return trial_calculation(rules, wages.select(["employee_id", "unit_number", "item_code", "month", "wage"]),
                                     injury_class=risk)
        except RuleViolation as err:
            if err.code in ("RULE_NOT_IN_FORCE", "RULE_NOT_FOUND"):
                raise StateError(f"无法测算：{err.message}。请在参数设置中心的申报管理中更新规则文件；"
                                 "规则文件尚未生效的所属期不能测算") from err
            if err.code in ("INJURY_CLASS_REQUIRED", "INJURY_CLASS_UNKNOWN"):
                raise StateError("无法测算工伤保险费：单位信息中的行业没有对应的行业风险类别（一类至八类），"
                                 "请在单位信息中核对行业") from err
            raise

    def trial(self, months: list[str] | None = None) -> Trial:
        """测算 the months (default: the current month) from the kept rule files and contribution wages:
        rows per unit number, item, payer and month (headcount, base total, amount, Decimal), lines
        per employee. Employees paying without a known wage are left out (see `unpriced`)."""
        wanted = _months(months)
        rules, risk, wages, _items = self._inputs(wanted)
        return self._calculate(rules, risk, wages, wanted)

    def rows(self, trial: Trial) -> pd.DataFrame:
        """The trial's rows with 征收项目 and 缴费方 in words (TRIAL_COLUMNS and the codes), for a page."""
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            items = _item_names(con, unit_id)
        return _with_names(trial.rows, items)

    def unpriced(self, months: list[str] | None = None) -> pd.DataFrame:
        """Employees paying on a 税务自主 item in the months without a known contribution wage (not in
        the trial): employee_id, name, item_code, item_name, month."""
        wanted = _months(months)
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            wages = _wages(con, unit_id, wanted, clock.current_month())
            items = _item_names(con, unit_id)
        return self._unpriced(unit_id, wages, items)

    def _unpriced(self, unit_id: str, wages: pa.Table, items: dict[str, str]) -> pd.DataFrame:
        missing = wages.filter(wages.column("wage").is_null()).select(["employee_id", "item_code", "month"]).to_pandas()
        with self.ctx.store.read() as con:
            names = _employee_names(con, unit_id, sorted(set(missing["employee_id"])))
        missing["name"] = missing["employee_id"].map(names)
        missing["item_name"] = missing["item_code"].map(items)
        return missing[["employee_id", "name", "item_code", "item_name", "month"]].reset_index(drop=True)

    def calculate(self, months: list[str] | None = None) -> tuple[Trial, pd.DataFrame, pd.DataFrame]:
        """What the page shows after 测算, from one read of the inputs: the trial, its rows with names
        (`rows`) and the employees left out for want of a wage (`unpriced`)."""
        wanted = _months(months)
        rules, risk, wages, items = self._inputs(wanted)
        trial = self._calculate(rules, risk, wages, wanted)
        return trial, _with_names(trial.rows, items), self._unpriced(self._unit_id(), wages, items)

    # -- the bureau's preprocessing ---------------------------------------------------------------
    def _preprocessing(self, channel: str) -> pd.DataFrame:
        """The page's rows as kept (money Decimal); refused in Chinese when never fetched."""
        _check_channel(channel)
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            if declare_repo.loaded_at(con, unit_id, channel) is None:
                raise StateError(NO_PREPROCESSING)
            return declare_repo.query_all(con, unit_id, channel)

    def loaded(self, channel: str = "daily") -> bool:
        """Whether the declaration page's preprocessing was ever fetched (核对 needs it)."""
        _check_channel(channel)
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            return declare_repo.loaded_at(con, unit_id, channel) is not None

    def preprocessing_months(self, channel: str = "daily") -> list[str]:
        """The months of the kept 税务自主 preprocessing rows not yet declared (the current month and
        back pay), sorted; empty when never fetched."""
        _check_channel(channel)
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            if declare_repo.loaded_at(con, unit_id, channel) is None:
                return []
            rows = declare_repo.query_all(con, unit_id, channel)
        if rows.empty:
            return []
        own = rows[(rows["source_code"].astype(object) == TAX_OFFICE)
                   & ~rows["status"].isin((declare_repo.DECLARING, declare_repo.DECLARED))]
        return sorted({str(m) for m in own["period_start"]})

    def _bureau_lines(self, prep_ids: list[str]) -> pd.DataFrame:
        """The per-employee lines of the rows, downloaded (once, kept) when not held."""
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            held = declare_repo.held_lines(con, unit_id, prep_ids)
        missing = [p for p in prep_ids if p not in held]
        if missing:
            lines = self.ctx.client.declarations.preprocessing_lines(unit_id, missing)
            with self.ctx.store.work() as con:
                declare_repo.store_lines(con, unit_id, missing, lines)
        with self.ctx.store.read() as con:
            return declare_repo.lines_frame(con, unit_id, prep_ids)

    def compare(self, channel: str = "daily", months: list[str] | None = None, *,
                include_declared: bool = False) -> pd.DataFrame:
        """核对: every row (unit number, item, payer, month) where the trial and the bureau's 税务自主
        preprocessing differ in amount, headcount or base total, or that only one side has. Months:
        those of the preprocessing's 01 rows (the current month and back pay) unless given. Rows
        already declared (申报中 / 已申报) keep the figures they were declared with and are left out
        unless `include_declared`. COMPARE_COLUMNS with item_name and payer_name; `difference` =
        preprocessing − trial (Decimal)."""
        prep = self._preprocessing(channel)
        own = prep[prep["source_code"].astype(object) == TAX_OFFICE] if "source_code" in prep else prep
        wanted = _months(months) if months is not None else sorted(
            {str(m) for m in own["period_start"]} if len(own) else {clock.current_month()})
        trial = self.trial(wanted)
        diff = compare_with_preprocessing(trial.rows, own, months=wanted)
        if not include_declared and "status" in own:
            declared = set(own.loc[own["status"].isin((declare_repo.DECLARING, declare_repo.DECLARED)), "prep_id"])
            diff = diff[~diff["prep_id"].isin(declared)].reset_index(drop=True)
        return self._named(diff, list(COMPARE_COLUMNS))

    def compare_employees(self, channel: str = "daily", prep_ids: list[str] | None = None) -> pd.DataFrame:
        """The per-employee lines where the trial and the preprocessing's lines differ (LINE_COMPARE_COLUMNS
        with name, item_name, payer_name), for the given 01 rows (default: every 01 row that differs)."""
        prep = self._preprocessing(channel)
        own = prep[prep["source_code"].astype(object) == TAX_OFFICE]
        if prep_ids is None:
            diff = self.compare(channel)
            prep_ids = [p for p in diff["prep_id"] if p is not None]
        chosen = own[own["prep_id"].isin(set(prep_ids))]
        if chosen.empty:
            return pd.DataFrame(columns=[*LINE_COMPARE_COLUMNS, "name", "item_name", "payer_name"])
        months = sorted({str(m) for m in chosen["period_start"]})
        trial = self.trial(months)
        keys = set(zip(chosen["unit_number"], chosen["item_code"], chosen["payer"], chosen["period_start"], strict=True))
        lines = trial.lines.to_pandas()
        mine = lines[[k in keys for k in zip(lines["unit_number"], lines["item_code"], lines["payer"], lines["month"],
                                             strict=True)]]
        bureau = self._bureau_lines([str(p) for p in chosen["prep_id"]])
        diff = compare_lines(mine, bureau)
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            names = _employee_names(con, unit_id, sorted({str(e) for e in diff["employee_id"]}))
        out = self._named(diff, list(LINE_COMPARE_COLUMNS))
        out["name"] = out["employee_id"].map(names).astype(object)
        return out

    def _named(self, diff: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            items = _item_names(con, unit_id)
        return _with_names(diff[columns], items)

    # -- D003 / D004 ------------------------------------------------------------------------------
    def check_inputs(self, months: list[str]) -> dict[str, Any] | None:
        """Keyword arguments for `check_selection` over the months of the ticked rows: `trial` (D003)
        and `insured` / `wages` (D004). None when the trial cannot be made (no rules kept for a month,
        no unit class): the checks then skip D003 and D004 rather than block the declaration."""
        own = [m for m in (months or []) if isinstance(m, str) and is_month(m)]
        if not own:
            return None
        wanted = _months(own)
        try:
            rules, risk, wages, _items = self._inputs(wanted)
            trial = self._calculate(rules, risk, wages, wanted)
        except (StateError, RuleViolation):
            return None
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            insured = _insured(con, unit_id)
        return {"trial": trial, "insured": insured,
                "wages": wages.select(["employee_id", "item_code", "month", "wage"]).to_pandas()}

    # -- 导出 -----------------------------------------------------------------------------------------
    def export(self, trial: Trial | None = None, differences: pd.DataFrame | None = None) -> bytes:
        """.xlsx with the trial's rows (测算结果) and/or the differences (核对差异), Chinese headers."""
        if trial is None and differences is None:
            trial = self.trial()
        from openpyxl import load_workbook

        buffers = []
        if trial is not None:
            rows = self.rows(trial)[list(TRIAL_COLUMNS)]
            buffers.append(("测算结果", rows, TRIAL_COLUMNS))
        if differences is not None:
            labels = COMPARE_LABELS if "trial_headcount" in differences else LINE_LABELS
            buffers.append(("核对差异", differences[[c for c in labels if c in differences]], labels))
        first = io.BytesIO()
        name, df, labels = buffers[0]
        xlsx.export_dataframe(df, first, sheet_name=name, headers=labels)
        if len(buffers) == 1:
            return first.getvalue()
        book = load_workbook(io.BytesIO(first.getvalue()))
        name, df, labels = buffers[1]
        second = io.BytesIO()
        xlsx.export_dataframe(df, second, sheet_name=name, headers=labels)
        other = load_workbook(io.BytesIO(second.getvalue())).active
        sheet = book.create_sheet(name)
        for row in other.iter_rows(values_only=True):
            sheet.append(row)
        for key, dim in other.column_dimensions.items():
            sheet.column_dimensions[key].width = dim.width
        sheet.freeze_panes = "A2"
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

