"""Retries, idempotency keys and the deadline budget of the gateway, with httpx's MockTransport and
an injected clock and sleep (nothing here waits)."""

import httpx
import pytest

from sbflib.errors import AuthError, ConnectionFailed
from sbflib.gateway.client import BureauClient
from sbflib.gateway.http import DEFAULT_DEADLINE, DEFAULT_RETRIES, DEFAULT_TIMEOUT


class FakeTime:
    """A clock that only moves when the client sleeps or a fake request 'waits'."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def client_for(handler, fake=None, **kwargs):
    fake = fake or FakeTime()
    return BureauClient("http://bureau.test", transport=httpx.MockTransport(handler),
                        sleep=fake.sleep, clock=fake.clock, **kwargs)


def test_a_change_carries_an_idempotency_key_that_its_retries_reuse():
    keys = []

    def handler(request):
        keys.append(request.headers.get("Idempotency-Key"))
        if len(keys) == 1:
            raise httpx.ReadTimeout("response lost", request=request)
        if len(keys) == 2:
            return httpx.Response(503, json={"code": "BUSY", "message": "服务繁忙"})
        return httpx.Response(200, json={"changed": ["E1"]})

    client = client_for(handler, demo_secret="s")
    assert client.demo.change_employees("U000004", 1) == ["E1"]
    assert len(keys) == 3 and keys[0] and len(set(keys)) == 1  # one logical call, one key
    assert len(keys[0]) == 32 and int(keys[0], 16) >= 0  # uuid4 hex

    client.demo.change_employees("U000004", 1)
    assert keys[-1] != keys[0]  # the next logical call has its own key


def test_reads_carry_no_idempotency_key():
    seen = []

    def handler(request):
        seen.append(request.headers.get("Idempotency-Key"))
        return httpx.Response(200, json=[])

    client_for(handler).reference.regions()
    assert seen == [None]


@pytest.mark.parametrize("call", ["verify", "session", "password"])
def test_password_checks_carry_a_key_and_are_never_retried(call):
    requests = []

    def handler(request):
        requests.append(request)
        raise httpx.ReadTimeout("no answer", request=request)

    client = client_for(handler)
    with pytest.raises(ConnectionFailed):
        if call == "verify":
            client.units.verify("U000001", "123400")
        elif call == "session":
            client.session.create("U000001", "123400")
        else:
            client.session.change_password("U000001", "123400", "Abc#2026")
    assert len(requests) == 1
    assert requests[0].headers.get("Idempotency-Key")


def test_a_change_refused_by_the_bureau_is_not_retried():
    calls = []

    def handler(request):
        calls.append(1)
        return httpx.Response(401, json={"code": "TOKEN_INVALID", "message": "登录已失效，请重新登录"})

    with pytest.raises(AuthError):
        client_for(handler, demo_secret="s").demo.change_employees("U000004", 1)
    assert calls == [1]


def test_the_back_off_is_injectable_and_used_between_attempts():
    fake = FakeTime()
    calls = []

    def handler(request):
        calls.append(1)
        return httpx.Response(503, json={"code": "BUSY", "message": "服务繁忙"})

    with pytest.raises(Exception, match="服务繁忙"):
        client_for(handler, fake, backoff=lambda attempt: 0.25 * (attempt + 1)).reference.regions()
    assert len(calls) == 3 and fake.sleeps == [0.25, 0.5]


def test_the_default_budget_of_a_hung_bureau_stays_within_35_seconds():
    """Every attempt waits its full timeout (as against a bureau that never answers): the defaults
    give up, in Chinese, within 35 s of the first try."""
    fake = FakeTime()
    attempts = []

    def handler(request):
        waited = request.extensions["timeout"]["read"]
        attempts.append(waited)
        fake.now += waited
        raise httpx.ReadTimeout("timed out", request=request)

    start = fake.now
    with pytest.raises(ConnectionFailed, match="没有响应") as failed:
        client_for(handler, fake).reference.regions()
    assert failed.value.code == "TIMEOUT"
    assert fake.now - start <= 35.0
    assert len(attempts) == DEFAULT_RETRIES and attempts[0] == DEFAULT_TIMEOUT
    assert DEFAULT_DEADLINE <= 35.0


def test_a_short_deadline_given_to_the_client_bounds_all_attempts():
    fake = FakeTime()

    def handler(request):
        fake.now += request.extensions["timeout"]["read"]
        raise httpx.ReadTimeout("timed out", request=request)

    start = fake.now
    with pytest.raises(ConnectionFailed):
        client_for(handler, fake, deadline=3.0, timeout=2.0).reference.regions()
    assert fake.now - start <= 3.0 + 1e-9


def test_a_refused_connection_asks_where_the_bureau_went_and_retries_there_once():
    seen = []

    def handler(request):
        seen.append((request.url.host, request.headers.get("Idempotency-Key")))
        if request.url.host == "old.test":
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(200, json={"changed": ["E9"]})

    moves = []

    def relocate():
        moves.append(1)
        return "http://new.test"

    fake = FakeTime()
    client = BureauClient("http://old.test", transport=httpx.MockTransport(handler), sleep=fake.sleep,
                          clock=fake.clock, relocate=relocate, demo_secret="s")
    assert client.demo.change_employees("U000004", 1) == ["E9"]
    assert moves == [1] and client.base_url == "http://new.test"
    assert [h for h, _ in seen] == ["old.test", "new.test"]  # no pointless retries at the dead port
    assert seen[0][1] == seen[1][1]  # the same logical call, the same key
    assert fake.sleeps == []


def test_a_hung_bureau_fails_a_whole_roster_download_within_35_seconds_too():
    """The roster's longer deadline is for a slow stream, not for a bureau that sends nothing."""
    fake = FakeTime()

    def handler(request):
        fake.now += request.extensions["timeout"]["read"]
        raise httpx.ReadTimeout("timed out", request=request)

    start = fake.now
    with pytest.raises(ConnectionFailed):
        client_for(handler, fake).roster.batch("U000001")
    assert fake.now - start <= 35.0


def test_a_bulk_read_waits_longer_per_attempt_than_an_ordinary_call():
    """A loaded bureau may take more than 10 s to the first byte of 100,000 employees' lines; the
    bulk policy gives each attempt 30 s instead of retrying a read that was nearly done."""
    from sbflib.gateway.http import BULK, BULK_TIMEOUT, CallPolicy

    waits = []

    def handler(request):
        waits.append(request.extensions["timeout"]["read"])
        return httpx.Response(200, json={})

    client = client_for(handler)
    client._http.request("GET", "/ping")
    client._http.request("GET", "/ping", policy=BULK)
    client._http.request("GET", "/ping", policy=CallPolicy(timeout=3.0))
    assert waits == [DEFAULT_TIMEOUT, BULK_TIMEOUT, 3.0]
    assert BULK_TIMEOUT > DEFAULT_TIMEOUT
