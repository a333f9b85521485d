"""Employee groups (分组) and who is in which group; local to this workbench.

Functions of a DuckDB connection: the service opens the unit of work.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from sbflib.domain import clock
from sbflib.domain.groups import Group, path_of
from sbflib.store.frames import frame

Con = duckdb.DuckDBPyConnection


# The employees (alias `e`, with its unit_id) in a group or any of its subgroups: group ids are
# unique across units; members of the employee's own unit only. One parameter: the group id.
IN_GROUP_SUBTREE = """e.employee_id IN (
     SELECT m.employee_id FROM employee_group_members m
     WHERE m.unit_id = e.unit_id AND m.group_id IN (
       WITH RECURSIVE sub(id) AS (
         SELECT CAST(? AS INTEGER)
         UNION ALL SELECT g.group_id FROM employee_groups g JOIN sub ON g.parent_id = sub.id)
       SELECT id FROM sub))"""


def load_groups(con: Con, unit_id: str) -> dict[int, Group]:
    rows = con.execute(
        "SELECT group_id, name, parent_id FROM employee_groups WHERE unit_id = ? ORDER BY group_id", [unit_id]
    ).fetchall()
    return {r[0]: Group(r[0], r[1], r[2]) for r in rows}


def paths(con: Con, unit_id: str) -> dict[int, str]:
    """group_id -> full path ('A1-A11')."""
    groups = load_groups(con, unit_id)
    return {gid: path_of(groups, gid) for gid in groups}


def saved_times(con: Con, unit_id: str) -> pd.DataFrame:
    """group_id, saved_at (保存时间; empty for groups saved before it was recorded)."""
    return frame(con, "SELECT group_id, saved_at FROM employee_groups WHERE unit_id = ?", [unit_id])


def insert_group(con: Con, unit_id: str, name: str, parent_id: int | None, saved_at: dt.datetime | None = None) -> int:
    group_id = con.execute("SELECT nextval('group_ids')").fetchall()[0][0]
    con.execute(
        "INSERT INTO employee_groups (unit_id, group_id, name, parent_id, saved_at) VALUES (?, ?, ?, ?, ?)",
        [unit_id, group_id, name, parent_id, saved_at or clock.now()],
    )
    return int(group_id)


def rename_group(con: Con, unit_id: str, group_id: int, name: str) -> None:
    con.execute(
        "UPDATE employee_groups SET name = ?, saved_at = ? WHERE unit_id = ? AND group_id = ?",
        [name, clock.now(), unit_id, group_id],
    )


def delete_groups(con: Con, unit_id: str, group_ids: set[int]) -> None:
    """Delete the groups and release their members (the employees stay, ungrouped)."""
    ids = sorted(group_ids)
    con.execute(
        "DELETE FROM employee_group_members WHERE unit_id = ? AND group_id IN (SELECT unnest(?))", [unit_id, ids]
    )
    con.execute("DELETE FROM employee_groups WHERE unit_id = ? AND group_id IN (SELECT unnest(?))", [unit_id, ids])


def set_members(con: Con, unit_id: str, employee_ids: list[str], group_id: int | None) -> None:
    con.execute(
        "DELETE FROM employee_group_members WHERE unit_id = ? AND employee_id IN (SELECT unnest(?))",
        [unit_id, employee_ids],
    )
    if group_id is not None:
        con.execute("INSERT INTO employee_group_members SELECT ?, unnest(?), ?", [unit_id, employee_ids, group_id])
