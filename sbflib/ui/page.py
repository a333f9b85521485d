"""The one shape of a menu page: `Page`, a VBox with its menu ID and title, `on_show()`, freeze /
unfreeze, and `run_call` for every call that goes to the bureau.

`run_call(fn, *args, on_done=..., label=...)`:
- refuses a second start while one runs (a double click never sends twice) and returns False;
- freezes the page (every button and input disabled) until the call ends, then restores each
  control's own disabled state;
- runs `fn` in a background thread (`ui.tasks`; inline with `Ui(wb, sync=True)` in tests), so the
  kernel keeps answering other widgets;
- shows a progress dialog when the call takes longer than `slow_after` seconds (a hung bureau read
  takes up to ~35 s); with `cancellable=True` the dialog has 取消, which gives the page back at once
  and drops the late answer; with `progress=True` (long work such as 更新 or 导出) the dialog shows
  at once with a bar and `fn` gets the bar as its `progress=` callback (`progress(fraction, label)`);
- shows a failure in the error dialog (Chinese message, 详情 with `SbfError.detail`), or hands it to
  `on_error`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import ipywidgets as w

from sbflib.ui.components.dialogs import Dialog
from sbflib.ui.components.html import escape
from sbflib.ui.components.progress import Progress

if TYPE_CHECKING:
    from sbflib.ui.context import Ui
    from sbflib.workbench import Workbench

SLOW_AFTER = 0.4  # seconds before a running call shows its progress dialog


class Page(w.VBox):
    """Base of every menu page. Subclasses set `menu_id` and `title` and build their widgets."""

    menu_id: ClassVar[str] = ""
    title: ClassVar[str] = ""

    def __init__(self, ui: Ui, children: Sequence[w.Widget] = (), *, css: str = "",
                 show_title: bool = False) -> None:
        self.ui = ui
        self.busy = False
        self._frozen: dict[int, tuple[w.Widget, bool]] = {}
        self._call_id = 0
        items = list(children)
        if show_title and self.title:
            items.insert(0, w.HTML(f"<div class='sbf-page-title'>{escape(self.title)}</div>"))
        super().__init__(items)
        self.add_class("sbf-page")
        if self.menu_id:
            self.add_class(f"sbf-page-{self.menu_id}")
        if css:
            self.add_class(css)

    @property
    def wb(self) -> Workbench:
        return self.ui.wb

    def on_show(self) -> None:
        """Called each time the shell shows the page again (not on first build)."""

    # ---- freeze ---------------------------------------------------------------------------
    def controls(self) -> Iterator[w.Widget]:
        """Every button and input of the page (walks the widget tree)."""
        stack: list[w.Widget] = [self]
        seen: set[int] = set()
        while stack:
            widget = stack.pop()
            if id(widget) in seen:
                continue
            seen.add(id(widget))
            if widget.has_trait("disabled") and not isinstance(widget, w.Box):
                yield widget  # buttons, inputs, and anywidget controls such as Upload
            children = getattr(widget, "children", None)
            if children:
                stack.extend(reversed(list(children)))

    @property
    def frozen(self) -> bool:
        return bool(self._frozen)

    def freeze(self) -> None:
        """Disable every control, remembering which were disabled already."""
        for c in self.controls():
            if id(c) not in self._frozen:
                self._frozen[id(c)] = (c, bool(c.disabled))
                c.disabled = True
        self.add_class("sbf-frozen")

    def unfreeze(self) -> None:
        """Give each control back its own disabled state."""
        frozen, self._frozen = self._frozen, {}
        for c, was in frozen.values():
            c.disabled = was
        self.remove_class("sbf-frozen")

    # ---- calls to the bureau ---------------------------------------------------------------
    def run_call(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        label: str = "正在处理，请稍候……",
        title: str = "处理中",
        cancellable: bool = False,
        slow_after: float = SLOW_AFTER,
        progress: bool = False,
        **kwargs: Any,
    ) -> bool:
        """Run `fn(*args, **kwargs)` off the kernel's thread with the page frozen. Returns False
        (and sends nothing) when a call of this page is still running."""
        if self.busy:
            return False
        self.busy = True
        self._call_id += 1
        call_id = self._call_id
        self.freeze()
        state: dict[str, Any] = {"dialog": None, "finished": False}
        lock = threading.Lock()
        bar_widget: Progress | None = Progress(label) if progress else None
        if bar_widget is not None:
            kwargs["progress"] = bar_widget

        def show_progress() -> None:
            with lock:
                if state["finished"] or call_id != self._call_id:
                    return
                buttons = []
                if cancellable:
                    cancel = w.Button(description="取消")
                    cancel.add_class("sbf-progress-cancel")
                    cancel.on_click(lambda _b: self.cancel_call())
                    buttons.append(cancel)
                body: list[w.Widget]
                if bar_widget is not None:
                    body = [bar_widget]
                else:
                    bar = w.IntProgress(value=1, min=0, max=1, bar_style="info", layout=w.Layout(width="100%"))
                    bar.add_class("sbf-progress-bar")
                    body = [w.HTML(f"<div class='sbf-progress-label'>{escape(label)}</div>"), bar]
                d = Dialog(title, body, buttons, closable=False, width="420px", css="sbf-progress-dialog")
                d.add_class("sbf-call-progress")
                state["dialog"] = d
                self.ui.dialogs.show(d)

        timer = None
        if progress:
            show_progress()
        elif not self.ui.tasks.sync:
            timer = threading.Timer(slow_after, show_progress)
            timer.daemon = True
            timer.start()

        def finish() -> bool:
            """End this call's UI state; False when the call was cancelled or superseded."""
            with lock:
                state["finished"] = True
                if timer is not None:
                    timer.cancel()
                if state["dialog"] is not None:
                    state["dialog"].dismiss()
                if call_id != self._call_id or not self.busy:
                    return False
                self.busy = False
                self.unfreeze()
                return True

        def done(result: Any) -> None:
            if finish() and on_done is not None:
                on_done(result)

        def failed(exc: BaseException) -> None:
            if not finish():
                return
            if on_error is not None:
                on_error(exc)
            else:
                self.ui.error(exc)

        self.ui.tasks.start(lambda: fn(*args, **kwargs), done, failed)
        return True

    def cancel_call(self) -> None:
        """取消: give the page back now; the running call's answer, when it comes, is dropped."""
        if not self.busy:
            return
        self._call_id += 1
        self.busy = False
        self.unfreeze()
        for d in list(self.ui.dialogs.stack):
            if "sbf-call-progress" in d._dom_classes:
                d.dismiss()
