"""AW402 unbounded-fan-out."""

from __future__ import annotations

from typing import Optional, Union

import libcst as cst

from ..registry import Rule
from ..scopes import CLASS
from ..screening import LazyTypes
from ._concurrency import code, limiter_evidence, limiter_in_words, received, terminal

_GATHER = frozenset({"asyncio.gather", "asyncio.tasks.gather"})
_WAITERS = frozenset({"asyncio.wait", "asyncio.as_completed", "asyncio.tasks.wait", "asyncio.tasks.as_completed"})
_SPAWNERS = frozenset(
    {
        "asyncio.TaskGroup().create_task",
        "asyncio.taskgroups.TaskGroup().create_task",
        "anyio.create_task_group().start_soon",
        "anyio.create_task_group().start",
        "trio.open_nursery().start_soon",
        "trio.open_nursery().start",
    }
)
_COMPREHENSIONS: LazyTypes[Union[cst.ListComp, cst.GeneratorExp, cst.SetComp]] = LazyTypes(
    "ListComp", "GeneratorExp", "SetComp"
)
_MAX_SHOWN = 40
# Per-item work handed to a pool of threads or processes, which bounds it.
_OFFLOADS = frozenset({"to_thread", "run_in_executor", "async_add_executor_job", "run_sync", "submit"})


def _bounded(iterable: cst.BaseExpression) -> bool:
    """A literal collection or `range(<literals>)`: the number of tasks is fixed in the source."""
    if isinstance(iterable, (cst.List, cst.Tuple, cst.Set)):
        return not any(isinstance(e, (cst.StarredElement,)) for e in iterable.elements)
    if isinstance(iterable, cst.Call) and isinstance(iterable.func, cst.Name):
        if iterable.func.value == "range":
            return all(isinstance(a.value, cst.Integer) for a in iterable.args)
        if iterable.func.value in ("enumerate", "zip", "reversed", "sorted"):
            return bool(iterable.args) and all(_bounded(a.value) for a in iterable.args if a.keyword is None)
    if isinstance(iterable, cst.Subscript) and len(iterable.slice) == 1:
        sl = iterable.slice[0].slice
        if isinstance(sl, cst.Slice) and isinstance(sl.upper, cst.Integer) and sl.lower is None:
            return True  # xs[:10]
    return False


def _shown(ctx, node) -> str:
    text = " ".join(code(ctx, node).split())
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


class UnboundedFanOut(Rule):
    """
    ## What it does
    Finds a coroutine started once per item of a collection whose size is not fixed in the
    source, all at once: `asyncio.gather(*[f(x) for x in xs])` (or a generator),
    `asyncio.wait(...)` / `asyncio.as_completed(...)` over such a comprehension, and
    `tg.create_task(...)` / `start_soon(...)` on an asyncio TaskGroup, anyio task group or trio
    nursery inside a `for` loop. It stays quiet when something bounds the concurrency: a
    semaphore or capacity limiter (created, acquired or entered with `async with`), a bounded
    queue or memory channel, in the function doing the fan-out or in the coroutine being
    started (when it is defined in the same module), or when the collection is a literal or a
    `range()` of constants. Only collections that come from outside the program are
    reported: the result of awaiting a call that is not one of the project's own functions (a
    client library's `await api.devices()`, `await client.list_records()`), an `async for` over
    a stream, or what the function computes from those (`range(page.next, page.last)`). The
    program's own collections (its platforms, listeners, cluster nodes: attributes, constants,
    parameters, what its own functions return) and work handed to a thread or process pool
    (`run_in_executor`, `to_thread`) are not. Off by default: enable it by naming it
    (`--select AW402`).

    ## Why is this bad?
    With ten items this is fine; with ten thousand it opens ten thousand connections or
    files at once, exhausts sockets and file descriptors, trips rate limits and memory, and
    makes the remote service (or the database pool) the bottleneck that fails. The number of
    items usually grows with the data, not with the code, so the problem shows up in
    production.

    ## Example
    ```python
    async def fetch_all(session, urls):
        return await asyncio.gather(*[fetch(session, url) for url in urls])
    ```

    ## Use instead
    ```python
    async def fetch_all(session, urls, limit=10):
        sem = asyncio.Semaphore(limit)

        async def bounded(url):
            async with sem:
                return await fetch(session, url)

        return await asyncio.gather(*[bounded(url) for url in urls])
    ```

    ## Fix safety
    No fix: the right limit depends on the resource being protected.
    """

    code = "AW402"
    body_local = True
    name = "unbounded-fan-out"
    summary = "gather/TaskGroup over an unbounded comprehension with no Semaphore"
    default_enabled = False
    uses_project = True  # is an awaited call one of the project's own functions?
    fix = None
    tokens = frozenset({"gather", "wait", "as_completed", "create_task", "start_soon", "start"})

    @classmethod
    def screen_facts(cls, facts, settings, project):
        # a call in async context spelled like one of the calls visit_Call looks at
        return None if not facts.async_calls.isdisjoint(cls.tokens) else False

    @classmethod
    def needs_body(cls, words):
        # the started coroutine's body may hold the limiter that bounds a fan-out elsewhere
        return limiter_in_words(words)

    def visit_Call(self, node: cst.Call) -> None:
        ctx = self.ctx
        if not ctx.in_async:
            return
        name = terminal(node.func)
        if name in ("gather", "wait", "as_completed"):
            qualname = ctx.qualname(node.func)
            if qualname in _GATHER:
                comps = [a.value for a in node.args if a.star == "*" and isinstance(a.value, _COMPREHENSIONS.types)]
            elif qualname in _WAITERS:
                comps = [a.value for a in node.args[:1] if not a.star and isinstance(a.value, _COMPREHENSIONS.types)]
            else:
                return
            for comp in comps:
                if isinstance(comp.elt, cst.Call) and self._unbounded_comprehension(comp):
                    what = qualname.replace("asyncio.tasks.", "asyncio.")
                    self._report(node, f"`{what}()` over a comprehension", comp.for_in.iter, comp.elt)
                    return
        elif name in ("create_task", "start_soon", "start") and isinstance(node.func, cst.Attribute):
            if ctx.qualname(node.func) not in _SPAWNERS or not node.args:
                return
            loop = self._loop_inside_group(node.func.value)
            if loop is None or _bounded(loop.iter):
                return
            started = node.args[0].value
            self._report(node, f"`{_shown(ctx, node.func)}()` in a loop", loop.iter, started)

    def _unbounded_comprehension(self, comp) -> bool:
        for_in = comp.for_in
        while for_in is not None:
            if not _bounded(for_in.iter):
                return True
            for_in = for_in.inner_for_in
        return False

    def _loop_inside_group(self, group: cst.BaseExpression) -> Optional[cst.For]:
        """The `for` loop between this call and the `async with` that opened `group`, if any."""
        if not isinstance(group, cst.Name):
            return None
        loop = None
        for anc in self.ctx.ancestors():
            if isinstance(anc, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                return None
            if isinstance(anc, cst.For) and loop is None:
                loop = anc
            if isinstance(anc, cst.With) and any(
                item.asname is not None
                and isinstance(item.asname.name, cst.Name)
                and item.asname.name.value == group.value
                for item in anc.items
            ):
                return loop
        return None

    def _report(self, node, subject: str, iterable, started) -> None:
        if self._bounded_somewhere(started) or self._offloaded(started):
            return
        if not self._received(iterable):
            return  # a collection the program holds itself (its platforms, listeners, nodes...)
        message = (
            f"Unbounded fan-out: {subject} starts a task for every item of `{_shown(self.ctx, iterable)}` "
            f"at once; bound it with a semaphore: `sem = asyncio.Semaphore(10)` and `async with sem:` "
            f"around the work in each task"
        )
        self.report(node, message)

    def _offloaded(self, started) -> bool:
        """Each item's work goes to a thread or process pool (`loop.run_in_executor(...)`,
        `asyncio.to_thread(...)`), whose size bounds it."""
        call = started
        if isinstance(call, cst.Call) and terminal(call.func) in ("create_task", "ensure_future") and call.args:
            call = call.args[0].value
        return isinstance(call, cst.Call) and terminal(call.func) in _OFFLOADS

    def _received(self, iterable) -> bool:
        """Does the collection come from outside the program (see _concurrency.received)? Its
        size is then set by the data; the program's own collections (attributes, constants,
        parameters, what its own functions return) are not reported."""
        return received(self.ctx, iterable, self.__dict__.setdefault("_received_cache", {}))

    def _bounded_somewhere(self, started) -> bool:
        """A limiter in the function doing the fan-out, or in the started coroutine's body."""
        function = self.ctx.function
        if function is not None and limiter_evidence(function):
            return True
        callee = self._callee_def(started)
        return callee is not None and limiter_evidence(callee)

    def _callee_def(self, started) -> Optional[cst.FunctionDef]:
        func = started.func if isinstance(started, cst.Call) else started
        if isinstance(func, cst.Name):
            scope = self.ctx.scope.function_scope()
            binding = scope.lookup(func.value)
            if binding is not None and binding.kind == "def":
                return binding.target
            return None
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value in ("self", "cls"):
            scope = self.ctx.scope.function_scope()
            cls = scope.class_scope
            if cls is not None and cls.kind == CLASS:
                binding = cls.bindings.get(func.attr.value)
                if binding is not None and binding.kind == "def":
                    return binding.target
        return None
