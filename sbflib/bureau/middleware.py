"""ASGI middleware of the bureau, outermost first: request guards (valid UTF-8 addresses, a body size
limit), fault injection (demo), idempotency keys."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import re
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_to_bytes

import anyio
import anyio.to_thread
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sbflib.domain import clock

from .security import token_digest
from .store import BureauStore, first_row

MAX_BODY_BYTES = 1_000_000
BODY_TOO_LARGE = "请求体过大：不能超过1MB"


async def send_json(send: Send, status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]] | None = None
                    ) -> None:
    """Answer with the bureau's JSON error shape (or any small JSON body)."""
    payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
                    *(headers or [])],
    })
    await send({"type": "http.response.body", "body": payload})


class _TooLarge(HTTPException):
    """A body over the limit, noticed while it is being read (FastAPI answers it as 413; a middleware
    that reads the body itself lets it through to `RequestGuard`, which answers it)."""

    def __init__(self) -> None:
        super().__init__(413, BODY_TOO_LARGE)


def _valid_utf8(raw: bytes) -> bool:
    try:
        unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class RequestGuard:
    """Refuses, before the app sees them, addresses that are not UTF-8 once percent-decoded (400) and
    bodies over `max_body` bytes (413), whether announced by Content-Length or counted as they come.
    `large_bodies` names the POST paths (regular expressions) allowed a larger body, with their limit."""

    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY_BYTES,
                 large_bodies: tuple[tuple[str, int], ...] = ()) -> None:
        self.app = app
        self.max_body = max_body
        self.large_bodies = tuple((re.compile(pattern), limit) for pattern, limit in large_bodies)

    def _limit(self, scope: Scope) -> tuple[int, str]:
        if scope["method"] == "POST":
            for pattern, limit in self.large_bodies:
                if pattern.match(scope["path"]):
                    return limit, f"请求体过大：不能超过{limit // 2**20}MB"
        return self.max_body, BODY_TOO_LARGE

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_path = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
        if not (_valid_utf8(raw_path) and _valid_utf8(scope.get("query_string", b""))):
            await send_json(send, 400, {"code": "VALIDATION", "message": "请求地址含有无效字符：不是有效的UTF-8文本"})
            return
        max_body, too_large = self._limit(scope)
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None:
            if not length.isdigit():
                await send_json(send, 400, {"code": "VALIDATION", "message": "请求头Content-Length不正确"})
                return
            if int(length) > max_body:
                await send_json(send, 413, {"code": "BODY_TOO_LARGE", "message": too_large})
                return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > max_body:
                    raise _TooLarge()
            return message

        started = False

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watched_send)
        except _TooLarge:
            if started:
                raise
            await send_json(send, 413, {"code": "BODY_TOO_LARGE", "message": too_large})


# --- idempotency ------------------------------------------------------------------------------

IDEMPOTENCY_HEADER = b"idempotency-key"
IDEMPOTENCY_HOURS = 24
_KEY_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
_UNIT_IN_PATH = re.compile(r"/units/([A-Za-z0-9]{1,32})(?:/|$)")
# Password checks are never kept: a login's answer holds a session token (the bureau stores tokens
# only as their sha256), and a request digest over a 6-digit password could be reversed by anyone who
# reads the store. The client never retries them, so nothing is lost.
_PASSWORD_CALLS = re.compile(r"^/api/v1/(sessions|units/[^/]+/verify|units/[^/]+/password)$")


def _kept(method: str, path: str) -> bool:
    return not (method in ("POST", "PUT") and _PASSWORD_CALLS.match(path))


def _caller(scope: Scope, headers: dict[bytes, bytes]) -> str:
    """Whose key it is: the bearer token's digest, or the client address for anonymous calls."""
    scheme, _, token = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return "token:" + token_digest(token.strip())
    client = scope.get("client")
    return f"addr:{client[0] if client else '-'}"


def _unit_of(path: str, body: bytes) -> str | None:
    found = _UNIT_IN_PATH.search(path)
    if found:
        return found.group(1)
    try:
        unit = json.loads(body).get("unit_id")
    except (ValueError, AttributeError):
        return None
    return unit if isinstance(unit, str) and len(unit) <= 32 else None


class Idempotency:
    """Answers a repeated `Idempotency-Key` of a POST, PUT or DELETE with the first answer, without
    doing the work again, for 24 hours (a key is the caller's: token digest or client address). The
    same key with another method, path or body is refused (422 IDEMPOTENCY_KEY_REUSED). Answers of
    5xx are not kept, so a retry after a failure does the work. Two calls with one key at once: the
    second waits for the first and gets its answer."""

    def __init__(self, app: ASGIApp, store: BureauStore) -> None:
        self.app = app
        self.store = store
        self._in_flight: dict[tuple[str, str], asyncio.Lock] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "DELETE"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        raw_key = headers.get(IDEMPOTENCY_HEADER)
        if raw_key is None:
            await self.app(scope, receive, send)
            return
        key = raw_key.decode("latin-1").strip()
        if not _KEY_PATTERN.fullmatch(key):
            await send_json(send, 400, {"code": "VALIDATION",
                                        "message": "请求头Idempotency-Key不正确：应为1至128位字母、数字或-_.:"})
            return
        chunks: list[bytes] = []  # joined once: adding chunk by chunk is quadratic for a 32 MB filing
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before sending its body
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        caller = _caller(scope, headers)
        path = scope["path"]
        digest = hashlib.sha256(
            b"\0".join([scope["method"].encode(), path.encode(), scope.get("query_string", b""), body])
        ).hexdigest()
        lock = self._in_flight.setdefault((caller, key), asyncio.Lock())
        try:
            async with lock:
                found = await anyio.to_thread.run_sync(self._find, caller, key)
                if found is not None:
                    method, stored_path, stored_digest, status, content_type, stored_body = found
                    if (method, stored_path, stored_digest) != (scope["method"], path, digest):
                        await send_json(send, 422, {"code": "IDEMPOTENCY_KEY_REUSED",
                                                    "message": "该幂等键已用于另一笔不同的请求，请使用新的幂等键"})
                        return
                    await self._replay(send, status, content_type, stored_body)
                    return
                await self._run_and_keep(scope, body, send, caller, key, digest, _unit_of(path, body))
        finally:
            if not lock.locked() and self._in_flight.get((caller, key)) is lock:
                del self._in_flight[(caller, key)]

    async def _run_and_keep(self, scope: Scope, body: bytes, send: Send, caller: str, key: str, digest: str,
                            unit_id: str | None) -> None:
        sent = False

        async def replay_receive() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.Event().wait()  # nothing more will come; the server cancels us on disconnect
            return {"type": "http.disconnect"}

        status = 0
        content_type: str | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status, content_type
            if message["type"] == "http.response.start":
                status = message["status"]
                for name, value in message.get("headers", []):
                    if name.lower() == b"content-type":
                        content_type = value.decode("latin-1")
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        await self.app(scope, replay_receive, capture)
        if 0 < status < 500 and _kept(scope["method"], scope["path"]):
            await anyio.to_thread.run_sync(
                self._keep, caller, key, scope["method"], scope["path"], digest, unit_id, status, content_type,
                b"".join(chunks),
            )

    @staticmethod
    async def _replay(send: Send, status: int, content_type: str | None, body: bytes) -> None:
        headers = [(b"content-length", str(len(body)).encode()), (b"idempotent-replayed", b"true")]
        if content_type:
            headers.append((b"content-type", content_type.encode("latin-1")))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def _find(self, caller: str, key: str) -> tuple[Any, ...] | None:
        since = clock.now() - dt.timedelta(hours=IDEMPOTENCY_HOURS)
        with self.store.reading() as cur:
            return first_row(cur.execute(
                "SELECT method, path, request_sha256, status, content_type, body FROM idempotency "
                "WHERE caller = ? AND key = ? AND created_at > ?",
                [caller, key, since],
            ))

    def _keep(self, caller: str, key: str, method: str, path: str, digest: str, unit_id: str | None,
              status: int, content_type: str | None, body: bytes) -> None:
        now = clock.now()
        with self.store.writing() as cur:
            cur.execute("DELETE FROM idempotency WHERE created_at <= ? OR (caller = ? AND key = ?)",
                        [now - dt.timedelta(hours=IDEMPOTENCY_HOURS), caller, key])
            cur.execute("INSERT INTO idempotency VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [caller, key, method, path, digest, unit_id, status, content_type, body, now])


# --- fault injection (demo) -------------------------------------------------------------------

FAULTS_PATH = "/api/v1/demo/faults"


@dataclass
class Fault:
    """One planned fault: requests whose path starts with `path_prefix` (and of `method`, when given)
    are dropped, delayed or failed, `times` times."""

    path_prefix: str
    method: str | None
    mode: str  # "drop" | "delay" | "fail"
    times: int
    seconds: float


class FaultPlan:
    """The faults the demo routes planned; the middleware consumes them."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> list[Fault]:
        with self._lock:
            self._faults.append(fault)
            return list(self._faults)

    def clear(self) -> int:
        with self._lock:
            count = len(self._faults)
            self._faults.clear()
            return count

    def active(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take(self, method: str, path: str) -> Fault | None:
        """The first fault for this request, counted down (and dropped once used up)."""
        if path.startswith(FAULTS_PATH):
            return None  # the faults call itself is never faulted, so a test can always clear them
        with self._lock:
            for fault in self._faults:
                if path.startswith(fault.path_prefix) and fault.method in (None, method):
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None


class FaultInjection:
    """Plays the faults of a `FaultPlan`: `fail` answers 503 without handling, `delay` waits before
    handling, `drop` handles the request, holds the answer for `seconds` (or until the caller gives
    up) and closes without answering."""

    def __init__(self, app: ASGIApp, plan: FaultPlan) -> None:
        self.app = app
        self.plan = plan

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        fault = self.plan.take(scope["method"], scope["path"]) if scope["type"] == "http" else None
        if fault is None:
            await self.app(scope, receive, send)
            return
        if fault.mode == "fail":
            await send_json(send, 503, {"code": "SERVICE_UNAVAILABLE", "message": "税务局服务暂时不可用，请稍后再试"})
            return
        if fault.mode == "delay":
            await asyncio.sleep(fault.seconds)
            await self.app(scope, receive, send)
            return
        # drop: do the work, throw the answer away, then wait for the caller to give up.
        async def swallow(message: Message) -> None:
            return None

        await self.app(scope, receive, swallow)
        with anyio.move_on_after(fault.seconds):
            while (await receive())["type"] != "http.disconnect":
                pass
        # Returning without an answer: the server closes the connection (a caller still waiting
        # after `seconds` gets the server's bare 500 instead).
