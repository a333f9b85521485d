"""备份恢复 (SET-2): back up now, automatic backup on exit keeping at most N copies, and restore after a
safety backup of the current state (manual 4.2).

    wb.backup.backup()                      # 立即备份 to the default folder <data>/backups
    wb.backup.backup("/mnt/u盘/社保备份")     # ... or to a chosen folder
    wb.backup.save_auto_settings(AutoBackupSettings(enabled=True, folder="", keep=5))
    wb.backup.backups()                     # the default list (default folder and the auto folder)
    wb.backup.restore(path)                 # checked, safety backup, then put in place

A backup is one file, `社保费备份-YYYYMMDD-HHMMSS.sbfbak` (自动备份-…, 恢复前备份-… for the other
kinds): a zip holding `sbf.duckdb`, a consistent copy of the store taken in its turn
(`sbflib.store.backup.snapshot`), and `manifest.json` (format, schema version, time, app version,
each table's row count and the sha256 of the database). A restore checks all of that before it
touches anything: a damaged or foreign file is refused in Chinese and nothing changes, not even the
backup folder. The archive is written under a hidden temporary name and linked to its final name
when complete, so a process killed mid-backup leaves no half file under a backup's name.

The secret key (`client/secret.key`, which seals the saved proxy password) is not in the backup:
restored elsewhere, the proxy password is typed again. The local password (登录密码, with its failed
tries), the automatic-backup settings, the proxy, the bureau's address and the installed modules are
the installation's, not the data's: a restore keeps the current ones (`KEPT_SETTINGS`,
`PREFERRED_SETTINGS`: an old backup must not bring back an old password or remove one), and the audit
trail (操作日志) records calls that did happen at the bureau: a restore keeps its current rows and
the backup's older ones. Both are written into the restored file before it is put in place.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import secrets
import threading
import time
import weakref
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import duckdb

from sbflib.domain import clock
from sbflib.errors import SbfError, StateError, ValidationError, service_edge
from sbflib.store import backup as files
from sbflib.store import settings as settings_repo
from sbflib.store.db import Store, make_private_folder, pid_alive
from sbflib.system.local_password import KEY as LOCAL_PASSWORD_KEY
from sbflib.system.local_password import TRIES_KEY as LOCAL_PASSWORD_TRIES_KEY
from sbflib.version import __version__

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

Kind = Literal["manual", "auto", "safety"]
FORMAT = "sbf-client-backup"
FORMAT_VERSION = 1
SUFFIX = ".sbfbak"
DB_MEMBER = "sbf.duckdb"
MANIFEST_MEMBER = "manifest.json"
PREFIX: dict[str, str] = {"manual": "社保费备份", "auto": "自动备份", "safety": "恢复前备份"}
KIND_LABEL: dict[str, str] = {"manual": "手动备份", "auto": "自动备份", "safety": "恢复前备份"}
SETTINGS_KEY = "backup.auto"
DEFAULT_KEEP = 5
# Settings of the installation, not of the data. A restore leaves these exactly as they are, set or
# not (an old backup neither brings back an old 登录密码 nor removes one; the keys are SET-3's) ...
KEPT_SETTINGS = (LOCAL_PASSWORD_KEY, LOCAL_PASSWORD_TRIES_KEY)
# ... and keeps these when this store has them, else takes the backup's (a new folder gets them):
# 自动备份, the proxy (its password is sealed by this folder's key), the bureau's address, the modules.
PREFERRED_SETTINGS = (SETTINGS_KEY, "proxy", "gateway_url", "modules")
# Tables that record what happened rather than hold the clerk's data: a restore merges the current
# rows into the backup's by key (the audit trail of calls made at the bureau loses no entry).
KEPT_TABLES: dict[str, tuple[str, str | None]] = {"audit_log": ("record_id", "audit_log_seq")}
MAX_KEEP = 100

_NOT_OURS = "所选文件不是本客户端的备份文件，不能恢复"
_DAMAGED = "备份文件已损坏（校验不通过），不能恢复，请选择其他备份文件"


@dataclass(frozen=True)
class AutoBackupSettings:
    """自动备份: on exit when `enabled`, into `folder` ("" = the default folder), keeping `keep` copies."""

    enabled: bool = False
    folder: str = ""
    keep: int = DEFAULT_KEEP


@dataclass(frozen=True)
class BackupInfo:
    """One backup file as its manifest describes it (checked against its checksum by `check`)."""

    path: Path
    kind: str
    created_at: dt.datetime
    size: int
    app_version: str
    schema_version: int
    tables: dict[str, int] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def kind_label(self) -> str:
        return KIND_LABEL.get(self.kind, "备份")

    @property
    def size_text(self) -> str:
        return size_text(self.size)


@dataclass(frozen=True)
class BackupResult:
    """The file a backup wrote: its path, size and what it holds."""

    info: BackupInfo
    seconds: float

    @property
    def path(self) -> Path:
        return self.info.path

    @property
    def size(self) -> int:
        return self.info.size

    @property
    def message(self) -> str:
        return (f"备份成功。备份文件：{self.info.name}，大小：{self.info.size_text}，"
                f"保存位置：{self.info.path.parent}")


@dataclass(frozen=True)
class RestoreResult:
    """What a restore put back, and where the state before it was kept."""

    restored: BackupInfo
    safety: BackupResult

    @property
    def message(self) -> str:
        return (f"恢复成功。已恢复为 {self.restored.created_at:%Y-%m-%d %H:%M:%S} 的备份（{self.restored.name}）。"
                f"恢复前的数据已备份为 {self.safety.info.name}，如需可再次恢复。")


def size_text(size: int) -> str:
    """'12.3 MB' style, for the clerk."""
    if size < 1024:
        return f"{size} 字节"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


# -- the archive --------------------------------------------------------------------------------------
def _read_manifest(path: Path) -> dict[str, Any]:
    """The manifest of a backup file; ValidationError (not ours) when it has none we understand."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if MANIFEST_MEMBER not in names or DB_MEMBER not in names:
                raise ValidationError(_NOT_OURS, code="BACKUP_NOT_OURS")
            manifest = json.loads(zf.read(MANIFEST_MEMBER).decode("utf-8"))
    except FileNotFoundError:
        raise ValidationError("备份文件不存在，请重新选择", code="BACKUP_MISSING") from None
    except IsADirectoryError:
        raise ValidationError("请选择备份文件，而不是文件夹", code="BACKUP_MISSING") from None
    except (zipfile.BadZipFile, UnicodeDecodeError, json.JSONDecodeError, OSError, EOFError) as exc:
        if _looks_like_zip(path):  # a zip that does not read to the end: cut off or damaged
            raise _refusal(_DAMAGED, "BACKUP_DAMAGED", exc) from None
        raise _refusal(_NOT_OURS, "BACKUP_NOT_OURS", exc) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ValidationError(_NOT_OURS, code="BACKUP_NOT_OURS")
    return manifest


def _looks_like_zip(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def _refusal(message: str, code: str, exc: BaseException | str) -> ValidationError:
    err = ValidationError(message, code=code)
    err.detail = str(exc)
    return err


def _info(path: Path, manifest: dict[str, Any]) -> BackupInfo:
    try:
        return BackupInfo(
            path=path,
            kind=str(manifest.get("kind", "manual")),
            created_at=dt.datetime.fromisoformat(str(manifest["created_at"])),
            size=path.stat().st_size,
            app_version=str(manifest.get("app_version", "")),
            schema_version=int(manifest["schema_version"]),
            tables={str(k): int(v) for k, v in dict(manifest["tables"]).items()},
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise _refusal(_NOT_OURS, "BACKUP_NOT_OURS", exc) from None


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _hidden_temp(folder: Path, what: str) -> Path:
    """A draft's name: hidden, never listed as a backup, naming the process that writes it."""
    _sweep(folder)
    return folder / f".sbf-{what}-{os.getpid()}-{secrets.token_hex(6)}.tmp"


def _sweep(folder: Path) -> None:
    """Remove drafts left by a process that was killed mid-backup or mid-restore (they hold a whole
    copy of the data)."""
    with contextlib.suppress(OSError):
        for draft in folder.glob(".sbf-*-*-*.tmp"):
            try:
                pid = int(draft.name.split("-")[2])
            except (IndexError, ValueError):
                continue
            if pid != os.getpid() and not pid_alive(pid):
                for leftover in (draft, draft.with_name(draft.name + ".wal")):
                    with contextlib.suppress(FileNotFoundError):
                        leftover.unlink()


def _publish(draft: Path, folder: Path, stem: str) -> Path:
    """Give a complete draft its final name (`stem`.sbfbak, or `stem`-2 … when taken), never replacing a file."""
    for n in range(1, 1000):
        final = folder / (f"{stem}{SUFFIX}" if n == 1 else f"{stem}-{n}{SUFFIX}")
        try:
            os.link(draft, final)
        except FileExistsError:
            continue
        draft.unlink()
        _fsync_folder(folder)
        return final
    raise StateError("备份文件名已被占用，请稍后重试", detail=f"{folder}/{stem}")


@service_edge
class BackupService:
    """备份恢复 (SET-2) of one data folder's store."""

    def __init__(self, store: Store, data_dir: Path) -> None:
        self.store = store
        self.data_dir = Path(data_dir)
        self._exit_lock = threading.Lock()
        self._exited = False
        _on_exit.add(self)

    # -- folders --------------------------------------------------------------------------------
    @property
    def default_folder(self) -> Path:
        """默认备份路径: <data>/backups."""
        return self.data_dir / "backups"

    def _folder(self, folder: str | Path | None) -> Path:
        """A folder the clerk typed (or the default), made 0700 when it does not exist yet."""
        if folder is None or not str(folder).strip():
            chosen = self.default_folder
        else:
            chosen = Path(str(folder).strip()).expanduser()
            if not chosen.is_absolute():
                raise ValidationError("请填写完整的文件夹路径，例如 /home/用户名/社保备份", field="备份路径",
                                      code="BACKUP_FOLDER")
        if chosen.exists() and not chosen.is_dir():
            raise ValidationError("所填路径是文件，不是文件夹", field="备份路径", code="BACKUP_FOLDER")
        try:
            make_private_folder(chosen)
        except OSError as exc:
            err = ValidationError("无法创建备份文件夹，请检查路径和权限", field="备份路径", code="BACKUP_FOLDER")
            err.detail = str(exc)
            raise err from None
        if not os.access(chosen, os.W_OK | os.X_OK):
            raise ValidationError("没有写入该文件夹的权限，请选择其他文件夹", field="备份路径", code="BACKUP_FOLDER")
        return chosen

    # -- 立即备份 ---------------------------------------------------------------------------------
    def backup(self, folder: str | Path | None = None) -> BackupResult:
        """立即备份 to `folder` (default <data>/backups). The result names the file and its size."""
        return self._backup(self._folder(folder), "manual")

    def _backup(self, folder: Path, kind: Kind) -> BackupResult:
        started = time.perf_counter()
        raw = _hidden_temp(folder, "copy")
        draft = _hidden_temp(folder, "backup")
        try:
            try:
                shot = files.snapshot(self.store, raw)
            except OSError as exc:
                raise _state("备份失败：无法写入备份文件夹，请检查磁盘空间和权限", exc) from None
            except duckdb.Error as exc:
                raise _state("备份失败：本地数据库暂时无法读取，请稍后重试", exc) from None
            created = clock.now()
            digest = hashlib.sha256()
            with raw.open("rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    digest.update(chunk)
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "product": "社保费管理客户端",
                "kind": kind,
                "created_at": created.isoformat(),
                "app_version": __version__,
                "schema_version": shot.schema_version,
                "tables": shot.tables,
                "database": {"name": DB_MEMBER, "bytes": raw.stat().st_size, "sha256": digest.hexdigest()},
            }
            try:
                fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as out:
                    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
                        zf.write(raw, DB_MEMBER)
                        zf.writestr(MANIFEST_MEMBER, json.dumps(manifest, ensure_ascii=False, indent=1))
                    out.flush()
                    os.fsync(out.fileno())
                final = _publish(draft, folder, f"{PREFIX[kind]}-{created:%Y%m%d-%H%M%S}")
            except OSError as exc:
                raise _state("备份失败：无法写入备份文件夹，请检查磁盘空间和权限", exc) from None
        finally:
            for leftover in (raw, draft):
                with contextlib.suppress(FileNotFoundError):
                    leftover.unlink()
        info = _info(final, manifest)
        log.info("backup %s written (%d bytes)", final, info.size)
        return BackupResult(info, time.perf_counter() - started)

    # -- 自动备份 ---------------------------------------------------------------------------------
    def auto_settings(self) -> AutoBackupSettings:
        with self.store.read() as con:
            saved = settings_repo.read(con, SETTINGS_KEY, {}) or {}
        return AutoBackupSettings(enabled=bool(saved.get("enabled", False)), folder=str(saved.get("folder") or ""),
                                  keep=int(saved.get("keep", DEFAULT_KEEP)))

    def save_auto_settings(self, settings: AutoBackupSettings) -> AutoBackupSettings:
        """保存 the 自动备份 settings: the folder is checked (made when missing), 1 ≤ keep ≤ 100."""
        try:
            keep = int(settings.keep)
        except (TypeError, ValueError):
            raise ValidationError("备份份数应为整数", field="保留份数", code="BACKUP_KEEP") from None
        if not 1 <= keep <= MAX_KEEP:
            raise ValidationError(f"保留份数应在1至{MAX_KEEP}之间", field="保留份数", code="BACKUP_KEEP")
        folder = str(settings.folder or "").strip()
        if folder:
            folder = str(self._folder(folder))
            if Path(folder) == self.default_folder:
                folder = ""
        clean = AutoBackupSettings(enabled=bool(settings.enabled), folder=folder, keep=keep)
        with self.store.work() as con:
            settings_repo.write(con, SETTINGS_KEY, {"enabled": clean.enabled, "folder": clean.folder,
                                                    "keep": clean.keep})
        return clean

    def auto_folder(self) -> Path:
        return Path(self.auto_settings().folder or self.default_folder)

    def auto_backup(self) -> BackupResult | None:
        """The backup on exit: when 启动自动备份 is on, one 自动备份 file, then the oldest 自动备份
        files of that folder beyond `keep` are deleted (other backups are never deleted)."""
        settings = self.auto_settings()
        if not settings.enabled:
            return None
        folder = self._folder(settings.folder or None)
        result = self._backup(folder, "auto")
        self._prune(folder, settings.keep)
        return result

    def _prune(self, folder: Path, keep: int) -> None:
        autos = sorted((p for p in folder.glob(f"{PREFIX['auto']}-*{SUFFIX}") if p.is_file()),
                       key=lambda p: (p.stat().st_mtime_ns, p.name))
        for old in autos[: max(0, len(autos) - keep)]:
            with contextlib.suppress(FileNotFoundError):
                old.unlink()
                log.info("auto backup %s deleted (keeping %d)", old, keep)

    def on_exit(self) -> BackupResult | None:
        """退出时自动备份: run by `Workbench.close()` and at interpreter exit (a dashboard kernel's
        shutdown), once per workbench. Failures are logged, never raised: exiting must not fail."""
        with self._exit_lock:
            if self._exited:
                return None
            self._exited = True
        _on_exit.discard(self)
        if not self.store.path.exists():
            return None
        try:
            return self.auto_backup()
        except SbfError as exc:
            log.warning("auto backup on exit failed: %s (%s)", exc, getattr(exc, "detail", ""))
        except Exception:  # an exit hook must not raise
            log.exception("auto backup on exit failed")
        return None

    # -- the default list -------------------------------------------------------------------------
    def backups(self, folder: str | Path | None = None) -> list[BackupInfo]:
        """Backups in `folder`, or the default list (default folder and the 自动备份 folder), newest
        first. Files that are not readable backups are left out; their checksums are checked on restore."""
        if folder is not None and str(folder).strip():
            chosen = Path(str(folder).strip()).expanduser()
            if not chosen.is_dir():
                raise ValidationError("备份文件夹不存在", field="备份路径", code="BACKUP_FOLDER")
            folders = [chosen]
        else:
            folders = [self.default_folder]
            with contextlib.suppress(SbfError):
                auto = self.auto_folder()
                if auto != self.default_folder:
                    folders.append(auto)
        found: list[BackupInfo] = []
        for place in folders:
            if not place.is_dir():
                continue
            try:
                candidates = [p for p in place.glob(f"*{SUFFIX}") if not p.name.startswith(".")]
            except OSError:
                continue
            for path in candidates:
                try:
                    found.append(_info(path, _read_manifest(path)))
                except SbfError:
                    continue
        return sorted(found, key=lambda b: (b.created_at, _mtime(b.path), b.name), reverse=True)

    def frame(self, folder: str | Path | None = None) -> pd.DataFrame:
        """`backups(folder)` as a pandas DataFrame (the 备份恢复 list), newest first: name, kind
        (手动备份 / 自动备份 …), created_at, size (bytes), size_text, app_version, schema_version, path."""
        import pandas as pd  # imported on use: the module stays light

        columns = ["name", "kind", "created_at", "size", "size_text", "app_version", "schema_version", "path"]
        return pd.DataFrame([{"name": b.name, "kind": b.kind_label, "created_at": b.created_at, "size": b.size,
                              "size_text": b.size_text, "app_version": b.app_version,
                              "schema_version": b.schema_version, "path": str(b.path)}
                             for b in self.backups(folder)], columns=columns)

    # -- 恢复 -------------------------------------------------------------------------------------
    def check(self, path: str | Path) -> BackupInfo:
        """Read a backup's manifest and check its database against the checksum (nothing changes)."""
        source = self._backup_file(path)
        manifest = _read_manifest(source)
        info = _info(source, manifest)
        draft = _hidden_temp(self.store.path.parent, "check")
        try:
            self._extract_checked(source, manifest, draft)
            self._prepare(draft, info)
        finally:
            _remove_database(draft)
        return info

    def restore(self, path: str | Path) -> RestoreResult:
        """恢复 from a backup file: checked first (checksum, format, tables); a damaged or foreign file
        is refused and nothing changes. Then a 恢复前备份 of the current state goes to the default
        folder and the backup's database replaces the store in one rename."""
        source = self._backup_file(path)
        manifest = _read_manifest(source)
        info = _info(source, manifest)
        with self.store.read() as con:
            keep = files.raw_settings(con, KEPT_SETTINGS)
            keep |= {k: v for k, v in files.raw_settings(con, PREFERRED_SETTINGS).items() if v is not None}
        draft = _hidden_temp(self.store.path.parent, "restore")
        safety: list[BackupResult] = []
        try:
            self._extract_checked(source, manifest, draft)
            ready = self._prepare(draft, info, keep)
            folder = self._folder(None)

            def safety_backup(_current: Path) -> None:
                # The store is closed and the turn held: a plain copy of the file is its last state.
                safety.append(self._safety_from_closed(folder))

            try:
                seen = files.replace(self.store, draft, before_swap=safety_backup, carried=KEPT_TABLES)
            except (OSError, duckdb.Error) as exc:
                raise _state("恢复失败，当前数据未改变：无法替换本地数据库文件，请稍后重试", exc) from None
        finally:
            _remove_database(draft)
        expected = {name: rows for name, rows in ready.tables.items() if name not in KEPT_TABLES}
        if {name: rows for name, rows in seen.items() if name not in KEPT_TABLES} != expected:
            # the store reopened on the restored file, not on a database instance kept alive
            raise StateError("恢复后的数据与备份不一致，请关闭其他窗口后重新打开客户端再检查",
                             detail=f"counts after the swap {seen} differ from {ready.tables}")
        log.info("restored %s (safety backup %s)", source, safety[0].path)
        return RestoreResult(info, safety[0])

    def _safety_from_closed(self, folder: Path) -> BackupResult:
        """恢复前备份 of the closed store file (called with the turn held and the connection closed)."""
        started = time.perf_counter()
        created = clock.now()
        digest = hashlib.sha256()
        with self.store.path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
        con = duckdb.connect(str(self.store.path), read_only=True)
        try:
            tables = files.table_counts(con)
            version = files.schema_version(con)
        finally:
            con.close()
        manifest = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "product": "社保费管理客户端", "kind": "safety",
            "created_at": created.isoformat(), "app_version": __version__, "schema_version": version,
            "tables": tables,
            "database": {"name": DB_MEMBER, "bytes": self.store.path.stat().st_size, "sha256": digest.hexdigest()},
        }
        draft = _hidden_temp(folder, "backup")
        try:
            fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
                    zf.write(self.store.path, DB_MEMBER)
                    zf.writestr(MANIFEST_MEMBER, json.dumps(manifest, ensure_ascii=False, indent=1))
                out.flush()
                os.fsync(out.fileno())
            final = _publish(draft, folder, f"{PREFIX['safety']}-{created:%Y%m%d-%H%M%S}")
        except OSError as exc:
            raise _state("恢复前备份失败，未做恢复：请检查磁盘空间和权限", exc) from None
        finally:
            with contextlib.suppress(FileNotFoundError):
                draft.unlink()
        return BackupResult(_info(final, manifest), time.perf_counter() - started)

    def _backup_file(self, path: str | Path) -> Path:
        text = str(path or "").strip()
        if not text:
            raise ValidationError("请选择要恢复的备份文件", field="备份文件", code="BACKUP_MISSING")
        chosen = Path(text).expanduser()
        if not chosen.is_absolute():
            raise ValidationError("请填写备份文件的完整路径", field="备份文件", code="BACKUP_MISSING")
        return chosen

    def _extract_checked(self, source: Path, manifest: dict[str, Any], target: Path) -> None:
        """The backup's database written to `target` (0600) while its sha256 is computed and compared."""
        expected = str(dict(manifest.get("database") or {}).get("sha256", ""))
        if len(expected) != 64:
            raise ValidationError(_NOT_OURS, code="BACKUP_NOT_OURS")
        digest = hashlib.sha256()
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out, zipfile.ZipFile(source) as zf, zf.open(DB_MEMBER) as member:
                for chunk in iter(lambda: member.read(1 << 20), b""):
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
        except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as exc:  # a bad CRC, a cut-off file
            raise _refusal(_DAMAGED, "BACKUP_DAMAGED", exc) from None
        except OSError as exc:
            raise _state("恢复失败：无法读取备份文件或写入数据文件夹", exc) from None
        if digest.hexdigest() != expected:
            raise _refusal(_DAMAGED, "BACKUP_DAMAGED", f"sha256 {digest.hexdigest()} != manifest {expected}")

    def _prepare(self, draft: Path, info: BackupInfo, keep: dict[str, str | None] | None = None) -> files.Snapshot:
        """Open the extracted database on its own: it must be ours, as the manifest says, and not
        newer than this client; then it is migrated to this client's schema (returned as migrated)."""
        if info.schema_version > files.latest_schema_version():
            raise ValidationError("该备份由较新版本的客户端生成，请先升级客户端再恢复", code="BACKUP_NEWER")
        try:
            found, ready = files.prepare_restored(draft, keep)
        except (duckdb.Error, ValueError) as exc:
            raise _refusal(_NOT_OURS, "BACKUP_NOT_OURS", exc) from None
        if found.tables != info.tables or found.schema_version != info.schema_version:
            raise _refusal(_DAMAGED, "BACKUP_DAMAGED", f"tables {found.tables} != manifest {info.tables}")
        return ready


def _state(message: str, exc: BaseException) -> StateError:
    return StateError(message, detail=str(exc))


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


def _remove_database(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()


# -- 退出时自动备份 ----------------------------------------------------------------------------------
_on_exit: weakref.WeakSet[BackupService] = weakref.WeakSet()


@atexit.register
def _auto_backups_at_exit() -> None:
    """A dashboard kernel's shutdown (and any script's end): each open workbench's automatic backup.
    Registered after the store module's own exit hook, so it runs first, while the store still opens."""
    for service in list(_on_exit):
        service.on_exit()
