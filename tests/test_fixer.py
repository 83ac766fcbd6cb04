"""The fix loop: overlap handling, shared imports, verification, convergence, faithful writes."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

from awaitwise.config import Settings
from awaitwise.diagnostics import Diagnostic, Edit, Fix, Location
from awaitwise.engine import LintOutput, lint_source
from awaitwise.fixer import apply_edits, fix_loop, select_fixes
from awaitwise.registry import get_registry

AW100 = get_registry().get("AW100")
L = Location(1, 1)


def diag(code, *edits, applicability="safe"):
    return Diagnostic(code, "m", "f.py", L, L, Fix(applicability, "fix", tuple(edits)))


def edit(start, end, content):
    return Edit(content, L, L, start, end)


def test_overlapping_fixes_are_deferred_identical_edits_shared():
    shared = edit(0, 0, "import asyncio\n")
    a = diag("AW100", shared, edit(10, 20, "A"))
    b = diag("AW100", shared, edit(15, 25, "B"))  # overlaps a
    c = diag("AW100", shared, edit(30, 35, "C"))
    chosen = select_fixes([a, b, c], unsafe=False)
    assert chosen == [a, c]
    text = "x" * 40
    out = apply_edits(text, [e for d in chosen for e in d.fix.edits])
    assert out.count("import asyncio") == 1
    assert out == "import asyncio\n" + "x" * 10 + "A" + "x" * 10 + "C" + "x" * 5


def test_unsafe_fixes_need_opt_in():
    d = diag("AW101", edit(0, 1, "y"), applicability="unsafe")
    assert select_fixes([d], unsafe=False) == []
    assert select_fixes([d], unsafe=True) == [d]


def test_two_sleeps_one_import_and_idempotent():
    src = "import time\n\nasync def f():\n    time.sleep(1)\n    time.sleep(2)\n"
    lint = lambda s: lint_source(s, "f.py", Settings(), [AW100])  # noqa: E731
    out = fix_loop(src, lint, unsafe=False)
    assert out.source.count("import asyncio") == 1
    assert out.source.count("await asyncio.sleep(") == 2
    assert out.applied == {"AW100": 2}
    assert "import time" not in out.source  # neither fix alone took its last use; both did
    again = fix_loop(out.source, lint, unsafe=False)
    assert again.applied == {} and again.source == out.source


def test_unused_import_cleanup_is_an_edit_that_must_parse(monkeypatch):
    from awaitwise import fixer

    src = "import time\n\nasync def f():\n    time.sleep(1)\n"
    lint = lambda s: lint_source(s, "f.py", Settings(), [AW100])  # noqa: E731
    seen = []
    real = fixer.apply_edits
    monkeypatch.setattr(fixer, "apply_edits", lambda s, e: seen.append(list(e)) or real(s, e))
    out = fix_loop(src, lint, unsafe=False)
    assert out.source == "import asyncio\n\nasync def f():\n    await asyncio.sleep(1)\n"
    assert [e.content for e in seen[-1]] == [""]  # the last applied edit removed `import time`
    assert out.remaining == []
    # a cleanup whose result would not parse is not applied
    monkeypatch.setattr(fixer, "_parses", lambda s: None if "time" in s else "broken")
    assert "import time" in fix_loop(src, lint, unsafe=False).source


def test_a_fix_that_breaks_the_file_is_dropped_and_reported():
    src = "x = 1\n"
    bad = diag("AW999", edit(0, 1, "def ("))

    def lint(s):
        return LintOutput(diagnostics=[bad] if s == src else [])

    out = fix_loop(src, lint, unsafe=True)
    assert out.source == src
    assert out.applied == {}
    assert "would not parse" in out.errors[0]


def test_a_fix_that_never_converges_is_reported():
    counter = {"n": 0}

    def lint(s):
        counter["n"] += 1
        return LintOutput(diagnostics=[diag("AW998", edit(0, 0, "#\n"))])

    out = fix_loop("x = 1\n", lint, unsafe=True)
    assert "did not converge" in out.errors[-1] and "AW998" in out.errors[-1]


def _run(args, cwd):
    return subprocess.run([sys.executable, "-m", "awaitwise", *args], cwd=cwd, capture_output=True)


def test_fix_keeps_crlf_bom_cookie_and_mode(tmp_path):
    crlf = tmp_path / "crlf.py"
    crlf.write_bytes(b"import time\r\n\r\nasync def f():\r\n    time.sleep(1)\r\n")
    bom = tmp_path / "bom.py"
    bom.write_bytes(b"\xef\xbb\xbfimport time\n\nasync def f():\n    time.sleep(1)  # caf\xc3\xa9\n")
    latin = tmp_path / "latin.py"
    latin.write_bytes(b"# -*- coding: latin-1 -*-\nimport time\n\nasync def f():\n    time.sleep(1)  # caf\xe9\n")
    os.chmod(crlf, 0o751)
    r = _run(["fix", "--no-cache", str(tmp_path)], tmp_path)
    assert r.returncode == 0, r.stderr
    # `import time` goes: the fix took its last use
    assert crlf.read_bytes() == b"import asyncio\r\n\r\nasync def f():\r\n    await asyncio.sleep(1)\r\n"
    assert stat.S_IMODE(os.stat(crlf).st_mode) == 0o751
    assert bom.read_bytes().startswith(b"\xef\xbb\xbfimport asyncio\n\nasync def")
    assert bom.read_bytes().endswith("await asyncio.sleep(1)  # café\n".encode())
    assert latin.read_bytes().endswith(b"await asyncio.sleep(1)  # caf\xe9\n")
    assert not list(tmp_path.glob(".awaitwise-*"))  # no temp files left behind


def test_file_with_nothing_to_fix_is_not_rewritten(tmp_path):
    f = tmp_path / "clean.py"
    f.write_text("async def f():\n    pass\n")
    before = os.stat(f).st_mtime_ns
    os.utime(f, ns=(before - 10**9, before - 10**9))
    r = _run(["fix", "--no-cache", str(f)], tmp_path)
    assert r.returncode == 0
    assert os.stat(f).st_mtime_ns == before - 10**9
