"""Name resolution and async context, the shared facts every rule relies on."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from awaitwise.config import Settings
from awaitwise.context import FileContext
from awaitwise.walker import walk


class _Probe:
    """Records, for every call, (callee source, qualified name, in_async)."""

    code = "PROBE"

    def __init__(self, ctx):
        self.ctx = ctx
        self.calls = []

    def visit_Call(self, node):
        self.calls.append((self.ctx.module.code_for_node(node.func), self.ctx.qualname(node.func), self.ctx.in_async))


def probe(source: str, module_name: str = "pkg.mod", is_package: bool = False):
    source = textwrap.dedent(source)
    module = cst.parse_module(source)
    ctx = FileContext("x.py", source, module, Settings(), module_name, is_package)
    rule = _Probe(ctx)
    errors = []
    walk(ctx, [rule], lambda code, exc: errors.append(exc))
    assert not errors
    return rule.calls


def resolved(source: str, **kw):
    return {callee: q for callee, q, _ in probe(source, **kw)}


def test_imports_and_aliases():
    got = resolved("""
        import time
        import os.path
        import requests as rq
        from time import sleep as nap
        from urllib import request
        time.sleep(1)
        nap(1)
        rq.get(u)
        os.path.exists(p)
        request.urlopen(u)
    """)
    assert got == {
        "time.sleep": "time.sleep",
        "nap": "time.sleep",
        "rq.get": "requests.get",
        "os.path.exists": "os.path.exists",
        "request.urlopen": "urllib.request.urlopen",
    }


def test_function_local_import_and_shadowing():
    calls = probe("""
        from time import sleep
        async def a():
            import requests as r
            r.get(u)
            sleep(1)
        async def b(sleep):
            sleep(1)
        async def c():
            sleep = make()
            sleep(1)
        async def d():
            def sleep(x):
                pass
            sleep(1)
        async def e():
            r.get(u)
    """)
    by_order = [q for _, q, _ in calls]
    assert by_order == ["requests.get", "time.sleep", None, None, None, "pkg.mod.d.<locals>.sleep", None]


def test_async_context_excludes_nested_def_lambda_class_and_definition_time_code():
    calls = probe("""
        import time
        async def outer(x=time.time()):
            time.sleep(1)
            def inner():
                time.sleep(2)
            f = lambda: time.sleep(3)
            class K:
                time.sleep(4)
            [time.sleep(5) for _ in range(2)]
        @deco(time.sleep(6))
        async def decorated():
            pass
    """)
    order = [a for src, q, a in calls if src == "time.sleep"]
    assert order == [True, False, False, False, True, False]
    assert [a for src, q, a in calls if src == "time.time"] == [False]


def test_instances_through_assignment_with_and_self_attributes():
    got = resolved("""
        import requests, threading
        from pathlib import Path
        class Client:
            def __init__(self):
                self.session = requests.Session()
                self.lock = threading.Lock()
            async def run(self):
                self.session.get(u)
                self.lock.acquire()
                self.helper()
        async def f():
            s = requests.Session()
            s.post(u)
            with open(p) as fh:
                fh.read()
            Path(p).read_text()
    """)
    assert got["self.session.get"] == "requests.Session().get"
    assert got["self.lock.acquire"] == "threading.Lock().acquire"
    assert got["self.helper"] == "pkg.mod.Client().helper"
    assert got["s.post"] == "requests.Session().post"
    assert got["fh.read"] == "builtins.open().read"
    assert got["Path(p).read_text"] == "pathlib.Path().read_text"


def test_ambiguous_bindings_resolve_to_nothing():
    got = resolved("""
        try:
            import ujson as json
        except ImportError:
            import json
        json.loads(s)
        if cond:
            from time import sleep
        else:
            from asyncio import sleep
        sleep(1)
    """)
    assert got == {"json.loads": None, "sleep": None}


def test_relative_imports_use_the_module_name():
    got = resolved(
        """
        from . import db
        from .db import fetch
        from ..util import helper
        db.fetch_user(1)
        fetch(2)
        helper()
    """,
        module_name="shop.orders.views",
    )
    assert got == {
        "db.fetch_user": "shop.orders.db.fetch_user",
        "fetch": "shop.orders.db.fetch",
        "helper": "shop.util.helper",
    }


def test_relative_import_from_package_init():
    got = resolved("from .db import fetch\nfetch()\n", module_name="shop", is_package=True)
    assert got == {"fetch": "shop.db.fetch"}


def test_global_and_class_scope_rules():
    got = resolved("""
        import time
        class K:
            time = None
            def m(self):
                time.sleep(1)
        def g():
            global clock
            clock.tick()
        clock = time.monotonic
    """)
    assert got["time.sleep"] == "time.sleep"  # class attributes are not visible in methods
    assert got["clock.tick"] == "time.monotonic.tick"


@pytest.mark.parametrize(
    "decorator,expected", [("", "pkg.mod.K()"), ("@classmethod", "pkg.mod.K"), ("@staticmethod", None)]
)
def test_first_parameter_of_methods(decorator, expected):
    got = resolved(f"""
        class K:
            {decorator}
            def m(self):
                self.go()
    """)
    assert got["self.go"] == (expected + ".go" if expected else None)


class _ParamProbe:
    """Records, for every call `<name>.<attr>()`, whether <name> is a parameter where it is read."""

    code = "PROBE"

    def __init__(self, ctx):
        self.ctx = ctx
        self.seen = {}

    def visit_Call(self, node):
        func = node.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            self.seen[self.ctx.module.code_for_node(node)] = self.ctx.is_parameter(func.value.value)


def test_is_parameter_asks_the_model():
    source = textwrap.dedent("""\
        client = object()

        async def handler(api, *rest, key=None, **extra):
            local = make()
            api.get()
            extra.pop()
            local.get()
            client.ping()
            def inner():
                api.again()
            [api.each() for _ in rest]
    """)
    module = cst.parse_module(source)
    ctx = FileContext("x.py", source, module, Settings(), "pkg.mod", False)
    probe = _ParamProbe(ctx)
    errors = []
    walk(ctx, [probe], lambda code, exc: errors.append(exc))
    assert not errors
    assert probe.seen == {
        "api.get()": True,
        "extra.pop()": True,
        "local.get()": False,
        "client.ping()": False,
        "api.again()": False,
        "api.each()": True,
    }
