"""The hooks in .pre-commit-hooks.yaml, run by the real `pre-commit` against a temporary git repo.

A snapshot of this project (its installable files and the hooks file) is committed to a throwaway
hook repository; a second repository uses it from its .pre-commit-config.yaml, exactly as a user's
project would. pre-commit builds the hook's virtualenv and pip-installs awaitwise into it, so the
first run takes a while: the environment is built once per module.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("pre_commit", reason="pre-commit is in the `test` extra")

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent

BAD = textwrap.dedent('''\
    import time


    async def tick():
        time.sleep(1)
''')

CLEAN = textwrap.dedent('''\
    import asyncio


    async def tick():
        await asyncio.sleep(1)
''')

# Only what is needed to install the package and read the hooks.
_PROJECT_FILES = ["pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "src/awaitwise"]


def _git(*args, cwd):
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.invalid",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.invalid")
    proc = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory):
    repo = tmp_path_factory.mktemp("hook-repo")
    for name in _PROJECT_FILES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, repo / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
        else:
            shutil.copy2(src, repo / name)
    _git("init", "-q", cwd=repo)
    _git("add", "-A", cwd=repo)
    _git("commit", "-q", "-m", "snapshot", cwd=repo)
    return repo, _git("rev-parse", "HEAD", cwd=repo)


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory):
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def project(tmp_path, hook_repo):
    repo_path, rev = hook_repo
    (tmp_path / ".pre-commit-config.yaml").write_text(textwrap.dedent(f'''\
        repos:
          - repo: {repo_path.as_posix()}
            rev: {rev}
            hooks:
              - id: awaitwise
              - id: awaitwise-fix
    '''))
    (tmp_path / "bad.py").write_text(BAD)
    (tmp_path / "clean.py").write_text(CLEAN)
    (tmp_path / "notes.txt").write_text("time.sleep(1) in a text file is not Python\n")
    _git("init", "-q", cwd=tmp_path)
    _git("add", "-A", cwd=tmp_path)
    return tmp_path


def pre_commit(project, home, *args):
    env = dict(os.environ, PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never")
    env.pop("PYTHONPATH", None)
    return subprocess.run([sys.executable, "-m", "pre_commit", "run", *args], cwd=project, env=env,
                          capture_output=True, text=True, timeout=600)


def test_check_hook_fails_on_a_bad_file_and_passes_on_a_clean_one(project, pre_commit_home):
    bad = pre_commit(project, pre_commit_home, "awaitwise", "--files", "bad.py", "notes.txt")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "bad.py:5:5: AW100" in bad.stdout
    assert (project / "bad.py").read_text() == BAD  # the check hook never writes

    clean = pre_commit(project, pre_commit_home, "awaitwise", "--files", "clean.py", "notes.txt")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Passed" in clean.stdout


def test_fix_hook_rewrites_the_file_and_fails_once(project, pre_commit_home):
    first = pre_commit(project, pre_commit_home, "awaitwise-fix", "--files", "bad.py", "clean.py")
    assert first.returncode == 1, first.stdout + first.stderr
    assert "files were modified by this hook" in first.stdout
    fixed = (project / "bad.py").read_text()
    assert "await asyncio.sleep(1)" in fixed and "import asyncio" in fixed
    assert (project / "clean.py").read_text() == CLEAN

    second = pre_commit(project, pre_commit_home, "awaitwise-fix", "--files", "bad.py", "clean.py")
    assert second.returncode == 0, second.stdout + second.stderr
    assert (project / "bad.py").read_text() == fixed
