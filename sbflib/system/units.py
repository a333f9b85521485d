"""单位管理 and 添加单位 (SYS-4, SYS-5): the units this workbench serves, and the wizard that adds one."""

from __future__ import annotations

import builtins
import re
from dataclasses import asdict

import pandas as pd

from sbflib.domain.ids import check_taxpayer_id
from sbflib.errors import StateError, ValidationError, service_edge
from sbflib.gateway.units import Registration, UnitNumber, UnitSummary
from sbflib.store import settings as settings_repo
from sbflib.store import units as units_repo
from sbflib.system.context import Context

__all__ = ["MODULES", "PASSWORD_HINTS", "Registration", "UnitCandidate", "UnitNumber", "UnitService", "check_unit_id"]

MODULES = {"employer": "用人单位", "collector": "代收单位"}

PASSWORD_HINTS = {
    "employer": "初始化申报密码为任一单位编号后6位。若单位编号不足6位，则单位编号末尾补0。"
    "如单位编号为“12345”，则初始申报密码为“123450”。",
    "collector": "初始化申报密码为纳税人识别号后6位。如您已修改申报密码，请输入新申报密码。",
}

UnitCandidate = UnitSummary  # one unit registered under a taxpayer ID (the 选择单位 list)

_UNIT_ID = re.compile(r"[A-Za-z0-9]{1,32}")


def check_unit_id(unit_id: object) -> str:
    """A unit ID as the wire contract has it (letters and digits, at most 32), else ValidationError."""
    if not isinstance(unit_id, str) or not _UNIT_ID.fullmatch(unit_id):
        raise ValidationError("单位标识格式不正确，只能包含字母和数字（至多32位）", field="单位")
    return unit_id


def _check_module(module: str) -> None:
    if module not in MODULES:
        raise ValidationError("未知的业务模块，只能是用人单位或代收单位", field="业务模块")


@service_edge
class UnitService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def list(self, module: str = "employer", keyword: str = "") -> pd.DataFrame:
        _check_module(module)
        with self.ctx.store.read() as con:
            return units_repo.list_units(con, module, str(keyword or ""))

    def password_hint(self, module: str) -> str:
        _check_module(module)
        return PASSWORD_HINTS[module]

    def lookup(self, taxpayer_id: str, module: str) -> builtins.list[UnitCandidate]:
        """下一步 of 添加单位: the units under the taxpayer ID that can still be added here."""
        _check_module(module)
        check = check_taxpayer_id(taxpayer_id if isinstance(taxpayer_id, str) else "")
        if not check.ok:
            raise ValidationError(check.errors[0], field="纳税人识别号")
        with self.ctx.store.read() as con:
            region = settings_repo.read(con, "region")
        if not region:
            raise StateError("请先选择地区")
        found = self.ctx.client.units.of_taxpayer(check.value, module)
        in_region = [u for u in found if u.region == region["code"]]
        if found and not in_region:
            raise ValidationError("该纳税人识别号的单位不属于本客户端所选地区，不能添加", field="纳税人识别号")
        with self.ctx.store.read() as con:
            fresh = [u for u in in_region if units_repo.get_unit(con, u.unit_id) is None]
        if in_region and not fresh:
            raise ValidationError("该单位已添加，请勿重复添加", field="纳税人识别号")
        return fresh

    def verify(self, unit_id: str, password: str) -> Registration:
        """安全认证: the bureau checks the declaration password and returns the registration."""
        check_unit_id(unit_id)
        if not password:
            raise ValidationError("请输入申报密码", field="申报密码")
        return self.ctx.client.units.verify(unit_id, password)

    def add(self, registration: Registration, confirmed: bool) -> None:
        """确定 on 确认参保登记信息: only after 我已确认无误 is ticked."""
        if not confirmed:
            raise ValidationError("请勾选“我已确认无误”后再确定", field="我已确认无误")
        check_unit_id(registration.unit_id)
        with self.ctx.store.work() as con:  # the check and the insert in one transaction
            if units_repo.get_unit(con, registration.unit_id) is not None:
                raise ValidationError("该单位已添加，请勿重复添加", field="纳税人识别号")
            units_repo.add_unit(
                con,
                {
                    "unit_id": registration.unit_id, "module": registration.module,
                    "taxpayer_id": registration.taxpayer_id, "name": registration.name,
                    "region": registration.region, "tax_authority": registration.tax_authority,
                    "tax_office": registration.tax_office,
                },
                [asdict(n) for n in registration.unit_numbers],
            )

    def set_remark(self, unit_id: str, remark: str) -> None:
        check_unit_id(unit_id)
        remark = (remark or "").strip()
        if len(remark) > 200:
            raise ValidationError("备注不能超过200个字", field="备注")
        with self.ctx.store.work() as con:
            if units_repo.get_unit(con, unit_id) is None:
                raise ValidationError("单位不存在", field="单位")
            units_repo.set_remark(con, unit_id, remark)
