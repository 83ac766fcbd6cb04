"""AW404 cancellation-swallowed."""

from __future__ import annotations

from typing import Optional, Sequence, Set, Union

import libcst as cst

from ..registry import Rule, Triggers
from ..scopes import dotted
from ..screening import LazyTypes
from ..walker import children
from ._concurrency import all_nodes, code, is_call_to, local_nodes, terminal

_CANCELLED = {
    "asyncio.CancelledError": "asyncio.CancelledError",
    "asyncio.exceptions.CancelledError": "asyncio.CancelledError",
    "builtins.BaseException": "BaseException",
    "trio.Cancelled": "trio.Cancelled",
    "anyio.get_cancelled_exc_class()": "anyio.get_cancelled_exc_class()",
}
# the terminal names of _CANCELLED's keys (screening)
_CANCEL_NAMES = frozenset(name.rsplit(".", 1)[-1].rstrip("()") for name in _CANCELLED)
_TRY: LazyTypes[Union[cst.Try, cst.TryStar]] = LazyTypes("Try", "TryStar")


def _caught(ctx, handler: Union[cst.ExceptHandler, cst.ExceptStarHandler]) -> Optional[str]:
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
                if (
                    isinstance(small, cst.Expr)
                    and isinstance(small.value, cst.Call)
                    and dotted(small.value.func) in _NO_RETURN
                ):
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
        if isinstance(stmt, _TRY.types):
            if stmt.finalbody is not None and _always_raises(_block(stmt.finalbody.body)):
                return True
            if (
                _always_raises(_block(stmt.body))
                and stmt.orelse is None
                and all(_always_raises(_block(h.body)) for h in stmt.handlers)
            ):
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


# Calls that hand an exception (or the cancellation) on to someone else; logging is not one.
_NOT_FORWARDING = frozenset(
    {
        "isinstance",
        "issubclass",
        "type",
        "str",
        "repr",
        "id",
        "print",
        "len",
        "getattr",
        "hasattr",
        "format",
        "debug",
        "info",
        "warning",
        "warn",
        "error",
        "exception",
        "critical",
        "log",
        "print_exc",
        "format_exc",
        "format_exception",
    }
)
_FUTURE_COMPLETION = frozenset({"set_exception", "set_result", "set_running_or_notify_cancel"})


def _shielded(with_node: cst.With) -> bool:
    """`with CancelScope(shield=True):` (trio/anyio): no cancellation from outside gets in."""
    return with_node.asynchronous is None and any(
        isinstance(item.item, cst.Call)
        and any(
            a.keyword is not None
            and a.keyword.value == "shield"
            and isinstance(a.value, cst.Name)
            and a.value.value == "True"
            for a in item.item.args
        )
        for item in with_node.items
    )


def _can_be_cancelled(body) -> bool:
    stack = [body]
    while stack:
        n = stack.pop()
        if isinstance(n, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            continue
        if isinstance(n, cst.Await):
            return True
        if isinstance(n, (cst.With, cst.For)) and n.asynchronous is not None:
            return True
        if isinstance(n, cst.With) and _shielded(n):
            continue
        stack.extend(children(n))
    return False


# Calls that start a coroutine as a task of its own (by the called name; `run` only as one of
# _RUNNERS): what they are handed is a task's outermost coroutine.
_TASK_STARTERS = frozenset(
    {
        "create_task",
        "ensure_future",
        "start_soon",
        "run_coroutine_threadsafe",
        "async_create_task",
        "async_create_background_task",
        "create_background_task",
        "spawn_callback",
        "add_callback",
        "convert_yielded",
        "run_until_complete",
    }
)
_RUNNERS = frozenset({"asyncio.run", "trio.run", "anyio.run", "uvloop.run", "asyncio.Runner().run"})
_RUNNER_MODULES = frozenset({"asyncio", "trio", "anyio", "uvloop", "Runner"})

# Calls that never return (they raise, or end the process).
_NO_RETURN = frozenset(
    {"pytest.fail", "pytest.skip", "pytest.xfail", "pytest.exit", "sys.exit", "os._exit", "os.abort"}
)


def _exit_protocol(ctx, handler: cst.ExceptHandler) -> bool:
    """In `__exit__`/`__aexit__`: `except BaseException as exc: if exc is not value: raise`. The
    one exception left un-raised is the one the method was called with, which propagates anyway
    when the method returns a false value, as every `return` of the method here does."""
    function = ctx.function
    if function is None or function.name.value not in ("__aexit__", "__exit__"):
        return False
    if handler.name is None or not isinstance(handler.name.name, cst.Name):
        return False
    params = list(function.params.posonly_params) + list(function.params.params)
    if len(params) < 3:
        return False
    caught, value = handler.name.name.value, params[2].name.value
    stmts = _block(handler.body)
    if not any(
        isinstance(stmt, cst.If)
        and stmt.orelse is None
        and _is_not(stmt.test, caught, value)
        and _always_raises(_block(stmt.body))
        for stmt in stmts
    ):
        return False
    if _returns_false(stmts[-1]):
        return True  # this path returns a false value: whatever the others return
    stack = [function.body]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        if (
            isinstance(node, cst.Return)
            and node.value is not None
            and not (isinstance(node.value, cst.Name) and node.value.value in ("False", "None"))
        ):
            return False  # it may return true, which suppresses the exception
        stack.extend(node.children)
    return True


def _leaves_loop(stmts) -> bool:
    """Do these statements end in `break`?"""
    last = stmts[-1] if stmts else None
    return isinstance(last, cst.SimpleStatementLine) and isinstance(last.body[-1], cst.Break)


def _bare_return(stmt) -> bool:
    """`return` or `return None`, ending its line."""
    if not isinstance(stmt, cst.SimpleStatementLine) or not isinstance(stmt.body[-1], cst.Return):
        return False
    value = stmt.body[-1].value
    return value is None or (isinstance(value, cst.Name) and value.value == "None")


def _returns_false(stmt) -> bool:
    """`return`, `return False` or `return None` (alone on its line)."""
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1 or not isinstance(stmt.body[0], cst.Return):
        return False
    value = stmt.body[0].value
    return value is None or (isinstance(value, cst.Name) and value.value in ("False", "None"))


def _is_not(test, a: str, b: str) -> bool:
    """`a is not b` (either way round)."""
    if not (
        isinstance(test, cst.Comparison)
        and len(test.comparisons) == 1
        and isinstance(test.comparisons[0].operator, cst.IsNot)
    ):
        return False
    left, right = test.left, test.comparisons[0].comparator
    names = {n.value for n in (left, right) if isinstance(n, cst.Name)}
    return names == {a, b}


def _deliberate(handler: cst.ExceptHandler) -> bool:
    """The handler asks asyncio about the cancellation (`uncancel()`, `cancelling()`) or completes
    a future with the outcome: it decides what happens to the cancellation on purpose."""
    for n in local_nodes(handler.body):
        if isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute):
            if n.func.attr.value in ("uncancel", "cancelling") or n.func.attr.value in _FUTURE_COMPLETION:
                return True
    return False


def _forwards(ctx, handler: cst.ExceptHandler) -> bool:
    """The caught exception is handed on: passed to a call (not logging), stored, returned or
    wrapped (`errors.append(exc)`, `self._exc = exc`, `Error(exc)`), or taken from
    `sys.exc_info()`: it is re-raised elsewhere, not lost."""
    name = handler.name.name.value if handler.name is not None and isinstance(handler.name.name, cst.Name) else None
    for n in local_nodes(handler.body):
        if isinstance(n, cst.Call):
            if ctx.qualname(n.func) == "sys.exc_info":
                return True
            if name is None:
                continue
            func = n.func
            fname = (
                func.value
                if isinstance(func, cst.Name)
                else func.attr.value
                if isinstance(func, cst.Attribute)
                else None
            )
            if fname in _NOT_FORWARDING:
                continue
            if any(isinstance(a.value, cst.Name) and a.value.value == name for a in n.args):
                return True
        elif name is not None and isinstance(n, (cst.Assign, cst.AnnAssign, cst.Return)):
            value = n.value
            if isinstance(value, cst.Name) and value.value == name:
                return True
    return False


def _sleeps_until_cancelled(try_node) -> bool:
    """`try: await sleep(math.inf)` (or `sleep_forever()`): cancellation is how this ends, and the
    handler is the shutdown path."""
    if not isinstance(try_node, _TRY.types):
        return False
    stmts = _block(try_node.body)
    if len(stmts) != 1 or not isinstance(stmts[0], cst.SimpleStatementLine) or len(stmts[0].body) != 1:
        return False
    small = stmts[0].body[0]
    aw = small.value if isinstance(small, cst.Expr) else None
    if not isinstance(aw, cst.Await) or not isinstance(aw.expression, cst.Call):
        return False
    call = aw.expression
    name = (
        call.func.value
        if isinstance(call.func, cst.Name)
        else call.func.attr.value
        if isinstance(call.func, cst.Attribute)
        else None
    )
    if name == "sleep_forever":
        return True
    if name == "sleep" and call.args:
        first = call.args[0].value
        text = (
            first.value if isinstance(first, cst.Name) else first.attr.value if isinstance(first, cst.Attribute) else ""
        )
        return text == "inf" or (
            isinstance(first, cst.Call) and isinstance(first.func, cst.Name) and first.func.value == "float"
        )
    return False


class CancellationSwallowed(Rule):
    """
    ## What it does
    In a coroutine, finds `except asyncio.CancelledError`, `except BaseException` and bare
    `except:` handlers (also `trio.Cancelled` and anyio's `get_cancelled_exc_class()`, and
    tuples containing any of these) that can finish without re-raising: by falling off the
    end, or by `return`, `break` or `continue`.

    It does not flag `except Exception` (since Python 3.8 `CancelledError` derives from
    `BaseException`, so it is not caught there), nor a handler in which every path raises (bare
    `raise`, `raise Other(...) from exc`, `pytest.fail(...)`, `sys.exit(...)`). A handler that
    calls `.uncancel()` is also accepted: that is asyncio's documented way (3.11+) of deciding on
    purpose that a cancellation is absorbed, and it keeps the task's cancellation count right so
    that `TaskGroup` and `asyncio.timeout` still work; likewise a handler that checks
    `current_task().cancelling()` and re-raises only when this task is being cancelled decides
    deliberately. Also not reported, because nothing is lost:
    - the exception is handed on: passed to a call other than logging, stored, returned or
      wrapped (`errors.append(exc)`, `self._exc = exc`, `future.set_exception(exc)`), or
      re-thrown through `sys.exc_info()`;
    - the `try` body cannot be cancelled (it has no `await`, `async with` or `async for`
      outside a `with CancelScope(shield=True)`: the error came from something like
      `task.result()`);
    - an earlier handler of the same `try` already takes `CancelledError` (then a later
      `except BaseException` never sees it);
    - the idiom that waits for a task this coroutine cancelled itself (`task.cancel()`, then
      `try: await task` / `except CancelledError: pass`; also `await self._task` when the
      module cancels `self._task` somewhere), and `try: await sleep(math.inf)`
      whose handler is the shutdown path;
    - a task that ends: the coroutine is started as a task in the same module
      (`loop.create_task(self.run_asgi())`, `nursery.start_soon(serve)`, `asyncio.run(main())`,
      Home Assistant's `async_create_task`...), the `try` is a statement of its body (or the
      last statement of a loop there, which the handler leaves by `break` or `return`), and
      neither the handler nor what follows awaits anything. Cancelling such a task (a
      connection's protocol task, a request task when the client goes away, a program's main
      task on Ctrl-C) just ends it; no caller goes on as if nothing had happened. The same
      handler in a coroutine that is awaited by other code is reported.

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
    body_local = True
    name = "cancellation-swallowed"
    summary = "CancelledError (or bare except/BaseException) caught in async context and not re-raised"
    fix = None
    tokens = None  # a bare `except:` needs no identifier

    @classmethod
    def needs_body(cls, words):
        # `self._task.cancel()` in any method decides whether a handler elsewhere swallows it, and
        # `create_task(self.serve())` whether `serve` is a task's outermost coroutine
        return (
            "cancel" in words
            or not _TASK_STARTERS.isdisjoint(words)
            or ("run" in words and not _RUNNER_MODULES.isdisjoint(words))
        )

    @classmethod
    def triggers(cls, settings):
        # a handler in async context that is bare or may catch a cancellation exception
        return Triggers(handlers_in_async=_CANCEL_NAMES)

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
        try_node = ctx.parent()
        if isinstance(try_node, _TRY.types) and not _can_be_cancelled(try_node.body):
            return  # nothing in the try awaits: the error came from `.result()` or the like
        if caught in ("bare `except:`", "`except BaseException`") and self._earlier_handler_takes_cancel(
            try_node, node
        ):
            return
        if _deliberate(node) or _forwards(ctx, node) or _exit_protocol(ctx, node):
            return
        if self._waits_for_cancelled_task(try_node) or _sleeps_until_cancelled(try_node):
            return
        if self._ends_the_task(try_node, node):
            return
        self.report(
            node,
            f"{caught} in a coroutine can finish without re-raising, which swallows the task's "
            f"cancellation; re-raise it (bare `raise`) after any cleanup",
        )

    def _ends_the_task(self, try_node, handler) -> bool:
        """The "task that ends" pattern: the coroutine stops once the handler has run, without
        a value, and the code starts it as a task (`create_task(self.serve())` in its class,
        `nursery.start_soon(serve)` in its module, see _TASK_STARTERS), so no caller goes on as if nothing
        had happened: the task just ends when it is cancelled. The handler awaits nothing (a
        task whose cancellation was taken would wait there with no deadline), and either ends
        in a bare `return` (then only the `finally` blocks around it run, and they await
        nothing either), or falls off its end where the `try` is a statement of the
        coroutine's body (or the last one of a loop there, which the handler leaves by
        `break`) and what follows awaits nothing and returns no value."""
        function = self.ctx.function
        if function is None or not isinstance(try_node, _TRY.types) or _can_be_cancelled(handler.body):
            return False
        stmts = _block(handler.body)
        if not self._started_as_task(function):
            return False
        if stmts and _bare_return(stmts[-1]):
            for anc in self.ctx.ancestors():
                if anc is function:
                    return True
                if (
                    isinstance(anc, _TRY.types)
                    and anc is not try_node
                    and anc.finalbody is not None
                    and _can_be_cancelled(anc.finalbody.body)
                ):
                    return False
            return False
        body = _block(function.body)
        for k, stmt in enumerate(body):  # noqa: B007 - k, the try's position, is read after the loop
            if stmt is try_node:
                break
            if (
                isinstance(stmt, (cst.While, cst.For))
                and stmt.orelse is None
                and _block(stmt.body)
                and _block(stmt.body)[-1] is try_node
            ):
                if not _leaves_loop(stmts):  # the loop must end
                    return False
                break
        else:
            return False
        if _escapes(stmts) and not _leaves_loop(stmts):
            return False  # `return value` / `continue`
        rest = body[k + 1 :]
        return not any(_can_be_cancelled(stmt) for stmt in rest) and not any(
            isinstance(n, cst.Return) and n.value is not None for stmt in rest for n in _frame_nodes(stmt, False)
        )

    def _started_as_task(self, function) -> bool:
        """Does the code hand this coroutine to a task starter, called or not: a method as
        `self.<name>` from its own class (`self.loop.create_task(self.run_asgi())`), a function
        by its plain name from anywhere in the module (`nursery.start_soon(serve, port)`)? And
        does the module never await a call of that name (the semantic model, built from the
        whole file, tells)?"""
        model = self.ctx.model
        if model is None or function.name.value in model.awaited_call_names():
            return False  # also awaited by other code (`await entry.async_setup()`), which goes on
        scope = self.ctx.scope.function_scope()
        if scope.class_scope is not None:
            return function.name.value in self._task_arguments(scope.class_scope.node, True)
        return function.name.value in self._task_arguments(self.ctx.module, False)

    def _task_arguments(self, root, on_self: bool):
        cache = self.__dict__.setdefault("_task_names", {})
        found: Optional[Set[str]] = cache.get((id(root), on_self))
        if found is None:
            found = set()
            cache[(id(root), on_self)] = found
            for n in all_nodes(root):
                if not (isinstance(n, cst.Call) and n.args):
                    continue
                func = n.func
                name = terminal(func)
                if name not in _TASK_STARTERS and not (name == "run" and self.ctx.qualname(func) in _RUNNERS):
                    continue
                for arg in n.args:
                    value = arg.value.func if isinstance(arg.value, cst.Call) else arg.value
                    if (
                        on_self
                        and isinstance(value, cst.Attribute)
                        and isinstance(value.value, cst.Name)
                        and value.value.value in ("self", "cls")
                    ):
                        found.add(value.attr.value)
                    elif not on_self and isinstance(value, cst.Name):
                        found.add(value.value)
        return found

    def _earlier_handler_takes_cancel(self, try_node, handler) -> bool:
        """`except CancelledError: raise` (or any handler for it) comes first in the same try."""
        if not isinstance(try_node, _TRY.types):
            return False
        for h in try_node.handlers:
            if h is handler:
                return False
            caught = _caught(self.ctx, h)
            if caught is not None and caught not in ("bare `except:`", "`except BaseException`"):
                return True
        return False

    def _waits_for_cancelled_task(self, try_node) -> bool:
        """`x.cancel()` earlier in the function, then `try: await x` (or wait_for / gather of x)."""
        if not isinstance(try_node, _TRY.types):
            return False
        awaited = []
        for n in local_nodes(try_node.body):
            if isinstance(n, (cst.For, cst.CompFor)) and n.asynchronous is not None:
                return False
            if isinstance(n, cst.Await):
                awaited.append(n.expression)
        if not awaited:
            return False
        function = self.ctx.function
        if function is None:
            return False
        cancelled = {code(self.ctx, n.func.value) for n in local_nodes(function.body) if is_call_to(n, "cancel")}
        cancelled |= self._attributes_cancelled_in_module()
        if not cancelled:
            return False
        for expr in awaited:
            targets = [expr]
            if isinstance(expr, cst.Call):  # asyncio.wait_for(task, ...), asyncio.gather(*tasks)
                fname = terminal(expr.func)
                if fname not in ("wait_for", "gather", "shield", "wait"):
                    return False
                targets = [a.value for a in expr.args if a.keyword is None][: 1 if fname != "gather" else None]
                if not targets:
                    return False
            for t in targets:
                if isinstance(t, (cst.Name, cst.Attribute, cst.Subscript)):
                    if code(self.ctx, t) in cancelled:
                        continue
                    # `for t in tasks: t.cancel()` then `await asyncio.gather(*tasks)`
                    if self._cancelled_via_loop(function, t, cancelled):
                        continue
                return False
        return True

    def _attributes_cancelled_in_module(self):
        """`self._task` style receivers of `.cancel()` anywhere in the module: a task that this
        object cancels from another method (`close()` cancels, `run()` awaits it)."""
        found = getattr(self, "_module_cancels", None)
        if found is None:
            found = self._module_cancels = {
                code(self.ctx, n.func.value)
                for n in all_nodes(self.ctx.module)
                if is_call_to(n, "cancel") and isinstance(n.func.value, cst.Attribute)
            }
        return found

    def _cancelled_via_loop(self, function, collection, cancelled) -> bool:
        """`for t in <collection>: t.cancel()` somewhere in the function."""
        text = code(self.ctx, collection)
        for n in local_nodes(function.body):
            if isinstance(n, cst.For) and isinstance(n.target, cst.Name) and n.target.value in cancelled:
                if code(self.ctx, n.iter) == text:
                    return True
        return False
