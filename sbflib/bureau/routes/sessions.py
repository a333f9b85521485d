"""Sessions (登录): a token for one unit, 8 hours."""

from __future__ import annotations

from fastapi import APIRouter, Response

from .. import accounts
from ..deps import StoreDep, TokenDep
from ..errors import refusals
from ..models import SessionCreate, SessionPublic

router = APIRouter(prefix="/sessions", tags=["sessions"])


@router.post("", response_model=SessionPublic,
             responses=refusals(401, 404, 422, 423))
def open_session(store: StoreDep, body: SessionCreate) -> SessionPublic:
    """Log in with the declaration password; wrong ones count towards the lock like `verify`."""
    grant = accounts.open_session(store, body.unit_id, body.password)
    return SessionPublic(
        token=grant.token, unit_id=grant.unit_id,
        must_change_password=grant.must_change_password, expires_at=grant.expires_at,
    )


@router.delete("", status_code=204, response_class=Response,
               responses=refusals(401, 422))
def close_session(store: StoreDep, token: TokenDep) -> Response:
    """Log out (退出登录)."""
    accounts.close_session(store, token)
    return Response(status_code=204)
