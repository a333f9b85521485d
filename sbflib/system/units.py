"""单位管理 and 添加单位 (SYS-4, SYS-5): the units this workbench serves, and the wizard that adds one."""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field

import pandas as pd

from sbflib.domain.ids import check_taxpayer_id
from sbflib.errors import StateError, ValidationError
from sbflib.store import units as units_repo
from sbflib.store.settings import get_setting
from sbflib.system.context import Context

MODULES = {"employer": "用人单位", "collector": "代收单位"}

PASSWORD_HINTS = {
    "employer": "初始化申报密码为任一单位编号后6位。若单位编号不足6位，则单位编号末尾补0。"
    "如单位编号为“12345”，则初始申报密码为“123450”。",
    "collector": "初始化申报密码为纳税人识别号后6位。如您已修改申报密码，请输入新申报密码。",
}


@dataclass(frozen=True)
class UnitCandidate:
    """One unit registered under a taxpayer ID (the 选择单位 list)."""

    unit_id: str
    taxpayer_id: str
    name: str
    registered_on: str
    taxpayer_status: str
    kind: str
    module: str
    region: str


@dataclass(frozen=True)
class UnitNumber:
    unit_number: str      # 单位编号
    agency: str           # 社保经办机构
    tax_authority: str    # 主管税务机关


@dataclass(frozen=True)
class Registration:
    """参保登记信息 the clerk confirms before the unit is added."""

    unit_id: str
    taxpayer_id: str
    name: str
    module: str
    region: str
    tax_authority: str
    tax_office: str
    unit_numbers: list[UnitNumber] = field(default_factory=list)

    @classmethod
    def from_wire(cls, data: dict) -> Registration:
        return cls(
            unit_id=data["unit_id"], taxpayer_id=data["taxpayer_id"], name=data["name"],
            module=data["module"], region=data["region"],
            tax_authority=data.get("tax_authority") or "", tax_office=data.get("tax_office") or "",
            unit_numbers=[
                UnitNumber(n["unit_number"], n.get("agency") or "", n.get("tax_authority") or "")
                for n in data.get("unit_numbers", [])
            ],
        )


def _check_module(module: str) -> None:
    if module not in MODULES:
        raise ValidationError(f"未知的业务模块：{module}", field="业务模块")


class UnitService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def list(self, module: str = "employer", keyword: str = "") -> pd.DataFrame:
        _check_module(module)
        return units_repo.list_units(self.ctx.store, module, keyword)

    def password_hint(self, module: str) -> str:
        _check_module(module)
        return PASSWORD_HINTS[module]

    def _region_code(self) -> str:
        region = get_setting(self.ctx.store, "region")
        if not region:
            raise StateError("请先选择地区")
        return region["code"]

    def lookup(self, taxpayer_id: str, module: str) -> builtins.list[UnitCandidate]:
        """下一步 of 添加单位: the units under the taxpayer ID that can still be added here."""
        _check_module(module)
        check = check_taxpayer_id(taxpayer_id)
        if not check.ok:
            raise ValidationError(check.errors[0], field="纳税人识别号")
        region = self._region_code()
        found = [UnitCandidate(**{k: u.get(k, "") for k in UnitCandidate.__dataclass_fields__})
                 for u in self.ctx.client.units_of_taxpayer(check.value, module)]
        in_region = [u for u in found if u.region == region]
        if found and not in_region:
            raise ValidationError("该纳税人识别号的单位不属于本客户端所选地区，不能添加", field="纳税人识别号")
        fresh = [u for u in in_region if units_repo.get_unit(self.ctx.store, u.unit_id) is None]
        if in_region and not fresh:
            raise ValidationError("该单位已添加，请勿重复添加", field="纳税人识别号")
        return fresh

    def verify(self, unit_id: str, password: str) -> Registration:
        """安全认证: the bureau checks the declaration password and returns the registration."""
        if not password:
            raise ValidationError("请输入申报密码", field="申报密码")
        return Registration.from_wire(self.ctx.client.verify(unit_id, password))

    def add(self, registration: Registration, confirmed: bool) -> None:
        """确定 on 确认参保登记信息: only after 我已确认无误 is ticked."""
        if not confirmed:
            raise ValidationError("请勾选“我已确认无误”后再确定", field="我已确认无误")
        if units_repo.get_unit(self.ctx.store, registration.unit_id) is not None:
            raise ValidationError("该单位已添加，请勿重复添加", field="纳税人识别号")
        units_repo.add_unit(
            self.ctx.store,
            {
                "unit_id": registration.unit_id, "module": registration.module,
                "taxpayer_id": registration.taxpayer_id, "name": registration.name,
                "region": registration.region, "tax_authority": registration.tax_authority,
                "tax_office": registration.tax_office,
            },
            [n.__dict__ for n in registration.unit_numbers],
        )

    def set_remark(self, unit_id: str, remark: str) -> None:
        remark = (remark or "").strip()
        if len(remark) > 200:
            raise ValidationError("备注不能超过200个字", field="备注")
        if units_repo.get_unit(self.ctx.store, unit_id) is None:
            raise ValidationError("单位不存在", field="单位")
        units_repo.set_remark(self.ctx.store, unit_id, remark)
