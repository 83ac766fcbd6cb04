"""`--add-noqa` through the real command: a directive on each reported line, merged into an existing
one, other comments kept, files written as fixes are (encoding, BOM, line endings, mode), never a
comment where it would break the code, and a second run changes nothing."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from awaitwise.cli import main
from awaitwise.noqa import find_directive, scan_comments, with_codes, without_codes

SOURCE = textwrap.dedent("""\
    import time


    async def f(p):
        time.sleep(1)
        time.sleep(2)  # noqa: E501
        time.sleep(3)  # type: ignore
        s = "# noqa: E501"; time.sleep(4)
        time.sleep(5); open(p).read()
        data = open(
            p
        ).read()
        time.sleep(6)  # noqa:W291,E501 keep this reason
        return data
    """)

EXPECTED = textwrap.dedent("""\
    import time


    async def f(p):
        time.sleep(1)  # noqa: AW100
        time.sleep(2)  # noqa: AW100, E501
        time.sleep(3)  # type: ignore  # noqa: AW100
        s = "# noqa: E501"; time.sleep(4)  # noqa: AW100
        time.sleep(5); open(p).read()  # noqa: AW100, AW103
        data = open(  # noqa: AW103
            p
        ).read()
        time.sleep(6)  # noqa:AW100, E501, W291 keep this reason
        return data
    """)


def invoke(*args):
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.fixture
def cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_adds_merges_and_keeps_comments(cwd):
    (cwd / "app.py").write_text(SOURCE)
    out = invoke("check", "--no-cache", "--add-noqa", "app.py")
    assert out.exit_code == 0, out.output
    assert out.stderr == "Added 7 noqa directives in 1 file.\n"
    assert out.stdout == ""  # findings are not listed: they are suppressed now
    assert (cwd / "app.py").read_text() == EXPECTED
    compile(EXPECTED, "app.py", "exec")
    assert invoke("check", "--no-cache", "app.py").exit_code == 0  # everything is suppressed


def test_a_second_run_changes_nothing(cwd):
    (cwd / "app.py").write_text(SOURCE)
    invoke("check", "--no-cache", "--add-noqa", "app.py")
    before = os.stat(cwd / "app.py").st_mtime_ns
    again = invoke("check", "--add-noqa", "app.py")
    assert again.exit_code == 0 and again.stderr == "Added 0 noqa directives.\n"
    assert (cwd / "app.py").read_text() == EXPECTED
    assert os.stat(cwd / "app.py").st_mtime_ns == before


def test_encoding_bom_line_endings_and_mode_are_kept(cwd):
    latin = "# -*- coding: latin-1 -*-\nimport time\n\n\nasync def f():\n    time.sleep(1)  # café\n"
    (cwd / "latin.py").write_bytes(latin.replace("\n", "\r\n").encode("latin-1"))
    os.chmod(cwd / "latin.py", 0o750)
    bom = "import time\r\rasync def f():\r    time.sleep(1)\r"
    (cwd / "bom.py").write_bytes(b"\xef\xbb\xbf" + bom.encode("utf-8"))
    out = invoke("check", "--no-cache", "--add-noqa", ".")
    assert out.exit_code == 0 and out.stderr == "Added 2 noqa directives in 2 files.\n"
    assert (cwd / "latin.py").read_bytes() == latin.replace("# café", "# café  # noqa: AW100").replace(
        "\n", "\r\n"
    ).encode("latin-1")
    assert stat.S_IMODE(os.stat(cwd / "latin.py").st_mode) == 0o750
    assert (cwd / "bom.py").read_bytes() == b"\xef\xbb\xbf" + bom.replace(
        "time.sleep(1)\r", "time.sleep(1)  # noqa: AW100\r"
    ).encode("utf-8")


def test_lines_that_cannot_take_a_comment_are_left_alone(cwd):
    source = textwrap.dedent('''\
        import time


        async def f():
            x = """
        """ + str(time.sleep(3)) or \\
                1
            return x
        ''')
    (cwd / "cont.py").write_text(source)
    out = invoke("check", "--no-cache", "--add-noqa", "cont.py")
    assert out.exit_code == 0
    assert "awaitwise: warning: cont.py:6: no `# noqa` added" in out.stderr
    assert out.stderr.endswith("Added 0 noqa directives.\n")
    assert (cwd / "cont.py").read_text() == source


def test_fix_then_suppress_what_is_left(cwd):
    (cwd / "app.py").write_text("import time\n\n\nasync def f(p):\n    time.sleep(1)\n    open(p).read()\n")
    out = invoke("fix", "--no-cache", "--add-noqa", "app.py")
    assert out.exit_code == 0
    assert out.stdout == "Fixed 1 error in 1 file (AW100: 1).\n"
    assert out.stderr == "Added 1 noqa directive in 1 file.\n"
    assert (cwd / "app.py").read_text() == (
        "import asyncio\n\n\nasync def f(p):\n    await asyncio.sleep(1)\n    open(p).read()  # noqa: AW103\n"
    )


def test_a_file_that_cannot_be_written_is_an_error(cwd):
    # root too: the writer honours the read-only bit (sourcefile.write_atomic)
    (cwd / "ro.py").write_text("import time\n\n\nasync def f():\n    time.sleep(1)\n")
    os.chmod(cwd / "ro.py", 0o444)
    out = invoke("check", "--no-cache", "--add-noqa", "ro.py")
    assert out.exit_code == 2
    assert "awaitwise: error: ro.py: could not write" in out.stderr
    assert (cwd / "ro.py").read_text().endswith("time.sleep(1)\n")


def test_parse_errors_are_not_suppressed(cwd):
    (cwd / "broken.py").write_text("def f(:\n")
    out = invoke("check", "--no-cache", "--add-noqa", "broken.py")
    assert out.exit_code == 0 and (cwd / "broken.py").read_text() == "def f(:\n"


def test_usage_errors(cwd):
    (cwd / "a.py").write_text("x = 1\n")
    r = subprocess.run(
        [sys.executable, "-m", "awaitwise", "check", "--add-noqa", "--stdin-filename", "a.py", "-"],
        input="x = 1\n",
        capture_output=True,
        text=True,
        cwd=cwd,
    )
    assert r.returncode == 2 and "--add-noqa" in r.stderr and "Traceback" not in r.stderr
    r = invoke("fix", "--add-noqa", "--diff", "a.py")
    assert r.exit_code == 2 and "--add-noqa" in r.output


def test_directive_edits():
    line = "x = 1  # noqa: B2, A1 why"
    d = find_directive(1, line.index("#"), line[line.index("#") :])
    assert d.codes == ("B2", "A1")
    assert with_codes(line, d, {"AW100"}) == "x = 1  # noqa: A1, AW100, B2 why"
    assert with_codes("x = 1   ", None, {"B1", "A1"}) == "x = 1  # noqa: A1, B1"
    assert with_codes("x  # noqa", find_directive(1, 3, "# noqa"), {"AW1"}) == "x  # noqa"  # blanket

    def drop(text, unwanted):
        c = text.index("#")
        d = find_directive(1, c, text[c:])
        s, e, new = without_codes(text, d, unwanted)
        return text[:s] + new + text[e:]

    assert drop("x = 1  # noqa: AW100, AW999", {"AW999"}) == "x = 1  # noqa: AW100"
    assert drop("x = 1  # noqa: AW999", {"AW999"}) == "x = 1"
    assert drop("x = 1  # type: ignore  # noqa: AW999", {"AW999"}) == "x = 1  # type: ignore"
    assert drop("x = 1  # noqa: AW999 legacy code", {"AW999"}) == "x = 1  # legacy code"
    assert drop("x = 1  # noqa: AW999  # other", {"AW999"}) == "x = 1  # other"


def test_comments_are_real_comments():
    source = 'a = "# noqa"\nb = """\n# noqa: X1\n"""  # noqa: AW100\nc = 1 + \\\n    2\n'
    comments = scan_comments(source)
    assert set(comments.by_row) == {4}
    assert comments.closed_rows == {2, 3, 5}
    assert comments.directive(4).codes == ("AW100",)
