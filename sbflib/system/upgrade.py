"""系统升级 (SYS-1): this version, the newest the bureau announces, and the upgrade itself.

    info = wb.upgrade.check()        # VersionInfo: current, latest, newer, command, can_run
    outcome = wb.upgrade.upgrade()   # runs pip where the install allows it, else gives the command

The bureau announces the newest client version (`GET /client-version`). In this product an upgrade
is a pip install of that version of `sbflib` (`sbflib.system.package`): run by the program when it
is installed from a wheel in a virtual environment this user can write, otherwise shown as the exact
command to run. A source checkout (editable install) is upgraded with `git pull`, never by the
program. After an upgrade the program must be restarted; the new version opens the store and applies
its migrations, keeping every row (tests/integration/test_store_upgrade.py, on stores written by
each earlier schema).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from sbflib.errors import StateError, service_edge
from sbflib.system.context import Context
from sbflib.system.package import (
    Install,
    Runner,
    UpgradeOutcome,
    describe,
    installed_version_now,
    run_command,
    upgrade_command,
)
from sbflib.version import __version__


def version_key(version: str) -> tuple[tuple[int, str], ...]:
    """Orders versions such as 0.1.0 < 0.2.0 < 0.10.0 (numbers compared as numbers)."""
    return tuple((int(p), "") if p.isdigit() else (-1, p) for p in re.split(r"[.\-+]", version.strip()) if p)


def is_newer(latest: str, current: str) -> bool:
    return bool(latest) and version_key(latest) > version_key(current)


@dataclass(frozen=True)
class VersionInfo:
    """关于: this version and the bureau's newest."""

    current: str
    latest: str
    released: str
    notes: str
    install_kind: str        # wheel | editable | missing
    command: str             # the exact upgrade command ("" when already the newest)
    can_run: bool            # the program may run it itself

    @property
    def newer(self) -> bool:
        return is_newer(self.latest, self.current)

    @property
    def state(self) -> str:
        return f"发现新版本 {self.latest}，建议升级" if self.newer else "当前已是最新版本"


@service_edge
class UpgradeService:
    def __init__(self, ctx: Context, *, runner: Runner = run_command, install: Install | None = None) -> None:
        self.ctx = ctx
        self._runner = runner
        self._install = install

    @property
    def install(self) -> Install:
        return self._install or describe()

    def check(self) -> VersionInfo:
        """Ask the bureau for the newest version (a public call: no login needed)."""
        announced = self.ctx.client.reference.client_version()
        latest = announced.latest or __version__
        install = self.install
        newer = is_newer(latest, __version__)
        command = shlex.join(upgrade_command(install, latest)) if newer else ""
        return VersionInfo(__version__, latest, announced.released, announced.notes, install.kind, command,
                           newer and install.pip_allowed)

    def upgrade(self, run: bool | None = None) -> UpgradeOutcome:
        """升级 to the bureau's newest version. `run=None`: run pip where the install allows it;
        False: only give the command. Raises StateError when already the newest."""
        info = self.check()
        if not info.newer:
            raise StateError("当前已是最新版本，无需升级")
        install = self.install
        command = tuple(upgrade_command(install, info.latest))
        if not install.pip_allowed or run is False:
            if install.kind == "editable":
                why = "本程序从源码目录安装，请在该目录更新源码后重新启动客户端："
            else:
                why = "本程序安装在系统目录或他人的环境中，不能自动升级，请由有权限的用户运行以下命令："
            return UpgradeOutcome(command, ran=False, message=why + shlex.join(command))
        done = self._runner(command)
        output = ((done.stdout or "") + (done.stderr or ""))[-4000:]
        if done.returncode != 0:
            return UpgradeOutcome(command, ran=True, returncode=done.returncode, output=output,
                                  message=f"升级未成功（返回码{done.returncode}），请检查网络后重试，或手工运行："
                                          + shlex.join(command))
        now = installed_version_now()
        if now and not is_newer(info.latest, now):
            message = f"已升级到 {now}，请关闭并重新启动客户端。本地数据全部保留。"
        else:
            message = f"升级命令已执行，但安装的版本为 {now or '未知'}，请手工运行：" + shlex.join(command)
        return UpgradeOutcome(command, ran=True, returncode=0, installed_version=now, output=output,
                              message=message)
