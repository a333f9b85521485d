"""DeclarationService against a bureau played by `httpx.MockTransport` and a temporary store: the
pages' rows kept per channel, groups, the checks before 提交申报 (errors refuse naming the row, field
and reason in Chinese, before any request; warnings need confirming), the summary, submit with a kept
Idempotency-Key and body (a lost answer and a restart never declare twice; a refusal offers the rows
again), lines downloaded once and kept, the export."""

from __future__ import annotations

import inspect
import io
import json
from decimal import Decimal
from typing import Any

import httpx
import openpyxl
import pandas as pd
import pytest

from sbflib.domain import clock
from sbflib.employer.declarations import (
    DECLARING,
    NOT_DECLARED,
    SENDING,
    DeclarationService,
    DeclareFilter,
    DeclareList,
)
from sbflib.errors import BureauError, ConnectionFailed, ValidationError
from sbflib.gateway.client import BureauClient
from sbflib.gateway.declarations import LINE_SCHEMA
from sbflib.store.db import Store
from sbflib.system.context import Context, CurrentUnit

UNIT = "U000033"
TODAY = "2026-11-27"
UNIT_NUMBER = "330108700935"
NOTICE = "202611010123456789"


def _row(prep_id: str, source: str, item: str, item_name: str, payer: str, headcount: int, base: str, rate: str,
         amount: str, **extra: Any) -> dict[str, Any]:
    notice = extra.pop("notice_no", NOTICE if source != "01" else None)
    row = {"prep_id": prep_id, "channel": "daily", "source_code": source,
           "source_name": {"01": "税务机关", "02": "社保部门", "03": "社保部门核定征收"}[source],
           "unit_number": UNIT_NUMBER, "agency": "杭州市滨江区社会保险管理服务中心", "notice_no": notice,
           "valid_until": "2026-12-31" if source != "01" else None, "special_type": None, "project_no": None,
           "item_code": item, "item_name": item_name, "subitem_name": item_name, "payer": payer,
           "payer_name": "单位" if payer == "unit" else "个人", "period_start": "2026-11", "period_end": "2026-11",
           "headcount": headcount, "base_total": base, "rate": rate, "amount": amount, "back_pay": False,
           "status": "未申报", "declaration_id": None}
    row.update(extra)
    row["group_key"] = (f"01|{UNIT_NUMBER}|{item}|{row['period_start']}|{row['period_end']}" if source == "01"
                        else f"{source}|{UNIT_NUMBER}|{row['notice_no']}")
    return row


def daily_rows() -> list[dict[str, Any]]:
    return [
        _row("P01N-A-10201-U", "01", "10201", "基本养老保险费", "unit", 3, "24000.00", "0.16", "3840.00"),
        _row("P01N-A-10201-P", "01", "10201", "基本养老保险费", "personal", 3, "24000.00", "0.08", "1920.00"),
        _row("P01N-A-10202-U", "01", "10202", "失业保险费", "unit", 3, "24000.00", "0.005", "120.00"),
        _row("P01N-A-10202-P", "01", "10202", "失业保险费", "personal", 3, "24000.00", "0.005", "120.00"),
        _row("P03-N-10205-U", "03", "10205", "生育保险费", "unit", 3, "24000.00", "0.008", "192.00"),
    ]


def special_rows() -> list[dict[str, Any]]:
    return [_row("P02-S-10201-U", "02", "10201", "基本养老保险费", "unit", 1, "8000.00", "0.16", "0.00",
                 channel="special", notice_no="202611019999999999", special_type="补缴历史欠费",
                 period_start="2025-09", period_end="2025-11")]


class DeclareBureau:
    """The declaration routes of the wire contract with keyed idempotency and switches to lose answers
    or refuse the next POST."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.rows = {"daily": daily_rows(), "special": special_rows(), "assessed": [], "project": []}
        self.by_key: dict[str, tuple[bytes, dict[str, Any]]] = {}
        self.declarations: list[dict[str, Any]] = []
        self.lose_answers = 0
        self.refuse_next: dict[str, str] | None = None

    def posts(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == "POST"]

    def gets(self, suffix: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == "GET" and r.url.path.endswith(suffix)]

    def _lines(self, ids: list[str]) -> bytes:
        import struct

        import pyarrow as pa

        out: dict[str, list[Any]] = {f.name: [] for f in LINE_SCHEMA}
        every = [r for rows in self.rows.values() for r in rows]
        for row in every:
            if row["prep_id"] not in ids or row["prep_id"] in out["prep_id"]:
                continue
            n = row["headcount"]
            total = Decimal(row["amount"])
            base_total = Decimal(row["base_total"])
            for i in range(n):
                out["prep_id"].append(row["prep_id"])
                out["employee_id"].append(f"E{i + 1:05d}")
                out["name"].append(["林婷", "王芳", "张伟"][i % 3])
                out["id_type"].append("居民身份证")
                out["id_number"].append(f"33010619900101{i:04d}")
                out["person_number"].append(None)
                out["item_code"].append(row["item_code"])
                out["payer"].append(row["payer"])
                out["month"].append(row["period_start"])
                share = (total / n).quantize(Decimal("0.01")) if i < n - 1 else total - (total / n).quantize(
                    Decimal("0.01")) * (n - 1)
                base_share = (base_total / n).quantize(Decimal("0.01")) if i < n - 1 else base_total - (
                    base_total / n).quantize(Decimal("0.01")) * (n - 1)
                out["base"].append(base_share)
                out["rate"].append(Decimal(row["rate"]))
                out["amount"].append(share)
        table = pa.table({f.name: pa.array(out[f.name], f.type) for f in LINE_SCHEMA})
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        stream = sink.getvalue().to_pybytes()
        return struct.pack("<Q", len(stream)) + stream

    def _declare(self, body: dict[str, Any]) -> dict[str, Any]:
        every = {r["prep_id"]: r for r in self.rows[body["channel"]]}
        chosen = [every[i] for i in body["prep_ids"]]
        sub = f"SS{len(self.by_key) + 1:06d}"
        records = []
        for source in sorted({r["source_code"] for r in chosen}):
            mine = [r for r in chosen if r["source_code"] == source]
            record = {"declaration_id": f"SB{len(self.declarations) + 1:06d}", "submission_id": sub,
                      "channel": body["channel"], "source_code": source, "source_name": mine[0]["source_name"],
                      "tax_authority": "国家税务总局杭州市滨江区税务局", "status": "待反馈", "reason": None,
                      "submitted_at": "2026-11-27T10:00:00+08:00", "decided_at": None, "rows": len(mine),
                      "headcount": max(r["headcount"] for r in mine),
                      "total_due": f"{sum(Decimal(r['amount']) for r in mine):.2f}"}
            self.declarations.append(record)
            records.append(record)
            for r in mine:
                r["status"], r["declaration_id"] = "申报中", record["declaration_id"]
        return {"submission_id": sub, "channel": body["channel"], "submitted_at": "2026-11-27T10:00:00+08:00",
                "declarations": records}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path.removeprefix(f"/api/v1/units/{UNIT}")
        if request.method == "GET" and path == "/preprocessing":
            return httpx.Response(200, json=self.rows[request.url.params["channel"]])
        if request.method == "GET" and path == "/preprocessing/lines":
            return httpx.Response(200, content=self._lines(request.url.params["ids"].split(",")))
        if request.method == "GET" and path == "/declarations":
            return httpx.Response(200, json=self.declarations)
        if request.method == "POST" and path == "/declarations":
            key = request.headers["Idempotency-Key"]
            if key in self.by_key:
                content, answer = self.by_key[key]
                if content != request.content:
                    return httpx.Response(422, json={"code": "IDEMPOTENCY_KEY_REUSED", "message": "幂等键已用于其他请求"})
            else:
                if self.refuse_next is not None:
                    refusal, self.refuse_next = self.refuse_next, None
                    return httpx.Response(409, json=refusal)
                answer = self._declare(json.loads(request.content))
                self.by_key[key] = (request.content, answer)
            if self.lose_answers:
                self.lose_answers -= 1
                raise httpx.ReadTimeout("the answer was lost", request=request)
            return httpx.Response(202, json=answer)
        return httpx.Response(404, json={"code": "NOT_FOUND", "message": "未找到"})


def _open(path: Any, bureau: DeclareBureau, trial_inputs: Any = None) -> tuple[Context, DeclarationService]:
    client = BureauClient("http://bureau.test", transport=httpx.MockTransport(bureau), retries=3,
                          sleep=lambda s: None)
    ctx = Context(Store(path), client)
    ctx.unit = CurrentUnit(UNIT, "91330100MA0000000X", "测试单位", "employer", "330100")
    return ctx, DeclarationService(ctx, trial_inputs=trial_inputs)


@pytest.fixture
def env(tmp_path: Any) -> Any:
    clock.set_today(TODAY)
    bureau = DeclareBureau()
    path = tmp_path / "client" / "sbf.duckdb"
    ctx, service = _open(path, bureau)
    yield ctx, service, bureau, path
    ctx.store.close()
    ctx.client.close()
    clock.reset()


ALL = [r["prep_id"] for r in daily_rows()]


def test_load_keeps_each_pages_rows_with_exact_money(env: Any) -> None:
    _ctx, service, bureau, _ = env
    daily = service.channel("daily")
    assert daily.title == "日常申报" and not daily.loaded() and daily.frame().empty
    assert daily.load() == 5 and daily.loaded()
    df = daily.frame()
    assert df["prep_id"].tolist() == ALL and set(df["status"]) == {NOT_DECLARED}
    assert df["amount"].tolist()[0] == Decimal("3840.00") and isinstance(df["rate"].iloc[4], Decimal)
    assert df["headcount"].tolist() == [3] * 5
    assert next(iter(daily.columns)) == "source_name" and "project_no" not in daily.columns
    assert service.channel("special").load() == 1
    assert len(daily.frame()) == 5 and len(service.channel("special").frame()) == 1   # pages kept apart
    page, total = daily.query(page=2, page_size=2)
    assert total == 5 and page["prep_id"].tolist() == ALL[2:4]
    beyond, total = daily.query(page=9, page_size=2)
    assert beyond.empty and total == 5
    assert daily.frame(DeclareFilter(item_name="养老"))["prep_id"].tolist() == ALL[:2]
    assert daily.frame(DeclareFilter(source_name="社保部门核定征收"))["prep_id"].tolist() == ALL[4:]
    assert len(daily.frame(DeclareFilter(period="2026-11"))) == 5 and daily.frame(DeclareFilter(period="2026-10")).empty
    # 刷新 replaces the page's rows with what the bureau says now.
    bureau.rows["daily"] = bureau.rows["daily"][:2]
    assert daily.load() == 2 and daily.frame()["prep_id"].tolist() == ALL[:2]


def test_groups_are_one_tick_box_each(env: Any) -> None:
    _ctx, service, _, _ = env
    daily = service.channel("daily")
    daily.load()
    groups = daily.groups()
    assert groups["prep_ids"].tolist() == [ALL[:2], ALL[2:4], ALL[4:]]
    assert groups["amount"].tolist() == [Decimal("5760.00"), Decimal("240.00"), Decimal("192.00")]
    assert groups["group_label"].iloc[0] == f"单位编号{UNIT_NUMBER}、征收项目10201、费款所属期2026-11至2026-11"
    assert groups["selectable"].all() and groups["headcount"].tolist() == [3, 3, 3]


def test_part_of_a_group_is_refused_naming_the_row_before_any_request(env: Any) -> None:
    _ctx, service, bureau, _ = env
    daily = service.channel("daily")
    daily.load()
    report = daily.check([ALL[2]])
    assert report.blocked and report.errors[0].code == "D001"
    with pytest.raises(ValidationError) as refused:
        daily.submit([ALL[2]])
    err = refused.value
    assert err.code == "D001" and err.field == "勾选" and err.row == 3
    assert str(err).startswith("第3行【勾选】：") and "须一并申报" in str(err) and "D001" not in str(err)
    assert bureau.posts() == []


def test_summary_counts_rows_people_and_the_total(env: Any) -> None:
    _ctx, service, _, _ = env
    daily = service.channel("daily")
    daily.load()
    summary = daily.summary(ALL)
    assert (summary.rows, summary.headcount, summary.total_due) == (5, 3, Decimal("6192.00"))
    assert summary.text == "本次申报5条预处理信息，缴费人数3人，应缴费额合计6,192.00元"
    with pytest.raises(ValidationError):
        daily.summary(["P-UNKNOWN"])


def test_submit_marks_the_rows_and_makes_one_declaration_per_source(env: Any) -> None:
    _ctx, service, bureau, _ = env
    daily = service.channel("daily")
    daily.load()
    receipt = daily.submit(ALL)
    [post] = bureau.posts()
    assert json.loads(post.content) == {"channel": "daily", "prep_ids": ALL, "total_due": "6192.00"}
    assert receipt.declarations == (("SB000001", "税务机关", "待反馈"), ("SB000002", "社保部门核定征收", "待反馈"))
    assert receipt.total_due == Decimal("6192.00") and receipt.rows == 5 and "申报记录" in receipt.text
    df = daily.frame().set_index("prep_id")
    assert set(df["status"]) == {DECLARING}
    assert df.loc[ALL[0], "declaration_id"] == "SB000001" and df.loc[ALL[4], "declaration_id"] == "SB000002"
    assert service.pending().empty
    with pytest.raises(ValidationError) as twice:
        daily.submit(ALL)
    assert twice.value.code == "D002" and "不能重复申报" in str(twice.value)
    assert len(bureau.posts()) == 1


def test_warnings_need_confirming(env: Any) -> None:
    _ctx, service, bureau, _ = env
    special = service.channel("special")
    special.load()
    ids = [r["prep_id"] for r in special_rows()]
    report = special.check(ids)
    assert not report.blocked and {f.code for f in report.warnings} >= {"D010"}
    with pytest.raises(ValidationError) as ask:
        special.submit(ids)
    assert ask.value.code == "WARNINGS_NOT_CONFIRMED" and "请确认后再提交" in str(ask.value)
    assert bureau.posts() == []
    receipt = special.submit(ids, confirmed_warnings=True)
    assert receipt.declarations == (("SB000001", "社保部门", "待反馈"),)


def test_the_trial_is_asked_for_the_months_of_the_ticked_own_rows(tmp_path: Any) -> None:
    clock.set_today(TODAY)
    asked: list[list[str]] = []
    trial = pd.DataFrame({"unit_number": [UNIT_NUMBER] * 2, "item_code": ["10201"] * 2, "payer": ["unit", "personal"],
                          "month": ["2026-11"] * 2, "headcount": [3, 3],
                          "base_total": [Decimal("24000.00")] * 2, "rate": [Decimal("0.16"), Decimal("0.08")],
                          "amount": [Decimal("3840.00"), Decimal("1900.00")]})

    def inputs(months: list[str]) -> dict[str, Any]:
        asked.append(months)
        return {"trial": trial}

    bureau = DeclareBureau()
    ctx, service = _open(tmp_path / "sbf.duckdb", bureau, trial_inputs=inputs)
    try:
        daily = service.channel("daily")
        daily.load()
        report = daily.check(ALL[:2])
        assert asked == [["2026-11"]]
        [finding] = report.warnings
        assert finding.code == "D003" and finding.difference == Decimal("20.00")
        with pytest.raises(ValidationError) as ask:
            daily.submit(ALL[:2])
        assert ask.value.code == "WARNINGS_NOT_CONFIRMED" and "测算" in str(ask.value) and ask.value.row == 2
        assert asked == [["2026-11"]]     # 立即提交 reuses the check of the prompt (same rows, same selection)
        daily.check(ALL[4:])              # a 03 row alone: the trial is not asked
        assert len(asked) == 1
        bureau.rows["daily"][0]["amount"] = "3841.00"
        daily.load()                      # the rows changed: checked afresh
        daily.check(ALL[:2])
        assert len(asked) == 2
    finally:
        ctx.store.close()
        ctx.client.close()
        clock.reset()


def test_a_lost_answer_and_a_restart_resend_the_kept_body_and_key(env: Any) -> None:
    ctx, service, bureau, path = env
    daily = service.channel("daily")
    daily.load()
    bureau.lose_answers = 3              # every try of the call: declared, never heard
    with pytest.raises(ConnectionFailed) as lost:
        daily.submit(ALL[:4])
    assert "提交中" in str(lost.value) and "不会重复申报" in str(lost.value)
    posts = bureau.posts()
    assert len(posts) == 3 and len({p.headers["Idempotency-Key"] for p in posts}) == 1
    assert len(bureau.declarations) == 1
    df = daily.frame()
    assert df["status"].tolist() == [SENDING] * 4 + [NOT_DECLARED]
    assert daily.frame(DeclareFilter(status=SENDING))["prep_id"].tolist() == ALL[:4]
    kept = service.pending()
    assert kept["rows"].tolist() == [4] and kept["total_due"].tolist() == [Decimal("6000.00")]
    daily.load()                          # the bureau says 申报中 now; the kept answer is still missing
    assert daily.frame()["status"].tolist()[:4] == [SENDING] * 4

    # The client restarts: a new store object and client on the same data.
    ctx.store.close()
    ctx2, service2 = _open(path, bureau)
    try:
        again = service2.channel("daily")
        receipt = again.submit(ALL)       # the 提交中 rows and the 03 row
        resent, fresh = bureau.posts()[3:]
        assert resent.headers["Idempotency-Key"] == posts[0].headers["Idempotency-Key"]
        assert resent.content == posts[0].content
        assert json.loads(fresh.content)["prep_ids"] == ALL[4:]
        assert [d for d, _s, _st in receipt.declarations] == ["SB000001", "SB000002"]
        assert len(bureau.declarations) == 2          # the first declaration once, the 03 row as a second
        assert set(again.frame()["status"]) == {DECLARING} and service2.pending().empty
    finally:
        ctx2.store.close()
        ctx2.client.close()


def test_resend_sends_the_pages_kept_submissions_again(env: Any) -> None:
    _ctx, service, bureau, _ = env
    daily = service.channel("daily")
    daily.load()
    assert daily.resend() is None and bureau.posts() == []
    bureau.lose_answers = 3
    with pytest.raises(ConnectionFailed):
        daily.submit(ALL[:2])
    assert service.channel("special").resend() is None        # another page's submission is not sent
    receipt = daily.resend()
    assert receipt is not None and receipt.declarations == (("SB000001", "税务机关", "待反馈"),)
    assert bureau.posts()[-1].content == bureau.posts()[0].content and len(bureau.declarations) == 1
    assert service.pending().empty and daily.resend() is None


def test_the_project_page_has_no_lines_and_declares_per_notice(env: Any) -> None:
    _ctx, service, bureau, _ = env
    bureau.rows["project"] = [_row("PGC-202611011111111111", "03", "10204", "工伤保险费", "unit", 0, "860000.00",
                                   "0.002", "1720.00", channel="project", notice_no="202611011111111111",
                                   project_no="GC330100001")]
    project = service.channel("project")
    assert project.load() == 1 and project.title == "工程项目社保费申报"
    assert "project_no" in project.columns and "headcount" not in project.columns
    assert project.frame()["project_no"].tolist() == ["GC330100001"]
    with pytest.raises(ValidationError) as none:
        project.lines("PGC-202611011111111111")
    assert none.value.code == "NO_LINES" and project.download_lines() == 0
    summary = project.summary(["PGC-202611011111111111"])
    assert (summary.rows, summary.total_due) == (1, Decimal("1720.00"))
    receipt = project.submit(["PGC-202611011111111111"], confirmed_warnings=True)
    assert receipt.declarations == (("SB000001", "社保部门核定征收", "待反馈"),)
    assert json.loads(bureau.posts()[0].content)["channel"] == "project"


def test_a_refusal_offers_the_rows_again(env: Any) -> None:
    _ctx, service, bureau, _ = env
    daily = service.channel("daily")
    daily.load()
    bureau.refuse_next = {"code": "PREPROCESSING_CHANGED", "message": "预处理信息已更新，请刷新后重新核对"}
    with pytest.raises(BureauError) as refused:
        daily.submit(ALL[:2])
    assert refused.value.code == "PREPROCESSING_CHANGED" and "刷新" in str(refused.value)
    assert set(daily.frame()["status"]) == {NOT_DECLARED} and service.pending().empty
    assert daily.submit(ALL[:2]).declarations[0][2] == "待反馈"


def test_lines_are_downloaded_once_and_dropped_when_the_row_changes(env: Any) -> None:
    _ctx, service, bureau, _ = env
    daily = service.channel("daily")
    daily.load()
    first = daily.lines(ALL[0])
    assert len(bureau.gets("/lines")) == 1
    assert first["amount"].sum() == Decimal("3840.00") and first["base"].sum() == Decimal("24000.00")
    assert all(isinstance(v, Decimal) for v in first["amount"]) and first["payer_name"].iloc[0] == "单位"
    assert first["id_number"].iloc[0] == "330106********0000" and first["item_name"].iloc[0] == "基本养老保险费"
    second = daily.lines(ALL[0])
    assert len(bureau.gets("/lines")) == 1 and second.equals(first)      # no second request
    assert daily.lines(ALL[0], full_ids=True)["id_number"].iloc[0] == "330106199001010000"
    assert daily.summary(ALL[:1]).headcount == 3
    assert daily.download_lines() == 12 and len(bureau.gets("/lines")) == 2   # the four others, in one go
    assert daily.download_lines() == 0 and len(bureau.gets("/lines")) == 2
    # A later load with another amount for that row drops its kept lines; the next click downloads.
    bureau.rows["daily"][0]["amount"] = "3900.00"
    daily.load()
    assert daily.lines(ALL[0])["amount"].sum() == Decimal("3900.00") and len(bureau.gets("/lines")) == 3
    daily.lines(ALL[1])
    assert len(bureau.gets("/lines")) == 3


def test_submission_result_says_which_declaration_failed(env: Any) -> None:
    _ctx, service, bureau, _ = env
    daily = service.channel("daily")
    daily.load()
    receipt = daily.submit(ALL)
    bureau.declarations[0].update(status="申报成功", voucher_no="1" * 20)
    bureau.declarations[1].update(status="申报失败", reason="征集信息已超过征集有效日期（2026-11-26）")
    result = daily.result(receipt.submission_id)
    assert result.decided and result.declarations == (("SB000001", "税务机关", "申报成功"),
                                                      ("SB000002", "社保部门核定征收", "申报失败"))
    assert result.text == ("税务机关申报表SB000001：申报成功；社保部门核定征收申报表SB000002：申报失败"
                           "（征集信息已超过征集有效日期（2026-11-26））")
    assert dict(result.reasons) == {"SB000002": "征集信息已超过征集有效日期（2026-11-26）"}
    with pytest.raises(ValidationError):
        daily.result("SS999999")


def test_export_has_the_pages_chinese_headers(env: Any) -> None:
    _ctx, service, _, _ = env
    daily = service.channel("daily")
    daily.load()
    sheet = openpyxl.load_workbook(io.BytesIO(daily.export(ALL[3:]))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == list(daily.columns.values()) and len(rows) == 3
    shown = dict(zip(rows[0], rows[2], strict=True))
    assert shown["费率"] == "0.8%" and shown["征集有效日期"] == "2026-12-31" and shown["缴费对象"] == "单位"
    assert len(list(openpyxl.load_workbook(io.BytesIO(daily.export())).active.iter_rows())) == 6


@pytest.mark.parametrize("service", [DeclarationService, DeclareList])
def test_every_public_method_is_behind_the_service_edge(service: type) -> None:
    for name, member in vars(service).items():
        if name.startswith("_") or not inspect.isfunction(member):
            continue
        assert hasattr(member, "__wrapped__"), f"{service.__name__}.{name} is not decorated by service_edge"


def test_bad_input_is_refused_in_chinese(env: Any) -> None:
    _ctx, service, _, _ = env
    daily = service.channel("daily")
    for call in (lambda: service.channel("weekly"), lambda: daily.query(page=0), lambda: daily.submit([]),
                 lambda: daily.submit("P1"), lambda: daily.submit([1]), lambda: daily.lines("../x"),
                 lambda: daily.frame(DeclareFilter(status="完成")), lambda: daily.frame(DeclareFilter(period="2026/11")),
                 lambda: daily.submit(ALL, confirmed_warnings="yes"), lambda: daily.result("../x"),
                 lambda: service.channel("project").lines("PGC-1")):
        with pytest.raises(ValidationError) as refused:
            call()
        text = str(refused.value)
        assert any("\u4e00" <= c <= "\u9fff" for c in text), text
        assert not any(c.isascii() and c.isalpha() for c in text.replace("refused", "")), text
