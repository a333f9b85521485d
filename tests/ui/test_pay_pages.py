"""缴费 (EMP-11), 缴费凭证打印记录 (EMP-12) and 缴费记录 (EMP-13) pages driven from Python over the real
services and a fake 征收子系统 on MockTransport (tests/services/payfake.py): arrears with 缴费期限 and days
left, the late-fee preview, the 可缓缴 prompt, 立即缴费 → items and total → 安全认证 → 三方协议 (masked) →
确认缴费 → result → 缴费记录; 银行端凭证缴费 with 人工录入 → 打印预览 → the PDF; 重新打印 the stored bytes; 作废
then neither reprint nor void; 解锁 and the failure reason; no English or IDs on screen."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "services"))

from payfake import PASSWORD, TAXPAYER, UNIT, PayBureau

from sbflib.employer.payments import PaymentRecordService, PaymentService, VoucherService
from sbflib.gateway.client import BureauClient
from sbflib.store.db import Store
from sbflib.system.context import Context, CurrentUnit
from sbflib.ui.components.table import MemorySettings
from sbflib.ui.context import Ui
from sbflib.ui.menus import page_class
from sbflib.ui.pages.pay import PayPage
from sbflib.ui.pages.pay_dialogs import (
    ConfirmItemsDialog,
    ConfirmMethodDialog,
    MethodDialog,
    PayerEntryDialog,
    VoucherPreviewDialog,
)
from sbflib.ui.pages.payment_records import PaymentRecordsPage
from sbflib.ui.pages.vouchers import PeriodDialog, VouchersPage

LINK2 = "\u3000"
LINK3 = "\u3000\u3000"


@pytest.fixture
def ui(tmp_path):
    bureau = PayBureau()
    client = BureauClient("http://bureau.test", transport=httpx.MockTransport(bureau), sleep=lambda s: None,
                          retries=1)
    store = Store(tmp_path / "client" / "sbf.duckdb")
    ctx = Context(store, client)
    ctx.unit = CurrentUnit(UNIT, TAXPAYER, "杭州演示科技有限公司", "employer", "330100")
    wb = SimpleNamespace(employer=SimpleNamespace(payments=PaymentService(ctx), vouchers=VoucherService(ctx),
                                                  payment_records=PaymentRecordService(ctx)),
                         settings=MemorySettings(page_size=10))
    ui = Ui(wb, sync=True)
    ui.opened = []  # type: ignore[attr-defined]
    ui.navigate = lambda menu_id: ui.opened.append(menu_id)  # type: ignore[attr-defined]
    ui.saved = []  # type: ignore[attr-defined]
    ui.save = lambda data, name: ui.saved.append((name, data))  # type: ignore[method-assign]
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


def _tick(page: PayPage, *rows: int) -> None:
    for r in rows:
        page.table.tick(r)


def test_the_three_menus_are_registered():
    assert page_class("EMP-11") is PayPage
    assert page_class("EMP-12") is VouchersPage
    assert page_class("EMP-13") is PaymentRecordsPage


def test_arrears_on_entry_with_deadlines_the_deferral_note_and_a_late_fee_preview(ui):
    page = PayPage(ui)
    data = page.table.grid.data
    assert page.table.total == 4
    for label in ("应征凭证序号", "征收项目", "缴费对象", "费款所属期", "应缴金额（元）", "滞纳金（元）", "缴费期限（剩余天数）",
                  "操作类型", "状态"):
        assert label in data.columns
    _no_english(" ".join(str(c) for c in data.columns))
    assert data.iloc[0]["缴费期限（剩余天数）"] == "2026-11-16（逾期11天）"
    assert data.iloc[2]["缴费期限（剩余天数）"] == "2026-11-16（80天）"
    assert data.iloc[0]["应缴金额（元）"] == "1,600.00"
    assert "可缓缴" in page.deferral_note.value and "共4条欠费信息" in page.totals.value
    page.preview_date.value = __import__("datetime").date(2099, 1, 1)
    page.preview_button.click()
    assert "若于2099-01-01缴费" in page.totals.value
    assert page.table.grid.data.iloc[0]["滞纳金（元）"] != "0.00"
    page.pay_button.click()
    assert "刷新" in _dialog(ui).text                                # no payment on previewed figures
    _dialog(ui).button("确定").click()
    page.refresh_button.click()
    assert "截至今天" in page.totals.value


def test_pay_by_agreement_confirm_password_method_result_then_records(ui):
    page = PayPage(ui)
    page.pay_button.click()
    assert "请勾选" in _dialog(ui).text
    _dialog(ui).button("确定").click()
    _tick(page, 0)
    page.pay_button.click()
    note = _dialog(ui)
    assert "须一并缴纳" in note.text                                  # the personal share joins it
    note.button("确定").click()
    confirm = _dialog(ui)
    assert isinstance(confirm, ConfirmItemsDialog) and "2,400.00" in confirm.text and "核对" in confirm.text
    confirm.button("确定").click()
    pw = _dialog(ui)
    assert pw.title == "安全认证"
    pw.password_field.value = "000000"
    pw.button("确定").click()
    assert "申报密码错误" in _dialog(ui).text                          # checked by the bureau
    _dialog(ui).button("确定").click()
    assert page.password == ""
    page.table.select_rows([0, 1])
    page.pay_button.click()
    _dialog(ui).button("确定").click()
    pw = _dialog(ui)
    pw.password_field.value = PASSWORD
    pw.button("确定").click()
    method = _dialog(ui)
    assert isinstance(method, MethodDialog) and "缴费金额：<b>2,400.00</b>" in method.children[1].children[0].value
    assert method.agreement.options[0][0].endswith("（****6700）")
    method.button("确定").click()
    final = _dialog(ui)
    assert isinstance(final, ConfirmMethodDialog) and "三方协议支付" in final.text and "****6700" in final.text
    final.button("确认缴费").click()
    assert page.password == ""
    result = _dialog(ui)
    assert "缴费成功" in result.text
    _no_english(result.text)
    result.button("确定").click()
    assert ui.opened == ["EMP-13"]
    assert page.table.total == 2
    records = PaymentRecordsPage(ui)
    data = records.table.grid.data
    assert data.iloc[0]["缴费状态"] == "缴费成功" and data.iloc[0]["缴费账户"] == "****6700"
    records.table.click(0, "应征凭证序号")
    detail = _dialog(ui)
    assert detail.title == "查看申报明细" and "基本养老保险费" in detail.text


def test_deferrable_items_are_offered_apart(ui):
    page = PayPage(ui)
    _tick(page, 2, 3)
    page.pay_button.click()
    prompt = _dialog(ui)
    assert prompt.title == "可缓缴提醒" and "分开缴纳" in prompt.text
    prompt.button("是").click()
    confirm = _dialog(ui)
    assert isinstance(confirm, ConfirmItemsDialog) and "20.00" in confirm.text and "共 1 条" in confirm.text


def test_voucher_with_a_typed_payer_preview_and_print(ui):
    page = PayPage(ui)
    _tick(page, 0, 1)
    page.pay_button.click()
    _dialog(ui).button("确定").click()
    pw = _dialog(ui)
    pw.password_field.value = PASSWORD
    pw.button("确定").click()
    method = _dialog(ui)
    method.method.value = "voucher"
    method.children[1].children[6].children[2].click()            # 人工录入账户账号信息
    entry = _dialog(ui)
    assert isinstance(entry, PayerEntryDialog)
    entry.button("保存").click()
    assert "请填写付款人名称" in entry.error.value
    entry.name.value, entry.account.value, entry.bank.value = "杭州演示科技有限公司", "6222020200112233", "工商银行西湖支行"
    entry.button("保存").click()
    assert _dialog(ui) is method and method.payer.value == 0
    method.button("确定").click()
    message = _dialog(ui)
    assert "已开具银行端缴费凭证" in message.text
    message.button("确定").click()
    preview = _dialog(ui)
    assert isinstance(preview, VoucherPreviewDialog)
    html = preview.children[1].children[0].value
    assert "银行端查询缴税凭证" in html and "6222020200112233" in html and "贰仟肆佰元整" in html
    preview.button("打印").click()
    name, pdf = ui.saved[-1]
    assert name.endswith(".pdf") and pdf[:5] == b"%PDF-"
    preview.button("关闭").click()
    assert set(page.table.grid.data["状态"][:2]) == {"已开具凭证"}

    vouchers = VouchersPage(ui)
    data = vouchers.table.grid.data
    first = data.index[data["凭证状态"] == "未缴费"][0]
    assert data.loc[first, LINK2] == "重新打印" and data.loc[first, LINK3] == "作废"
    vouchers.table.click(int(first), LINK2)
    reprint = _dialog(ui)
    assert reprint.title == "打印预览"
    reprint.button("打印").click()
    assert ui.saved[-1][1] == pdf                                   # the stored bytes
    reprint.button("关闭").click()
    vouchers.table.click(int(first), "操作")
    detail = _dialog(ui)
    assert detail.title == "查看银行端缴费凭证明细" and "2,400.00" in detail.text
    detail.button("关闭").click()
    vouchers.table.click(int(first), LINK3)
    confirm = _dialog(ui)
    assert "确定作废" in confirm.text
    confirm.button("确定").click()
    assert "作废成功" in _dialog(ui).text
    _dialog(ui).button("确定").click()
    data = vouchers.table.grid.data
    row = data.index[data["凭证序号"] == ui.saved[-1][0].split("_")[1].split(".")[0]][0]
    assert data.loc[row, "凭证状态"] == "已作废" and data.loc[row, LINK2] == "" and data.loc[row, LINK3] == ""
    saved = len(ui.saved)
    vouchers.table.click(int(row), LINK2)
    vouchers.table.click(int(row), LINK3)
    assert ui.dialogs.current is None and len(ui.saved) == saved


def test_vouchers_sync_asks_the_period(ui):
    page = VouchersPage(ui)
    assert page.table.total == 1                                    # entering fetched the last months
    page.sync_button.click()
    d = _dialog(ui)
    assert isinstance(d, PeriodDialog) and re.fullmatch(r"\d{4}-\d{2}", d.start.value)
    d.button("确定").click()
    assert "同步完成" in _dialog(ui).text


def test_unlock_and_the_failure_reason(ui):
    ui.bureau.outcome, ui.bureau.unlock_outcome = "lock", "failure"
    pay = ui.wb.employer.payments
    pay.arrears()
    pay.pay(["SB001-P1", "SB001-P2"], PASSWORD, "agreement", agreement_id=pay.agreements()[0].agreement_id)
    page = PaymentRecordsPage(ui)
    data = page.table.grid.data
    locked = int(data.index[data["缴费状态"] == "锁定"][0])
    assert data.loc[locked, LINK2] == "解锁"
    page.table.click(locked, LINK2)
    pw = _dialog(ui)
    assert pw.title == "安全认证"
    pw.password_field.value = PASSWORD
    pw.button("确定").click()
    result = _dialog(ui)
    assert result.title == "解锁处理结果" and "扣费失败" in result.text
    result.button("确定").click()
    data = page.table.grid.data
    assert data.loc[locked, "缴费状态"] == "缴费失败" and data.loc[locked, LINK2] == ""
    page.table.click(locked, "缴费状态")
    reason = _dialog(ui)
    assert "缴费失败原因" in reason.text and "账户已冻结" in reason.text
    _no_english(reason.text)


def test_a_lost_payment_is_offered_again_on_entry(ui):
    pay = ui.wb.employer.payments
    pay.arrears()
    ui.bureau.drop_next = True
    with pytest.raises(Exception):  # noqa: B017 - the lost answer (ConnectionFailed)
        pay.pay(["SB001-P1", "SB001-P2"], PASSWORD, "agreement", agreement_id=pay.agreements()[0].agreement_id)
    page = PayPage(ui)
    offer = _dialog(ui)
    assert "继续提交" in offer.text and "不会重复扣款" in offer.text
    offer.button("继续提交").click()
    pw = _dialog(ui)
    pw.password_field.value = PASSWORD
    pw.button("确定").click()
    assert "缴费成功" in _dialog(ui).text
    assert page.resend_button.layout.display in ("none", "")
