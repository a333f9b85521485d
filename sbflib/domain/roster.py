"""Employee payment status (参保状态) and the roster counts.

Manual 2.2.2 五: 正常缴费 when the current month lies between the employee's start and stop months;
停止缴费 when the stop month is before the current month. An open stop month means 长期 (no end).
An employee whose start month is still in the future is neither paying nor stopped yet: 未开始.
"""

from __future__ import annotations

from dataclasses import dataclass

PAYING = "正常缴费"
STOPPED = "停止缴费"
NOT_STARTED = "未开始缴费"
STATUSES = (PAYING, STOPPED)


def employee_status(start_month: str | None, stop_month: str | None, current_month: str) -> str:
    """Status of one employee in `current_month`.

    >>> employee_status("2020-01", None, "2026-11")
    '正常缴费'
    >>> employee_status("2020-01", "2026-10", "2026-11")
    '停止缴费'
    >>> employee_status("2020-01", "2026-11", "2026-11")
    '正常缴费'
    """
    if stop_month and stop_month < current_month:
        return STOPPED
    if start_month and start_month > current_month:
        return NOT_STARTED
    return PAYING


def status_sql(start_col: str, stop_col: str, month_param: str = "?") -> str:
    """The same rule as `employee_status`, as a SQL CASE expression over 'YYYY-MM' columns.

    `month_param` appears twice (bind the month twice when it is `?`). An empty month counts as no
    month, as in Python; tests/unit/test_sql_twins.py holds the two equal.

    >>> status_sql("start", "stop", "'2026-11'").count("'2026-11'")
    2
    """
    return (
        f"CASE WHEN {stop_col} <> '' AND {stop_col} < {month_param} THEN '{STOPPED}' "
        f"WHEN {start_col} <> '' AND {start_col} > {month_param} THEN '{NOT_STARTED}' "
        f"ELSE '{PAYING}' END"
    )


@dataclass(frozen=True)
class RosterCounts:
    """职工总数 / 正常缴费 / 停止缴费."""

    total: int
    paying: int
    stopped: int


def count_statuses(statuses: list[str]) -> RosterCounts:
    """职工总数, 正常缴费 and 停止缴费 of a list of statuses (未开始缴费 counts only in the total).

    >>> count_statuses([PAYING, STOPPED, PAYING, NOT_STARTED])
    RosterCounts(total=4, paying=2, stopped=1)
    """
    return RosterCounts(len(statuses), statuses.count(PAYING), statuses.count(STOPPED))
