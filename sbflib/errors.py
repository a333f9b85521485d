"""One error tree for the whole client.

    SbfError
     ├── ValidationError      bad input found before anything was sent or stored (names row, field, reason)
     ├── BureauError          the bureau refused: carries its code and the Chinese message to show as is
     │    └── AuthError       password wrong, unit locked, session expired, token for another unit
     ├── ConnectionFailed     the bureau (or the proxy) could not be reached or did not answer in time
     └── StateError           the operation does not fit the current state (no region chosen, not logged in)

Every message is Chinese and meant for the clerk; `str(err)` is that message.
"""

from __future__ import annotations


class SbfError(Exception):
    """Base of every error sbflib raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ValidationError(SbfError):
    """Input that cannot be used. `row` (1-based, as the clerk sees it) and `field` say where."""

    def __init__(self, message: str, *, field: str | None = None, row: int | None = None) -> None:
        where = []
        if row is not None:
            where.append(f"第{row}行")
        if field:
            where.append(f"【{field}】")
        super().__init__(("".join(where) + "：" if where else "") + message)
        self.field = field
        self.row = row
        self.reason = message


class BureauError(SbfError):
    """The bureau answered with a refusal: `code` is its error code, `message` its Chinese text."""

    def __init__(self, code: str, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class AuthError(BureauError):
    """A refusal about who is asking: wrong password, locked unit, expired or foreign session."""


class ConnectionFailed(SbfError):
    """The bureau or the proxy did not answer."""


class StateError(SbfError):
    """The operation is not possible in the current state of the workbench."""
