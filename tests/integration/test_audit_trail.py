"""操作日志 against a real bureau on loopback: an entry per state-changing call with its key and the
bureau's answer, secrets never kept, demo calls left out, a call without an answer kept as 结果未知."""

from __future__ import annotations

import json

import pytest

from sbflib.errors import AuthError, ConnectionFailed

UNIT_ID = "U000027"  # audit log and password change (tests/conftest.py)
PASSWORD = "Test#2026"  # what `logged_in` changed the initial password to


def _rows(wb) -> list[dict]:
    return wb.audit.frame().to_dict("records")


def test_login_verify_and_password_change_are_recorded(logged_in, bureau):
    wb = logged_in(UNIT_ID)
    initial = bureau.unit(UNIT_ID)["password"]
    rows = list(reversed(_rows(wb)))
    assert [r["operation"] for r in rows] == ["安全认证", "登录", "修改申报密码"]
    for row in rows:
        assert row["unit_id"] == UNIT_ID and row["outcome"] == "成功" and row["status"] in (200, 201)
        assert len(row["idempotency_key"]) == 32 and row["attempts"] == 1
        assert row["unit_name"] == bureau.unit(UNIT_ID)["name"]
    text = json.dumps(rows, default=str, ensure_ascii=False)
    assert PASSWORD not in text
    # (the initial password is the tail of a unit number, which the 安全认证 answer names: look at what was sent)
    assert all(initial not in r["request"] for r in rows)
    login = rows[1]
    assert json.loads(login["request"]) == {"unit_id": UNIT_ID, "password": "******"}
    assert json.loads(login["response"])["token"] == "******"

    with pytest.raises(AuthError):
        wb.change_password("not-the-password", "Other#2026", confirm="Other#2026")
    refused = _rows(wb)[0]
    assert refused["operation"] == "修改申报密码" and refused["outcome"] == "失败"
    assert refused["code"] and refused["message"] and refused["status"] >= 400

    wb.logout()
    assert _rows(wb)[0]["operation"] == "退出登录"


def test_demo_calls_are_not_recorded(logged_in, bureau):
    wb = logged_in(UNIT_ID)
    wb.gateway.demo_secret = bureau.demo_secret
    before = len(_rows(wb))
    wb.gateway.demo.inject_fault("/api/v1/nothing-here", "POST", "fail")
    wb.gateway.demo.clear_faults()
    assert len(_rows(wb)) == before


def test_a_call_without_an_answer_is_kept_as_unknown(logged_in, bureau):
    """The bureau changes the password and drops the answer: the trail says 结果未知, with the key."""
    wb = logged_in(UNIT_ID)
    wb.gateway.demo_secret = bureau.demo_secret
    short = wb.gateway.derive(proxy=None, timeout=1.0, deadline=3.0)
    wb.ctx.client, old = short, wb.ctx.client
    try:
        wb.gateway.demo.inject_fault(f"/api/v1/units/{UNIT_ID}/password", "PUT", "drop", seconds=3)
        with pytest.raises(ConnectionFailed):
            wb.change_password(PASSWORD, "Lost#2026", confirm="Lost#2026")
    finally:
        wb.gateway.demo.clear_faults()
        wb.ctx.client = old
        short.close()
    row = _rows(wb)[0]
    assert row["operation"] == "修改申报密码" and row["outcome"] == "结果未知" and row["code"] == "TIMEOUT"
    assert len(row["idempotency_key"]) == 32 and "Lost#2026" not in row["request"]


def test_a_wage_filing_is_recorded_once_with_its_key_and_filing_id(logged_in, bureau):
    """缴费工资申报 (H3's gateway/wages.py runs the transport's attempts with its own key): the first
    attempt is refused with 503 and retried with the same key; the trail has one entry."""
    from sbflib.employer.wages import Adjust

    wb = logged_in(UNIT_ID)
    wb.gateway.demo_secret = bureau.demo_secret
    wb.update_after_login()
    draft = wb.employer.wages.draft("daily", "employee")
    assert draft.add_all_normal(Adjust.ratio(110)).added > 0
    rows, _total = draft.query(page_size=1000)
    wb.gateway.demo.inject_fault(f"/api/v1/units/{UNIT_ID}/wage-filings", "POST", "fail", times=1)
    try:
        receipt = draft.submit(list(rows["row_id"]))
    finally:
        wb.gateway.demo.clear_faults()
    filings = [r for r in _rows(wb) if r["operation"] == "缴费工资申报"]
    assert len(filings) == 1
    entry = filings[0]
    assert entry["outcome"] == "成功" and entry["status"] == 202 and entry["attempts"] == 2
    assert entry["result_id"] in receipt.filing_ids and len(entry["idempotency_key"]) == 32
    sent = json.loads(entry["request"])
    assert sent["kind"] == "daily" and sent["way"] == "employee" and len(sent["lines"]) == min(len(rows), 100)
