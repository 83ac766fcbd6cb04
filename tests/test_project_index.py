"""The project index: per-file extraction with `ast`, name resolution across modules (re-exports,
relative imports, aliases, star imports, base classes), building from a tree, and caching."""

from __future__ import annotations

import pickle
import textwrap

import pytest

from awaitwise import project as project_mod
from awaitwise.config import Settings
from awaitwise.project import ProjectIndex, build_index, extract


def _index(files: dict, packages=()) -> ProjectIndex:
    modules = {name: extract(f"{name}.py", textwrap.dedent(src)) for name, src in files.items()}
    return ProjectIndex(modules, frozenset(packages), {})


# --- extraction --------------------------------------------------------------------------------------


def test_extract_definitions_imports_and_classes():
    facts = extract(
        "m.py",
        textwrap.dedent("""
        import os.path
        import shop.db as db
        from . import util
        from ..core import base as b
        from .api import *
        __all__ = ["fetch", "Client"]

        async def fetch(url, *, timeout, retries=3):
            return url

        async def rows():
            yield 1

        def outer():
            async def inner(a, b=1):
                pass
            return inner

        class Client(b.Base, Generic[T]):
            limit = 3

            def __init__(self, session):
                self.session = session
                self.count: int = 0

            @staticmethod
            async def build(x):
                pass

        alias = fetch
        instance = Client()
        if flag:
            maybe = 1
        else:
            def maybe():
                pass
    """),
    )
    assert facts.parsed
    assert facts.names["os"] == ("import", 0, "os", None)
    assert facts.names["db"] == ("import", 0, "shop.db", None)
    assert facts.names["util"] == ("import", 1, "", "util")
    assert facts.names["b"] == ("import", 2, "core", "base")
    assert facts.star_imports == ((1, "api"),)
    assert facts.all_names == ("fetch", "Client")
    assert facts.names["alias"] == ("alias", "fetch")
    assert facts.names["instance"] == ("alias", "Client()")
    assert facts.names["maybe"] == ("other",)  # bound twice, differently
    fetch = facts.functions["fetch"]
    assert fetch.is_async and not fetch.is_generator and fetch.required == 2
    assert facts.functions["rows"].is_generator
    assert facts.functions["outer.<locals>.inner"].required == 1
    assert facts.functions["outer"].returns == "async-wrapper"  # returns its async inner def
    client = facts.classes["Client"]
    assert client.bases == ("b.Base", "Generic")
    assert client.members["build"] == ("def", "Client.build")
    assert client.members["limit"] == ("other",)
    assert client.instance_attrs == {"session", "count"}
    assert facts.functions["Client.build"].decorators == ("staticmethod",)
    assert "session" in facts.words.split()


def test_extract_survives_sources_ast_cannot_parse():
    facts = extract("bad.py", "def f(:\n    pass\n")
    assert not facts.parsed and facts.functions == {}
    index = ProjectIndex({"bad": facts}, frozenset(), {})
    assert index.resolve("bad.f") is None  # unknown, not external


def test_return_kinds_for_aw204():
    facts = extract(
        "m.py",
        textwrap.dedent("""
        def nothing():
            print(1)

        def data(x):
            if x:
                return [x]
            return None

        def factory():
            return lambda: 1

        def gen():
            yield 1
    """),
    )
    kinds = {name: f.returns for name, f in facts.functions.items()}
    assert kinds == {"nothing": "none", "data": "data", "factory": "unknown", "gen": "data"}


def test_facts_and_index_pickle():
    index = _index({"pkg": "from .db import fetch\n", "pkg.db": "async def fetch():\n    pass\n"}, ["pkg"])
    clone = pickle.loads(pickle.dumps(index))
    assert clone.is_coroutine_function("pkg.fetch")
    assert clone.fingerprint() == index.fingerprint()


# --- resolution ----------------------------------------------------------------------------------------


def test_reexports_aliases_relative_and_star_imports():
    index = _index(
        {
            "shop": "from .db import fetch_user\nfrom .db import save as store\nfrom . import api\n",
            "shop.db": "async def fetch_user(i):\n    pass\nasync def save(r):\n    pass\ndef sync(): pass\n",
            "shop.api": "from .handlers import *\n",
            "shop.api.handlers": "__all__ = ['handle']\nasync def handle(r): pass\nasync def hidden(): pass\n",
            "shop.compat": "from asyncio import sleep as pause\nfrom ..shop import db as again\n",
            "shop.util": "from shop.db import fetch_user as get\nget_alias = get\n",
        },
        packages=["shop", "shop.api"],
    )
    assert index.is_coroutine_function("shop.fetch_user")
    assert index.is_coroutine_function("shop.store")
    assert index.is_coroutine_function("shop.db.fetch_user")
    assert index.is_coroutine_function("shop.util.get_alias")
    assert index.is_coroutine_function("shop.api.handle")
    assert not index.is_coroutine_function("shop.api.hidden")  # not in __all__
    assert not index.is_coroutine_function("shop.db.sync")
    assert index.canonical("shop.compat.pause") == "asyncio.sleep"
    assert index.resolve("shop.api") == ("module", "shop.api")
    assert index.canonical("requests.get") == "requests.get"
    assert index.resolve("shop.nothing") is None
    assert {"fetch_user", "save", "handle", "store", "get", "get_alias"} <= index.coroutine_names()


def test_import_cycles_terminate():
    index = _index({"a": "from b import x\n", "b": "from a import x\n"})
    assert index.resolve("a.x") is None
    index = _index({"a": "x = y\ny = x\n"})
    assert index.resolve("a.x") is None


def test_methods_through_project_base_classes_and_mro():
    index = _index(
        {
            "app.base": """
            class Model:
                async def refresh(self): pass
                def describe(self): pass
                @classmethod
                async def load(cls, key): pass
                @staticmethod
                async def build(a, b=1): pass
        """,
            "app.models": """
            import abc
            from app.base import Model
            class User(Model):
                def describe(self): pass
            class Sync(User):
                def refresh(self): pass
            class Opaque(dict, Model):
                pass
            class Fine(abc.ABC, Model):
                pass
            class Hidden(Model):
                def __init__(self, f):
                    self.refresh = f
        """,
        }
    )
    assert index.is_coroutine_function("app.models.User().refresh")
    assert index.is_coroutine_function("app.models.User.load")
    assert not index.is_coroutine_function("app.models.User().describe")
    assert not index.is_coroutine_function("app.models.Sync().refresh")
    assert not index.is_coroutine_function("app.models.Opaque().refresh")  # dict could define it
    assert index.is_coroutine_function("app.models.Fine().refresh")  # ABC defines nothing
    assert not index.is_coroutine_function("app.models.Hidden().refresh")  # instance attribute
    super_ref = index.super_member("app.models.Sync", "refresh")
    assert index.is_coroutine_callee(index.callee_of(super_ref))
    assert index.callee("app.models.User().load").required_args() == 1
    assert index.callee("app.models.User.load").required_args() == 1
    assert index.callee("app.base.Model.refresh").required_args() == 1  # unbound: self needed
    assert index.callee("app.base.Model().refresh").required_args() == 0
    assert index.callee("app.base.Model().build").required_args() == 1


def test_decorators_nested_defs_and_module_level_instances():
    index = _index(
        {
            "m": """
            import functools, abc
            def deco(f): return lambda: f()
            @deco
            async def wrapped(): pass
            @functools.lru_cache
            async def cached(): pass
            class C:
                @abc.abstractmethod
                async def run(self): pass
            def outer():
                async def inner(): pass
            client = C()
            run_it = client.run
        """,
        }
    )
    assert not index.is_coroutine_function("m.wrapped")
    assert not index.is_coroutine_function("m.cached")
    assert index.is_coroutine_function("m.C().run")
    assert index.is_coroutine_function("m.outer.<locals>.inner")
    assert index.is_coroutine_function("m.client.run")
    assert index.is_coroutine_function("m.run_it")


def test_overlay_replaces_the_checked_file():
    index = _index({"m": "def f(): pass\n"})
    changed = index.for_file("m", extract("m.py", "async def f(): pass\n"))
    assert changed.is_coroutine_function("m.f") and not index.is_coroutine_function("m.f")
    same = index.for_file("m", extract("m.py", "def f(): pass\n"))
    assert same is index


def test_fingerprint_ignores_body_edits_but_not_definitions():
    a = _index({"m": "async def f():\n    return 1\n"})
    b = _index({"m": "\n\nasync def f():\n    return 2\n"})
    c = _index({"m": "def f():\n    return 1\n"})
    assert a.fingerprint() == b.fingerprint() != c.fingerprint()


# --- building from a tree ------------------------------------------------------------------------------


def _tree(tmp_path):
    files = {
        "pyproject.toml": "[tool.awaitwise]\n",
        "src/pkg/__init__.py": "from .db import fetch\n",
        "src/pkg/db.py": "async def fetch():\n    pass\n",
        "src/pkg/db.pyi": "def fetch() -> int: ...\n",
        "scripts/run.py": "from pkg import fetch\n",
        "a/tool.py": "async def x(): pass\n",
        "b/tool.py": "def x(): pass\n",
        "src/pkg/new.py": "type X = int\nasync def later(): pass\n",
    }
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return Settings(select=("AW200",), project_root=str(tmp_path))


class _DictCache:
    def __init__(self):
        self.data = {}

    def load(self, key):
        return self.data.get(key)

    def store(self, key, value):
        self.data[key] = value


def test_build_index_covers_the_project_around_the_files(tmp_path, monkeypatch):
    settings = _tree(tmp_path)
    cache = _DictCache()
    index = build_index([str(tmp_path / "scripts" / "run.py")], settings, cache=cache)
    assert index.is_coroutine_function("pkg.fetch")  # the .py wins over its stub
    assert "pkg" in index.packages and "pkg.db" in index.modules
    assert "tool" not in index.modules  # two files claim the name: unknown
    assert "run" in index.modules
    assert index.resolve("pkg.new.later") is None  # newer syntax than this Python's ast: no facts
    assert cache.data  # facts stored by content hash
    calls = []
    monkeypatch.setattr(project_mod, "extract", lambda p, t: calls.append(p))
    again = build_index([], settings, cache=cache)
    assert calls == [] and again.fingerprint() == index.fingerprint()


def test_build_index_for_stdin_and_when_unused(tmp_path):
    settings = _tree(tmp_path)
    index = build_index([], settings, extra_root=str(tmp_path / "src" / "pkg" / "db.py"))
    assert index.is_coroutine_function("pkg.db.fetch")
    assert build_index([], Settings(select=("AW100",), project_root=str(tmp_path))) is None


def test_single_file_index_for_rules_without_a_project():
    index = project_mod.index_for_source("m.py", "async def f(): pass\n", "m", False, None)
    assert index.is_coroutine_function("m.f")


@pytest.mark.parametrize("bad", ["\x00", "def f(:", "x = (" * 300])
def test_extract_never_raises(bad):
    assert extract("x.py", bad).parsed is False


def test_project_decorators_that_keep_coroutine_functions():
    index = _index(
        {
            "m": """
            import functools
            def mark(fn):
                fn.marked = True
                return fn
            def guard(fn):
                async def wrapper(*a):
                    return await fn(*a)
                return wrapper
            def sync_wrap(fn):
                @functools.wraps(fn)
                def wrapper(*a):
                    return fn(*a)
                return wrapper
            @mark
            async def a(): pass
            @guard
            async def b(): pass
            @sync_wrap
            async def c(): pass
        """,
        }
    )
    assert index.is_coroutine_function("m.a")
    assert index.is_coroutine_function("m.b")
    assert not index.is_coroutine_function("m.c")
    assert index.callee("m.mark").facts.returns == "param"
    assert index.callee("m.guard").facts.returns == "async-wrapper"
