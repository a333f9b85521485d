"""Fee declarations (社保费申报, manual 2.8-2.10, 2.19-2.25, 2.27): preprocessing, declaring, records,
voiding, 应缴信息, 单位参保信息 and 工程项目参保信息. Bulk per-employee lines travel as Arrow."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from .. import declarations
from ..deps import StoreDep, UnitDep
from ..errors import refusals
from ..models import (
    Channel,
    DeclarationRecord,
    DeclarationWithRows,
    InsuranceRegistration,
    Payable,
    PreprocessingRow,
    ProjectPublic,
    SubmissionAnswer,
)

router = APIRouter(prefix="/units/{unit_id}", tags=["declarations"])
_REFUSALS = refusals(400, 401, 403, 422)
_ID = r"^[A-Za-z0-9-]{1,80}$"
DeclarationId = Annotated[str, Path(pattern=r"^[A-Za-z0-9]{1,40}$", description="申报记录编号")]
DateFrom = Annotated[dt.date | None, Query(alias="from", description="申报日期起 YYYY-MM-DD")]
DateTo = Annotated[dt.date | None, Query(alias="to", description="申报日期止 YYYY-MM-DD")]
_LINES_RESPONSE: dict[int | str, dict[str, Any]] = {200: {"content": {declarations.LINES_MEDIA_TYPE: {}},
                         "description": "u64 LE length + Arrow IPC stream of the per-employee lines"}}

SUBMIT_BODY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["channel", "prep_ids", "total_due"],
    "properties": {
        "channel": {"type": "string", "enum": list(declarations.CHANNELS),
                    "description": "daily 日常申报 / special 特殊缴费申报 / assessed 社保费申报（核定） / project 工程项目"},
        "prep_ids": {"type": "array", "minItems": 1, "maxItems": declarations.MAX_IDS, "uniqueItems": True,
                     "items": {"type": "string", "pattern": _ID}, "description": "所选预处理信息（整组）"},
        "total_due": {"type": "string", "pattern": r"^[0-9]{1,14}(\.[0-9]{1,2})?$",
                      "description": "所选预处理信息的应缴费额合计（提交确认页显示的金额）"},
    },
}


@router.get("/preprocessing", response_model=list[PreprocessingRow], responses=_REFUSALS)
def get_preprocessing(
    store: StoreDep,
    unit_id: UnitDep,
    channel: Annotated[Channel, Query(description="菜单：daily / special / assessed / project")] = "daily",
) -> list[dict[str, Any]]:
    """预处理信息 / 征集信息 a declaration page offers (declared rows too, with their status)."""
    return declarations.preprocessing(store, unit_id, channel)


def _lines_response(body: bytes, count: int) -> Response:
    return Response(content=body, media_type=declarations.LINES_MEDIA_TYPE, headers={"X-Sbf-Lines": str(count)})


@router.get("/preprocessing/lines", response_class=Response, responses={**_LINES_RESPONSE, **_REFUSALS})
def get_preprocessing_lines(
    store: StoreDep,
    unit_id: UnitDep,
    ids: Annotated[str | None, Query(max_length=20_000, pattern=r"^[A-Za-z0-9,-]*$",
                                     description="预处理信息编号，逗号分隔；不填为全部")] = None,
) -> Response:
    """职工社保费明细 of preprocessing rows (clicking 缴费人数), as Arrow."""
    wanted = [i for i in (ids or "").split(",") if i]
    body, count = declarations.preprocessing_lines(store, unit_id, wanted)
    return _lines_response(body, count)


@router.post(
    "/declarations",
    status_code=202,
    response_model=SubmissionAnswer,
    responses={**_REFUSALS, **refusals(409)},
    openapi_extra={"requestBody": {"required": True,
                                   "content": {"application/json": {"schema": SUBMIT_BODY_SCHEMA}}}},
)
async def submit_declarations(request: Request, store: StoreDep, unit_id: UnitDep) -> Response:
    """提交申报: the selected rows (whole groups), one declaration per data source, each 待反馈."""
    body = declarations.parse_body(await request.body())
    key = request.headers.get("idempotency-key", "").strip() or None
    answer = await run_in_threadpool(declarations.submit, store, unit_id, body,
                                     request.app.state.wage_settings.delay_s, key)
    payload = SubmissionAnswer.model_validate(answer).model_dump(mode="json")
    return Response(json.dumps(payload, ensure_ascii=False), status_code=202, media_type="application/json")


@router.get("/declarations", response_model=list[DeclarationRecord], responses=_REFUSALS)
def list_declarations(
    store: StoreDep,
    unit_id: UnitDep,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    kind: Annotated[Literal["fees", "project"] | None,
                    Query(description="fees 社保费申报记录 / project 工程项目社保费申报记录；不填为全部")] = None,
) -> list[dict[str, Any]]:
    """申报记录 by declaration date, newest first (due ones decided first)."""
    return declarations.list_declarations(store, unit_id, date_from, date_to, kind)


@router.get("/declarations/{declaration_id}", response_model=DeclarationWithRows,
            responses={**_REFUSALS, **refusals(404)})
def get_declaration(store: StoreDep, unit_id: UnitDep, declaration_id: DeclarationId) -> dict[str, Any]:
    """One declaration and its rows as declared."""
    return declarations.declaration_detail(store, unit_id, declaration_id)


@router.get("/declarations/{declaration_id}/lines", response_class=Response,
            responses={**_LINES_RESPONSE, **_REFUSALS, **refusals(404)})
def get_declaration_lines(store: StoreDep, unit_id: UnitDep, declaration_id: DeclarationId) -> Response:
    """The per-employee lines of a declaration as declared, as Arrow."""
    body, count = declarations.declaration_lines(store, unit_id, declaration_id)
    return _lines_response(body, count)


@router.post("/declarations/{declaration_id}/void", status_code=202, response_model=DeclarationRecord,
             responses={**_REFUSALS, **refusals(404, 409)})
def void_declaration(request: Request, store: StoreDep, unit_id: UnitDep,
                     declaration_id: DeclarationId) -> dict[str, Any]:
    """作废 a successful unpaid declaration: 作废中, decided after the feedback delay."""
    key = request.headers.get("idempotency-key", "").strip() or None
    return declarations.void(store, unit_id, declaration_id, request.app.state.wage_settings.delay_s, key)


@router.get("/payables", response_model=list[Payable], responses=_REFUSALS)
def get_payables(store: StoreDep, unit_id: UnitDep, date_from: DateFrom = None,
                 date_to: DateTo = None) -> list[dict[str, Any]]:
    """社保费应缴信息 by 申报生成日期, newest first."""
    return declarations.payables(store, unit_id, date_from, date_to)


@router.get("/insurance-registrations", response_model=list[InsuranceRegistration], responses=_REFUSALS)
def get_insurance_registrations(store: StoreDep, unit_id: UnitDep) -> list[dict[str, Any]]:
    """单位参保信息: per unit number and insured item."""
    return declarations.insurance_registrations(store, unit_id)


@router.get("/projects", response_model=list[ProjectPublic], responses=_REFUSALS)
def get_projects(store: StoreDep, unit_id: UnitDep) -> list[dict[str, Any]]:
    """工程项目参保信息."""
    return declarations.projects(store, unit_id)
