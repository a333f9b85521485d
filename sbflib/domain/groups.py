"""Employee groups (分组): a tree of at most 3 levels; names non-empty and unique among siblings."""

from __future__ import annotations

from dataclasses import dataclass

MAX_DEPTH = 3


@dataclass(frozen=True)
class Group:
    group_id: int
    name: str
    parent_id: int | None


class GroupRuleError(ValueError):
    """A group change that breaks the tree's rules; the message is Chinese."""


def depth_of(groups: dict[int, Group], group_id: int | None) -> int:
    """Depth of a group (1 for a top-level group, 0 for the root None)."""
    depth = 0
    seen: set[int] = set()
    while group_id is not None:
        if group_id in seen:
            raise GroupRuleError("分组存在循环引用")
        seen.add(group_id)
        group_id = groups[group_id].parent_id
        depth += 1
    return depth


def check_new_group(groups: dict[int, Group], name: str, parent_id: int | None) -> str:
    """Return the cleaned name of a group to add under `parent_id`, or raise GroupRuleError."""
    name = (name or "").strip()
    if not name:
        raise GroupRuleError("分组名称不能为空")
    if len(name) > 50:
        raise GroupRuleError("分组名称不能超过50个字")
    if parent_id is not None and parent_id not in groups:
        raise GroupRuleError("上级分组不存在")
    if depth_of(groups, parent_id) + 1 > MAX_DEPTH:
        raise GroupRuleError(f"分组层级最多为{MAX_DEPTH}级")
    if any(g.parent_id == parent_id and g.name == name for g in groups.values()):
        raise GroupRuleError(f"同一层级下已存在名为“{name}”的分组")
    return name


def check_rename(groups: dict[int, Group], group_id: int, name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise GroupRuleError("分组名称不能为空")
    parent = groups[group_id].parent_id
    if any(g.parent_id == parent and g.name == name and g.group_id != group_id for g in groups.values()):
        raise GroupRuleError(f"同一层级下已存在名为“{name}”的分组")
    return name


def subtree_ids(groups: dict[int, Group], group_id: int) -> set[int]:
    """The group and every descendant: deleting a parent deletes its children too."""
    ids = {group_id}
    changed = True
    while changed:
        changed = False
        for g in groups.values():
            if g.parent_id in ids and g.group_id not in ids:
                ids.add(g.group_id)
                changed = True
    return ids


def path_of(groups: dict[int, Group], group_id: int) -> str:
    """Full path as shown in the manual's edit dialog, e.g. 'A1-A11'."""
    names = []
    current: int | None = group_id
    while current is not None:
        names.append(groups[current].name)
        current = groups[current].parent_id
    return "-".join(reversed(names))


def parse_path(path: str) -> list[str]:
    """Split a template's group path 'A1-A11-A111' (also '/' or '>') into level names."""
    for sep in ("/", ">", "－"):
        path = path.replace(sep, "-")
    return [p.strip() for p in path.split("-")]
