"""Output stays safe and valid whatever the analysed tree holds: file names with bytes that are not
UTF-8, terminal escapes or newlines, and source text with escape sequences. Every format must
print each file's finding once, on its own line or record, as strict UTF-8 with no raw control
character, and no format may fail on a strict stdout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from urllib.parse import unquote_to_bytes

import pytest
from click.testing import CliRunner

from awaitwise.cli import main
from awaitwise.report import clean, clean_name, dump_json, fit

# A finding (AW100, with a safe fix) next to a string literal holding raw ESC and C1 CSI bytes.
SOURCE = b'import time\nasync def f():\n    x = "\x1b[2J\xc2\x9b31m"\n    time.sleep(1)\n'
NAMES = [b"bad\xff.py", b"evil\x1b[31m.py", b"nl\nfoo.py:1:1: AW999 forged.py"]
# each name as the text and github formats show it
SHOWN = {
    b"bad\xff.py": "bad\\xff.py",
    b"evil\x1b[31m.py": "evil\\x1b[31m.py",
    b"nl\nfoo.py:1:1: AW999 forged.py": "nl\\x0afoo.py:1:1: AW999 forged.py",
}
RAW_CONTROLS = ("\x1b", "\x9b", "\x07")


@pytest.fixture
def hostile(tmp_path, monkeypatch):
    if sys.platform == "win32":
        pytest.skip("these names cannot exist on Windows")
    for name in NAMES:
        try:
            with open(os.path.join(os.fsencode(tmp_path), name), "wb") as f:
                f.write(SOURCE)
        except OSError:  # a file system that only takes UTF-8 names (APFS)
            pytest.skip("the file system refuses these names")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _runner():
    try:
        return CliRunner(mix_stderr=False)  # click < 8.2
    except TypeError:
        return CliRunner()


def invoke(*args):
    """The command in-process, stdout and stderr as strict UTF-8 text. color=True keeps click from
    stripping ANSI sequences itself, so any that reach the output raw are seen."""
    result = _runner().invoke(main, list(args), color=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"the command failed: {result.exception!r}") from result.exception
    out = result.stdout_bytes.decode("utf-8")  # strict: fails on invalid UTF-8
    err = result.stderr_bytes.decode("utf-8")
    assert "Traceback" not in out + err
    for char in RAW_CONTROLS:
        assert char not in out and char not in err, (char, out, err)
    return result.exit_code, out, err


def test_text(hostile):
    code, out, _ = invoke("check", "--no-cache", "--output-format", "text", ".")
    assert code == 1
    lines = out.split("\n")
    findings = [line for line in lines if ": AW100 " in line]
    assert len(findings) == 3
    for shown in SHOWN.values():
        assert sum(line.startswith(f"{shown}:4:5: AW100 [*] ") for line in lines) == 1, shown
    assert not any(line.startswith("foo.py") for line in lines)  # no forged diagnostic line
    assert "Found 3 errors." in lines
    # the code frame shows the source line with its escapes made visible, once per file
    assert lines.count('3 |     x = "\\x1b[2J\\x9b31m"') == 3

    code, out, _ = invoke("check", "--no-cache", "--quiet", "--output-format", "concise", ".")
    assert code == 1
    assert sorted(line.split(":4:5:")[0] for line in out.splitlines()) == sorted(SHOWN.values())


def test_json(hostile):
    code, out, _ = invoke("check", "--no-cache", "--output-format", "json", ".")
    assert code == 1
    items = json.loads(out)
    # exact names, but the undecodable byte shown as the text format shows it
    assert sorted(item["filename"] for item in items) == sorted(
        ["bad\\xff.py", "evil\x1b[31m.py", "nl\nfoo.py:1:1: AW999 forged.py"]
    )
    assert all(item["code"] == "AW100" for item in items)


def test_sarif(hostile):
    code, out, _ = invoke("check", "--no-cache", "--output-format", "sarif", ".")
    assert code == 1
    log = json.loads(out)
    results = log["runs"][0]["results"]
    assert len(results) == 3
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results]
    assert sorted(unquote_to_bytes(uri) for uri in uris) == sorted(NAMES)  # the real files' bytes
    assert "bad%FF.py" in uris
    for uri in uris:
        assert uri.isascii() and "\n" not in uri and " " not in uri
    for r in results:  # a fix names the same file
        assert (
            r["fixes"][0]["artifactChanges"][0]["artifactLocation"]["uri"]
            == r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        )


def test_github(hostile):
    code, out, _ = invoke("check", "--no-cache", "--output-format", "github", ".")
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 3 and all(line.startswith("::error file=") for line in lines)
    for shown in ("bad\\xff.py", "evil\\x1b[31m.py", "nl%0Afoo.py%3A1%3A1%3A AW999 forged.py"):
        assert sum(line.startswith(f"::error file={shown},line=4,") for line in lines) == 1, shown


def test_fix_diff(hostile):
    code, out, _ = invoke("fix", "--diff", "--no-cache", ".")
    assert code == 1  # the diff is not empty
    lines = out.split("\n")
    assert lines[-1] == ""
    for line in lines[:-1]:
        assert line[:1] in ("-", "+", " ", "@"), repr(line)  # nothing forged between diff lines
    for shown in SHOWN.values():
        assert lines.count(f"--- a/{shown}") == 1 and lines.count(f"+++ b/{shown}") == 1, shown
    assert lines.count('     x = "\\x1b[2J\\x9b31m"') == 3  # the context line, escaped
    assert lines.count("+    await asyncio.sleep(1)") == 3
    for name in NAMES:  # --diff writes nothing
        with open(os.path.join(os.fsencode(hostile), name), "rb") as f:
            assert f.read() == SOURCE


def test_fix_diff_line_ends(tmp_path, monkeypatch):
    """A diff line is one terminal line: a lone CR is escaped, a form feed does not split a line,
    and a last line without a newline is marked instead of running into the next one."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cr.py").write_bytes(b"import time\rasync def f():\r    time.sleep(1)\r")
    (tmp_path / "ff.py").write_bytes(b"import time\n\x0c\nasync def f():\n    time.sleep(1)")
    code, out, _ = invoke("fix", "--diff", "--no-cache", "cr.py", "ff.py")
    assert code == 1
    assert "\r" not in out and "\x0c" not in out
    lines = out.split("\n")
    assert "-import time\\x0d" in lines and "+    await asyncio.sleep(1)\\x0d" in lines
    assert " \\x0c" in lines
    assert lines.count("\\ No newline at end of file") == 2
    assert "-    time.sleep(1)" in lines and "+    await asyncio.sleep(1)" in lines


def test_an_error_line_stays_one_escaped_line(hostile):
    with open(os.path.join(os.fsencode(hostile), b"nl\nawaitwise: error: forged\xff.py"), "wb") as f:
        f.write(b"\x1b[2J\x00")  # NUL bytes: the file cannot be read as source
    code, out, err = invoke("check", "--no-cache", ".")
    assert code == 2
    errors = [line for line in err.splitlines() if line.startswith("awaitwise: error:")]
    assert errors == [
        ("awaitwise: error: nl\\x0aawaitwise: error: forged\\xff.py: file contains NUL bytes (binary file?)")
    ]
    assert len([line for line in out.splitlines() if ": AW100 " in line]) == 3


@pytest.mark.parametrize("encoding", ["utf-8:strict", "ascii:strict", "latin-1:strict"])
@pytest.mark.parametrize(
    "command",
    [
        ("check", "--output-format", "text"),
        ("check", "--output-format", "json"),
        ("check", "--output-format", "sarif"),
        ("check", "--output-format", "github"),
        ("fix", "--diff"),
    ],
)
def test_a_strict_stdout_never_fails(hostile, encoding, command):
    """Through a real pipe whose encoding refuses what it cannot hold: no traceback, the exit
    code of the run, and a document JSON still parses."""
    env = dict(os.environ, PYTHONIOENCODING=encoding)
    r = subprocess.run(
        [sys.executable, "-m", "awaitwise", *command, "--no-cache", "."],
        cwd=hostile,
        capture_output=True,
        env=env,
        check=False,
    )
    assert b"Traceback" not in r.stderr, r.stderr.decode("utf-8", "replace")
    assert r.returncode == 1, r.stderr  # findings, or a diff that is not empty
    text = r.stdout.decode(encoding.split(":")[0])  # strict: what the stream promised
    for char in RAW_CONTROLS:
        assert char not in text
    if command[-1] in ("json", "sarif"):
        data = json.loads(text)
        assert len(data if command[-1] == "json" else data["runs"][0]["results"]) == 3


def test_clean_name():
    assert clean_name(os.fsdecode(b"bad\xff.py")) == "bad\\xff.py"
    assert clean_name("nl\nfoo\r.py") == "nl\\x0afoo\\x0d.py"
    assert clean_name("evil\x1b[31m\x9b\x7f.py") == "evil\\x1b[31m\\x9b\\x7f.py"
    assert clean_name("a\u2028b\u2029c\x85d") == "a\\u2028b\\u2029c\\x85d"
    assert clean_name("tab\there.py") == "tab\there.py"
    assert clean_name("café☃.py") == "café☃.py"  # printable text is left alone
    assert clean_name("\ud800") == "\\ud800"  # a surrogate that is not an escaped byte
    every_byte = clean_name(os.fsdecode(bytes(range(1, 256))))
    every_byte.encode("utf-8")  # strict: nothing left that cannot be encoded
    assert len(every_byte.splitlines()) == 1
    # messages keep their newlines, the rest is escaped the same way
    assert clean("a\nb\x1b\udcff") == "a\nb\\x1b\\xff"


def test_dump_json_and_fit():
    text = dump_json({"name": os.fsdecode(b"bad\xff.py"), "csi": "\x9b\x1b"})
    text.encode("utf-8")
    assert "\x9b" not in text and "\x1b" not in text
    assert json.loads(text) == {"name": "bad\\xff.py", "csi": "\x9b\x1b"}
    assert fit("é☃😀", "utf-8") == "é☃😀"
    assert fit("é☃😀", "latin-1") == "é\\u2603\\U0001f600"
    assert fit('"é☃😀"', "ascii", json_text=True) == '"\\u00e9\\u2603\\ud83d\\ude00"'
    assert json.loads(fit('"é☃😀"', "ascii", json_text=True)) == "é☃😀"
