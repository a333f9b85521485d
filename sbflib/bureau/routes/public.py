"""Public calls (no token): health, regions, client version, notices, rule files."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from .. import directory
from ..deps import StoreDep
from ..errors import Refusal, refusals
from ..models import ClientVersion, Health, NoticePublic, RegionPublic, RuleFileSummary
from ..rules import read_rule_file, rule_files

router = APIRouter(tags=["public"])

CLIENT_VERSION = ClientVersion(
    latest="0.1.0", released=dt.date(2026, 11, 1), notes="首个版本：单位注册验证、申报密码、职工信息同步。"
)


@router.get("/health", response_model=Health)
def health() -> Health:
    return Health()


@router.get("/regions", response_model=list[RegionPublic])
def list_regions(store: StoreDep) -> list[dict[str, Any]]:
    """地区 with their modules and each item's collection mode."""
    return directory.regions(store)


@router.get("/client-version", response_model=ClientVersion)
def client_version() -> ClientVersion:
    return CLIENT_VERSION


@router.get("/notices", response_model=list[NoticePublic], responses=refusals(422))
def list_notices(
    store: StoreDep, region: Annotated[str | None, Query(max_length=16, description="地区代码")] = None
) -> list[dict[str, Any]]:
    """通知公告, newest first."""
    return directory.notices(store, region)


RegionQuery = Annotated[str, Query(max_length=16, description="地区代码")]


@router.get("/rules", response_model=list[RuleFileSummary],
            responses=refusals(404, 422))
def list_rules(store: StoreDep, region: RegionQuery) -> list[RuleFileSummary]:
    """规则文件 of a region of `/regions` (looked up, never used as a file pattern)."""
    region = directory.known_region(store, region)
    summaries = []
    for path in rule_files(region):
        name = path.name.removeprefix(f"{region}-")
        doc = read_rule_file(region, name) or {}
        summaries.append(RuleFileSummary(name=name, version=doc.get("version", ""), updated=doc.get("updated", "")))
    return summaries


@router.get("/rules/{region}/{name}",
            responses=refusals(404, 422))
def get_rule_file(
    store: StoreDep,
    region: Annotated[str, Path(max_length=16, description="地区代码")],
    name: Annotated[str, Path(max_length=64, description="规则文件名")],
) -> dict[str, Any]:
    """规则文件: contribution base floor and cap, rates per item and payer, each with valid_from."""
    region = directory.known_region(store, region)
    doc = read_rule_file(region, name)
    if doc is None:
        raise Refusal(404, "RULE_NOT_FOUND", f"地区{region}没有规则文件{name}")
    return doc
