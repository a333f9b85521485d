"""A `PagedTable` with a tick-box column (select-all for the page in its header) and link columns.

- The first column shows ☐ / ☑ per row; a click on a cell ticks or unticks that row, a click on the
  header (☐ / ☑) ticks or unticks every row of the page. `selected_ids()` returns the ticked rows,
  in page order; turning the page or refreshing clears the ticks.
- `actions` adds link-styled text columns after the data columns (the manual's 操作 column with
  查看 and 编辑): a click on a cell calls `actions[text](row_id)`. The first action column is headed
  操作, the others have a blank header so they read as one column.
- `ticks=False` leaves the tick-box column out (a read-only list that only wants the widths).
- `default_widths` (label -> px) size columns the user has not dragged, so a page's row can fit the
  screen with its 操作 column in view. With `min_widths` (label -> px) the row also fits a narrower
  grid (1024 px screens): a `WidthProbe` above the grid reports the grid's width from the browser,
  and when the row is wider, the columns named in `min_widths` shrink towards those widths (evenly,
  in proportion to what each can give), so 操作 stays in view. Widths the user dragged always win:
  only the dragged column is saved, and a saved width is never shrunk.
- Grid clicks arrive as ipydatagrid "cell-click" messages; `click(row, label)` and
  `click_header(label)` feed the same handler, so widget tests click as the browser does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import anywidget
import ipywidgets as w
import pandas as pd
import traitlets
from ipydatagrid import TextRenderer

from sbflib.ui.components.table import FONT, Fetch, PagedTable, Settings

TICKED = "☑"
UNTICKED = "☐"
ACTION_HEADER = "操作"
TICK_WIDTH = 40
ACTION_WIDTH = 52  # the 操作 column: its header and filter icon in view
LINK_WIDTH = 44  # each further link column (blank header)
LINK_COLOR = "#1677ff"
SCROLLBAR = 26  # the grid's vertical scroll bar, borders and margins, px (probe width - usable width)

_PROBE_ESM = r"""
export default {
  render({ model, el }) {
    el.classList.add("sbf-width-probe");
    let last = -1;
    let timer = null;
    const send = () => {
      const width = Math.round(el.getBoundingClientRect().width);
      if (width > 0 && width !== last) {
        last = width;
        model.set("width", width);
        model.save_changes();
      }
    };
    const observer = new ResizeObserver(() => { clearTimeout(timer); timer = setTimeout(send, 100); });
    observer.observe(el);
    send();
    return () => { observer.disconnect(); clearTimeout(timer); };
  },
};
"""


class WidthProbe(anywidget.AnyWidget):
    """An empty full-width line whose `width` (px, 0 until a browser shows it) follows the page."""

    _esm = _PROBE_ESM
    width = traitlets.Int(0).tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(layout=w.Layout(width="100%", height="0px", margin="0"), **kwargs)


class TickTable(PagedTable):
    def __init__(
        self,
        fetch: Fetch,
        columns: Mapping[str, str],
        *,
        table_key: str,
        actions: Mapping[str, Callable[[Any], object]] | None = None,
        settings: Settings | None = None,
        id_column: str | None = None,
        numbered: bool = True,
        height: str = "420px",
        formatters: Mapping[str, Callable[[Any], str]] | None = None,
        default_widths: Mapping[str, int] | None = None,
        min_widths: Mapping[str, int] | None = None,
        ticks: bool = True,
    ) -> None:
        self.ticks = ticks
        self.default_widths = dict(default_widths or {})
        self.min_widths = dict(min_widths or {})
        self.probe = WidthProbe()
        self.actions = dict(actions or {})
        # header label of each action column -> the link text in its cells
        self.action_columns = {(ACTION_HEADER if i == 0 else "\u3000" * i): text
                               for i, text in enumerate(self.actions)}
        self.ticked: list[int] = []
        super().__init__(fetch, columns, table_key=table_key, settings=settings, id_column=id_column,
                         numbered=numbered, height=height, formatters=formatters)
        self.add_class("sbf-tick-table")
        self.grid.selection_mode = "none"  # the ticks are the selection; no highlighted rows
        tick = TextRenderer(font="16px sans-serif", horizontal_alignment="center", vertical_alignment="center",
                            text_color="#1677ff")
        link = TextRenderer(font=FONT, horizontal_alignment="center", vertical_alignment="center",
                            text_color=LINK_COLOR)
        self.grid.renderers = {TICKED: tick, UNTICKED: tick, **{label: link for label in self.action_columns}}
        self.grid.on_cell_click(self._on_click)
        self.children = (self.probe, *self.children)  # type: ignore[has-type]  # a traitlets tuple
        self.probe.observe(lambda _c: self._apply_widths(), names="width")

    # ---- ticks ---------------------------------------------------------------------------
    @property
    def all_ticked(self) -> bool:
        return bool(len(self.frame)) and len(self.ticked) == len(self.frame)

    def selected_rows(self) -> list[int]:
        return sorted(self.ticked)

    def select_rows(self, positions: list[int]) -> None:
        """Tick exactly these rows (by position in `frame`)."""
        self._set_ticks([p for p in dict.fromkeys(positions) if 0 <= p < len(self.frame)])

    def tick(self, position: int, on: bool | None = None) -> None:
        """Tick (on=True), untick (False) or toggle (None) one row."""
        if not 0 <= position < len(self.frame):
            return
        now = position in self.ticked
        want = (not now) if on is None else on
        if want == now:
            return
        ticks = [p for p in self.ticked if p != position] + ([position] if want else [])
        was_all = self.all_ticked
        self.ticked = ticks
        if was_all != self.all_ticked:  # the header's ☐ / ☑ changes: resend the page
            self._redraw()
        else:
            self.grid.set_cell_value_by_index(self._tick_label(was_all), position, TICKED if want else UNTICKED)

    def tick_all(self, on: bool | None = None) -> None:
        """The header box: tick every row of the page, or untick them all when all are ticked."""
        want = (not self.all_ticked) if on is None else on
        self._set_ticks(list(range(len(self.frame))) if want else [])

    def _set_ticks(self, positions: list[int]) -> None:
        self.ticked = list(positions)
        self._redraw()

    def _redraw(self) -> None:
        self.grid.data = self._display_frame(self.frame)
        self._apply_widths()

    # ---- clicks --------------------------------------------------------------------------
    def click(self, row: int, label: str) -> None:
        """A click on the body cell of column `label` (as displayed) in page row `row`."""
        self._on_click({"region": "body", "column": label, "row": row, "primary_key_row": row})

    def click_header(self, label: str) -> None:
        self._on_click({"region": "column-header", "column": label, "row": 0, "primary_key_row": None})

    def _on_click(self, event: dict) -> None:
        column = event.get("column")
        region = event.get("region")
        if region == "column-header":
            if column in (TICKED, UNTICKED):
                self.tick_all()
            return
        if region != "body":
            return
        row = event.get("primary_key_row")
        if not isinstance(row, int):
            row = event.get("row")
        if not isinstance(row, int) or not 0 <= row < len(self.frame):
            return
        if column in (TICKED, UNTICKED):
            self.tick(row)
        elif column in self.action_columns:
            key = self.frame.iloc[row][self.id_column] if self.id_column else row
            self.actions[self.action_columns[column]](key)

    # ---- display -------------------------------------------------------------------------
    def set_frame(self, df: pd.DataFrame) -> None:
        self.ticked = []
        super().set_frame(df)

    def _tick_label(self, all_ticked: bool | None = None) -> str:
        return TICKED if (self.all_ticked if all_ticked is None else all_ticked) else UNTICKED

    def _display_frame(self, df: pd.DataFrame) -> pd.DataFrame:
        out = super()._display_frame(df)
        ticked = set(getattr(self, "ticked", []))
        if getattr(self, "ticks", True):
            out.insert(0, self._tick_label() if len(df) else UNTICKED,
                       [TICKED if i in ticked else UNTICKED for i in range(len(df))])
        for label, text in getattr(self, "action_columns", {}).items():
            out[label] = [text] * len(df)
        return out

    def _fixed_widths(self) -> dict[str, int]:
        return {TICKED: TICK_WIDTH, UNTICKED: TICK_WIDTH,
                **{label: ACTION_WIDTH if i == 0 else LINK_WIDTH for i, label in enumerate(self.action_columns)}}

    def _on_widths(self, change: dict) -> None:
        """Save only what the user dragged (the columns whose width changed), never the widths this
        table set itself, so a default or a fitted width never passes for a chosen one."""
        if self._applying_widths:
            return
        old = {str(k): int(v) for k, v in (change.get("old") or {}).items()}
        fixed = self._fixed_widths()
        dragged = {str(k): int(v) for k, v in (change["new"] or {}).items()
                   if old.get(str(k)) != int(v) and str(k) not in fixed}
        if dragged:
            self.settings.save_column_widths(self.table_key,
                                             {**self.settings.column_widths(self.table_key), **dragged})

    def fitted_widths(self) -> dict[str, int]:
        """Width per displayed column: dragged (saved) > default (shrunk towards `min_widths` when the
        grid is narrower than the row) > the grid's base size; the tick and 操作 columns fixed."""
        labels = [str(c) for c in self.grid.data.columns]
        fixed = {k: v for k, v in self._fixed_widths().items() if k in labels}
        saved = {k: int(v) for k, v in self.settings.column_widths(self.table_key).items()
                 if k in labels and k not in fixed and int(v) != self.default_widths.get(k)}
        widths = {k: v for k, v in self.default_widths.items() if k in labels}
        widths.update(saved)
        widths.update(fixed)
        available = self.probe.width - SCROLLBAR
        if self.probe.width <= 0 or not self.min_widths:
            return widths
        base = int(self.grid.base_column_size)
        total = sum(widths.get(k, base) for k in labels)
        give = {k: widths[k] - m for k, m in self.min_widths.items()
                if k in widths and k not in saved and k not in fixed and widths[k] > m}
        over, slack = total - available, sum(give.values())
        if over <= 0 or slack <= 0:
            return widths
        share = min(1.0, over / slack)
        for k, g in give.items():
            widths[k] = round(widths[k] - g * share)
        return widths

    def _apply_widths(self) -> None:
        widths = self.fitted_widths()  # the saved widths included (PagedTable's own apply not needed)
        if widths == dict(self.grid.column_widths):
            return
        self._applying_widths = True
        try:
            self.grid.column_widths = widths
        finally:
            self._applying_widths = False
