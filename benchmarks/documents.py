"""Printout benchmark (issue 10): the 银行端缴费凭证 and the 税收完税证明 as PDF, in one process.

    .venv/bin/python benchmarks/documents.py [--documents 100] [--items 20] [--runs 5]

Each run renders `--documents` vouchers of `--items` items (numbers, amounts and names vary from one
voucher to the next, so each embeds its own glyph subset), then as many 税收完税证明 of as many items,
then as many pages of an ASCII-only fpdf2 table of as many rows in a core font (the floor: what
fpdf2 costs with no CJK font to subset and embed). Prints one JSON object:
  voucher_pdf_ms        p95 of one voucher, the lowest p95 of the runs (wall clock)     (target <= 250)
  certificate_pdf_ms    p95 of one certificate, the lowest of the runs (wall clock)
  floor_ascii_pdf_ms    p95 of the ASCII page, the lowest of the runs
  voucher_to_floor      voucher_pdf_ms / floor_ascii_pdf_ms
  *_cpu_ms              the same p95 in process CPU time (less disturbed by a busy machine)
  *_p50_ms              the medians, and every run's p95 in `runs`
  first_voucher_ms      the first voucher of the process (reads and prepares the font once)
  font_per_document_ms  a one-page CJK document with fpdf2's own add_font (reads the font each
                        time) against the process-wide font of sbflib.io.pdf: median of 30 each
  gc_full_collections   full garbage collections during the voucher runs (they make the p95 tail:
                        each is a walk over every object of the process)
  arrears_load_s        `wb.employer.payments.arrears()` (what 缴费 shows on entry) for a unit with
                        --arrears rows (100,000) seeded at a real local bureau: min of --runs
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fpdf import FPDF

from sbflib.io.certificates import CertificateItem, TaxCertificateDoc, tax_certificate_pdf
from sbflib.io.fonts import CJK_FONT_PATH
from sbflib.io.pdf import FIXED_CREATION_DATE, add_cjk_font
from sbflib.io.voucher import VoucherDoc, VoucherItem, voucher_pdf

ITEMS = [
    ("基本养老保险基金收入", "职工基本养老保险(单位缴纳)"),
    ("基本养老保险基金收入", "职工基本养老保险(个人缴纳)"),
    ("失业保险基金收入", "失业保险(单位缴纳)"),
    ("失业保险基金收入", "失业保险(个人缴纳)"),
    ("基本医疗保险基金收入", "职工基本医疗保险(单位缴纳)"),
    ("基本医疗保险基金收入", "职工基本医疗保险(个人缴纳)"),
    ("工伤保险基金收入", "工伤保险"),
    ("生育保险基金收入", "生育保险"),
]
UNITS = ["杭州示例科技有限公司", "青海金茂劳务有限公司", "宁波港湾物流有限公司", "温州瓯江建设工程有限公司",
         "绍兴黄酒文化传播有限公司"]
AUTHORITIES = ["国家税务总局杭州市上城区税务局", "石嘴山市大武口区地方税务局", "国家税务总局宁波市鄞州区税务局"]


def _voucher(n: int, items: int) -> VoucherDoc:
    month = n % 12 + 1
    lines = tuple(
        VoucherItem(*ITEMS[(n + i) % len(ITEMS)], dt.date(2026, month, 1), dt.date(2026, month, 28),
                    Decimal(1000 + (n * 7919 + i * 104729) % 900000) / 100,
                    Decimal(n + i) / 100 if i == 3 else None)
        for i in range(items))
    return VoucherDoc(f"42016011300{n:08d}", dt.date(2026, 11, 27), f"91330100MA2H{n:06d}", UNITS[n % len(UNITS)],
                      f"1330102{n % 10000:04d}", AUTHORITIES[n % len(AUTHORITIES)], dt.date(2026, 12, 15), lines,
                      UNITS[n % len(UNITS)], "中国工商银行杭州市上城支行", f"12020202090{n:08d}")


def _certificate(n: int, items: int) -> TaxCertificateDoc:
    month = n % 12 + 1
    lines = tuple(
        CertificateItem(f"3202611270{n:04d}{i:04d}", *ITEMS[(n + i) % len(ITEMS)], dt.date(2026, month, 1),
                        dt.date(2026, month, 28), dt.date(2026, month, 15),
                        Decimal(1000 + (n * 7919 + i * 104729) % 900000) / 100)
        for i in range(items))
    return TaxCertificateDoc(f"1330162611{n:08d}", dt.date(2026, 11, 27), AUTHORITIES[n % len(AUTHORITIES)],
                             f"91330100MA2H{n:06d}", UNITS[n % len(UNITS)], lines, reissued=n % 2 == 1,
                             original_no=f"1330162610{n:08d}", issuer="社保费管理客户端")


def _ascii_page(n: int, rows: int) -> bytes:
    pdf = FPDF(unit="mm", format="A4")
    pdf.set_creation_date(FIXED_CREATION_DATE)
    pdf.add_page()
    pdf.set_font("helvetica", size=9)
    pdf.cell(0, 9, f"Bank counter payment voucher {n}", align="C", new_x="LMARGIN", new_y="NEXT")
    with pdf.table(col_widths=(0.5, 2, 2.3, 2.3, 1.1)) as table:
        table.row(["No", "Item", "Sub-item", "Period", "Amount"])
        for i in range(rows):
            table.row([str(i + 1), f"Pension fund {n}-{i}", f"Employee pension (unit) {i}",
                       f"2026-{n % 12 + 1:02d}-01 to 2026-{n % 12 + 1:02d}-28", f"{(n * 7919 + i) % 90000:,}.00"])
    return bytes(pdf.output())


def _timed(make: Callable[[int], bytes], count: int, offset: int) -> tuple[list[float], list[float]]:
    walls, cpus = [], []
    for n in range(offset, offset + count):
        wall, cpu = time.perf_counter(), time.process_time()
        data = make(n)
        cpus.append((time.process_time() - cpu) * 1000)
        walls.append((time.perf_counter() - wall) * 1000)
        assert data[:5] == b"%PDF-"
    return walls, cpus


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def _font_per_document(count: int = 30) -> dict[str, float]:
    def page(pdf: FPDF) -> bytes:
        pdf.set_creation_date(FIXED_CREATION_DATE)
        pdf.add_page()
        pdf.set_font("cjk", size=10)
        pdf.multi_cell(0, 6, "银行端查询缴税凭证 金额合计（大写）柒万贰仟伍佰陆拾捌元柒角整")
        return bytes(pdf.output())

    def own() -> bytes:
        pdf = FPDF()
        pdf.add_font("cjk", fname=str(CJK_FONT_PATH))
        return page(pdf)

    def cached() -> bytes:
        pdf = FPDF()
        add_cjk_font(pdf)
        return page(pdf)

    out = {}
    for name, make in (("fpdf2_add_font", own), ("sbflib_cached", cached)):
        times = []
        for _ in range(count):
            start = time.perf_counter()
            make()
            times.append((time.perf_counter() - start) * 1000)
        out[name] = round(statistics.median(times), 1)
    return out


def _arrears_load(count: int, runs: int) -> dict[str, object]:
    """Seeds `count` arrears rows for U000001 at a fresh local bureau (200 employees: the roster is
    not what is measured) and times the 缴费 page's load of them through the workbench."""
    import signal
    import tempfile
    from pathlib import Path

    from bureau_declarations import _start
    from bureau_wages import UNIT

    import sbflib

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        proc, url = _start(folder, 200)
        try:
            demo = json.loads((folder / "demo.json").read_text(encoding="utf-8"))
            unit = next(u for u in demo["units"] if u["unit_id"] == UNIT)
            wb = sbflib.open(folder / "client", gateway_url=url.removesuffix("/api/v1"))
            wb.choose_region(unit["region"])
            wb.units.add(wb.units.verify(UNIT, unit["password"]), confirmed=True)
            wb.login(UNIT, unit["password"])
            wb.change_password(unit["password"], "Bench#2026", confirm="Bench#2026")
            wb.gateway.demo_secret = (folder / "demo-secret").read_text(encoding="utf-8").strip()
            wb.gateway.payments.demo_seed_arrears(UNIT, count)
            times, rows = [], 0
            for _ in range(runs):
                started = time.perf_counter()
                rows = len(wb.employer.payments.arrears())
                times.append(time.perf_counter() - started)
            wb.close()
        finally:
            os.killpg(proc.pid, signal.SIGTERM)  # type: ignore[attr-defined]
            proc.wait(30)  # type: ignore[attr-defined]
    return {"arrears_load_s": round(min(times), 3), "arrears_rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, default=100)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--arrears", type=int, default=100_000, help="arrears rows to load (0: skip)")
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    voucher_pdf(_voucher(0, args.items))
    first_voucher_ms = (time.perf_counter() - start) * 1000

    kinds = {
        "voucher": lambda n: voucher_pdf(_voucher(n, args.items)),
        "certificate": lambda n: tax_certificate_pdf(_certificate(n, args.items)),
        "floor_ascii": lambda n: _ascii_page(n, args.items),
    }
    runs: dict[str, list[dict[str, float]]] = {kind: [] for kind in kinds}
    full_collections = 0
    for run in range(args.runs):
        for kind, make in kinds.items():
            before = gc.get_stats()[2]["collections"]
            walls, cpus = _timed(make, args.documents, 1 + run * args.documents)
            if kind == "voucher":
                full_collections += gc.get_stats()[2]["collections"] - before
            runs[kind].append({"p95_ms": round(_p95(walls), 1), "p50_ms": round(statistics.median(walls), 1),
                               "cpu_p95_ms": round(_p95(cpus), 1), "cpu_p50_ms": round(statistics.median(cpus), 1)})

    def best(kind: str, key: str) -> float:
        return min(r[key] for r in runs[kind])

    result: dict[str, object] = {
        "voucher_pdf_ms": best("voucher", "p95_ms"),
        "certificate_pdf_ms": best("certificate", "p95_ms"),
        "floor_ascii_pdf_ms": best("floor_ascii", "p95_ms"),
        "voucher_to_floor": round(best("voucher", "p95_ms") / best("floor_ascii", "p95_ms"), 1),
        "voucher_pdf_cpu_ms": best("voucher", "cpu_p95_ms"),
        "certificate_pdf_cpu_ms": best("certificate", "cpu_p95_ms"),
        "floor_ascii_pdf_cpu_ms": best("floor_ascii", "cpu_p95_ms"),
        "voucher_pdf_p50_ms": best("voucher", "p50_ms"),
        "certificate_pdf_p50_ms": best("certificate", "p50_ms"),
        "floor_ascii_pdf_p50_ms": best("floor_ascii", "p50_ms"),
        "first_voucher_ms": round(first_voucher_ms, 1),
        "font_per_document_ms": _font_per_document(),
        "gc_full_collections": full_collections,
        **(_arrears_load(args.arrears, 3) if args.arrears else {"arrears_load_s": None}),
        "documents_per_run": args.documents,
        "items_per_document": args.items,
        "runs": runs,
        "machine": {"cpus": os.cpu_count(), "load_before": round(load_before, 2),
                    "load_after": round(os.getloadavg()[0], 2), "python": platform.python_version()},
    }
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
