"""`fix --diff` says what it would fix and exits 1 when the diff is not empty; `--statistics` in
JSON; `fix --stdin-filename` keeps stdout for the fixed source and reports what is left on stderr."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from awaitwise.cli import main

BAD = "import time\n\n\nasync def f(p):\n    time.sleep(1)\n    time.sleep(2)\n    open(p).read()\n"
FIXED = (
    "import asyncio\n\n\nasync def f(p):\n    await asyncio.sleep(1)\n    await asyncio.sleep(2)\n    open(p).read()\n"
)


def invoke(*args, stdin=None):
    result = CliRunner().invoke(main, list(args), input=stdin)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.fixture
def cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_diff_exits_1_and_says_how_many_it_would_fix(cwd):
    (cwd / "a.py").write_text(BAD)
    (cwd / "b.py").write_text(BAD)
    out = invoke("fix", "--diff", "--no-cache", ".")
    assert out.exit_code == 1
    assert out.stderr == "Would fix 4 errors.\n"
    assert out.stdout.count("+    await asyncio.sleep(1)") == 2
    assert (cwd / "a.py").read_text() == BAD  # nothing written
    assert invoke("fix", "--diff", "--no-cache", "--exit-zero", ".").exit_code == 0


def test_diff_exits_0_when_nothing_would_change(cwd):
    (cwd / "a.py").write_text(FIXED)  # an AW103 remains, but it has no safe fix
    out = invoke("fix", "--diff", "--no-cache", "a.py")
    assert (out.exit_code, out.stdout, out.stderr) == (0, "", "")
    one = "import time\n\n\nasync def f():\n    time.sleep(1)\n"
    (cwd / "one.py").write_text(one)
    out = invoke("fix", "--diff", "--no-cache", "one.py")
    assert out.exit_code == 1 and out.stderr == "Would fix 1 error.\n"


def test_diff_of_stdin(cwd):
    out = invoke("fix", "--diff", "--stdin-filename", "a.py", "-", stdin=BAD)
    assert out.exit_code == 1
    assert out.stdout.startswith("--- a/a.py\n+++ b/a.py\n") and out.stderr == "Would fix 2 errors.\n"
    clean = invoke("fix", "--diff", "--stdin-filename", "a.py", "-", stdin=FIXED)
    assert (clean.exit_code, clean.stdout, clean.stderr) == (0, "", "")


def test_statistics_as_json(cwd):
    (cwd / "a.py").write_text(BAD)
    out = invoke("check", "--no-cache", "--statistics", "--output-format", "json", "a.py")
    assert out.exit_code == 1
    assert json.loads(out.stdout) == [
        {"code": "AW100", "name": "blocking-sleep", "count": 2, "fixable": True},
        {"code": "AW103", "name": "blocking-file-io", "count": 1, "fixable": False},
    ]
    (cwd / "ok.py").write_text("x = 1\n")
    assert json.loads(invoke("check", "--statistics", "--output-format", "json", "ok.py").stdout) == []
    text = invoke("check", "--no-cache", "--statistics", "a.py").stdout
    assert [line.split() for line in text.splitlines()] == [["2", "AW100"], ["1", "AW103"]]


def test_statistics_json_names_a_parse_error(cwd):
    (cwd / "broken.py").write_text("def f(:\n")
    out = invoke("check", "--no-cache", "--statistics", "--output-format", "json", "broken.py")
    assert json.loads(out.stdout) == [{"code": "AW001", "name": "syntax-error", "count": 1, "fixable": False}]


def test_stdin_fix_prints_source_on_stdout_and_what_is_left_on_stderr(cwd):
    proc = subprocess.run(
        [sys.executable, "-m", "awaitwise", "fix", "--stdin-filename", "app.py", "-"],
        input=BAD,
        capture_output=True,
        text=True,
        cwd=cwd,
    )
    assert proc.returncode == 1
    assert proc.stdout == FIXED
    assert proc.stderr.startswith("app.py:7:5: AW103 ")
    assert "7 |     open(p).read()" in proc.stderr  # the frame shows the fixed text
    assert "Found 1 error remaining." in proc.stderr

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "awaitwise",
            "fix",
            "--stdin-filename",
            "app.py",
            "-",
            "--output-format",
            "concise",
            "--select",
            "AW100",
        ],
        input=BAD,
        capture_output=True,
        text=True,
        cwd=cwd,
    )
    assert done.returncode == 0 and done.stdout == FIXED
    assert done.stderr.splitlines() == ["Fixed 2 errors in 1 file (AW100: 2).", "No errors remaining."]


def test_stdin_fix_findings_in_json_on_stderr(cwd):
    out = invoke("fix", "--stdin-filename", "app.py", "--output-format", "json", "-", stdin=BAD)
    assert out.exit_code == 1 and out.stdout == FIXED
    (item,) = json.loads(out.stderr)
    assert item["code"] == "AW103" and item["location"]["row"] == 7
