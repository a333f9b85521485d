"""What every service needs: the client store, the bureau client and the logged-in unit."""

from __future__ import annotations

from dataclasses import dataclass

from sbflib.errors import StateError
from sbflib.gateway.client import BureauClient
from sbflib.store.db import Store


@dataclass
class CurrentUnit:
    """The unit a clerk is logged in as."""

    unit_id: str
    taxpayer_id: str
    name: str
    module: str
    region: str


class Context:
    """Shared by the services of one workbench. The bureau client is replaced when the proxy changes."""

    def __init__(self, store: Store, client: BureauClient) -> None:
        self.store = store
        self.client = client
        self.unit: CurrentUnit | None = None
        self.must_change_password = False

    def require_unit(self, module: str | None = None) -> CurrentUnit:
        if self.unit is None:
            raise StateError("请先登录单位")
        if self.must_change_password:
            raise StateError("首次登录请先修改初始申报密码")
        if module and self.unit.module != module:
            raise StateError("当前登录的单位不能使用该功能")
        return self.unit
