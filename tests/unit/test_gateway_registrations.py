"""client.registrations on `httpx.MockTransport`: the wire becomes typed values (Decimal rates and
money, dates), a bad unit ID is refused before anything is sent, a malformed answer is a Chinese
protocol error with the English detail kept aside."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import httpx
import pytest

from sbflib.errors import ConnectionFailed, ValidationError
from sbflib.gateway.client import BureauClient

PROJECT = {"project_no": "GC1", "project_name": "西湖广场", "unit_number": "3301", "agency": "西湖区社保中心",
           "address": "文三路1号", "contract_value": "12500000.00", "monthly_payroll": "860000.00", "workers": 120,
           "start_date": "2026-03-01", "end_date": "2027-06-30", "status": "在建", "registered_on": "2026-02-20"}
REGISTRATION = {"unit_number": "3301", "agency": "西湖区社保中心", "tax_authority": None, "item_code": "10201",
                "item_name": "基本养老保险费", "subitem_name": "企业职工基本养老保险费", "subitem_detail": None,
                "collection_mode": "税务自主", "start_month": "2020-01", "insured": 3, "unit_rate": "0.16",
                "personal_rate": "0", "status": "正常参保"}


def client(answer: Any, sent: list[str]) -> BureauClient:
    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.path)
        return httpx.Response(200, json=answer)

    return BureauClient("http://bureau.test", transport=httpx.MockTransport(handle), retries=0, sleep=lambda _s: None)


def test_wire_to_values() -> None:
    sent: list[str] = []
    (reg,) = client([REGISTRATION], sent).registrations.insurance("U000031")
    assert reg.unit_rate == Decimal("0.16") and reg.personal_rate == 0 and reg.tax_authority is None
    (project,) = client([PROJECT], sent).registrations.projects("U000031")
    assert project.contract_value == Decimal("12500000.00") and project.start_date == dt.date(2026, 3, 1)
    assert sent == ["/api/v1/units/U000031/insurance-registrations", "/api/v1/units/U000031/projects"]


def test_bad_unit_id_is_refused_before_sending() -> None:
    sent: list[str] = []
    with pytest.raises(ValidationError):
        client([], sent).registrations.projects("../x")
    assert sent == []


@pytest.mark.parametrize("answer", [{"a": 1}, [{**PROJECT, "workers": "many"}], [{**PROJECT, "start_date": "soon"}],
                                    [{k: v for k, v in PROJECT.items() if k != "project_no"}],
                                    [{**PROJECT, "contract_value": "NaN"}]])
def test_malformed_answers(answer: Any) -> None:
    with pytest.raises(ConnectionFailed) as err:
        client(answer, []).registrations.projects("U000031")
    assert err.value.code == "BAD_RESPONSE" and err.value.detail
    assert not any(c.isascii() and c.isalpha() for c in str(err.value))
