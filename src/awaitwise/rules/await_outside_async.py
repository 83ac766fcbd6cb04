"""AW300 await-outside-async."""

from __future__ import annotations

import libcst as cst

from ..registry import Rule, Triggers
from ..screening import AWAIT_IN_SYNC
from ._concurrency import boundary_finding


class AwaitOutsideAsync(Rule):
    """
    ## What it does
    Finds `await` in a function defined with plain `def`, in a lambda, in a class body or at
    module level. `await` inside a generator expression is left alone: it is legal anywhere and
    makes the expression an async generator.

    ## Why is this bad?
    The module does not compile: Python raises `SyntaxError: 'await' outside async function`
    when it is imported. Such code usually appears halfway through a migration, when a helper
    started calling a coroutine but was not made async itself.

    ## Example
    ```python
    def load_user(db, user_id):
        row = await db.fetch_one(user_id)
        return User(**row)
    ```

    ## Use instead
    ```python
    async def load_user(db, user_id):
        row = await db.fetch_one(user_id)
        return User(**row)
    ```

    ## Fix safety
    Unsafe. The fix only adds `async ` before the `def`. Every caller now gets a coroutine
    instead of a result, so callers must `await` it: run the fix together with AW200
    (`awaitwise fix --select AW300,AW200 --unsafe-fixes`) and callers inside the project that
    are async gain their `await`; sync callers are reported for you to convert. No fix is
    offered for a lambda or module-level code, for dunder methods other than `__aenter__`,
    `__aexit__` and `__anext__`, for `@contextmanager` and `@property` functions, nor for a
    generator that uses `yield from` or returns a value (an async generator can do neither).
    """

    code = "AW300"
    body_local = True
    name = "await-outside-async"
    summary = "`await` in a sync function"
    fix = "unsafe"
    tokens = frozenset({"await"})

    @classmethod
    def triggers(cls, settings):
        return Triggers(kinds=frozenset({AWAIT_IN_SYNC}))

    def visit_Await(self, node: cst.Await) -> None:
        found = boundary_finding(self.ctx, "`await`", self.code)
        if found is not None:
            self.report(node, found[0], found[1])
