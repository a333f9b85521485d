"""The bureau's own DuckDB file (the tax bureau's side; the client never opens it).

The serving process holds one connection and hands each request thread its own cursor. Writes go
through one lock: DuckDB would reject concurrent conflicting updates, and serialising them also
keeps `change_seq` values committed in increasing order, so a reader's cursor never skips a change.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def migrations() -> list[tuple[int, str]]:
    """The numbered migrations `NNN_name.sql` of `migrations/`, in order."""
    found = [(int(p.name[:3]), p.read_text(encoding="utf-8"))
             for p in MIGRATIONS_DIR.glob("*.sql") if p.name[:3].isdigit()]
    return sorted(found)


SCHEMA_VERSION = max(v for v, _ in migrations())


def migrate(conn: duckdb.DuckDBPyConnection) -> int:
    """Bring the store to the newest schema; return the version it had before.

    A store of the first release has no `schema_version` table, only `meta.schema_version = 1`: it
    counts as version 1 and keeps its data."""
    conn.execute("BEGIN")
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TIMESTAMP)")
        current = conn.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchall()[0][0]
        if current == 0:
            has_meta = conn.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'"
            ).fetchall()[0][0]
            if has_meta:
                row = first_row(conn.execute("SELECT value FROM meta WHERE key = 'schema_version'"))
                if row is not None and str(row[0]).isdigit():
                    current = int(row[0])
                    conn.execute("INSERT INTO schema_version SELECT range, now() FROM range(1, ?)", [current + 1])
        # Every migration not yet applied, not only those above the highest applied: a store opened
        # by a build that had 007 but not yet 006 still gets 006 (as the client's store does).
        applied = {row[0] for row in conn.execute("SELECT version FROM schema_version").fetchall()}
        for version, sql in migrations():
            if version not in applied:
                conn.execute(sql)
                conn.execute("INSERT INTO schema_version VALUES (?, now())", [version])
        conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return int(current)


_BUREAU_FILES = ("bureau.log", "demo.json", "demo-secret", "address.json", "launch.lock")


def _is_bureau_file(path: Path) -> bool:
    return path.name in _BUREAU_FILES or ".duckdb" in path.name


def secure_files(folder: Path) -> None:
    """The bureau's files in `folder` 0600 (full ID numbers, hashes, the demo secret) and the folder
    0700 when it holds nothing else (a store put in someone's own folder leaves the folder alone)."""
    entries = list(folder.iterdir())
    for path in entries:
        if path.is_file() and _is_bureau_file(path):
            path.chmod(0o600)
    if all(_is_bureau_file(p) for p in entries):
        folder.chmod(0o700)


def first_row(result: duckdb.DuckDBPyConnection) -> tuple[Any, ...] | None:
    """The first row of a result, consuming it all: DuckDB refuses new work on a cursor whose
    previous result is unfinished."""
    rows = result.fetchall()
    return rows[0] if rows else None


class BureauStore:
    """One DuckDB connection for the process; `reading()` / `writing()` give per-thread cursors."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._conn = duckdb.connect(str(self.path))
        self._write_lock = threading.Lock()
        self._unit_locks: dict[str, threading.Lock] = {}
        self._unit_in_flight: dict[str, int] = {}
        self._unit_locks_guard = threading.Lock()
        self.migrated_from = migrate(self._conn)

    @contextmanager
    def reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor inside one transaction, so several queries see one snapshot."""
        cur = self._conn.cursor()
        try:
            cur.begin()
            yield cur
            cur.rollback()
        finally:
            cur.close()

    @contextmanager
    def writing(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor inside one transaction, committed on success, under the write lock."""
        with self._write_lock:
            cur = self._conn.cursor()
            try:
                cur.begin()
                try:
                    yield cur
                except BaseException:
                    cur.rollback()
                    raise
                cur.commit()
            finally:
                cur.close()

    @contextmanager
    def unit_turn(self, unit_id: str) -> Iterator[Callable[[], int]]:
        """The unit's turn: password tries of one unit are counted and decided one at a time. Yields
        a function telling how many other tries of the unit are waiting meanwhile (a burst)."""
        with self._unit_locks_guard:
            lock = self._unit_locks.setdefault(unit_id, threading.Lock())
            self._unit_in_flight[unit_id] = self._unit_in_flight.get(unit_id, 0) + 1
        try:
            with lock:
                yield lambda: self._unit_in_flight.get(unit_id, 1) - 1
        finally:
            with self._unit_locks_guard:
                self._unit_in_flight[unit_id] -= 1
                if not self._unit_in_flight[unit_id]:
                    del self._unit_in_flight[unit_id]

    def close(self) -> None:
        self._conn.close()
