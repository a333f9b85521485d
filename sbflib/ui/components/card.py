"""A settings card (title bar + rows, as on 备份恢复 and 关于) and the result line under its buttons."""

from __future__ import annotations

import ipywidgets as w

from sbflib.errors import SbfError
from sbflib.ui.components.dialogs import DetailToggle
from sbflib.ui.components.html import escape
from sbflib.ui.context import error_text


def card(title: str, items: list[w.Widget], css: str) -> w.VBox:
    head = w.HBox([w.HTML(f"<div class='sbf-card-title'>{escape(title)}</div>")])
    head.add_class("sbf-card-head")
    box = w.VBox([head, *items])
    box.add_class("sbf-card")
    box.add_class(css)
    return box


class ResultLine(w.VBox):
    """What the last action of a card did (green / red), with 详情 when there is technical text.
    `css` names the line for tests; `extra_css` is added to the coloured block; `margin` aligns it
    with the card's inputs."""

    def __init__(self, css: str, *, extra_css: str = "", margin: str = "4px 0 0 0") -> None:
        self.extra_css = extra_css
        self.text = w.HTML("")
        self.text.add_class(css)
        self.detail = DetailToggle("")
        self.detail.layout.display = "none"
        super().__init__([self.text, self.detail], layout=w.Layout(margin=margin))

    def show(self, lines: list[str] | str, ok: bool, detail: str = "") -> None:
        lines = [lines] if isinstance(lines, str) else lines
        body = "<br>".join(escape(line) for line in lines)
        classes = " ".join(c for c in ("sbf-ok" if ok else "sbf-fail", self.extra_css) if c)
        self.text.value = f"<div class='{classes}' style='line-height:1.7;white-space:normal'>{body}</div>"
        self.detail.set_detail(detail)
        self.detail.layout.display = None if detail else "none"

    def failed(self, exc: BaseException) -> None:
        detail = str(getattr(exc, "detail", "") or "") if isinstance(exc, SbfError) else ""
        self.show(error_text(exc), False, detail)
