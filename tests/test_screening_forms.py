"""Screening agrees with the semantic model over a generated corpus of binding forms and type
sources: each generated file is linted with each rule alone (so that screening by function body
replaces every body it can) and with all of them, screened and unscreened, and the results must
be identical."""

from __future__ import annotations

import itertools
import textwrap

import pytest

from awaitwise import engine
from awaitwise.config import Settings
from awaitwise.registry import get_registry

REGISTRY = get_registry()

# (type expression, a call on an object of that type, the module it needs)
RECEIVERS = [
    ("httpx.Client", "{x}.get(url)", "import httpx"),
    ("pathlib.Path", "{x}.read_text()", "import pathlib"),
    ("socket.socket", "{x}.recv(10)", "import socket"),
    ("Store", "{x}.update()", ""),
]

# how `x` gets its type: (code before the call, inside the coroutine `use`, or at module level)
BINDERS = {
    "parameter": ("", "async def use(x: {T}, url=None):\n    {call}\n"),
    "optional": ("", "async def use(x: Optional[{T}], url=None):\n    if x:\n        {call}\n"),
    "string": ("", "async def use(x: '{T} | None', url=None):\n    {call}\n"),
    "local": ("", "async def use(request, url=None):\n    x: {T} = request.app['x']\n    {call}\n"),
    "bare_local": ("", "async def use(request, url=None):\n    x: {T}\n    x = request.app['x']\n    {call}\n"),
    "walrus": ("", "async def use(make, url=None):\n    if (x := make()):\n        {call}\n"),
    "match": ("", "async def use(v: {T}, url=None):\n    match v:\n        case [x]:\n            {call}\n"),
    "loop": ("", "async def use(xs: list[{T}], url=None):\n    for x in xs:\n        {call}\n"),
    "loop_plain": ("", "async def use(xs, url=None):\n    for x in xs:\n        {call}\n"),
    "unpack": ("", "async def use(pair, url=None):\n    x, y = pair\n    {call}\n"),
    "unpack_display": ("", "async def use(url=None):\n    (x, y) = ({T}(), None)\n    {call}\n"),
    "unpack_nested": ("", "async def use(url=None):\n    [w, (x, y)] = [0, [{T}(), {{}}]]\n    {call}\n"),
    "unpack_starred": ("", "async def use(rest, url=None):\n    x, *y = {T}(), *rest\n    {call}\n"),
    "returned": ("def make() -> {T}:\n    ...\n", "async def use(url=None):\n    x = make()\n    {call}\n"),
    "awaited": ("async def make() -> {T}:\n    ...\n", "async def use(url=None):\n    x = await make()\n    {call}\n"),
    "method_return": (
        "class Factory:\n    def make(self) -> {T}:\n        ...\n",
        "async def use(f: Factory, url=None):\n    x = f.make()\n    {call}\n",
    ),
    "self_annotated": (
        "class Holder:\n    def __init__(self, v):\n        self.x: {T} = v\n",
        "class User(Holder):\n    pass\nasync def use(h: Holder, url=None):\n    x = h.x\n    {call}\n",
    ),
    "class_field": ("class Holder:\n    x: {T}\n", "async def use(h: Holder, url=None):\n    x = h.x\n    {call}\n"),
    "with": ("", "async def use(url=None):\n    with {T}() as x:\n        {call}\n"),
}

STORE = "class Store:\n    async def update(self):\n        ...\n"
PADDING = "".join(f"def helper_{i}(a):\n    return a + {i}\n\n" for i in range(12))


def _source(binder: str, receiver) -> str:
    type_expr, call, module = receiver
    before, use = BINDERS[binder]
    head = "from typing import Optional\n" + (module + "\n" if module else "")
    body = before.format(T=type_expr) + use.format(T=type_expr, call=call.format(x="x"))
    return head + "\n" + STORE + "\n" + PADDING + body


def _key(out):
    return sorted((d.location.row, d.location.column, d.code, d.message) for d in out.diagnostics), sorted(
        out.internal_errors
    )


def _both(text, rules):
    runs = []
    settings = Settings(select=tuple(r.code for r in rules))
    for screening in (True, False):
        engine.SCREENING = screening
        try:
            runs.append(_key(engine.lint_source(text, "gen/mod.py", settings, rules, module_name="gen.mod")))
        finally:
            engine.SCREENING = True
    return runs


CODES = ["AW100", "AW101", "AW103", "AW105", "AW110", "AW200", "AW201", "AW202"]


@pytest.mark.parametrize(
    "binder,receiver",
    list(itertools.product(BINDERS, RECEIVERS)),
    ids=[f"{b}-{r[0]}" for b, r in itertools.product(BINDERS, RECEIVERS)],
)
def test_screened_and_unscreened_agree(binder, receiver):
    text = _source(binder, receiver)
    for code in CODES:
        screened, full = _both(text, [REGISTRY.get(code)])
        assert screened == full, (code, textwrap.indent(text, "  "))
    screened, full = _both(text, list(REGISTRY))
    assert screened == full


def test_the_generated_corpus_has_findings():
    """The corpus is not vacuous: the annotated forms are found."""
    found = set()
    for binder, receiver in itertools.product(BINDERS, RECEIVERS):
        _, full = _both(_source(binder, receiver), list(REGISTRY))
        if full[0]:
            found.add(binder)
    assert {
        "parameter",
        "optional",
        "string",
        "local",
        "bare_local",
        "with",
        "loop",
        "returned",
        "awaited",
        "method_return",
        "self_annotated",
        "class_field",
        "unpack_display",
        "unpack_nested",
    } <= found
    assert not {"walrus", "match", "loop_plain", "unpack", "unpack_starred"} & found
