"""The shared test fixtures: the demo reset of a unit and the `logged_in` workbench factory."""

from __future__ import annotations

import uuid

import httpx

SPARE = "U000014"  # tests/integration/test_bureau_api.py's area


def test_reset_gives_back_the_unit_as_seeded(bureau):
    api = bureau.api
    unit = bureau.unit(SPARE)
    token = bureau.token(SPARE, new_password="Reset#2026")
    auth = {"Authorization": f"Bearer {token}"}
    key = {**bureau.demo_headers, "Idempotency-Key": uuid.uuid4().hex}
    verify = f"{api}/units/{SPARE}/verify"
    changes = f"{api}/demo/units/{SPARE}/changes"
    # A keyed call of the unit, answered and kept: the key cannot carry another body.
    assert httpx.post(changes, json={"count": 1, "seed": 1}, headers=key, timeout=10).status_code == 200
    reused = httpx.post(changes, json={"count": 1, "seed": 2}, headers=key, timeout=10)
    assert reused.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
    for _ in range(5):
        httpx.post(verify, json={"password": "000000"}, timeout=10)
    assert httpx.post(verify, json={"password": "Reset#2026"}, timeout=10).status_code == 423

    assert httpx.post(f"{api}/demo/units/{SPARE}/reset", timeout=10).status_code == 403
    bureau.reset_unit(SPARE)
    session = httpx.post(f"{api}/sessions", json={"unit_id": SPARE, "password": unit["password"]}, timeout=10)
    assert session.status_code == 200 and session.json()["must_change_password"] is True
    assert httpx.get(f"{api}/units/{SPARE}/profile", headers=auth, timeout=10).json()["code"] == "TOKEN_INVALID"
    # The unit's idempotency records went: the key is free again.
    again = httpx.post(changes, json={"count": 1, "seed": 2}, headers=key, timeout=10)
    assert again.status_code == 200 and "Idempotent-Replayed" not in again.headers
    bureau.reset_unit(SPARE)


def test_logged_in_gives_a_working_workbench_in_one_line(logged_in, bureau):
    wb = logged_in(SPARE)
    assert wb.employer.unit_info.profile()["纳税人识别号"] == bureau.unit(SPARE)["taxpayer_id"]
    assert not wb.login(SPARE, "Test#2026").must_change_password
