"""Demo changes (演示变更): the social security office changes some employees, so that an
incremental roster update has work. Each changed employee gets a new contribution base on one item,
and every third one also a stop month; its `change_seq` and `updated_at` move."""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal

from sbflib import clock

from .errors import unit_not_found
from .rules import contribution_base_limits
from .store import BureauStore, first_row


def change_employees(store: BureauStore, unit_id: str, count: int, seed: int) -> list[str]:
    rng = random.Random(f"{unit_id}:{seed}:{count}")
    month = clock.current_month()
    now = clock.now()
    with store.writing() as cur:
        row = first_row(cur.execute("SELECT region FROM units WHERE unit_id = ?", [unit_id]))
        if row is None:
            raise unit_not_found(unit_id)
        floor, cap = contribution_base_limits(row[0], month)
        ids = [r[0] for r in cur.execute(
            "SELECT employee_id FROM employees WHERE unit_id = ? ORDER BY employee_id", [unit_id]
        ).fetchall()]
        chosen = sorted(rng.sample(ids, min(count, len(ids))))
        for n, employee_id in enumerate(chosen):
            items = cur.execute(
                "SELECT item_code, base FROM employee_items WHERE unit_id = ? AND employee_id = ? "
                "ORDER BY item_code",
                [unit_id, employee_id],
            ).fetchall()
            item_code, base = rng.choice(items)
            new_base = _new_base(base, floor, cap, rng)
            cur.execute(
                "UPDATE employee_items SET base = ? WHERE unit_id = ? AND employee_id = ? AND item_code = ?",
                [new_base, unit_id, employee_id, item_code],
            )
            stop = month if n % 3 == 2 else None
            cur.execute(
                "UPDATE employees SET updated_at = ?, change_seq = nextval('change_seq'), "
                "stop_month = coalesce(?, stop_month) WHERE unit_id = ? AND employee_id = ?",
                [now, stop, unit_id, employee_id],
            )
            if stop:
                cur.execute(
                    "UPDATE employee_items SET stop_month = ? WHERE unit_id = ? AND employee_id = ? "
                    "AND (stop_month IS NULL OR stop_month > ?)",
                    [stop, unit_id, employee_id, stop],
                )
    return chosen


def _new_base(base: Decimal, floor: Decimal, cap: Decimal, rng: random.Random) -> Decimal:
    """A different base within [floor, cap]: usually a raise, a cut when already at the cap."""
    factor = Decimal(str(1 + rng.randint(3, 12) / 100))
    new = (base * factor).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    if new > cap:
        new = (base / factor).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    new = min(max(new, floor), cap)
    return (new if new != base else (floor if base != floor else cap)).quantize(Decimal("0.01"))
