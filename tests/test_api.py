"""The Python API: check_source / fix_source / check_paths return plain frozen dataclasses, use the
same engine, config, noqa and fix loop as the CLI, and never write files."""

from __future__ import annotations

import dataclasses
import textwrap

import pytest

import awaitwise
from awaitwise import api, fixes, registry
from awaitwise.config import Settings
from awaitwise.docs import builtin_registry

BLOCKING = textwrap.dedent("""\
    import time


    async def tick():
        time.sleep(1)
""")
FIXED = textwrap.dedent("""\
    import asyncio


    async def tick():
        await asyncio.sleep(1)
""")


class PrintToLog(registry.Rule):
    """
    ## What it does
    Flags `print()` in coroutines (a rule for these tests only).

    ## Why is this bad?
    It is a test.

    ## Example
    ```python
    async def f():
        print(1)
    ```

    ## Use instead
    ```python
    async def f():
        log(1)
    ```

    ## Fix safety
    Unsafe, so that the tests can see `unsafe=True` at work.
    """

    code = "TST100"
    name = "test-print"
    summary = "print in a coroutine"
    fix = "unsafe"
    tokens = frozenset({"print"})

    def visit_Call(self, node):
        if self.ctx.in_async and self.ctx.qualname(node.func) == "builtins.print":
            self.report(
                node, "print in a coroutine", fix=fixes.fix("unsafe", "Use log", fixes.replace(node.func, "log"))
            )


@pytest.fixture
def with_test_rule(monkeypatch):
    monkeypatch.setattr(registry, "_REGISTRY", registry.Registry(list(builtin_registry()) + [PrintToLog]))


def test_lazy_names_on_the_package():
    assert awaitwise.check_source is api.check_source
    assert awaitwise.fix_source is api.fix_source
    assert awaitwise.check_paths is api.check_paths
    with pytest.raises(AttributeError):
        awaitwise.no_such_name  # noqa: B018


def test_check_source_returns_plain_frozen_records():
    result = awaitwise.check_source(BLOCKING)
    assert dataclasses.is_dataclass(result) and not result.ok
    assert result.path == "<string>" and result.errors == ()
    (d,) = result.diagnostics
    assert (d.code, d.location.row, d.location.column, d.end_location.column) == ("AW100", 5, 5, 18)
    assert d.fix.applicability == "safe" and d.noqa_row == 5
    assert d.filename == "<string>"
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.path = "x"  # type: ignore[misc]
    # plain data: no CST nodes anywhere
    assert "libcst" not in repr(dataclasses.asdict(result))


def test_check_source_clean_noqa_and_parse_error():
    assert awaitwise.check_source("import asyncio\n\nasync def f():\n    await asyncio.sleep(1)\n").ok
    assert awaitwise.check_source(BLOCKING.replace("time.sleep(1)", "time.sleep(1)  # noqa: ASYNC251")).ok
    broken = awaitwise.check_source("def (:\n", path="broken.py")
    assert [d.code for d in broken.diagnostics] == ["AW001"] and broken.errors == ()


def test_flake8_async_cancellation_codes_silence_and_select_aw404():
    swallowed = (
        "import asyncio\n\nasync def f():\n    try:\n        await asyncio.sleep(1)\n"
        "    except BaseException:{}\n        return 1\n"
    )
    assert [d.code for d in awaitwise.check_source(swallowed.format("")).diagnostics] == ["AW404"]
    for code in ("ASYNC103", "ASYNC104"):
        assert awaitwise.check_source(swallowed.format(f"  # noqa: {code}")).ok
        assert not awaitwise.check_source(swallowed.format(""), settings={"select": [code]}).ok
    # the other flake8-async codes do not stand for AW404
    assert not awaitwise.check_source(swallowed.format("  # noqa: ASYNC102")).ok
    assert awaitwise.check_source(swallowed.format(""), settings={"select": ["ASYNC251"]}).ok


def test_settings_as_mapping_settings_or_config(tmp_path):
    assert awaitwise.check_source(BLOCKING, settings={"ignore": ["AW1"]}).ok
    assert awaitwise.check_source(BLOCKING, settings=Settings(select=("AW2",))).ok
    assert not awaitwise.check_source(BLOCKING, settings={"select": ["AW100"]}).ok
    with pytest.raises(api.ConfigError, match="unknown key `selec`"):
        awaitwise.check_source(BLOCKING, settings={"selec": ["AW100"]})
    with pytest.raises(api.ConfigError, match="AW999"):
        awaitwise.check_source(BLOCKING, settings={"ignore": ["AW999"]})
    with pytest.raises(TypeError):
        awaitwise.check_source(BLOCKING, settings=["AW100"])

    # settings=None with a path: the nearest pyproject.toml, per-file-ignores included
    (tmp_path / "pyproject.toml").write_text('[tool.awaitwise]\nper-file-ignores = { "tests/*" = ["AW100"] }\n')
    (tmp_path / "tests").mkdir()
    assert awaitwise.check_source(BLOCKING, path=str(tmp_path / "tests" / "test_x.py")).ok
    assert not awaitwise.check_source(BLOCKING, path=str(tmp_path / "app.py")).ok


def test_fix_source_fixes_without_writing(tmp_path):
    target = tmp_path / "tick.py"
    target.write_text(BLOCKING)
    result = awaitwise.fix_source(BLOCKING, path=str(target))
    assert result.source == FIXED and result.changed
    assert result.fixes_applied == {"AW100": 1} and result.diagnostics == () and result.errors == ()
    assert target.read_text() == BLOCKING  # nothing written
    again = awaitwise.fix_source(result.source, path=str(target))
    assert again.source == FIXED and not again.changed and again.fixes_applied == {}


def test_fix_source_unsafe_fixes_are_opt_in(with_test_rule):
    src = "import time\n\nasync def f():\n    print(1)\n    time.sleep(1)\n"
    safe = awaitwise.fix_source(src)
    assert safe.fixes_applied == {"AW100": 1}
    assert [d.code for d in safe.diagnostics] == ["TST100"]  # left: only an unsafe fix exists
    both = awaitwise.fix_source(src, unsafe=True)
    assert both.fixes_applied == {"AW100": 1, "TST100": 1} and both.diagnostics == ()
    assert "    log(1)\n" in both.source


def test_check_paths_discovers_like_the_cli(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text('[tool.awaitwise]\nexclude = ["generated"]\n')
    (tmp_path / ".gitignore").write_text("ignored.py\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "b.py").write_text(BLOCKING)
    (tmp_path / "pkg" / "a.py").write_text(BLOCKING + "\n\nasync def again():\n    time.sleep(2)\n")
    (tmp_path / "pkg" / "ignored.py").write_text(BLOCKING)
    (tmp_path / "generated").mkdir()
    (tmp_path / "generated" / "c.py").write_text(BLOCKING)
    (tmp_path / "pkg" / "clean.py").write_text("x = 1\n")
    monkeypatch.chdir(tmp_path)

    report = awaitwise.check_paths(tmp_path)
    assert sorted(report.files) == ["pkg/a.py", "pkg/b.py", "pkg/clean.py"]  # shown relative to the cwd
    assert [(d.filename, d.location.row) for d in report.diagnostics] == [
        ("pkg/a.py", 5),
        ("pkg/a.py", 9),
        ("pkg/b.py", 5),
    ]
    assert report.errors == () and not report.ok

    only = awaitwise.check_paths(["pkg/b.py"], settings={"select": ["AW2"]})
    assert only.ok and only.files == ("pkg/b.py",)

    missing = awaitwise.check_paths(["nope.py", "pkg/b.py"])
    assert any("nope.py" in e for e in missing.errors)
    assert [d.filename for d in missing.diagnostics] == ["pkg/b.py"]
