"""Employee groups (分组) and who is in which group; local to this workbench."""

from __future__ import annotations

from sbflib.domain.groups import Group
from sbflib.store.db import Store


def load_groups(store: Store, unit_id: str, con=None) -> dict[int, Group]:
    sql = "SELECT group_id, name, parent_id FROM employee_groups WHERE unit_id = ? ORDER BY group_id"
    if con is not None:
        rows = con.execute(sql, [unit_id]).fetchall()
    else:
        with store.read() as c:
            rows = c.execute(sql, [unit_id]).fetchall()
    return {r[0]: Group(r[0], r[1], r[2]) for r in rows}


def insert_group(con, unit_id: str, name: str, parent_id: int | None) -> int:
    group_id = con.execute("SELECT nextval('group_ids')").fetchall()[0][0]
    con.execute("INSERT INTO employee_groups VALUES (?, ?, ?, ?)", [unit_id, group_id, name, parent_id])
    return int(group_id)


def rename_group(store: Store, unit_id: str, group_id: int, name: str) -> None:
    with store.work() as con:
        con.execute("UPDATE employee_groups SET name = ? WHERE unit_id = ? AND group_id = ?", [name, unit_id, group_id])


def delete_groups(store: Store, unit_id: str, group_ids: set[int]) -> None:
    """Delete the groups and release their members (the employees stay, ungrouped)."""
    ids = sorted(group_ids)
    with store.work() as con:
        con.execute(
            "DELETE FROM employee_group_members WHERE unit_id = ? AND group_id IN (SELECT unnest(?))", [unit_id, ids]
        )
        con.execute("DELETE FROM employee_groups WHERE unit_id = ? AND group_id IN (SELECT unnest(?))", [unit_id, ids])


def set_members(con, unit_id: str, employee_ids: list[str], group_id: int | None) -> None:
    con.execute(
        "DELETE FROM employee_group_members WHERE unit_id = ? AND employee_id IN (SELECT unnest(?))",
        [unit_id, employee_ids],
    )
    if group_id is not None:
        con.execute(
            "INSERT INTO employee_group_members SELECT ?, unnest(?), ?", [unit_id, employee_ids, group_id]
        )
