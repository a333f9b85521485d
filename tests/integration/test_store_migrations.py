"""SYS-1: a store written by an older version opens after an upgrade with all its data kept."""

from importlib import resources

import duckdb

from sbflib.store import roster as roster_repo
from sbflib.store.db import Store


def _write_version_1_store(path):
    """A store as version 1 of the schema left it, with one employee on two unit numbers."""
    sql = (resources.files("sbflib.store") / "migrations" / "001_init.sql").read_text(encoding="utf-8")
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at TIMESTAMP)")
    con.execute(sql)
    con.execute("INSERT INTO schema_version VALUES (1, now())")
    con.execute("INSERT INTO units (unit_id, module, taxpayer_id, name, region, remark, added_at) "
                "VALUES ('U1', 'employer', '91330108MA2700000X', '旧版本单位', '330100', '老备注', now())")
    con.execute("INSERT INTO employees VALUES ('U1', 'E1', '张三', '男', '居民身份证', '110105194912310021', "
                "'1949-12-31', '2020-01', NULL, now(), 1)")
    for number, item in (("330108200351", "10203"), ("1234", "10201"), ("1234", "10202")):
        con.execute("INSERT INTO employee_items VALUES ('U1', 'E1', ?, '社保局', 'P1', ?, '项目', '品目', '无', "
                    "7000.00, '2020-01', NULL, '税务自主')", [number, item])
    con.close()


def test_old_store_is_migrated_with_its_data_kept(tmp_path):
    path = tmp_path / "sbf.duckdb"
    _write_version_1_store(path)
    store = Store(path)
    assert store.schema_version() >= 2
    with store.read() as con:
        assert con.execute("SELECT remark FROM units WHERE unit_id = 'U1'").fetchall() == [("老备注",)]
    with store.read() as con:
        page, total = roster_repo.query_page(con, "U1", roster_repo.RosterFilter(), page=1, page_size=10)
        _, by_number = roster_repo.query_page(con, "U1", roster_repo.RosterFilter(unit_number="1234"), page=1, page_size=10)
    assert total == 1
    assert page.loc[0, "unit_numbers"] == "1234,330108200351"  # filled by migration 002
    assert by_number == 1
    store.close()
    assert Store(path).schema_version() == store.schema_version()  # reopening applies nothing twice


def test_a_migration_skipped_by_an_earlier_build_is_applied_later(tmp_path):
    """A folder opened by a build that had migration 005 but not yet 004 (two branches landing in
    either order) gets 004 on its next open, with the rows of 005 kept."""
    folder = resources.files("sbflib.store") / "migrations"
    scripts = sorted(p.name for p in folder.iterdir() if p.name.endswith(".sql"))
    assert [s[:3] for s in scripts[:5]] == ["001", "002", "003", "004", "005"]
    path = tmp_path / "sbf.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at TIMESTAMP)")
    for name in scripts[:5]:
        if name.startswith("004"):
            continue
        con.execute((folder / name).read_text(encoding="utf-8"))
        con.execute("INSERT INTO schema_version VALUES (?, now())", [int(name[:3])])
    tables_before = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    con.close()
    store = Store(path)
    with store.read() as con:
        versions = [r[0] for r in con.execute("SELECT version FROM schema_version ORDER BY version").fetchall()]
        tables_after = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert versions[:5] == [1, 2, 3, 4, 5]
    assert "wage_draft_rows" in tables_after - tables_before


def test_client_migrations_are_numbered_from_one_without_gaps():
    """A number allocated and never used leaves a gap that the upgrade checks count as a missing
    version; two migrations may land in either order, but none may be skipped for good."""
    from sbflib.store.db import _migrations

    versions = [v for v, _ in _migrations()]
    assert versions == list(range(1, len(versions) + 1))
