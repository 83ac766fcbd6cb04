"""Which files a run checks."""

from __future__ import annotations

import os

import pytest

from awaitwise.config import Settings
from awaitwise.discovery import discover


def touch(root, rel, text="x = 1\n"):
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return p


def names(files, root):
    return sorted(os.path.relpath(f, root).replace(os.sep, "/") for f in files)


def test_skips_hidden_venv_build_and_gitignored(tmp_path):
    for rel in [
        "app/a.py",
        "app/b.pyi",
        "app/notes.txt",
        ".hidden/h.py",
        ".venv/lib/v.py",
        "venv/v.py",
        "build/b.py",
        "node_modules/n.py",
        "app/__pycache__/c.py",
        "gen/out.py",
        "app/keep_gen.py",
        "logs/debug.py",
        "sub/.gitignore",
        "sub/secret.py",
        "sub/open.py",
        "pkg.egg-info/x.py",
    ]:
        touch(tmp_path, rel)
    (tmp_path / ".gitignore").write_text("gen/\n*_gen.py\n/logs\n!keep_gen.py\n")
    (tmp_path / "sub" / ".gitignore").write_text("secret.py\n")
    files, problems = discover([str(tmp_path)], Settings(project_root=str(tmp_path)))
    assert problems == []
    assert names(files, tmp_path) == ["app/a.py", "app/b.pyi", "app/keep_gen.py", "sub/open.py"]


def test_excludes_apply_to_walked_and_explicit_paths(tmp_path):
    a = touch(tmp_path, "app/a.py")
    touch(tmp_path, "app/migrations/m1.py")
    s = Settings(project_root=str(tmp_path), exclude=("app/migrations",))
    files, _ = discover([str(tmp_path)], s)
    assert names(files, tmp_path) == ["app/a.py"]
    files, _ = discover([str(tmp_path / "app" / "migrations" / "m1.py"), str(a)], s)
    assert names(files, tmp_path) == ["app/a.py"]


def test_explicit_file_is_checked_even_if_gitignored_and_missing_paths_are_problems(tmp_path):
    f = touch(tmp_path, "gen/out.py")
    (tmp_path / ".gitignore").write_text("gen/\n")
    files, problems = discover([str(f), str(tmp_path / "nope.py")], Settings(project_root=str(tmp_path)))
    assert names(files, tmp_path) == ["gen/out.py"]
    assert problems == [(str(tmp_path / "nope.py"), "no such file or directory")]


def test_symlink_loop_terminates(tmp_path):
    touch(tmp_path, "a/x.py")
    os.symlink(tmp_path / "a", tmp_path / "a" / "loop")
    files, _ = discover([str(tmp_path)], Settings(project_root=str(tmp_path)))
    assert names(files, tmp_path) == ["a/x.py"]


def test_a_linked_file_and_its_target_are_checked_once(tmp_path):
    touch(tmp_path, "pkg/real.py")
    os.symlink("real.py", tmp_path / "pkg" / "alias.py")  # the file itself is a link
    touch(tmp_path, "other/plain.py")
    os.symlink(tmp_path / "other", tmp_path / "pkg" / "linked")  # a folder reached twice
    files, _ = discover([str(tmp_path)], Settings(project_root=str(tmp_path)))
    assert names(files, tmp_path) == ["other/plain.py", "pkg/alias.py"]


@pytest.mark.parametrize(
    "path",
    [
        "pkg/mod.py",
        "./pkg/mod.py",
        "mod.py",
        "./mod.py",
        ".hidden/mod.py",
        "pkg/.hidden/mod.py",
        "pkg/./mod.py",
        "pkg/../mod.py",
        "../mod.py",
        "pkg//mod.py",
        ".//pkg/mod.py",
        "./../pkg/mod.py",
        "pkg/sub/",
        "pkg/..mod.py",
        "pkg/mod..py",
        "pkg/mod.py/.",
        "pkg/mod.py/..",
        ".",
        "..",
        "./.",
        "pkg/ mod.py",
        "pkg/mod.py\\x",
        "/abs/pkg/mod.py",
        "/abs/./pkg/../mod.py",
        "//abs/mod.py",
    ],
)
def test_absolute_paths_are_abspath(path, tmp_path, monkeypatch):
    from awaitwise.discovery import absolute_paths

    monkeypatch.chdir(tmp_path)
    assert absolute_paths([path]) == [os.path.abspath(path)]
    # a working folder at the root of the file system
    monkeypatch.chdir("/")
    assert absolute_paths([path]) == [os.path.abspath(path)]
