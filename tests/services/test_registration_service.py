"""InsuranceRegistrationService / ProjectService against a bureau played by `httpx.MockTransport`
and a temporary store: 更新 fetches and keeps, a second 更新 replaces, filters (wildcards literal),
pages, the empty list kept as fetched, exports with the Chinese headers, bad answers in Chinese."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest

from sbflib.employer.registrations import (
    INSURANCE_COLUMNS,
    PROJECT_COLUMNS,
    InsuranceFilter,
    InsuranceRegistrationService,
    ProjectFilter,
    ProjectService,
)
from sbflib.errors import ConnectionFailed, SbfError, ValidationError
from sbflib.gateway.client import BureauClient
from sbflib.store.db import Store
from sbflib.system.context import Context, CurrentUnit

UNIT = "U000001"


def registration(unit_number: str, code: str, name: str, mode: str = "税务自主", **kw: Any) -> dict[str, Any]:
    return {"unit_number": unit_number, "agency": "杭州市西湖区社会保险管理服务中心",
            "tax_authority": "国家税务总局杭州市西湖区税务局", "item_code": code, "item_name": name,
            "subitem_name": name.removesuffix("费") + "（单位）", "subitem_detail": None,
            "collection_mode": mode, "start_month": "2020-01", "insured": 27, "unit_rate": "0.16",
            "personal_rate": "0.08", "status": "正常参保"} | kw


REGISTRATIONS = [
    registration("330106000001", "10201", "基本养老保险费"),
    registration("330106000001", "10205", "生育保险费", "税务代征", personal_rate="0", insured=0, status="暂停缴费"),
    registration("330106000002", "10201", "基本养老保险费", subitem_detail="企业职工"),
    registration("33010600_%03", "10203", "基本医疗保险费"),
]

PROJECTS = [
    {"project_no": "GC330100000001", "project_name": "西湖文化广场二期", "unit_number": "330106000001",
     "agency": "杭州市西湖区社会保险管理服务中心", "address": "杭州市西湖区文三路1号", "contract_value": "12500000.00",
     "monthly_payroll": "860000.00", "workers": 120, "start_date": "2026-03-01", "end_date": "2027-06-30",
     "status": "在建", "registered_on": "2026-02-20"},
    {"project_no": "GC330100000002", "project_name": "之江路桥梁加固", "unit_number": "330106000001",
     "agency": "杭州市西湖区社会保险管理服务中心", "address": "杭州市西湖区之江路", "contract_value": "3200000.50",
     "monthly_payroll": "210000.00", "workers": 35, "start_date": "2026-05-10", "end_date": "2026-12-31",
     "status": "在建", "registered_on": "2026-05-01"},
]


class Bureau:
    def __init__(self) -> None:
        self.registrations: Any = REGISTRATIONS
        self.projects: Any = PROJECTS
        self.calls: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(f"{request.method} {request.url.path}")
        if request.url.path == f"/api/v1/units/{UNIT}/insurance-registrations":
            return httpx.Response(200, json=self.registrations)
        if request.url.path == f"/api/v1/units/{UNIT}/projects":
            return httpx.Response(200, json=self.projects)
        return httpx.Response(404, json={"code": "NOT_FOUND", "message": "未找到"})


@pytest.fixture
def bureau() -> Bureau:
    return Bureau()


@pytest.fixture
def ctx(tmp_path: Path, bureau: Bureau) -> Context:
    client = BureauClient("http://bureau.test", transport=httpx.MockTransport(bureau), retries=0,
                          sleep=lambda _s: None)
    context = Context(Store(tmp_path / "sbf.duckdb"), client)
    context.unit = CurrentUnit(UNIT, "91330100MA0000000X", "测试单位", "employer", "330100")
    return context


def read_xlsx(data: bytes) -> list[tuple[Any, ...]]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    return list(sheet.iter_rows(values_only=True))


def test_insurance_update_keeps_the_list_and_queries_it(ctx: Context, bureau: Bureau) -> None:
    svc = InsuranceRegistrationService(ctx)
    assert not svc.fetched()
    assert svc.query()[1] == 0
    assert svc.update() == 4
    assert svc.fetched()
    df, total = svc.query()
    assert total == 4
    assert set(INSURANCE_COLUMNS) <= set(df.columns)
    first = df.iloc[0]
    assert first["unit_number"] == "330106000001" and first["item_code"] == "10201"
    assert first["unit_rate"] == Decimal("0.16") and first["personal_rate"] == Decimal("0.08")
    assert first["subitem_detail"] == ""  # the manual: an unknown 征收子目 stays blank
    assert df.loc[df["item_code"] == "10205", "status"].tolist() == ["暂停缴费"]
    # filters
    assert svc.query(InsuranceFilter(unit_number="000002"))[1] == 1
    assert svc.query(InsuranceFilter(item_name="养老"))[1] == 2
    assert svc.query(InsuranceFilter(collection_mode="税务代征"))[1] == 1
    assert svc.query(InsuranceFilter(status="正常参保"))[1] == 3
    assert svc.query(InsuranceFilter(unit_number="_%"))[1] == 1  # wildcards match themselves
    assert svc.collection_modes() == ["税务代征", "税务自主"]
    # pages
    page2, total = svc.query(page=2, page_size=3)
    assert total == 4 and len(page2) == 1
    assert svc.query(page=5, page_size=3)[1] == 4
    assert len(svc.frame()) == 4


def test_insurance_update_replaces_and_keeps_an_empty_answer(ctx: Context, bureau: Bureau) -> None:
    svc = InsuranceRegistrationService(ctx)
    svc.update()
    bureau.registrations = REGISTRATIONS[:1]
    assert svc.update() == 1
    assert svc.query()[1] == 1
    bureau.registrations = []
    assert svc.update() == 0
    assert svc.fetched() and svc.query()[1] == 0


def test_insurance_export_has_chinese_headers(ctx: Context) -> None:
    svc = InsuranceRegistrationService(ctx)
    svc.update()
    rows = read_xlsx(svc.export())
    assert list(rows[0]) == list(INSURANCE_COLUMNS.values())
    assert len(rows) == 5
    rows = read_xlsx(svc.export(InsuranceFilter(collection_mode="税务代征")))
    assert len(rows) == 2 and "生育保险费" in rows[1]


def test_projects_update_query_export(ctx: Context, bureau: Bureau) -> None:
    svc = ProjectService(ctx)
    assert not svc.fetched()
    assert svc.update() == 2
    df, total = svc.query()
    assert total == 2
    first = df.iloc[0]
    assert first["project_no"] == "GC330100000001"
    assert first["contract_value"] == Decimal("12500000.00")
    assert first["start_date"] == dt.date(2026, 3, 1)
    assert svc.query(ProjectFilter(project_name="桥梁"))[1] == 1
    assert svc.query(ProjectFilter(project_no="0002"))[1] == 1
    assert svc.query(ProjectFilter(unit_number="nothing"))[1] == 0
    rows = read_xlsx(svc.export())
    assert list(rows[0]) == list(PROJECT_COLUMNS.values()) and len(rows) == 3
    bureau.projects = []
    assert svc.update() == 0 and svc.fetched() and svc.query()[1] == 0


def test_bad_input_and_bad_answers_are_chinese(ctx: Context, bureau: Bureau) -> None:
    ins = InsuranceRegistrationService(ctx)
    with pytest.raises(ValidationError) as err:
        ins.query(page=0)
    assert err.value.field == "页码"
    with pytest.raises(ValidationError):
        ins.query(InsuranceFilter(unit_number="x" * 201))
    with pytest.raises(ValidationError):
        ins.query("单位编号")  # type: ignore[arg-type]
    bureau.registrations = [{"unit_number": "1"}]
    with pytest.raises(ConnectionFailed) as bad:
        ins.update()
    assert bad.value.code == "BAD_RESPONSE" and "item" not in str(bad.value)
    bureau.projects = {"not": "a list"}
    with pytest.raises(SbfError):
        ProjectService(ctx).update()
    # nothing was kept from the bad answers
    assert not ins.fetched() and not ProjectService(ctx).fetched()


def test_not_logged_in_is_refused(ctx: Context) -> None:
    ctx.unit = None
    with pytest.raises(SbfError):
        InsuranceRegistrationService(ctx).update()
