"""单位三方协议管理 page (manual 2.18) driven from Python over the real service on MockTransport: entering
asks the bureau, the list has the manual's columns with the account masked, 新增 with the cascade and
保存 then 验证, 修改 prefilled, 作废 / 撤销 asked first, the bureau's refusal shown as its message, the
form's checks naming the field; no English or catalogue IDs on screen."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from sbflib.employer.agreements import AgreementService
from sbflib.gateway.client import BureauClient
from sbflib.store.db import Store
from sbflib.system.context import Context, CurrentUnit
from sbflib.ui.components.dialogs import _widget_text
from sbflib.ui.components.table import MemorySettings
from sbflib.ui.context import Ui
from sbflib.ui.menus import page_class
from sbflib.ui.pages.agreements import AgreementDialog, AgreementsPage

UNIT = "U000001"
AUTHORITY = "国家税务总局杭州市西湖区税务局"


def _agreement(aid: str, status: str, bank: str, bank_code: str, account: str, flag: str) -> dict[str, Any]:
    return {
        "agreement_id": aid, "protocol_no": "3301" + aid[-8:], "agreement_name": f"{bank}三方协议",
        "customer_name": "杭州演示科技有限公司", "tax_authority": AUTHORITY, "region_code": "330106",
        "region_name": "西湖区", "bank_code": bank_code, "bank_name": bank, "clearing_bank_no": "102331000018",
        "branch_no": "102331000125", "branch_name": "西湖支行", "account_name": "杭州演示科技有限公司",
        "account_no": account, "account_masked": "****" + account[-4:], "batch_flag": flag,
        "allow_debit": flag != "所有非批扣", "status": status, "verify_reason": None,
        "verified_on": "2026-01-05" if status == "验证通过" else None, "ended_how": None, "ended_at": None,
        "created_at": "2026-01-01T09:00:00+08:00", "updated_at": "2026-01-01T09:00:00+08:00",
        "usable": status == "验证通过", "actions": [],
    }


class Bureau:
    def __init__(self) -> None:
        self.rows = [_agreement("00000000000000000002", "未验证", "中国建设银行", "105", "6217000000004518", "所有非批扣"),
                     _agreement("00000000000000000001", "验证通过", "中国工商银行", "102", "6222020200016700", "费批扣")]
        self.sent: list[tuple[str, str, Any]] = []
        self.lists = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/api/v1")
        if request.method == "GET":
            if path == f"/units/{UNIT}/agreements":
                self.lists += 1
                return httpx.Response(200, json=self.rows)
            if path.startswith(f"/units/{UNIT}/agreements/"):
                return httpx.Response(200, json=next(r for r in self.rows if r["agreement_id"] == path.split("/")[-1]))
            if path == f"/units/{UNIT}/registration":
                return httpx.Response(200, json={
                    "unit_id": UNIT, "taxpayer_id": "91330100MA0000000X", "name": "测试", "module": "employer",
                    "region": "330100", "tax_authority": AUTHORITY, "tax_office": "", "unit_numbers": []})
            if path == "/banking/regions":
                q = request.url.params.get("q") or ""
                regions = [{"region_code": "330106", "region_name": "西湖区"},
                           {"region_code": "330110", "region_name": "余杭区"}]
                return httpx.Response(200, json=[r for r in regions if q in r["region_name"] or q in r["region_code"]])
            if re.fullmatch(r"/banking/regions/\d{6}/banks", path):
                return httpx.Response(200, json=[{"bank_code": "102", "bank_name": "中国工商银行"},
                                                 {"bank_code": "105", "bank_name": "中国建设银行"}])
            if re.fullmatch(r"/banking/regions/\d{6}/banks/\d{3}/branches", path):
                code = path.split("/")[5]
                return httpx.Response(200, json=[{"branch_no": f"{code}331000125", "branch_name": "西湖支行",
                                                  "bank_code": code, "clearing_bank_no": f"{code}331000018"}])
        body = json.loads(request.content) if request.content else None
        self.sent.append((request.method, path, body))
        if request.method == "POST" and path == f"/units/{UNIT}/agreements":
            made = _agreement(f"{len(self.rows) + 1:020d}", "未验证", "中国工商银行", body["bank_code"],
                              body["account_no"], "费批扣" if body["allow_debit"] else "所有非批扣")
            made.update(region_code=body["region_code"], branch_no=body["branch_no"],
                        account_name=body["account_name"], tax_authority=body["tax_authority"])
            self.rows.insert(0, made)
            return httpx.Response(201, json=made)
        aid = path.split("/")[4]
        row = next(r for r in self.rows if r["agreement_id"] == aid)
        if request.method == "PUT":
            row.update(account_no=body["account_no"], account_masked="****" + body["account_no"][-4:], status="未验证",
                       usable=False)
            return httpx.Response(200, json=row)
        action = path.split("/")[5]
        if row["status"] == "协议终止":
            return httpx.Response(409, json={"code": "AGREEMENT_ENDED", "message": "该三方协议已终止，不能再作废、撤销或验证"})
        if action == "verify" and row["batch_flag"] == "费批扣" and any(
                r["status"] == "验证通过" and r["batch_flag"] == "费批扣" for r in self.rows if r is not row):
            return httpx.Response(409, json={"code": "AGREEMENT_BATCH_EXISTS",
                                             "message": "单位已有验证通过的费批扣协议（中国工商银行 ****6700），"
                                                        "请将本协议改为不允许代扣，或撤销原协议"})
        if action == "void" and row["status"] == "验证通过":
            return httpx.Response(409, json={"code": "AGREEMENT_NOT_VOIDABLE",
                                             "message": "验证通过的三方协议不能作废，请撤销该协议"})
        if action == "verify":
            row.update(status="验证通过", usable=True, verified_on="2026-11-27")
        else:
            row.update(status="协议终止", usable=False, ended_how="作废" if action == "void" else "撤销")
        return httpx.Response(200, json=row)


@pytest.fixture
def page(tmp_path):
    bureau = Bureau()
    client = BureauClient("http://bureau.test", transport=httpx.MockTransport(bureau), sleep=lambda s: None,
                          retries=1)
    store = Store(tmp_path / "client" / "sbf.duckdb")
    ctx = Context(store, client)
    ctx.unit = CurrentUnit(UNIT, "91330100MA0000000X", "测试单位", "employer", "330100")
    wb = SimpleNamespace(employer=SimpleNamespace(agreements=AgreementService(ctx)),
                         settings=MemorySettings(page_size=10))
    p = AgreementsPage(Ui(wb, sync=True))
    p.bureau = bureau  # type: ignore[attr-defined]
    yield p
    client.close()
    store.close()


def _screen_text(page: AgreementsPage) -> str:
    texts = [_widget_text(page)] + [_widget_text(d) for d in page.ui.dialogs.stack]
    texts += [" ".join(map(str, page.table.grid.data.columns))]
    texts += [" ".join(str(v) for v in row) for row in page.table.grid.data.itertuples(index=False)]
    return " ".join(texts)


def _no_english(text: str) -> None:
    assert not re.search(r"[A-Za-z]{2,}", text.replace("YYYY", "")), text
    assert "EMP" not in text


def _top(page: AgreementsPage) -> Any:
    return page.ui.dialogs.current


def test_registered_and_entering_lists_the_manuals_columns_masked(page):
    assert page_class("EMP-18") is AgreementsPage
    assert page.bureau.lists == 1
    cols = list(page.table.grid.data.columns)
    for label in ("序号", "客户名称", "银行名称", "协议编号", "三方协议号", "开户行号", "税务机关",
                  "通过日期", "协议状态", "协议用途", "缴费账号", "操作"):
        assert label in cols, label
    data = page.table.grid.data
    assert list(data["缴费账号"]) == ["****4518", "****6700"]
    assert not any("6222020200016700" in str(v) for row in data.itertuples() for v in row)
    assert list(data["通过日期"]) == ["", "2026-01-05"]
    assert list(data["操作"]) == ["修改", "修改"]
    links = [c for c in cols if c == "操作" or c.strip("\u3000") == ""]
    assert [list(data[c]) for c in links] == [["修改", "修改"], ["作废", "撤销"], ["验证", "验证"]]
    _no_english(_screen_text(page))
    page.refresh_button.click()
    assert page.bureau.lists == 2


def test_new_with_the_cascade_save_then_verify(page):
    page.add_button.click()
    dialog = _top(page)
    assert isinstance(dialog, AgreementDialog) and dialog.title == "新增单位三方协议"
    assert "单位允许银行代扣的协议只有一个" in dialog.text
    _no_english(_screen_text(page))
    assert dialog.authority.value == AUTHORITY  # the unit's only tax authority, chosen
    # a choice left open is named before anything is sent
    dialog.save_button.click()
    assert "【是否允许银行代扣】" in _top(page).text
    _top(page).dismiss()
    dialog.debit.value = "允许代扣"
    dialog.region_search.value = "余杭"   # fuzzy search: one hit is chosen, its banks load
    assert dialog.region.value == "330110"
    assert [t for t, _v in dialog.bank.options] == ["请选择", "中国工商银行", "中国建设银行"]
    dialog.bank.value = "102"
    assert dialog.branch.options[1] == ("西湖支行", "102331000125")
    dialog.branch.value = "102331000125"
    dialog.account_name.value = "杭州演示科技有限公司"
    dialog.account_no.value = "6222"
    dialog.save_button.click()
    assert "【缴费账号】" in _top(page).text and "8至32位数字" in _top(page).text
    _top(page).dismiss()
    assert page.bureau.sent == []
    dialog.account_no.value = "6222020200012345"
    assert dialog.verify_button.disabled
    dialog.save_button.click()
    assert page.bureau.sent[-1][0:2] == ("POST", f"/units/{UNIT}/agreements")
    assert page.bureau.sent[-1][2]["region_code"] == "330110" and page.bureau.sent[-1][2]["allow_debit"] is True
    assert "未验证" in _top(page).text
    _top(page).dismiss()
    assert page.table.grid.data["缴费账号"].iloc[0] == "****2345"
    assert not dialog.verify_button.disabled
    dialog.verify_button.click()   # a second 费批扣: the bureau refuses, its message shown
    assert "费批扣" in _top(page).text and "撤销原协议" in _top(page).text
    _no_english(_widget_text(_top(page).body.children[0]))  # the message; the address only behind 详情


def test_modify_is_prefilled_and_saves_unverified(page):
    page.table.click(1, "操作")  # 修改 of the verified one
    dialog = _top(page)
    assert dialog.title == "修改单位三方协议" and "中国工商银行三方协议" in dialog.text
    assert "清算行行号：102331000018" in dialog.text
    assert (dialog.debit.value, dialog.region.value, dialog.bank.value, dialog.branch.value) == (
        "允许代扣", "330106", "102", "102331000125")
    assert dialog.account_no.value == "6222020200016700"
    dialog.account_no.value = "6222020200017777"
    dialog.save_button.click()
    method, path, body = page.bureau.sent[-1]
    assert method == "PUT" and path.endswith("/00000000000000000001") and body["account_no"] == "6222020200017777"
    _top(page).dismiss()
    assert list(page.table.grid.data["协议状态"]) == ["未验证", "未验证"]


def test_void_and_revoke_ask_first_and_refusals_are_the_bureaus_message(page):
    end_label = next(c for c in page.table.grid.data.columns if c.strip("\u3000") == "")
    page.table.click(1, end_label)   # 撤销 of the verified one
    assert "是否确定撤销该协议" in _top(page).text
    _top(page).button("取消").click()
    assert page.bureau.sent == []  # 取消 sent nothing
    page.table.click(1, end_label)
    _top(page).button("确定").click()
    assert page.bureau.sent[-1][1].endswith("/00000000000000000001/revoke")
    assert "撤销成功" in _top(page).text
    _top(page).dismiss()
    assert list(page.table.grid.data["协议状态"]) == ["未验证", "协议终止"]
    assert list(page.table.grid.data[end_label]) == ["作废", "作废"]
    page.table.click(0, end_label)   # 作废 of the unverified one
    confirm = _top(page)
    assert "是否确定作废该协议" in confirm.text
    confirm.button("确定").click()
    assert page.bureau.sent[-1][1].endswith("/00000000000000000002/void") and "作废成功" in _top(page).text
    _top(page).dismiss()
    page.table.click(0, end_label)   # an ended agreement: the bureau refuses, its message shown
    _top(page).button("确定").click()
    assert "已终止" in _top(page).text
    _no_english(_widget_text(_top(page).body.children[0]))


def test_verify_asks_then_shows_the_result(page):
    verify_label = [c for c in page.table.grid.data.columns if c.strip("\u3000") == ""][-1]
    page.table.click(0, verify_label)
    assert "中国建设银行 ****4518" in _top(page).text
    _top(page).button("确定").click()
    assert "验证通过" in _top(page).text
    _top(page).dismiss()
    assert page.table.grid.data["协议状态"].iloc[0] == "验证通过"


def test_modify_of_an_unverified_agreement_may_verify_at_once_but_not_unsaved_changes(page):
    page.table.click(0, "操作")  # 修改 of the unverified one
    dialog = _top(page)
    assert not dialog.verify_button.disabled
    dialog.account_no.value = "6217000000009999"
    dialog.verify_button.click()
    assert "请先点击【保存】" in _top(page).text
    _top(page).dismiss()
    assert page.bureau.sent == []
    dialog.account_no.value = "6217000000004518"
    dialog.verify_button.click()
    assert page.bureau.sent[-1][1].endswith("/00000000000000000002/verify")
    assert "验证通过" in _top(page).text
