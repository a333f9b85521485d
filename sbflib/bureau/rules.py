"""Rule files (规则文件) shipped per region in `rules/`, named `<region>-<name>`, e.g.
`330100-contribution-2026.json`. Figures are keyed by `valid_from` month; unconfirmed ones say so."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

RULES_DIR = Path(__file__).with_name("rules")


def rule_files(region: str) -> list[Path]:
    return sorted(RULES_DIR.glob(f"{region}-*.json"))


@lru_cache(maxsize=32)
def read_rule_file(region: str, name: str) -> dict[str, Any] | None:
    """The rule file `name` of `region`, or None. Names never reach the file system unchecked."""
    path = RULES_DIR / f"{region}-{name}"
    if path.parent != RULES_DIR or path not in rule_files(region):
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def contribution_base_limits(region: str, month: str) -> tuple[Decimal, Decimal]:
    """缴费基数下限 and 上限 in force in `month` ('YYYY-MM')."""
    doc = read_rule_file(region, "contribution-2026.json")
    if doc is None:
        raise LookupError(f"no contribution rules for region {region}")
    in_force = [b for b in doc["bases"] if b["valid_from"] <= month] or doc["bases"][:1]
    latest = max(in_force, key=lambda b: b["valid_from"])
    return Decimal(latest["floor"]), Decimal(latest["cap"])
