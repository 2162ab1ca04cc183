"""`python -m nnunsup demo`: the report names every section and every figure exists as a PNG."""
import io
import re
import subprocess
import sys

import pytest

from nnunsup.demos import SECTIONS, run_demos


def _check_report(report):
    text = report.read_text(encoding="utf-8")
    for module in SECTIONS.values():
        assert f"## {module.TITLE}" in text
    figures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert figures
    for name in figures:
        with open(report.parent / name, "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n", name
    return text


def test_demo_on_real_data(tmp_path, data_dir):
    """With the real datasets the basics demo trains on MNIST and reports its accuracy; the
    house-votes SOM [C11] separates the parties on a map that keeps neighbours close."""
    report = run_demos(["basics", "kohonen"], out=tmp_path, data=data_dir, download=False,
                       stream=io.StringIO())
    text = _check_report(report)
    accuracy = float(re.search(r"Test accuracy on MNIST: \*\*([0-9.]+)\*\*", text).group(1))
    assert accuracy > 0.9
    votes = re.search(r"House votes \(UCI house-votes-84\).*purity \*\*([0-9.]+)\*\*.*"
                      r"topographic error \*\*([0-9.]+)\*\*", text)
    assert float(votes.group(1)) >= 0.9 and float(votes.group(2)) <= 0.15
    assert "| WTA | 1 |" in text and "| WTM | 0 |" in text            # dead units [C6]


def test_demo_without_data_falls_back_to_synthetic(tmp_path, monkeypatch):
    """Offline and without data, the demo still runs, on synthetic images, and says so."""
    monkeypatch.setenv("NNUNSUP_DATA", str(tmp_path / "nothing-here"))
    monkeypatch.setenv("NNUNSUP_CACHE", str(tmp_path / "empty-cache"))
    report = run_demos(["basics", "kohonen"], out=tmp_path / "out", download=False,
                       stream=io.StringIO())
    text = _check_report(report)
    assert "synthetic shapes (MNIST not found)" in text
    assert "synthetic votes (house-votes-84 not found)" in text


def test_unknown_section_is_rejected(tmp_path):
    """An unknown section name lists the choices."""
    with pytest.raises(ValueError, match="unknown demo 'kohonen2'; choose from"):
        run_demos(["kohonen2"], out=tmp_path)


def test_command_line_help():
    """The module runs as a program and documents the demo command."""
    done = subprocess.run([sys.executable, "-m", "nnunsup", "demo", "--help"],
                          capture_output=True, text=True, check=True)
    assert "--out" in done.stdout and "--no-download" in done.stdout
