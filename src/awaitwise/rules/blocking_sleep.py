"""AW100 blocking-sleep."""

from __future__ import annotations

from typing import ClassVar, Dict

import libcst as cst

from .. import fixes
from ._blocking import BlockingCallRule, awaited
from ._helpers import call_args_code, can_add_await, module_ref

_SLEEP_MODULES = ("trio", "anyio")  # used instead of asyncio when the module already uses them


class BlockingSleep(BlockingCallRule):
    """
    ## What it does
    Finds `time.sleep()` called inside an `async def` body, however it is imported
    (`from time import sleep as nap` counts).

    ## Why is this bad?
    `time.sleep` suspends the whole thread. In a coroutine that thread runs the event loop, so
    every other task — request handlers, timeouts, heartbeats — stops for the whole duration.

    ## Example
    ```python
    async def poll(client):
        while not await client.ready():
            time.sleep(0.5)
    ```

    ## Use instead
    ```python
    async def poll(client):
        while not await client.ready():
            await asyncio.sleep(0.5)
    ```

    ## Fix safety
    Safe. The fix writes `await asyncio.sleep(...)` with the same arguments, adding
    `import asyncio` when needed; in a module that already uses trio or anyio it writes
    `await trio.sleep(...)` / `await anyio.sleep(...)` instead. The coroutine now yields to other
    tasks while it waits, which is the intent of a sleep in async code. Code that already awaits
    the call (`await time.sleep(1)`, which fails at run time) keeps its `await`:
    `await asyncio.sleep(1)`. The import goes into the standard-library group of the imports, in
    sorted order, and an `import time` (or `from time import sleep`) the fix leaves unused is
    removed, so the file still passes isort and ruff's F401/I001. No fix is offered inside a
    generator expression, where `await` would change what the expression is.
    """

    code = "AW100"
    name = "blocking-sleep"
    summary = "`time.sleep` in async context"
    fix = "safe"
    catalog: ClassVar[Dict[str, str]] = {"time.sleep": "use `await asyncio.sleep(...)`"}

    def make_fix(self, node: cst.Call, qualname: str):
        if not can_add_await(self.ctx):
            return None
        module = next((m for m in _SLEEP_MODULES if self.ctx.module_alias(m)), "asyncio")
        ref, imports = module_ref(self.ctx, module)
        inner = f"{ref}.sleep({call_args_code(self.ctx, node)})"
        return fixes.fix(
            "safe",
            f"Replace with `await {module}.sleep(...)`",
            fixes.replace(node, awaited(self.ctx, node, inner)),
            imports=imports,
        )

    def message(self, qualname: str, advice: str) -> str:
        module = next((m for m in _SLEEP_MODULES if self.ctx.module_alias(m)), "asyncio")
        return f"`time.sleep()` blocks the event loop; use `await {module}.sleep(...)`"
