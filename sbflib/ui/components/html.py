"""HTML pieces built from plain text: every value is escaped here, so a page never writes markup
around data by hand. Label/value grids (单位信息), a DataFrame as a table, notice lists.

Nothing here imports pandas: a "frame" is anything with `.columns` and `.to_dict("records")`.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping
from typing import Any

import ipywidgets as w


def escape(value: Any) -> str:
    """Plain text → HTML text (None → empty, new lines → <br>)."""
    if value is None:
        return ""
    return html.escape(str(value)).replace("\n", "<br>")


def text_html(text: Any, css: str = "") -> w.HTML:
    """A line of plain text as a widget (escaped), with an optional CSS class on its div."""
    cls = f" class='{html.escape(css, quote=True)}'" if css else ""
    return w.HTML(f"<div{cls}>{escape(text)}</div>")


def kv_html(pairs: Iterable[tuple[Any, Any]] | Mapping[Any, Any], *, css: str = "", readonly_inputs: bool = True) -> str:
    """A label/value form (label：[value]) as a two-column table; values shown as read-only inputs."""
    items = pairs.items() if isinstance(pairs, Mapping) else pairs
    rows = []
    for label, value in items:
        text = "" if value is None else str(value)
        if readonly_inputs:
            cell = f"<input class='sbf-readonly-input' readonly value=\"{html.escape(text, quote=True)}\">"
        else:
            cell = f"<span class='sbf-kv-value'>{escape(text)}</span>"
        rows.append(f"<tr><th>{escape(label)}：</th><td>{cell}</td></tr>")
    extra = f" {html.escape(css, quote=True)}" if css else ""
    return f"<table class='sbf-form-table{extra}'>{''.join(rows)}</table>"


def kv_grid(pairs: Iterable[tuple[Any, Any]] | Mapping[Any, Any], *, css: str = "",
            readonly_inputs: bool = True) -> w.HTML:
    """`kv_html` as a widget."""
    return w.HTML(kv_html(pairs, css=css, readonly_inputs=readonly_inputs))


def table_html(frame: Any, columns: Mapping[str, str] | None = None, *, css: str = "",
               empty: str = "暂无数据") -> str:
    """A DataFrame (or list of dicts) as an HTML table; `columns` maps field → heading and order."""
    records: list[dict[str, Any]] = (list(frame) if isinstance(frame, list)
                                     else frame.to_dict("records"))
    if columns is None:
        names = list(frame.columns) if hasattr(frame, "columns") else list(records[0] if records else [])
        columns = {str(c): str(c) for c in names}
    head = "".join(f"<th>{escape(label)}</th>" for label in columns.values())
    if records:
        body = "".join(
            "<tr>" + "".join(f"<td>{escape(_cell(r.get(c)))}</td>" for c in columns) + "</tr>" for r in records
        )
    else:
        body = f"<tr><td class='sbf-empty' colspan='{max(1, len(columns))}'>{escape(empty)}</td></tr>"
    extra = f" {html.escape(css, quote=True)}" if css else ""
    return f"<table class='sbf-html-table{extra}'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def frame_table(frame: Any, columns: Mapping[str, str] | None = None, *, css: str = "",
                empty: str = "暂无数据") -> w.HTML:
    """`table_html` as a widget."""
    return w.HTML(table_html(frame, columns, css=css, empty=empty))


def notice_list_html(frame: Any, *, limit: int | None = None, with_body: bool = False,
                     empty: str = "暂无通知公告") -> str:
    """通知公告: title and date per notice (and the body when `with_body`)."""
    records = frame if isinstance(frame, list) else frame.to_dict("records")
    if limit is not None:
        records = records[:limit]
    if not records:
        return f"<div class='sbf-empty'>{escape(empty)}</div>"
    if with_body:
        return "".join(
            f"<div class='sbf-notice'><div class='sbf-notice-title'>{escape(r.get('title', ''))}"
            f"<span class='sbf-notice-date'>{escape(str(r.get('published', ''))[:10])}</span></div>"
            f"<div class='sbf-notice-body'>{escape(r.get('body', ''))}</div></div>"
            for r in records
        )
    items = "".join(
        f"<li><span class='sbf-notice-title'>{escape(r.get('title', ''))}</span>"
        f"<span class='sbf-notice-date'>{escape(str(r.get('published', ''))[:10])}</span></li>"
        for r in records
    )
    return f"<ul class='sbf-notice-list'>{items}</ul>"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if type(value).__name__ in ("NaTType", "NAType"):  # pandas' missing values, without importing pandas
        return ""
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    return str(value)
