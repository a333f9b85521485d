"""One filter builder for every list, and the declaration of a list (columns, labels, filter).

`Where` collects parameterised conditions; values never go into the SQL text. An empty value does
not filter (an empty query form shows everything). `contains` is the fuzzy match of the query
forms: ILIKE with `ESCAPE '\\'`, so a `%` or `_` a clerk types matches itself, not everything.

>>> w = Where().equals("e.unit_id", "U1").contains("e.name", "50%").equals("e.status", "")
>>> w.sql()
"e.unit_id = ? AND e.name ILIKE ? ESCAPE '\\\\'"
>>> w.params
['U1', '%50\\\\%%']

A list is declared once with `ListSpec`: its columns (key -> Chinese label), its filter dataclass
and how each filter field maps onto the builder. `spec.check(filters)` validates what a caller
passed (naming the form field in Chinese) and `spec.where(filters)` gives the conditions.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sbflib.errors import ValidationError

__all__ = [
    "MAX_TEXT",
    "FilterField",
    "ListSpec",
    "Where",
    "contains",
    "custom",
    "date_from",
    "date_to",
    "equals",
    "like_pattern",
    "parse_date",
]

ESCAPE = "\\"
#: Longest text a query form field accepts.
MAX_TEXT = 200


def like_pattern(text: str) -> str:
    """`%text%` with LIKE's wildcards in `text` escaped, for `ILIKE ? ESCAPE '\\'`.

    >>> like_pattern("a_b%c")
    '%a\\\\_b\\\\%c%'
    """
    escaped = text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")
    return f"%{escaped}%"


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class Where:
    """Conditions joined with AND, and their parameters in order."""

    def __init__(self) -> None:
        self._clauses: list[str] = []
        self.params: list[Any] = []

    def add(self, clause: str, *params: Any) -> Where:
        """A condition written by hand, with one `?` per parameter."""
        self._clauses.append(clause)
        self.params.extend(params)
        return self

    def equals(self, column: str, value: Any) -> Where:
        """`column = value`, unless value is None or blank."""
        if _empty(value):
            return self
        return self.add(f"{column} = ?", value.strip() if isinstance(value, str) else value)

    def contains(self, column: str, text: str | None) -> Where:
        """Fuzzy: `column` holds `text` anywhere, case-insensitive, wildcards taken literally."""
        if _empty(text):
            return self
        assert text is not None
        return self.add(f"{column} ILIKE ? ESCAPE '{ESCAPE}'", like_pattern(text.strip()))

    def in_(self, column: str, values: Iterable[Any] | None) -> Where:
        """`column` is one of `values`; None does not filter, an empty list matches nothing."""
        if values is None:
            return self
        listed = list(dict.fromkeys(values))
        if not listed:
            return self.add("FALSE")
        return self.add(f"{column} IN (SELECT unnest(?))", listed)

    def between_dates(self, column: str, start: dt.date | None, end: dt.date | None) -> Where:
        """`column` (a DATE or TIMESTAMP) on a day from `start` to `end`, both included."""
        if start is not None:
            self.add(f"{column} >= ?", dt.datetime.combine(start, dt.time()))
        if end is not None:
            self.add(f"{column} < ?", dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
        return self

    def sql(self) -> str:
        return " AND ".join(self._clauses) if self._clauses else "TRUE"

    def __repr__(self) -> str:
        return f"Where({self.sql()!r}, {self.params!r})"


def parse_date(value: Any, label: str) -> dt.date | None:
    """A date from a query form: a `date` or 'YYYY-MM-DD'; blank is None; else ValidationError."""
    if _empty(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and len(value.strip()) == 10:
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValidationError("日期格式不正确，应为“年-月-日”，如2026-01-31", field=label)


# ------------------------------------------------------------------------------------------- lists

F = TypeVar("F")


@dataclass(frozen=True)
class FilterField:
    """One field of a list's query form: its Chinese label, the type it takes, how it filters.

    `apply(where, value)` is called with a checked, non-empty value."""

    label: str
    apply: Callable[[Where, Any], object]
    kind: str = "text"  # text | date | int


def contains(label: str, column: str) -> FilterField:
    return FilterField(label, lambda w, v: w.contains(column, v))


def equals(label: str, column: str) -> FilterField:
    return FilterField(label, lambda w, v: w.equals(column, v))


def date_from(label: str, column: str) -> FilterField:
    return FilterField(label, lambda w, v: w.between_dates(column, v, None), kind="date")


def date_to(label: str, column: str) -> FilterField:
    return FilterField(label, lambda w, v: w.between_dates(column, None, v), kind="date")


def custom(label: str, apply: Callable[[Where, Any], object], kind: str = "text") -> FilterField:
    return FilterField(label, apply, kind)


@dataclass(frozen=True)
class ListSpec(Generic[F]):
    """A list, declared once: columns (key -> label, in display order), filter type, filter fields."""

    title: str
    columns: Mapping[str, str]
    filter_type: type[F]
    fields: Mapping[str, FilterField]

    def check(self, filters: F | None) -> F:
        """The filters, validated: text fields are text (stripped, at most MAX_TEXT characters),
        dates are dates (strings parsed), numbers are whole numbers. Raises ValidationError naming
        the form field."""
        if filters is None:
            return self.filter_type()
        if not isinstance(filters, self.filter_type):
            raise ValidationError("查询条件格式不正确", field="查询条件")
        changes: dict[str, Any] = {}
        for name, spec in self.fields.items():
            value = getattr(filters, name)
            if value is None:
                continue
            if spec.kind == "text":
                if not isinstance(value, str):
                    raise ValidationError("应填写文字", field=spec.label)
                if len(value) > MAX_TEXT:
                    raise ValidationError(f"不能超过{MAX_TEXT}个字", field=spec.label)
                changes[name] = value.strip()
            elif spec.kind == "date":
                changes[name] = parse_date(value, spec.label)
            elif spec.kind == "int" and (isinstance(value, bool) or not isinstance(value, int)
                                         or not 0 <= value < 2**31):
                raise ValidationError("取值不正确", field=spec.label)
        checked = dataclasses.replace(filters, **changes) if changes else filters  # type: ignore[type-var]
        dates = [(n, getattr(checked, n)) for n, s in self.fields.items() if s.kind == "date"]
        if len(dates) == 2 and dates[0][1] and dates[1][1] and dates[0][1] > dates[1][1]:
            raise ValidationError("开始日期不能晚于结束日期", field=self.fields[dates[0][0]].label)
        return checked

    def where(self, filters: F, where: Where | None = None) -> Where:
        """The conditions of (checked) `filters`, added to `where` (a new builder when None)."""
        w = where if where is not None else Where()
        for name, spec in self.fields.items():
            value = getattr(filters, name)
            if not _empty(value):
                spec.apply(w, value)
        return w
