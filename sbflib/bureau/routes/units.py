"""Units (单位): taxpayer lookup, 安全认证, registration, 单位信息, declaration password."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from .. import accounts, directory
from ..deps import StoreDep, TokenDep, UnitAllowingInitialDep, UnitDep, UnitIdPath
from ..errors import refusals
from ..models import (
    Module,
    PasswordChange,
    PasswordChanged,
    PasswordCheck,
    Profile,
    Registration,
    UnitSummary,
)

router = APIRouter(tags=["units"])


@router.get("/taxpayers/{taxpayer_id}/units", response_model=list[UnitSummary], responses=refusals(400, 404, 422))
def units_of_taxpayer(
    store: StoreDep,
    taxpayer_id: Annotated[str, Path(max_length=32, description="纳税人识别号")],
    module: Annotated[Module, Query(description="业务类型")] = "employer",
) -> list[dict[str, Any]]:
    """Units registered under a taxpayer ID (纳税人识别号); several when it has several units."""
    return directory.units_of_taxpayer(store, taxpayer_id, module)


@router.post("/units/{unit_id}/verify", response_model=Registration, responses=refusals(401, 404, 422, 423))
def verify(store: StoreDep, unit_id: UnitIdPath, body: PasswordCheck) -> dict[str, Any]:
    """安全认证 of 添加单位: the declaration password unlocks the registration (wrong ones count)."""
    accounts.check_password(store, unit_id, body.password)
    return directory.registration(store, unit_id)


@router.get("/units/{unit_id}/registration", response_model=Registration, responses=refusals(401, 403, 422))
def registration(store: StoreDep, unit_id: UnitDep) -> dict[str, Any]:
    """社保费登记信息 with the unit numbers (单位编号)."""
    return directory.registration(store, unit_id)


@router.get("/units/{unit_id}/profile", response_model=Profile, responses=refusals(401, 403, 422))
def profile(store: StoreDep, unit_id: UnitDep) -> dict[str, Any]:
    """单位信息 (SET-4)."""
    return directory.profile(store, unit_id)


@router.put("/units/{unit_id}/password", response_model=PasswordChanged,
            responses=refusals(400, 401, 403, 404, 422, 423))
def change_password(
    store: StoreDep, unit_id: UnitAllowingInitialDep, token: TokenDep, body: PasswordChange
) -> PasswordChanged:
    """修改申报密码; allowed (and required first) while the initial password is still in use.
    The unit's other sessions end; the caller's goes on."""
    accounts.change_password(store, unit_id, body.old_password, body.new_password, keep_token=token)
    return PasswordChanged()
