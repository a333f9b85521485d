"""申报记录 / 工程项目社保费申报记录 / 社保费申报明细 services over MockTransport and a temporary store:
sync of a range replaces only that range, Decimal money through Arrow, detail downloads the rows and
lines once, 作废 keeps its key until answered (a lost answer re-sent with the same key), refusals in
the bureau's Chinese, the lines list masked, export, print."""

from __future__ import annotations

import io
import struct
from decimal import Decimal
from typing import Any

import httpx
import openpyxl
import pyarrow as pa
import pytest
from pypdf import PdfReader

from sbflib.employer.declaration_records import (
    DeclarationRecordService,
    DeclaredLineFilter,
    DeclaredLineService,
    RecordFilter,
)
from sbflib.errors import BureauError, ConnectionFailed, StateError, ValidationError
from sbflib.gateway.client import BureauClient
from sbflib.gateway.declaration_records import LINE_SCHEMA
from sbflib.store import settings as settings_repo
from sbflib.store.db import Store
from sbflib.system.context import Context, CurrentUnit

UNIT = "U000001"
TAXPAYER = "91330100MA0000000X"


def record(declaration_id: str, day: str, *, channel: str = "daily", status: str = "申报成功",
           pay: str | None = "未缴费", total: str = "3840.00", headcount: int = 2) -> dict[str, Any]:
    return {"declaration_id": declaration_id, "submission_id": "SS" + declaration_id[2:], "channel": channel,
            "source_code": "03" if channel == "project" else "01", "source_name": "税务机关",
            "tax_authority": "国家税务总局杭州市西湖区税务局", "status": status, "reason": None,
            "submitted_at": f"{day}T09:30:00+08:00", "decided_at": f"{day}T09:30:05+08:00", "rows": 1,
            "headcount": headcount, "total_due": total, "voucher_no": "1" * 20 if status == "申报成功" else None,
            "pay_status": pay, "void_requested_at": None, "void_decided_at": None, "void_reason": None,
            "period_start": "2026-11", "period_end": "2026-11"}


def row(prep_id: str, amount: str, headcount: int = 2) -> dict[str, Any]:
    return {"prep_id": prep_id, "group_key": "01|1234|10201|2026-11|2026-11", "channel": "daily",
            "source_code": "01", "source_name": "税务机关", "unit_number": "1234", "agency": "西湖区社保中心",
            "notice_no": None, "valid_until": None, "special_type": None, "project_no": None, "item_code": "10201",
            "item_name": "基本养老保险费", "subitem_name": "企业职工基本养老保险（单位缴纳）", "payer": "unit",
            "payer_name": "单位", "period_start": "2026-11", "period_end": "2026-11", "headcount": headcount,
            "base_total": "24000.00", "rate": "0.16", "amount": amount}


def lines_body(prep_id: str, n: int, amount: str) -> bytes:
    table = pa.table({
        "prep_id": [prep_id] * n, "employee_id": [f"E{i}" for i in range(n)], "name": [f"职工{i}" for i in range(n)],
        "id_type": ["居民身份证"] * n, "id_number": [f"33010619900101{i:04d}" for i in range(n)],
        "person_number": [None] * n, "item_code": ["10201"] * n, "payer": ["unit"] * n, "month": ["2026-11"] * n,
        "base": [Decimal("12000.00")] * n, "rate": [Decimal("0.16")] * n, "amount": [Decimal(amount)] * n,
    }, schema=LINE_SCHEMA)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    data = sink.getvalue().to_pybytes()
    return struct.pack("<Q", len(data)) + data


class Bureau:
    """The records routes of the demo bureau, enough for the services."""

    def __init__(self) -> None:
        self.records = {
            "SB001": record("SB001", "2026-11-20", total="3840.00"),
            "SB002": record("SB002", "2026-11-02", pay="已缴费", total="1920.10"),
            "SB003": record("SB003", "2026-10-15", status="申报失败", pay=None, total="100.00"),
            "SB004": record("SB004", "2026-11-21", channel="project", total="88.00", headcount=0),
        }
        self.rows = {k: [row(f"P-{k}", v["total_due"], v["headcount"])] for k, v in self.records.items()}
        self.requests: list[httpx.Request] = []
        self.voids: dict[str, str] = {}        # declaration -> key that voided it
        self.drop_void = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path.removeprefix(f"/api/v1/units/{UNIT}")
        parts = [p for p in path.split("/") if p]
        if request.method == "GET" and parts == ["declarations"]:
            lo, hi = request.url.params.get("from"), request.url.params.get("to")
            kind = request.url.params.get("kind")
            for did, rec in self.records.items():
                if rec["status"] == "作废中":   # decided on read
                    self.records[did] = {**rec, "status": "已作废"}
            out = [r for r in self.records.values()
                   if (not lo or r["submitted_at"][:10] >= lo) and (not hi or r["submitted_at"][:10] <= hi)
                   and (kind is None or (r["channel"] == "project") == (kind == "project"))]
            return httpx.Response(200, json=sorted(out, key=lambda r: r["submitted_at"], reverse=True))
        if request.method == "GET" and len(parts) == 2:
            if parts[1] not in self.records:
                return httpx.Response(404, json={"code": "DECLARATION_NOT_FOUND", "message": "未找到社保费申报记录"})
            return httpx.Response(200, json={"record": self.records[parts[1]], "rows": self.rows[parts[1]]})
        if request.method == "GET" and len(parts) == 3 and parts[2] == "lines":
            rec = self.records[parts[1]]
            body = lines_body(f"P-{parts[1]}", rec["headcount"], "1920.00")
            return httpx.Response(200, content=body, headers={"content-type": "application/vnd.sbf.lines.v1"})
        if request.method == "POST" and len(parts) == 3 and parts[2] == "void":
            did, key = parts[1], request.headers["Idempotency-Key"]
            rec = self.records[did]
            if self.voids.get(did) == key:
                answer = httpx.Response(202, json={**rec, "status": "作废中"})
            elif rec["pay_status"] == "已缴费":
                return httpx.Response(409, json={"code": "DECLARATION_PAID", "message": "该申报记录已缴费，不能作废"})
            else:
                self.voids[did] = key
                self.records[did] = {**rec, "status": "作废中", "void_requested_at": rec["submitted_at"]}
                answer = httpx.Response(202, json=self.records[did])
            if self.drop_void:
                raise httpx.ReadTimeout("timed out", request=request)
            return answer
        return httpx.Response(404, json={"code": "NOT_FOUND", "message": "未找到"})


@pytest.fixture
def env(tmp_path):
    bureau = Bureau()
    client = BureauClient("http://bureau.test", transport=httpx.MockTransport(bureau), sleep=lambda s: None,
                          retries=2)
    store = Store(tmp_path / "client" / "sbf.duckdb")
    ctx = Context(store, client)
    ctx.unit = CurrentUnit(UNIT, TAXPAYER, "杭州测试科技有限公司", "employer", "330100")
    yield bureau, DeclarationRecordService(ctx), DeclaredLineService(ctx), store
    client.close()
    store.close()


def test_sync_keeps_the_fee_records_newest_first_with_decimal_money_and_their_rows(env):
    _bureau, records, _lines, _store = env
    steps: list[float] = []
    assert records.sync(progress=lambda f, label="": steps.append(f)) == 3
    assert steps[-1] == 1.0
    df = records.frame()
    assert list(df["declaration_id"]) == ["SB001", "SB002", "SB003"]
    assert df.loc[0, "total_due"] == Decimal("3840.00") and isinstance(df.loc[1, "total_due"], Decimal)
    assert df.loc[0, "channel_name"] == "日常申报" and df.loc[0, "submitted_at"] == "2026-11-20 09:30:00"
    assert list(df["pay_status"]) == ["未缴费", "已缴费", ""]
    assert bool(df["rows_fetched"].all())
    assert records.unpaid_after_sync() == 1
    assert records.project.sync() == 1 and list(records.project.frame()["declaration_id"]) == ["SB004"]
    assert records.of("project") is records.project and records.project.of("fees") is records


def test_a_sync_of_a_range_replaces_only_that_range(env):
    bureau, records, _lines, _store = env
    records.sync()
    del bureau.records["SB002"]
    bureau.records["SB001"] = {**bureau.records["SB001"], "pay_status": "已缴费"}
    assert records.sync("2026-11-01", "2026-11-10") == 0
    assert bureau.requests[-1].url.params["from"] == "2026-11-01" and bureau.requests[-1].url.params["kind"] == "fees"
    df = records.frame()
    assert list(df["declaration_id"]) == ["SB001", "SB003"]
    assert df.loc[0, "pay_status"] == "未缴费"           # outside the range: as held
    assert records.query(RecordFilter(status="申报失败"))[1] == 1
    assert records.query(RecordFilter(declared_from="2026-11-01"))[1] == 1
    with pytest.raises(ValidationError):
        records.sync("2026-11-10", "2026-11-01")
    with pytest.raises(ValidationError):
        records.query(RecordFilter(status="作废"))


def test_detail_downloads_rows_and_lines_once(env):
    bureau, records, _lines, _store = env
    records.sync()
    before = len(bureau.requests)
    detail = records.detail("SB001")
    assert len(detail.rows) == 1 and len(detail.lines) == 2 and detail.can_void
    assert detail.rows.loc[0, "amount"] == Decimal("3840.00") and detail.rows.loc[0, "rate"] == Decimal("0.16")
    assert all("*" in v for v in detail.lines["id_number"])
    assert len(bureau.requests) == before + 1           # only the lines; the rows came with the sync
    records.detail("SB001")
    assert len(bureau.requests) == before + 1           # kept
    assert records.detail("SB001", full_ids=True).lines.loc[0, "id_number"] == "330106199001010000"
    with pytest.raises(ValidationError):
        records.detail("SB004")                        # a project record is not a fee record
    with pytest.raises(ValidationError):
        records.detail("../x")


def test_void_keeps_its_key_until_answered_and_a_resend_voids_once(env):
    bureau, records, _lines, _store = env
    records.sync()
    bureau.drop_void = True
    with pytest.raises(ConnectionFailed) as lost:
        records.void("SB001")
    assert "再次作废不会重复作废" in str(lost.value)
    assert records.pending_voids() == ["SB001"]
    keys = {r.headers["Idempotency-Key"] for r in bureau.requests if r.method == "POST"}
    assert len(keys) == 1
    bureau.drop_void = False
    assert records.void("SB001")["status"] == "作废中"
    assert {r.headers["Idempotency-Key"] for r in bureau.requests if r.method == "POST"} == keys
    assert records.pending_voids() == []
    assert records.feedback() == 1 and records.status("SB001") == "已作废"
    with pytest.raises(StateError) as voided:
        records.void("SB001")
    assert str(voided.value) == "该申报记录已作废，只能查看明细"
    assert records.unpaid_after_sync() == 0


def test_a_refused_void_says_the_bureaus_chinese_and_keeps_no_key(env):
    _bureau, records, _lines, _store = env
    records.sync()
    with pytest.raises(BureauError) as refused:
        records.void("SB002")
    assert refused.value.code == "DECLARATION_PAID" and str(refused.value) == "该申报记录已缴费，不能作废"
    assert records.pending_voids() == []


def test_declared_lines_offer_download_query_and_export(env):
    _bureau, records, lines, _store = env
    records.sync()
    missing = lines.missing()
    assert list(missing["declaration_id"]) == ["SB001", "SB002"]   # successful, with people
    assert lines.download(["SB001", "SB002"]) == 4
    assert lines.missing().empty
    df, total = lines.query(DeclaredLineFilter(name="职工1"), page=1, page_size=10)
    assert total == 2 and set(df["item_name"]) == {"基本养老保险费"}
    assert lines.query(DeclaredLineFilter(month="2026-10"))[1] == 0
    assert lines.query(DeclaredLineFilter(id_number="%"))[1] == 0
    assert all(isinstance(v, Decimal) for v in lines.frame()["amount"])
    book = openpyxl.load_workbook(io.BytesIO(lines.export()))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["申报日期", "单位编号", "姓名"] and "证件号码" in header
    ids = [r[header.index("证件号码")] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(ids) == 4 and all("*" in v for v in ids)
    with pytest.raises(ValidationError):
        lines.query(DeclaredLineFilter(month="2026-13"))
    with pytest.raises(ValidationError):
        lines.download([])


def test_lines_of_a_voided_declaration_leave_the_query(env):
    _bureau, records, lines, _store = env
    records.sync()
    lines.download(["SB001"])
    assert lines.query()[1] == 2
    records.void("SB001")
    records.feedback()
    assert lines.query()[1] == 0


def test_print_and_export_of_a_record(env):
    _bureau, records, _lines, store = env
    records.sync()
    pdf = records.print_form("SB001")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace(" ", "").replace("\n", "")
    assert TAXPAYER in text and "杭州测试科技有限公司" in text and "3,840.00" in text and "基本养老保险费" in text
    book = openpyxl.load_workbook(io.BytesIO(records.export()))
    assert [c.value for c in book.active[1]][:3] == ["申报日期", "申报渠道", "申报状态"]
    detail = openpyxl.load_workbook(io.BytesIO(records.export(declaration_id="SB001")))
    assert [c.value for c in detail.active[1]][:2] == ["单位编号", "征收项目"]
    assert "16%" in [c.value for c in detail.active[2]]
    assert records.feedback_wait_s == 20
    with store.work() as con:
        settings_repo.write(con, "wages.feedback_wait_s", 0)
    assert records.feedback_wait_s == 0


def _keep_declare_lines(store: Store, prep_id: str, amount: str, each: str) -> None:
    """What 社保费申报 keeps after a click on 缴费人数 (migration 008)."""
    with store.work() as con:
        con.execute("INSERT INTO declare_lines_held VALUES (?, ?, 2, 24000.00, ?, 2, now())", [UNIT, prep_id, amount])
        for i in range(2):
            con.execute("INSERT INTO declare_lines VALUES (?, ?, ?, ?, '居民身份证', ?, NULL, '10201', 'unit', "
                        "'2026-11', 12000.00, 0.16, ?)", [UNIT, prep_id, f"E{i}", f"本地{i}", f"3301061990010{i:05d}",
                                                          each])


def test_lines_kept_by_the_declare_page_are_used_when_they_are_the_declared_ones(env):
    bureau, records, _lines, store = env
    records.sync()
    _keep_declare_lines(store, "P-SB001", "3840.00", "1920.00")
    before = len(bureau.requests)
    detail = records.detail("SB001")
    assert len(bureau.requests) == before          # nothing downloaded
    assert list(detail.lines["name"]) == ["本地0", "本地1"]
    assert sum(detail.lines["amount"]) == Decimal("3840.00")


def test_kept_lines_for_other_figures_are_not_used(env):
    bureau, records, _lines, store = env
    records.sync()
    _keep_declare_lines(store, "P-SB001", "3800.00", "1900.00")   # the row changed since
    detail = records.detail("SB001")
    assert bureau.requests[-1].url.path.endswith("/SB001/lines")
    assert list(detail.lines["name"]) == ["职工0", "职工1"]


def test_a_declarations_lines_page_by_page_from_the_store(env):
    _bureau, records, _lines, _store = env
    records.sync()
    detail = records.detail("SB001", with_lines=False)
    assert detail.lines.empty and "id_number" in detail.lines.columns
    assert detail.record["lines_fetched"] and detail.record["line_count"] == 2
    first, total = records.lines("SB001", page=1, page_size=1)
    second, _ = records.lines("SB001", page=2, page_size=1)
    assert total == 2 and list(first["name"]) == ["职工0"] and list(second["name"]) == ["职工1"]
    assert "*" in first.loc[0, "id_number"]
    assert "*" not in records.lines("SB001", masked=False)[0].loc[0, "id_number"]
