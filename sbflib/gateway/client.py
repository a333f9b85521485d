"""The bureau client (docs/api.md): one object per workbench composing the resource APIs.

    client.reference   health, regions, client version, notices, rule files   (gateway/reference.py)
    client.units       taxpayer lookup, 安全认证, registration, profile         (gateway/units.py)
    client.session     login, logout, 修改申报密码                              (gateway/session.py)
    client.roster      the roster as Arrow tables, JSON employee pages        (gateway/roster.py)
    client.demo        demo-only calls with the demo secret                   (gateway/demo.py)
    client.wages       缴费工资申报: submit, list, detail with lines            (gateway/wages.py)

Each returns frozen dataclasses. Deadlines, retries, idempotency keys, path checks and the error
table live once in gateway/http.py. A new resource (wages, declarations, payments) is a new module
with an `...Api(http)` class and one line in `BureauClient.__init__`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from sbflib.gateway.agreements import AgreementsApi
from sbflib.gateway.arrears import ArrearsApi
from sbflib.gateway.arrivals import ArrivalsApi
from sbflib.gateway.audit import CallHook
from sbflib.gateway.certificates import CertificatesApi
from sbflib.gateway.declaration_records import DeclarationRecordsApi
from sbflib.gateway.declarations import DeclarationsApi
from sbflib.gateway.demo import DemoApi
from sbflib.gateway.http import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_DEADLINE,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    Clock,
    Http,
    Sleep,
    default_backoff,
)
from sbflib.gateway.payables import PayablesApi
from sbflib.gateway.payments import PaymentsApi
from sbflib.gateway.reference import ReferenceApi
from sbflib.gateway.refunds import RefundsApi
from sbflib.gateway.registrations import RegistrationsApi
from sbflib.gateway.roster import EmployeesPage, RosterApi, RosterBatch, read_framed_streams
from sbflib.gateway.session import SessionApi
from sbflib.gateway.units import UnitsApi
from sbflib.gateway.wages import WagesApi

__all__ = ["BureauClient", "EmployeesPage", "ProxyConfig", "RosterBatch", "read_framed_streams"]


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
            userinfo = httpx.URL(scheme + "://x").copy_with(username=self.username, password=self.password or "")
            auth = f"{userinfo.userinfo.decode()}@"
        return f"{scheme}://{auth}{self.host}:{self.port}"


class BureauClient:
    """One client per workbench. Keyword-only settings; `transport` takes `httpx.MockTransport` in
    tests, `sleep`/`backoff`/`clock` let tests run the retry budget without waiting, `relocate`
    (given for the embedded bureau) returns the bureau's current address when it stopped answering."""

    def __init__(
        self,
        base_url: str,
        *,
        proxy: ProxyConfig | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        retries: int = DEFAULT_RETRIES,
        deadline: float = DEFAULT_DEADLINE,
        transport: httpx.BaseTransport | None = None,
        sleep: Sleep = time.sleep,
        backoff: Callable[[int], float] = default_backoff,
        clock: Clock = time.monotonic,
        relocate: Callable[[], str | None] | None = None,
        demo_secret: str | None = None,
    ) -> None:
        self.proxy = proxy
        self._settings: dict[str, Any] = {
            "timeout": timeout, "connect_timeout": connect_timeout, "retries": retries, "deadline": deadline,
            "transport": transport, "sleep": sleep, "backoff": backoff, "clock": clock, "relocate": relocate,
        }
        self._http = Http(base_url, proxy=proxy.url() if proxy else None, **self._settings)
        self._http.demo_secret = demo_secret
        self.reference = ReferenceApi(self._http)
        self.units = UnitsApi(self._http)
        self.session = SessionApi(self._http)
        self.roster = RosterApi(self._http)
        self.demo = DemoApi(self._http)
        self.wages = WagesApi(self._http)
        self.payables = PayablesApi(self._http)
        self.registrations = RegistrationsApi(self._http)
        self.declaration_records = DeclarationRecordsApi(self._http)
        self.declarations = DeclarationsApi(self._http)
        self.arrivals = ArrivalsApi(self._http)
        self.arrears = ArrearsApi(self._http)
        self.agreements = AgreementsApi(self._http)
        self.payments = PaymentsApi(self._http)
        self.refunds = RefundsApi(self._http)
        self.certificates = CertificatesApi(self._http)

    @property
    def base_url(self) -> str:
        return self._http.base_url

    @property
    def token(self) -> str | None:
        """The session token (memory only), set by `session.create`."""
        return self._http.token

    @token.setter
    def token(self, value: str | None) -> None:
        self._http.token = value

    @property
    def demo_secret(self) -> str | None:
        return self._http.demo_secret

    @demo_secret.setter
    def demo_secret(self, value: str | None) -> None:
        self._http.demo_secret = value

    @property
    def deadline(self) -> float:
        return float(self._http.deadline)

    @property
    def on_call(self) -> CallHook | None:
        """The audit hook: gets a `CallRecord` after every state-changing call (gateway/audit.py)."""
        return self._http.on_call

    @on_call.setter
    def on_call(self, hook: CallHook | None) -> None:
        self._http.on_call = hook

    def derive(self, *, proxy: ProxyConfig | None, **overrides: Any) -> BureauClient:
        """A new client to the same bureau with another proxy (and e.g. a shorter deadline); the
        token and demo secret carry over."""
        settings = {**self._settings, **overrides}
        client = BureauClient(self.base_url, proxy=proxy, demo_secret=self.demo_secret, **settings)
        client.token = self.token
        client.on_call = self.on_call
        return client

    def close(self) -> None:
        self._http.close()
