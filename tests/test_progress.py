"""Batch codemods: `fix` over a large tree shows a progress bar on a terminal, none in a pipe, and
ends with a summary of what it changed."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

BAD = "import time\n\nasync def f():\n    time.sleep(1)\n"


def _tree(root, n=60):
    for i in range(n):
        (root / f"m{i}.py").write_text(BAD if i % 2 == 0 else "x = 1\n")


def test_progress_bar_on_a_terminal(tmp_path):
    _tree(tmp_path)
    master, slave = pty.openpty()
    try:
        proc = subprocess.run([sys.executable, "-m", "awaitwise", "fix", "--no-cache", "--jobs", "1", "."],
                              cwd=tmp_path, stdout=subprocess.PIPE, stderr=slave, timeout=300)
        os.close(slave)
        slave = None
        err = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            err += chunk
    finally:
        if slave is not None:
            os.close(slave)
        os.close(master)
    assert proc.returncode == 0
    assert b"Fixing" in err and b"100%" in err
    assert b"Fixed 30 errors in 30 files (AW100: 30)." in proc.stdout


def test_no_progress_bar_in_a_pipe(tmp_path):
    _tree(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "awaitwise", "fix", "--no-cache", "."], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0
    assert "Fixing" not in proc.stderr
    assert proc.stdout.splitlines()[0] == "Fixed 30 errors in 30 files (AW100: 30)."
