"""AW301 async-syntax-outside-async."""

from __future__ import annotations

import libcst as cst

from ..registry import Rule, Triggers
from ..screening import ASYNC_SYNTAX_IN_SYNC
from ._concurrency import boundary_finding


class AsyncSyntaxOutsideAsync(Rule):
    """
    ## What it does
    Finds `async with`, `async for` and async comprehensions (`[x async for x in xs]`) in a
    function defined with plain `def`, in a lambda, in a class body or at module level. An async
    generator expression (`(x async for x in xs)`) is legal anywhere and is not reported.

    ## Why is this bad?
    The module does not compile: `async with` and `async for` are only allowed inside
    `async def`, so importing the module raises `SyntaxError`.

    ## Example
    ```python
    def read_all(session, url):
        async with session.get(url) as response:
            return [line async for line in response.content]
    ```

    ## Use instead
    ```python
    async def read_all(session, url):
        async with session.get(url) as response:
            return [line async for line in response.content]
    ```

    ## Fix safety
    Unsafe. The fix only adds `async ` before the `def`; callers now get a coroutine and must
    `await` it (AW200 reports and fixes the callers inside the project). No fix is offered for a
    lambda or module-level code, for dunder methods other than `__aenter__`, `__aexit__` and
    `__anext__`, for `@contextmanager` and `@property` functions, nor for a generator that
    uses `yield from` or returns a value.
    """

    code = "AW301"
    body_local = True
    name = "async-syntax-outside-async"
    summary = "`async with` / `async for` / async comprehension in a sync function"
    fix = "unsafe"
    tokens = frozenset({"async"})

    @classmethod
    def triggers(cls, settings):
        return Triggers(kinds=frozenset({ASYNC_SYNTAX_IN_SYNC}))

    def visit_With(self, node: cst.With) -> None:
        if node.asynchronous is not None:
            self._check(node, "`async with`")

    def visit_For(self, node: cst.For) -> None:
        if node.asynchronous is not None:
            self._check(node, "`async for`")

    def visit_CompFor(self, node: cst.CompFor) -> None:
        if node.asynchronous is not None:
            self._check(node, "An async comprehension")

    def _check(self, node, what: str) -> None:
        found = boundary_finding(self.ctx, what, self.code)
        if found is not None:
            self.report(node, found[0], found[1])
