"""单位信息 (SET-4): the unit profile from the bureau, read-only."""

from __future__ import annotations

import json

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


class UnitInfoService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def profile(self, refresh: bool = False) -> dict[str, str]:
        """Label -> value in the page's order; fetched at login, again when `refresh` is asked."""
        unit = self.ctx.require_unit()
        stored = (units_repo.get_unit(self.ctx.store, unit.unit_id) or {}).get("profile_json")
        if refresh or not stored:
            data = self.ctx.client.profile(unit.unit_id)
            units_repo.save_profile(self.ctx.store, unit.unit_id, data)
        else:
            data = json.loads(stored)
        return {label: str(data.get(key) or "") for key, label in PROFILE_LABELS.items()}
