"""Screening is sound: skipping rules (and the parse) for files that lack a rule's tokens never
changes what is reported. Every fixture is linted with every rule, screened and unscreened, and
the results must be identical; a few hand-made sources probe the ways a name can reach a file."""

from __future__ import annotations

import os

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
    return sorted((d.location.row, d.location.column, d.code, d.message, d.fix) for d in out.diagnostics), sorted(
        out.internal_errors
    )


def _both(text, path, settings, project=None, rules=ALL_RULES):
    name, is_pkg = module_name_for(str(path))
    runs = []
    for screening in (True, False):
        engine.SCREENING = screening
        try:
            runs.append(
                engine.lint_source(
                    text, str(path), settings, rules, module_name=name, is_package=is_pkg, project=project
                )
            )
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
    "task in a display": "import asyncio\nasync def main(c):\n    [asyncio.create_task(c)]\n",
    "tasks in a tuple": "import asyncio\ndef main(c):\n    asyncio.ensure_future(c), (asyncio.ensure_future(c),)\n",
    "task as condition": "import asyncio\nasync def main(c):\n    return 1 if asyncio.create_task(c) else 2\n",
    "task in a comprehension condition": (
        "import asyncio\nasync def main(c):\n    return [n for n in c if asyncio.create_task(n)]\n"
    ),
    "task as with item": "import asyncio\nasync def main(c):\n    with asyncio.create_task(c):\n        pass\n",
    "task stored and forgotten": "import asyncio\nasync def main(c):\n    t: asyncio.Task = asyncio.create_task(c)\n",
    "task with a callback": (
        "import asyncio\nasync def main(c, cb):\n    asyncio.create_task(c).add_done_callback(cb)\n"
    ),
    "coroutine in a display": "import asyncio\nasync def main():\n    [asyncio.sleep(1)]\n",
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
    settings = _settings(
        "",
        blocking_calls=(("mylib.fetch", "use mylib.afetch"),),
        coroutine_functions=("mylib.go",),
        target_version="py311",
    )
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


# --- ScreenFacts (one `ast` pass): each way a callee can be renamed must keep its rule ---------
# (source, the rule that must report in it): screened and unscreened must agree, and find it.
RENAMING_PROBES = {
    "assigned alias": ("import time\nnap = time.sleep\nasync def f():\n    nap(1)\n", "AW100"),
    "instance attribute": (
        "import time\nclass C:\n    def __init__(self):\n        self.nap = time.sleep\n"
        "    async def f(self):\n        self.nap(1)\n",
        None,
    ),
    "with target": ("async def f(p):\n    with open(p) as fh:\n        fh.read()\n", "AW103"),
    "coroutine alias": ("async def fetch():\n    pass\nget = fetch\nasync def main():\n    get()\n", "AW200"),
    "coroutine via self": (
        "class C:\n    async def fetch(self):\n        pass\n    async def main(self):\n        self.fetch()\n",
        "AW200",
    ),
    "coroutine in sync code": ("async def fetch():\n    pass\ndef main():\n    fetch()\n", "AW200"),
    "stored coroutine": ("async def fetch():\n    pass\nasync def main():\n    x = fetch()\n", "AW201"),
    "coroutine as value": ("async def ready():\n    pass\nasync def main():\n    if ready():\n        pass\n", "AW202"),
    "coroutine printed": ("async def ready():\n    pass\nasync def main():\n    print(ready())\n", "AW202"),
    "function not called": ("import asyncio\nasync def main():\n    pass\nasyncio.run(main)\n", "AW203"),
    "call passed as callable": ("import threading\ndef work():\n    pass\nthreading.Thread(target=work())\n", "AW204"),
    "task factory alias": ("from asyncio import create_task as spawn\nasync def main(c):\n    spawn(c)\n", "AW400"),
    "cancel alias": (
        "from asyncio import CancelledError as Stop\nasync def f(g):\n    try:\n        await g()\n"
        "    except Stop:\n        pass\n",
        "AW404",
    ),
    "bare except": ("async def f(g):\n    try:\n        await g()\n    except:\n        pass\n", "AW404"),
    "await in lambda": ("async def f(g):\n    h = lambda: await g()\n", "AW300"),
    "await in decorator of a sync def": ("async def f(g):\n    @await g()\n    def h():\n        pass\n", None),
    "async comprehension in sync def": ("def f(g):\n    return [x async for x in g]\n", "AW301"),
    "manual acquire": ("async def f(lock):\n    await lock.acquire()\n    work()\n    lock.release()\n", "AW405"),
    "global parameter": ("import time\nnap = time.sleep\nasync def f(nap):\n    global nap\n    nap(1)\n", None),
}


@pytest.mark.parametrize("name", sorted(RENAMING_PROBES))
def test_screen_facts_keep_every_renaming(name, tmp_path):
    text, code = RENAMING_PROBES[name]
    settings = _settings("", target_version="py311")
    screened, full = _both(text, tmp_path / "probe.py", settings)
    assert _key(screened) == _key(full)
    if code is not None:
        assert code in {d.code for d in screened.diagnostics}


def test_screen_facts_record_where_calls_stand():
    from awaitwise.screening import ANY, entry_name, screen_for

    facts = screen_for(
        "import x as y\n"
        "async def f(cb, conn):\n"
        "    g()\n"
        "    await h()\n"
        "    v = k()\n"
        "    if t():\n"
        "        pass\n"
        "    cb()\n"
        "    conn.run()\n"
        "    d[0]()\n"
        "    def inner():\n"
        "        m()\n"
        "    try:\n"
        "        pass\n"
        "    except (E, mod.Cancelled):\n"
        "        pass\n"
        "def s():\n"
        "    n()\n"
    ).facts
    assert facts.parsed and facts.has_async
    assert facts.kinds == frozenset()  # no `await` nor async syntax outside an async def body
    assert facts.awaited_calls == {"h"}
    # calls of parameters (`cb()`, `conn.run()`) resolve to nothing and are not recorded
    assert facts.async_calls == {"g", "h", "k", "t", ANY}
    assert facts.discarded_calls == {"g", "m", "n", ANY}
    assert {entry_name(e) for e in facts.assigned_attrs} == {"k"}
    assert {entry_name(e) for e in facts.value_attrs} == {"t"}
    assert facts.async_handlers == {"E", "Cancelled"}
    assert {"y", "v"} <= facts.rebound
    assert facts.async_def_names == {"f"}


def test_screen_facts_of_a_file_ast_rejects():
    from awaitwise.screening import screen_for

    assert screen_for("def f(:\n").facts.parsed is False


def test_screening_uses_the_project_index_facts_of_the_same_text():
    from awaitwise import screening

    class Facts:
        source_hash = None
        screen = screening.pack(screening.ScreenFacts(True))  # "nothing here": every rule screened out
        units = b""  # as project.FileFacts has them: no body worth screening alone

    class Project:
        modules = {"m": Facts()}  # noqa: RUF012 - a stand-in, read only

    from awaitwise.records import source_hash

    text = "import time\nasync def f():\n    time.sleep(1)\n"
    Facts.source_hash = source_hash(text)
    assert screening.screen_for(text, Project(), "m").facts == screening.ScreenFacts(True, module="m")
    assert screening.screen_for(text + "\n", Project(), "m").facts.async_calls == {"sleep"}
    # packed facts are read like the cache they come from: anything but awaitwise's own records
    # is not trusted, and the file's facts are computed afresh
    import pickle

    Facts.screen = pickle.dumps(os.getcwd)  # a pickle that would call into the os module
    assert screening.screen_for(text, Project(), "m").facts.async_calls == {"sleep"}
    Facts.screen = b"garbage"
    assert screening.screen_for(text, Project(), "m").facts.async_calls == {"sleep"}


def test_rule_modules_do_not_import_libcst():
    import subprocess
    import sys

    code = (
        "import sys\nfrom awaitwise.cli import main\n"
        "main(['rule', 'AW100'], standalone_mode=False)\n"
        "print(type(sys.modules['libcst']).__name__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "_LazyModule"  # the command never loaded libcst


def test_library_users_keep_ordinary_libcst_imports():
    import subprocess
    import sys

    code = (
        "import sys\nfrom awaitwise.registry import get_registry\nget_registry()\n"
        "import libcst, libcst._nodes.whitespace\nprint(type(sys.modules['libcst']).__name__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "module"


# --- call targets: callees resolved in the project index while screening ------------------------
# A small project where coroutine names (`update`, `close`, `fetch`) are also ordinary method and
# function names. Every module must give the same findings screened and unscreened, and the
# modules where no call can reach a coroutine must not be parsed at all.
TARGET_PROJECT = {
    "app/__init__.py": "",
    "app/store.py": (
        "class Store:\n"
        "    async def update(self):\n        pass\n"
        "    async def close(self):\n        pass\n"
        "    def reset(self):\n        self.update()\n"  # AW200 through self
        "async def fetch():\n    pass\n"
    ),
    "app/sub.py": (
        "from app.store import Store\n"
        "class Cached(Store):\n"
        "    def flush(self):\n        self.close()\n"  # AW200: inherited coroutine
        "    def purge(self):\n        self._data.update()\n"  # unknown attribute: nothing
    ),
    "app/plain.py": (
        "import logging\nimport os\n_LOGGER = logging.getLogger(__name__)\n"
        "class Box:\n"
        "    def update(self):\n        pass\n"
        "    def close(self):\n        self.update()\n"  # a sync method of the same name
        "def tidy(paths):\n"
        "    d = {}\n    d.update(x=1)\n"  # a dict: never followed
        "    for p in paths:\n        p.close()\n"
        "    os.remove('x')\n    _LOGGER.info('done')\n"
    ),
    "app/user.py": (
        "from app import store\nfrom app.store import fetch as get\n"
        "def go():\n    store.fetch()\n    get()\n"  # AW200 twice: module attribute, alias
        "class Late:\n    def run(self):\n        global store\n        store.fetch()\n"
    ),
}


def _screen_project(tmp_path, sources, codes):
    """Write the project `sources` ({path: text}), index it, and lint every module screened and
    unscreened with the rules `codes`: the two must agree. Returns {path: (parsed when screened,
    rows of the findings)}."""
    from awaitwise.project import build_index

    for rel, text in sources.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[tool.awaitwise]\n", encoding="utf-8")
    files = sorted(str(tmp_path / rel) for rel in sources)
    settings = Settings(project_root=str(tmp_path))
    project = build_index(files, settings, use_cache=False, force=True, jobs=1)
    rules = [REGISTRY.get(c) for c in codes]
    found = {}
    for path in files:
        text = open(path, encoding="utf-8").read()
        screened, full = _both(text, path, settings, project, rules=rules)
        assert _key(screened) == _key(full), path
        found[os.path.relpath(path, tmp_path).replace(os.sep, "/")] = (
            screened.parsed,
            sorted(d.location.row for d in full.diagnostics),
        )
    return found


def test_call_targets_keep_findings_and_skip_files_without_coroutine_calls(tmp_path):
    found = _screen_project(tmp_path, TARGET_PROJECT, ("AW200", "AW201", "AW202"))
    assert found["app/store.py"] == (True, [7])
    assert found["app/sub.py"] == (True, [4])
    assert found["app/user.py"] == (True, [4, 5, 9])
    # `d.update()`, `p.close()`, `self.update()` on a sync method, os and logging: no parse
    assert found["app/plain.py"] == (False, [])


BLOCKING_PROJECT = {
    "svc/__init__.py": "",
    "svc/disk.py": (
        "import time\nclass Disk:\n    def save(self):\n        time.sleep(1)\ndef flush():\n    time.sleep(1)\n"
    ),
    "svc/memory.py": (
        "class Memory:\n"
        "    def save(self):\n        return 1\n"
        "    async def run(self):\n        self.save()\n"  # same name, does not block: no parse
    ),
    "svc/api.py": (
        "from svc.disk import Disk\nfrom svc import disk\n"
        "class Api(Disk):\n"
        "    async def run(self):\n        self.save()\n"  # AW110 through the base class
        "async def go():\n    disk.flush()\n"  # AW110 through the module
    ),
}


def test_transitive_blocking_resolves_call_targets_while_screening(tmp_path):
    found = _screen_project(tmp_path, BLOCKING_PROJECT, ("AW110",))
    assert found["svc/api.py"] == (True, [5, 7])
    assert found["svc/memory.py"] == (False, [])


LOCALS_PROJECT = {
    "loc/__init__.py": "",
    "loc/client.py": (
        "class Client:\n"
        "    async def get(self):\n        pass\n"
        "class Pool:\n"
        "    def __init__(self):\n        self.conn = Client()\n"
        "    def borrow(self):\n        return Client()\n"
    ),
    "loc/use.py": (
        "from loc.client import Client, Pool\n"
        "def direct():\n    c = Client()\n    c.get()\n"  # AW200: a local bound once to a call
        "def plain(items):\n    d = dict(items)\n    d.get('k')\n"  # dict.get: nothing
        "class Mine(Pool):\n"
        "    def __init__(self):\n        self.conn = Client()\n"
        "    def run(self):\n        p = self\n        p.conn.get()\n"  # AW200 through self.conn
        "    def twice(self, x):\n        c = Client()\n        c = x\n        c.get()\n"  # ambiguous: nothing
    ),
}


def test_locals_bound_once_are_followed_while_screening(tmp_path):
    found = _screen_project(tmp_path, LOCALS_PROJECT, ("AW200", "AW201", "AW202"))
    assert found["loc/use.py"][1] == [4, 13]
    # only the dict call is left in a file like this: it is not parsed
    plain = dict(LOCALS_PROJECT, **{"loc/plain.py": "def plain(items):\n    d = dict(items)\n    d.get('k')\n"})
    assert _screen_project(tmp_path, plain, ("AW200", "AW201", "AW202"))["loc/plain.py"] == (False, [])


CLOSURE_PROJECT = {
    "clo/__init__.py": "",
    "clo/jobs.py": "async def refresh():\n    pass\n",
    # a nested def or lambda calling a parameter of the function around it: that name resolves
    # to nothing, however the project names its coroutines
    "clo/hooks.py": (
        "def setup(refresh, items):\n"
        "    def on_change():\n        refresh()\n"
        "    cb = lambda: refresh()\n"
        "    for item in items:\n"
        "        def each():\n            item.refresh()\n"
        "    return on_change, cb, each\n"
    ),
    # the same name rebound inside the nested function is resolved as usual; rebound through
    # `nonlocal`, it is still the parameter to the engine; a lambda's own parameter is its own
    "clo/rebound.py": (
        "from clo.jobs import refresh as job\n"
        "def setup(refresh):\n"
        "    def inner():\n        refresh = job\n        refresh()\n"
        "    def other():\n        nonlocal refresh\n        refresh = job\n        refresh()\n"
        "    lam = lambda refresh=job: refresh()\n"
        "    return inner, other, lam\n"
    ),
}


def test_names_of_an_enclosing_function_stay_unknown_in_nested_functions(tmp_path):
    found = _screen_project(tmp_path, CLOSURE_PROJECT, ("AW200", "AW201", "AW202"))
    assert found["clo/hooks.py"] == (False, [])
    assert found["clo/rebound.py"] == (True, [5])


def test_local_names_sees_every_way_a_function_binds_a_name():
    """screening._local_names: what a def binds in its own scope, and the locals bound once to a
    name, attribute or call (which name resolution follows)."""
    import ast

    from awaitwise.screening import _local_names

    source = """
def f(p, *args, k=1, **kw):
    client = make_client()
    alias = client.session
    twice = a()
    twice = b()
    data: dict = {}
    import os.path
    from x import y as z
    global g
    try:
        pass
    except E as err:
        pass
    for i, (j, *rest) in pairs:
        pass
    with open(p) as fh:
        pass
    match p:
        case {"k": v, **others}:
            pass
        case [first, *tail]:
            pass
        case Point(x=px) | Other(y=px):
            pass
        case str() as s:
            pass
    def inner(q=default_value):
        local_of_inner = 1
    lam = lambda w: w
    return [c for c in data]
"""
    func = ast.parse(source).body[0]
    names, values = _local_names(func)
    expected = {
        "p",
        "args",
        "k",
        "kw",
        "client",
        "alias",
        "twice",
        "data",
        "os",
        "z",
        "g",
        "err",
        "i",
        "j",
        "rest",
        "fh",
        "v",
        "others",
        "first",
        "tail",
        "px",
        "s",
        "inner",
        "lam",
        "c",
    }
    assert expected <= names
    assert not {"local_of_inner", "q", "w", "default_value", "make_client", "y", "x"} & names
    assert set(values) == {"client", "alias"}  # `twice` is bound twice; the others by other means
    assert ast.unparse(values["client"]) == "make_client()"
    assert ast.unparse(values["alias"]) == "client.session"


def test_screen_facts_count_elements_of_a_display_statement_as_discarded():
    from awaitwise.screening import screen_for

    facts = screen_for("async def f(a):\n    [g()], (h(), {k()})\n    x = [m()]\n    a([n()])\n").facts
    assert facts.discarded_calls == {"g", "h", "k"}


def test_node_kinds_are_recorded_where_they_stand():
    from awaitwise.screening import ASYNC_SYNTAX_IN_SYNC, AWAIT_IN_FOR, AWAIT_IN_SYNC, screen_for

    def kinds(source):
        return screen_for(source).facts.kinds

    assert kinds("def f(g):\n    await g()\n") == {AWAIT_IN_SYNC}
    assert kinds("def f(g):\n    async with g():\n        pass\n") == {ASYNC_SYNTAX_IN_SYNC}
    assert kinds("def f(g):\n    return [x async for x in g]\n") == {ASYNC_SYNTAX_IN_SYNC}
    assert kinds("async def f(g):\n    await g()\n    async for x in g:\n        pass\n") == set()
    # a lambda's body is not the coroutine's
    assert kinds("async def f(g):\n    h = lambda: await g()\n") == {AWAIT_IN_SYNC}
    assert kinds("async def f(g):\n    for x in g:\n        await x\n") == {AWAIT_IN_FOR}
    assert kinds("async def f(g):\n    for x in g:\n        x()\n    await g\n") == set()
    assert kinds("def f(g):\n    for x in g:\n        x()\n") == set()


def test_rules_declaring_node_kinds_skip_bodies_without_them():
    from awaitwise.screening import screen_units

    source = (
        "import asyncio\n"
        "async def locked(lock):\n    await lock.acquire()\n    lock.release()\n"
        "async def waits(ev):\n    await ev.wait()\n    return 1\n"
        "def sync(g):\n    await g()\n    return 1\n"
        "async def guarded(t):\n    try:\n        await t\n    except asyncio.CancelledError:\n        pass\n"
    )
    _facts, units = screen_units(source)
    settings = Settings(select=("AW300", "AW301", "AW404", "AW405"))
    rules = [REGISTRY.get(code) for code in ("AW300", "AW301", "AW404", "AW405")]
    kept = [[r.code for r in rules if r.screen_facts(u.facts, settings, None) is not False] for u in units]
    assert kept == [["AW405"], [], ["AW300"], ["AW404"]]
