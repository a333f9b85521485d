"""The client's DuckDB file: units of work, numbered migrations, and fair sharing between processes.

The convention (docs/patterns.md): one unit of work per service operation.

    with ctx.store.work() as con:   # writes: one transaction, committed unless the block raises;
        ...                         # a check and the write it guards go in the same unit
    with ctx.store.read() as con:   # reads: one read-only transaction, so the count and the page
        ...                         # of a list come from the same snapshot

`con` is a `duckdb.DuckDBPyConnection` (a cursor of its own) that is valid inside the block only.
Repositories take this connection, never the store. Nothing slow that is not the database (a call
to the bureau, a file dialog) runs inside a unit: another process may be waiting for the file.

Sharing. DuckDB lets one process hold a file at a time, and Voila runs one kernel process per browser
tab beside any notebook or script. Opening the file costs 10-60 ms, so a process keeps its
connection while nobody else wants the file, and lets go as soon as another process waits:

- A process that wants the file queues: it puts a marker named by its arrival time and pid in the
  folder `<store>.waiters/`, and when no earlier marker is left and the turn lock (`fcntl.flock` on
  `<store>.turn`) is free, takes the lock, removes its marker and connects.
- The holder looks at the queue after each unit of work, and a watcher thread looks every 20 ms while
  it is idle: when anyone waits it closes its connection and releases the turn lock. Wanting the
  file again, it queues behind those who came first, so a script in a tight loop gets the file
  back after each waiting tab's unit of work, and no waiter starves.
- A marker whose process is gone, or that its waiter has not refreshed for 10 s, is ignored.
- Threads of one process take turns through one lock, and every `Store` of one file in a process
  shares one connection. Nobody waiting, the connection closes after `idle_close` seconds idle.

A waiter waits as long as the unit of work before it runs, up to `lock_timeout` seconds (a process
outside this protocol, such as the DuckDB shell, holding the file); then the user is told in
Chinese. Files: folders the store creates are 0700; the store, its .wal, the turn lock and the
markers are 0600 (the store holds full ID numbers).
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import random
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import duckdb

from sbflib.errors import StateError

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: DuckDB's own lock and the markers still take turns
    fcntl = None  # type: ignore[assignment]

_LOCK_MARKERS = ("Could not set lock", "Conflicting lock", "database is locked")
_BUSY_MESSAGE = "本地数据库正被其他窗口长时间占用，请稍后重试"

_WATCH_EVERY = 0.02  # how often an idle holder looks for waiters
_POLL_EVERY = 0.003  # how often a waiter looks at the queue and the turn lock
_REFRESH_EVERY = 1.0  # a waiter touches its marker this often
_STALE_AFTER = 10.0  # a marker not touched for this long is ignored


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


def make_private_folder(folder: Path) -> None:
    """Create `folder` and any missing parents 0700 (folders that exist keep their mode)."""
    missing = []
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            break
        missing.append(candidate)
    for candidate in reversed(missing):
        try:
            os.mkdir(candidate, 0o700)
        except FileExistsError:
            continue
        os.chmod(candidate, 0o700)  # whatever the umask
    folder.mkdir(parents=True, exist_ok=True)


def _make_private(path: Path) -> None:
    """Owner-only (0600) for a file DuckDB created with the umask's mode."""
    with contextlib.suppress(OSError):
        if os.stat(path).st_mode & 0o077:
            os.chmod(path, 0o600)


def pid_alive(pid: int) -> bool:
    """Whether process `pid` still runs (markers, journals and drafts left by dead processes are cleared)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_marker_numbers = itertools.count()


class _SharedFile:
    """One store file as this process holds it: the connection, the turn lock and the queue."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.waiters = path.with_name(path.name + ".waiters")
        self.turn_path = path.with_name(path.name + ".turn")
        self.lock = threading.RLock()
        self.con: duckdb.DuckDBPyConnection | None = None
        self.turn_fd: int | None = None
        self.depth = 0
        self.last_used = 0.0
        self.idle_close = 5.0

    # -- the queue -------------------------------------------------------------------------------
    def _markers(self) -> list[str]:
        try:
            with os.scandir(self.waiters) as entries:
                return [entry.name for entry in entries]
        except FileNotFoundError:
            return []

    def _is_live(self, name: str) -> bool:
        """A marker of another process that still waits; stale markers are removed on sight."""
        try:
            pid = int(name.split("-")[1])
        except (IndexError, ValueError):
            return False
        if pid == os.getpid():
            return False
        marker = self.waiters / name
        try:
            fresh = time.time() - os.stat(marker).st_mtime < _STALE_AFTER
        except FileNotFoundError:
            return False
        if fresh and pid_alive(pid):
            return True
        with contextlib.suppress(OSError):
            marker.unlink()
        return False

    def others_waiting(self) -> bool:
        return any(self._is_live(name) for name in self._markers())

    def _first_in_line(self, marker: str) -> bool:
        return not any(self._is_live(name) for name in self._markers() if name < marker)

    def _enqueue(self) -> str:
        make_private_folder(self.waiters)
        name = f"{time.time_ns():020d}-{os.getpid()}-{next(_marker_numbers)}"
        os.close(os.open(self.waiters / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        return name

    # -- the turn lock and the connection --------------------------------------------------------
    def _try_turn(self) -> bool:
        if fcntl is None:
            return True
        if self.turn_fd is None:
            self.turn_fd = os.open(self.turn_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(self.turn_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _take_turn(self, deadline: float) -> None:
        if not self.others_waiting() and self._try_turn():
            return  # nobody in line and the file free: no marker needed
        marker = self._enqueue()
        try:
            touched = time.monotonic()
            while not (self._first_in_line(marker) and self._try_turn()):
                now = time.monotonic()
                if now > deadline:
                    self._drop_turn()
                    raise StateError(_BUSY_MESSAGE, detail=f"the turn lock of {self.path} stayed taken")
                if now - touched > _REFRESH_EVERY:
                    with contextlib.suppress(OSError):
                        os.utime(self.waiters / marker)
                    touched = now
                time.sleep(_POLL_EVERY)
        finally:
            with contextlib.suppress(OSError):
                (self.waiters / marker).unlink()

    def _drop_turn(self) -> None:
        if self.turn_fd is not None:
            os.close(self.turn_fd)  # closing the file releases the lock
            self.turn_fd = None

    def _connect(self, deadline: float) -> duckdb.DuckDBPyConnection:
        """Connect, waiting out a process outside the turn protocol (an older version, the DuckDB shell)."""
        delay = 0.02
        while True:
            try:
                con = duckdb.connect(str(self.path))
            except duckdb.Error as exc:
                if not _is_lock_error(exc):
                    raise
                if time.monotonic() > deadline:
                    raise StateError(_BUSY_MESSAGE, detail=str(exc)) from exc
                time.sleep(delay + random.random() * delay)
                delay = min(delay * 1.5, 0.25)
            else:
                _make_private(self.path)
                return con

    def open(self, lock_timeout: float) -> None:
        deadline = time.monotonic() + lock_timeout
        self._take_turn(deadline)
        try:
            self.con = self._connect(deadline)
        except BaseException:
            self._drop_turn()
            raise
        _holding.add(self)
        _watcher_wake.set()

    def release(self) -> None:
        """Close the connection and give up the turn (the caller holds `lock`)."""
        try:
            if self.con is not None:
                self.con.close()
        finally:
            self.con = None
            self._drop_turn()
            _holding.discard(self)

    @contextmanager
    def unit(self, lock_timeout: float, idle_close: float) -> Iterator[duckdb.DuckDBPyConnection]:
        with self.lock:
            if self.con is None:
                self.open(lock_timeout)
            assert self.con is not None
            self.idle_close = idle_close
            # A cursor per unit of work: results left unfetched by one unit cannot block the next.
            cursor = self.con.cursor()
            self.depth += 1
            try:
                yield cursor
            finally:
                self.depth -= 1
                with contextlib.suppress(duckdb.Error):
                    cursor.close()
                self.last_used = time.monotonic()
                if self.depth == 0:
                    _make_private(self.wal)
                    if self.others_waiting():
                        self.release()

    @property
    def wal(self) -> Path:
        return self.path.with_name(self.path.name + ".wal")

    def let_go_if_wanted(self) -> None:
        """The watcher's look at an idle holder: close when someone waits or after `idle_close`."""
        if self.con is None:
            return
        if time.monotonic() - self.last_used < self.idle_close and not self.others_waiting():
            return
        if self.lock.acquire(blocking=False):  # busy: the unit's end looks at the queue itself
            try:
                if self.con is not None and self.depth == 0:
                    self.release()
            finally:
                self.lock.release()


_files: weakref.WeakValueDictionary[str, _SharedFile] = weakref.WeakValueDictionary()
_files_lock = threading.Lock()
_holding: set[_SharedFile] = set()  # files this process has open: the watcher's list
_watcher_wake = threading.Event()
_stopping = threading.Event()
_watcher: threading.Thread | None = None


def _shared_file(path: Path) -> _SharedFile:
    key = str(path.resolve())
    with _files_lock:
        shared = _files.get(key)
        if shared is None:
            shared = _SharedFile(Path(key))
            _files[key] = shared
        return shared


def _watch() -> None:
    while not _stopping.is_set():
        if not _holding:
            _watcher_wake.wait(1.0)
            _watcher_wake.clear()
            continue
        _stopping.wait(_WATCH_EVERY)
        for shared in list(_holding):
            shared.let_go_if_wanted()


def _start_watcher() -> None:
    global _watcher
    with _files_lock:
        if _watcher is None:
            _watcher = threading.Thread(target=_watch, name="sbf-store-watcher", daemon=True)
            _watcher.start()


@atexit.register
def _close_all_at_exit() -> None:
    # Stop the watcher before the interpreter goes: a daemon thread killed inside DuckDB aborts the
    # process ("terminate called ... exception not rethrown").
    _stopping.set()
    _watcher_wake.set()
    if _watcher is not None:
        _watcher.join(timeout=2)
    for shared in list(_holding):
        if shared.lock.acquire(timeout=2):  # a daemon thread stuck mid-unit must not hang the exit
            try:
                shared.release()
            finally:
                shared.lock.release()


def _forget_after_fork() -> None:
    """A forked child holds nothing: the parent's connection and turn lock stay the parent's."""
    global _watcher, _files_lock
    _files_lock = threading.Lock()
    for shared in list(_files.values()):
        shared.lock = threading.RLock()
        shared.con = None  # not closed: closing would checkpoint the parent's database
        if shared.turn_fd is not None:
            with contextlib.suppress(OSError):
                os.close(shared.turn_fd)  # the parent's copy keeps the lock
            shared.turn_fd = None
        shared.depth = 0
    _holding.clear()
    _watcher = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)


class Store:
    """The client store at `path`: units of work on a file that processes share fairly."""

    def __init__(self, path: Path | str, *, lock_timeout: float = 30.0, idle_close: float = 5.0) -> None:
        self.path = Path(path)
        make_private_folder(self.path.parent)
        self.lock_timeout = lock_timeout
        self.idle_close = idle_close
        self._file = _shared_file(self.path)
        _start_watcher()
        self._migrate()

    def warm_up(self) -> None:
        """Open the file in the background (10-60 ms) while the caller waits on something else,
        such as a download, so the unit of work that follows starts at once."""

        def open_now() -> None:
            # Any failure here is the next unit of work's to report, with its own message.
            with contextlib.suppress(Exception), self._file.unit(self.lock_timeout, self.idle_close):
                pass

        threading.Thread(target=open_now, name="sbf-store-warm-up", daemon=True).start()

    def close(self) -> None:
        """Release the file now (it reopens on the next unit of work)."""
        with self._file.lock:
            if self._file.depth == 0:
                self._file.release()

    @contextmanager
    def work(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One unit of work: a transaction, committed unless the block raises."""
        with self._file.unit(self.lock_timeout, self.idle_close) as con:
            con.begin()
            try:
                yield con
                con.commit()
            except BaseException:
                with contextlib.suppress(duckdb.Error):
                    con.rollback()
                raise

    @contextmanager
    def read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One unit of reads: a read-only transaction, so every query in it sees the same snapshot."""
        with self._file.unit(self.lock_timeout, self.idle_close) as con:
            con.execute("BEGIN TRANSACTION READ ONLY")
            try:
                yield con
            finally:
                with contextlib.suppress(duckdb.Error):
                    con.rollback()

    @contextmanager
    def turn(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The store's turn with no transaction open: for CHECKPOINT and whole-file work (a backup's
        copy, an integrity check). Keep it as short as a unit of work."""
        with self._file.unit(self.lock_timeout, self.idle_close) as con:
            yield con

    @contextmanager
    def closed(self) -> Iterator[Callable[[], duckdb.DuckDBPyConnection]]:
        """The turn held with this process's connection checkpointed and closed, so the file may be
        copied or replaced (a restore). Yields `reopen()`, which connects to the file now at `path`
        within the same turn; the turn is given back at the end, and other processes reopen on
        their next unit of work."""
        shared = self._file
        with shared.lock:
            if shared.depth:
                raise StateError("请先完成当前操作再继续", detail="Store.closed() inside a unit of work")
            if shared.con is None:
                shared.open(self.lock_timeout)
            try:
                assert shared.con is not None
                shared.con.execute("CHECKPOINT")
                shared.con.close()
                shared.con = None
                if shared.wal.exists() and shared.wal.stat().st_size > 0:
                    raise StateError("本地数据库未能完整保存，请稍后重试", detail=f"{shared.wal} not empty after close")

                def reopen() -> duckdb.DuckDBPyConnection:
                    shared.con = shared._connect(time.monotonic() + self.lock_timeout)
                    return shared.con

                yield reopen
            finally:
                shared.release()

    def schema_version(self) -> int:
        with self.read() as con:
            return int(con.execute("SELECT max(version) FROM schema_version").fetchall()[0][0])

    def _migrate(self) -> None:
        with self.work() as con:
            con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TIMESTAMP)")
            # Every migration not yet applied, not only those above the highest applied: a folder
            # opened by a build that had 005 but not yet 004 still gets 004.
            applied = {row[0] for row in con.execute("SELECT version FROM schema_version").fetchall()}
            for version, sql in _migrations():
                if version not in applied:
                    con.execute(sql)
                    con.execute("INSERT INTO schema_version VALUES (?, now())", [version])
