"""The bureau's refusals: one exception, one JSON shape `{"code", "message"}` (see docs/api.md)."""

from __future__ import annotations

import logging

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
