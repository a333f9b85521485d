"""Every state-changing route of the bureau has a Chinese name in the 操作日志 (a new route without
one would be logged as 其他操作, and the clerk could not tell a payment from a password change)."""

import re

from sbflib.bureau.app import API_PREFIX, create_app
from sbflib.bureau.store import BureauStore
from sbflib.gateway.audit import OTHER, is_demo, operation_of


def test_every_state_changing_route_has_its_own_name(tmp_path):
    store = BureauStore(tmp_path / "bureau.duckdb")
    try:
        app = create_app(store, demo_mode=False)
        seen: dict[str, tuple[str, str]] = {}
        for path, operations in app.openapi()["paths"].items():
            for method in operations:
                method = method.upper()
                if method not in {"POST", "PUT", "DELETE", "PATCH"} or not path.startswith(API_PREFIX):
                    continue
                wire_path = re.sub(r"\{[^}]+\}", "X1", path[len(API_PREFIX):])
                if is_demo(wire_path):
                    continue
                name = operation_of(method, wire_path)
                assert name != OTHER, f"{method} {path} has no name in sbflib/gateway/audit.py _ROUTES"
                seen[f"{method} {wire_path}"] = (name, path)
        names = [name for name, _ in seen.values()]
        assert len(seen) >= 15 and "缴费" in names and "作废三方协议" in names and "补开完税证明" in names
        # a payment and its unlock, an agreement and its void: each has its own name
        assert seen["POST /units/X1/payments"][0] == "缴费"
        assert seen["POST /units/X1/payments/X1/unlock"][0] == "解锁"
        assert seen["POST /units/X1/agreements/X1/void"][0] == "作废三方协议"
        assert seen["POST /units/X1/declarations/X1/void"][0] == "作废申报"
    finally:
        store.close()
