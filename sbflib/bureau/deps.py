"""Dependencies of the routes: the store, the bearer token, and the unit a token may act for."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Path, Request

from .accounts import SessionUnit, session_unit
from .errors import Refusal
from .roster import FullRosterCache
from .security import secret_matches
from .store import BureauStore


def get_store(request: Request) -> BureauStore:
    return request.app.state.store


StoreDep = Annotated[BureauStore, Depends(get_store)]


def get_roster_cache(request: Request) -> FullRosterCache:
    return request.app.state.roster_cache


RosterCacheDep = Annotated[FullRosterCache, Depends(get_roster_cache)]


def bearer_token(authorization: Annotated[str | None, Header()] = None) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Refusal(401, "TOKEN_INVALID", "未登录或登录信息缺失，请先登录")
    return token.strip()


TokenDep = Annotated[str, Depends(bearer_token)]


UNIT_ID_PATTERN = r"^[A-Za-z0-9]{1,32}$"
UnitIdPath = Annotated[str, Path(pattern=UNIT_ID_PATTERN, description="单位ID")]


def _session_for_path(store: StoreDep, token: TokenDep, unit_id: UnitIdPath) -> SessionUnit:
    session = session_unit(store, token)
    if session.unit_id != unit_id:
        raise Refusal(403, "FORBIDDEN_UNIT", f"当前登录单位无权办理单位{unit_id}的业务")
    return session


def unit_allowing_initial(session: Annotated[SessionUnit, Depends(_session_for_path)]) -> str:
    """The path's unit, even while it still has its initial password (for 修改申报密码 only)."""
    return session.unit_id


def unit_in_session(session: Annotated[SessionUnit, Depends(_session_for_path)]) -> str:
    """The path's unit, which the token acts for and whose initial password has been changed."""
    if session.must_change_password:
        raise Refusal(403, "PASSWORD_CHANGE_REQUIRED", "首次登录须修改初始申报密码，请先修改申报密码")
    return session.unit_id


UnitDep = Annotated[str, Depends(unit_in_session)]
UnitAllowingInitialDep = Annotated[str, Depends(unit_allowing_initial)]


DEMO_SECRET_HEADER = "X-Sbf-Demo-Secret"


def demo_mode(
    request: Request,
    secret: Annotated[str | None, Header(alias=DEMO_SECRET_HEADER, description="演示密钥（demo-secret 文件的内容）")]
    = None,
) -> None:
    if not request.app.state.demo:
        raise Refusal(404, "DEMO_DISABLED", "演示功能未开启：税务局服务未以演示模式启动")
    if not secret_matches(secret, request.app.state.demo_secret):
        raise Refusal(403, "DEMO_SECRET_REQUIRED", "演示功能需要演示密钥")


DemoDep = Depends(demo_mode)
