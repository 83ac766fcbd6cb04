"""Warm start: a re-run over an unchanged project answers the index fingerprints from the stored
project state and never builds the index; any change that could move a result builds it again,
and every run reports exactly what a run without the cache reports."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from awaitwise import project as project_mod
from awaitwise import runner, warm
from awaitwise.cli import main
from awaitwise.config import resolve_settings
from awaitwise.discovery import discover
from awaitwise.registry import get_registry

HELPERS_PURE = "def load(path):\n    return path.upper()\n\n\ndef other():\n    return 1\n"
HELPERS_BLOCKING = "import time\n\n\ndef load(path):\n    time.sleep(1)\n\n\ndef other():\n    return 1\n"
API = "from .helpers import load\n\n\nasync def handler(path):\n    return load(path)\n"
DIRECT = "import time\n\n\nasync def tick():\n    time.sleep(1)\n"


def _age(root: Path) -> None:
    """Every file as if written a while ago: the cache trusts settled stats only."""
    past = time.time() - 1000
    for p in root.rglob("*"):
        if p.is_file() and ".awaitwise_cache" not in p.parts:
            os.utime(p, (past, past))


@pytest.fixture
def proj(tmp_path):
    root = tmp_path / "proj"
    (root / "app").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[tool.awaitwise]\n", encoding="utf-8")
    (root / "app" / "__init__.py").write_text("", encoding="utf-8")
    (root / "app" / "helpers.py").write_text(HELPERS_PURE, encoding="utf-8")
    (root / "app" / "api.py").write_text(API, encoding="utf-8")
    (root / "app" / "direct.py").write_text(DIRECT, encoding="utf-8")
    _age(root)
    return root


@pytest.fixture
def builds(monkeypatch):
    """The build_index calls of the runs (Session looks it up on the module at each run)."""
    calls = []
    original = project_mod.build_index

    def spy(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(project_mod, "build_index", spy)
    return calls


def _run(root: Path, *args: str, command: str = "check"):
    old = os.getcwd()
    os.chdir(root)
    try:
        result = CliRunner().invoke(main, [command, *args])
    finally:
        os.chdir(old)
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def _states(root: Path):
    return sorted((root / ".awaitwise_cache").glob("state-*.bin"))


def test_unchanged_rerun_does_not_build_the_index(proj, builds):
    first = _run(proj, ".")
    assert "AW100" in first and "AW110" not in first
    assert len(builds) == 1 and len(_states(proj)) == 1
    builds.clear()
    assert _run(proj, ".") == first
    assert builds == []
    assert _run(proj, ".") == first == _run(proj, "--no-cache", ".")


def test_touched_file_keeps_the_state_and_its_new_stat_is_recorded(proj, builds, monkeypatch):
    first = _run(proj, ".")
    hashed = []
    original = warm._text_hash
    monkeypatch.setattr(warm, "_text_hash", lambda p: hashed.append(Path(p).name) or original(p))
    later = time.time() - 500
    os.utime(proj / "app" / "helpers.py", (later, later))  # same content, new mtime
    builds.clear()
    assert _run(proj, ".") == first
    assert builds == [] and hashed == ["helpers.py"]
    hashed.clear()
    assert _run(proj, ".") == first
    assert builds == [] and hashed == []  # the new stat was stored


def test_helper_body_edit_builds_and_reports_the_new_chain(proj, builds):
    first = _run(proj, ".")
    (proj / "app" / "helpers.py").write_text(HELPERS_BLOCKING, encoding="utf-8")
    _age(proj)
    builds.clear()
    second = _run(proj, ".")
    assert len(builds) == 1
    assert second != first and "app/api.py:5:12: AW110" in second.replace(os.sep, "/")
    assert second == _run(proj, "--no-cache", ".")
    builds.clear()
    assert _run(proj, ".") == second and builds == []


def test_adding_or_deleting_a_file_builds(proj, builds):
    _run(proj, ".")
    (proj / "app" / "extra.py").write_text("from .helpers import other\n", encoding="utf-8")
    _age(proj)
    builds.clear()
    added = _run(proj, ".")
    assert len(builds) == 1 and added == _run(proj, "--no-cache", ".")
    (proj / "app" / "helpers.py").unlink()
    builds.clear()
    removed = _run(proj, ".")
    assert len(builds) == 1 and removed == _run(proj, "--no-cache", ".")


def test_a_new_package_marker_builds(proj, builds):
    """Module names come from `__init__.py` files: one appearing above the project changes them."""
    _run(proj, ".")
    (proj / "__init__.py").write_text("", encoding="utf-8")
    (proj.parent / "__init__.py").write_text("", encoding="utf-8")  # proj/ itself becomes a package
    builds.clear()
    out = _run(proj, ".")
    assert len(builds) == 1 and out == _run(proj, "--no-cache", ".")


def test_no_cache_never_reads_or_writes_the_state(proj, builds, monkeypatch):
    _run(proj, "--no-cache", ".")
    assert not (proj / ".awaitwise_cache").exists() and len(builds) == 1
    first = _run(proj, ".")
    assert len(_states(proj)) == 1

    def refuse(*args, **kwargs):
        raise AssertionError("--no-cache touched the project state")

    monkeypatch.setattr(warm.WarmStart, "__init__", refuse)
    before = [p.read_bytes() for p in _states(proj)]
    builds.clear()
    assert _run(proj, "--no-cache", ".") == first
    assert len(builds) == 1 and [p.read_bytes() for p in _states(proj)] == before


def test_a_corrupt_state_is_discarded(proj, builds):
    first = _run(proj, ".")
    (state,) = _states(proj)
    data = bytearray(state.read_bytes())
    data[-2] ^= 0xFF
    state.write_bytes(bytes(data))
    builds.clear()
    assert _run(proj, ".") == first
    assert len(builds) == 1
    builds.clear()
    assert _run(proj, ".") == first and builds == []  # a good state was written again


def test_a_cache_miss_builds_the_index_once_before_the_work(proj, builds, monkeypatch):
    first = _run(proj, ".")
    for results in (proj / ".awaitwise_cache").glob("results-*.bin"):
        results.unlink()
    seen = []
    original = runner._Job.__init__

    def spy(self, settings, registry, project, *rest):
        seen.append(type(project).__name__)
        original(self, settings, registry, project, *rest)

    monkeypatch.setattr(runner._Job, "__init__", spy)
    # the stored answer of the last check would answer this one without looking at the results
    monkeypatch.setattr(warm.WarmStart, "answer", lambda self, files: None)
    builds.clear()
    assert _run(proj, ".") == first
    assert len(builds) == 1 and seen == ["ProjectIndex"]


def test_fix_after_a_check_fixes_what_an_uncached_fix_fixes(proj, tmp_path):
    import shutil

    twin = tmp_path / "twin"
    shutil.copytree(proj, twin)
    _run(proj, ".")
    fixed = _run(proj, ".", command="fix")
    assert fixed == _run(twin, "--no-cache", ".", command="fix")
    for name in ("direct.py", "api.py", "helpers.py"):
        assert (proj / "app" / name).read_text() == (twin / "app" / name).read_text()
    assert "asyncio.sleep" in (proj / "app" / "direct.py").read_text()
    assert _run(proj, ".") == _run(twin, "--no-cache", ".")


def test_listed_files_match_project_files_when_the_root_was_walked(proj, monkeypatch):
    (proj / ".gitignore").write_text("generated/\n", encoding="utf-8")
    for folder in ("generated", "build", "app/sub"):
        (proj / folder).mkdir()
        (proj / folder / "m.py").write_text("x = 1\n", encoding="utf-8")
    (proj / "app" / "sub" / "__init__.py").write_text("", encoding="utf-8")
    (proj / "script.py").write_text("x = 1\n", encoding="utf-8")
    old = os.getcwd()
    os.chdir(proj)
    try:
        settings = resolve_settings(["."], None, {"extend_exclude": ("build",)}, get_registry())
        files, _ = discover(["."], settings)
        listed = warm.listed_files(files, settings, ["."])
        assert listed == project_mod.project_files(files, settings)
        assert not any("generated" in p or "build" in p for p in listed)
        sub = [str(proj / "app")]
        sub_files, _ = discover(sub, settings)  # not the root: the index covers more than was walked
        assert warm.listed_files(sub_files, settings, sub) == project_mod.project_files(sub_files, settings)
    finally:
        os.chdir(old)


def test_listed_files_reuse_the_walk_of_a_folder_of_packages_without_a_marker(tmp_path):
    # like a checkout of several packages side by side with no pyproject.toml or .git above them
    top = tmp_path / "pkgs"
    for pkg in ("alpha", "beta"):
        (top / pkg / "sub").mkdir(parents=True)
        (top / pkg / "__init__.py").write_text("", encoding="utf-8")
        (top / pkg / "sub" / "__init__.py").write_text("", encoding="utf-8")
        (top / pkg / "sub" / "m.py").write_text("x = 1\n", encoding="utf-8")
        (top / pkg / ".hidden").mkdir()
        (top / pkg / ".hidden" / "h.py").write_text("x = 1\n", encoding="utf-8")
    (top / "alpha" / ".gitignore").write_text("gen_*.py\n", encoding="utf-8")
    (top / "alpha" / "gen_code.py").write_text("x = 1\n", encoding="utf-8")
    (top / "loose.py").write_text("x = 1\n", encoding="utf-8")
    settings = resolve_settings([str(top)], None, {}, get_registry())
    assert not any((top / m).exists() for m in project_mod._PROJECT_MARKERS)
    files, _ = discover([str(top)], settings)
    expected = project_mod.project_files(files, settings)
    assert [os.path.relpath(p, top) for p in expected] == [
        "alpha/__init__.py",
        "alpha/sub/__init__.py",
        "alpha/sub/m.py",
        "beta/__init__.py",
        "beta/sub/__init__.py",
        "beta/sub/m.py",
        "loose.py",
    ]
    calls = []
    real_project_files = project_mod.project_files

    def counting(*args, **kwargs):
        calls.append(args)
        return real_project_files(*args, **kwargs)

    project_mod.project_files = counting
    try:
        assert warm.listed_files(files, settings, [str(top)]) == expected
        assert calls == []  # the walk was reused
        inner = [str(top / "alpha" / "sub")]
        inner_files, _ = discover(inner, settings)
        # a folder inside a package: the index covers the whole package, which was not walked
        assert warm.listed_files(inner_files, settings, inner) == real_project_files(inner_files, settings)
        assert len(calls) == 1
    finally:
        project_mod.project_files = real_project_files


def test_a_run_over_a_few_files_and_one_over_the_tree_keep_a_state_each(tmp_path, builds):
    """Checkouts side by side without a marker (`alpha/alpha/`, `beta/beta/`): a run over two
    files indexes their checkout, a run over the tree every checkout. Alternating them (a
    pre-commit hook, then a full check) builds neither index again once each has run, and each
    reports what an uncached run reports."""
    top = tmp_path / "checkouts"
    for pkg in ("alpha", "beta"):
        (top / pkg / pkg).mkdir(parents=True)
        (top / pkg / pkg / "__init__.py").write_text("", encoding="utf-8")
        (top / pkg / pkg / "helpers.py").write_text(HELPERS_BLOCKING, encoding="utf-8")
        (top / pkg / pkg / "api.py").write_text(API, encoding="utf-8")
    _age(top)
    few = ["alpha/alpha/api.py", "alpha/alpha/helpers.py"]
    whole, some = _run(top, "."), _run(top, *few)
    assert "AW110" in whole and "beta" in whole and "AW110" in some and "beta" not in some
    assert len(builds) == 2 and len(_states(top)) == 2
    builds.clear()
    for _ in range(2):
        assert _run(top, *few) == some
        assert _run(top, ".") == whole
    assert builds == []
    assert _run(top, "--no-cache", ".") == whole and _run(top, "--no-cache", *few) == some


# --- the stored answer of the last check ------------------------------------------------------


@pytest.fixture
def runs(monkeypatch):
    """The runner.run calls of the checks (a check answered from the state makes none)."""
    from awaitwise import session

    calls = []
    original = session.run

    def spy(files, *args, **kwargs):
        calls.append(list(files))
        return original(files, *args, **kwargs)

    monkeypatch.setattr(session, "run", spy)
    return calls


def test_the_same_check_again_is_answered_without_looking_at_a_file(proj, builds, runs):
    first = _run(proj, ".")  # builds the index, and stores the state with its answer
    runs.clear()
    builds.clear()
    assert _run(proj, ".") == first
    assert runs == [] and builds == []
    assert _run(proj, ".") == first and runs == []
    assert _run(proj, "--output-format", "json", ".") == _run(proj, "--no-cache", "--output-format", "json", ".")


def test_the_answer_holds_only_for_the_same_files_from_the_same_folder(proj, runs):
    _run(proj, ".")
    _run(proj, ".")
    runs.clear()
    other = _run(proj, "app")  # other spelling, other shown paths
    assert len(runs) == 1 and other == _run(proj, "--no-cache", "app")
    runs.clear()
    inside = _run(proj / "app", ".")  # same files from another folder
    assert len(runs) == 1 and inside == _run(proj / "app", "--no-cache", ".")
    assert "direct.py:5:5: AW100" in inside
    runs.clear()
    one = _run(proj, "app/direct.py")
    assert len(runs) == 1 and one == _run(proj, "--no-cache", "app/direct.py")


def test_an_edit_or_a_touch_and_the_answer(proj, runs):
    first = _run(proj, ".")
    _run(proj, ".")
    later = time.time() - 500
    os.utime(proj / "app" / "direct.py", (later, later))  # same text: the answer still holds
    runs.clear()
    assert _run(proj, ".") == first and runs == []
    (proj / "app" / "direct.py").write_text(DIRECT.replace("time.sleep(1)", "pass"), encoding="utf-8")
    _age(proj)
    runs.clear()
    edited = _run(proj, ".")
    assert len(runs) == 1 and "AW100" not in edited and edited == _run(proj, "--no-cache", ".")


def test_a_run_with_a_problem_stores_no_answer(proj, runs):
    (proj / "app" / "latin.py").write_bytes(b"x = '\xff'\n")  # not UTF-8, no coding cookie
    _age(proj)
    old = os.getcwd()
    os.chdir(proj)
    try:
        results = [CliRunner().invoke(main, ["check", "."]) for _ in range(3)]
    finally:
        os.chdir(old)
    assert [r.exit_code for r in results] == [2, 2, 2]
    assert all("latin.py" in r.stderr for r in results)
    assert len(runs) == 3


def test_a_malformed_answer_is_not_trusted(proj, runs):
    from awaitwise.cache import Bundle

    first = _run(proj, ".")
    _run(proj, ".")
    (state_file,) = _states(proj)
    bundle = Bundle(str(state_file))
    state = bundle.get("state")
    assert state["answer"]["shown"].count("\0") == 3  # four files
    bundle.put("state", dict(state, answer=dict(state["answer"], shown="only-one-name")))
    bundle.save()
    runs.clear()
    assert _run(proj, ".") == first and len(runs) == 1
