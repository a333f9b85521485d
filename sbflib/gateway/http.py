"""The transport core every resource module uses: one request function with a deadline, retries,
idempotency keys, safe paths, and the one table that maps transport and bureau errors to ours.

Budget of a call (defaults): each attempt may wait `timeout` (10 s) for the bureau, at most
`retries` (3) attempts with back-off 0.5 s, 1 s between them, and never longer than `deadline`
(30 s) in all, so a hung bureau fails a read with the Chinese message within 35 s. The deadline is
also applied to every socket operation (`DeadlineBackend`), because httpcore reads a SOCKS5
handshake without any timeout.

Which calls are retried (the wire contract in docs/api.md):
- reads (GET) on timeouts, transport errors and 502/503/504;
- state-changing calls (POST/PUT/DELETE) carry an `Idempotency-Key`; they are retried with the
  same key on timeouts, transport errors and 503, so the bureau answers a retry with its first
  answer instead of doing the work twice;
- password checks (`retry=False`) are never retried: every try counts towards the unit's lock.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpcore
import httpx

from sbflib.domain import clock as domain_clock
from sbflib.errors import AuthError, BureauError, ConnectionFailed, SbfError, ValidationError
from sbflib.gateway import audit

API = "/api/v1"
log = logging.getLogger("sbflib.gateway")

DEFAULT_TIMEOUT = 10.0       # one attempt: connect, then each read or write
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_RETRIES = 3          # attempts in all
DEFAULT_DEADLINE = 30.0      # all attempts and back-off together
BULK_DEADLINE = 300.0        # a whole-roster download of a big unit: bytes keep coming, just many
BULK_TIMEOUT = 30.0          # one attempt of a bulk read: a loaded bureau may take >10 s to the first byte
SUBMIT_DEADLINE = 120.0      # a submission of up to 100,000 lines, its retries with the same key included

AUTH_CODES = frozenset({"PASSWORD_WRONG", "UNIT_LOCKED", "TOKEN_INVALID", "FORBIDDEN_UNIT", "PASSWORD_CHANGE_REQUIRED"})
_READ_RETRY_STATUSES = frozenset({502, 503, 504})
_WRITE_RETRY_STATUSES = frozenset({503})

Sleep = Callable[[float], None]
Clock = Callable[[], float]


def default_backoff(attempt: int) -> float:
    """Seconds to wait before attempt `attempt + 1` (attempt counts from 0): 0.5, 1, 2 ..."""
    return 0.5 * 2**attempt


# --- path safety ------------------------------------------------------------------------------

_UNIT_ID = re.compile(r"[A-Za-z0-9]{1,32}")
_TAXPAYER_ID = re.compile(r"[A-Za-z0-9]{15,20}")
_REGION = re.compile(r"[0-9]{6}")
_RULE_NAME = re.compile(r"[A-Za-z0-9_\-]{1,64}(\.[A-Za-z0-9]{1,8})?")


def _checked(value: object, pattern: re.Pattern[str], message: str, field: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ValidationError(message, field=field, code="INVALID_PATH_PART")
    return value


def unit_part(unit_id: object) -> str:
    """A unit ID checked against the wire contract (^[A-Za-z0-9]{1,32}$) before it enters a path."""
    return _checked(unit_id, _UNIT_ID, "单位标识格式不正确，只能包含字母和数字（至多32位）", "单位")


def taxpayer_part(taxpayer_id: object) -> str:
    return _checked(taxpayer_id, _TAXPAYER_ID, "纳税人识别号格式不正确，应为15至20位字母或数字", "纳税人识别号")


def region_part(region: object) -> str:
    return _checked(region, _REGION, "地区编码格式不正确，应为6位数字", "地区")


def rule_name_part(name: object) -> str:
    return _checked(name, _RULE_NAME, "规则文件名称格式不正确", "规则文件")


def path(*parts: str) -> str:
    """`/a/b/c` with every part percent-encoded (a checked part stays as it is; this is the guard
    for any part that was not checked)."""
    return "".join("/" + quote(p, safe="") for p in parts)


# --- the error table --------------------------------------------------------------------------

MSG_CONNECT = "无法连接税务局服务，请检查网络设置或稍后重试"
MSG_TIMEOUT = "税务局服务长时间没有响应，请稍后重试；如多次出现，请检查网络设置"
MSG_PROXY = "无法通过代理服务器连接税务局服务，请检查网络设置中的代理地址、端口和类型"
MSG_PROXY_AUTH = "代理服务器要求身份验证：用户名或密码不正确，请在网络设置中修改后重试"
MSG_DISCONNECTED = "与税务局服务的连接中断，没有收到应答，请稍后重试"
MSG_HTTP = "税务局服务暂时无法处理该请求，请稍后重试"
MSG_PROTOCOL = "税务局服务的应答无法识别，请稍后重试；如多次出现，请联系系统管理员"


def translate_transport(exc: Exception, url: str) -> SbfError:
    """The one table for failures below HTTP: which of our errors, which Chinese message."""
    detail = f"{url}: {type(exc).__name__}: {exc}"
    log.warning("bureau call failed: %s", detail)
    if isinstance(exc, httpx.ProxyError):
        return ConnectionFailed(MSG_PROXY, detail=detail, code="PROXY_FAILED")
    if isinstance(exc, (httpx.TimeoutException, DeadlineExceeded)):
        return ConnectionFailed(MSG_TIMEOUT, detail=detail, code="TIMEOUT")
    if isinstance(exc, httpx.ConnectError):
        return ConnectionFailed(MSG_CONNECT, detail=detail, code="CONNECT_FAILED")
    if isinstance(exc, httpx.RemoteProtocolError):
        return ConnectionFailed(MSG_DISCONNECTED, detail=detail, code="DISCONNECTED")
    if isinstance(exc, (httpx.DecodingError, ValueError)):
        return ConnectionFailed(MSG_PROTOCOL, detail=detail, code="BAD_RESPONSE")
    return ConnectionFailed(MSG_CONNECT, detail=detail, code="CONNECT_FAILED")


def translate_response(response: httpx.Response) -> SbfError:
    """The one table for answers that are not a success: the bureau's refusal body becomes a
    BureauError (AuthError for who-is-asking codes) with its code and Chinese message as is."""
    where = f"{response.request.method} {response.request.url} -> HTTP {response.status_code}"
    if response.status_code == 407:
        return ConnectionFailed(MSG_PROXY_AUTH, detail=where, code="PROXY_AUTH")
    code, message = "HTTP_ERROR", ""
    try:
        body = response.json()
        if isinstance(body, dict):
            code = str(body.get("code") or code)
            message = str(body.get("message") or "")
    except ValueError:
        pass
    if not message:
        return BureauError(code, MSG_HTTP, status=response.status_code, detail=f"{where}: {response.text[:200]}")
    cls = AuthError if code in AUTH_CODES else BureauError
    return cls(code, message, status=response.status_code, detail=where)


# --- deadlines on every socket operation ------------------------------------------------------


class DeadlineExceeded(Exception):
    """The overall deadline of a call passed."""


_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("sbf_deadline", default=None)


def _bounded(timeout: float | None) -> float | None:
    end = _deadline.get()
    if end is None:
        return timeout
    remaining = end - time.monotonic()
    if remaining <= 0:
        raise httpcore.ReadTimeout("overall deadline of the call passed")
    return remaining if timeout is None else min(timeout, remaining)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _bounded(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _bounded(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, _bounded(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's socket backend with the call's overall deadline applied to every connect, read
    and write, including the ones httpcore makes without a timeout (the SOCKS5 handshake)."""

    def __init__(self, inner: httpcore.NetworkBackend | None = None) -> None:
        self._inner = inner or httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(host, port, _bounded(timeout), local_address, socket_options)
        return _DeadlineStream(stream)

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.connect_unix_socket(path, _bounded(timeout), socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def deadline_transport(proxy: str | None) -> httpx.HTTPTransport:
    """httpx's transport with the deadline backend under it (direct, http proxy or socks5)."""
    transport = httpx.HTTPTransport(proxy=proxy, trust_env=False)
    pool = transport._pool  # httpx offers no public way to give httpcore a network backend
    pool._network_backend = DeadlineBackend(pool._network_backend)
    return transport


@contextmanager
def deadline_of(seconds: float, clock: Clock = time.monotonic) -> Iterator[float]:
    """Set the overall deadline (monotonic seconds) for the socket operations of this thread."""
    end = clock() + seconds
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield end
    finally:
        _deadline.reset(token)


# --- the request function ---------------------------------------------------------------------


@dataclass(frozen=True)
class CallPolicy:
    """How one call may be retried and how long it may take in all."""

    retry: bool = True
    deadline: float | None = None  # None: the client's default
    timeout: float | None = None   # one attempt's wait; None: the client's default


# The policies beside the default. STREAM: a download whose bytes start at once and keep coming (the
# whole roster), so each read still waits 10 s and a hung bureau fails within ~30 s. BULK: an answer
# the bureau builds whole before the first byte (100,000 employees' lines), so each attempt waits
# 30 s (a hung bureau then fails in ~90 s). SUBMIT: a big submission, retried with the same key.
STREAM = CallPolicy(deadline=BULK_DEADLINE)
BULK = CallPolicy(deadline=BULK_DEADLINE, timeout=BULK_TIMEOUT)
SUBMIT = CallPolicy(deadline=SUBMIT_DEADLINE)


class Http:
    """The transport core shared by the resource APIs of one BureauClient."""

    def __init__(
        self,
        base_url: str,
        *,
        proxy: str | None,
        timeout: float,
        connect_timeout: float,
        retries: int,
        deadline: float,
        transport: httpx.BaseTransport | None,
        sleep: Sleep,
        backoff: Callable[[int], float],
        clock: Clock,
        relocate: Callable[[], str | None] | None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.retries = max(1, retries)
        self.deadline = deadline
        self.sleep = sleep
        self.backoff = backoff
        self.clock = clock
        self.relocate = relocate
        self.token: str | None = None
        self.demo_secret: str | None = None
        #: The audit hook (gateway/audit.py): called with one immutable record after each run of the
        #: attempts of a state-changing call, whatever its outcome; its failures never reach the caller.
        self.on_call: audit.CallHook | None = None
        self._client = httpx.Client(
            base_url=self.base_url + API,
            timeout=httpx.Timeout(timeout, connect=min(connect_timeout, timeout)),
            transport=transport or deadline_transport(proxy),
            trust_env=False,  # only the proxy the user set in 网络设置 applies
            headers={"User-Agent": "sbflib"},
        )

    def close(self) -> None:
        self._client.close()

    def move_to(self, base_url: str) -> None:
        """Talk to the bureau at a new address from now on (a restarted embedded bureau)."""
        self.base_url = base_url.rstrip("/")
        self._client.base_url = httpx.URL(self.base_url + API)

    def request(
        self,
        method: str,
        url_path: str,
        *,
        policy: CallPolicy = CallPolicy(),
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
        json: Any = None,
        idempotency_key: str | None = None,
    ) -> httpx.Response:
        """Send one logical call; returns a successful response or raises one of our errors.

        A state-changing call gets a fresh Idempotency-Key unless the caller gives one it keeps
        (a submission whose key must survive a restart of the client: see `gateway/wages.py`)."""
        send_headers = dict(headers or {})
        if self.token:
            send_headers["Authorization"] = f"Bearer {self.token}"
        changes_state = method.upper() != "GET"
        if changes_state:
            # reused by every retry of this call
            send_headers["Idempotency-Key"] = idempotency_key or uuid.uuid4().hex
        clean = {k: v for k, v in (params or {}).items() if v is not None}
        try:
            return self._attempts(method, url_path, policy, send_headers, clean, json, changes_state)
        except ConnectionFailed as failed:
            if failed.code != "CONNECT_FAILED" or self.relocate is None:
                raise
            # The embedded bureau may have been restarted on another port (or must be restarted):
            # look it up again and try once more at its address.
            moved = self.relocate()
            if not moved:
                raise
            self.move_to(moved)
            return self._attempts(method, url_path, policy, send_headers, clean, json, changes_state)

    def _attempts(self, method: str, url_path: str, policy: CallPolicy, headers: dict[str, str],
                  params: dict[str, Any], json: Any, changes_state: bool) -> httpx.Response:
        """Every try of one call within its deadline; a state-changing call is reported to the audit
        hook once it ends, however it ends (a caller that runs the attempts again after the bureau
        moved reports twice with the same idempotency key: the trail merges them into one entry)."""
        hook = self.on_call
        if not changes_state or hook is None:
            return self._tries(method, url_path, policy, headers, params, json, changes_state, [])
        tries: list[int] = []
        at, started = domain_clock.now(), time.monotonic()
        response: httpx.Response | None = None
        failure: BaseException | None = None
        try:
            response = self._tries(method, url_path, policy, headers, params, json, changes_state, tries)
            return response
        except BaseException as exc:
            failure = exc
            raise
        finally:
            self._report(hook, at, started, method, url_path, headers, json, len(tries), response, failure)

    def _report(self, hook: audit.CallHook, at: Any, started: float, method: str, url_path: str,
                headers: dict[str, str], body: Any, attempts: int, response: httpx.Response | None,
                failure: BaseException | None) -> None:
        """Hand the audit hook the record of one call (never raises)."""
        try:
            answer: Any = None
            status: int | None = None
            code = message = ""
            if response is not None:
                status, outcome = response.status_code, audit.OK
                if response.content and "json" in response.headers.get("content-type", ""):
                    try:
                        answer = response.json()
                    except ValueError:
                        answer = None
            elif isinstance(failure, BureauError):
                status, code, message, outcome = failure.status, failure.code, failure.message, audit.REFUSED
            elif isinstance(failure, ConnectionFailed):
                code, message, outcome = failure.code, failure.message, audit.UNKNOWN
            elif isinstance(failure, SbfError):
                code, message, outcome = str(getattr(failure, "code", "") or ""), failure.message, audit.REFUSED
            else:
                code, message, outcome = type(failure).__name__, "调用中断，结果未知", audit.UNKNOWN
            record = audit.CallRecord(
                at=at, method=method.upper(), path=url_path, operation=audit.operation_of(method, url_path),
                unit_id=audit.unit_of(url_path, body), idempotency_key=headers.get("Idempotency-Key", ""),
                request=audit.safe_json(body), attempts=attempts,
                duration_ms=int((time.monotonic() - started) * 1000), outcome=outcome, status=status,
                code=code, message=message, result_id=audit.result_id_of(answer),
                response=audit.safe_json(answer), demo=audit.is_demo(url_path),
            )
            hook(record)
        except Exception:  # the audit trail must never break the business call
            log.warning("audit hook failed for %s %s", method, url_path, exc_info=True)

    def _tries(self, method: str, url_path: str, policy: CallPolicy, headers: dict[str, str],
               params: dict[str, Any], json: Any, changes_state: bool, tries: list[int]) -> httpx.Response:
        attempts = self.retries if policy.retry else 1
        statuses = _WRITE_RETRY_STATUSES if changes_state else _READ_RETRY_STATUSES
        budget = policy.deadline or self.deadline
        with deadline_of(budget, self.clock) as end:
            for attempt in range(attempts):
                last = attempt + 1 >= attempts
                remaining = end - self.clock()
                if remaining <= 0:
                    raise ConnectionFailed(MSG_TIMEOUT, detail=f"{self.base_url}: deadline of {budget} s passed",
                                           code="TIMEOUT")
                wait = policy.timeout or self.timeout
                timeout = httpx.Timeout(min(wait, remaining), connect=min(self.connect_timeout, wait, remaining))
                tries.append(attempt)
                try:
                    response = self._client.request(method, url_path, headers=headers, params=params or None,
                                                     json=json, timeout=timeout)
                except httpx.ProxyError as exc:
                    raise translate_transport(exc, self.base_url) from exc
                except (httpx.TimeoutException, httpx.TransportError) as exc:
                    error = translate_transport(exc, self.base_url)
                    # A refused connection to the embedded bureau is not worth repeating: it has
                    # moved or stopped, and `request` looks it up again at once.
                    refused = isinstance(exc, httpx.ConnectError) and self.relocate is not None
                    if last or refused or not self._may_wait(attempt, end):
                        raise error from exc
                    continue
                if response.status_code in statuses and not last and self._may_wait(attempt, end):
                    continue
                if not response.is_success:
                    raise translate_response(response)
                return response
        raise AssertionError("unreachable")

    def _may_wait(self, attempt: int, end: float) -> bool:
        """Sleep the back-off before the next attempt if the deadline leaves room for one."""
        pause = self.backoff(attempt)
        if self.clock() + pause >= end:
            return False
        self.sleep(pause)
        return True

    def get_json(self, url_path: str, *, params: dict[str, Any] | None = None,
                 policy: CallPolicy = CallPolicy()) -> Any:
        response = self.request("GET", url_path, params=params, policy=policy)
        return _json(response, self.base_url)

    def send_json(self, method: str, url_path: str, body: Any, *, policy: CallPolicy = CallPolicy(),
                  headers: dict[str, str] | None = None, idempotency_key: str | None = None) -> Any:
        response = self.request(method, url_path, json=body, policy=policy, headers=headers,
                                idempotency_key=idempotency_key)
        return _json(response, self.base_url) if response.content else None


def _json(response: httpx.Response, base_url: str) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise translate_transport(exc, base_url) from exc


def required(data: Any, name: str, base_url: str = "") -> Any:
    """A required field of a bureau answer; a missing one is a protocol error in Chinese."""
    try:
        return data[name]
    except (KeyError, TypeError, IndexError) as exc:
        raise ConnectionFailed(MSG_PROTOCOL, detail=f"{base_url}: missing field {name!r}", code="BAD_RESPONSE") from exc
