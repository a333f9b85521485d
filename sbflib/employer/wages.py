"""缴费工资申报 (EMP-3..6) and 缴费工资申报记录 (EMP-7): the edit lists of the four filing pages and the
filings' records. The API the pages use (kept current in /work/notes/wages-api.md for the UI):

    d = wb.employer.wages.draft(kind, way)        kind "daily" | "annual", way "employee" | "item"
      .columns  .editable  .query(filters, page, page_size)  .frame(filters)  .items()  .tax_authorities()
      .unit_numbers()  .candidates(name_part, limit)  .check_month(employee_id, month)
      .add_one(employee_id, tax_authority, wage, month)  .add_all_normal(adjust, month)
      .add_by_unit_number(unit_number, adjust, month)  .add_by_group(group_id, adjust, month)
      .template()  .import_file(data)  .edit(row_id, wage, month)  .batch_change(row_ids, adjust)
      .delete(row_ids)  .export(row_ids, masked)  .submit(row_ids) -> FilingReceipt
    r = wb.employer.wage_records
      .feedback()  .refresh()  .query(filters, page, page_size)  .frame(filters)  .lines(filing_id)
      .export(filing_id, masked)  .feedback_wait_s

The edit list lives in the store (it survives closing the browser). Items collected 税务代征 are
never added and never sent. Submitting is crash-safe: one unit of work writes the Idempotency-Key
and 提交中 on the rows, then the filing is sent (the store is not held meanwhile), then one unit of
work records the filing and marks the rows 已申报. A lost answer leaves the rows 提交中 with their
key; the next submit of those rows sends the same body with the same key, so the bureau answers
with the filing it already made (never two filings).
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sbflib.domain import clock
from sbflib.domain.errors import RuleViolation
from sbflib.domain.ids import mask_id_number
from sbflib.domain.wages import Adjust, MonthCheck, apply_adjust, check_effective_month, parse_wage
from sbflib.errors import (
    MAX_PAGE,
    MAX_PAGE_SIZE,
    BureauError,
    ConnectionFailed,
    StateError,
    ValidationError,
    service_edge,
    whole_number,
)
from sbflib.gateway.wages import WageFiling
from sbflib.io import wage_import, xlsx
from sbflib.store import groups as groups_repo
from sbflib.store import roster as roster_repo
from sbflib.store import settings as settings_repo
from sbflib.store import wages as repo
from sbflib.store.wages import (
    DRAFT_STATUSES,
    KIND_LABELS,
    LINE_COLUMNS,
    PENDING,
    RECORD_COLUMNS,
    RECORD_STATUSES,
    SENDING,
    SENT,
    UNSENT,
    WAGE_DRAFT_LIST,
    WAGE_RECORD_LIST,
    WAY_LABELS,
    WageDraftFilter,
    WageRecordFilter,
)
from sbflib.system.context import Context

__all__ = [
    "DRAFT_STATUSES", "FEEDBACK_WAIT_KEY", "KIND_LABELS", "LINE_COLUMNS", "PENDING", "RECORD_COLUMNS",
    "RECORD_STATUSES", "SENDING", "SENT", "UNSENT", "WAGE_DRAFT_LIST", "WAGE_RECORD_LIST", "WAY_LABELS",
    "AddResult", "Adjust", "FilingReceipt", "ImportReport", "MonthCheck", "WageDraft", "WageDraftFilter",
    "WageRecordFilter", "WageRecordService", "WageService",
]

Kind = Literal["daily", "annual"]
Way = Literal["employee", "item"]

#: Setting: seconds the page counts down after 提交申报 before it fetches the feedback.
FEEDBACK_WAIT_KEY = "wages.feedback_wait_s"
DEFAULT_FEEDBACK_WAIT = 20


# --------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class AddResult:
    """What an add (all paying employees, by unit number, by group) did."""

    added: int
    skipped: int = 0            # already in the list (not yet 已申报)
    refused: int = 0            # the effective month is after the stop month / before the start
    message: str = ""


@dataclass
class ImportReport:
    """外部文件导入: rows added, rows already in the list, and the bad rows (行号 / 列 / 原因)."""

    added: int = 0
    skipped: int = 0
    errors: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["行号", "列", "原因"]))

    @property
    def message(self) -> str:
        text = f"成功导入{self.added}条"
        if self.skipped:
            text += f"，{self.skipped}条已在列表中"
        if len(self.errors):
            text += f"，{len(self.errors)}条有误未导入，请下载错误报告查看原因"
        return text

    def report_xlsx(self) -> bytes:
        """The bad rows as an .xlsx the clerk downloads."""
        return wage_import.error_report_xlsx(self.errors)


@dataclass(frozen=True)
class FilingReceipt:
    """What 提交申报 sent: one filing per 主管税务机关 among the rows (usually one)."""

    filing_id: str
    status: str
    lines: int
    employees: int
    filing_ids: tuple[str, ...] = ()
    message: str = ""


# --------------------------------------------------------------------------------------- checks


def _kind(kind: Any) -> Kind:
    if kind not in ("daily", "annual"):
        raise ValidationError("申报类型应为日常或年度", field="申报类型")
    return kind  # type: ignore[no-any-return]


def _way(way: Any) -> Way:
    if way not in ("employee", "item"):
        raise ValidationError("申报方式应为按职工或按险种", field="申报方式")
    return way  # type: ignore[no-any-return]


def _row_ids(values: Any, label: str = "选中数据") -> list[int]:
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise ValidationError("应为数据行列表", field=label)
    ids = []
    for v in values:
        if hasattr(v, "item") and not isinstance(v, bool):
            v = v.item()  # numpy integers from a DataFrame
        if isinstance(v, bool) or not isinstance(v, int):
            raise ValidationError("数据行编号应为整数", field=label)
        ids.append(v)
    ids = list(dict.fromkeys(ids))
    if not ids:
        raise ValidationError("请先勾选数据", field=label)
    return ids


def _text(value: Any, label: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise ValidationError("请填写", field=label)
    return value.strip()


def _wage(value: Any, label: str = "新缴费工资") -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise ValidationError("应为金额", field=label)
    text = format(value, "f") if isinstance(value, Decimal) else str(value)
    return parse_wage(text)


def _adjust(adjust: Any) -> Adjust:
    if not isinstance(adjust, Adjust):
        raise ValidationError("请选择缴费工资调整方式（按比率或按固定金额）", field="缴费工资")
    return adjust


def _months_note(refused: int) -> str:
    return f"，{refused}名职工的生效年月不在其缴费期内，未添加" if refused else ""


# --------------------------------------------------------------------------------------- the list


@service_edge
class WageDraft:
    """The edit list of one filing page (kind × way) of the logged-in unit. Made by
    `WageService.draft`; holds no data itself (every call reads the store)."""

    def __init__(self, service: WageService, kind: Kind, way: Way) -> None:
        self._service = service
        self.kind: Kind = kind
        self.way: Way = way

    # -- helpers -----------------------------------------------------------------------------------
    @property
    def _ctx(self) -> Context:
        return self._service.ctx

    def _unit_id(self) -> str:
        return self._ctx.require_unit("employer").unit_id

    @property
    def columns(self) -> dict[str, str]:
        """Column key -> Chinese label, in display order (no 征收项目 when filing per employee, no
        生效年月 in annual filings)."""
        return repo.draft_columns(self.kind, self.way)

    @property
    def editable(self) -> tuple[str, ...]:
        """The columns a clerk edits in the row."""
        return ("new_wage", "month") if self.kind == "daily" else ("new_wage",)

    def _month(self, month: Any) -> str | None:
        """The effective month a caller gave, as this kind wants it (daily: 'YYYY-MM', annual: None)."""
        if self.kind == "annual":
            if month not in (None, ""):
                raise ValidationError("年度缴费工资申报不填写生效年月，由管理子系统按地区规则生成", field="生效年月")
            return None
        if month in (None, ""):
            return clock.current_month()
        if not isinstance(month, str):
            raise ValidationError("应为“年-月”，如2026-11", field="生效年月")
        return month.strip()

    def _check_columns(self, df: pd.DataFrame) -> pd.DataFrame:
        keep = ["row_id", "employee_id", "item_code", "filing_id", *self.columns]
        return df[keep]

    # -- 查询 ----------------------------------------------------------------------------------
    def query(self, filters: WageDraftFilter | None = None, page: int = 1,
              page_size: int = 50) -> tuple[pd.DataFrame, int]:
        """One page of the list (ID numbers masked) and how many rows match."""
        f = WAGE_DRAFT_LIST.check(filters)
        page = whole_number(page, "页码", MAX_PAGE)
        page_size = whole_number(page_size, "每页条数", MAX_PAGE_SIZE)
        unit_id = self._unit_id()
        with self._ctx.store.read() as con:
            df, total = repo.query_page(con, unit_id, self.kind, self.way, f, page=page, page_size=page_size)
        return self._check_columns(df), total

    def frame(self, filters: WageDraftFilter | None = None, *, full_ids: bool = False) -> pd.DataFrame:
        """The whole list, never truncated (ID numbers masked unless `full_ids`)."""
        f = WAGE_DRAFT_LIST.check(filters)
        unit_id = self._unit_id()
        with self._ctx.store.read() as con:
            df = repo.query_all(con, unit_id, self.kind, self.way, f, full_ids=bool(full_ids))
        return self._check_columns(df)

    def items(self) -> list[tuple[str, str]]:
        """The unit's 税务自主 insured items (item_code, item_name); 代征 items are never listed."""
        unit_id = self._unit_id()
        with self._ctx.store.read() as con:
            return repo.self_declared_items(con, unit_id)

    def tax_authorities(self) -> list[str]:
        """The unit's own 主管税务机关 (the first is the default)."""
        unit_id = self._unit_id()
        with self._ctx.store.read() as con:
            return repo.tax_authorities(con, unit_id)

    def unit_numbers(self) -> list[str]:
        unit_id = self._unit_id()
        with self._ctx.store.read() as con:
            return roster_repo.distinct_values(con, unit_id, "unit_number")

    def candidates(self, name_part: str, limit: int = 50) -> pd.DataFrame:
        """单个录入's name search: employees whose name holds `name_part` (all when empty) and who
        have a 税务自主 item, with ID number (masked) and old wage(s): `old_wage` per employee, or
        `old_wages` {item_code: wage} per item."""
        if name_part is None:
            name_part = ""
        if not isinstance(name_part, str) or len(name_part) > 50:
            raise ValidationError("请填写姓名", field="姓名")
        limit = whole_number(limit, "条数", 1000)
        unit_id = self._unit_id()
        with self._ctx.store.read() as con:
            table = repo.roster_wages(con, unit_id, self.way, name_part=name_part.strip(), limit=limit)
        df = table.to_pandas()
        df["id_number"] = df["id_number"].map(mask_id_number)
        base = ["employee_id", "name", "id_type", "id_number", "start_month", "stop_month"]
        if self.way == "employee":
            return df[[*base, "old_wage"]].reset_index(drop=True)
        if df.empty:
            return pd.DataFrame(columns=[*base, "old_wages"])
        wages = df.groupby("employee_id", sort=True).apply(
            lambda g: dict(zip(g["item_code"], g["old_wage"], strict=True)), include_groups=False)
        first = df.drop_duplicates("employee_id").set_index("employee_id")
        out = first[base[1:]].copy()
        out["old_wages"] = wages
        return out.reset_index()[[*base, "old_wages"]]

    def check_month(self, employee_id: str, month: str) -> MonthCheck:
        """The effective month of a daily filing for one employee: `.back_pay` when it is before the
        current month (the page asks to confirm 补缴); refused after the stop month or before the start."""
        if self.kind == "annual":
            raise ValidationError("年度缴费工资申报不填写生效年月", field="生效年月")
        employee_id = _text(employee_id, "姓名")
        unit_id = self._unit_id()
        with self._ctx.store.read() as con:
            start, stop = self._employee_months(con, unit_id, employee_id)
        return check_effective_month(month, clock.current_month(), start, stop)

    @staticmethod
    def _employee_months(con: Any, unit_id: str, employee_id: str) -> tuple[str | None, str | None]:
        rows = con.execute("SELECT start_month, stop_month FROM employees WHERE unit_id = ? AND employee_id = ?",
                           [unit_id, employee_id]).fetchall()
        if not rows:
            raise ValidationError("本单位没有该职工，请先更新职工参保信息", field="姓名", code="EMPLOYEE_MISSING")
        return rows[0][0], rows[0][1]

    # -- 添加 ----------------------------------------------------------------------------------
    def add_one(self, employee_id: str, tax_authority: str, wage: Decimal | str | dict[str, Any],
                month: str | None = None) -> int:
        """单个录入: one employee (way=employee: `wage` is the new wage; way=item: {item_code: wage},
        代征 items left out). Returns the rows added."""
        employee_id = _text(employee_id, "姓名")
        tax_authority = _text(tax_authority, "主管税务机关")
        month = self._month(month)
        if self.way == "employee":
            if isinstance(wage, dict):
                raise ValidationError("按职工申报时填写一个新缴费工资", field="新缴费工资")
            wages: dict[str | None, Decimal] = {None: _wage(wage)}
        else:
            if not isinstance(wage, dict) or not wage:
                raise ValidationError("请按险种填写新缴费工资", field="新缴费工资")
            wages = {_text(code, "征收项目"): _wage(value) for code, value in wage.items()}
        unit_id = self._unit_id()
        with self._ctx.store.work() as con:
            if tax_authority not in repo.tax_authorities(con, unit_id):
                raise ValidationError("请选择本单位的主管税务机关", field="主管税务机关")
            start, stop = self._employee_months(con, unit_id, employee_id)
            if month is not None:
                month = check_effective_month(month, clock.current_month(), start, stop).month
            held = repo.roster_wages(con, unit_id, self.way, employee_ids=[employee_id])
            if held.num_rows == 0:
                raise ValidationError("该职工没有需要申报缴费工资的险种（税务代征的险种无需申报）", field="姓名",
                                      code="NOTHING_TO_FILE")
            if self.way == "item":
                insured = set(roster_repo.employee(con, unit_id, employee_id)[1]["item_code"])
                unknown = [c for c in wages if c not in insured]
                if unknown:
                    raise ValidationError(f"该职工未参保征收项目“{unknown[0]}”", field="征收项目", code="ITEM_NOT_INSURED")
                held = held.filter(pc.is_in(held["item_code"], pa.array(list(wages), pa.string())))
                if held.num_rows == 0:  # 代征 items drop out here
                    raise ValidationError("所填险种均为税务代征，无需申报缴费工资", field="征收项目",
                                          code="NOTHING_TO_FILE")
                new = [wages[c] for c in held["item_code"].to_pylist()]
            else:
                new = [wages[None]] * held.num_rows
            n = held.num_rows
            rows = held.select(["employee_id", "item_code", "item_name", "old_wage"]).append_column(
                "new_wage", pa.array(new, pa.decimal128(18, 2))).append_column(
                "tax_authority", pa.array([tax_authority] * n, pa.string())).append_column(
                "month", pa.array([month] * n, pa.string()))
            added, _skipped = repo.insert_rows(con, unit_id, self.kind, self.way, rows)
            if not added:
                raise ValidationError("该职工已在列表中（尚未申报），可直接在列表中修改", field="姓名",
                                      code="ALREADY_IN_LIST")
        return added

    def add_all_normal(self, adjust: Adjust, month: str | None = None) -> AddResult:
        """添加全部正常缴费职工, the new wage from each old one by `adjust`."""
        return self._add_bulk(_adjust(adjust), month)

    def add_by_unit_number(self, unit_number: str, adjust: Adjust, month: str | None = None) -> AddResult:
        """按单位编号添加缴费职工: the paying employees insured under `unit_number`."""
        unit_number = _text(unit_number, "单位编号")
        return self._add_bulk(_adjust(adjust), month, unit_number=unit_number)

    def add_by_group(self, group_id: int, adjust: Adjust, month: str | None = None) -> AddResult:
        """按分组添加缴费职工: the paying employees of the group and its subgroups."""
        if isinstance(group_id, bool) or not isinstance(group_id, int):
            raise ValidationError("请选择分组", field="分组")
        return self._add_bulk(_adjust(adjust), month, group_id=group_id)

    def _add_bulk(self, adjust: Adjust, month: Any, *, unit_number: str | None = None,
                  group_id: int | None = None) -> AddResult:
        month = self._month(month)
        unit_id = self._unit_id()
        current = clock.current_month()
        if month is not None:
            month = check_effective_month(month, current, None, None).month  # the format, before any row
        # Read, work the wages out, then write: the store is held only for the reads and the insert
        # (which skips rows already in the list by itself, so nothing is lost between the two).
        with self._ctx.store.read() as con:
            if group_id is not None and group_id not in groups_repo.load_groups(con, unit_id):
                raise ValidationError("分组不存在", field="分组", code="GROUP_MISSING")
            if unit_number is not None and unit_number not in roster_repo.distinct_values(con, unit_id, "unit_number"):
                raise ValidationError("本单位没有该单位编号", field="单位编号")
            authorities = repo.tax_authorities(con, unit_id)
            if not authorities:
                raise StateError("本单位没有主管税务机关信息，请先更新单位信息")
            source = repo.roster_wages(con, unit_id, self.way, paying_only=True, unit_number=unit_number,
                                       group_id=group_id)
        found = source.num_rows
        refused = 0
        if month is not None and source.num_rows:
            source, refused = _within_months(source, month)
        new_wage = _adjusted(source["old_wage"].to_pylist(), adjust)
        keep = pa.array([w is not None for w in new_wage], pa.bool_())
        rows = source.append_column("new_wage", pa.array(new_wage, pa.decimal128(18, 2))).filter(keep)
        unpriced = source.num_rows - rows.num_rows
        rows = rows.append_column("tax_authority", pa.array([authorities[0]] * rows.num_rows, pa.string()))
        rows = rows.append_column("month", pa.array([month] * rows.num_rows, pa.string()))
        with self._ctx.store.work() as con:
            added, skipped = repo.insert_rows(con, unit_id, self.kind, self.way, rows)
        noun = "条" if self.way == "item" else "名职工"
        message = f"成功添加{added}{noun}" + (f"，{skipped}{noun}已在列表中" if skipped else "") + _months_note(refused)
        if unpriced:
            message += f"，{unpriced}{noun}没有原缴费工资（或按比率调整后金额无效），未添加，请单个录入"
        if found == 0:
            message = "没有可添加的正常缴费职工"
        return AddResult(added, skipped, refused, message)

    # -- 导入 ----------------------------------------------------------------------------------
    def template(self) -> bytes:
        """导入模板下载: the .xlsx template of this page (per-item pages: a column per item)."""
        return wage_import.template_xlsx(self.kind, self.way, self.items())

    def import_file(self, data: bytes) -> ImportReport:
        """外部文件导入: every row checked; good rows added, bad rows reported (行号 / 列 / 原因).
        A file that is not this page's template is refused as a whole."""
        if not isinstance(data, bytes | bytearray) or not data:
            raise ValidationError("请上传Excel(.xlsx)文件", field="导入文件")
        unit_id = self._unit_id()
        # The file is read (python-calamine, outside the GIL) while the roster comes from the store.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sbf-wage-import") as pool:
            with self._ctx.store.read() as con:
                items = repo.self_declared_items(con, unit_id)
                reading = pool.submit(wage_import.read_wage_file, bytes(data), self.kind, self.way, items)
                roster = repo.roster_for_check(con, unit_id)
                insured = repo.insured_for_check(con, unit_id)
                authorities = repo.tax_authorities(con, unit_id)
            parsed = reading.result()
        checked = wage_import.check_rows(parsed, roster, insured, clock.current_month())
        good = _imported(checked.good)
        with self._ctx.store.work() as con:
            rows = repo.imported_rows(con, unit_id, self.way, good, authorities[0] if authorities else "")
            added, skipped = repo.insert_rows(con, unit_id, self.kind, self.way, rows)
        return ImportReport(added, skipped, checked.errors.reset_index(drop=True))

    # -- 修改 / 删除 -------------------------------------------------------------------------------
    def _editable_rows(self, con: Any, unit_id: str, row_ids: list[int], action: str) -> pd.DataFrame:
        states = repo.row_states(con, unit_id, self.kind, self.way, row_ids)
        if len(states) < len(row_ids):
            raise ValidationError("所选数据已不在列表中，请刷新后重试", field="选中数据", code="ROW_MISSING")
        if (states["status"] != UNSENT).any():
            raise ValidationError(f"已提交申报的数据不能{action}", field="选中数据", code="ROW_SUBMITTED")
        return states

    def edit(self, row_id: int, wage: Decimal | str | None = None, month: str | None = None) -> None:
        """Edit 新缴费工资 and/or 生效年月 of one 未申报 row."""
        [row_id] = _row_ids([row_id], "数据行")
        new_wage = _wage(wage) if wage is not None else None
        set_month = month is not None
        if set_month and self.kind == "annual":
            raise ValidationError("年度缴费工资申报不填写生效年月", field="生效年月")
        unit_id = self._unit_id()
        with self._ctx.store.work() as con:
            states = self._editable_rows(con, unit_id, [row_id], "修改")
            if set_month:
                start, stop = self._employee_months(con, unit_id, str(states["employee_id"].iloc[0]))
                month = check_effective_month(str(month), clock.current_month(), start, stop).month
            repo.update_row(con, row_id, wage=new_wage, month=month, set_month=set_month)

    def batch_change(self, row_ids: list[int], adjust: Adjust) -> int:
        """批量修改: 新缴费工资 of the selected 未申报 rows by ratio (of the 原缴费工资) or a fixed amount."""
        ids = _row_ids(row_ids)
        adjust = _adjust(adjust)
        unit_id = self._unit_id()
        with self._ctx.store.work() as con:
            states = self._editable_rows(con, unit_id, ids, "修改")
            bases = [o if o is not None and not pd.isna(o) else n
                     for o, n in zip(states["old_wage"], states["new_wage"], strict=True)]
            new = _adjusted(bases, adjust)
            if any(w is None for w in new):
                raise ValidationError("部分数据没有原缴费工资或按比率调整后金额无效，请按固定金额修改", field="缴费工资")
            return repo.set_wages(con, pa.table({
                "row_id": pa.array(states["row_id"].tolist(), pa.int64()),
                "new_wage": pa.array(new, pa.decimal128(18, 2)),
            }))

    def delete(self, row_ids: list[int]) -> int:
        """删除 未申报 rows; refused (nothing deleted) when any selected row was submitted."""
        ids = _row_ids(row_ids)
        unit_id = self._unit_id()
        with self._ctx.store.work() as con:
            self._editable_rows(con, unit_id, ids, "删除")
            return repo.delete_rows(con, unit_id, ids)

    # -- 导出 ----------------------------------------------------------------------------------
    def export(self, row_ids: list[int] | None = None, masked: bool = True) -> bytes:
        """导出: 所有职工 (row_ids None) or 选中职工, with the page's Chinese headers; ID numbers
        masked unless `masked=False`."""
        ids = _row_ids(row_ids, "选中职工") if row_ids is not None else None
        unit_id = self._unit_id()
        with self._ctx.store.read() as con:
            df = repo.query_all(con, unit_id, self.kind, self.way, None, row_ids=ids, full_ids=not masked)
        buffer = io.BytesIO()
        sheet = f"{KIND_LABELS[self.kind]}"
        xlsx.export_dataframe(df[list(self.columns)], buffer, sheet_name=sheet, headers=self.columns)
        return buffer.getvalue()

    # -- 提交申报 ------------------------------------------------------------------------------
    def submit(self, row_ids: list[int]) -> FilingReceipt:
        """提交申报 of the selected rows: 未申报 rows are sent as a new filing (one per 主管税务机关),
        rows left 提交中 by a lost answer are sent again with their kept key; 已申报 rows are refused.
        Rows whose items are now collected 税务代征 are not sent (they stay 未申报)."""
        ids = _row_ids(row_ids)
        unit_id = self._unit_id()
        client = self._ctx.client
        sends: list[tuple[str, str, pa.Table]] = []   # (key, tax_authority, lines)
        with self._ctx.store.work() as con:
            states = repo.row_states(con, unit_id, self.kind, self.way, ids)
            if len(states) < len(ids):
                raise ValidationError("所选数据已不在列表中，请刷新后重试", field="选中数据", code="ROW_MISSING")
            if (states["status"] == SENT).any():
                raise ValidationError("所选数据中有已申报的数据，不能重复提交", field="选中数据", code="ROW_SUBMITTED")
            pending = states[states["status"] == SENDING]
            keys = list(dict.fromkeys(pending["submit_key"].tolist()))
            fresh = states[states["status"] == UNSENT]
            assessed = set(repo.assessed_rows(con, unit_id, self.way, fresh["row_id"].tolist())) if len(fresh) else set()
            fresh = fresh[~fresh["row_id"].isin(assessed)]
            if self.kind == "daily" and fresh["month"].isna().any():
                raise ValidationError("有数据未填写生效年月", field="生效年月")
            for authority, rows in fresh.groupby("tax_authority", sort=True, dropna=False):
                key = uuid.uuid4().hex
                repo.mark_sending(con, rows["row_id"].tolist(), key)
                keys.append(key)
            for key in keys:
                lines = repo.submit_lines(con, unit_id, key)
                authority = con.execute(
                    "SELECT any_value(tax_authority) FROM wage_draft_rows WHERE unit_id = ? AND submit_key = ?",
                    [unit_id, key]).fetchall()[0][0]
                sends.append((key, authority or "", lines))
        if not sends:
            raise ValidationError("所选数据均为税务代征险种，无需申报缴费工资", field="选中数据", code="NOTHING_TO_FILE")
        filings: list[WageFiling] = []
        for key, authority, lines in sends:
            try:
                filing = client.wages.submit(unit_id, self.kind, self.way, authority, lines, key=key)
            except ConnectionFailed as lost:
                raise ConnectionFailed(
                    "提交申报时没有收到税务局的应答，无法确认是否已申报。数据已标记为“提交中”，"
                    "请稍后再次提交这些数据（再次提交不会重复申报）",
                    detail=f"{lost.code}: {lost.detail}", code=lost.code,
                ) from lost
            except BureauError:
                # A refusal: the bureau made no filing; the rows are editable again.
                with self._ctx.store.work() as con:
                    repo.mark_unsent(con, unit_id, key)
                raise
            with self._ctx.store.work() as con:
                repo.upsert_filings(con, unit_id, [_filing_row(filing)])
                repo.mark_sent(con, unit_id, key, filing.filing_id)
            filings.append(filing)
        employees = sum(f.employees for f in filings)
        count = sum(f.lines for f in filings)
        message = f"已提交申报，共{employees}名职工、{count}条数据，请稍后获取反馈"
        if assessed:
            message += f"；{len(assessed)}条税务代征险种数据无需申报，未发送"
        first = filings[0]
        return FilingReceipt(first.filing_id, first.status, count, employees,
                             tuple(f.filing_id for f in filings), message)


def _within_months(source: pa.Table, month: str) -> tuple[pa.Table, int]:
    """The rows whose employee may take `month` as effective month (not after its stop month, not
    before its start); and how many employees were left out."""
    stop = source["stop_month"]
    start = source["start_month"]
    after_stop = pc.fill_null(pc.and_(pc.not_equal(stop, ""), pc.less(stop, month)), False)
    before_start = pc.fill_null(pc.and_(pc.not_equal(start, ""), pc.greater(start, month)), False)
    bad = pc.or_(after_stop, before_start)
    left_out = len(set(source.filter(bad)["employee_id"].to_pylist()))
    return source.filter(pc.invert(bad)), left_out


def _adjusted(olds: list[Any], adjust: Adjust) -> list[Decimal | None]:
    """apply_adjust over many old wages (each distinct value worked out once); None where a ratio
    has no old wage to apply to or gives no valid wage."""
    done: dict[Any, Decimal | None] = {}
    out: list[Decimal | None] = []
    for old in olds:
        if old not in done:
            try:
                done[old] = apply_adjust(old, adjust)
            except RuleViolation:
                done[old] = None   # no old wage, or a ratio of it that is no wage: left out
        out.append(done[old])
    return out


_IMPORTED_SCHEMA = pa.schema([
    ("employee_id", pa.string()),
    ("item_code", pa.string()),
    ("wage", pa.decimal128(18, 2)),
    ("month", pa.string()),
])


def _imported(good: pd.DataFrame) -> pa.Table:
    """The checked rows of an import (employee_id, item_code, wage, month) as Arrow."""
    df = good.reindex(columns=_IMPORTED_SCHEMA.names)
    return pa.Table.from_pandas(df, schema=_IMPORTED_SCHEMA, preserve_index=False)


def _filing_row(filing: WageFiling) -> dict[str, Any]:
    return {name: getattr(filing, name) for name in repo.FILING_COLUMNS}


@service_edge
class WageService:
    """`wb.employer.wages`: the four filing pages' edit lists."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def draft(self, kind: Kind, way: Way) -> WageDraft:
        """The edit list of one page: 日常/年度 (kind "daily"/"annual") × 按职工/按险种 (way
        "employee"/"item")."""
        return WageDraft(self, _kind(kind), _way(way))


# --------------------------------------------------------------------------------------- records


@service_edge
class WageRecordService:
    """`wb.employer.wage_records` (缴费工资申报记录, EMP-7): the filings as last fetched, 获取反馈,
    the lines of each filing, export."""

    COLUMNS = RECORD_COLUMNS
    LINE_COLUMNS = LINE_COLUMNS
    LIST = WAGE_RECORD_LIST

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def _unit_id(self) -> str:
        return self.ctx.require_unit("employer").unit_id

    @property
    def feedback_wait_s(self) -> int:
        """Seconds the page counts down after 提交申报 before fetching the feedback (default 20)."""
        with self.ctx.store.read() as con:
            return int(settings_repo.read(con, FEEDBACK_WAIT_KEY, DEFAULT_FEEDBACK_WAIT))

    @feedback_wait_s.setter
    def feedback_wait_s(self, seconds: int) -> None:
        if isinstance(seconds, bool) or not isinstance(seconds, int) or not 0 <= seconds <= 600:
            raise ValidationError("应为0至600之间的整数（秒）", field="等待时间")
        with self.ctx.store.work() as con:
            settings_repo.write(con, FEEDBACK_WAIT_KEY, seconds)

    def _fetch_list(self, unit_id: str) -> tuple[list[str], list[WageFiling]]:
        with self.ctx.store.read() as con:
            pending = repo.pending_filings(con, unit_id)
        filings = list(self.ctx.client.wages.list(unit_id))
        with self.ctx.store.work() as con:
            repo.upsert_filings(con, unit_id, [_filing_row(f) for f in filings])
        return pending, filings

    def feedback(self) -> int:
        """获取反馈: fetches the records from the bureau and the lines of every record that was 待反馈
        and is decided now. Returns how many records were decided since the last look."""
        unit_id = self._unit_id()
        pending, filings = self._fetch_list(unit_id)
        decided = [f.filing_id for f in filings if f.filing_id in set(pending) and f.status != PENDING]
        with self.ctx.store.read() as con:
            unfetched = [f.filing_id for f in filings if f.status != PENDING
                         and not (repo.filing_state(con, unit_id, f.filing_id) or ("", False))[1]]
        for filing_id in dict.fromkeys([*decided, *unfetched]):
            self._fetch_lines(unit_id, filing_id)
        return len(decided)

    def refresh(self) -> int:
        """Fetch the record list from the bureau (also filings made elsewhere); returns how many are held."""
        unit_id = self._unit_id()
        _pending, filings = self._fetch_list(unit_id)
        return len(filings)

    def _fetch_lines(self, unit_id: str, filing_id: str) -> None:
        detail = self.ctx.client.wages.detail(unit_id, filing_id)
        with self.ctx.store.work() as con:
            repo.upsert_filings(con, unit_id, [_filing_row(detail.filing)])
            repo.store_lines(con, unit_id, filing_id, detail.lines)

    def query(self, filters: WageRecordFilter | None = None, page: int = 1,
              page_size: int = 50) -> tuple[pd.DataFrame, int]:
        """One page of the records (newest first) and how many match."""
        f = WAGE_RECORD_LIST.check(filters)
        page = whole_number(page, "页码", MAX_PAGE)
        page_size = whole_number(page_size, "每页条数", MAX_PAGE_SIZE)
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            return repo.query_records(con, unit_id, f, page=page, page_size=page_size)

    def frame(self, filters: WageRecordFilter | None = None) -> pd.DataFrame:
        f = WAGE_RECORD_LIST.check(filters)
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            return repo.all_records(con, unit_id, f)

    def lines(self, filing_id: str, *, full_ids: bool = False) -> pd.DataFrame:
        """查看: the lines of one filing (fetched from the bureau when not held, or while 待反馈)."""
        filing_id = _text(filing_id, "申报记录")
        unit_id = self._unit_id()
        with self.ctx.store.read() as con:
            state = repo.filing_state(con, unit_id, filing_id)
        if state is None or not state[1] or state[0] == PENDING:
            self._fetch_lines(unit_id, filing_id)
        with self.ctx.store.read() as con:
            return repo.filing_lines(con, unit_id, filing_id, full_ids=bool(full_ids))

    def export(self, filing_id: str | None = None, masked: bool = True) -> bytes:
        """导出: the record list (filing_id None) or the lines of one filing, ID numbers masked unless
        `masked=False`."""
        buffer = io.BytesIO()
        if filing_id is None:
            df = self.frame()
            xlsx.export_dataframe(df[list(RECORD_COLUMNS)], buffer, sheet_name="缴费工资申报记录",
                                  headers=RECORD_COLUMNS)
        else:
            df = self.lines(filing_id, full_ids=not masked)
            xlsx.export_dataframe(df[list(LINE_COLUMNS)], buffer, sheet_name="申报明细", headers=LINE_COLUMNS)
        return buffer.getvalue()
