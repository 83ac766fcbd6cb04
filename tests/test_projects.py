"""The multi-module fixture projects under fixtures/projects/, each checked as one tree through
the CLI: the diagnostics must be exactly the `# error:` markers of all its files, whatever the
entry point (whole tree, one file, --stdin-filename), and screening must not lose any of them."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from awaitwise.cli import main
from fixture_support import FIXTURES, expectations

PROJECTS = sorted(p for p in (FIXTURES / "projects").iterdir() if (p / "pyproject.toml").is_file())


def _expected(root: Path):
    errors, oks = set(), set()
    for path in sorted(root.rglob("*.py")):
        e, o = expectations(path.read_text(encoding="utf-8"))
        errors |= {(str(path.resolve()), line, code) for line, code in e}
        oks |= {(str(path.resolve()), line) for line in o}
    return errors, oks


def _check(args, cwd: Path, stdin=None, fixable=None):
    runner = CliRunner()
    old = os.getcwd()
    os.chdir(cwd)
    try:
        result = runner.invoke(main, ["check", "--output-format", "json", "--no-cache"] + args, input=stdin)
    finally:
        os.chdir(old)
    assert result.exit_code in (0, 1), result.output
    data = json.loads(result.stdout)
    if fixable is not None:
        data = [d for d in data if (d["fix"] is not None) == fixable]
    return {(str((cwd / d["filename"]).resolve()), d["location"]["row"], d["code"]) for d in data}


@pytest.mark.parametrize("root", PROJECTS, ids=[p.name for p in PROJECTS])
def test_project_reports_exactly_the_marked_lines(root):
    expected, oks = _expected(root)
    assert expected, "a fixture project without any must-report line"
    got = _check(["."], root)
    assert sorted(got - expected) == [], "reported but not marked (false positives)"
    assert sorted(expected - got) == [], "marked but not reported (false negatives)"
    assert not {(f, line) for f, line, _ in got} & oks


@pytest.mark.parametrize("root", PROJECTS, ids=[p.name for p in PROJECTS])
def test_one_file_of_a_project_still_sees_the_whole_project(root):
    expected, _ = _expected(root)
    for path in sorted(root.rglob("*.py")):
        mine = {e for e in expected if e[0] == str(path.resolve())}
        if not mine:
            continue
        rel = str(path.relative_to(root))
        assert _check([rel], root) == mine, rel
        text = path.read_text(encoding="utf-8")
        assert _check(["--stdin-filename", rel, "-"], root, stdin=text) == mine, f"{rel} via stdin"


@pytest.mark.parametrize("root", PROJECTS, ids=[p.name for p in PROJECTS])
def test_screening_with_the_project_index_is_sound(root):
    """Every file, linted with and without screening against the project index, gives the same."""
    from awaitwise import engine
    from awaitwise.config import resolve_settings
    from awaitwise.modules import module_name_for
    from awaitwise.project import build_index
    from awaitwise.registry import get_registry

    registry = get_registry()
    settings = resolve_settings([str(root)], None, {}, registry)
    rules = [registry.get(c) for c in settings.enabled_codes(registry)]
    files = sorted(str(p) for p in root.rglob("*.py"))
    project = build_index(files, settings)
    assert project is not None
    for path in files:
        text = Path(path).read_text(encoding="utf-8")
        name, is_pkg = module_name_for(path)
        screened = engine.lint_source(text, path, settings, rules, module_name=name, is_package=is_pkg, project=project)
        original = engine.screen
        engine.screen = lambda rule_classes, *a, **k: list(rule_classes)
        try:
            full = engine.lint_source(text, path, settings, rules, module_name=name, is_package=is_pkg, project=project)
        finally:
            engine.screen = original
        assert screened.diagnostics == full.diagnostics, path
        kept = engine.screen(rules, engine.identifiers(text), settings, project)
        codes = {d.code for d in full.diagnostics}
        assert codes <= {r.code for r in kept}, path


def test_fixing_a_project_awaits_across_modules(tmp_path):
    root = tmp_path / "shop"
    shutil.copytree(FIXTURES / "projects" / "shop", root)
    unfixable = _check(["."], root, fixable=False)
    assert unfixable and _check(["."], root, fixable=True)
    runner = CliRunner()
    old = os.getcwd()
    os.chdir(root)
    try:
        result = runner.invoke(main, ["fix", ".", "--no-cache"])
    finally:
        os.chdir(old)
    assert result.exit_code in (0, 1), result.output
    service = (root / "src" / "shop" / "service.py").read_text(encoding="utf-8")
    assert "    await db.fetch_user(1)  # error: AW200" in service
    assert "    await store(order)  # error: AW200" in service
    assert "    fetch_user_sync_helper(1)  # ok" in service
    models = (root / "src" / "shop" / "models.py").read_text(encoding="utf-8")
    assert "        await super().refresh()  # error: AW200" in models
    assert "        self.refresh()  # ok: dict comes first" in models
    # what remains is what had no fix: sync callers, lost coroutines, dangling tasks, calls
    # that need arguments (adding `await` moves no line)
    assert _check(["."], root) == unfixable
