"""证明打印 through the client against a real bureau on loopback (manual 2.14-2.17, 2.26): a paid
declaration's 电子税票 is issued once (开具, its PDF names the taxpayer, every item and the total in
figures and capitals), a second 开具 is refused with the bureau's message pointing to 补开, 补开 gives
the same certificate marked 补开; 查验 true with the result and the preview, false naming the fields
that differ; the unit and employee payment proofs with rows (PDF, .xlsx) and without (the reasons).

Spare unit (tests/conftest.py): U000046 (shared with the agreements/refunds tests; every test starts
from `logged_in`, which resets it).
"""

from __future__ import annotations

import io
import time
import uuid
from decimal import Decimal
from typing import Any

import httpx
import openpyxl
import pypdf
import pytest

from sbflib.domain import clock
from sbflib.domain.capitals import to_capitals
from sbflib.domain.money import format_money
from sbflib.domain.months import add_months
from sbflib.employer.certificates import PaperFields
from sbflib.errors import BureauError, ValidationError

UNIT = "U000046"


def _settings(bureau: Any, delay: float) -> None:
    httpx.post(f"{bureau.api}/demo/settings", json={"feedback_delay_s": delay}, headers=bureau.demo_headers,
               timeout=10).raise_for_status()


def _paid(bureau: Any, token: str, item_code: str = "10201") -> dict[str, Any]:
    """Declare the unit's current-month 01 group of one item and pay it (demo): its record."""
    http = httpx.Client(base_url=f"{bureau.api}/units/{UNIT}", timeout=60, headers={"Authorization": f"Bearer {token}"})
    try:
        rows = [r for r in http.get("/preprocessing", params={"channel": "daily"}).json()
                if r["source_code"] == "01" and r["item_code"] == item_code and not r["back_pay"]
                and r["status"] == "未申报"]
        total = sum((Decimal(r["amount"]) for r in rows), Decimal("0.00"))
        resp = http.post("/declarations", json={"channel": "daily", "prep_ids": [r["prep_id"] for r in rows],
                                                "total_due": f"{total:.2f}"},
                         headers={"Idempotency-Key": uuid.uuid4().hex})
        assert resp.status_code == 202, resp.text
        [record] = resp.json()["declarations"]
        deadline = time.monotonic() + 20
        while record["status"] == "待反馈" and time.monotonic() < deadline:
            time.sleep(0.2)
            record = http.get(f"/declarations/{record['declaration_id']}").json()["record"]
        assert record["status"] == "申报成功", record
        paid = httpx.post(f"{bureau.api}/demo/units/{UNIT}/declarations/{record['declaration_id']}/payment",
                          json={"pay_status": "已缴费"}, headers=bureau.demo_headers, timeout=30)
        assert paid.status_code == 200, paid.text
        return record
    finally:
        http.close()


def _text(pdf: bytes) -> str:
    assert pdf[:5] == b"%PDF-"
    return "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def _flat(text: str) -> str:
    return "".join(text.split())


@pytest.fixture
def paid(logged_in, bureau):
    wb = logged_in(UNIT)
    _settings(bureau, 0)
    record = _paid(bureau, wb.ctx.client.token)
    yield wb, record
    _settings(bureau, 5)


def test_issue_once_then_refused_pointing_to_reissue_which_prints_the_same_marked(paid):
    wb, record = paid
    certs = wb.employer.certificates
    month = clock.current_month()
    listed = certs.issuable(month, month)
    mine = listed[listed["voucher_no"] == record["voucher_no"]]
    assert len(mine) == 1 and mine.iloc[0]["status"] == "未开具"
    assert isinstance(mine.iloc[0]["total"], Decimal) and mine.iloc[0]["total"] == Decimal(record["total_due"])
    assert certs.issuable(add_months(month, 1), add_months(month, 2)).empty

    first = certs.issue(record["voucher_no"])
    cert = first.certificate
    assert first.filename == f"税收完税证明_{cert.certificate_no}.pdf" and not cert.reissue
    text = _flat(_text(first.pdf))
    unit = wb.ctx.unit
    assert unit is not None and unit.name in text and unit.taxpayer_id in text
    assert cert.certificate_no in text and "补开" not in text
    for item in cert.items:
        assert item.subitem_name in text and format_money(item.amount) in text
    assert cert.total == Decimal(record["total_due"]) == sum(i.amount for i in cert.items)
    assert to_capitals(cert.total, prefix=True) in text and format_money(cert.total) in text

    after = certs.issuable(month, month)
    row = after[after["voucher_no"] == record["voucher_no"]].iloc[0]
    assert row["status"] == "已开具" and row["certificate_no"] == cert.certificate_no

    with pytest.raises(BureauError) as refused:
        certs.issue(record["voucher_no"])
    assert certs.already_issued(refused.value)
    assert "补开" in str(refused.value) and cert.certificate_no in str(refused.value)

    issued = certs.issued(month, month)
    assert list(issued["certificate_no"]) == [cert.certificate_no] and issued.iloc[0]["total"] == cert.total
    again = certs.reissue(cert.certificate_no)
    assert again.certificate.reissue and again.certificate.prints == 2 and again.filename.endswith("_补开.pdf")
    assert (again.certificate.certificate_no, again.certificate.items, again.certificate.total,
            again.certificate.issued_on) == (cert.certificate_no, cert.items, cert.total, cert.issued_on)
    marked = _flat(_text(again.pdf))
    assert "补开" in marked and "第2次打印" in marked
    for item in cert.items:
        assert item.subitem_name in marked and format_money(item.amount) in marked
    assert to_capitals(cert.total, prefix=True) in marked
    assert certs.issued(month, month).iloc[0]["prints"] == 2


def test_check_true_with_the_preview_and_false_naming_the_fields(paid):
    wb, record = paid
    certs = wb.employer.certificates
    cert = certs.issue(record["voucher_no"]).certificate
    paper = PaperFields(taxpayer_id=cert.taxpayer_id, taxpayer_name=cert.taxpayer_name,
                        certificate_no=cert.certificate_no, region_code=cert.region_code, total=f"{cert.total:,.2f}")
    found = certs.check(paper)
    assert found.genuine and found.verdict == "真" and "一致" in found.message
    result = dict(found.result)
    assert result["电子税票号码"] == cert.certificate_no and result["票证号码"] == cert.ticket_no
    assert result["收款国库名称"] == cert.treasury and result["票证状态"] == "正常"
    assert found.certificate is not None and found.certificate.items == cert.items

    wrong = certs.check(PaperFields(**{**paper.__dict__, "total": str(cert.total + Decimal("0.01")),
                                       "taxpayer_name": "别的公司"}))
    assert not wrong.genuine and wrong.certificate is None and wrong.result == ()
    assert wrong.mismatched == ("纳税人名称", "金额合计") and wrong.verdict == "不符（纳税人名称、金额合计）"
    stranger = certs.check(PaperFields(**{**paper.__dict__, "certificate_no": "3" * 20}))
    assert not stranger.genuine and stranger.mismatched == () and stranger.verdict == "不符"

    with pytest.raises(ValidationError) as missing:
        certs.check(PaperFields(taxpayer_id=cert.taxpayer_id, total="1"))
    assert "纳税人名称" in str(missing.value) and "电子税票号码" in str(missing.value)
    assert "行政区划" in str(missing.value)


def test_proofs_with_rows_print_and_export_and_without_give_the_reasons(paid):
    wb, record = paid
    proofs = wb.employer.payment_proofs
    month = clock.current_month()
    later = add_months(month, 3)

    unit = proofs.unit(month, month)
    mine = unit.rows[unit.rows["voucher_no"] == record["voucher_no"]]
    assert not unit.empty and unit.reason is None
    assert set(mine["payer_name"]) == {"单位缴费", "个人缴费"}
    assert sum(mine["amount"]) == Decimal(record["total_due"]) and all(isinstance(v, Decimal) for v in mine["amount"])
    text = _flat(_text(proofs.unit_pdf(mine, month, month)))
    assert wb.ctx.unit.name in text and "单位社会保险费缴费证明" in text
    assert to_capitals(sum(mine["amount"]), prefix=True) in text
    sheet = openpyxl.load_workbook(io.BytesIO(proofs.export_unit(mine))).active
    assert [c.value for c in sheet[1]][:3] == ["征收经办机构", "社保经办机构", "单位编号"] and sheet.max_row == len(mine) + 1

    none = proofs.unit(later, later)
    assert none.empty and none.reason == "职工在输入的费款所属期内未完成社保费缴纳" and len(none.reasons) == 2

    lines = httpx.get(f"{wb.ctx.client.base_url}/api/v1/units/{UNIT}/declarations/{record['declaration_id']}/lines",
                      headers={"Authorization": f"Bearer {wb.ctx.client.token}"}, timeout=30)
    from sbflib.bureau.declarations import decode_lines

    first = decode_lines(lines.content).to_pylist()[0]
    person = proofs.employees(month, month, name=first["name"], id_number=first["id_number"])
    assert not person.empty and set(person.rows["id_number"]) == {first["id_number"]}
    assert "*" in person.rows.iloc[0]["id_number_masked"]
    assert all(r.unit_amount + r.personal_amount == r.amount for r in person.rows.itertuples())
    text = _flat(_text(proofs.employee_pdf(person.rows, month, month)))
    assert first["name"] in text and first["id_number"] in text and "职工社会保险费缴费证明" in text
    sheet = openpyxl.load_workbook(io.BytesIO(proofs.export_employees(person.rows))).active
    assert sheet.max_row == len(person.rows) + 1 and first["id_number"] not in [c.value for c in sheet[2]]

    nobody = proofs.employees(month, month, name="查无此人")
    assert nobody.empty and nobody.reason.startswith("未查询到该职工的登记信息") and len(nobody.reasons) == 3
    unpaid = proofs.employees(later, later, name=first["name"])
    assert unpaid.empty and unpaid.reason == "职工在输入的费款所属期内未完成社保费缴纳"
    with pytest.raises(ValidationError, match="职工姓名"):
        proofs.employees(month, month)
    with pytest.raises(ValidationError, match="费款所属期起"):
        proofs.unit(later, month)


def test_every_ticket_in_the_treasury_issues_and_prints(paid):
    """The demo's payments in other channels (late fees as lines of their own) print as well."""
    wb, _record = paid
    certs = wb.employer.certificates
    listed = certs.issuable()
    assert len(listed) >= 2
    for voucher in listed["voucher_no"]:
        done = certs.issue(voucher)
        text = _flat(_text(done.pdf))
        assert to_capitals(done.certificate.total, prefix=True) in text
        assert done.certificate.total == sum(i.amount for i in done.certificate.items)
