"""The demo seed (sbflib.bureau.seed): valid identifiers, bases within the rules, a mix of statuses."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal

import duckdb
import pytest

from sbflib.bureau.rules import contribution_base_limits
from sbflib.bureau.security import password_matches
from sbflib.bureau.seed import seed
from sbflib.bureau.store import BureauStore, migrations
from sbflib.domain import clock
from sbflib.domain.ids import (
    check_resident_id,
    check_taxpayer_id,
    check_uscc,
    resident_id_birth_date,
    resident_id_check_char,
    resident_id_gender,
)
from sbflib.domain.roster import STOPPED, employee_status

EMPLOYEES = 1500


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    path = tmp_path_factory.mktemp("seed") / "bureau.duckdb"
    summary = seed(path, seed=3, employees=EMPLOYEES, residents=300)
    conn = duckdb.connect(str(path), read_only=True)
    yield path, summary, conn
    conn.close()


def test_every_resident_id_is_valid_and_matches_gender_and_birth_date(seeded):
    _, _, conn = seeded
    rows = conn.execute("SELECT id_number, gender, birth_date FROM employees").fetchall()
    rows += conn.execute("SELECT id_number, gender, birth_date FROM residents").fetchall()
    assert len(rows) > EMPLOYEES
    for number, gender, birth in rows:
        assert check_resident_id(number).ok, number
        assert resident_id_check_char(number[:17]) == number[17]
        assert resident_id_gender(number) == gender
        assert resident_id_birth_date(number) == birth
    births = [r[2] for r in rows[:EMPLOYEES]]
    assert min(births).year >= 1960 and max(births).year <= 2005


def test_taxpayer_ids_are_valid_credit_codes_and_one_has_two_units(seeded):
    _, summary, _ = seeded
    units = summary["units"]
    for unit in units:
        assert check_taxpayer_id(unit["taxpayer_id"]).ok and check_uscc(unit["taxpayer_id"]).ok
    employer_ids = Counter(u["taxpayer_id"] for u in units if u["module"] == "employer")
    assert 2 in employer_ids.values()
    collectors = [u for u in units if u["module"] == "collector"]
    assert collectors and {c["region"] for c in collectors} == {"330100", "440300"}
    assert all(c["password"] == c["taxpayer_id"][-6:] for c in collectors)


def test_unit_numbers_include_a_short_one_whose_password_is_padded(seeded):
    _, summary, _ = seeded
    main = next(u for u in summary["units"] if u["role"] == "main")
    assert main["unit_id"] == "U000001" and main["employees"] == EMPLOYEES
    assert "1234" in main["unit_numbers"] and main["password"] == "123400"
    assert sum(u["role"] == "spare" for u in summary["units"]) >= 6
    small = [u for u in summary["units"] if u["role"] == "small"]
    assert {u["region"] for u in small} == {"330100", "440300"}
    assert all(20 <= u["employees"] <= 300 for u in small)


def test_bases_lie_between_the_region_floor_and_cap(seeded):
    _, _, conn = seeded
    month = clock.current_month()
    for region, low, high in conn.execute(
        "SELECT u.region, min(i.base), max(i.base) FROM employee_items i JOIN units u USING (unit_id) GROUP BY 1"
    ).fetchall():
        floor, cap = contribution_base_limits(region, month)
        assert isinstance(low, Decimal)
        assert floor <= low and high <= cap


def test_items_are_the_five_insured_items_with_the_region_collection_mode(seeded):
    _, _, conn = seeded
    per_employee = conn.execute(
        "SELECT count(*) FROM employee_items GROUP BY unit_id, employee_id"
    ).fetchall()
    assert {n for (n,) in per_employee} == {5}
    items = dict(conn.execute("SELECT DISTINCT item_code, item_name FROM employee_items").fetchall())
    assert items == {"10201": "基本养老保险费", "10202": "失业保险费", "10203": "基本医疗保险费",
                     "10204": "工伤保险费", "10205": "生育保险费"}
    modes = dict(conn.execute(
        "SELECT u.region || ':' || i.item_code, string_agg(DISTINCT collection_mode) FROM employee_items i "
        "JOIN units u USING (unit_id) GROUP BY 1"
    ).fetchall())
    # The mode is per region and item: in 杭州 生育保险费 is collected 税务代征, the rest 税务自主.
    assert modes == {f"{region}:{item}": ("税务代征" if region == "440300" or (region, item) == ("330100", "10205")
                                         else "税务自主")
                     for region in ("330100", "440300", "310100") for item in items}


def test_about_fifteen_percent_have_stopped_paying(seeded):
    _, _, conn = seeded
    rows = conn.execute("SELECT start_month, stop_month FROM employees WHERE unit_id = 'U000001'").fetchall()
    month = clock.current_month()
    stopped = sum(employee_status(start, stop, month) == STOPPED for start, stop in rows) / len(rows)
    assert 0.10 <= stopped <= 0.20
    assert all(stop is None or stop >= start for start, stop in rows)


def test_passwords_are_stored_as_salted_hashes_flagged_initial(seeded):
    _, summary, conn = seeded
    main = summary["units"][0]
    rows = conn.execute(
        "SELECT salt, digest, initial FROM unit_passwords WHERE unit_id = ?", [main["unit_id"]]
    ).fetchall()
    assert len(rows) == len(main["initial_passwords"]) and all(initial for _, _, initial in rows)
    assert all(main["password"].encode() not in digest for _, digest, _ in rows)
    assert any(password_matches(main["password"], salt, digest) for salt, digest, _ in rows)
    assert len({salt for salt, _, _ in rows}) == len(rows)


def test_demo_json_lists_the_units_of_the_store(seeded):
    path, summary, conn = seeded
    on_disk = json.loads(path.with_name("demo.json").read_text(encoding="utf-8"))
    assert on_disk["units"] == summary["units"]
    counts = dict(conn.execute("SELECT unit_id, count(*) FROM employees GROUP BY 1").fetchall())
    assert all(counts.get(u["unit_id"], 0) == u["employees"] for u in on_disk["units"])
    assert conn.execute("SELECT count(*) FROM residents").fetchone()[0] == 300


def test_the_seed_is_reproducible_and_refuses_to_overwrite(seeded, tmp_path):
    path, summary, conn = seeded
    with pytest.raises(FileExistsError):
        seed(path, seed=3, employees=EMPLOYEES)
    again = seed(tmp_path / "again.duckdb", seed=3, employees=EMPLOYEES, residents=300)
    assert [u["taxpayer_id"] for u in again["units"]] == [u["taxpayer_id"] for u in summary["units"]]
    other = duckdb.connect(str(tmp_path / "again.duckdb"), read_only=True)
    query = "SELECT employee_id, name, id_number, start_month, stop_month FROM employees ORDER BY employee_id"
    assert other.execute(query).fetchall() == conn.execute(query).fetchall()
    other.close()


def test_collectors_have_unit_numbers_with_agencies_and_tax_offices(seeded):
    _, summary, conn = seeded
    collectors = [u for u in summary["units"] if u["module"] == "collector"]
    assert len(collectors) == 3
    for unit in collectors:
        rows = conn.execute(
            "SELECT n.unit_number, n.agency, n.tax_authority, u.tax_office FROM unit_numbers n "
            "JOIN units u USING (unit_id) WHERE unit_id = ?", [unit["unit_id"]]
        ).fetchall()
        assert len(rows) >= 1 and sorted(r[0] for r in rows) == sorted(unit["unit_numbers"])
        assert all(agency and tax and office for _, agency, tax, office in rows)
        # A collector's initial password still comes from its taxpayer ID.
        assert unit["password"] == unit["taxpayer_id"][-6:]


def test_shanghai_offers_only_the_employer_module_with_one_small_unit(seeded):
    _, summary, conn = seeded
    assert conn.execute("SELECT name, modules FROM regions WHERE code = '310100'").fetchall() == [
        ("上海市", ["employer"])]
    shanghai = [u for u in summary["units"] if u["region"] == "310100"]
    assert [u["unit_id"] for u in shanghai] == ["U000019"]
    assert shanghai[0]["module"] == "employer" and 0 < shanghai[0]["employees"] <= 50
    # The units of the first release keep their IDs; new ones come after them.
    assert [u["unit_id"] for u in summary["units"]][:19] == [f"U{n:06d}" for n in range(1, 20)]
    assert [u["unit_id"] for u in summary["units"]] == [f"U{n:06d}" for n in range(1, 49)]
    assert all(u["role"] == "spare" for u in summary["units"][19:])
    residents = conn.execute("SELECT DISTINCT region FROM residents ORDER BY 1").fetchall()
    assert residents == [("330100",), ("440300",)]


def test_items_carry_the_subitem_detail_from_the_unit_industry(seeded):
    _, _, conn = seeded
    details = dict(conn.execute(
        "SELECT i.unit_id || ':' || i.item_code, string_agg(DISTINCT coalesce(i.subitem_detail, '-')) "
        "FROM employee_items i GROUP BY 1"
    ).fetchall())
    # 工伤保险费 at the risk class of the unit's industry: software 1, catering 2, construction 5.
    assert details["U000001:10204"] == "工伤保险费（一类行业）"
    assert details["U000003:10204"] == "工伤保险费（二类行业）"
    assert details["U000004:10204"] == "工伤保险费（五类行业）"
    assert details["U000010:10204"] == "工伤保险费（三类行业）"
    units = {key.split(":")[0] for key in details}
    for unit in units:
        assert details[f"{unit}:10203"] == "职工基本医疗保险（单位及个人）"
        assert details[f"{unit}:10204"].startswith("工伤保险费（")  # every demo industry has a class
        assert details[f"{unit}:10201"] == details[f"{unit}:10202"] == details[f"{unit}:10205"] == "-"


def test_a_store_of_schema_2_gains_the_subitem_detail_and_keeps_its_items(tmp_path):
    path = tmp_path / "v2.duckdb"
    conn = duckdb.connect(str(path))
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at TIMESTAMP)")
    for version, sql in migrations()[:2]:
        conn.execute(sql)
        conn.execute("INSERT INTO schema_version VALUES (?, now())", [version])
    conn.execute("INSERT INTO employee_items VALUES ('U000001', 'E000000001', '1234', '中心', '3301000000000001', "
                 "'10204', '工伤保险费', '工伤保险费', '无', 5000, '2020-01', NULL, '税务自主')")
    conn.close()
    store = BureauStore(path)
    try:
        assert store.migrated_from == 2
        with store.reading() as cur:
            assert cur.execute("SELECT employee_id, base, subitem_detail FROM employee_items").fetchall() == [
                ("E000000001", Decimal("5000.00"), None)]
    finally:
        store.close()
