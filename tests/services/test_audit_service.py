"""操作日志: every state-changing call the gateway sends is kept, once, without secrets; demo calls
are left out; the business call never waits for (or fails because of) the trail."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import httpx
import pytest

from sbflib.errors import AuthError, ConnectionFailed
from sbflib.gateway.audit import REDACTED, CallRecord, redact
from sbflib.system.audit import AuditFilter, AuditService

PASSWORD = "123400"
NEW = "Abc#2026x"


def _entries(wb) -> list[dict]:
    return wb.audit.frame().to_dict("records")


def _login(wb, fake_bureau) -> None:
    wb.choose_region(fake_bureau.region)
    wb.units.add(wb.units.verify("U000001", PASSWORD), confirmed=True)
    wb.login("U000001", PASSWORD)


def test_each_operation_kind_is_recorded_with_its_key_and_answer(offline_wb, fake_bureau):
    wb = offline_wb
    _login(wb, fake_bureau)
    wb.change_password(PASSWORD, NEW, confirm=NEW)
    wb.logout()
    rows = _entries(wb)
    ops = [r["operation"] for r in reversed(rows)]
    assert ops == ["安全认证", "登录", "修改申报密码", "退出登录"]
    sent = {r.headers["Idempotency-Key"]: f"{r.method} {r.url.path}" for r in fake_bureau.requests if r.method != "GET"}
    for row in rows:
        assert row["unit_id"] == "U000001"
        assert row["outcome"] == "成功"
        assert row["attempts"] == 1
        assert row["idempotency_key"] in sent
        assert row["unit_name"] == "杭州演示科技有限公司"
    change = next(r for r in rows if r["operation"] == "修改申报密码")
    assert change["method"] == "PUT" and change["status"] == 200
    assert json.loads(change["request"]) == {"old_password": REDACTED, "new_password": REDACTED}


def test_no_secret_reaches_the_store_or_the_journal(offline_wb, fake_bureau, tmp_path):
    wb = offline_wb
    _login(wb, fake_bureau)
    wb.change_password(PASSWORD, NEW, confirm=NEW)
    wb.audit.flush()
    dump = wb.audit.frame().to_json(force_ascii=False, date_format="iso")
    for secret in (PASSWORD, NEW, "tok-U000001"):
        assert secret not in dump
    assert REDACTED in dump
    export = wb.audit.export()
    assert export[:2] == b"PK"
    journal = Path(wb.data_dir) / "client" / "audit-pending"
    for path in journal.glob("*"):
        text = path.read_text(encoding="utf-8")
        assert PASSWORD not in text and NEW not in text


def test_redaction_by_key_name_at_any_depth():
    body = {
        "unit_id": "U1", "password": "p1", "old": "p2", "new": "p3", "confirm": "p4", "Token": "t",
        "x_sbf_demo_secret": "s", "proxy": {"password_sealed": "s2", "host": "h"},
        "lines": [{"new_wage": "1.00", "old_wage": "2.00", "密码": "p5"}], "must_change_password": True,
    }
    clean = redact(body)
    text = json.dumps(clean, ensure_ascii=False)
    for secret in ("p1", "p2", "p3", "p4", '"t"', '"s"', "s2", "p5"):
        assert secret not in text
    assert clean["unit_id"] == "U1" and clean["proxy"]["host"] == "h"
    assert clean["lines"][0]["new_wage"] == "1.00" and clean["lines"][0]["old_wage"] == "2.00"
    assert clean["must_change_password"] is True


def test_a_refused_call_is_recorded_as_failed(offline_wb, fake_bureau):
    wb = offline_wb
    wb.choose_region(fake_bureau.region)
    with pytest.raises(AuthError):
        wb.units.verify("U000001", "wrong-1")
    (row,) = _entries(wb)
    assert row["operation"] == "安全认证"
    assert row["outcome"] == "失败"
    assert row["code"] == "PASSWORD_WRONG" and row["message"] == "申报密码错误" and row["status"] == 401
    assert "wrong-1" not in json.dumps(row, default=str, ensure_ascii=False)


def test_a_retried_call_is_one_entry_with_its_key(offline_wb, fake_bureau):
    wb = offline_wb
    _login(wb, fake_bureau)
    calls = {"n": 0}

    def flaky(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] == 1:
            return httpx.Response(503)
        return httpx.Response(202, json={"filing_id": "WF000123", "status": "待反馈"})

    fake_bureau.overrides[("POST", "/units/U000001/wage-filings")] = flaky
    wb.gateway._http.send_json("POST", "/units/U000001/wage-filings", {"kind": "daily", "lines": []})
    posted = [r for r in fake_bureau.requests if r.url.path.endswith("/wage-filings")]
    assert len(posted) == 2
    assert posted[0].headers["Idempotency-Key"] == posted[1].headers["Idempotency-Key"]
    rows = [r for r in _entries(wb) if r["operation"] == "缴费工资申报"]
    assert len(rows) == 1
    assert rows[0]["idempotency_key"] == posted[0].headers["Idempotency-Key"]
    assert rows[0]["attempts"] == 2 and rows[0]["outcome"] == "成功" and rows[0]["result_id"] == "WF000123"


def test_no_answer_is_recorded_as_unknown(offline_wb, fake_bureau):
    wb = offline_wb
    _login(wb, fake_bureau)
    fake_bureau.down = True
    with pytest.raises(ConnectionFailed):
        wb.change_password(PASSWORD, NEW, confirm=NEW)
    row = next(r for r in _entries(wb) if r["operation"] == "修改申报密码")
    assert row["outcome"] == "结果未知" and row["code"] == "CONNECT_FAILED"


def test_demo_calls_are_left_out(offline_wb, fake_bureau):
    wb = offline_wb
    wb.gateway.demo_secret = "s3cret"
    fake_bureau.overrides[("POST", "/demo/faults")] = lambda r: httpx.Response(200, json={})
    wb.gateway.demo.inject_fault("/api/v1/x", "POST", "fail")
    assert _entries(wb) == []


def test_same_key_reported_twice_merges_into_one_entry(offline_wb):
    wb = offline_wb
    first = _record("k" * 32, outcome="结果未知", attempts=3, result_id="")
    again = _record("k" * 32, outcome="成功", attempts=1, result_id="WF9")
    wb.audit.record(first)
    wb.audit.record(again)
    (row,) = _entries(wb)
    assert row["attempts"] == 4 and row["runs"] == 2 and row["outcome"] == "成功" and row["result_id"] == "WF9"


def _record(key: str, *, outcome: str, attempts: int, result_id: str, unit: str = "U000001",
            request: str = '{"lines": []}') -> CallRecord:
    from sbflib.domain import clock

    return CallRecord(at=clock.now(), method="POST", path=f"/units/{unit}/wage-filings", operation="缴费工资申报",
                      unit_id=unit, idempotency_key=key, request=request, attempts=attempts, duration_ms=5,
                      outcome=outcome, status=202 if outcome == "成功" else None, code="", message="",
                      result_id=result_id, response="", demo=False)


def test_a_record_built_by_hand_is_redacted_too(offline_wb):
    wb = offline_wb
    wb.audit.record(_record("a" * 32, outcome="成功", attempts=1, result_id="", request='{"password": "hunter2"}'))
    (row,) = _entries(wb)
    assert "hunter2" not in row["request"]


def test_a_busy_store_queues_the_record_and_writes_it_later(offline_wb, fake_bureau):
    """The business call returns at once while another thread holds the store; the row lands after."""
    wb = offline_wb
    _login(wb, fake_bureau)
    wb.audit.flush()
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with wb.store.work():
            holding.set()
            release.wait(10)

    t = threading.Thread(target=hold)
    t.start()
    holding.wait(5)
    try:
        import time

        started = time.monotonic()
        wb.change_password(PASSWORD, NEW, confirm=NEW)
        assert time.monotonic() - started < 2.0
        assert wb.audit.pending == 1  # queued: the store is another thread's for now
    finally:
        release.set()
        t.join()
    assert any(r["operation"] == "修改申报密码" for r in _entries(wb))


def test_a_journal_left_by_a_dead_process_is_merged(offline_wb, tmp_path):
    wb = offline_wb
    folder = Path(wb.data_dir) / "client" / "audit-pending"
    folder.mkdir(parents=True, exist_ok=True)
    # a pid that does not run: the largest possible is never handed out on Linux
    dead = folder / "4194999-0-deadbeef.jsonl"
    row = {"record_id": "d" * 32, "called_at": "2026-11-27T08:00:00", "last_at": "2026-11-27T08:00:00", "duration_ms": 3,
           "unit_id": "U000001", "operation": "缴费工资申报", "method": "POST", "path": "/units/U000001/wage-filings",
           "idempotency_key": "d" * 32, "attempts": 1, "runs": 1, "request": "{}", "outcome": "结果未知",
           "status": None, "code": "TIMEOUT", "message": "超时", "result_id": "", "response": "", "reports": "r1"}
    line = json.dumps(row, ensure_ascii=False)
    dead.write_text(line + "\n" + line + "\n" + line[:40], encoding="utf-8")  # the last line cut by the crash
    again = AuditService(wb.ctx, Path(wb.data_dir) / "client")
    wb.ctx.client.on_call = wb.audit.record
    rows = again.frame().to_dict("records")
    assert len(rows) == 1 and rows[0]["runs"] == 1  # the same report twice is kept once
    assert not dead.exists()
    again.close()


def test_query_filters_and_pages(offline_wb, fake_bureau):
    wb = offline_wb
    _login(wb, fake_bureau)
    wb.change_password(PASSWORD, NEW, confirm=NEW)
    df, total = wb.audit.query(AuditFilter(operation="登录"), page=1, page_size=10)
    assert total == 1 and list(df["operation"]) == ["登录"]
    df, total = wb.audit.query(AuditFilter(outcome="失败"))
    assert total == 0
    df, total = wb.audit.query(page=1, page_size=2)
    assert total == 3 and len(df) == 2
    from sbflib.domain import clock

    today = clock.today().isoformat()
    assert wb.audit.query(AuditFilter(at_from=today, at_to=today))[1] == 3
    assert wb.audit.query(AuditFilter(unit_id="U000005"))[1] == 0
    choices = wb.audit.choices()
    assert ("U000001", "杭州演示科技有限公司") in choices["units"] and "缴费工资申报" in choices["operations"]
    with pytest.raises(Exception, match="开始日期不能晚于结束日期"):
        wb.audit.query(AuditFilter(at_from="2026-12-01", at_to="2026-11-01"))


def test_a_failing_hook_never_breaks_the_call(offline_wb, fake_bureau):
    wb = offline_wb

    def broken(_record) -> None:
        raise RuntimeError("disk on fire")

    wb.gateway.on_call = broken
    wb.choose_region(fake_bureau.region)
    assert wb.units.verify("U000001", PASSWORD).unit_id == "U000001"


def test_the_hook_follows_a_new_proxy_client(offline_wb):
    wb = offline_wb
    derived = wb.gateway.derive(proxy=None)
    try:
        assert derived.on_call == wb.audit.record
    finally:
        derived.close()


def test_a_resource_that_runs_the_attempts_with_its_own_key_is_covered(offline_wb, fake_bureau):
    """A resource module may keep its own idempotency key (a wage filing resent after a restart) and
    run the transport's attempts itself: the trail still has the call, under that key, once."""
    from sbflib.gateway.http import CallPolicy

    wb = offline_wb
    _login(wb, fake_bureau)
    fake_bureau.overrides[("POST", "/units/U000001/wage-filings")] = lambda r: httpx.Response(
        202, json={"filing_id": "WF000777", "status": "待反馈"})
    key = "f" * 32
    http = wb.gateway._http
    for _ in range(2):  # sent, then resent with the same key (the bureau answers the first answer)
        http._attempts("POST", "/units/U000001/wage-filings", CallPolicy(), {"Idempotency-Key": key}, {},
                       {"kind": "daily", "lines": [{"employee_id": "E1", "wage": "5000.00"}]}, True)
    rows = [r for r in _entries(wb) if r["operation"] == "缴费工资申报"]
    assert len(rows) == 1
    assert rows[0]["idempotency_key"] == key and rows[0]["runs"] == 2 and rows[0]["result_id"] == "WF000777"
    assert json.loads(rows[0]["request"])["lines"] == [{"employee_id": "E1", "wage": "5000.00"}]


CRASHING_CLIENT = r"""
import os, sys, threading, httpx
from sbflib.workbench import Workbench

def bureau(request):
    return httpx.Response(202, json={"filing_id": "WF000999", "status": "待反馈"})

wb = Workbench(sys.argv[1], "http://bureau.test", transport=httpx.MockTransport(bureau), sleep=lambda s: None)
held = threading.Event()

def hold():  # another thread keeps the store, so the row cannot be written before the crash
    with wb.store.work():
        held.set()
        threading.Event().wait(60)

threading.Thread(target=hold, daemon=True).start()
held.wait(10)
wb.gateway._http.send_json("POST", "/units/U000001/wage-filings", {"kind": "daily", "password": "p@ss"})
assert wb.audit.pending == 1
os._exit(9)  # like kill -9: no clean-up, no exit handlers
"""


def test_a_record_survives_a_crash_before_it_was_written(tmp_path):
    import subprocess
    import sys

    from sbflib.workbench import Workbench

    data = tmp_path / "data"
    done = subprocess.run([sys.executable, "-c", CRASHING_CLIENT, str(data)], check=False, capture_output=True,
                          timeout=120)
    assert done.returncode == 9, done.stderr.decode(errors="replace")
    journal = list((data / "client" / "audit-pending").glob("*.jsonl"))
    assert len(journal) == 1 and "p@ss" not in journal[0].read_text(encoding="utf-8")
    assert journal[0].stat().st_mode & 0o777 == 0o600 and journal[0].parent.stat().st_mode & 0o777 == 0o700
    wb = Workbench(data, "http://bureau.test", transport=httpx.MockTransport(lambda r: httpx.Response(404)))
    try:
        (row,) = _entries(wb)
        assert row["operation"] == "缴费工资申报" and row["result_id"] == "WF000999" and row["outcome"] == "成功"
        assert not list((data / "client" / "audit-pending").glob("*.jsonl"))
    finally:
        wb.close()


def test_the_export_has_the_screen_labels(offline_wb, fake_bureau):
    import io

    from openpyxl import load_workbook

    wb = offline_wb
    _login(wb, fake_bureau)
    sheet = load_workbook(io.BytesIO(wb.audit.export())).active
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert header[:5] == ["操作时间", "单位标识", "单位名称", "操作类型", "结果"]
    assert sheet.max_row == 3  # header + 安全认证 + 登录


def test_a_sloppy_record_never_blocks_the_queue(offline_wb, fake_bureau):
    """A record built by hand without a time or with odd types is kept (time of now, text fields as
    text) and the calls after it are written as usual."""
    wb = offline_wb
    sloppy = CallRecord(at=None, method="POST", path="/units/U000001/x", operation=None, unit_id="",  # type: ignore[arg-type]
                        idempotency_key="", request="not json", attempts="2", duration_ms=None,  # type: ignore[arg-type]
                        outcome="", status="x", code=None, message=None, result_id=None,  # type: ignore[arg-type]
                        response="", demo=False)
    wb.audit.record(sloppy)
    wb.choose_region(fake_bureau.region)
    wb.units.verify("U000001", PASSWORD)
    rows = _entries(wb)
    assert [r["operation"] for r in rows] == ["安全认证", "其他操作"]
    assert rows[1]["outcome"] == "结果未知" and rows[1]["request"] == REDACTED


def test_a_row_the_store_refuses_is_set_aside_and_the_rest_written(offline_wb, fake_bureau, monkeypatch):
    from sbflib.store import audit as audit_repo

    wb = offline_wb
    real = audit_repo.merge

    def picky(con, rows):
        if any(r["operation"] == "登录" for r in rows):
            raise RuntimeError("refused")
        return real(con, rows)

    monkeypatch.setattr(audit_repo, "merge", picky)
    _login(wb, fake_bureau)
    assert [r["operation"] for r in _entries(wb)] == ["安全认证"]
    assert wb.audit.pending == 0
    refused = list((Path(wb.data_dir) / "client" / "audit-pending").glob("*.refused"))
    assert len(refused) == 1 and "登录" in refused[0].read_text(encoding="utf-8")
