"""ASGI middleware of the bureau: request guards (valid UTF-8 addresses, a body size limit)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote_to_bytes

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


def _valid_utf8(raw: bytes) -> bool:
    try:
        unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class RequestGuard:
    """Refuses, before the app sees them, addresses that are not UTF-8 once percent-decoded (400) and
    bodies over `max_body` bytes (413), whether announced by Content-Length or counted as they come."""

    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_path = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
        if not (_valid_utf8(raw_path) and _valid_utf8(scope.get("query_string", b""))):
            await send_json(send, 400, {"code": "VALIDATION", "message": "请求地址含有无效字符：不是有效的UTF-8文本"})
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None:
            if not length.isdigit():
                await send_json(send, 400, {"code": "VALIDATION", "message": "请求头Content-Length不正确"})
                return
            if int(length) > self.max_body:
                await send_json(send, 413, {"code": "BODY_TOO_LARGE", "message": BODY_TOO_LARGE})
                return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise HTTPException(413, BODY_TOO_LARGE)
            return message

        await self.app(scope, counting_receive, send)
