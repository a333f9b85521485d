"""Pre-submission checks of a fee declaration (申报前校验), with a coded catalogue.

Beyond the official client: before 提交申报 the workbench runs every check over the ticked
preprocessing rows, the way the German employer reporting checks (DEÜV Plausibilitätsprüfungen) do:
each finding has a code, the row it is about, the field, a severity, a message and a hint. An error
(错误) blocks the submission; a warning (警告) is shown and the clerk confirms it before submitting.

Catalogue (`CATALOGUE`, code → severity, title, message template, hint, field):

====  ====  ======================  ================================================================
code  级别   title                   fires when
====  ====  ======================  ================================================================
D001  错误   同组预处理信息未全部勾选   a group (代征: unit number + 征集通知流水号; 自主: period + item +
                                    unit number) is ticked only in part
D002  错误   所属期已申报              a ticked row is already in a live declaration (申报中 / 已申报), or
                                    the same unit number, item, payer and period (02/03: the same
                                    notice, item and payer) is in one (`declared`)
D003  警告   应缴费额与测算不一致       a ticked 01 row differs from the trial calculation (测算) in amount,
                                    headcount or base total; the message gives both and the difference
D004  警告   职工未申报缴费工资         an employee insured on a ticked 01 row's item and month has no
                                    contribution wage for that month
D005  警告   所属期已逾期              a ticked group's period ended more than N months before the current
                                    month (late fee)
D006  错误   征集信息已过有效期         a ticked 02/03 row's 征集有效日期 has passed (the bureau would fail it)
D007  错误   未勾选预处理信息          nothing is ticked
D008  错误   预处理信息已不存在         a ticked row is no longer offered (the page is stale)
D009  警告   更早的所属期未申报         an earlier 01 period of the same unit number and item is left undeclared
D010  警告   应缴费额为零              a ticked row is due 0.00 (the declaration will need no payment)
====  ====  ======================  ================================================================

>>> import pandas as pd
>>> rows = pd.DataFrame({"prep_id": ["a", "b"], "source_code": "01", "unit_number": "1234",
...                      "item_code": "10201", "payer": ["unit", "personal"], "period_start": "2026-11",
...                      "period_end": "2026-11", "notice_no": None, "status": "未申报",
...                      "amount": [Decimal("1600.00"), Decimal("800.00")]})
>>> report = check_selection(rows, {"a"}, current_month="2026-11")
>>> [(f.code, f.severity) for f in report.findings], report.blocked
([('D001', '错误')], True)
>>> check_selection(rows, {"a", "b"}, current_month="2026-11").findings
()
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import clock
from .declarations import (
    DECLARED,
    NOT_DECLARED,
    PENDING,
    TAX_OFFICE,
    VOIDING,
    Trial,
    compare_with_preprocessing,
    group_keys,
    group_label,
    partial_groups,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CATALOGUE",
    "ERROR",
    "WARNING",
    "CheckReport",
    "CheckSpec",
    "Finding",
    "check_selection",
]

ERROR = "错误"
WARNING = "警告"
_LIVE = (PENDING, DECLARED, VOIDING)


@dataclass(frozen=True)
class CheckSpec:
    """One entry of the catalogue: the message is `template.format(**values)`."""

    code: str
    severity: str
    title: str
    template: str
    hint: str
    field: str


CATALOGUE: dict[str, CheckSpec] = {spec.code: spec for spec in (
    CheckSpec("D001", ERROR, "同组预处理信息未全部勾选",
              "{label}的预处理信息须一并申报，本次勾选{selected}条，缺少{missing_count}条（{missing}）",
              "请勾选该组的全部预处理信息，或整组取消勾选", "勾选"),
    CheckSpec("D002", ERROR, "所属期已申报",
              "{what}已申报（申报记录{declaration_id}，{status}），不能重复申报",
              "如需更正，请先在申报记录中作废原申报（申报成功且未缴费的记录可以作废），再重新申报", "费款所属期"),
    CheckSpec("D003", WARNING, "应缴费额与测算不一致",
              "{what}的应缴费额为{bureau}元，按规则文件和缴费工资测算为{trial}元，相差{gap}元（{reason}）",
              "请核对职工的缴费工资申报和当期缴费基数上下限；核对无误后可继续申报", "应缴费额"),
    CheckSpec("D004", WARNING, "职工未申报缴费工资",
              "职工{employee}在{month}参保{items}，但没有该月的缴费工资",
              "请先在缴费工资申报中为该职工申报缴费工资，或核对其参保状态", "缴费工资"),
    CheckSpec("D005", WARNING, "所属期已逾期",
              "{what}的费款所属期止为{period_end}，早于本月{months}个月，逾期缴纳将加收滞纳金",
              "请尽快申报缴纳；滞纳金自欠缴之日起按日加收（社会保险法第八十六条）", "费款所属期"),
    CheckSpec("D006", ERROR, "征集信息已过有效期",
              "{what}的征集有效日期为{valid_until}，已过期，申报将失败",
              "请联系社保经办机构重新核定后再申报，本次请取消勾选该组", "征集有效日期"),
    CheckSpec("D007", ERROR, "未勾选预处理信息", "没有勾选要申报的预处理信息",
              "请勾选要申报的预处理信息后再提交申报", "勾选"),
    CheckSpec("D008", ERROR, "预处理信息已不存在", "预处理信息{prep_id}已不在可申报的列表中",
              "预处理信息可能已更新，请点击【刷新】后重新勾选", "勾选"),
    CheckSpec("D009", WARNING, "更早的所属期未申报",
              "{label}的预处理信息尚未申报，早于本次申报的费款所属期{period}",
              "建议按费款所属期先后一并申报，以免逾期产生滞纳金", "费款所属期"),
    CheckSpec("D010", WARNING, "应缴费额为零", "{what}的应缴费额为0.00元",
              "申报成功后无需缴费；请核对缴费工资和缴费人数无误", "应缴费额"),
)}


@dataclass(frozen=True)
class Finding:
    """One finding: `row` is the preprocessing row (prep_id) it is about, or the group key for a
    group (D001, D009), None for the whole selection (D007)."""

    code: str
    severity: str
    row: str | None
    field: str
    message: str
    hint: str
    group_key: str | None = None
    employee_id: str | None = None
    difference: Decimal | None = None

    @property
    def blocks(self) -> bool:
        """An error blocks the submission; a warning asks the clerk to confirm."""
        return self.severity == ERROR


def _finding(code: str, row: str | None, *, group_key: str | None = None, employee_id: str | None = None,
             difference: Decimal | None = None, **values: Any) -> Finding:
    spec = CATALOGUE[code]
    return Finding(code, spec.severity, row, spec.field, spec.template.format(**values), spec.hint,
                   group_key, employee_id, difference)


FRAME_COLUMNS = {"code": "代码", "severity": "级别", "row": "预处理信息", "field": "字段", "message": "说明",
                 "hint": "处理建议"}


@dataclass(frozen=True)
class CheckReport:
    """The findings over one selection, errors first, then by code and row."""

    findings: tuple[Finding, ...]

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.blocks)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.blocks)

    @property
    def blocked(self) -> bool:
        """True when an error forbids submitting."""
        return bool(self.errors)

    @property
    def needs_confirmation(self) -> bool:
        """True when there is no error but warnings the clerk must confirm."""
        return not self.errors and bool(self.warnings)

    def summary(self) -> str:
        """In a clerk's words.

        >>> CheckReport(()).summary()
        '校验通过'
        """
        if not self.findings:
            return "校验通过"
        parts = [f"{len(group)}个{label}" for group, label in ((self.errors, ERROR), (self.warnings, WARNING)) if group]
        return "发现" + "、".join(parts)

    def frame(self) -> pd.DataFrame:
        """The findings as a table with Chinese headers (代码, 级别, 预处理信息, 字段, 说明, 处理建议)."""
        import pandas as pd

        return pd.DataFrame([{label: getattr(f, key) for key, label in FRAME_COLUMNS.items()} for f in self.findings],
                            columns=list(FRAME_COLUMNS.values()))


def _payer_name(payer: Any) -> str:
    return {"unit": "单位", "personal": "个人"}.get(str(payer), str(payer))


def _describe(row: dict[str, Any]) -> str:
    """A row in a clerk's words: 单位编号…、征收项目…（单位）、费款所属期…至…."""
    item = row.get("item_name") or row.get("item_code")
    text = f"单位编号{row.get('unit_number')}、{item}（{_payer_name(row.get('payer'))}）"
    if row.get("source_code") != TAX_OFFICE and row.get("notice_no"):
        text += f"、征集通知流水号{row.get('notice_no')}"
    return text + f"、费款所属期{row.get('period_start')}至{row.get('period_end')}"


def _months_between(earlier: str, later: str) -> int:
    return (int(later[:4]) - int(earlier[:4])) * 12 + int(later[5:7]) - int(earlier[5:7])


def _text(value: Any) -> str | None:
    import pandas as pd

    return None if value is None or pd.isna(value) else str(value)


def check_selection(
    offered: pd.DataFrame,
    selected: Iterable[str],
    *,
    current_month: str | None = None,
    today: dt.date | None = None,
    declared: pd.DataFrame | None = None,
    trial: Trial | pd.DataFrame | None = None,
    insured: pd.DataFrame | None = None,
    wages: pd.DataFrame | None = None,
    late_after_months: int = 0,
    tolerance: Decimal = Decimal("0.00"),
) -> CheckReport:
    """Run every check of the catalogue over the ticked rows (`selected`: prep_ids).

    - `offered`: the page's preprocessing rows (wire columns: prep_id, source_code, unit_number,
      item_code, item_name, payer, period_start, period_end, notice_no, valid_until, amount, status,
      declaration_id); rows of other statuses may be included (they are what D002 looks at).
    - `declared` (D002, optional): rows of the unit's declarations (申报记录 detail rows) with
      `declaration_id` and the declaration's `status`; only live ones (待反馈 / 申报成功 / 作废中) count.
    - `trial` (D003, optional): a `Trial` or its `rows`; ticked 01 rows are compared with it, an amount
      difference above `tolerance` (or any headcount or base-total difference) is reported.
    - `insured` and `wages` (D004, optional): who pays which item from when (employee_id, item_code,
      unit_number, start_month, stop_month, and `name` when known) and the contribution wages per
      employee, item and month (employee_id, item_code, month, wage): the same `wages` the trial
      calculation takes.
    - D003 looks only at the months the trial priced; there a row the trial lacks is a difference.
    - D005: a period ending more than `late_after_months` months before `current_month`.
    `current_month` and `today` default to the one clock.
    """
    import pandas as pd

    current_month = current_month or clock.current_month()
    today = today or clock.today()
    wanted = [str(i) for i in selected]
    if not wanted:
        return CheckReport((_finding("D007", None),))
    found: list[Finding] = []
    rows = offered.reset_index(drop=True)
    if "prep_id" not in rows:
        rows = pd.DataFrame({"prep_id": pd.Series(dtype=object)})
    ids = rows["prep_id"].astype(object).map(str)
    known = set(ids)
    found += [_finding("D008", prep_id, prep_id=prep_id) for prep_id in sorted(set(wanted) - known)]
    chosen = rows[ids.isin(set(wanted))].copy()
    chosen["group_key"] = group_keys(chosen).to_numpy() if len(chosen) else []
    records: list[dict[str, Any]] = chosen.astype(object).where(chosen.notna(), None).to_dict("records")

    # D001: a group ticked in part.
    for part in partial_groups(rows, wanted).to_dict("records"):
        missing = part["missing"]
        shown = "、".join(missing[:3]) + ("等" if len(missing) > 3 else "")
        found.append(_finding("D001", part["group_key"], group_key=part["group_key"], label=part["group_label"],
                              selected=part["selected"], missing_count=len(missing), missing=shown))

    # D002: already declared (the row's own status, or the same period in a live declaration).
    flagged: set[str] = set()
    for r in records:
        status = r.get("status") or NOT_DECLARED
        if status != NOT_DECLARED:
            flagged.add(r["prep_id"])
            found.append(_finding("D002", r["prep_id"], group_key=r["group_key"], what=_describe(r),
                                  declaration_id=r.get("declaration_id") or "", status=status))
    if declared is not None and len(declared):
        found += _already_declared(records, declared, flagged)

    # D006: 征集有效日期 passed (02 / 03 rows), once per group.
    seen: set[str] = set()
    for r in records:
        valid = r.get("valid_until")
        if r.get("source_code") == TAX_OFFICE or valid is None or r["group_key"] in seen:
            continue
        day = valid if isinstance(valid, dt.date) else dt.date.fromisoformat(str(valid)[:10])
        if day < today:
            seen.add(r["group_key"])
            found.append(_finding("D006", r["prep_id"], group_key=r["group_key"], what=_describe(r),
                                  valid_until=f"{day:%Y-%m-%d}"))

    # D003: differs from the trial calculation.
    own = [r for r in records if r.get("source_code") == TAX_OFFICE and r.get("period_start") == r.get("period_end")]
    if trial is not None and own:
        trial_rows = trial.rows if isinstance(trial, Trial) else trial
        mine = pd.DataFrame(own)
        # Only the months the trial priced: a month it was not asked to price is not a difference.
        priced = {r["period_start"] for r in own} & set(trial_rows["month"].astype(object))
        diff = compare_with_preprocessing(trial_rows, mine, months=priced)
        by_id = {r["prep_id"]: r for r in own}
        for d in diff.to_dict("records"):
            prep_id = d["prep_id"]
            if prep_id is None or prep_id not in by_id:
                continue
            difference = Decimal(d["difference"])
            only_amount = d["reason"] == "应缴费额不同"
            if only_amount and abs(difference) <= tolerance:
                continue
            trial_amount = d["trial_amount"] if d["trial_amount"] is not None else Decimal("0.00")
            found.append(_finding("D003", prep_id, group_key=by_id[prep_id]["group_key"], difference=difference,
                                  what=_describe(by_id[prep_id]), bureau=f"{Decimal(d['bureau_amount']):.2f}",
                                  trial=f"{Decimal(trial_amount):.2f}", gap=f"{difference:+.2f}",
                                  reason=d["reason"]))

    # D004: insured that month without a contribution wage.
    if insured is not None and wages is not None and own:
        found += _without_wage(own, insured, wages)

    # D005: late (once per group).
    seen = set()
    for r in records:
        end = r.get("period_end")
        if not end or r["group_key"] in seen:
            continue
        months = _months_between(str(end), current_month)
        if months > late_after_months:
            seen.add(r["group_key"])
            found.append(_finding("D005", r["prep_id"], group_key=r["group_key"], what=_describe(r),
                                  period_end=end, months=months))

    # D009: an earlier 01 period of the same unit number and item left undeclared.
    found += _earlier_open(rows, ids, set(wanted), own)

    # D010: nothing due.
    for r in records:
        amount = r.get("amount")
        if amount is not None and Decimal(str(amount)) == 0:
            found.append(_finding("D010", r["prep_id"], group_key=r["group_key"], what=_describe(r)))

    found.sort(key=lambda f: (not f.blocks, f.code, f.row or "", f.employee_id or ""))
    return CheckReport(tuple(found))


def _objects(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The columns as plain objects (None for missing; a missing column is all None)."""
    import pandas as pd

    out = pd.DataFrame({c: frame[c].astype(object) if c in frame else pd.Series(None, index=frame.index, dtype=object)
                        for c in columns})
    return out.where(out.notna(), None)


_ROW_KEYS = ["unit_number", "item_code", "payer", "source_code"]


def _already_declared(records: list[dict[str, Any]], declared: pd.DataFrame, flagged: set[str]) -> list[Finding]:
    """D002 by period (01) or notice (02/03) against the rows of live declarations."""
    import pandas as pd

    live = declared
    if "status" in live:
        live = live[live["status"].astype(object).isin(_LIVE)]
    mine = [r for r in records if r["prep_id"] not in flagged]
    if live.empty or not mine:
        return []
    cols = [*_ROW_KEYS, "prep_id", "period_start", "period_end", "notice_no"]
    left = _objects(pd.DataFrame(mine), cols)
    right = _objects(live, [*cols, "declaration_id", "status"])
    both = left.merge(right, on=_ROW_KEYS, how="inner", suffixes=("", "_d"))
    both = both[both["prep_id"] != both["prep_id_d"]]
    own = both["source_code"] == TAX_OFFICE
    overlap = (both["period_start_d"].map(str) <= both["period_end"].map(str)) & (
        both["period_end_d"].map(str) >= both["period_start"].map(str))
    same_notice = both["notice_no"].notna() & (both["notice_no"] == both["notice_no_d"])
    hits = both[(own & overlap) | (~own & same_notice)].drop_duplicates("prep_id")
    by_id = {r["prep_id"]: r for r in mine}
    return [_finding("D002", h["prep_id"], group_key=by_id[h["prep_id"]]["group_key"],
                     what=_describe(by_id[h["prep_id"]]), declaration_id=_text(h["declaration_id"]) or "",
                     status=_text(h["status"]) or "已申报")
            for h in hits.to_dict("records")]


def _without_wage(own: list[dict[str, Any]], insured: pd.DataFrame, wages: pd.DataFrame) -> list[Finding]:
    """D004: per employee and month, the ticked items on which the employee pays without a wage."""
    import pandas as pd

    ticked = pd.DataFrame({"unit_number": [r["unit_number"] for r in own], "item_code": [r["item_code"] for r in own],
                           "month": [r["period_start"] for r in own], "prep_id": [r["prep_id"] for r in own],
                           "item": [r.get("item_name") or r["item_code"] for r in own]})
    ticked = ticked.drop_duplicates(["unit_number", "item_code", "month"])
    cols = ["employee_id", "item_code", "unit_number", "start_month", "stop_month"]
    people = insured[cols + (["name"] if "name" in insured else [])].astype(object)
    people = people.where(people.notna(), None)
    pay = ticked.merge(people, on=["unit_number", "item_code"], how="inner")
    starts = pay["start_month"].map(lambda v: v or "0000-00")
    stops = pay["stop_month"].map(lambda v: v or "9999-99")
    pay = pay[(starts <= pay["month"]) & (pay["month"] <= stops)]
    if pay.empty:
        return []
    filed = wages[["employee_id", "item_code", "month", "wage"]].astype(object)
    filed = filed[filed["wage"].notna()].drop_duplicates(["employee_id", "item_code", "month"])
    joined = pay.merge(filed, on=["employee_id", "item_code", "month"], how="left", indicator=True)
    lacking = joined[joined["_merge"] == "left_only"]
    lacking = lacking.sort_values(["employee_id", "month", "item_code"], kind="stable")
    out = []
    for (employee_id, month), part in lacking.groupby(["employee_id", "month"], sort=True):
        name = part["name"].iloc[0] if "name" in part else None
        who = f"{name}（{employee_id}）" if name else str(employee_id)
        out.append(_finding("D004", str(part["prep_id"].iloc[0]), employee_id=str(employee_id), employee=who,
                            month=month, items="、".join(dict.fromkeys(part["item"].map(str)))))
    return out


def _earlier_open(rows: pd.DataFrame, ids: pd.Series, wanted: set[str], own: list[dict[str, Any]]) -> list[Finding]:
    """D009: open 01 groups of a ticked row's unit number and item whose period ends before it starts."""
    import pandas as pd

    if not own or "source_code" not in rows:
        return []
    status = (rows["status"].astype(object).where(rows["status"].notna(), NOT_DECLARED) if "status" in rows
              else pd.Series(NOT_DECLARED, index=rows.index, dtype=object))
    open_own = rows[(rows["source_code"].astype(object) == TAX_OFFICE) & ~ids.isin(wanted) & (status == NOT_DECLARED)]
    if open_own.empty:
        return []
    earlier = _objects(open_own, ["unit_number", "item_code", "period_end"]).assign(
        group_key=group_keys(open_own).to_numpy())
    ticked = _objects(pd.DataFrame(own), ["unit_number", "item_code", "period_start"])
    both = earlier.merge(ticked, on=["unit_number", "item_code"], how="inner")
    both = both[both["period_end"].map(str) < both["period_start"].map(str)]
    first = both.groupby("group_key", sort=True)["period_start"].min()
    return [_finding("D009", key, group_key=key, label=group_label(key), period=period)
            for key, period in first.items()]
