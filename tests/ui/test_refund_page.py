"""单位退费申请管理 page (manual 2.28) driven from Python over the real service on MockTransport and a
temporary store: entering with nothing kept fetches (刷新), the list shows the applications with their
status and money as the manual prints it, 查看 shows the lines, 新增退费申请 goes 退费方式 → 查询 → tick →
下一步 → 退费账户 → 提交申请 (asked first), the base checks name the field, the bureau's refusal is its
message; no English or catalogue IDs on screen."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from sbflib.employer.refunds import RefundService
from sbflib.gateway.client import BureauClient
from sbflib.store.db import Store
from sbflib.system.context import Context, CurrentUnit
from sbflib.ui.components.dialogs import _widget_text
from sbflib.ui.components.table import MemorySettings
from sbflib.ui.context import Ui
from sbflib.ui.menus import page_class
from sbflib.ui.pages.refunds import RefundDialog, RefundsPage

UNIT = "U000001"


def _record(rid: str, status: str, total: str, kind: str = "ticket") -> dict[str, Any]:
    return {"refund_id": rid, "kind": kind, "kind_name": {"ticket": "税票退费", "employee": "职工明细退费"}[kind],
            "status": status, "refund_type": "误收退库", "reason": "重复缴纳", "account_name": "测试单位",
            "bank_name": "中国工商银行", "account_no": "1202004509006700", "account_masked": "****6700",
            "total": total, "applied_at": "2026-11-20T10:00:00+08:00", "decided_at": None,
            "result_reason": "资料不全" if status == "审核不通过" else None, "lines": 1}


LINE = {"voucher_no": "SB1", "item_code": "10201", "item_name": "企业职工基本养老保险费", "payer": "unit",
        "employee_id": None, "name": None, "id_type": None, "id_number": None, "period_start": "2026-10",
        "period_end": "2026-10", "paid_amount": "3533.34", "asked": "0.00", "refundable": "3533.34",
        "arrived_on": "2026-11-02"}


class Bureau:
    def __init__(self) -> None:
        self.records = [_record("TF1", "审核不通过", "1200.00")]
        self.posts: list[dict[str, Any]] = []
        self.lists = 0
        self.refuse = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/api/v1")
        if request.method == "GET" and path == f"/units/{UNIT}/refunds":
            self.lists += 1
            return httpx.Response(200, json=self.records)
        if request.method == "GET" and path.startswith(f"/units/{UNIT}/refunds/"):
            rec = next(r for r in self.records if r["refund_id"] == path.split("/")[-1])
            return httpx.Response(200, json={"record": rec, "lines": [
                {"seq": 1, "line_key": "SB1|10201|unit", **{k: v for k, v in LINE.items()
                                                             if k not in ("asked", "refundable", "arrived_on")},
                 "amount": rec["total"]}]})
        if request.method == "GET" and path == f"/units/{UNIT}/refund-candidates":
            if request.url.params["kind"] == "ticket":
                lines = [{**LINE, "line_key": "SB1|10201|unit"},
                         {**LINE, "line_key": "SB1|10201|personal", "payer": "personal", "paid_amount": "0.20",
                          "refundable": "0.20"},
                         {**LINE, "line_key": "SB0|10201|unit", "refundable": "0.00", "asked": "3533.34"}]
            else:
                lines = [{**LINE, "line_key": "SB1|10201|unit|E1|2026-10", "employee_id": "E1", "name": "林婷",
                          "id_type": "居民身份证", "id_number": "330106199001011234", "paid_amount": "800.00",
                          "refundable": "800.00"}]
            return httpx.Response(200, json={"lines": lines, "truncated": False})
        if request.method == "POST" and path == f"/units/{UNIT}/refunds":
            body = json.loads(request.content)
            self.posts.append(body)
            if self.refuse:
                return httpx.Response(422, json={"code": "REFUND_EXCEEDS_PAID",
                                                 "message": "退费金额超过可退金额（可退0.00元）"})
            made = _record(f"TF{len(self.records) + 1}", "待审核", body["total"], body["kind"])
            self.records.insert(0, made)
            return httpx.Response(201, json=made)
        return httpx.Response(404, json={"code": "NOT_FOUND", "message": "未找到"})


@pytest.fixture
def page(tmp_path):
    bureau = Bureau()
    client = BureauClient("http://bureau.test", transport=httpx.MockTransport(bureau), sleep=lambda s: None,
                          retries=1)
    store = Store(tmp_path / "client" / "sbf.duckdb")
    ctx = Context(store, client)
    ctx.unit = CurrentUnit(UNIT, "91330100MA0000000X", "测试单位", "employer", "330100")
    wb = SimpleNamespace(employer=SimpleNamespace(refunds=RefundService(ctx)), settings=MemorySettings(page_size=10),
                         ctx=ctx)
    p = RefundsPage(Ui(wb, sync=True))
    p.bureau = bureau  # type: ignore[attr-defined]
    yield p
    client.close()
    store.close()


def _top(page: RefundsPage) -> Any:
    return page.ui.dialogs.current


def _no_english(text: str) -> None:
    assert not re.search(r"[A-Za-z]{2,}", text), text
    assert "EMP" not in text


def _grid_text(table: Any) -> str:
    data = table.grid.data
    return " ".join(map(str, data.columns)) + " " + " ".join(str(v) for row in data.itertuples(index=False)
                                                               for v in row)


def test_registered_and_entering_with_nothing_kept_fetches(page):
    assert page_class("EMP-28") is RefundsPage
    assert page.bureau.lists == 1 and page.table.total == 1
    cols = list(page.table.grid.data.columns)
    for label in ("序号", "退费申请编号", "退费方式", "退费原因", "退费金额", "退费银行", "退费账户", "申请日期",
                  "处理状态", "审核意见", "操作"):
        assert label in cols, label
    row = page.table.grid.data.iloc[0]
    assert row["退费金额"] == "1,200.00" and row["退费账户"] == "****6700" and row["处理状态"] == "审核不通过"
    assert row["申请日期"] == "2026-11-20 10:00:00" and row["审核意见"] == "资料不全"
    _no_english(_widget_text(page).replace("TF1", "") + _grid_text(page.table).replace("TF1", ""))
    # entering again shows what is kept without asking the bureau; 刷新 asks
    page.on_show()
    assert page.bureau.lists == 1
    page.refresh_button.click()
    assert page.bureau.lists == 2


def test_view_shows_the_lines(page):
    page.table.click(0, "操作")
    text = _top(page).text
    assert "退费申请明细" == _top(page).title and "企业职工基本养老保险费" in text and "1,200.00" in text
    summary = _top(page).body.children[0].value  # the read-only fields
    assert "资料不全" in summary and "1,200.00 元" in summary and "****6700" in summary
    assert "1202004509006700" not in summary


def test_new_by_ticket_through_both_steps(page):
    page.add_button.click()
    dialog = _top(page)
    assert isinstance(dialog, RefundDialog) and dialog.title == "填写退费申请"
    assert dialog.person_row.layout.display == "none"
    dialog.search_button.click()
    assert dialog.table.total == 2  # nothing left to refund on the third line: not offered
    grid = dialog.table.grid.data
    assert list(grid["可退金额"]) == ["3,533.34", "0.20"] and list(grid["退费金额"]) == ["3,533.34", "0.20"]
    assert list(grid["缴费对象"]) == ["单位缴费", "个人缴费"]
    _no_english(_grid_text(dialog.table).replace("SB1", ""))
    # 下一步 without a tick names what is missing
    dialog.next_button.click()
    assert "【退费信息】" in _top(page).text
    _top(page).dismiss()
    dialog.table.tick(0)
    dialog.amount.value = "4000"
    dialog.amount_button.click()
    assert dialog.table.grid.data.iloc[0]["退费金额"] == "4,000.00" and dialog.table.selected_rows() == [0]
    dialog.next_button.click()   # more than 可退金额: refused before the next step
    assert "【退费金额】" in _top(page).text and "可退金额" in _top(page).text
    _top(page).dismiss()
    dialog.amount.value = "100"
    dialog.amount_button.click()
    dialog.next_button.click()
    assert dialog.step == 2 and "退费金额合计：100.00 元" in _widget_text(dialog.total_line)
    assert dialog.account_name.value == "测试单位"
    dialog.submit_button.click()   # 退费银行 empty
    assert "【退费银行】" in _top(page).text
    _top(page).dismiss()
    dialog.bank_name.value = "中国工商银行"
    dialog.account_no.value = "1202004509006700"
    dialog.submit_button.click()
    assert "【退费申请理由】" in _top(page).text
    _top(page).dismiss()
    dialog.reason.value = "重复缴纳，申请退还"
    dialog.type2.value = "多缴退费"
    dialog.submit_button.click()
    assert "确定提交退费申请吗" in _top(page).text and "100.00" in _top(page).text
    assert page.bureau.posts == []
    _top(page).button("确定").click()
    [body] = page.bureau.posts
    assert body["lines"] == [{"line_key": "SB1|10201|unit", "amount": "100.00"}] and body["total"] == "100.00"
    assert body["refund_type"] == "多缴退费" and body["kind"] == "ticket"
    assert "退费申请已提交" in _top(page).text and "待审核" in _top(page).text
    _top(page).dismiss()
    assert page.ui.dialogs.current is None
    assert page.table.total == 2 and page.table.grid.data.iloc[0]["处理状态"] == "待审核"


def test_new_by_employee_lines_and_a_refusal_is_the_bureaus_message(page):
    page.add_button.click()
    dialog = _top(page)
    dialog.kind.value = "employee"
    assert dialog.person_row.layout.display is None
    dialog.name.value = "林婷"
    dialog.search_button.click()
    grid = dialog.table.grid.data
    assert "姓名" in grid.columns and grid.iloc[0]["姓名"] == "林婷"
    assert grid.iloc[0]["证件号码"] != "330106199001011234" and "*" in grid.iloc[0]["证件号码"]
    dialog.table.tick_all()
    dialog.next_button.click()
    dialog.bank_name.value = "中国工商银行"
    dialog.account_no.value = "1202004509006700"
    dialog.reason.value = "多缴"
    page.bureau.refuse = True
    dialog.submit_button.click()
    _top(page).button("确定").click()
    message = _top(page)
    assert "超过可退金额" in message.text
    _no_english(_widget_text(message.body.children[0]))
    message.dismiss()
    assert _top(page) is dialog and dialog.step == 2  # the form stays to be corrected
    dialog.back_button.click()
    assert dialog.step == 1
