"""选择地区 (SYS-3): the region is chosen once, on first start, and cannot be changed afterwards."""

from __future__ import annotations

from dataclasses import dataclass, field

from sbflib.errors import StateError, ValidationError
from sbflib.store.settings import get_setting, set_setting
from sbflib.system.context import Context


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    modules: list[str] = field(default_factory=list)
    collection_modes: dict[str, str] = field(default_factory=dict)


class RegionService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def regions(self) -> list[Region]:
        return [
            Region(r["code"], r["name"], list(r.get("modules", [])), dict(r.get("collection_modes", {})))
            for r in self.ctx.client.regions()
        ]

    def current(self) -> Region | None:
        saved = get_setting(self.ctx.store, "region")
        return Region(**saved) if saved else None

    def choose(self, code: str) -> Region:
        if self.current() is not None:
            raise StateError("地区已选择，不能更改")
        match = [r for r in self.regions() if r.code == code]
        if not match:
            raise ValidationError(f"没有编码为{code}的地区", field="地区")
        region = match[0]
        set_setting(self.ctx.store, "region", region.__dict__)
        return region
