"""The OpenAPI document is a true contract: schemathesis against the live bureau's /openapi.json.

Bounded (12 valid and 6 invalid examples per operation, no shrinking): about 1,200 calls over the
~70 operations, so the suite's time grows slowly with new routes (no timing is asserted here).
Checked: no 5xx, every status declared, content types and bodies as the schema says. Demo calls get the demo secret; the
fault-injection call is left out (a random fault would break the calls after it).

Driven with hypothesis directly (schemathesis' pytest fixture loader does not run under pytest 9).
"""

from __future__ import annotations

import time
import uuid
from collections import Counter

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES = 12
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_every_operation_keeps_its_contract(bureau):
    schema = schemathesis.openapi.from_url(f"{bureau.url}/openapi.json")
    operations = [op.ok() for op in schema.get_all_operations() if op.ok().path != "/api/v1/demo/faults"]
    assert len(operations) >= 15
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    started = time.monotonic()

    strategies = [(op, op.as_strategy(mode), examples) for op in operations
                  for mode, examples in ((GenerationMode.POSITIVE, EXAMPLES), (GenerationMode.NEGATIVE, EXAMPLES // 2))]
    for operation, strategy, examples in strategies:
        @given(case=strategy)
        @settings(max_examples=examples, phases=[Phase.explicit, Phase.generate], deadline=None,
                  suppress_health_check=list(HealthCheck), database=None)
        def run(case):
            # Every call goes through the idempotency layer too, as the client's calls do.
            headers = {**bureau.demo_headers, "Idempotency-Key": uuid.uuid4().hex}
            response = case.call_and_validate(base_url=bureau.url, headers=headers, checks=CHECKS, timeout=30)
            statuses[response.status_code] += 1

        try:
            run()
        except Unsatisfiable:
            pass  # nothing to make negative (no parameters, or only a header the test sends itself)
        except Exception as exc:  # noqa: BLE001 - collect every operation's failure, report them together
            failures.append(f"{operation.label}: {str(exc)[:2000]}")
    took = time.monotonic() - started
    print(f"schemathesis: {len(operations)} operations, {sum(statuses.values())} calls in {took:.1f} s: "
          f"{dict(sorted(statuses.items()))}")
    assert not failures, "\n\n".join(failures)


def test_answers_with_times_conform_and_carry_their_zone(bureau):
    """The calls random data never gets through (a login, a logged-in page) checked by hand."""
    import re

    import httpx

    schema = schemathesis.openapi.from_url(f"{bureau.url}/openapi.json")
    unit_id = "U000016"  # tests/integration/test_bureau_api.py's area
    token = bureau.token(unit_id)
    try:
        login = httpx.post(f"{bureau.api}/sessions", json={"unit_id": unit_id, "password": "Test#2026"}, timeout=10)
        schema.find_operation_by_path("POST", "/api/v1/sessions").validate_response(login)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00", login.json()["expires_at"])
        page = httpx.get(f"{bureau.api}/units/{unit_id}/employees", params={"size": 3},
                         headers={"Authorization": f"Bearer {token}"}, timeout=10)
        schema.find_operation_by_path("GET", "/api/v1/units/{unit_id}/employees").validate_response(page)
        assert all(e["updated_at"].endswith("+08:00") for e in page.json()["employees"])
        doc = httpx.get(f"{bureau.url}/openapi.json", timeout=10).json()
        for name in ("SessionPublic", "EmployeePublic"):
            props = doc["components"]["schemas"][name]["properties"]
            field = props.get("expires_at") or props.get("updated_at")
            assert field["format"] == "date-time" and "+08:00" in field["description"]
    finally:
        bureau.reset_unit(unit_id)
