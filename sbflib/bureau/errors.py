"""The bureau's refusals: one exception, one JSON shape `{"code", "message"}` (see docs/api.md)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("sbflib.bureau")


class Refusal(Exception):
    """A refusal with an error code of docs/api.md and the Chinese message the client shows as is."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


_STATUS_TEXT = {
    400: "请求有误：地址不是UTF-8、幂等键格式不对，或业务规则拒绝（见 code）",
    401: "未登录、登录已失效，或申报密码错误（见 code）",
    403: "无权办理：他单位、须先修改初始密码，或缺少演示密钥（见 code）",
    404: "对象不存在（见 code）",
    409: "与当前状态冲突：已申报、已缴费、已作废，或预处理信息已变化（见 code）",
    413: "请求体超过1MB",
    422: "请求参数有误（VALIDATION），或幂等键已用于另一请求（IDEMPOTENCY_KEY_REUSED）",
    423: "申报密码连续输错5次，单位已锁定（UNIT_LOCKED）",
}


def refusals(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the refusals a route really answers, all with the error body."""
    from .models import ErrorBody

    return {status: {"model": ErrorBody, "description": _STATUS_TEXT[status]} for status in statuses}


def unit_not_found(unit_id: str) -> Refusal:
    return Refusal(404, "UNIT_NOT_FOUND", f"单位{unit_id}不存在")


_FIELD_NAMES = {
    "password": "申报密码",
    "old_password": "原申报密码",
    "new_password": "新申报密码",
    "unit_id": "单位ID",
    "module": "业务类型",
    "region": "地区",
    "since": "同步游标",
    "page": "页码",
    "size": "每页条数",
    "count": "变更人数",
    "seed": "随机种子",
}


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "header")]
        field = loc[-1] if loc else "请求体"
        label = _FIELD_NAMES.get(field, field)
        kind = err.get("type", "")
        if kind == "missing":
            parts.append(f"缺少字段【{label}】（{field}）")
        elif kind == "json_invalid":
            parts.append("请求体不是有效的JSON")
        else:
            parts.append(f"字段【{label}】（{field}）的值不正确")
    return "请求参数有误：" + "；".join(parts or ["请求格式不正确"])


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(Refusal)
    async def _refusal(_: Request, exc: Refusal) -> JSONResponse:
        return JSONResponse({"code": exc.code, "message": exc.message}, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"code": "VALIDATION", "message": _validation_message(exc)}, status_code=422)

    @app.exception_handler(Exception)
    async def _crash(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return JSONResponse({"code": "INTERNAL", "message": "税务局服务内部错误，请稍后再试"}, status_code=500)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Unknown paths and wrong methods keep the one error shape too.
        if exc.status_code == 404:
            body = {"code": "NOT_FOUND", "message": "请求的接口不存在"}
        elif exc.status_code == 405:
            body = {"code": "METHOD_NOT_ALLOWED", "message": "接口不支持该请求方法"}
        elif exc.status_code == 413:
            body = {"code": "BODY_TOO_LARGE", "message": str(exc.detail)}
        else:
            body = {"code": "HTTP_ERROR", "message": str(exc.detail)}
        return JSONResponse(body, status_code=exc.status_code)
