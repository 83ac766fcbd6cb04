"""The project's own code passes its linters with the settings in pyproject.toml: `ruff check` and
`ruff format --check` over src/ and tests/ ([tool.ruff]) and `mypy` over src/awaitwise ([tool.mypy]). Both come with the
`test` extra and run here from the installed environment, so a finding fails the suite with the
tool's own report."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(tool: str, *args: str) -> subprocess.CompletedProcess:
    if importlib.util.find_spec(tool) is None:
        reason = f"{tool} is not installed (it comes with the test extra: pip install -e '.[test]')"
        if tool == "mypy" and sys.version_info < (3, 10):
            reason = "mypy needs Python 3.10 or newer to run"
        pytest.skip(reason)
    return subprocess.run([sys.executable, "-m", tool, *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def _report(proc: subprocess.CompletedProcess) -> str:
    return f"exit status {proc.returncode}\n{proc.stdout}{proc.stderr}"


def test_ruff_check_passes():
    # --no-cache: nothing is written into the work tree
    proc = _run("ruff", "check", "--no-cache", "--output-format", "concise", "src", "tests")
    assert proc.returncode == 0, _report(proc)


def test_ruff_format_leaves_the_code_as_it_is():
    proc = _run("ruff", "format", "--no-cache", "--check", "src", "tests")
    assert proc.returncode == 0, _report(proc)


def test_mypy_passes(tmp_path):
    proc = _run("mypy", "--config-file", "pyproject.toml", "--cache-dir", str(tmp_path / "mypy-cache"))
    assert proc.returncode == 0, _report(proc)
    # and it read the package (the `files` setting), not nothing
    checked = re.search(r"Success: no issues found in (\d+) source files", proc.stdout)
    assert checked is not None and int(checked.group(1)) >= 50, _report(proc)


def test_the_checks_report_what_they_find(tmp_path):
    """The runs above can fail: each tool reports a planted problem and exits non-zero."""
    bad = tmp_path / "bad.py"
    bad.write_text("import os\n\n\ndef f(x: int) -> str:\n    return x\n")
    ruff = _run("ruff", "check", "--no-cache", "--isolated", "--select", "F401", str(bad))
    assert ruff.returncode == 1 and "F401" in ruff.stdout, _report(ruff)
    unformatted = tmp_path / "unformatted.py"
    unformatted.write_text("x = {  'a':1 }\n")
    formatted = _run("ruff", "format", "--no-cache", "--isolated", "--check", str(unformatted))
    assert formatted.returncode == 1 and "unformatted.py" in formatted.stdout, _report(formatted)
    plain = tmp_path / "mypy.ini"
    plain.write_text("[mypy]\n")
    mypy = _run("mypy", "--config-file", str(plain), "--cache-dir", str(tmp_path / "mypy-cache"), str(bad))
    assert mypy.returncode == 1 and "[return-value]" in mypy.stdout, _report(mypy)
