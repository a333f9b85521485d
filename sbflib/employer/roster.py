"""职工参保信息更新 (EMP-2): update the roster from the bureau, query it, group employees, export.

The list (columns, labels, the query form's `RosterFilter`) is declared once in
`sbflib.store.roster` (`ROSTER_LIST`) and re-exported here. Every operation is one unit of work on
the client store; a check and the write it guards share one transaction.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sbflib.domain.ids import mask_id_number
from sbflib.domain.roster import RosterCounts
from sbflib.employer.groups import GroupService, ImportReport
from sbflib.errors import (
    MAX_PAGE,
    MAX_PAGE_SIZE,
    BureauError,
    StateError,
    ValidationError,
    service_edge,
    whole_number,
)
from sbflib.io import templates, xlsx
from sbflib.io.row_errors import RowError
from sbflib.store import groups as groups_repo
from sbflib.store import roster as roster_repo
from sbflib.store import settings as settings_repo
from sbflib.store.roster import COLUMNS, ROSTER_LIST, RosterFilter
from sbflib.system.context import Context

__all__ = [
    "COLUMNS", "EXPORT_FULL_IDS_KEY", "FULL", "INCREMENTAL", "ITEM_LABELS", "MAX_PAGE", "MAX_PAGE_SIZE",
    "ROSTER_LIST", "EmployeeDetail", "Registration", "RosterFilter", "RosterService", "SyncResult",
]

Progress = Callable[[float, str], None]

FULL = "全量更新"
INCREMENTAL = "增量更新"

#: Setting that remembers the clerk's last choice between 完整 (True) and 脱敏 (False) exports.
EXPORT_FULL_IDS_KEY = "roster.export_full_ids"

#: The insured items of the detail view (参保险种信息, manual 2.2.2 六), key -> label, in order.
#: unit_number and agency head each 参保信息 block rather than being table columns.
ITEM_LABELS = {
    "unit_number": "单位编号",
    "agency": "社保经办机构",
    "person_number": "人员编号",
    "item_name": "征收项目",
    "subitem_name": "征收品目",
    "subitem_detail": "征收子目",
    "special_category": "参保人员特殊类别",
    "base": "缴费基数（元）",
    "start_month": "开始缴费月份",
    "stop_month": "终止缴费月份",
}


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


@dataclass(frozen=True)
class Registration:
    """One 单位编号 and its 社保经办机构 an employee is registered under (参保信息)."""

    unit_number: str
    agency: str


@dataclass
class EmployeeDetail:
    """职工参保明细: basic info (Chinese labels), the insured items (ITEM_LABELS columns, stop month
    长期 when open) and the unit numbers / agencies the items fall under, to switch between."""

    basic: dict = field(default_factory=dict)
    items: pd.DataFrame = field(default_factory=pd.DataFrame)
    unit_numbers: list[Registration] = field(default_factory=list)

    def items_of(self, registration: Registration) -> pd.DataFrame:
        """The items of one 单位编号 / 社保经办机构."""
        keep = (self.items["unit_number"] == registration.unit_number) & (self.items["agency"] == registration.agency)
        return self.items[keep].reset_index(drop=True)


def _employee_ids(values: Any, label: str = "职工") -> list[str]:
    if isinstance(values, str) or not isinstance(values, list | tuple | set | pd.Series | pd.Index):
        raise ValidationError("应为职工列表", field=label)
    ids = list(dict.fromkeys(values))
    if not all(isinstance(v, str) for v in ids):
        raise ValidationError("职工编号应为文字", field=label)
    return ids


@service_edge
class RosterService:
    COLUMNS = COLUMNS
    LIST = ROSTER_LIST

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
        if unit_id in self._cursors:
            since: int | None = self._cursors[unit_id]
        else:
            with self.ctx.store.read() as con:
                since = roster_repo.stored_cursor(con, unit_id)
        rebase = False
        for _attempt in range(3):
            is_full = full or since is None
            kind = FULL if is_full else INCREMENTAL
            report(0.2, f"正在从管理子系统下载职工参保信息（{kind}）…")
            self.ctx.store.warm_up()
            try:
                batch = self.ctx.client.roster.batch(unit_id, None if is_full else since)
            except BureauError as refused:
                if refused.code != "CURSOR_AHEAD" or is_full:
                    raise
                # The bureau's roster went back (restored from a backup): what we hold is not its
                # history any more, so the update becomes a full one that may replace it.
                full = rebase = True
                continue
            report(0.7, f"已下载{batch.employees.num_rows}名职工，正在保存…")
            try:
                with self.ctx.store.work() as con:
                    loaded = roster_repo.load_roster(
                        con, unit_id, batch.employees, batch.items,
                        full=is_full, since=since, cursor=batch.cursor, kind=kind, rebase=rebase,
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
        sync_id = whole_number(sync_id, "更新批次", 2**31 - 1)
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            ids = roster_repo.changed_employee_ids(con, sync_id)
            df = roster_repo.query_all(con, unit_id, None, employee_ids=ids)
            return self._with_groups(con, unit_id, df)

    # -- 查询 ----------------------------------------------------------------------------------
    def _with_groups(self, con: Any, unit_id: str, df: pd.DataFrame) -> pd.DataFrame:
        paths = groups_repo.paths(con, unit_id)
        group = df.pop("group_id")
        df.insert(7, "group", group.map(lambda g: paths.get(int(g), "") if pd.notna(g) else ""))
        return df

    def query(
        self, filters: RosterFilter | None = None, page: int = 1, page_size: int | None = None
    ) -> tuple[pd.DataFrame, int]:
        """One page of employees matching the filters (ID numbers masked), and how many match in all."""
        f = ROSTER_LIST.check(filters)
        page = whole_number(page, "页码", MAX_PAGE)
        if page_size is not None:
            page_size = whole_number(page_size, "每页条数", MAX_PAGE_SIZE)
        unit_id = self._unit_id()
        if page_size is None:
            # A unit of its own: settings.read leaves its result open (fetchone), which DuckDB 2.0
            # refuses before the next query on the same connection.
            with self.ctx.store.read() as con:
                page_size = settings_repo.read_page_size(con)
        with self.ctx.store.read() as con:
            df, total = roster_repo.query_page(con, unit_id, f, page=page, page_size=page_size)
            return self._with_groups(con, unit_id, df), total

    def frame(self, filters: RosterFilter | None = None, *, full_ids: bool = False) -> pd.DataFrame:
        """Every employee matching the filters, never truncated, for analysis: employee_id and the
        COLUMNS keys, typed (updated_at a timestamp). ID numbers masked unless `full_ids=True`."""
        f = ROSTER_LIST.check(filters)
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            df = roster_repo.query_all(con, unit_id, f, full_ids=bool(full_ids), display=False)
            return self._with_groups(con, unit_id, df)

    def items(self, filters: RosterFilter | None = None) -> pd.DataFrame:
        """Every insured item of the employees matching the filters, one row per item, with the
        employee's name and status: for analysis (bases are Decimal, stop month None = 长期)."""
        f = ROSTER_LIST.check(filters)
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            return roster_repo.items_of(con, unit_id, f)

    def counts(self) -> RosterCounts:
        """职工总数 / 正常缴费 / 停止缴费 for the whole unit, against today's month."""
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            return RosterCounts(*roster_repo.counts(con, unit_id))

    def id_types(self) -> list[str]:
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            return roster_repo.distinct_values(con, unit_id, "id_type")

    def unit_numbers(self) -> list[str]:
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            return roster_repo.distinct_values(con, unit_id, "unit_number")

    def detail(self, employee_id: str) -> EmployeeDetail:
        """查看: 基本信息, the 参保信息 (unit numbers and agencies) and the insured items with 征收子目;
        stop month shown as 长期 when open."""
        if not isinstance(employee_id, str):
            raise ValidationError("职工编号应为文字", field="职工")
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            basic, items = roster_repo.employee(con, unit_id, employee_id)
            paths = groups_repo.paths(con, unit_id) if basic is not None else {}
        if basic is None:
            raise ValidationError("未找到该职工", field="职工")
        shown = {
            "姓名": basic["name"],
            "证件类型": basic["id_type"],
            "证件号码": mask_id_number(basic["id_number"]),
            "性别": basic["gender"],
            "出生日期": str(basic["birth_date"] or ""),
            "分组": paths.get(basic["group_id"], "") if basic["group_id"] is not None else "",
        }
        items = items.reindex(columns=list(ITEM_LABELS))
        items["subitem_detail"] = items["subitem_detail"].fillna("")
        items["stop_month"] = items["stop_month"].fillna("长期")
        registrations = [
            Registration(str(n), "" if pd.isna(a) else str(a))
            for n, a in dict.fromkeys(zip(items["unit_number"], items["agency"], strict=True))
        ]
        return EmployeeDetail(shown, items, registrations)

    # -- 编辑 / 分组 -------------------------------------------------------------------------------
    def set_group(self, employee_ids: list[str], group_id: int | None) -> int:
        """编辑: put employees in a group (None takes them out of any group). Refused, changing
        nothing, when the group or any of the employees does not exist."""
        ids = _employee_ids(employee_ids)
        if group_id is not None and (isinstance(group_id, bool) or not isinstance(group_id, int)):
            raise ValidationError("取值不正确", field="分组")
        unit_id = self._unit_id()
        with self.ctx.store.work() as con:
            if group_id is not None and group_id not in groups_repo.load_groups(con, unit_id):
                raise ValidationError("分组不存在", field="分组", code="GROUP_MISSING")
            missing = roster_repo.missing_employees(con, unit_id, ids)
            if missing:
                more = f"等{len(missing)}名职工" if len(missing) > 1 else ""
                raise ValidationError(f"本单位没有职工“{missing[0]}”{more}，请先更新职工信息",
                                      field="职工", code="EMPLOYEE_MISSING")
            groups_repo.set_members(con, unit_id, ids, group_id)
        return len(ids)

    def group_template(self) -> bytes:
        """下载批量编辑职工分组模板, prefilled with the unit's employees and their groups."""
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            df = roster_repo.employees_for_template(con, unit_id)
            paths = groups_repo.paths(con, unit_id)
        df["group"] = df.pop("group_id").map(lambda g: paths.get(int(g), "") if pd.notna(g) else "")
        return templates.employee_group_template_bytes(df)

    def import_groups(self, xlsx_bytes: bytes) -> ImportReport:
        """批量编辑职工分组导入: match rows by ID number and groups by path; report each bad row.
        A file of more than `templates.MAX_IMPORT_ROWS` rows, or one that is not the template, is
        refused as a whole (ValidationError) before its rows are read."""
        unit_id = self._unit_id()
        if not isinstance(xlsx_bytes, bytes | bytearray):
            raise ValidationError("请上传Excel(.xlsx)文件", field="导入文件")
        rows, errors = templates.parse_employee_group_template(bytes(xlsx_bytes))
        report = ImportReport(errors=list(errors))
        with self.ctx.store.work() as con:
            by_path = {path: gid for gid, path in groups_repo.paths(con, unit_id).items()}
            found = roster_repo.find_employees_by_id_number(con, unit_id, rows["id_number"].tolist())
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
            for group_id, ids in assignments.items():
                groups_repo.set_members(con, unit_id, ids, group_id)
                report.done += len(ids)
        report.errors.sort(key=lambda e: e.row)
        return report

    # -- 导出 ----------------------------------------------------------------------------------
    @property
    def export_full_ids(self) -> bool:
        """The clerk's last choice for exports: True = 完整 ID numbers, False = 脱敏 (the default)."""
        with self.ctx.store.read() as con:
            return bool(settings_repo.read(con, EXPORT_FULL_IDS_KEY, False))

    def export_frame(
        self, filters: RosterFilter | None = None, employee_ids: list[str] | None = None, *, full_ids: bool = False,
    ) -> pd.DataFrame:
        """The rows an export writes, with the Chinese headers of the table (ID numbers masked as on
        the screen unless `full_ids`)."""
        f = ROSTER_LIST.check(filters)
        ids = _employee_ids(employee_ids, "选中职工") if employee_ids is not None else None
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            df = roster_repo.query_all(con, unit_id, f, employee_ids=ids, full_ids=bool(full_ids))
            df = self._with_groups(con, unit_id, df)
        return df[list(COLUMNS)].rename(columns=COLUMNS)

    def export_xlsx(
        self, filters: RosterFilter | None = None, employee_ids: list[str] | None = None, *,
        full_ids: bool | None = None,
    ) -> bytes:
        """导出: 所有职工 is `export_xlsx(None)` (every employee of the unit, whatever the query form
        holds), 选中职工 `export_xlsx(employee_ids=[...])`; filters narrow it for scripts.

        `full_ids`: True exports 完整 ID numbers, False 脱敏 ones (masked as on the screen); the choice
        is remembered, and None uses the remembered one (脱敏 until the clerk chooses)."""
        if employee_ids is not None and not len(employee_ids):
            raise ValidationError("请先勾选需要导出的职工", field="选中职工")
        if full_ids is not None and not isinstance(full_ids, bool):
            raise ValidationError("取值不正确", field="证件号码导出方式")
        if full_ids is None:
            full = self.export_full_ids
        else:
            full = full_ids
            with self.ctx.store.work() as con:
                settings_repo.write(con, EXPORT_FULL_IDS_KEY, full)
        buffer = io.BytesIO()
        xlsx.export_dataframe(self.export_frame(filters, employee_ids, full_ids=full), buffer, sheet_name="职工参保信息")
        return buffer.getvalue()

    def export_changes_xlsx(self, sync_id: int) -> bytes:
        df = self.changes(sync_id)[list(COLUMNS)].rename(columns=COLUMNS)
        buffer = io.BytesIO()
        xlsx.export_dataframe(df, buffer, sheet_name="更新数据明细")
        return buffer.getvalue()
