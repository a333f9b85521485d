"""Reading a region's rule documents (规则文件), effective-dated.

A contribution rule document (`"kind": "contribution"`) keys every figure by `valid_from` month:
contribution base floors and caps (for all items, or for the items an entry lists), and rates per
insured item and payer. The figures in force in a month are those of the latest entry whose
`valid_from` is not after it; they stay in force until a later entry replaces them. A month before
the first entry is refused (`RULE_NOT_IN_FORCE`), never priced with later figures.

The month from which an annual contribution-wage filing (年度缴费工资申报) takes effect is the
start of the region's contribution year (`"annual_wage": [{"valid_from", "effective_month": "07"}]`):
see `ContributionRules.annual_wage_month`.

Every figure carries its source (`"source": "<key>"` into the document's `sources`, each with
document, issuer and date) or says `"confirmed": false` with a `"reason"`: see `unsourced_figures`.

>>> doc = {"kind": "contribution", "region": "310100",
...        "bases": [{"valid_from": "2024-07", "floor": "7384", "cap": "36921", "confirmed": False,
...                   "reason": "示例"}],
...        "rates": [{"item_code": "10201", "payer": "unit", "rate": "0.16", "valid_from": "2024-07",
...                   "confirmed": False, "reason": "示例"}]}
>>> rules = ContributionRules.from_document(doc)
>>> rules.base_limits("2025-01").floor, rules.rate("2025-01", "10201", "unit")
(Decimal('7384.00'), Decimal('0.16'))
>>> rules.base_limits("2024-06")
Traceback (most recent call last):
...
sbflib.domain.errors.RuleViolation: 2024-06没有生效的缴费基数上下限（规则自2024-07起生效）
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import RuleViolation
from .money import FEN, Rounding
from .months import is_month

__all__ = [
    "BY_CLASS",
    "CONTRIBUTION",
    "PAYERS",
    "BaseLimits",
    "ContributionRules",
    "RateEntry",
    "check_month",
    "in_force",
    "merge_documents",
    "unsourced_figures",
]

CONTRIBUTION = "contribution"
BY_CLASS = "by_class"
PAYERS = {"unit": "单位", "personal": "个人"}
_FIGURE_BLOCKS = ("rounding", "work_injury", "deadline", "late_fee")


def check_month(month: str) -> str:
    """A 'YYYY-MM' month, or a RuleViolation.

    >>> check_month("2026-07")
    '2026-07'
    >>> check_month("2026-7")
    Traceback (most recent call last):
    ...
    sbflib.domain.errors.RuleViolation: 月份“2026-7”格式不正确，应为YYYY-MM
    """
    if not isinstance(month, str) or not is_month(month):
        raise RuleViolation("MONTH_FORMAT", f"月份“{month}”格式不正确，应为YYYY-MM", field="所属期")
    return month


def in_force(entries: Iterable[Mapping[str, Any]], month: str, what: str) -> Mapping[str, Any]:
    """The entry in force in `month`: the latest `valid_from` not after it. `what` names the figure
    in the refusal when none is in force yet.

    >>> entries = [{"valid_from": "2024-07", "v": 1}, {"valid_from": "2025-07", "v": 2}]
    >>> in_force(entries, "2025-06", "费率")["v"], in_force(entries, "2026-11", "费率")["v"]
    (1, 2)
    >>> in_force(entries, "2024-06", "费率")
    Traceback (most recent call last):
    ...
    sbflib.domain.errors.RuleViolation: 2024-06没有生效的费率（规则自2024-07起生效）
    >>> in_force([], "2024-06", "费率")
    Traceback (most recent call last):
    ...
    sbflib.domain.errors.RuleViolation: 规则文件中没有费率
    """
    check_month(month)
    entries = list(entries)
    if not entries:
        raise RuleViolation("RULE_NOT_FOUND", f"规则文件中没有{what}")
    current = [e for e in entries if e["valid_from"] <= month]
    if not current:
        first = min(e["valid_from"] for e in entries)
        raise RuleViolation("RULE_NOT_IN_FORCE", f"{month}没有生效的{what}（规则自{first}起生效）")
    return max(current, key=lambda e: e["valid_from"])


def _decimal(value: Any, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise RuleViolation("RULE_FILE_INVALID", f"规则文件格式不正确：{where}应为数字文本")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise RuleViolation("RULE_FILE_INVALID", f"规则文件格式不正确：{where}“{value}”不是数字") from None
    if not number.is_finite() or number < 0:
        raise RuleViolation("RULE_FILE_INVALID", f"规则文件格式不正确：{where}“{value}”不是有效数字")
    return number


def _valid_from(entry: Mapping[str, Any], where: str) -> str:
    month = entry.get("valid_from")
    if not isinstance(month, str) or not is_month(month):
        raise RuleViolation("RULE_FILE_INVALID", f"规则文件格式不正确：{where}的生效月份“{month}”无效")
    return month


@dataclass(frozen=True)
class BaseLimits:
    """缴费基数下限 and 上限 in force (cap None: no cap), from `valid_from`.

    >>> BaseLimits(Decimal("4462"), Decimal("22311"), "2025-07").clamp(Decimal("30000.5"))
    Decimal('22311.00')
    """

    floor: Decimal
    cap: Decimal | None
    valid_from: str
    confirmed: bool = True

    def clamp(self, wage: Decimal) -> Decimal:
        """The wage held between floor and cap, to the fen.

        >>> BaseLimits(Decimal("4462"), None, "2025-07").clamp(Decimal("100"))
        Decimal('4462.00')
        """
        base = max(wage, self.floor)
        if self.cap is not None:
            base = min(base, self.cap)
        return base.quantize(FEN)


@dataclass(frozen=True)
class RateEntry:
    """One rate: item, payer ('unit' or 'personal'), the rate (None: by work-injury class)."""

    item_code: str
    item_name: str
    payer: str
    rate: Decimal | None
    valid_from: str
    confirmed: bool = True


@dataclass(frozen=True)
class _BaseEntry:
    valid_from: str
    floor: Decimal
    cap: Decimal | None
    items: frozenset[str] | None  # None: every item
    confirmed: bool


@dataclass(frozen=True)
class ContributionRules:
    """A region's contribution rules, parsed from one (or merged) rule document."""

    region: str
    rounding: Rounding
    bases: tuple[_BaseEntry, ...]
    rates: tuple[RateEntry, ...]
    injury_classes: Mapping[str, Decimal] = field(default_factory=dict)
    injury_confirmed: bool = True  # False when the work-injury class rates are not confirmed
    annual_wage: tuple[tuple[str, str], ...] = ()  # (valid_from, effective month "MM") of annual filings

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> ContributionRules:
        """Parse and check a contribution rule document; a malformed one is refused.

        >>> ContributionRules.from_document({"kind": "notices"})
        Traceback (most recent call last):
        ...
        sbflib.domain.errors.RuleViolation: 规则文件格式不正确：不是缴费规则文件
        """
        if not isinstance(doc, Mapping) or doc.get("kind") != CONTRIBUTION:
            raise RuleViolation("RULE_FILE_INVALID", "规则文件格式不正确：不是缴费规则文件")
        bases = []
        for n, b in enumerate(doc.get("bases") or [], start=1):
            where = f"第{n}个缴费基数"
            items = b.get("items")
            bases.append(_BaseEntry(
                _valid_from(b, where),
                _decimal(b.get("floor"), where + "下限").quantize(FEN),
                None if b.get("cap") is None else _decimal(b["cap"], where + "上限").quantize(FEN),
                frozenset(str(i) for i in items) if items else None,
                b.get("confirmed", True) is not False,
            ))
        rates = []
        for n, r in enumerate(doc.get("rates") or [], start=1):
            where = f"第{n}个费率"
            payer = r.get("payer")
            if payer not in PAYERS or not r.get("item_code"):
                raise RuleViolation("RULE_FILE_INVALID", f"规则文件格式不正确：{where}缺少征收项目或缴费方")
            value = r.get("rate")
            rates.append(RateEntry(
                str(r["item_code"]), str(r.get("item_name", "")), payer,
                None if value == BY_CLASS else _decimal(value, where),
                _valid_from(r, where), r.get("confirmed", True) is not False,
            ))
        injury = doc.get("work_injury") or {}
        classes = injury.get("classes") or {}
        annual = []
        for n, a in enumerate(doc.get("annual_wage") or [], start=1):
            where = f"第{n}个年度缴费工资生效月份"
            month = a.get("effective_month")
            if not isinstance(month, str) or not is_month(f"2000-{month}"):
                raise RuleViolation("RULE_FILE_INVALID", f"规则文件格式不正确：{where}“{month}”应为01至12")
            annual.append((_valid_from(a, where), month))
        return cls(
            region=str(doc.get("region", "")),
            rounding=Rounding.from_rule(doc.get("rounding")),
            bases=tuple(bases),
            rates=tuple(rates),
            injury_classes={str(k): _decimal(v, f"工伤{k}类费率") for k, v in classes.items()},
            injury_confirmed=injury.get("confirmed", True) is not False,
            annual_wage=tuple(annual),
        )

    @property
    def first_month(self) -> str | None:
        """The first month any base and rate is in force (None: the document has none)."""
        months = [b.valid_from for b in self.bases] + [r.valid_from for r in self.rates]
        return min(months) if months else None

    def base_limits(self, month: str, item_code: str | None = None) -> BaseLimits:
        """Floor and cap in force in `month` for `item_code`; without an item, the range that lies
        within every item's limits (the highest floor and the lowest cap).

        >>> doc = {"kind": "contribution", "bases": [
        ...     {"valid_from": "2024-07", "floor": "3523", "cap": "26421", "items": ["10201"]},
        ...     {"valid_from": "2024-07", "floor": "6475", "cap": "32376", "items": ["10203"]}]}
        >>> r = ContributionRules.from_document(doc)
        >>> r.base_limits("2024-09", "10203").floor, r.base_limits("2024-09")
        (Decimal('6475.00'), BaseLimits(floor=Decimal('6475.00'), cap=Decimal('26421.00'), \
valid_from='2024-07', confirmed=True))
        >>> r.base_limits("2024-09", "10202")
        Traceback (most recent call last):
        ...
        sbflib.domain.errors.RuleViolation: 规则文件中没有征收项目10202的缴费基数上下限
        """
        check_month(month)
        if item_code is not None:
            entries = [b for b in self.bases if b.items is None or item_code in b.items]
            if not entries:
                raise RuleViolation("RULE_NOT_FOUND", f"规则文件中没有征收项目{item_code}的缴费基数上下限")
            entry = in_force([_as_map(b) for b in entries], month, "缴费基数上下限")["entry"]
            return BaseLimits(entry.floor, entry.cap, entry.valid_from, entry.confirmed)
        codes = sorted({r.item_code for r in self.rates} | {i for b in self.bases if b.items for i in b.items})
        limits = [self.base_limits(month, c) for c in codes] if codes else [self._all_items(month)]
        caps = [lim.cap for lim in limits if lim.cap is not None]
        return BaseLimits(
            max(lim.floor for lim in limits),
            min(caps) if caps else None,
            max(lim.valid_from for lim in limits),
            all(lim.confirmed for lim in limits),
        )

    def _all_items(self, month: str) -> BaseLimits:
        entries = [_as_map(b) for b in self.bases if b.items is None]
        entry = in_force(entries, month, "缴费基数上下限")["entry"]
        return BaseLimits(entry.floor, entry.cap, entry.valid_from, entry.confirmed)

    def annual_wage_month(self, month: str) -> str:
        """The effective month of an annual contribution-wage filing made in `month`: the start of the
        contribution year that contains `month` (its first month is the rule's `effective_month`).

        >>> doc = {"kind": "contribution", "annual_wage": [{"valid_from": "2020-01", "effective_month": "07"}]}
        >>> r = ContributionRules.from_document(doc)
        >>> r.annual_wage_month("2026-11"), r.annual_wage_month("2026-07"), r.annual_wage_month("2027-03")
        ('2026-07', '2026-07', '2026-07')
        >>> ContributionRules.from_document({"kind": "contribution"}).annual_wage_month("2026-11")
        Traceback (most recent call last):
        ...
        sbflib.domain.errors.RuleViolation: 规则文件中没有年度缴费工资生效月份
        """
        check_month(month)
        entries = [{"valid_from": v, "month": m} for v, m in self.annual_wage]
        start: str = in_force(entries, month, "年度缴费工资生效月份")["month"]
        year = int(month[:4]) if month[5:7] >= start else int(month[:4]) - 1
        return f"{year:04d}-{start}"

    def rate_entry(self, month: str, item_code: str, payer: str) -> RateEntry:
        """The rate entry in force for `item_code` and `payer` in `month`."""
        if payer not in PAYERS:
            raise RuleViolation("PAYER_UNKNOWN", f"缴费方“{payer}”无效，应为单位或个人", field="缴费方")
        entries = [_as_map(r) for r in self.rates if r.item_code == item_code and r.payer == payer]
        if not entries:
            raise RuleViolation(
                "RULE_NOT_FOUND", f"规则文件中没有征收项目{item_code}的{PAYERS[payer]}费率")
        entry: RateEntry = in_force(entries, month, f"征收项目{item_code}的{PAYERS[payer]}费率")["entry"]
        return entry

    def rate(self, month: str, item_code: str, payer: str, *, injury_class: int | str | None = None) -> Decimal:
        """The rate in force; a rate by work-injury class needs the unit's class (1-8).

        >>> doc = {"kind": "contribution", "work_injury": {"classes": {"1": "0.002", "5": "0.011"}},
        ...        "rates": [{"item_code": "10204", "payer": "unit", "rate": "by_class", "valid_from": "2015-10"}]}
        >>> ContributionRules.from_document(doc).rate("2026-11", "10204", "unit", injury_class=5)
        Decimal('0.011')
        """
        entry = self.rate_entry(month, item_code, payer)
        if entry.rate is not None:
            return entry.rate
        if injury_class is None:
            raise RuleViolation("INJURY_CLASS_REQUIRED", "工伤保险费需要单位的行业风险类别（一类至八类）",
                                field="行业风险类别")
        rate = self.injury_classes.get(str(injury_class))
        if rate is None:
            raise RuleViolation("INJURY_CLASS_UNKNOWN", f"行业风险类别“{injury_class}”无效，应为1至8类",
                                field="行业风险类别")
        return rate

    def items(self, month: str) -> list[tuple[str, str]]:
        """(item_code, payer) pairs with a rate in force in `month`, in file order."""
        seen: list[tuple[str, str]] = []
        for r in self.rates:
            key = (r.item_code, r.payer)
            if r.valid_from <= month and key not in seen:
                seen.append(key)
        return seen


def _as_map(entry: Any) -> dict[str, Any]:
    return {"valid_from": entry.valid_from, "entry": entry}


def merge_documents(docs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One contribution document from several of a region (e.g. one file per year): bases, rates
    and sources together; rounding and the other blocks from the most recently updated one.

    >>> a = {"kind": "contribution", "updated": "2025-07-01", "bases": [{"valid_from": "2025-07"}]}
    >>> b = {"kind": "contribution", "updated": "2026-07-01", "bases": [{"valid_from": "2026-07"}]}
    >>> [x["valid_from"] for x in merge_documents([b, a])["bases"]]
    ['2025-07', '2026-07']
    """
    if not docs:
        raise RuleViolation("RULE_NOT_FOUND", "没有缴费规则文件")
    ordered = sorted(docs, key=lambda d: str(d.get("updated", "")))
    merged: dict[str, Any] = dict(ordered[-1])
    merged["bases"] = [b for d in ordered for b in d.get("bases") or []]
    merged["rates"] = [r for d in ordered for r in d.get("rates") or []]
    merged["annual_wage"] = [a for d in ordered for a in d.get("annual_wage") or []]
    merged["sources"] = {k: v for d in ordered for k, v in (d.get("sources") or {}).items()}
    return merged


def unsourced_figures(doc: Mapping[str, Any]) -> list[str]:
    """Where a figure of `doc` has neither a known source nor `"confirmed": false` with a reason.

    A source is a key into `doc["sources"]`, each with `document`, `issuer` and `date`.

    >>> doc = {"sources": {"law": {"document": "社会保险法", "issuer": "全国人大常委会", "date": "2010-10-28"}},
    ...        "late_fee": {"daily_rate": "0.0005", "source": "law"},
    ...        "rates": [{"item_code": "10201", "payer": "unit", "rate": "0.16", "valid_from": "2019-05"},
    ...                  {"item_code": "10202", "payer": "unit", "rate": "0.005", "valid_from": "2019-05",
    ...                   "confirmed": False, "reason": "未找到来源"}]}
    >>> unsourced_figures(doc)
    ['rates[0] 10201/unit 2019-05']
    """
    sources = doc.get("sources") or {}
    bad_sources = {
        key for key, s in sources.items()
        if not isinstance(s, Mapping) or not all(s.get(k) for k in ("document", "issuer", "date"))
    }
    problems = [f"sources.{key}" for key in sorted(bad_sources)]

    def ok(entry: Mapping[str, Any]) -> bool:
        if entry.get("confirmed") is False:
            return bool(str(entry.get("reason") or "").strip())
        given = entry.get("source")
        keys: list[Any] = [given] if isinstance(given, str) else list(given or [])
        return bool(keys) and all(k in sources and k not in bad_sources for k in keys)

    for n, b in enumerate(doc.get("bases") or []):
        if not ok(b):
            problems.append(f"bases[{n}] {b.get('valid_from')}")
    for n, r in enumerate(doc.get("rates") or []):
        if not ok(r):
            problems.append(f"rates[{n}] {r.get('item_code')}/{r.get('payer')} {r.get('valid_from')}")
    for n, a in enumerate(doc.get("annual_wage") or []):
        if not ok(a):
            problems.append(f"annual_wage[{n}] {a.get('valid_from')}")
    for block in _FIGURE_BLOCKS:
        if block in doc and not ok(doc[block]):
            problems.append(block)
    return problems
