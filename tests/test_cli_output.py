"""CLI output options: --statistics, --exit-zero, --show-settings, the github and text formats, and
the editor mode (--stdin-filename) for check and fix."""

from __future__ import annotations

import json
import textwrap

import pytest
from click.testing import CliRunner

from awaitwise import registry
from awaitwise.cli import main
from awaitwise.docs import builtin_registry
from plugin_support import load_rules_module

SOURCE = textwrap.dedent("""\
    import time


    async def tick():
        time.sleep(1)
        print("a")
        print("b")
        print("c")  # noqa: ACME100
        time.sleep(2)
        print("d")
        global counter
""")


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A folder with one file that has 2 AW100 and 3 ACME100 findings, and an ACME101 one when that
    off-by-default rule is selected (ACME1xx: the plugin rules, registered in-process)."""
    rules = load_rules_module()
    monkeypatch.setattr(
        registry,
        "_REGISTRY",
        registry.Registry(list(builtin_registry()) + [rules.NoPrintInCoroutine, rules.GlobalInCoroutine]),
    )
    (tmp_path / "app.py").write_text(SOURCE)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def invoke(*args, stdin=None):
    return CliRunner().invoke(main, [*args], input=stdin)


def test_statistics_counts_per_code_most_frequent_first(project):
    out = invoke("check", "--statistics", "app.py")
    assert out.exit_code == 1
    lines = [line.split("\t") for line in out.output.splitlines()]
    assert [(n.strip(), code) for n, code in lines] == [("3", "ACME100"), ("2", "AW100")]
    assert "app.py:" not in out.output  # counts instead of the list

    selected = invoke("check", "--statistics", "--select", "AW100", "app.py")
    assert selected.output.split() == ["2", "AW100"]
    clean = invoke("check", "--statistics", "--select", "AW2", "app.py")
    assert clean.exit_code == 0 and clean.output == ""


def test_exit_zero(project):
    out = invoke("check", "--exit-zero", "app.py")
    assert out.exit_code == 0
    assert "app.py:5:5: AW100" in out.output and "Found 5 errors." in out.output
    # errors are still errors
    missing = invoke("check", "--exit-zero", "missing.py")
    assert missing.exit_code == 2
    # fix: findings left after fixing (ACME101 has no fix) fail the run, unless --exit-zero
    copy = project / "copy.py"
    copy.write_text(SOURCE)
    assert invoke("fix", "--extend-select", "ACME101", "copy.py").exit_code == 1
    fixed = invoke("fix", "--exit-zero", "--extend-select", "ACME101", "app.py")
    assert fixed.exit_code == 0
    assert (project / "app.py").read_text() == copy.read_text() != SOURCE
    assert invoke("check", "--extend-select", "ACME101", "app.py").exit_code == 1


def test_show_settings(project):
    (project / "pyproject.toml").write_text(
        textwrap.dedent("""\
        [tool.awaitwise]
        extend-select = ["ACME101"]
        per-file-ignores = { "tests/*" = ["AW100"] }
        target-version = "py311"
    """)
    )
    (project / "broken.py").write_text("def (:\n")
    out = invoke("check", "--show-settings", "--ignore", "ACME100", ".")
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)  # nothing but the settings: no diagnostics, no summary
    assert data["target_version"] == "py311"
    assert data["per_file_ignores"] == {"tests/*": ["AW100"]}
    assert data["extend_select"] == ["ACME101"] and data["ignore"] == ["ACME100"]
    assert data["config_file"] == str(project / "pyproject.toml")
    assert "ACME101" in data["enabled_rules"] and "AW100" in data["enabled_rules"]
    assert "ACME100" not in data["enabled_rules"]

    bad = invoke("check", "--show-settings", "--select", "AW9")
    assert bad.exit_code == 2 and "AW9" in bad.output


def test_github_annotations(project):
    (project / "a,b:c.py").write_text(SOURCE)
    out = invoke("check", "--output-format", "github", "--select", "AW100", "a,b:c.py")
    assert out.exit_code == 1
    first = out.output.splitlines()[0]
    assert first == (
        "::error file=a%2Cb%3Ac.py,line=5,col=5,endLine=5,endColumn=18,title=AW100::AW100 "
        "`time.sleep()` blocks the event loop; use `await asyncio.sleep(...)`"
    )
    assert len(out.output.splitlines()) == 2
    assert invoke("check", "--output-format", "github", "--select", "AW2", "app.py").output == ""


def test_text_format_marks_fixes_and_escapes_control_characters(project):
    (project / "w\x1b[2Jeird.py").write_text('async def f():\n    print("x")\n')
    out = invoke("check", "--select", "ACME100", ".")
    assert out.exit_code == 1
    assert "\x1b" not in out.output  # a file name cannot drive the terminal
    assert "w\\x1b[2Jeird.py:2:5: ACME100 [*] `print()` in a coroutine; use `logging`" in out.output
    assert out.output.splitlines()[-1] == "[*] 4 fixable with `awaitwise fix`."
    quiet = invoke("check", "--quiet", "--select", "ACME100", "app.py")
    assert "Found" not in quiet.output and "fixable" not in quiet.output  # findings only, with frames
    assert quiet.output.count("ACME100 [*]") == 3 and '6 |     print("a")' in quiet.output
    quiet = invoke("check", "--quiet", "--output-format", "concise", "--select", "ACME100", "app.py")
    assert quiet.output.splitlines() == [
        "app.py:6:5: ACME100 [*] `print()` in a coroutine; use `logging`",
        "app.py:7:5: ACME100 [*] `print()` in a coroutine; use `logging`",
        "app.py:10:5: ACME100 [*] `print()` in a coroutine; use `logging`",
    ]


def test_stdin_check_uses_config_for_the_given_path(project):
    (project / "pyproject.toml").write_text('[tool.awaitwise]\nper-file-ignores = { "tests/*" = ["AW100"] }\n')
    (project / "tests").mkdir()
    app = invoke("check", "--output-format", "json", "--stdin-filename", "app.py", "-", stdin=SOURCE)
    assert app.exit_code == 1
    assert {d["code"] for d in json.loads(app.output)} == {"AW100", "ACME100"}
    assert {d["filename"] for d in json.loads(app.output)} == {"app.py"}
    test = invoke("check", "--output-format", "json", "--stdin-filename", "tests/test_app.py", stdin=SOURCE)
    assert {d["code"] for d in json.loads(test.output)} == {"ACME100"}


def _separate_streams():
    try:
        return CliRunner(mix_stderr=False)  # click < 8.2
    except TypeError:
        return CliRunner()  # click >= 8.2 keeps stdout and stderr apart


def test_stdin_fix_prints_only_the_fixed_source(project):
    out = _separate_streams().invoke(
        main, ["fix", "--select", "AW100", "--stdin-filename", "app.py", "-"], input=SOURCE
    )
    assert out.exit_code == 0
    assert out.stdout.startswith("import asyncio\n\n")
    assert "await asyncio.sleep(2)" in out.stdout and "Fixed" not in out.stdout
    assert (project / "app.py").read_text() == SOURCE  # the file on disk is not touched
    # findings left: exit 1 (the fixed source is still printed), or 0 with --exit-zero
    rest = _separate_streams().invoke(
        main, ["fix", "--extend-select", "ACME101", "--stdin-filename", "app.py"], input=SOURCE
    )
    assert rest.exit_code == 1 and '    logging.info("a")\n' in rest.stdout
    assert rest.stdout.count("\n") == SOURCE.count("\n") + 1  # + import asyncio, import logging, - import time
    zero = invoke("fix", "--exit-zero", "--extend-select", "ACME101", "--stdin-filename", "app.py", stdin=SOURCE)
    assert zero.exit_code == 0
