"""The machine formats json-lines, junit, gitlab and pylint, each parsed back from the output of the
real command: the same findings as the json format, valid documents, escaped source text."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from xml.etree import ElementTree as ET

import pytest
from click.testing import CliRunner

from awaitwise.cli import main

BAD = "import time\n\n\nasync def f():\n    time.sleep(1)\n    time.sleep(2)\n"


def invoke(*args):
    result = CliRunner().invoke(main, ["check", "--no-cache", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.fixture
def tree(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CI_PROJECT_DIR", raising=False)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text(BAD)
    (tmp_path / "b.py").write_text('import time\n\n\nasync def g():\n    s = "<&\'\\"]]>"; time.sleep(3)\n')
    (tmp_path / "clean.py").write_text("x = 1\n")
    return tmp_path


def test_json_lines_is_the_json_list_one_object_per_line(tree):
    listed = json.loads(invoke("--output-format", "json", ".").output)
    out = invoke("--output-format", "json-lines", ".")
    assert out.exit_code == 1
    lines = out.output.splitlines()
    assert len(lines) == 3 and out.output.endswith("\n")
    assert [json.loads(line) for line in lines] == listed
    assert invoke("--output-format", "json-lines", "clean.py").output == ""


def test_pylint_lines(tree):
    out = invoke("--output-format", "pylint", ".")
    assert out.exit_code == 1
    message = "[AW100] `time.sleep()` blocks the event loop; use `await asyncio.sleep(...)`"
    a = os.path.join("pkg", "a.py")
    assert out.output.splitlines() == [f"b.py:5: {message}", f"{a}:5: {message}", f"{a}:6: {message}"]
    assert invoke("--output-format", "pylint", "clean.py").output == ""


def test_junit_is_valid_xml_with_one_failure_per_finding(tree):
    out = invoke("--output-format", "junit", ".")
    assert out.exit_code == 1
    assert out.output.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    root = ET.fromstring(out.output.encode("utf-8"))
    assert root.tag == "testsuites" and root.get("tests") == "3" and root.get("failures") == "3"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {"b.py", os.path.join("pkg", "a.py")}
    cases = suites[os.path.join("pkg", "a.py")].findall("testcase")
    assert [(c.get("name"), c.get("line")) for c in cases] == [("AW100 5:5", "5"), ("AW100 6:5", "6")]
    failure = cases[0].find("failure")
    assert failure.get("type") == "AW100" and failure.get("message").startswith("`time.sleep()` blocks")
    assert failure.text.startswith(f"{os.path.join('pkg', 'a.py')}:5:5: AW100 ")


def test_junit_without_findings_is_one_passing_case(tree):
    out = invoke("--output-format", "junit", "clean.py")
    assert out.exit_code == 0
    root = ET.fromstring(out.output)
    (case,) = root.iter("testcase")
    assert case.get("name") == "No errors found" and not list(case)
    assert root.get("failures") == "0" and root.get("errors") == "0"


def test_junit_reports_files_that_could_not_be_read(tree):
    (tree / "nul.py").write_bytes(b"x = 1\x00\n")
    out = invoke("--output-format", "junit", "nul.py", "pkg")
    assert out.exit_code == 2
    root = ET.fromstring(out.stdout)  # the error is on stderr too
    assert root.get("errors") == "1" and root.get("failures") == "2"
    (error,) = root.iter("error")
    assert "nul.py" in error.get("message") and "NUL" in error.get("message")


def test_junit_escapes_hostile_names_and_messages(tree):
    if sys.platform == "win32":
        pytest.skip("such names cannot exist on Windows")
    name = 'x<&"\x1b]0;t\x07\n.py'
    try:
        (tree / name).write_text(BAD)
    except OSError:
        pytest.skip("the file system refuses the name")
    out = invoke("--output-format", "junit", name)
    assert out.exit_code == 1
    assert "\x1b" not in out.output and "\x07" not in out.output
    root = ET.fromstring(out.output)  # still well-formed
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == 'x<&"\\x1b]0;t\\x07\\x0a.py'


def test_gitlab_code_quality(tree):
    out = invoke("--output-format", "gitlab", ".")
    assert out.exit_code == 1
    issues = json.loads(out.output)
    assert len(issues) == 3
    for issue in issues:
        assert set(issue) >= {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["check_name"] == "AW100" and issue["severity"] == "major"
        assert issue["description"].startswith("AW100: `time.sleep()` blocks")
    assert [(i["location"]["path"], i["location"]["lines"]["begin"]) for i in issues] == [
        ("b.py", 5),
        ("pkg/a.py", 5),
        ("pkg/a.py", 6),
    ]
    assert len({i["fingerprint"] for i in issues}) == 3
    assert invoke("--output-format", "gitlab", "clean.py").output.strip() == "[]"


def test_gitlab_fingerprints_are_stable_across_runs_and_line_moves(tree):
    first = json.loads(invoke("--output-format", "gitlab", ".").output)
    again = json.loads(invoke("--output-format", "gitlab", "--no-cache", ".").output)
    assert [i["fingerprint"] for i in first] == [i["fingerprint"] for i in again]
    (tree / "pkg" / "a.py").write_text("# a new first line\n" + BAD)
    moved = json.loads(invoke("--output-format", "gitlab", ".").output)
    assert [i["location"]["lines"]["begin"] for i in moved] == [5, 6, 7]
    assert [i["fingerprint"] for i in moved] == [i["fingerprint"] for i in first]


def test_gitlab_paths_are_relative_to_the_project_dir(tree, monkeypatch):
    monkeypatch.setenv("CI_PROJECT_DIR", str(tree))
    monkeypatch.chdir(tree / "pkg")
    issues = json.loads(invoke("--output-format", "gitlab", "a.py").output)
    assert [i["location"]["path"] for i in issues] == ["pkg/a.py", "pkg/a.py"]


@pytest.mark.parametrize("fmt", ["json-lines", "gitlab", "junit", "pylint"])
def test_a_strict_ascii_pipe_never_fails(tree, fmt):
    (tree / "uni.py").write_text("import time\n\n\nasync def h():\n    time.sleep(1)  # ☃\n")
    (tree / "ünï.py").write_text(BAD)
    env = dict(os.environ, PYTHONIOENCODING="ascii:strict")
    r = subprocess.run(
        [sys.executable, "-m", "awaitwise", "check", "--no-cache", "--output-format", fmt, "."],
        cwd=tree,
        capture_output=True,
        env=env,
    )
    assert r.returncode == 1 and b"Traceback" not in r.stderr, r.stderr
    text = r.stdout.decode("ascii")
    if fmt == "gitlab":
        assert "ünï.py" in {i["location"]["path"] for i in json.loads(text)}
    elif fmt == "json-lines":
        assert "ünï.py" in {json.loads(line)["filename"] for line in text.splitlines()}
    elif fmt == "junit":
        ET.fromstring(text)


def test_help_lists_every_format():
    out = CliRunner().invoke(main, ["check", "--help"])
    for fmt in ("text", "concise", "json", "json-lines", "sarif", "github", "gitlab", "junit", "pylint"):
        assert fmt in out.output
