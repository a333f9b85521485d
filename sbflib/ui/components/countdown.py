"""The wait after a submission (提交申报, 作废): count down, then fetch the bureau's answer.

The manual's screens (2.3 四, 2.8, 2.10 四) show a countdown with a button that fetches at once; the
seconds are the setting `wages.feedback_wait_s` (20 by default, 0 in tests). One dialog for every
page that waits so, named by what it waits for.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import ipywidgets as w

from sbflib.ui.components.dialogs import Dialog
from sbflib.ui.components.html import text_html


class CountdownDialog(Dialog):
    """Counts down `seconds`, then `on_fetch()`; the button fetches at once. `sync`: no thread (tests
    drive `tick()` themselves)."""

    def __init__(self, text: str, seconds: int, on_fetch: Callable[[], None], *, sync: bool = False,
                 title: str = "提交申报", awaiting: str = "申报反馈", button_label: str = "立即获取",
                 css: str = "sbf-countdown-dialog", button_css: str = "sbf-fetch-now") -> None:
        self.left = max(0, int(seconds))
        self.on_fetch = on_fetch
        self.done = False
        self.awaiting = awaiting
        self.button_label = button_label
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.label = w.HTML("")
        self.label.add_class("sbf-countdown")
        now = w.Button(description=button_label, button_style="primary")
        now.add_class(button_css)
        super().__init__(title, [text_html(text, "sbf-message"), self.label], [now], closable=False,
                         width="460px", css=css)
        now.on_click(lambda _b: self.fetch())
        self._show()
        if self.left > 0 and not sync:
            threading.Thread(target=self._run, daemon=True, name="sbf-countdown").start()

    def _show(self) -> None:
        self.label.value = (f"<div>系统将在 <b class='sbf-countdown-seconds'>{self.left}</b> 秒后自动获取"
                            f"{self.awaiting}，也可点击【{self.button_label}】。</div>")

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            if self.tick():
                return

    def tick(self) -> bool:
        """One second passed; True when the countdown is over (and the fetch started)."""
        with self._lock:
            if self.done:
                return True
            self.left = max(0, self.left - 1)
            self._show()
            over = self.left == 0
        if over:
            self.fetch()
        return over

    def fetch(self) -> None:
        with self._lock:
            if self.done:
                return
            self.done = True
        self._stop.set()
        self.dismiss()
        self.on_fetch()
