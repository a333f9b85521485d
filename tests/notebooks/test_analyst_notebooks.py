"""The analysts' notebooks run top to bottom against the demo bureau (nbclient, a real kernel)."""

from pathlib import Path

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
