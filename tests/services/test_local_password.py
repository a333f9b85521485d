"""登录密码设置: only a slow hash is kept, a wrong password opens nothing, tries are rate-limited,
and `sbflib.open()` is guarded (argument or $SBF_LOCAL_PASSWORD)."""

from __future__ import annotations

import json

import pytest

import sbflib
from sbflib.errors import AuthError, StateError, ValidationError
from sbflib.store.db import Store
from sbflib.system import local_password as lp
from sbflib.system.local_password import LocalPasswordService

SECRET = "本地密码abc123"


def _service(tmp_path, **kw) -> LocalPasswordService:
    return LocalPasswordService(Store(tmp_path / "client" / "sbf.duckdb"), **kw)


def test_only_a_scrypt_hash_is_kept(tmp_path):
    service = _service(tmp_path)
    assert not service.is_set() and not service.locked
    service.set(SECRET, SECRET)
    with service.store.read() as con:
        rows = con.execute("SELECT key, value FROM settings").fetchall()
    text = json.dumps(rows, ensure_ascii=False)
    assert SECRET not in text and "abc123" not in text
    record = json.loads(dict(rows)[lp.KEY])
    assert record["kdf"] == "scrypt" and record["n"] >= 2**14 and len(record["salt"]) >= 16
    assert lp.matches(record, SECRET) and not lp.matches(record, SECRET + "x")
    # the same password twice gives two different hashes (a fresh salt each time)
    assert lp.make_hash(SECRET)["hash"] != lp.make_hash(SECRET)["hash"]


def test_a_new_workbench_of_the_folder_is_locked_until_given_the_password(tmp_path):
    _service(tmp_path).set(SECRET, SECRET)
    other = _service(tmp_path)
    assert other.locked
    with pytest.raises(AuthError, match="登录密码错误"):
        other.unlock("wrong-password")
    assert other.locked
    with pytest.raises(AuthError, match="请输入登录密码"):
        other.unlock("")
    other.unlock(SECRET)
    assert not other.locked


def test_set_change_remove(tmp_path):
    service = _service(tmp_path)
    with pytest.raises(ValidationError, match="两次输入的新密码不一致"):
        service.set(SECRET, SECRET + "1")
    with pytest.raises(ValidationError, match="长度"):
        service.set("12345", "12345")
    service.set(SECRET, SECRET)
    with pytest.raises(StateError):
        service.set("another1", "another1")
    with pytest.raises(AuthError, match="原登录密码错误"):
        service.change("not-it-1", "another1", "another1")
    with pytest.raises(ValidationError, match="请输入原登录密码"):
        service.change("", "another1", "another1")
    service.change(SECRET, "another1", "another1")
    fresh = _service(tmp_path)
    with pytest.raises(AuthError):
        fresh.unlock(SECRET)
    fresh.unlock("another1")
    with pytest.raises(AuthError):
        service.remove(SECRET)
    service.remove("another1")
    assert not _service(tmp_path).is_set() and not _service(tmp_path).locked


def test_wrong_tries_are_rate_limited_and_shared_by_the_folder(tmp_path):
    now = [1000.0]
    service = _service(tmp_path, clock=lambda: now[0])
    service.set(SECRET, SECRET)
    other = _service(tmp_path, clock=lambda: now[0])  # another window of the same folder
    for i in range(lp.FREE_TRIES):
        with pytest.raises(AuthError) as wrong:
            (service if i % 2 else other).unlock(f"wrong-{i}")
        assert wrong.value.code == "LOCAL_PASSWORD_WRONG"
    with pytest.raises(AuthError) as waiting:
        other.unlock(SECRET)  # even the right password waits
    assert waiting.value.code == "LOCAL_PASSWORD_LOCKED" and "秒后再试" in waiting.value.message
    now[0] += lp.FIRST_WAIT_S + 1
    other.unlock(SECRET)
    with service.store.read() as con:
        assert json.loads(con.execute("SELECT value FROM settings WHERE key = ?", [lp.TRIES_KEY]).fetchall()[0][0])[
            "failures"] == 0


def test_sbflib_open_is_guarded(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    monkeypatch.delenv(lp.ENV, raising=False)
    _service(folder).set(SECRET, SECRET)
    opened = []
    monkeypatch.setattr("sbflib.workbench.Workbench", lambda *a, **k: opened.append(a) or pytest.fail("opened"))
    with pytest.raises(AuthError, match="请输入登录密码"):
        sbflib.open(folder, gateway_url="http://bureau.test")
    with pytest.raises(AuthError, match="登录密码错误"):
        sbflib.open(folder, gateway_url="http://bureau.test", password="wrong-password")
    monkeypatch.setenv(lp.ENV, "wrong-again")
    with pytest.raises(AuthError):
        sbflib.open(folder, gateway_url="http://bureau.test")
    assert opened == []  # nothing was opened: no workbench, no bureau, no data


def test_sbflib_open_with_the_password_or_the_environment(tmp_path, monkeypatch):
    from sbflib.workbench import open_workbench

    folder = tmp_path / "data"
    _service(folder).set(SECRET, SECRET)
    monkeypatch.delenv(lp.ENV, raising=False)
    wb = open_workbench(folder, gateway_url="http://127.0.0.1:9", password=SECRET)
    try:
        assert not wb.local_password.locked
    finally:
        wb.close()
    monkeypatch.setenv(lp.ENV, SECRET)
    wb = sbflib.open(folder, gateway_url="http://127.0.0.1:9")
    try:
        assert not wb.local_password.locked
    finally:
        wb.close()
    monkeypatch.delenv(lp.ENV)
    wb = sbflib.open(folder, gateway_url="http://127.0.0.1:9", locked=True)
    try:
        assert wb.local_password.locked
        wb.local_password.unlock(SECRET)
        assert not wb.local_password.locked
    finally:
        wb.close()
