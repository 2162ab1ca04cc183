"""The benchmark harness runs every kind of workload and reports sane figures.

A smoke test, not a measurement: each workload runs once at tiny sizes, and the checks are
on the shape of the results (the fields are there, times positive, ratios finite).  The
workloads against PyTorch, scikit-learn and MiniSom are skipped where the peer is not
installed (PyTorch and MiniSom are not in the dev extra).  ``benchmarks/`` is not a
package: the harness is loaded from its path, and it puts its folder on ``sys.path`` for
the ``bench_*`` modules.
"""
import copy
import importlib.util
import json
import math
import pathlib

import numpy as np
import pytest

BENCHMARKS = pathlib.Path(__file__).resolve().parents[1] / "benchmarks"


def _load_harness():
    spec = importlib.util.spec_from_file_location("harness", BENCHMARKS / "harness.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


harness = _load_harness()


def tiny_settings():
    """The quick settings shrunk to a fraction of a second per workload."""
    s = copy.deepcopy(harness.SETTINGS["quick"])
    s["images"] = 300
    s["linear"].update(batch=8, n_in=16, n_out=4, repeats=3)
    for name in ("gemm_bound", "ae", "vae", "gan"):
        s[name]["repeats"] = 1
    s["conv"] = {"repeats": 1, "layers": [
        ("tiny conv 1→2, 3×3, 8×8", harness.bench_conv.Conv2d, 1, 2, 3, 1, 1, 4, 8)]}
    s["rbm"].update(hidden=8, repeats=1)
    s["som"]["argv"] = ["--n", "300", "--m", "4", "--h", "4", "--epochs", "1", "--repeats", "1",
                        "--max-wait", "0", "--retries", "0", "--data", "synthetic"]
    s["memory"]["epochs"] = 6
    s["ae_gpu"].update(batches=(64, 128), repeats=1)
    return s


def check_rows(rows, n_rows):
    assert len(rows) == n_rows
    for row in rows:
        assert set(row) >= {"workload", "nnunsup", "peer", "ratio", "ratio_kind", "target",
                            "met", "raw", "others"}
        assert row["ratio_kind"] in ("time", "share")
        assert math.isfinite(row["ratio"]) and row["ratio"] > 0
        assert row["met"] in (True, False, None)
        if row["ratio_kind"] == "time":
            assert row["raw"]["nnunsup_s"] > 0 and row["raw"]["peer_s"] > 0
            assert row["ratio"] == pytest.approx(row["raw"]["nnunsup_s"] / row["raw"]["peer_s"])


def check_report(results):
    text = harness.report(results)
    assert "| workload | nnunsup | peer | ratio | target | met? |" in text
    for row in results["rows"]:
        assert row["workload"] in text
    json.loads(json.dumps(results, default=harness._json_default))    # --json can write it
    return text


def test_machine_names_the_versions_and_the_blas_environment():
    info = harness.machine(threads=1)
    for key in ("platform", "CPU", "Python", "NumPy", "BLAS loaded", "PyTorch", "scikit-learn",
                "MiniSom", "threads", "flush-to-zero", "CUDA", "OPENBLAS_CORETYPE",
                "OPENBLAS_L2_SIZE"):
        assert info[key]


def test_workloads_without_peers():
    """Linear versus GEMM, the AE epoch versus its GEMMs, and the memory check."""
    results = harness.run(tiny_settings(), names=["linear", "gemm_bound", "memory"])
    check_rows(results["rows"], 3 + 1)
    linear, gemm = results["rows"][:3], results["rows"][3]
    assert all(r["ratio_kind"] == "share" for r in linear + [gemm])
    measured = gemm["raw"]["measured"]
    assert measured["steps"] == 3 and measured["flops"] > 0 and measured["gemm_gflops"] > 0
    assert measured["share"] == pytest.approx(measured["gemm_s"] / measured["epoch_s"])
    memory = results["memory"]
    assert len(memory["current_bytes"]) == 6 and memory["peak_bytes"] >= max(memory["current_bytes"])
    assert memory["growth_bytes"] == memory["current_bytes"][5] - memory["current_bytes"][1]
    assert memory["met"] in (True, False)
    assert all(v > 0 for v in results["max_rss_kib"].values())
    assert "growth from epoch 2 to 6" in check_report(results)


def test_torch_workloads():
    pytest.importorskip("torch")
    results = harness.run(tiny_settings(), names=["ae", "vae", "gan", "conv"])
    check_rows(results["rows"], 3 * len(results["devices"]) + 1)   # AE, VAE, GAN per device; conv
    check_report(results)
    assert results["machine"]["flush-to-zero"].startswith("on")
    subnormal = np.array([1e-39], dtype=np.float32)
    assert (subnormal * 2)[0] != 0, "the run left the CPU in flush-to-zero mode"


def test_rbm_workload():
    pytest.importorskip("sklearn")
    results = harness.run(tiny_settings(), names=["rbm"])
    check_rows(results["rows"], 2)
    assert results["rows"][0]["raw"]["measured"]["dtype"] == {"nnunsup": "float32",
                                                              "scikit-learn": "float32"}


def test_inlined_cd1_bound_trains():
    """bench_rbm's inlined CD-1 (the bound on restructuring the step) runs epochs that move
    the weights and lower the reconstruction error of the data."""
    rng = np.random.default_rng(0)
    prototypes = rng.random((3, 16)) < 0.5
    B = (prototypes[rng.integers(0, 3, 300)] ^ (rng.random((300, 16)) < 0.05)).astype(np.float32)
    epoch = harness.bench_rbm.inlined_cd1(B, hidden=8, batch=10, learning_rate=0.5)
    p = epoch.params

    def reconstruction_error():
        h = 1 / (1 + np.exp(-(B @ p["W"] + p["b"])))
        return float(((1 / (1 + np.exp(-(h @ p["W"].T + p["a"]))) - B) ** 2).mean())

    before, W0 = reconstruction_error(), p["W"].copy()
    for _ in range(20):
        epoch()
    assert np.isfinite(p["W"]).all() and not np.array_equal(p["W"], W0)
    assert reconstruction_error() < 0.5 * before


def test_som_workload():
    pytest.importorskip("minisom")
    results = harness.run(tiny_settings(), names=["som"])
    check_rows(results["rows"], 2)
    for row in results["rows"]:
        assert "QE" in row["nnunsup"] and "QE" in row["peer"]
        assert row["raw"]["x_minisom"] == pytest.approx(1 / row["ratio"])


def test_gpu_workload_is_skipped_without_cupy():
    """Without CuPy and a GPU the GPU targets are listed as skipped, with the reason."""
    from nnunsup import backend
    if backend.is_cupy_available():
        pytest.skip("CuPy with a GPU is available here")
    results = harness.run(tiny_settings(), names=["ae_gpu"])
    assert results["rows"] == [] and "CuPy" in results["skipped"]["ae_gpu"]
    assert "ae_gpu" in check_report(results)


@pytest.mark.gpu
def test_gpu_workload():
    """On CuPy: per batch size, the CuPy epoch against NumPy's on the host CPU (and against
    PyTorch CUDA's where PyTorch sees a GPU); the model trains on the device."""
    from nnunsup import backend
    if not backend.is_cupy_available():
        pytest.skip("CuPy with a working GPU is not available")
    results = harness.run(tiny_settings(), names=["ae_gpu"])
    per_batch = 1 + ("cuda" in results["devices"])
    check_rows(results["rows"], 2 * per_batch)
    assert all(r["met"] is None for r in results["rows"])      # neither batch is 1024 or 8192
    check_report(results)


def test_main_writes_json(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(harness.SETTINGS, "quick", tiny_settings())
    path = tmp_path / "results.json"
    harness.main(["--quick", "--only", "linear", "--json", str(path)])
    assert "## Machine" in capsys.readouterr().out
    saved = json.loads(path.read_text())
    assert len(saved["rows"]) == 3 and saved["machine"]["threads"]
