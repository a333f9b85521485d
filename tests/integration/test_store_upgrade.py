"""SYS-1: a store written by any earlier released schema opens after an upgrade with every row kept.

The stores in tests/fixtures/stores/ were written by tests/fixtures/make_store_fixtures.py (schema
001..003, the released ones: migrations 001..N applied and rows in every table). Each test opens a
copy with the current code, whatever migrations it ships by now, and checks that the schema is the
newest, every table of the old store is still there, and every old row is there with every old
column's value unchanged.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from sbflib.store import integrity
from sbflib.store import roster as roster_repo
from sbflib.store import units as units_repo
from sbflib.store.db import Store

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "stores"
RELEASED = sorted(FIXTURES.glob("schema_*.duckdb"))


def test_a_fixture_exists_for_each_released_schema():
    assert [p.name for p in RELEASED] == ["schema_001.duckdb", "schema_002.duckdb", "schema_003.duckdb"]


def _columns(con: duckdb.DuckDBPyConnection, database: str, table: str) -> list[str]:
    rows = con.execute("SELECT column_name FROM duckdb_columns() WHERE database_name = ? AND schema_name = 'main' "
                       "AND table_name = ? ORDER BY column_index", [database, table]).fetchall()
    return [r[0] for r in rows]


@pytest.mark.parametrize("fixture", RELEASED, ids=lambda p: p.stem)
def test_an_old_store_opens_with_every_row_kept_and_the_schema_current(tmp_path, fixture):
    path = tmp_path / "client" / "sbf.duckdb"
    path.parent.mkdir()
    shutil.copyfile(fixture, path)
    old_version = int(fixture.stem.split("_")[1])

    store = Store(path)  # the upgrade: the current code opens the old file
    assert store.schema_version() == integrity.latest_schema_version() >= old_version

    # The current code reads the old data through its own queries.
    with store.read() as con:
        units = units_repo.list_units(con, "employer")
        page, total = roster_repo.query_page(con, "U900001", roster_repo.RosterFilter(), page=1, page_size=10)
        _, by_number = roster_repo.query_page(con, "U900001", roster_repo.RosterFilter(unit_number="330108200351"),
                                              page=1, page_size=10)
    assert list(units["name"]) == ["杭州旧版数据科技有限公司"]
    assert total == 3 and by_number == 2
    assert set(page["name"]) == {"张三", "欧阳·娜娜", "O'Brien, Sean"}

    # Sequences go on after the old rows (a new group does not reuse an old id).
    with store.work() as con:
        assert con.execute("SELECT nextval('group_ids')").fetchall()[0][0] > 2
    check = integrity.check(path, store=store)
    assert check.ok, check.problems
    store.close()

    con = duckdb.connect(str(path))
    try:
        con.execute(f"ATTACH '{fixture}' AS old (READ_ONLY)")
        old_tables = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'old' ORDER BY table_name").fetchall()]
        assert len(old_tables) >= 12
        new_tables = {r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()").fetchall()}
        assert set(old_tables) <= new_tables
        for table in old_tables:
            cols = _columns(con, "old", table)
            assert set(cols) <= set(_columns(con, "sbf", table)), f"{table}: a column was lost"
            listed = ", ".join(f'"{c}"' for c in cols)
            old_rows = con.execute(f'SELECT count(*) FROM old."{table}"').fetchall()[0][0]
            assert old_rows > 0, f"the fixture has no rows in {table}"
            missing = con.execute(f'SELECT count(*) FROM (SELECT {listed} FROM old."{table}" '
                                  f'EXCEPT ALL SELECT {listed} FROM "{table}")').fetchall()[0][0]
            assert missing == 0, f"{table}: {missing} of {old_rows} old rows lost or changed"
            if table != "schema_version":
                new_rows = con.execute(f'SELECT count(*) FROM "{table}"').fetchall()[0][0]
                assert new_rows == old_rows, f"{table}: {old_rows} rows before the upgrade, {new_rows} after"
        # Migration 002 fills the employees' unit numbers of a store written before it.
        if old_version < 2:
            numbers = dict(con.execute("SELECT employee_id, unit_numbers FROM employees").fetchall())
            assert numbers == {"E1": "1234,330108200351", "E2": "1234,330108200351", "E3": "1234"}
    finally:
        con.close()

    # Opening again applies nothing twice.
    again = Store(path)
    assert again.schema_version() == integrity.latest_schema_version()
    with again.read() as con:
        assert con.execute("SELECT count(*) FROM schema_version").fetchall()[0][0] == integrity.latest_schema_version()
    again.close()


def test_the_fixtures_are_untouched_by_the_tests():
    for fixture in RELEASED:
        con = duckdb.connect(str(fixture), read_only=True)
        try:
            version = con.execute("SELECT max(version) FROM schema_version").fetchall()[0][0]
        finally:
            con.close()
        assert version == int(fixture.stem.split("_")[1])
