"""AW404 cancellation-swallowed."""

from __future__ import annotations

from typing import Optional, Sequence

import libcst as cst

from ..registry import Rule
from ..walker import children
from ._concurrency import code, is_call_to, local_nodes

_CANCELLED = {
    "asyncio.CancelledError": "asyncio.CancelledError",
    "asyncio.exceptions.CancelledError": "asyncio.CancelledError",
    "builtins.BaseException": "BaseException",
    "trio.Cancelled": "trio.Cancelled",
    "anyio.get_cancelled_exc_class()": "anyio.get_cancelled_exc_class()",
}
_TRY = (cst.Try,) + ((cst.TryStar,) if hasattr(cst, "TryStar") else ())


def _caught(ctx, handler: cst.ExceptHandler) -> Optional[str]:
    """What of the cancellation family the handler catches (for the message), or None."""
    if handler.type is None:
        return "bare `except:`"
    if isinstance(handler.type, cst.Tuple):
        exprs = [e.value for e in handler.type.elements]
    else:
        exprs = [handler.type]
    for expr in exprs:
        name = _CANCELLED.get(ctx.qualname(expr) or "")
        if name is not None:
            return f"`except {name}`"
    return None


def _escapes(stmts: Sequence[cst.CSTNode], in_loop: bool = False) -> bool:
    """Can control leave these statements by return, or by break/continue to a loop outside?"""
    for stmt in stmts:
        for node in _frame_nodes(stmt, in_loop):
            if isinstance(node, cst.Return):
                return True
            if isinstance(node, (cst.Break, cst.Continue)):
                return True
    return False


def _frame_nodes(stmt, in_loop: bool):
    """Nodes of stmt in this frame; break/continue inside an inner loop are not yielded."""
    stack = [(stmt, in_loop)]
    while stack:
        node, looped = stack.pop()
        if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)) and node is not stmt:
            continue
        if isinstance(node, (cst.Break, cst.Continue)):
            if not looped:
                yield node
            continue
        yield node
        inner_looped = looped or isinstance(node, (cst.For, cst.While))
        for child in children(node):
            # a loop's else clause is not inside the loop
            if isinstance(node, (cst.For, cst.While)) and child is node.orelse:
                stack.append((child, looped))
            else:
                stack.append((child, inner_looped))


def _always_raises(stmts: Sequence[cst.CSTNode]) -> bool:
    """Does every path through these statements end in `raise`?"""
    for stmt in stmts:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Raise):
                    return True
                if isinstance(small, (cst.Return, cst.Break, cst.Continue)):
                    return False
            continue
        if isinstance(stmt, cst.If):
            branches = [stmt.body]
            orelse = stmt.orelse
            while isinstance(orelse, cst.If):
                branches.append(orelse.body)
                orelse = orelse.orelse
            complete = orelse is not None
            if orelse is not None:
                branches.append(orelse.body)
            if complete and all(_always_raises(_block(b)) for b in branches):
                return True
            if _escapes([stmt]):
                return False
            continue
        if isinstance(stmt, cst.With):
            if _always_raises(_block(stmt.body)):
                return True
            if _escapes([stmt]):
                return False
            continue
        if isinstance(stmt, _TRY):
            if stmt.finalbody is not None and _always_raises(_block(stmt.finalbody.body)):
                return True
            if (_always_raises(_block(stmt.body)) and stmt.orelse is None
                    and all(_always_raises(_block(h.body)) for h in stmt.handlers)):
                return True
            if _escapes([stmt]):
                return False
            continue
        if _escapes([stmt]):  # loops, match...
            return False
    return False


def _block(body) -> list:
    if isinstance(body, cst.SimpleStatementSuite):
        return [cst.SimpleStatementLine(body=body.body)]
    return list(body.body)


class CancellationSwallowed(Rule):
    """
    ## What it does
    In a coroutine, finds `except asyncio.CancelledError`, `except BaseException` and bare
    `except:` handlers (also `trio.Cancelled` and anyio's `get_cancelled_exc_class()`, and
    tuples containing any of these) that can finish without re-raising: by falling off the
    end, or by `return`, `break` or `continue`.

    It does not flag `except Exception` (since Python 3.8 `CancelledError` derives from
    `BaseException`, so it is not caught there), nor a handler in which every path raises
    (bare `raise`, `raise Other(...) from exc`...). A handler that calls `.uncancel()` is also
    accepted: that is asyncio's documented way (3.11+) of deciding on purpose that a
    cancellation is absorbed, and it keeps the task's cancellation count right so that
    `TaskGroup` and `asyncio.timeout` still work. Finally, the idiom that waits for a task this
    coroutine cancelled itself (`task.cancel()`, then `try: await task` /
    `except CancelledError: pass`) is not reported.

    ## Why is this bad?
    Cancellation is how asyncio stops a task: `task.cancel()`, timeouts, `TaskGroup`
    shutting down siblings, servers shutting down. It is delivered as a `CancelledError`
    raised at the `await` where the task is suspended. A handler that swallows it lets the task
    run on as if nothing happened: the shutdown hangs, the timeout never fires, and the
    `TaskGroup` waits forever.

    ## Example
    ```python
    async def worker(queue):
        while True:
            try:
                job = await queue.get()
                await job.run()
            except BaseException:
                log.exception("job failed")
    ```

    ## Use instead
    ```python
    async def worker(queue):
        while True:
            try:
                job = await queue.get()
                await job.run()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("job failed")
    ```

    ## Fix safety
    No fix: whether the cleanup in the handler should run before re-raising, or the handler
    should become `except Exception`, is for the author to decide.
    """

    code = "AW404"
    name = "cancellation-swallowed"
    summary = "CancelledError (or bare except/BaseException) caught in async context and not re-raised"
    fix = None
    tokens = None  # a bare `except:` needs no identifier

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        ctx = self.ctx
        if not ctx.in_async:
            return
        caught = _caught(ctx, node)
        if caught is None:
            return
        body = _block(node.body)
        if _always_raises(body):
            return
        if any(is_call_to(n, "uncancel") for n in local_nodes(node.body)):
            return
        if self._waits_for_cancelled_task(ctx.parent()):
            return
        self.report(node, f"{caught} in a coroutine can finish without re-raising, which swallows the task's "
                          f"cancellation; re-raise it (bare `raise`) after any cleanup")

    def _waits_for_cancelled_task(self, try_node) -> bool:
        """`x.cancel()` earlier in the function, then `try: await x` (or wait_for / gather of x)."""
        if not isinstance(try_node, _TRY):
            return False
        stmts = _block(try_node.body)
        awaited = []
        for stmt in stmts:
            if not isinstance(stmt, cst.SimpleStatementLine):
                return False
            for small in stmt.body:
                value = small.value if isinstance(small, (cst.Expr, cst.Assign)) else None
                if not isinstance(value, cst.Await):
                    return False
                awaited.append(value.expression)
        if not awaited:
            return False
        function = self.ctx.function
        if function is None:
            return False
        cancelled = {code(self.ctx, n.func.value) for n in local_nodes(function.body) if is_call_to(n, "cancel")}
        if not cancelled:
            return False
        for expr in awaited:
            targets = [expr]
            if isinstance(expr, cst.Call):  # asyncio.wait_for(task, ...), asyncio.gather(*tasks)
                targets = [a.value for a in expr.args if a.keyword is None]
            for t in targets:
                if isinstance(t, (cst.Name, cst.Attribute, cst.Subscript)):
                    if code(self.ctx, t) in cancelled:
                        continue
                    # `for t in tasks: t.cancel()` then `await asyncio.gather(*tasks)`
                    if self._cancelled_via_loop(function, t, cancelled):
                        continue
                return False
        return True

    def _cancelled_via_loop(self, function, collection, cancelled) -> bool:
        """`for t in <collection>: t.cancel()` somewhere in the function."""
        text = code(self.ctx, collection)
        for n in local_nodes(function.body):
            if isinstance(n, cst.For) and isinstance(n.target, cst.Name) and n.target.value in cancelled:
                if code(self.ctx, n.iter) == text:
                    return True
        return False
