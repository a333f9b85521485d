"""Is the client store sound? (修复, SYS-2; after an upgrade, SYS-1.)

`check(path)` opens the store as the workbench does (so an older schema is migrated first, its rows
kept), takes its turn (`store/db.py`), runs CHECKPOINT (everything committed reaches the main file),
reads every row of every table (a damaged block shows up as a read error, not as a wrong count) and
compares the schema version with the newest migration the program ships. Nothing is written but the
checkpoint and the migrations the program would apply anyway.

The turn is taken with `Store.turn()` (no transaction): CHECKPOINT may not run inside the transaction
that `Store.work()` opens.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from sbflib.errors import SbfError
from sbflib.store.db import Store, _migrations


@dataclass(frozen=True)
class StoreCheck:
    """What the check found. `ok` is True when the store opened, every table read and the schema is current."""

    path: str
    exists: bool
    opened: bool
    schema_version: int = 0
    latest_version: int = 0
    tables: dict[str, int] = field(default_factory=dict)
    problems: tuple[str, ...] = ()
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.opened and not self.problems and self.schema_version == self.latest_version


def latest_schema_version() -> int:
    """The newest migration this program ships."""
    return max(version for version, _sql in _migrations())


def table_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main' ORDER BY table_name").fetchall()
    return [str(r[0]) for r in rows]


def _read_all(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """Rows of `table`, every column of every row read (a hash of the row), so a bad block fails here."""
    quoted = '"' + table.replace('"', '""') + '"'
    return int(con.execute(f"SELECT count(*), bit_xor(hash(t)) FROM {quoted} AS t").fetchall()[0][0])


def check(path: Path | str, *, store: Store | None = None) -> StoreCheck:
    """Open (and migrate) the store at `path`, checkpoint it and read every table."""
    path = Path(path)
    latest = latest_schema_version()
    if store is None and not path.exists():
        return StoreCheck(str(path), exists=False, opened=False, latest_version=latest,
                          problems=("本地数据库文件不存在（首次使用时会自动创建）",))
    try:
        store = store or Store(path)
    except SbfError as exc:
        return StoreCheck(str(path), exists=True, opened=False, latest_version=latest,
                          problems=(f"本地数据库无法打开：{exc}",), detail=exc.detail)
    except (duckdb.Error, OSError) as exc:
        return StoreCheck(str(path), exists=True, opened=False, latest_version=latest,
                          problems=("本地数据库无法打开，文件可能已损坏，请从备份恢复",), detail=str(exc))
    problems: list[str] = []
    details: list[str] = []
    tables: dict[str, int] = {}
    version = 0
    try:
        with store.turn() as con:
            try:
                con.execute("CHECKPOINT")
            except duckdb.Error as exc:
                problems.append("本地数据库写入磁盘失败")
                details.append(f"CHECKPOINT: {exc}")
            for name in table_names(con):
                try:
                    tables[name] = _read_all(con, name)
                except duckdb.Error as exc:
                    problems.append(f"数据表{name}无法读取")
                    details.append(f"{name}: {exc}")
            rows = con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchall()
            version = int(rows[0][0])
    except SbfError as exc:
        problems.append(f"本地数据库无法读取：{exc}")
        details.append(exc.detail)
    except duckdb.Error as exc:
        problems.append("本地数据库无法读取，文件可能已损坏，请从备份恢复")
        details.append(str(exc))
    if version and version != latest:
        problems.append(f"本地数据库结构版本为{version}，程序需要{latest}")
    return StoreCheck(str(path), exists=True, opened=True, schema_version=version, latest_version=latest,
                      tables=tables, problems=tuple(problems), detail="\n".join(d for d in details if d))
