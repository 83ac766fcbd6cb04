"""Bad input never crashes the tool or loses work.

Every input here gets one clear line naming the file, no traceback, and every other file of the
same run is still checked and reported (`good.py` below carries one AW100 finding that must always
come out). Exit codes follow DESIGN.md:

- 2 for a file that could not be read or written: undecodable, binary, unreadable, vanished, a
  fix that could not be written; and for usage/config errors.
- AW001 (a file that does not parse) is a diagnostic like any other, with a position, in every
  output format: it makes the exit code 1, as syntax errors do in ruff and flake8. It is not a
  processing failure of the tool: the file was read and the parser's verdict is the finding.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from awaitwise import discovery, sourcefile
from awaitwise.cli import main

GOOD = "import time\n\n\nasync def f():\n    time.sleep(1)\n"
GOOD_FIXED = "import asyncio\n\n\nasync def f():\n    await asyncio.sleep(1)\n"  # `import time` is no longer used
GOOD_LINE = "good.py:5:5: AW100"


def cli(*args, cwd):
    """Run the CLI in-process (fast); returns (exit code, stdout, stderr)."""
    try:
        runner = CliRunner(mix_stderr=False)  # click < 8.2
    except TypeError:
        runner = CliRunner()
    old = os.getcwd()
    os.chdir(cwd)
    try:
        result = runner.invoke(main, list(args), catch_exceptions=True)
    finally:
        os.chdir(old)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"the CLI raised {result.exception!r}") from result.exception
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def error_lines(stderr):
    return [line for line in stderr.splitlines() if line.startswith("awaitwise: error:")]


# ----------------------------------------------------------------------------------------------
# Files that cannot be read as Python source: exit 2, one line naming the file
# ----------------------------------------------------------------------------------------------

UNREADABLE = {
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", "NUL bytes"),
    "invalid_utf8": (b"x = '\xff\xfe caf\xe9'\n", "cannot decode as utf-8"),
    "nul_bytes": (b"x = 1\x00\ny = 2\n", "NUL bytes"),
    "unknown_cookie": (b"# -*- coding: klingon -*-\nx = 1\n", "unknown encoding 'klingon'"),
    "wrong_cookie": (b"# -*- coding: ascii -*-\nx = 'caf\xc3\xa9'\n", "cannot decode as ascii"),
    "bom_and_latin1_cookie": (b"\xef\xbb\xbf# coding: latin-1\nx = 1\n", "conflicts with the UTF-8 BOM"),
}


@pytest.mark.parametrize("mode", ["check", "fix"])
@pytest.mark.parametrize("case", sorted(UNREADABLE))
def test_unreadable_source_is_named_and_the_run_goes_on(tmp_path, case, mode):
    data, reason = UNREADABLE[case]
    (tmp_path / "bad.py").write_bytes(data)
    (tmp_path / "good.py").write_text(GOOD)
    code, out, err = cli(mode, "--no-cache", ".", cwd=tmp_path)
    assert code == 2
    (line,) = error_lines(err)
    assert line.startswith("awaitwise: error: bad.py: ") and reason in line
    assert (tmp_path / "bad.py").read_bytes() == data  # never touched
    if mode == "check":
        assert GOOD_LINE in out
    else:
        assert (tmp_path / "good.py").read_text() == GOOD_FIXED


def test_undecodable_stdin_is_a_clear_error(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["check", "--stdin-filename", "x.py"], input=b"x = '\xff'\n")
    assert result.exit_code == 2
    assert "<stdin>: cannot decode as utf-8" in (result.stderr if hasattr(result, "stderr") else result.output)


# ----------------------------------------------------------------------------------------------
# Files that read fine but do not parse: AW001 with the parser's line (exit 1, see the docstring)
# ----------------------------------------------------------------------------------------------

SYNTAX_ERRORS = {
    "py2_print": ("import os\nprint 'hello'\n", 2),
    "py2_raise": ("if x:\n    raise ValueError, 'bad'\n", 2),
    "py2_exec": ("exec 'x = 1'\n", 1),
    "py2_backticks": ("x = `1`\n", 1),
    "py2_octal": ("mode = 0755\n", 1),
    "unclosed_paren": ("x = (1,\n\ny = 2\n", 1),
    "bad_def": ("def f(:\n    pass\n", 1),
    "bad_indent": ("if True:\npass\n", 2),
    "unexpected_indent": ("x = 1\n    y = 2\n", 2),
    "unterminated_string": ("s = '''abc\n", 1),
    "stray_operator": ("x = 1 +\n", 1),
    "mixed_tabs": ("if True:\n        x = 1\n\ty = 2\n", 3),
}


@pytest.mark.parametrize("case", sorted(SYNTAX_ERRORS))
def test_syntax_errors_are_AW001_with_their_line(tmp_path, case):
    text, line = SYNTAX_ERRORS[case]
    (tmp_path / "broken.py").write_text(text)
    (tmp_path / "good.py").write_text(GOOD)
    code, out, err = cli("check", "--no-cache", ".", cwd=tmp_path)
    assert code == 1, err
    assert not error_lines(err)
    broken = [ln for ln in out.splitlines() if ln.startswith("broken.py:")]
    assert len(broken) == 1 and f"broken.py:{line}:" in broken[0] and "AW001 Could not parse file" in broken[0]
    assert "\n" not in broken[0].split("AW001", 1)[1]
    assert GOOD_LINE in out


def test_syntax_error_files_are_left_alone_by_fix(tmp_path):
    (tmp_path / "broken.py").write_text(SYNTAX_ERRORS["py2_print"][0])
    (tmp_path / "good.py").write_text(GOOD)
    code, out, _ = cli("fix", "--no-cache", ".", cwd=tmp_path)
    assert code == 1 and "broken.py:2:1: AW001" in out
    assert (tmp_path / "broken.py").read_text() == SYNTAX_ERRORS["py2_print"][0]
    assert (tmp_path / "good.py").read_text() == GOOD_FIXED


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\n\n", b"# just a comment", b"\xef\xbb\xbf\r\n"])
def test_empty_and_bom_only_files_are_clean(tmp_path, data):
    (tmp_path / "empty.py").write_bytes(data)
    (tmp_path / "good.py").write_text(GOOD)
    code, out, err = cli("check", "--no-cache", ".", cwd=tmp_path)
    assert code == 1 and not error_lines(err)
    assert "empty.py" not in out and GOOD_LINE in out
    code, _, err = cli("fix", "--no-cache", "empty.py", cwd=tmp_path)
    assert code == 0 and not error_lines(err)
    assert (tmp_path / "empty.py").read_bytes() == data


# ----------------------------------------------------------------------------------------------
# Size and depth
# ----------------------------------------------------------------------------------------------


def _run_measured(args, cwd):
    """Run the CLI in a child process; (completed process, seconds, peak RSS in MB or None)."""
    script = (
        "import sys, resource\n"
        "from awaitwise.cli import main\n"
        "try:\n"
        "    main(sys.argv[1:])\n"
        "finally:\n"
        "    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "    sys.stderr.write('\\nPEAK_RSS_KB=%d\\n' % kb)\n"
    )
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", script, *args], cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    peak = None
    for line in proc.stderr.splitlines():
        if line.startswith("PEAK_RSS_KB="):
            peak = int(line.split("=")[1]) / 1024
            if sys.platform == "darwin":  # bytes there
                peak /= 1024
    return proc, elapsed, peak


def _generated_table(lines):
    """A generated data module (the usual shape of a huge file: tables, protobuf, fixtures)."""
    out = ['"""Generated file: do not edit."""', "TABLE = {"]
    while len(out) < lines - 1:
        n = len(out)
        out.append(f"    {n}: ('name_{n}', {n * 0.5}, {'True' if n % 2 else 'None'}),")
    out.append("}")
    return "\n".join(out) + "\n"


@pytest.mark.skipif(sys.platform == "win32", reason="resource module")
def test_100k_line_generated_file(tmp_path):
    """No async syntax: screening proves no rule can fire, so only CPython's parser checks it
    (AW001). Measured on 2 busy cores: about 2 s and under 300 MB."""
    (tmp_path / "table.py").write_text(_generated_table(100_000))
    (tmp_path / "good.py").write_text(GOOD)
    proc, elapsed, peak = _run_measured(["check", "--no-cache", "--select", "ALL", "."], tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert GOOD_LINE in proc.stdout and "table.py" not in proc.stdout and "Traceback" not in proc.stderr
    assert elapsed < 60, elapsed
    assert peak is None or peak < 1024, peak


def _async_module(lines):
    out = ["import asyncio", "import time", ""]
    i = 0
    while len(out) < lines - 3:
        out += [
            f"async def handler_{i}(x):",
            f"    y = x + {i}",
            "    z = time.monotonic()",
            "    return await asyncio.sleep(y)",
            "",
        ]
        i += 1
    out += ["async def last():", "    time.sleep(1)"]
    return "\n".join(out) + "\n"


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("AWAITWISE_SLOW_TESTS"), reason="set AWAITWISE_SLOW_TESTS=1 (about a minute)")
@pytest.mark.skipif(sys.platform == "win32", reason="resource module")
def test_100k_line_async_module_is_fully_analysed(tmp_path):
    """100,000 lines of coroutines: every rule runs over a full libcst parse. Measured on 2 busy
    cores: 30-45 s and about 1.1-1.4 GB (libcst's parse tree dominates both)."""
    text = _async_module(100_000)
    (tmp_path / "big.py").write_text(text)
    last = text.splitlines().index("    time.sleep(1)") + 1
    proc, elapsed, peak = _run_measured(["check", "--no-cache", "--select", "ALL", "big.py"], tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.startswith(f"big.py:{last}:5: AW100 "), proc.stdout[:500]
    sys.stderr.write(f"100k-line async module: {elapsed:.1f} s, peak RSS {peak} MB\n")
    assert elapsed < 600 and (peak is None or peak < 3 * 1024)


DEEP = 1000
DEEP_INPUTS = {
    # valid for CPython: long left-nested operator chains (generated code has them)
    "operator_chain": "async def f():\n    time.sleep(1)\n    x = " + " + ".join(["a"] * DEEP) + "\n",
    "unary_chain": "async def f():\n    time.sleep(1)\n    x = " + "-" * DEEP + "1\n",
    "lambda_chain": "async def f():\n    time.sleep(1)\n    x = " + "lambda: " * DEEP + "1\n",
    # beyond CPython's own limits (200 nested parentheses, 100 indentation levels)
    "nested_calls": "async def f():\n    time.sleep(1)\n    x = " + "g(" * DEEP + ")" * DEEP + "\n",
    "nested_lists": "async def f():\n    time.sleep(1)\n    x = " + "[" * DEEP + "]" * DEEP + "\n",
    "nested_blocks": "async def f():\n"
    + "".join("    " * (i + 1) + "if x:\n" for i in range(DEEP))
    + "    " * (DEEP + 1)
    + "time.sleep(1)\n",
    "nested_defs": "".join("    " * i + f"async def f{i}():\n" for i in range(DEEP)) + "    " * DEEP + "pass\n",
}


# libcst's parser takes seconds on 1,000 nested brackets (which CPython itself refuses past
# 200): those run in one mode only, the nested calls only with AWAITWISE_SLOW_TESTS=1.
_SLOW_DEEP = pytest.mark.skipif(not os.environ.get("AWAITWISE_SLOW_TESTS"), reason="set AWAITWISE_SLOW_TESTS=1")
DEEP_CASES = [
    (case, mode)
    for case in sorted(DEEP_INPUTS)
    for mode in ("check", "fix")
    if case not in ("nested_calls", "nested_lists")
]
DEEP_CASES += [("nested_lists", "check"), pytest.param("nested_calls", "fix", marks=_SLOW_DEEP)]


@pytest.mark.parametrize("case,mode", DEEP_CASES)
def test_deeply_nested_input_is_contained(tmp_path, case, mode):
    """Never a RecursionError escaping: the finding is reported, or the file gets AW001 (what
    CPython rejects), or one error line says it is too deeply nested. The run goes on."""
    text = "import time\n" + DEEP_INPUTS[case]
    (tmp_path / "deep.py").write_text(text)
    (tmp_path / "good.py").write_text(GOOD)
    code, out, err = cli(mode, "--no-cache", ".", cwd=tmp_path)
    errors = error_lines(err)
    assert "RecursionError" not in out + err
    deep = [ln for ln in out.splitlines() if ln.startswith("deep.py:")]
    if mode == "check":
        assert GOOD_LINE in out
    else:
        assert (tmp_path / "good.py").read_text() == GOOD_FIXED
    if errors:
        (line,) = errors
        assert line.startswith("awaitwise: error: deep.py: ") and "too deeply nested" in line
        assert code == 2
        assert (tmp_path / "deep.py").read_text() == text
    else:
        if mode == "check" or "AW001" in out:
            assert deep, out  # reported: AW100, or AW001 when the parser refuses it
        # findings remain (exit 1), unless `fix` fixed the only one
        assert code == (0 if mode == "fix" and "AW001" not in out else 1)
    if mode == "fix" and not errors and "AW001" not in out:
        fixed = (tmp_path / "deep.py").read_text()
        assert "await asyncio.sleep(1)" in fixed


# ----------------------------------------------------------------------------------------------
# The file system
# ----------------------------------------------------------------------------------------------


def test_unreadable_file(tmp_path, monkeypatch):
    """chmod 000. Root reads such files anyway, so there the permission failure is simulated at
    the one place awaitwise opens source files (sourcefile.read)."""
    bad = tmp_path / "secret.py"
    bad.write_text(GOOD)
    (tmp_path / "good.py").write_text(GOOD)
    bad.chmod(0)
    try:
        if os.access(bad, os.R_OK):  # running as root
            real_open = open

            def guarded_open(path, *args, **kwargs):
                if os.path.basename(str(path)) == "secret.py":
                    raise PermissionError(13, "Permission denied", str(path))
                return real_open(path, *args, **kwargs)

            monkeypatch.setattr(sourcefile, "open", guarded_open, raising=False)
        code, out, err = cli("check", "--no-cache", ".", cwd=tmp_path)
    finally:
        bad.chmod(0o644)
    assert code == 2
    (line,) = error_lines(err)
    assert line == "awaitwise: error: secret.py: permission denied"
    assert GOOD_LINE in out and "secret.py:" not in out


def test_directory_named_like_a_python_file(tmp_path):
    (tmp_path / "x.py").mkdir()
    (tmp_path / "x.py" / "inner.py").write_text(GOOD)
    (tmp_path / "good.py").write_text(GOOD)
    for args in (
        [
            ".",
        ],
        ["x.py", "good.py"],
    ):
        code, out, err = cli("check", "--no-cache", *args, cwd=tmp_path)
        assert code == 1 and not error_lines(err)
        assert GOOD_LINE in out and os.path.join("x.py", "inner.py") + ":5:5: AW100" in out


@pytest.mark.skipif(not hasattr(os, "symlink") or sys.platform == "win32", reason="symlinks")
def test_symlink_loops(tmp_path):
    (tmp_path / "good.py").write_text(GOOD)
    os.symlink("b.py", tmp_path / "a.py")
    os.symlink("a.py", tmp_path / "b.py")
    (tmp_path / "pkg").mkdir()
    os.symlink("..", tmp_path / "pkg" / "up")  # a folder loop
    os.symlink("pkg", tmp_path / "pkg" / "self")
    code, out, err = cli("check", "--no-cache", ".", cwd=tmp_path)
    assert code == 2
    assert sorted(line.split(": ")[2] for line in error_lines(err)) == ["a.py", "b.py"]
    assert all("symbolic link" in line for line in error_lines(err))
    assert out.count(GOOD_LINE) == 1  # found once, however many links lead to it
    code, out, err = cli("check", "--no-cache", "a.py", "good.py", cwd=tmp_path)
    assert code == 2 and error_lines(err)[0].startswith("awaitwise: error: a.py: ") and GOOD_LINE in out


def test_files_deleted_or_changed_between_discovery_and_reading(tmp_path, monkeypatch):
    for name in ("gone.py", "now_binary.py", "now_dir.py", "changed.py"):
        (tmp_path / name).write_text("x = 1\n")
    (tmp_path / "good.py").write_text(GOOD)
    real = discovery.discover

    def discover_then_interfere(paths, settings, *args, **kwargs):
        found = real(paths, settings, *args, **kwargs)
        if not (tmp_path / "gone.py").exists():
            return found  # discovery ran again (the project index): interfere once
        (tmp_path / "gone.py").unlink()
        (tmp_path / "now_binary.py").write_bytes(b"\x00\x01\x02")
        (tmp_path / "now_dir.py").unlink()
        (tmp_path / "now_dir.py").mkdir()
        (tmp_path / "changed.py").write_text(GOOD)  # the new content is what gets checked
        return found

    monkeypatch.setattr(discovery, "discover", discover_then_interfere)
    code, out, err = cli("check", "--no-cache", ".", cwd=tmp_path)
    assert code == 2
    lines = sorted(error_lines(err))
    assert len(lines) == 3, lines
    assert lines[0].startswith("awaitwise: error: gone.py: no such file")
    assert lines[1].startswith("awaitwise: error: now_binary.py: ") and "NUL" in lines[1]
    assert lines[2].startswith("awaitwise: error: now_dir.py: ")
    assert GOOD_LINE in out and "changed.py:5:5: AW100" in out


def test_paths_that_do_not_exist(tmp_path):
    (tmp_path / "good.py").write_text(GOOD)
    for mode in ("check", "fix"):
        code, _out, err = cli(mode, "--no-cache", "missing.py", "no/such/dir", "good.py", cwd=tmp_path)
        assert code == 2
        assert sorted(error_lines(err)) == [
            "awaitwise: error: missing.py: no such file or directory",
            f"awaitwise: error: {os.path.join('no', 'such', 'dir')}: no such file or directory",
        ]
    assert (tmp_path / "good.py").read_text() == GOOD_FIXED


# ----------------------------------------------------------------------------------------------
# Configuration and options: exit 2 before anything runs, one line naming the file and key
# ----------------------------------------------------------------------------------------------

BAD_CONFIGS = {
    "not_toml": ("[tool.awaitwise\nselect = [", "invalid TOML"),
    "unknown_key": ("[tool.awaitwise]\nselectt = ['AW100']\n", "selectt"),
    "unknown_code": ("[tool.awaitwise]\nselect = ['AW999']\n", "AW999"),
    "wrong_type": ("[tool.awaitwise]\nselect = 3\n", "select"),
    "bad_target": ("[tool.awaitwise]\ntarget-version = 'py27'\n", "py27"),
    "bad_per_file_ignores": ("[tool.awaitwise]\nper-file-ignores = ['AW100']\n", "per-file-ignores"),
    "unknown_ignore_in_table": ("[tool.awaitwise.per-file-ignores]\n'tests/*' = ['NOPE1']\n", "NOPE1"),
}


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_malformed_pyproject(tmp_path, case):
    text, named = BAD_CONFIGS[case]
    (tmp_path / "pyproject.toml").write_text(text)
    (tmp_path / "good.py").write_text(GOOD)
    for mode in ("check", "fix"):
        code, out, err = cli(mode, "--no-cache", ".", cwd=tmp_path)
        assert code == 2, (out, err)
        (line,) = error_lines(err)
        assert "pyproject.toml" in line and named in line
        assert "\n" not in line
    assert (tmp_path / "good.py").read_text() == GOOD  # nothing was fixed under a broken config


def test_invalid_utf8_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_bytes(b"[tool.awaitwise]\nselect = ['\xff']\n")
    (tmp_path / "good.py").write_text(GOOD)
    code, _, err = cli("check", "--no-cache", ".", cwd=tmp_path)
    assert code == 2
    (line,) = error_lines(err)
    assert "pyproject.toml" in line


@pytest.mark.parametrize("option", ["--select", "--ignore", "--extend-select"])
@pytest.mark.parametrize("value", ["AW999", "XYZ", "AW1,BOGUS"])
def test_unknown_code_on_the_command_line(tmp_path, option, value):
    (tmp_path / "good.py").write_text(GOOD)
    code, out, err = cli("check", "--no-cache", option, value, ".", cwd=tmp_path)
    assert code == 2 and out == ""
    (line,) = error_lines(err)
    bad = value.split(",")[-1]
    assert option in line and bad in line


# ----------------------------------------------------------------------------------------------
# Writing: a file that cannot be written is reported and left as it was
# ----------------------------------------------------------------------------------------------


def test_read_only_file_is_not_rewritten(tmp_path):
    """A read-only file (mode 0444) is honoured even as root, who could write it: awaitwise
    checks the permission bits itself, because its atomic rename would otherwise get past them."""
    ro = tmp_path / "ro.py"
    ro.write_text(GOOD)
    ro.chmod(0o444)
    (tmp_path / "good.py").write_text(GOOD)
    try:
        code, _out, err = cli("fix", "--no-cache", ".", cwd=tmp_path)
        assert code == 2
        (line,) = error_lines(err)
        assert line.startswith("awaitwise: error: ro.py: could not write the fixed file") and "read-only" in line
        assert ro.read_text() == GOOD and stat.S_IMODE(ro.stat().st_mode) == 0o444
        assert (tmp_path / "good.py").read_text() == GOOD_FIXED
    finally:
        ro.chmod(0o644)


@pytest.mark.parametrize("failure", ["mkstemp", "write", "replace"])
def test_failed_write_keeps_the_original(tmp_path, monkeypatch, failure):
    """An unwritable folder, a full disk, a failing rename. Root bypasses folder permissions, so the
    failure is injected in-process at the step it would hit."""
    (tmp_path / "a.py").write_text(GOOD)
    (tmp_path / "good.py").write_text(GOOD)

    def boom(*args, **kwargs):
        raise OSError(
            28 if failure == "write" else 13, "No space left on device" if failure == "write" else "Permission denied"
        )

    real_replace = os.replace
    if failure == "mkstemp":
        import tempfile  # sourcefile imports it when it writes

        real_mkstemp = tempfile.mkstemp
        monkeypatch.setattr(
            tempfile,
            "mkstemp",
            lambda *a, **k: (
                boom() if "a.py" in str(k.get("dir", "")) or _writing[0] == "a.py" else real_mkstemp(*a, **k)
            ),
        )
    elif failure == "write":
        monkeypatch.setattr(sourcefile.os, "fsync", lambda fd: boom() if _writing[0] == "a.py" else None)
    else:
        monkeypatch.setattr(
            sourcefile.os,
            "replace",
            lambda src, dst: boom() if os.path.basename(dst) == "a.py" else real_replace(src, dst),
        )
    real_write = sourcefile.write_atomic

    def tracking_write(path, data, *args, **kwargs):
        _writing[0] = os.path.basename(path)
        return real_write(path, data, *args, **kwargs)

    _writing = [""]
    monkeypatch.setattr("awaitwise.runner.write_atomic", tracking_write)
    code, _, err = cli("fix", "--no-cache", "--jobs", "1", ".", cwd=tmp_path)
    assert code == 2
    (line,) = error_lines(err)
    assert line.startswith("awaitwise: error: a.py: could not write the fixed file: ")
    assert (tmp_path / "a.py").read_text() == GOOD
    assert (tmp_path / "good.py").read_text() == GOOD_FIXED
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.py", "good.py"]  # no temp file left


def test_file_changed_while_being_fixed_is_not_overwritten(tmp_path, monkeypatch):
    """The user saves the file while `fix` works on it: their edit wins, the fix is reported."""
    from awaitwise import fixer

    (tmp_path / "a.py").write_text(GOOD)
    real = fixer.fix_loop
    edited = "import time\n\n\nasync def f():\n    time.sleep(2)  # edited meanwhile\n"

    def fix_loop_while_user_edits(*args, **kwargs):
        outcome = real(*args, **kwargs)
        (tmp_path / "a.py").write_text(edited)
        return outcome

    monkeypatch.setattr(fixer, "fix_loop", fix_loop_while_user_edits)
    code, _, err = cli("fix", "--no-cache", "a.py", cwd=tmp_path)
    assert code == 2
    (line,) = error_lines(err)
    assert line.startswith("awaitwise: error: a.py: could not write the fixed file: ") and "changed" in line
    assert (tmp_path / "a.py").read_text() == edited


# ----------------------------------------------------------------------------------------------
# Round trips: only the fixed ranges change, byte for byte
# ----------------------------------------------------------------------------------------------


def _template(newline, body_fixed, encoding="utf-8", bom=False, cookie=None):
    lines = []
    if cookie:
        lines.append(f"# -*- coding: {cookie} -*-")
    lines += [
        "import asyncio",
        *(() if body_fixed else ("import time",)),  # the fix leaves it unused: it goes
        "",
        "GREETING = 'caf\u00e9 na\u00efve'   # trailing spaces   ",
        "",
        "",
        "async def main():",
        "\tx = 1  # tab-indented body",
        "\tawait asyncio.sleep(1)" if body_fixed else "\ttime.sleep(1)",
        "\treturn x",
    ]
    data = newline.join(lines).encode(encoding)  # no newline at the end of the file
    return (b"\xef\xbb\xbf" + data) if bom else data


ROUND_TRIPS = {
    "crlf": dict(newline="\r\n"),
    "lf": dict(newline="\n"),
    "bom": dict(newline="\n", bom=True),
    "bom_crlf": dict(newline="\r\n", bom=True),
    "latin1_cookie": dict(newline="\n", encoding="latin-1", cookie="latin-1"),
    "cp1252_cookie_crlf": dict(newline="\r\n", encoding="cp1252", cookie="cp1252"),
}


@pytest.mark.parametrize("case", sorted(ROUND_TRIPS))
def test_fix_keeps_encoding_bom_newlines_and_mode(tmp_path, case):
    opts = ROUND_TRIPS[case]
    path = tmp_path / "script.py"
    path.write_bytes(_template(body_fixed=False, **opts))
    path.chmod(0o751)
    code, _, err = cli("fix", "--no-cache", "script.py", cwd=tmp_path)
    assert code == 0, err
    assert path.read_bytes() == _template(body_fixed=True, **opts)
    assert stat.S_IMODE(path.stat().st_mode) == 0o751
    # and a second run changes nothing
    cli("fix", "--no-cache", "script.py", cwd=tmp_path)
    assert path.read_bytes() == _template(body_fixed=True, **opts)


def test_mixed_line_endings_are_kept_line_by_line(tmp_path):
    before = b"import time\r\nimport asyncio\n\nasync def f():\r\n    time.sleep(1)\r\n    x = 1\n"
    after = b"import asyncio\n\nasync def f():\r\n    await asyncio.sleep(1)\r\n    x = 1\n"
    (tmp_path / "m.py").write_bytes(before)
    code, _, err = cli("fix", "--no-cache", "m.py", cwd=tmp_path)
    assert code == 0, err
    assert (tmp_path / "m.py").read_bytes() == after


@pytest.mark.skipif(not hasattr(os, "symlink") or sys.platform == "win32", reason="symlinks")
def test_fixing_through_a_symlink_keeps_the_link(tmp_path):
    (tmp_path / "real.py").write_text(GOOD)
    os.symlink("real.py", tmp_path / "link.py")
    code, _, err = cli("fix", "--no-cache", "link.py", cwd=tmp_path)
    assert code == 0, err
    assert os.path.islink(tmp_path / "link.py")
    assert (tmp_path / "real.py").read_text() == GOOD_FIXED
