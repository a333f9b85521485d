"""分组管理 of 职工参保信息更新 (EMP-2): a tree of at most 3 levels, local to this workbench."""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field

import pandas as pd

from sbflib.domain.groups import Group, GroupRuleError, check_new_group, check_rename, path_of, subtree_ids
from sbflib.errors import ValidationError
from sbflib.io import templates
from sbflib.io.row_errors import RowError
from sbflib.store import groups as groups_repo
from sbflib.system.context import Context


@dataclass
class ImportReport:
    """Result of a template import: how many rows took effect and why the others did not."""

    done: int = 0
    errors: list = field(default_factory=list)   # sbflib.io.templates.RowError

    @property
    def message(self) -> str:
        text = f"成功导入{self.done}条"
        if self.errors:
            text += f"，失败{len(self.errors)}条"
        return text


class GroupService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def _unit_id(self) -> str:
        return self.ctx.require_unit("employer").unit_id

    def list(self) -> pd.DataFrame:
        """group_id, name, parent_id, level, path — parents before children."""
        groups = groups_repo.load_groups(self.ctx.store, self._unit_id())
        rows = []

        def walk(parent: int | None, level: int) -> None:
            for g in sorted((g for g in groups.values() if g.parent_id == parent), key=lambda g: g.group_id):
                rows.append({"group_id": g.group_id, "name": g.name, "parent_id": g.parent_id,
                             "level": level, "path": path_of(groups, g.group_id)})
                walk(g.group_id, level + 1)

        walk(None, 1)
        return pd.DataFrame(rows, columns=["group_id", "name", "parent_id", "level", "path"])

    def paths(self) -> dict[int, str]:
        groups = groups_repo.load_groups(self.ctx.store, self._unit_id())
        return {gid: path_of(groups, gid) for gid in groups}

    def subtree(self, group_id: int) -> builtins.list[int]:
        groups = groups_repo.load_groups(self.ctx.store, self._unit_id())
        if group_id not in groups:
            raise ValidationError("分组不存在", field="分组")
        return sorted(subtree_ids(groups, group_id))

    def add(self, name: str, parent_id: int | None = None) -> int:
        """新建分组 (parent None) or 添加子分组."""
        unit_id = self._unit_id()
        with self.ctx.store.work() as con:
            groups = groups_repo.load_groups(self.ctx.store, unit_id, con)
            try:
                clean = check_new_group(groups, name, parent_id)
            except GroupRuleError as exc:
                raise ValidationError(str(exc), field="分组名称") from None
            return groups_repo.insert_group(con, unit_id, clean, parent_id)

    def rename(self, group_id: int, name: str) -> None:
        unit_id = self._unit_id()
        groups = groups_repo.load_groups(self.ctx.store, unit_id)
        if group_id not in groups:
            raise ValidationError("分组不存在", field="分组")
        try:
            clean = check_rename(groups, group_id, name)
        except GroupRuleError as exc:
            raise ValidationError(str(exc), field="分组名称") from None
        groups_repo.rename_group(self.ctx.store, unit_id, group_id, clean)

    def delete(self, group_id: int) -> int:
        """删除: the group and its whole subtree; returns how many groups went."""
        ids = set(self.subtree(group_id))
        groups_repo.delete_groups(self.ctx.store, self._unit_id(), ids)
        return len(ids)

    def template(self) -> bytes:
        return templates.group_template_bytes()

    def import_template(self, xlsx: bytes) -> ImportReport:
        """批量导入: each row a path of 1-3 names; missing levels are created, existing ones reused.
        Valid rows are applied even when others fail; each failure names its row."""
        unit_id = self._unit_id()
        paths, errors = templates.parse_group_template_rows(xlsx)
        report = ImportReport(errors=list(errors))
        with self.ctx.store.work() as con:
            groups = groups_repo.load_groups(self.ctx.store, unit_id, con)
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
                except GroupRuleError as exc:
                    report.errors.append(RowError(row, "分组", str(exc)))
                    continue
                report.done += 1 if created else 0
        return report
