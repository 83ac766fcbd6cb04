"""AW400 dangling-task."""

from __future__ import annotations

import libcst as cst

from ..catalogs.coroutines import TASK_FACTORIES
from ..registry import Rule
from ..screening import calls_any, entry_name
from ._coroutines import canonical, mentioned_elsewhere, module_tokens, stored_once_in_local
from .unawaited_coroutine import discarded

_TERMINALS = frozenset(name.rsplit(".", 1)[-1] for name in TASK_FACTORIES)
_MODULES = frozenset(name.split(".", 1)[0] for name in TASK_FACTORIES)


def _only_tested(ctx, node: cst.Call) -> bool:
    """Is the call's value used only for its truth (`if create_task(...):`, the condition of a
    ternary or of a comprehension, `assert`, `not`)? A task is always true, and nothing keeps it."""
    parent = ctx.parent()
    if isinstance(parent, (cst.If, cst.While, cst.IfExp, cst.CompIf, cst.Assert)):
        return parent.test is node
    return isinstance(parent, cst.UnaryOperation) and isinstance(parent.operator, cst.Not) and parent.expression is node


def _only_called_on(ctx, node: cst.Call) -> bool:
    """Is the task only the receiver of a method call that is a statement of its own
    (`create_task(...).add_done_callback(cb)`)? A task keeps its callbacks, not the other way
    round, so nothing keeps the task."""
    attr, call, stmt = ctx.parent(), ctx.parent(2), ctx.parent(3)
    return (
        isinstance(attr, cst.Attribute)
        and attr.value is node
        and isinstance(call, cst.Call)
        and call.func is attr
        and isinstance(stmt, cst.Expr)
    )


def _with_item(ctx, node: cst.Call) -> bool:
    """Is the call a `with` item? `with` keeps what `__enter__` returns, not the object, and a
    task is not a context manager: the statement fails and the task is left running unreferenced."""
    parent = ctx.parent()
    return isinstance(parent, cst.WithItem) and parent.item is node


def _shown(name: str) -> str:
    return (
        name.replace("asyncio.get_running_loop()", "loop")
        .replace("asyncio.get_event_loop()", "loop")
        .replace("asyncio.new_event_loop()", "loop")
    )


class DanglingTask(Rule):
    """
    ## What it does
    Finds `asyncio.create_task(...)`, `asyncio.ensure_future(...)` and `loop.create_task(...)`
    (on a loop from `asyncio.get_running_loop()` / `get_event_loop()` / `new_event_loop()`)
    whose result is thrown away: the call is a statement of its own (alone or in a list, tuple
    or set display that is one), or assigned to `_`; or the task is only tested for truth (the
    condition of an `if`, `while`, ternary or comprehension, `assert`, `not`), which it always
    passes; or it is only the receiver of a method call that is a statement
    (`create_task(...).add_done_callback(cb)`: the task holds the callback, nothing holds the
    task); or it is a `with` item, which fails since a task is not a context manager; or it is
    stored in a local variable that the function never mentions again (bound once, not
    global/nonlocal), so the only reference goes away when the function returns.

    Returning the task, storing it (in a variable, a set, a list, an attribute) or awaiting it is
    fine, and so is `TaskGroup.create_task`, since the group keeps its tasks. Calls on loops of
    unknown origin (`self.loop.create_task(...)`) are not reported.

    ## Why is this bad?
    The event loop keeps only a weak reference to a running task. A task nobody references can
    be garbage-collected before it finishes, so it silently stops halfway; its exceptions are
    never retrieved, and nothing can cancel it or wait for it at shutdown.

    ## Example
    ```python
    async def on_order(order):
        asyncio.create_task(send_confirmation(order))
    ```

    ## Use instead
    ```python
    background_tasks = set()

    async def on_order(order):
        task = asyncio.create_task(send_confirmation(order))
        background_tasks.add(task)
        task.add_done_callback(background_tasks.discard)
    ```
    Or run the work inside an `asyncio.TaskGroup`, which keeps its tasks alive.

    ## Fix safety
    No fix is offered: where the task should be kept (a set, an attribute, a task group)
    depends on the program.
    """

    uses_project = True  # project coroutine functions and aliases

    code = "AW400"
    body_local = True
    name = "dangling-task"
    summary = "`create_task`/`ensure_future` result discarded"
    fix = None
    needs_async = False

    @classmethod
    def screen_facts(cls, facts, settings, project):
        # a discarded call that may be a task factory
        names = (
            _TERMINALS
            if project is None
            else project.memo("dangling_task_names", lambda: _TERMINALS | module_tokens(_MODULES, project))
        )
        # (conditions and `with` items are among the calls used as values)
        return (
            calls_any(facts.discarded_calls, names, facts)
            or calls_any(frozenset(entry_name(e) for e in facts.value_attrs), names, facts)
            or calls_any(frozenset(entry_name(e) for e in facts.assigned_attrs), names, facts)
        )

    @classmethod
    def screen_tokens(cls, settings):
        return _MODULES

    @classmethod
    def screen_tokens_with_project(cls, settings, project):
        return project.memo("dangling_task_tokens", lambda: module_tokens(_MODULES, project))

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value not in _TERMINALS:
            return
        if discarded(self.ctx, node):
            how = "is not kept"
        elif _only_tested(self.ctx, node):
            how = "is only tested for truth (a task is always true) and then dropped"
        elif _only_called_on(self.ctx, node):
            how = "is dropped right after a method call on it (a task keeps its callbacks, not the reverse)"
        elif _with_item(self.ctx, node):
            how = "is used as a context manager, which a task is not: the `with` fails and drops it"
        else:
            return
        name = canonical(self.ctx, func)
        if name not in TASK_FACTORIES:
            return
        shown_name = _shown(name)
        self.report(
            node,
            f"The task returned by `{shown_name}()` {how}; the event loop holds only a weak "
            "reference to it, so it can be garbage-collected before it finishes. Store it "
            "(and discard it when done) or use a TaskGroup",
        )

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) == 1:
            self._check_local(node.targets[0].target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._check_local(node.target, node.value)

    def _check_local(self, target, value) -> None:
        if not stored_once_in_local(self.ctx, target, value):
            return
        func = value.func
        if isinstance(func, cst.Attribute) and func.attr.value not in _TERMINALS:
            return
        name = canonical(self.ctx, func)
        if name not in TASK_FACTORIES or mentioned_elsewhere(self.ctx.scope.node, target.value, target):
            return
        self.report(
            value,
            f"The task returned by `{_shown(name)}()` is stored in `{target.value}`, which is never "
            "used again; once the function returns nothing references the task, and the event "
            "loop holds only a weak reference to it. Keep it (and discard it when done) or use a "
            "TaskGroup",
        )
