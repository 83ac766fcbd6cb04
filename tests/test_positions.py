"""positions.locate gives each wanted node the range libcst's whole-module position pass gives,
while passing over only the statement the walk reported in."""

from __future__ import annotations

import glob
import os

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from awaitwise import positions
from awaitwise.cstparse import parse_module

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = sorted(glob.glob(os.path.join(ROOT, "fixtures", "**", "*.py"), recursive=True))


def _full(module):
    return MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)


def _nodes(node):
    out, stack = [], [node]
    while stack:
        n = stack.pop()
        out.append(n)
        stack.extend(n.children)
    return out


def _pieces(module):
    """(stack, nodes) for each top-level statement and each statement of a module-level class's
    indented body: the stacks the walk has when a rule reports in them."""
    for top in module.body:
        yield (module, top), _nodes(top)
        if isinstance(top, cst.ClassDef):  # an indented body, or small statements after the colon
            for stmt in top.body.body:
                yield (module, top, top.body, stmt), _nodes(stmt)


def _check(source):
    module = parse_module(source)
    full = _full(module)
    checked = 0
    for stack, nodes in _pieces(module):
        got = positions.locate(module, source, nodes, [stack])
        for node in nodes:
            if node not in full:
                continue  # libcst generates no code for it (the unused whitespace of `{**rest}`)
            assert got[node] == full[node], (type(node).__name__, source[:60])
        checked += len(nodes)
    return checked


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: os.path.relpath(p, ROOT))
def test_every_node_of_every_fixture(path):
    with open(path, encoding="utf-8", newline="") as fh:
        source = fh.read()
    assert _check(source) > 0 or not source.strip()


@pytest.mark.parametrize(
    "source",
    [
        (
            "# header\n\n# more\nimport os\n\n\nclass A:\n    '''doc'''\n\n    x = 1\n\n    @dec\n"
            "    def f(self, a,\n          b):\n        return g(a,\n   b)\n"
        ),
        (
            "import os\r\n\r\nclass A:\r\n    def f(self):\r\n        return 1\r\n\r\n"
            "    async def g(self):\r\n        await h()\r\n"
        ),
        "import os\rclass A:\r    def f(self):\r        return 1\r    def g(self):\r        x()\r",
        "class A:\n\tdef f(self):\n\t\treturn 1\n\tdef g(self):\n\t\treturn [\n  1, 2]\n",
        "class A: x = 1; y = f()\nz = (1,\n  2)\nclass B: pass",
        "@a\n@b(\n  1)\nclass A(\n    Base):\n    class B:\n        def f(self): pass\n    def g(self): return 1\n",
        "x = 1; y = 2\nif x:\n    def f():\n        return y\nelse:\n    pass\nprint(x)",
    ],
)
def test_edge_layouts(source):
    assert _check(source) > 0


def _counting(monkeypatch):
    """The line counts of the modules passed over, by the statement pass or the whole one."""
    seen = []
    real_pass, real_spans = positions._pass, positions._spans

    def counting(mod):
        seen.append(len(mod.code.splitlines()))
        return real_pass(mod)

    def counting_spans(mod, *args):
        seen.append(len(mod.code.splitlines()))
        return real_spans(mod, *args)

    monkeypatch.setattr(positions, "_pass", counting)
    monkeypatch.setattr(positions, "_spans", counting_spans)
    return seen


def test_a_statement_whose_text_repeats_is_placed_by_counting(monkeypatch):
    twice = "    def f(self):\n        return g(1,\n            2)\n"
    source = (
        f"#!/usr/bin/env python\n# header\n\n\nclass A:\n{twice}\n\nclass B:\n    x = 1\n{twice}\n{twice}"
        "\ndef h():\n    pass\n\ndef h():\n    pass\n"
    )
    module = parse_module(source)
    full = _full(module)
    counted = []
    real = positions._Counted.top
    monkeypatch.setattr(positions._Counted, "top", lambda self, i: counted.append(i) or real(self, i))
    for stack, nodes in _pieces(module):
        got = positions.locate(module, source, nodes, [stack])
        assert all(got[node] == full[node] for node in nodes)
    assert counted  # the repeated method and function were placed by counting lines


def test_decorators_of_the_statement_are_placed_but_not_its_class_header(monkeypatch):
    source = (
        "@outer\nclass A(\n    Base):\n    x = 1\n    y = [\n        2,\n    ]\n\n    @dec(\n        1)\n"
        "    def f(self):\n        return 2\n"
    )
    module = parse_module(source)
    full = _full(module)
    cls = module.body[0]
    method = cls.body.body[2]
    stack = (module, cls, cls.body, method)
    seen = _counting(monkeypatch)
    got = positions.locate(module, source, [method.decorators[0].decorator], [stack])
    assert got[method.decorators[0].decorator] == full[method.decorators[0].decorator]
    assert seen == [8]  # the class's header and the method (with its empty line), not all 12
    for header_node in (cls.name, cls.bases[0].value, cls.decorators[0].decorator):
        got = positions.locate(module, source, [header_node, method.name], [stack])
        assert got[header_node] == full[header_node] and got[method.name] == full[method.name]


def test_a_node_outside_the_reported_statement_falls_back_to_the_whole_pass():
    module = parse_module("import os\n\nclass A:\n    def f(self):\n        return 1\n\ndef g():\n    return 2\n")
    full = _full(module)
    cls, g = module.body[1], module.body[2]
    wanted = [g.body.body[0], cls.body.body[0].name]
    got = positions.locate(module, module.code, wanted, [(module, cls, cls.body, cls.body.body[0])])
    assert all(got[node] == full[node] for node in wanted)


def test_only_the_reported_statement_is_passed_over(monkeypatch):
    module = parse_module(
        "a = 1\n\n\ndef f():\n    return 1\n\n\nclass A:\n    x = 1\n\n    def m(self):\n        return [\n1]\n"
    )
    full = _full(module)
    seen = _counting(monkeypatch)
    cls = module.body[2]
    method = cls.body.body[1]
    got = positions.locate(module, module.code, [method.name], [(module, cls, cls.body, method)])
    assert got[method.name] == full[method.name]
    # the class's line and the method's lines, with the empty lines before each: not all 13
    assert seen == [7]


def test_many_reports_take_one_statement_pass(monkeypatch):
    """Reports in many statements are placed by one pass over those statements together (the cost
    stays linear in the number of findings), never by the whole module's pass."""
    source = "".join(f"def f{i}():\n    return g({i},\n        {i})\n\n\n" for i in range(60)) + "x = 1\n"
    module = parse_module(source)
    full = _full(module)
    seen = _counting(monkeypatch)
    stacks = [(module, stmt, stmt.body, stmt.body.body[0]) for stmt in module.body[:-1]]
    wanted = [stmt.body.body[0] for stmt in module.body[:-1]]
    got = positions.locate(module, source, wanted, stacks)
    assert all(got[node] == full[node] for node in wanted)
    assert len(seen) == 1 and seen[0] < len(source.splitlines())  # one pass, without the last line
