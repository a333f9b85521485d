"""Units at the bureau: the units of a taxpayer ID, 安全认证 (verify), registration and profile."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sbflib.gateway.http import CallPolicy, Http, path, required, taxpayer_part, unit_part

# A password check counts towards the unit's lock: never retried (it still carries a key).
PASSWORD_CHECK = CallPolicy(retry=False)


@dataclass(frozen=True)
class UnitSummary:
    """One unit registered under a taxpayer ID (the 选择单位 list)."""

    unit_id: str
    taxpayer_id: str
    name: str
    registered_on: str
    taxpayer_status: str
    kind: str
    module: str
    region: str

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> UnitSummary:
        return cls(**{k: str(data.get(k) or "") for k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class UnitNumber:
    """单位编号 at a social security agency (社保经办机构), with its 主管税务机关."""

    unit_number: str
    agency: str
    tax_authority: str


@dataclass(frozen=True)
class Registration:
    """参保登记信息 (社保费登记信息), the answer of 安全认证, confirmed before a unit is added."""

    unit_id: str
    taxpayer_id: str
    name: str
    module: str
    region: str
    tax_authority: str
    tax_office: str
    unit_numbers: tuple[UnitNumber, ...] = ()

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> Registration:
        return cls(
            unit_id=required(data, "unit_id"), taxpayer_id=required(data, "taxpayer_id"), name=required(data, "name"),
            module=required(data, "module"), region=required(data, "region"),
            tax_authority=data.get("tax_authority") or "", tax_office=data.get("tax_office") or "",
            unit_numbers=tuple(
                UnitNumber(n["unit_number"], n.get("agency") or "", n.get("tax_authority") or "")
                for n in data.get("unit_numbers") or []
            ),
        )


@dataclass(frozen=True)
class Profile:
    """单位信息 (SET-4)."""

    taxpayer_id: str = ""
    name: str = ""
    tax_authority: str = ""
    finance_officer: str = ""
    legal_representative: str = ""
    industry: str = ""
    enterprise_type: str = ""
    address: str = ""
    postcode: str = ""
    phone: str = ""
    email: str = ""
    listed: str = ""

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> Profile:
        return cls(**{k: str(data.get(k) or "") for k in cls.__dataclass_fields__})


class UnitsApi:
    """`client.units`."""

    def __init__(self, http: Http) -> None:
        self._http = http

    def of_taxpayer(self, taxpayer_id: str, module: str) -> list[UnitSummary]:
        data = self._http.get_json(path("taxpayers", taxpayer_part(taxpayer_id), "units"), params={"module": module})
        return [UnitSummary.from_wire(u) for u in data]

    def verify(self, unit_id: str, password: str) -> Registration:
        """安全认证: the bureau checks the declaration password and returns the registration."""
        body = {"password": password}
        return Registration.from_wire(
            self._http.send_json("POST", path("units", unit_part(unit_id), "verify"), body, policy=PASSWORD_CHECK)
        )

    def registration(self, unit_id: str) -> Registration:
        return Registration.from_wire(self._http.get_json(path("units", unit_part(unit_id), "registration")))

    def profile(self, unit_id: str) -> Profile:
        return Profile.from_wire(self._http.get_json(path("units", unit_part(unit_id), "profile")))
