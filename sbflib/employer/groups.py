"""分组管理 of 职工参保信息更新 (EMP-2): a tree of at most 3 levels, local to this workbench.

One unit of work per operation: a rule's check and the write it guards share one transaction.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from sbflib.domain.errors import RuleViolation
from sbflib.domain.groups import Group, check_new_group, check_rename, path_of, subtree_ids
from sbflib.errors import ValidationError, service_edge
from sbflib.io import templates
from sbflib.io.row_errors import RowError
from sbflib.store import groups as groups_repo
from sbflib.system.context import Context

#: Columns of `GroupService.list()`, in order.
GROUP_LIST_COLUMNS = ["group_id", "name", "parent_id", "level", "path", "saved_at"]


@dataclass
class ImportReport:
    """Result of a template import: how many rows took effect and why the others did not."""

    done: int = 0
    errors: list = field(default_factory=list)   # sbflib.io.row_errors.RowError

    @property
    def message(self) -> str:
        text = f"成功导入{self.done}条"
        if self.errors:
            text += f"，失败{len(self.errors)}条"
        return text


def _missing_group() -> ValidationError:
    return ValidationError("分组不存在", field="分组", code="GROUP_MISSING")


def _groups_holding(con: duckdb.DuckDBPyConnection, unit_id: str, group_id: int) -> dict[int, Group]:
    """The unit's groups, refused unless `group_id` is one of them (read in the caller's unit of work)."""
    groups = groups_repo.load_groups(con, unit_id)
    if group_id not in groups:
        raise _missing_group()
    return groups


def _group_id(value: object, label: str = "分组") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError("取值不正确", field=label)
    return value


@service_edge
class GroupService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def _unit_id(self) -> str:
        return self.ctx.require_unit("employer").unit_id

    def list(self) -> pd.DataFrame:
        """group_id, name, parent_id, level, path, saved_at (保存时间) — parents before children."""
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            groups = groups_repo.load_groups(con, unit_id)
            saved = groups_repo.saved_times(con, unit_id)
        saved_at = dict(zip(saved["group_id"], saved["saved_at"], strict=True))
        rows = []

        def walk(parent: int | None, level: int) -> None:
            for g in sorted((g for g in groups.values() if g.parent_id == parent), key=lambda g: g.group_id):
                rows.append({"group_id": g.group_id, "name": g.name, "parent_id": g.parent_id,
                             "level": level, "path": path_of(groups, g.group_id),
                             "saved_at": saved_at.get(g.group_id)})
                walk(g.group_id, level + 1)

        walk(None, 1)
        df = pd.DataFrame(rows, columns=GROUP_LIST_COLUMNS)
        df["saved_at"] = pd.to_datetime(df["saved_at"])
        return df

    def tree(self) -> pd.DataFrame:
        """The group dialog's tree: the same rows as `list()` (with 保存时间 in saved_at)."""
        return self.list()

    def paths(self) -> dict[int, str]:
        with self.ctx.store.read() as con:
            return groups_repo.paths(con, self._unit_id())

    def subtree(self, group_id: int) -> builtins.list[int]:
        group_id = _group_id(group_id)
        with self.ctx.store.read() as con:
            groups = _groups_holding(con, self._unit_id(), group_id)
        return sorted(subtree_ids(groups, group_id))

    def add(self, name: str, parent_id: int | None = None) -> int:
        """新建分组 (parent None) or 添加子分组. Names may not hold a path separator (- / > －)."""
        unit_id = self._unit_id()
        if parent_id is not None:
            parent_id = _group_id(parent_id, "上级分组")
        with self.ctx.store.work() as con:
            clean = check_new_group(groups_repo.load_groups(con, unit_id), name, parent_id)
            return groups_repo.insert_group(con, unit_id, clean, parent_id)

    def rename(self, group_id: int, name: str) -> None:
        unit_id = self._unit_id()
        group_id = _group_id(group_id)
        with self.ctx.store.work() as con:
            groups = _groups_holding(con, unit_id, group_id)
            groups_repo.rename_group(con, unit_id, group_id, check_rename(groups, group_id, name))

    def delete(self, group_id: int) -> int:
        """删除: the group and its whole subtree; returns how many groups went."""
        unit_id = self._unit_id()
        group_id = _group_id(group_id)
        with self.ctx.store.work() as con:
            ids = subtree_ids(_groups_holding(con, unit_id, group_id), group_id)
            groups_repo.delete_groups(con, unit_id, ids)
        return len(ids)

    def template(self) -> bytes:
        return templates.group_template_bytes()

    def import_template(self, xlsx: bytes) -> ImportReport:
        """批量导入: each row a path of 1-3 names; missing levels are created, existing ones reused.
        Valid rows are applied even when others fail; each failure names its row. A file of more than
        `templates.MAX_IMPORT_ROWS` rows, or one that is not the template, is refused as a whole."""
        unit_id = self._unit_id()
        if not isinstance(xlsx, bytes | bytearray):
            raise ValidationError("请上传Excel(.xlsx)文件", field="导入文件")
        paths, errors = templates.parse_group_template_rows(bytes(xlsx))
        report = ImportReport(errors=list(errors))
        with self.ctx.store.work() as con:
            groups = groups_repo.load_groups(con, unit_id)
            for row, path in paths:
                parent: int | None = None
                created = False
                try:
                    for name in path:
                        found = [g for g in groups.values() if g.parent_id == parent and g.name == name.strip()]
                        if found:
                            parent = found[0].group_id
                            continue
                        clean = check_new_group(groups, name, parent)
                        gid = groups_repo.insert_group(con, unit_id, clean, parent)
                        groups[gid] = Group(gid, clean, parent)
                        parent, created = gid, True
                except RuleViolation as exc:
                    report.errors.append(RowError(row, "分组", exc.message))
                    continue
                report.done += 1 if created else 0
        report.errors.sort(key=lambda e: e.row)
        return report
