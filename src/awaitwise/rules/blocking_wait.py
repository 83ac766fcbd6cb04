"""AW106 blocking-wait."""

from __future__ import annotations

import libcst as cst

from ..catalogs import blocking as catalogs
from ._blocking import (
    BlockingCallRule,
    arg_says_no_wait,
    argument_value,
    constructor_call,
)


class BlockingWait(BlockingCallRule):
    """
    ## What it does
    Finds waits on thread and process primitives inside an `async def` body:
    `threading.Lock`/`RLock`/`Semaphore`/`Condition` `.acquire()`, `Event().wait()`,
    `Condition().wait()`/`wait_for()`, `Barrier().wait()`, `queue.Queue().get()` (and `put()`
    on a queue built with a `maxsize`), `Future.result()` (including
    `executor.submit(...).result()` and `asyncio.run_coroutine_threadsafe(...).result()`),
    `concurrent.futures.wait`, `Thread.join()` and `multiprocessing.Process.join()`, pool
    `apply`/`map`. Calls that say they do not wait are not reported:
    `lock.acquire(blocking=False)`, `q.get(block=False)`, `event.wait(0)`, `fut.result(timeout=0)`,
    nor `fut.result()` in a coroutine that checks `fut.done()` or waits for the future through
    `fut.add_done_callback(...)`. Nor `t.join()` in a coroutine that waits the thread out with
    `t.is_alive()`, nor `acquire()` on a `threading.Lock`/`RLock` that the coroutine has just
    created itself and not handed to anyone (used only as `lock.<attr>`).

    ## Why is this bad?
    These primitives block the thread until another thread acts. In a coroutine that thread
    runs the event loop, so every other task stops too, and when the thing being waited for
    needs the loop (a `run_coroutine_threadsafe` on the same loop, a callback scheduled on it)
    the program deadlocks.

    ## Example
    ```python
    async def consume(jobs: queue.Queue):
        while True:
            job = jobs.get()
            await handle(job)
    ```

    ## Use instead
    ```python
    async def consume(jobs: asyncio.Queue):
        while True:
            job = await jobs.get()
            await handle(job)
    ```

    ## Fix safety
    No fix. The asyncio counterpart (`asyncio.Lock`, `asyncio.Event`, `asyncio.Queue`,
    `asyncio.wrap_future`) changes who can use the object: thread-side code that shares it must
    change too.
    """

    code = "AW106"
    name = "blocking-wait"
    summary = "threading/queue/Future/Thread/Process waits in async context"
    fix = None
    catalog = catalogs.WAIT
    non_blocking_args = catalogs.WAIT_NON_BLOCKING_ARGS
    receiver_markers = catalogs.WAIT_RECEIVER_MARKERS

    def does_not_block(self, node: cst.Call, key: str) -> bool:
        if super().does_not_block(node, key):
            return True
        if (
            key in catalogs.FRESH_LOCK_ACQUIRE
            and isinstance(node.func, cst.Attribute)
            and isinstance(node.func.value, cst.Name)
        ):
            # a lock this coroutine created itself (`lock = threading.Lock()` in its own body)
            name = node.func.value.value
            binding, where = self.ctx.binding_of(name)
            if (
                binding is not None
                and binding.kind == "value"
                and isinstance(binding.target, cst.Call)
                and where is self.ctx.scope
                and not self._escapes(name)
            ):
                return True
        bound = catalogs.QUEUE_PUT.get(key)
        if bound is None or not isinstance(node.func, cst.Attribute):
            return False
        # `put` waits only when the queue is full: a queue built without a maxsize never is
        made = constructor_call(self.ctx, node.func.value)
        if made is None:
            return True
        maxsize = argument_value(made, *bound)
        return maxsize is None or arg_says_no_wait(self.ctx, made, bound + ("zero",))

    def _escapes(self, name: str) -> bool:
        """Is the local `name` used in the coroutine other than as `name.attr` or as the target
        of its assignment (passed to a call, stored, returned), so that others may hold it?"""
        function = self.ctx.function
        if function is None:
            return True
        allowed = set()
        stack = [function.body]
        while stack:
            node = stack.pop()
            if isinstance(node, cst.Attribute):
                allowed.add(id(node.value))
            elif isinstance(node, cst.AssignTarget):
                allowed.add(id(node.target))
            elif isinstance(node, cst.Name) and node.value == name and id(node) not in allowed:
                return True
            stack.extend(reversed(node.children))
        return False

    @classmethod
    def call_blocks(cls, key: str, argument, receiver, calls_text, consumed: bool) -> bool:
        # the queue's constructor is not followed into helpers: an unbounded queue never blocks
        # a `put`, so an unknown one is not taken to
        return key not in catalogs.QUEUE_PUT and super().call_blocks(key, argument, receiver, calls_text, consumed)
