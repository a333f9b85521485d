"""The gateway's one place of error translation, and its retries, with httpx's MockTransport."""

import httpx
import pytest

from sbflib.errors import AuthError, BureauError, ConnectionFailed
from sbflib.gateway.client import BureauClient


def client_for(handler, **kwargs):
    kwargs.setdefault("sleep", lambda seconds: None)
    return BureauClient("http://bureau.test", transport=httpx.MockTransport(handler), **kwargs)


def test_a_refusal_keeps_the_bureaus_code_and_chinese_message():
    def handler(request):
        return httpx.Response(404, json={"code": "TAXPAYER_NOT_FOUND", "message": "未查询到该纳税人识别号的社保费登记信息"})

    with pytest.raises(BureauError) as refused:
        client_for(handler).units.of_taxpayer("91330100MA27000001", "employer")
    assert refused.value.code == "TAXPAYER_NOT_FOUND"
    assert str(refused.value) == "未查询到该纳税人识别号的社保费登记信息"
    assert refused.value.status == 404


def test_password_and_session_refusals_are_auth_errors():
    def handler(request):
        return httpx.Response(423, json={"code": "UNIT_LOCKED", "message": "该单位已锁定至2026-11-26 21:05:00"})

    with pytest.raises(AuthError) as locked:
        client_for(handler).session.create("U1", "123400")
    assert locked.value.code == "UNIT_LOCKED"


def test_a_body_without_message_still_says_something_in_chinese():
    with pytest.raises(BureauError, match="请稍后重试") as failed:
        client_for(lambda r: httpx.Response(502, text="bad gateway"), retries=1).reference.regions()
    assert "HTTP 502" in failed.value.detail and "bad gateway" in failed.value.detail


def test_reads_are_retried_after_a_server_error():
    calls = []

    def handler(request):
        calls.append(request.url.path)
        if len(calls) < 3:
            return httpx.Response(503, json={"code": "BUSY", "message": "服务繁忙"})
        return httpx.Response(200, json=[{"code": "330100", "name": "浙江省杭州市"}])

    assert client_for(handler).reference.regions()[0].code == "330100"
    assert len(calls) == 3


def test_a_password_check_is_never_retried():
    calls = []

    def handler(request):
        calls.append(1)
        return httpx.Response(503, json={"code": "BUSY", "message": "服务繁忙"})

    with pytest.raises(BureauError):
        client_for(handler).units.verify("U1", "123400")
    assert calls == [1]  # each try counts towards the lock, so the client does not repeat it


def test_an_unreachable_bureau_is_a_connection_failure():
    def handler(request):
        raise httpx.ConnectError("connection refused")

    with pytest.raises(ConnectionFailed, match="无法连接税务局服务") as failed:
        client_for(handler, retries=2).reference.health()
    assert failed.value.code == "CONNECT_FAILED"
    assert "connection refused" in failed.value.detail and "bureau.test" in failed.value.detail
    assert "connection refused" not in str(failed.value)


def test_proxy_authentication_failure_has_its_own_message():
    with pytest.raises(ConnectionFailed, match="用户名或密码"):
        client_for(lambda r: httpx.Response(407)).reference.health()


def test_the_session_token_is_sent_once_logged_in():
    seen = []

    def handler(request):
        seen.append(request.headers.get("Authorization"))
        if request.url.path.endswith("/sessions"):
            return httpx.Response(200, json={"token": "t0k", "unit_id": "U1", "must_change_password": False})
        return httpx.Response(200, json={"unit_id": "U1", "taxpayer_id": "T", "name": "N", "module": "employer",
                                         "region": "330100", "tax_authority": "", "tax_office": "", "unit_numbers": []})

    client = client_for(handler)
    client.session.create("U1", "pw")
    client.units.registration("U1")
    assert seen == [None, "Bearer t0k"]


@pytest.mark.parametrize(
    ("raised", "code", "words"),
    [
        (httpx.ConnectError("[Errno 111] Connection refused"), "CONNECT_FAILED", "无法连接税务局服务"),
        (httpx.ReadTimeout("timed out"), "TIMEOUT", "没有响应"),
        (httpx.ConnectTimeout("timed out"), "TIMEOUT", "没有响应"),
        (httpx.ProxyError("socks handshake failed"), "PROXY_FAILED", "代理服务器"),
        (httpx.RemoteProtocolError("Server disconnected without sending a response."), "DISCONNECTED", "连接中断"),
    ],
)
def test_the_error_table_gives_chinese_messages_and_keeps_the_technical_text_in_detail(raised, code, words):
    def handler(request):
        raise raised

    with pytest.raises(ConnectionFailed) as failed:
        client_for(handler, retries=1).reference.regions()
    error = failed.value
    assert error.code == code and words in str(error)
    assert not any(c.isascii() and c.isalpha() for c in str(error).replace("http", ""))  # no English on screen
    assert str(raised) in error.detail and "bureau.test" in error.detail


def test_an_answer_that_is_not_json_is_a_chinese_error():
    with pytest.raises(ConnectionFailed, match="无法识别") as failed:
        client_for(lambda r: httpx.Response(200, text="<html>portal login</html>")).reference.regions()
    assert failed.value.code == "BAD_RESPONSE"
