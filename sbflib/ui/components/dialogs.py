"""Modal-like dialogs drawn as an overlay inside the page: confirm (是/否), message box, password, custom.

A `DialogHost` is one overlay box per app. Dialogs stack: a message raised from inside a dialog shows
above it and returns to it when closed. Everything here is plain ipywidgets, so tests click buttons.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import ipywidgets as w

from sbflib.ui.components.html import escape


class Dialog(w.VBox):
    """A titled box with a body and a row of buttons; `host.show(dialog)` puts it on screen."""

    def __init__(
        self,
        title: str,
        body: Sequence[w.Widget] | w.Widget = (),
        buttons: Sequence[w.Button] = (),
        *,
        closable: bool = True,
        width: str = "480px",
        css: str = "",
    ) -> None:
        self.title = title
        self.host: DialogHost | None = None
        self._on_close: list[Callable[[], None]] = []
        self.title_label = w.HTML(f"<b>{escape(title)}</b>")
        self.title_label.add_class("sbf-dialog-title-text")
        header_items: list[w.Widget] = [self.title_label]
        if closable:
            self.close_button = w.Button(description="×", tooltip="关闭")
            self.close_button.add_class("sbf-dialog-close")
            self.close_button.on_click(lambda _b: self.dismiss())
            header_items.append(self.close_button)
        header = w.HBox(header_items)
        header.add_class("sbf-dialog-header")
        self.body = w.VBox(list(body) if not isinstance(body, w.Widget) else [body])
        self.body.add_class("sbf-dialog-body")
        self.buttons = list(buttons)
        footer = w.HBox(self.buttons)
        footer.add_class("sbf-dialog-footer")
        super().__init__([header, self.body, footer], layout=w.Layout(width=width, max_width="96vw"))
        self.add_class("sbf-dialog")
        if css:
            self.add_class(css)

    def button(self, text: str) -> w.Button:
        """The footer button labelled `text` (for tests and callers)."""
        for b in self.buttons:
            if b.description == text:
                return b
        raise KeyError(text)

    @property
    def text(self) -> str:
        """Plain text of the body (labels and HTML), for tests."""
        return " ".join(_widget_text(c) for c in self.body.children).strip()

    def on_close(self, callback: Callable[[], None]) -> None:
        self._on_close.append(callback)

    def dismiss(self) -> None:
        if self.host is not None:
            self.host.remove(self)
        for cb in self._on_close:
            cb()


class DialogHost(w.Box):
    """The overlay layer. Hidden while no dialog is open; shows the top of the stack."""

    def __init__(self) -> None:
        super().__init__([], layout=w.Layout(display="none"))
        self.add_class("sbf-overlay")
        self.stack: list[Dialog] = []

    @property
    def current(self) -> Dialog | None:
        return self.stack[-1] if self.stack else None

    def show(self, dialog: Dialog) -> Dialog:
        dialog.host = self
        self.stack.append(dialog)
        self._refresh()
        return dialog

    def remove(self, dialog: Dialog) -> None:
        if dialog in self.stack:
            self.stack.remove(dialog)
            self._refresh()

    def clear(self) -> None:
        self.stack.clear()
        self._refresh()

    def _refresh(self) -> None:
        top = self.current
        self.children = [top] if top is not None else []
        self.layout.display = "flex" if top is not None else "none"

    # ---- the standard dialogs -------------------------------------------------------------
    def message(self, text: str, *, title: str = "提示", on_close: Callable[[], None] | None = None,
                kind: str = "info", detail: str = "") -> Dialog:
        """A message box with 确定; a non-empty `detail` goes under a collapsed 详情 toggle."""
        ok = w.Button(description="确定", button_style="primary")
        body: list[w.Widget] = [w.HTML(f"<div class='sbf-message sbf-message-{kind}'>{escape(text)}</div>")]
        if detail:
            body.append(DetailToggle(detail))
        d = Dialog(title, body, [ok], css="sbf-message-dialog")
        ok.on_click(lambda _b: d.dismiss())
        if on_close:
            d.on_close(on_close)
        return self.show(d)

    def error(self, text: str, *, title: str = "提示", on_close: Callable[[], None] | None = None,
              detail: str = "") -> Dialog:
        d = self.message(text, title=title, on_close=on_close, kind="error", detail=detail)
        d.add_class("sbf-error-dialog")
        return d

    def confirm(self, text: str, on_yes: Callable[[], None], on_no: Callable[[], None] | None = None,
                *, title: str = "提示", yes: str = "是", no: str = "否") -> Dialog:
        """A question with 是 / 否; the × counts as 否."""
        yes_b = w.Button(description=yes, button_style="primary")
        no_b = w.Button(description=no)
        body = w.HTML(f"<div class='sbf-message'>{escape(text)}</div>")
        d = Dialog(title, [body], [yes_b, no_b], css="sbf-confirm-dialog")
        answered = {"yes": False}

        def _yes(_b: w.Button) -> None:
            answered["yes"] = True
            d.dismiss()
            on_yes()

        def _closed() -> None:
            if not answered["yes"] and on_no:
                on_no()

        yes_b.on_click(_yes)
        no_b.on_click(lambda _b: d.dismiss())
        d.on_close(_closed)
        return self.show(d)

    def password(self, on_ok: Callable[[str], None], *, title: str = "安全认证",
                 label: str = "申报密码：", hint: str = "") -> Dialog:
        """Ask for a password; `on_ok(password)` runs after 确定 with a non-empty value."""
        pw = w.Password(placeholder="请输入申报密码")
        pw.add_class("sbf-password")
        err = w.HTML("")
        ok = w.Button(description="确定", button_style="primary")
        cancel = w.Button(description="取消")
        items: list[w.Widget] = [w.HBox([w.Label(label), pw])]
        if hint:
            items.append(w.HTML(f"<div class='sbf-hint-red'>{escape(hint)}</div>"))
        items.append(err)
        d = Dialog(title, items, [ok, cancel], css="sbf-password-dialog")
        d.password_field = pw  # type: ignore[attr-defined]

        def _ok(_b: w.Button) -> None:
            if not pw.value:
                err.value = "<div class='sbf-hint-red'>请输入申报密码</div>"
                return
            value = pw.value
            pw.value = ""
            d.dismiss()
            on_ok(value)

        ok.on_click(_ok)
        cancel.on_click(lambda _b: d.dismiss())
        return self.show(d)


class DetailToggle(w.VBox):
    """详情: a link that shows or hides technical text (collapsed at first)."""

    def __init__(self, detail: str) -> None:
        self.toggle = w.Button(description="详情 ▸", layout=w.Layout(width="auto"))
        self.toggle.add_class("sbf-link-button")
        self.toggle.add_class("sbf-detail-toggle")
        self.detail = w.HTML(f"<pre class='sbf-detail-text'>{escape(detail)}</pre>",
                             layout=w.Layout(display="none"))
        self.detail.add_class("sbf-detail")
        self.toggle.on_click(lambda _b: self.flip())
        super().__init__([self.toggle, self.detail])
        self.add_class("sbf-detail-box")

    def set_detail(self, detail: str) -> None:
        """New technical text, collapsed again."""
        self.detail.value = f"<pre class='sbf-detail-text'>{escape(detail)}</pre>"
        self.detail.layout.display = "none"
        self.toggle.description = "详情 ▸"

    @property
    def expanded(self) -> bool:
        return self.detail.layout.display != "none"

    def flip(self) -> None:
        show = not self.expanded
        self.detail.layout.display = None if show else "none"
        self.toggle.description = "详情 ▾" if show else "详情 ▸"


def _widget_text(widget: w.Widget) -> str:
    import re

    if isinstance(widget, w.HTML | w.HTMLMath):
        return re.sub(r"<[^>]+>", " ", widget.value)
    if isinstance(widget, w.Label):
        return widget.value
    if isinstance(widget, w.Box):
        return " ".join(_widget_text(c) for c in widget.children)
    if isinstance(widget, w.Text | w.Textarea):
        return widget.value
    return ""
