"""Rule files (规则文件) shipped per region in `rules/`, named `<region>-<name>.json`.

A region is checked against `[0-9]{6}` (ASCII digits only) before any file-system use, and a name must be one of the
region's listed files: user text is never globbed nor joined into a path. The contribution rules of a
region are found by their kind ("contribution") across its files, whatever the files are called;
reading and effective dating are the domain's (`sbflib.domain.rules`).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from sbflib.domain.rules import CONTRIBUTION, ContributionRules, merge_documents

RULES_DIR = Path(__file__).with_name("rules")
_REGION = re.compile(r"[0-9]{6}")


@lru_cache(maxsize=1)
def _all_files() -> dict[str, Path]:
    """Every shipped rule file by file name (listed once; the folder is part of the package)."""
    return {p.name: p for p in sorted(RULES_DIR.iterdir()) if p.is_file() and p.suffix == ".json"}


def is_region_code(region: str) -> bool:
    return isinstance(region, str) and bool(_REGION.fullmatch(region))


def rule_files(region: str) -> list[Path]:
    """The rule files of `region`; none for anything that is not a 6-digit region code."""
    if not is_region_code(region):
        return []
    prefix = f"{region}-"
    return [path for name, path in _all_files().items() if name.startswith(prefix)]


@lru_cache(maxsize=64)
def read_rule_file(region: str, name: str) -> dict[str, Any] | None:
    """The rule file `name` of `region`, or None when the region has no file of that name."""
    if not is_region_code(region) or not isinstance(name, str):
        return None
    path = _all_files().get(f"{region}-{name}")
    if path is None:
        return None
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return doc


def contribution_documents(region: str) -> list[dict[str, Any]]:
    """The region's rule documents of kind "contribution", whatever their file names."""
    docs = []
    for path in rule_files(region):
        doc = read_rule_file(region, path.name.removeprefix(f"{region}-"))
        if doc is not None and doc.get("kind") == CONTRIBUTION:
            docs.append(doc)
    return docs


@lru_cache(maxsize=32)
def contribution_rules(region: str) -> ContributionRules:
    """The region's contribution rules (all its contribution files together)."""
    docs = contribution_documents(region)
    if not docs:
        raise LookupError(f"no contribution rules for region {region!r}")
    return ContributionRules.from_document(merge_documents(docs))


def contribution_base_limits(region: str, month: str, item_code: str | None = None) -> tuple[Decimal, Decimal]:
    """缴费基数下限 and 上限 in force in `month` ('YYYY-MM') for `item_code`; without an item, the
    range that fits every item. A month before the region's first figures is refused
    (`RuleViolation` RULE_NOT_IN_FORCE). An item without a cap gets an infinite cap."""
    limits = contribution_rules(region).base_limits(month, item_code)
    return limits.floor, limits.cap if limits.cap is not None else Decimal("Infinity")


def annual_wage_month(region: str, month: str) -> str:
    """The effective month of an annual contribution-wage filing (年度缴费工资申报) made in `month`:
    the start of the region's contribution year that contains it (its rule file's `annual_wage`)."""
    return contribution_rules(region).annual_wage_month(month)
