"""AW200 unawaited-coroutine."""

from __future__ import annotations

import libcst as cst

from .. import fixes
from ._coroutines import CoroutineRule, coroutine_target, shown
from ._helpers import can_add_await


def discarded(ctx, node: cst.Call) -> bool:
    """Is the value of this call thrown away: an expression statement, `_ = call()`, or an
    element of a list/tuple/set display that is an expression statement (`[call()]`,
    `call(), other()`), displays nested in such displays included?"""
    parent = ctx.parent()
    if isinstance(parent, cst.Element) and parent.value is node:
        level, child = 2, parent
        while True:
            display = ctx.parent(level)
            if not isinstance(display, (cst.List, cst.Tuple, cst.Set)) or not any(e is child for e in display.elements):
                return False
            above = ctx.parent(level + 1)
            if isinstance(above, cst.Expr):
                return True
            if not (isinstance(above, cst.Element) and above.value is display):
                return False
            level, child = level + 2, above
    if isinstance(parent, cst.Expr):
        return True
    if isinstance(parent, cst.Assign) and parent.value is node and len(parent.targets) == 1:
        target = parent.targets[0].target
        return isinstance(target, cst.Name) and target.value == "_"
    return False


class UnawaitedCoroutine(CoroutineRule):
    """
    ## What it does
    Finds calls to coroutine functions whose result is thrown away: the call is a statement of
    its own (alone, or in a list, tuple or set display that is one: `[save(x)]`), or is assigned
    to `_`, so the coroutine it creates is never awaited.

    Coroutine functions are the `async def`s of the analysed project — found across modules,
    through imports, aliases, relative imports and re-exports in `__init__.py`, and as methods
    reached through `self`, `cls`, `super()` and project base classes — plus a catalog of
    library coroutine functions (asyncio, trio, anyio, aiohttp session and response methods,
    `httpx.AsyncClient`, aiofiles) and the names listed under `coroutine-functions` in the
    configuration.

    The rule is deliberately conservative. A call on an object whose type is not known is never
    reported. An `async def` carrying a decorator other than `staticmethod`, `classmethod`,
    `abc.abstractmethod`, `typing.override` or `typing.final` is not treated as a coroutine
    function, because the decorator may wrap it into something else (a sync wrapper, a task
    factory); list such functions under `coroutine-functions` if they do return coroutines.
    Async generators (`async def` with `yield`) are not coroutine functions either. A line whose
    type checker ignore names the same check (`# type: ignore[unused-coroutine]`,
    `# pyright: ignore[reportUnusedCoroutine]`) is not reported: the author has said the call
    is meant.

    ## Why is this bad?
    Calling a coroutine function does not run it: it only creates a coroutine object. If that
    object is dropped, the body never executes — the write never happens, the message is never
    sent — and Python only says `RuntimeWarning: coroutine ... was never awaited` when the
    object is garbage-collected, if anyone sees the warning at all.

    ## Example
    ```python
    async def save(order):
        db.store(order)          # async def store(...) in db.py
        notify(order.customer)   # async def notify(...)
    ```

    ## Use instead
    ```python
    async def save(order):
        await db.store(order)
        await notify(order.customer)
    ```
    In a sync function, either make the function async (and await the call), or run the
    coroutine from the program's entry point with `asyncio.run(...)`.

    ## Fix safety
    Safe, inside an `async def`: the fix adds `await`, which runs the coroutine where the code
    already meant to run it. The function now waits for it to complete, which is what the call
    was written for. In a sync function (or inside a generator expression) no fix is offered: the
    right change there is a design decision.
    """

    code = "AW200"
    name = "unawaited-coroutine"
    summary = "result of a coroutine-function call discarded"
    fix = "safe"

    @classmethod
    def screen_facts(cls, facts, settings, project):
        # a discarded call (`f()` as a statement, `_ = f()`) that may reach a coroutine function
        return cls.calls_reach(facts.discarded_attrs, facts, settings, project)

    def visit_Call(self, node: cst.Call) -> None:
        if not discarded(self.ctx, node):
            return
        target = coroutine_target(self.ctx, node.func)
        if target is None:
            return
        name = shown(self.ctx, node.func)
        if can_add_await(self.ctx):
            self.report(
                node,
                f"Coroutine `{name}()` is created but never awaited; add `await`",
                fixes.fix("safe", "Add `await`", fixes.insert_before(node, "await ")),
            )
        elif self.ctx.in_async:
            self.report(node, f"Coroutine `{name}()` is created but never awaited; add `await`")
        else:
            self.report(
                node,
                f"Coroutine `{name}()` is created but never awaited, so it never runs: "
                "make the calling function async and `await` it, or run it with "
                "`asyncio.run(...)` at the program's entry point",
            )
