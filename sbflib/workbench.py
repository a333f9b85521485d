"""The facade (docs/workbench.md): one object per data folder that holds the store, the bureau
client and the logged-in unit, and exposes the services by menu."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx
import pandas as pd

from sbflib.employer.agreements import AgreementService
from sbflib.employer.arrivals import ArrivalService
from sbflib.employer.certificates import CertificateService, PaymentProofService
from sbflib.employer.declaration_records import DeclarationRecordService, DeclaredLineService
from sbflib.employer.declarations import DeclarationService
from sbflib.employer.groups import GroupService
from sbflib.employer.home import HomeService
from sbflib.employer.payables import PayableService
from sbflib.employer.payments import PaymentRecordService, PaymentService, VoucherService
from sbflib.employer.refunds import RefundService
from sbflib.employer.registrations import InsuranceRegistrationService, ProjectService
from sbflib.employer.roster import RosterService, SyncResult
from sbflib.employer.statistics import StatisticsService
from sbflib.employer.trial import TrialService
from sbflib.employer.unit_info import UnitInfoService
from sbflib.employer.wages import WageRecordService, WageService
from sbflib.gateway.client import BureauClient
from sbflib.gateway.demo import read_demo_secret
from sbflib.gateway.local import bureau_folder, ensure_local_bureau, relocator
from sbflib.store import settings as settings_repo
from sbflib.store.db import Store
from sbflib.store.secrets import SecretBox
from sbflib.system.audit import AuditService
from sbflib.system.backup import BackupService
from sbflib.system.context import Context, CurrentUnit
from sbflib.system.declaration import DeclarationSettingsService
from sbflib.system.local_password import LocalPasswordService, admit
from sbflib.system.modules import ModuleService
from sbflib.system.network import NetworkService
from sbflib.system.region import Region, RegionService
from sbflib.system.session import LoginResult, Progress, SessionService
from sbflib.system.settings import SettingsService
from sbflib.system.units import UnitService
from sbflib.system.upgrade import UpgradeService


def default_data_dir() -> Path:
    return Path(os.environ.get("SBF_DATA_DIR", "data")).resolve()


class EmployerServices:
    """`wb.employer`: the 用人单位 menus."""

    def __init__(self, roster: RosterService, groups: GroupService, unit_info: UnitInfoService,
                 wages: WageService, wage_records: WageRecordService,
                 payables: PayableService | None = None) -> None:
        self.roster: RosterService = roster          # 职工参保信息更新 (EMP-2)
        self.groups: GroupService = groups          # 分组管理
        self.unit_info: UnitInfoService = unit_info  # 单位信息 (SET-4)
        self.wages: WageService = wages              # 缴费工资申报 (EMP-3..6)
        self.wage_records: WageRecordService = wage_records  # 缴费工资申报记录 (EMP-7)
        self.insurance_registrations: InsuranceRegistrationService  # 单位参保信息查询 (EMP-19)
        self.projects: ProjectService  # 工程项目参保信息查询 (EMP-25)
        self.declaration_records: DeclarationRecordService  # 申报记录 (EMP-10); .project: EMP-24
        self.declared_lines: DeclaredLineService  # 社保费申报明细查询 (EMP-20)
        self.declarations: DeclarationService  # 社保费申报 (EMP-8, 9, 23, 27)
        self.trial: TrialService  # 社保费测算 (EMP-29, beyond the manual)
        self.arrivals: ArrivalService  # 社保费到账信息查询 (EMP-22)
        self.home: HomeService  # 首页 待办事项 / 异常提醒 (EMP-1)
        self.agreements: AgreementService  # 单位三方协议管理 (EMP-18)
        self.payments: PaymentService  # 缴费 (EMP-11); .vouchers 缴费凭证打印记录 (EMP-12), .payment_records 缴费记录 (EMP-13)
        self.vouchers: VoucherService
        self.payment_records: PaymentRecordService
        self.refunds: RefundService  # 单位退费申请管理 (EMP-28)
        self.certificates: CertificateService  # 税收完税证明 开具/补开/查验 (EMP-14, 15, 26)
        self.payment_proofs: PaymentProofService  # 职工/单位缴费证明打印 (EMP-16, 17)
        self.statistics: StatisticsService  # 统计分析 (STA-1..5, beyond the manual)
        self.payables: PayableService = payables or PayableService(wages.ctx)  # 社保费应缴信息查询 (EMP-21)


class CollectorServices:
    """`wb.collector`: the 代收单位 menus (more arrive with the collector slice)."""

    def __init__(self, unit_info: UnitInfoService) -> None:
        self.unit_info: UnitInfoService = unit_info  # 单位信息 (SET-4)


class Workbench:
    """`sbflib.open()` returns one. Services by menu: `wb.units`, `wb.network`, `wb.settings`,
    `wb.employer.roster`, `wb.employer.groups`, `wb.unit_info` (also `wb.employer.unit_info`,
    `wb.collector.unit_info`)."""

    def __init__(self, data_dir: Path, gateway_url: str | None = None, *,
                 transport: httpx.BaseTransport | None = None, **client_settings: Any) -> None:
        self.data_dir = Path(data_dir)
        self.store = Store(self.data_dir / "client" / "sbf.duckdb")
        secrets = SecretBox(self.data_dir / "client" / "secret.key")
        with self.store.read() as con:
            saved_url = settings_repo.read(con, "gateway_url")
        if gateway_url:
            with self.store.work() as con:
                settings_repo.write(con, "gateway_url", gateway_url)
        # The gateway URL: given, else the one saved by an earlier call, else the local demo bureau
        # (then the client finds it again if it restarts, and holds the folder's demo secret).
        url = gateway_url or saved_url
        embedded = url is None
        if url is None:
            url = ensure_local_bureau(self.data_dir)
        settings: dict[str, Any] = dict(client_settings)
        if transport is not None:
            settings["transport"] = transport
        if embedded:
            settings.setdefault("relocate", relocator(self.data_dir))
        # The demo secret: the embedded bureau's file, else $SBF_DEMO_SECRET (as `sbf bureau` reads it).
        demo_secret = read_demo_secret(bureau_folder(self.data_dir)) if embedded else None
        demo_secret = demo_secret or os.environ.get("SBF_DEMO_SECRET", "").strip() or None
        self.ctx = Context(self.store, BureauClient(url, demo_secret=demo_secret, **settings))
        self.network = NetworkService(self.ctx, secrets)
        proxy = self.network.proxy_config()
        if proxy is not None:
            direct = self.ctx.client
            self.ctx.client = direct.derive(proxy=proxy)
            direct.close()
        self.settings = SettingsService(self.store)
        self.units = UnitService(self.ctx)
        self._regions = RegionService(self.ctx)
        groups = GroupService(self.ctx)
        roster = RosterService(self.ctx, groups)
        self._session = SessionService(self.ctx, roster.sync)
        # 单位信息 (SET-4) serves both modules.
        self.unit_info = UnitInfoService(self.ctx)
        self.employer = EmployerServices(roster, groups, self.unit_info,
                                         WageService(self.ctx), WageRecordService(self.ctx))
        self.employer.insurance_registrations = InsuranceRegistrationService(self.ctx)
        self.employer.projects = ProjectService(self.ctx)
        self.employer.statistics = StatisticsService(self.ctx)  # 统计分析 (STA-1..5)
        self.employer.certificates = CertificateService(self.ctx)  # EMP-14, 15, 26
        self.employer.payment_proofs = PaymentProofService(self.ctx)  # EMP-16, 17
        self.employer.payments, self.employer.vouchers, self.employer.payment_records = (
            PaymentService(self.ctx), VoucherService(self.ctx), PaymentRecordService(self.ctx))
        self.employer.agreements = AgreementService(self.ctx)
        self.employer.refunds = RefundService(self.ctx)
        self.employer.declaration_records = DeclarationRecordService(self.ctx)
        self.employer.declared_lines = DeclaredLineService(self.ctx)
        self.employer.declarations = DeclarationService(
            self.ctx, trial_inputs=lambda months: self.employer.trial.check_inputs(months))
        self.employer.trial = TrialService(self.ctx)
        self.employer.arrivals = ArrivalService(self.ctx)
        self.employer.home = HomeService(self.ctx, self.employer.payables)
        self.collector = CollectorServices(self.unit_info)
        # 登录密码设置 (SET-3; `locked` until given), 申报管理 (SET-5), 操作日志 (the gateway's audit hook)
        self.local_password = LocalPasswordService(self.store)
        self.declaration_settings = DeclarationSettingsService(self.ctx, self._session.change_password)
        self.audit = AuditService(self.ctx, self.data_dir / "client")
        self.backup = BackupService(self.store, self.data_dir)  # 备份恢复 (SET-2); auto backup on exit
        # 业务模块 and 修复 (SYS-2), 系统升级 (SYS-1): both shown in 关于
        self.modules = ModuleService(self.data_dir, self.store, current_unit=lambda: self.ctx.unit)
        self.upgrade = UpgradeService(self.ctx)

    @property
    def gateway(self) -> BureauClient:
        """The bureau client (for scripts that want a raw call: `wb.gateway.units.registration(...)`)."""
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
        """The 数据更新 page (SessionService.update_after_login)."""
        return self._session.update_after_login(progress)

    def notices(self) -> pd.DataFrame:
        """通知公告: title, published, body."""
        return self._session.notices()

    def client_version(self) -> dict[str, str]:
        """{"current": ..., "latest": ...}."""
        return self._session.client_version()

    def close(self) -> None:
        self.backup.on_exit()  # 自动备份 when it is on (SET-2)
        self._session.logout()
        self.audit.close()
        self.ctx.client.close()


def open_workbench(data_dir: str | Path | None = None, *, gateway_url: str | None = None,
                   password: str | None = None, locked: bool = False) -> Workbench:
    """`data_dir` defaults to $SBF_DATA_DIR or ./data; `gateway_url` to $SBF_GATEWAY_URL, else the URL
    saved by an earlier open of this folder, else the local demo bureau. A folder with a local
    password (登录密码) opens only with it (`password`, else $SBF_LOCAL_PASSWORD): checked before
    anything else opens; `locked=True` opens it locked instead (the app shell asks for it)."""
    url = gateway_url or os.environ.get("SBF_GATEWAY_URL") or None
    folder = Path(data_dir) if data_dir else default_data_dir()
    admitted = None if locked else admit(Store(folder / "client" / "sbf.duckdb"), password)
    wb = Workbench(folder, url)
    if admitted is not None:
        wb.local_password = admitted
    return wb
