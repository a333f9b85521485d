"""RosterService and GroupService against a bureau played by `httpx.MockTransport` and a temporary
store: no bureau process. Filters, validation at the service edge, set_group, exports, detail."""

from __future__ import annotations

import datetime as dt
import io
import struct
from decimal import Decimal

import httpx
import openpyxl
import pyarrow as pa
import pytest

from sbflib.employer.groups import GroupService
from sbflib.employer.roster import FULL, INCREMENTAL, ITEM_LABELS, Registration, RosterFilter, RosterService
from sbflib.errors import ValidationError
from sbflib.gateway.client import BureauClient
from sbflib.store.db import Store
from sbflib.store.roster import EMPLOYEE_COLUMNS
from sbflib.system.context import Context, CurrentUnit

UNIT = "U000001"
NAMES = ["王芳", "李%强", "张_伟", "刘洋", "陈静", "杨磊", "黄敏", "赵勇"]


def roster_tables(names: list[str], *, seq: int = 1) -> tuple[pa.Table, pa.Table]:
    """Employees E00001.. with `names`, each with two items under two unit numbers/agencies."""
    n = len(names)
    ids = [f"E{i:05d}" for i in range(1, n + 1)]
    employees = pa.table({
        "employee_id": ids,
        "name": names,
        "gender": ["女" if i % 2 else "男" for i in range(n)],
        "id_type": ["居民身份证"] * n,
        "id_number": [f"1101051990{i:06d}{i % 10}X"[:18] for i in range(n)],
        "birth_date": pa.array([dt.date(1990, 1, 1)] * n, pa.date32()),
        "start_month": ["2020-01"] * n,
        "stop_month": [None if i % 3 else "2021-06" for i in range(n)],
        "updated_at": pa.array([dt.datetime(2026, 11, 1, 8, 30)] * n, pa.timestamp("us")),
        "change_seq": pa.array([seq] * n, pa.int64()),
    })
    assert employees.column_names == EMPLOYEE_COLUMNS
    items = pa.table({
        "employee_id": [e for e in ids for _ in range(2)],
        "unit_number": ["1234", "330108200351"] * n,
        "agency": ["杭州市西湖区社会保险管理服务中心", "杭州市西湖区医疗保障局"] * n,
        "person_number": [f"P{i:08d}" for i in range(2 * n)],
        "item_code": ["10201", "10203"] * n,
        "item_name": ["基本养老保险费", "基本医疗保险费"] * n,
        "subitem_name": ["企业职工基本养老保险费", "职工基本医疗保险费"] * n,
        "special_category": ["无"] * (2 * n),
        "base": pa.array([Decimal("8000.00"), Decimal("8000.00")] * n, pa.decimal128(18, 2)),
        "start_month": ["2020-01"] * (2 * n),
        "stop_month": [None] * (2 * n),
        "collection_mode": ["税务自主"] * (2 * n),
        "subitem_detail": ["企业职工基本养老保险费（单位缴纳）", "职工基本医疗保险费（单位缴纳）"] * n,
    })
    return employees, items


def framed(*tables: pa.Table) -> bytes:
    out = b""
    for table in tables:
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        data = sink.getvalue().to_pybytes()
        out += struct.pack("<Q", len(data)) + data
    return out


class FakeBureau:
    """Answers GET /units/{unit}/roster with the current tables, whatever `since` asks."""

    def __init__(self, names: list[str]) -> None:
        self.employees, self.items = roster_tables(names)
        self.cursor = 1

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == f"/api/v1/units/{UNIT}/roster"
        since = request.url.params.get("since")
        if since is not None and int(since) > self.cursor:  # as the real bureau answers
            return httpx.Response(400, json={"code": "CURSOR_AHEAD", "message": "同步游标超出税务局当前进度"})
        return httpx.Response(200, content=framed(self.employees, self.items),
                              headers={"X-Sbf-Cursor": str(self.cursor),
                                       "Content-Type": "application/vnd.sbf.roster.v1"})


@pytest.fixture
def services(tmp_path):
    bureau = FakeBureau(NAMES)
    client = BureauClient("http://bureau.test", transport=httpx.MockTransport(bureau), retries=0)
    store = Store(tmp_path / "client" / "sbf.duckdb")
    with store.work() as con:
        con.execute("INSERT INTO units (unit_id, module, taxpayer_id, name, region, added_at)"
                    " VALUES (?, 'employer', '91330100MA0000000X', '测试单位', '330100', now())", [UNIT])
    ctx = Context(store, client)
    ctx.unit = CurrentUnit(UNIT, "91330100MA0000000X", "测试单位", "employer", "330100")
    groups = GroupService(ctx)
    roster = RosterService(ctx, groups)
    result = roster.sync()
    assert (result.kind, result.changed, result.received) == (FULL, len(NAMES), len(NAMES))
    yield roster, groups, bureau
    store.close()


def test_first_full_update_into_an_empty_store_lists_every_employee_as_changed(services):
    roster, _, bureau = services
    assert len(roster.changes(1)) == len(NAMES)
    bureau.employees = bureau.employees.slice(0, 6)   # two employees left the unit
    bureau.items = bureau.items.slice(0, 12)
    bureau.cursor = 2
    again = roster.sync(full=True)
    assert (again.kind, again.changed) == (FULL, 2)  # only the two that went
    assert roster.query()[1] == 6
    assert roster.sync().kind == INCREMENTAL


def test_a_bureau_restored_to_an_older_roster_gets_a_full_update_that_replaces_ours(services):
    roster, _, bureau = services
    bureau.cursor = 5
    assert roster.sync().kind == INCREMENTAL          # our cursor is 5 now
    # The bureau comes back from a backup: its cursor is behind ours and two employees are gone.
    bureau.employees, bureau.items = roster_tables(NAMES[:6])
    bureau.cursor = 3
    result = roster.sync()
    assert result.kind == FULL
    assert roster.query()[1] == 6
    bureau.cursor = 4                                  # and incremental updates go on from there
    assert roster.sync().kind == INCREMENTAL


def test_percent_and_underscore_in_a_fuzzy_filter_match_literally(services):
    roster, _, _ = services
    _, percent = roster.query(RosterFilter(name="%"))
    assert percent == 1                      # only 李%强, not everybody
    df, underscore = roster.query(RosterFilter(name="_"))
    assert underscore == 1 and df["name"].tolist() == ["张_伟"]
    assert roster.query(RosterFilter(name="\\"))[1] == 0
    assert roster.query(RosterFilter(id_number="%"))[1] == 0


@pytest.mark.parametrize(("filters", "field"), [
    (RosterFilter(updated_from="2026-13-01"), "更新时间起"),
    (RosterFilter(updated_to="yesterday"), "更新时间止"),
    (RosterFilter(updated_from="2026-11-30", updated_to="2026-11-01"), "更新时间起"),
    (RosterFilter(name=5), "姓名"),                      # type: ignore[arg-type]
    (RosterFilter(status=["正常缴费"]), "参保状态"),      # type: ignore[arg-type]
    (RosterFilter(group_id="1"), "分组"),                 # type: ignore[arg-type]
    (RosterFilter(name="王" * 201), "姓名"),
])
def test_bad_filters_are_refused_in_chinese_naming_the_field(services, filters, field):
    roster, _, _ = services
    with pytest.raises(ValidationError) as info:
        roster.query(filters)
    assert info.value.field == field and field in str(info.value)
    with pytest.raises(ValidationError):
        roster.frame(filters)


@pytest.mark.parametrize(("page", "size", "field"), [
    (0, 10, "页码"), (-1, 10, "页码"), (2**62, 10, "页码"), (1, 0, "每页条数"), (1, -5, "每页条数"),
    (1, 10_001, "每页条数"), (1.5, 10, "页码"), ("1", 10, "页码"),
])
def test_bad_pages_are_refused(services, page, size, field):
    roster, _, _ = services
    with pytest.raises(ValidationError) as info:
        roster.query(page=page, page_size=size)
    assert info.value.field == field


def test_dates_filter_by_day_both_ends_included(services):
    roster, _, _ = services
    assert roster.query(RosterFilter(updated_from="2026-11-01", updated_to="2026-11-01"))[1] == len(NAMES)
    assert roster.query(RosterFilter(updated_from=dt.date(2026, 11, 2)))[1] == 0
    assert roster.query(RosterFilter(updated_to="2026-10-31"))[1] == 0


def test_set_group_of_an_employee_that_does_not_exist_is_refused_and_changes_nothing(services):
    roster, groups, _ = services
    gid = groups.add("工程部")
    with pytest.raises(ValidationError, match="E99999") as info:
        roster.set_group(["E00001", "E99999"], gid)
    assert info.value.code == "EMPLOYEE_MISSING"
    assert roster.query(RosterFilter(group_id=gid))[1] == 0   # E00001 was not put in either
    with pytest.raises(ValidationError, match="分组不存在"):
        roster.set_group(["E00001"], gid + 100)
    assert roster.set_group(["E00001", "E00002"], gid) == 2
    assert roster.query(RosterFilter(group_id=gid))[1] == 2


def test_group_names_refuse_path_separators_at_creation_and_rename(services):
    _, groups, _ = services
    for name in ("A-B", "A/B", "A>B", "A－B"):
        with pytest.raises(ValidationError) as info:
            groups.add(name)
        assert info.value.code == "GROUP_NAME_SEPARATOR" and info.value.field == "分组名称"
    gid = groups.add("行政部")
    with pytest.raises(ValidationError) as info:
        groups.rename(gid, "行政-综合")
    assert info.value.code == "GROUP_NAME_SEPARATOR"
    assert groups.list()["name"].tolist() == ["行政部"]


def test_groups_carry_their_saved_time(services):
    _, groups, _ = services
    before = dt.datetime.now().replace(microsecond=0) - dt.timedelta(seconds=1)
    top = groups.add("销售部")
    groups.add("华东区", top)
    tree = groups.tree()
    assert tree["path"].tolist() == ["销售部", "销售部-华东区"]
    assert tree["saved_at"].notna().all() and (tree["saved_at"] >= before).all()


def _read(data: bytes) -> list[tuple]:
    return list(openpyxl.load_workbook(io.BytesIO(data), read_only=True).active.iter_rows(values_only=True))


def test_export_full_or_masked_ids_and_the_choice_is_remembered(services):
    roster, _, bureau = services
    full_ids = set(bureau.employees["id_number"].to_pylist())
    assert roster.export_full_ids is False
    masked = _read(roster.export_xlsx())          # 脱敏 until the clerk chooses
    column = masked[0].index("证件号码")
    assert all("*" in row[column] for row in masked[1:])
    assert len(masked) - 1 == len(NAMES)
    full = _read(roster.export_xlsx(full_ids=True))
    assert {row[column] for row in full[1:]} == full_ids
    assert roster.export_full_ids is True
    remembered = _read(roster.export_xlsx(employee_ids=["E00002", "E00003"]))
    assert {row[column] for row in remembered[1:]} <= full_ids and len(remembered) == 3
    roster.export_xlsx(full_ids=False)
    assert roster.export_full_ids is False
    assert all("*" in row[column] for row in _read(roster.export_xlsx())[1:])


def test_export_of_all_employees_ignores_nothing_it_is_given(services):
    roster, _, _ = services
    assert len(_read(roster.export_xlsx(None))) - 1 == len(NAMES)
    assert len(_read(roster.export_xlsx(RosterFilter(name="王")))) - 1 == 1
    with pytest.raises(ValidationError, match="勾选"):
        roster.export_xlsx(employee_ids=[])


def test_detail_shows_the_subitem_detail_and_switches_between_unit_numbers(services):
    roster, _, _ = services
    detail = roster.detail("E00002")
    assert list(detail.items.columns) == list(ITEM_LABELS)
    assert ITEM_LABELS["subitem_detail"] == "征收子目"
    assert detail.unit_numbers == [Registration("1234", "杭州市西湖区社会保险管理服务中心"),
                                   Registration("330108200351", "杭州市西湖区医疗保障局")]
    medical = detail.items_of(detail.unit_numbers[1])
    assert medical["subitem_detail"].tolist() == ["职工基本医疗保险费（单位缴纳）"]
    assert medical["stop_month"].tolist() == ["长期"]
    assert isinstance(medical["base"].iloc[0], Decimal)
    assert "*" in detail.basic["证件号码"]
    with pytest.raises(ValidationError):
        roster.detail("E99999")


def test_frame_is_typed_and_masked_unless_asked(services):
    roster, _, bureau = services
    df = roster.frame()
    assert list(df.columns) == ["employee_id", *roster.COLUMNS]
    assert len(df) == len(NAMES)
    assert str(df["updated_at"].dtype).startswith("datetime64")
    assert df["id_number"].str.contains(r"\*").all()
    full = roster.frame(RosterFilter(status="正常缴费"), full_ids=True)
    assert set(full["id_number"]) <= set(bureau.employees["id_number"].to_pylist())
    assert set(full["status"]) == {"正常缴费"}


def test_template_import_refuses_a_file_that_is_not_the_template(services):
    roster, groups, _ = services
    book = openpyxl.Workbook()
    book.active.append(["工号", "部门"])
    book.active.append(["1", "A"])
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(ValidationError, match="模板"):
        roster.import_groups(buffer.getvalue())
    with pytest.raises(ValidationError, match="模板"):
        groups.import_template(buffer.getvalue())
    with pytest.raises(ValidationError, match="Excel"):
        roster.import_groups(b"not a spreadsheet")
    with pytest.raises(ValidationError, match="导入文件"):
        roster.import_groups("/etc/passwd")  # type: ignore[arg-type]  # a path is not an upload
    with pytest.raises(ValidationError, match="导入文件"):
        groups.import_template("/etc/passwd")  # type: ignore[arg-type]
