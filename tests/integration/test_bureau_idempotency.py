"""Idempotency keys (contracts: wire): a repeated key gets the first answer, the work is done once."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx

ROSTER_SPARE = "U000016"  # tests/integration/test_bureau_api.py's area


def _cursor(bureau, headers) -> int:
    return httpx.get(f"{bureau.api}/units/{ROSTER_SPARE}/employees", params={"size": 1}, headers=headers,
                     timeout=10).json()["cursor"]


def test_a_repeated_key_replays_the_first_answer_and_changes_once(bureau):
    auth = {"Authorization": f"Bearer {bureau.token(ROSTER_SPARE)}"}
    url = f"{bureau.api}/demo/units/{ROSTER_SPARE}/changes"
    try:
        before = _cursor(bureau, auth)
        headers = {**bureau.demo_headers, "Idempotency-Key": uuid.uuid4().hex}
        first = httpx.post(url, json={"count": 3, "seed": 11}, headers=headers, timeout=30)
        assert first.status_code == 200 and len(first.json()["changed"]) == 3
        moved = _cursor(bureau, auth)
        assert moved > before
        again = httpx.post(url, json={"count": 3, "seed": 11}, headers=headers, timeout=30)
        assert again.status_code == 200 and again.content == first.content
        assert again.headers["Idempotent-Replayed"] == "true"
        assert _cursor(bureau, auth) == moved, "the replay changed nobody"

        reused = httpx.post(url, json={"count": 4, "seed": 11}, headers=headers, timeout=30)
        assert reused.status_code == 422 and reused.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
        assert _cursor(bureau, auth) == moved

        # Without a key, or with a new one, the work is done again.
        fresh = {**bureau.demo_headers, "Idempotency-Key": uuid.uuid4().hex}
        assert httpx.post(url, json={"count": 3, "seed": 11}, headers=fresh, timeout=30).status_code == 200
        assert _cursor(bureau, auth) > moved
    finally:
        bureau.reset_password(ROSTER_SPARE)


def test_parallel_calls_with_one_key_do_the_work_once(bureau):
    auth = {"Authorization": f"Bearer {bureau.token(ROSTER_SPARE)}"}
    url = f"{bureau.api}/demo/units/{ROSTER_SPARE}/changes"
    headers = {**bureau.demo_headers, "Idempotency-Key": uuid.uuid4().hex}
    try:
        before = _cursor(bureau, auth)
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(
                lambda _: httpx.post(url, json={"count": 2, "seed": 5}, headers=headers, timeout=30), range(8)))
        assert {a.status_code for a in answers} == {200}
        assert len({a.content for a in answers}) == 1
        assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers) == 7
        # One change of 2 employees: exactly 2 employees changed after the old cursor.
        changed = httpx.get(f"{bureau.api}/units/{ROSTER_SPARE}/employees", params={"since": before},
                            headers=auth, timeout=10).json()
        assert changed["total"] == 2
    finally:
        bureau.reset_password(ROSTER_SPARE)


def test_a_malformed_key_is_refused(bureau):
    resp = httpx.post(f"{bureau.api}/units/U000011/verify", json={"password": "1"},
                      headers={"Idempotency-Key": "has space"}, timeout=10)
    assert resp.status_code == 400 and resp.json()["code"] == "VALIDATION"


def test_password_checks_are_never_kept(bureau):
    unit = bureau.unit("U000011")
    bureau.reset_unit("U000011")
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    body = {"unit_id": "U000011", "password": unit["password"]}
    try:
        first = httpx.post(f"{bureau.api}/sessions", json=body, headers=headers, timeout=10)
        second = httpx.post(f"{bureau.api}/sessions", json=body, headers=headers, timeout=10)
        assert first.status_code == second.status_code == 200
        assert "Idempotent-Replayed" not in second.headers
        assert first.json()["token"] != second.json()["token"]
        # A wrong password with one key, twice: both compared and counted (nothing replayed).
        wrong = {"Idempotency-Key": uuid.uuid4().hex}
        url = f"{bureau.api}/units/U000011/verify"
        messages = [httpx.post(url, json={"password": "000000"}, headers=wrong, timeout=10).json()["message"]
                    for _ in range(2)]
        assert "还可尝试4次" in messages[0] and "还可尝试3次" in messages[1]
    finally:
        bureau.reset_unit("U000011")
