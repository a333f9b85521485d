"""Roster bulk transfer (职工参保信息): both tables read as one state of the unit's roster, sent as
Arrow IPC.

Body framing (docs/api.md): for `employees`, then `items`, an unsigned 64-bit little-endian length
followed by an Arrow IPC stream with zstd-compressed buffers. No per-row Python anywhere here.
"""

from __future__ import annotations

import struct
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from .errors import Refusal
from .store import BureauStore

MEDIA_TYPE = "application/vnd.sbf.roster.v1"

_EMPLOYEE_COLUMNS = (
    "employee_id, name, gender, id_type, id_number, birth_date, start_month, stop_month, updated_at, change_seq"
)
_ITEM_COLUMNS = (
    "employee_id, unit_number, agency, person_number, item_code, item_name, subitem_name, subitem_detail, "
    "special_category, base, start_month, stop_month, collection_mode"
)
# A whole roster is a plain filtered scan: no join, no sort (the body has no promised order), which
# is what keeps 100,000 employees x 5 items fast. A delta joins on the (few) changed employees.
_ALL_EMPLOYEES = f"SELECT {_EMPLOYEE_COLUMNS} FROM employees WHERE unit_id = $unit"
_ALL_ITEMS = f"SELECT {_ITEM_COLUMNS} FROM employee_items WHERE unit_id = $unit"
_CHANGED_EMPLOYEES = _ALL_EMPLOYEES + " AND change_seq > $since"
_CHANGED_ITEMS = (
    f"SELECT {_ITEM_COLUMNS} FROM employee_items WHERE unit_id = $unit AND employee_id IN "
    "(SELECT employee_id FROM employees WHERE unit_id = $unit AND change_seq > $since)"
)
_CURSOR = "SELECT coalesce(max(change_seq), 0) FROM employees WHERE unit_id = $unit"

_IPC_OPTIONS = pa.ipc.IpcWriteOptions(compression="zstd")


_BATCH_ROWS = 100_000


def _table_frame(table: pa.Table) -> bytes:
    """One frame of a (small) table already read."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema, options=_IPC_OPTIONS) as writer:
        writer.write_table(table)
    stream = sink.getvalue()
    return struct.pack("<Q", stream.size) + stream.to_pybytes()


def _ipc_frame(cur: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> tuple[bytes, int]:
    """One frame (u64 LE length + Arrow IPC stream) of a query's rows, and the row count.

    Batches are compressed as DuckDB produces them, so reading and zstd overlap and the whole
    result is never held as one Arrow table."""
    reader = cur.sql(sql, params=params).to_arrow_reader(_BATCH_ROWS)
    sink = pa.BufferOutputStream()
    rows = 0
    with pa.ipc.new_stream(sink, reader.schema, options=_IPC_OPTIONS) as writer:
        for batch in reader:
            writer.write_batch(batch)
            rows += batch.num_rows
    stream = sink.getvalue()
    return struct.pack("<Q", stream.size) + stream.to_pybytes(), rows


@dataclass(frozen=True)
class RosterBody:
    """An encoded roster body (`application/vnd.sbf.roster.v1`) with its headers' values."""

    body: bytes
    cursor: int  # the unit's highest change_seq: the next `since`
    employees: int
    server_ms: float = 0.0  # reading and encoding, or only the cache look-up
    cached: bool = False
    steps: tuple[tuple[str, float], ...] = ()  # (step, ms) of server_ms, for the Server-Timing header


class FullRosterCache:
    """Encoded whole rosters, the latest per unit, bounded in bytes.

    Sound because every change to an employee or its items moves the employee's `change_seq`, so
    the unit's cursor (its highest `change_seq`) names one state of its roster; the incremental
    sync relies on the same rule.
    """

    def __init__(self, max_bytes: int = 256 * 2**20) -> None:
        self._entries: OrderedDict[str, RosterBody] = OrderedDict()
        self._lock = threading.Lock()
        self._max_bytes = max_bytes

    def get(self, unit_id: str, cursor: int) -> RosterBody | None:
        with self._lock:
            entry = self._entries.get(unit_id)
            if entry is None or entry.cursor != cursor:
                return None
            self._entries.move_to_end(unit_id)
            return entry

    def put(self, unit_id: str, entry: RosterBody) -> None:
        with self._lock:
            self._entries[unit_id] = entry
            self._entries.move_to_end(unit_id)
            while sum(len(e.body) for e in self._entries.values()) > self._max_bytes and len(self._entries) > 1:
                self._entries.popitem(last=False)


def roster_body(store: BureauStore, unit_id: str, since: int, cache: FullRosterCache | None) -> RosterBody:
    """The unit's employees changed after `since` (all when 0) and their items, read as one state of
    the unit's roster and encoded; a whole roster comes from `cache` while the unit's cursor is unchanged.
    `steps` tell where the time went (cursor, employees, items, encode)."""
    started = time.perf_counter()
    steps: list[tuple[str, float]] = []

    def step(name: str) -> None:
        steps.append((name, (time.perf_counter() - started) * 1000 - sum(ms for _, ms in steps)))

    if since:
        employees, items, count, cursor = _delta(store, unit_id, since, step)
    else:
        with store.reading() as cur:
            cursor = cur.execute(_CURSOR, {"unit": unit_id}).fetchall()[0][0]
            hit = cache.get(unit_id, cursor) if cache is not None else None
            if hit is not None:
                return replace(hit, server_ms=(time.perf_counter() - started) * 1000, cached=True, steps=())
            step("cursor")
            employees, count = _ipc_frame(cur, _ALL_EMPLOYEES, {"unit": unit_id})
            step("employees")
            items, _ = _ipc_frame(cur, _ALL_ITEMS, {"unit": unit_id})
            step("items")
    # Never report a cursor behind the caller's: an unchanged roster keeps its cursor.
    entry = RosterBody(employees + items, max(cursor, since), count, (time.perf_counter() - started) * 1000,
                       steps=tuple(steps))
    if cache is not None and since == 0:
        cache.put(unit_id, entry)
    return entry


_ITEM_READERS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="sbf-roster-items")


def _delta(
    store: BureauStore, unit_id: str, since: int, step: Callable[[str], None]
) -> tuple[bytes, bytes, int, int]:
    """Employees and items frames of what changed after `since`, their count and the unit's cursor.

    The changed employees and their items are read at the same time, each on a cursor of its own
    (the items are most of the work). Two cursors are two snapshots: they are one state of the unit's
    roster when both see the same unit cursor, because every change to an employee or its items
    moves the employee's `change_seq` above all others (the rule `FullRosterCache` relies on too).
    Should a change have come in between, the items are read again in the employees' snapshot.

    When employees changed, the highest change number among them is the unit's cursor (every
    employee above `since` is among them), so only an empty delta runs the cursor query, to refuse
    a `since` ahead of the bureau."""
    params = {"unit": unit_id, "since": since}
    with store.reading() as cur, store.reading() as side:

        def read_items() -> tuple[int, pa.Table]:
            seen = side.execute(_CURSOR, {"unit": unit_id}).fetchall()[0][0]
            return seen, side.sql(_CHANGED_ITEMS, params=params).to_arrow_table()

        items_read = _ITEM_READERS.submit(read_items)
        try:
            changed = cur.sql(_CHANGED_EMPLOYEES, params=params).to_arrow_table()
            if changed.num_rows:
                cursor = int(pc.max(changed["change_seq"]).as_py())
            else:
                cursor = cur.execute(_CURSOR, {"unit": unit_id}).fetchall()[0][0]
                _check_since(since, cursor)
            employees = _table_frame(changed)
            step("employees")
        finally:
            seen, changed_items = items_read.result()
        if seen != cursor:
            changed_items = cur.sql(_CHANGED_ITEMS, params=params).to_arrow_table()
        step("items")
        items = _table_frame(changed_items)
        step("encode")
    return employees, items, changed.num_rows, cursor


def _check_since(since: int, cursor: int) -> None:
    if since > cursor:
        raise Refusal(400, "CURSOR_AHEAD", f"同步游标{since}超出税务局的最新变更（{cursor}），请执行全量更新")


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
        _check_since(since, cursor)
        total = cur.execute(
            "SELECT count(*) FROM employees WHERE unit_id = $unit AND change_seq > $since",
            {"unit": unit_id, "since": since},
        ).fetchall()[0][0]
        employees = cur.sql(
            _CHANGED_EMPLOYEES + " ORDER BY employee_id LIMIT $limit OFFSET $offset", params=params
        ).to_arrow_table().to_pylist()
        ids = [e["employee_id"] for e in employees]
        items = cur.sql(
            f"SELECT {_ITEM_COLUMNS} FROM employee_items WHERE unit_id = $unit "
            "AND list_contains($ids, employee_id) "
            "ORDER BY employee_id, unit_number, item_code",
            params={"unit": unit_id, "ids": ids},
        ).to_arrow_table().to_pylist()
    by_employee: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
    for item in items:
        by_employee[item["employee_id"]].append(item)
    for emp in employees:
        emp["items"] = by_employee[emp["employee_id"]]
    return {"total": total, "cursor": max(cursor, since), "employees": employees}
