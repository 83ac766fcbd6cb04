"""AW202 coroutine-as-value."""

from __future__ import annotations

from typing import Union

import libcst as cst

from .. import fixes
from ..screening import LazyTypes, pairs_any
from ._coroutines import CoroutineRule, coroutine_target, shown
from ._helpers import can_add_await, needs_parens_for_await

# Builtins that turn their argument into text or a number (or print it).
_CONVERTERS = frozenset(
    {
        "builtins.str",
        "builtins.repr",
        "builtins.print",
        "builtins.int",
        "builtins.float",
        "builtins.bool",
        "builtins.format",
        "builtins.round",
        "builtins.abs",
        "builtins.ascii",
    }
)
_NUMERIC_UNARY: LazyTypes[Union[cst.Minus, cst.Plus, cst.BitInvert]] = LazyTypes("Minus", "Plus", "BitInvert")
# What a coroutine object really has: using these is working with the coroutine, not its result.
_CONVERTER_NAMES = frozenset(name.rsplit(".", 1)[-1] for name in _CONVERTERS)
_COROUTINE_ATTRS = frozenset(
    {
        "send",
        "throw",
        "close",
        "__await__",
        "cr_await",
        "cr_code",
        "cr_frame",
        "cr_running",
        "cr_origin",
        "cr_suspended",
        "__name__",
        "__qualname__",
    }
)


class CoroutineAsValue(CoroutineRule):
    """
    ## What it does
    Finds a call to a coroutine function whose result is used as a plain value without being
    awaited: tested for truth (`if is_ready():`, `while`, `not`, `and`/`or`, `assert`, a
    conditional expression), formatted as text (an f-string, `str()`, `print()`), compared
    (`if load() is None:`), used in arithmetic, indexed or asked for an attribute
    (`fetch()["id"]`, `load().name`), returned from an `async def` (whose caller awaits it and
    gets the inner coroutine instead of its value), or used as a context manager
    (`async with connect():` for the project's own `async def connect`: a coroutine is not one,
    so the statement fails). Library calls are not judged as context managers: many of them
    (`aiohttp` requests, `aiofiles.open`) return objects that are both awaitable and context
    managers.

    Coroutine functions are recognised as for AW200 (project `async def`s across modules, the
    library catalog, configured `coroutine-functions`); decorated `async def`s other than
    static/class/abstract methods are not trusted to return coroutines.

    ## Why is this bad?
    The call returns a coroutine object, not the value the coroutine would produce. A coroutine
    object is always true, prints as `<coroutine object ...>`, is never `None` and breaks
    arithmetic, so the branch taken or the text written is wrong, and the coroutine itself never
    runs.

    ## Example
    ```python
    async def sync_inventory():
        if not is_locked():            # async def is_locked()
            print(f"stock: {count_items()}")
    ```

    ## Use instead
    ```python
    async def sync_inventory():
        if not await is_locked():
            print(f"stock: {await count_items()}")
    ```

    ## Fix safety
    Safe inside an `async def` (unsafe for `return coro()`, below): the fix adds `await` before
    the call (with parentheses where the expression needs them), which yields the value the code
    was written to use. No fix is offered in sync functions or inside generator expressions, where
    `await` is not possible or would change what the expression is. For `return coro()` in an
    `async def` (reported only for the project's own `async def`s) the fix is unsafe: callers that
    relied on receiving the inner coroutine to await it themselves now receive its result. For a
    context manager (`async with connect():`) the fix, `async with await connect():`, is unsafe
    too: it works only when the coroutine returns a context manager.
    """

    code = "AW202"
    name = "coroutine-as-value"
    summary = "coroutine used as a bool, string or number"
    fix = "sometimes"

    @classmethod
    def screen_facts(cls, facts, settings, project):
        # a call used as a value (tests, operands, f-strings, attributes, returns) or passed to
        # a converter (`str(f())`), that may reach a coroutine function
        names = cls.callee_names(facts, settings, project)
        return cls.calls_reach(facts.value_attrs, facts, settings, project) or pairs_any(
            facts.arg_calls, _CONVERTER_NAMES, names, facts
        )

    def visit_Call(self, node: cst.Call) -> None:
        use = self._value_use(node)
        if use is None:
            return
        target = coroutine_target(self.ctx, node.func)
        if target is None:
            return
        returned = isinstance(self.ctx.parent(), cst.Return)
        managed = isinstance(self.ctx.parent(), cst.WithItem)
        if managed and target.origin != "project":
            return  # library calls may return awaitables that are context managers too
        if returned and target.origin != "project":
            # library "coroutine functions" such as asyncio.shield/gather hand back futures that an
            # API may return on purpose for its caller to await; only project `async def`s count
            return
        name = shown(self.ctx, node.func)
        message = f"Coroutine `{name}()` is used as {use} without `await`; it is a coroutine object, not its result"
        fix = None
        if can_add_await(self.ctx):
            if needs_parens_for_await(self.ctx, node):  # `(await load()).name`, not `await load().name`
                edit = fixes.replace(node, f"(await {self.ctx.module.code_for_node(node)})")
            else:
                edit = fixes.insert_before(node, "await ")
            fix = fixes.fix("unsafe" if returned or managed else "safe", "Add `await`", edit)
        self.report(node, message, fix)

    def _value_use(self, node):
        """What the call's value is used as, or None for uses this rule does not judge."""
        ctx = self.ctx
        parent = ctx.parent()
        if self._in_bool_context(node, 1):
            return "a truth value"
        if isinstance(parent, cst.FormattedStringExpression) and parent.expression is node:
            return "text in an f-string"
        if isinstance(parent, (cst.Comparison, cst.ComparisonTarget)):
            return "a value in a comparison"
        if isinstance(parent, cst.BinaryOperation):
            return "an operand"
        if isinstance(parent, cst.UnaryOperation) and isinstance(parent.operator, _NUMERIC_UNARY.types):
            return "a number"
        if isinstance(parent, cst.AugAssign) and parent.value is node:
            return "an operand"
        if isinstance(parent, cst.Subscript) and parent.value is node:
            return "a container (indexed)"
        if isinstance(parent, cst.Attribute) and parent.value is node and parent.attr.value not in _COROUTINE_ATTRS:
            return f"an object (`.{parent.attr.value}`)"
        if isinstance(parent, cst.WithItem) and parent.item is node:
            return "a context manager (a coroutine is not one, so the `with` fails)"
        if isinstance(parent, cst.Return) and parent.value is node and ctx.in_async:
            return "the return value of an `async def` (its caller gets a coroutine to await twice)"
        if isinstance(parent, cst.Arg) and parent.value is node and not parent.star:
            call = ctx.parent(2)
            if isinstance(call, cst.Call) and ctx.qualname(call.func) in _CONVERTERS:
                return f"an argument of `{ctx.module.code_for_node(call.func)}()`"
        return None

    def _in_bool_context(self, node, level: int) -> bool:
        parent = self.ctx.parent(level)
        if isinstance(parent, (cst.If, cst.While, cst.IfExp, cst.Assert)):
            return parent.test is node
        if isinstance(parent, cst.CompIf):
            return parent.test is node
        if isinstance(parent, cst.UnaryOperation):
            return isinstance(parent.operator, cst.Not)
        if isinstance(parent, cst.BooleanOperation):
            # the left operand is always tested; the right one only when the whole is
            return parent.left is node or self._in_bool_context(parent, level + 1)
        return False
