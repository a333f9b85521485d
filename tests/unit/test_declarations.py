"""Pure parts of the fee declarations: the two grouping rules, the SQL twin of the region's rounding,
the contribution arithmetic of a worked example, and the bureau's check of a declaration body."""

from __future__ import annotations

import json
import random
from decimal import Decimal

import duckdb
import pytest

from sbflib.bureau.declarations import parse_body
from sbflib.bureau.errors import Refusal
from sbflib.bureau.rules import contribution_rules
from sbflib.domain.contributions import contribution
from sbflib.domain.declarations import amount_sql, group_key, group_label, incomplete_groups
from sbflib.domain.money import HALF_UP_TO_FEN, UP_TO_JIAO, Rounding, round_money


def _self(prep_id: str, unit_number: str = "1234", item: str = "10201", start: str = "2026-11",
          end: str = "2026-11") -> dict[str, str | None]:
    return {"prep_id": prep_id, "source_code": "01", "unit_number": unit_number, "item_code": item,
            "period_start": start, "period_end": end, "notice_no": None}


def _assessed(prep_id: str, notice: str, unit_number: str = "1234", source: str = "03") -> dict[str, str]:
    return {"prep_id": prep_id, "source_code": source, "unit_number": unit_number, "notice_no": notice,
            "item_code": prep_id[-1], "period_start": "2026-11", "period_end": "2026-11"}


def test_self_declared_rows_group_by_period_item_and_unit_number():
    unit, personal = _self("a"), _self("b")
    assert group_key(unit) == group_key(personal)
    assert group_key(_self("c", item="10202")) != group_key(unit)
    assert group_key(_self("d", unit_number="9")) != group_key(unit)
    assert group_key(_self("e", start="2026-10")) != group_key(unit)
    assert group_key(_self("f", end="2026-12")) != group_key(unit)


def test_assessed_rows_group_by_unit_number_and_notice_whatever_the_item():
    rows = [_assessed("x1", "N1"), _assessed("x2", "N1"), _assessed("y1", "N2"), _assessed("z1", "N1", "77")]
    keys = {r["prep_id"]: group_key(r) for r in rows}
    assert keys["x1"] == keys["x2"] != keys["y1"] and keys["z1"] != keys["x1"]
    assert group_key(_assessed("s", "N1", source="02")) != keys["x1"]  # 特殊缴费 is a kind of its own
    assert group_label(keys["x1"]) == "单位编号1234、征集通知流水号N1"


def test_incomplete_groups_names_the_rows_left_out():
    rows = [_self("a"), _self("b"), _self("c", item="10202"), _assessed("n1", "N"), _assessed("n2", "N")]
    assert incomplete_groups(rows, {"a", "b", "c"}) == []
    assert incomplete_groups(rows, {"a", "c", "n2"}) == [("01|1234|10201|2026-11|2026-11", ["b"]),
                                                         ("03|1234|N", ["n1"])]
    assert incomplete_groups(rows, set()) == []


@pytest.mark.parametrize("rounding", [HALF_UP_TO_FEN, UP_TO_JIAO, Rounding("ROUND_HALF_UP", Decimal("0.1")),
                                      Rounding("ROUND_DOWN", Decimal("0.1")), Rounding("ROUND_HALF_UP", Decimal(1)),
                                      Rounding("ROUND_UP", Decimal(1))])
def test_the_sql_rounding_is_the_twin_of_round_money(rounding):
    rng = random.Random(9)
    rates = [Decimal(r) for r in ("0.16", "0.08", "0.005", "0.095", "0.02", "0.002", "0.011", "0.0045", "0.008")]
    pairs = [(Decimal(rng.randint(1, 5_000_000)) / 100, rng.choice(rates)) for _ in range(3000)]
    pairs += [(Decimal("8000.50"), Decimal("0.005")), (Decimal("4612.00"), Decimal("0.0045")),
              (Decimal("100.10"), Decimal("0.05"))]
    con = duckdb.connect()
    con.execute("CREATE TABLE t (base DECIMAL(18,2), rate DECIMAL(12,6))")
    con.executemany("INSERT INTO t VALUES (?, ?)", pairs)
    got = con.execute(f"SELECT base, rate, {amount_sql('base * rate', rounding)} FROM t").fetchall()
    wrong = [(b, r, a) for b, r, a in got if a != round_money(b * r, rounding)]
    assert not wrong, wrong[:5]


def test_a_worked_example_per_item_and_payer_from_the_hangzhou_rule_file():
    rules = contribution_rules("330100")
    by_hand = {("10201", "unit"): "1280.08", ("10201", "personal"): "640.04", ("10202", "unit"): "40.00",
               ("10202", "personal"): "40.00", ("10203", "unit"): "760.05", ("10203", "personal"): "160.01",
               ("10204", "unit"): "16.00", ("10205", "unit"): "64.00"}
    for (item, payer), amount in by_hand.items():
        got = contribution(rules, "2026-11", item, payer, Decimal("8000.50"), injury_class=1)
        assert (got.base, got.amount) == (Decimal("8000.50"), Decimal(amount)), (item, payer)


def _body(**fields):
    return json.dumps({"channel": "daily", "prep_ids": ["P01N-1234-10201-U-202611"], "total_due": "12.30",
                       **fields}).encode()


def test_a_declaration_body_is_checked():
    body = parse_body(_body())
    assert (body.channel, body.prep_ids, body.total_due) == ("daily", ["P01N-1234-10201-U-202611"], Decimal("12.30"))
    for bad in (_body(channel="other"), _body(prep_ids=[]), _body(prep_ids=["a", "a"]), _body(prep_ids=["a b"]),
                _body(total_due=12.3), _body(total_due="1.234"), _body(total_due="-1"), b"[1]", b"{"):
        with pytest.raises(Refusal) as err:
            parse_body(bad)
        assert err.value.code == "VALIDATION" and err.value.message.startswith("请求参数有误")


def test_the_wage_worker_also_runs_the_declaration_decider(tmp_path):
    import threading

    from sbflib.bureau.store import BureauStore
    from sbflib.bureau.wages import FeedbackWorker

    store = BureauStore(tmp_path / "bureau.duckdb")
    called = threading.Event()

    def decide(seen: BureauStore) -> int:
        assert seen is store
        called.set()
        return 0

    worker = FeedbackWorker(store, interval=0.02, also=(decide,))
    worker.start()
    try:
        assert called.wait(5)
    finally:
        worker.stop()
        store.close()
