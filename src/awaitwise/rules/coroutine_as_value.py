"""AW202 coroutine-as-value."""

from __future__ import annotations

import libcst as cst

from .. import fixes
from ..registry import Rule
from ._coroutines import coroutine_target, coroutine_tokens, shown
from ._helpers import can_add_await

# Builtins that turn their argument into text or a number (or print it).
_CONVERTERS = frozenset({
    "builtins.str", "builtins.repr", "builtins.print", "builtins.int", "builtins.float", "builtins.bool",
    "builtins.format", "builtins.round", "builtins.abs", "builtins.ascii",
})
_NUMERIC_UNARY = (cst.Minus, cst.Plus, cst.BitInvert)


class CoroutineAsValue(Rule):
    """
    ## What it does
    Finds a call to a coroutine function whose result is used as a plain value without being
    awaited: tested for truth (`if is_ready():`, `while`, `not`, `and`/`or`, `assert`, a
    conditional expression), formatted as text (an f-string, `str()`, `print()`), compared
    (`if load() is None:`) or used in arithmetic.

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
    Safe inside an `async def`: the fix adds `await` before the call (with parentheses where
    the expression needs them), which yields the value the code was written to use. No fix is
    offered in sync functions or inside generator expressions, where `await` is not possible or
    would change what the expression is.
    """

    code = "AW202"
    name = "coroutine-as-value"
    summary = "coroutine used as a bool, string or number"
    fix = "safe"
    needs_async = False

    @classmethod
    def screen_tokens(cls, settings):
        return coroutine_tokens(settings)

    @classmethod
    def screen_tokens_with_project(cls, settings, project):
        return coroutine_tokens(settings, project)

    def visit_Call(self, node: cst.Call) -> None:
        use = self._value_use(node)
        if use is None:
            return
        target = coroutine_target(self.ctx, node.func)
        if target is None:
            return
        name = shown(self.ctx, node.func)
        message = f"Coroutine `{name}()` is used as {use} without `await`; it is a coroutine object, not its result"
        fix = None
        if can_add_await(self.ctx):
            fix = fixes.fix("safe", "Add `await`", fixes.insert_before(node, "await "))
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
        if isinstance(parent, cst.UnaryOperation) and isinstance(parent.operator, _NUMERIC_UNARY):
            return "a number"
        if isinstance(parent, cst.AugAssign) and parent.value is node:
            return "an operand"
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
