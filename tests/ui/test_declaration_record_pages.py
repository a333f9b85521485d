"""申报记录 (EMP-10), 工程项目社保费申报记录 (EMP-24) and 社保费申报明细查询 (EMP-20) pages driven from
Python over the real services on MockTransport: 同步 asks for the date range and then offers to pay
(opening 社保费应缴信息查询 while 缴费 is not built), 缴费 and 作废 only on unpaid successful records,
作废 confirmed → countdown → 获取反馈 → 作废成功, the bureau's refusal in Chinese, 查看 with rows and
lines, 打印 a PDF, and the offer to download the lines not held."""

from __future__ import annotations

import datetime as dt
import re
import struct
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import httpx
import pyarrow as pa
import pytest

from sbflib.employer.declaration_records import DeclarationRecordService, DeclaredLineService
from sbflib.gateway.client import BureauClient
from sbflib.gateway.declaration_records import LINE_SCHEMA
from sbflib.store import settings as settings_repo
from sbflib.store.db import Store
from sbflib.system.context import Context, CurrentUnit
from sbflib.ui.components.table import MemorySettings
from sbflib.ui.context import Ui
from sbflib.ui.menus import PAGES, page_class
from sbflib.ui.pages.declaration_records import (
    DeclarationRecordsPage,
    ProjectDeclarationRecordsPage,
    RecordDetailDialog,
    SyncDialog,
    VoidCountdownDialog,
)
from sbflib.ui.pages.declared_lines import DeclaredLinesPage, DownloadLinesDialog

UNIT = "U000001"
TAXPAYER = "91330100MA0000000X"
LINK_VOID = "\u3000\u3000"   # the third link column (查看, 缴费, 作废)
LINK_PAY = "\u3000"


def _record(did: str, day: str, channel: str = "daily", pay: str | None = "未缴费", total: str = "3840.00",
            headcount: int = 2) -> dict[str, Any]:
    return {"declaration_id": did, "submission_id": "SS" + did, "channel": channel, "source_code": "01",
            "source_name": "税务机关", "tax_authority": "国家税务总局杭州市西湖区税务局", "status": "申报成功",
            "reason": None, "submitted_at": f"{day}T09:30:00+08:00", "decided_at": None, "rows": 1,
            "headcount": headcount, "total_due": total, "voucher_no": "3" * 20, "pay_status": pay,
            "void_requested_at": None, "void_decided_at": None, "void_reason": None, "period_start": "2026-11",
            "period_end": "2026-11"}


def _row(did: str, amount: str) -> dict[str, Any]:
    return {"prep_id": f"P-{did}", "group_key": "g", "channel": "daily", "source_code": "01", "source_name": "税务机关",
            "unit_number": "1234", "agency": "西湖区社保中心", "notice_no": None, "valid_until": None,
            "special_type": None, "project_no": None, "item_code": "10201", "item_name": "基本养老保险费",
            "subitem_name": "企业职工基本养老保险（单位缴纳）", "payer": "unit", "payer_name": "单位",
            "period_start": "2026-11", "period_end": "2026-11", "headcount": 2, "base_total": "24000.00",
            "rate": "0.16", "amount": amount}


def _lines(did: str, n: int) -> bytes:
    table = pa.table({
        "prep_id": [f"P-{did}"] * n, "employee_id": [f"E{i}" for i in range(n)], "name": ["林婷", "王芳"][:n],
        "id_type": ["居民身份证"] * n, "id_number": [f"33010619900101{i:04d}" for i in range(n)],
        "person_number": [None] * n, "item_code": ["10201"] * n, "payer": ["unit"] * n, "month": ["2026-11"] * n,
        "base": [Decimal("12000.00")] * n, "rate": [Decimal("0.16")] * n, "amount": [Decimal("1920.00")] * n,
    }, schema=LINE_SCHEMA)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    data = sink.getvalue().to_pybytes()
    return struct.pack("<Q", len(data)) + data


class Bureau:
    def __init__(self) -> None:
        self.records = {"SB001": _record("SB001", "2026-11-20"),
                        "SB002": _record("SB002", "2026-11-02", pay="已缴费", total="1920.10"),
                        "SB009": _record("SB009", "2026-11-21", channel="project", total="88.00", headcount=0)}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        parts = [p for p in request.url.path.removeprefix(f"/api/v1/units/{UNIT}").split("/") if p]
        if request.method == "GET" and parts == ["declarations"]:
            for did, rec in self.records.items():
                if rec["status"] == "作废中":
                    self.records[did] = {**rec, "status": "已作废"}
            kind = request.url.params.get("kind")
            return httpx.Response(200, json=sorted(
                [r for r in self.records.values() if (r["channel"] == "project") == (kind == "project")],
                key=lambda r: r["submitted_at"], reverse=True))
        if request.method == "GET" and len(parts) == 2:
            return httpx.Response(200, json={"record": self.records[parts[1]],
                                             "rows": [_row(parts[1], self.records[parts[1]]["total_due"])]})
        if request.method == "GET" and parts[-1:] == ["lines"]:
            return httpx.Response(200, content=_lines(parts[1], self.records[parts[1]]["headcount"]))
        if request.method == "POST" and parts[-1:] == ["void"]:
            rec = self.records[parts[1]]
            if rec["pay_status"] == "已缴费":
                return httpx.Response(409, json={"code": "DECLARATION_PAID", "message": "该申报记录已缴费，不能作废"})
            self.records[parts[1]] = {**rec, "status": "作废中"}
            return httpx.Response(202, json=self.records[parts[1]])
        return httpx.Response(404, json={"code": "NOT_FOUND", "message": "未找到"})


@pytest.fixture
def ui(tmp_path):
    bureau = Bureau()
    client = BureauClient("http://bureau.test", transport=httpx.MockTransport(bureau), sleep=lambda s: None,
                          retries=1)
    store = Store(tmp_path / "client" / "sbf.duckdb")
    with store.work() as con:
        settings_repo.write(con, "wages.feedback_wait_s", 0)
    ctx = Context(store, client)
    ctx.unit = CurrentUnit(UNIT, TAXPAYER, "杭州测试科技有限公司", "employer", "330100")
    wb = SimpleNamespace(employer=SimpleNamespace(declaration_records=DeclarationRecordService(ctx),
                                                  declared_lines=DeclaredLineService(ctx)),
                         settings=MemorySettings(page_size=10))
    ui = Ui(wb, sync=True)
    ui.opened = []  # type: ignore[attr-defined]
    ui.navigate = lambda menu_id: ui.opened.append(menu_id)  # type: ignore[attr-defined]
    ui.saved = []  # type: ignore[attr-defined]
    ui.save = lambda data, name: ui.saved.append((name, data))  # type: ignore[method-assign]
    ui.store = store  # type: ignore[attr-defined]
    ui.bureau = bureau  # type: ignore[attr-defined]
    yield ui
    client.close()
    store.close()


def _dialog(ui: Ui) -> Any:
    d = ui.dialogs.current
    assert d is not None
    return d


def _no_english(text: str) -> None:
    assert not re.search(r"[A-Za-z]{3,}", text), text
    assert "EMP" not in text


def _synced(ui: Ui, page: DeclarationRecordsPage) -> None:
    page.ask_sync()
    d = _dialog(ui)
    assert isinstance(d, SyncDialog) and d.title == "请选择申报开始结束日期"
    d.start.value, d.end.value = dt.date(2026, 11, 1), dt.date(2026, 11, 30)
    d.button("确定").click()


def test_the_three_menus_are_registered():
    assert page_class("EMP-10") is DeclarationRecordsPage
    assert page_class("EMP-24") is ProjectDeclarationRecordsPage
    assert page_class("EMP-20") is DeclaredLinesPage


def test_sync_asks_the_range_then_offers_to_pay_and_opens_the_payables_while_payment_is_not_built(ui):
    page = DeclarationRecordsPage(ui)
    assert page.table.total == 0
    _synced(ui, page)
    prompt = _dialog(ui)
    assert prompt.title == "待缴费提醒" and "存在1条未缴费的社保费申报记录，是否立即缴费" in prompt.text
    prompt.button("确定").click()
    assert ui.opened == ["EMP-11" if "EMP-11" in PAGES else "EMP-21"]
    assert page.table.total == 2
    cols = list(page.table.grid.data.columns)
    for label in ("申报日期", "申报渠道", "申报状态", "缴费状态", "应缴费额（元）", "费款所属期", "主管税务机关",
                  "数据来源", "应征凭证序号", "操作"):
        assert label in cols
    _no_english(" ".join(cols))
    first = page.table.grid.data.iloc[0]
    assert first["申报日期"] == "2026-11-20" and first["应缴费额（元）"] == "3,840.00"
    assert first["申报渠道"] == "日常申报"
    # 缴费 and 作废 only on the unpaid successful record
    data = page.table.grid.data
    assert list(data[LINK_PAY]) == ["缴费", ""] and list(data[LINK_VOID]) == ["作废", ""]
    page.table.click(1, LINK_VOID)
    assert ui.dialogs.current is None            # nothing offered on the paid record


def test_void_after_confirmation_then_the_result_and_the_record_is_only_viewable(ui):
    page = DeclarationRecordsPage(ui)
    _synced(ui, page)
    _dialog(ui).button("取消").click()
    page.table.click(0, LINK_VOID)
    confirm = _dialog(ui)
    assert "确定作废" in confirm.text and "3,840.00元" in confirm.text
    confirm.button("确定").click()
    result = _dialog(ui)
    assert "作废成功" in result.text
    result.button("确定").click()
    data = page.table.grid.data
    assert data.iloc[0]["申报状态"] == "已作废" and data.iloc[0]["缴费状态"] == ""
    assert data.iloc[0][LINK_VOID] == "" and data.iloc[0][LINK_PAY] == ""   # never paid, never voided again


def test_void_counts_down_and_fetches_on_feedback(ui):
    with ui.store.work() as con:
        settings_repo.write(con, "wages.feedback_wait_s", 20)
    page = DeclarationRecordsPage(ui)
    _synced(ui, page)
    _dialog(ui).button("取消").click()
    page.void("SB001")
    countdown = _dialog(ui)
    assert isinstance(countdown, VoidCountdownDialog) and countdown.left == 20
    assert "20" in countdown.label.value and "获取反馈" in countdown.label.value
    countdown.tick()
    assert countdown.left == 19
    countdown.button("获取反馈").click()
    assert "作废成功" in _dialog(ui).text


def test_a_refusal_shows_the_bureaus_chinese_message(ui):
    page = DeclarationRecordsPage(ui)
    _synced(ui, page)
    _dialog(ui).button("取消").click()
    page.void("SB002")
    error = _dialog(ui)
    message = error.body.children[0].value    # the technical detail sits behind 详情, collapsed
    assert "该申报记录已缴费，不能作废" in message
    _no_english(re.sub(r"<[^>]+>", "", message))


def test_view_shows_rows_and_lines_and_prints_the_form(ui):
    page = DeclarationRecordsPage(ui)
    _synced(ui, page)
    _dialog(ui).button("取消").click()
    page.table.click(0, "操作")
    d = _dialog(ui)
    assert isinstance(d, RecordDetailDialog)
    assert "应缴费额合计" in d.text and "3,840.00元" in d.text and "职工申报明细（共2条）" in d.text
    rows = d.rows_table.grid.data
    assert rows.iloc[0]["征收项目"] == "基本养老保险费" and rows.iloc[0]["费率"] == "16%"
    assert d.lines_table is not None
    lines = d.lines_table.grid.data
    assert list(lines["姓名"]) == ["林婷", "王芳"] and all("*" in v for v in lines["证件号码"])
    _no_english(" ".join([*rows.columns, *lines.columns]))
    d.button("打印").click()
    name, data = ui.saved[-1]
    assert name.startswith("社会保险费申报表_") and name.endswith(".pdf") and data[:5] == b"%PDF-"
    d.button("导出").click()
    assert ui.saved[-1][0].startswith("申报明细_")


def test_project_records_have_their_own_list(ui):
    page = ProjectDeclarationRecordsPage(ui)
    _synced(ui, page)
    _dialog(ui).button("取消").click()
    assert page.table.total == 1
    cols = list(page.table.grid.data.columns)
    assert "申报渠道" not in cols and "申报状态" in cols
    assert page.title == "工程项目社保费申报记录"


def test_feedback_after_a_submission_names_the_status(ui):
    page = DeclarationRecordsPage(ui)
    page.fetch_feedback(["SB001"])
    assert "申报状态：申报成功" in _dialog(ui).text
    assert page.table.total == 2     # today's and waiting records fetched


def test_declared_lines_offer_the_missing_downloads_then_list_them(ui):
    ui.wb.employer.declaration_records.sync()
    page = DeclaredLinesPage(ui)
    offer = _dialog(ui)
    assert isinstance(offer, DownloadLinesDialog) and "有2笔" in offer.text
    offer.button("下载").click()
    done = _dialog(ui)
    assert "下载完成，共下载4条职工申报明细" in done.text
    done.button("确定").click()
    assert page.table.total == 4
    cols = list(page.table.grid.data.columns)
    for label in ("申报日期", "姓名", "证件号码", "征收项目", "费款所属期", "缴费基数（元）", "费率", "应缴费额（元）"):
        assert label in cols
    _no_english(" ".join(cols))
    first = page.table.grid.data.iloc[0]
    assert "*" in first["证件号码"] and first["应缴费额（元）"] == "1,920.00"
    page.name.value = "王芳"
    page.form.query_button.click()
    assert page.table.total == 2
    page.export()
    assert ui.saved[-1][0].startswith("社保费申报明细_")
    page.offer_download()
    assert "本机已有全部" in _dialog(ui).text


def test_feedback_names_why_a_declaration_failed(ui):
    reason = "征集信息已超过征集有效日期（2026-11-26），请联系社保经办机构重新核定后再申报"
    ui.bureau.records["SB005"] = {**_record("SB005", "2026-11-22", pay=None), "status": "申报失败",
                                  "reason": reason, "voucher_no": None}
    page = DeclarationRecordsPage(ui)
    page.fetch_feedback("SB005")
    assert f"申报状态：申报失败（{reason}）" in _dialog(ui).text
    data = page.table.grid.data
    row = data[data["申报日期"] == "2026-11-22"].iloc[0]
    assert row["申报状态"] == "申报失败" and row["缴费状态"] == "" and row[LINK_VOID] == "" and row[LINK_PAY] == ""
