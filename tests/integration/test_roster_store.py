"""The roster repository on a real store file: whole lists never truncate, frames come through
Arrow, one filter builder (ILIKE … ESCAPE), loads straight from Arrow into an empty unit."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pyarrow as pa
import pytest

from sbflib.errors import ValidationError
from sbflib.store import roster as roster_repo
from sbflib.store.db import Store
from sbflib.store.filters import Where, like_pattern, parse_date
from sbflib.store.frames import frame
from sbflib.store.roster import ROSTER_LIST, RosterFilter

N = 12_000


def tables(n: int, *, unit_prefix: str = "E", seq: int = 1) -> tuple[pa.Table, pa.Table]:
    ids = [f"{unit_prefix}{i:06d}" for i in range(n)]
    employees = pa.table({
        "employee_id": ids,
        "name": [f"职工{i}" for i in range(n)],
        "gender": ["男"] * n,
        "id_type": ["居民身份证"] * n,
        "id_number": [f"330106199001{i:06d}" for i in range(n)],
        "birth_date": pa.array([dt.date(1990, 1, 1)] * n, pa.date32()),
        "start_month": ["2020-01"] * n,
        "stop_month": pa.array([None] * n, pa.string()),
        "updated_at": pa.array([dt.datetime(2026, 11, 1, 9, 0)] * n, pa.timestamp("us")),
        "change_seq": pa.array([seq] * n, pa.int64()),
    })
    items = pa.table({
        "employee_id": ids,
        "unit_number": ["1234"] * n,
        "agency": ["杭州市社会保险管理服务中心"] * n,
        "person_number": ids,
        "item_code": ["10201"] * n,
        "item_name": ["基本养老保险费"] * n,
        "subitem_name": ["企业职工基本养老保险费"] * n,
        "special_category": ["无"] * n,
        "base": pa.array([Decimal("6543.21")] * n, pa.decimal128(18, 2)),
        "start_month": ["2020-01"] * n,
        "stop_month": pa.array([None] * n, pa.string()),
        "collection_mode": ["税务自主"] * n,
    })
    return employees, items


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "sbf.duckdb")
    with store.work() as con:
        for unit in ("U1", "U2"):
            con.execute("INSERT INTO units (unit_id, module, taxpayer_id, name, region, added_at)"
                        " VALUES (?, 'employer', 'T', '单位', '330100', now())", [unit])
    yield store
    store.close()


def load(store, unit, employees, items, *, full=True, since=None, cursor=1):
    with store.work() as con:
        return roster_repo.load_roster(con, unit, employees, items, full=full, since=since, cursor=cursor,
                                       kind="全量更新" if full else "增量更新")


def test_a_whole_list_of_more_than_ten_thousand_employees_is_never_truncated(store):
    employees, items = tables(N)
    result = load(store, "U1", employees, items)
    assert (result.received, result.changed) == (N, N)
    with store.read() as con:
        whole = roster_repo.query_all(con, "U1", None, display=False)
        page, total = roster_repo.query_page(con, "U1", RosterFilter(), page=2, page_size=10_000)
        item_rows = roster_repo.items_of(con, "U1", RosterFilter(unit_number="1234"))
    assert len(whole) == total == N and whole["employee_id"].is_unique
    assert len(page) == N - 10_000
    assert whole["id_number"].str.contains(r"\*").all()
    assert str(whole["updated_at"].dtype).startswith("datetime64")
    assert len(item_rows) == N and isinstance(item_rows["base"].iloc[-1], Decimal)


def test_full_update_of_an_empty_unit_leaves_other_units_alone_and_a_second_one_diffs(store):
    load(store, "U2", *tables(10, unit_prefix="X"))
    employees, items = tables(100)
    assert load(store, "U1", employees, items).changed == 100
    # Second full update: 3 employees changed (new change_seq), 2 gone.
    seq = pa.array([1] * 95 + [2, 2, 2], pa.int64())
    kept = employees.slice(0, 98).set_column(9, "change_seq", seq)
    again = load(store, "U1", kept, items.slice(0, 98), cursor=2)
    assert again.changed == 3 + 2
    with store.read() as con:
        assert roster_repo.counts(con, "U1")[0] == 98
        assert roster_repo.counts(con, "U2")[0] == 10
        assert con.execute("SELECT count(*) FROM employee_items WHERE unit_id = 'U1'").fetchone()[0] == 98
        assert sorted(roster_repo.changed_employee_ids(con, again.sync_id)) == ["E000095", "E000096", "E000097"]


def test_unit_numbers_are_kept_sorted_and_distinct_on_the_employee_row(store):
    employees, items = tables(2)
    extra = items.slice(0, 1).set_column(1, "unit_number", pa.array(["0999"]))
    load(store, "U1", employees, pa.concat_tables([items, extra, items.slice(0, 1)]))
    with store.read() as con:
        df = roster_repo.query_all(con, "U1", None)
    assert df["unit_numbers"].tolist() == ["0999,1234", "1234"]


def test_store_is_at_schema_3_with_group_times_and_subitem_detail(store):
    assert store.schema_version() >= 3
    with store.read() as con:
        cols = {r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name IN"
                                          " ('employee_groups', 'employee_items')").fetchall()}
    assert {"saved_at", "subitem_detail"} <= cols


def test_frame_keeps_decimals_and_dates(store):
    with store.read() as con:
        df = frame(con, "SELECT CAST(? AS DECIMAL(18,2)) AS m, CAST(? AS DATE) AS d", ["0.10", "2026-02-28"])
        empty = frame(con, "SELECT employee_id FROM employees WHERE FALSE")
    assert df.loc[0, "m"] == Decimal("0.10") and df.loc[0, "d"] == dt.date(2026, 2, 28)
    assert list(empty.columns) == ["employee_id"] and empty.empty


def test_where_builder_escapes_wildcards_and_skips_empty_values(store):
    assert like_pattern("5%_\\") == "%5\\%\\_\\\\%"
    w = Where().equals("a", "").equals("a", None).contains("b", "  ").in_("c", None)
    assert (w.sql(), w.params) == ("TRUE", [])
    assert Where().in_("c", []).sql() == "FALSE"
    with store.read() as con:
        con.execute("CREATE TEMP TABLE t AS SELECT * FROM (VALUES ('50%'), ('5_0'), ('500'), ('a\\b')) v(s)")
        for text, expected in [("%", ["50%"]), ("_", ["5_0"]), ("0", ["50%", "5_0", "500"]), ("\\", ["a\\b"])]:
            w = Where().contains("s", text)
            rows = con.execute(f"SELECT s FROM t WHERE {w.sql()} ORDER BY s", w.params).fetchall()
            assert [r[0] for r in rows] == sorted(expected), text


def test_list_spec_checks_the_form_in_chinese():
    assert ROSTER_LIST.check(None) == RosterFilter()
    checked = ROSTER_LIST.check(RosterFilter(name=" 王 ", updated_from="2026-01-31"))
    assert checked.name == "王" and checked.updated_from == dt.date(2026, 1, 31)
    assert parse_date("", "x") is None
    with pytest.raises(ValidationError, match="更新时间止"):
        ROSTER_LIST.check(RosterFilter(updated_to="2026-02-30"))
    with pytest.raises(ValidationError, match="查询条件"):
        ROSTER_LIST.check({"name": "王"})  # type: ignore[arg-type]
    assert set(ROSTER_LIST.fields) == {f.name for f in dataclasses.fields(RosterFilter)}


def test_a_page_past_the_end_still_counts_and_many_unit_numbers_are_joined(store):
    employees, items = tables(3)
    many = pa.concat_tables([items.slice(0, 1).set_column(1, "unit_number", pa.array([f"N{j:03d}"]))
                             for j in range(70)])  # more unit numbers than the bit mask holds
    load(store, "U1", employees, pa.concat_tables([items, many]))
    with store.read() as con:
        page, total = roster_repo.query_page(con, "U1", None, page=5, page_size=2)
        empty, none = roster_repo.query_page(con, "U1", RosterFilter(name="无此人"), page=1, page_size=2)
        first = roster_repo.query_all(con, "U1", None)["unit_numbers"].iloc[0]
    assert (len(page), total, len(empty), none) == (0, 3, 0, 0)
    assert "_total" not in page.columns
    assert first.split(",") == sorted(["1234", *(f"N{j:03d}" for j in range(70))])
