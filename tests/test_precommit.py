"""The hooks in .pre-commit-hooks.yaml, run by the real `pre-commit` against a temporary git repo.

A snapshot of this project (its installable files and the hooks file) is committed to a throwaway
hook repository; a second repository uses it from its .pre-commit-config.yaml, exactly as a user's
project would. pre-commit builds the hook's virtualenv and pip-installs awaitwise into it, so the
first run takes a while: the environment is built once per module.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("pre_commit", reason="pre-commit is in the `test` extra")

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent

BAD = textwrap.dedent("""\
    import time


    async def tick():
        time.sleep(1)
""")

CLEAN = textwrap.dedent("""\
    import asyncio


    async def tick():
        await asyncio.sleep(1)
""")

# Only what is needed to install the package and read the hooks.
_PROJECT_FILES = ["pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "src/awaitwise"]


def _git(*args, cwd):
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@example.invalid",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.invalid",
    )
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
    _git("branch", "-M", "main", cwd=repo)  # the default branch, as the README's `rev: main` names it
    return repo, _git("rev-parse", "HEAD", cwd=repo)


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory):
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def project(tmp_path, hook_repo):
    repo_path, rev = hook_repo
    (tmp_path / ".pre-commit-config.yaml").write_text(
        textwrap.dedent(f"""\
        repos:
          - repo: {repo_path.as_posix()}
            rev: {rev}
            hooks:
              - id: awaitwise
              - id: awaitwise-fix
    """)
    )
    (tmp_path / "bad.py").write_text(BAD)
    (tmp_path / "clean.py").write_text(CLEAN)
    (tmp_path / "notes.txt").write_text("time.sleep(1) in a text file is not Python\n")
    _git("init", "-q", cwd=tmp_path)
    _git("add", "-A", cwd=tmp_path)
    return tmp_path


def pre_commit(project, home, *args):
    env = dict(os.environ, PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never")
    env.pop("PYTHONPATH", None)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


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


# ---------------------------------------------------------------------------------------------
# the README's snippet, exactly (only the repository URL points at the local copy: no network)
# ---------------------------------------------------------------------------------------------

README = (ROOT / "README.md").read_text(encoding="utf-8")


def readme_snippet() -> str:
    section = README.split("\n### pre-commit\n", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```yaml\n(.*?)```", section, re.S)
    return block


def _local(snippet: str, repo_path: Path) -> str:
    source = re.search(r'^Source = "([^"]+)"$', (ROOT / "pyproject.toml").read_text(), re.M).group(1)
    assert f"repo: {source}\n" in snippet  # the snippet names this project's repository
    return snippet.replace(f"repo: {source}\n", f"repo: {repo_path.as_posix()}\n")


def test_readme_snippet_runs_and_autoupdate_pins_it(tmp_path, hook_repo, pre_commit_home):
    repo_path, head = hook_repo
    config = _local(readme_snippet(), repo_path)
    (tmp_path / ".pre-commit-config.yaml").write_text(config)
    (tmp_path / "bad.py").write_text(BAD)
    _git("init", "-q", cwd=tmp_path)
    _git("add", "-A", cwd=tmp_path)

    first = pre_commit(tmp_path, pre_commit_home, "--files", "bad.py")
    assert first.returncode == 1, first.stdout + first.stderr
    assert "files were modified by this hook" in first.stdout
    assert "await asyncio.sleep(1)" in (tmp_path / "bad.py").read_text()

    # the snippet's comment: `pre-commit autoupdate` pins the rev (to the commit: no tag yet)
    env = dict(os.environ, PRE_COMMIT_HOME=str(pre_commit_home), PRE_COMMIT_COLOR="never")
    env.pop("PYTHONPATH", None)
    pinned = subprocess.run(
        [sys.executable, "-m", "pre_commit", "autoupdate"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert pinned.returncode == 0, pinned.stdout + pinned.stderr
    assert f"rev: {head}" in (tmp_path / ".pre-commit-config.yaml").read_text()
    again = pre_commit(tmp_path, pre_commit_home, "--files", "bad.py")
    assert again.returncode == 0, again.stdout + again.stderr


def test_readme_snippets_commented_alternative_runs(tmp_path, hook_repo, pre_commit_home):
    """The snippet's `# - id: awaitwise` lines, uncommented, are a working hook with its args."""
    repo_path, _ = hook_repo
    snippet = readme_snippet()
    commented = [line for line in snippet.splitlines() if re.match(r"^\s+#\s+(- id: awaitwise\b|args:)", line)]
    assert len(commented) == 2, snippet
    config = snippet
    for line in commented:
        config = config.replace(line, re.sub(r"#\s?(\s*)", r"\1", line, count=1).split("  #")[0].rstrip())
    config = config.replace("      - id: awaitwise-fix\n", "")
    config = _local(config, repo_path)
    (tmp_path / ".pre-commit-config.yaml").write_text(config)
    (tmp_path / "tasks.py").write_text(TASKS)
    _git("init", "-q", cwd=tmp_path)
    _git("add", "-A", cwd=tmp_path)
    result = pre_commit(tmp_path, pre_commit_home, "--files", "tasks.py")
    assert result.returncode == 1, config + result.stdout + result.stderr
    assert "tasks.py:4:22: AW403" in result.stdout  # off by default: the args reached the hook
    assert (tmp_path / "tasks.py").read_text() == TASKS


TASKS = textwrap.dedent("""\
    async def load(client, directory):
        users = []
        for user_id in await directory.list_user_ids():
            users.append(await client.get_user(user_id))
        return users
""")
