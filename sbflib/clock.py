"""The one source of "now" for rules (payment status, deadlines), so tests can move time.

Set `SBF_TODAY=YYYY-MM-DD` in the environment, or call `set_today()`, to pin the date.
"""

from __future__ import annotations

import datetime as dt
import os

_pinned: dt.date | None = None


def set_today(day: dt.date | str | None) -> None:
    """Pin today's date (None releases it)."""
    global _pinned
    _pinned = dt.date.fromisoformat(day) if isinstance(day, str) else day


def today() -> dt.date:
    if _pinned is not None:
        return _pinned
    env = os.environ.get("SBF_TODAY")
    if env:
        return dt.date.fromisoformat(env)
    return dt.date.today()


def now() -> dt.datetime:
    """Wall-clock time, with the date pinned when `today()` is pinned."""
    real = dt.datetime.now().replace(microsecond=0)
    day = today()
    return real if day == real.date() else dt.datetime.combine(day, real.time())


def current_month() -> str:
    """This month as 'YYYY-MM'."""
    return today().strftime("%Y-%m")
