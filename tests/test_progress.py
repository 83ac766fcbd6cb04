"""Long runs: `fix` and `check` over a large tree show a progress bar on a terminal (none in a pipe,
in CI or with a machine format), measured in bytes of source; `fix` ends with a summary of what it
changed."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from terminal_support import run_on_terminal

BAD = "import time\n\nasync def f():\n    time.sleep(1)\n"


def _tree(root, n=60):
    for i in range(n):
        (root / f"m{i}.py").write_text(BAD if i % 2 == 0 else "x = 1\n")


def _on_a_terminal(tmp_path, *args, env=None):
    """(the run, what it wrote on stderr), stderr being a terminal."""
    return run_on_terminal(args, tmp_path, stream="stderr", env=env)


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update(extra)
    return env


def test_check_shows_a_bar_on_a_terminal(tmp_path):
    _tree(tmp_path)
    proc, err = _on_a_terminal(tmp_path, "check", "--no-cache", "--jobs", "1", ".", env=_env())
    assert proc.returncode == 1
    assert b"Checking" in err and b"100%" in err
    assert b"Found 30 errors." in proc.stdout


@pytest.mark.parametrize(
    "args, env",
    [
        (("--output-format", "github"), {}),
        (("--output-format", "json"), {}),
        (("--quiet",), {}),
        ((), {"CI": "true"}),
    ],
)
def test_no_bar_for_machines_or_ci(tmp_path, args, env):
    _tree(tmp_path)
    proc, err = _on_a_terminal(tmp_path, "check", "--no-cache", "--jobs", "1", *args, ".", env=_env(**env))
    assert proc.returncode == 1
    assert b"Checking" not in err and b"%" not in err


def test_no_bar_for_a_short_run(tmp_path):
    _tree(tmp_path, n=10)
    proc, err = _on_a_terminal(tmp_path, "check", "--no-cache", ".", env=_env())
    assert proc.returncode == 1 and b"Checking" not in err


def test_the_bar_counts_bytes_of_the_files_left_to_analyse(tmp_path, monkeypatch):
    from awaitwise.cache import Cache
    from awaitwise.config import Settings
    from awaitwise.registry import get_registry
    from awaitwise.runner import run

    monkeypatch.chdir(tmp_path)
    _tree(tmp_path, n=8)
    (tmp_path / "big.py").write_text(BAD + "x = 1\n" * 5000)
    files = sorted(str(p.name) for p in tmp_path.glob("*.py"))
    sizes = {f: os.path.getsize(f) for f in files}

    class Seen:
        def __init__(self):
            self.started, self.advanced = [], []

        def start(self, total, count):
            self.started.append((total, count))

        def advance(self, n):
            self.advanced.append(n)

    settings = Settings(project_root=str(tmp_path))
    seen = Seen()
    cache = Cache.open(settings)
    run(files, settings, get_registry(), cache=cache, progress_bytes=seen)
    cache.flush()
    assert seen.started == [(sum(sizes.values()), len(files))]
    assert sorted(seen.advanced) == sorted(sizes.values())  # each file by its size, not 1
    with open("m1.py", "a") as fh:  # one file changes: only it is left to analyse
        fh.write("# edited\n")
    again = Seen()
    run(files, settings, get_registry(), cache=Cache.open(settings), progress_bytes=again)
    assert again.started == [(os.path.getsize("m1.py"), 1)] and again.advanced == [os.path.getsize("m1.py")]


def test_progress_bar_on_a_terminal(tmp_path):
    _tree(tmp_path)
    proc, err = _on_a_terminal(tmp_path, "fix", "--no-cache", "--jobs", "1", ".", env=_env())
    assert proc.returncode == 0
    assert b"Fixing" in err and b"100%" in err
    assert b"Fixed 30 errors in 30 files (AW100: 30)." in proc.stdout


def test_no_progress_bar_in_a_pipe(tmp_path):
    _tree(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "awaitwise", "fix", "--no-cache", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0
    assert "Fixing" not in proc.stderr
    assert proc.stdout.splitlines()[0] == "Fixed 30 errors in 30 files (AW100: 30)."
