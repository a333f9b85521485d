"""WageService / WageRecordService against a bureau played by `httpx.MockTransport` and a temporary
store: the edit lists of the four pages, the 代征 filter, submit with a kept Idempotency-Key (a lost
answer and a restart never make two filings), feedback and records, exports."""

from __future__ import annotations

import datetime as dt
import inspect
import io
import json
import time
from decimal import Decimal

import httpx
import openpyxl
import pyarrow as pa
import pytest

from sbflib.domain import clock
from sbflib.domain.wages import Adjust
from sbflib.employer.groups import GroupService
from sbflib.employer.wages import (
    SENDING,
    SENT,
    UNSENT,
    WageDraft,
    WageDraftFilter,
    WageRecordFilter,
    WageRecordService,
    WageService,
)
from sbflib.errors import BureauError, ConnectionFailed, ValidationError
from sbflib.gateway.client import BureauClient
from sbflib.store import roster as roster_repo
from sbflib.store import wages as wages_repo
from sbflib.store.db import Store
from sbflib.system.context import Context, CurrentUnit

UNIT = "U000001"
AUTHORITY = "国家税务总局杭州市西湖区税务局"
TODAY = "2026-11-15"
NAMES = ["林婷", "王芳", "林%强", "张伟", "刘洋", "陈静", "杨磊", "黄敏"]
# 10201 and 10203 are filed by the unit (税务自主); 10301 is collected by 人社 (税务代征).
ITEMS = [("10201", "基本养老保险费", "税务自主"), ("10203", "基本医疗保险费", "税务自主"),
         ("10301", "失业保险费", "税务代征")]


def roster_tables(names: list[str]) -> tuple[pa.Table, pa.Table]:
    """E00001.. ; every third employee (E00001, E00004, E00007) stopped paying in 2021-06."""
    n = len(names)
    ids = [f"E{i:05d}" for i in range(1, n + 1)]
    employees = pa.table({
        "employee_id": ids,
        "name": names,
        "gender": ["女"] * n,
        "id_type": ["居民身份证"] * n,
        "id_number": [f"33010619900101{i:04d}" for i in range(n)],
        "birth_date": pa.array([dt.date(1990, 1, 1)] * n, pa.date32()),
        "start_month": ["2020-01"] * n,
        "stop_month": ["2021-06" if i % 3 == 0 else None for i in range(n)],
        "updated_at": pa.array([dt.datetime(2026, 11, 1, 8, 30)] * n, pa.timestamp("us")),
        "change_seq": pa.array([1] * n, pa.int64()),
    })
    k = len(ITEMS)
    items = pa.table({
        "employee_id": [e for e in ids for _ in ITEMS],
        "unit_number": ["1234"] * (k * n),
        "agency": ["西湖区社保中心"] * (k * n),
        "person_number": [f"P{i:08d}" for i in range(k * n)],
        "item_code": [c for _ in ids for c, _n, _m in ITEMS],
        "item_name": [nm for _ in ids for _c, nm, _m in ITEMS],
        "subitem_name": [""] * (k * n),
        "special_category": ["无"] * (k * n),
        "base": pa.array([Decimal(1000 * (i + 1)) for i in range(n) for _ in ITEMS], pa.decimal128(18, 2)),
        "start_month": ["2020-01"] * (k * n),
        "stop_month": [None] * (k * n),
        "collection_mode": [m for _ in ids for _c, _n, m in ITEMS],
    })
    return employees, items


class WageBureau:
    """The wage-filing routes of the wire contract, with idempotency and a switch to lose answers."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.filings: dict[str, dict] = {}
        self.by_key: dict[str, tuple[str, bytes]] = {}
        self.lose_answers = 0        # the next N POSTs are carried out but their answer is lost
        self.refuse_next: dict | None = None
        self.decided = False         # GETs show the filings decided

    def posts(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == "POST"]

    def _record(self, filing: dict) -> dict:
        status = "待反馈"
        if self.decided:
            oks = [line["status"] == "成功" for line in filing["lines_detail"]]
            status = "全部申报成功" if all(oks) else "全部申报失败" if not any(oks) else "部分申报成功"
        return {k: v for k, v in filing.items() if k != "lines_detail"} | {
            "status": status, "decided_at": "2026-11-15T10:00:05+08:00" if self.decided else None}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path.removeprefix("/api/v1")
        if request.method == "POST" and path == f"/units/{UNIT}/wage-filings":
            key = request.headers["Idempotency-Key"]
            if key in self.by_key:
                filing_id, body = self.by_key[key]
                if body != request.content:
                    return httpx.Response(422, json={"code": "IDEMPOTENCY_KEY_REUSED", "message": "幂等键已用于其他请求"})
                answer = self._record(self.filings[filing_id]) | {"status": "待反馈", "decided_at": None}
            else:
                if self.refuse_next is not None:
                    refusal, self.refuse_next = self.refuse_next, None
                    return httpx.Response(422, json=refusal)
                body = json.loads(request.content)
                filing_id = f"WF{len(self.filings) + 1:06d}"
                lines = []
                for no, line in enumerate(body["lines"], start=1):
                    wage = Decimal(line["wage"])
                    ok = wage >= Decimal(1000)
                    lines.append({
                        "line_no": no, "employee_id": line["employee_id"], "name": "某人", "id_type": "居民身份证",
                        "id_number": "330106199001010001", "item_code": line["item_code"],
                        "item_name": "基本养老保险费" if line["item_code"] else None,
                        "old_wage": "1000.00", "new_wage": line["wage"], "base": line["wage"] if ok else None,
                        "month": line["month"] or "2027-01", "status": "成功" if ok else "失败",
                        "reason": "" if ok else "缴费工资低于下限",
                    })
                self.filings[filing_id] = {
                    "filing_id": filing_id, "submitted_at": "2026-11-15T10:00:00+08:00", "kind": body["kind"],
                    "way": body["way"], "tax_authority": body["tax_authority"],
                    "employees": len({line["employee_id"] for line in body["lines"]}),
                    "lines": len(body["lines"]), "lines_detail": lines,
                }
                self.by_key[key] = (filing_id, request.content)
                answer = self._record(self.filings[filing_id])
            if self.lose_answers:
                self.lose_answers -= 1
                raise httpx.ReadTimeout("the answer was lost", request=request)
            return httpx.Response(202, json=answer)
        if request.method == "GET" and path == f"/units/{UNIT}/wage-filings":
            return httpx.Response(200, json=[self._record(f) for f in self.filings.values()])
        if request.method == "GET" and path.startswith(f"/units/{UNIT}/wage-filings/"):
            filing = self.filings[path.rsplit("/", 1)[1]]
            lines = filing["lines_detail"] if self.decided else [
                line | {"status": None, "reason": None, "base": None} for line in filing["lines_detail"]]
            return httpx.Response(200, json=self._record(filing) | {"lines": lines})
        return httpx.Response(404, json={"code": "NOT_FOUND", "message": "未找到"})


def _open(path, bureau: WageBureau, *, retries: int = 3) -> tuple[Context, WageService, WageRecordService]:
    client = BureauClient("http://bureau.test", transport=httpx.MockTransport(bureau), retries=retries,
                          sleep=lambda s: None)
    store = Store(path)
    ctx = Context(store, client)
    ctx.unit = CurrentUnit(UNIT, "91330100MA0000000X", "测试单位", "employer", "330100")
    return ctx, WageService(ctx), WageRecordService(ctx)


@pytest.fixture
def env(tmp_path):
    clock.set_today(TODAY)
    bureau = WageBureau()
    path = tmp_path / "client" / "sbf.duckdb"
    ctx, wages, records = _open(path, bureau)
    employees, items = roster_tables(NAMES)
    with ctx.store.work() as con:
        con.execute("INSERT INTO units (unit_id, module, taxpayer_id, name, region, tax_authority, added_at)"
                    " VALUES (?, 'employer', '91330100MA0000000X', '测试单位', '330100', ?, now())", [UNIT, AUTHORITY])
        con.execute("INSERT INTO unit_numbers VALUES (?, '1234', '西湖区社保中心', ?)", [UNIT, AUTHORITY])
        roster_repo.load_roster(con, UNIT, employees, items, full=True, since=None, cursor=1, kind="全量更新")
    yield ctx, wages, records, bureau, path
    ctx.store.close()
    ctx.client.close()
    clock.reset()


PAYING = ["E00002", "E00003", "E00005", "E00006", "E00008"]


# ----------------------------------------------------------------------------------- adding rows


def test_all_paying_employees_are_added_with_the_ratio_and_a_second_add_skips_them(env):
    _, wages, _, _, _ = env
    draft = wages.draft("daily", "employee")
    result = draft.add_all_normal(Adjust("ratio", Decimal(120)), month="2026-11")
    assert (result.added, result.skipped) == (5, 0)
    df = draft.frame()
    assert df["employee_id"].tolist() == PAYING
    assert df.loc[0, "old_wage"] == Decimal("2000.00") and df.loc[0, "new_wage"] == Decimal("2400.00")
    assert set(df["status"]) == {UNSENT} and set(df["month"]) == {"2026-11"}
    assert list(df.columns) == ["row_id", "employee_id", "item_code", "filing_id", *draft.columns]
    assert "item_name" not in draft.columns and draft.columns["month"] == "生效年月"
    again = draft.add_all_normal(Adjust("fixed", Decimal(1300)), month="2026-11")
    assert (again.added, again.skipped) == (0, 5) and "已在列表中" in again.message


def test_per_item_rows_leave_out_items_collected_by_the_other_office(env):
    _, wages, _, _, _ = env
    draft = wages.draft("annual", "item")
    assert draft.items() == [("10201", "基本养老保险费"), ("10203", "基本医疗保险费")]
    result = draft.add_by_unit_number("1234", Adjust("fixed", Decimal(1300)))
    assert result.added == 10  # 5 paying employees × 2 税务自主 items; 失业 (代征) never added
    df = draft.frame()
    assert set(df["item_code"]) == {"10201", "10203"} and set(df["new_wage"]) == {Decimal("1300.00")}
    assert "month" not in draft.columns and "item_name" in draft.columns


def test_the_four_lists_are_separate_and_survive_reopening_the_store(env):
    ctx, wages, _, bureau, path = env
    wages.draft("daily", "employee").add_all_normal(Adjust("ratio", Decimal(100)))
    assert wages.draft("daily", "item").frame().empty
    ctx.store.close()
    _ctx2, wages2, _, = _open(path, bureau)
    kept = wages2.draft("daily", "employee").frame()
    assert kept["employee_id"].tolist() == PAYING and set(kept["month"]) == {"2026-11"}  # current month


def test_add_by_group_takes_the_group_and_its_subgroups(env):
    ctx, wages, _, _, _ = env
    groups = GroupService(ctx)
    parent = groups.add("一部")
    child = groups.add("一组", parent_id=parent)
    with ctx.store.work() as con:
        from sbflib.store import groups as groups_repo
        groups_repo.set_members(con, UNIT, ["E00002"], parent)
        groups_repo.set_members(con, UNIT, ["E00003", "E00004"], child)  # E00004 stopped paying
    result = wages.draft("daily", "employee").add_by_group(parent, Adjust("ratio", Decimal(110)), "2026-11")
    assert result.added == 2
    with pytest.raises(ValidationError):
        wages.draft("daily", "employee").add_by_group(999, Adjust("ratio", Decimal(110)))


def test_single_entry_checks_the_month_the_authority_and_the_items(env):
    _, wages, _, _, _ = env
    draft = wages.draft("daily", "employee")
    found = draft.candidates("林")
    assert found["name"].tolist() == ["林婷", "林%强"]
    assert found.loc[1, "id_number"].count("*") == 8 and found.loc[1, "old_wage"] == Decimal("3000.00")
    assert draft.candidates("%")["name"].tolist() == ["林%强"]   # % typed by a clerk matches itself
    assert draft.check_month("E00002", "2026-09").back_pay is True
    assert draft.check_month("E00002", "2026-12").back_pay is False
    with pytest.raises(ValidationError):
        draft.check_month("E00001", "2026-11")                 # after the stop month 2021-06
    with pytest.raises(ValidationError):
        draft.add_one("E00002", "别的税务局", Decimal(5000), "2026-11")
    with pytest.raises(ValidationError):
        draft.add_one("E00002", AUTHORITY, Decimal(-5), "2026-11")
    assert draft.add_one("E00002", AUTHORITY, Decimal("5000.5"), "2026-11") == 1
    with pytest.raises(ValidationError) as twice:
        draft.add_one("E00002", AUTHORITY, "5000", "2026-11")
    assert twice.value.code == "ALREADY_IN_LIST"
    assert draft.frame().loc[0, "new_wage"] == Decimal("5000.50")

    per_item = wages.draft("daily", "item")
    wages_by_item = per_item.candidates("王芳").loc[0, "old_wages"]
    assert wages_by_item == {"10201": Decimal("2000.00"), "10203": Decimal("2000.00")}
    # 失业 (代征) is left out without a word; an item the employee is not insured for is refused.
    assert per_item.add_one("E00002", AUTHORITY, {"10201": "6000", "10301": "6000"}, "2026-10") == 1
    with pytest.raises(ValidationError) as uninsured:
        per_item.add_one("E00003", AUTHORITY, {"99999": "6000"}, "2026-10")
    assert uninsured.value.code == "ITEM_NOT_INSURED"

    annual = wages.draft("annual", "employee")
    with pytest.raises(ValidationError):
        annual.add_one("E00002", AUTHORITY, "5000", "2026-11")   # annual filings have no month
    assert annual.add_one("E00002", AUTHORITY, "5000") == 1
    assert annual.frame()["month"].isna().all() if "month" in annual.frame() else True


def test_edit_batch_change_delete_and_the_query_form(env):
    _, wages, _, _, _ = env
    draft = wages.draft("daily", "employee")
    draft.add_all_normal(Adjust("ratio", Decimal(100)), "2026-11")
    df, total = draft.query(WageDraftFilter(name="林"), page=1, page_size=50)
    assert total == 1 and df["name"].tolist() == ["林%强"]
    row = int(df.loc[0, "row_id"])
    draft.edit(row, wage="3333.33", month="2026-10")
    with pytest.raises(ValidationError):
        draft.edit(row, month="2027-13")
    ids = draft.frame()["row_id"].tolist()
    assert draft.batch_change(ids[:2], Adjust("ratio", Decimal(150))) == 2
    df = draft.frame()
    assert df.loc[0, "new_wage"] == Decimal("3000.00") and df.loc[1, "new_wage"] == Decimal("4500.00")
    assert draft.delete([ids[-1]]) == 1
    page2, total = draft.query(page=2, page_size=2)
    assert total == 4 and len(page2) == 2
    assert draft.query(WageDraftFilter(status=SENT))[1] == 0


# ----------------------------------------------------------------------------------- submitting


def test_submit_sends_one_filing_marks_the_rows_and_keeps_the_record(env):
    _, wages, records, bureau, _ = env
    draft = wages.draft("daily", "item")
    draft.add_all_normal(Adjust("ratio", Decimal(100)), "2026-11")
    ids = draft.frame()["row_id"].tolist()
    receipt = draft.submit(ids)
    assert receipt.status == "待反馈" and receipt.lines == 10 and receipt.employees == 5
    [post] = bureau.posts()
    body = json.loads(post.content)
    assert len(post.headers["Idempotency-Key"]) == 32
    assert b", " not in post.content and b": " not in post.content          # compact JSON
    assert {line["item_code"] for line in body["lines"]} == {"10201", "10203"}  # never 代征
    assert body["tax_authority"] == AUTHORITY and body["kind"] == "daily" and body["way"] == "item"
    assert body["lines"][0] == {"employee_id": "E00002", "item_code": "10201", "wage": "2000.00",
                                "month": "2026-11"}
    df = draft.frame()
    assert set(df["status"]) == {SENT} and set(df["filing_id"]) == {receipt.filing_id}
    with pytest.raises(ValidationError):
        draft.delete(ids[:1])                       # submitted rows stay, cannot be deleted
    with pytest.raises(ValidationError):
        draft.submit(ids[:1])                       # nor sent twice
    with pytest.raises(ValidationError):
        draft.edit(ids[0], wage="1")
    recs, total = records.query()
    assert total == 1 and recs.loc[0, "status"] == "待反馈" and recs.loc[0, "kind"] == "日常缴费工资申报"
    assert recs.loc[0, "employees"] == 5
    # the employee can be added again for a new filing
    assert draft.add_all_normal(Adjust("ratio", Decimal(100)), "2026-12").added == 10


def test_annual_filings_send_no_month(env):
    _, wages, _, bureau, _ = env
    draft = wages.draft("annual", "employee")
    draft.add_all_normal(Adjust("fixed", Decimal(6000)))
    draft.submit(draft.frame()["row_id"].tolist())
    body = json.loads(bureau.posts()[0].content)
    assert body["kind"] == "annual" and {line["month"] for line in body["lines"]} == {None}
    assert {line["item_code"] for line in body["lines"]} == {None}


def test_rows_whose_items_became_assessed_are_not_sent(env):
    ctx, wages, _, bureau, _ = env
    draft = wages.draft("daily", "item")
    draft.add_all_normal(Adjust("ratio", Decimal(100)), "2026-11")
    with ctx.store.work() as con:   # a roster update: 医疗 is now collected by the other office
        con.execute("UPDATE employee_items SET collection_mode = '税务代征' WHERE item_code = '10203'")
    receipt = draft.submit(draft.frame()["row_id"].tolist())
    assert receipt.lines == 5 and "税务代征" in receipt.message
    assert {line["item_code"] for line in json.loads(bureau.posts()[0].content)["lines"]} == {"10201"}
    left = draft.frame(WageDraftFilter(status=UNSENT))
    assert set(left["item_code"]) == {"10203"}


def test_a_lost_answer_leaves_the_rows_sending_and_the_next_submit_reuses_the_key(env):
    ctx, wages, _, bureau, path = env
    draft = wages.draft("daily", "employee")
    draft.add_all_normal(Adjust("ratio", Decimal(120)), "2026-11")
    ids = draft.frame()["row_id"].tolist()
    bureau.lose_answers = 3            # every try of this call: the bureau files, we never hear
    with pytest.raises(ConnectionFailed) as lost:
        draft.submit(ids[:3])
    assert "提交中" in str(lost.value) and "不会重复申报" in str(lost.value)
    assert len(bureau.filings) == 1
    posts = bureau.posts()
    assert len(posts) == 3 and len({p.headers["Idempotency-Key"] for p in posts}) == 1
    key = posts[0].headers["Idempotency-Key"]
    df = draft.frame()
    assert df["status"].tolist() == [SENDING] * 3 + [UNSENT] * 2
    with pytest.raises(ValidationError):
        draft.edit(ids[0], wage="1")   # 提交中 rows cannot be changed (the re-send must be the same body)

    # The client is restarted: a new store object and client on the same data.
    ctx.store.close()
    _ctx2, wages2, records2 = _open(path, bureau)
    receipt = wages2.draft("daily", "employee").submit(ids)   # the 提交中 rows and the two others
    new_posts = bureau.posts()[3:]
    assert new_posts[0].headers["Idempotency-Key"] == key and new_posts[0].content == posts[0].content
    assert len(receipt.filing_ids) == 2 and receipt.filing_ids[0] == "WF000001"
    assert len(bureau.filings) == 2    # the first filing once, the two new rows as a second one
    assert set(wages2.draft("daily", "employee").frame()["status"]) == {SENT}
    assert records2.query()[1] == 2


def test_a_refused_submit_makes_the_rows_editable_again(env):
    _, wages, _, bureau, _ = env
    draft = wages.draft("daily", "employee")
    draft.add_all_normal(Adjust("ratio", Decimal(120)), "2026-11")
    bureau.refuse_next = {"code": "LINES_INVALID", "message": "第2行：职工不存在"}
    with pytest.raises(BureauError) as refused:
        draft.submit(draft.frame()["row_id"].tolist())
    assert refused.value.code == "LINES_INVALID" and str(refused.value) == "第2行：职工不存在"
    assert set(draft.frame()["status"]) == {UNSENT}
    assert not draft.frame()["row_id"].empty and draft.delete(draft.frame()["row_id"].tolist()) == 5


# ----------------------------------------------------------------------------------- records


def test_feedback_fetches_decided_records_and_their_lines(env):
    _, wages, records, bureau, _ = env
    draft = wages.draft("daily", "employee")
    draft.add_all_normal(Adjust("fixed", Decimal(1500)), "2026-11")
    ids = draft.frame()["row_id"].tolist()
    draft.edit(ids[0], wage="900")    # below the fake bureau's floor: that line fails
    receipt = draft.submit(ids)
    assert records.feedback() == 0                     # not decided yet
    assert records.query()[0].loc[0, "status"] == "待反馈"
    bureau.decided = True
    assert records.feedback() == 1
    recs, _ = records.query(WageRecordFilter(status="部分申报成功"))
    assert recs["filing_id"].tolist() == [receipt.filing_id]
    gets = len(bureau.requests)
    lines = records.lines(receipt.filing_id)
    assert len(bureau.requests) == gets               # held since the feedback
    assert lines["status"].tolist() == ["失败"] + ["成功"] * 4
    assert lines.loc[0, "reason"] == "缴费工资低于下限" and "*" in lines.loc[0, "id_number"]
    assert records.query(WageRecordFilter(submitted_from="2026-11-15", submitted_to="2026-11-15"))[1] == 1
    assert records.query(WageRecordFilter(submitted_from="2026-11-16"))[1] == 0
    assert records.query(WageRecordFilter(kind="annual"))[1] == 0
    with pytest.raises(ValidationError):
        records.query(WageRecordFilter(submitted_from="2026/11/15"))


def test_feedback_wait_is_a_setting(env):
    _, _, records, _, _ = env
    assert records.feedback_wait_s == 20
    records.feedback_wait_s = 0
    assert records.feedback_wait_s == 0
    with pytest.raises(ValidationError):
        records.feedback_wait_s = -1


# ----------------------------------------------------------------------------------- exports


def _sheet(data: bytes) -> list[tuple]:
    return list(openpyxl.load_workbook(io.BytesIO(data), read_only=True).active.iter_rows(values_only=True))


def test_exports_are_masked_unless_asked_and_have_the_chinese_headers(env):
    _, wages, records, bureau, _ = env
    draft = wages.draft("daily", "item")
    draft.add_all_normal(Adjust("ratio", Decimal(100)), "2026-11")
    rows = _sheet(draft.export())
    assert rows[0] == tuple(draft.columns.values()) and len(rows) == 11
    assert "*" in rows[1][2]
    full = _sheet(draft.export(masked=False))
    assert full[1][2] == "330106199001010001"
    ids = draft.frame()["row_id"].tolist()
    assert len(_sheet(draft.export(ids[:3]))) == 4
    receipt = draft.submit(ids)
    bureau.decided = True
    records.feedback()
    assert _sheet(records.export())[0] == tuple(records.COLUMNS.values())
    lines = _sheet(records.export(receipt.filing_id))
    assert lines[0][0] == "姓名" and len(lines) == 11 and "*" in lines[1][2]
    assert _sheet(records.export(receipt.filing_id, masked=False))[1][2] == "330106199001010001"


# ----------------------------------------------------------------------------------- conventions


@pytest.mark.parametrize("service", [WageService, WageDraft, WageRecordService])
def test_every_public_method_is_behind_the_service_edge(service):
    for name, member in vars(service).items():
        if name.startswith("_") or not inspect.isfunction(member):
            continue
        assert hasattr(member, "__wrapped__"), f"{service.__name__}.{name} is not decorated by service_edge"


def test_bad_input_is_refused_in_chinese(env):
    _, wages, records, _, _ = env
    draft = wages.draft("daily", "employee")
    for call in (lambda: wages.draft("weekly", "employee"), lambda: wages.draft("daily", "x"),
                 lambda: draft.query(page=0), lambda: draft.delete([]), lambda: draft.delete(["a"]),
                 lambda: draft.submit([12345]), lambda: draft.add_all_normal("120%"),
                 lambda: draft.add_all_normal(Adjust("ratio", Decimal(120)), "2026/11"),
                 lambda: draft.import_file(b""), lambda: records.lines("../x")):
        with pytest.raises(ValidationError) as refused:
            call()
        assert any("\u4e00" <= c <= "\u9fff" for c in str(refused.value)), str(refused.value)


def test_fifty_thousand_rows_load_into_the_edit_list_well_under_a_second(env):
    ctx, _, _, _, _ = env
    n = 50_000
    rows = pa.table({
        "employee_id": [f"X{i:06d}" for i in range(n)],
        "tax_authority": [AUTHORITY] * n,
        "old_wage": pa.array([Decimal("5000.00")] * n, pa.decimal128(18, 2)),
        "new_wage": pa.array([Decimal("6000.00")] * n, pa.decimal128(18, 2)),
        "month": ["2026-11"] * n,
    })
    with ctx.store.work() as con:
        started = time.perf_counter()
        added, skipped = wages_repo.insert_rows(con, UNIT, "daily", "employee", rows)
        seconds = time.perf_counter() - started
    assert (added, skipped) == (n, 0)
    assert seconds < 1.0, seconds


def _filled(template: bytes, rows: list[list]) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_import_adds_the_good_rows_and_reports_each_bad_one(env):
    _, wages, _, _, _ = env
    draft = wages.draft("daily", "item")
    template = draft.template()
    header = [c.value for c in openpyxl.load_workbook(io.BytesIO(template)).worksheets[0][1]]
    assert header == ["姓名", "证件类型", "证件号码", "基本养老保险费缴费工资", "基本医疗保险费缴费工资", "生效年月"]
    data = _filled(template, [
        ["王芳", "居民身份证", "330106199001010001", "6000", "6100.5", "2026-11"],   # good: two rows
        ["错名", "居民身份证", "330106199001010005", "6000", None, "2026-11"],       # name does not match
        ["刘洋", "居民身份证", "110105199001010099", "6000", None, "2026-11"],       # unknown ID number
        ["王芳", "居民身份证", "330106199001010001", "7000", None, "2026-11"],       # repeats row 2's item
        ["张伟", "居民身份证", "330106199001010003", "-1", None, "2026-11"],         # not a positive wage
    ])
    report = draft.import_file(data)
    assert report.added == 2
    bad = set(report.errors["行号"])
    assert {3, 4, 6} <= bad
    assert (5 in bad) != (report.skipped == 1)   # the repeat is reported, or left out as already there
    assert list(report.errors.columns) == ["行号", "列", "原因"]
    assert "成功导入2条" in report.message and report.report_xlsx()[:2] == b"PK"
    df = draft.frame()
    assert df[["employee_id", "item_code", "new_wage", "old_wage", "item_name"]].values.tolist() == [
        ["E00002", "10201", Decimal("6000.00"), Decimal("2000.00"), "基本养老保险费"],
        ["E00002", "10203", Decimal("6100.50"), Decimal("2000.00"), "基本医疗保险费"]]
    assert set(df["tax_authority"]) == {AUTHORITY}
    again = draft.import_file(_filled(template, [["王芳", "居民身份证", "330106199001010001", "6000", None, "2026-11"]]))
    assert (again.added, again.skipped) == (0, 1)
    with pytest.raises(ValidationError) as foreign:
        wages.draft("annual", "employee").import_file(data)   # another page's template
    assert foreign.value.code == "NOT_OUR_TEMPLATE"
