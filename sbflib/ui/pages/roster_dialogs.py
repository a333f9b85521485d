"""The roster page's dialogs (manual 2.2): 职工参保明细 (查看), 编辑人员信息 (编辑), 分组管理."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import ipywidgets as w
import pandas as pd

from sbflib.domain.groups import PATH_SEPARATORS
from sbflib.employer.groups import ImportReport
from sbflib.employer.roster import ITEM_LABELS, EmployeeDetail, Registration
from sbflib.ui.components.dialogs import Dialog
from sbflib.ui.components.html import escape
from sbflib.ui.components.upload import Upload
from sbflib.ui.context import Ui, button, field

PLACE_LABELS = {"unit_number": "单位编号", "agency": "社保经办机构"}
NO_GROUP = "（无分组）"


# ---- 查看 ------------------------------------------------------------------------------------
class DetailDialog(Dialog):
    """职工参保明细: 基本信息, then 参保信息 per unit number and agency, switched between when the
    employee has several (manual 2.2.3 二), each with its 参保险种信息 (征收项目/品目/子目 …)."""

    def __init__(self, detail: EmployeeDetail) -> None:
        self.detail = detail
        self.basic_html = w.HTML(
            "<div class='sbf-section-title'>基本信息</div><div class='sbf-kv-grid sbf-detail-basic'>"
            + "".join(f"<div class='sbf-kv'><span>{escape(k)}：</span><b>{escape(_text(v))}</b></div>"
                      for k, v in detail.basic.items())
            + "</div>")
        self.place_html = w.HTML("")
        self.place_html.add_class("sbf-detail-place")
        self.items_html = w.HTML("")
        self.items_html.add_class("sbf-detail-items")
        body: list[w.Widget] = [self.basic_html, w.HTML("<div class='sbf-section-title'>参保信息</div>")]
        self.switch: w.ToggleButtons | None = None
        if len(detail.unit_numbers) > 1:
            self.switch = w.ToggleButtons(
                options=[(_place_label(p), i) for i, p in enumerate(detail.unit_numbers)], value=0,
                style={"button_width": "auto"})
            self.switch.add_class("sbf-detail-switch")
            self.switch.observe(lambda c: self.show_place(int(c["new"])), names="value")
            body.append(self.switch)
        body += [self.place_html, w.HTML("<div class='sbf-section-title'>参保险种信息</div>"), self.items_html]
        close = w.Button(description="关闭")
        super().__init__("职工参保明细", body, [close], width="980px", css="sbf-detail-dialog")
        close.on_click(lambda _b: self.dismiss())
        self.show_place(0)

    def show_place(self, index: int) -> None:
        """The 参保信息 line and the items of the `index`-th unit number / agency (all items when the
        employee has none)."""
        places = self.detail.unit_numbers
        place = places[index] if places else Registration("", "")
        self.place_html.value = "<div class='sbf-kv-line'>" + "　".join(
            f"{label}：<b>{escape(getattr(place, key))}</b>" for key, label in PLACE_LABELS.items()) + "</div>"
        self.items_html.value = items_table(self.detail.items_of(place) if places else self.detail.items)


def _place_label(place: Registration) -> str:
    return f"{place.unit_number}（{place.agency}）" if place.agency else place.unit_number


def items_table(df: pd.DataFrame) -> str:
    """参保险种信息 as the manual lays it out; 缴费基数 with thousands separators."""
    labels = {k: v for k, v in ITEM_LABELS.items() if k not in PLACE_LABELS}
    cols = [c for c in labels if c in df.columns]
    head = "".join(f"<th>{escape(labels[c])}</th>" for c in cols)
    body = ""
    for rec in df.to_dict("records"):
        cells = []
        for c in cols:
            v = rec.get(c)
            text = _money(v) if c == "base" and _text(v) else _text(v)
            cells.append(f"<td>{escape(text)}</td>")
        body += "<tr>" + "".join(cells) + "</tr>"
    if not body:
        body = f"<tr><td colspan='{max(1, len(cols))}' class='sbf-empty'>暂无参保险种信息</td></tr>"
    return (f"<table class='sbf-html-table sbf-items-table'><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>")


def _text(v: Any) -> str:
    if v is None:
        return ""
    try:
        if not isinstance(v, str) and pd.isna(v):
            return ""
    except (TypeError, ValueError):
        pass
    return str(v)


def _money(value: Any) -> str:
    try:
        return f"{Decimal(str(value)):,.2f}"
    except (InvalidOperation, ValueError):
        return str(value)


# ---- 编辑 ------------------------------------------------------------------------------------
class EditDialog(Dialog):
    """编辑人员信息: 姓名 and the 分组 dropdown of the unit's groups; 确定 saves."""

    def __init__(self, name: str, groups: Sequence[tuple[str, Any]], current: Any,
                 on_save: Callable[[Any], bool]) -> None:
        options = [(NO_GROUP, ""), *[(label, v) for label, v in groups if v != ""]]
        self.dropdown = w.Dropdown(options=options, value=current if current in [v for _, v in options] else "")
        self.dropdown.add_class("sbf-edit-group")
        ok_b = w.Button(description="确定", button_style="primary")
        ok_b.add_class("sbf-edit-ok")
        cancel = w.Button(description="取消")
        super().__init__("编辑人员信息", [field("姓名", w.Label(name)), field("分组", self.dropdown)],
                         [ok_b, cancel], width="460px", css="sbf-edit-dialog")

        def save(_b: w.Button) -> None:
            if on_save(self.dropdown.value if self.dropdown.value != "" else None):
                self.dismiss()

        ok_b.on_click(save)
        cancel.on_click(lambda _b: self.dismiss())


# ---- 分组管理 ---------------------------------------------------------------------------------
def report_html(report: ImportReport) -> str:
    """An import's result, then one line per refused row (the first 200)."""
    items = "".join(f"<li>{escape(str(e))}</li>" for e in report.errors[:200])
    return f"<div>{escape(report.message)}</div>" + (f"<ul class='sbf-import-errors'>{items}</ul>" if items else "")


def report_text(report: ImportReport) -> str:
    return "\n".join([report.message, *(str(e) for e in report.errors[:200])])


def uploaded_bytes(upload: Any) -> bytes | None:
    """The bytes of the file an `Upload` received (its `value` has FileUpload's shape), or None."""
    value = getattr(upload, "value", None)
    if not value:
        return None
    item = value[0]
    content = item["content"] if isinstance(item, dict) else getattr(item, "content", item)
    return bytes(content)


def saved_text(value: Any) -> str:
    """保存时间 as 2026-11-27 10:31:05."""
    text = _text(value)
    if not text:
        return ""
    try:
        return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M:%S")
    except (TypeError, ValueError):
        return text


class GroupsDialog(Dialog):
    """分组管理: the tree of groups with each group's 保存时间, 新建分组, 添加子分组, 删除 (with its
    subtree) and 批量导入 of the group template."""

    def __init__(self, ui: Ui, on_change: Callable[[], None]) -> None:
        self.ui = ui
        self.g = ui.wb.employer.groups
        self.on_change = on_change
        self.new_name = w.Text(placeholder="请输入分组名称", layout=w.Layout(width="220px"))
        self.new_name.add_class("sbf-group-name")
        self.tree = w.VBox([])
        self.tree.add_class("sbf-group-tree")
        self.report = w.HTML("")
        self.report.add_class("sbf-import-report")
        self.upload = Upload("批量导入", accept=".xlsx")
        self.upload.add_class("sbf-group-import")
        self.upload.observe(lambda _c: self.import_template(), names="value")
        tools = w.HBox([self.new_name, button("新建分组", self.add_top, primary=True, css="sbf-group-new"),
                        button("下载导入模板", self.download_template, css="sbf-group-template"), self.upload])
        tools.add_class("sbf-wrap")
        tools.add_class("sbf-group-tools")
        close = w.Button(description="关闭")
        head = w.HBox([w.HTML("<b>分组名称</b>", layout=_col("name")), w.HTML("<b>保存时间</b>", layout=_col("saved")),
                       w.HTML("<b>操作</b>", layout=_col("ops"))])
        head.add_class("sbf-group-head")
        super().__init__("分组管理", [tools, w.HTML(
            "<div class='sbf-tip'>分组层级最多为3级，分组名称不能为空，相同层级的分组名称不可重复，"
            f"分组名称不能包含“{'”“'.join(PATH_SEPARATORS)}”。</div>"),
            head, self.tree, self.report], [close], width="760px", css="sbf-groups-dialog")
        close.on_click(lambda _b: self.dismiss())
        self.refresh()

    def refresh(self) -> None:
        ok, df = self.ui.call(self.g.list)
        self.frame = df if ok else pd.DataFrame(columns=["group_id", "name", "parent_id", "level", "path"])
        rows: list[w.Widget] = []
        for rec in self.frame.to_dict("records"):  # parents before children, as the service lists them
            gid = int(rec["group_id"])
            level = int(rec["level"])
            name = w.HTML(f"<span class='sbf-group-label' style='padding-left:{(level - 1) * 24}px'>"
                          f"{'└ ' if level > 1 else ''}{escape(rec['name'])}</span>", layout=_col("name"))
            name.add_class("sbf-group-col-name")
            saved = w.HTML(f"<span class='sbf-group-saved'>{escape(saved_text(rec.get('saved_at')))}</span>",
                           layout=_col("saved"))
            saved.add_class("sbf-group-col-saved")
            ops = w.HBox([button("添加子分组", functools.partial(self.add_child, gid), css="sbf-group-add-child"),
                          button("删除", functools.partial(self.delete, gid, rec["name"]), css="sbf-group-delete")],
                         layout=_col("ops"))
            ops.add_class("sbf-group-col-ops")
            if level >= 3:
                ops.children[0].disabled = True
            row = w.HBox([name, saved, ops])
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
        data = data if data is not None else uploaded_bytes(self.upload)
        if not data:
            return
        ok, report = self.ui.call(self.g.import_template, data)
        self.upload.value = ()
        if ok:
            self.report.value = report_html(report)
            self.refresh()
            self.on_change()


def _col(kind: str) -> w.Layout:
    """Widths of the group tree's columns, shared by the header and the rows so they line up."""
    if kind == "name":
        return w.Layout(flex="1 1 auto", min_width="0")
    return w.Layout(flex="0 0 auto", width="170px" if kind == "saved" else "180px")
