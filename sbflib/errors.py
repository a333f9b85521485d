"""One error tree for the whole client.

    SbfError
     ├── ValidationError      bad input found before anything was sent or stored (names row, field, reason)
     ├── BureauError          the bureau refused: carries its code and the Chinese message to show as is
     │    └── AuthError       password wrong, unit locked, session expired, token for another unit
     ├── ConnectionFailed     the bureau (or the proxy) could not be reached or did not answer in time
     └── StateError           the operation does not fit the current state (no region chosen, not logged in)

Every message is Chinese and meant for the clerk; `str(err)` is that message. A technical detail
(an exception text in English, an address) goes to `detail`, which the screens show only behind a
详情 toggle and the log records. Transport failures and bureau refusals are mapped to this tree in
one table, `sbflib.gateway.http` (`translate_transport`, `translate_response`).

A domain rule refuses with `sbflib.domain.errors.RuleViolation`; `service_edge` (a class decorator
on every service) turns it into a ValidationError with the rule's code, once, at the service edge.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from sbflib.domain.errors import RuleViolation


class SbfError(Exception):
    """Base of every error sbflib raises on purpose."""

    code: str = ""

    def __init__(self, message: str, *, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail

    def __str__(self) -> str:
        return self.message


class ValidationError(SbfError):
    """Input that cannot be used. `row` (1-based, as the clerk sees it) and `field` say where."""

    def __init__(
        self, message: str, *, field: str | None = None, row: int | None = None, code: str = "INVALID"
    ) -> None:
        where = []
        if row is not None:
            where.append(f"第{row}行")
        if field:
            where.append(f"【{field}】")
        super().__init__(("".join(where) + "：" if where else "") + message)
        self.field = field
        self.row = row
        self.reason = message
        self.code = code


class BureauError(SbfError):
    """The bureau answered with a refusal: `code` is its error code, `message` its Chinese text."""

    def __init__(self, code: str, message: str, *, status: int = 400, detail: str = "") -> None:
        super().__init__(message, detail=detail)
        self.code = code
        self.status = status


class AuthError(BureauError):
    """A refusal about who is asking: wrong password, locked unit, expired or foreign session."""


class ConnectionFailed(SbfError):
    """The bureau or the proxy did not answer. `code` says how: CONNECT_FAILED, TIMEOUT,
    PROXY_FAILED, PROXY_AUTH, DISCONNECTED, BAD_RESPONSE, BUREAU_START_FAILED (sbflib.gateway.http holds the table)."""

    def __init__(self, message: str, *, detail: str = "", code: str = "CONNECT_FAILED") -> None:
        super().__init__(message, detail=detail)
        self.code = code


class StateError(SbfError):
    """The operation is not possible in the current state of the workbench."""


def from_rule(violation: RuleViolation) -> ValidationError:
    """The ValidationError a clerk sees for a broken domain rule."""
    return ValidationError(violation.message, field=violation.field, row=violation.row, code=violation.code)


_C = TypeVar("_C", bound=type)


def _translating(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except RuleViolation as violation:
            raise from_rule(violation) from violation

    return wrapper


def service_edge(cls: _C) -> _C:
    """Class decorator for a service: every public method translates RuleViolation into
    ValidationError, so the translation is written once and no service forgets it."""
    for name, member in list(vars(cls).items()):
        if name.startswith("_") or not inspect.isfunction(member):
            continue
        setattr(cls, name, _translating(member))
    return cls


# The bounds every list's page call takes (a page holds at most 10,000 rows, as the manual says).
MAX_PAGE_SIZE = 10_000
MAX_PAGE = 1_000_000


def whole_number(value: Any, label: str, top: int) -> int:
    """A service argument that must be a whole number from 1 to `top` (page, page size, batch id)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError("应为整数", field=label)
    if not 1 <= value <= top:
        raise ValidationError(f"应在1至{top}之间", field=label)
    return value
