"""Config files from a hostile tree: special files, huge or deeply nested files, tables of the
wrong shape, absolute per-file-ignores patterns and control characters in keys. Each must end in
a message naming the file and exit 2 (or, for a special file met on the upward search, be skipped)
and never block, read without bound or end in a traceback.

The command runs in a subprocess with a timeout, so a run that blocks fails its test instead of
hanging the suite."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap

import pytest

from awaitwise import config
from awaitwise.config import ConfigError, Settings, read_toml, resolve_settings
from awaitwise.registry import get_registry

REG = get_registry()
BAD = "import time\nasync def f():\n    time.sleep(1)\n"
TIMEOUT = 20

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
needs_dev_zero = pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")


def aw(*args, cwd):
    """Run `awaitwise check --no-cache ARGS`; a run that takes longer than TIMEOUT fails the test."""
    try:
        return subprocess.run(
            [sys.executable, "-m", "awaitwise", "check", "--no-cache", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"awaitwise {' '.join(args)} did not finish in {TIMEOUT} s (blocked on the config?)")


def refused(result, *needles):
    """The run ended with exit 2 and one error message holding every needle, without a traceback."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in result.stderr, (needle, result.stderr)


def project(tmp_path, body=None):
    """tmp_path/a.py with a blocking call; tmp_path/pyproject.toml holding `body` if given."""
    (tmp_path / "a.py").write_text(BAD)
    if body is not None:
        (tmp_path / "pyproject.toml").write_text(body)
    return tmp_path


# ---------------------------------------------------------------------------------------------
# --config naming something that is not a regular file
# ---------------------------------------------------------------------------------------------


@needs_dev_zero
def test_config_dev_zero_is_refused(tmp_path):
    project(tmp_path)
    refused(aw("--config", "/dev/zero", "a.py", cwd=tmp_path), "/dev/zero", "not a regular file (a character device)")


@needs_dev_zero
def test_config_symlink_to_dev_zero_is_refused(tmp_path):
    project(tmp_path)
    (tmp_path / "cfg.toml").symlink_to("/dev/zero")
    refused(aw("--config", "cfg.toml", "a.py", cwd=tmp_path), "cfg.toml", "not a regular file")


@needs_fifo
def test_config_fifo_is_refused_without_blocking(tmp_path):
    project(tmp_path)
    os.mkfifo(tmp_path / "cfg.toml")
    refused(aw("--config", "cfg.toml", "a.py", cwd=tmp_path), "cfg.toml: not a regular file (a FIFO)")


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="no Unix sockets")
def test_config_socket_is_refused(tmp_path, monkeypatch):
    project(tmp_path)
    monkeypatch.chdir(tmp_path)  # a relative name keeps the socket path under the length limit
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind("cfg.sock")
        refused(aw("--config", "cfg.sock", "a.py", cwd=tmp_path), "cfg.sock: not a regular file (a socket)")


def test_config_directory_is_refused(tmp_path):
    project(tmp_path)
    (tmp_path / "cfg").mkdir()
    refused(aw("--config", "cfg", "a.py", cwd=tmp_path), "cfg")


@needs_fifo
def test_file_swapped_for_a_fifo_after_the_check_is_caught_on_the_descriptor(tmp_path):
    """The type is checked again on the opened descriptor: a FIFO that passed the first check
    (here by a patched os.stat) is refused, and opening it does not wait for a writer."""
    fifo = tmp_path / "cfg.toml"
    os.mkfifo(fifo)
    regular = tmp_path / "regular.toml"
    regular.write_text("")
    script = textwrap.dedent(f"""
        import os, sys
        from awaitwise import config
        real_stat = os.stat
        os.stat = lambda path, *a, **k: (
            real_stat({str(regular)!r}) if path == {str(fifo)!r} else real_stat(path, *a, **k))
        try:
            config.read_toml({str(fifo)!r})
        except config.ConfigError as exc:
            print(exc)
    """)
    try:
        r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail("opening the FIFO blocked")
    assert r.stdout.strip() == f"{fifo}: not a regular file (a FIFO)", r.stderr


# ---------------------------------------------------------------------------------------------
# special files met while walking up for a pyproject.toml: skipped, never read
# ---------------------------------------------------------------------------------------------


@needs_fifo
def test_fifo_pyproject_in_a_parent_is_skipped(tmp_path):
    # the config above the FIFO still applies: the search went on past it
    project(tmp_path, '[tool.awaitwise]\nignore = ["AW100"]\n')
    (tmp_path / "pkg").mkdir()
    os.mkfifo(tmp_path / "pkg" / "pyproject.toml")
    (tmp_path / "pkg" / "sub").mkdir()
    (tmp_path / "pkg" / "sub" / "b.py").write_text(BAD)
    r = aw("pkg/sub/b.py", cwd=tmp_path)
    assert r.returncode == 0, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    # without the config above, the finding is reported
    (tmp_path / "pyproject.toml").unlink()
    r = aw("pkg/sub/b.py", cwd=tmp_path)
    assert r.returncode == 1 and "AW100" in r.stdout, (r.stdout, r.stderr)


@needs_dev_zero
def test_pyproject_symlink_to_dev_zero_in_a_parent_is_skipped(tmp_path):
    (tmp_path / "pyproject.toml").symlink_to("/dev/zero")
    (tmp_path / "sub").mkdir()
    project(tmp_path / "sub")
    r = aw("sub/a.py", cwd=tmp_path)
    assert r.returncode == 1 and "AW100" in r.stdout, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr


def test_pyproject_folder_and_dangling_symlink_in_parents_are_skipped(tmp_path):
    (tmp_path / "pyproject.toml").mkdir()
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "pyproject.toml").symlink_to(tmp_path / "missing.toml")
    project(tmp_path / "sub")
    assert config.find_pyproject(str(tmp_path / "sub" / "a.py")) is None
    r = aw("sub/a.py", cwd=tmp_path)
    assert r.returncode == 1 and "AW100" in r.stdout, (r.stdout, r.stderr)


# ---------------------------------------------------------------------------------------------
# size, nesting and encoding
# ---------------------------------------------------------------------------------------------


def test_oversized_config_is_refused(tmp_path):
    project(tmp_path, "[tool.awaitwise]\n" + "#" * config.MAX_CONFIG_BYTES + "\n")
    refused(aw("a.py", cwd=tmp_path), str(tmp_path / "pyproject.toml"), "larger than the 4 MiB limit")
    # at the limit exactly, the file is read
    (tmp_path / "pyproject.toml").write_text("[tool.awaitwise]\n#".ljust(config.MAX_CONFIG_BYTES - 1, "#") + "\n")
    assert os.path.getsize(tmp_path / "pyproject.toml") == config.MAX_CONFIG_BYTES
    assert aw("a.py", cwd=tmp_path).returncode == 1


@pytest.mark.skipif(not os.path.isfile("/proc/self/status"), reason="needs /proc")
def test_read_stops_past_the_limit_when_the_size_is_wrong(monkeypatch):
    """/proc files report size 0 yet hold more: the read itself is bounded."""
    assert os.stat("/proc/self/status").st_size == 0
    monkeypatch.setattr(config, "MAX_CONFIG_BYTES", 16)
    with pytest.raises(ConfigError, match=r"^/proc/self/status: config file is larger than the 16 bytes limit$"):
        read_toml("/proc/self/status")


def test_deeply_nested_config_is_an_error_not_a_traceback(tmp_path):
    project(tmp_path, "[tool.awaitwise]\nx = " + "[" * 50_000 + "]" * 50_000 + "\n")
    refused(aw("a.py", cwd=tmp_path), str(tmp_path / "pyproject.toml"), "nested too deeply")


def test_config_not_utf8(tmp_path):
    project(tmp_path)
    (tmp_path / "pyproject.toml").write_bytes(b"[tool.awaitwise]\n# \xff\n")
    refused(aw("a.py", cwd=tmp_path), str(tmp_path / "pyproject.toml"), "not UTF-8")


# ---------------------------------------------------------------------------------------------
# tables of the wrong shape
# ---------------------------------------------------------------------------------------------

SHAPES = [
    ("tool = 1\n", "`tool` must be a table, not an integer"),
    ('tool = "x"\n', "`tool` must be a table, not a string"),
    ("[tool]\nawaitwise = 3\n", "`tool.awaitwise` must be a table, not an integer"),
    ("tool.awaitwise = [1]\n", "`tool.awaitwise` must be a table, not an array"),
    ('project = "x"\n[tool.awaitwise]\n', "`project` must be a table, not a string"),
    ("project.requires-python = 3\n[tool.awaitwise]\n", "`project.requires-python` must be a string, not an integer"),
]


@pytest.mark.parametrize("body,needle", SHAPES)
def test_wrong_shapes_found_walking_up(tmp_path, body, needle):
    project(tmp_path, body)
    refused(aw("a.py", cwd=tmp_path), f"{tmp_path / 'pyproject.toml'}: {needle}")


@pytest.mark.parametrize("body,needle", SHAPES)
def test_wrong_shapes_given_as_config(tmp_path, body, needle):
    project(tmp_path, body)
    refused(aw("--config", "pyproject.toml", "a.py", cwd=tmp_path), f"pyproject.toml: {needle}")


def test_project_table_is_not_read_when_the_target_is_set(tmp_path):
    # `project` only feeds the inferred target version; with target-version given it is not used
    project(tmp_path, 'project = "x"\n[tool.awaitwise]\ntarget-version = "py311"\n')
    s = resolve_settings([str(tmp_path)], None, {}, REG)
    assert s.target_version == "py311"


def test_foreign_pyproject_without_our_table_is_passed_over(tmp_path):
    # a pyproject.toml without [tool.awaitwise] is not ours: its odd `project` is not our business
    project(tmp_path, 'project = "x"\n')
    r = aw("a.py", cwd=tmp_path)
    assert r.returncode == 1 and "AW100" in r.stdout, (r.stdout, r.stderr)


# ---------------------------------------------------------------------------------------------
# per-file-ignores with absolute patterns
# ---------------------------------------------------------------------------------------------


def _pfi(pattern: str) -> str:
    return f'[tool.awaitwise.per-file-ignores]\n{pattern!r} = ["AW100"]\n'.replace("'", '"')


def test_absolute_per_file_ignores_inside_the_root_silences_the_finding(tmp_path):
    project(tmp_path)
    assert aw("a.py", cwd=tmp_path).returncode == 1  # the finding is there to silence
    (tmp_path / "pyproject.toml").write_text(_pfi(str(tmp_path / "a.py")))
    r = aw("a.py", cwd=tmp_path)
    assert r.returncode == 0, (r.stdout, r.stderr)
    s = resolve_settings([str(tmp_path)], None, {}, REG)
    assert s.per_file_ignores == (("a.py", ("AW100",)),)
    assert s.ignored_for(str(tmp_path / "a.py")) == ("AW100",)


def test_absolute_glob_and_root_itself(tmp_path):
    (tmp_path / "pkg").mkdir()
    project(tmp_path / "pkg")
    (tmp_path / "pyproject.toml").write_text(
        "[tool.awaitwise.per-file-ignores]\n"
        f'"{tmp_path}/pkg/*.py" = ["AW100"]\n"{tmp_path}" = ["AW2"]\n"{tmp_path}/" = ["AW3"]\n'
    )
    s = resolve_settings([str(tmp_path)], None, {}, REG)
    assert s.per_file_ignores == (("pkg/*.py", ("AW100",)), ("*", ("AW2",)), ("*", ("AW3",)))
    assert s.ignored_for(str(tmp_path / "pkg" / "a.py")) == ("AW100", "AW2", "AW3")
    assert aw("pkg/a.py", cwd=tmp_path).returncode == 0


@pytest.mark.parametrize("outside", ["/elsewhere/a.py", "{root}/../other/a.py", "{root}-sibling/a.py"])
def test_absolute_per_file_ignores_outside_the_root_is_refused(tmp_path, outside):
    pattern = outside.format(root=tmp_path)
    project(tmp_path, _pfi(pattern))
    with pytest.raises(ConfigError, match="outside the project root") as info:
        resolve_settings([str(tmp_path)], None, {}, REG)
    assert str(tmp_path / "pyproject.toml") in str(info.value) and repr(pattern) in str(info.value)
    refused(aw("a.py", cwd=tmp_path), str(tmp_path / "pyproject.toml"), "outside the project root")


def test_absolute_pattern_in_settings_built_in_code_matches(tmp_path):
    # Settings made by hand (the API) keep the absolute pattern: it is matched against the
    # absolute path of the file
    s = Settings(per_file_ignores=((str(tmp_path / "*.py"), ("AW100",)),), project_root=str(tmp_path))
    assert s.ignored_for(str(tmp_path / "a.py")) == ("AW100",)
    assert s.ignored_for(str(tmp_path / "a.txt")) == ()


# ---------------------------------------------------------------------------------------------
# control characters from the file, echoed in messages
# ---------------------------------------------------------------------------------------------


def test_control_characters_in_an_unknown_key_are_escaped(tmp_path):
    project(tmp_path, '[tool.awaitwise]\n"sel\\u001b[2Ject\\u0007\\nfake" = 1\n')
    with pytest.raises(ConfigError) as info:
        resolve_settings([str(tmp_path)], None, {}, REG)
    message = str(info.value)
    assert "\x1b" not in message and "\x07" not in message and "\n" not in message
    assert "unknown key `sel\\x1b[2Ject\\x07\\nfake`" in message
    r = aw("a.py", cwd=tmp_path)
    refused(r, str(tmp_path / "pyproject.toml"), "sel\\x1b[2Ject\\x07\\nfake")
    assert "\x1b" not in r.stderr and "\x07" not in r.stderr
    assert r.stderr.count("\n") == 1  # one line: the key cannot start a line of its own


def test_control_characters_in_a_rule_code_and_a_pattern_are_escaped(tmp_path):
    project(tmp_path, '[tool.awaitwise.per-file-ignores]\n"t\\u001b/*" = ["AW\\u009b1"]\n')
    with pytest.raises(ConfigError) as info:
        resolve_settings([str(tmp_path)], None, {}, REG)
    message = str(info.value)
    assert "\x1b" not in message and "\x9b" not in message
    assert "per-file-ignores`.t\\x1b/*" in message and "AW\\x9b1" in message
