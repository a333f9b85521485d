"""选择地区 (SYS-3): the region is chosen once, on first start, and cannot be changed afterwards."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from sbflib.errors import StateError, ValidationError, service_edge
from sbflib.store import settings as settings_repo
from sbflib.system.context import Context

_REGION_CODE = re.compile(r"[0-9]{6}")


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    modules: list[str] = field(default_factory=list)
    collection_modes: dict[str, str] = field(default_factory=dict)


@service_edge
class RegionService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def regions(self) -> list[Region]:
        return [Region(r.code, r.name, list(r.modules), dict(r.collection_modes))
                for r in self.ctx.client.reference.regions()]

    def current(self) -> Region | None:
        with self.ctx.store.read() as con:
            saved = settings_repo.read(con, "region")
        return Region(**saved) if saved else None

    def choose(self, code: str) -> Region:
        if not isinstance(code, str) or not _REGION_CODE.fullmatch(code):
            raise ValidationError("地区编码格式不正确，应为6位数字", field="地区")
        if self.current() is not None:
            raise StateError("地区已选择，不能更改")
        match = [r for r in self.regions() if r.code == code]
        if not match:
            raise ValidationError(f"没有编码为{code}的地区", field="地区")
        region = match[0]
        with self.ctx.store.work() as con:  # checked again in the transaction: another tab may have chosen
            if settings_repo.read(con, "region") is not None:
                raise StateError("地区已选择，不能更改")
            settings_repo.write(con, "region", asdict(region))
        return region
