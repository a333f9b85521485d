"""Roster bulk transfer (职工参保信息): both tables read in one snapshot, sent as Arrow IPC.

Body framing (docs/api.md): for `employees`, then `items`, an unsigned 64-bit little-endian length
followed by an Arrow IPC stream with zstd-compressed buffers. No per-row Python anywhere here.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from .store import BureauStore

MEDIA_TYPE = "application/vnd.sbf.roster.v1"

_EMPLOYEES = (
    "SELECT employee_id, name, gender, id_type, id_number, birth_date, start_month, stop_month, "
    "updated_at, change_seq FROM employees WHERE unit_id = $unit AND change_seq > $since "
    "ORDER BY employee_id"
)
_ITEMS = (
    "SELECT i.employee_id, i.unit_number, i.agency, i.person_number, i.item_code, i.item_name, "
    "i.subitem_name, i.special_category, i.base, i.start_month, i.stop_month, i.collection_mode "
    "FROM employee_items i SEMI JOIN (SELECT employee_id FROM employees "
    "WHERE unit_id = $unit AND change_seq > $since) e ON i.employee_id = e.employee_id "
    "WHERE i.unit_id = $unit ORDER BY i.employee_id, i.unit_number, i.item_code"
)
_CURSOR = "SELECT coalesce(max(change_seq), 0) FROM employees WHERE unit_id = $unit"

_IPC_OPTIONS = pa.ipc.IpcWriteOptions(compression="zstd")


@dataclass(frozen=True)
class RosterSnapshot:
    employees: pa.Table
    items: pa.Table
    cursor: int  # the highest change_seq of the unit: the next `since`


def snapshot(store: BureauStore, unit_id: str, since: int) -> RosterSnapshot:
    """The unit's employees changed after `since` (all when 0) and their items, one snapshot."""
    params = {"unit": unit_id, "since": since}
    with store.reading() as cur:
        cursor = cur.execute(_CURSOR, {"unit": unit_id}).fetchall()[0][0]
        employees = cur.sql(_EMPLOYEES, params=params).to_arrow_table()
        items = cur.sql(_ITEMS, params=params).to_arrow_table()
    # Never report a cursor behind the caller's: an unchanged roster keeps its cursor.
    return RosterSnapshot(employees, items, max(cursor, since))


def _ipc_stream(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema, options=_IPC_OPTIONS) as writer:
        writer.write_table(table, max_chunksize=65_536)
    return sink.getvalue().to_pybytes()


def encode(snap: RosterSnapshot) -> bytes:
    """The body of `application/vnd.sbf.roster.v1`."""
    parts = []
    for table in (snap.employees, snap.items):
        stream = _ipc_stream(table)
        parts += [struct.pack("<Q", len(stream)), stream]
    return b"".join(parts)


def decode(body: bytes) -> tuple[pa.Table, pa.Table]:
    """Inverse of `encode` (for tests and tools; the client has its own reader)."""
    tables = []
    offset = 0
    for _ in range(2):
        (length,) = struct.unpack_from("<Q", body, offset)
        offset += 8
        tables.append(pa.ipc.open_stream(pa.py_buffer(body[offset:offset + length])).read_all())
        offset += length
    return tables[0], tables[1]


def page(store: BureauStore, unit_id: str, since: int, page_no: int, size: int) -> dict[str, Any]:
    """A JSON page of employees with their items, for scripts and small pulls."""
    params = {"unit": unit_id, "since": since, "limit": size, "offset": (page_no - 1) * size}
    with store.reading() as cur:
        cursor = cur.execute(_CURSOR, {"unit": unit_id}).fetchall()[0][0]
        total = cur.execute(
            "SELECT count(*) FROM employees WHERE unit_id = $unit AND change_seq > $since",
            {"unit": unit_id, "since": since},
        ).fetchall()[0][0]
        employees = cur.sql(
            _EMPLOYEES + " LIMIT $limit OFFSET $offset", params=params
        ).to_arrow_table().to_pylist()
        ids = [e["employee_id"] for e in employees]
        items = cur.sql(
            "SELECT employee_id, unit_number, agency, person_number, item_code, item_name, subitem_name, "
            "special_category, base, start_month, stop_month, collection_mode FROM employee_items "
            "WHERE unit_id = $unit AND list_contains($ids, employee_id) "
            "ORDER BY employee_id, unit_number, item_code",
            params={"unit": unit_id, "ids": ids},
        ).to_arrow_table().to_pylist()
    by_employee: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
    for item in items:
        by_employee[item["employee_id"]].append(item)
    for emp in employees:
        emp["items"] = by_employee[emp["employee_id"]]
    return {"total": total, "cursor": max(cursor, since), "employees": employees}
