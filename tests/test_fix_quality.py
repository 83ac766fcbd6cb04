"""Fixes a reviewer accepts (issue 17, "Fix quality"; issue 19, fix consistency):

- a blocking expression is offloaded once, whole, or not at all, and a re-check never hides a
  blocking call the fix left on the loop;
- one diagnostic per spot and code;
- imports the fixes left unused are removed, added imports go into their isort group, and a
  fixed file passes `ruff check --select F401,I001` when the original did;
- every fix `check` offers, `fix` applies.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from awaitwise.config import Settings
from awaitwise.engine import lint_source
from awaitwise.fixer import _overlaps, applicable, fix_loop
from awaitwise.import_edits import unused_import_edits
from awaitwise.registry import get_registry
from fixture_support import fixture_settings, rule_fixture_files

REGISTRY = get_registry()
CASES = rule_fixture_files()
BLOCKING = [REGISTRY.get(c) for c in ("AW100", "AW101", "AW102", "AW103", "AW105", "AW107")]


def _rule_settings(code: str, text: str, select=None) -> Settings:
    extra = fixture_settings(text)
    if "blocking_calls" in extra:
        extra["blocking_calls"] = tuple(sorted(extra["blocking_calls"].items()))
    for key in ("coroutine_functions", "non_blocking_functions"):
        if key in extra:
            extra[key] = tuple(extra[key])
    return Settings(select=select or (code,), **extra)


def _lint_blocking(src: str):
    return lint_source(src, "m.py", Settings(), BLOCKING, module_name="m")


def _fix(src: str, unsafe: bool = True) -> str:
    outcome = fix_loop(src, _lint_blocking, unsafe=unsafe)
    assert not outcome.errors, outcome.errors
    return outcome.source


def _body(*lines: str) -> str:
    return "".join(f"    {line}\n" for line in lines)


HEAD = "import json\nimport sqlite3\nfrom pathlib import Path\n\n\nasync def f(p, db, q):\n"


# --- offload the outermost blocking expression, once, or offer no fix ------------------------------


def test_json_load_of_open_gets_no_fix_and_stays_reported():
    src = HEAD + _body("return json.load(open(p))")
    (d,) = _lint_blocking(src).diagnostics
    assert d.code == "AW103" and d.fix is None
    assert "by `json.load()`" in d.message and "worker thread" in d.message
    fixed = _fix(src)
    assert fixed == src  # nothing offloaded, so nothing hidden
    assert [x.code for x in _lint_blocking(fixed).diagnostics] == ["AW103"]


def test_open_read_is_one_finding_without_a_nested_offload():
    src = HEAD + _body("return open(p).read()")
    diagnostics = _lint_blocking(src).diagnostics
    assert [(d.code, d.location.column) for d in diagnostics] == [("AW103", 12)]
    assert "`open().read()`" in diagnostics[0].message and "chain" in diagnostics[0].message
    assert diagnostics[0].fix is None
    assert "to_thread" not in _fix(src)


def test_path_read_text_is_offloaded_once():
    src = HEAD + _body("return Path(p).read_text()")
    assert _fix(src) == ("import asyncio\n" + HEAD + _body("return await asyncio.to_thread(Path(p).read_text)"))


def test_with_open_block_gets_no_fix():
    src = HEAD + _body("with open(p) as f:", "    return f.read()")
    (d,) = _lint_blocking(src).diagnostics
    assert d.fix is None and d.location.row == 7
    assert _fix(src) == src


def test_a_bound_file_object_is_not_half_offloaded():
    # the later `fh.read()` is reported at the open: offloading only the open would hide it
    src = HEAD + _body("fh = open(p)", "return fh.read()")
    (d,) = _lint_blocking(src).diagnostics
    assert d.fix is None
    assert _fix(src) == src


def test_a_result_used_without_blocking_is_still_offloaded():
    src = "import requests\n\n\nasync def f(u):\n" + _body("return requests.get(u).json()")
    assert "return (await asyncio.to_thread(requests.get, u)).json()" in _fix(src)


def test_fix_never_hides_a_blocking_call_it_left_on_the_loop():
    """After fixing, every blocking call still written outside a worker thread is reported."""
    src = HEAD + _body(
        "a = json.load(open(p))",
        "b = open(p).read()",
        "c = len(open(p, 'rb').read())",
        "d = Path(p).read_text()",
        "e = sqlite3.connect(db).execute(q).fetchone()",
        "return a, b, c, d, e",
    )
    fixed = _fix(src)
    rows = sorted(d.location.row for d in _lint_blocking(fixed).diagnostics)
    lines = fixed.splitlines()
    on_loop = [
        i
        for i, line in enumerate(lines, 1)
        if any(w in line for w in ("open(", "connect(")) and "to_thread" not in line
    ]
    assert rows == on_loop


# --- one diagnostic per spot and code ----------------------------------------------------------------


def test_chains_are_reported_once_at_the_outermost_call():
    src = HEAD + _body("row = sqlite3.connect(db).execute(q).fetchone()", "return open(p).read()")
    diagnostics = _lint_blocking(src).diagnostics
    assert [(d.code, d.location.row) for d in diagnostics] == [("AW107", 7), ("AW103", 8)]
    assert "`sqlite3.connect().execute().fetchone()`" in diagnostics[0].message


@pytest.mark.parametrize("code,path", CASES, ids=[f"{c}/{p.name}" for c, p in CASES])
def test_no_two_findings_of_one_code_at_one_spot(code, path):
    text = path.read_text(encoding="utf-8")
    out = lint_source(text, str(path), _rule_settings(code, text), [REGISTRY.get(code)], module_name="fx")
    spots = Counter((d.code, d.location.row, d.location.column) for d in out.diagnostics)
    assert [s for s, n in spots.items() if n > 1] == []


# --- check never offers a fix that fix then refuses ----------------------------------------------------


def test_an_awaited_time_sleep_reuses_the_await():
    src = "import time\n\n\nasync def f():\n    await time.sleep(1)\n    await (time.sleep(2))\n"
    (first, _second) = _lint_blocking(src).diagnostics
    assert first.fix is not None and first.fix.applicability == "safe"
    outcome = fix_loop(src, _lint_blocking, unsafe=False)
    assert outcome.errors == []
    assert outcome.source == (
        "import asyncio\n\n\nasync def f():\n    await asyncio.sleep(1)\n    await (asyncio.sleep(2))\n"
    )


def test_an_awaited_blocking_call_reuses_the_await():
    src = "import requests\n\n\nasync def f(u):\n    return await requests.get(u)\n"
    assert "return await asyncio.to_thread(requests.get, u)\n" in _fix(src)


def test_cli_fix_applies_what_check_offers(tmp_path):
    f = tmp_path / "svc.py"
    f.write_text("import time\n\n\nasync def f():\n    await time.sleep(1)\n")

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "awaitwise", *args, "--no-cache", str(f)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
        )

    checked = run("check")
    assert "AW100 [*]" in checked.stdout and checked.returncode == 1
    fixed = run("fix")
    assert fixed.returncode == 0, fixed.stderr
    assert f.read_text() == "import asyncio\n\n\nasync def f():\n    await asyncio.sleep(1)\n"


@pytest.mark.parametrize("code,path", CASES, ids=[f"{c}/{p.name}" for c, p in CASES])
def test_every_offered_fix_is_applied(code, path):
    """With the fixture's rule: the findings `fix` removes are exactly the ones `check` offered a
    fix for (nothing refused, nothing hidden, nothing new)."""
    text = path.read_text(encoding="utf-8")
    settings = _rule_settings(code, text)
    rules = [REGISTRY.get(code)]

    def lint(src):
        return lint_source(src, str(path), settings, rules, module_name="fx")

    first = lint(text).diagnostics
    offered = Counter(d.code for d in first if applicable(d.fix, True))
    outcome = fix_loop(text, lint, unsafe=True)
    assert outcome.errors == []
    assert Counter(outcome.applied) == offered
    assert Counter(d.code for d in outcome.remaining) == Counter(d.code for d in first) - offered


@pytest.mark.parametrize("code,path", CASES, ids=[f"{c}/{p.name}" for c, p in CASES])
def test_every_offered_fix_is_applied_with_every_rule(code, path):
    """With every rule at once fixes of different rules may overlap (then one waits for a later
    round, where it may no longer apply): every offered fix that overlaps no other is applied,
    nothing is refused, and nothing fixable is left."""
    text = path.read_text(encoding="utf-8")
    settings = _rule_settings(code, text, select=("ALL",))
    rules = [REGISTRY.get(c) for c in settings.enabled_codes(REGISTRY)]

    def lint(src):
        return lint_source(src, str(path), settings, rules, module_name="fx")

    offered = [d for d in lint(text).diagnostics if applicable(d.fix, True)]
    outcome = fix_loop(text, lint, unsafe=True)
    assert outcome.errors == []
    assert not [d for d in outcome.remaining if applicable(d.fix, True)]
    for rule_code in {d.code for d in offered}:
        free = [
            d
            for d in offered
            if d.code == rule_code
            and not any(o is not d and _overlaps(e, g) for o in offered for e in d.fix.edits for g in o.fix.edits)
        ]
        assert outcome.applied.get(rule_code, 0) >= len(free), rule_code


# --- imports the fixes left unused --------------------------------------------------------------------


def test_unused_time_imports_are_removed():
    src = (
        "import time\nfrom time import sleep\n\nimport requests\n\n\nasync def f():\n    time.sleep(1)\n    sleep(2)\n"
    )
    assert _fix(src, unsafe=False) == (
        "import asyncio\n\nimport requests\n\n\n"
        "async def f():\n    await asyncio.sleep(1)\n    await asyncio.sleep(2)\n"
    )


def test_only_the_unused_name_of_an_import_line_goes():
    src = "from time import monotonic, sleep\n\n\nasync def f():\n    sleep(1)\n    return monotonic()\n"
    assert _fix(src, unsafe=False) == (
        "import asyncio\nfrom time import monotonic\n\n\n"
        "async def f():\n    await asyncio.sleep(1)\n    return monotonic()\n"
    )


def test_a_function_level_import_left_unused_is_removed():
    src = "async def f():\n    import time\n\n    time.sleep(1)\n"
    assert _fix(src, unsafe=False) == "import asyncio\n\n\nasync def f():\n    await asyncio.sleep(1)\n"


_TAIL = "\n\nasync def f():\n    time.sleep(1)\n"


@pytest.mark.parametrize(
    "head,kept",
    [
        ("import time\n\nCLOCK = time\n", "import time\n"),  # still used
        ("from __future__ import annotations\n\nx = annotations\n", "from __future__ import annotations\n"),
        ("from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    import time\n", "    import time\n"),
        ("try:\n    import time\nexcept ImportError:\n    time = None\n", "    import time\n"),
        ("import time\n\n__all__ = ['time']\n", "import time\n"),
        ("import time\n\n\ndef g(x: 'time.struct_time'):\n    pass\n", "import time\n"),
        ("class C:\n    import time\n", "    import time\n"),
    ],
)
def test_imports_never_removed(head, kept):
    """The fix took away `time.sleep(1)` (and `x = annotations`): what is still used, a
    `__future__` import, one under `if TYPE_CHECKING:` or `try:`, one named in `__all__` or in
    a string annotation, and a class attribute all stay."""
    original = head + _TAIL
    current = original.replace("    time.sleep(1)\n", "    pass\n").replace("x = annotations\n", "")
    edits = unused_import_edits(original, current)
    fixed = current
    for e in sorted(edits, key=lambda e: -e.start):
        fixed = fixed[: e.start] + e.content + fixed[e.end :]
    assert kept in fixed


def test_a_comment_is_no_use():
    original = "import time  # keeps time\n" + _TAIL
    current = original.replace("    time.sleep(1)\n", "    pass\n")
    (edit,) = unused_import_edits(original, current)
    # the line goes, and with it the blank lines that separated it from the code
    assert current[: edit.start] + edit.content + current[edit.end :] == "async def f():\n    pass\n"


def test_an_import_unused_before_the_fix_is_left_to_the_user():
    src = "import os\nimport time\n\n\nasync def f():\n    time.sleep(1)\n"
    assert _fix(src, unsafe=False) == "import asyncio\nimport os\n\n\nasync def f():\n    await asyncio.sleep(1)\n"


def test_comments_above_a_removed_import_stay():
    src = (
        "import json\n# clocks\nimport time\nimport uuid\n\n\n"
        "async def f():\n    time.sleep(1)\n    return json, uuid\n"
    )
    assert _fix(src, unsafe=False).startswith("import asyncio\nimport json\n# clocks\nimport uuid\n\n\n")


# --- ruff F401 / I001 -----------------------------------------------------------------------------------


def _ruff():
    found = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if not os.path.exists(found):
        pytest.skip("ruff is not installed")
    return found


REPRESENTATIVE = {
    "docstring_stdlib_third": '"""Doc."""\n\nimport json\nimport time\n\nimport requests\n\n\n'
    "async def f(u):\n    time.sleep(1)\n    return json.dumps(requests.get(u).text)\n",
    "third_only": "import requests\n\n\nasync def f(u):\n    from time import sleep\n\n    sleep(1)\n"
    "    return requests\n",
    "future_and_local": "from __future__ import annotations\n\nimport requests\n\nfrom . import conf\n\n\n"
    "async def f():\n    import time\n\n    time.sleep(conf.DELAY)\n    return requests\n",
    "no_imports": '"""Doc."""\n\n\nasync def f(sleep):\n    sleep(1)\n\n\nasync def g(p):\n'
    "    return await asyncio.to_thread(open(p).read)\n",
    "comment_header": "#!/usr/bin/env python\n# Copyright\n\n# third party\nimport requests\n\n\n"
    "async def f(u):\n    return requests.get(u)\n",
    "from_imports_only": "from os import path\nfrom time import sleep\n\n\nasync def f():\n    sleep(1)\n"
    "    return path\n",
    "zz_after": "import time\nimport zlib\n\n\nasync def f():\n    time.sleep(1)\n    return zlib\n",
}


def _ruff_fails(ruff, files):
    result = subprocess.run(
        [
            ruff,
            "check",
            "--isolated",
            "--no-cache",
            "--select",
            "F401,I001",
            "--output-format",
            "concise",
            *map(str, files),
        ],
        capture_output=True,
        text=True,
    )
    return {line.split(":", 1)[0] for line in result.stdout.splitlines() if ".py:" in line}


def test_fixed_files_pass_ruff_where_the_originals_did(tmp_path):
    ruff = _ruff()
    sources = {f"rep_{name}.py": src for name, src in REPRESENTATIVE.items()}
    for code, path in CASES:
        sources[f"{code}_{path.stem}.py"] = path.read_text(encoding="utf-8")
    before, after = tmp_path / "before", tmp_path / "after"
    before.mkdir()
    after.mkdir()
    fixed_any = 0
    for name, src in sources.items():
        code = name.split("_", 1)[0]
        if code == "rep":
            fixed = _fix(src)
        else:
            settings = _rule_settings(code, src)
            rule = REGISTRY.get(code)
            fixed = fix_loop(src, lambda s: lint_source(s, name, settings, [rule], module_name="fx"), True).source  # noqa: B023 - used at once
        fixed_any += fixed != src
        (before / name).write_text(src)
        (after / name).write_text(fixed)
    assert fixed_any >= 20
    failing_before = {Path(p).name for p in _ruff_fails(ruff, sorted(before.iterdir()))}
    failing_after = {Path(p).name for p in _ruff_fails(ruff, sorted(after.iterdir()))}
    assert sorted(failing_after - failing_before) == []
    assert not failing_before & {f"rep_{n}.py" for n in REPRESENTATIVE}
