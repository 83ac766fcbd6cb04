"""The blocking-call rules (AW100–AW109) beyond their fixtures: catalog matching, screening
soundness, and the configured catalog of AW109."""

from __future__ import annotations

import textwrap

import pytest

from awaitwise.config import ConfigError, Settings, parse_table
from awaitwise.engine import lint_source, screen, screen_words
from awaitwise.registry import get_registry
from awaitwise.rules._blocking import BlockingCallRule, Matcher

REGISTRY = get_registry()
BLOCKING = [r for r in REGISTRY if issubclass(r, BlockingCallRule)]


def lint(source, code, module_name="app.main", is_package=False, **settings):
    source = textwrap.dedent(source)
    out = lint_source(
        source,
        "x.py",
        Settings(select=(code,), **settings),
        [REGISTRY.get(code)],
        module_name=module_name,
        is_package=is_package,
    )
    assert not out.internal_errors
    return [(d.location.row, d.code) for d in out.diagnostics]


def test_matcher_exact_and_star_patterns():
    m = Matcher({"a.b": "x", "db.Client().*.find": "y", "rpc.Proxy().*": "z"})
    assert m.match("a.b") == "a.b"
    assert m.match("a.bc") is None
    assert m.match("db.Client().shop.orders.find") == "db.Client().*.find"
    assert m.match("db.Client().[].[].find") == "db.Client().*.find"
    assert m.match("db.Client().find") is None  # `*` is one segment or more
    assert m.match("db.Client().shop.find_one") is None
    assert m.match("rpc.Proxy().add") == "rpc.Proxy().*"
    assert m.terminals is None  # an open-ended pattern turns the cheap pre-check off
    assert Matcher({"a.b().c": "x"}).terminals == frozenset({"c"})


@pytest.mark.parametrize("rule", [r for r in BLOCKING if r.code != "AW109"], ids=lambda r: r.code)
def test_every_catalog_entry_is_screened_by_a_word_of_its_name(rule):
    words = rule.screen_tokens(Settings())
    for name in rule.catalog:
        first = name.split(".")[0]
        assert first in words or (first == "builtins" and name.split(".")[1].rstrip("()") in words), name


# A name can reach a package's own module without its top-level name being written (a relative
# import). Screening counts the file's own package among its words then, so the call is reported,
# screened or not.
RELATIVE = """
from . import Redis

async def f():
    Redis().get("k")
"""


def test_relative_import_into_a_cataloged_package_is_reported():
    rule = REGISTRY.get("AW107")
    settings = Settings(select=("AW107",))
    assert screen([rule], screen_words(RELATIVE, "redis.helpers"), settings) == [rule]
    assert screen([rule], screen_words(RELATIVE, "shop.helpers"), settings) == []
    assert lint(RELATIVE, "AW107", module_name="redis.helpers") == [(5, "AW107")]


def test_absolute_import_is_reported():
    assert lint(RELATIVE.replace("from . import Redis", "from redis import Redis"), "AW107") == [(5, "AW107")]


def test_configured_calls_are_screened_by_their_last_segment():
    rule = REGISTRY.get("AW109")
    settings = Settings(blocking_calls=(("myproj.db.query", "use query_async"), ("vendor.Client().*", "no")))
    assert rule.screen_tokens(settings) == frozenset({"query", "vendor"})
    assert rule.screen_tokens(Settings()) == frozenset()


def test_configured_call_reached_through_a_relative_import_is_reported():
    source = """
    from .db import query

    async def handler():
        return query("SELECT 1")
    """
    found = lint(
        source, "AW109", module_name="myproj.api", blocking_calls=(("myproj.db.query", "use `myproj.db.aquery`"),)
    )
    assert found == [(5, "AW109")]
    out = lint_source(
        textwrap.dedent(source),
        "x.py",
        Settings(select=("AW109",), blocking_calls=(("myproj.db.query", "use `aquery`"),)),
        [REGISTRY.get("AW109")],
        module_name="myproj.api",
    )
    assert out.diagnostics[0].message == "`myproj.db.query()` is configured as blocking; use `aquery`"


def test_configured_names_may_use_star_segments_and_call_parens():
    table = {"blocking-calls": {"mylib.connect().*.load": "a", "mylib.Client().query": "b"}}
    assert parse_table(table, "pyproject.toml", REGISTRY)["blocking_calls"] == (
        ("mylib.Client().query", "b"),
        ("mylib.connect().*.load", "a"),
    )
    with pytest.raises(ConfigError):
        parse_table({"blocking-calls": {"mylib.*()": "a"}}, "pyproject.toml", REGISTRY)


def test_pymongo_through_subscripts_and_locals():
    source = """
    import pymongo

    async def f():
        client = pymongo.MongoClient()
        db = client["shop"]
        orders = db["orders"]
        orders.find_one({})
        client["shop"].orders.delete_many({})
        db.name.upper()
    """
    assert lint(source, "AW107") == [(8, "AW107"), (9, "AW107")]


def test_messages_name_the_async_replacement():
    source = "import requests, subprocess\n\nasync def f():\n    requests.get('u')\n    subprocess.run(['ls'])\n"
    out = lint_source(
        source, "x.py", Settings(select=("AW101", "AW102")), [REGISTRY.get("AW101"), REGISTRY.get("AW102")]
    )
    messages = [d.message for d in out.diagnostics]
    assert "httpx.AsyncClient" in messages[0] and "`requests.get()`" in messages[0]
    assert "asyncio.create_subprocess_exec" in messages[1]


def test_cpu_heavy_is_off_by_default_and_on_when_named():
    assert "AW108" not in REGISTRY.resolve(None, (), ())
    assert "AW108" in REGISTRY.resolve(("AW1",), (), ())
