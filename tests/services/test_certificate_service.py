"""证明打印 services over MockTransport (manual 2.14-2.17, 2.26): the 开具 list with Decimal money, 开具
printing the bureau's certificate (taxpayer, every item, total in figures and capitals), a second 开具
refused as the bureau says (补开), 补开 marked; 查验 fields checked before anything is sent (named in
Chinese), true with the result, false naming the fields that differ from the unit's own certificate;
缴费证明 rows, PDFs, .xlsx and the reasons when nothing is found; malformed answers as BAD_RESPONSE."""

from __future__ import annotations

import copy
import io
import json
from decimal import Decimal
from typing import Any

import httpx
import openpyxl
import pypdf
import pytest

from sbflib.employer.certificates import CertificateService, PaperFields, PaymentProofService
from sbflib.errors import BureauError, ConnectionFailed, ValidationError
from sbflib.gateway.client import BureauClient
from sbflib.store.db import Store
from sbflib.system.context import Context, CurrentUnit

UNIT = "U000001"
TAXPAYER = "91330100MA0000000X"
NAME = "测试单位"
CERT_NO = "33301082600000000001"

ITEMS = [
    {"seq": 1, "item_key": "D1-P1", "voucher_no": "V1", "item_code": "10201", "item_name": "基本养老保险费",
     "subitem_name": "职工基本养老保险(单位缴纳)", "period_start": "2026-10", "period_end": "2026-10",
     "paid_on": "2026-11-10", "arrived_on": "2026-11-12", "amount": "3533.34"},
    {"seq": 2, "item_key": "D1-P2", "voucher_no": "V1", "item_code": "10201", "item_name": "基本养老保险费",
     "subitem_name": "职工基本养老保险(个人缴纳)", "period_start": "2026-10", "period_end": "2026-10",
     "paid_on": "2026-11-10", "arrived_on": "2026-11-12", "amount": "0.20"},
]
CERT = {"certificate_no": CERT_NO, "ticket_kind": "税收完税证明（非印刷）", "taxpayer_id": TAXPAYER, "taxpayer_name": NAME,
        "region_code": "330108", "region_name": "西湖区", "tax_authority": "国家税务总局杭州市西湖区税务局",
        "treasury": "国家金库杭州市中心支库", "ticket_track": "(2026)浙证非印", "ticket_no": "0000000001",
        "voucher_no": "V1", "issued_on": "2026-11-27", "issued_at": "2026-11-27T09:30:00+08:00",
        "issuer": "单位社保费管理客户端", "total": "3533.54", "status": "正常", "prints": 1, "print_label": "第1次打印",
        "last_printed_at": "2026-11-27T09:30:00+08:00", "reissue": False, "period_start": "2026-10",
        "period_end": "2026-10", "items": ITEMS}
UNIT_ROW = {"tax_authority": "西湖区税务局", "agency": "西湖区社保中心", "unit_number": "1234", "item_code": "10201",
            "item_name": "基本养老保险费", "subitem_name": "职工基本养老保险(单位缴纳)", "subitem_detail": None,
            "payer": "unit", "payer_name": "单位缴费", "period_start": "2026-10", "period_end": "2026-10",
            "arrived_on": "2026-11-12", "amount": "3533.34", "voucher_no": "V1"}
PERSON_ROW = {"employee_id": "E1", "name": "林婷", "id_type": "居民身份证", "id_number": "11010519491231002X",
              "unit_number": "1234", "agency": "西湖区社保中心", "tax_authority": "西湖区税务局", "item_code": "10201",
              "item_name": "基本养老保险费", "subitem_name": "职工基本养老保险", "month": "2026-10", "base": "8000.00",
              "unit_amount": "1280.00", "personal_amount": "640.00", "amount": "1920.00", "arrived_on": "2026-11-12",
              "voucher_no": "V1"}
UNIT_REASONS = ["职工在输入的费款所属期内未完成社保费缴纳", "缴纳的费款未入库"]
EMPLOYEE_REASONS = ["未查询到该职工的登记信息，即职工参保信息中不存在该人员", *UNIT_REASONS]


class Bureau:
    """The certificate routes of docs/api.md for one unit with one 电子税票 (V1)."""

    def __init__(self) -> None:
        self.issued: dict[str, Any] | None = None
        self.requests: list[httpx.Request] = []
        self.bad = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path.removeprefix(f"/api/v1/units/{UNIT}")
        q = request.url.params
        if self.bad:
            return httpx.Response(200, json={"rows": "oops"} if "proofs" in path else [{"voucher_no": "V1"}])
        if path == "/tax-certificates/issuable":
            return httpx.Response(200, json=[{
                "voucher_no": "V1", "taxpayer_id": TAXPAYER, "taxpayer_name": NAME, "tax_authority": "西湖区税务局",
                "period_start": "2026-10", "period_end": "2026-10", "items": 2, "total": "3533.54",
                "paid_on": "2026-11-10", "arrived_on": "2026-11-12", "status": "已开具" if self.issued else "未开具",
                "certificate_no": CERT_NO if self.issued else None}])
        if path == "/tax-certificates" and request.method == "POST":
            voucher = json.loads(request.content)["voucher_no"]
            if voucher != "V1":
                return httpx.Response(404, json={"code": "CERTIFICATE_NOTHING_TO_ISSUE", "message": "没有已入库的费款"})
            if self.issued:
                return httpx.Response(409, json={"code": "CERTIFICATE_ALREADY_ISSUED", "message":
                                                 f"应征凭证序号V1的税收完税证明已开具（电子税票号码{CERT_NO}），如需重新打印请到补开菜单补开"})
            self.issued = copy.deepcopy(CERT)
            return httpx.Response(201, json=self.issued)
        if path == "/tax-certificates":
            return httpx.Response(200, json=[self.issued] if self.issued else [])
        if path == f"/tax-certificates/{CERT_NO}/reissue" and self.issued:
            self.issued["prints"] += 1
            self.issued["print_label"] = f"第{self.issued['prints']}次打印"
            return httpx.Response(200, json={**self.issued, "reissue": True})
        if path == f"/tax-certificates/{CERT_NO}" and self.issued:
            return httpx.Response(200, json=self.issued)
        if path.startswith("/tax-certificates/"):
            return httpx.Response(404, json={"code": "CERTIFICATE_NOT_FOUND", "message": "未找到本单位的税收完税证明"})
        if path == "/tax-certificate-checks":
            ok = (self.issued is not None and q["certificate_no"] == CERT_NO and q["taxpayer_name"] == NAME
                  and q["total"] == "3533.54" and q["region_code"] == "330108" and q["taxpayer_id"] == TAXPAYER)
            if not ok:
                return httpx.Response(200, json={"genuine": False, "message": "查验不一致：未查询到与所录票面信息一致的税收完税证明",
                                                 "result": None, "certificate": None})
            result = {"taxpayer_id": TAXPAYER, "taxpayer_name": NAME, "certificate_no": CERT_NO,
                      "ticket_kind_name": "税收完税证明（非印刷）", "ticket_track_name": "(2026)浙证非印",
                      "treasury": "国家金库杭州市中心支库", "ticket_no": "0000000001", "issued_on": "2026-11-27",
                      "issuer": "单位社保费管理客户端", "status": "正常", "voided_by": None, "voided_on": None,
                      "void_reason": None}
            return httpx.Response(200, json={"genuine": True, "message": "查验一致", "result": result,
                                             "certificate": self.issued})
        if path == "/payment-proofs/unit":
            if q["from"] > "2026-10":
                return httpx.Response(200, json={"rows": [], "reason": UNIT_REASONS[0], "reasons": UNIT_REASONS})
            return httpx.Response(200, json={"rows": [UNIT_ROW, {**UNIT_ROW, "payer": "personal",
                                                                 "payer_name": "个人缴费", "amount": "0.20"}],
                                             "reason": None, "reasons": UNIT_REASONS})
        if path == "/payment-proofs/employees":
            if q.get("name") != "林婷":
                return httpx.Response(200, json={"rows": [], "reason": EMPLOYEE_REASONS[0], "reasons": EMPLOYEE_REASONS})
            return httpx.Response(200, json={"rows": [PERSON_ROW], "reason": None, "reasons": EMPLOYEE_REASONS})
        return httpx.Response(404, json={"code": "NOT_FOUND", "message": "未找到"})


@pytest.fixture
def env(tmp_path):
    bureau = Bureau()
    client = BureauClient("http://bureau.test", transport=httpx.MockTransport(bureau), sleep=lambda s: None,
                          retries=1)
    store = Store(tmp_path / "client" / "sbf.duckdb")
    ctx = Context(store, client)
    ctx.unit = CurrentUnit(UNIT, TAXPAYER, NAME, "employer", "330100")
    yield bureau, CertificateService(ctx), PaymentProofService(ctx)
    client.close()
    store.close()


def _text(pdf: bytes) -> str:
    return "".join("".join(p.extract_text().split()) for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_issuable_list_with_decimal_money_and_the_months_sent(env):
    bureau, certs, _ = env
    df = certs.issuable("2026-01", "2026-11")
    assert list(df["voucher_no"]) == ["V1"] and df.loc[0, "total"] == Decimal("3533.54")
    assert isinstance(df.loc[0, "total"], Decimal) and df.loc[0, "period_range"] == "2026-10"
    assert df.loc[0, "status"] == "未开具" and df.loc[0, "arrived_on"].isoformat() == "2026-11-12"
    assert bureau.requests[-1].url.params["from"] == "2026-01" and bureau.requests[-1].url.params["to"] == "2026-11"
    certs.issuable()
    assert "from" not in bureau.requests[-1].url.params


@pytest.mark.parametrize("start, end, field", [("2026-13", "", "费款所属期起"), ("", "2026/11", "费款所属期止"),
                                               ("2026-11", "2026-10", "费款所属期起")])
def test_bad_months_are_refused_before_anything_is_sent(env, start, end, field):
    bureau, certs, proofs = env
    with pytest.raises(ValidationError) as refused:
        certs.issuable(start, end)
    assert field in str(refused.value) and not bureau.requests
    with pytest.raises(ValidationError):
        proofs.unit(start, end)
    with pytest.raises(ValidationError, match="请输入费款所属期起止"):
        proofs.unit("", "2026-10")
    assert not bureau.requests


def test_issue_prints_the_certificate_then_a_second_issue_is_refused_towards_reissue(env):
    bureau, certs, _ = env
    done = certs.issue("V1")
    assert done.filename == f"税收完税证明_{CERT_NO}.pdf" and done.certificate.total == Decimal("3533.54")
    assert bureau.requests[-1].headers["Idempotency-Key"]
    text = _text(done.pdf)
    for piece in (NAME, TAXPAYER, CERT_NO, "职工基本养老保险(单位缴纳)", "职工基本养老保险(个人缴纳)", "3,533.34", "0.20",
                  "3,533.54", "人民币叁仟伍佰叁拾叁元伍角肆分", "第1次打印"):
        assert piece in text, piece
    assert "补开" not in text
    assert certs.issuable().loc[0, "status"] == "已开具"
    with pytest.raises(BureauError) as refused:
        certs.issue("V1")
    assert certs.already_issued(refused.value) and "补开" in str(refused.value)
    with pytest.raises(BureauError) as nothing:
        certs.issue("V9")
    assert not certs.already_issued(nothing.value)
    with pytest.raises(ValidationError, match="请选择"):
        certs.issue(" ")


def test_reissue_is_the_same_certificate_marked(env):
    _, certs, _ = env
    first = certs.issue("V1")
    listed = certs.issued("2026-10", "2026-10")
    assert list(listed["certificate_no"]) == [CERT_NO] and listed.loc[0, "total"] == Decimal("3533.54")
    again = certs.reissue(CERT_NO)
    assert again.certificate.reissue and again.filename == f"税收完税证明_{CERT_NO}_补开.pdf"
    assert again.certificate.items == first.certificate.items and again.certificate.prints == 2
    text = _text(again.pdf)
    assert "补开" in text and "第2次打印" in text and "人民币叁仟伍佰叁拾叁元伍角肆分" in text
    with pytest.raises(ValidationError, match="电子税票号码"):
        certs.reissue("12/../x")


def test_check_required_fields_named_before_the_call(env):
    bureau, certs, _ = env
    with pytest.raises(ValidationError) as missing:
        certs.check(PaperFields(taxpayer_id=TAXPAYER))
    text = str(missing.value)
    assert "纳税人名称" in text and "电子税票号码" in text and "行政区划" in text and "金额合计" in text
    assert "纳税人识别号" not in text.split("：", 1)[1]
    base = {"taxpayer_id": TAXPAYER, "taxpayer_name": NAME, "certificate_no": CERT_NO, "region_code": "330108",
            "total": "3533.54"}
    for change, field in (({"total": "12.345"}, "金额合计"), ({"total": "abc"}, "金额合计"),
                          ({"region_code": "3301"}, "行政区划"), ({"certificate_no": "No.1"}, "电子税票号码"),
                          ({"taxpayer_id": "123"}, "纳税人识别号"), ({"ticket_kind": "其他"}, "税收票证种类")):
        with pytest.raises(ValidationError) as refused:
            certs.check(PaperFields(**{**base, **change}))
        assert field in str(refused.value), change
    assert not bureau.requests


def test_check_true_with_result_and_preview_false_naming_fields(env):
    bureau, certs, _ = env
    certs.issue("V1")
    paper = {"taxpayer_id": TAXPAYER, "taxpayer_name": NAME, "certificate_no": CERT_NO, "region_code": "330108",
             "total": "¥3,533.54"}
    found = certs.check(PaperFields(**paper))
    assert found.genuine and found.verdict == "真" and found.certificate is not None
    assert dict(found.result)["票证号码"] == "0000000001" and dict(found.result)["作废人"] == ""
    assert [label for label, _ in found.result][:3] == ["纳税人识别号", "纳税人名称", "电子税票号码"]
    assert bureau.requests[-1].url.params["total"] == "3533.54"
    wrong = certs.check(PaperFields(**{**paper, "total": "3533.55", "region_code": "330106"}))
    assert not wrong.genuine and wrong.mismatched == ("行政区划", "金额合计")
    assert wrong.verdict == "不符（行政区划、金额合计）" and wrong.certificate is None
    other = certs.check(PaperFields(**{**paper, "certificate_no": "1" * 20}))
    assert other.verdict == "不符" and other.mismatched == ()


def test_unit_proof_rows_pdf_export_and_reasons(env):
    _, _, proofs = env
    found = proofs.unit("2026-10", "2026-10")
    assert not found.empty and list(found.rows["payer_name"]) == ["单位缴费", "个人缴费"]
    assert sum(found.rows["amount"]) == Decimal("3533.54") and found.rows.loc[0, "subitem_detail"] == ""
    text = _text(proofs.unit_pdf(found.rows, "2026-10", "2026-10"))
    assert NAME in text and "人民币叁仟伍佰叁拾叁元伍角肆分" in text and "单位社会保险费缴费证明" in text
    sheet = openpyxl.load_workbook(io.BytesIO(proofs.export_unit(found.rows))).active
    assert [c.value for c in sheet[1]] == list(PaymentProofService.UNIT_COLUMNS.values())
    assert sheet.max_row == 3
    none = proofs.unit("2026-11", "2026-11")
    assert none.empty and none.reason == UNIT_REASONS[0] and none.reasons == tuple(UNIT_REASONS)


def test_employee_proof_rows_pdf_export_masked_and_reasons(env):
    bureau, _, proofs = env
    with pytest.raises(ValidationError, match="职工姓名或证件号码"):
        proofs.employees("2026-10", "2026-10")
    assert not bureau.requests
    found = proofs.employees("2026-10", "2026-10", name=" 林婷 ", id_type="居民身份证")
    assert bureau.requests[-1].url.params["name"] == "林婷" and "id_number" not in bureau.requests[-1].url.params
    row = found.rows.iloc[0]
    assert row["unit_amount"] + row["personal_amount"] == row["amount"] == Decimal("1920.00")
    assert row["id_number_masked"] != row["id_number"] and "*" in row["id_number_masked"]
    text = _text(proofs.employee_pdf(found.rows, "2026-10", "2026-10"))
    assert "林婷" in text and "11010519491231002X" in text and "人民币壹仟玖佰贰拾元整" in text
    sheet = openpyxl.load_workbook(io.BytesIO(proofs.export_employees(found.rows))).active
    assert "11010519491231002X" not in [c.value for c in sheet[2]]
    full = openpyxl.load_workbook(io.BytesIO(proofs.export_employees(found.rows, full_ids=True))).active
    assert "11010519491231002X" in [c.value for c in full[2]]
    nobody = proofs.employees("2026-10", "2026-10", id_number="110105194912310000")
    assert nobody.empty and nobody.reason == EMPLOYEE_REASONS[0] and len(nobody.reasons) == 3
    assert "居民身份证" in proofs.id_types()


def test_malformed_answers_are_bad_response_in_chinese(env):
    bureau, certs, proofs = env
    bureau.bad = True
    for call in (certs.issuable, lambda: proofs.unit("2026-10", "2026-10")):
        with pytest.raises(ConnectionFailed) as failed:
            call()
        assert failed.value.code == "BAD_RESPONSE" and "应答无法识别" in str(failed.value)
