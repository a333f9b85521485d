"""Excel templates, imports with a row-by-row error report, exports and printouts (the io layer).

The names below are loaded on first use: importing a printout (`sbflib.io.voucher`) does not pay
for pandas and openpyxl, which the Excel modules need.
"""

from importlib import import_module
from typing import Any

_WHERE = {
    "RowError": "row_errors",
    "row_errors_to_dataframe": "row_errors",
    "employee_group_template_bytes": "templates",
    "group_template_bytes": "templates",
    "parse_employee_group_template": "templates",
    "parse_group_template": "templates",
    "parse_group_template_rows": "templates",
    "export_batches": "xlsx",
    "export_dataframe": "xlsx",
    "is_formula_like": "xlsx",
    "read_table": "xlsx",
}

__all__ = [
    "RowError",
    "employee_group_template_bytes",
    "export_batches",
    "export_dataframe",
    "group_template_bytes",
    "is_formula_like",
    "parse_employee_group_template",
    "parse_group_template",
    "parse_group_template_rows",
    "read_table",
    "row_errors_to_dataframe",
]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(f"sbflib.io.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'sbflib.io' has no attribute {name!r}")
