"""The `awaitwise` command as users and CI run it: exit codes, output shapes, stdin mode."""

from __future__ import annotations

import json
import subprocess
import sys

BAD = "import time\n\nasync def f():\n    time.sleep(1)\n"
GOOD = "import asyncio\n\nasync def f():\n    await asyncio.sleep(1)\n"


def aw(*args, cwd, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "awaitwise", *args], cwd=cwd, capture_output=True, text=True, input=stdin
    )


def test_exit_codes(tmp_path):
    (tmp_path / "good.py").write_text(GOOD)
    assert aw("check", "--no-cache", "good.py", cwd=tmp_path).returncode == 0
    (tmp_path / "bad.py").write_text(BAD)
    r = aw("check", "--no-cache", ".", cwd=tmp_path)
    assert r.returncode == 1
    assert "bad.py:4:5: AW100" in r.stdout
    r = aw("check", "--no-cache", "missing.py", "bad.py", cwd=tmp_path)
    assert r.returncode == 2
    assert "missing.py" in r.stderr and "bad.py:4:5: AW100" in r.stdout  # the rest still ran
    r = aw("check", "--select", "AW9", ".", cwd=tmp_path)
    assert r.returncode == 2 and "AW9" in r.stderr and "Traceback" not in r.stderr
    assert aw("check", "--exit-zero", "--no-cache", ".", cwd=tmp_path).returncode == 0


def test_json_shape(tmp_path):
    (tmp_path / "bad.py").write_text(BAD)
    r = aw("check", "--no-cache", "--output-format", "json", "bad.py", cwd=tmp_path)
    assert r.returncode == 1
    (item,) = json.loads(r.stdout)
    assert set(item) == {"code", "message", "filename", "location", "end_location", "fix", "url", "noqa_row"}
    assert item["code"] == "AW100" and item["filename"] == "bad.py"
    assert item["location"] == {"row": 4, "column": 5} and item["end_location"] == {"row": 4, "column": 18}
    assert item["noqa_row"] == 4
    assert set(item["fix"]) == {"applicability", "message", "edits"}
    assert item["fix"]["applicability"] == "safe"
    for e in item["fix"]["edits"]:
        assert set(e) == {"content", "location", "end_location"}


def test_github_format(tmp_path):
    (tmp_path / "bad.py").write_text(BAD)
    r = aw("check", "--no-cache", "--output-format", "github", "bad.py", cwd=tmp_path)
    assert r.stdout.startswith("::error file=bad.py,line=4,col=5,")
    assert "title=AW100::" in r.stdout


def test_stdin_check_and_fix(tmp_path):
    r = aw("check", "--stdin-filename", "pkg/mod.py", cwd=tmp_path, stdin=BAD)
    assert r.returncode == 1 and "pkg/mod.py:4:5: AW100" in r.stdout
    r = aw("fix", "--stdin-filename", "pkg/mod.py", cwd=tmp_path, stdin=BAD)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "import asyncio\n\nasync def f():\n    await asyncio.sleep(1)\n"
    r = aw("fix", "--stdin-filename", "x.py", cwd=tmp_path, stdin=GOOD)
    assert r.stdout == GOOD  # nothing to fix: the source comes back unchanged


def test_stdin_uses_config_and_per_file_ignores_of_that_path(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.awaitwise]\nper-file-ignores = {"scripts/*" = ["AW100"]}\n')
    (tmp_path / "scripts").mkdir()
    r = aw("check", "--stdin-filename", "scripts/run.py", cwd=tmp_path, stdin=BAD)
    assert r.returncode == 0, r.stdout
    r = aw("check", "--stdin-filename", "app/run.py", cwd=tmp_path, stdin=BAD)
    assert r.returncode == 1


def test_diff_writes_nothing(tmp_path):
    f = tmp_path / "bad.py"
    f.write_text(BAD)
    r = aw("fix", "--diff", "--no-cache", "bad.py", cwd=tmp_path)
    assert "+    await asyncio.sleep(1)" in r.stdout
    assert f.read_text() == BAD


def test_rule_command(tmp_path):
    r = aw("rule", "AW100", cwd=tmp_path)
    assert r.returncode == 0 and "## Why is this bad?" in r.stdout
    r = aw("rule", cwd=tmp_path)
    assert "| AW100 | blocking-sleep |" in r.stdout
    r = aw("rule", "AW999", cwd=tmp_path)
    assert r.returncode == 2 and "unknown rule" in r.stderr


def test_version(tmp_path):
    from awaitwise import __version__

    r = aw("--version", cwd=tmp_path)
    assert r.stdout.strip() == f"awaitwise {__version__}"


def test_the_command_ends_with_all_of_its_output_written(tmp_path):
    """The process ends with os._exit (cli.run), which drops whatever is still buffered: what the
    command printed must all be there, through a pipe and far past any buffer, in text and in
    JSON, on stdout and on stderr (click flushes each echo; run flushes anything else)."""
    body = "".join(f"    time.sleep({i})\n" for i in range(3000))
    (tmp_path / "many.py").write_text(f"import time\n\n\nasync def f():\n{body}")
    r = aw("check", "--no-cache", "--output-format", "json", "many.py", cwd=tmp_path)
    assert r.returncode == 1
    assert len(json.loads(r.stdout)) == 3000
    r = aw("check", "--no-cache", "many.py", "missing.py", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stdout.count(": AW100") == 3000 and "missing.py" in r.stderr
    assert aw("--version", cwd=tmp_path).returncode == 0
    r = aw("check", "--no-such-option", cwd=tmp_path)
    assert r.returncode == 2 and "no-such-option" in r.stderr


def test_run_turns_every_exit_into_the_process_status(monkeypatch, capsys):
    import os

    from awaitwise import cli

    ended = []

    class Ended(Exception):
        pass

    def fake_exit(code):
        ended.append(code)
        raise Ended

    monkeypatch.setattr(os, "_exit", fake_exit)
    for raised, status in ((SystemExit(None), 0), (SystemExit(3), 3), (SystemExit("a message"), 1), (None, 0)):

        def command(raised=raised):
            print("out")
            if raised is not None:
                raise raised

        monkeypatch.setattr(cli, "main", command)
        try:
            cli.run()
        except Ended:
            pass
        assert ended.pop() == status
    assert "a message" in capsys.readouterr().err
