"""证明打印 pages driven from Python over the real services on MockTransport (the fake bureau of
tests/services/test_certificate_service.py): 开具 starts empty, 查询 lists, 开具 saves the PDF, a second
开具 shows the bureau's message with 前往补开; 补开 saves the marked PDF; 查验 names the missing
fields, shows 真 with the result and the view-only preview, 不符 with the fields; the proof pages list,
print and export, and show the manual's reasons when nothing is found. No English or catalogue IDs."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from sbflib.employer.certificates import CertificateService, PaymentProofService
from sbflib.gateway.client import BureauClient
from sbflib.store.db import Store
from sbflib.system.context import Context, CurrentUnit
from sbflib.ui.components.table import MemorySettings
from sbflib.ui.context import Ui
from sbflib.ui.menus import page_class
from sbflib.ui.pages.payment_proofs import EmployeeProofPage, UnitProofPage
from sbflib.ui.pages.tax_certificates import (
    CheckCertificatePage,
    IssueCertificatePage,
    ReissueCertificatePage,
)

_spec = importlib.util.spec_from_file_location(
    "certificate_fake_bureau", Path(__file__).parents[1] / "services" / "test_certificate_service.py")
assert _spec and _spec.loader
fake = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fake)

ENGLISH = re.compile(r"[A-Za-z]{4,}")


@pytest.fixture
def ui(tmp_path):
    bureau = fake.Bureau()
    client = BureauClient("http://bureau.test", transport=httpx.MockTransport(bureau), sleep=lambda s: None,
                          retries=1)
    store = Store(tmp_path / "client" / "sbf.duckdb")
    ctx = Context(store, client)
    ctx.unit = CurrentUnit(fake.UNIT, fake.TAXPAYER, fake.NAME, "employer", "330100")
    wb = SimpleNamespace(employer=SimpleNamespace(certificates=CertificateService(ctx),
                                                  payment_proofs=PaymentProofService(ctx)),
                         settings=MemorySettings(page_size=10))
    made = Ui(wb, sync=True)
    saved: list[tuple[bytes, str]] = []
    made.save = lambda data, name: saved.append((data, name))  # type: ignore[method-assign]
    navigated: list[str] = []
    made.navigate = navigated.append
    made.bureau, made.saved, made.navigated = bureau, saved, navigated  # type: ignore[attr-defined]
    yield made
    client.close()
    store.close()


def _dialog_text(ui) -> str:
    d = ui.dialogs.current
    return d.text if d is not None else ""


def test_registered_under_their_menus():
    assert page_class("EMP-14") is IssueCertificatePage and page_class("EMP-15") is ReissueCertificatePage
    assert page_class("EMP-26") is CheckCertificatePage
    assert page_class("EMP-16") is EmployeeProofPage and page_class("EMP-17") is UnitProofPage


def test_issue_page_starts_empty_queries_issues_and_points_a_second_issue_to_reissue(ui):
    page = IssueCertificatePage(ui)
    assert page.table.total == 0 and not ui.bureau.requests  # 默认展示空列表
    page.form.query_button.click()
    assert page.table.total == 1
    cols = list(page.table.grid.data.columns)
    for label in ("应征凭证序号", "费款所属期", "实缴金额合计", "入库日期", "开具状态", "操作"):
        assert label in cols
    assert not any(ENGLISH.search(c) for c in cols)
    first = page.table.grid.data.iloc[0]
    assert first["实缴金额合计"] == "3,533.54" and first["开具状态"] == "未开具"
    page.table.click(0, "操作")
    assert [name for _, name in ui.saved] == [f"税收完税证明_{fake.CERT_NO}.pdf"]
    assert ui.saved[0][0][:5] == b"%PDF-" and "已开具" in page.result.value
    assert page.table.grid.data.iloc[0]["开具状态"] == "已开具"
    page.table.click(0, "操作")
    text = _dialog_text(ui)
    assert "已开具" in text and "补开" in text and len(ui.saved) == 1
    ui.dialogs.current.button("前往补开").click()
    assert ui.navigated == ["EMP-15"]


def test_issue_page_bad_months_named(ui):
    page = IssueCertificatePage(ui)
    page.months.value = ("2026-13", "2026-11")
    page.form.query_button.click()
    assert "费款所属期起" in _dialog_text(ui) and not ui.bureau.requests


def test_reissue_page_saves_the_marked_certificate(ui):
    IssueCertificatePage(ui).certs.issue("V1")
    page = ReissueCertificatePage(ui)
    page.form.query_button.click()
    assert page.table.total == 1 and page.table.grid.data.iloc[0]["打印次数"] == "1"
    page.table.click(0, "操作")
    assert ui.saved[-1][1] == f"税收完税证明_{fake.CERT_NO}_补开.pdf"
    assert page.table.grid.data.iloc[0]["打印次数"] == "2" and "补开" in page.result.value


def test_check_page_required_fields_result_and_preview(ui):
    page = CheckCertificatePage(ui)
    assert page.inputs["ticket_kind"].value == "税收完税证明（非印刷）" and page.preview_button.disabled
    page.query_button.click()
    text = _dialog_text(ui)
    assert "纳税人识别号" in text and "金额合计" in text and not ui.bureau.requests
    ui.dialogs.current.button("确定").click()

    page.certs.issue("V1")
    for key, value in (("taxpayer_id", fake.TAXPAYER), ("taxpayer_name", fake.NAME), ("certificate_no", fake.CERT_NO),
                       ("region_code", "330108"), ("total", "3533.54")):
        page.inputs[key].value = value
    page.query_button.click()
    assert "查验结果：真" in page.verdict.value and "0000000001" in page.result_box.value
    assert not page.preview_button.disabled
    page.preview_button.click()
    preview = ui.dialogs.current
    assert preview.title == "预览" and "人民币叁仟伍佰叁拾叁元伍角肆分" in preview.text
    assert "不可下载" in preview.text and [b.description for b in preview.buttons] == ["关闭"]
    preview.button("关闭").click()

    page.inputs["total"].value = "3533.55"
    page.query_button.click()
    assert "不符（金额合计）" in page.verdict.value and page.preview_button.disabled
    assert "0000000001" not in page.result_box.value
    page.reset_button.click()
    assert page.inputs["total"].value == "" and page.inputs["ticket_kind"].value == "税收完税证明（非印刷）"
    assert page.verdict.value == ""


def test_unit_proof_page_lists_prints_exports_and_gives_reasons(ui):
    page = UnitProofPage(ui)
    assert page.table.total == 0
    page.print_button.click()
    assert "请先查询" in _dialog_text(ui)
    ui.dialogs.current.button("确定").click()
    page.months.value = ("2026-10", "2026-10")
    page.form.query_button.click()
    assert page.table.total == 2 and page.reasons.value == ""
    row = page.table.grid.data.iloc[0]
    assert row["征收类型"] == "单位缴费" and row["实缴金额"] == "3,533.34" and row["费款所属期"] == "2026-10"
    page.print_button.click()  # nothing ticked: every row
    assert ui.saved[-1][1].startswith("单位缴费证明_") and ui.saved[-1][1].endswith(".pdf")
    page.table.tick(1)
    page.export_button.click()
    assert ui.saved[-1][1].endswith(".xlsx")
    page.months.value = ("2026-11", "2026-11")
    page.form.query_button.click()
    assert page.table.total == 0
    assert "未查询到单位缴费清单信息" in page.reasons.value and "缴纳的费款未入库" in page.reasons.value
    assert "（最可能）" in page.reasons.value


def test_employee_proof_page_needs_a_person_and_ticks(ui):
    page = EmployeeProofPage(ui)
    assert "居民身份证" in [label for label, _ in page.id_type.options]
    page.months.value = ("2026-10", "2026-10")
    page.form.query_button.click()
    assert "职工姓名或证件号码" in _dialog_text(ui) and not ui.bureau.requests
    ui.dialogs.current.button("确定").click()
    page.person_name.value = "林婷"
    page.form.query_button.click()
    assert page.table.total == 1
    row = page.table.grid.data.iloc[0]
    assert row["姓名"] == "林婷" and "*" in row["证件号码"] and row["单位缴费"] == "1,280.00"
    page.print_button.click()
    assert "请勾选" in _dialog_text(ui) and not ui.saved
    ui.dialogs.current.button("确定").click()
    page.table.tick(0)
    page.print_button.click()
    assert ui.saved[-1][1].startswith("职工缴费证明_") and ui.saved[-1][0][:5] == b"%PDF-"
    page.person_name.value = "查无此人"
    page.form.query_button.click()
    assert page.table.total == 0 and "未查询到该职工的登记信息" in page.reasons.value
    assert page.reasons.value.count("<li>") == 3
