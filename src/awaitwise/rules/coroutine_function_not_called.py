"""AW203 coroutine-function-not-called."""

from __future__ import annotations

import libcst as cst

from .. import fixes
from ..catalogs.coroutines import COROUTINE_ARGS
from ..screening import pairs_any
from ._coroutines import CoroutineRule, canonical, coroutine_target, module_tokens, shown

_TERMINALS = frozenset(name.rsplit(".", 1)[-1] for name in COROUTINE_ARGS)
_API_MODULES = frozenset(name.split(".", 1)[0] for name in COROUTINE_ARGS)


class CoroutineFunctionNotCalled(CoroutineRule):
    """
    ## What it does
    Finds a coroutine function passed, uncalled, where a coroutine is expected:
    `asyncio.run(main)`, `asyncio.create_task(fetch)`, `asyncio.ensure_future(job)`,
    `asyncio.gather(f, g)`, `asyncio.wait_for(f, 5)`, `asyncio.shield(f)`,
    `loop.run_until_complete(main)`, `loop.create_task(f)` and `TaskGroup.create_task(f)`.

    Coroutine functions are recognised as for AW200 (project `async def`s across modules, the
    library catalog, configured `coroutine-functions`); decorated `async def`s other than
    static/class/abstract methods are not trusted. APIs that do take a function (`trio.run`,
    `anyio.run`, a nursery's `start_soon`) are not concerned.

    ## Why is this bad?
    These APIs need the coroutine object that calling the function creates. Given the function
    itself they fail at run time (`asyncio.run` raises `ValueError: a coroutine was expected`),
    or, in `gather`, treat it as an awaitable and raise `TypeError` — only when that line runs.

    ## Example
    ```python
    async def main():
        ...

    asyncio.run(main)
    ```

    ## Use instead
    ```python
    asyncio.run(main())
    ```

    ## Fix safety
    Safe when the function is a project function that takes no required arguments: the fix adds
    `()`, which is exactly what the API expected. When arguments are required (or the function
    comes from a library or the configuration, whose signature is not known), no fix is offered.
    """

    code = "AW203"
    name = "coroutine-function-not-called"
    summary = "coroutine function passed where a coroutine is expected"
    fix = "safe"

    @classmethod
    def screen_facts(cls, facts, settings, project):
        # an API taking a coroutine, given a name that may be a coroutine function
        apis = (
            _TERMINALS
            if project is None
            else project.memo("coroutine_args_names", lambda: _TERMINALS | module_tokens(_API_MODULES, project))
        )
        return pairs_any(facts.name_args, apis, cls.callee_names(facts, settings, project), facts)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value not in _TERMINALS:
            return
        if not node.args:
            return
        api = canonical(self.ctx, func)
        positions = COROUTINE_ARGS.get(api) if api else None
        if not api or not positions:
            return
        index = 0
        for arg in node.args:
            if arg.keyword is not None or arg.star:
                break
            if ("*" in positions or index in positions) and isinstance(arg.value, (cst.Name, cst.Attribute)):
                self._check(api, arg.value)
            index += 1

    def _check(self, api: str, value) -> None:
        target = coroutine_target(self.ctx, value)
        if target is None:
            return
        name = shown(self.ctx, value)
        api_name = api.replace("()", "").rsplit(".", 1)[-1]
        fix = None
        call = f"{name}(...)"
        if target.callee is not None and target.callee.required_args() == 0:
            call = f"{name}()"
            fix = fixes.fix("safe", f"Call it: `{call}`", fixes.insert_after(value, "()"))
        self.report(
            value, f"`{name}` is a coroutine function, but `{api_name}()` expects a coroutine; call it: `{call}`", fix
        )
