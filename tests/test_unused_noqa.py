"""AW002 unused-noqa through the command line: which codes it judges depends on the rules the run
runs (select, ignore, per-file-ignores), its fix, and how it works with --add-noqa."""

from __future__ import annotations

import json
import textwrap

import pytest
from click.testing import CliRunner

from awaitwise.cli import main

SOURCE = textwrap.dedent("""\
    import asyncio
    import time


    async def f():
        time.sleep(1)  # noqa: AW100
        await asyncio.sleep(1)  # noqa: AW100
        await asyncio.sleep(2)  # noqa: AW999, E501
        await asyncio.sleep(3)  # noqa: AW1
    """)


def run(*args):
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def findings(*args):
    out = run("check", "--output-format", "json", *args)
    return [(d["code"], d["location"]["row"], d["message"]) for d in json.loads(out.stdout)]


@pytest.fixture
def cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.py").write_text(SOURCE)
    return tmp_path


def test_off_by_default(cwd):
    assert findings("--no-cache", "app.py") == []


def test_judges_the_codes_of_the_rules_that_ran(cwd):
    assert findings("--no-cache", "--extend-select", "AW002", "app.py") == [
        ("AW002", 7, "Unused `noqa` directive (unused: `AW100`)"),
        ("AW002", 8, "Unused codes in `noqa` directive (unknown: `AW999`)"),
    ]
    # a prefix is judged once every rule under it ran
    got = findings("--no-cache", "--select", "AW1,AW002", "app.py")
    assert ("AW002", 9, "Unused `noqa` directive (unused: `AW1`)") in got


def test_codes_of_rules_that_did_not_run_are_left_alone(cwd):
    # AW002 alone: only the code that names no rule
    assert findings("--no-cache", "--select", "AW002", "app.py") == [
        ("AW002", 8, "Unused codes in `noqa` directive (unknown: `AW999`)")
    ]
    assert findings("--no-cache", "--extend-select", "AW002", "--ignore", "AW100", "app.py") == [
        ("AW002", 8, "Unused codes in `noqa` directive (unknown: `AW999`)")
    ]
    (cwd / "pyproject.toml").write_text(
        '[tool.awaitwise]\nextend-select = ["AW002"]\nper-file-ignores = { "tests/*" = ["AW100"] }\n'
    )
    (cwd / "tests").mkdir()
    (cwd / "tests" / "test_app.py").write_text(SOURCE)
    # in tests/, AW100 is off: its `# noqa: AW100` is not judged, the unknown AW999 still is
    by_file = json.loads(run("check", "--no-cache", "--output-format", "json", ".").stdout)
    assert sorted((d["filename"].replace("\\", "/"), d["location"]["row"]) for d in by_file) == [
        ("app.py", 7),
        ("app.py", 8),
        ("tests/test_app.py", 8),
    ]


def test_noqa_for_aw002_itself(cwd):
    (cwd / "app.py").write_text("x = 1  # noqa: AW002, AW999\ny = 2  # noqa: AW998\n")
    assert [row for _, row, _ in findings("--no-cache", "--select", "AW002", "app.py")] == [2]


def test_fix_removes_what_is_unused_and_is_idempotent(cwd):
    out = run("fix", "--no-cache", "--extend-select", "AW002", "app.py")
    assert out.exit_code == 0, out.output
    assert (cwd / "app.py").read_text() == SOURCE.replace(
        "await asyncio.sleep(1)  # noqa: AW100", "await asyncio.sleep(1)"
    ).replace("# noqa: AW999, E501", "# noqa: E501")
    again = run("fix", "--no-cache", "--extend-select", "AW002", "app.py")
    assert "Fixed" not in again.output and again.exit_code == 0


def test_cached_results_agree(cwd):
    first = findings("--extend-select", "AW002", "app.py")
    assert first and findings("--extend-select", "AW002", "app.py") == first


def test_add_noqa_leaves_nothing_unused(cwd):
    (cwd / "app.py").write_text("import time\n\n\nasync def f(p):\n    time.sleep(1)\n    open(p).read()\n")
    assert run("check", "--no-cache", "--add-noqa", "app.py").exit_code == 0
    assert findings("--no-cache", "--extend-select", "AW002", "app.py") == []
    assert run("check", "--no-cache", "--extend-select", "AW002", "app.py").exit_code == 0


def test_rule_doc():
    out = run("rule", "AW002")
    assert out.exit_code == 0 and "unused-noqa" in out.output and "## Fix safety" in out.output


def test_a_file_linted_in_pieces_is_judged_on_all_its_findings(cwd, monkeypatch):
    """Where the engine lints a large file in pieces (partial.pieces, when there is such a
    path), the suppressed findings of every piece still count as used."""
    from awaitwise import partial

    if hasattr(partial, "PIECE_BYTES"):
        monkeypatch.setattr(partial, "PIECES_FROM", 0)
        monkeypatch.setattr(partial, "PIECE_BYTES", 2000)
    body = "".join(f"    x{i} = len(str({i}))\n" for i in range(60))
    parts = ["import asyncio\nimport time\n"]
    for n in range(3):
        parts.append(
            f"\n\nasync def f{n}():\n{body}    time.sleep(1)  # noqa: AW100\n"
            f"    await asyncio.sleep(1)  # noqa: AW100\n"
        )
    text = "".join(parts)
    (cwd / "big.py").write_text(text)
    unused = [i for i, line in enumerate(text.splitlines(), 1) if "await asyncio.sleep" in line]
    got = findings("--no-cache", "--extend-select", "AW002", "big.py")
    assert [(code, row) for code, row, _ in got] == [("AW002", row) for row in unused]


def test_nothing_is_judged_when_the_rules_did_not_get_through_the_file(monkeypatch):
    """A file the pass could not finish (an internal error of the whole file) is not judged, and
    its findings are still filtered by their `# noqa`."""
    from awaitwise import engine
    from awaitwise.config import Settings
    from awaitwise.diagnostics import Diagnostic, Location
    from awaitwise.engine import LintOutput, lint_source
    from awaitwise.registry import get_registry

    source = "x = 1  # noqa: AW100\ny = 2  # noqa: AW999\n"
    suppressed = Diagnostic("AW100", "m", "a.py", Location(1, 1), Location(1, 2), None, 1)

    def broken(*args, **kwargs):
        return LintOutput([suppressed], [("", "too deeply nested to analyse")])

    monkeypatch.setattr(engine, "_lint", broken)
    reg = get_registry()
    out = lint_source(source, "a.py", Settings(), [reg.get("AW002"), reg.get("AW100")])
    assert out.diagnostics == [] and out.internal_errors == [("", "too deeply nested to analyse")]
