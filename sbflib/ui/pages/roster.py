"""职工参保信息更新 (EMP-2): query, counts, 更新 / 全量更新, 导出, 分组管理, 查看, 编辑 (manual 2.2)."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import ipywidgets as w
import pandas as pd

from sbflib.employer.groups import ImportReport
from sbflib.employer.roster import ITEM_LABELS, RosterFilter
from sbflib.ui.components.dialogs import Dialog, _esc
from sbflib.ui.components.query_form import QueryForm
from sbflib.ui.components.table import PagedTable
from sbflib.ui.context import Ui, button, field

ALL = "全部"


class DateRange(w.HBox):
    """更新时间 from … to; `value` is a (from, to) pair of dates or None."""

    def __init__(self) -> None:
        self.start = w.DatePicker()
        self.end = w.DatePicker()
        super().__init__([self.start, w.Label("至"), self.end])
        self.add_class("sbf-date-range")

    @property
    def value(self) -> tuple[dt.date | None, dt.date | None]:
        return (self.start.value, self.end.value)

    @value.setter
    def value(self, v: tuple[dt.date | None, dt.date | None]) -> None:
        self.start.value, self.end.value = v


def _upload() -> w.FileUpload:
    u = w.FileUpload(accept=".xlsx", multiple=False, description="批量编辑职工分组导入",
                     layout=w.Layout(width="auto"))
    return u


def _uploaded_bytes(upload: w.FileUpload) -> bytes | None:
    if not upload.value:
        return None
    item = upload.value[0]
    return bytes(item["content"])


def _report_html(report: ImportReport) -> str:
    """An import's result, then one line per refused row (the first 200)."""
    items = "".join(f"<li>{_esc(str(e))}</li>" for e in report.errors[:200])
    return f"<div>{_esc(report.message)}</div>" + (f"<ul class='sbf-import-errors'>{items}</ul>" if items else "")


def _report_text(report: ImportReport) -> str:
    return "\n".join([report.message, *(str(e) for e in report.errors[:200])])


class RosterPage(w.VBox):
    def __init__(self, ui: Ui) -> None:
        self.ui = ui
        self.r = ui.wb.employer.roster
        self.g = ui.wb.employer.groups
        r = self.r

        # query form
        self.name = w.Text(placeholder="支持模糊查询")
        self.id_type = w.Dropdown(options=[ALL], value=ALL)
        self.id_number = w.Text(placeholder="支持模糊查询")
        self.status = w.Dropdown(options=[ALL, "正常缴费", "停止缴费"], value=ALL)
        self.unit_number = w.Dropdown(options=[ALL], value=ALL)
        self.group = w.Dropdown(options=[(ALL, "")], value="")
        self.updated = DateRange()
        for x, css in ((self.name, "sbf-q-name"), (self.id_type, "sbf-q-id-type"),
                       (self.id_number, "sbf-q-id-number"), (self.status, "sbf-q-status"),
                       (self.unit_number, "sbf-q-unit-number"), (self.group, "sbf-q-group")):
            x.add_class(css)
        self.form = QueryForm([
            ("姓名", self.name), ("证件类型", self.id_type), ("证件号码", self.id_number),
            ("参保状态", self.status), ("单位编号", self.unit_number), ("分组", self.group),
            ("更新时间", self.updated),
        ], on_query=self.query)

        # counts and toolbar
        self.counts = w.HTML("")
        self.counts.add_class("sbf-roster-counts")
        self.export_menu = w.HBox([button("选中职工", self.export_selected, css="sbf-export-selected"),
                                   button("所有职工", self.export_all, css="sbf-export-all")],
                                  layout=w.Layout(display="none"))
        self.export_menu.add_class("sbf-export-menu")
        self.upload = _upload()
        self.upload.add_class("sbf-roster-group-import")
        self.upload.observe(lambda _c: self.import_employee_groups(), names="value")
        toolbar = w.HBox([
            button("更新", lambda: self.sync(False), primary=True, css="sbf-sync"),
            button("全量更新", lambda: self.sync(True), css="sbf-full-sync"),
            button("导出", self.toggle_export, css="sbf-export"),
            self.export_menu,
            button("分组管理", self.open_groups, css="sbf-groups"),
            button("下载批量编辑职工分组模板", self.download_group_template, css="sbf-roster-group-template"),
            self.upload,
            w.HTML("<span class='sbf-spacer'></span>"),
            button("查看", self.view_selected, css="sbf-view"),
            button("编辑", self.edit_selected, css="sbf-edit"),
        ])
        toolbar.add_class("sbf-toolbar")
        toolbar.add_class("sbf-wrap")

        columns = {k: v for k, v in r.COLUMNS.items() if k != "employee_id"}
        self.table = PagedTable(self._fetch, columns, table_key="roster", settings=ui.wb.settings,
                                id_column="employee_id", height="440px")
        card = w.VBox([self.form, w.HBox([self.counts]), toolbar, self.table])
        card.add_class("sbf-card")
        super().__init__([w.HTML("<div class='sbf-page-title'>职工参保信息更新</div>"), card])
        self.add_class("sbf-page")
        self.add_class("sbf-roster-page")
        self.load_choices()
        self.query()

    # ---- query ----------------------------------------------------------------------------
    def load_choices(self) -> None:
        ok, types = self.ui.call(self.r.id_types)
        if ok:
            self.id_type.options = [ALL, *types]
        ok, numbers = self.ui.call(self.r.unit_numbers)
        if ok:
            self.unit_number.options = [ALL, *numbers]
        self._load_groups()

    def _load_groups(self) -> None:
        ok, groups = self.ui.call(self.g.list)
        if ok:
            current = self.group.value
            opts = [(ALL, "")] + [(str(p), int(i)) for i, p in zip(groups["group_id"], groups["path"], strict=False)]
            self.group.options = opts
            self.group.value = current if current in [v for _, v in opts] else ""
            self.groups_frame = groups

    def filters(self) -> RosterFilter:
        start, end = self.updated.value
        return RosterFilter(
            name=self.name.value.strip(),
            id_type="" if self.id_type.value == ALL else self.id_type.value,
            id_number=self.id_number.value.strip(),
            status="" if self.status.value == ALL else self.status.value,
            unit_number="" if self.unit_number.value == ALL else self.unit_number.value,
            group_id=self.group.value if self.group.value != "" else None,
            updated_from=start.isoformat() if start else None,
            updated_to=end.isoformat() if end else None,
        )

    def _fetch(self, page: int, size: int) -> tuple[pd.DataFrame, int]:
        return self.r.query(self.filters(), page=page, page_size=size)

    def query(self) -> None:
        _ok, _ = self.ui.call(self.table.refresh, 1)
        self.show_counts()

    def on_show(self) -> None:
        self.show_counts()

    def show_counts(self) -> None:
        ok, c = self.ui.call(self.r.counts)
        if ok:
            self.counts.value = (f"职工总数：<b class='sbf-count-total'>{c.total}</b>人　"
                                 f"正常缴费：<b class='sbf-count-paying'>{c.paying}</b>人　"
                                 f"停止缴费：<b class='sbf-count-stopped'>{c.stopped}</b>人")

    # ---- 更新 -----------------------------------------------------------------------------
    def sync(self, full: bool) -> None:
        label = "正在全量更新职工参保信息……" if full else "正在更新职工参保信息……"
        self.ui.run(lambda p: self.r.sync(full=full, progress=p), self._synced,
                    title="全量更新" if full else "更新", label=label)

    def _synced(self, result: Any) -> None:
        self.last_sync = result
        self.load_choices()
        self.query()
        if result.changed:
            self.ui.confirm(f"本次共变更了{result.changed}条职工信息，是否查看更新明细？",
                            lambda: self.show_changes(result))
        else:
            self.ui.message("本次共变更了0条职工信息")

    def show_changes(self, result: Any) -> None:
        ok, df = self.ui.call(self.r.changes, result.sync_id)
        if not ok:
            return
        columns = {k: v for k, v in self.r.COLUMNS.items() if k != "employee_id"}

        def fetch(page: int, size: int) -> tuple[pd.DataFrame, int]:
            return df.iloc[(page - 1) * size: page * size], len(df)

        table = PagedTable(fetch, columns, table_key="roster_changes", settings=self.ui.wb.settings,
                           id_column="employee_id", height="360px")
        table.refresh(1)
        export = button("导出", lambda: self._export_changes(result.sync_id), primary=True,
                        css="sbf-changes-export")
        close = w.Button(description="关闭")
        d = Dialog("更新数据明细", [w.HTML(f"<div>{_esc(result.kind)}：本次共变更了{result.changed}条职工信息</div>"),
                                    table], [export, close], width="1000px", css="sbf-changes-dialog")
        close.on_click(lambda _b: d.dismiss())
        self.changes_dialog = d
        self.ui.dialogs.show(d)

    # ---- 导出 -----------------------------------------------------------------------------
    def toggle_export(self) -> None:
        shown = self.export_menu.layout.display != "none"
        self.export_menu.layout.display = "none" if shown else "flex"

    def export_selected(self) -> None:
        ids = self.table.selected_ids()
        if not ids:
            self.ui.error("请先勾选需要导出的职工")
            return
        self._export(self.r.export_xlsx, None, ids, "职工参保信息")

    def export_all(self) -> None:
        self._export(self.r.export_xlsx, self.filters(), None, "职工参保信息")

    def _export_changes(self, sync_id: int) -> None:
        name = f"更新数据明细_{dt.datetime.now():%Y%m%d%H%M%S}.xlsx"
        self.ui.run(lambda _p: self.r.export_changes_xlsx(sync_id), lambda data: self.ui.save(data, name),
                    title="导出", label="正在导出，请稍候……")

    def _export(self, fn: Any, filters: Any, ids: list | None, stem: str) -> None:
        self.export_menu.layout.display = "none"
        name = f"{stem}_{dt.datetime.now():%Y%m%d%H%M%S}.xlsx"
        self.ui.run(lambda _p: fn(filters=filters, employee_ids=ids), lambda data: self.ui.save(data, name),
                    title="导出", label="正在导出，请稍候……")

    # ---- 查看 / 编辑 -----------------------------------------------------------------------
    def _one_selected(self) -> Any:
        ids = self.table.selected_ids()
        if len(ids) != 1:
            self.ui.error("请选择一条职工信息")
            return None
        return ids[0]

    def view_selected(self) -> None:
        eid = self._one_selected()
        if eid is not None:
            self.view(eid)

    def view(self, employee_id: Any) -> Dialog | None:
        ok, d = self.ui.call(self.r.detail, employee_id)
        if not ok:
            return None
        basic = "".join(f"<div class='sbf-kv'><span>{_esc(k)}：</span><b>{_esc(v)}</b></div>"
                        for k, v in (d.basic or {}).items())
        items = d.items if isinstance(d.items, pd.DataFrame) else pd.DataFrame(d.items)
        parts = [f"<div class='sbf-section-title'>基本信息</div><div class='sbf-kv-grid'>{basic}</div>",
                 "<div class='sbf-section-title'>参保信息</div>"]
        group_cols = [c for c in ("unit_number", "agency") if c in items.columns]
        groups = items.groupby(group_cols, sort=False) if group_cols else [((), items)]
        for key, part in groups:
            key = key if isinstance(key, tuple) else (key,)
            if group_cols:
                labels = {"unit_number": "单位编号", "agency": "社保经办机构"}
                parts.append("<div class='sbf-kv-line'>" + "　".join(
                    f"{labels[c]}：<b>{_esc(v)}</b>" for c, v in zip(group_cols, key, strict=False)) + "</div>")
            parts.append(_items_table(part))
        close = w.Button(description="关闭")
        dialog = Dialog("职工参保明细", [w.HTML("".join(parts))], [close], width="980px", css="sbf-detail-dialog")
        close.on_click(lambda _b: dialog.dismiss())
        self.detail_dialog = dialog
        return self.ui.dialogs.show(dialog)

    def edit_selected(self) -> None:
        eid = self._one_selected()
        if eid is None:
            return
        row = self.table.frame[self.table.frame["employee_id"] == eid].iloc[0]
        self._load_groups()
        current = next((v for label, v in self.group.options if v != "" and label == row.get("group")), "")
        dropdown = w.Dropdown(options=[("（无分组）", ""), *list(self.group.options)[1:]], value=current)
        dropdown.add_class("sbf-edit-group")
        ok_b = w.Button(description="确定", button_style="primary")
        cancel = w.Button(description="取消")
        d = Dialog("编辑人员信息", [field("姓名", w.Label(str(row.get("name", "")))), field("分组", dropdown)],
                   [ok_b, cancel], width="460px", css="sbf-edit-dialog")

        def save(_b: w.Button) -> None:
            ok, _ = self.ui.call(self.r.set_group, [eid], dropdown.value if dropdown.value != "" else None)
            if ok:
                d.dismiss()
                self.table.refresh()

        ok_b.on_click(save)
        cancel.on_click(lambda _b: d.dismiss())
        self.edit_dialog = d
        self.ui.dialogs.show(d)

    # ---- 分组 -----------------------------------------------------------------------------
    def open_groups(self) -> None:
        self.groups_dialog = GroupsDialog(self.ui, on_change=self._groups_changed)
        self.ui.dialogs.show(self.groups_dialog)

    def _groups_changed(self) -> None:
        self._load_groups()
        self.table.refresh()

    def download_group_template(self) -> None:
        ok, data = self.ui.call(self.r.group_template)
        if ok:
            self.ui.save(data, "批量编辑职工分组模板.xlsx")

    def import_employee_groups(self, data: bytes | None = None) -> None:
        data = data if data is not None else _uploaded_bytes(self.upload)
        if not data:
            return
        ok, report = self.ui.call(self.r.import_groups, data)
        self.upload.value = ()
        if ok:
            self.ui.message(_report_text(report), title="批量编辑职工分组导入")
            self.table.refresh()


class GroupsDialog(Dialog):
    """分组管理: tree of groups with 新建分组, 添加子分组, 删除 (with its subtree) and 批量导入."""

    def __init__(self, ui: Ui, on_change: Any) -> None:
        self.ui = ui
        self.g = ui.wb.employer.groups
        self.on_change = on_change
        self.new_name = w.Text(placeholder="请输入分组名称", layout=w.Layout(width="220px"))
        self.new_name.add_class("sbf-group-name")
        self.tree = w.VBox([])
        self.tree.add_class("sbf-group-tree")
        self.report = w.HTML("")
        self.report.add_class("sbf-import-report")
        self.upload = w.FileUpload(accept=".xlsx", multiple=False, description="批量导入",
                                   layout=w.Layout(width="auto"))
        self.upload.add_class("sbf-group-import")
        self.upload.observe(lambda _c: self.import_template(), names="value")
        tools = w.HBox([self.new_name, button("新建分组", self.add_top, primary=True, css="sbf-group-new"),
                        button("下载导入模板", self.download_template, css="sbf-group-template"), self.upload])
        tools.add_class("sbf-wrap")
        close = w.Button(description="关闭")
        super().__init__("分组管理", [tools, w.HTML(
            "<div class='sbf-tip'>分组层级最多为3级，分组名称不能为空，相同层级的分组名称不可重复。</div>"),
            self.tree, self.report], [close], width="760px", css="sbf-groups-dialog")
        close.on_click(lambda _b: self.dismiss())
        self.refresh()

    def refresh(self) -> None:
        ok, df = self.ui.call(self.g.list)
        self.frame = df if ok else pd.DataFrame(columns=["group_id", "name", "parent_id", "level", "path"])
        rows: list[w.Widget] = []
        for rec in self.frame.to_dict("records"):  # parents before children, as the service lists them
            gid = int(rec["group_id"])
            name = w.HTML(f"<span class='sbf-group-label' style='padding-left:{(int(rec['level']) - 1) * 24}px'>"
                          f"{'└ ' if int(rec['level']) > 1 else ''}{_esc(rec['name'])}</span>")
            row = w.HBox([name, w.HTML("<span class='sbf-spacer'></span>"),
                          button("添加子分组", functools.partial(self.add_child, gid), css="sbf-group-add-child"),
                          button("删除", functools.partial(self.delete, gid, rec["name"]), css="sbf-group-delete")])
            row.add_class("sbf-group-row")
            rows.append(row)
        self.tree.children = rows or [w.HTML("<div class='sbf-empty'>暂无分组，请新建分组</div>")]

    def add_top(self) -> None:
        self._add(self.new_name.value, None)

    def add_child(self, parent_id: int) -> None:
        self._add(self.new_name.value, parent_id)

    def _add(self, name: str, parent_id: int | None) -> None:
        ok, _ = self.ui.call(self.g.add, name, parent_id)
        if ok:
            self.new_name.value = ""
            self.refresh()
            self.on_change()

    def delete(self, group_id: int, name: str) -> None:
        def yes() -> None:
            ok, _ = self.ui.call(self.g.delete, group_id)
            if ok:
                self.refresh()
                self.on_change()

        self.ui.confirm(f"删除分组【{name}】将同时删除其下所有子分组，确定删除吗？", yes)

    def download_template(self) -> None:
        ok, data = self.ui.call(self.g.template)
        if ok:
            self.ui.save(data, "分组导入模板.xlsx")

    def import_template(self, data: bytes | None = None) -> None:
        data = data if data is not None else _uploaded_bytes(self.upload)
        if not data:
            return
        ok, report = self.ui.call(self.g.import_template, data)
        self.upload.value = ()
        if ok:
            self.report.value = _report_html(report)
            self.refresh()
            self.on_change()


def _items_table(df: pd.DataFrame) -> str:
    labels = {k: v for k, v in ITEM_LABELS.items() if k not in ("unit_number", "agency")}
    cols = [c for c in labels if c in df.columns]
    head = "".join(f"<th>{_esc(labels[c])}</th>" for c in cols)
    body = ""
    for rec in df.to_dict("records"):
        cells = []
        for c in cols:
            v = rec.get(c)
            if v is None or (not isinstance(v, str) and pd.isna(v)):
                v = ""
            elif c == "base":
                v = _money(v)
            cells.append(f"<td>{_esc(v)}</td>")
        body += "<tr>" + "".join(cells) + "</tr>"
    return (f"<table class='sbf-html-table sbf-items-table'><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>")


def _money(value: Any) -> str:
    """缴费基数 as the manual shows it: thousands separators and two decimals."""
    from decimal import Decimal, InvalidOperation

    try:
        return f"{Decimal(str(value)):,.2f}"
    except (InvalidOperation, ValueError):
        return str(value)
