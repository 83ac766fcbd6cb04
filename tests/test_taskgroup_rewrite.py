"""AW401's rewrite keeps what a program computes: a small program is fixed to use TaskGroup, and
both versions are run under asyncio (in subprocesses) and must print the same results."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from awaitwise.config import Settings
from awaitwise.engine import lint_source
from awaitwise.fixer import fix_loop
from awaitwise.registry import get_registry

PROGRAM = textwrap.dedent("""
    import asyncio
    from asyncio import gather

    log = []


    async def fetch(name, delay):
        await asyncio.sleep(delay)
        log.append(name)
        return name.upper()


    async def pair():
        # completion order differs from argument order: results must follow argument order
        first, second = await asyncio.gather(fetch("slow", 0.03), fetch("fast", 0.0))
        return [first, second]


    async def listed():
        results = await asyncio.gather(fetch("a", 0.02), fetch("b", 0.01), fetch("c", 0.0))
        return results


    async def fan_out(names):
        return await gather(*[fetch(n, 0.01 * (len(names) - i)) for i, n in enumerate(names)])


    async def generator_form(names):
        values = await asyncio.gather(*(fetch(n, 0) for n in names))
        return values


    async def side_effect_only():
        await asyncio.gather(fetch("x", 0.01), fetch("y", 0))
        return sorted(log[-2:])


    async def main():
        print(await pair())
        print(await listed())
        print(await fan_out(["p", "q", "r"]))
        print(await generator_form(["m", "n"]))
        print(await side_effect_only())
        print(sorted(log))


    asyncio.run(main())
""")


def _run(source: str, tmp_path, name: str) -> str:
    path = tmp_path / name
    path.write_text(source, encoding="utf-8")
    proc = subprocess.run([sys.executable, str(path)], check=False, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.skipif(sys.version_info < (3, 11), reason="asyncio.TaskGroup needs Python 3.11")
def test_taskgroup_rewrite_gives_the_same_results(tmp_path):
    settings = Settings(select=("AW401",), target_version="py311")
    rule = get_registry().get("AW401")
    outcome = fix_loop(
        PROGRAM, lambda src: lint_source(src, "prog.py", settings, [rule], module_name="prog"), unsafe=True
    )
    assert not outcome.errors
    fixed = outcome.source
    assert outcome.applied == {"AW401": 5}
    assert "gather(" not in fixed.replace("from asyncio import gather", "")
    assert fixed.count("TaskGroup() as tg") == 5

    before = _run(PROGRAM, tmp_path, "before.py")
    after = _run(fixed, tmp_path, "after.py")
    assert before == after
    assert before.splitlines()[0] == "['SLOW', 'FAST']"  # the program really exercises ordering


def test_return_exceptions_true_is_never_rewritten():
    source = textwrap.dedent("""
        import asyncio

        async def main(a, b):
            return await asyncio.gather(a(), b(), return_exceptions=True)
    """)
    settings = Settings(select=("AW401",), target_version="py311")
    out = lint_source(source, "m.py", settings, [get_registry().get("AW401")])
    assert out.diagnostics == []
