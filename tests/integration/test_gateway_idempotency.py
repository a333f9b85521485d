"""A state-changing call whose answer is lost is retried with the same Idempotency-Key, and the
real bureau answers the retry with its first answer without doing the work again (its fault
injection drops the first response)."""

import httpx

from sbflib.errors import AuthError, ConnectionFailed
from sbflib.gateway.client import BureauClient
from sbflib.gateway.http import deadline_transport

UNIT = "U000012"  # a spare of the client integration tests


class Recording(httpx.BaseTransport):
    def __init__(self, inner):
        self.inner = inner
        self.requests = []

    def handle_request(self, request):
        self.requests.append(request)
        return self.inner.handle_request(request)

    def close(self):
        self.inner.close()


def _client(bureau, token, **settings):
    recording = Recording(deadline_transport(None))
    client = BureauClient(bureau.url, transport=recording, demo_secret=bureau.demo_secret, **settings)
    client.token = token
    return client, recording


def test_a_dropped_answer_is_retried_with_the_same_key_and_the_change_is_applied_once(bureau, logged_in):
    wb = logged_in(UNIT)
    client, recording = _client(bureau, wb.gateway.token, timeout=1.0, deadline=20.0, backoff=lambda attempt: 0.1)
    try:
        client.demo.change_employees(UNIT, 1, seed=101)  # a known starting cursor
        before = client.roster.employees_page(UNIT, page=1, size=1).cursor

        client.demo.inject_fault(f"/api/v1/demo/units/{UNIT}/changes", "POST", "drop", times=1, seconds=5)
        recording.requests.clear()
        changed = client.demo.change_employees(UNIT, 3, seed=202)

        posts = [r for r in recording.requests if r.method == "POST"]
        assert len(posts) == 2  # the dropped try and its retry
        assert posts[0].headers["Idempotency-Key"] == posts[1].headers["Idempotency-Key"]
        assert len(changed) == 3
        after = client.roster.employees_page(UNIT, page=1, size=1).cursor
        assert after - before == 3  # one change of 3 employees, not two
        since = client.roster.employees_page(UNIT, since=before, page=1, size=10)
        assert sorted(e["employee_id"] for e in since.employees) == sorted(changed)
    finally:
        client.demo.clear_faults()
        client.close()


def test_a_password_check_whose_answer_is_dropped_is_not_retried(bureau, logged_in):
    wb = logged_in(UNIT)
    client, recording = _client(bureau, None, timeout=1.0, deadline=20.0)
    try:
        client.demo.inject_fault(f"/api/v1/units/{UNIT}/verify", "POST", "drop", times=1, seconds=5)
        recording.requests.clear()
        try:
            client.units.verify(UNIT, "000000")
        except (ConnectionFailed, AuthError):
            pass
        assert [r.method for r in recording.requests] == ["POST"]  # one try, counted once by the bureau
    finally:
        client.demo.clear_faults()
        client.close()
        wb.close()
