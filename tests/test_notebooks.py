"""The notebooks run top to bottom (fast mode: NNUNSUP_FAST=1 shrinks their training)."""
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path, monkeypatch):
    """Every code cell executes without error; stored notebooks carry no outputs."""
    nbformat = pytest.importorskip("nbformat", reason="notebooks extra not installed")
    nbclient = pytest.importorskip("nbclient", reason="notebooks extra not installed")
    pytest.importorskip("ipykernel", reason="notebooks extra not installed")
    notebook = nbformat.read(path, as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code")
    monkeypatch.setenv("NNUNSUP_FAST", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}}).execute()
