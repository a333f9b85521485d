"""Collapsible query form (收起/展开) with 查询 / 重置, laid out in rows of three fields."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import ipywidgets as w


class QueryForm(w.VBox):
    """`fields` is a list of (label, widget). `values()` maps label -> widget value."""

    def __init__(
        self,
        fields: Sequence[tuple[str, w.Widget]],
        on_query: Callable[[], None],
        on_reset: Callable[[], None] | None = None,
        *,
        per_row: int = 3,
    ) -> None:
        self.fields = list(fields)
        self._initial = {label: getattr(widget, "value", None) for label, widget in self.fields}
        self._on_query = on_query
        self._on_reset = on_reset
        cells = []
        for label, widget in self.fields:
            lab = w.Label(f"{label}：")
            lab.add_class("sbf-field-label")
            cell = w.HBox([lab, widget])
            cell.add_class("sbf-field")
            cells.append(cell)
        # at most `per_row` columns, each at least 250px: a narrow screen gets fewer columns per row
        # rather than squeezed fields (gap 18px, as in sbf.css)
        columns = f"repeat(auto-fill, minmax(max(250px, calc((100% - {per_row - 1} * 18px) / {per_row})), 1fr))"
        self.grid = w.GridBox(cells, layout=w.Layout(grid_template_columns=columns, width="100%"))
        self.grid.add_class("sbf-query-grid")
        self.query_button = w.Button(description="查询", button_style="primary")
        self.reset_button = w.Button(description="重置")
        self.toggle_button = w.Button(description="收起")
        self.toggle_button.add_class("sbf-link-button")
        self.query_button.on_click(lambda _b: self._on_query())
        self.reset_button.on_click(lambda _b: self.reset())
        self.toggle_button.on_click(lambda _b: self.toggle())
        bar = w.HBox([self.query_button, self.reset_button, self.toggle_button])
        bar.add_class("sbf-query-buttons")
        bar.add_class("sbf-wrap")
        super().__init__([self.grid, bar])
        self.add_class("sbf-query-form")

    @property
    def collapsed(self) -> bool:
        return self.grid.layout.display == "none"

    def toggle(self) -> None:
        if self.collapsed:
            self.grid.layout.display = None
            self.toggle_button.description = "收起"
        else:
            self.grid.layout.display = "none"
            self.toggle_button.description = "展开"

    def values(self) -> dict[str, object]:
        return {label: getattr(widget, "value", None) for label, widget in self.fields}

    def reset(self) -> None:
        for label, widget in self.fields:
            if hasattr(widget, "value"):
                widget.value = self._initial[label]
        if self._on_reset:
            self._on_reset()
        self._on_query()
