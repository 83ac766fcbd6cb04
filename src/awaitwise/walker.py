"""The single batched pass: one iterative walk of the CST that keeps the scope stack and
dispatches each node to every selected rule's `visit_<Node>` / `leave_<Node>` handlers.

It reads node fields directly instead of libcst's visitor protocol (which rebuilds every node
it visits), skips whitespace and punctuation, and never recurses, so deeply nested input cannot
exhaust the interpreter's stack.

Every call into rule code here is guarded: whatever a handler raises, `SystemExit`,
`KeyboardInterrupt` and `RecursionError` included, costs that rule the rest of the file and is
reported through `on_error`, unless it is a request to stop the run (interrupts.Interrupted,
or a KeyboardInterrupt that may be the user's Ctrl-C: interrupts.rule_exception_propagates).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from typing import Callable, Dict, List, Tuple, Union

import libcst as cst

from .scopes import CLASS, COMPREHENSION, FUNCTION, LAMBDA, Scope
from .screening import LazyTypes

_SKIP_FIELDS = {
    "lpar",
    "rpar",
    "comma",
    "semicolon",
    "leading_lines",
    "lines_after_decorators",
    "header",
    "footer",
    "lbracket",
    "rbracket",
    "lbrace",
    "rbrace",
    "colon",
    "dot",
    "equal",
    "star",
    "operator",
    "newline",
    "asynchronous",
    "arrow",
    "walrus",
    "trailing_whitespace",
    "first_line",
    "last_line",
    "prefix",
    "quote",
    "indent",
    "default_indent",
    "default_newline",
    "encoding",
    "has_trailing_newline",
}
# Names that are not references: the attribute of `a.b` and the keyword of `f(k=v)`.
_SKIP_BY_TYPE = {"Attribute": {"attr"}, "Arg": {"keyword"}}
_FIELDS: Dict[type, Tuple[str, ...]] = {}
_COMPREHENSIONS: LazyTypes[Union[cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp]] = LazyTypes(
    "ListComp", "SetComp", "DictComp", "GeneratorExp"
)  # libcst loads on first use


def _fields(tp: type) -> Tuple[str, ...]:
    names = _FIELDS.get(tp)
    if names is None:
        skip = _SKIP_BY_TYPE.get(tp.__name__, ())
        names = tuple(
            f.name
            for f in dataclasses.fields(tp)
            if f.name not in _SKIP_FIELDS and not f.name.startswith("whitespace") and f.name not in skip
        )
        _FIELDS[tp] = names
    return names


_IS_NODE: Dict[type, bool] = {}


def _is_node_type(tp: type) -> bool:
    # `isinstance(x, cst.CSTNode)` goes through ABCMeta on every call; a per-type answer does not
    known = _IS_NODE.get(tp)
    if known is None:
        known = _IS_NODE[tp] = issubclass(tp, cst.CSTNode)
    return known


def children(node: cst.CSTNode) -> List[cst.CSTNode]:
    out = []
    is_node = _IS_NODE
    for name in _fields(type(node)):
        value = getattr(node, name)
        tp = type(value)
        if tp is tuple or tp is list:
            for v in value:
                vt = type(v)
                known = is_node.get(vt)
                if known is None:
                    known = _is_node_type(vt)
                if known:
                    out.append(v)
        else:
            known = is_node.get(tp)
            if known is None:
                known = _is_node_type(tp)
            if known:
                out.append(value)
    return out


MAX_MESSAGE = 300  # characters of an exception's text kept in an internal error


def describe(exc: BaseException) -> str:
    """`Type: message` for an internal error, never raising and never unbounded: the text of an
    exception may be built from anything (a deep tree whose repr recurses, a huge value), so it
    is taken behind a guard and cut to MAX_MESSAGE characters, on one line."""
    name = type(exc).__name__
    try:
        text = str(exc)
        if not isinstance(text, str):  # pragma: no cover - a __str__ that returns a subclass
            text = ""
    except BaseException as err:  # noqa: B036 - even RecursionError/MemoryError from a __str__
        from .interrupts import Interrupted

        if isinstance(err, Interrupted):
            raise
        text = "(its message could not be shown)"
    text = " ".join(text[: MAX_MESSAGE * 2].split())
    if len(text) > MAX_MESSAGE:
        text = text[: MAX_MESSAGE - 1] + "…"
    return f"{name}: {text}" if text else name


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
    from .interrupts import rule_exception_propagates

    def dispatch(handlers, node):
        for rule, handler in handlers:
            if rule.code in broken:
                continue
            try:
                handler(node)
            except BaseException as exc:  # contain one rule's failure, SystemExit too, to that rule and file
                if rule_exception_propagates(exc):
                    raise
                broken.add(rule.code)
                on_error(rule.code, exc)

    stack: list = [(_ENTER, ctx.module)]
    stack_nodes = ctx.stack
    # per node type: (visit handlers, leave handlers, special scope handling or None)
    by_type: Dict[type, tuple] = {}
    scoped = _scoped_types()
    pop = stack.pop
    push = stack.append
    while stack:
        op, item = pop()
        if op == _ENTER:
            node = item
            tp = type(node)
            entry = by_type.get(tp)
            if entry is None:
                name = tp.__name__
                entry = by_type[tp] = (visit.get(name), leave.get(name), scoped.get(tp))
            stack_nodes.append(node)
            if entry[0]:
                dispatch(entry[0], node)
            push((_LEAVE, node))
            if entry[2] is None:
                kids = children(node)
                if kids:
                    kids.reverse()
                    stack.extend([(_ENTER, child) for child in kids])
            else:
                _push_children(ctx, node, stack)
        elif op == _LEAVE:
            handlers = by_type[type(item)][1]
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
        outer: List[cst.CSTNode] = list(node.decorators) + [node.params]
        if node.returns is not None:
            outer.append(node.returns)
        _scoped(stack, outer, [node.body], scope)
    elif isinstance(node, cst.Lambda):
        _scoped(stack, [node.params], [node.body], Scope(LAMBDA, node, ctx.scope))
    elif isinstance(node, cst.ClassDef):
        outer = [*node.decorators, *node.bases, *node.keywords]
        _scoped(stack, outer, [node.body], Scope(CLASS, node, ctx.scope, name=node.name.value))
    elif isinstance(node, _COMPREHENSIONS.types):
        _scoped(stack, [], children(node), Scope(COMPREHENSION, node, ctx.scope))
    else:
        for child in reversed(children(node)):
            stack.append((_ENTER, child))


# node types that open a scope (everything else: plain children); built at the first walk
_SCOPED: Dict[type, bool] = {}


def _scoped_types() -> Dict[type, bool]:
    if not _SCOPED:
        _SCOPED.update(dict.fromkeys((cst.FunctionDef, cst.Lambda, cst.ClassDef) + _COMPREHENSIONS.types, True))
    return _SCOPED


def _scoped(stack, outer, inner, scope) -> None:
    stack.append((_POP, None))
    for child in reversed(inner):
        stack.append((_ENTER, child))
    stack.append((_PUSH, scope))
    for child in reversed(outer):
        stack.append((_ENTER, child))
