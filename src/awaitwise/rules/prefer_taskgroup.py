"""AW401 prefer-taskgroup."""

from __future__ import annotations

from typing import List, Optional

import libcst as cst

from .. import fixes
from ..registry import Rule
from ._concurrency import block_indents, code, fresh_name, names_in, terminal
from ._coroutines import coroutine_target
from ._helpers import in_generator_expression, module_ref

_GATHER = frozenset({"asyncio.gather", "asyncio.tasks.gather"})
# Calls that return a Task/Future rather than a coroutine: TaskGroup.create_task would refuse them.
_FUTURE_MAKERS = frozenset(
    {
        "create_task",
        "ensure_future",
        "run_in_executor",
        "wrap_future",
        "create_future",
        "shield",
        "gather",
        "run_coroutine_threadsafe",
        "Future",
        "Task",
    }
)


def _is_coroutine_call(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Call) and terminal(expr.func) not in _FUTURE_MAKERS


class PreferTaskgroup(Rule):
    """
    ## What it does
    Finds `await asyncio.gather(a(), b())` and `await asyncio.gather(*[f(x) for x in xs])`
    whose arguments are coroutine calls, when the target version is Python 3.11 or later (set
    `target-version`). Calls with `return_exceptions=True` are left alone: a TaskGroup has no
    equivalent. Off by default: enable it by naming it (`--select AW401`).

    ## Why is this bad?
    When one awaitable passed to `gather` fails, `gather` raises that error but leaves the other
    tasks running, unsupervised: their errors are lost and they may outlive the function. And
    when the caller is cancelled, the children are not always cleaned up before it returns.
    `asyncio.TaskGroup` (3.11+) is structured: when a task fails, the others are cancelled and
    awaited before the block exits, so nothing leaks.

    ## Example
    ```python
    async def load(user_id):
        profile, orders = await asyncio.gather(get_profile(user_id), get_orders(user_id))
    ```

    ## Use instead
    ```python
    async def load(user_id):
        async with asyncio.TaskGroup() as tg:
            task1 = tg.create_task(get_profile(user_id))
            task2 = tg.create_task(get_orders(user_id))
        profile, orders = task1.result(), task2.result()
    ```

    ## Fix safety
    Unsafe: the results are the same, in the same order, when every task succeeds, but failures
    behave differently. With a TaskGroup the first error cancels the sibling tasks, and errors
    surface wrapped in an `ExceptionGroup` (handle them with `except*`, not `except`), where
    `gather` raised the first error itself and let the siblings run on. For that reason no fix
    is offered when the `gather` is inside a `try` with `except` clauses, whose handlers would
    stop matching, nor when the call holds comments, nor unless every awaitable is a call of a
    known coroutine function (`TaskGroup.create_task` refuses a Future, which a sync method may
    return). The fix is offered for a whole statement: `x = await gather(...)`,
    `a, b = await gather(...)`, `await gather(...)` and `return await gather(...)`.
    """

    code = "AW401"
    body_local = True
    name = "prefer-taskgroup"
    summary = "`asyncio.gather` where a TaskGroup (3.11+) fits"
    default_enabled = False
    fix = "unsafe"
    tokens = frozenset({"gather"})

    @classmethod
    def screen_facts(cls, facts, settings, project):
        # a call spelled `gather(...)` / `x.gather(...)` in async context
        return None if "gather" in facts.async_calls else False

    def visit_Await(self, node: cst.Await) -> None:
        ctx = self.ctx
        if ctx.settings.target < (3, 11) or not ctx.in_async or in_generator_expression(ctx):
            return
        call = node.expression
        if not isinstance(call, cst.Call) or terminal(call.func) != "gather":
            return
        if ctx.qualname(call.func) not in _GATHER:
            return
        coros = self._coroutines(call)
        if coros is None:
            return
        self.report(
            call,
            "`asyncio.gather` can be an `asyncio.TaskGroup` (3.11+): when a task fails, its "
            "siblings are cancelled instead of left running",
            self._fix(node, call, coros),
        )

    def _coroutines(self, call: cst.Call):
        """The argument list the rewrite works on: a list of coroutine calls, or one starred
        comprehension of coroutine calls; None when the gather does not fit a TaskGroup."""
        positional = []
        for arg in call.args:
            if arg.keyword is not None:
                if arg.keyword.value != "return_exceptions":
                    return None
                if not (isinstance(arg.value, cst.Name) and arg.value.value == "False"):
                    return None  # return_exceptions=True (or unknown) has no TaskGroup equivalent
                continue
            positional.append(arg)
        if not positional:
            return None
        if len(positional) == 1 and positional[0].star == "*":
            comp = positional[0].value
            if isinstance(comp, (cst.ListComp, cst.GeneratorExp)) and _is_coroutine_call(comp.elt):
                return comp
            return None
        if any(a.star for a in positional) or not all(_is_coroutine_call(a.value) for a in positional):
            return None
        return [a.value for a in positional]

    def _fix(self, await_node: cst.Await, call: cst.Call, coros) -> Optional[fixes.FixSpec]:
        ctx = self.ctx
        # `create_task` takes coroutines only: a sync method returning a Future (or anything not
        # known to be a coroutine function) would raise TypeError after the rewrite
        calls = coros if isinstance(coros, list) else [coros.elt]
        if not all(coroutine_target(ctx, c.func) is not None for c in calls):
            return None
        stmt = ctx.parent()
        line = ctx.parent(2)
        if not isinstance(stmt, (cst.Assign, cst.AnnAssign, cst.Return, cst.Expr)) or stmt.value is not await_node:
            return None
        if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
            return None
        if not isinstance(ctx.parent(3), cst.IndentedBlock):
            return None
        if self._inside_try_with_handlers() or "#" in code(ctx, call):
            return None  # handlers would stop matching; comments in the call would be lost
        function = ctx.function
        taken = names_in(function) if function is not None else set()
        asyncio_ref, imports = module_ref(ctx, "asyncio")
        tg = fresh_name("tg", taken)
        taken.add(tg)
        indents = block_indents(ctx)
        outer = "".join(indents)  # the statement's own indentation
        inner = outer + (indents[-1] if indents else ctx.module.default_indent)
        nl = ctx.module.default_newline
        lines: List[str] = [f"async with {asyncio_ref}.TaskGroup() as {tg}:"]
        if isinstance(coros, list):
            names = []
            for i, coro in enumerate(coros, 1):
                name = fresh_name(f"task{i}", taken)
                taken.add(name)
                names.append(name)
                lines.append(f"{inner}{name} = {tg}.create_task({code(ctx, coro).strip()})")
            results = [f"{n}.result()" for n in names]
            target = stmt.targets if isinstance(stmt, cst.Assign) else ()
            if (
                len(target) == 1
                and isinstance(target[0].target, cst.Tuple)
                and len(target[0].target.elements) == len(results)
                and not any(isinstance(e, cst.StarredElement) for e in target[0].target.elements)
            ):
                value = ", ".join(results)
            else:
                value = "[" + ", ".join(results) + "]"
        else:
            tasks = fresh_name("tasks", taken)
            taken.add(tasks)
            task = fresh_name("task", taken)
            comp = coros
            wrapped = comp.with_changes(
                elt=cst.parse_expression(f"{tg}.create_task(__coro__)").with_changes(args=[cst.Arg(comp.elt)])
            )
            if isinstance(comp, cst.GeneratorExp):
                wrapped = cst.ListComp(elt=wrapped.elt, for_in=wrapped.for_in)
            lines.append(f"{inner}{tasks} = {code(ctx, wrapped).strip()}")
            value = f"[{task}.result() for {task} in {tasks}]"
        if isinstance(stmt, cst.Expr):
            pass
        elif isinstance(stmt, cst.Return):
            lines.append(f"{outer}return {value}")
        else:
            new_value = cst.parse_expression(value)
            lines.append(outer + code(ctx, stmt.with_changes(value=new_value)).strip())
        return fixes.fix(
            "unsafe", f"Rewrite with `{asyncio_ref}.TaskGroup()`", fixes.replace(stmt, nl.join(lines)), imports=imports
        )

    def _inside_try_with_handlers(self) -> bool:
        stack = self.ctx.stack
        for i in range(len(stack) - 2, 0, -1):
            anc = stack[i]
            if isinstance(anc, (cst.FunctionDef, cst.Lambda)):
                return False
            if isinstance(anc, (cst.Try, cst.TryStar)) and anc.handlers and stack[i + 1] is anc.body:
                return True
        return False
