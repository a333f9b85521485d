"""Excel templates, imports with a row-by-row error report, and exports (the io layer)."""

from sbflib.io.row_errors import RowError, row_errors_to_dataframe
from sbflib.io.templates import (
    employee_group_template_bytes,
    group_template_bytes,
    parse_employee_group_template,
    parse_group_template,
    parse_group_template_rows,
)
from sbflib.io.xlsx import export_batches, export_dataframe, is_formula_like, read_table

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
