"""The app shell: 选择地区 → 单位管理 → 登录 → main shell (title bar, left menu, page, status bar).

`App(wb)` is the one widget the Voila notebook displays. It does no work at construction beyond
asking the workbench for its region and unit list, so a preheated kernel stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

import ipywidgets as w

from sbflib.ui import menus
from sbflib.ui.components.dialogs import Dialog, _esc
from sbflib.ui.context import Ui, button

PRODUCT = "社保费管理客户端"

# menu ID -> "module:Class" of the page built for it (the rest open a 尚未实现 page)
PAGES = {
    "EMP-1": "sbflib.ui.pages.home:HomePage",
    "COL-1": "sbflib.ui.pages.home:HomePage",
    "EMP-2": "sbflib.ui.pages.roster:RosterPage",
    "SET-1": "sbflib.ui.pages.network:NetworkPage",
    "SET-4": "sbflib.ui.pages.unit_info:UnitInfoPage",
}


def page_class(menu_id: str) -> type | None:
    target = PAGES.get(menu_id)
    if not target:
        return None
    module, name = target.split(":")
    return getattr(importlib.import_module(module), name)


class App(w.VBox):
    def __init__(self, wb: Any, *, sync: bool = False) -> None:
        self.wb = wb
        self.ui = Ui(wb, sync=sync)
        self.ui.open_network = self.open_network
        self.screen = w.VBox([])
        self.screen.add_class("sbf-screen")
        self.network_button = button("网络设置", self.open_network, css="sbf-network-button")
        self.titlebar = w.HBox([])
        self.titlebar.add_class("sbf-titlebar")
        self.shell: MainShell | None = None
        self.units_page: Any = None
        self.login_flow: Any = None
        super().__init__([self.titlebar, self.screen, self.ui.dialogs, self.ui.download])
        self.add_class("sbf-app")
        self.start()

    @property
    def state(self) -> str:
        """Which screen is showing: region, units, login, main (tests and e2e hooks)."""
        return self._state

    def _set(self, state: str, widget: w.Widget, title_items: list[w.Widget] | None = None) -> None:
        self._state = state
        self.screen.children = [widget]
        self.remove_class_all()
        self.add_class(f"sbf-state-{state}")
        brand = w.HTML(f"<span class='sbf-brand'>{PRODUCT}</span>")
        if title_items is None:
            title_items = [w.HTML("<span class='sbf-spacer'></span>"), self.network_button]
        self.titlebar.children = [brand, *title_items]

    def remove_class_all(self) -> None:
        for s in ("region", "units", "login", "main"):
            self.remove_class(f"sbf-state-{s}")

    # ---- screens --------------------------------------------------------------------------
    def start(self) -> None:
        ok, region = self.ui.call(lambda: self.wb.region)
        if ok and region is None:
            from sbflib.ui.pages.region import RegionPage

            self._set("region", RegionPage(self.ui, on_chosen=self.show_units))
        else:
            self.show_units()

    def show_units(self, module: str | None = None) -> None:
        from sbflib.ui.pages.units import UnitsPage

        self.shell = None
        self.units_page = UnitsPage(self.ui, on_login=self.show_login, module=module)
        self._set("units", self.units_page)

    def show_login(self, unit: dict) -> None:
        from sbflib.ui.pages.login import LoginFlow

        self.login_flow = LoginFlow(self.ui, unit, on_done=self.show_main, on_cancel=self.back_to_units)
        self._set("login", self.login_flow)

    def back_to_units(self) -> None:
        module = self.login_flow.unit.get("module") if self.login_flow else None
        self.ui.call(self.wb.logout)
        self.show_units(module)

    def show_main(self) -> None:
        self.shell = MainShell(self.ui, self)
        self._set("main", self.shell, self.shell.title_items)
        self.shell.open_menu("COL-1" if self.shell.module == "collector" else "EMP-1")

    def switch_unit(self) -> None:
        """单位管理 in the title bar: leave this unit and pick another."""
        module = self.shell.module if self.shell else None
        self.ui.call(self.wb.logout)
        self.ui.dialogs.clear()
        self.show_units(module)

    def open_network(self) -> None:
        from sbflib.ui.pages.network import NetworkPage

        page = NetworkPage(self.ui)
        d = Dialog("网络设置", [page], [], width="640px", css="sbf-network-dialog")
        page.on_saved = d.dismiss
        self.ui.dialogs.show(d)


class MainShell(w.VBox):
    """After login: title bar items, left menu, the current page, status bar."""

    def __init__(self, ui: Ui, app: App) -> None:
        self.ui = ui
        self.app = app
        unit = ui.wb.unit
        self.unit = unit
        self.module = getattr(unit, "module", "employer") or "employer"
        self.pages: dict[str, w.Widget] = {}
        self.current = ""
        ui.navigate = self.open_menu

        # title bar (the app draws the brand, we add the rest)
        unit_name = w.HTML(f"<span class='sbf-unit-name'>{_esc(getattr(unit, 'name', ''))}</span>")
        self.notices_button = button("通知公告", self.show_notices, css="sbf-notices-button")
        self.switch_button = button("单位管理", app.switch_unit, css="sbf-switch-unit")
        self.title_items = [unit_name, w.HTML("<span class='sbf-spacer'></span>"), self.notices_button,
                            self.switch_button, app.network_button]

        # left menu
        self.menu_buttons: dict[str, w.Button] = {}
        items: list[w.Widget] = []
        for group in menus.menus_for(self.module):
            single = len(group.items) == 1 and group.items[0].label == group.title
            if not single:
                h = w.HTML(f"<div class='sbf-menu-group'>{_esc(group.title)}</div>")
                items.append(h)
            for m in group.items:
                b = w.Button(description=m.label, tooltip=f"{m.label}（{m.id}）",
                             layout=w.Layout(width="100%"))
                b.add_class("sbf-menu-item")
                b.add_class(f"sbf-menu-{m.id}")
                if not single:
                    b.add_class("sbf-menu-sub")
                b.on_click(lambda _b, mid=m.id: self.open_menu(mid))
                self.menu_buttons[m.id] = b
                items.append(b)
        self.menu = w.VBox(items)
        self.menu.add_class("sbf-menu")
        self.page_box = w.VBox([])
        self.page_box.add_class("sbf-page-box")
        body = w.HBox([self.menu, self.page_box])
        body.add_class("sbf-body")

        # status bar
        self.about_button = button("关于", self.show_about, css="sbf-about-button")
        status = w.HBox([
            w.HTML(f"<span>纳税人识别号：<b class='sbf-status-taxpayer-id'>{_esc(getattr(unit, 'taxpayer_id', ''))}"
                   "</b></span>"),
            w.HTML(f"<span>纳税人名称：<b class='sbf-status-name'>{_esc(getattr(unit, 'name', ''))}</b></span>"),
            w.HTML("<span class='sbf-spacer'></span>"),
            self.about_button,
        ])
        status.add_class("sbf-statusbar")
        super().__init__([body, status])
        self.add_class("sbf-main")

    def open_menu(self, menu_id: str) -> w.Widget:
        """Show a menu's page, building it on first visit and keeping it afterwards."""
        page = self.pages.get(menu_id)
        if page is None:
            cls = page_class(menu_id)
            try:
                page = cls(self.ui) if cls else NotBuiltPage(menus.find(self.module, menu_id))
            except Exception as exc:  # noqa: BLE001 - a broken page must not break the shell
                self.ui.error(exc)
                return self.page_box
            self.pages[menu_id] = page
        elif hasattr(page, "on_show"):
            page.on_show()
        for mid, b in self.menu_buttons.items():
            if mid == menu_id:
                b.add_class("sbf-menu-active")
            else:
                b.remove_class("sbf-menu-active")
        self.current = menu_id
        self.page_box.children = [page]
        return page

    def show_notices(self) -> None:
        ok, df = self.ui.call(self.ui.wb.notices)
        if not ok:
            return
        rows = "".join(
            f"<div class='sbf-notice'><div class='sbf-notice-title'>{_esc(r.get('title', ''))}"
            f"<span class='sbf-notice-date'>{_esc(str(r.get('published', ''))[:10])}</span></div>"
            f"<div class='sbf-notice-body'>{_esc(r.get('body', ''))}</div></div>"
            for r in df.to_dict("records")
        ) or "<div class='sbf-empty'>暂无通知公告</div>"
        close = w.Button(description="关闭")
        d = Dialog("通知公告", [w.HTML(rows)], [close], width="640px", css="sbf-notices-dialog")
        close.on_click(lambda _b: d.dismiss())
        self.ui.dialogs.show(d)

    def show_about(self) -> None:
        ok, v = self.ui.call(self.ui.wb.client_version)
        if not ok:
            return
        current, latest = v.get("current", ""), v.get("latest", "")
        state = "当前已是最新版本" if not latest or latest == current else f"发现新版本 {latest}，请升级客户端"
        close = w.Button(description="关闭")
        d = Dialog("关于", [w.HTML(
            f"<div class='sbf-about'><div>{PRODUCT}</div><div>当前版本：<b class='sbf-version'>{_esc(current)}</b></div>"
            f"<div>最新版本：<b class='sbf-latest-version'>{_esc(latest)}</b></div><div>{_esc(state)}</div></div>"
        )], [close], width="420px", css="sbf-about-dialog")
        close.on_click(lambda _b: d.dismiss())
        self.ui.dialogs.show(d)


class NotBuiltPage(w.VBox):
    def __init__(self, menu: menus.Menu) -> None:
        self.menu = menu
        super().__init__([
            w.HTML(f"<div class='sbf-page-title'>{_esc(menu.label)}</div>"),
            w.HTML(f"<div class='sbf-not-built'>该功能尚未实现（{menu.id}）</div>"),
        ])
        self.add_class("sbf-page")
        self.add_class("sbf-not-built-page")
