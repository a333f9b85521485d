"""Fee declarations (社保费申报, manual 2.8-2.10, 2.23, 2.27): data sources, the grouping rules of the
preprocessing rows and the SQL twin of the region's rounding. Pure; both the bureau and the client use it.

Rows that must be declared together form one group (one tick box on the pages):
- 税务代征 (征集信息, data source 03), 特殊缴费 (02) and 工程项目: the same unit number (单位编号) and the
  same 征集通知流水号;
- 税务自主 (data source 01): the same 费款所属期起 and 止, the same 征收项目 and the same unit number.

>>> rows = [{"prep_id": "a", "source_code": "01", "unit_number": "1234", "item_code": "10201",
...          "period_start": "2026-11", "period_end": "2026-11", "notice_no": None},
...         {"prep_id": "b", "source_code": "01", "unit_number": "1234", "item_code": "10201",
...          "period_start": "2026-11", "period_end": "2026-11", "notice_no": None}]
>>> group_key(rows[0]) == group_key(rows[1])
True
>>> incomplete_groups(rows, {"a"})
[('01|1234|10201|2026-11|2026-11', ['b'])]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .money import Rounding

__all__ = [
    "DECLARATION_STATUSES",
    "PAYABLE_STATUSES",
    "PAY_STATUSES",
    "SOURCES",
    "amount_sql",
    "group_key",
    "group_label",
    "incomplete_groups",
]

# 数据来源 (manual 2.8.1, 征收模式对照表): code -> name.
TAX_OFFICE = "01"  # 税务机关: preprocessing of 税务自主 items, computed from the filed wages
SOCIAL_OFFICE = "02"  # 社保部门: 特殊缴费 (back pay, retirement and policy back pay)
ASSESSED = "03"  # 社保部门核定征收: 征集信息 of 税务代征 items (and 工程项目)
SOURCES = {TAX_OFFICE: "税务机关", SOCIAL_OFFICE: "社保部门", ASSESSED: "社保部门核定征收"}

# A declaration (申报表) and its payment.
PENDING = "待反馈"
DECLARED = "申报成功"
FAILED = "申报失败"
VOIDING = "作废中"
VOIDED = "已作废"
DECLARATION_STATUSES = (PENDING, DECLARED, FAILED, VOIDING, VOIDED)
UNPAID = "未缴费"
PAID = "已缴费"
IN_DEBIT_LIST = "已生成待批扣清册"
NOTHING_DUE = "无需缴费"
PAY_STATUSES = (UNPAID, PAID, IN_DEBIT_LIST, NOTHING_DUE)
# 应缴信息 (manual 2.21.2): 初始 not declared, 申报中 sent, 申报成功, 销账 settled (paid), 已生成待批扣清册.
PAYABLE_STATUSES = ("初始", "申报中", "申报成功", "销账", "已生成待批扣清册")


def group_key(row: Mapping[str, Any]) -> str:
    """The group a preprocessing row belongs to (rows of one group are declared together).

    >>> group_key({"source_code": "03", "unit_number": "440305600213", "notice_no": "202611010123456789"})
    '03|440305600213|202611010123456789'
    >>> group_key({"source_code": "01", "unit_number": "1234", "item_code": "10201",
    ...            "period_start": "2026-09", "period_end": "2026-09"})
    '01|1234|10201|2026-09|2026-09'
    """
    source = str(row["source_code"])
    if source == TAX_OFFICE:
        return "|".join((source, str(row["unit_number"]), str(row["item_code"]),
                         str(row["period_start"]), str(row["period_end"])))
    return "|".join((source, str(row["unit_number"]), str(row["notice_no"])))


def group_label(key: str) -> str:
    """A group in a clerk's words.

    >>> group_label('01|1234|10201|2026-09|2026-09')
    '单位编号1234、征收项目10201、费款所属期2026-09至2026-09'
    >>> group_label('03|440305600213|202611010123456789')
    '单位编号440305600213、征集通知流水号202611010123456789'
    """
    parts = key.split("|")
    if parts[0] == TAX_OFFICE:
        return f"单位编号{parts[1]}、征收项目{parts[2]}、费款所属期{parts[3]}至{parts[4]}"
    return f"单位编号{parts[1]}、征集通知流水号{parts[2]}"


def incomplete_groups(offered: Iterable[Mapping[str, Any]], selected: set[str]) -> list[tuple[str, list[str]]]:
    """The groups of which some rows are selected and some not: (group key, prep_ids left out),
    ordered by key. `offered` are the rows that may be declared now (not yet declared).

    >>> rows = [{"prep_id": p, "source_code": "03", "unit_number": "9", "notice_no": n}
    ...         for p, n in (("x", "1"), ("y", "1"), ("z", "2"))]
    >>> incomplete_groups(rows, {"x", "z"}), incomplete_groups(rows, {"x", "y"})
    ([('03|9|1', ['y'])], [])
    """
    members: dict[str, list[str]] = {}
    for row in offered:
        members.setdefault(group_key(row), []).append(str(row["prep_id"]))
    out = []
    for key in sorted(members):
        ids = members[key]
        chosen = [i for i in ids if i in selected]
        if chosen and len(chosen) < len(ids):
            out.append((key, sorted(i for i in ids if i not in selected)))
    return out


_DIGITS = {"0.01": 2, "0.1": 1, "1": 0}


def amount_sql(expr: str, rounding: Rounding) -> str:
    """SQL (DuckDB) for `round_money(expr, rounding)` on a DECIMAL expression, as DECIMAL(18,2): the
    twin of `sbflib.domain.money.round_money` (half-up rules round the exact value once; up and down
    rules act on the amount first rounded half up to the fen).

    >>> amount_sql("x", Rounding("ROUND_HALF_UP"))
    'round(x, 2)::DECIMAL(18,2)'
    """
    digits = _DIGITS[str(rounding.unit.normalize()) if rounding.unit != 1 else "1"]
    if rounding.mode == "ROUND_HALF_UP":
        return f"round({expr}, {digits})::DECIMAL(18,2)"
    scale = 10 ** digits
    fn = "ceil" if rounding.mode == "ROUND_UP" else "floor"
    step = {2: "0.01", 1: "0.1", 0: "1"}[digits]
    return (f"({fn}(round({expr}, 2) * {scale})::DECIMAL(18,0) * {step}::DECIMAL(3,2))::DECIMAL(18,2)"
            if digits else f"{fn}(round({expr}, 2))::DECIMAL(18,2)")
