"""单位管理 (SYS-4) and 添加单位 (SYS-5): the unit list per module and the four-step add wizard."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from sbflib.errors import ValidationError
from sbflib.ui.components.dialogs import Dialog
from sbflib.ui.components.html import escape, table_html
from sbflib.ui.context import button, field, wizard_card
from sbflib.ui.page import Page

if TYPE_CHECKING:
    from sbflib.ui.context import Ui

MODULE_LABELS = {"employer": "用人单位", "collector": "代收单位"}

UNIT_COLUMNS = ["序号", "纳税人识别号", "纳税人名称", "主管税务机关", "主管科所分局", "备注", "操作"]
CONFIRM_TEXT = (
    "根据社会保险费征管职能划转的统一要求，我省税务机关统一接收社会保险费的征收权。"
    "请确认纳税人识别号、单位名称和社保经办机构、单位编号的对应关系。请务必认真核对，"
    "确认对应关系是否正确，确认无误后再使用本系统。"
)


class UnitsPage(Page):
    """单位管理: 用人单位 / 代收单位 lists, 添加, 搜索, editable 备注, 登录 per row."""

    title = "单位管理"

    def __init__(self, ui: Ui, on_login: Callable[[dict], None], module: str | None = None) -> None:
        self.on_login = on_login
        # A button per module installed and online in the region (业务模块, 关于 adds or removes them).
        self.modules: list[str]
        modules = getattr(ui.wb, "modules", None)
        if modules is not None:
            ok, shown = ui.call(modules.shown)  # local read
            self.modules = [str(m) for m in shown] if ok and shown else ["employer"]
        else:
            region = ui.wb.region
            self.modules = [m for m in ("employer", "collector") if not region or m in (region.modules or [m])]
        self.module = module if module in self.modules else (self.modules[0] if self.modules else "employer")
        self.module_buttons: dict[str, w.Button] = {}
        for m in self.modules:
            b = button(MODULE_LABELS[m], functools.partial(self.switch, m), css="sbf-module-button")
            self.module_buttons[m] = b
        self.add_button = button("添加", self.start_add, primary=True, css="sbf-add-unit")
        self.search = w.Text(placeholder="请输入纳税人识别号/纳税人名称/备注关键字",
                             continuous_update=False, layout=w.Layout(width="340px"))
        self.search.add_class("sbf-unit-search")
        self.search.observe(lambda _c: self.refresh(), names="value")
        self.reset_button = button("重置", self.reset_search, css="sbf-unit-reset")
        toolbar = w.HBox([*self.module_buttons.values(), w.HTML("<span class='sbf-spacer'></span>"),
                          self.add_button, w.Label("搜索："), self.search, self.reset_button])
        toolbar.add_class("sbf-toolbar")
        toolbar.add_class("sbf-wrap")
        self.table = w.GridBox(layout=w.Layout(
            grid_template_columns="50px 190px minmax(160px,1.4fr) minmax(120px,1fr) minmax(120px,1fr) 180px 80px",
            width="100%"))
        self.table.add_class("sbf-unit-table")
        self.empty = w.HTML("")
        self.rows: list[dict] = []
        self.login_buttons: list[w.Button] = []
        self.remark_fields: list[w.Text] = []
        self.body = w.VBox([toolbar, self.table, self.empty])
        self.body.add_class("sbf-card")
        super().__init__(ui, [self.body], css="sbf-units-page")
        self.refresh()

    # ---- list -----------------------------------------------------------------------------
    def switch(self, module: str) -> None:
        self.module = module
        self.refresh()

    def reset_search(self) -> None:
        if self.search.value:
            self.search.value = ""  # triggers refresh
        else:
            self.refresh()

    def refresh(self) -> None:
        for m, b in self.module_buttons.items():
            b.button_style = "info" if m == self.module else ""
        # the local list: read on the spot
        ok, df = self.ui.call(self.wb.units.list, module=self.module, keyword=self.search.value.strip())
        self.rows = df.to_dict("records") if ok and df is not None else []
        cells: list[w.Widget] = []
        for label in UNIT_COLUMNS:
            h = w.HTML(f"<b>{label}</b>")
            h.add_class("sbf-th")
            cells.append(h)
        self.login_buttons, self.remark_fields = [], []
        for i, row in enumerate(self.rows, start=1):
            remark = w.Text(value=str(row.get("remark") or ""), continuous_update=False,
                            placeholder="可编辑备注", layout=w.Layout(width="170px"))
            remark.add_class("sbf-remark")
            remark.observe(lambda c, uid=row["unit_id"]: self.save_remark(uid, c["new"]), names="value")
            login = button("登录", functools.partial(self.on_login, row), primary=True, css="sbf-login-button")
            self.login_buttons.append(login)
            self.remark_fields.append(remark)
            for value in (i, row.get("taxpayer_id"), row.get("name"), row.get("tax_authority"),
                          row.get("tax_office")):
                c = w.HTML(escape(value))
                c.add_class("sbf-td")
                cells.append(c)
            for widget in (remark, login):
                cell = w.HBox([widget])
                cell.add_class("sbf-td")
                cells.append(cell)
        self.table.children = cells
        if self.rows:
            self.empty.value = ""
        elif self.search.value.strip():
            self.empty.value = "<div class='sbf-empty'>没有符合条件的单位</div>"
        else:
            self.empty.value = (f"<div class='sbf-empty'>尚未添加{MODULE_LABELS[self.module]}，"
                                "请点击【添加】按钮添加单位信息</div>")

    def save_remark(self, unit_id: str, remark: str) -> None:
        self.ui.call(self.wb.units.set_remark, unit_id, remark)

    def row_of(self, taxpayer_id: str) -> int:
        """Position of a unit in the list (tests)."""
        return next(i for i, r in enumerate(self.rows) if r.get("taxpayer_id") == taxpayer_id)

    # ---- add wizard -----------------------------------------------------------------------
    def start_add(self) -> None:
        self.wizard = AddUnitWizard(self.ui, self.module, on_finish=self._wizard_done, on_cancel=self._back)
        self.children = [self.wizard]
        self.add_class("sbf-adding")

    def _wizard_done(self) -> None:
        self.search.value = ""
        self._back()

    def _back(self) -> None:
        self.children = [self.body]
        self.remove_class("sbf-adding")
        self.refresh()


class AddUnitWizard(Page):
    """添加单位: 纳税人识别号 → (选择单位) → 安全认证 → 确认参保登记信息."""

    title = "添加单位"

    def __init__(self, ui: Ui, module: str, *, on_finish: Callable[[], None],
                 on_cancel: Callable[[], None]) -> None:
        self.module = module
        self.on_finish = on_finish
        self.on_cancel = on_cancel
        self.candidate: Any = None
        self.registration: Any = None
        self.step = ""
        super().__init__(ui, [], css="sbf-wizard")
        self.show_taxpayer_step()

    def _card(self, title: str, items: list[w.Widget], css: str) -> None:
        self.children = [wizard_card(title, items, css, on_back=self.on_cancel)]

    # step 1
    def show_taxpayer_step(self) -> None:
        self.step = "taxpayer"
        self.taxpayer_id = w.Text(placeholder="请输入纳税人识别号", layout=w.Layout(width="300px"))
        self.taxpayer_id.add_class("sbf-taxpayer-id")
        self.next_button = button("下一步", self.lookup, primary=True, css="sbf-next")
        self._card(f"添加单位（{MODULE_LABELS[self.module]}）",
                   [field("纳税人识别号", self.taxpayer_id), self.next_button], "sbf-step-taxpayer")

    def lookup(self) -> None:
        tid = self.taxpayer_id.value.strip()
        if not tid:
            self.ui.error(ValidationError("请输入纳税人识别号", field="纳税人识别号"))
            return
        self.run_call(self.wb.units.lookup, tid, self.module, on_done=self._found, label="正在查询单位信息……")

    def _found(self, candidates: list[Any]) -> None:
        if not candidates:
            self.ui.error("未查询到该纳税人识别号对应的单位信息")
        elif len(candidates) == 1:
            self.candidate = candidates[0]
            self.show_security_step()
        else:
            self.choose_dialog = ChooseUnitDialog(candidates, self._chosen)
            self.ui.dialogs.show(self.choose_dialog)

    def _chosen(self, candidate: Any) -> None:
        self.candidate = candidate
        self.show_security_step()

    # step 3
    def show_security_step(self) -> None:
        self.step = "security"
        c = self.candidate
        self.password = w.Password(placeholder="请输入申报密码", layout=w.Layout(width="300px"))
        self.password.add_class("sbf-password")
        hint = self.wb.units.password_hint(self.module)
        self.verify_button = button("确定", self.verify, primary=True, css="sbf-verify")
        self._card("安全认证", [
            field("纳税人识别号", _readonly(c.taxpayer_id)),
            field("纳税人名称", _readonly(c.name)),
            field("申报密码", self.password),
            w.HTML(f"<div class='sbf-hint-red'>{escape(hint)}</div>"),
            self.verify_button,
        ], "sbf-step-security")

    def verify(self) -> None:
        if not self.password.value:
            self.ui.error(ValidationError("请输入申报密码", field="申报密码"))
            return
        self.run_call(self.wb.units.verify, self.candidate.unit_id, self.password.value,
                      on_done=self._verified, label="正在验证申报密码……")

    def _verified(self, registration: Any) -> None:
        self.registration = registration
        self.show_confirm_step()

    # step 4
    def show_confirm_step(self) -> None:
        self.step = "confirm"
        reg = self.registration
        table = w.HTML(table_html(
            [{"unit_number": n.unit_number, "agency": n.agency, "tax_authority": n.tax_authority}
             for n in reg.unit_numbers],
            {"unit_number": "单位编号", "agency": "社保经办机构", "tax_authority": "主管税务机关"},
            css="sbf-registration-table"))
        self.confirmed = w.Checkbox(value=False, description="我已确认无误", indent=False)
        self.confirmed.add_class("sbf-confirmed")
        self.confirm_button = button("确定", self.add, primary=True, css="sbf-confirm-add")
        self.confirm_button.disabled = True
        self.confirmed.observe(lambda c: setattr(self.confirm_button, "disabled", not c["new"]), names="value")
        self._card("确认参保登记信息", [
            w.HTML(f"<p class='sbf-paragraph'>{CONFIRM_TEXT}</p>"),
            w.HTML(f"<div><b>纳税人识别号：</b>{escape(reg.taxpayer_id)}　<b>纳税人名称：</b>{escape(reg.name)}</div>"),
            table,
            self.confirmed,
            w.HTML("<div class='sbf-hint-red'>如对应有误，请赴相关的税务办税大厅进行修正后再使用本系统。</div>"),
            self.confirm_button,
        ], "sbf-step-confirm")

    def add(self) -> None:
        self.run_call(self.wb.units.add, self.registration, bool(self.confirmed.value),
                      on_done=lambda _r: self.on_finish(), label="正在添加单位……")


class ChooseUnitDialog(Dialog):
    """选择单位: one radio per unit; 确定 goes on with the chosen one, 取消 closes."""

    def __init__(self, candidates: list[Any], on_ok: Callable[[Any], None]) -> None:
        self.candidates = candidates
        self.chosen = 0
        self.on_ok = on_ok
        head = ["选择", "序号", "纳税人识别号", "纳税人名称", "登记日期", "纳税人状态", "单位"]
        cells: list[w.Widget] = [w.HTML(f"<b>{h}</b>") for h in head]
        self.radios: list[w.Button] = []
        for i, c in enumerate(candidates):
            r = w.Button(description="", layout=w.Layout(width="28px"))
            r.add_class("sbf-radio")
            r.on_click(lambda _b, i=i: self.choose(i))
            self.radios.append(r)
            cells.append(r)
            for v in (i + 1, c.taxpayer_id, c.name, c.registered_on, c.taxpayer_status, c.kind):
                cells.append(w.HTML(escape(v)))
        grid = w.GridBox(cells, layout=w.Layout(grid_template_columns="48px 48px 200px 1fr 110px 90px 60px",
                                                 width="100%"))
        grid.add_class("sbf-choose-grid")
        ok = w.Button(description="确定", button_style="primary")
        cancel = w.Button(description="取消")
        super().__init__("选择单位", [
            w.HTML("<div>您输入的纳税人识别号对应多家单位，请选择本次需要办理社保业务的单位</div>"), grid,
        ], [ok, cancel], width="760px", css="sbf-choose-unit")
        ok.on_click(lambda _b: self._ok())
        cancel.on_click(lambda _b: self.dismiss())
        self.choose(0)

    def choose(self, index: int) -> None:
        self.chosen = index
        for i, r in enumerate(self.radios):
            r.description = "◉" if i == index else "○"

    def _ok(self) -> None:
        self.dismiss()
        self.on_ok(self.candidates[self.chosen])


def _readonly(value: Any) -> w.HTML:
    h = w.HTML(escape(value))
    h.add_class("sbf-readonly")
    return h
