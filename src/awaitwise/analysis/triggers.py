"""What the semantic model says about the trigger sites of one file, for screening.

The screen (screening.py) asks, before any libcst parse, which function bodies could hold a
finding. For calls made in async context this module gives the model's answer: for every such
call, its terminal name and the qualified name the model resolves for the callee, collected per
body (the units of screening.py) and for the whole file. A rule then decides from qualified
names, the way it decides when it runs, instead of from terminal names.

Async context is taken wide, as the screen takes it: lexically inside an `async def` body
(comprehensions included; nested def, lambda and class bodies excluded), and the decorators,
defaults and annotations of a def count as async when the def is a coroutine function or stands
in async context.

Each entry is (terminal name, answer) where the answer is the qualified name, NOTHING when the
model resolves the callee to nothing, SUBSCRIPTED when it does not either but a subscript stands
in the callee's chain or a name at its root is bound to a subscript somewhere in the file (the
blocking rules' `*` patterns read such chains, `client["db"].find`), or UNASKED when the walk
could not tell in which of the model's scopes the call stands (the screen then decides by the
terminal name alone).
"""

from __future__ import annotations

import ast
from typing import FrozenSet, List, Optional, Sequence, Set, Tuple

from .semantic import SemanticModel

NOTHING = ""  # the model resolves the callee to nothing
SUBSCRIPTED = "[]"  # nothing either, but through a subscript (see the module's docstring)
UNASKED = "?"  # the call's scope is not one the model has: no answer was asked for

CallName = Tuple[str, str]

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def call_terminal(func) -> str:
    """The terminal name of a callee or type expression: `a.b.c` -> c, `f` -> f, `f()` -> f; ""
    (screening.ANY) for any other."""
    while isinstance(func, ast.Call):
        func = func.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _subscript_bound(tree: ast.AST) -> FrozenSet[str]:
    """The names the file binds, in any scope, to a subscript (`db = client["shop"]`, `with
    client["shop"] as db`)."""
    out: Set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            if type(node.value) is ast.Subscript:
                out.update(target.id for target in node.targets if isinstance(target, ast.Name))
        elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)):
            if type(node.value) is ast.Subscript and isinstance(node.target, ast.Name):
                out.add(node.target.id)
        elif isinstance(node, ast.withitem):  # `with client["shop"] as db:`
            if type(node.context_expr) is ast.Subscript and isinstance(node.optional_vars, ast.Name):
                out.add(node.optional_vars.id)
    return frozenset(out)


def _through_subscript(func, subscript_bound: FrozenSet[str]) -> bool:
    """Does the callee's chain (attributes, calls, subscripts) hold a subscript, or start at a
    name bound to one?"""
    node = func
    while True:
        t = type(node)
        if t is ast.Subscript:
            return True
        if t is ast.Attribute:
            node = node.value
        elif t is ast.Call:
            node = node.func
        else:
            return t is ast.Name and node.id in subscript_bound


def _head(node) -> List[ast.AST]:
    """What a def, lambda or class evaluates in the scope it stands in."""
    if isinstance(node, ast.ClassDef):
        return [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]
    args = node.args
    out: List[ast.AST] = [d for d in args.defaults + args.kw_defaults if d is not None]
    for a in args.posonlyargs + args.args + args.kwonlyargs + [x for x in (args.vararg, args.kwarg) if x is not None]:
        if a.annotation is not None:
            out.append(a.annotation)
    if isinstance(node, ast.Lambda):
        return out
    if node.returns is not None:
        out.append(node.returns)
    return [*node.decorator_list, *out]


def async_call_names(
    model: SemanticModel, tree: ast.AST, bodies: Sequence[ast.AST] = ()
) -> Tuple[FrozenSet[CallName], List[FrozenSet[CallName]]]:
    """(the entries of the whole file, those of each def in `bodies`, in their order): the calls
    in async context, each as (terminal name, the model's answer), see the module's docstring."""
    scope_of = model.scope_of
    subscript_bound: Optional[FrozenSet[str]] = None  # worked out on first need
    buckets: List[Set[CallName]] = [set() for _ in bodies]
    bucket_of = {id(node): i for i, node in enumerate(bodies)}
    outside: Set[CallName] = set()
    # (node, its model scope or None, in async context, the set it records into)
    stack: list = [(stmt, model.root, False, outside) for stmt in getattr(tree, "body", ())]
    pop, push = stack.pop, stack.append
    while stack:
        node, scope, in_async, into = pop()
        t = type(node)
        if t in _DEFS or t is ast.Lambda or t is ast.ClassDef:
            is_async = t is ast.AsyncFunctionDef
            for child in _head(node):
                push((child, scope, in_async or is_async, into))
            inner = scope_of(node) if scope is not None else None
            body_into = into
            if t is not ast.Lambda and t is not ast.ClassDef:
                found = bucket_of.get(id(node))
                if found is not None:
                    body_into = buckets[found]
            body = [node.body] if t is ast.Lambda else node.body
            for child in body:
                push((child, inner, is_async, body_into))
            continue
        if t in _COMPREHENSIONS:
            scope = scope_of(node) if scope is not None else None
        elif t is ast.Call and in_async:
            func = node.func
            answer: Optional[str]
            if scope is None:
                answer = UNASKED
            else:
                answer = model.resolve(scope, func) or NOTHING
                if answer == NOTHING:
                    if subscript_bound is None:
                        subscript_bound = _subscript_bound(tree)
                    if _through_subscript(func, subscript_bound):
                        answer = SUBSCRIPTED
            into.add((call_terminal(func), answer))
        for child in ast.iter_child_nodes(node):
            push((child, scope, in_async, into))
    whole: Set[CallName] = set(outside)
    for b in buckets:
        whole |= b
    return frozenset(whole), [frozenset(b) for b in buckets]


__all__ = ["NOTHING", "SUBSCRIPTED", "UNASKED", "CallName", "async_call_names", "call_terminal"]
