"""The engine: screening, parse errors, suppressions, per-file ignores, plain records."""

from __future__ import annotations

import pickle
import textwrap

from awaitwise.config import Settings
from awaitwise.engine import identifiers, lint_source, screen
from awaitwise.noqa import parse_line, suppresses
from awaitwise.registry import get_registry

REG = get_registry()
AW100 = REG.get("AW100")
DEFAULT_SETTINGS = Settings()
SRC = textwrap.dedent("""
    import time
    async def f():
        time.sleep(1)
        time.sleep(2)  # noqa
        time.sleep(3)  # noqa: AW100
        time.sleep(4)  # noqa: AW1
        time.sleep(5)  # noqa: ASYNC251
        time.sleep(6)  # noqa: AW2
        time.sleep(7)  # NOQA:AW100,AW101
""")


def lint(src, settings=DEFAULT_SETTINGS, rules=(AW100,)):
    return lint_source(src, "m.py", settings, list(rules))


def test_noqa_is_filtered_centrally_with_codes_prefixes_and_equivalents():
    rows = [d.location.row for d in lint(SRC).diagnostics]
    assert rows == [4, 9]  # plain line and the one whose noqa names another code


def test_noqa_parsing():
    assert parse_line("x = 1") is None
    assert parse_line("x  # noqa") == "*"
    assert parse_line("x  # noqa: AW100, AW2") == frozenset({"AW100", "AW2"})
    assert parse_line("x  # noqa: AW100 AW200") == frozenset({"AW100", "AW200"})
    # words after the codes are a reason, not codes (a code has letters, then digits)
    assert parse_line("x  # noqa: AW100,AW2 reviewed by the team") == frozenset({"AW100", "AW2"})
    assert parse_line("x  # noqa: AW100 -- safe at start-up") == frozenset({"AW100"})
    # a `# noqa` in a string before the comment does not hide the comment's codes
    assert parse_line('s = "# noqa: E501"; f()  # noqa: AW100') == frozenset({"E501", "AW100"})
    assert suppresses(frozenset({"ASYNC300"}), "AW400")
    assert suppresses(frozenset({"RUF006"}), "AW400")
    assert not suppresses(frozenset({"ASYNC300"}), "AW100")
    # a type checker's ignore of the same finding, alone or beside a noqa
    assert parse_line("c.close()  # type: ignore[unused-coroutine]") == frozenset({"AW200"})
    assert parse_line("c.close()  # pyright: ignore[reportUnusedCoroutine]") == frozenset({"AW200"})
    assert parse_line("c.close()  # type: ignore[attr-defined, unused-coroutine]") == frozenset({"AW200"})
    assert parse_line("c.close()  # noqa: AW1  # type: ignore[unused-coroutine]") == frozenset({"AW1", "AW200"})
    assert parse_line("c.close()  # type: ignore") is None
    assert parse_line("c.close()  # type: ignore[attr-defined]") is None


def test_parse_error_is_AW001_with_line():
    out = lint("async def f(:\n    pass\n")
    assert [d.code for d in out.diagnostics] == ["AW001"]
    assert out.diagnostics[0].location.row == 1
    assert "Could not parse" in out.diagnostics[0].message


def test_screening_skips_files_that_cannot_match_but_still_reports_parse_errors():
    assert screen([AW100], identifiers("def f():\n    time.sleep(1)\n"), Settings()) == []  # no async
    assert screen([AW100], identifiers("async def f():\n    nap(1)\n"), Settings()) == []  # no `time`
    assert screen([AW100], identifiers("import time\nasync def f(): ..."), Settings()) == [AW100]
    out = lint("def f(:\n")  # no rule can fire, the syntax error still shows
    assert [d.code for d in out.diagnostics] == ["AW001"]
    out = lint("x = 1\n")
    assert out.diagnostics == [] and not out.parsed


def test_per_file_ignores(tmp_path):
    s = Settings(per_file_ignores=(("tests/*", ("AW1",)),), project_root=str(tmp_path))
    assert s.enabled_codes(REG, str(tmp_path / "tests" / "test_x.py")).count("AW100") == 0
    assert "AW100" in s.enabled_codes(REG, str(tmp_path / "src" / "x.py"))


def test_diagnostics_are_plain_picklable_records_with_fix_edits():
    out = lint("import time\n\nasync def f():\n    time.sleep(1)\n")
    (d,) = out.diagnostics
    again = pickle.loads(pickle.dumps(d))
    assert again == d
    assert (d.location.row, d.location.column, d.end_location.column) == (4, 5, 18)
    contents = [e.content for e in d.fix.edits]
    assert contents == ["import asyncio\n", "await asyncio.sleep(1)"]


def test_a_failing_rule_is_contained():
    from awaitwise.registry import Rule

    class Boom(Rule):
        """
        ## What it does
        x
        ## Why is this bad?
        x
        ## Example
        x
        ## Use instead
        x
        ## Fix safety
        x
        """

        code = "AW999"
        name = "boom"
        summary = "always fails"

        def visit_Call(self, node):
            raise ValueError("kaboom")

    out = lint("import time\nasync def f():\n    time.sleep(1)\n", rules=(Boom, AW100))
    assert [d.code for d in out.diagnostics] == ["AW100"]
    assert out.internal_errors == [("AW999", "ValueError: kaboom")]


def test_form_feeds_do_not_shift_lines_for_noqa_and_imports():
    # Python treats \f as whitespace, not a line break (str.splitlines does not agree)
    src = (
        "import abc\nimport time\nx = 1\x0c\n\x0c\n"
        "async def f():\n    time.sleep(1)  # noqa: AW100\n    time.sleep(2)\n"
    )
    out = lint(src)
    assert not out.internal_errors
    assert [d.location.row for d in out.diagnostics] == [7]
    (edit_import,) = [e for e in out.diagnostics[0].fix.edits if "import asyncio" in e.content]
    assert edit_import.location.row == 2 and src[: edit_import.start] == "import abc\n"


def test_source_lines_splits_like_the_parser():
    from awaitwise.sourcefile import source_lines

    assert source_lines("a\x0cb\r\nc\rd\ne") == ["a\x0cb", "c", "d", "e"]
    assert "".join(source_lines("a\r\nb\n\x0c\n", keepends=True)) == "a\r\nb\n\x0c\n"
