"""Sessions (登录) and the declaration password (修改申报密码)."""

from __future__ import annotations

from dataclasses import dataclass

from sbflib.errors import SbfError
from sbflib.gateway.http import Http, path, required, unit_part
from sbflib.gateway.units import PASSWORD_CHECK


@dataclass(frozen=True)
class Session:
    """A session at the bureau. The token stays in the client's memory only."""

    token: str
    unit_id: str
    must_change_password: bool
    expires_at: str


class SessionApi:
    """`client.session`: opening one sets the token every later call sends."""

    def __init__(self, http: Http) -> None:
        self._http = http

    @property
    def token(self) -> str | None:
        return self._http.token

    def create(self, unit_id: str, password: str) -> Session:
        """登录 (a password check: never retried)."""
        self._http.token = None
        data = self._http.send_json(
            "POST", path("sessions"), {"unit_id": unit_part(unit_id), "password": password}, policy=PASSWORD_CHECK
        )
        session = Session(required(data, "token"), required(data, "unit_id"),
                          bool(data.get("must_change_password")), str(data.get("expires_at") or ""))
        self._http.token = session.token
        return session

    def end(self) -> None:
        """退出: the token is forgotten here whatever the bureau answers."""
        if not self._http.token:
            return
        try:
            self._http.request("DELETE", path("sessions"))
        except SbfError:
            pass
        finally:
            self._http.token = None

    def change_password(self, unit_id: str, old: str, new: str) -> None:
        """修改申报密码 (a password check: never retried)."""
        self._http.send_json(
            "PUT", path("units", unit_part(unit_id), "password"),
            {"old_password": old, "new_password": new}, policy=PASSWORD_CHECK,
        )
