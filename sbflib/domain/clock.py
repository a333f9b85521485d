"""The one clock: the source of "now" for every rule (payment status, deadlines, effective dates).

Client and bureau both read the date here, so a test can move time for both. Pin the date with
`SBF_TODAY=YYYY-MM-DD` in the environment or with `set_today()`; `reset()` releases the pin.

>>> set_today("2026-07-15")
>>> today(), current_month()
(datetime.date(2026, 7, 15), '2026-07')
>>> now().date()
datetime.date(2026, 7, 15)
>>> reset()
"""

from __future__ import annotations

import datetime as dt
import os

__all__ = ["current_month", "now", "reset", "set_today", "today"]

_pinned: dt.date | None = None


def set_today(day: dt.date | str | None) -> None:
    """Pin today's date (a date or 'YYYY-MM-DD'); None releases the pin.

    >>> set_today(dt.date(2025, 1, 31)); today()
    datetime.date(2025, 1, 31)
    >>> set_today(None)
    """
    global _pinned
    _pinned = dt.date.fromisoformat(day) if isinstance(day, str) else day


def reset() -> None:
    """Release a date pinned by `set_today()` (the `SBF_TODAY` environment variable still holds).

    >>> set_today("2020-02-29"); reset(); _pinned is None
    True
    """
    set_today(None)


def today() -> dt.date:
    """Today's date: the pinned one, else `SBF_TODAY`, else the system date.

    >>> set_today("2026-11-27"); today(); reset()
    datetime.date(2026, 11, 27)
    """
    if _pinned is not None:
        return _pinned
    env = os.environ.get("SBF_TODAY")
    if env:
        return dt.date.fromisoformat(env)
    return dt.date.today()


def now() -> dt.datetime:
    """Wall-clock time to the second, on the pinned date when `today()` is pinned.

    >>> set_today("2024-07-01"); now().date(); reset()
    datetime.date(2024, 7, 1)
    """
    real = dt.datetime.now().replace(microsecond=0)
    day = today()
    return real if day == real.date() else dt.datetime.combine(day, real.time())


def current_month() -> str:
    """This month as 'YYYY-MM'.

    >>> set_today("2026-01-05"); current_month(); reset()
    '2026-01'
    """
    return today().strftime("%Y-%m")
