"""What every page is handed: the workbench plus the app's dialogs, download widget and task runner."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from sbflib.errors import SbfError
from sbflib.ui.components.dialogs import Dialog, DialogHost
from sbflib.ui.components.download import Download
from sbflib.ui.components.html import escape
from sbflib.ui.components.progress import Tasks

if TYPE_CHECKING:
    from sbflib.workbench import Workbench

log = logging.getLogger(__name__)


def error_text(exc: BaseException) -> str:
    """The Chinese message for the clerk: SbfError says it itself; anything else stays generic."""
    if isinstance(exc, SbfError):
        return str(exc)
    return "系统异常，请稍后重试。"


class Ui:
    """What every page is handed. `sync=True` runs background work inline (widget tests)."""

    def __init__(self, wb: Workbench, *, sync: bool = False) -> None:
        self.wb: Workbench = wb
        self.dialogs = DialogHost()
        self.download = Download()
        self.download.add_class("sbf-download-host")
        self.tasks = Tasks(sync=sync)
        self.navigate: Callable[[str], None] = lambda _menu_id: None
        self.open_network: Callable[[], None] = lambda: None

    # ---- dialogs --------------------------------------------------------------------------
    def message(self, text: str, **kw: Any) -> Dialog:
        return self.dialogs.message(text, **kw)

    def error(self, exc: BaseException | str, **kw: Any) -> Dialog:
        """The error dialog: the Chinese message, and 详情 with `SbfError.detail` when it has one.
        Anything that is not an SbfError is logged with its traceback and shown generically."""
        text = exc if isinstance(exc, str) else error_text(exc)
        detail = ""
        if isinstance(exc, SbfError):
            detail = str(getattr(exc, "detail", "") or "")
            if detail:
                log.warning("%s (%s)", text, detail)
        elif not isinstance(exc, str):
            log.error("unexpected error", exc_info=exc)
        return self.dialogs.error(text, detail=detail, **kw)

    def confirm(self, text: str, on_yes: Callable[[], None], on_no: Callable[[], None] | None = None,
                **kw: Any) -> Dialog:
        return self.dialogs.confirm(text, on_yes, on_no, **kw)

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[bool, Any]:
        """Run a short workbench call on the spot; show its error and return (False, None) if it fails."""
        try:
            return True, fn(*args, **kwargs)
        except SbfError as exc:
            self.error(exc)
        except Exception as exc:  # noqa: BLE001 - a clerk sees a message, not a traceback
            self.error(exc)
        return False, None

    # ---- files ----------------------------------------------------------------------------
    def save(self, data: bytes, filename: str) -> None:
        self.download.save(data, filename)


def field(label: str, widget: w.Widget, *, width: str = "110px") -> w.HBox:
    """A form row: right-aligned label then the widget."""
    lab = w.Label(f"{label}：", layout=w.Layout(width=width, min_width=width))
    lab.add_class("sbf-form-label")
    row = w.HBox([lab, widget])
    row.add_class("sbf-form-row")
    return row


def button(text: str, on_click: Callable[[], None], *, primary: bool = False, css: str = "") -> w.Button:
    b = w.Button(description=text, button_style="primary" if primary else "",
                 layout=w.Layout(width="auto"))
    b.on_click(lambda _b: on_click())
    if css:
        b.add_class(css)
    return b


def wizard_card(title: str, items: list[w.Widget], css: str, *, on_back: Callable[[], None] | None = None,
                back_css: str = "sbf-wizard-back") -> w.VBox:
    """One step of a wizard (添加单位, 登录): a titled card, with 返回 when `on_back` is given."""
    head_items: list[w.Widget] = [w.HTML(f"<div class='sbf-card-title'>{escape(title)}</div>")]
    if on_back is not None:
        head_items.append(button("返回", on_back, css=back_css))
    head = w.HBox(head_items)
    head.add_class("sbf-card-head")
    card = w.VBox([head, *items])
    for css_class in ("sbf-card", "sbf-wizard-card", css):
        card.add_class(css_class)
    return card
