"""申报管理 (SET-5), the 参数设置中心's 申报管理 tab: 规则文件更新 and 申报密码设置.

- Rule files are fetched at every login (SessionService.refresh_unit_data); `update_rules` fetches
  them again on demand (【更新】): the list and every file first, then kept in one unit of work.
  `rule_files` lists what is kept: 个数, and each file's title, name, version and date.
- 申报密码设置 changes the declaration password kept by the bureau (the old one required, the new
  one typed twice) through the session service; not logged in, the client cannot: "未登录状态下，
  客户端暂不支持重置密码".
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from sbflib.errors import StateError, service_edge
from sbflib.store import reference as reference_repo
from sbflib.store import settings as settings_repo
from sbflib.system.context import Context

Progress = Callable[[float, str], None]
NOT_LOGGED_IN = "未登录状态下，客户端暂不支持重置密码"
#: Column -> label of the rule file list, in display order.
RULE_COLUMNS = {"title": "规则文件", "name": "文件名", "version": "版本", "updated": "更新日期"}


def _silent(fraction: float, label: str) -> None:
    pass


@service_edge
class DeclarationSettingsService:
    """`wb.declaration_settings`. `change_password` is the session's 修改申报密码 (given by the workbench)."""

    RULE_COLUMNS = RULE_COLUMNS

    def __init__(self, ctx: Context, change_password: Callable[[str, str, str | None], None]) -> None:
        self.ctx = ctx
        self._change_password = change_password

    def _region(self) -> str:
        if self.ctx.unit is not None:
            return self.ctx.unit.region
        with self.ctx.store.read() as con:
            saved = settings_repo.read(con, "region")
        if not saved:
            raise StateError("请先选择地区")
        return str(saved["code"])

    def rule_files(self) -> pd.DataFrame:
        """The rule files kept for the unit's region (else the chosen region): title, name, version, updated."""
        region = self._region()
        with self.ctx.store.read() as con:
            return reference_repo.rule_files(con, region)

    def rule_file_count(self) -> int:
        region = self._region()
        with self.ctx.store.read() as con:
            return reference_repo.rule_file_count(con, region)

    def update_rules(self, progress: Progress | None = None) -> int:
        """【更新】: fetch the region's rule files from the bureau now; returns how many are kept."""
        report = progress or _silent
        region = self._region()
        client = self.ctx.client
        report(0.05, "正在获取规则文件列表……")
        listed = client.reference.rules(region)
        fetched = []
        for i, info in enumerate(listed):
            report(0.1 + 0.8 * i / max(1, len(listed)), f"正在下载规则文件（{i + 1}/{len(listed)}）……")
            fetched.append((info.name, info.version, info.updated, client.reference.rule_file(region, info.name).body))
        with self.ctx.store.work() as con:
            reference_repo.replace_rules(con, region, fetched)
        report(1.0, "规则文件更新完成")
        return len(fetched)

    def change_password(self, old: str, new: str, confirm: str) -> None:
        """申报密码设置 【保存】: the bureau changes the declaration password (old one required)."""
        if self.ctx.unit is None:
            raise StateError(NOT_LOGGED_IN)
        self._change_password(old, new, confirm)
