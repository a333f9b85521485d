"""Rules that also exist as SQL give the same answer as their Python twin, over thousands of inputs
run in an in-memory DuckDB: payment status (`status_sql` / `employee_status`), ID masking
(`mask_id_sql` / `mask_id_number`), and the demo seed's resident-ID check character and month text
(`seed._CHECK_SQL`, `seed._month_text`) against the domain's GB 11643 rule and `add_months`."""

import random
import string

import duckdb
import pyarrow as pa
import pytest

from sbflib.bureau import seed
from sbflib.domain.ids import check_resident_id, mask_id_number, mask_id_sql, resident_id_check_char
from sbflib.domain.months import add_months
from sbflib.domain.roster import NOT_STARTED, PAYING, STOPPED, employee_status, status_sql

CASES = 4000


@pytest.fixture
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


def _month(rng: random.Random) -> str:
    return f"{rng.randint(2003, 2028):04d}-{rng.randint(1, 12):02d}"


def _maybe_month(rng: random.Random) -> str | None:
    roll = rng.random()
    if roll < 0.15:
        return None
    if roll < 0.2:
        return ""
    return _month(rng)


def test_status_sql_equals_employee_status(con):
    rng = random.Random(11)
    rows = [(_maybe_month(rng), _maybe_month(rng), _month(rng)) for _ in range(CASES)]
    # Boundaries on purpose: start or stop equal to the current month.
    rows += [(m, None, m) for m in ("2026-11", "2020-01")] + [("2020-01", m, m) for m in ("2026-11", "2024-07")]
    table = pa.table({"start_m": [r[0] for r in rows], "stop_m": [r[1] for r in rows],
                      "cur": [r[2] for r in rows]})
    con.register("t", table)
    got = [s for (s,) in con.execute(f"SELECT {status_sql('start_m', 'stop_m', 'cur')} FROM t").fetchall()]
    expected = [employee_status(start, stop, cur) for start, stop, cur in rows]
    assert got == expected
    assert {PAYING, STOPPED, NOT_STARTED} <= set(expected)


def test_status_sql_with_a_parameter_for_the_month(con):
    rng = random.Random(12)
    rows = [(_maybe_month(rng), _maybe_month(rng)) for _ in range(CASES // 4)]
    con.register("t", pa.table({"start_m": [r[0] for r in rows], "stop_m": [r[1] for r in rows]}))
    for month in ("2026-11", "2003-01", "2028-12"):
        got = [s for (s,) in con.execute(f"SELECT {status_sql('start_m', 'stop_m')} FROM t",
                                             [month, month]).fetchall()]
        assert got == [employee_status(a, b, month) for a, b in rows]


def _id_like(rng: random.Random) -> str | None:
    roll = rng.random()
    if roll < 0.05:
        return None
    if roll < 0.1:
        return ""
    alphabet = string.digits * 4 + "X" + "ABZ" + "张王é👍 -"
    return "".join(rng.choice(alphabet) for _ in range(rng.choice([1, 2, 7, 8, 9, 10, 11, 15, 18, 18, 18, 20, 30])))


def test_mask_id_sql_equals_mask_id_number(con):
    rng = random.Random(13)
    values = [_id_like(rng) for _ in range(CASES)]
    con.register("t", pa.table({"n": pa.array(values, pa.string())}))
    got = [m for (m,) in con.execute(f"SELECT {mask_id_sql('n')} FROM t").fetchall()]
    assert got == [mask_id_number(v) for v in values]
    # Both twins could share a slip: the mask keeps the length and hides something past 2 characters.
    assert all(len(m) == len(v) and (len(v) <= 2 or "*" in m) for m, v in zip(got, values, strict=True) if v)


def test_seed_check_character_sql_equals_the_domain_rule(con):
    rng = random.Random(14)
    first17 = ["".join(rng.choice(string.digits) for _ in range(17)) for _ in range(CASES)]
    first17 += ["11010519491231002", "00000000000000000", "99999999999999999"]
    con.register("t", pa.table({"f17": first17}))
    got = [c for (c,) in con.execute(f"SELECT {seed._CHECK_SQL} FROM t").fetchall()]
    assert got == [resident_id_check_char(f) for f in first17]
    assert "X" in got and got[-3] == "X"  # 11010519491231002X is the standard's example
    assert check_resident_id(first17[-3] + got[-3]).ok


def test_seed_month_text_sql_equals_add_months(con):
    indexes = list(range(1990 * 12, 2040 * 12))
    con.register("t", pa.table({"idx": pa.array(indexes, pa.int64())}))
    got = [m for (m,) in con.execute(f"SELECT {seed._month_text('idx')} FROM t").fetchall()]
    assert got == [add_months("0000-01", i) for i in indexes]
