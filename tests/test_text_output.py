"""The default text output: each finding with its source lines and `^` markers under its span (a
code frame), colour only on a terminal or with FORCE_COLOR (never with NO_COLOR), source text
escaped, and `--output-format concise` for one line per finding."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from awaitwise.cli import main
from awaitwise.diagnostics import Diagnostic, Location
from awaitwise.report import wants_color
from awaitwise.report.frame import render_frame
from awaitwise.report.text_format import render
from terminal_support import run_on_terminal

ESC = "\x1b"


def check(*args, stdin=None):
    result = CliRunner().invoke(main, ["check", "--no-cache", *args], input=stdin)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.fixture
def cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_finding_shows_its_line_context_and_marker(cwd):
    (cwd / "tick.py").write_text("import time\n\n\nasync def tick():\n    time.sleep(1)\n    return 2\n")
    out = check("tick.py")
    assert out.exit_code == 1
    assert out.output == textwrap.dedent("""\
        tick.py:5:5: AW100 [*] `time.sleep()` blocks the event loop; use `await asyncio.sleep(...)`
          |
        4 | async def tick():
        5 |     time.sleep(1)
          |     ^^^^^^^^^^^^^ AW100
        6 |     return 2
          |
          = help: Replace with `await asyncio.sleep(...)`

        Found 1 error.
        [*] 1 fixable with `awaitwise fix`.
        """)
    assert ESC not in out.output


def test_concise_keeps_one_line_per_finding(cwd):
    (cwd / "tick.py").write_text("import time\n\n\nasync def tick():\n    time.sleep(1)\n    time.sleep(2)\n")
    out = check("--output-format", "concise", "tick.py")
    assert out.exit_code == 1
    assert out.output.splitlines() == [
        "tick.py:5:5: AW100 [*] `time.sleep()` blocks the event loop; use `await asyncio.sleep(...)`",
        "tick.py:6:5: AW100 [*] `time.sleep()` blocks the event loop; use `await asyncio.sleep(...)`",
        "Found 2 errors.",
        "[*] 2 fixable with `awaitwise fix`.",
    ]


def _marker_under(output: str, line_text: str):
    """(the frame line showing `line_text`, the marker line under it), gutters removed."""
    lines = output.splitlines()
    for i, line in enumerate(lines):
        if line.endswith(line_text) and " | " in line:
            return line.split(" | ", 1)[1], lines[i + 1].split(" | ", 1)[1]
    raise AssertionError(f"{line_text!r} not shown in:\n{output}")


def test_tabs_and_wide_characters_keep_the_marker_under_the_call(cwd):
    # a tab, then two CJK characters (two cells each) and an emoji before the call
    (cwd / "wide.py").write_text('import time\n\n\nasync def f():\n\tx = "中文😀"; time.sleep(1)\n')
    out = check("wide.py")
    shown, marker = _marker_under(out.output, "time.sleep(1)")
    assert "\t" not in out.output
    assert shown == '    x = "中文😀"; time.sleep(1)'
    # 4 (tab) + len('x = "') + 3 wide characters of two cells + len('"; ')
    assert marker == " " * (4 + 5 + 6 + 3) + "^" * len("time.sleep(1)") + " AW100"


def test_combining_marks_take_no_cell(cwd):
    (cwd / "mark.py").write_text('import time\n\n\nasync def f():\n    s = "e\u0301"; time.sleep(1)\n')
    out = check("mark.py")
    _shown, marker = _marker_under(out.output, "time.sleep(1)")
    assert marker.index("^") == len('    s = "e"; ')


def test_source_controls_and_bidi_overrides_are_shown_escaped(cwd):
    # raw ESC, a C1 control, a right-to-left override and a form feed in the reported line
    source = 'import time\n\n\nasync def f():\n    x = "\x1b[2J\x9b\u202e"; time.sleep(1)  \x0c\n'
    (cwd / "ctl.py").write_text(source)
    out = check("ctl.py")
    for raw in (ESC, "\x9b", "\u202e", "\x0c"):
        assert raw not in out.output
    shown, marker = _marker_under(out.output, "time.sleep(1)  \\x0c")
    assert shown == '    x = "\\x1b[2J\\x9b\\u202e"; time.sleep(1)  \\x0c'
    assert marker.index("^") == shown.index("time.sleep")  # escapes count as the cells they take


def test_a_multi_line_span_marks_each_line_and_labels_the_last(cwd):
    (cwd / "multi.py").write_text(
        textwrap.dedent("""\
        async def f(p):
            data = open(
                p
            ).read()
            return data
        """)
    )
    out = check("--select", "AW103", "multi.py")
    assert out.exit_code == 1
    assert out.output.splitlines()[1:11] == [
        "  |",
        "1 | async def f(p):",
        "2 |     data = open(",
        "  |            ^^^^^",
        "3 |         p",
        "  |         ^",
        "4 |     ).read()",
        "  |     ^^^^^^^^ AW103",
        "5 |     return data",
        "  |",
    ]


def test_a_long_span_is_elided_in_the_middle():
    lines = ["async def f():"] + [f"    x{i} = {i}" for i in range(20)] + ["    return x0"]
    frame = render_frame(lines, "AW999", (2, 4), (21, 11))
    assert frame is not None
    assert sum(1 for line in frame if line.endswith("^")) + sum("AW999" in line for line in frame) == 7
    assert any(line.strip().startswith(":") and line.endswith("...") for line in frame)
    assert frame[-3].endswith("^ AW999") and frame[-4].endswith("x19 = 19")


def test_a_parse_error_points_at_its_column(cwd):
    (cwd / "broken.py").write_text("def f(:\n    pass\n")
    out = check("broken.py")
    assert out.exit_code == 1
    _shown, marker = _marker_under(out.output, "def f(:")
    assert marker.strip().startswith("^") and marker.endswith(" AW001")


def test_no_frame_when_the_file_cannot_be_read_again():
    d = Diagnostic("AW100", "message", "gone.py", Location(3, 1), Location(3, 5))
    text = render([d], None, sources=lambda name: None)
    assert text.splitlines() == ["gone.py:3:1: AW100 message", "", "Found 1 error."]
    shorter = render([d], None, sources=lambda name: ["only one line"])
    assert shorter.splitlines()[:2] == ["gone.py:3:1: AW100 message", ""]


def test_the_remaining_findings_of_fix_show_the_fixed_source(cwd):
    (cwd / "both.py").write_text("import time\n\n\nasync def f(p):\n    time.sleep(1)\n    open(p).read()\n")
    out = CliRunner().invoke(main, ["fix", "--no-cache", "both.py"])
    assert out.exit_code == 1
    assert "5 |     await asyncio.sleep(1)" in out.output
    # `import time`, unused now, gave way to `import asyncio`
    assert "both.py:6:5: AW103" in out.output and "6 |     open(p).read()" in out.output


def test_stdin_check_frames_the_text_it_read(cwd):
    out = check("--stdin-filename", "nowhere/app.py", "-", stdin="import time\n\n\nasync def f():\n    time.sleep(3)\n")
    assert out.exit_code == 1
    assert "5 |     time.sleep(3)" in out.output


@pytest.mark.parametrize(
    "environ, isatty, expected",
    [
        ({}, True, True),
        ({}, False, False),
        ({"NO_COLOR": "1"}, True, False),
        ({"NO_COLOR": "anything"}, True, False),
        ({"NO_COLOR": ""}, True, True),  # set but empty: not a request (no-color.org)
        ({"FORCE_COLOR": "1"}, False, True),
        ({"FORCE_COLOR": "0"}, False, True),  # any non-empty value
        ({"FORCE_COLOR": ""}, False, False),
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False, False),  # NO_COLOR wins, as in CPython
        ({"TERM": "dumb"}, True, False),
        ({"TERM": "dumb", "FORCE_COLOR": "1"}, True, True),
    ],
)
def test_colour_decision(environ, isatty, expected):
    class Stream:
        def isatty(self):
            return isatty

    assert wants_color(Stream(), environ) is expected


BAD = "import time\n\n\nasync def f():\n    time.sleep(1)\n"


def _run(tmp_path, env_extra, tty: bool):
    (tmp_path / "a.py").write_text(BAD)
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "TERM")}
    env.update(env_extra)
    cmd = [sys.executable, "-m", "awaitwise", "check", "--no-cache", "a.py"]
    if not tty:
        proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, env=env, timeout=120)
        return proc.returncode, proc.stdout
    proc, out = run_on_terminal(cmd[3:], tmp_path, stream="stdout", env=env, timeout=120)
    return proc.returncode, out


@pytest.mark.parametrize(
    "env_extra, tty, coloured",
    [
        ({}, False, False),
        ({}, True, True),
        ({"NO_COLOR": "1"}, True, False),
        ({"FORCE_COLOR": "1"}, False, True),
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False, False),
    ],
)
def test_colour_through_the_real_program(tmp_path, env_extra, tty, coloured):
    code, out = _run(tmp_path, env_extra, tty)
    assert code == 1
    assert (b"\x1b[" in out) is coloured
    plain = out.replace(b"\r\n", b"\n")
    if coloured:
        import re

        plain = re.sub(rb"\x1b\[[0-9;]*m", b"", plain)
        assert b"\x1b" not in plain  # styles only, nothing else
    assert b"a.py:5:5: AW100 [*]" in plain and b"  |     ^^^^^^^^^^^^^ AW100" in plain


def test_a_very_long_line_is_cut_around_the_span():
    long_line = "x=1;" * 100 + "time.sleep(1);" + "y=2;" * 100
    frame = render_frame(["async def f():", long_line, "    return"], "AW100", (2, 400), (2, 413))
    shown = frame[2].split(" | ", 1)[1]
    marker = frame[3].split(" | ", 1)[1]
    assert shown.startswith("...") and shown.endswith("...") and len(shown) <= 3 + 200 + 3
    assert shown[marker.index("^") :].startswith("time.sleep(1)")
    assert marker.strip() == "^" * 13 + " AW100"
    assert frame[1].endswith(" | ...")  # the context lines share the window
    # a span that goes past the window is marked up to its edge, and its last line still labelled
    frame = render_frame(["    " + "a" * 300 + "(", "  b)"], "AW100", (1, 4), (2, 4))
    assert frame[2].rstrip().endswith("^") and len(frame[2]) <= 220
    assert frame[-2].endswith("^^ AW100")
