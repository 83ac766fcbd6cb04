"""The project index and the semantic model agree on what the calls of sync bodies call: for every
call site the index records (CallFact), its target, resolved as the model resolves names, is what
the model says of the same call site; and the index leaves out no call the model resolves, except
the known kinds written down here. Over every fixture file and a module of every binding form."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from typing import Dict, List, Optional, Tuple

import pytest

from awaitwise.analysis.semantic import FUNCTION, LAMBDA, ModelScope, SemanticModel
from awaitwise.project import _PURE_BUILTINS, extract
from awaitwise.records import calls_of
from fixture_support import FIXTURES

MODULE = "m"

BINDING_FORMS = """
from __future__ import annotations
import os
import requests
import helpers as hp
from pathlib import Path
from typing import Optional, Union, overload
from .util import fetch
from . import sibling

client = requests.Session()

class Store:
    limit: int
    session: requests.Session
    path: Optional[Path]

    def __init__(self, base: "Path"):
        self.http = requests.Session()
        self.typed: Path = base
        self.base = base

    def load(self, p: Path, q: "Path | None", r: Union[Path, None], s: Optional["requests.Session"]):
        p.read_text()
        q.read_text()
        r.read_text()
        s.get("u")
        self.http.get("u")
        self.session.get("u")
        self.typed.open()
        self.base.open()
        self.path.open()
        self.save()
        return fetch(p)

    def save(self):
        pass

    @classmethod
    def make(cls):
        return cls.build()

    @staticmethod
    def build(x: Path):
        x.unlink()


@overload
def over(x: int) -> int: ...
@overload
def over(x: str) -> str: ...
def over(x):
    return x


def forms(items, arg: requests.Session, *rest: Path, **kw: Path):
    arg.get("u")
    rest.count(1)
    kw.get("k")
    if (w := requests.Session()) is not None:
        w.get("u")
    [y.read() for y in items]
    [z for z in items if (v := hp.make())]
    v.go()
    a, b = requests.Session(), hp
    a.get("u")
    b.go()
    c, *d = requests.Session(), hp
    c.get("u")
    d.go()
    (e, f), g = (requests.Session(), hp), os
    e.get("u")
    g.remove("x")
    for h in items:
        h.close()
    for client in items:
        client.get("u")
    with open("f") as fh, requests.Session() as sess:
        fh.read()
        sess.get("u")
    try:
        pass
    except OSError as err:
        err.close()
    local: requests.Session = requests.Session()
    local.get("u")
    declared: Path
    declared = make_path()
    declared.open()
    annotated: "Path" = make_path()
    annotated.open()
    gone = requests.Session()
    del gone
    gone.get("u")
    import json
    json.loads("1")
    from os import path as osp
    osp.exists("x")
    from .util import helper
    helper()
    import xml.etree.ElementTree
    xml.etree.ElementTree.parse("f")
    over(1)
    Store(Path("x")).load(1, 2, 3, 4)
    sibling.work()

    def inner():
        nonlocal a
        a.get("u")
        arg.get("u")

    inner()
    lam = lambda: requests.get("u")
    lam()


def matches(subject):
    match subject:
        case {"k": mk, **mrest}:
            mk.run()
            mrest.run()
        case [ms, *mstar]:
            ms.run()
            mstar.run()
        case Store(limit=mkw) | Path(mkw):
            mkw.run()
        case str() as mas:
            mas.run()
        case hp.CONST:
            pass
        case _:
            pass
    hp.after()


def globals_():
    global client
    client.get("u")
    os.remove("f")


def make_path() -> Path:
    return Path("x")


def shadows(os, requests=None):
    os.remove("f")
    requests.get("u")


class Lazy:
    def __init__(self):
        self.later = None
        self.unknown = None

    def connect(self):
        self.later = requests.Session()
        self.unknown = []

    async def start(self):
        self.opened = await self.open()
        self.made = await make_session()
        self.plain = await self.plain_open()

    async def open(self) -> "Path":
        return Path("x")

    async def plain_open(self):
        return Path("x")


async def make_session() -> Optional[requests.Session]:
    return None
"""


# Calls the index does not record although the model resolves them: builtins that never block.
def _index_skips(name: str) -> bool:
    return name.startswith("builtins.") and name[len("builtins.") :] in _PURE_BUILTINS


def _scoped_calls(model: SemanticModel, tree: ast.Module) -> List[Tuple[ast.Call, ModelScope]]:
    """Every call of the file with the scope it is evaluated in."""
    out = []
    stack: list = [(tree, model.root)]
    while stack:
        node, scope = stack.pop()
        inner = model.scope_of(node) if node is not tree else None
        if isinstance(node, ast.Call):
            out.append((node, scope))
        if inner is None:
            stack.extend((child, scope) for child in ast.iter_child_nodes(node))
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            outside = node.decorator_list + node.args.defaults + [d for d in node.args.kw_defaults if d]
            stack.extend((n, scope) for n in outside)
            stack.extend((n, inner) for n in node.body)
        elif isinstance(node, ast.Lambda):
            outside = node.args.defaults + [d for d in node.args.kw_defaults if d]
            stack.extend((n, scope) for n in outside)
            stack.append((node.body, inner))
        elif isinstance(node, ast.ClassDef):
            outside = node.decorator_list + node.bases + [k.value for k in node.keywords]
            stack.extend((n, scope) for n in outside)
            stack.extend((n, inner) for n in node.body)
        else:
            stack.extend((child, inner) for child in ast.iter_child_nodes(node))
    return out


def _function_path(scope: ModelScope) -> Optional[str]:
    """The index's path of the sync function whose body runs a call made in `scope`."""
    scope = scope.function_scope()
    if scope.kind != FUNCTION or isinstance(scope.node, ast.AsyncFunctionDef):
        return None
    if any(s.kind == LAMBDA for s in _chain(scope)):
        return None
    prefix = scope.prefix
    assert prefix.startswith(MODULE + ".") and prefix.endswith(".<locals>"), prefix
    return prefix[len(MODULE) + 1 : -len(".<locals>")]


def _chain(scope: ModelScope):
    while scope is not None:
        yield scope
        scope = scope.parent


_STEP = re.compile(r"\(\)|\.[^.()]+|[^.()]+")


def _as_model_name(model: SemanticModel, target) -> Optional[str]:
    """A CallFact target resolved as the model resolves names (the module is MODULE)."""
    if isinstance(target, str):
        first, _, tail = target.partition(".")
        calls = 0
        while first.endswith("()"):
            first, calls = first[:-2], calls + 1
        name = model.resolve_name(model.root, first)
        rest = "()" * calls + ("." + tail if tail else "")
    elif target[0] == "imp":
        _, level, module, imported, rest = target
        if level > 1:
            return None
        name = ".".join(p for p in (module, imported) if p)
    else:
        _, path, rest = target
        name = f"{MODULE}.{path}"
    for step in _STEP.findall(rest):
        if name is None:
            return None
        if step == "()":
            name = model.call_result(name, awaited=False)
        else:
            name = model.attribute(name, step.lstrip("."))
    return name


def _compare(source: str):
    tree = ast.parse(source)
    model = SemanticModel(tree, MODULE, False)
    calls = calls_of(extract(f"{MODULE}.py", source))
    by_site: Dict[Tuple[str, int], List[str]] = defaultdict(list)
    for call, scope in _scoped_calls(model, tree):
        path = _function_path(scope)
        if path is None:
            continue
        name = model.resolve(scope, call.func)
        if name is not None and not _index_skips(name):
            by_site[(path, call.lineno)].append(name)
    recorded: Dict[Tuple[str, int], List[str]] = defaultdict(list)
    for path, facts in calls.items():
        for fact in facts:
            name = _as_model_name(model, fact.target)
            if name is not None:
                recorded[(path, fact.line)].append(name)
    differences = []
    for key in sorted(set(by_site) | set(recorded)):
        if sorted(by_site.get(key, [])) != sorted(recorded.get(key, [])):
            differences.append((key, sorted(recorded.get(key, [])), sorted(by_site.get(key, []))))
    return differences, recorded


FIXTURE_FILES = sorted(p for p in FIXTURES.rglob("*.py"))


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_index_call_targets_agree_with_the_model_on_fixtures(path):
    source = path.read_text(encoding="utf-8")
    try:
        ast.parse(source)
    except SyntaxError:
        pytest.skip("not parseable by this Python")
    differences, _recorded = _compare(source)
    assert differences == []


def test_index_call_targets_agree_with_the_model_on_every_binding_form():
    differences, recorded = _compare(BINDING_FORMS)
    assert differences == []
    # the comparison is not empty: what the index now follows through the model
    assert recorded[("Store.load", 25)] == ["pathlib.Path().read_text"]  # `q: "Path | None"`
    assert recorded[("Store.load", 28)] == ["requests.Session().get"]  # `s: Optional["requests.Session"]`
    assert recorded[("Store.load", 29)] == ["requests.Session().get"]  # `session: requests.Session` in the class
    assert recorded[("Store.load", 30)] == ["pathlib.Path().open"]  # `self.typed: Path = base`
    assert recorded[("forms", 64)] == ["helpers.make().go"]  # walrus in a comprehension
    assert recorded[("forms", 86)] == ["requests.Session().get"]  # `local: requests.Session = ...`
    assert recorded[("forms", 89)] == ["pathlib.Path().open"]  # declared `declared: Path`
    assert recorded[("forms.<locals>.inner", 109)] == ["requests.Session().get"]  # nonlocal
    assert ("forms", 75) not in recorded and ("forms", 77) not in recorded  # loop targets
    assert ("forms", 84) not in recorded and ("forms", 94) not in recorded  # except-as, del
    assert not any(key[0] == "matches" and key[1] < 133 for key in recorded)  # match captures
    assert ("shadows", 147) not in recorded and ("shadows", 148) not in recorded  # parameters


def test_instance_attributes_come_from_the_model():
    attrs = extract(f"{MODULE}.py", BINDING_FORMS).attr_values
    assert attrs == {
        "Store": {
            "limit": "int()",  # declared in the class body
            "session": "requests.Session()",
            "path": "Path()",  # `Optional[Path]`
            "http": "requests.Session()",  # a constructor call in a method
            "typed": "Path()",  # `self.typed: Path = base`
            "base": "Path()",  # the value is a parameter annotated `"Path"`
        },
        # `None` until connect() sets it; awaited calls of coroutine functions with a return annotation
        "Lazy": {"later": "requests.Session()", "opened": "Path()", "made": "requests.Session()"},
    }


def test_instance_attributes_agree_with_the_model():
    model = SemanticModel(ast.parse(BINDING_FORMS), MODULE, False)
    attrs = extract(f"{MODULE}.py", BINDING_FORMS).attr_values
    compared = 0
    for cls, values in attrs.items():
        for attr, value in values.items():
            if (cls, attr) == ("Lazy", "later"):
                # the model leaves a name bound to None and to an object unresolved
                assert model.instance_attribute(f"{MODULE}.{cls}", attr) is None
                continue
            assert _as_model_name(model, value) == model.instance_attribute(f"{MODULE}.{cls}", attr), (cls, attr)
            compared += 1
    assert compared == 8
