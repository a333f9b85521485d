"""The facade (docs/workbench.md): one object per data folder that holds the store, the bureau
client and the logged-in unit, and exposes the services by menu."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pandas as pd

from sbflib.employer.groups import GroupService
from sbflib.employer.roster import RosterService, SyncResult
from sbflib.employer.unit_info import UnitInfoService
from sbflib.gateway.client import BureauClient
from sbflib.gateway.local import ensure_local_bureau
from sbflib.store import reference as reference_repo
from sbflib.store.db import Store
from sbflib.store.secrets import SecretBox
from sbflib.store.settings import get_setting, set_setting
from sbflib.system import session as session_service
from sbflib.system.context import Context, CurrentUnit
from sbflib.system.network import NetworkService
from sbflib.system.region import Region, RegionService
from sbflib.system.session import LoginResult, Progress, SessionService
from sbflib.system.settings import SettingsService
from sbflib.system.units import UnitService


def default_data_dir() -> Path:
    return Path(os.environ.get("SBF_DATA_DIR", "data")).resolve()


class Workbench:
    """`sbflib.open()` returns one. Services by menu: `wb.units`, `wb.network`, `wb.settings`,
    `wb.employer.roster`, `wb.employer.groups`, `wb.employer.unit_info`."""

    def __init__(self, data_dir: Path, gateway_url: str | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.store = Store(self.data_dir / "client" / "sbf.duckdb")
        secrets = SecretBox(self.data_dir / "client" / "secret.key")
        # The gateway URL: given, else the one saved by an earlier call, else the local demo bureau.
        url = gateway_url or get_setting(self.store, "gateway_url") or ensure_local_bureau(self.data_dir)
        if gateway_url:
            set_setting(self.store, "gateway_url", gateway_url)
        self.ctx = Context(self.store, BureauClient(url))
        self.network = NetworkService(self.ctx, secrets)
        proxy = self.network.proxy_config()
        if proxy is not None:
            self.ctx.client = BureauClient(url, proxy=proxy)
        self.settings = SettingsService(self.store)
        self.units = UnitService(self.ctx)
        self._regions = RegionService(self.ctx)
        self._session = SessionService(self.ctx)
        groups = GroupService(self.ctx)
        # 单位信息 (SET-4) serves both modules; it is also reachable as wb.employer.unit_info.
        self.unit_info = UnitInfoService(self.ctx)
        self.employer = SimpleNamespace(
            roster=RosterService(self.ctx, groups), groups=groups, unit_info=self.unit_info
        )

    @property
    def gateway(self) -> BureauClient:
        """The bureau client (for scripts that want a raw call)."""
        return self.ctx.client

    # -- 选择地区 --------------------------------------------------------------------------------
    def regions(self) -> list[Region]:
        return self._regions.regions()

    @property
    def region(self) -> Region | None:
        return self._regions.current()

    def choose_region(self, code: str) -> Region:
        return self._regions.choose(code)

    # -- 登录 ------------------------------------------------------------------------------------
    @property
    def unit(self) -> CurrentUnit | None:
        return self.ctx.unit

    @property
    def must_change_password(self) -> bool:
        return self.ctx.must_change_password

    def login(self, unit_id: str, password: str) -> LoginResult:
        return self._session.login(unit_id, password)

    def change_password(self, old: str, new: str, confirm: str | None = None) -> None:
        self._session.change_password(old, new, confirm)

    def logout(self) -> None:
        self._session.logout()

    def update_after_login(self, progress: Progress | None = None) -> SyncResult:
        """The 数据更新 page: registration, profile, rules, notices, then the roster
        (full the first time, incremental afterwards)."""
        report = progress or (lambda fraction, label: None)
        session_service.refresh_unit_data(self.ctx, report)
        unit = self.ctx.require_unit()
        if unit.module != "employer":
            report(1.0, "数据更新完成")
            return SyncResult("无", 0, 0, 0, 0.0)

        def roster_progress(fraction: float, label: str) -> None:
            report(0.15 + 0.85 * fraction, label)

        result = self.employer.roster.sync(progress=roster_progress)
        report(1.0, "数据更新完成")
        return result

    def notices(self) -> pd.DataFrame:
        region = self.ctx.unit.region if self.ctx.unit else (self.region.code if self.region else "")
        return reference_repo.notices(self.store, region)

    def client_version(self) -> dict:
        return session_service.client_version(self.ctx)

    def close(self) -> None:
        self._session.logout()
        self.ctx.client.close()


def open_workbench(data_dir: str | Path | None = None, *, gateway_url: str | None = None) -> Workbench:
    """`data_dir` defaults to $SBF_DATA_DIR or ./data; `gateway_url` to $SBF_GATEWAY_URL, else the URL
    saved by an earlier open of this folder, else the local demo bureau."""
    url = gateway_url or os.environ.get("SBF_GATEWAY_URL") or None
    return Workbench(Path(data_dir) if data_dir else default_data_dir(), url)
