"""The shared paged table (ipydatagrid) used by every list page.

- `fetch(page, page_size) -> (DataFrame, total)` supplies one page; the table never holds more.
- Page size comes from `settings.page_size` (default 1000, up to 10000). Changing it here stores it
  in the settings, so it applies to every table (each table re-reads it when it refreshes).
- Column widths the user drags are saved per `table_key` and re-applied after every data swap,
  because ipydatagrid may reset them (issue 472).
- The id column becomes the grid's (hidden) index: `selected_ids()` maps selected rows back to it.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import ipywidgets as w
import pandas as pd
from ipydatagrid import DataGrid, TextRenderer

PAGE_SIZES = [10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000]
SEQ = "序号"
FONT = "13px 'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', sans-serif"
HEADER_FONT = "bold " + FONT

log = logging.getLogger(__name__)

Fetch = Callable[[int, int], tuple[pd.DataFrame, int]]


class Settings(Protocol):
    page_size: int

    def column_widths(self, table_key: str) -> dict[str, int]: ...

    def save_column_widths(self, table_key: str, widths: dict[str, int]) -> None: ...


class MemorySettings:
    """Stand-in for `wb.settings` when a table is used outside the workbench (tests, notebooks)."""

    def __init__(self, page_size: int = 1000) -> None:
        self.page_size = page_size
        self._widths: dict[str, dict[str, int]] = {}

    def column_widths(self, table_key: str) -> dict[str, int]:
        return dict(self._widths.get(table_key, {}))

    def save_column_widths(self, table_key: str, widths: dict[str, int]) -> None:
        self._widths[table_key] = dict(widths)


class PagedTable(w.VBox):
    """A page of rows with 上一页 / 下一页, “共 N 条 第 p/q 页” and the page-size dropdown."""

    def __init__(
        self,
        fetch: Fetch,
        columns: Mapping[str, str],
        *,
        table_key: str,
        settings: Settings | None = None,
        id_column: str | None = None,
        numbered: bool = True,
        height: str = "420px",
        formatters: Mapping[str, Callable[[Any], str]] | None = None,
    ) -> None:
        self.fetch = fetch
        self.columns = dict(columns)
        self.table_key = table_key
        self.settings = settings or MemorySettings()
        self.id_column = id_column
        self.numbered = numbered
        self.formatters = dict(formatters or {})
        self.page = 1
        self.total = 0
        self.frame = pd.DataFrame()  # the raw page as fetched (all columns)
        self._applying_widths = False

        self.grid = DataGrid(
            self._display_frame(pd.DataFrame(columns=list(self.columns))),
            selection_mode="row",
            header_visibility="column",
            base_row_size=26,
            base_column_size=120,
            base_column_header_size=30,
            default_renderer=TextRenderer(font=FONT, vertical_alignment="center"),
            header_renderer=TextRenderer(font=HEADER_FONT, background_color="#eef3fb",
                                         vertical_alignment="center"),
            layout=w.Layout(height=height, width="100%"),
        )
        self.grid.add_class("sbf-grid")
        self.grid.observe(self._on_widths, names="column_widths")

        self.prev_button = w.Button(description="上一页", layout=w.Layout(width="auto"))
        self.next_button = w.Button(description="下一页", layout=w.Layout(width="auto"))
        self.prev_button.on_click(lambda _b: self.go(self.page - 1))
        self.next_button.on_click(lambda _b: self.go(self.page + 1))
        self.pager_label = w.Label("共 0 条 第 1/1 页")
        self.pager_label.add_class("sbf-pager-label")
        size = self._page_size()
        self.page_size_dropdown = w.Dropdown(
            options=self._size_options(size), value=size, layout=w.Layout(width="120px")
        )
        self.page_size_dropdown.add_class("sbf-page-size")
        self.page_size_dropdown.observe(self._on_size, names="value")
        pager = w.HBox(
            [self.pager_label, self.prev_button, self.next_button, w.Label("每页显示条数："),
             self.page_size_dropdown]
        )
        pager.add_class("sbf-pager")
        super().__init__([self.grid, pager])
        self.add_class("sbf-table")
        self.add_class(f"sbf-table-{table_key}")

    # ---- paging ---------------------------------------------------------------------------
    @property
    def page_size(self) -> int:
        return int(self.page_size_dropdown.value)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size)) if self.total else 1

    def refresh(self, page: int | None = None) -> None:
        """Fetch `page` (default: the current one) with the page size currently in the settings."""
        size = self._page_size()
        if size != self.page_size_dropdown.value:
            self.page_size_dropdown.unobserve(self._on_size, names="value")
            self.page_size_dropdown.options = self._size_options(size)
            self.page_size_dropdown.value = size
            self.page_size_dropdown.observe(self._on_size, names="value")
        self.page = max(1, page if page is not None else self.page)
        df, total = self.fetch(self.page, size)
        self.total = int(total)
        if self.page > self.pages:  # the data shrank under us: show the last page
            self.page = self.pages
            df, total = self.fetch(self.page, size)
            self.total = int(total)
        self.set_frame(df)

    def go(self, page: int) -> None:
        if 1 <= page <= self.pages:
            self.refresh(page)

    def set_frame(self, df: pd.DataFrame) -> None:
        """Show `df` as the current page (used by `refresh`, or directly for local lists)."""
        self.frame = df.reset_index(drop=True)
        self.grid.clear_selection()
        self.grid.data = self._display_frame(self.frame)
        self._apply_widths()
        self.pager_label.value = f"共 {self.total} 条 第 {self.page}/{self.pages} 页"
        self.prev_button.disabled = self.page <= 1
        self.next_button.disabled = self.page >= self.pages

    # ---- selection ------------------------------------------------------------------------
    def selected_rows(self) -> list[int]:
        """Positions (in `frame`) of the selected rows, in display order."""
        visible = list(self.grid._visible_rows or [])
        rows: list[int] = []
        for rect in self.grid.selections:
            for r in range(rect["r1"], rect["r2"] + 1):
                pos = visible[r] if visible and r < len(visible) else r
                if pos < len(self.frame) and pos not in rows:
                    rows.append(pos)
        return rows

    def selected_ids(self) -> list[Any]:
        if not self.id_column:
            return self.selected_rows()
        return [self.frame.iloc[p][self.id_column] for p in self.selected_rows()]

    def select_rows(self, positions: list[int]) -> None:
        """Select rows by position (tests, and 'select all' buttons)."""
        self.grid.clear_selection()
        ncols = len(self.columns) + (1 if self.numbered else 0)
        for p in positions:
            self.grid.select(p, 0, p, max(0, ncols - 1))

    # ---- internals ------------------------------------------------------------------------
    def _page_size(self) -> int:
        try:
            size = int(self.settings.page_size)
        except (TypeError, ValueError):
            size = 1000
        return min(max(size, 1), 10000)

    @staticmethod
    def _size_options(current: int) -> list[tuple[str, int]]:
        sizes = sorted(set(PAGE_SIZES) | {current})
        return [(f"{s}条/页", s) for s in sizes]

    def _on_size(self, change: dict) -> None:
        try:
            self.settings.page_size = int(change["new"])
        except Exception:  # noqa: BLE001 - the setting validates; keep the table usable anyway
            log.warning("page size %s refused", change["new"])
        self.refresh(1)

    def _display_frame(self, df: pd.DataFrame) -> pd.DataFrame:
        out = pd.DataFrame(index=range(len(df)))
        if self.numbered:
            start = (self.page - 1) * self.page_size if hasattr(self, "page_size_dropdown") else 0
            out[SEQ] = [str(start + i + 1) for i in range(len(df))]
        for col, label in self.columns.items():
            if col in df.columns:
                fmt = self.formatters.get(col, _cell_text)
                out[label] = [fmt(v) for v in df[col].tolist()]
            else:
                out[label] = [""] * len(df)
        out = out.astype(str) if len(out.columns) else out
        out.index = pd.RangeIndex(len(df), name="_row")
        return out

    def _on_widths(self, change: dict) -> None:
        if self._applying_widths:
            return
        widths = {str(k): int(v) for k, v in (change["new"] or {}).items()}
        if widths:
            merged = {**self.settings.column_widths(self.table_key), **widths}
            self.settings.save_column_widths(self.table_key, merged)

    def _apply_widths(self) -> None:
        saved = self.settings.column_widths(self.table_key)
        labels = set(self.grid.data.columns)
        widths = {k: int(v) for k, v in saved.items() if k in labels}
        self._applying_widths = True
        try:
            self.grid.column_widths = widths
        finally:
            self._applying_widths = False


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d %H:%M:%S") if (value.hour or value.minute or value.second) \
            else value.strftime("%Y-%m-%d")
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    return str(value)
