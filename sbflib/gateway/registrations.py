"""单位参保信息 and 工程项目参保信息 at the bureau (docs/api.md, fee declarations section).

    client.registrations.insurance(unit_id) -> tuple[InsuranceRegistration, ...]   (EMP-19)
    client.registrations.projects(unit_id)  -> tuple[Project, ...]                 (EMP-25)

Both are read-only GETs; a missing field or a value of the wrong shape is a protocol error in
Chinese (`BAD_RESPONSE`), with the English detail kept in `detail`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sbflib.errors import ConnectionFailed
from sbflib.gateway.http import MSG_PROTOCOL, Http, path, unit_part

__all__ = ["InsuranceRegistration", "Project", "RegistrationsApi"]


def _bad(detail: str) -> ConnectionFailed:
    return ConnectionFailed(MSG_PROTOCOL, detail=detail, code="BAD_RESPONSE")


def _field(data: Any, name: str) -> Any:
    if not isinstance(data, dict) or name not in data:
        raise _bad(f"registrations: field {name!r} missing")
    return data[name]


def _text(data: Any, name: str, *, optional: bool = False) -> str | None:
    value = _field(data, name)
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise _bad(f"registrations: field {name!r} is not text")
    return value


def _int(data: Any, name: str) -> int:
    value = _field(data, name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(f"registrations: field {name!r} is not a whole number")
    return value


def _decimal(data: Any, name: str) -> Decimal:
    value = _field(data, name)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _bad(f"registrations: field {name!r} is not a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise _bad(f"registrations: field {name!r} is not a number") from None
    if not number.is_finite():
        raise _bad(f"registrations: field {name!r} is not a number")
    return number


def _date(data: Any, name: str) -> dt.date:
    value = _text(data, name)
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise _bad(f"registrations: field {name!r} is not a date") from None


@dataclass(frozen=True)
class InsuranceRegistration:
    """单位参保信息: one unit number and insured item."""

    unit_number: str
    agency: str
    tax_authority: str | None
    item_code: str
    item_name: str
    subitem_name: str
    subitem_detail: str | None
    collection_mode: str
    start_month: str
    insured: int
    unit_rate: Decimal
    personal_rate: Decimal
    status: str

    @classmethod
    def from_wire(cls, data: Any) -> InsuranceRegistration:
        return cls(
            unit_number=str(_text(data, "unit_number")),
            agency=str(_text(data, "agency")),
            tax_authority=_text(data, "tax_authority", optional=True),
            item_code=str(_text(data, "item_code")),
            item_name=str(_text(data, "item_name")),
            subitem_name=str(_text(data, "subitem_name")),
            subitem_detail=_text(data, "subitem_detail", optional=True),
            collection_mode=str(_text(data, "collection_mode")),
            start_month=str(_text(data, "start_month")),
            insured=_int(data, "insured"),
            unit_rate=_decimal(data, "unit_rate"),
            personal_rate=_decimal(data, "personal_rate"),
            status=str(_text(data, "status")),
        )


@dataclass(frozen=True)
class Project:
    """工程项目参保信息: one project."""

    project_no: str
    project_name: str
    unit_number: str
    agency: str
    address: str
    contract_value: Decimal
    monthly_payroll: Decimal
    workers: int
    start_date: dt.date
    end_date: dt.date
    status: str
    registered_on: dt.date

    @classmethod
    def from_wire(cls, data: Any) -> Project:
        return cls(
            project_no=str(_text(data, "project_no")),
            project_name=str(_text(data, "project_name")),
            unit_number=str(_text(data, "unit_number")),
            agency=str(_text(data, "agency")),
            address=str(_text(data, "address")),
            contract_value=_decimal(data, "contract_value"),
            monthly_payroll=_decimal(data, "monthly_payroll"),
            workers=_int(data, "workers"),
            start_date=_date(data, "start_date"),
            end_date=_date(data, "end_date"),
            status=str(_text(data, "status")),
            registered_on=_date(data, "registered_on"),
        )


class RegistrationsApi:
    def __init__(self, http: Http) -> None:
        self._http = http

    def insurance(self, unit_id: str) -> tuple[InsuranceRegistration, ...]:
        """单位参保信息: per unit number and insured item."""
        data = self._http.get_json(path("units", unit_part(unit_id), "insurance-registrations"))
        if not isinstance(data, list):
            raise _bad("insurance registrations: not a list")
        return tuple(InsuranceRegistration.from_wire(item) for item in data)

    def projects(self, unit_id: str) -> tuple[Project, ...]:
        """工程项目参保信息 (empty for a unit that is no builder)."""
        data = self._http.get_json(path("units", unit_part(unit_id), "projects"))
        if not isinstance(data, list):
            raise _bad("projects: not a list")
        return tuple(Project.from_wire(item) for item in data)
