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
        assert set(codes) <= {"OK", "PASSWORD_WRONG", "UNIT_LOCKED"}, codes
        print(f"{tries} parallel {call}: {dict(codes)}")
        # At most five guesses are compared per lock window; the one right password may be
        # compared besides them (it is no guess), and never clears the count of the burst.
        assert codes["PASSWORD_WRONG"] == 5, codes
        assert codes["OK"] <= 1, codes
        assert codes["UNIT_LOCKED"] == tries - 5 - codes["OK"]
        # Whatever the order in the burst, the unit is locked now, the right password included.
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


ROSTER_SPARE = "U000016"


def _shape(resp: httpx.Response, status: int | None = None) -> dict:
    assert 400 <= resp.status_code < 500, (resp.status_code, resp.text)
    if status is not None:
        assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"code", "message"} and re.search(r"[\u4e00-\u9fff]", body["message"])
    return body


def test_a_lone_surrogate_is_refused_with_the_error_shape(bureau):
    api = bureau.api
    for method, url in [("POST", "/units/%ED%A0%80/verify"), ("GET", "/units/%ED%A0%80/registration"),
                        ("GET", "/taxpayers/%ED%A0%80/units"), ("GET", "/notices?region=%ED%A0%80"),
                        ("GET", "/rules?region=%ED%A0%80"), ("POST", "/demo/units/%ED%A0%80/changes")]:
        _shape(httpx.request(method, api + url, json={"password": "1"}, timeout=10))
    raw = {"content-type": "application/json"}
    for url, body in [("/sessions", b'{"unit_id": "\\ud800", "password": "1"}'),
                      ("/sessions", b'{"unit_id": "U000011", "password": "\\ud800"}'),
                      ("/units/U000011/verify", b'{"password": "\\udfff"}')]:
        assert _shape(httpx.post(api + url, content=body, headers=raw, timeout=10), 422)["code"] == "VALIDATION"


def test_integer_parameters_are_bounded_and_a_cursor_ahead_is_refused(bureau):
    headers = _auth(bureau.token(ROSTER_SPARE))
    employees = f"{bureau.api}/units/{ROSTER_SPARE}/employees"
    try:
        for params in ({"page": 2**62}, {"page": 1_000_001}, {"size": 10_001}, {"since": 2**62}, {"page": -1}):
            _shape(httpx.get(employees, params=params, headers=headers, timeout=10), 422)
        far = httpx.get(employees, params={"page": 1_000_000, "size": 5000}, headers=headers, timeout=10)
        assert far.status_code == 200 and far.json()["employees"] == []
        cursor = httpx.get(employees, params={"size": 1}, headers=headers, timeout=10).json()["cursor"]
        for url in (employees, f"{bureau.api}/units/{ROSTER_SPARE}/roster"):
            ahead = httpx.get(url, params={"since": cursor + 1}, headers=headers, timeout=10)
            assert _shape(ahead, 400)["code"] == "CURSOR_AHEAD"
            assert httpx.get(url, params={"since": cursor}, headers=headers, timeout=10).status_code == 200
        changes = f"{bureau.api}/demo/units/{ROSTER_SPARE}/changes"
        for body in ({"count": 100_001}, {"count": 0}, {"count": 1, "seed": -1}, {"count": 1, "seed": 2**62}):
            _shape(httpx.post(changes, json=body, headers=bureau.demo_headers, timeout=10), 422)
    finally:
        bureau.reset_password(ROSTER_SPARE)


def test_bodies_over_one_megabyte_are_refused_unread(bureau):
    big = b'{"password": "' + b"1" * 1_100_000 + b'"}'
    url = f"{bureau.api}/units/{LOCK_SPARE}/verify"
    announced = httpx.post(url, content=big, headers={"content-type": "application/json"}, timeout=10)
    assert _shape(announced, 413)["code"] == "BODY_TOO_LARGE"

    def chunks():
        for start in range(0, len(big), 65536):
            yield big[start:start + 65536]

    streamed = httpx.post(url, content=chunks(), headers={"content-type": "application/json"}, timeout=10)
    assert _shape(streamed, 413)["code"] == "BODY_TOO_LARGE"
    # Also when the idempotency layer reads the body itself (a keyed call).
    keyed = httpx.post(url, content=chunks(), timeout=10,
                       headers={"content-type": "application/json", "Idempotency-Key": "k413"})
    assert _shape(keyed, 413)["code"] == "BODY_TOO_LARGE"
    # A body under the limit is read as usual (and counted as a wrong try, so reset after).
    try:
        small = httpx.post(url, json={"password": "1" * 100}, timeout=10)
        assert small.status_code == 401
    finally:
        bureau.reset_password(LOCK_SPARE)


def test_logging_out_with_an_unknown_token_is_refused(bureau):
    for token in ("nonsense", "x" * 43):
        resp = httpx.delete(f"{bureau.api}/sessions", headers=_auth(token), timeout=10)
        assert _shape(resp, 401)["code"] == "TOKEN_INVALID"
    token = bureau.token(LOGIN_SPARE)
    try:
        assert httpx.delete(f"{bureau.api}/sessions", headers=_auth(token), timeout=10).status_code == 204
        again = httpx.delete(f"{bureau.api}/sessions", headers=_auth(token), timeout=10)
        assert _shape(again, 401)["code"] == "TOKEN_INVALID"
    finally:
        bureau.reset_password(LOGIN_SPARE)


def test_rule_files_are_listed_for_known_regions_only(bureau):
    for region in ("*", "3301*", "[34]*", "..", "999999"):
        resp = httpx.get(f"{bureau.api}/rules", params={"region": region}, timeout=10)
        assert _shape(resp, 404)["code"] == "REGION_NOT_FOUND"
    names = [r["name"] for r in httpx.get(f"{bureau.api}/rules", params={"region": "330100"}, timeout=10).json()]
    assert names and all(not n.startswith("440300") for n in names)
    assert _shape(httpx.get(f"{bureau.api}/rules/*/contribution-2026.json", timeout=10), 404)["code"] == \
        "REGION_NOT_FOUND"
