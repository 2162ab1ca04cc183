"""`python -m nnunsup demo`: the report names every section, every figure it names is a
valid PNG, and each section's measured orderings hold.

The whole demo on the real data (``full_report``, the fast default: 3½ to 5 minutes on
2 cores) is a long run, marked ``slow``: ``pytest -m slow`` runs it once and every
section's real-data test reads its part of that report.  The default run keeps the short
real-data sections (``real_report``: basics, Kohonen maps, VAE, about 40 s) and runs every
section without data, on the synthetic fallback.
"""
import html
import io
import re
import subprocess
import sys

import matplotlib.image
import pytest

from nnunsup.demos import SECTIONS, run_demos
from nnunsup.demos._formula_map import cited_ids, formula


def _check_report(report, names):
    """The report's text; checks that it has the sections ``names`` and that every figure it
    names (in report.md and report.html alike) is a readable PNG."""
    text = report.read_text(encoding="utf-8")
    for name in names:
        assert f"## {SECTIONS[name].TITLE}" in text
    figures = re.findall(r"\]\(([^()\s]+\.png)\)", text)        # captions hold [IDs]
    assert figures
    page = (report.parent / "report.html").read_text(encoding="utf-8")
    assert re.findall(r'<img src="([^"]+\.png)"', page) == figures
    for name in figures:
        with open(report.parent / name, "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n", name
        image = matplotlib.image.imread(report.parent / name)
        assert image.ndim == 3 and min(image.shape[:2]) > 50, name
    return text


def _section(text, name):
    """One section of a report: from its heading to the next."""
    start = text.index(f"## {SECTIONS[name].TITLE}")
    end = text.find("\n## ", start + 3)
    return text[start:] if end < 0 else text[start:end]


def _without_data(names, tmp_path, monkeypatch):
    """The report's text of the sections ``names`` run offline with no data anywhere."""
    monkeypatch.setenv("NNUNSUP_DATA", str(tmp_path / "nothing-here"))
    monkeypatch.setenv("NNUNSUP_CACHE", str(tmp_path / "empty-cache"))
    report = run_demos(names, out=tmp_path / "out", download=False, stream=io.StringIO())
    return _check_report(report, names)


@pytest.fixture(scope="module")
def full_report(tmp_path_factory, data_dir):
    """`python -m nnunsup demo` as the README runs it, on the real data: the report's text."""
    out = tmp_path_factory.mktemp("demo-all")
    report = run_demos(None, out=out, data=data_dir, download=False, stream=io.StringIO())
    return report, _check_report(report, list(SECTIONS))


REAL_SECTIONS = ["basics", "kohonen", "vae"]


@pytest.fixture(scope="module")
def real_report(tmp_path_factory, data_dir):
    """The short sections of the demo on the real data: the report's text."""
    out = tmp_path_factory.mktemp("demo-real")
    report = run_demos(REAL_SECTIONS, out=out, data=data_dir, download=False,
                       stream=io.StringIO())
    return report, _check_report(report, REAL_SECTIONS)


@pytest.mark.slow
def test_full_demo_report(full_report):
    """Every section is in the report, in both forms; every figure is shown beside the
    formulas its caption cites, with their slide sections."""
    report, text = full_report
    page = (report.parent / "report.html").read_text(encoding="utf-8")
    for module in SECTIONS.values():
        assert f">{html.escape(module.TITLE)}</h2>" in page
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", page)
    blocks = page.split('<div class="figure">')[1:]
    assert len(captions) == len(blocks) >= 30
    cited = 0
    for caption, block in zip(captions, blocks):
        for ID in cited_ids(html.unescape(caption)):
            slide, _ = formula(ID)
            assert f'<span class="id">[{ID}]</span>' in block, ID
            assert f"slides: {html.escape(slide.split(chr(96))[0], quote=False)}" in block, ID
            cited += 1
    assert cited >= 30
    assert "sections, " in text and " s in all." in text


def test_demo_on_real_data(real_report):
    """With the real datasets the basics demo trains on MNIST and reports its accuracy; the
    house-votes SOM [C11] separates the parties on a map that keeps neighbours close."""
    text = _section(real_report[1], "basics") + _section(real_report[1], "kohonen")
    accuracy = float(re.search(r"Test accuracy on MNIST: \*\*([0-9.]+)\*\*", text).group(1))
    assert accuracy > 0.9
    votes = re.search(r"House votes \(UCI house-votes-84\).*purity \*\*([0-9.]+)\*\*.*"
                      r"topographic error \*\*([0-9.]+)\*\*", text)
    assert float(votes.group(1)) >= 0.9 and float(votes.group(2)) <= 0.15
    assert "| WTA | 1 |" in text and "| WTM | 0 |" in text            # dead units [C6]


def test_demo_without_data_falls_back_to_synthetic(tmp_path, monkeypatch):
    """Offline and without data, the demo still runs, on synthetic images, and says so."""
    text = _without_data(["basics", "kohonen"], tmp_path, monkeypatch)
    assert "synthetic shapes (MNIST not found)" in text
    assert "synthetic votes (house-votes-84 not found)" in text


@pytest.mark.slow
def test_autoencoders_demo_on_real_data(full_report):
    """The autoencoder section on MNIST (fast mode): every figure is a PNG; the linear AE
    reaches PCA's error [A2]; on masked digits the denoising AE beats the plain one [A7]; a
    deep AE with a 30-number code reconstructs better than PCA with 30 components [A14]."""
    text = _section(full_report[1], "autoencoders")
    assert "Data: MNIST" in text
    for name in ("linear_pca", "sparse", "denoising", "conv", "code_map", "reconstructions",
                 "sequence", "clustering"):
        assert f"(autoencoders_{name}.png)" in text
    ratio = float(re.search(r"Linear AE / PCA error ratio \*\*([0-9.]+)\*\*", text).group(1))
    assert 1.0 - 1e-6 <= ratio <= 1.05                                 # [A2] PCA is the minimum
    dae, plain = map(float, re.search(r"denoising AE's error is \*\*([0-9.]+)\*\* against the "
                                      r"plain AE's \*\*([0-9.]+)\*\*", text).groups())
    assert dae < plain                                                 # [A7]
    ae30, pca30 = map(float, re.search(r"Deep AE-30 error \*\*([0-9.]+)\*\* against PCA-30 "
                                       r"\*\*([0-9.]+)\*\*", text).groups())
    assert ae30 < pca30 and 12.0 < pca30 < 16.0                        # [A14] H&S: 13.87


def test_autoencoders_demo_without_data(tmp_path, monkeypatch):
    """Without MNIST the autoencoder section runs every experiment on 16 × 16 synthetic
    shapes (7 classes, a 4 × 4 conv code, 16-step sequences) and says so (about 10 s)."""
    text = _without_data(["autoencoders"], tmp_path, monkeypatch)
    assert "Data: synthetic shapes (MNIST not found)" in text
    assert len(re.findall(r"\.png\)", text)) == 8
    assert "K = 7 clusters" in text


def test_unknown_section_is_rejected(tmp_path):
    """An unknown section name lists the choices."""
    with pytest.raises(ValueError, match="unknown demo 'kohonen2'; choose from"):
        run_demos(["kohonen2"], out=tmp_path)


def test_command_line_help():
    """The module runs as a program and documents the demo command."""
    done = subprocess.run([sys.executable, "-m", "nnunsup", "demo", "--help"],
                          capture_output=True, text=True, check=True)
    assert "--out" in done.stdout and "--no-download" in done.stdout


def test_vae_demo_on_real_data(real_report):
    """The VAE section on binarised MNIST (fast mode): every figure is a PNG; the 20-D model's
    held-out ELBO beats the 2-D model's [V1, V6]; the importance-weighted log p(x) lies
    above each ELBO [V1]; the "thick − thin" vector adds ink to other digits [V7]."""
    text = _section(real_report[1], "vae")
    assert "Data: binarised MNIST" in text
    for name in ("history", "generation", "latent_2d", "arithmetic"):
        assert f"(vae_{name}.png)" in text
    elbo20, elbo2 = map(float, re.search(r"Test ELBO \*\*(-[0-9.]+)\*\* \(20-D\) against "
                                         r"\*\*(-[0-9.]+)\*\* \(2-D\)", text).groups())
    assert elbo20 > elbo2 + 20
    gaps = re.search(r"the ELBO gives away ([0-9.]+) and ([0-9.]+) nats", text).groups()
    assert all(float(gap) > 0 for gap in gaps)
    before, after = map(float, re.search(r"from ([0-9.]+) to \*\*([0-9.]+)\*\*", text).groups())
    assert after > before


def test_vae_demo_without_data(tmp_path, monkeypatch):
    """Without MNIST the VAE section runs on binarised synthetic shapes and says so."""
    text = _without_data(["vae"], tmp_path, monkeypatch)
    assert "Data: binarised synthetic shapes (MNIST not found)" in text
    assert len(re.findall(r"\.png\)", text)) == 4


def test_rbm_demo_without_data(tmp_path, monkeypatch):
    """Without MNIST the RBM section runs on binarised synthetic shapes and says so."""
    text = _without_data(["rbm"], tmp_path, monkeypatch)
    assert "Data: synthetic shapes (MNIST not found)" in text
    assert len(re.findall(r"\.png\)", text)) == 5


@pytest.mark.slow
def test_rbm_demo_on_real_data(full_report):
    """The RBM section on MNIST (fast mode): every figure is a PNG; CD raises the exact
    log-likelihood on bars and stripes [R4, R5]; the DBN start beats a random start with 200
    labels [R9]; the pre-trained deep autoencoder beats PCA and its random-start twin [R8]."""
    text = _section(full_report[1], "rbm")
    for name in ("exact_likelihood", "mnist", "reconstructions", "dbn_samples",
                 "deep_autoencoder"):
        assert f"(rbm_{name}.png)" in text
    start, end = map(float, re.search(r"\| CD-1 \| (-[0-9.]+) \| (-[0-9.]+) \|", text).groups())
    assert end > start + 2
    pre, scratch = map(float, re.search(r"test accuracy \*\*([0-9.]+)\*\*, against "
                                        r"\*\*([0-9.]+)\*\*", text).groups())
    assert pre > scratch
    ae, ae0, pca30 = map(float, re.search(r"deep AE \*\*([0-9.]+)\*\*, the same net from a random "
                                          r"start \*\*([0-9.]+)\*\*.*PCA with 30 components "
                                          r"\*\*([0-9.]+)\*\*", text).groups())
    assert ae < pca30 < ae0


@pytest.mark.slow
def test_gan_demo_on_real_data(full_report):
    """The GAN section (fast mode): every figure is a PNG; at D* the criterion equals
    −log 4 + 2 JSD [G2]; the minimax gradient collapses as D wins while the non-saturating
    one grows [G3, G4]; the non-saturating GAN covers at least 6 ring modes [G6]; both
    digit models train on MNIST [G1, G5]."""
    text = _section(full_report[1], "gan")
    for name in ("optimal_discriminator", "ring_snapshots", "ring_dynamics", "digits"):
        assert f"(gan_{name}.png)" in text
    for value, bound in re.findall(r"\| N\([^)]*\) \| (-[0-9.]+) \| (-[0-9.]+) \|", text):
        assert abs(float(value) - float(bound)) < 1e-3
    rows = re.findall(r"\| (\d+) \| ([0-9.]+) \| ([0-9.]+) \| ([0-9.]+) \|", text)
    first, last = rows[0], rows[-1]
    assert float(last[2]) < 0.1 * float(last[3]) and float(last[3]) > float(first[3])
    modes = int(re.search(r"\| non-saturating \| (\d) of 8 \|", text).group(1))
    assert modes >= 6
    assert "| MLP GAN |" in text and "| DCGAN |" in text


def test_gan_demo_without_data(tmp_path, monkeypatch):
    """Without MNIST the GAN section's digits part trains on synthetic shapes; the
    one-dimensional and ring experiments need no data."""
    text = _without_data(["gan"], tmp_path, monkeypatch)
    assert "synthetic shapes (MNIST not found)" in text
    assert len(re.findall(r"\.png\)", text)) == 4


@pytest.mark.slow
def test_transfer_demo_on_real_data(full_report):
    """The transfer section (fast mode): with 10 labels a transferred encoder beats the net
    from scratch [T1]; related tasks raise the 10-object target [T2]; the pretext is far
    above chance [T3]; distillation on unlabelled data beats the student alone [T4]; the
    two-stage LUPI student beats the student alone with 100 labels [T5]; the summary slide
    is drawn [T6]."""
    text = _section(full_report[1], "transfer")
    for name in ("curve", "multitask", "schemes"):
        assert f"(transfer_{name}.png)" in text
    m10 = re.search(r"\| 10 \| ([0-9.]+) \| ([0-9.]+) \| ([0-9.]+) \|", text).groups()
    assert max(float(m10[0]), float(m10[1])) > float(m10[2]) + 0.03
    related = re.search(r"\| related [^|]*\| ([0-9.]+) \| ([0-9.]+) \|", text).groups()
    assert float(related[1]) > float(related[0]) + 0.02
    assert float(re.search(r"right for \*\*([0-9.]+)\*\*", text).group(1)) > 0.5
    alone = float(re.search(r"\| student, 500 labels alone \| ([0-9.]+) \|", text).group(1))
    distilled = float(re.search(r"unlabelled images \(T = 4\) \| \*\*([0-9.]+)\*\*", text).group(1))
    assert distilled > alone + 0.03
    lupi = re.search(r"\| 100 \| ([0-9.]+) \| ([0-9.]+) \(", text).groups()
    assert float(lupi[1]) > float(lupi[0]) + 0.01


def test_transfer_demo_without_data(tmp_path, monkeypatch):
    """Without MNIST the transfer section runs every experiment on the 7 synthetic shapes
    (source classes 0–2, target 3–6; shape-pair tasks) and says so."""
    text = _without_data(["transfer"], tmp_path, monkeypatch)
    assert "Data: synthetic shapes (MNIST not found)" in text
    assert len(re.findall(r"\.png\)", text)) == 3
    assert "classes 3–6 with m labels" in text and "Learnability on 0 vs 1" in text
    assert "pretext on 1600 unlabelled images" in text
