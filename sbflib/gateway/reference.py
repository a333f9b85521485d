"""Public reference data: health, regions, the latest client version, notices and rule files."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sbflib.gateway.http import Http, path, region_part, required, rule_name_part


@dataclass(frozen=True)
class Health:
    status: str
    name: str


@dataclass(frozen=True)
class RegionInfo:
    """地区: the modules online there and each insured item's collection mode."""

    code: str
    name: str
    modules: tuple[str, ...] = ()
    collection_modes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ClientVersion:
    latest: str
    released: str
    notes: str


@dataclass(frozen=True)
class Notice:
    """通知公告."""

    notice_id: int
    title: str
    published: str
    body: str


@dataclass(frozen=True)
class RuleFileInfo:
    """规则文件 as listed: the body is fetched with `rule_file`."""

    name: str
    version: str
    updated: str


@dataclass(frozen=True)
class RuleFile:
    region: str
    name: str
    body: dict[str, Any]


class ReferenceApi:
    """`client.reference`: calls that need no session."""

    def __init__(self, http: Http) -> None:
        self._http = http

    def health(self) -> Health:
        data = self._http.get_json("/health")
        return Health(str(data.get("status") or ""), str(data.get("name") or ""))

    def regions(self) -> list[RegionInfo]:
        return [
            RegionInfo(required(r, "code"), required(r, "name"), tuple(r.get("modules") or ()),
                       dict(r.get("collection_modes") or {}))
            for r in self._http.get_json("/regions")
        ]

    def client_version(self) -> ClientVersion:
        data = self._http.get_json("/client-version")
        return ClientVersion(required(data, "latest"), str(data.get("released") or ""), str(data.get("notes") or ""))

    def notices(self, region: str) -> list[Notice]:
        data = self._http.get_json("/notices", params={"region": region_part(region)})
        return [Notice(int(required(n, "notice_id")), str(n.get("title") or ""), str(n.get("published") or ""),
                       str(n.get("body") or "")) for n in data]

    def rules(self, region: str) -> list[RuleFileInfo]:
        data = self._http.get_json("/rules", params={"region": region_part(region)})
        return [RuleFileInfo(required(r, "name"), str(r.get("version") or ""), str(r.get("updated") or ""))
                for r in data]

    def rule_file(self, region: str, name: str) -> RuleFile:
        body = self._http.get_json(path("rules", region_part(region), rule_name_part(name)))
        return RuleFile(region, name, body if isinstance(body, dict) else {"content": body})
