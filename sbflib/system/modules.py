"""业务模块、修复 (SYS-2): which businesses this installation serves, adding and removing them, and
修复 (putting the program, its templates and configuration back without touching data).

Modules. The installation serves 用人单位业务, 代收单位业务 or both, as far as the chosen region has them
online. The choice is kept in the client store (setting `modules`, a list in the order below); a
data folder without it (made before modules were recorded, or never installed with `sbf install`)
serves every module its region offers. 单位管理 shows a button for each module that is installed and
offered (`shown()`).

    wb.modules.status()                      -> [ModuleStatus]  label, offered, installed, units kept
    wb.modules.install("collector")          添加 (also `sbf install --module collector`)
    wb.modules.uninstall("collector", confirmed=True)   卸载: the units and their rows stay
    wb.modules.delete_data("collector", confirmed=True) the second, separate choice: delete them
    wb.modules.repair()                      -> RepairReport   (also `sbf repair`)

Removing a module keeps its data: its units, rosters and groups stay in the store and come back
when the module is added again. Deleting them is a second call, refused while the module is
installed and without `confirmed=True`. The audit trail is never deleted.

The data folder (`layout()`):

    <data>/                 0700
      client/               0700  sbf.duckdb (the store: all data), secret.key
      config.json           0600  the installation: product, program version, when installed / repaired
      templates/            0700  the blank import templates a clerk fills in (written by the program)
      exports/              0700  where scripts and pages put exports

修复 (`repair`): program files checked against the installed RECORD and reinstalled with pip where the
install allows it (`sbf.system.package`); the folders above re-created with their modes, missing or
unreadable `config.json` written again with the defaults, the templates written again; files in
the client folder made 0600; then the store is checked (`sbflib.store.integrity`). Data is never
changed (the store is only opened, migrated if old, checkpointed and read).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sbflib.domain import clock
from sbflib.errors import StateError, ValidationError, service_edge
from sbflib.io.templates import employee_group_template_bytes, group_template_bytes
from sbflib.store import integrity
from sbflib.store import settings as settings_repo
from sbflib.store.db import Store, make_private_folder
from sbflib.system.context import CurrentUnit
from sbflib.system.package import ProgramCheck, Runner, check_program, run_command
from sbflib.version import __version__

if TYPE_CHECKING:
    import pandas as pd

MODULES: dict[str, str] = {"employer": "用人单位业务", "collector": "代收单位业务"}
PRODUCT = "社保费管理客户端"
SETTING = "modules"
CONFIRM_UNINSTALL = "是否确认卸载{label}？卸载后该业务的单位及数据仍保留在本机，重新添加该业务即可继续使用。"
CONFIRM_DELETE = "是否确认删除{label}的全部本地数据（{units}个单位及其职工、分组等）？删除后不能恢复。"

#: The blank templates kept in `<data>/templates/` (file name -> how the program writes it).
TEMPLATES: dict[str, Callable[[], bytes]] = {
    "批量导入分组模板.xlsx": group_template_bytes,
    "批量编辑职工分组模板.xlsx": employee_group_template_bytes,
}
#: Tables never emptied by 删除数据 (the record of what was done at the bureau).
KEPT_TABLES_PREFIX = ("audit",)


def default_config() -> dict[str, str]:
    now = clock.now().isoformat(timespec="seconds")
    return {"product": PRODUCT, "version": __version__, "installed_at": now}


def check_module(module: object) -> str:
    if not isinstance(module, str) or module not in MODULES:
        raise ValidationError("业务应为用人单位业务（employer）或代收单位业务（collector）", field="业务",
                              code="UNKNOWN_MODULE")
    return module


def _ordered(modules: object) -> list[str]:
    given = set(modules) if isinstance(modules, list | tuple | set) else set()
    return [m for m in MODULES if m in given]


@dataclass(frozen=True)
class ModuleStatus:
    module: str
    label: str
    offered: bool       # the region has it online (True while no region is chosen)
    installed: bool
    units: int          # units of this module kept in the store

    @property
    def state(self) -> str:
        """已安装 / 未安装 / 未安装（数据保留） / 本地区未上线."""
        if self.installed:
            return "已安装"
        if not self.offered:
            return "本地区未上线"
        return "未安装（数据保留）" if self.units else "未安装"


@dataclass(frozen=True)
class RepairReport:
    """What 修复 did and found."""

    program: ProgramCheck
    layout: tuple[str, ...]           # what was put back in the data folder (Chinese, one line each)
    store: integrity.StoreCheck
    modules: tuple[str, ...] = ()
    finished_at: str = ""

    @property
    def ok(self) -> bool:
        return self.program.ok and self.store.ok

    @property
    def lines(self) -> list[str]:
        """The report in Chinese, one line per finding (the CLI prints it, 关于 shows it)."""
        out: list[str] = []
        p = self.program
        if p.ok and not p.ran:
            out.append(f"程序文件：完好（已校验{p.checked}个文件）" if p.checked else "程序文件：完好")
        elif p.repaired:
            out.append(f"程序文件：{len(p.bad) + len(p.missing_resources)}个文件缺失或被改动，已重新安装")
        else:
            names = "、".join([*p.bad, *p.missing_resources][:5])
            more = "等" if len(p.bad) + len(p.missing_resources) > 5 else ""
            out.append(f"程序文件：{names}{more}缺失或被改动")
            if p.ran:
                out.append(f"重新安装未成功（返回码{p.returncode}），请手工运行：{p.command_text}")
            else:
                out.append(f"请运行以下命令修复程序文件：{p.command_text}")
        out += [f"数据目录：{line}" for line in self.layout] or ["数据目录：完好"]
        s = self.store
        if s.ok:
            rows = sum(s.tables.values())
            out.append(f"本地数据库：完好（{len(s.tables)}张数据表，共{rows}行，结构版本{s.schema_version}）")
        else:
            out += [f"本地数据库：{problem}" for problem in s.problems] or ["本地数据库：异常"]
        out.append("修复完成，数据未作任何改动。" if self.ok else "修复未全部完成，请按上述提示处理。")
        return out

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@service_edge
class ModuleService:
    """`wb.modules`; also opened on a bare data folder by `sbf install` / `sbf repair` (no bureau needed)."""

    def __init__(self, data_dir: Path | str, store: Store | None = None, *,
                 current_unit: Callable[[], CurrentUnit | None] | None = None,
                 runner: Runner = run_command) -> None:
        self.data_dir = Path(data_dir)
        self._store = store
        self._current_unit = current_unit or (lambda: None)
        self._runner = runner

    @property
    def store_path(self) -> Path:
        return self.data_dir / "client" / "sbf.duckdb"

    @property
    def store(self) -> Store:
        """The client store, opened (and migrated) on first use."""
        if self._store is None:
            self._store = Store(self.store_path)
        return self._store

    # -- what is installed ---------------------------------------------------------------------
    def offered(self) -> list[str]:
        """The modules the chosen region has online (both while no region is chosen)."""
        with self.store.read() as con:
            region = settings_repo.read(con, "region")
        if not region:
            return list(MODULES)
        return _ordered(region.get("modules") or list(MODULES)) or list(MODULES)

    def installed(self) -> list[str]:
        with self.store.read() as con:
            saved = settings_repo.read(con, SETTING)
        return _ordered(saved) if saved is not None else self.offered()

    def recorded(self) -> bool:
        """Has the installation's choice been recorded (by `sbf install`, 选择地区 or 关于)?"""
        with self.store.read() as con:
            return settings_repo.read(con, SETTING) is not None

    def shown(self) -> list[str]:
        """The buttons of 单位管理: installed and offered (the region's modules when none is both)."""
        offered = self.offered()
        return [m for m in self.installed() if m in offered] or offered

    def status(self) -> list[ModuleStatus]:
        offered, installed = self.offered(), self.installed()
        with self.store.read() as con:
            counts = dict(con.execute("SELECT module, count(*) FROM units GROUP BY module").fetchall())
        return [ModuleStatus(m, label, m in offered, m in installed, int(counts.get(m, 0)))
                for m, label in MODULES.items()]

    def frame(self) -> pd.DataFrame:
        """`status()` as a pandas DataFrame (业务模块 in 关于): module, label, offered, installed, units, state."""
        import pandas as pd  # imported on use: the module stays light

        return pd.DataFrame([{"module": s.module, "label": s.label, "offered": s.offered, "installed": s.installed,
                              "units": s.units, "state": s.state} for s in self.status()],
                            columns=["module", "label", "offered", "installed", "units", "state"])

    def _status_of(self, module: str) -> ModuleStatus:
        return next(s for s in self.status() if s.module == module)

    # -- 添加 / 卸载 / 删除数据 ------------------------------------------------------------------
    def install(self, module: str) -> ModuleStatus:
        """添加 a module (installing again is harmless). Refused when the region does not offer it."""
        module = check_module(module)
        if module not in self.offered():
            raise ValidationError(f"所选地区尚未上线{MODULES[module]}，不能安装", field="业务",
                                  code="MODULE_NOT_OFFERED")
        self._add([module], exact_if_new=False)
        return self._status_of(module)

    def install_many(self, modules: list[str]) -> list[ModuleStatus]:
        """The installer's choice (one or both, `sbf install`): in a folder where nothing is recorded
        yet exactly these are installed; otherwise they are added (removing is `uninstall`)."""
        chosen = [check_module(m) for m in modules]
        if not chosen:
            raise ValidationError("请至少选择一项业务", field="业务", code="NO_MODULE")
        offered = self.offered()
        for m in chosen:
            if m not in offered:
                raise ValidationError(f"所选地区尚未上线{MODULES[m]}，不能安装", field="业务",
                                      code="MODULE_NOT_OFFERED")
        self._add(chosen, exact_if_new=True)
        return self.status()

    def _add(self, modules: list[str], *, exact_if_new: bool) -> None:
        self.ensure_layout()
        offered = self.offered()
        with self.store.work() as con:  # read and written in one unit: another window may add too
            saved = settings_repo.read(con, SETTING)
            if saved is not None:
                current = _ordered(saved)
            else:  # nothing recorded: the installer's choice, or what was served until now
                current = [] if exact_if_new else offered
            settings_repo.write(con, SETTING, _ordered([*current, *modules]))

    def uninstall(self, module: str, confirmed: bool = False) -> ModuleStatus:
        """卸载: the module's button goes; its units and rows stay. Needs `confirmed` (the clerk
        answered 是 to "是否确认卸载")."""
        module = check_module(module)
        if not confirmed:
            raise ValidationError(CONFIRM_UNINSTALL.format(label=MODULES[module]), code="CONFIRM_REQUIRED")
        unit = self._current_unit()
        if unit is not None and unit.module == module:
            raise StateError(f"当前登录的单位属于{MODULES[module]}，请先在单位管理中切换到其他业务的单位后再卸载")
        with self.store.work() as con:
            saved = settings_repo.read(con, SETTING)
            region = settings_repo.read(con, "region")
            offered = _ordered((region or {}).get("modules") or list(MODULES)) or list(MODULES)
            current = _ordered(saved) if saved is not None else offered
            if module not in current:
                raise StateError(f"{MODULES[module]}未安装")
            if len(current) == 1:
                raise StateError("至少需要保留一项业务；如需卸载整个客户端，请卸载程序后删除数据目录")
            settings_repo.write(con, SETTING, [m for m in current if m != module])
        return self._status_of(module)

    def delete_data(self, module: str, confirmed: bool = False) -> dict[str, int]:
        """删除数据 of a removed module: its units and every row of theirs (rows deleted per table).
        Refused while the module is installed, and without `confirmed`."""
        module = check_module(module)
        if module in self.installed():
            raise StateError(f"{MODULES[module]}仍在使用中，请先卸载该业务再删除其数据")
        if not confirmed:
            units = self._status_of(module).units
            raise ValidationError(CONFIRM_DELETE.format(label=MODULES[module], units=units), code="CONFIRM_REQUIRED")
        deleted: dict[str, int] = {}
        with self.store.work() as con:
            ids = [r[0] for r in con.execute("SELECT unit_id FROM units WHERE module = ?", [module]).fetchall()]
            if not ids:
                return deleted
            con.execute("CREATE OR REPLACE TEMP TABLE _gone_units AS SELECT unnest(?::VARCHAR[]) AS unit_id", [ids])
            tables = [r[0] for r in con.execute(
                "SELECT DISTINCT table_name FROM duckdb_columns() WHERE database_name = current_database() "
                "AND schema_name = 'main' AND column_name = 'unit_id' ORDER BY table_name").fetchall()]
            # Rows that hang off a unit's row by another key first (sync_changes by sync_id).
            if "sync_runs" in tables:
                n = con.execute("DELETE FROM sync_changes WHERE sync_id IN (SELECT sync_id FROM sync_runs "
                                "WHERE unit_id IN (SELECT unit_id FROM _gone_units))").fetchall()
                deleted["sync_changes"] = int(n[0][0]) if n else 0
            for table in tables:
                if table == "units" or table.startswith(KEPT_TABLES_PREFIX):
                    continue
                quoted = '"' + table.replace('"', '""') + '"'
                n = con.execute(f"DELETE FROM {quoted} WHERE unit_id IN (SELECT unit_id FROM _gone_units)").fetchall()
                deleted[table] = int(n[0][0]) if n else 0
            n = con.execute("DELETE FROM units WHERE unit_id IN (SELECT unit_id FROM _gone_units)").fetchall()
            deleted["units"] = int(n[0][0]) if n else 0
            con.execute("DROP TABLE _gone_units")
        return {k: v for k, v in deleted.items() if v}

    # -- the data folder and 修复 ----------------------------------------------------------------
    def config(self) -> dict[str, str]:
        """`<data>/config.json` (the defaults when it is missing or unreadable)."""
        try:
            data = json.loads((self.data_dir / "config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return default_config()
        return data if isinstance(data, dict) else default_config()

    def ensure_layout(self, *, templates: bool = False) -> list[str]:
        """Create what is missing of the data folder layout; with `templates`, write every template
        again. Returns what was done, in Chinese (empty: nothing was missing)."""
        done: list[str] = []
        for folder in (self.data_dir, self.data_dir / "client", self.data_dir / "templates",
                       self.data_dir / "exports"):
            if not folder.is_dir():
                make_private_folder(folder)
                done.append(f"已重建文件夹 {folder.name}")
            elif os.stat(folder).st_mode & 0o077:
                os.chmod(folder, 0o700)
                done.append(f"已将文件夹 {folder.name} 设为仅本人可访问")
        config_path = self.data_dir / "config.json"
        try:
            config = json.loads(config_path.read_text(encoding="utf-8"))
            if not isinstance(config, dict) or config.get("product") != PRODUCT:
                raise ValueError("not our config")
        except FileNotFoundError:
            self._write_private(config_path, json.dumps(default_config(), ensure_ascii=False, indent=2).encode())
            done.append("已恢复默认配置 config.json")
        except (OSError, ValueError):
            self._write_private(config_path, json.dumps(default_config(), ensure_ascii=False, indent=2).encode())
            done.append("配置文件 config.json 已损坏，已恢复默认配置")
        restored = []
        for name, make in TEMPLATES.items():
            path = self.data_dir / "templates" / name
            if templates or not path.is_file() or path.stat().st_size == 0:
                was_there = path.is_file() and path.stat().st_size > 0
                self._write_private(path, make())
                if not was_there:
                    restored.append(name)
        if restored:
            done.append("已恢复模板 " + "、".join(restored))
        for path in (config_path, *(self.data_dir / "client").glob("*")):
            with contextlib.suppress(OSError):
                if path.is_file() and os.stat(path).st_mode & 0o077:
                    os.chmod(path, 0o600)
                    done.append(f"已将文件 {path.name} 设为仅本人可读写")
        return done

    @staticmethod
    def _write_private(path: Path, data: bytes) -> None:
        tmp = path.with_name(f".{path.name}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)

    def repair(self, run_pip: bool | None = None) -> RepairReport:
        """修复: program files, then the data folder's layout, configuration and templates, then the
        store's integrity. `run_pip=None` reinstalls with pip where the install allows it; False
        only reports the command."""
        program = check_program(run=run_pip, runner=self._runner)
        layout = self.ensure_layout(templates=True)
        with contextlib.suppress(OSError, ValueError):
            config = self.config()
            config.update(version=__version__, repaired_at=clock.now().isoformat(timespec="seconds"))
            self._write_private(self.data_dir / "config.json",
                                json.dumps(config, ensure_ascii=False, indent=2).encode())
        if self._store is None and self.store_path.exists():
            store_check = integrity.check(self.store_path)  # it may not open: checked before it is used
        else:
            store_check = integrity.check(self.store_path, store=self.store)
        modules: tuple[str, ...] = ()
        if store_check.opened:
            with contextlib.suppress(Exception):
                modules = tuple(self.installed())
        return RepairReport(program, tuple(layout), store_check, modules,
                            clock.now().isoformat(timespec="seconds"))
