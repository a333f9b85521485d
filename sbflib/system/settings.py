"""Settings every page shares: the page size of tables and the column widths the user dragged."""

from __future__ import annotations

from sbflib.errors import ValidationError
from sbflib.store.db import Store
from sbflib.store.settings import get_setting, page_size, set_setting

MAX_PAGE_SIZE = 10000


class SettingsService:
    def __init__(self, store: Store) -> None:
        self.store = store

    @property
    def page_size(self) -> int:
        return page_size(self.store)

    @page_size.setter
    def page_size(self, value: int) -> None:
        try:
            size = int(value)
        except (TypeError, ValueError):
            raise ValidationError("每页条数应为整数", field="每页条数") from None
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise ValidationError(f"每页条数应在1至{MAX_PAGE_SIZE}之间", field="每页条数")
        set_setting(self.store, "page_size", size)

    def column_widths(self, table_key: str) -> dict[str, int]:
        return dict(get_setting(self.store, f"column_widths.{table_key}", {}))

    def save_column_widths(self, table_key: str, widths: dict[str, int]) -> None:
        clean = {str(k): int(v) for k, v in widths.items() if v and int(v) > 0}
        set_setting(self.store, f"column_widths.{table_key}", clean)
