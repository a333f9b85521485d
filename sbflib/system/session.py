"""登录 (SYS-6): the bureau checks the password, the first login forces a change, then the
login-time data update (数据更新: registration, 单位信息, rule files, notices, then the roster:
full the first time, what changed afterwards). Also 通知公告 and 关于 (client version)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import pandas as pd

from sbflib.domain.passwords import check_new_password
from sbflib.employer.roster import SyncResult
from sbflib.errors import StateError, ValidationError, service_edge
from sbflib.store import reference as reference_repo
from sbflib.store import settings as settings_repo
from sbflib.store import units as units_repo
from sbflib.system.context import Context, CurrentUnit
from sbflib.system.units import check_unit_id
from sbflib.version import __version__

Progress = Callable[[float, str], None]
RosterSync = Callable[..., SyncResult]

NO_ROSTER = "无"


@dataclass(frozen=True)
class LoginResult:
    must_change_password: bool


def _silent(fraction: float, label: str) -> None:
    pass


@service_edge
class SessionService:
    """`sync_roster` is the employer roster's `sync` (called with `progress=`), run last by
    `update_after_login` for employer units."""

    def __init__(self, ctx: Context, sync_roster: RosterSync | None = None) -> None:
        self.ctx = ctx
        self._sync_roster = sync_roster

    def login(self, unit_id: str, password: str) -> LoginResult:
        check_unit_id(unit_id)
        if not password:
            raise ValidationError("请输入申报密码", field="申报密码")
        with self.ctx.store.read() as con:
            unit = units_repo.get_unit(con, unit_id)
        if unit is None:
            raise StateError("该单位尚未添加，请先添加单位")
        self.logout()
        session = self.ctx.client.session.create(unit_id, password)
        self.ctx.unit = CurrentUnit(unit_id, unit["taxpayer_id"], unit["name"], unit["module"], unit["region"])
        self.ctx.must_change_password = session.must_change_password
        return LoginResult(self.ctx.must_change_password)

    def change_password(self, old: str, new: str, confirm: str | None = None) -> None:
        """修改申报密码; `confirm` (确认新密码) is checked when given."""
        if self.ctx.unit is None:
            raise StateError("请先登录单位")
        if not old:
            raise ValidationError("请输入原申报密码", field="原密码")
        if not isinstance(new, str):
            raise ValidationError("请输入新申报密码", field="新密码")
        if confirm is not None and confirm != new:
            raise ValidationError("两次输入的新密码不一致", field="确认新密码")
        reason = check_new_password(new, old)
        if reason:
            raise ValidationError(reason, field="新密码")
        self.ctx.client.session.change_password(self.ctx.unit.unit_id, old, new)
        self.ctx.must_change_password = False

    def logout(self) -> None:
        if self.ctx.unit is not None:
            self.ctx.client.session.end()  # the session ends locally whatever the bureau says
        self.ctx.unit = None
        self.ctx.must_change_password = False

    def refresh_unit_data(self, progress: Progress | None = None) -> None:
        """The login-time fetches besides the roster: registration, 单位信息, rule files, notices;
        all fetched first, then kept in one unit of work."""
        unit = self.ctx.require_unit()
        report = progress or _silent
        client = self.ctx.client
        report(0.02, "正在更新单位参保登记信息…")
        registration = client.units.registration(unit.unit_id)
        report(0.06, "正在更新单位信息…")
        profile = client.units.profile(unit.unit_id)
        report(0.1, "正在更新规则文件…")
        rules = [(r, client.reference.rule_file(unit.region, r.name)) for r in client.reference.rules(unit.region)]
        report(0.14, "正在获取通知公告…")
        notices = client.reference.notices(unit.region)
        with self.ctx.store.work() as con:
            units_repo.replace_unit_numbers(con, unit.unit_id, [asdict(n) for n in registration.unit_numbers])
            units_repo.save_profile(con, unit.unit_id, asdict(profile))
            reference_repo.replace_rules(con, unit.region, [(r.name, r.version, r.updated, f.body) for r, f in rules])
            reference_repo.replace_notices(con, unit.region, [(n.notice_id, n.title, n.published, n.body) for n in notices])

    def update_after_login(self, progress: Progress | None = None) -> SyncResult:
        """The 数据更新 page: registration, profile, rules, notices, then the roster of an employer
        unit (full the first time, incremental afterwards). progress(fraction 0..1, Chinese label)."""
        report = progress or _silent
        self.refresh_unit_data(report)
        unit = self.ctx.require_unit()
        if unit.module != "employer" or self._sync_roster is None:
            report(1.0, "数据更新完成")
            return SyncResult(NO_ROSTER, 0, 0, 0, 0.0)

        def roster_progress(fraction: float, label: str) -> None:
            report(0.15 + 0.85 * fraction, label)

        result = self._sync_roster(progress=roster_progress)
        report(1.0, "数据更新完成")
        return result

    def notices(self) -> pd.DataFrame:
        """通知公告 of the logged-in unit's region (else the chosen region): title, published, body."""
        with self.ctx.store.read() as con:
            if self.ctx.unit is not None:
                region = self.ctx.unit.region
            else:
                saved = settings_repo.read(con, "region")
                region = saved["code"] if saved else ""
            return reference_repo.notices(con, region)

    def client_version(self) -> dict[str, str]:
        """关于: {"current": this client's version, "latest": the bureau's latest}."""
        latest = self.ctx.client.reference.client_version().latest or __version__
        return {"current": __version__, "latest": latest}
