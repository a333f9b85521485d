"""Fee declarations (社保费申报, manual 2.8-2.10, 2.23, 2.27): data sources, the grouping rules of the
preprocessing rows and the SQL twin of the region's rounding. Pure; both the bureau and the client use it.

Also, for whole pages (pandas / Arrow, vectorised): `group_keys` and `partial_groups`; the trial
calculation (测算) `trial_calculation` in integer fen, rounded per employee line (see the section
comment), and its comparison with the bureau's rows (`compare_with_preprocessing`) and lines
(`compare_lines`). The pre-submission checks are in `sbflib.domain.declaration_checks`.

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
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .errors import RuleViolation
from .money import Rounding
from .months import is_month
from .rules import ContributionRules

if TYPE_CHECKING:  # pandas is imported where a table is made: the bureau's start does not need it
    import pandas as pd

__all__ = [
    "COMPARE_COLUMNS",
    "DECLARATION_STATUSES",
    "LINE_COMPARE_COLUMNS",
    "NOT_DECLARED",
    "PAYABLE_STATUSES",
    "PAY_STATUSES",
    "SOURCES",
    "TRIAL_LINE_COLUMNS",
    "TRIAL_ROW_COLUMNS",
    "Trial",
    "amount_sql",
    "compare_lines",
    "compare_with_preprocessing",
    "fen_to_money",
    "group_key",
    "group_keys",
    "group_label",
    "incomplete_groups",
    "money_to_fen",
    "partial_groups",
    "round_fen",
    "trial_calculation",
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


# --- tables of rows: the grouping rules, vectorised (H10) ----------------------------------------
#
# The page holds the preprocessing rows as a DataFrame with the wire columns of docs/api.md
# (prep_id, source_code, unit_number, item_code, payer, period_start, period_end, notice_no, status,
# amount, ...). `group_keys` gives each row the same key as `group_key` does one row at a time.

NOT_DECLARED = "未申报"  # the wire status of a row that may be declared now (申报中 / 已申报 otherwise)


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column as text, a missing value (or column) as "None" (what `str(row[column])` gives)."""
    import pandas as pd

    if column not in frame:
        return pd.Series("None", index=frame.index, dtype=object)
    values = frame[column].astype(object)
    return values.where(values.notna(), "None").map(str)


def group_keys(frame: pd.DataFrame) -> pd.Series:
    """The group key of every row (index kept): `group_key`, vectorised.

    >>> import pandas as pd
    >>> rows = pd.DataFrame({"source_code": ["01", "01", "03"], "unit_number": ["1234", "1234", "9"],
    ...                      "item_code": ["10201", "10202", "10205"], "period_start": ["2026-11"] * 3,
    ...                      "period_end": ["2026-11"] * 3, "notice_no": [None, None, "N1"]})
    >>> group_keys(rows).tolist()
    ['01|1234|10201|2026-11|2026-11', '01|1234|10202|2026-11|2026-11', '03|9|N1']
    """
    import pandas as pd

    if frame.empty:
        return pd.Series([], index=frame.index, dtype=object)
    source = _text(frame, "source_code")
    head = source + "|" + _text(frame, "unit_number") + "|"
    own = head + _text(frame, "item_code") + "|" + _text(frame, "period_start") + "|" + _text(frame, "period_end")
    assessed = head + _text(frame, "notice_no")
    return own.where(source == TAX_OFFICE, assessed).astype(object)


def partial_groups(frame: pd.DataFrame, selected: Iterable[str], *, id_column: str = "prep_id") -> pd.DataFrame:
    """The groups of which some rows are selected and some not (the clerk must take a group whole).

    `frame` holds the rows of the page; only rows that may be declared now count (status 未申报, when
    the frame has a `status` column). Answers one row per such group, ordered by key: `group_key`,
    `group_label`, `selected` (rows ticked), `total` (rows of the group), `missing` (the ids left
    out, sorted). The same groups as `incomplete_groups`, for a whole page at once.

    >>> import pandas as pd
    >>> rows = pd.DataFrame({"prep_id": ["x", "y", "z"], "source_code": "03", "unit_number": "9",
    ...                      "notice_no": ["1", "1", "2"]})
    >>> got = partial_groups(rows, {"x", "z"})
    >>> got[["group_key", "selected", "total", "missing"]].to_dict("records")
    [{'group_key': '03|9|1', 'selected': 1, 'total': 2, 'missing': ['y']}]
    >>> partial_groups(rows, {"x", "y"}).empty
    True
    """
    import pandas as pd

    columns = ["group_key", "group_label", "selected", "total", "missing"]
    rows = frame
    if "status" in rows:
        rows = rows[rows["status"].astype(object).where(rows["status"].notna(), NOT_DECLARED) == NOT_DECLARED]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    wanted = {str(i) for i in selected}
    ids = _text(rows, id_column)
    work = pd.DataFrame({"group_key": group_keys(rows).to_numpy(), "id": ids.to_numpy(),
                         "chosen": ids.isin(wanted).to_numpy()})
    per = work.groupby("group_key", sort=True)["chosen"].agg(selected="sum", total="count")
    per = per[(per["selected"] > 0) & (per["selected"] < per["total"])]
    if per.empty:
        return pd.DataFrame(columns=columns)
    left = work[~work["chosen"] & work["group_key"].isin(per.index)]
    missing = left.groupby("group_key")["id"].agg(lambda s: sorted(s.tolist()))
    out = per.reset_index()
    out["selected"] = out["selected"].astype(int)
    out["total"] = out["total"].astype(int)
    out["missing"] = out["group_key"].map(missing)
    out["group_label"] = out["group_key"].map(group_label)
    return out[columns].reset_index(drop=True)


# --- 测算 (trial calculation): what the 税务自主 items should cost (H10) ---------------------------
#
# The workbench prices the month itself from the region's rule file and the filed wages, before the
# bureau's preprocessing arrives, and lists every row where the two differ.
#
# Arithmetic, exactly as the bureau does it (docs/api.md, "How the bureau computes the 01 rows"):
# per employee, item and month the base is the filed wage held between the floor and the cap in force
# that month for that item; per payer part with a rate above 0 the line's amount is base × rate,
# rounded by the region's `Rounding` (`round_money`): ROUND_HALF_UP to the fen unless the rule file
# says otherwise (上海 见分进角). A row (unit number, item, payer, month) is the SUM OF ITS ROUNDED LINES.
#
# Why round per employee and not once per total: each line is a real amount in fen that the bureau
# keeps as the employee's 申报明细 (and the personal part is what the employer withholds from that
# employee's pay), and a row must equal the sum of its lines (docs/api.md: "A row's lines add up to
# its amount"). Rounding the total once would leave a row differing from its lines by up to half a fen
# per employee (up to 500 yuan for 100,000 employees); under 见分进角 by up to a jiao per employee.
#
# Exactness without float: money is held as int64 fen, a rate as int64 millionths (the bureau's rate
# is DECIMAL(12,6); a rate with more places is refused), so base × rate is an exact integer in
# millionths of a fen, rounded with integer arithmetic (`round_fen`, tested equal to `round_money`).
# At most 99,999,999.99 yuan × rate 1 = 10^16 < 2^63: no overflow. Money goes out as Arrow
# decimal128(18,2) (Decimal objects in pandas), never float.

MONEY_TYPE = pa.decimal128(18, 2)
RATE_TYPE = pa.decimal128(12, 6)
RATE_SCALE = 10**6
_FEN_OF = {Decimal("0.01"): 1, Decimal("0.1"): 10, Decimal(1): 100}
_MAX_FEN = 10**18  # DECIMAL(18,2): 16 digits before the point
_NO_CAP = np.iinfo(np.int64).max
_MAX_WAGE_FEN = 99_999_999_99  # the largest wage a filing accepts (domain.wages.MAX_WAGE), in fen
PAYERS = ("unit", "personal")  # unit part first, as the bureau's rows are ordered


def round_fen(exact: np.ndarray, rounding: Rounding) -> np.ndarray:
    """`round_money` on non-negative amounts given in millionths of a fen (int64): the amounts in fen.

    >>> from sbflib.domain.money import HALF_UP_TO_FEN, UP_TO_JIAO
    >>> exact = np.array([1_280_080_000, 3_692_000_000, 3_690_000_400, 500_000, 499_999])
    >>> round_fen(exact, HALF_UP_TO_FEN).tolist(), round_fen(exact, UP_TO_JIAO).tolist()
    ([1280, 3692, 3690, 1, 0], [1280, 3700, 3690, 10, 0])
    """
    exact = np.asarray(exact, dtype=np.int64)
    if exact.size and int(exact.min()) < 0:
        raise RuleViolation("MONEY_NEGATIVE", "测算金额不能为负数", field="金额")
    unit = _FEN_OF[rounding.unit]
    if rounding.mode == "ROUND_HALF_UP":
        step = unit * RATE_SCALE
        rounded: np.ndarray = (exact + step // 2) // step * unit
        return rounded
    fen = (exact + RATE_SCALE // 2) // RATE_SCALE  # first half up to the fen: a fraction of a fen is no fen
    if rounding.mode == "ROUND_UP":
        up: np.ndarray = -(-fen // unit) * unit
        return up
    down: np.ndarray = fen // unit * unit
    return down


def _decimal_array(values: np.ndarray, scale: int, type_: pa.DataType, nulls: np.ndarray | None = None) -> pa.Array:
    """int64 units (fen: scale 2, millionths: scale 6) as an Arrow decimal128 array, exactly."""
    values = np.ascontiguousarray(values, dtype=np.int64)
    words = np.empty((len(values), 2), dtype=np.int64)
    words[:, 0] = values
    words[:, 1] = values >> 63  # the sign fills the high word of the 128-bit integer
    validity = None
    if nulls is not None and nulls.any():
        validity = pa.array(~nulls).buffers()[1]
    return pa.Array.from_buffers(type_, len(values), [validity, pa.py_buffer(words)],
                                 null_count=int(nulls.sum()) if validity is not None and nulls is not None else 0)


def fen_to_money(fen: np.ndarray, nulls: np.ndarray | None = None) -> pa.Array:
    """int64 fen as Arrow decimal128(18,2).

    >>> fen_to_money(np.array([128008, -5, 0])).to_pylist()
    [Decimal('1280.08'), Decimal('-0.05'), Decimal('0.00')]
    """
    return _decimal_array(fen, 2, MONEY_TYPE, nulls)


def _scaled(values: Any, scale: int, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Money or rates (Arrow decimal, Decimal objects, text or int; never float) as int64 units of
    10^-scale, with a mask of the missing values; more places than `scale` are refused."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not isinstance(values, pa.Array):
        items = values.astype(object) if hasattr(values, "astype") else list(values)
        try:
            values = pa.array(items, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):  # mixed kinds: Decimal and text, say
            if any(isinstance(v, float) for v in items):
                values = pa.array([0.0])
            else:
                values = pa.array([None if v is None else str(v) for v in items], pa.string())
    if pa.types.is_floating(values.type):
        raise RuleViolation("MONEY_TYPE", f"{what}应以文本、整数或Decimal给出，不能使用浮点数", field=what)
    if pa.types.is_null(values.type):
        return np.zeros(len(values), dtype=np.int64), np.ones(len(values), dtype=bool)
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        values = pc.utf8_trim_whitespace(values)
    try:
        exact = values.cast(pa.decimal128(38, scale))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        try:
            values.cast(pa.decimal128(38, 12))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            raise RuleViolation("MONEY_FORMAT", f"{what}不是有效的数字", field=what) from None
        places = "两位小数（到分）" if scale == 2 else f"{scale}位小数"
        raise RuleViolation("MONEY_PLACES", f"{what}最多保留{places}", field=what) from None
    nulls = np.asarray(exact.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    if nulls.any():
        exact = pc.fill_null(exact, pa.scalar(Decimal(0), exact.type))
    words = np.frombuffer(exact.buffers()[1], dtype=np.int64).reshape(-1, 2)[exact.offset:exact.offset + len(exact)]
    low, high = words[:, 0].copy(), words[:, 1]
    if not np.array_equal(high, low >> 63) or (scale == 2 and low.size and int(np.abs(low).max()) >= _MAX_FEN):
        raise RuleViolation("MONEY_TOO_LARGE", f"{what}超出允许的范围", field=what)
    return low, nulls


def money_to_fen(values: Any, *, field: str = "金额") -> tuple[np.ndarray, np.ndarray]:
    """Money as int64 fen and a mask of the missing values (a float or a third decimal is refused).

    >>> fen, missing = money_to_fen(["8000.50", None, Decimal("3")])
    >>> fen.tolist(), missing.tolist()
    ([800050, 0, 300], [False, True, False])
    >>> money_to_fen(["12.345"])
    Traceback (most recent call last):
    ...
    sbflib.domain.errors.RuleViolation: 金额最多保留两位小数（到分）
    """
    return _scaled(values, 2, field)


def _rate_text(micro: int) -> Decimal:
    """A rate of millionths as a Decimal without trailing zeros ("0.16", as on the wire)."""
    rate = Decimal(int(micro)).scaleb(-6)
    return rate.quantize(Decimal(1)) if rate == rate.to_integral_value() else rate.normalize()


TRIAL_LINE_COLUMNS = ("employee_id", "unit_number", "item_code", "payer", "month", "wage", "base", "clamped",
                      "rate", "amount")
TRIAL_ROW_COLUMNS = ("unit_number", "item_code", "payer", "month", "headcount", "base_total", "rate", "amount")


@dataclass(frozen=True)
class Trial:
    """A trial calculation: `lines` per employee, item, payer and month (Arrow table, columns
    TRIAL_LINE_COLUMNS; `clamped` "floor" when the wage was raised to the floor, "cap" when cut to
    the cap, null otherwise) and `rows` per unit number, item, payer and month (DataFrame, columns
    TRIAL_ROW_COLUMNS, money and rate as Decimal, ordered by unit number, month, item, unit before
    personal), the way the bureau's 01 preprocessing rows are."""

    lines: pa.Table
    rows: pd.DataFrame
    rounding: Rounding

    @property
    def total(self) -> Decimal:
        """Everything due, the sum of the rows."""
        return sum(self.rows["amount"], Decimal("0.00"))


def _limits_and_rates(rules: ContributionRules, months: list[str], items: list[str],
                      injury_class: int | str | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lookup tables indexed [month, item]: floor and cap in fen; and [payer, month, item]: the rate
    in millionths (0: no line for that payer, as the bureau has no row for a payer whose rate is 0)."""
    floor = np.zeros((len(months), len(items)), dtype=np.int64)
    cap = np.full((len(months), len(items)), _NO_CAP, dtype=np.int64)
    rate = np.zeros((len(PAYERS), len(months), len(items)), dtype=np.int64)
    for m, month in enumerate(months):
        for i, item in enumerate(items):
            lim = rules.base_limits(month, item)
            floor[m, i] = int(lim.floor * 100)
            if lim.cap is not None:
                cap[m, i] = int(lim.cap * 100)
            priced = 0
            for p, payer in enumerate(PAYERS):
                try:
                    rules.rate_entry(month, item, payer)
                except RuleViolation as err:
                    if err.code == "RULE_NOT_FOUND":
                        continue
                    raise
                priced += 1
                value = rules.rate(month, item, payer, injury_class=injury_class)
                micro = value * RATE_SCALE
                if micro != micro.to_integral_value() or micro > RATE_SCALE:
                    raise RuleViolation("RULE_FILE_INVALID", f"征收项目{item}的费率{value}无效（应不超过1且最多六位小数）",
                                        field="费率")
                rate[p, m, i] = int(micro)
            if not priced:
                raise RuleViolation("RULE_NOT_FOUND", f"规则文件中没有征收项目{item}的费率", field="征收项目")
    return floor, cap, rate


def _encode(column: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, pa.Array, np.ndarray]:
    """A text column as int codes, its distinct values and each value's rank in sorted order."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if not pa.types.is_string(column.type):
        column = column.cast(pa.string())
    encoded = pc.dictionary_encode(column)
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    values = encoded.dictionary
    rank = np.empty(len(values), dtype=np.int64)
    rank[pc.sort_indices(values).to_numpy()] = np.arange(len(values))
    return codes, values, rank


def _take(values: pa.Array, codes: np.ndarray) -> pa.Array:
    return values.take(pa.array(codes, pa.int64()))


def _as_table(data: pd.DataFrame | pa.Table, columns: Iterable[str]) -> pa.Table:
    """The named columns as an Arrow table (money columns of Decimal objects become decimals)."""
    if isinstance(data, pa.Table):
        return data.select(list(columns))
    import pandas as pd

    frame = pd.DataFrame({c: data[c].astype(object) if data[c].dtype == object else data[c] for c in columns})
    return pa.Table.from_pandas(frame, preserve_index=False)


def trial_calculation(rules: ContributionRules, wages: pd.DataFrame | pa.Table, *,
                      injury_class: int | str | None = None) -> Trial:
    """测算: what each month should cost per unit number, item and payer from the filed wages.

    `wages`: one row per employee, item and month to price, columns `employee_id`, `unit_number`,
    `item_code`, `month` (YYYY-MM) and `wage` (the contribution wage filed for that month, money;
    missing: not priced — the checks report it). Pass the 税务自主 items only: 代征 items are
    assessed by the social security office. Several rows of one employee, item and month count once,
    with the highest wage (as the bureau takes the highest base of an employee's item). The unit's
    work-injury class (1-8) is needed when an item's rate goes by class. A month or item without
    rules in force is refused (RULE_NOT_IN_FORCE / RULE_NOT_FOUND), never priced with other figures.

    >>> import pandas as pd
    >>> from sbflib.domain.rules import ContributionRules
    >>> rules = ContributionRules.from_document({"kind": "contribution",
    ...     "bases": [{"valid_from": "2026-07", "floor": "4612", "cap": "23061"}],
    ...     "rates": [{"item_code": "10201", "payer": "unit", "rate": "0.16", "valid_from": "2019-05"},
    ...               {"item_code": "10201", "payer": "personal", "rate": "0.08", "valid_from": "2019-05"}]})
    >>> wages = pd.DataFrame({"employee_id": ["E1", "E2"], "unit_number": "1234", "item_code": "10201",
    ...                       "month": "2026-11", "wage": [Decimal("8000.50"), Decimal("3000")]})
    >>> trial = trial_calculation(rules, wages)
    >>> trial.rows[["payer", "headcount", "base_total", "amount"]].to_dict("records")
    [{'payer': 'unit', 'headcount': 2, 'base_total': Decimal('12612.50'), 'amount': Decimal('2018.00')}, \
{'payer': 'personal', 'headcount': 2, 'base_total': Decimal('12612.50'), 'amount': Decimal('1009.00')}]
    """
    import pandas as pd

    needed = ("employee_id", "unit_number", "item_code", "month", "wage")
    present = wages.column_names if isinstance(wages, pa.Table) else list(wages.columns)
    absent = [c for c in needed if c not in present]
    if absent:
        raise RuleViolation("TRIAL_INPUT", f"测算数据缺少列：{'、'.join(absent)}", field=absent[0])
    table = _as_table(wages, needed)
    wage_fen, missing = money_to_fen(table.column("wage"), field="缴费工资")
    if wage_fen.size and int(wage_fen.min()) < 0:
        raise RuleViolation("MONEY_NEGATIVE", "缴费工资不能为负数", field="缴费工资",
                            row=int(np.argmax(wage_fen < 0)) + 1)
    if wage_fen.size and int(wage_fen.max()) > _MAX_WAGE_FEN:
        raise RuleViolation("WAGE_TOO_LARGE", "缴费工资超出允许的范围", field="缴费工资",
                            row=int(np.argmax(wage_fen > _MAX_WAGE_FEN)) + 1)
    emp, emp_values, emp_rank = _encode(table.column("employee_id"))
    unit, unit_values, unit_rank = _encode(table.column("unit_number"))
    item, item_values, _ = _encode(table.column("item_code"))
    month, month_values, _ = _encode(table.column("month"))
    months, items = month_values.to_pylist(), item_values.to_pylist()
    for value in months:
        if value is None or not is_month(value):
            raise RuleViolation("MONTH_FORMAT", f"月份“{value}”格式不正确，应为YYYY-MM", field="所属期")
    if any(v is None for v in items) or any(v is None for v in emp_values.to_pylist()):
        raise RuleViolation("TRIAL_INPUT", "测算数据中有缺少职工或征收项目的行", field="征收项目")
    # Sorted positions of the small dictionaries (their order is the order of the rows).
    month_rank = np.argsort(np.argsort(np.array(months, dtype=object)))
    item_rank = np.argsort(np.argsort(np.array(items, dtype=object)))
    keep = ~missing
    # One wage per employee, item and month: the highest (the bureau's max(base)).
    order = np.lexsort((-wage_fen, month, item, emp))
    order = order[keep[order]]
    key = (emp[order] * len(items) + item[order]) * len(months) + month[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = key[1:] != key[:-1]
    pick = order[first]
    floor, cap, rates = _limits_and_rates(rules, months, items, injury_class)
    e, u, i, m, w = emp[pick], unit[pick], item[pick], month[pick], wage_fen[pick]
    base = np.minimum(np.maximum(w, floor[m, i]), cap[m, i])
    clamped = np.where(base > w, 1, np.where(base < w, 2, 0))
    # One line per payer part with a rate above 0.
    parts = [(p, np.flatnonzero(rates[p, m, i] > 0)) for p in range(len(PAYERS))]
    at = np.concatenate([idx for _, idx in parts]) if parts else np.zeros(0, dtype=np.int64)
    payer = np.concatenate([np.full(len(idx), p, dtype=np.int64) for p, idx in parts])
    e, u, i, m, w, base, clamped = e[at], u[at], i[at], m[at], w[at], base[at], clamped[at]
    rate = rates[payer, m, i]
    line_order = np.lexsort((emp_rank[e], payer, item_rank[i], month_rank[m], unit_rank[u]))
    e, u, i, m, w, base, clamped, payer, rate = (x[line_order] for x in (e, u, i, m, w, base, clamped, payer, rate))
    amount = round_fen(base * rate, rules.rounding)
    payer_values = pa.array(PAYERS, pa.string())
    clamp_values = pa.array([None, "floor", "cap"], pa.string())
    lines = pa.table({
        "employee_id": _take(emp_values, e), "unit_number": _take(unit_values, u),
        "item_code": _take(item_values, i), "payer": _take(payer_values, payer), "month": _take(month_values, m),
        "wage": fen_to_money(w), "base": fen_to_money(base), "clamped": _take(clamp_values, clamped),
        "rate": _decimal_array(rate, 6, RATE_TYPE), "amount": fen_to_money(amount),
    })
    # Rows: the lines summed per unit number, month, item and payer (lines are sorted that way).
    row_key = ((unit_rank[u] * len(months) + month_rank[m]) * len(items) + item_rank[i]) * len(PAYERS) + payer
    starts = np.flatnonzero(np.r_[True, row_key[1:] != row_key[:-1]]) if len(row_key) else np.zeros(0, np.int64)
    counts = np.diff(np.r_[starts, len(row_key)])
    rows = pd.DataFrame({
        "unit_number": _take(unit_values, u[starts]).to_pandas().astype(object),
        "item_code": _take(item_values, i[starts]).to_pandas().astype(object),
        "payer": _take(payer_values, payer[starts]).to_pandas().astype(object),
        "month": _take(month_values, m[starts]).to_pandas().astype(object),
        "headcount": counts.astype(np.int64),
        "base_total": fen_to_money(np.add.reduceat(base, starts) if len(starts) else base).to_pandas().astype(object),
        "rate": [_rate_text(r) for r in rate[starts]],
        "amount": fen_to_money(np.add.reduceat(amount, starts) if len(starts) else amount).to_pandas().astype(object),
    })
    return Trial(lines, rows[list(TRIAL_ROW_COLUMNS)], rules.rounding)


COMPARE_COLUMNS = ("unit_number", "item_code", "payer", "month", "prep_id", "trial_headcount", "bureau_headcount",
                   "trial_base_total", "bureau_base_total", "trial_amount", "bureau_amount", "difference", "reason")
LINE_COMPARE_COLUMNS = ("employee_id", "item_code", "payer", "month", "prep_id", "trial_base", "bureau_base",
                        "trial_amount", "bureau_amount", "difference", "reason")
ONLY_TRIAL = "测算有而预处理无"
ONLY_BUREAU = "预处理有而测算无"


def _figure(table: pa.Table, column: str, money: bool) -> np.ndarray:
    """A figure column as int64 (money in fen); missing values count 0."""
    if money:
        return money_to_fen(table.column(column), field=column)[0]
    values = pc.fill_null(table.column(column).cast(pa.int64()), 0)
    return np.asarray(values.to_numpy(), dtype=np.int64)


def _compare(trial: pa.Table, bureau: pa.Table, keys: list[str],
             figures: list[tuple[str, str, bool, str]]) -> dict[str, Any]:
    """The keys on which the two sides differ. `figures`: (trial column, bureau column, is money, what
    differs when they do); the first is the amount. Answers numpy arrays of the differing keys only:
    per key its text (Arrow), `prep_id`, `in_trial`, `in_bureau`, `reason`, and `t<n>` / `b<n>` per
    figure (int64, money in fen; 0 on a side without the key)."""
    import pandas as pd

    n_t, n_b = trial.num_rows, bureau.num_rows
    codes_t, codes_b, values = {}, {}, {}
    for k in keys:
        both = pa.concat_arrays([
            (trial.column(k).combine_chunks() if n_t else pa.array([], pa.string())).cast(pa.string()),
            (bureau.column(k).combine_chunks() if n_b else pa.array([], pa.string())).cast(pa.string())])
        encoded = pc.dictionary_encode(both)
        codes = np.asarray(encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
        codes_t[k], codes_b[k], values[k] = codes[:n_t], codes[n_t:], encoded.dictionary
    left = pd.DataFrame({k: codes_t[k] for k in keys})
    right = pd.DataFrame({k: codes_b[k] for k in keys})
    for n, (t_col, b_col, money, _label) in enumerate(figures):
        left[f"t{n}"] = _figure(trial, t_col, money) if n_t else np.zeros(0, np.int64)
        right[f"b{n}"] = _figure(bureau, b_col, money) if n_b else np.zeros(0, np.int64)
    right["row_b"] = np.arange(n_b)
    left["in_trial"] = True
    joined = left.merge(right, on=keys, how="outer", sort=False)
    in_t = joined["in_trial"].astype("boolean").fillna(False).to_numpy(bool)
    row_b = joined["row_b"].astype("Int64").fillna(-1).to_numpy(np.int64)
    in_b = row_b >= 0
    flags = []
    figs: dict[str, np.ndarray] = {}
    for n in range(len(figures)):
        figs[f"t{n}"] = joined[f"t{n}"].astype("Int64").fillna(0).to_numpy(np.int64)
        figs[f"b{n}"] = joined[f"b{n}"].astype("Int64").fillna(0).to_numpy(np.int64)
        flags.append(figs[f"t{n}"] != figs[f"b{n}"])
    differs = ~(in_t & in_b) | np.logical_or.reduce(flags) if flags else ~(in_t & in_b)
    at = np.flatnonzero(differs)
    labels = [label for *_, label in figures]
    reasons = []
    for j in at:
        if not in_b[j]:
            reasons.append(ONLY_TRIAL)
        elif not in_t[j]:
            reasons.append(ONLY_BUREAU)
        else:
            reasons.append("、".join(lab for lab, f in zip(labels, flags, strict=True) if f[j]))
    out: dict[str, Any] = {k: _take(values[k], joined[k].to_numpy(np.int64)[at]) for k in keys}
    if "prep_id" in bureau.column_names and n_b:
        ids = bureau.column("prep_id").combine_chunks().cast(pa.string())
        out["prep_id"] = ids.take(pa.array(np.where(in_b[at], row_b[at], 0), pa.int64())).to_numpy(
            zero_copy_only=False).astype(object)
        out["prep_id"][~in_b[at]] = None
    else:
        out["prep_id"] = np.full(len(at), None, dtype=object)
    out.update(in_trial=in_t[at], in_bureau=in_b[at], reason=np.array(reasons, dtype=object))
    out.update({name: arr[at] for name, arr in figs.items()})
    return out


def _money_or_none(fen: np.ndarray, present: np.ndarray) -> pd.Series:
    return fen_to_money(fen, ~present).to_pandas().astype(object)


def _count_or_none(values: np.ndarray, present: np.ndarray) -> pd.Series:
    import pandas as pd

    return pd.Series(pd.array(np.where(present, values, 0), dtype="Int64")).mask(~present)


def compare_with_preprocessing(trial_rows: pd.DataFrame, preprocessing: pd.DataFrame, *,
                               months: Iterable[str] | None = None) -> pd.DataFrame:
    """Every row (unit number, item, payer, month) where the trial calculation and the bureau's 税务自主
    preprocessing differ in amount, headcount or base total, or which only one side has.

    `trial_rows`: `Trial.rows`. `preprocessing`: the page's rows (wire columns prep_id, source_code,
    unit_number, item_code, payer, period_start, period_end, headcount, base_total, amount); only the
    01 rows of one month count (代征 and 特殊缴费 rows are assessed, not computed). `months`: compare only
    these (default: every month either side has). Answers COMPARE_COLUMNS: both figures (None on the
    side that has no such row), `difference` = bureau amount − trial amount, and `reason` (应缴费额不同、
    缴费人数不同、缴费基数合计不同, or 测算有而预处理无 / 预处理有而测算无), ordered by unit number, month,
    item, unit before personal.
    """
    import pandas as pd

    prep = preprocessing
    if "period_start" not in prep:  # no rows at all
        prep = pd.DataFrame({c: pd.Series(dtype=object) for c in ("unit_number", "item_code", "payer", "period_start",
                                                                   "period_end", "amount")})
    if "source_code" in prep:
        prep = prep[prep["source_code"].astype(object) == TAX_OFFICE]
    prep = prep[prep["period_start"].astype(object) == prep["period_end"].astype(object)]
    prep = prep.assign(month=prep["period_start"].astype(object))
    trial = trial_rows
    if months is not None:
        wanted = set(months)
        prep = prep[prep["month"].isin(wanted)]
        trial = trial[trial["month"].astype(object).isin(wanted)]
    keys = ["unit_number", "item_code", "payer", "month"]
    # The amount always; headcount and base total when both sides have them.
    figures = [f for f in ("amount", "headcount", "base_total") if f == "amount" or (f in trial and f in prep)]
    labels = {"amount": (True, "应缴费额不同"), "headcount": (False, "缴费人数不同"),
              "base_total": (True, "缴费基数合计不同")}
    diff = _compare(_as_table(trial, keys + figures),
                    _as_table(prep, keys + figures + (["prep_id"] if "prep_id" in prep else [])), keys,
                    [(f, f, *labels[f]) for f in figures])
    in_t, in_b = diff["in_trial"], diff["in_bureau"]
    nothing = np.zeros(len(in_t), dtype=np.int64)
    at = {f: n for n, f in enumerate(figures)}

    def side(side_: str, figure: str) -> np.ndarray:
        return diff[f"{side_}{at[figure]}"] if figure in at else nothing

    def shown(side_: str, figure: str, present: np.ndarray) -> pd.Series:
        present = present & (figure in at)
        if figure == "headcount":
            return _count_or_none(side(side_, figure), present)
        return _money_or_none(side(side_, figure), present)

    out = pd.DataFrame({
        **{k: diff[k].to_pandas().astype(object) for k in keys}, "prep_id": pd.Series(diff["prep_id"], dtype=object),
        "trial_headcount": shown("t", "headcount", in_t), "bureau_headcount": shown("b", "headcount", in_b),
        "trial_base_total": shown("t", "base_total", in_t), "bureau_base_total": shown("b", "base_total", in_b),
        "trial_amount": _money_or_none(diff["t0"], in_t), "bureau_amount": _money_or_none(diff["b0"], in_b),
        "difference": fen_to_money(diff["b0"] - diff["t0"]).to_pandas().astype(object),
        "reason": diff["reason"],
    }, columns=list(COMPARE_COLUMNS))
    out["_order"] = (out["payer"] != "unit").astype(int)
    out = out.sort_values(["unit_number", "month", "item_code", "_order"], kind="stable").drop(columns="_order")
    return out.reset_index(drop=True)


def compare_lines(trial_lines: pa.Table | pd.DataFrame, bureau_lines: pa.Table | pd.DataFrame) -> pd.DataFrame:
    """Every employee line (employee, item, payer, month) where the trial and the bureau's per-employee
    lines (the preprocessing lines: prep_id, employee_id, item_code, payer, month, base, amount) differ
    in amount or base, or which only one side has: LINE_COMPARE_COLUMNS, `difference` = bureau amount −
    trial amount, ordered by employee, item, payer, month. Says which employees make a row of
    `compare_with_preprocessing` differ."""
    import pandas as pd

    keys = ["employee_id", "item_code", "payer", "month"]
    b_cols = keys + ["amount", "base"] + (["prep_id"] if "prep_id" in (
        bureau_lines.column_names if isinstance(bureau_lines, pa.Table) else bureau_lines.columns) else [])
    diff = _compare(_as_table(trial_lines, keys + ["amount", "base"]), _as_table(bureau_lines, b_cols), keys,
                    [("amount", "amount", True, "应缴费额不同"), ("base", "base", True, "缴费基数不同")])
    in_t, in_b = diff["in_trial"], diff["in_bureau"]
    out = pd.DataFrame({
        **{k: diff[k].to_pandas().astype(object) for k in keys}, "prep_id": pd.Series(diff["prep_id"], dtype=object),
        "trial_base": _money_or_none(diff["t1"], in_t), "bureau_base": _money_or_none(diff["b1"], in_b),
        "trial_amount": _money_or_none(diff["t0"], in_t), "bureau_amount": _money_or_none(diff["b0"], in_b),
        "difference": fen_to_money(diff["b0"] - diff["t0"]).to_pandas().astype(object),
        "reason": diff["reason"],
    }, columns=list(LINE_COMPARE_COLUMNS))
    return out.sort_values(keys, kind="stable").reset_index(drop=True)
