"""The client's DuckDB file: short units of work, numbered migrations, waiting out other writers.

DuckDB lets one process hold a file at a time, and Voila runs one kernel per browser tab beside any
notebook. So nothing keeps the file open while idle: `Store.work()` runs one unit of work in a
transaction that commits (or rolls back on error), and the connection is closed once the store has
been idle for `idle_close` seconds. Opening a DuckDB database costs 30-60 ms here (measured with
DuckDB 2.0.1), so a burst of work (a page query after a count) shares one connection instead of
paying that each time. When another process holds the file, it waits and retries for up to
`lock_timeout` seconds before telling the user in Chinese. Threads of one process take turns.
"""

from __future__ import annotations

import atexit
import contextlib
import random
import threading
import time
import weakref
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


_open_stores: weakref.WeakSet[Store] = weakref.WeakSet()
_reaper_started = threading.Lock()
_reaper: threading.Thread | None = None


_stopping = threading.Event()


def _reap_idle_connections() -> None:
    while not _stopping.wait(0.2):
        for store in list(_open_stores):
            store.close_if_idle()


@atexit.register
def _close_all_at_exit() -> None:
    # Stop the reaper before the interpreter goes: a daemon thread killed inside DuckDB aborts the
    # process ("terminate called ... exception not rethrown").
    _stopping.set()
    if _reaper is not None:
        _reaper.join(timeout=2)
    for store in list(_open_stores):
        store.close()


def _start_reaper() -> None:
    global _reaper
    with _reaper_started:
        if _reaper is None:
            _reaper = threading.Thread(target=_reap_idle_connections, name="sbf-store-reaper", daemon=True)
            _reaper.start()


class Store:
    """The client store at `path`. One per process and file; holds a connection only while busy."""

    def __init__(self, path: Path, *, lock_timeout: float = 30.0, idle_close: float = 0.5) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.lock_timeout = lock_timeout
        self.idle_close = idle_close
        self._lock = threading.RLock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._last_used = 0.0
        _start_reaper()
        self._migrate()

    def warm_up(self) -> None:
        """Open the file in the background (30-60 ms) while the caller waits on something else,
        such as a download, so the unit of work that follows starts at once."""

        def open_now() -> None:
            # Any failure here is the next unit of work's to report, with its own message.
            with contextlib.suppress(Exception), self._connection():
                pass

        threading.Thread(target=open_now, name="sbf-store-warm-up", daemon=True).start()

    def close_if_idle(self) -> None:
        if self._con is None or time.monotonic() - self._last_used < self.idle_close:
            return
        if self._lock.acquire(blocking=False):
            try:
                if self._con is not None and time.monotonic() - self._last_used >= self.idle_close:
                    self.close()
            finally:
                self._lock.release()

    def close(self) -> None:
        """Release the file now (it reopens on the next unit of work)."""
        with self._lock:
            if self._con is not None:
                self._con.close()
                self._con = None
                _open_stores.discard(self)

    @contextmanager
    def _connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._lock:
            if self._con is None:
                self._con = self._connect()
                _open_stores.add(self)
            # A cursor per unit of work: results left unfetched by one unit cannot block the next.
            cursor = self._con.cursor()
            try:
                yield cursor
            finally:
                cursor.close()
                self._last_used = time.monotonic()

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
        """One unit of work: a transaction, committed unless it raises."""
        with self._connection() as con:
            con.begin()
            try:
                yield con
                con.commit()
            except BaseException:
                try:
                    con.rollback()
                except duckdb.Error:
                    pass
                raise

    @contextmanager
    def read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection for reads only (no transaction to commit)."""
        with self._connection() as con:
            yield con

    def schema_version(self) -> int:
        with self.read() as con:
            return int(con.execute("SELECT max(version) FROM schema_version").fetchall()[0][0])

    def _migrate(self) -> None:
        with self.work() as con:
            con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TIMESTAMP)")
            current = con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchall()[0][0]
            for version, sql in _migrations():
                if version > current:
                    con.execute(sql)
                    con.execute("INSERT INTO schema_version VALUES (?, now())", [version])
