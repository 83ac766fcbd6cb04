"""AW201 coroutine-never-awaited."""

from __future__ import annotations

from typing import List

import libcst as cst

from ..scopes import FUNCTION
from ..walker import children
from ._coroutines import CoroutineRule, coroutine_target, shown

# Names that let a function reach its locals without naming them.
_INTROSPECTION = frozenset({"locals", "vars", "eval", "exec"})


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
        if not isinstance(target, cst.Name) or not isinstance(value, cst.Call) or target.value == "_":
            return
        scope = self.ctx.scope
        if scope.kind != FUNCTION:
            return  # module and class attributes can be used from anywhere
        binding = scope.bindings.get(target.value)
        if binding is None or binding.kind != "value" or binding.target is not value:
            return  # bound more than once, or declared global/nonlocal
        found = coroutine_target(self.ctx, value.func)
        if found is None:
            return
        if self._mentioned_elsewhere(scope.node, target.value, target):
            return
        self.report(value, f"Coroutine `{shown(self.ctx, value.func)}()` is stored in `{target.value}` but "
                           "never awaited, returned or passed on, so it never runs")

    @staticmethod
    def _mentioned_elsewhere(function: cst.FunctionDef, name: str, target: cst.Name) -> bool:
        stack: List[cst.CSTNode] = [function.body]
        while stack:
            node = stack.pop()
            if isinstance(node, cst.Name):
                if node is not target and (node.value == name or node.value in _INTROSPECTION):
                    return True
                continue
            stack.extend(children(node))
        return False
