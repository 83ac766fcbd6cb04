"""The semantic model: every binding form and type source, and the rules asking it through
FileContext (each libcst scope of the walk finds its model scope)."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import libcst as cst
import pytest

from awaitwise.config import Settings
from awaitwise.context import FileContext
from awaitwise.walker import walk

ROOT = Path(__file__).resolve().parents[1]


class _Names:
    """Records, for every call, (callee source, the model's qualified name, the libcst bindings'
    qualified name for a bare name or None)."""

    code = "PROBE"

    def __init__(self, ctx):
        self.ctx = ctx
        self.calls = []
        self.names = []

    def visit_Call(self, node):
        self.calls.append((self.ctx.module.code_for_node(node.func), self.ctx.qualname(node.func)))

    def visit_Name(self, node):
        parent = self.ctx.parent()
        if isinstance(parent, cst.Attribute) and parent.attr is node:
            return
        if isinstance(
            parent, (cst.FunctionDef, cst.ClassDef, cst.Param, cst.Arg, cst.ImportAlias, cst.AsName, cst.Attribute)
        ) and not (isinstance(parent, cst.Attribute) and parent.value is node):
            return
        model_scope = self.ctx.model_scope(self.ctx.scope)
        sites, _ = model_scope.lookup(node.value) if model_scope is not None else (None, None)
        forms = {site.form or site.kind for site in sites or ()}
        if sites and sum(site.kind == "def" for site in sites) > 1:
            forms.add("redefined")
        if sites and len({id(site.scope) for site in sites}) > 1:
            forms.add("global")  # also bound by a function's `global` statement: the bindings missed it
        self.names.append(
            (node.value, self.ctx.qualname(node), self.ctx.binding_qualname(node.value, self.ctx.scope), forms)
        )


def run(source: str, module_name: str = "pkg.mod"):
    source = textwrap.dedent(source)
    module = cst.parse_module(source)
    ctx = FileContext("x.py", source, module, Settings(), module_name, False)
    probe = _Names(ctx)
    errors = []
    walk(ctx, [probe], lambda code, exc: errors.append(exc))
    assert not errors
    assert ctx.model is not None and ctx.unmapped_scopes == 0
    return probe, ctx


def calls(source: str, **kw):
    probe, _ = run(source, **kw)
    out = {}
    for callee, q in probe.calls:
        out.setdefault(callee, set()).add(q)
    return {k: (v.pop() if len(v) == 1 else v) for k, v in out.items()}


# --- binding forms -----------------------------------------------------------------------------


def test_walrus_binds_in_the_function_and_hides_the_import():
    got = calls("""
        import time
        async def f(items):
            if (time := items[0]):
                time.sleep(1)
            [(t := x) for x in items]
            t.sleep(1)
        time.sleep(2)
    """)
    assert got["time.sleep"] == {None, "time.sleep"}  # the function's own `time`, the module's
    assert got["t.sleep"] is None


def test_global_and_nonlocal_assignments_bind_the_outer_name():
    """A module name that a function rebinds through `global` has two values: no type; one a
    nested function rebinds through `nonlocal` likewise."""
    got = calls("""
        import requests
        import time
        session = requests.Session()
        def reset():
            global session
            session = object()
        def outer():
            sleeper = time
            def inner():
                nonlocal sleeper
                sleeper = object()
            sleeper.sleep(1)
        async def f():
            session.get(u)
        requests.Session().get(u)
    """)
    assert got["session.get"] is None
    assert got["sleeper.sleep"] is None
    assert got["requests.Session().get"] == "requests.Session().get"


def test_walrus_to_a_resolvable_value():
    got = calls("""
        import requests
        async def f():
            if (s := requests.Session()):
                s.get(u)
    """)
    assert got["s.get"] == "requests.Session().get"


@pytest.mark.parametrize(
    "pattern",
    [
        "[time]",
        "[*time]",
        "{'k': time}",
        "{**time}",
        "Point(time)",
        "Point(x=time)",
        "time",
        "[_] as time",
        "[time] | (time, _)",
        "Point(x=[time])",
    ],
)
def test_every_match_capture_binds_its_name(pattern):
    got = calls(f"""
        import time
        async def f(v):
            match v:
                case {pattern}:
                    time.sleep(1)
    """)
    assert got["time.sleep"] is None


def test_match_value_patterns_bind_nothing():
    got = calls("""
        import time
        async def f(v):
            match v:
                case time.monotonic:
                    time.sleep(1)
    """)
    assert got["time.sleep"] == "time.sleep"


def test_unpacking_follows_a_literal_of_the_same_shape_only():
    got = calls("""
        import requests, httpx
        async def f(pair):
            a, b = requests.Session(), httpx.Client()
            a.get(u); b.get(u)
            c, d = pair
            c.get(u)
            [e, *rest] = requests.Session(), 1
            e.get(u)
    """)
    assert got["a.get"] == "requests.Session().get"
    assert got["b.get"] == "httpx.Client().get"
    assert got["c.get"] is None
    assert got["e.get"] is None


def test_augmented_assignment_and_del_make_the_name_unknown():
    got = calls("""
        import requests
        async def f():
            s = requests.Session()
            s += 1
            s.get(u)
        async def g():
            s = requests.Session()
            del s
            s.get(u)
    """)
    assert got["s.get"] is None


def test_for_with_and_except_targets():
    got = calls("""
        import requests
        async def f(items):
            for requests in items:
                requests.get(u)
        async def g():
            with requests.Session() as s:
                s.get(u)
        async def h():
            try:
                pass
            except Exception as requests:
                requests.get(u)
    """)
    assert got["requests.get"] is None
    assert got["s.get"] == "requests.Session().get"


def test_global_and_nonlocal():
    got = calls("""
        import requests
        client = requests.Session()
        async def f():
            global client
            client.get(u)
        def outer():
            conn = requests.Session()
            async def inner():
                nonlocal conn
                conn.get(u)
    """)
    assert got["client.get"] == "requests.Session().get"
    assert got["conn.get"] == "requests.Session().get"


def test_overloads_and_the_implementation_are_one_function():
    got = calls("""
        from typing import overload
        @overload
        async def fetch(x: int) -> int: ...
        @overload
        async def fetch(x: str) -> str: ...
        async def fetch(x): ...
        async def main():
            fetch(1)
    """)
    assert got["fetch"] == "pkg.mod.fetch"


def test_bindings_that_disagree_resolve_to_nothing():
    got = calls("""
        import requests, httpx
        async def f(flag):
            s = requests.Session()
            if flag:
                s = httpx.Client()
            s.get(u)
        async def g(flag):
            s = requests.Session()
            if flag:
                s = requests.Session(timeout=2)
            s.get(u)
    """)
    assert got["s.get"] == {None, "requests.Session().get"}


def test_class_bodies_are_seen_only_directly():
    got = calls("""
        import requests
        class C:
            requests = None
            requests.get(u)
            async def m(self):
                requests.get(u)
    """)
    assert got["requests.get"] == {None, "requests.get"}


# --- type sources ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "annotation",
    [
        "httpx.Client",
        "Optional[httpx.Client]",
        "Union[httpx.Client, None]",
        "httpx.Client | None",
        "None | httpx.Client",
        "'httpx.Client'",
        "'Optional[httpx.Client]'",
        "Annotated[httpx.Client, 'x']",
    ],
)
def test_parameter_annotations(annotation):
    got = calls(f"""
        import httpx
        from typing import Optional, Union, Annotated
        async def f(client: {annotation}):
            client.get(u)
    """)
    assert got["client.get"] == "httpx.Client().get"


@pytest.mark.parametrize(
    "annotation",
    [
        "Any",
        "object",
        "Union[httpx.Client, requests.Session]",
        "httpx.Client | requests.Session",
        "'not valid ('",
    ],
)
def test_annotations_that_name_no_single_type(annotation):
    got = calls(f"""
        import httpx, requests
        from typing import Any, Union
        async def f(client: {annotation}):
            client.get(u)
    """)
    assert got["client.get"] is None


def test_future_annotations_and_type_checking_imports():
    got = calls("""
        from __future__ import annotations
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            from httpx import Client
        async def f(client: Client):
            client.get(u)
    """)
    assert got["client.get"] == "httpx.Client().get"


def test_local_and_class_annotations_and_self_attributes():
    got = calls("""
        import httpx, sqlite3
        from dataclasses import dataclass
        @dataclass
        class Service:
            client: httpx.Client
            def __init__(self, db):
                self.db: sqlite3.Connection = db
            async def run(self, request):
                self.client.get(u)
                self.db.execute(q)
                local: httpx.Client = request.app["client"]
                local.post(u)
    """)
    assert got["self.client.get"] == "httpx.Client().get"
    assert got["self.db.execute"] == "sqlite3.Connection().execute"
    assert got["local.post"] == "httpx.Client().post"


def test_return_annotations_of_the_files_functions():
    got = calls("""
        import httpx
        from pathlib import Path
        def make() -> httpx.Client: ...
        async def manifest() -> Path: ...
        class Registry:
            async def get(self) -> "Path": ...
        async def main(registry: Registry):
            make().get(u)
            m = await manifest()
            m.read_text()
            n = await registry.get()
            n.write_text(x)
            c = manifest()
            c.read_text()
    """)
    assert got["make().get"] == "httpx.Client().get"
    assert got["m.read_text"] == "pathlib.Path().read_text"
    assert got["n.write_text"] == "pathlib.Path().write_text"
    assert got["c.read_text"] == "pkg.mod.manifest().read_text"  # a coroutine, not a Path


def test_paths_joined_with_slash_and_with_targets():
    got = calls("""
        from pathlib import Path
        async def f(base: Path, n: int):
            (base / "x").read_text()
            p = base / "a" / "b"
            p.open()
            (n / 2).read_text()
            with open(p) as fh:
                fh.read()
    """)
    assert got['(base / "x").read_text'] == "pathlib.Path().read_text"
    assert got["p.open"] == "pathlib.Path().open"
    assert got["(n / 2).read_text"] is None
    assert got["fh.read"] == "builtins.open().read"


def test_element_types_of_annotated_iterables():
    got = calls("""
        import httpx
        from typing import Sequence
        async def f(clients: list[httpx.Client], more: "Sequence[httpx.Client]", pair: tuple[httpx.Client, int]):
            for c in clients:
                c.get(u)
            for d in more:
                d.get(u)
            for e in pair:
                e.get(u)
    """)
    assert got["c.get"] == "httpx.Client().get"
    assert got["d.get"] == "httpx.Client().get"
    assert got["e.get"] is None


def test_self_and_cls_and_staticmethods():
    got = calls("""
        class C:
            def a(self): self.b()
            @classmethod
            def c(cls): cls.d()
            @staticmethod
            def e(x): x.f()
    """)
    assert got["self.b"] == "pkg.mod.C().b"
    assert got["cls.d"] == "pkg.mod.C.d"
    assert got["x.f"] is None


# --- scopes of the walk and of the model --------------------------------------------------------


def test_lambdas_and_comprehensions_find_their_model_scope():
    probe, _ctx = run("""
        import requests
        f = lambda: requests.get(u)
        g = [lambda: requests.get(u) for requests in range(3)]
        h = {k: (lambda s: s.get(u)) for k in ks}
        def deco(fn=lambda: requests.get(u)):
            return fn
        @deco(lambda requests: requests.get(u))
        def target(): pass
    """)
    got = [q for callee, q in probe.calls if callee.endswith(".get")]
    assert got == ["requests.get", None, None, "requests.get", None]


def _fixture_files():
    return sorted(p for p in (ROOT / "fixtures").rglob("*.py") if p.is_file())


def test_every_scope_of_every_fixture_has_its_model_scope():
    """The walk and the model key scopes the same way: no libcst scope goes without its model
    scope, and the model answers every name the rules ask about."""
    checked = 0
    for path in _fixture_files():
        source = path.read_text(encoding="utf-8")
        try:
            module = cst.parse_module(source)
        except cst.ParserSyntaxError:
            continue
        ctx = FileContext(str(path), source, module, Settings(), "pkg.mod", False)
        if ctx.model is None:
            continue  # syntax newer than this Python
        probe = _Names(ctx)
        walk(ctx, [probe], lambda code, exc: pytest.fail(f"{path}: {exc!r}"))  # noqa: B023 - called during walk
        assert ctx.unmapped_scopes == 0, path
        checked += 1
    assert checked > 80


def test_the_model_agrees_with_the_older_bindings_where_both_know():
    """A name the libcst bindings resolved resolves the same through the model, except where the
    model sees a binding those did not (walrus, match captures) or agreeing bindings (overloads)."""
    differences = []
    corrected = 0
    for path in _fixture_files():
        source = path.read_text(encoding="utf-8")
        try:
            module = cst.parse_module(source)
        except cst.ParserSyntaxError:
            continue
        ctx = FileContext(str(path), source, module, Settings(), "pkg.mod", False)
        if ctx.model is None:
            continue
        probe = _Names(ctx)
        walk(ctx, [probe], lambda code, exc: None)
        for name, new, old, forms in probe.names:
            if old is not None and new != old and not forms & {"walrus", "match", "redefined", "global"}:
                differences.append((path.relative_to(ROOT).as_posix(), name, old, new))
            if old is not None and new != old:
                corrected += 1
    assert differences == [], differences
    assert corrected, "the fixtures hold the walrus and match cases the model corrects"


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="3.12 parses PEP 695 syntax")
def test_a_file_this_python_cannot_parse_falls_back_to_the_libcst_bindings():
    source = "import time\ntype X = int\nasync def f():\n    time.sleep(1)\n"
    module = cst.parse_module(source)
    ctx = FileContext("x.py", source, module, Settings(), "pkg.mod", False)
    probe = _Names(ctx)
    walk(ctx, [probe], lambda code, exc: None)
    assert ctx.model is None
    assert dict(probe.calls)["time.sleep"] == "time.sleep"


def test_a_declaration_types_every_value_of_the_name():
    got = calls("""
        import httpx
        async def f(request):
            client: httpx.Client
            client = request.app["client"]
            client.get(u)
            other: "typing.Any"
            other = request.app["x"]
            other.get(u)
    """)
    assert got["client.get"] == "httpx.Client().get"
    assert got["other.get"] is None


@pytest.mark.parametrize(
    "annotation,expected",
    [
        ("httpx.Client", "httpx.Client"),
        ("'Store'", "Store"),
        ("Optional[Store]", "Store"),
        ("Store | None", "Store"),
        ("typing.Union[None, Store]", "Store"),
        ("Annotated[Store, 1]", "Store"),
        ("list[Store]", None),
        ("Store | Other", None),
        ("None", None),
        ("Any", None),
        ("'bad ('", None),
    ],
)
def test_the_index_records_the_class_a_return_annotation_names(annotation, expected):
    import ast

    from awaitwise.project import annotation_class

    node = ast.parse(f"def f() -> {annotation}: ...").body[0].returns
    assert annotation_class(node) == expected


def test_value_bindings_for_node_questions_follow_the_model():
    """binding_of (the node a name is bound to) gives no value where the model sees the name
    bound another way too: here a walrus that the libcst bindings do not record."""
    source = textwrap.dedent("""
        import queue
        async def f(items):
            q = queue.Queue(5)
            if (q := items[0]):
                pass
            q.get()
        async def g():
            q = queue.Queue(5)
            q.get()
    """)
    module = cst.parse_module(source)
    ctx = FileContext("x.py", source, module, Settings(), "pkg.mod", False)
    seen = {}

    class Probe:
        code = "PROBE"

        def __init__(self, ctx):
            self.ctx = ctx

        def visit_Call(self, node):
            if self.ctx.module.code_for_node(node) == "q.get()":
                binding, _ = self.ctx.binding_of("q")
                seen[self.ctx.function.name.value] = binding.kind

    walk(ctx, [Probe(ctx)], lambda code, exc: pytest.fail(repr(exc)))
    assert seen == {"f": "unknown", "g": "value"}


def test_a_released_model_is_freed_without_the_cycle_collector():
    """The index's workers run with the cycle collector off: a model must not outlive the file
    that made it once released (SemanticModel.release), and it would without release."""
    import ast as ast_module
    import gc

    from awaitwise.analysis.semantic import ModelScope, SemanticModel

    tree = ast_module.parse(
        "import os\nclass C:\n    def m(self):\n        x = [y for y in os.environ]\n        return x\n"
    )

    def scopes() -> int:
        return sum(1 for o in gc.get_objects() if isinstance(o, ModelScope))

    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        before = scopes()
        kept = SemanticModel(tree)
        del kept
        assert scopes() > before  # the cycles keep the scopes alive
        gc.collect()
        before = scopes()
        released = SemanticModel(tree)
        released.release()
        del released
        assert scopes() == before
    finally:
        if enabled:
            gc.enable()
