"""The analysts' notebooks run top to bottom against the demo bureau (nbclient, a real kernel)."""

import json
from pathlib import Path
from typing import Any

import httpx
import nbformat
import pytest
from nbclient import NotebookClient

import sbflib

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
UNIT_ID = "U000003"  # a shared small employer: password restored afterwards
PASSWORD = "Nb#2026pw"


@pytest.fixture
def prepared_data(tmp_path, bureau):
    """A data folder where the unit was added and its initial password changed, as a clerk would."""
    unit = bureau.unit(UNIT_ID)
    bureau.reset_password(UNIT_ID)
    wb = sbflib.open(tmp_path / "data", gateway_url=bureau.url)
    wb.choose_region(unit["region"])
    wb.units.add(wb.units.verify(UNIT_ID, unit["password"]), confirmed=True)
    wb.login(UNIT_ID, unit["password"])
    wb.change_password(unit["password"], PASSWORD)
    wb.close()
    wb.store.close()
    yield tmp_path / "data", unit
    bureau.reset_password(UNIT_ID)


def test_roster_overview_runs_and_counts_the_unit(prepared_data, bureau, monkeypatch):
    data, unit = prepared_data
    monkeypatch.setenv("SBF_DATA_DIR", str(data))
    monkeypatch.setenv("SBF_GATEWAY_URL", bureau.url)
    monkeypatch.setenv("SBF_UNIT", UNIT_ID)
    monkeypatch.setenv("SBF_PASSWORD", PASSWORD)
    nb = nbformat.read(NOTEBOOKS / "roster_overview.ipynb", as_version=4)
    bar_cell = next(i for i, c in enumerate(nb.cells) if "by_number.plot.bar" in c.source)
    nb.cells.insert(bar_cell + 1, nbformat.v4.new_code_cell(CHECK % (
        '{"bars": _bars(ax), "labels": _labels(ax), "frame": [[float(v) for v in by_number[c]] for c in by_number],'
        ' "paying": int(counts.paying)}')))
    NotebookClient(nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(data)}}).execute()
    text = "\n".join(
        out.get("text", "") + str(out.get("data", {}).get("text/plain", ""))
        for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", [])
    )
    assert f"职工总数 {unit['employees']}" in text
    assert "全量更新完成" in text  # the first update of this data folder is a full one
    images = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", [])
              if "image/png" in out.get("data", {})]
    assert len(images) == 2  # both charts were drawn
    line = next(t for t in text.splitlines() if t.startswith("CHECK "))
    data = json.loads(line[len("CHECK "):])
    assert data["bars"] == [pytest.approx(column) for column in data["frame"]]  # one stacked series per status
    assert sum(map(sum, data["frame"])) >= unit["employees"]  # everyone under at least one unit number
    assert "各单位编号参保人数" in data["labels"] and "单位编号" in data["labels"]


# ---- the analysts' notebooks on spare unit U000041, each making its own data with the demo routes ----
SPARE = "U000041"
CHECK = '''
import json as _json
def _bars(ax):
    return [[float(p.get_width() if horizontal else p.get_height()) for p in c] for c in ax.containers
            for horizontal in [c.orientation == "horizontal"]]
def _labels(ax):
    return [ax.get_title(), ax.get_xlabel(), ax.get_ylabel(), *[t.get_text() for t in ax.get_xticklabels()],
            *[t.get_text() for t in ax.get_yticklabels()], *([t.get_text() for t in ax.get_legend().get_texts()]
                                                          if ax.get_legend() else [])]
print("CHECK " + _json.dumps(%s, default=str, ensure_ascii=False))
'''
# per notebook: the expression printed by the cell the test appends (chart data next to the frame's numbers)
PROBES = {
    "api_tour": '{"bars": _bars(ax_items), "labels": _labels(ax_items), "frame": [float(v) for v in due_by_item],'
                ' "rows": len(employees), "money": type(payables["amount"].iloc[0]).__name__,'
                ' "date": type(arrivals["arrived_on"].iloc[0]).__name__}',
    "monthly_reconciliation": '{"bars": _bars(ax_recon), "labels": _labels(ax_recon),'
                              ' "frame": [[float(v) for v in recon[c]] for c in ["due", "declared", "paid", "arrived"]],'
                              ' "months": list(recon["month"]), "declared_id": declaration_id,'
                              ' "diff_ok": all(recon["unpaid"] == recon["declared"] - recon["paid"]),'
                              ' "paid_total": float(recon["paid"].sum()), "payment": float(paid.payment.total)}',
    "arrears_followup": '{"bars": _bars(ax_fees), "labels": _labels(ax_fees),'
                        ' "frame": [[float(v) for v in by_item[c]] for c in ["amount", "late_fee"]],'
                        ' "rows": len(followup), "pay_on": str(pay_on), "days_left_ok":'
                        ' all(followup["days_left"] == [(d - clock.today()).days for d in followup["pay_by"]]),'
                        ' "fee_today": float(wb.employer.payments.arrears()["late_fee"].sum()),'
                        ' "fee_then": float(followup["late_fee"].sum())}',
    "headcount_and_bases": '{"line": [float(v) for v in ax_flow.lines[0].get_ydata()], "labels": _labels(ax_flow)'
                           ' + _labels(ax_bases), "frame": [float(v) for v in monthly["insured"]],'
                           ' "bars": _bars(ax_bases), "bands": [[float(v) for v in bases[b]] for b in bands],'
                           ''
                           ' "total": [int(v) for v in bases["total"]]}',
}


@pytest.fixture
def spare_data(tmp_path, bureau, monkeypatch):
    """A data folder where U000041 was added and its password changed; the kernel gets the demo secret."""
    bureau.reset_unit(SPARE)
    unit = bureau.unit(SPARE)
    wb = sbflib.open(tmp_path / "data", gateway_url=bureau.url)
    wb.choose_region(unit["region"])
    wb.units.add(wb.units.verify(SPARE, unit["password"]), confirmed=True)
    wb.login(SPARE, unit["password"])
    wb.change_password(unit["password"], PASSWORD)
    wb.close()
    wb.store.close()
    httpx.post(f"{bureau.api}/demo/settings", json={"feedback_delay_s": 0}, headers=bureau.demo_headers,
               timeout=10).raise_for_status()
    for name, value in (("SBF_DATA_DIR", str(tmp_path / "data")), ("SBF_GATEWAY_URL", bureau.url),
                        ("SBF_UNIT", SPARE), ("SBF_PASSWORD", PASSWORD), ("SBF_DEMO_SECRET", bureau.demo_secret)):
        monkeypatch.setenv(name, value)
    yield tmp_path / "data"
    httpx.post(f"{bureau.api}/demo/settings", json={"feedback_delay_s": 5}, headers=bureau.demo_headers,
               timeout=10).raise_for_status()
    bureau.reset_unit(SPARE)


def run_checked(name: str, folder: Path) -> tuple[dict[str, Any], str]:
    """Runs the notebook with a cell before `wb.close()` that prints its charts' data; (that data, every text output)."""
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nb.cells.insert(len(nb.cells) - 1, nbformat.v4.new_code_cell(CHECK % PROBES[name]))  # before wb.close()
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    outputs = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", [])]
    text = "\n".join(out.get("text", "") + str(out.get("data", {}).get("text/plain", "")) for out in outputs)
    assert "missing from" not in text and "Glyph" not in text  # the shipped font has every label's glyph
    assert sum("image/png" in out.get("data", {}) for out in outputs) >= 1
    line = next(t for t in text.splitlines() if t.startswith("CHECK "))
    return json.loads(line[len("CHECK "):]), text


def chinese(labels: list[str]) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for label in labels for ch in label)


def test_api_tour_shows_typed_frames_and_its_chart_holds_the_sums(spare_data):
    data, _text = run_checked("api_tour", spare_data)
    assert data["bars"] == [pytest.approx(data["frame"])] and data["frame"]
    assert data["money"] == "Decimal" and data["date"] == "date" and data["rows"] > 0
    assert chinese(data["labels"])


def test_monthly_reconciliation_lists_the_paid_month_and_charts_the_four_sums(spare_data):
    data, text = run_checked("monthly_reconciliation", spare_data)
    assert data["bars"] == [pytest.approx(column) for column in data["frame"]]  # one bar series per measure
    assert len(data["months"]) == 6 and data["diff_ok"]
    assert data["paid_total"] >= data["payment"] > 0  # the notebook's own payment is counted
    assert "有差异的月份" in text and chinese(data["labels"])


def test_arrears_followup_lists_the_unpaid_with_days_left_and_late_fees(spare_data):
    data, text = run_checked("arrears_followup", spare_data)
    assert data["rows"] >= 60 and data["days_left_ok"]
    assert data["bars"] == [pytest.approx(column) for column in data["frame"]]
    assert sum(data["frame"][1]) > 0  # seeded months are overdue: they carry late fees
    assert data["fee_then"] > data["fee_today"]  # ten more days of late fees on the chosen date
    assert f"至 {data['pay_on']} 滞纳金" in text and chinese(data["labels"])


def test_headcount_and_bases_chart_the_statistics_frames(spare_data):
    data, _text = run_checked("headcount_and_bases", spare_data)
    assert data["line"] == pytest.approx(data["frame"]) and len(data["frame"]) == 12
    assert data["bars"] == [pytest.approx(column) for column in data["bands"]]
    assert [sum(col[i] for col in data["bands"]) for i in range(len(data["total"]))] == data["total"]
    assert chinese(data["labels"])
