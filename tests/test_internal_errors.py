"""A rule that raises is contained: the error names the rule and the file, the file's other rules
still report, the other files are checked, and the exit code is 2. Failing rules are injected by
registering test-only Rule subclasses next to the built-in ones."""

from __future__ import annotations

import libcst as cst
import pytest
from click.testing import CliRunner

from awaitwise import fixes, registry
from awaitwise.cli import main

DOC = """Test rule.

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


def _rule(code, name, **methods):
    attrs = dict(
        code=code, name=name, summary="test rule", needs_async=False, tokens=None, __doc__=DOC, __module__=__name__
    )
    attrs.update(methods)
    return type(f"Rule{code}", (registry.Rule,), attrs)


def _boom(self, node):
    if isinstance(node.func, cst.Name) and node.func.value == "explode":
        raise ValueError("rule bug")


def _fix_breaks_syntax(self, node):
    if isinstance(node.func, cst.Name) and node.func.value == "explode":
        self.report(node, "breaks the file", fix=fixes.fix("safe", "break it", fixes.replace(node, "explode(")))


def _bad_fix_content(self, node):
    if isinstance(node.func, cst.Name) and node.func.value == "explode":
        self.report(node, "fix cannot be built", fix=fixes.fix("safe", "bad", fixes.replace(node, object())))


def _foreign_node(self, node):
    if isinstance(node.func, cst.Name) and node.func.value == "explode":
        self.report(cst.Name("elsewhere"), "reports a node that is not in the file")


class _InitFails:
    def __init__(self, ctx):
        raise RuntimeError("constructor bug")


TEST_RULES = [
    _rule("TST900", "visit-raises", visit_Call=_boom),
    _rule("TST901", "leave-raises", leave_Call=_boom),
    _rule("TST902", "fix-breaks-syntax", visit_Call=_fix_breaks_syntax, fix="safe"),
    _rule("TST903", "fix-content-raises", visit_Call=_bad_fix_content, fix="safe"),
    _rule("TST904", "foreign-node", visit_Call=_foreign_node),
    type(
        "RuleTST905",
        (_InitFails, registry.Rule),
        dict(code="TST905", name="init-raises", summary="test rule", needs_async=False, tokens=None, __doc__=DOC),
    ),
]

BLOCKING = "import time\n\n\nasync def f():\n    time.sleep(1)\n    explode()\n"
FIXED = "import asyncio\n\n\nasync def f():\n    await asyncio.sleep(1)\n    explode()\n"
OTHER = "import time\n\n\nasync def g():\n    time.sleep(2)\n"


@pytest.fixture
def tree(tmp_path, monkeypatch):
    monkeypatch.setattr(registry, "_REGISTRY", registry.Registry(registry._builtin_rules() + TEST_RULES))
    (tmp_path / "a.py").write_text(BLOCKING)
    (tmp_path / "b.py").write_text(OTHER)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def cli(*args):
    try:
        runner = CliRunner(mix_stderr=False)  # click < 8.2
    except TypeError:
        runner = CliRunner()
    result = runner.invoke(main, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"the CLI raised {result.exception!r}") from result.exception
    assert "Traceback" not in result.stdout + result.stderr
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("awaitwise: error:")]
    return result.exit_code, result.stdout, errors


@pytest.mark.parametrize(
    "code,what",
    [
        ("TST900", "ValueError: rule bug"),
        ("TST901", "ValueError: rule bug"),
        ("TST904", "not in the module"),
        ("TST905", "constructor bug"),
    ],
)
def test_failing_rule_is_contained(tree, code, what):
    exit_code, out, errors = cli("check", "--no-cache", "--jobs", "1", "--select", f"AW100,{code}", ".")
    assert exit_code == 2
    assert "a.py:5:5: AW100" in out  # the same file's other rule still reports
    assert "b.py:5:5: AW100" in out  # and the other files are checked
    failing = ["a.py", "b.py"] if code == "TST905" else ["a.py"]  # a constructor fails everywhere
    assert len(errors) == len(failing)
    for line, name in zip(sorted(errors), failing):
        assert line.startswith(f"awaitwise: error: {name}: ") and code in line and what in line


def test_failing_rule_in_fix_mode_still_fixes_the_rest(tree):
    exit_code, _, errors = cli("fix", "--no-cache", "--jobs", "1", "--select", "AW100,TST900", ".")
    assert exit_code == 2
    (line,) = errors
    assert line.startswith("awaitwise: error: a.py: ") and "TST900" in line
    assert (tree / "a.py").read_text() == FIXED
    assert "await asyncio.sleep(2)" in (tree / "b.py").read_text()


def test_fix_that_would_break_the_file_is_dropped(tree):
    exit_code, out, errors = cli("fix", "--no-cache", "--jobs", "1", "--select", "AW100,TST902", ".")
    assert exit_code == 2
    (line,) = errors
    # (the position is in the text being fixed: line 7 once AW100's import went in)
    assert line.startswith("awaitwise: error: a.py: TST902 fix at 7:5 was not applied")
    assert (tree / "a.py").read_text() == FIXED  # the good fix went in, the broken one did not
    assert "a.py:6:5: TST902" in out  # still reported, on its line: `import asyncio` took the place of `import time`


def test_fix_that_cannot_be_built_keeps_the_diagnostic(tree):
    exit_code, out, errors = cli("check", "--no-cache", "--jobs", "1", "--select", "AW100,TST903", ".")
    assert exit_code == 2
    assert "a.py:6:5: TST903 fix cannot be built" in out and "a.py:5:5: AW100" in out
    (line,) = errors
    assert line.startswith("awaitwise: error: a.py: ") and "TST903" in line


def test_failing_rule_in_worker_processes(tree):
    """Enough files for the process pool: a rule failing in a worker is contained the same way."""
    for i in range(30):
        (tree / f"m{i:02d}.py").write_text(BLOCKING if i % 10 == 0 else OTHER)
    exit_code, out, errors = cli("check", "--no-cache", "--jobs", "2", "--select", "AW100,TST900", ".")
    assert exit_code == 2
    assert sorted(e.split(": ")[2] for e in errors) == ["a.py", "m00.py", "m10.py", "m20.py"]
    assert all("TST900" in e for e in errors)
    assert sum(1 for ln in out.splitlines() if ": AW100 " in ln) == 32


def test_engine_reports_rule_code_in_process():
    """The engine API: the internal error carries the rule code; the other rule's finding stays."""
    from awaitwise.config import Settings
    from awaitwise.engine import lint_source

    reg = registry.Registry(registry._builtin_rules() + TEST_RULES)
    out = lint_source(BLOCKING, "a.py", Settings(), [reg.get("AW100"), reg.get("TST900")])
    assert [d.code for d in out.diagnostics] == ["AW100"]
    assert [c for c, _ in out.internal_errors] == ["TST900"]
