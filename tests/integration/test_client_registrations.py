"""单位参保信息 and 工程项目参保信息 against the real demo bureau on loopback (spare unit U000031, a
杭州 builder with two 工程项目): 更新 fetches and keeps what the bureau says, the held list answers
queries and exports, and a second 更新 replaces the rows."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import openpyxl

from sbflib.employer.registrations import INSURANCE_COLUMNS, PROJECT_COLUMNS, InsuranceFilter, ProjectFilter

UNIT = "U000031"


def test_insurance_registrations_of_a_builder(logged_in: Any) -> None:
    wb = logged_in(UNIT)
    svc = wb.employer.insurance_registrations
    assert not svc.fetched()
    held = svc.update()
    assert held > 0 and svc.fetched()
    wire = wb.gateway.registrations.insurance(UNIT)
    df, total = svc.query(page_size=1000)
    assert total == held == len(wire)
    assert sorted(zip(df["unit_number"], df["item_code"], strict=True)) == sorted(
        (r.unit_number, r.item_code) for r in wire)
    assert set(df["status"]) <= {"正常参保", "暂停缴费"}
    assert all(isinstance(v, Decimal) for v in df["unit_rate"])
    # 杭州: 生育保险费 is collected 税务代征, the rest 税务自主
    modes = svc.collection_modes()
    assert "税务代征" in modes and "税务自主" in modes
    assert svc.query(InsuranceFilter(collection_mode="税务代征"))[1] >= 1
    assert svc.query(InsuranceFilter(item_name="养老"))[1] >= 1
    sheet = openpyxl.load_workbook(io.BytesIO(svc.export())).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == list(INSURANCE_COLUMNS.values()) and len(rows) == held + 1


def test_projects_of_a_builder(logged_in: Any) -> None:
    wb = logged_in(UNIT)
    svc = wb.employer.projects
    assert not svc.fetched()
    assert svc.update() == 2
    df, total = svc.query()
    assert total == 2
    wire = {p.project_no: p for p in wb.gateway.registrations.projects(UNIT)}
    for row in df.to_dict("records"):
        project = wire[row["project_no"]]
        assert row["project_name"] == project.project_name
        assert row["monthly_payroll"] == project.monthly_payroll
        assert row["start_date"] == project.start_date
        assert row["status"] == "在建"
    name = df.iloc[0]["project_name"]
    assert svc.query(ProjectFilter(project_name=name))[1] >= 1
    assert svc.query(ProjectFilter(project_name="没有这个项目"))[1] == 0
    sheet = openpyxl.load_workbook(io.BytesIO(svc.export())).active
    assert sheet is not None
    assert [c.value for c in sheet[1]] == list(PROJECT_COLUMNS.values())
    assert svc.update() == 2  # 更新 again replaces, never doubles
    assert svc.query()[1] == 2
