"""The AW300 -> callers migration, end to end on a multi-module project: `fix --unsafe-fixes`
makes helpers that use `await` into `async def`, then the next rounds await them at their async
call sites in other modules. The result is snapshotted, compiles, and runs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from fixture_support import FIXTURES

PROJECT = FIXTURES / "migrations" / "to_async"


def _sources(root: Path):
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*.py"))}


def _as_tree(sources):
    """Nested dicts, the shape pytest-snapshot's assert_match_dir wants for sub-folders."""
    tree = {}
    for name, text in sources.items():
        *folders, leaf = Path(name).parts
        node = tree
        for folder in folders:
            node = node.setdefault(folder, {})
        node[leaf] = text
    return tree


def test_await_outside_async_migration_reaches_callers_in_other_modules(tmp_path, snapshot):
    work = tmp_path / "to_async"
    shutil.copytree(PROJECT, work)
    before = _sources(work)
    check = subprocess.run(
        [sys.executable, "-m", "awaitwise", "check", "--no-cache", "--output-format", "concise", "."],
        cwd=work,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 1 and check.stdout.count("AW300") == 2
    run = subprocess.run(
        [sys.executable, "-m", "awaitwise", "fix", "--unsafe-fixes", "--no-cache", "."],
        cwd=work,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    after = _sources(work)
    assert after != before
    snapshot.snapshot_dir = FIXTURES / "migrations" / "to_async.fixed"
    snapshot.assert_match_dir(_as_tree(after), "after")
    for name, text in after.items():
        compile(text, name, "exec")  # the migrated project compiles (await only in async defs)
    # and it runs: every coroutine is awaited where its value is used
    ran = subprocess.run(
        [sys.executable, "-c", "import asyncio; from pkg.service import main; print(asyncio.run(main()))"],
        cwd=work,
        capture_output=True,
        text=True,
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "['found Alice', 'missing']"
    again = subprocess.run(
        [sys.executable, "-m", "awaitwise", "fix", "--unsafe-fixes", "--no-cache", "."],
        cwd=work,
        capture_output=True,
        text=True,
    )
    assert again.returncode == 0 and _sources(work) == after  # idempotent
