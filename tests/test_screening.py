"""Screening is sound: skipping rules (and the parse) for files that lack a rule's tokens never
changes what is reported. Every fixture is linted with every rule, screened and unscreened, and
the results must be identical; a few hand-made sources probe the ways a name can reach a file."""

from __future__ import annotations

import pytest

from awaitwise import engine
from awaitwise.config import Settings
from awaitwise.modules import module_name_for
from awaitwise.registry import get_registry
from fixture_support import FIXTURES, fixture_settings

REGISTRY = get_registry()
ALL_RULES = list(REGISTRY)


def _settings(text: str, **more) -> Settings:
    extra = fixture_settings(text)
    if "blocking_calls" in extra:
        extra["blocking_calls"] = tuple(sorted(extra["blocking_calls"].items()))
    for key in ("coroutine_functions", "non_blocking_functions"):
        if key in extra:
            extra[key] = tuple(extra[key])
    extra.update(more)
    return Settings(select=("ALL",), **extra)


def _key(out):
    return sorted((d.location.row, d.location.column, d.code, d.message, d.fix) for d in out.diagnostics), \
        sorted(out.internal_errors)


def _both(text, path, settings, project=None, rules=ALL_RULES):
    name, is_pkg = module_name_for(str(path))
    runs = []
    for screening in (True, False):
        engine.SCREENING = screening
        try:
            runs.append(engine.lint_source(text, str(path), settings, rules, module_name=name,
                                           is_package=is_pkg, project=project))
        finally:
            engine.SCREENING = True
    return runs


def _fixture_files():
    return sorted(p for p in FIXTURES.rglob("*.py") if "projects" not in p.relative_to(FIXTURES).parts)


@pytest.mark.parametrize("path", _fixture_files(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_screening_never_changes_results_on_fixtures(path):
    text = path.read_text(encoding="utf-8")
    screened, full = _both(text, path, _settings(text))
    assert _key(screened) == _key(full)


def _project_dirs():
    return sorted(p for p in (FIXTURES / "projects").iterdir() if p.is_dir())


@pytest.mark.parametrize("root", _project_dirs(), ids=lambda p: p.name)
def test_screening_never_changes_results_with_a_project_index(root):
    from awaitwise.project import build_index

    files = sorted(str(p) for p in root.rglob("*.py"))
    settings = Settings(select=("ALL",), project_root=str(root))
    project = build_index(files, settings, use_cache=False, force=True, jobs=1)
    assert project is not None
    for path in files:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        screened, full = _both(text, path, settings, project)
        assert _key(screened) == _key(full), path


# Names reach a file in many ways; each source here must give the same answer both ways.
PROBES = {
    "alias": "from time import sleep as nap\nasync def f():\n    nap(1)\n",
    "module alias": "import time as t\nasync def f():\n    t.sleep(1)\n",
    "star import": "from time import *\nasync def f():\n    sleep(1)\n",
    "nested import": "async def f():\n    import time\n    time.sleep(1)\n",
    "requests session": "import requests\nasync def f():\n    s = requests.Session()\n    s.get('u')\n",
    "open builtin": "async def f(p):\n    with open(p) as fh:\n        return fh.read()\n",
    "sync only": "import time\ndef f():\n    time.sleep(1)\n",
    "await outside": "def f():\n    await g()\n",
    "async for outside": "def f():\n    async for x in g():\n        pass\n",
    "coroutine unawaited": "import asyncio\nasync def main():\n    asyncio.sleep(1)\n",
    "local coroutine": "async def fetch():\n    pass\nasync def main():\n    fetch()\n",
    "task dropped": "import asyncio\nasync def main(c):\n    asyncio.create_task(c)\n",
    "nested run": "import asyncio\nasync def main(c):\n    asyncio.run(c)\n",
    "cancel swallowed": "async def f(g):\n    try:\n        await g()\n    except BaseException:\n        pass\n",
    "configured": "import mylib\nasync def f():\n    mylib.fetch()\n",
    "configured coroutine": "import mylib\nasync def f():\n    mylib.go()\n",
    "syntax error": "async def f(:\n    pass\n",
    "syntax error, no async": "def f(:\n    pass\n",
    "noqa": "import time\nasync def f():\n    time.sleep(1)  # noqa: AW100\n",
}


@pytest.mark.parametrize("name", sorted(PROBES))
def test_screening_never_changes_results_on_probes(name, tmp_path):
    text = PROBES[name]
    settings = _settings("", blocking_calls=(("mylib.fetch", "use mylib.afetch"),),
                         coroutine_functions=("mylib.go",), target_version="py311")
    path = tmp_path / "probe.py"
    screened, full = _both(text, path, settings)
    assert _key(screened) == _key(full)


def test_screening_skips_the_parse_when_no_rule_can_fire():
    settings = Settings()
    rules = [REGISTRY.get(c) for c in settings.enabled_codes(REGISTRY)]
    out = engine.lint_source("x = 1\nprint(x)\n", "m.py", settings, rules, check_parse=False)
    assert out.parsed is False
    out = engine.lint_source("import time\nasync def f():\n    time.sleep(1)\n", "m.py", settings, rules)
    assert out.parsed is True
    assert [d.code for d in out.diagnostics] == ["AW100"]


def test_a_file_that_does_not_parse_is_reported_even_when_screened_out():
    settings = Settings()
    rules = [REGISTRY.get(c) for c in settings.enabled_codes(REGISTRY)]
    out = engine.lint_source("def f(:\n    pass\n", "m.py", settings, rules)
    assert [d.code for d in out.diagnostics] == ["AW001"]


def test_screen_keeps_a_rule_only_when_its_tokens_are_present():
    rule = REGISTRY.get("AW100")
    settings = Settings()
    assert engine.screen([rule], engine.identifiers("async def f(): time.sleep(1)"), settings) == [rule]
    assert engine.screen([rule], engine.identifiers("async def f(): sleep(1)"), settings) == []
    assert engine.screen([rule], engine.identifiers("def f(): time.sleep(1)"), settings) == []
