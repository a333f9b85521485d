"""The bureau store (sbflib.bureau.store): numbered migrations; a first-release store keeps its data."""

from __future__ import annotations

import duckdb

from sbflib.bureau.store import SCHEMA_VERSION, BureauStore, migrations

# The schema of the first release, copied as it shipped (store.py's SCHEMA, schema_version 1).
FIRST_RELEASE_SCHEMA = """
CREATE SEQUENCE IF NOT EXISTS change_seq START 1;
CREATE SEQUENCE IF NOT EXISTS notice_seq START 1;
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS regions (
    code VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, modules VARCHAR[] NOT NULL
);
CREATE TABLE IF NOT EXISTS region_items (
    region VARCHAR, item_code VARCHAR, item_name VARCHAR, subitem_name VARCHAR,
    agency_kind VARCHAR, collection_mode VARCHAR, PRIMARY KEY (region, item_code)
);
CREATE TABLE IF NOT EXISTS units (
    unit_id VARCHAR PRIMARY KEY, taxpayer_id VARCHAR NOT NULL, name VARCHAR NOT NULL,
    module VARCHAR NOT NULL, region VARCHAR NOT NULL, registered_on DATE, taxpayer_status VARCHAR,
    kind VARCHAR, tax_authority VARCHAR, tax_office VARCHAR,
    finance_officer VARCHAR, legal_representative VARCHAR, industry VARCHAR, enterprise_type VARCHAR,
    address VARCHAR, postcode VARCHAR, phone VARCHAR, email VARCHAR, listed VARCHAR
);
CREATE TABLE IF NOT EXISTS unit_numbers (
    unit_id VARCHAR NOT NULL, unit_number VARCHAR NOT NULL, agency VARCHAR NOT NULL,
    agency_kind VARCHAR NOT NULL, tax_authority VARCHAR NOT NULL, PRIMARY KEY (unit_id, unit_number)
);
-- 申报密码: scrypt hashes only. While `initial`, one row per accepted initial password.
CREATE TABLE IF NOT EXISTS unit_passwords (
    unit_id VARCHAR NOT NULL, salt BLOB NOT NULL, digest BLOB NOT NULL, initial BOOLEAN NOT NULL,
    set_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS unit_logins (
    unit_id VARCHAR PRIMARY KEY, failures INTEGER NOT NULL DEFAULT 0, locked_until TIMESTAMP
);
CREATE TABLE IF NOT EXISTS sessions (
    token_sha256 VARCHAR PRIMARY KEY, unit_id VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
-- 职工: no index besides the zone maps; bulk reads filter on unit_id / change_seq.
CREATE TABLE IF NOT EXISTS employees (
    unit_id VARCHAR NOT NULL, employee_id VARCHAR NOT NULL, name VARCHAR NOT NULL,
    gender VARCHAR NOT NULL, id_type VARCHAR NOT NULL, id_number VARCHAR NOT NULL,
    birth_date DATE NOT NULL, start_month VARCHAR NOT NULL, stop_month VARCHAR,
    updated_at TIMESTAMP NOT NULL, change_seq BIGINT NOT NULL DEFAULT nextval('change_seq')
);
-- 参保险种: one row per employee, unit number and insured item.
CREATE TABLE IF NOT EXISTS employee_items (
    unit_id VARCHAR NOT NULL, employee_id VARCHAR NOT NULL, unit_number VARCHAR NOT NULL,
    agency VARCHAR NOT NULL, person_number VARCHAR NOT NULL, item_code VARCHAR NOT NULL,
    item_name VARCHAR NOT NULL, subitem_name VARCHAR NOT NULL, special_category VARCHAR NOT NULL,
    base DECIMAL(18,2) NOT NULL, start_month VARCHAR NOT NULL, stop_month VARCHAR,
    collection_mode VARCHAR NOT NULL
);
-- 城乡居民: only counted for now; the collector slice will use them.
CREATE TABLE IF NOT EXISTS residents (
    region VARCHAR NOT NULL, resident_id VARCHAR NOT NULL, name VARCHAR NOT NULL, gender VARCHAR NOT NULL,
    id_number VARCHAR NOT NULL, birth_date DATE NOT NULL
);
CREATE TABLE IF NOT EXISTS notices (
    notice_id BIGINT PRIMARY KEY DEFAULT nextval('notice_seq'), region VARCHAR NOT NULL,
    title VARCHAR NOT NULL, published DATE NOT NULL, body VARCHAR NOT NULL
);

"""


def test_migrations_are_numbered_from_one_without_gaps():
    versions = [v for v, _ in migrations()]
    assert versions == list(range(1, len(versions) + 1)) and SCHEMA_VERSION == versions[-1] >= 2


def test_a_new_store_records_every_version(tmp_path):
    store = BureauStore(tmp_path / "bureau.duckdb")
    try:
        with store.reading() as cur:
            versions = [v for (v,) in cur.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()]
            assert versions == list(range(1, SCHEMA_VERSION + 1))
            assert cur.execute("SELECT count(*) FROM idempotency").fetchall()[0][0] == 0
    finally:
        store.close()


def test_a_migration_that_landed_after_a_higher_one_is_still_applied(tmp_path):
    """Two branches each add a migration; a store opened by a build with 007 but not yet 006 gets
    006 when it is opened by a build that has both (not only the versions above the highest)."""
    path = tmp_path / "gap.duckdb"
    conn = duckdb.connect(str(path))
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at TIMESTAMP)")
    for version, sql in migrations():
        if version != 6:
            conn.execute(sql)
            conn.execute("INSERT INTO schema_version VALUES (?, now())", [version])
    conn.close()

    store = BureauStore(path)
    try:
        with store.reading() as cur:
            versions = [v for (v,) in cur.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()]
            assert versions == list(range(1, SCHEMA_VERSION + 1))
            assert cur.execute("SELECT count(*) FROM information_schema.tables "
                               "WHERE table_name = 'arrivals'").fetchall() == [(1,)]
    finally:
        store.close()


def test_a_first_release_store_opens_with_its_data_kept(tmp_path):
    path = tmp_path / "old.duckdb"
    conn = duckdb.connect(str(path))
    conn.execute(FIRST_RELEASE_SCHEMA)
    conn.execute("INSERT INTO meta VALUES ('schema_version', '1'), ('seed', '7')")
    conn.execute("INSERT INTO regions VALUES ('330100', '浙江省杭州市', ['employer'])")
    conn.execute("INSERT INTO units (unit_id, taxpayer_id, name, module, region) "
                 "VALUES ('U000001', '91330108ABCDEFGH12', '旧单位', 'employer', '330100')")
    conn.execute("INSERT INTO unit_logins VALUES ('U000001', 3, NULL)")
    conn.close()

    store = BureauStore(path)
    try:
        assert store.migrated_from == 1
        with store.reading() as cur:
            assert cur.execute("SELECT name FROM units").fetchall() == [("旧单位",)]
            assert cur.execute("SELECT failures FROM unit_logins").fetchall() == [(3,)]
            assert cur.execute("SELECT value FROM meta WHERE key = 'seed'").fetchall() == [("7",)]
            versions = [v for (v,) in cur.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()]
            assert versions == list(range(1, SCHEMA_VERSION + 1))
            assert cur.execute("SELECT count(*) FROM idempotency").fetchall()[0][0] == 0
    finally:
        store.close()
    again = BureauStore(path)  # opening twice applies nothing twice
    try:
        assert again.migrated_from == SCHEMA_VERSION
    finally:
        again.close()
