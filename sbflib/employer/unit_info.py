"""单位信息 (SET-4): the unit profile from the bureau, read-only."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sbflib.errors import service_edge
from sbflib.store import units as units_repo
from sbflib.system.context import Context

PROFILE_LABELS = {
    "taxpayer_id": "纳税人识别号",
    "name": "单位名称",
    "tax_authority": "主管税务机关",
    "finance_officer": "财务负责人",
    "legal_representative": "法定代表人（或单位负责人）",
    "industry": "行业",
    "enterprise_type": "企业类型",
    "address": "地址",
    "postcode": "邮政编码",
    "phone": "联系电话",
    "email": "电子邮箱",
    "listed": "上市公司",
}


@service_edge
class UnitInfoService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def profile(self, refresh: bool = False) -> dict[str, str]:
        """Label -> value in the page's order; fetched at login, again when `refresh` is asked."""
        unit = self.ctx.require_unit()
        data: dict[str, Any] | None = None
        if not refresh:
            with self.ctx.store.read() as con:
                data = units_repo.stored_profile(con, unit.unit_id)
        if data is None:
            data = asdict(self.ctx.client.units.profile(unit.unit_id))
            with self.ctx.store.work() as con:
                units_repo.save_profile(con, unit.unit_id, data)
        return {label: str(data.get(key) or "") for key, label in PROFILE_LABELS.items()}
