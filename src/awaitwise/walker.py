"""The single batched pass: one iterative walk of the CST that keeps the scope stack and
dispatches each node to every selected rule's `visit_<Node>` / `leave_<Node>` handlers.

It reads node fields directly instead of libcst's visitor protocol (which rebuilds every node
it visits), skips whitespace and punctuation, and never recurses, so deeply nested input cannot
exhaust the interpreter's stack.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from typing import Callable, Dict, List, Tuple

import libcst as cst

from .scopes import CLASS, COMPREHENSION, FUNCTION, LAMBDA, Scope

_SKIP_FIELDS = {
    "lpar", "rpar", "comma", "semicolon", "leading_lines", "lines_after_decorators", "header",
    "footer", "lbracket", "rbracket", "lbrace", "rbrace", "colon", "dot", "equal", "star",
    "operator", "newline", "asynchronous", "arrow", "walrus", "trailing_whitespace", "first_line",
    "last_line", "prefix", "quote", "indent", "default_indent", "default_newline", "encoding",
    "has_trailing_newline",
}
# Names that are not references: the attribute of `a.b` and the keyword of `f(k=v)`.
_SKIP_BY_TYPE = {"Attribute": {"attr"}, "Arg": {"keyword"}}
_FIELDS: Dict[type, Tuple[str, ...]] = {}
_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


def _fields(tp: type) -> Tuple[str, ...]:
    names = _FIELDS.get(tp)
    if names is None:
        skip = _SKIP_BY_TYPE.get(tp.__name__, ())
        names = tuple(
            f.name for f in dataclasses.fields(tp)
            if f.name not in _SKIP_FIELDS and not f.name.startswith("whitespace") and f.name not in skip
        )
        _FIELDS[tp] = names
    return names


def children(node: cst.CSTNode) -> List[cst.CSTNode]:
    out = []
    for name in _fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            out.append(value)
        elif isinstance(value, (tuple, list)):
            out.extend(v for v in value if isinstance(v, cst.CSTNode))
    return out


class RuleError(Exception):
    def __init__(self, code: str, exc: BaseException):
        super().__init__(f"{code}: {type(exc).__name__}: {exc}")
        self.code = code
        self.exc = exc


_ENTER, _LEAVE, _PUSH, _POP = 0, 1, 2, 3


def walk(ctx, rules, on_error: Callable[[str, BaseException], None]) -> None:
    visit: Dict[str, list] = defaultdict(list)
    leave: Dict[str, list] = defaultdict(list)
    for rule in rules:
        for attr in dir(type(rule)):
            if attr.startswith("visit_"):
                visit[attr[6:]].append((rule, getattr(rule, attr)))
            elif attr.startswith("leave_"):
                leave[attr[6:]].append((rule, getattr(rule, attr)))
    broken = set()

    def dispatch(handlers, node):
        for rule, handler in handlers:
            if rule.code in broken:
                continue
            try:
                handler(node)
            except Exception as exc:  # contain one rule's failure to that rule and file
                broken.add(rule.code)
                on_error(rule.code, exc)

    stack: list = [(_ENTER, ctx.module)]
    stack_nodes = ctx.stack
    while stack:
        op, item = stack.pop()
        if op == _ENTER:
            node = item
            stack_nodes.append(node)
            name = type(node).__name__
            handlers = visit.get(name)
            if handlers:
                dispatch(handlers, node)
            stack.append((_LEAVE, node))
            _push_children(ctx, node, stack)
        elif op == _LEAVE:
            handlers = leave.get(type(item).__name__)
            if handlers:
                dispatch(handlers, item)
            stack_nodes.pop()
        elif op == _PUSH:
            ctx.scope = item
            if item.kind == CLASS:
                ctx.class_scopes[id(item.node)] = item
        else:
            ctx.scope = ctx.scope.parent


def _push_children(ctx, node, stack) -> None:
    """Push children in reverse so they pop in source order, with scope changes around bodies."""
    if isinstance(node, cst.FunctionDef):
        scope = Scope(FUNCTION, node, ctx.scope, is_async=node.asynchronous is not None, name=node.name.value)
        outer = list(node.decorators) + [node.params]
        if node.returns is not None:
            outer.append(node.returns)
        _scoped(stack, outer, [node.body], scope)
    elif isinstance(node, cst.Lambda):
        _scoped(stack, [node.params], [node.body], Scope(LAMBDA, node, ctx.scope))
    elif isinstance(node, cst.ClassDef):
        outer = list(node.decorators) + list(node.bases) + list(node.keywords)
        _scoped(stack, outer, [node.body], Scope(CLASS, node, ctx.scope, name=node.name.value))
    elif isinstance(node, _COMPREHENSIONS):
        _scoped(stack, [], children(node), Scope(COMPREHENSION, node, ctx.scope))
    else:
        for child in reversed(children(node)):
            stack.append((_ENTER, child))


def _scoped(stack, outer, inner, scope) -> None:
    stack.append((_POP, None))
    for child in reversed(inner):
        stack.append((_ENTER, child))
    stack.append((_PUSH, scope))
    for child in reversed(outer):
        stack.append((_ENTER, child))
