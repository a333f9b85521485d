"""The client's DuckDB file: short units of work, numbered migrations, waiting out other writers.

DuckDB lets one process hold a file at a time, and Voila runs one kernel per browser tab beside any
notebook. So nothing keeps the file open while idle: `Store.work()` opens a connection for one unit of
work, commits (or rolls back on error) and closes. When another process holds the file, it waits and
retries for up to `lock_timeout` seconds before telling the user in Chinese.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import duckdb

from sbflib.errors import StateError

_LOCK_MARKERS = ("Could not set lock", "Conflicting lock", "database is locked")


def _is_lock_error(exc: Exception) -> bool:
    return any(marker in str(exc) for marker in _LOCK_MARKERS)


def _migrations() -> list[tuple[int, str]]:
    folder = resources.files("sbflib.store") / "migrations"
    found = []
    for entry in folder.iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:3].isdigit():
            found.append((int(name[:3]), entry.read_text(encoding="utf-8")))
    return sorted(found)


class Store:
    """The client store at `path`. Create once per process; it holds no open connection."""

    def __init__(self, path: Path, *, lock_timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.lock_timeout = lock_timeout
        self._migrate()

    def _connect(self) -> duckdb.DuckDBPyConnection:
        deadline = time.monotonic() + self.lock_timeout
        delay = 0.02
        while True:
            try:
                return duckdb.connect(str(self.path))
            except duckdb.Error as exc:  # another process holds the file: wait briefly and retry
                if not _is_lock_error(exc) or time.monotonic() > deadline:
                    if _is_lock_error(exc):
                        raise StateError("本地数据库正被其他窗口长时间占用，请稍后重试") from exc
                    raise
                time.sleep(delay + random.random() * delay)
                delay = min(delay * 1.5, 0.25)

    @contextmanager
    def work(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One unit of work: a transaction on a fresh connection, committed unless it raises."""
        con = self._connect()
        try:
            con.begin()
            yield con
            con.commit()
        except BaseException:
            try:
                con.rollback()
            except duckdb.Error:
                pass
            raise
        finally:
            con.close()

    @contextmanager
    def read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection for reads only (no transaction to commit)."""
        con = self._connect()
        try:
            yield con
        finally:
            con.close()

    def schema_version(self) -> int:
        with self.read() as con:
            return int(con.execute("SELECT max(version) FROM schema_version").fetchone()[0])

    def _migrate(self) -> None:
        with self.work() as con:
            con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TIMESTAMP)")
            current = con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]
            for version, sql in _migrations():
                if version > current:
                    con.execute(sql)
                    con.execute("INSERT INTO schema_version VALUES (?, now())", [version])
