"""Demo changes (演示变更): the social security office changes some employees, so that an
incremental roster update has work. Each changed employee gets a new contribution base on one item,
and every third one also a stop month; its `change_seq` and `updated_at` move."""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal

import pyarrow as pa

from sbflib.domain import clock

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
        if not chosen:
            return []
        # Decide every change in Python (same random sequence as one employee at a time), then
        # apply them as three set-based updates: one UPDATE per employee scanned the whole items
        # table each time and took ~10 s for 1,000 employees of a 100,000-employee unit.
        items_of: dict[str, list[tuple[str, Decimal]]] = {e: [] for e in chosen}
        for employee_id, item_code, base in cur.execute(
            "SELECT employee_id, item_code, base FROM employee_items WHERE unit_id = ? "
            "AND employee_id IN (SELECT unnest(?)) ORDER BY employee_id, item_code",
            [unit_id, chosen],
        ).fetchall():
            items_of[employee_id].append((item_code, base))
        plan: dict[str, list] = {"employee_id": [], "item_code": [], "new_base": [], "stop": []}
        for n, employee_id in enumerate(chosen):
            item_code, base = rng.choice(items_of[employee_id])
            plan["employee_id"].append(employee_id)
            plan["item_code"].append(item_code)
            plan["new_base"].append(_new_base(base, floor, cap, rng))
            plan["stop"].append(month if n % 3 == 2 else None)
        cur.register("demo_changes", pa.table({
            "employee_id": pa.array(plan["employee_id"], pa.string()),
            "item_code": pa.array(plan["item_code"], pa.string()),
            "new_base": pa.array(plan["new_base"], pa.decimal128(18, 2)),
            "stop": pa.array(plan["stop"], pa.string()),
        }))
        cur.execute(
            "UPDATE employee_items SET base = c.new_base FROM demo_changes c "
            "WHERE employee_items.unit_id = ? AND employee_items.employee_id = c.employee_id "
            "AND employee_items.item_code = c.item_code",
            [unit_id],
        )
        cur.execute(
            "UPDATE employees SET updated_at = ?, change_seq = nextval('change_seq'), "
            "stop_month = coalesce(c.stop, employees.stop_month) FROM demo_changes c "
            "WHERE employees.unit_id = ? AND employees.employee_id = c.employee_id",
            [now, unit_id],
        )
        cur.execute(
            "UPDATE employee_items SET stop_month = c.stop FROM demo_changes c "
            "WHERE employee_items.unit_id = ? AND employee_items.employee_id = c.employee_id "
            "AND c.stop IS NOT NULL AND (employee_items.stop_month IS NULL OR employee_items.stop_month > c.stop)",
            [unit_id],
        )
        cur.unregister("demo_changes")
    return chosen


def _new_base(base: Decimal, floor: Decimal, cap: Decimal, rng: random.Random) -> Decimal:
    """A different base within [floor, cap]: usually a raise, a cut when already at the cap."""
    factor = Decimal(str(1 + rng.randint(3, 12) / 100))
    new = (base * factor).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    if new > cap:
        new = (base / factor).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    new = min(max(new, floor), cap)
    return (new if new != base else (floor if base != floor else cap)).quantize(Decimal("0.01"))
