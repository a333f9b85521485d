"""Shared pieces every page uses instead of writing markup by hand:

- `html`: `escape`, `kv_grid` / `kv_html` (label：value, 单位信息-style), `frame_table` / `table_html`
  (a DataFrame as an escaped HTML table), `notice_list_html`, `text_html`: they take plain text.
- `dialogs`: `Dialog`, `DialogHost` (message, error with 详情, confirm, password), `DetailToggle`.
- `table.PagedTable`, `tick_table.TickTable`: the paged ipydatagrid lists (import them lazily: they
  pull in pandas and ipydatagrid).
- `query_form.QueryForm`, `progress.Progress` / `Tasks`, `download.Download`, `upload.Upload`.
"""
