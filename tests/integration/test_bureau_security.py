"""The bureau under attack and careless use (issue 7): parallel password guessing, sessions after a
password change, demo secret, input bounds. Real HTTP against the session's bureau.

Spare units used here belong to tests/integration/test_bureau_api.py's area (U000011, U000014,
U000016); each test resets the unit it uses first and last.
"""

from __future__ import annotations

import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

LOCK_SPARE = "U000011"
LOGIN_SPARE = "U000014"


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _parallel_tries(bureau, path: str, bodies: list[dict]) -> list[httpx.Response]:
    def one(body: dict) -> httpx.Response:
        return httpx.post(f"{bureau.api}{path}", json=body, timeout=60)

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(one, bodies))


@pytest.mark.parametrize("tries", [20, 100])
@pytest.mark.parametrize("call", ["sessions", "verify"])
def test_parallel_guesses_get_at_most_five_comparisons(bureau, tries, call):
    bureau.reset_password(LOCK_SPARE)
    right = bureau.unit(LOCK_SPARE)["password"]
    path = "/sessions" if call == "sessions" else f"/units/{LOCK_SPARE}/verify"

    def body(pw: str) -> dict:
        return {"unit_id": LOCK_SPARE, "password": pw} if call == "sessions" else {"password": pw}

    # The right password sits in the middle of the wrong ones.
    bodies = [body(f"{900000 + n}") for n in range(tries - 1)]
    bodies.insert(tries // 2, body(right))
    try:
        answers = _parallel_tries(bureau, path, bodies)
        codes = Counter("OK" if r.status_code == 200 else r.json()["code"] for r in answers)
        compared = codes["OK"] + codes["PASSWORD_WRONG"]
        assert set(codes) <= {"OK", "PASSWORD_WRONG", "UNIT_LOCKED"}, codes
        assert compared <= 5, codes
        assert codes["UNIT_LOCKED"] >= tries - 5
        print(f"{tries} parallel {call}: {dict(codes)}")
        # Whatever happened in the burst, the unit is locked now, the right password included,
        # unless the right one matched before the fifth wrong one (then fewer than 5 were wrong).
        if codes["PASSWORD_WRONG"] == 5 or codes["OK"] == 0:
            after = httpx.post(f"{bureau.api}{path}", json=body(right), timeout=10)
            assert after.status_code == 423 and after.json()["code"] == "UNIT_LOCKED", after.text
    finally:
        bureau.reset_password(LOCK_SPARE)


def test_the_right_password_after_a_parallel_burst_of_wrong_ones_meets_the_lock(bureau):
    bureau.reset_password(LOCK_SPARE)
    right = bureau.unit(LOCK_SPARE)["password"]
    try:
        answers = _parallel_tries(bureau, "/sessions",
                                  [{"unit_id": LOCK_SPARE, "password": f"{800000 + n}"} for n in range(100)])
        codes = Counter(r.json()["code"] for r in answers)
        assert codes == {"PASSWORD_WRONG": 5, "UNIT_LOCKED": 95}, codes
        after = httpx.post(f"{bureau.api}/sessions", json={"unit_id": LOCK_SPARE, "password": right}, timeout=10)
        assert after.status_code == 423 and after.json()["code"] == "UNIT_LOCKED"
        verify = httpx.post(f"{bureau.api}/units/{LOCK_SPARE}/verify", json={"password": right}, timeout=10)
        assert verify.status_code == 423 and verify.json()["code"] == "UNIT_LOCKED"
    finally:
        bureau.reset_password(LOCK_SPARE)


def test_a_wrong_password_says_where_a_forgotten_one_is_reset(bureau):
    bureau.reset_password(LOCK_SPARE)
    try:
        resp = httpx.post(f"{bureau.api}/units/{LOCK_SPARE}/verify", json={"password": "000000"}, timeout=10)
        message = resp.json()["message"]
        assert resp.status_code == 401 and "还可尝试4次" in message
        assert re.search("忘记申报密码.*办税服务厅重置", message)
    finally:
        bureau.reset_password(LOCK_SPARE)


def test_changing_the_password_ends_the_units_other_sessions(bureau):
    token = bureau.token(LOGIN_SPARE, new_password="First#2026")
    try:
        other = httpx.post(f"{bureau.api}/sessions", json={"unit_id": LOGIN_SPARE, "password": "First#2026"},
                           timeout=10).json()["token"]
        profile = f"{bureau.api}/units/{LOGIN_SPARE}/profile"
        assert httpx.get(profile, headers=_auth(other), timeout=10).status_code == 200
        changed = httpx.put(f"{bureau.api}/units/{LOGIN_SPARE}/password", headers=_auth(token), timeout=10,
                            json={"old_password": "First#2026", "new_password": "Second#2026"})
        assert changed.status_code == 200, changed.text
        gone = httpx.get(profile, headers=_auth(other), timeout=10)
        assert gone.status_code == 401 and gone.json()["code"] == "TOKEN_INVALID"
        # The caller's own session goes on.
        assert httpx.get(profile, headers=_auth(token), timeout=10).status_code == 200
    finally:
        bureau.reset_password(LOGIN_SPARE)
