"""Fault injection (demo, contracts: wire): drop, delay and fail, by path prefix, method and times."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest

ROSTER_SPARE = "U000016"  # tests/integration/test_bureau_api.py's area


@pytest.fixture
def faults(bureau):
    url = f"{bureau.api}/demo/faults"

    def plan(**fault):
        resp = httpx.post(url, json=fault, headers=bureau.demo_headers, timeout=10)
        assert resp.status_code == 200, resp.text
        return resp.json()

    yield plan
    httpx.delete(url, headers=bureau.demo_headers, timeout=10).raise_for_status()


def test_faults_need_the_demo_secret(bureau):
    url = f"{bureau.api}/demo/faults"
    resp = httpx.post(url, json={"path_prefix": "/", "mode": "fail"}, timeout=10)
    assert resp.status_code == 403 and resp.json()["code"] == "DEMO_SECRET_REQUIRED"
    assert httpx.delete(url, timeout=10).status_code == 403
    bad = httpx.post(url, json={"path_prefix": "/", "mode": "explode"}, headers=bureau.demo_headers, timeout=10)
    assert bad.status_code == 422


def test_fail_answers_503_the_given_number_of_times_for_the_method(bureau, faults):
    health = f"{bureau.api}/health"
    planned = faults(path_prefix="/api/v1/health", method="GET", mode="fail", times=2)
    assert planned["faults"][0]["times"] == 2
    faults(path_prefix="/api/v1/health", method="POST", mode="fail", times=1)
    for _ in range(2):
        resp = httpx.get(health, timeout=5)
        assert resp.status_code == 503 and resp.json()["code"] == "SERVICE_UNAVAILABLE"
    assert httpx.get(health, timeout=5).status_code == 200
    assert httpx.get(f"{bureau.api}/regions", timeout=5).status_code == 200, "other paths are untouched"


def test_delay_waits_before_handling(bureau, faults):
    url = f"{bureau.api}/client-version"
    faults(path_prefix="/api/v1/client-version", mode="delay", seconds=1.5)
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(url, timeout=0.5)
    faults(path_prefix="/api/v1/client-version", mode="delay", seconds=0.6)
    started = time.monotonic()
    assert httpx.get(url, timeout=5).status_code == 200
    assert time.monotonic() - started >= 0.6
    started = time.monotonic()
    assert httpx.get(url, timeout=5).status_code == 200 and time.monotonic() - started < 0.5


def test_drop_does_the_work_and_a_retry_with_the_same_key_gets_the_first_answer(bureau, faults):
    auth = {"Authorization": f"Bearer {bureau.token(ROSTER_SPARE)}"}
    employees = f"{bureau.api}/units/{ROSTER_SPARE}/employees"
    changes = f"{bureau.api}/demo/units/{ROSTER_SPARE}/changes"
    try:
        before = httpx.get(employees, params={"size": 1}, headers=auth, timeout=10).json()["cursor"]
        faults(path_prefix=f"/api/v1/demo/units/{ROSTER_SPARE}/changes", method="POST", mode="drop", seconds=5)
        headers = {**bureau.demo_headers, "Idempotency-Key": uuid.uuid4().hex}
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(changes, json={"count": 2, "seed": 9}, headers=headers, timeout=1)
        after = httpx.get(employees, params={"size": 1}, headers=auth, timeout=10).json()["cursor"]
        assert after > before, "the dropped call did its work"
        moved = httpx.get(employees, params={"since": before}, headers=auth, timeout=10).json()["total"]
        assert moved == 2
        retry = httpx.post(changes, json={"count": 2, "seed": 9}, headers=headers, timeout=10)
        assert retry.status_code == 200 and retry.headers["Idempotent-Replayed"] == "true"
        assert len(retry.json()["changed"]) == 2
        assert httpx.get(employees, params={"size": 1}, headers=auth, timeout=10).json()["cursor"] == after
    finally:
        bureau.reset_password(ROSTER_SPARE)


def test_delete_clears_every_fault(bureau, faults):
    faults(path_prefix="/api/v1/regions", mode="fail", times=100)
    cleared = httpx.delete(f"{bureau.api}/demo/faults", headers=bureau.demo_headers, timeout=10).json()
    assert cleared == {"cleared": 1}
    assert httpx.get(f"{bureau.api}/regions", timeout=5).status_code == 200
