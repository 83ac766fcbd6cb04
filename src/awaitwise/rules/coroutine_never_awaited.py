"""AW201 coroutine-never-awaited."""

from __future__ import annotations

import libcst as cst

from ._coroutines import CoroutineRule, coroutine_target, mentioned_elsewhere, shown, stored_once_in_local


class CoroutineNeverAwaited(CoroutineRule):
    """
    ## What it does
    Finds a coroutine stored in a local variable that the function then never uses again: it is
    not awaited, returned, yielded, passed to another call, stored in a container or an
    attribute, or gathered later.

    Coroutine functions are recognised as for AW200 (project `async def`s across modules, the
    library catalog, configured `coroutine-functions`); decorated `async def`s other than
    static/class/abstract methods are not trusted to return coroutines. Any later mention of the
    variable counts as a use, so the rule only fires when the coroutine is certainly lost.

    ## Why is this bad?
    A coroutine object does nothing until it is awaited or wrapped in a task. Storing it in a
    variable that is never read means the work it stands for silently never happens, and Python
    only warns "coroutine was never awaited" when the object is garbage-collected.

    ## Example
    ```python
    async def checkout(cart):
        receipt = send_receipt(cart.customer)   # async def send_receipt(...)
        return await charge(cart)
    ```

    ## Use instead
    ```python
    async def checkout(cart):
        receipt = await send_receipt(cart.customer)
        return await charge(cart)
    ```

    ## Fix safety
    No fix is offered: whether the coroutine should be awaited in place, scheduled as a task or
    not created at all depends on what the code meant.
    """

    code = "AW201"
    name = "coroutine-never-awaited"
    summary = "coroutine stored in a local that is never awaited, returned, passed or stored"
    fix = None

    @classmethod
    def screen_facts(cls, facts, settings, project):
        # a call assigned to a plain name in a function, that may reach a coroutine function
        return cls.calls_reach(facts.assigned_attrs, facts, settings, project)

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) == 1:
            self._check(node.targets[0].target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._check(node.target, node.value)

    def _check(self, target, value) -> None:
        if not stored_once_in_local(self.ctx, target, value):
            return  # bound more than once, declared global/nonlocal, or not a local
        found = coroutine_target(self.ctx, value.func)
        if found is None:
            return
        if mentioned_elsewhere(self.ctx.scope.node, target.value, target):
            return
        self.report(
            value,
            f"Coroutine `{shown(self.ctx, value.func)}()` is stored in `{target.value}` but "
            "never awaited, returned or passed on, so it never runs",
        )
