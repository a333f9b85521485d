"""登录 (SYS-6): the bureau checks the password, the first login forces a change, then the
login-time data update (full roster the first time, what changed afterwards)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sbflib.domain.passwords import check_new_password
from sbflib.errors import SbfError, StateError, ValidationError
from sbflib.store import reference as reference_repo
from sbflib.store import units as units_repo
from sbflib.system.context import Context, CurrentUnit
from sbflib.version import __version__

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class LoginResult:
    must_change_password: bool


class SessionService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def login(self, unit_id: str, password: str) -> LoginResult:
        unit = units_repo.get_unit(self.ctx.store, unit_id)
        if unit is None:
            raise StateError("该单位尚未添加，请先添加单位")
        if not password:
            raise ValidationError("请输入申报密码", field="申报密码")
        self.logout()
        session = self.ctx.client.create_session(unit_id, password)
        self.ctx.unit = CurrentUnit(unit_id, unit["taxpayer_id"], unit["name"], unit["module"], unit["region"])
        self.ctx.must_change_password = bool(session.get("must_change_password"))
        return LoginResult(self.ctx.must_change_password)

    def change_password(self, old: str, new: str, confirm: str | None = None) -> None:
        """修改申报密码; `confirm` (确认新密码) is checked when given."""
        if self.ctx.unit is None:
            raise StateError("请先登录单位")
        if not old:
            raise ValidationError("请输入原申报密码", field="原密码")
        if confirm is not None and confirm != new:
            raise ValidationError("两次输入的新密码不一致", field="确认新密码")
        reason = check_new_password(new, old)
        if reason:
            raise ValidationError(reason, field="新密码")
        self.ctx.client.change_password(self.ctx.unit.unit_id, old, new)
        self.ctx.must_change_password = False

    def logout(self) -> None:
        if self.ctx.unit is not None:
            try:
                self.ctx.client.end_session()
            except SbfError:  # the session ends locally whatever the bureau says
                self.ctx.client.token = None
        self.ctx.unit = None
        self.ctx.must_change_password = False


def refresh_unit_data(ctx: Context, progress: Progress | None = None) -> None:
    """The login-time fetches besides the roster: registration, 单位信息, rule files, notices."""
    unit = ctx.require_unit()
    report = progress or (lambda fraction, label: None)
    report(0.02, "正在更新单位参保登记信息…")
    registration = ctx.client.registration(unit.unit_id)
    with ctx.store.work() as con:
        units_repo.replace_unit_numbers(con, unit.unit_id, registration.get("unit_numbers", []))
    report(0.06, "正在更新单位信息…")
    units_repo.save_profile(ctx.store, unit.unit_id, ctx.client.profile(unit.unit_id))
    report(0.1, "正在更新规则文件…")
    rules = ctx.client.rules(unit.region)
    bodies = [(r, ctx.client.rule_file(unit.region, r["name"])) for r in rules]
    report(0.14, "正在获取通知公告…")
    notices = ctx.client.notices(unit.region)
    reference_repo.replace_rules_and_notices(ctx.store, unit.region, bodies, notices)


def client_version(ctx: Context) -> dict:
    latest = ctx.client.client_version().get("latest", __version__)
    return {"current": __version__, "latest": latest}
