"""Employee groups (分组): a tree of at most 3 levels; names non-empty, unique among siblings, and
free of the template's path separators (a name "A-B" could never be matched by a path "A-B").

Each rule refuses with `RuleViolation` (code and Chinese message), which the service edge turns
into a ValidationError.

>>> check_new_group({}, "研发-一部", None)
Traceback (most recent call last):
...
sbflib.domain.errors.RuleViolation: 分组名称不能包含“-”（“-”用于分隔分组层级）
"""

from __future__ import annotations

from dataclasses import dataclass

from sbflib.domain.errors import RuleViolation

MAX_DEPTH = 3
MAX_NAME_LENGTH = 50
#: Characters that separate levels in a template's group path ("一级-二级-三级"), so not allowed
#: inside a name.
PATH_SEPARATORS = ("-", "/", ">", "－")
FIELD = "分组名称"


@dataclass(frozen=True)
class Group:
    group_id: int
    name: str
    parent_id: int | None


#: Kept for callers of the first slice: group rules refuse with RuleViolation.
GroupRuleError = RuleViolation


def _refuse(code: str, message: str) -> RuleViolation:
    return RuleViolation(code, message, field=FIELD)


def check_name(name: str | None) -> str:
    """The cleaned name, or RuleViolation: empty, too long, or holding a path separator."""
    name = (name or "").strip() if isinstance(name, str | None) else ""
    if not name:
        raise _refuse("GROUP_NAME_EMPTY", "分组名称不能为空")
    if len(name) > MAX_NAME_LENGTH:
        raise _refuse("GROUP_NAME_TOO_LONG", f"分组名称不能超过{MAX_NAME_LENGTH}个字")
    bad = [s for s in PATH_SEPARATORS if s in name]
    if bad:
        raise _refuse("GROUP_NAME_SEPARATOR", f"分组名称不能包含“{bad[0]}”（“{bad[0]}”用于分隔分组层级）")
    return name


def depth_of(groups: dict[int, Group], group_id: int | None) -> int:
    """Depth of a group (1 for a top-level group, 0 for the root None)."""
    depth = 0
    seen: set[int] = set()
    while group_id is not None:
        if group_id in seen:
            raise RuleViolation("GROUP_CYCLE", "分组存在循环引用", field="分组")
        seen.add(group_id)
        group_id = groups[group_id].parent_id
        depth += 1
    return depth


def check_new_group(groups: dict[int, Group], name: str, parent_id: int | None) -> str:
    """Return the cleaned name of a group to add under `parent_id`, or raise RuleViolation."""
    name = check_name(name)
    if parent_id is not None and parent_id not in groups:
        raise RuleViolation("GROUP_PARENT_MISSING", "上级分组不存在", field="上级分组")
    if depth_of(groups, parent_id) + 1 > MAX_DEPTH:
        raise _refuse("GROUP_TOO_DEEP", f"分组层级最多为{MAX_DEPTH}级")
    if any(g.parent_id == parent_id and g.name == name for g in groups.values()):
        raise _refuse("GROUP_NAME_TAKEN", f"同一层级下已存在名为“{name}”的分组")
    return name


def check_rename(groups: dict[int, Group], group_id: int, name: str) -> str:
    """Return the cleaned new name of `group_id`, or raise RuleViolation."""
    name = check_name(name)
    if group_id not in groups:
        raise RuleViolation("GROUP_MISSING", "分组不存在", field="分组")
    parent = groups[group_id].parent_id
    if any(g.parent_id == parent and g.name == name and g.group_id != group_id for g in groups.values()):
        raise _refuse("GROUP_NAME_TAKEN", f"同一层级下已存在名为“{name}”的分组")
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
    """Split a template's group path 'A1-A11-A111' (also '/', '>' or '－') into level names."""
    for sep in PATH_SEPARATORS[1:]:
        path = path.replace(sep, PATH_SEPARATORS[0])
    return [p.strip() for p in path.split("-")]
