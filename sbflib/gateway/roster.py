"""The roster (职工参保信息) of a unit: bulk as Arrow tables, or JSON pages for small pulls."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.ipc

from sbflib.errors import ConnectionFailed
from sbflib.gateway.http import MSG_PROTOCOL, STREAM, Http, path, required, unit_part

MEDIA_ROSTER = "application/vnd.sbf.roster.v1"


@dataclass(frozen=True)
class RosterBatch:
    """What one roster call brought: two Arrow tables and the cursor for the next call."""

    employees: pa.Table
    items: pa.Table
    cursor: int


@dataclass(frozen=True)
class EmployeesPage:
    """A JSON page of employees, each a dict with its `items`, and the roster's cursor."""

    total: int
    cursor: int
    employees: tuple[dict[str, Any], ...]


def read_framed_streams(body: bytes) -> list[pa.Table]:
    """Split a body of [u64 little-endian length][Arrow IPC stream] frames into tables."""
    tables = []
    view = memoryview(body)
    offset = 0
    while offset < len(view):
        (length,) = struct.unpack_from("<Q", view, offset)
        offset += 8
        with pa.ipc.open_stream(pa.py_buffer(view[offset : offset + length])) as reader:
            tables.append(reader.read_all())
        offset += length
    return tables


class RosterApi:
    """`client.roster`: the Arrow roster transfer (`batch`) and the JSON pages (`employees_page`)."""

    def __init__(self, http: Http) -> None:
        self._http = http
        #: The bureau's `Server-Timing` header of the last roster transfer (where its time went:
        #: `roster;dur=…, employees;dur=…, items;dur=…`), for benchmarks and diagnostics.
        self.last_server_timing = ""

    def batch(self, unit_id: str, since: int | None = None) -> RosterBatch:
        """The whole roster (since None) or what changed after the cursor, as Arrow tables."""
        response = self._http.request(
            "GET", path("units", unit_part(unit_id), "roster"),
            params={"since": since}, headers={"Accept": MEDIA_ROSTER},
            policy=STREAM,
        )
        try:
            employees, items = read_framed_streams(response.content)
            cursor = int(response.headers["X-Sbf-Cursor"])
        except (ValueError, KeyError, struct.error, pa.ArrowException) as exc:
            raise ConnectionFailed(MSG_PROTOCOL, detail=f"roster of {unit_id}: {exc!r}", code="BAD_RESPONSE") from exc
        self.last_server_timing = response.headers.get("Server-Timing", "")
        return RosterBatch(employees, items, cursor)

    def employees_page(self, unit_id: str, since: int | None = None, page: int = 1, size: int = 1000) -> EmployeesPage:
        data = self._http.get_json(path("units", unit_part(unit_id), "employees"),
                                   params={"since": since, "page": page, "size": size})
        return EmployeesPage(int(required(data, "total")), int(required(data, "cursor")),
                             tuple(required(data, "employees")))
