"""A tree you lint may be hostile: links out of it, FIFOs and devices named `*.py`, huge files,
broken `.gitignore` patterns, unusual coding cookies. None of them may make awaitwise write outside
the given paths, hang, exhaust memory, crash, or lose the other files' results (issues 19, 20).

The command line is run in a subprocess with a timeout, so a regression shows up as a failure
rather than a hang.
"""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
import sys
import time

import pytest

from awaitwise import discovery, sourcefile
from awaitwise.config import ConfigError, Settings, parse_table
from awaitwise.discovery import GitIgnore, discover
from awaitwise.registry import get_registry
from awaitwise.sourcefile import inside_roots

BAD = "import time\n\n\nasync def f():\n    time.sleep(1)\n"
GOOD_LINE = "good.py:5:5: AW100"
TIMEOUT = 60

posix_only = pytest.mark.skipif(sys.platform == "win32" or not hasattr(os, "symlink"), reason="POSIX links")
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")


def aw(*args, cwd):
    r = subprocess.run(
        [sys.executable, "-m", "awaitwise", *args], cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT
    )
    assert "Traceback" not in r.stdout + r.stderr, r.stderr
    return r


_FIXED = {}


def fixed(text):
    """What `fix` makes of `text` (from stdin: no file involved), so these tests check what happens
    to files, whatever the fixer's exact output."""
    if text not in _FIXED:
        r = subprocess.run(
            [sys.executable, "-m", "awaitwise", "fix", "--no-cache", "--stdin-filename", "m.py"],
            input=text.encode(),
            capture_output=True,
            timeout=TIMEOUT,
        )  # bytes: CRs kept
        out = r.stdout.decode()
        assert r.returncode == 0 and "await asyncio.sleep(1)" in out, r.stderr
        _FIXED[text] = out
    return _FIXED[text]


def errors(r):
    return sorted(
        line[len("awaitwise: error: ") :] for line in r.stderr.splitlines() if line.startswith("awaitwise: error: ")
    )


def names(files, root):
    return sorted(os.path.relpath(f, root).replace(os.sep, "/") for f in files)


def settings(root, **kw):
    return Settings(project_root=str(root), **kw)


# ----------------------------------------------------------------------------------------------
# No write outside the given paths
# ----------------------------------------------------------------------------------------------


def _hostile_links(tmp_path):
    """proj/ with links out of it; returns (proj, {outside file: its bytes})."""
    proj, outside = tmp_path / "proj", tmp_path / "outside"
    (proj / "pkg").mkdir(parents=True)
    outside.mkdir()
    (proj / "good.py").write_text(BAD)
    (tmp_path / "secrets.txt").write_text(BAD)  # would be "fixed" if followed
    (outside / "o.py").write_text(BAD)
    (outside / "other.py").write_text(BAD)
    shutil.copyfile(__file__, outside / "hosts")
    os.symlink("../secrets.txt", proj / "x.py")  # relative, to a non-Python file
    os.symlink(str(outside / "hosts"), proj / "pkg" / "hosts.py")  # absolute, to a non-Python file
    os.symlink("../../outside/other.py", proj / "pkg" / "other.py")  # a .py file outside
    os.symlink("other.py", proj / "pkg" / "chain.py")  # a link to a link out
    os.symlink("../outside", proj / "ext")  # a folder out of the tree
    os.symlink(str(outside), proj / "pkg" / "ext_abs")
    kept = {
        p: p.read_bytes() for p in [tmp_path / "secrets.txt", outside / "o.py", outside / "other.py", outside / "hosts"]
    }
    return proj, kept


@posix_only
def test_fix_never_writes_outside_the_folder_it_was_given(tmp_path):
    proj, kept = _hostile_links(tmp_path)
    r = aw("fix", "--no-cache", ".", cwd=proj)
    assert r.returncode == 2
    assert errors(r) == [
        f"pkg/chain.py: {discovery.LINK_OUTSIDE}",
        f"pkg/hosts.py: {discovery.LINK_NOT_PYTHON}",
        f"pkg/other.py: {discovery.LINK_OUTSIDE}",
        f"x.py: {discovery.LINK_NOT_PYTHON}",
    ]
    assert (proj / "good.py").read_text() == fixed(BAD)  # the rest of the run was done
    for path, data in kept.items():
        assert path.read_bytes() == data, path
    assert os.path.islink(proj / "x.py") and os.path.islink(proj / "ext")
    # and check does not look there either: the folder links out are not followed
    (proj / "good.py").write_text(BAD)
    r = aw("check", "--no-cache", ".", cwd=proj)
    assert GOOD_LINE in r.stdout and "o.py" not in r.stdout and "ext" not in r.stdout


@posix_only
def test_every_discovered_file_is_inside_a_given_root(tmp_path):
    proj, _ = _hostile_links(tmp_path)
    (proj / "inner").mkdir()
    (proj / "inner" / "i.py").write_text("x = 1\n")
    os.symlink("../inner", proj / "pkg" / "inner_again")  # a folder link inside the tree: followed
    os.symlink("../inner/i.py", proj / "pkg" / "alias.py")  # a file link inside the tree
    for root in (proj, proj / "pkg"):
        files, problems = discover([str(root)], settings(proj))
        assert all(inside_roots(f, [str(root)]) for f in files)
        assert {why for _, why in problems} <= {discovery.LINK_OUTSIDE, discovery.LINK_NOT_PYTHON}
    files, _ = discover([str(proj)], settings(proj))
    assert names(files, proj) == ["good.py", "inner/i.py"]  # alias.py is inner/i.py, listed once
    # from pkg/ alone, inner/ is outside the folder given: neither the folder link nor the file link
    files, problems = discover([str(proj / "pkg")], settings(proj))
    assert files == []
    assert (str(proj / "pkg" / "alias.py"), discovery.LINK_OUTSIDE) in problems


def test_inside_roots(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    assert inside_roots(str(tmp_path / "a" / "b"), [str(tmp_path / "a")])
    assert inside_roots(str(tmp_path / "a"), [str(tmp_path / "a")])
    assert not inside_roots(str(tmp_path / "ab"), [str(tmp_path / "a")])  # a prefix is not a parent
    assert not inside_roots(str(tmp_path / "a" / ".." / "x.py"), [str(tmp_path / "a")])
    if hasattr(os, "symlink") and sys.platform != "win32":
        os.symlink(str(tmp_path), tmp_path / "a" / "up")
        assert not inside_roots(str(tmp_path / "a" / "up" / "x.py"), [str(tmp_path / "a")])


@posix_only
def test_explicit_paths(tmp_path):
    proj, kept = _hostile_links(tmp_path)
    (proj / "pkg" / "real.py").write_text(BAD)
    os.symlink("real.py", proj / "pkg" / "alias.py")  # a link to a .py file inside the project
    (proj / "pyproject.toml").write_text("[tool.awaitwise]\n")
    r = aw("fix", "--no-cache", "pkg/alias.py", "x.py", "pkg/other.py", "pkg/hosts.py", cwd=proj)
    assert r.returncode == 2
    assert errors(r) == [
        "pkg/hosts.py: symbolic link to a file that is not a .py or .pyi file; skipped",
        "pkg/other.py: symbolic link to a file outside the project; skipped",
        "x.py: symbolic link to a file that is not a .py or .pyi file; skipped",
    ]
    assert (proj / "pkg" / "real.py").read_text() == fixed(BAD) and os.path.islink(proj / "pkg" / "alias.py")
    for path, data in kept.items():
        assert path.read_bytes() == data, path


def test_fix_writes_py_files_only(tmp_path):
    """A file named explicitly is checked whatever its name, but only a .py/.pyi file is rewritten."""
    (tmp_path / "script").write_text(BAD)
    r = aw("fix", "--no-cache", "script", cwd=tmp_path)
    assert r.returncode == 2
    (line,) = errors(r)
    assert line.startswith("script: could not write the fixed file: ") and "not a .py or .pyi file" in line
    assert (tmp_path / "script").read_text() == BAD
    assert aw("check", "--no-cache", "script", cwd=tmp_path).returncode == 1


@posix_only
def test_write_atomic_refuses_what_is_not_a_python_file(tmp_path):
    (tmp_path / "notes.txt").write_text("x = 1\n")
    os.symlink("notes.txt", tmp_path / "x.py")
    with pytest.raises(OSError, match=r"'notes.txt' \(the symbolic link's target\): not a .py or .pyi file"):
        sourcefile.write_atomic(str(tmp_path / "x.py"), b"y = 2\n")
    with pytest.raises(OSError, match=r"not a \.py or \.pyi file"):
        sourcefile.write_atomic(str(tmp_path / "notes.txt"), b"y = 2\n")
    assert (tmp_path / "notes.txt").read_text() == "x = 1\n"
    (tmp_path / "d.py").mkdir()
    with pytest.raises(OSError, match=r"not a regular file \(directory\)"):
        sourcefile.write_atomic(str(tmp_path / "d.py"), b"y = 2\n")
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "f.py")
        with pytest.raises(OSError, match=r"not a regular file \(FIFO\)"):
            sourcefile.write_atomic(str(tmp_path / "f.py"), b"y = 2\n", expected=b"x = 1\n")
        assert stat.S_ISFIFO(os.lstat(tmp_path / "f.py").st_mode)
    # outside the given roots
    (tmp_path / "in").mkdir()
    (tmp_path / "out.py").write_text("x = 1\n")
    os.symlink("../out.py", tmp_path / "in" / "link.py")
    with pytest.raises(OSError, match="outside the paths given"):
        sourcefile.write_atomic(str(tmp_path / "in" / "link.py"), b"y = 2\n", roots=[str(tmp_path / "in")])
    assert (tmp_path / "out.py").read_text() == "x = 1\n"


@posix_only
def test_write_atomic_keeps_its_guarantees(tmp_path):
    real = tmp_path / "real.py"
    real.write_bytes(b"x = 1\n")
    real.chmod(0o750)
    os.symlink("real.py", tmp_path / "link.py")
    sourcefile.write_atomic(str(tmp_path / "link.py"), b"x = 2\n", expected=b"x = 1\n", roots=[str(tmp_path)])
    assert real.read_bytes() == b"x = 2\n" and os.path.islink(tmp_path / "link.py")
    assert stat.S_IMODE(real.stat().st_mode) == 0o750
    with pytest.raises(OSError, match="changed on disk"):
        sourcefile.write_atomic(str(real), b"x = 3\n", expected=b"x = 1\n")
    real.write_bytes(b"x = 1\n" * 100)  # longer than both: changed, and not read whole
    with pytest.raises(OSError, match="changed on disk"):
        sourcefile.write_atomic(str(real), b"x = 3\n", expected=b"x = 1\n")
    sourcefile.write_atomic(str(real), b"x = 1\n" * 100, expected=b"x = 0\n")  # already holds the result
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.py", "real.py"]


# ----------------------------------------------------------------------------------------------
# Only regular files are read
# ----------------------------------------------------------------------------------------------


@needs_fifo
@pytest.mark.parametrize("mode", ["check", "fix"])
def test_fifos_devices_and_sockets_are_skipped_and_reported(tmp_path, mode):
    (tmp_path / "good.py").write_text(BAD)
    (tmp_path / "deep" / "er").mkdir(parents=True)
    os.mkfifo(tmp_path / "top.py")
    os.mkfifo(tmp_path / "deep" / "er" / "nested.py")
    os.symlink("/dev/zero", tmp_path / "zero.py")
    os.symlink("top.py", tmp_path / "to_fifo.py")
    expected = [
        "deep/er/nested.py: not a regular file (FIFO); skipped",
        "to_fifo.py: symbolic link to a FIFO, not a regular file; skipped",
        "top.py: not a regular file (FIFO); skipped",
        "zero.py: symbolic link to a character device, not a regular file; skipped",
    ]
    sock = None
    if hasattr(socket, "AF_UNIX") and len(str(tmp_path / "sock.py")) < 100:
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(tmp_path / "sock.py"))
        expected.insert(1, "sock.py: not a regular file (socket); skipped")
    try:
        r = aw(mode, "--no-cache", ".", cwd=tmp_path)
    finally:
        if sock is not None:
            sock.close()
    assert r.returncode == 2
    assert errors(r) == expected
    if mode == "check":
        assert GOOD_LINE in r.stdout
    else:
        assert (tmp_path / "good.py").read_text() == fixed(BAD)


@needs_fifo
def test_a_fifo_or_device_named_explicitly(tmp_path):
    (tmp_path / "good.py").write_text(BAD)
    os.mkfifo(tmp_path / "pipe.py")
    os.symlink("/dev/zero", tmp_path / "zero.py")
    r = aw("check", "--no-cache", "pipe.py", "zero.py", "good.py", cwd=tmp_path)
    assert r.returncode == 2
    assert errors(r) == [
        "pipe.py: not a regular file (FIFO); skipped",
        "zero.py: not a regular file (character device); skipped",
    ]
    assert GOOD_LINE in r.stdout


@needs_fifo
def test_the_reader_never_blocks_on_a_fifo(tmp_path):
    """sourcefile.read itself (what every reader of analysed files goes through) refuses a FIFO
    and a device without blocking or reading them: run where a hang would be caught."""
    os.mkfifo(tmp_path / "pipe.py")
    code = (
        "import sys\n"
        "from awaitwise.sourcefile import SourceError, read\n"
        "for path in sys.argv[1:]:\n"
        "    try:\n"
        "        read(path)\n"
        "    except SourceError as exc:\n"
        "        print(exc)\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "pipe.py"), "/dev/zero", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert r.stdout.splitlines() == [
        "not a regular file (FIFO)",
        "not a regular file (character device)",
        "is a directory",
    ], r.stderr


# ----------------------------------------------------------------------------------------------
# The size limit
# ----------------------------------------------------------------------------------------------


def test_a_file_over_the_default_limit_is_reported_and_costs_nothing(tmp_path):
    """A file just over 20 MiB: reported (exit 2), neither parsed by the linter nor the index, and
    the rest of the run completes."""
    (tmp_path / "good.py").write_text(BAD)
    line = b"x = 1\n"
    (tmp_path / "huge.py").write_bytes(line * (sourcefile.DEFAULT_MAX_FILE_SIZE // len(line) + 1))
    start = time.monotonic()
    r = aw("check", "--no-cache", ".", cwd=tmp_path)
    assert time.monotonic() - start < 30
    assert r.returncode == 2
    assert errors(r) == [
        "huge.py: file is larger than the size limit (20.0 MiB, limit 20 MiB); "
        "raise `max-file-size` in [tool.awaitwise] to check it"
    ]
    assert GOOD_LINE in r.stdout


PADDING = "# " + "padding " * 200 + "\n"  # about 1.6 kB
LIMITS = [('"1KB"', True), ("1000", True), ('"1MiB"', False), ('"2 kB"', False)]


def _slow_project(tmp_path, limit):
    (tmp_path / "pyproject.toml").write_text(f"[tool.awaitwise]\nmax-file-size = {limit}\n")
    (tmp_path / "slow.py").write_text("import time\n" + PADDING + "\n\ndef slow():\n    time.sleep(1)\n")
    (tmp_path / "app.py").write_text("from slow import slow\n\n\nasync def main():\n    slow()\n")


@pytest.mark.parametrize("limit, over", LIMITS)
def test_max_file_size_setting_for_the_index(tmp_path, limit, over):
    """With the limit below slow.py's size, slow.py is left out of the project index: AW110 (which
    needs the index to see that slow() blocks) no longer fires in app.py."""
    _slow_project(tmp_path, limit)
    r = aw("check", "--no-cache", "--select", "AW110", "app.py", cwd=tmp_path)
    if over:
        assert r.returncode == 0 and "AW110" not in r.stdout
    else:
        assert r.returncode == 1 and "app.py:5:5: AW110" in r.stdout


@pytest.mark.parametrize("limit", [limit for limit, over in LIMITS if over])
def test_max_file_size_setting_for_the_linter(tmp_path, limit):
    """The linter reports the file over the configured limit, and checks the rest."""
    _slow_project(tmp_path, limit)
    (tmp_path / "good.py").write_text(BAD)
    r = aw("check", "--no-cache", ".", cwd=tmp_path)
    assert r.returncode == 2
    (line,) = errors(r)
    assert line.startswith("slow.py: file is larger than the size limit (") and "max-file-size" in line
    assert GOOD_LINE in r.stdout and "AW110" not in r.stdout


def test_max_file_size_values():
    registry = get_registry()
    for value, expected in [
        (1000, 1000),
        ("20MB", 20_000_000),
        ("512KB", 512_000),
        ("1MiB", 1 << 20),
        ("1.5 GiB", 3 << 29),
        ("64 kib", 65536),
        ("300", 300),
        ("7b", 7),
    ]:
        assert parse_table({"max-file-size": value}, "pyproject.toml", registry) == {"max_file_size": expected}
    for value in ["lots", "-1", 0, -5, True, "1.5XB", [1], "MB", 1.5, ""]:
        with pytest.raises(ConfigError, match=r"pyproject.toml: `max-file-size` must be"):
            parse_table({"max-file-size": value}, "pyproject.toml", registry)
    assert Settings().max_file_size == sourcefile.DEFAULT_MAX_FILE_SIZE


def test_max_file_size_on_the_command_line(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.awaitwise]\nmax-file-size = "huge"\n')
    (tmp_path / "good.py").write_text(BAD)
    r = aw("check", "--no-cache", ".", cwd=tmp_path)
    assert r.returncode == 2 and "`max-file-size` must be" in r.stderr and "pyproject.toml" in r.stderr
    (tmp_path / "pyproject.toml").write_text('[tool.awaitwise]\nmax-file-size = "3MiB"\n')
    r = aw("check", "--show-settings", ".", cwd=tmp_path)
    assert '"max_file_size": 3145728' in r.stdout


def test_reading_stops_at_the_limit(tmp_path):
    path = tmp_path / "m.py"
    path.write_bytes(b"x = 1\n" * 100)
    assert sourcefile.read_bytes(str(path), 600) == b"x = 1\n" * 100
    with pytest.raises(sourcefile.FileTooLarge, match=r"\(600 bytes, limit 599 bytes\)"):
        sourcefile.read_bytes(str(path), 599)
    with pytest.raises(sourcefile.FileTooLarge):
        sourcefile.read(str(path), 10)


# ----------------------------------------------------------------------------------------------
# .gitignore patterns
# ----------------------------------------------------------------------------------------------

BAD_PATTERNS = ["[]", "[!]", "[z-a].py", "[a-", "\\", "foo\\", "[[:nope:]]x", "[^]", "x[", "[\\"]


@pytest.mark.parametrize("pattern", BAD_PATTERNS)
def test_a_bad_gitignore_pattern_is_reported_with_its_line_and_ignored(tmp_path, pattern):
    (tmp_path / "good.py").write_text(BAD)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "kept.py").write_text(BAD)
    (tmp_path / "sub" / "ignored.py").write_text(BAD)
    (tmp_path / "sub" / ".gitignore").write_text(f"# comment\n{pattern}\nignored.py\n")
    warnings = []
    files, problems = discover([str(tmp_path)], settings(tmp_path), warnings=warnings)
    assert problems == []
    assert names(files, tmp_path) == ["good.py", "sub/kept.py"]  # the other lines still apply
    ((where, message),) = warnings
    assert where == str(tmp_path / "sub" / ".gitignore") + ":2"
    assert message.startswith(f"invalid pattern {pattern!r} ignored (")
    # without a list for warnings they come with the problems, marked
    files, problems = discover([str(tmp_path)], settings(tmp_path))
    assert names(files, tmp_path) == ["good.py", "sub/kept.py"]
    assert problems == [(where, "warning: " + message)]


@pytest.mark.parametrize("pattern", ["[z-a].py", "[]", "[!]"])
def test_a_bad_gitignore_pattern_through_the_command_line(tmp_path, pattern):
    (tmp_path / "good.py").write_text(BAD)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "other.py").write_text(BAD)
    (tmp_path / ".gitignore").write_text(f"{pattern}\n")
    r = aw("check", "--no-cache", ".", cwd=tmp_path)
    assert GOOD_LINE in r.stdout and os.path.join("pkg", "other.py") + ":5:5: AW100" in r.stdout
    (line,) = [line for line in r.stderr.splitlines() if "invalid pattern" in line]
    assert line.startswith("awaitwise: warning: .gitignore:1: ")
    assert f"invalid pattern {pattern!r} ignored (" in line
    assert r.returncode == 1  # a warning: the findings alone decide the exit code


def test_a_bad_pattern_above_the_given_folder_is_reported_once(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("[z-a]\n")
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.py").write_text("x = 1\n")
    (tmp_path / "b").mkdir()
    warnings = []
    files, _ = discover(
        [str(tmp_path / "a"), str(tmp_path / "b"), str(tmp_path / "a")], settings(tmp_path), warnings=warnings
    )
    assert names(files, tmp_path) == ["a/x.py"]
    assert [w for w, _ in warnings] == [str(tmp_path / ".gitignore") + ":1"]


# pattern, names it ignores, names it does not (checked against `git check-ignore` below as well)
GLOBS = [
    ("[!a].py", ["b.py", "].py"], ["a.py"]),
    ("[^a].py", ["b.py"], ["a.py"]),
    ("[]a].py", ["].py", "a.py"], ["b.py"]),
    ("[!]a].py", ["b.py"], ["].py", "a.py"]),
    ("[a-c].py", ["a.py", "b.py", "c.py"], ["d.py", "A.py"]),
    ("[a-].py", ["a.py", "-.py"], ["b.py"]),
    ("\\[a].py", ["[a].py"], ["a.py"]),
    ("a\\*.py", ["a*.py"], ["ab.py"]),
    ("\\#x.py", ["#x.py"], ["x.py"]),
    ("\\!x.py", ["!x.py"], ["x.py"]),
    ("*[[:digit:]].py", ["x1.py"], ["xy.py"]),
    ("[[:upper:]]*.py", ["Xy.py"], ["xy.py"]),
    ("[a\\]].py", ["a.py", "].py"], ["b.py"]),
    ("a.py\\ ", ["a.py "], ["a.py"]),
    ("a.py  ", ["a.py"], ["a.py "]),
    ("*a*a*b.py", ["aab.py", "xaYaZb.py"], ["ab.py", "aXb.py"]),
    ("?.py", ["a.py"], ["ab.py", ".py"]),
    ("sub/**/a.py", ["sub/a.py", "sub/x/y/a.py"], ["a.py", "x/sub/a.py"]),
    ("**/sub/**/a.py", ["sub/a.py", "x/sub/y/a.py"], ["x/a.py"]),
    ("a/**/b/**/c.py", ["a/b/c.py", "a/x/b/y/z/c.py"], ["a/c.py", "b/c.py", "x/a/b/c.py"]),
    ("x/**/**/y.py", ["x/y.py", "x/q/r/y.py"], ["y.py"]),
    ("sub/**", ["sub/a.py", "sub/x/a.py"], ["a.py"]),
    ("s*b/a.py", ["sub/a.py", "sb/a.py"], ["a.py", "x/sub/a.py"]),
]


@pytest.mark.parametrize("pattern, ignored, kept", GLOBS)
def test_gitignore_translation(pattern, ignored, kept):
    gi = GitIgnore("/r", [pattern + "\n"])
    assert gi.invalid == []
    for name in ignored:
        assert _ignored_by(gi, name), name
    for name in kept:
        assert not _ignored_by(gi, name), name


def _ignored_by(gi, rel):
    """As the walk decides: a parent folder that matches ignores everything under it."""
    parts = rel.split("/")
    if any(gi.match("/r/" + "/".join(parts[:k]), True) for k in range(1, len(parts))):
        return True
    return bool(gi.match("/r/" + rel, False))


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_gitignore_translation_agrees_with_git(tmp_path):
    paths = sorted({p for _, ignored, kept in GLOBS for p in ignored + kept})
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True, timeout=TIMEOUT)
    for p in paths:
        (repo / p).parent.mkdir(parents=True, exist_ok=True)
        (repo / p).write_text("")
    disagree = []
    for pattern, _, _ in GLOBS:
        (repo / ".gitignore").write_text(pattern + "\n")
        r = subprocess.run(
            ["git", "check-ignore", "--stdin"],
            cwd=repo,
            input="\n".join(paths) + "\n",
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        by_git = set(r.stdout.splitlines())
        gi = GitIgnore(str(repo), [pattern + "\n"])
        mine = {p for p in paths if _ignored_by_at(gi, str(repo), p)}
        if mine != by_git:
            disagree.append((pattern, sorted(mine ^ by_git)))
    assert disagree == []


def _ignored_by_at(gi, base, rel):
    parts = rel.split("/")
    if any(gi.match(os.path.join(base, *parts[:k]), True) for k in range(1, len(parts))):
        return True
    return bool(gi.match(os.path.join(base, rel), False))


def test_gitignore_patterns_cannot_make_matching_slow(tmp_path):
    """Many stars, or many `**/`, against long names and deep paths: matching stays fast (a
    backtracking translation takes minutes here). Run where a hang would be caught."""
    code = (
        "import time\n"
        "from awaitwise.discovery import GitIgnore\n"
        "gi = GitIgnore('/r', ['*a*a*a*a*a*a*a*a*a*b.py', '**/a/**/a/**/a/**/a/**/a/**/c.py',\n"
        "                      'x/**/a/*a*a*a*a*a*a*c', '**/' * 30 + 'z.py'])\n"
        "start = time.monotonic()\n"
        "assert gi.match('/r/' + 'a' * 250, False) is None\n"
        "assert gi.match('/r/' + 'a/' * 80 + 'b.py', False) is None\n"
        "assert gi.match('/r/x/' + 'a/' * 80 + 'a' * 200, False) is None\n"
        "assert gi.match('/r/' + 'a/' * 80 + 'y.py', False) is None\n"
        "assert gi.match('/r/' + 'a' * 200 + 'b.py', False) is True\n"
        "assert gi.match('/r/' + 'a/' * 10 + 'c.py', False) is True\n"
        "print(time.monotonic() - start)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr
    assert float(r.stdout) < 2


@posix_only
def test_a_gitignore_that_is_a_link_or_a_fifo_is_not_read(tmp_path):
    """As git does, a .gitignore that is a symbolic link is not followed (it could be
    /proc/self/environ or a secret, whose lines would then be quoted in warnings)."""
    (tmp_path / "elsewhere").write_text("*.py\n")
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.py").write_text("x = 1\n")
    os.symlink("../elsewhere", tmp_path / "a" / ".gitignore")
    files, problems = discover([str(tmp_path)], settings(tmp_path))
    assert names(files, tmp_path) == ["a/x.py"] and problems == []
    if hasattr(os, "mkfifo"):
        os.unlink(tmp_path / "a" / ".gitignore")
        os.mkfifo(tmp_path / "a" / ".gitignore")
        code = (
            "import sys\nfrom awaitwise.config import Settings\nfrom awaitwise.discovery import discover\n"
            "print(len(discover([sys.argv[1]], Settings(project_root=sys.argv[1]))[0]))\n"
        )
        r = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=TIMEOUT)
        assert r.stdout.strip() == "1", r.stderr


# ----------------------------------------------------------------------------------------------
# Coding cookies
# ----------------------------------------------------------------------------------------------

_COOKIE_LINE = "# -*- coding: utf-8 -*-\n"
_COOKIE_BODY = (
    _COOKIE_LINE + "import time\n\nNAME = 'caf\u00e9'  # kept byte for byte\r\n\nasync def f():\n    time.sleep(1)\n"
)


def _cookie_file(cookie, encoding="utf-8", bom=False, is_fixed=False):
    """The file in its encoding and framing; is_fixed: what `fix` makes of the same text."""
    body = fixed(_COOKIE_BODY) if is_fixed else _COOKIE_BODY
    assert body.startswith(_COOKIE_LINE) and "caf\u00e9'  # kept byte for byte\r\n" in body
    data = body.replace(_COOKIE_LINE, f"# -*- coding: {cookie} -*-\n", 1).encode(encoding)
    return sourcefile.BOM + data if bom else data


COOKIES = {
    "utf-8-sig": dict(cookie="utf-8-sig"),
    "utf-8-sig_bom": dict(cookie="utf-8-sig", bom=True),
    "UTF_8_SIG_bom": dict(cookie="UTF_8_SIG", bom=True),
    "utf8": dict(cookie="utf8"),
    "UTF-8": dict(cookie="UTF-8"),
    "Utf_8_bom": dict(cookie="Utf_8", bom=True),
    "latin-1": dict(cookie="latin-1", encoding="latin-1"),
    "iso-8859-1": dict(cookie="iso-8859-1", encoding="latin-1"),
    "latin1": dict(cookie="latin1", encoding="latin-1"),
    "cp1252": dict(cookie="cp1252", encoding="cp1252"),
}


def test_fix_round_trips_every_cookie_python_accepts(tmp_path):
    """`fix` over one folder holding every variant: the AW100 fix is written, every other byte
    (the BOM or its absence, the accented text, a stray CR) is kept."""
    for name, opts in COOKIES.items():
        data = _cookie_file(**opts)
        compile(data, name, "exec")  # Python itself accepts it
        (tmp_path / f"m_{name.replace('-', '_')}.py").write_bytes(data)
    r = aw("fix", "--no-cache", ".", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    for name, opts in COOKIES.items():
        assert (tmp_path / f"m_{name.replace('-', '_')}.py").read_bytes() == _cookie_file(is_fixed=True, **opts), name
    r = aw("fix", "--no-cache", ".", cwd=tmp_path)  # nothing left to do, nothing changes
    assert r.returncode == 0 and "changed on disk" not in r.stderr


@pytest.mark.parametrize("name", sorted(COOKIES))
def test_decode_encode_is_exact(name):
    data = _cookie_file(**COOKIES[name])
    src = sourcefile.decode(data)
    assert src.bom == COOKIES[name].get("bom", False)
    assert src.encode(src.text) == data
    assert "caf\u00e9" in src.text and not src.text.startswith("\ufeff")


@pytest.mark.parametrize(
    "cookie, message",
    [
        ("rot13", "'rot13' in coding cookie is not a text encoding"),
        ("base64", "'base64' in coding cookie is not a text encoding"),
        ("klingon", "unknown encoding 'klingon' in coding cookie"),
    ],
)
def test_cookies_python_rejects_are_clear_errors(cookie, message):
    with pytest.raises(sourcefile.SourceError, match=message):
        sourcefile.decode(f"# coding: {cookie}\nx = 1\n".encode())


@pytest.mark.parametrize("cookie", ["latin-1", "utf8", "cp1252", "ascii"])
def test_bom_with_another_cookie_is_still_a_conflict(cookie):
    """As for Python itself: only a `utf-8` spelling (`utf-8-sig`, `UTF_8`...) goes with a BOM."""
    data = sourcefile.BOM + f"# coding: {cookie}\nx = 1\n".encode()
    with pytest.raises(SyntaxError):
        compile(data, "m.py", "exec")
    with pytest.raises(sourcefile.SourceError, match=f"coding cookie '{cookie}' conflicts with the UTF-8 BOM"):
        sourcefile.decode(data)
