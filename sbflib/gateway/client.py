"""The httpx client of the bureau API (docs/api.md): typed calls, proxy, retries, bulk roster.

Errors are translated in one place, `_raise_for`: a refusal body becomes BureauError / AuthError with
the bureau's code and Chinese message, transport failures become ConnectionFailed. Reads are retried
with back-off; calls that change state are not retried here (they carry idempotency keys once the
declaration and payment calls exist).
"""

from __future__ import annotations

import struct
import time
from dataclasses import dataclass
from typing import Any

import httpx
import pyarrow as pa
import pyarrow.ipc

from sbflib.errors import AuthError, BureauError, ConnectionFailed

API = "/api/v1"
_AUTH_CODES = {"PASSWORD_WRONG", "UNIT_LOCKED", "TOKEN_INVALID", "FORBIDDEN_UNIT", "PASSWORD_CHANGE_REQUIRED"}
_MEDIA_ROSTER = "application/vnd.sbf.roster.v1"


@dataclass(frozen=True)
class ProxyConfig:
    """A proxy for every bureau call: kind 'http' or 'socks5'."""

    kind: str
    host: str
    port: int
    username: str = ""
    password: str = ""

    def url(self) -> str:
        scheme = "socks5" if self.kind == "socks5" else "http"
        auth = ""
        if self.username:
            auth = f"{httpx.URL(scheme + '://x').copy_with(username=self.username, password=self.password or '').userinfo.decode()}@"
        return f"{scheme}://{auth}{self.host}:{self.port}"


@dataclass(frozen=True)
class RosterBatch:
    """What one roster call brought: two Arrow tables and the cursor for the next call."""

    employees: pa.Table
    items: pa.Table
    cursor: int


def read_framed_streams(body: bytes) -> list[pa.Table]:
    """Split a body of [u64 little-endian length][Arrow IPC stream] frames into tables."""
    tables = []
    view = memoryview(body)
    offset = 0
    while offset < len(view):
        (length,) = struct.unpack_from("<Q", view, offset)
        offset += 8
        with pa.ipc.open_stream(pa.py_buffer(view[offset : offset + length])) as reader:
            tables.append(reader.read_all())
        offset += length
    return tables


def _raise_for(response: httpx.Response) -> None:
    if response.is_success:
        return
    if response.status_code == 407:
        raise ConnectionFailed("代理服务器要求身份验证：用户名或密码不正确")
    try:
        body = response.json()
        code, message = body.get("code", "HTTP_ERROR"), body.get("message") or ""
    except ValueError:
        code, message = "HTTP_ERROR", ""
    if not message:
        message = f"税务局服务返回错误（HTTP {response.status_code}）"
    cls = AuthError if code in _AUTH_CODES else BureauError
    raise cls(code, message, status=response.status_code)


class BureauClient:
    """One client per workbench. `token` is set by `create_session` and only kept in memory."""

    def __init__(
        self,
        base_url: str,
        *,
        proxy: ProxyConfig | None = None,
        timeout: float = 30.0,
        retries: int = 3,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.proxy = proxy
        self.retries = retries
        self.token: str | None = None
        self._http = httpx.Client(
            base_url=self.base_url + API,
            timeout=httpx.Timeout(timeout, connect=5.0),
            proxy=proxy.url() if proxy else None,
            transport=transport,
            trust_env=False,  # only the proxy the user set in 网络设置 applies
            headers={"User-Agent": "sbflib"},
        )

    def close(self) -> None:
        self._http.close()

    # -- plumbing ---------------------------------------------------------------------------------
    def _request(self, method: str, path: str, *, idempotent: bool, **kwargs: Any) -> httpx.Response:
        headers = kwargs.pop("headers", {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        attempts = self.retries if idempotent else 1
        for attempt in range(attempts):
            try:
                response = self._http.request(method, path, headers=headers, **kwargs)
            except httpx.ProxyError as exc:
                raise ConnectionFailed(f"代理服务器连接失败：{exc}") from exc
            except httpx.TimeoutException as exc:
                if attempt + 1 < attempts:
                    time.sleep(0.2 * 2**attempt)
                    continue
                raise ConnectionFailed("连接税务局服务超时，请检查网络后重试") from exc
            except httpx.TransportError as exc:
                if attempt + 1 < attempts:
                    time.sleep(0.2 * 2**attempt)
                    continue
                raise ConnectionFailed(f"无法连接税务局服务（{self.base_url}）：{exc}") from exc
            if response.status_code >= 500 and idempotent and attempt + 1 < attempts:
                time.sleep(0.2 * 2**attempt)
                continue
            _raise_for(response)
            return response
        raise AssertionError("unreachable")

    def _get(self, path: str, **params: Any) -> Any:
        clean = {k: v for k, v in params.items() if v is not None}
        return self._request("GET", path, idempotent=True, params=clean).json()

    def _post(self, path: str, body: dict[str, Any], *, idempotent: bool = False) -> Any:
        return self._request("POST", path, idempotent=idempotent, json=body).json()

    # -- public calls -----------------------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        return self._get("/health")

    def regions(self) -> list[dict[str, Any]]:
        return self._get("/regions")

    def client_version(self) -> dict[str, Any]:
        return self._get("/client-version")

    def notices(self, region: str) -> list[dict[str, Any]]:
        return self._get("/notices", region=region)

    def rules(self, region: str) -> list[dict[str, Any]]:
        return self._get("/rules", region=region)

    def rule_file(self, region: str, name: str) -> Any:
        return self._get(f"/rules/{region}/{name}")

    def units_of_taxpayer(self, taxpayer_id: str, module: str) -> list[dict[str, Any]]:
        return self._get(f"/taxpayers/{taxpayer_id}/units", module=module)

    def verify(self, unit_id: str, password: str) -> dict[str, Any]:
        # Not retried: every wrong try counts towards the bureau's lock.
        return self._post(f"/units/{unit_id}/verify", {"password": password})

    def create_session(self, unit_id: str, password: str) -> dict[str, Any]:
        self.token = None
        session = self._post("/sessions", {"unit_id": unit_id, "password": password})
        self.token = session["token"]
        return session

    def end_session(self) -> None:
        if self.token:
            try:
                self._request("DELETE", "/sessions", idempotent=False)
            finally:
                self.token = None

    # -- unit-scoped calls ------------------------------------------------------------------------
    def change_password(self, unit_id: str, old: str, new: str) -> None:
        self._request(
            "PUT", f"/units/{unit_id}/password", idempotent=False,
            json={"old_password": old, "new_password": new},
        )

    def registration(self, unit_id: str) -> dict[str, Any]:
        return self._get(f"/units/{unit_id}/registration")

    def profile(self, unit_id: str) -> dict[str, Any]:
        return self._get(f"/units/{unit_id}/profile")

    def roster(self, unit_id: str, since: int | None = None) -> RosterBatch:
        """The whole roster (since None) or what changed after the cursor, as Arrow tables."""
        params = {"since": since} if since is not None else {}
        response = self._request(
            "GET", f"/units/{unit_id}/roster", idempotent=True, params=params,
            headers={"Accept": _MEDIA_ROSTER},
        )
        employees, items = read_framed_streams(response.content)
        return RosterBatch(employees, items, int(response.headers["X-Sbf-Cursor"]))

    def employees_page(self, unit_id: str, since: int | None = None, page: int = 1, size: int = 1000) -> dict:
        return self._get(f"/units/{unit_id}/employees", since=since, page=page, size=size)

    def demo_change_employees(self, unit_id: str, count: int, seed: int | None = None) -> list[str]:
        """Demo bureaus only: change `count` employees so an incremental update has work."""
        body: dict[str, Any] = {"count": count}
        if seed is not None:
            body["seed"] = seed
        return self._post(f"/demo/units/{unit_id}/changes", body)["changed"]
