"""Settings every page shares: the page size of tables and the column widths the user dragged."""

from __future__ import annotations

from sbflib.errors import ValidationError, service_edge
from sbflib.store import settings as settings_repo
from sbflib.store.db import Store

MAX_PAGE_SIZE = 10000


@service_edge
class SettingsService:
    def __init__(self, store: Store) -> None:
        self.store = store

    @property
    def page_size(self) -> int:
        with self.store.read() as con:
            return settings_repo.read_page_size(con)

    @page_size.setter
    def page_size(self, value: int) -> None:
        try:
            size = int(value)
        except (TypeError, ValueError):
            raise ValidationError("每页条数应为整数", field="每页条数") from None
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise ValidationError(f"每页条数应在1至{MAX_PAGE_SIZE}之间", field="每页条数")
        with self.store.work() as con:
            settings_repo.write(con, "page_size", size)

    def column_widths(self, table_key: str) -> dict[str, int]:
        with self.store.read() as con:
            return dict(settings_repo.read(con, f"column_widths.{table_key}", {}))

    def save_column_widths(self, table_key: str, widths: dict[str, int]) -> None:
        try:
            clean = {str(k): int(v) for k, v in widths.items() if v and int(v) > 0}
        except (TypeError, ValueError, AttributeError):
            raise ValidationError("列宽应为正整数", field="列宽") from None
        with self.store.work() as con:
            settings_repo.write(con, f"column_widths.{table_key}", clean)
