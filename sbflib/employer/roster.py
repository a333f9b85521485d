"""职工参保信息更新 (EMP-2): update the roster from the bureau, query it, group employees, export."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from sbflib.domain.ids import mask_id_number
from sbflib.domain.roster import RosterCounts
from sbflib.employer.groups import GroupService, ImportReport
from sbflib.errors import StateError, ValidationError
from sbflib.io import templates, xlsx
from sbflib.io.row_errors import RowError
from sbflib.store import groups as groups_repo
from sbflib.store import roster as roster_repo
from sbflib.store import settings as settings_repo
from sbflib.system.context import Context

Progress = Callable[[float, str], None]

FULL = "全量更新"
INCREMENTAL = "增量更新"

# Column -> label, in display order. employee_id is the key the pages keep hidden.
COLUMNS = {
    "name": "姓名",
    "gender": "性别",
    "id_type": "证件类型",
    "id_number": "证件号码",
    "status": "参保状态",
    "unit_numbers": "单位编号",
    "group": "分组",
    "updated_at": "更新时间",
}

ITEM_LABELS = {
    "unit_number": "单位编号",
    "agency": "社保经办机构",
    "person_number": "人员编号",
    "item_name": "征收项目",
    "subitem_name": "征收品目",
    "special_category": "参保人员特殊类别",
    "base": "缴费基数（元）",
    "start_month": "开始缴费月份",
    "stop_month": "终止缴费月份",
}


@dataclass
class RosterFilter:
    """The query form of the roster page; empty values do not filter."""

    name: str = ""
    id_type: str = ""
    id_number: str = ""
    status: str = ""           # '' | 正常缴费 | 停止缴费
    unit_number: str = ""
    group_id: int | None = None
    updated_from: str | None = None   # YYYY-MM-DD
    updated_to: str | None = None


@dataclass(frozen=True)
class SyncResult:
    kind: str
    changed: int
    sync_id: int
    received: int
    seconds: float

    @property
    def message(self) -> str:
        return f"{self.kind}完成，本次共变更了{self.changed}条职工信息"


@dataclass
class EmployeeDetail:
    """职工参保明细: basic info (Chinese labels) and the insured items."""

    basic: dict = field(default_factory=dict)
    items: pd.DataFrame = field(default_factory=pd.DataFrame)


class RosterService:
    COLUMNS = COLUMNS

    def __init__(self, ctx: Context, groups: GroupService) -> None:
        self.ctx = ctx
        self.groups = groups
        self._cursors: dict[str, int] = {}  # unit -> roster cursor this process last stored

    def _unit_id(self) -> str:
        return self.ctx.require_unit("employer").unit_id

    # -- 更新 ----------------------------------------------------------------------------------
    def sync(self, full: bool = False, progress: Progress | None = None) -> SyncResult:
        """增量更新 (default) or 全量更新. The first update of a unit is always full."""
        unit_id = self._unit_id()
        report = progress or (lambda fraction, label: None)
        started = time.perf_counter()
        # The cursor this process last stored saves opening the store before the download; the
        # load checks it is still the store's and, when another window moved it, we fetch again.
        since = self._cursors[unit_id] if unit_id in self._cursors else roster_repo.stored_cursor(self.ctx.store, unit_id)
        for _attempt in range(3):
            is_full = full or since is None
            kind = FULL if is_full else INCREMENTAL
            report(0.2, f"正在从管理子系统下载职工参保信息（{kind}）…")
            self.ctx.store.warm_up()
            batch = self.ctx.client.roster(unit_id, None if is_full else since)
            report(0.7, f"已下载{batch.employees.num_rows}名职工，正在保存…")
            try:
                loaded = roster_repo.load_roster(
                    self.ctx.store, unit_id, batch.employees, batch.items,
                    full=is_full, since=since, cursor=batch.cursor, kind=kind,
                )
                break
            except roster_repo.CursorMoved as moved:
                since = moved.cursor
        else:
            raise StateError("其他窗口正在更新职工信息，请稍后重试")
        self._cursors[unit_id] = batch.cursor
        report(1.0, "职工参保信息更新完成")
        return SyncResult(kind, loaded.changed, loaded.sync_id, loaded.received, time.perf_counter() - started)

    def changes(self, sync_id: int) -> pd.DataFrame:
        """更新数据明细: the employees one update changed."""
        ids = roster_repo.changed_employee_ids(self.ctx.store, sync_id)
        return self._with_groups(roster_repo.query_all(self.ctx.store, self._unit_id(), roster_repo.RosterQuery(employee_ids=ids)))

    # -- 查询 ----------------------------------------------------------------------------------
    def _resolve(self, filters: RosterFilter | None, employee_ids: list[str] | None = None) -> roster_repo.RosterQuery:
        f = filters or RosterFilter()
        return roster_repo.RosterQuery(
            name=f.name or "", id_type=f.id_type or "", id_number=f.id_number or "", status=f.status or "",
            unit_number=f.unit_number or "",
            group_ids=self.groups.subtree(f.group_id) if f.group_id is not None else None,
            updated_from=f.updated_from or None, updated_to=f.updated_to or None,
            employee_ids=employee_ids,
        )

    def _with_groups(self, df: pd.DataFrame) -> pd.DataFrame:
        paths = self.groups.paths()
        group = df.pop("group_id")
        df.insert(7, "group", group.map(lambda g: paths.get(int(g), "") if pd.notna(g) else ""))
        return df

    def query(
        self, filters: RosterFilter | None = None, page: int = 1, page_size: int | None = None
    ) -> tuple[pd.DataFrame, int]:
        """One page of employees matching the filters, and how many match in all."""
        size = page_size or settings_repo.page_size(self.ctx.store)
        if page < 1:
            raise ValidationError("页码应从1开始", field="页码")
        df, total = roster_repo.query_page(self.ctx.store, self._unit_id(), self._resolve(filters), page=page, page_size=size)
        return self._with_groups(df), total

    def items(self, filters: RosterFilter | None = None) -> pd.DataFrame:
        """Every insured item of the employees matching the filters, one row per item, with the
        employee's name and status: for analysis (bases are Decimal, stop month None = 长期)."""
        return roster_repo.items_of(self.ctx.store, self._unit_id(), self._resolve(filters))

    def counts(self) -> RosterCounts:
        """职工总数 / 正常缴费 / 停止缴费 for the whole unit, against today's month."""
        return RosterCounts(*roster_repo.counts(self.ctx.store, self._unit_id()))

    def id_types(self) -> list[str]:
        return roster_repo.distinct_values(self.ctx.store, self._unit_id(), "id_type")

    def unit_numbers(self) -> list[str]:
        return roster_repo.distinct_values(self.ctx.store, self._unit_id(), "unit_number")

    def detail(self, employee_id: str) -> EmployeeDetail:
        """查看: 基本信息 and the insured items (参保险种信息); stop month shown as 长期 when open."""
        basic, items = roster_repo.employee(self.ctx.store, self._unit_id(), employee_id)
        if basic is None:
            raise ValidationError("未找到该职工", field="职工")
        paths = self.groups.paths()
        shown = {
            "姓名": basic["name"],
            "证件类型": basic["id_type"],
            "证件号码": mask_id_number(basic["id_number"]),
            "性别": basic["gender"],
            "出生日期": str(basic["birth_date"] or ""),
            "分组": paths.get(basic["group_id"], "") if basic["group_id"] is not None else "",
        }
        items = items[list(ITEM_LABELS)].copy()
        items["stop_month"] = items["stop_month"].fillna("长期")
        return EmployeeDetail(shown, items)

    # -- 编辑 / 分组 -------------------------------------------------------------------------------
    def set_group(self, employee_ids: list[str], group_id: int | None) -> int:
        """编辑: put employees in a group (None takes them out of any group)."""
        unit_id = self._unit_id()
        if group_id is not None and group_id not in groups_repo.load_groups(self.ctx.store, unit_id):
            raise ValidationError("分组不存在", field="分组")
        ids = list(dict.fromkeys(employee_ids))
        with self.ctx.store.work() as con:
            groups_repo.set_members(con, unit_id, ids, group_id)
        return len(ids)

    def group_template(self) -> bytes:
        """下载批量编辑职工分组模板, prefilled with the unit's employees and their groups."""
        df = roster_repo.employees_for_template(self.ctx.store, self._unit_id())
        paths = self.groups.paths()
        df["group"] = df.pop("group_id").map(lambda g: paths.get(int(g), "") if pd.notna(g) else "")
        return templates.employee_group_template_bytes(df)

    def import_groups(self, xlsx_bytes: bytes) -> ImportReport:
        """批量编辑职工分组导入: match rows by ID number and groups by path; report each bad row."""
        unit_id = self._unit_id()
        rows, errors = templates.parse_employee_group_template(xlsx_bytes)
        report = ImportReport(errors=list(errors))
        by_path = {path: gid for gid, path in self.groups.paths().items()}
        found = roster_repo.find_employees_by_id_number(self.ctx.store, unit_id, rows["id_number"].tolist())
        assignments: dict[int, list[str]] = {}
        for rec in rows.itertuples(index=False):
            employee_id = found.get(str(rec.id_number).upper())
            if employee_id is None:
                report.errors.append(RowError(int(rec.row), "证件号码", "本单位没有该证件号码的职工"))
                continue
            group_id = by_path.get(str(rec.group_path).strip())
            if group_id is None:
                report.errors.append(RowError(int(rec.row), "分组", f"分组“{rec.group_path}”不存在，请先在分组管理中新建"))
                continue
            assignments.setdefault(group_id, []).append(employee_id)
        with self.ctx.store.work() as con:
            for group_id, ids in assignments.items():
                groups_repo.set_members(con, unit_id, ids, group_id)
                report.done += len(ids)
        report.errors.sort(key=lambda e: e.row)
        return report

    # -- 导出 ----------------------------------------------------------------------------------
    def export_frame(self, filters: RosterFilter | None = None, employee_ids: list[str] | None = None) -> pd.DataFrame:
        """The rows an export writes, with the Chinese headers of the table."""
        df = self._with_groups(roster_repo.query_all(self.ctx.store, self._unit_id(), self._resolve(filters, employee_ids)))
        return df[list(COLUMNS)].rename(columns=COLUMNS)

    def export_xlsx(self, filters: RosterFilter | None = None, employee_ids: list[str] | None = None) -> bytes:
        """导出: 所有职工 (every row matching the filters) or 选中职工 (just `employee_ids`)."""
        if employee_ids is not None and not employee_ids:
            raise ValidationError("请先勾选需要导出的职工", field="选中职工")
        buffer = io.BytesIO()
        xlsx.export_dataframe(self.export_frame(filters, employee_ids), buffer, sheet_name="职工参保信息")
        return buffer.getvalue()

    def export_changes_xlsx(self, sync_id: int) -> bytes:
        df = self.changes(sync_id)[list(COLUMNS)].rename(columns=COLUMNS)
        buffer = io.BytesIO()
        xlsx.export_dataframe(df, buffer, sheet_name="更新数据明细")
        return buffer.getvalue()
