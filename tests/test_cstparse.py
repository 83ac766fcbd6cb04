"""The engine's parse skips libcst's per-node checks: the tree must be the same, errors must be
the same, and the checks must be back on afterwards."""
import glob
import os

import libcst as cst
import pytest

from awaitwise.cstparse import parse_module

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _sources():
    paths = sorted(glob.glob(os.path.join(ROOT, "fixtures", "**", "*.py"), recursive=True))
    assert len(paths) > 20
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            yield path, fh.read()


def test_same_tree_as_a_checked_parse():
    compared = 0
    for path, text in _sources():
        try:
            expected = cst.parse_module(text)
        except cst.ParserSyntaxError:
            with pytest.raises(cst.ParserSyntaxError):
                parse_module(text)
            continue
        got = parse_module(text)
        assert got.code == text, path
        assert got.deep_equals(expected), path
        compared += 1
    assert compared > 20


def test_syntax_errors_are_still_raised():
    with pytest.raises(cst.ParserSyntaxError):
        parse_module("def f(:\n    pass\n")


def test_checks_are_back_on_after_a_parse():
    parse_module("x = 1\n")
    with pytest.raises(cst.CSTValidationError):
        cst.Name("not a name")  # a node built by code, as rules build them for fixes


def test_checks_are_back_on_after_a_failed_parse():
    with pytest.raises(cst.ParserSyntaxError):
        parse_module("(\n")
    with pytest.raises(cst.CSTValidationError):
        cst.Name("1x")


def test_parse_after_the_command_line_made_libcst_lazy():
    # the command line installs a lazy libcst; naming a submodule before the package is loaded
    # would load `libcst._nodes` twice, and the rules would find its node modules missing
    import subprocess
    import sys

    code = ("from awaitwise.screening import lazy_libcst; lazy_libcst()\n"
            "from awaitwise.cstparse import parse_module\n"
            "m = parse_module('async def f():\\n    await g()\\n')\n"
            "import libcst\n"
            "assert isinstance(m.body[0], libcst.FunctionDef)\n"
            "assert libcst._nodes.expression.Await is libcst.Await\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
