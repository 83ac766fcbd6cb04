"""AW303 get-event-loop-in-coroutine."""

from __future__ import annotations

import libcst as cst

from .. import fixes
from ..registry import Rule, Triggers
from ._blocking import Matcher
from ._helpers import module_ref

_GET_EVENT_LOOP = frozenset({"asyncio.get_event_loop", "asyncio.events.get_event_loop"})
_TRIGGERS = Triggers(calls_in_async=Matcher(dict.fromkeys(_GET_EVENT_LOOP, "")))


class GetEventLoopInCoroutine(Rule):
    """
    ## What it does
    Finds `asyncio.get_event_loop()` called inside an `async def` body, however it is imported
    (`from asyncio import get_event_loop as gel` counts).

    ## Why is this bad?
    Inside a coroutine the loop is known: it is the running one. `get_event_loop()` has grown
    policy-dependent behaviour around that simple answer (it consults the event loop policy,
    has warned or failed outside a running loop depending on the Python version, and is
    deprecated as a general API). `asyncio.get_running_loop()` says what is meant, is faster,
    and raises instead of quietly creating a new loop if the code ever runs outside one.

    ## Example
    ```python
    async def read_file(path):
        loop = asyncio.get_event_loop()
        return await loop.run_in_executor(None, _read, path)
    ```

    ## Use instead
    ```python
    async def read_file(path):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, _read, path)
    ```

    ## Fix safety
    Safe. In async context a loop is running, and `get_event_loop()` returns exactly that
    loop, so `get_running_loop()` returns the same object. The fix adds `import asyncio` when
    the module only imported the function by name.
    """

    code = "AW303"
    body_local = True
    name = "get-event-loop-in-coroutine"
    summary = "`asyncio.get_event_loop()` in async context"
    fix = "safe"
    tokens = frozenset({"get_event_loop"})

    @classmethod
    def triggers(cls, settings):
        return _TRIGGERS

    def visit_Call(self, node: cst.Call) -> None:
        if not self.ctx.in_async:
            return
        if self.ctx.qualname(node.func) not in _GET_EVENT_LOOP:
            return
        fix = None
        if not node.args:
            ref, imports = module_ref(self.ctx, "asyncio")
            fix = fixes.fix(
                "safe",
                "Use `asyncio.get_running_loop()`",
                fixes.replace(node, f"{ref}.get_running_loop()"),
                imports=imports,
            )
        self.report(node, "`asyncio.get_event_loop()` in a coroutine; use `asyncio.get_running_loop()`", fix)
