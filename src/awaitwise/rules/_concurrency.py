"""Helpers shared by the boundary (AW3xx) and structured-concurrency (AW4xx) rules: walking a
function body without entering nested scopes, source text at the right indentation for fixes
that rewrite whole statements, and the "is this await/async syntax allowed here?" question.

Not a rule module: the leading underscore keeps it out of the registry.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, List, Optional, Set, Tuple

import libcst as cst

from .. import fixes
from ..scopes import CLASS, FUNCTION, LAMBDA, MODULE
from ..screening import LazyTypes
from ._helpers import all_nodes, local_nodes

if TYPE_CHECKING:
    from typing import TypeGuard

    class MethodCall(cst.Call):
        """For the type checker: a call of `<receiver>.<method>(...)`, as is_call_to tells."""

        func: cst.Attribute


# --------------------------------------------------------------------------------------------
# Walking
# --------------------------------------------------------------------------------------------


def statements(block) -> List[cst.BaseStatement]:
    """The statements of an IndentedBlock/SimpleStatementSuite/Module as a list."""
    body = getattr(block, "body", ())
    return list(body) if isinstance(body, (list, tuple)) else []


def names_in(root: cst.CSTNode) -> Set[str]:
    """Every identifier spelled under `root` (for choosing fresh names)."""
    return {n.value for n in all_nodes(root) if isinstance(n, cst.Name)}


def fresh_name(base: str, taken: Set[str]) -> str:
    if base not in taken:
        return base
    i = 2
    while f"{base}{i}" in taken:
        i += 1
    return f"{base}{i}"


def terminal(func: cst.CSTNode) -> Optional[str]:
    """`f` for `f`, `m` for `a.b.m`; None for anything else."""
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return None


def is_call_to(node: cst.CSTNode, attr: str) -> TypeGuard[MethodCall]:
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == attr


# --------------------------------------------------------------------------------------------
# Source text for statement-level fixes
# --------------------------------------------------------------------------------------------


def block_indents(ctx, block_stack=None) -> List[str]:
    """Indentation units of the IndentedBlocks enclosing the node being visited, outermost first."""
    default = ctx.module.default_indent
    stack = ctx.stack if block_stack is None else block_stack
    out = []
    for node in stack[:-1] if block_stack is None else stack:
        if isinstance(node, cst.IndentedBlock):
            out.append(default if node.indent is None else node.indent)
    return out


def block_indent(ctx, block: cst.IndentedBlock) -> str:
    return ctx.module.default_indent if block.indent is None else block.indent


def code_at(ctx, node: cst.CSTNode, indents: List[str]) -> str:
    """Source of `node` as if it sat inside blocks indented by `indents` (statements come out
    as full lines, nested blocks correctly indented, string contents untouched)."""
    from libcst._nodes.internal import CodegenState

    state = CodegenState(
        default_indent=ctx.module.default_indent,
        default_newline=ctx.module.default_newline,
        indent_tokens=list(indents),
    )
    node._codegen(state)
    return "".join(state.tokens)


def code(ctx, node: cst.CSTNode) -> str:
    return ctx.module.code_for_node(node)


def has_comment(ctx, *nodes) -> bool:
    """Do any of these whitespace/line nodes carry a comment?"""
    for node in nodes:
        if node is None:
            continue
        if isinstance(node, (list, tuple)):
            if has_comment(ctx, *node):
                return True
            continue
        if "#" in code(ctx, node):
            return True
    return False


_ATOMS: LazyTypes[cst.BaseExpression] = LazyTypes(
    "Name",
    "Attribute",
    "Call",
    "Subscript",
    "Integer",
    "Float",
    "SimpleString",
    "List",
    "Tuple",
    "Dict",
    "Set",
    "ListComp",
    "SetComp",
    "DictComp",
    "GeneratorExp",
    "Await",
    "ConcatenatedString",
    "FormattedString",
)


def operand_code(ctx, expr: cst.BaseExpression) -> str:
    """Source of `expr` safe to put after `await ` (parenthesized when it is not an atom)."""
    text = code(ctx, expr).strip()
    if isinstance(expr, _ATOMS.types) or expr.lpar:
        return text
    return f"({text})"


# --------------------------------------------------------------------------------------------
# AW300 / AW301: await and async syntax where the language does not allow them
# --------------------------------------------------------------------------------------------

_ASYNC_DUNDERS = frozenset({"__aenter__", "__aexit__", "__anext__"})


def allowed_by_generator_expression(ctx) -> bool:
    """`await` and `async for` inside a generator expression are legal anywhere: they make it an
    async generator expression. Its first iterable is evaluated outside, though."""
    path = list(ctx.stack)
    for i in range(len(path) - 2, -1, -1):
        anc = path[i]
        if isinstance(anc, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            return False
        if isinstance(anc, cst.GeneratorExp):
            child = path[i + 1]
            grandchild = path[i + 2] if i + 2 < len(path) else None
            if child is anc.for_in and grandchild is not None and grandchild is anc.for_in.iter:
                continue  # the outermost iterable runs in the enclosing scope
            return True
    return False


def boundary_finding(ctx, what: str, rule_code: str):
    """(message, fix) for async syntax (`what`) outside async context, or None when allowed."""
    if ctx.in_async or allowed_by_generator_expression(ctx):
        return None
    scope = ctx.scope.function_scope()
    if scope.kind == LAMBDA:
        return (f"{what} inside a lambda does not compile: a lambda cannot be async; use an `async def`", None)
    if scope.kind == MODULE:
        return (f"{what} at module level does not compile outside an async function", None)
    if scope.kind == CLASS:
        return (f"{what} in a class body does not compile outside an async function", None)
    if scope.kind != FUNCTION:  # pragma: no cover - comprehension scopes resolve to their function
        return None
    func = scope.node
    name = func.name.value
    message = f"{what} inside sync function `{name}` does not compile; make `{name}` an `async def`"
    return message, _make_async_fix(ctx, func)


def _make_async_fix(ctx, func: cst.FunctionDef):
    name = func.name.value
    if name.startswith("__") and name.endswith("__") and name not in _ASYNC_DUNDERS:
        return None  # `__init__`, `__iter__`, ... must stay sync
    for dec in func.decorators:
        q = ctx.qualname(dec.decorator)
        if q in ("contextlib.contextmanager", "builtins.property"):
            return None
    has_yield = has_value_return = False
    for node in local_nodes(func.body):
        if isinstance(node, cst.Yield):
            if isinstance(node.value, cst.From):
                return None  # `yield from` is not allowed in an async generator
            has_yield = True
        elif isinstance(node, cst.Return) and node.value is not None:
            has_value_return = True
    if has_yield and has_value_return:
        return None  # an async generator cannot `return value`
    return fixes.fix("unsafe", f"Make `{name}` an `async def`", fixes.insert_before(func, "async "))


# --------------------------------------------------------------------------------------------
# AW402: evidence that something bounds the concurrency
# --------------------------------------------------------------------------------------------

_LIMITER_CALLS = frozenset(
    {
        "Semaphore",
        "BoundedSemaphore",
        "CapacityLimiter",
        "Limiter",
        "AsyncLimiter",
        "acquire",
        "acquire_on_behalf_of",
        "Queue",
        "LifoQueue",
        "PriorityQueue",
        "create_memory_object_stream",
        "open_memory_channel",
    }
)
_LIMITER_WORD = re.compile(r"semaphore|limiter|throttl|concurrency|(^|_)sem(s|aphore)?(_|$)|(^|_)limit", re.I)


def limiter_in_words(words) -> bool:
    """Could a body whose identifiers are `words` show limiter_evidence? (A superset of it: a
    call's terminal and every Name and attribute are identifiers of the text.)"""
    return any(w in _LIMITER_CALLS or _LIMITER_WORD.search(w) for w in words)


def limiter_evidence(root: cst.CSTNode) -> bool:
    """Does `root` show something that bounds concurrency (a semaphore, limiter, bounded queue
    or channel, an `acquire()`), by the calls it makes or the names it uses?"""
    for node in all_nodes(root):
        if isinstance(node, cst.Call):
            t = terminal(node.func)
            if t in _LIMITER_CALLS:
                return True
        if isinstance(node, cst.Name) and _LIMITER_WORD.search(node.value):
            return True
        if isinstance(node, cst.Attribute) and _LIMITER_WORD.search(node.attr.value):
            return True
    return False


# --------------------------------------------------------------------------------------------
# Data from outside the program (AW402, AW403)
# --------------------------------------------------------------------------------------------

_GROWING = frozenset({"append", "extend", "add", "update", "insert"})


def received(ctx, expr, cache: dict) -> bool:
    """Does `expr` (a collection in the function being visited) hold data from outside the
    program: the result of awaiting a call that is not one of the project's own functions (a
    client library's `await api.devices()`), an `async for` over a stream, or a value computed
    from those earlier in the function (assignments, `for` targets, `items.append(...)`, in
    source order)? `cache`: per rule instance."""
    return received_from(ctx, expr, cache) is not None


def received_from(ctx, expr, cache: dict) -> Optional[Set[str]]:
    """None when `expr` holds no data from outside (see received); else the source text of
    the objects it was received from (`api` for `await api.devices()`; empty when it came
    from a plain function or an `async for`)."""
    names, order = _received_names(ctx, cache)
    at = order.get(id(expr))
    found: Optional[Set[str]] = None
    for n in local_nodes(expr):
        if isinstance(n, cst.Await) and from_outside(ctx, n):
            found = (found or set()) | _receivers(ctx, n)
        elif isinstance(n, cst.Name) and n.value in names and (at is None or names[n.value][0] < at):
            found = (found or set()) | names[n.value][1]
    return found


def _receivers(ctx, node: cst.Await) -> Set[str]:
    func = node.expression.func if isinstance(node.expression, cst.Call) else None
    return {code(ctx, func.value)} if isinstance(func, cst.Attribute) else set()


def _received_names(ctx, cache: dict):
    """({name: (where it first holds received data, what from)}, {id(node): where}) for the
    function being visited, "where" counting its nodes in source order; one pass, in that
    order. Comprehension targets are the comprehension's own and are not followed."""
    function = ctx.function
    found = cache.get(id(function))
    if found is not None:
        return found
    names: dict = {}
    order: dict = {}
    found = cache[id(function)] = (names, order)
    if function is None:
        return found
    # (where, target, value or None for `async for`)
    bindings: List[Tuple[int, cst.BaseExpression, Optional[cst.BaseExpression]]] = []
    for k, n in enumerate(local_nodes(function.body)):
        order[id(n)] = k
        if isinstance(n, cst.Assign):
            bindings.extend((k, t.target, n.value) for t in n.targets)
        elif isinstance(n, (cst.AnnAssign, cst.AugAssign)) and n.value is not None:
            bindings.append((k, n.target, n.value))
        elif isinstance(n, cst.NamedExpr):
            bindings.append((k, n.target, n.value))
        elif isinstance(n, cst.For):
            bindings.append((k, n.target, None if n.asynchronous is not None else n.iter))
        elif (
            isinstance(n, cst.Call)
            and isinstance(n.func, cst.Attribute)
            and isinstance(n.func.value, cst.Name)
            and n.func.attr.value in _GROWING
            and n.args
        ):
            bindings.append((k, n.func.value, n))
    for k, target, value in bindings:
        sources: Optional[Set[str]] = set() if value is None else None
        if value is not None:
            for m in local_nodes(value):
                if isinstance(m, cst.Await) and from_outside(ctx, m):
                    sources = (sources or set()) | _receivers(ctx, m)
                elif isinstance(m, cst.Name) and m.value in names:
                    sources = (sources or set()) | names[m.value][1]
        if sources is None:
            continue
        for name in _bound_names(target):
            if name not in names:
                names[name] = (k, frozenset(sources))
    return found


def _bound_names(target) -> List[str]:
    """The names a target binds: `x`, `a, (b, *c)`; not the object of `x.attr = ...` or
    `d[k] = ...`, whose other contents are not what was received."""
    out, stack = [], [target]
    while stack:
        t = stack.pop()
        if isinstance(t, cst.Name):
            out.append(t.value)
        elif isinstance(t, (cst.Tuple, cst.List)):
            stack.extend(e.value for e in t.elements)
        elif isinstance(t, cst.StarredElement):
            stack.append(t.value)
    return out


def from_outside(ctx, node: cst.Await) -> bool:
    """Is the awaited call not one of the project's own functions (a library's coroutine, or a
    method of an object of unknown type)?"""
    call = node.expression
    if not isinstance(call, cst.Call):
        return False
    name = ctx.qualname(call.func)
    if name is None:
        # an object of unknown type: from outside when it was handed in (a parameter, or an
        # attribute of one: `api.devices()`, `self.client.list()`), not a local or closure
        # variable that may hold one of the program's own objects
        return _root_is_parameter(ctx, call.func)
    from ._coroutines import index  # the project index, this file's current text included

    ref = index(ctx).resolve(name)
    return ref is None or ref[0] == "external"


def _root_is_parameter(ctx, func) -> bool:
    node = func
    while isinstance(node, (cst.Attribute, cst.Subscript, cst.Call)):
        node = node.value if not isinstance(node, cst.Call) else node.func
    return isinstance(node, cst.Name) and ctx.function is not None and ctx.is_parameter(node.value)
