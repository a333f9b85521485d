"""操作日志 (beyond the official client): every call that changed something at the bureau, kept locally.

The transport (gateway/http.py) hands `record` one redacted `CallRecord` after each state-changing
call (filings, declarations, payments, password changes, 安全认证, 登录 …); demo calls are left out.
Keeping it must never break or slow the business call, and never lose one:

1. `record` (in the caller's thread) appends the row as one JSON line to this workbench's journal
   (`<data>/client/audit-pending/<pid>-<n>.jsonl`, 0600) and queues it: microseconds, no store.
2. A writer thread merges the queue into the store (`audit_log`) in one unit of work when the store
   gives it a turn; while the store is busy the rows wait and are written on a later turn. Written
   rows leave the journal.
3. A journal left by a process that died (its pid is gone) is merged by the next workbench that
   opens the folder; a row written twice is recognised by its report id and kept once.

`query`/`frame`/`export` first write what is queued (so a list shown right after a call has it),
then read one snapshot.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import io
import itertools
import json
import logging
import os
import threading
import uuid
import weakref
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd

from sbflib.domain import clock
from sbflib.errors import StateError, service_edge
from sbflib.gateway import audit as wire_audit
from sbflib.gateway.audit import OUTCOMES, CallRecord
from sbflib.io.xlsx import export_dataframe
from sbflib.store import audit as audit_repo
from sbflib.store.audit import AUDIT_LIST, COLUMNS, AuditFilter
from sbflib.store.db import make_private_folder, pid_alive
from sbflib.system.context import Context

__all__ = ["AUDIT_LIST", "COLUMNS", "OUTCOMES", "AuditFilter", "AuditService"]

log = logging.getLogger(__name__)

JOURNAL_FOLDER = "audit-pending"
#: The operations a clerk can pick in the query form even before any happened.
KNOWN_OPERATIONS = ("安全认证", "登录", "退出登录", "修改申报密码", "缴费工资申报", "社保费申报", "作废申报")
_RETRY_AFTER = (0.2, 0.5, 1.0, 2.0, 5.0)
_numbers = itertools.count()
_services: weakref.WeakSet[AuditService] = weakref.WeakSet()


def _to_json(row: dict[str, Any]) -> str:
    return json.dumps({k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in row.items()},
                      ensure_ascii=False)


def _from_json(line: str) -> dict[str, Any]:
    row: dict[str, Any] = json.loads(line)
    for key in ("called_at", "last_at"):
        if row.get(key):
            row[key] = dt.datetime.fromisoformat(row[key])
    return row


def _checked(raw: dict[str, Any]) -> dict[str, Any]:
    """A record's fields with the types the table wants (a record built by hand may be sloppy: one
    bad row must never block the queue behind it)."""
    at = raw.pop("at", None)
    raw.pop("demo", None)
    row: dict[str, Any] = {"called_at": at if isinstance(at, dt.datetime) else clock.now()}
    for key in ("method", "path", "operation", "outcome", "code", "message", "result_id"):
        value = raw.get(key)
        row[key] = "" if value is None else str(value)
    row["operation"] = row["operation"] or wire_audit.OTHER
    row["outcome"] = row["outcome"] or wire_audit.UNKNOWN
    for key in ("attempts", "duration_ms", "status"):
        value = raw.get(key)
        row[key] = int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    row["idempotency_key"] = str(raw.get("idempotency_key") or "")
    return row


def _clean(text: str) -> str:
    """The JSON of a body or answer redacted again (a record built by hand must not leak either)."""
    if not text:
        return ""
    try:
        return wire_audit.safe_json(json.loads(text))
    except (TypeError, ValueError):
        return wire_audit.REDACTED


@service_edge
class AuditService:
    """`wb.audit`. Built by the workbench, which hands `record` to the bureau client as its hook."""

    COLUMNS = COLUMNS
    LIST = AUDIT_LIST

    def __init__(self, ctx: Context, folder: Path | str, *, record_demo: bool = False) -> None:
        self.ctx = ctx
        self.record_demo = record_demo
        self.folder = Path(folder) / JOURNAL_FOLDER
        self.journal = self.folder / f"{os.getpid()}-{next(_numbers)}-{uuid.uuid4().hex[:8]}.jsonl"
        self._pending: list[dict[str, Any]] = []
        self._lock = threading.Lock()          # the queue and the journal file
        self._drain_lock = threading.Lock()    # one writer at a time, so a row is merged once
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._writer: threading.Thread | None = None
        ctx.client.on_call = self.record
        _services.add(self)
        self._recover()

    # ---- the hook --------------------------------------------------------------------------
    def record(self, rec: CallRecord) -> None:
        """Keep one call's record (the gateway's hook): journal and queue now, store on a later turn."""
        if rec.demo and not self.record_demo:
            return
        unit = rec.unit_id or (self.ctx.unit.unit_id if self.ctx.unit is not None else "")
        row = _checked(asdict(rec))
        row.update(
            record_id=str(rec.idempotency_key or uuid.uuid4().hex), last_at=row["called_at"], unit_id=str(unit or ""),
            runs=1, request=_clean(rec.request), response=_clean(rec.response), reports=uuid.uuid4().hex,
        )
        line = _to_json(row)
        with self._lock:
            self._append(line)
            self._pending.append(row)
        self._start_writer()
        self._wake.set()

    def _append(self, line: str) -> None:
        try:
            make_private_folder(self.folder)
            fd = os.open(self.journal, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as out:
                out.write(line + "\n")
        except OSError:  # no journal (disk full, read-only): the row still waits in memory
            log.warning("audit journal %s not written", self.journal, exc_info=True)

    def _rewrite_journal(self) -> None:
        """The journal holds exactly what is still queued (the caller holds `_lock`)."""
        try:
            if not self._pending:
                with contextlib.suppress(FileNotFoundError):
                    self.journal.unlink()
                return
            tmp = self.journal.with_suffix(".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.writelines(_to_json(r) + "\n" for r in self._pending)
            os.replace(tmp, self.journal)
        except OSError:
            log.warning("audit journal %s not rewritten", self.journal, exc_info=True)

    # ---- writing ---------------------------------------------------------------------------
    @property
    def pending(self) -> int:
        """Rows recorded but not yet in the store."""
        with self._lock:
            return len(self._pending)

    def flush(self) -> bool:
        """Write what is queued now (waits for the store's turn); True when nothing is left queued."""
        return self._drain()

    def _drain(self) -> bool:
        with self._drain_lock:
            with self._lock:
                batch = list(self._pending)
            if not batch:
                return True
            try:
                with self.ctx.store.work() as con:
                    audit_repo.merge(con, batch)
                written = batch
            except StateError:  # the store stays busy: the rows wait, queued and journalled
                log.warning("audit rows not written yet (%d queued)", len(batch), exc_info=True)
                return False
            except Exception:  # a row the table refuses must not hold back the others
                log.warning("audit batch refused; writing its rows one by one", exc_info=True)
                written = self._one_by_one(batch)
            with self._lock:
                done = {id(r) for r in written}
                self._pending = [r for r in self._pending if id(r) not in done]
                self._rewrite_journal()
                return not self._pending

    def _one_by_one(self, batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Write each row in its own unit of work; a row the store refuses for what it holds is set
        aside in `<journal>.refused` (kept, for a look) instead of blocking the queue."""
        written = []
        for row in batch:
            try:
                with self.ctx.store.work() as con:
                    audit_repo.merge(con, [row])
            except StateError:
                break  # busy again: the rest waits
            except Exception:
                log.exception("audit row refused by the store, set aside in %s.refused", self.journal.name)
                self._set_aside(row)
            written.append(row)
        return written

    def _set_aside(self, row: dict[str, Any]) -> None:
        try:
            fd = os.open(self.journal.with_suffix(".refused"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as out:
                out.write(_to_json(row) + "\n")
        except OSError:
            log.warning("refused audit row not set aside", exc_info=True)

    def _start_writer(self) -> None:
        if self._writer is not None and self._writer.is_alive():
            return
        with self._lock:
            if self._writer is not None and self._writer.is_alive():
                return
            self._writer = threading.Thread(target=self._write_loop, name="sbf-audit-writer", daemon=True)
            self._writer.start()

    def _write_loop(self) -> None:
        failures = 0
        while True:
            self._wake.wait(_RETRY_AFTER[min(failures, len(_RETRY_AFTER) - 1)] if failures else 5.0)
            self._wake.clear()
            if self.pending:
                failures = 0 if self._drain() else failures + 1
            if self._stop.is_set():
                return
            with self._lock:
                if not self._pending:  # idle: the next record starts a writer again
                    self._writer = None
                    return

    def close(self, timeout: float = 2.0) -> None:
        """Let the writer write what is queued (waiting at most `timeout`) and stop it; what the store
        had no turn for stays in the journal for the next workbench of the folder."""
        self._stop.set()
        self._wake.set()
        writer = self._writer
        if writer is not None and writer.is_alive() and writer is not threading.current_thread():
            writer.join(timeout)

    def _recover(self) -> None:
        """Merge the journals of processes that died before writing them."""
        try:
            names = sorted(p for p in self.folder.glob("*.jsonl") if p != self.journal)
        except OSError:
            return
        for path in names:
            try:
                pid = int(path.name.split("-")[0])
            except ValueError:
                continue
            if pid == os.getpid() or pid_alive(pid):
                continue
            try:
                rows = []
                for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                    if not line.strip():
                        continue
                    try:
                        rows.append(_from_json(line))
                    except ValueError:  # a line cut by the crash: nothing of it was ever confirmed
                        log.warning("audit journal %s: unreadable line skipped", path)
                with self.ctx.store.work() as con:
                    audit_repo.merge(con, rows)
                path.unlink()
            except Exception:  # the journal stays for the next try; never blocks opening the folder
                log.warning("audit journal %s not recovered", path, exc_info=True)

    # ---- reading ---------------------------------------------------------------------------
    def query(self, filters: AuditFilter | None = None, page: int = 1,
              page_size: int = 50) -> tuple[pd.DataFrame, int]:
        """One page of the trail, newest first, and the number of entries the filters match."""
        checked = AUDIT_LIST.check(filters)
        self._drain()
        with self.ctx.store.read() as con:
            return audit_repo.query_page(con, checked, page=max(1, int(page)), page_size=max(1, int(page_size)))

    def frame(self, filters: AuditFilter | None = None) -> pd.DataFrame:
        """Every entry the filters match, newest first (never truncated)."""
        checked = AUDIT_LIST.check(filters)
        self._drain()
        with self.ctx.store.read() as con:
            return audit_repo.all_rows(con, checked)

    def export(self, filters: AuditFilter | None = None) -> bytes:
        """The entries the filters match as an .xlsx (labels as on screen)."""
        df = self.frame(filters)[list(COLUMNS)]
        buffer = io.BytesIO()
        export_dataframe(df, buffer, sheet_name="操作日志", headers=COLUMNS)
        return buffer.getvalue()

    def choices(self) -> dict[str, list[Any]]:
        """For the query form: {"units": [(unit_id, name), ...], "operations": [...], "outcomes": [...]}."""
        self._drain()
        with self.ctx.store.read() as con:
            present = audit_repo.choices(con)
        operations = list(dict.fromkeys([*KNOWN_OPERATIONS, *present["operations"]]))
        return {"units": present["units"], "operations": operations, "outcomes": list(OUTCOMES)}


@atexit.register
def _close_all() -> None:
    # Before the store's own exit handler (registered earlier, so it runs later): a writer thread
    # must not be inside DuckDB when the interpreter goes.
    for service in list(_services):
        with contextlib.suppress(Exception):
            service.close(timeout=2.0)
