"""Service tests without a bureau process: the workbench's services over `httpx.MockTransport` and
a temporary store. `fake_bureau` answers like the demo bureau for one taxpayer with two units and
records every request; `offline_wb` is a workbench wired to it (no waiting between retries)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

TAXPAYER = "91330100MA2700000T"
REGION = "330100"

REGISTRATION = {
    "unit_id": "U000001", "taxpayer_id": TAXPAYER, "name": "杭州演示科技有限公司", "module": "employer",
    "region": REGION, "tax_authority": "国家税务总局杭州市西湖区税务局", "tax_office": "第一税务所",
    "unit_numbers": [{"unit_number": "1234", "agency": "西湖区社保中心", "tax_authority": "西湖区税务局"}],
}
COLLECTOR = {**REGISTRATION, "unit_id": "U000005", "name": "转塘街道办事处", "module": "collector", "unit_numbers": []}
PROFILE = {
    "taxpayer_id": TAXPAYER, "name": "杭州演示科技有限公司", "tax_authority": "西湖区税务局",
    "finance_officer": "王芳", "legal_representative": "李明", "industry": "软件业", "enterprise_type": "有限责任公司",
    "address": "杭州市西湖区", "postcode": "310000", "phone": "0571-88888888", "email": "demo@example.cn",
    "listed": "否",
}


@dataclass
class FakeBureau:
    """Routes (method, path) to a handler; `requests` keeps what was sent."""

    taxpayer = TAXPAYER
    region = REGION

    requests: list[httpx.Request] = field(default_factory=list)
    passwords: dict[str, str] = field(default_factory=lambda: {"U000001": "123400", "U000005": "00000T"})
    must_change: set[str] = field(default_factory=lambda: {"U000001", "U000005"})
    down: bool = False
    overrides: dict[tuple[str, str], Callable[[httpx.Request], httpx.Response]] = field(default_factory=dict)

    def sent(self, method: str | None = None) -> list[str]:
        return [f"{r.method} {r.url.path}" for r in self.requests if method is None or r.method == method]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.down:
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        path = request.url.path.removeprefix("/api/v1")
        key = (request.method, path)
        if key in self.overrides:
            return self.overrides[key](request)
        body = json.loads(request.content) if request.content else {}
        units = {"U000001": REGISTRATION, "U000005": COLLECTOR}
        if key == ("GET", "/regions"):
            return httpx.Response(200, json=[
                {"code": REGION, "name": "浙江省杭州市", "modules": ["employer", "collector"], "collection_modes": {}},
                {"code": "440300", "name": "广东省深圳市", "modules": ["employer"], "collection_modes": {}},
            ])
        if key == ("GET", f"/taxpayers/{TAXPAYER}/units"):
            module = request.url.params["module"]
            return httpx.Response(200, json=[
                {k: u[k] for k in ("unit_id", "taxpayer_id", "name", "module", "region")}
                | {"registered_on": "2020-01-01", "taxpayer_status": "正常", "kind": "企业"}
                for u in units.values() if u["module"] == module
            ])
        if request.method == "GET" and path.startswith("/taxpayers/"):
            return httpx.Response(404, json={"code": "TAXPAYER_NOT_FOUND", "message": "未查询到该纳税人识别号的社保费登记信息"})
        if request.method == "POST" and path.endswith("/verify"):
            unit_id = path.split("/")[2]
            if body.get("password") != self.passwords.get(unit_id):
                return httpx.Response(401, json={"code": "PASSWORD_WRONG", "message": "申报密码错误"})
            return httpx.Response(200, json=units[unit_id])
        if key == ("POST", "/sessions"):
            unit_id = body["unit_id"]
            if body.get("password") != self.passwords.get(unit_id):
                return httpx.Response(401, json={"code": "PASSWORD_WRONG", "message": "申报密码错误"})
            return httpx.Response(201, json={"token": f"tok-{unit_id}", "unit_id": unit_id,
                                             "must_change_password": unit_id in self.must_change,
                                             "expires_at": "2026-11-27T12:00:00+08:00"})
        if key == ("DELETE", "/sessions"):
            return httpx.Response(204)
        if request.method == "PUT" and path.endswith("/password"):
            unit_id = path.split("/")[2]
            self.passwords[unit_id] = body["new_password"]
            self.must_change.discard(unit_id)
            return httpx.Response(200, json={"changed": True})
        if request.method == "GET" and path.endswith("/registration"):
            return httpx.Response(200, json=units[path.split("/")[2]])
        if request.method == "GET" and path.endswith("/profile"):
            return httpx.Response(200, json=PROFILE)
        if key == ("GET", "/rules"):
            return httpx.Response(200, json=[{"name": "contribution", "version": "2026.1", "updated": "2026-01-01"}])
        if key == ("GET", f"/rules/{REGION}/contribution"):
            return httpx.Response(200, json={"region": REGION, "items": []})
        if key == ("GET", "/notices"):
            return httpx.Response(200, json=[{"notice_id": 1, "title": "关于2026年度缴费基数的通知",
                                              "published": "2026-01-05", "body": "各缴费单位：……"}])
        if key == ("GET", "/client-version"):
            return httpx.Response(200, json={"latest": "9.9.9", "released": "2026-11-01", "notes": "新版本"})
        if key == ("GET", "/health"):
            return httpx.Response(200, json={"status": "ok", "name": "演示税务局"})
        return httpx.Response(404, json={"code": "NOT_FOUND", "message": "未找到"})


@pytest.fixture
def fake_bureau() -> FakeBureau:
    return FakeBureau()


@pytest.fixture
def offline_wb(tmp_path: Path, fake_bureau: FakeBureau) -> Iterator[Any]:
    from sbflib.workbench import Workbench

    wb = Workbench(tmp_path / "data", "http://bureau.test", transport=httpx.MockTransport(fake_bureau),
                   sleep=lambda seconds: None)
    yield wb
    wb.close()
    wb.store.close()
