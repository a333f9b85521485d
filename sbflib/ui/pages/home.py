"""首页 (EMP-1 / COL-1): quick buttons to common menus, 待办事项 and 异常提醒 (manual 2.1.3), and the
notices.

待办事项 / 异常提醒 come from `wb.employer.home.summary()` (one bureau call, at most once a minute;
through `run_call`, without a progress dialog: the section says 正在获取 itself). Each line is the
message itself and opens its menu through the app's navigation (the 缴费 menu while it is not built:
社保费应缴信息查询). While it loads only the section is frozen: the quick buttons stay usable. When the
bureau cannot be reached the section says so and shows what was last fetched.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from sbflib.domain import clock
from sbflib.ui import menus
from sbflib.ui.components.dialogs import Dialog
from sbflib.ui.components.html import escape, notice_list_html
from sbflib.ui.context import Ui, error_text
from sbflib.ui.page import Page

if TYPE_CHECKING:
    from sbflib.employer.home import Alert, HomeSummary, TodoItem
    from sbflib.ui.context import Ui

QUICK = {
    "employer": ["EMP-2", "EMP-3", "EMP-8", "EMP-11", "EMP-10", "EMP-16", "SET-4", "SET-1"],
    "collector": ["COL-2", "COL-6", "COL-8", "COL-9", "COL-12", "SET-4", "SET-1"],
}

# The message lines are buttons that read as links and wrap (scoped to this page's section).
_STYLE = """<style>
.sbf-home-messages .sbf-home-line { width: 100%; height: auto !important; min-height: 30px; text-align: left;
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  line-height: 1.5 !important; padding: 5px 8px !important; background: transparent; border: none;
  box-shadow: none; border-bottom: 1px dashed #e3e8ef; border-radius: 0; color: #1d2b3a; cursor: pointer; }
.sbf-home-messages .sbf-home-line:hover { background: #eef4fd; color: #1664d9; }
.sbf-home-messages .sbf-home-todo-line::before { content: "●"; color: #1664d9; margin-right: 8px; }
.sbf-home-messages .sbf-home-alert-line::before { content: "●"; color: #d9363e; margin-right: 8px; }
.sbf-home-messages .sbf-home-alert-line { color: #a8071a; }
.sbf-home-status { color: #8a97a8; font-size: 12px; }
.sbf-home-subtitle { font-weight: 600; color: #1d2b3a; margin: 6px 0 2px 0; }
.sbf-home-none { color: #8a97a8; padding: 4px 8px; }
</style>"""


class HomePage(Page):
    menu_id = "EMP-1"
    title = "首页"

    def __init__(self, ui: Ui) -> None:
        unit = ui.wb.unit
        module = getattr(unit, "module", "employer") or "employer"
        self.quick_buttons: dict[str, w.Button] = {}
        for mid in QUICK[module]:
            m = menus.find(module, mid)
            b = w.Button(description=m.label, layout=w.Layout(width="auto", height="56px"))
            b.add_class("sbf-quick")
            b.add_class(f"sbf-quick-{mid}")
            b.on_click(lambda _b, mid=mid: self.ui.navigate(mid))
            self.quick_buttons[mid] = b
        quick = w.GridBox(list(self.quick_buttons.values()),
                          layout=w.Layout(grid_template_columns="repeat(auto-fill, minmax(150px, 1fr))",
                                          grid_gap="12px"))
        quick.add_class("sbf-quick-grid")
        self.notices = w.HTML("")
        # 待办事项 / 异常提醒
        self.home_service: Any = getattr(getattr(ui.wb, "employer", None), "home", None) if module == "employer" \
            else None
        self.status = w.HTML("")
        self.status.add_class("sbf-home-status")
        self.refresh_button = w.Button(description="刷新", layout=w.Layout(width="auto"))
        self.refresh_button.add_class("sbf-link-button")
        self.refresh_button.add_class("sbf-home-refresh")
        self.refresh_button.on_click(lambda _b: self.load_messages(force=True))
        self.todo_box = w.VBox([])
        self.todo_box.add_class("sbf-home-todo")
        self.alert_box = w.VBox([])
        self.alert_box.add_class("sbf-home-alerts")
        self.deadline_box = w.VBox([])
        self.deadline_box.add_class("sbf-home-deadlines")
        self.todo_lines: list[w.Button] = []
        self.alert_lines: list[w.Button] = []
        self.deadline_lines: list[w.Button] = []
        self.summary: HomeSummary | None = None
        if self.home_service is not None:
            head = w.HBox([w.HTML("<div class='sbf-section-title'>待办事项 / 异常提醒</div>"), self.status,
                           self.refresh_button], layout=w.Layout(align_items="center"))
            head.add_class("sbf-wrap")
            messages: w.Widget = w.VBox([
                w.HTML(_STYLE), head,
                w.HTML("<div class='sbf-home-subtitle'>待办事项</div>"), self.todo_box,
                w.HTML("<div class='sbf-home-subtitle'>异常提醒</div>"), self.alert_box,
                w.HTML("<div class='sbf-home-subtitle'>缴费日历</div>"), self.deadline_box])
        else:
            messages = w.VBox([w.HTML("<div class='sbf-section-title'>待办事项 / 异常提醒</div>"),
                               w.HTML("<div class='sbf-not-built'>待办事项、异常提醒与消息中心尚未实现</div>")])
        messages.add_class("sbf-home-messages")
        self.messages = messages
        left = w.VBox([w.HTML("<div class='sbf-section-title'>常用功能</div>"), quick, messages])
        left.add_class("sbf-card")
        left.add_class("sbf-home-main")
        right = w.VBox([w.HTML("<div class='sbf-section-title'>通知公告</div>"), self.notices])
        right.add_class("sbf-card")
        right.add_class("sbf-home-notices")
        row = w.HBox([left, right], layout=w.Layout(width="100%"))
        row.add_class("sbf-home-row")
        super().__init__(ui, [row], css="sbf-home-page")
        self.load_notices()
        self.load_messages()

    def on_show(self) -> None:
        self.load_notices()
        self.load_messages()

    def controls(self) -> Iterator[w.Widget]:
        """Only the 待办 / 异常 section freezes while it loads: the quick buttons stay usable."""
        stack: list[w.Widget] = [self.messages]
        while stack:
            widget = stack.pop()
            if widget.has_trait("disabled") and not isinstance(widget, w.Box):
                yield widget
            stack.extend(reversed(list(getattr(widget, "children", None) or ())))

    # ---- 通知公告 -------------------------------------------------------------------------------
    def load_notices(self) -> None:
        """Notices come from the local store (saved at login): read on the spot."""
        try:
            df = self.wb.notices()
        except Exception as exc:  # noqa: BLE001 - notices are not worth a dialog on the home page
            self.notices.value = f"<div class='sbf-empty'>{escape(error_text(exc))}</div>"
            return
        self.notices.value = notice_list_html(df, limit=10)

    # ---- 待办事项 / 异常提醒 ---------------------------------------------------------------------
    def load_messages(self, force: bool = False) -> None:
        """Fetch 待办 and 异常提醒 (the service fetches from the bureau at most once a minute)."""
        service = self.home_service
        if service is None:
            return
        if force:
            service.forget()
        self.status.value = escape("正在获取……")
        self.run_call(service.summary, on_done=self._show, on_error=self._failed, title="首页",
                      label="正在获取待办事项，请稍候……", slow_after=3600)

    def _failed(self, exc: BaseException) -> None:
        """The bureau could not be reached: say so quietly and show what is held."""
        try:
            held = self.home_service.summary(fetch=False)
        except Exception:  # noqa: BLE001 - nothing held is shown as nothing
            held = None
        shown = held is not None and bool(held.todo or held.alerts)
        if shown and held is not None:
            self._render(held)
        elif self.summary is None:
            none = "<div class='sbf-home-none'>暂未获取到待办事项</div>"
            self.todo_box.children = [w.HTML(none)]
            self.alert_box.children = [w.HTML(none.replace("待办事项", "异常提醒"))]
        self.status.value = (f"<span class='sbf-hint-red'>{escape(error_text(exc))}"
                             + ("，以下为上次获取的信息" if shown else "") + "</span>")

    def _show(self, summary: HomeSummary) -> None:
        self._render(summary)
        at = summary.fetched_at or clock.now()
        self.status.value = escape(f"更新于{at:%H:%M}")

    def _render(self, summary: HomeSummary) -> None:
        self.summary = summary
        self.todo_lines = [self._line(item, "sbf-home-todo-line") for item in summary.todo]
        self.alert_lines = [self._line(item, "sbf-home-alert-line") for item in summary.alerts]
        self.todo_box.children = self.todo_lines or [
            w.HTML("<div class='sbf-home-none'>暂无待办事项</div>")]
        self.alert_box.children = self.alert_lines or [
            w.HTML("<div class='sbf-home-none'>暂无异常提醒</div>")]
        # 缴费日历 (beyond the manual): each day something falls due, opening 缴费
        pay = "EMP-11" if "EMP-11" in menus.PAGES else "EMP-21"  # 缴费, else 社保费应缴信息查询
        self.deadline_lines = []
        for day in summary.deadlines:
            b = w.Button(description=day.text, tooltip=day.text, layout=w.Layout(width="100%"))
            b.add_class("sbf-home-line")
            b.add_class("sbf-home-deadline-line")
            if day.days_left < 0:
                b.add_class("sbf-home-overdue")
            b.on_click(lambda _b: self.ui.navigate(pay))
            self.deadline_lines.append(b)
        self.deadline_box.children = self.deadline_lines or [
            w.HTML("<div class='sbf-home-none'>暂无待缴费款</div>")]

    def _line(self, item: TodoItem | Alert, css: str) -> w.Button:
        target = self.target(item)
        b = w.Button(description=item.text, tooltip=item.text, layout=w.Layout(width="100%"))
        b.add_class("sbf-home-line")
        b.add_class(css)
        b.add_class(f"sbf-home-{item.kind}")
        b.add_class(f"sbf-home-to-{target}")
        b.on_click(lambda _b, target=target: self.ui.navigate(target))
        return b

    @staticmethod
    def target(item: TodoItem | Alert) -> str:
        """The menu a line opens: its own when that page is built, else its fallback when that is."""
        if item.menu_id in menus.PAGES or not item.fallback_menu_id:
            return item.menu_id
        return item.fallback_menu_id if item.fallback_menu_id in menus.PAGES else item.menu_id


class MessageCenterDialog(Dialog):
    """消息中心 (manual 2.1.2 三（四）, top right): the 待办事项 and 异常提醒 the client holds (no bureau
    call: the 首页 keeps them fresh), each opening its menu, and how many notices there are."""

    def __init__(self, ui: Ui, service: Any, notices: int) -> None:
        self.ui = ui
        try:
            summary = service.summary(fetch=False) if service is not None else None
        except Exception:  # noqa: BLE001 - nothing held is shown as nothing
            summary = None
        items: list[Any] = ([*summary.todo, *summary.alerts] if summary is not None else [])
        self.lines = [self._line(item) for item in items]
        count = w.HTML(f"<div class='sbf-message-count'>{escape(f'共{len(items)}条消息，通知公告{notices}条')}</div>")
        none = [w.HTML("<div class='sbf-home-none'>暂无消息</div>")] if not items else []
        close = w.Button(description="关闭")
        super().__init__("消息中心", [count, *self.lines, *none], [close], width="640px", css="sbf-message-center")
        close.on_click(lambda _b: self.dismiss())

    def _line(self, item: Any) -> w.Button:
        target = HomePage.target(item)
        b = w.Button(description=item.text, tooltip=item.text, layout=w.Layout(width="100%"))
        b.add_class("sbf-home-line")
        b.add_class(f"sbf-home-to-{target}")
        b.on_click(lambda _b, target=target: self._open(target))
        return b

    def _open(self, target: str) -> None:
        self.dismiss()
        self.ui.navigate(target)


class CollectorHomePage(HomePage):
    """代收单位's 首页: the same page with the collector's quick menus."""

    menu_id = "COL-1"
