"""统计分析 benchmark: the time to compute each chart's data over a big unit's history.

    .venv/bin/python benchmarks/stats.py --employees 100000 --months 24 [--runs 5]

Seeds a fresh client store (a temporary folder) directly with DuckDB SQL, in the tables the query
pages keep (no bureau: the statistics read only the client store):
  - the roster: `--employees` employees, each insured for 5 items (养老/医疗/失业/工伤/生育) under one
    of 3 unit numbers, bases spread around the 杭州 floor and cap, start months over 10 years, 8% of
    them stopping inside the period;
  - `--months` months of 应缴信息 (per month × unit number × item × payer part), the matching 申报记录
    (one per month and unit number, with its rows; the last 3 months declared and unpaid), 缴费记录
    (a 缴费成功 record per paid declaration with its items as JSON) and 到账信息 (one per item paid);
  - the region's shipped contribution rule file (floors, caps, pay-by dates).
Then times `wb.employer.statistics`' five charts (the same calls the pages make) over the whole
period, each the minimum of `--runs` runs. Prints JSON {"charts": {name: seconds}, "seed_s": ...,
"rows": {...}}. Target: each chart <= 1 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

import httpx

from sbflib.domain import clock
from sbflib.domain.months import add_months
from sbflib.employer.statistics import CHARTS, StatisticsService, StatsFilter
from sbflib.gateway.client import BureauClient
from sbflib.store import reference as reference_repo
from sbflib.store.db import Store
from sbflib.system.context import Context, CurrentUnit

UNIT = "U900001"
REGION = "330100"
RULES = Path(__file__).resolve().parents[1] / "sbflib" / "bureau" / "rules" / "330100-contribution-2026.json"
ITEMS = [("10201", "基本养老保险费", "0.16", "0.08"), ("10202", "失业保险费", "0.005", "0.005"),
         ("10203", "基本医疗保险费", "0.095", "0.02"), ("10204", "工伤保险费", "0.004", None),
         ("10205", "生育保险费", "0.008", None)]
NUMBERS = ["330102920419", "330102920420", "330102920421"]


def seed(store: Store, employees: int, months: list[str]) -> dict[str, int]:
    first, last = months[0], months[-1]
    now = dt.datetime(2026, 11, 20, 9, 0)
    with store.work() as con:
        con.execute("INSERT INTO units (unit_id, module, taxpayer_id, name, region, added_at)"
                    " VALUES (?, 'employer', '91330110BENCH00001', '统计基准单位', ?, ?)", [UNIT, REGION, now])
        for n in NUMBERS:
            con.execute("INSERT INTO unit_numbers (unit_id, unit_number) VALUES (?, ?)", [UNIT, n])
        con.execute("""
            INSERT INTO employees (unit_id, employee_id, name, start_month, stop_month)
            SELECT ?, 'E' || lpad(i::VARCHAR, 7, '0'), '职工' || i::VARCHAR,
                   strftime(DATE '2016-11-01' + to_months((hash(i) % 121)::INTEGER), '%Y-%m'),
                   CASE WHEN hash(i * 7) % 100 < 8
                        THEN strftime(?::DATE + to_months((hash(i * 3) % ?)::INTEGER), '%Y-%m') END
            FROM range(?) t(i)""", [UNIT, f"{first}-01", len(months), employees])
        items = ", ".join(f"('{c}', '{n}')" for c, n, _u, _p in ITEMS)
        con.execute(f"""
            INSERT INTO employee_items (unit_id, employee_id, unit_number, item_code, item_name, base,
                                        start_month, stop_month)
            SELECT e.unit_id, e.employee_id, list_extract(?, (hash(e.employee_id) % 3)::INTEGER + 1), it.code,
                   it.name, CASE hash(e.employee_id || 'b') % 10 WHEN 0 THEN 4612.00 WHEN 1 THEN 23061.00
                               WHEN 2 THEN 3000.00 WHEN 3 THEN 40000.00
                               ELSE 4612 + (hash(e.employee_id || 'c') % 1844900) / 100 END::DECIMAL(18,2),
                   e.start_month, e.stop_month
            FROM employees e CROSS JOIN (VALUES {items}) it(code, name) WHERE e.unit_id = ?""", [NUMBERS, UNIT])
        rates = ", ".join(f"('{c}', '{n}', 'unit', {u})" for c, n, u, _p in ITEMS)
        rates += ", " + ", ".join(f"('{c}', '{n}', 'personal', {p})" for c, n, _u, p in ITEMS if p)
        con.execute(f"""
            CREATE TEMP TABLE bench_rows AS
            SELECT m.month, n.unit_number, r.code, r.name, r.payer,
                   count(*)::INTEGER AS headcount,
                   (sum(i.base) * r.rate)::DECIMAL(18,2) AS amount,
                   'D' || replace(m.month, '-', '') || '-' || n.unit_number AS declaration_id,
                   m.pos
            FROM (SELECT unnest(?) AS month, generate_subscripts(?, 1) AS pos) m
            CROSS JOIN (SELECT unnest(?) AS unit_number) n
            CROSS JOIN (VALUES {rates}) r(code, name, payer, rate)
            JOIN employee_items i ON i.unit_id = ? AND i.unit_number = n.unit_number AND i.item_code = r.code
                 AND i.start_month <= m.month AND (i.stop_month IS NULL OR i.stop_month >= m.month)
            GROUP BY m.month, m.pos, n.unit_number, r.code, r.name, r.payer, r.rate""", [months, months, NUMBERS, UNIT])
        unpaid_from = months[-3]
        con.execute("""
            INSERT INTO payables (unit_id, payable_id, prep_id, declaration_id, created_on, status, source_code,
                source_name, kind, unit_number, item_code, item_name, payer, period_start, period_end, headcount,
                amount, fetched_at)
            SELECT ?, declaration_id || '-' || code || payer, code || payer || month, declaration_id,
                   (month || '-05')::DATE + INTERVAL 1 MONTH,
                   CASE WHEN month = ? THEN '初始' WHEN month >= ? THEN '申报成功' ELSE '销账' END,
                   '01', '税务机关', '应缴社保费', unit_number, code, name, payer, month, month, headcount, amount, ?
            FROM bench_rows""", [UNIT, last, unpaid_from, now])
        con.execute("""
            INSERT INTO declaration_records (unit_id, declaration_id, kind, channel, source_code, status, submitted_at,
                rows, headcount, total_due, pay_status, period_start, period_end, fetched_at, rows_fetched)
            SELECT ?, declaration_id, 'fees', 'daily', '01', '申报成功', (month || '-05')::TIMESTAMP + INTERVAL 1 MONTH,
                   count(*), max(headcount), sum(amount), CASE WHEN month >= ? THEN '未缴费' ELSE '已缴费' END,
                   month, month, ?, true
            FROM bench_rows WHERE month <> ? GROUP BY declaration_id, month""", [UNIT, unpaid_from, now, last])
        con.execute("""
            INSERT INTO declaration_record_rows (unit_id, declaration_id, pos, prep_id, unit_number, item_code,
                item_name, payer, period_start, period_end, headcount, amount)
            SELECT ?, declaration_id, row_number() OVER (PARTITION BY declaration_id ORDER BY code, payer),
                   code || payer || month, unit_number, code, name, payer, month, month, headcount, amount
            FROM bench_rows WHERE month <> ?""", [UNIT, last])
        con.execute("""
            INSERT INTO pay_records (unit_id, record_id, declaration_id, voucher_no, channel, status, period_start,
                period_end, amount, late_fee, total, items, paid_on, fetched_at)
            SELECT ?, 'R' || declaration_id, declaration_id, 'V' || declaration_id, '三方协议', '缴费成功', month, month,
                   sum(amount), 0, sum(amount),
                   to_json(list({'unit_number': unit_number, 'item_code': code, 'item_name': name, 'payer': payer,
                                 'period_start': month, 'period_end': month, 'amount': amount::VARCHAR}))::VARCHAR,
                   (month || '-10')::DATE + INTERVAL 1 MONTH, ?
            FROM bench_rows WHERE month < ? GROUP BY declaration_id, month""", [UNIT, now, unpaid_from])
        con.execute("""
            INSERT INTO arrivals (unit_id, arrival_id, voucher_no, declaration_id, unit_number, item_code, item_name,
                payer, period_start, period_end, amount, late_fee, paid_on, arrived_on, channel, status, fetched_at)
            SELECT ?, 'A' || declaration_id || code || payer, 'V' || declaration_id, declaration_id, unit_number, code,
                   name, payer, month, month, amount, 0, (month || '-10')::DATE + INTERVAL 1 MONTH,
                   (month || '-12')::DATE + INTERVAL 1 MONTH, '三方协议', '已到账', ?
            FROM bench_rows WHERE month < ?""", [UNIT, now, months[-4]])
        body = json.loads(RULES.read_text(encoding="utf-8"))
        reference_repo.replace_rules(con, REGION, [("contribution-2026", "1", "2026-07-01", body)])
        counts = {t: int(con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0])
                  for t in ("employees", "employee_items", "payables", "declaration_records",
                            "declaration_record_rows", "pay_records", "arrivals")}
        con.execute("DROP TABLE bench_rows")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    clock.set_today("2026-11-20")
    last = clock.current_month()
    months = [add_months(last, -n) for n in range(args.months - 1, -1, -1)]
    with tempfile.TemporaryDirectory(prefix="sbf-stats-") as tmp:
        store = Store(Path(tmp) / "client" / "sbf.duckdb")
        client = BureauClient("http://bureau.invalid", transport=httpx.MockTransport(lambda r: httpx.Response(404)),
                              sleep=lambda s: None)
        ctx = Context(store, client)
        ctx.unit = CurrentUnit(UNIT, "91330110BENCH00001", "统计基准单位", "employer", REGION)
        t0 = time.perf_counter()
        rows = seed(store, args.employees, months)
        seed_s = time.perf_counter() - t0
        service = StatisticsService(ctx)
        f = StatsFilter(month_from=months[0], month_to=months[-1])
        charts: dict[str, float] = {}
        sizes: dict[str, int] = {}
        for name in CHARTS:
            best = float("inf")
            for _ in range(args.runs):
                t = time.perf_counter()
                data = service.chart(name, f)
                best = min(best, time.perf_counter() - t)
            charts[name] = round(best, 4)
            sizes[name] = len(data)
        client.close()
        store.close()
    print(json.dumps({"charts": charts, "chart_rows": sizes, "seed_s": round(seed_s, 2), "rows": rows,
                      "employees": args.employees, "months": args.months, "runs": args.runs,
                      "python": sys.version.split()[0], "machine": platform.machine()}, ensure_ascii=False))


if __name__ == "__main__":
    main()
