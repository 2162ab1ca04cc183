"""The README's set-up commands are what CI runs, and its example works."""
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _readme_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```bash\n(.*?)```", text, re.S).group(1)
    return [line for line in block.splitlines() if line.strip()]


def test_readme_opens_with_two_commands():
    """Exactly two set-up commands: the demo one and the test one."""
    demo, tests = _readme_commands()
    assert "-m nnunsup demo" in demo and "pytest" in tests


def test_ci_runs_the_readme_test_command():
    """.ci/run executes the README's test command verbatim in a fresh environment."""
    _, tests = _readme_commands()
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert tests in script.splitlines()
    assert "rm -rf .venv" in script


def test_readme_example_runs(data_dir, monkeypatch, tmp_path):
    """The example of the README runs as written (with the real MNIST; its model file is
    written to a temporary folder)."""
    monkeypatch.setenv("NNUNSUP_DATA", str(data_dir))
    monkeypatch.chdir(tmp_path)
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    exec(compile(example.replace("epochs=8", "epochs=1"), "README example", "exec"), {})
