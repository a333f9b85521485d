"""The app shell: 选择地区 → 单位管理 → 登录 → main shell (title bar, left menu, page, status bar).

`App(wb)` is the one widget the Voila notebook displays. It does no work at construction beyond
asking the workbench for its region and unit list, so a preheated kernel stays cheap. Pages are
imported on first visit (`menus.PAGES`); `warm_up()` imports the heavy ones (pandas, ipydatagrid,
the roster page) in a background thread once the first screen is out.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from sbflib.ui import menus
from sbflib.ui.components.dialogs import Dialog
from sbflib.ui.components.html import escape, notice_list_html
from sbflib.ui.context import Ui, button
from sbflib.ui.menus import PAGES, page_class
from sbflib.ui.page import Page

if TYPE_CHECKING:
    from sbflib.workbench import Workbench

__all__ = ["PAGES", "PRODUCT", "App", "MainShell", "NotBuiltPage", "page_class", "warm_up"]

PRODUCT = "社保费管理客户端"
log = logging.getLogger(__name__)

# Imported after the first screen is drawn, so the first click on 职工参保信息更新 finds them loaded.
WARM_MODULES = ("pandas", "pyarrow", "ipydatagrid", "sbflib.ui.components.table", "sbflib.ui.pages.units",
                "sbflib.ui.pages.login", "sbflib.ui.pages.home", "sbflib.ui.pages.roster")


def warm_up(modules: tuple[str, ...] = WARM_MODULES, *, after: float = 0.0) -> threading.Thread:
    """Import the heavy modules in a daemon thread, `after` seconds from now (so the first screen's
    messages go out first). Idempotent; a failed import is logged, not raised."""

    def run() -> None:
        if after > 0:
            time.sleep(after)
        for name in modules:
            try:
                importlib.import_module(name)
            except Exception:  # a page that fails to import says so when opened
                log.warning("warm-up import of %s failed", name, exc_info=True)

    t = threading.Thread(target=run, daemon=True, name="sbf-warm-up")
    t.start()
    return t


class App(w.VBox):
    def __init__(self, wb: Workbench, *, sync: bool = False) -> None:
        self.wb = wb
        self.ui = Ui(wb, sync=sync)
        self.ui.open_network = self.open_network
        self.screen = w.VBox([])
        self.screen.add_class("sbf-screen")
        self.network_button = button("网络设置", self.open_network, css="sbf-network-button")
        self.titlebar = w.HBox([])
        self.titlebar.add_class("sbf-titlebar")
        self.shell: MainShell | None = None
        self._logged_out = threading.Event()
        self._logged_out.set()
        self.units_page: Any = None
        self.login_flow: Any = None
        super().__init__([self.titlebar, self.screen, self.ui.dialogs, self.ui.download])
        self.add_class("sbf-app")
        self.start()

    @property
    def state(self) -> str:
        """Which screen is showing: gate (登录密码), region, units, login, main (tests and e2e hooks)."""
        return self._state

    def _set(self, state: str, widget: w.Widget, title_items: list[w.Widget] | None = None) -> None:
        self._state = state
        self.screen.children = [widget]
        self.remove_class_all()
        self.add_class(f"sbf-state-{state}")
        brand = w.HTML(f"<span class='sbf-brand'>{escape(PRODUCT)}</span>")
        if title_items is None:
            title_items = [w.HTML("<span class='sbf-spacer'></span>"), self.network_button]
        self.titlebar.children = [brand, *title_items]

    def remove_class_all(self) -> None:
        for s in ("gate", "region", "units", "login", "main"):
            self.remove_class(f"sbf-state-{s}")

    # ---- screens --------------------------------------------------------------------------
    def start(self) -> None:
        """The local password screen first while one is set (登录密码设置), then 选择地区 or 单位管理."""
        ok, locked = self.ui.call(lambda: self.wb.local_password.locked)  # local read
        if not ok or locked:
            from sbflib.ui.pages.local_password import LocalPasswordGate

            self._set("gate", LocalPasswordGate(self.ui, on_unlocked=self.start), [])
            return
        ok, region = self.ui.call(lambda: self.wb.region)  # local read
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

        self.login_flow = LoginFlow(self.ui, unit, on_done=self.show_main, on_cancel=self.back_to_units,
                                    before_login=self._logged_out.wait)
        self._set("login", self.login_flow)

    def back_to_units(self) -> None:
        module = self.login_flow.unit.get("module") if self.login_flow else None
        self._logout()
        self.show_units(module)

    def _logout(self) -> None:
        """Leave the unit off the kernel's thread (telling the bureau may take a while); the next
        login waits for it (`before_login`), so a late logout never ends the new session."""
        self._logged_out.clear()

        def work() -> None:
            try:
                self.wb.logout()
            finally:
                self._logged_out.set()

        self.ui.tasks.start(work, None, lambda exc: log.info("logout: %s", exc))

    def show_main(self) -> None:
        self.shell = MainShell(self.ui, self)
        self._set("main", self.shell, self.shell.title_items)
        self.shell.open_menu("COL-1" if self.shell.module == "collector" else "EMP-1")

    def switch_unit(self) -> None:
        """单位管理 in the title bar: leave this unit and pick another."""
        module = self.shell.module if self.shell else None
        self._logout()
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
        self.pages: dict[str, Page] = {}
        self.current = ""
        ui.navigate = self.open_menu

        # title bar (the app draws the brand, we add the rest)
        unit_name = w.HTML(f"<span class='sbf-unit-name'>{escape(getattr(unit, 'name', ''))}</span>")
        self.notices_button = button("通知公告", self.show_notices, css="sbf-notices-button")
        self.messages_button = button("消息中心", self.show_messages, css="sbf-messages-button")
        self.switch_button = button("单位管理", app.switch_unit, css="sbf-switch-unit")
        self.title_items = [unit_name, w.HTML("<span class='sbf-spacer'></span>"), self.notices_button,
                            self.messages_button, self.switch_button, app.network_button]

        # left menu
        self.menu_buttons: dict[str, w.Button] = {}
        items: list[w.Widget] = []
        for group in menus.menus_for(self.module):
            single = len(group.items) == 1 and group.items[0].label == group.title
            if not single:
                h = w.HTML(f"<div class='sbf-menu-group'>{escape(group.title)}</div>")
                items.append(h)
            for m in group.items:
                b = w.Button(description=m.label, tooltip=m.label, layout=w.Layout(width="100%"))
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
            w.HTML(f"<span>纳税人识别号：<b class='sbf-status-taxpayer-id'>{escape(getattr(unit, 'taxpayer_id', ''))}"
                   "</b></span>"),
            w.HTML(f"<span>纳税人名称：<b class='sbf-status-name'>{escape(getattr(unit, 'name', ''))}</b></span>"),
            w.HTML("<span class='sbf-spacer'></span>"),
            self.about_button,
        ])
        status.add_class("sbf-statusbar")
        super().__init__([body, status])
        self.add_class("sbf-main")
        self._look_for_upgrade()

    def _look_for_upgrade(self) -> None:
        """Manual 1.3: after login the client looks for a newer version (off the kernel's thread);
        【关于】 then says so, and the 关于 page offers 升级."""
        upgrade = getattr(self.ui.wb, "upgrade", None)
        if upgrade is None:
            return

        def done(info: Any) -> None:
            if getattr(info, "newer", False):
                self.about_button.description = "关于（有新版本）"
                self.about_button.button_style = "warning"
                self.about_button.add_class("sbf-upgrade-available")

        self.ui.tasks.start(upgrade.check, done, lambda exc: log.info("version check: %s", exc))

    def open_menu(self, menu_id: str) -> w.Widget:
        """Show a menu's page, building it on first visit and keeping it afterwards."""
        page = self.pages.get(menu_id)
        if page is None:
            try:
                cls = page_class(menu_id)
                page = cls(self.ui) if cls else NotBuiltPage(self.ui, menus.find(self.module, menu_id))
            except Exception as exc:  # noqa: BLE001 - a broken page must not break the shell
                self.ui.error(exc)
                return self.page_box
            self.pages[menu_id] = page
        else:
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
        ok, df = self.ui.call(self.ui.wb.notices)  # local: saved at login
        if not ok:
            return
        rows = notice_list_html(df, with_body=True)
        close = w.Button(description="关闭")
        d = Dialog("通知公告", [w.HTML(rows)], [close], width="640px", css="sbf-notices-dialog")
        close.on_click(lambda _b: d.dismiss())
        self.ui.dialogs.show(d)

    def show_messages(self) -> None:
        """消息中心: the 待办事项 and 异常提醒 held for this unit, each opening its menu."""
        from sbflib.ui.pages.home import MessageCenterDialog

        ok, df = self.ui.call(self.ui.wb.notices)
        service = getattr(getattr(self.ui.wb, "employer", None), "home", None) if self.module == "employer" else None
        self.ui.dialogs.show(MessageCenterDialog(self.ui, service, len(df) if ok else 0))

    def show_about(self) -> None:
        """关于 (版本、升级、业务模块、修复) is a page of its own (sbflib/ui/pages/about.py)."""
        self.open_menu("SYS-1")


class NotBuiltPage(Page):
    """A menu whose page is not built yet: its title and 该功能尚未实现 (no catalogue ID on screen)."""

    def __init__(self, ui: Ui, menu: menus.Menu) -> None:
        self.menu = menu
        super().__init__(ui, [
            w.HTML(f"<div class='sbf-page-title'>{escape(menu.label)}</div>"),
            w.HTML("<div class='sbf-not-built'>该功能尚未实现，敬请期待。</div>"),
        ], css="sbf-not-built-page")
        self.add_class(f"sbf-not-built-{menu.id}")
