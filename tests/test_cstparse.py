"""The command's parse skips libcst's per-node checks: the tree must be the same, errors must be
the same, and the checks must be back on afterwards. Only the process's owner turns that on: a
program using awaitwise.api gets the ordinary, checked parse."""

import glob
import os

import libcst as cst
import pytest

from awaitwise import cstparse
from awaitwise.cstparse import parse_module

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(autouse=True)
def unchecked(request, monkeypatch):
    """The tests below are about the unchecked parse, as the command runs it (unless marked)."""
    if "checked" not in request.keywords:
        monkeypatch.setattr(cstparse, "_UNCHECKED", True)


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

    code = (
        "from awaitwise.screening import lazy_libcst; lazy_libcst()\n"
        "from awaitwise.cstparse import parse_module, unchecked_parsing; unchecked_parsing()\n"
        "m = parse_module('async def f():\\n    await g()\\n')\n"
        "import libcst\n"
        "assert isinstance(m.body[0], libcst.FunctionDef)\n"
        "assert libcst._nodes.expression.Await is libcst.Await\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def _validations(monkeypatch):
    from libcst._nodes.base import CSTNode

    calls = []
    real = CSTNode._validate
    monkeypatch.setattr(CSTNode, "_validate", lambda self: calls.append(1) or real(self))
    return calls


@pytest.mark.checked
def test_a_library_user_gets_the_checked_parse(monkeypatch):
    import awaitwise

    calls = _validations(monkeypatch)
    result = awaitwise.check_source("import time\nasync def f():\n    time.sleep(1)\n")
    assert [d.code for d in result.diagnostics] == ["AW100"]
    assert calls  # every node was checked: nothing switched CSTNode.__post_init__ off


def test_the_unchecked_parse_skips_the_checks(monkeypatch):
    calls = _validations(monkeypatch)
    parse_module("import time\nasync def f():\n    time.sleep(1)\n")
    assert not calls
    cst.parse_module("x = 1\n")
    assert calls  # and libcst's own parse, after it, checks again


def test_the_command_turns_the_unchecked_parse_on_for_itself_only():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import awaitwise.api, awaitwise.cstparse as c\n"
        "assert not c._UNCHECKED\n"
        "from awaitwise.cli import main\n"
        "try:\n"
        "    main(['rule', 'AW100'], standalone_mode=False)\n"
        "finally:\n"
        "    sys.stderr.write('unchecked=%s' % c._UNCHECKED)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stderr.endswith("unchecked=True")


def _run_command(prelude: str, env=None):
    import subprocess
    import sys

    code = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('exit handlers ran'))\n"
        + prelude
        + "sys.argv = ['awaitwise', 'rule', 'AW100']\n"
        "from awaitwise.cli import run\n"
        "run()\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, **(env or {})}
    )


def test_the_command_ends_without_teardown_by_default():
    done = _run_command("")
    assert done.returncode == 0, done.stderr
    assert "AW100" in done.stdout and "exit handlers ran" not in done.stdout


@pytest.mark.parametrize(
    "prelude, env",
    [
        ("sys.setprofile(lambda *a: None)\n", None),  # cProfile, a sampling profiler's hook
        ("sys.settrace(lambda *a: None)\n", None),  # coverage, a debugger
        ("", {"AWAITWISE_NORMAL_EXIT": "1"}),
    ],
)
def test_under_a_profiler_or_tracer_the_command_ends_normally(prelude, env):
    done = _run_command(prelude, env)
    assert done.returncode == 0, done.stderr
    assert "exit handlers ran" in done.stdout
