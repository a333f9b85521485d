"""How a domain rule refuses: `RuleViolation` with a code and the Chinese message for the clerk.

The domain imports nothing of ours, so it cannot raise `sbflib.errors.ValidationError` itself. The
service edge (`sbflib.errors.service_edge`) turns a RuleViolation into a ValidationError once, so a
caller of a service only ever meets the `SbfError` tree.

>>> err = RuleViolation("GROUP_NAME_SEPARATOR", "分组名称不能包含“-”", field="分组名称")
>>> err.code, str(err)
('GROUP_NAME_SEPARATOR', '分组名称不能包含“-”')
"""

from __future__ import annotations


class RuleViolation(ValueError):
    """A domain rule refused: `code` names the rule, `message` is Chinese, `field`/`row` say where."""

    def __init__(self, code: str, message: str, *, field: str | None = None, row: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.row = row

    def __str__(self) -> str:
        return self.message
