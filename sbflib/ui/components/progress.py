"""Progress bar with a label, and `Tasks`: long work in a background thread that updates widgets.

Work run inside a button callback freezes the page (VOILA-NOTES), so long calls go through
`Tasks.start`. The worker only sets widget values; it never prints.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from sbflib.errors import SbfError

log = logging.getLogger(__name__)


class Progress(w.VBox):
    """进度条 + 说明文字. `update(fraction, label)` may be called from any thread."""

    def __init__(self, label: str = "") -> None:
        self.bar = w.FloatProgress(value=0.0, min=0.0, max=1.0, layout=w.Layout(width="100%"))
        self.bar.add_class("sbf-progress-bar")
        self.percent = w.Label("0%")
        self.percent.add_class("sbf-progress-percent")
        self.label = w.Label(label)
        self.label.add_class("sbf-progress-label")
        super().__init__([w.HBox([self.bar, self.percent], layout=w.Layout(width="100%")), self.label])
        self.add_class("sbf-progress")

    def update(self, fraction: float | None = None, label: str | None = None) -> None:
        if fraction is not None:
            fraction = min(max(float(fraction), 0.0), 1.0)
            self.bar.value = fraction
            self.percent.value = f"{round(fraction * 100)}%"
        if label is not None:
            self.label.value = label

    def __call__(self, fraction: float, label: str = "") -> None:
        """So a `Progress` can be handed to the workbench as its `progress` callback."""
        self.update(fraction, label or None)


class Tasks:
    """Runs work in daemon threads; `wait()` lets tests join them. `sync=True` runs inline."""

    def __init__(self, *, sync: bool = False) -> None:
        self.sync = sync
        self._threads: list[threading.Thread] = []
        self.last_error: BaseException | None = None

    def start(
        self,
        work: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        def run() -> None:
            try:
                result = work()
            except BaseException as exc:
                self.last_error = exc
                if not isinstance(exc, SbfError):
                    log.exception("background task failed")
                if on_error:
                    on_error(exc)
                return
            if on_done:
                try:
                    on_done(result)
                except BaseException as exc:
                    self.last_error = exc
                    log.exception("task callback failed")
                    if on_error:
                        on_error(exc)

        if self.sync:
            run()
            return
        t = threading.Thread(target=run, daemon=True, name="sbf-task")
        self._threads.append(t)
        t.start()

    @property
    def busy(self) -> bool:
        self._threads = [t for t in self._threads if t.is_alive()]
        return bool(self._threads)

    def wait(self, timeout: float = 60.0) -> None:
        """Join every running task (tests). New tasks started by callbacks are joined too."""
        import time

        deadline = time.monotonic() + timeout
        while True:
            alive = [t for t in self._threads if t.is_alive()]
            if not alive:
                return
            for t in alive:
                t.join(max(0.0, deadline - time.monotonic()))
            if time.monotonic() >= deadline:
                raise TimeoutError("后台任务超时")
