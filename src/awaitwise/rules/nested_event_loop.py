"""AW302 nested-event-loop."""

from __future__ import annotations

from typing import Optional

import libcst as cst

from .. import fixes
from ..registry import Rule, Triggers
from ._blocking import Matcher
from ._concurrency import operand_code
from ._helpers import await_code, can_add_await

# Calls that start an event loop and run a coroutine to completion: kind of first argument.
_RUNNERS = {
    "asyncio.run": "coroutine",
    "asyncio.runners.run": "coroutine",
    "asyncio.Runner().run": "coroutine",
    "asyncio.runners.Runner().run": "coroutine",
    "trio.run": "function",
    "anyio.run": "function",
}
# Where a loop whose run_until_complete would be nested comes from.
_LOOP_SOURCES = (
    "asyncio.get_event_loop()",
    "asyncio.events.get_event_loop()",
    "asyncio.new_event_loop()",
    "asyncio.events.new_event_loop()",
    "asyncio.get_running_loop()",
    "asyncio.events.get_running_loop()",
    "asyncio.get_event_loop_policy().get_event_loop()",
    "asyncio.get_event_loop_policy().new_event_loop()",
    "asyncio.SelectorEventLoop()",
    "asyncio.ProactorEventLoop()",
    "uvloop.new_event_loop()",
)

# the callees the rule reports, as the screen matches them
_TRIGGERS = Triggers(
    calls_in_async=Matcher(dict.fromkeys([*_RUNNERS, *(f"{loop}.run_until_complete" for loop in _LOOP_SOURCES)], ""))
)


class NestedEventLoop(Rule):
    """
    ## What it does
    Finds code inside an `async def` that starts an event loop to run a coroutine:
    `asyncio.run(...)`, `asyncio.Runner().run(...)`, `loop.run_until_complete(...)` on a loop
    from `asyncio.get_event_loop()` / `new_event_loop()` / `get_running_loop()`, `trio.run(...)`
    and `anyio.run(...)`. Modules that import `nest_asyncio` (which patches asyncio to allow
    nested loops on purpose) are skipped.

    ## Why is this bad?
    The coroutine already runs inside an event loop. `asyncio.run` and `run_until_complete`
    refuse to start a second loop in the same thread (`RuntimeError: asyncio.run() cannot be
    called from a running event loop`), and trio/anyio refuse as well. Even where a nested loop
    could start, it would block the outer loop until it finished.

    ## Example
    ```python
    async def refresh(cache):
        data = asyncio.run(fetch_all())
        loop = asyncio.get_event_loop()
        loop.run_until_complete(cache.store(data))
        trio.run(notify, "done")
    ```

    ## Use instead
    ```python
    async def refresh(cache):
        data = await fetch_all()
        await cache.store(data)
        await notify("done")
    ```

    ## Fix safety
    Safe when the call has just the coroutine (or, for `trio.run` / `anyio.run`, the function
    and its positional arguments): it becomes `await coro` (`trio.run(f, a)` becomes
    `await f(a)`), which runs the same coroutine on the loop that is already running. When the
    call has more arguments (`debug=`, `loop_factory=`, `backend=`...) the fix drops them and is
    unsafe. No fix is offered inside a generator expression, or when the coroutine is passed
    with `*`/`**`.
    """

    code = "AW302"
    body_local = True
    name = "nested-event-loop"
    summary = "`asyncio.run`, `loop.run_until_complete`, `trio.run`, `anyio.run` in async context"
    fix = "safe"
    tokens = frozenset({"run", "run_until_complete"})

    @classmethod
    def triggers(cls, settings):
        # a call in async context of a runner or of a loop's run_until_complete; then the words
        return _TRIGGERS

    def visit_Module(self, node: cst.Module) -> None:
        self.skip = self.ctx.imports_module("nest_asyncio")

    def visit_Call(self, node: cst.Call) -> None:
        if self.skip or not self.ctx.in_async:
            return
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value not in ("run", "run_until_complete"):
            return
        qualname = self.ctx.qualname(func)
        if qualname is None:
            return
        if qualname in _RUNNERS:
            kind = _RUNNERS[qualname]
            shown = qualname.replace("asyncio.runners.", "asyncio.").replace("Runner()", "Runner")
        elif qualname.endswith(".run_until_complete") and qualname[: -len(".run_until_complete")] in _LOOP_SOURCES:
            kind = "coroutine"
            shown = "loop.run_until_complete"
        else:
            return
        message = (
            f"`{shown}()` inside a coroutine: an event loop is already running here, so it raises "
            f"RuntimeError; `await` the coroutine instead"
        )
        self.report(node, message, self._fix(node, kind))

    def _fix(self, node: cst.Call, kind: str) -> Optional[fixes.FixSpec]:
        if not can_add_await(self.ctx):
            return None
        args = list(node.args)
        if any(a.star for a in args):
            return None
        positional = [a for a in args if a.keyword is None]
        keywords = [a for a in args if a.keyword is not None]
        if kind == "coroutine":
            main = (
                positional[0]
                if positional
                else next(
                    (a for a in keywords if a.keyword is not None and a.keyword.value in ("main", "future", "coro")),
                    None,
                )
            )
            if main is None:
                return None
            inner = operand_code(self.ctx, main.value)
            safe = len(args) == 1
        else:
            if not positional:
                return None
            target = positional[0].value
            if not isinstance(target, (cst.Name, cst.Attribute)):
                return None  # a lambda or partial: rewrite by hand
            call_args = ", ".join(self.ctx.module.code_for_node(a.value).strip() for a in positional[1:])
            inner = f"{self.ctx.module.code_for_node(target).strip()}({call_args})"
            safe = not keywords
        applicability = "safe" if safe else "unsafe"
        msg = f"Replace with `await {inner}`" if len(inner) < 40 else "Await the coroutine directly"
        return fixes.fix(applicability, msg, fixes.replace(node, await_code(self.ctx, node, inner)))
