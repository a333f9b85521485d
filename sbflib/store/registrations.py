"""单位参保信息 (`INSURANCE_LIST`) and 工程项目参保信息 (`PROJECT_LIST`) as last fetched from the bureau
(migration 006). Functions of the caller's connection; a fetch replaces the unit's rows in one go
and records when, so "nothing fetched yet" and "fetched, nothing there" differ.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from sbflib.domain import clock
from sbflib.store.filters import ListSpec, Where, contains, equals
from sbflib.store.frames import frame

Con = duckdb.DuckDBPyConnection

INSURANCE = "insurance"
PROJECTS = "projects"


# ------------------------------------------------------------------------------------ 单位参保信息

@dataclass(frozen=True)
class InsuranceFilter:
    """The query form of 单位参保信息查询."""

    unit_number: str = ""      # 单位编号 (contains)
    item_name: str = ""        # 征收项目 (contains)
    collection_mode: str = ""  # 征收方式 ('' = all)
    status: str = ""           # 参保状态 ('' | 正常参保 | 暂停缴费)


INSURANCE_COLUMNS = {
    "unit_number": "单位编号",
    "agency": "社保经办机构",
    "tax_authority": "主管税务机关",
    "item_name": "征收项目",
    "subitem_name": "征收品目",
    "subitem_detail": "征收子目",
    "collection_mode": "征收方式",
    "start_month": "参保起始年月",
    "insured": "缴费人数",
    "unit_rate": "单位费率",
    "personal_rate": "个人费率",
    "status": "参保状态",
}

INSURANCE_LIST: ListSpec[InsuranceFilter] = ListSpec(
    title="单位参保信息",
    columns=INSURANCE_COLUMNS,
    filter_type=InsuranceFilter,
    fields={
        "unit_number": contains("单位编号", "r.unit_number"),
        "item_name": contains("征收项目", "r.item_name"),
        "collection_mode": equals("征收方式", "r.collection_mode"),
        "status": equals("参保状态", "r.status"),
    },
)

_INSURANCE_WIRE = ["unit_number", "agency", "tax_authority", "item_code", "item_name", "subitem_name",
                   "subitem_detail", "collection_mode", "start_month", "insured", "unit_rate", "personal_rate",
                   "status"]


# ------------------------------------------------------------------------------------ 工程项目参保信息

@dataclass(frozen=True)
class ProjectFilter:
    """The query form of 工程项目参保信息查询."""

    project_no: str = ""     # 项目编号 (contains)
    project_name: str = ""   # 项目名称 (contains)
    unit_number: str = ""    # 单位编号 (contains)


PROJECT_COLUMNS = {
    "project_no": "项目编号",
    "project_name": "项目名称",
    "unit_number": "单位编号",
    "agency": "社保经办机构",
    "address": "项目地址",
    "contract_value": "合同造价（元）",
    "monthly_payroll": "月工资总额（元）",
    "workers": "施工人数",
    "start_date": "开工日期",
    "end_date": "竣工日期",
    "status": "项目状态",
    "registered_on": "参保登记日期",
}

PROJECT_LIST: ListSpec[ProjectFilter] = ListSpec(
    title="工程项目参保信息",
    columns=PROJECT_COLUMNS,
    filter_type=ProjectFilter,
    fields={
        "project_no": contains("项目编号", "p.project_no"),
        "project_name": contains("项目名称", "p.project_name"),
        "unit_number": contains("单位编号", "p.unit_number"),
    },
)

_PROJECT_WIRE = ["project_no", "project_name", "unit_number", "agency", "address", "contract_value",
                 "monthly_payroll", "workers", "start_date", "end_date", "status", "registered_on"]


# ------------------------------------------------------------------------------------ writes

def _mark_fetched(con: Con, unit_id: str, kind: str, now: dt.datetime) -> None:
    con.execute("DELETE FROM registration_fetches WHERE unit_id = ? AND kind = ?", [unit_id, kind])
    con.execute("INSERT INTO registration_fetches VALUES (?, ?, ?)", [unit_id, kind, now])


def replace_insurance(con: Con, unit_id: str, rows: list[dict[str, Any]]) -> int:
    """The unit's 单位参保信息 become `rows` (dicts with the wire's fields)."""
    now = clock.now()
    table = pa.table({
        "unit_number": pa.array([r["unit_number"] for r in rows], pa.string()),
        "agency": pa.array([r.get("agency") for r in rows], pa.string()),
        "tax_authority": pa.array([r.get("tax_authority") for r in rows], pa.string()),
        "item_code": pa.array([r["item_code"] for r in rows], pa.string()),
        "item_name": pa.array([r.get("item_name") for r in rows], pa.string()),
        "subitem_name": pa.array([r.get("subitem_name") for r in rows], pa.string()),
        "subitem_detail": pa.array([r.get("subitem_detail") for r in rows], pa.string()),
        "collection_mode": pa.array([r.get("collection_mode") for r in rows], pa.string()),
        "start_month": pa.array([r.get("start_month") for r in rows], pa.string()),
        "insured": pa.array([r.get("insured") for r in rows], pa.int32()),
        "unit_rate": pa.array([r.get("unit_rate") for r in rows], pa.decimal128(12, 6)),
        "personal_rate": pa.array([r.get("personal_rate") for r in rows], pa.decimal128(12, 6)),
        "status": pa.array([r.get("status") for r in rows], pa.string()),
    })
    con.execute("DELETE FROM insurance_registrations WHERE unit_id = ?", [unit_id])
    if table.num_rows:
        con.register("incoming_registrations", table)
        try:
            cols = ", ".join(_INSURANCE_WIRE)
            con.execute(f"INSERT INTO insurance_registrations (unit_id, {cols}, fetched_at) "
                        f"SELECT ?, {cols}, ? FROM incoming_registrations", [unit_id, now])
        finally:
            con.unregister("incoming_registrations")
    _mark_fetched(con, unit_id, INSURANCE, now)
    return table.num_rows


def replace_projects(con: Con, unit_id: str, rows: list[dict[str, Any]]) -> int:
    """The unit's 工程项目参保信息 become `rows` (dicts with the wire's fields)."""
    now = clock.now()
    table = pa.table({
        "project_no": pa.array([r["project_no"] for r in rows], pa.string()),
        "project_name": pa.array([r.get("project_name") for r in rows], pa.string()),
        "unit_number": pa.array([r.get("unit_number") for r in rows], pa.string()),
        "agency": pa.array([r.get("agency") for r in rows], pa.string()),
        "address": pa.array([r.get("address") for r in rows], pa.string()),
        "contract_value": pa.array([r.get("contract_value") for r in rows], pa.decimal128(18, 2)),
        "monthly_payroll": pa.array([r.get("monthly_payroll") for r in rows], pa.decimal128(18, 2)),
        "workers": pa.array([r.get("workers") for r in rows], pa.int32()),
        "start_date": pa.array([r.get("start_date") for r in rows], pa.date32()),
        "end_date": pa.array([r.get("end_date") for r in rows], pa.date32()),
        "status": pa.array([r.get("status") for r in rows], pa.string()),
        "registered_on": pa.array([r.get("registered_on") for r in rows], pa.date32()),
    })
    con.execute("DELETE FROM projects WHERE unit_id = ?", [unit_id])
    if table.num_rows:
        con.register("incoming_projects", table)
        try:
            cols = ", ".join(_PROJECT_WIRE)
            con.execute(f"INSERT INTO projects (unit_id, {cols}, fetched_at) "
                        f"SELECT ?, {cols}, ? FROM incoming_projects", [unit_id, now])
        finally:
            con.unregister("incoming_projects")
    _mark_fetched(con, unit_id, PROJECTS, now)
    return table.num_rows


def fetched_at(con: Con, unit_id: str, kind: str) -> dt.datetime | None:
    """When the unit's list of `kind` was last fetched, or None when never."""
    rows = con.execute("SELECT fetched_at FROM registration_fetches WHERE unit_id = ? AND kind = ?",
                       [unit_id, kind]).fetchall()
    return rows[0][0] if rows else None


# ------------------------------------------------------------------------------------ reads

def _page(con: Con, sql: str, params: list[Any], page: int, page_size: int) -> tuple[pd.DataFrame, int]:
    df = frame(con, f"SELECT count(*) OVER () AS _total, * FROM ({sql}) " + "LIMIT ? OFFSET ?",
               [*params, page_size, (page - 1) * page_size])
    counted = df.pop("_total")
    if len(df):
        return df, int(counted.iloc[0])
    if page == 1:
        return df, 0
    total = con.execute(f"SELECT count(*) FROM ({sql})", params).fetchall()[0][0]
    return df, int(total)


def _insurance_sql(unit_id: str, filters: InsuranceFilter | None) -> tuple[str, list[Any]]:
    w = INSURANCE_LIST.where(filters or InsuranceFilter(), Where().equals("r.unit_id", unit_id))
    sql = f"""SELECT r.unit_number, r.agency, coalesce(r.tax_authority, '') AS tax_authority, r.item_code,
                     r.item_name, r.subitem_name, coalesce(r.subitem_detail, '') AS subitem_detail,
                     r.collection_mode, r.start_month, r.insured, r.unit_rate, r.personal_rate, r.status
              FROM insurance_registrations r WHERE {w.sql()}
              ORDER BY r.unit_number, r.item_code"""
    return sql, w.params


def query_insurance(con: Con, unit_id: str, filters: InsuranceFilter | None, *, page: int,
                    page_size: int) -> tuple[pd.DataFrame, int]:
    sql, params = _insurance_sql(unit_id, filters)
    return _page(con, sql, params, page, page_size)


def all_insurance(con: Con, unit_id: str, filters: InsuranceFilter | None) -> pd.DataFrame:
    sql, params = _insurance_sql(unit_id, filters)
    return frame(con, sql, params)


def collection_modes(con: Con, unit_id: str) -> list[str]:
    """The 征收方式 held for the unit (for the query form's list)."""
    return [r[0] for r in con.execute(
        "SELECT DISTINCT collection_mode FROM insurance_registrations WHERE unit_id = ? "
        "AND collection_mode IS NOT NULL ORDER BY 1", [unit_id]).fetchall()]


def _project_sql(unit_id: str, filters: ProjectFilter | None) -> tuple[str, list[Any]]:
    w = PROJECT_LIST.where(filters or ProjectFilter(), Where().equals("p.unit_id", unit_id))
    sql = f"""SELECT p.project_no, p.project_name, p.unit_number, p.agency, p.address, p.contract_value,
                     p.monthly_payroll, p.workers, p.start_date, p.end_date, p.status, p.registered_on
              FROM projects p WHERE {w.sql()}
              ORDER BY p.project_no"""
    return sql, w.params


def query_projects(con: Con, unit_id: str, filters: ProjectFilter | None, *, page: int,
                   page_size: int) -> tuple[pd.DataFrame, int]:
    sql, params = _project_sql(unit_id, filters)
    return _page(con, sql, params, page, page_size)


def all_projects(con: Con, unit_id: str, filters: ProjectFilter | None) -> pd.DataFrame:
    sql, params = _project_sql(unit_id, filters)
    return frame(con, sql, params)
