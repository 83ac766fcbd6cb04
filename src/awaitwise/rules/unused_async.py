"""AW304 unused-async."""

from __future__ import annotations

from typing import Dict, List, Optional, Set, Tuple

import libcst as cst

from .. import fixes
from ..registry import Rule
from ..scopes import CLASS, MODULE, dotted
from ..walker import children
from ._concurrency import all_nodes, code, local_nodes, terminal

# Decorators that leave a function a plain function or method; any other decorator may be a
# framework that needs a coroutine function (routes, fixtures, signal handlers...).
_HARMLESS_DECORATORS = frozenset({"staticmethod", "classmethod", "builtins.staticmethod", "builtins.classmethod"})


def _is_stub(body) -> bool:
    """A body that only documents or refuses: docstring, `pass`, `...`, `raise ...`."""
    stmts = list(getattr(body, "body", ()))
    if isinstance(body, cst.SimpleStatementSuite):
        smalls = stmts
    else:
        smalls = []
        for stmt in stmts:
            if not isinstance(stmt, cst.SimpleStatementLine):
                return False
            smalls.extend(stmt.body)
    for small in smalls:
        if isinstance(small, cst.Pass) or isinstance(small, cst.Raise):
            continue
        if isinstance(small, cst.Expr) and isinstance(
            small.value, (cst.Ellipsis, cst.SimpleString, cst.ConcatenatedString)
        ):
            continue
        return False
    return True


# Calls that need a running event loop: a function making them is async so that it runs there.
_LOOP_BOUND = frozenset(
    {
        "create_task",
        "ensure_future",
        "get_running_loop",
        "current_task",
        "all_tasks",
        "start_soon",
        "TaskGroup",
        "create_task_group",
        "open_nursery",
    }
)


def _uses_async(func: cst.FunctionDef) -> bool:
    for node in local_nodes(func.body):
        if isinstance(node, (cst.Await, cst.Yield)):
            return True
        if isinstance(node, cst.Call) and terminal(node.func) in _LOOP_BOUND:
            return True
        if isinstance(node, (cst.With, cst.For, cst.CompFor)) and node.asynchronous is not None:
            return True
    return False


def _spelled_names(module: cst.Module) -> List[Tuple[str, str]]:
    """(head, tail) of the f-strings of the module that spell a name from pieces
    (`f"_async_{action}_step"`: ("_async_", "_step")): the methods they name are called by a
    dispatcher (`await getattr(self, handler)()`) that needs every one of them to be a
    coroutine function. Only f-strings whose text parts are identifier characters count."""
    out = []
    for n in all_nodes(module):
        if not isinstance(n, cst.FormattedString) or len(n.parts) < 2:
            continue
        texts = [p.value for p in n.parts if isinstance(p, cst.FormattedStringText)]
        if not texts or not all(t.replace("_", "a").isalnum() for t in texts):
            continue
        head = n.parts[0].value if isinstance(n.parts[0], cst.FormattedStringText) else ""
        tail = n.parts[-1].value if isinstance(n.parts[-1], cst.FormattedStringText) else ""
        if len(head) + len(tail) >= 3:
            out.append((head, tail))
    return out


def _same_def(site: Optional[str], qualname: str) -> bool:
    """Does an awaited call resolved to `site` name the def `qualname`?"""
    if not site:
        return False
    return site == qualname or site.endswith("." + qualname) or qualname.endswith("." + site)


def _plain_name(qualname: Optional[str]) -> Optional[str]:
    """`pkg.mod.Class().meth` (a call through `self`) names the same def as `pkg.mod.Class.meth`."""
    return qualname.replace("().", ".") if qualname else qualname


class UnusedAsync(Rule):
    """
    ## What it does
    Finds an `async def` whose body never awaits: no `await`, `async for`, `async with` or
    `yield`. It stays quiet where the coroutine shape is probably required by someone else:
    methods of classes that have a base class (they may override or implement an async
    interface), functions with any decorator other than `@staticmethod` / `@classmethod`
    (`@abstractmethod`, `@override`, `@asynccontextmanager`, framework routes...), dunder
    methods (`__aenter__`, `__aexit__`, `__anext__`...), stub bodies (`pass`, `...`, a
    docstring, `raise NotImplementedError`), and functions that the module uses other than by
    awaiting a call (passed as a callback, or called without `await`, as in
    `asyncio.create_task(f())`), functions that need the running loop (they call
    `create_task`, `get_running_loop`...), test functions (`test_*`), names defined by
    several `async def`s in the module (a hook that subclasses override), and methods a
    dispatcher reaches by a name it builds (`await getattr(self, f"_async_{action}_step")()`
    keeps every `_async_*_step` quiet). A public function
    or method that the module itself never awaits is taken as an interface called by other
    modules or a framework and is not reported either: findings are private (`_name`) or
    nested functions, or ones awaited in the same module. Off by default: enable it by naming it (`--select AW304`).

    ## Why is this bad?
    An `async def` that never suspends still costs its callers an `await`, forces them to be
    async themselves, and suggests to readers that it does I/O. Sometimes it hides a bug: a
    blocking call that was meant to be awaited.

    ## Example
    ```python
    async def make_key(user_id):
        return f"user:{user_id}"

    async def load(cache, user_id):
        return await cache.get(await make_key(user_id))
    ```

    ## Use instead
    ```python
    def make_key(user_id):
        return f"user:{user_id}"

    async def load(cache, user_id):
        return await cache.get(make_key(user_id))
    ```

    ## Fix safety
    Unsafe. The fix drops `async` and removes the `await` at the call sites in the same
    module that resolve to this function. Callers in other modules still `await` it and would
    fail at run time, and code that relies on it returning a coroutine (an interface, a
    framework) breaks; review each one.
    """

    code = "AW304"
    name = "unused-async"
    summary = "`async def` that never awaits"
    default_enabled = False
    fix = "unsafe"
    tokens = frozenset({"async"})

    def visit_Module(self, node: cst.Module) -> None:
        self.names: Set[str] = set()  # names of async defs in this module
        self.repeated: Set[str] = set()  # ... defined more than once (an overridable hook)
        for n in all_nodes(node):
            if isinstance(n, cst.FunctionDef) and n.asynchronous is not None:
                if n.name.value in self.names:
                    self.repeated.add(n.name.value)
                self.names.add(n.name.value)
        self.other_use = self._other_uses(node) if self.names else set()
        self.spelled = _spelled_names(node) if self.names else ()
        self.candidates: List[Tuple[cst.FunctionDef, str, bool]] = []
        self.awaited: Dict[str, List[Tuple[cst.Await, Optional[str]]]] = {}

    def _other_uses(self, module: cst.Module) -> Set[str]:
        """Names of async defs that appear other than as `await name(...)`/`await x.name(...)`."""
        out: Set[str] = set()
        stack: List[Tuple[cst.CSTNode, Tuple[cst.CSTNode, ...]]] = [(module, ())]
        while stack:
            node, parents = stack.pop()
            ident = None
            if isinstance(node, cst.Name):
                ident = node.value
            elif isinstance(node, cst.Attribute):
                ident = node.attr.value
            if ident in self.names:
                parent = parents[-1] if parents else None
                grand = parents[-2] if len(parents) > 1 else None
                if isinstance(parent, cst.FunctionDef) and parent.name is node:
                    pass  # the definition itself
                elif not (isinstance(parent, cst.Call) and parent.func is node and isinstance(grand, cst.Await)):
                    out.add(ident)
            trail = parents[-1:] + (node,)
            stack.extend((k, trail) for k in children(node))
        return out

    def visit_Await(self, node: cst.Await) -> None:
        call = node.expression
        if not isinstance(call, cst.Call):
            return
        func = call.func
        ident = (
            func.value if isinstance(func, cst.Name) else func.attr.value if isinstance(func, cst.Attribute) else None
        )
        if ident in self.names:
            self.awaited.setdefault(ident, []).append((node, _plain_name(self.ctx.qualname(func))))

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.asynchronous is None:
            return
        name = node.name.value
        if name.startswith("__") and name.endswith("__"):
            return
        if name in self.other_use or name in self.repeated or name.startswith("test"):
            return
        if any(
            name.startswith(head) and name.endswith(tail) and len(name) > len(head) + len(tail)
            for head, tail in self.spelled
        ):
            return  # reached by a name built at run time: `getattr(self, f"_async_{action}_step")`
        for dec in node.decorators:
            d = dotted(dec.decorator)
            if d is None or (
                d not in _HARMLESS_DECORATORS and self.ctx.qualname(dec.decorator) not in _HARMLESS_DECORATORS
            ):
                return
        scope = self.ctx.scope
        if scope.kind == CLASS:
            cls = scope.node
            if cls.keywords or any(
                not (isinstance(b.value, cst.Name) and b.value.value == "object") for b in cls.bases
            ):
                return
        if _is_stub(node.body) or _uses_async(node):
            return
        prefix = scope.qualname_prefix(self.ctx.module_name)
        qualname = f"{prefix}.{name}" if prefix else name
        self.candidates.append((node, qualname, scope.function_scope().kind not in (MODULE, CLASS)))

    def leave_Module(self, node: cst.Module) -> None:
        for func, qualname, nested in self.candidates:
            name = func.name.value
            sites = self.awaited.get(name, [])
            if not nested and not name.startswith("_") and not any(_same_def(site, qualname) for _, site in sites):
                # public and never awaited here (`await hap.async_setup()` is another object's
                # method): an interface for other modules or a framework
                continue
            assert func.asynchronous is not None  # candidates are `async def`s
            edits = [fixes.replace(func.asynchronous, ""), fixes.replace(func.asynchronous.whitespace_after, "")]
            fixable = True
            for await_node, site_qualname in sites:
                if site_qualname is None or site_qualname.split(".")[-1] != name:
                    fixable = False  # an `await x.name()` we cannot tie to this def, or not
                    break
                if _same_def(site_qualname, qualname):
                    edits.append(fixes.replace(await_node, code(self.ctx, await_node.expression).strip()))
                else:
                    fixable = False
                    break
            fix = (
                fixes.fix("unsafe", f"Drop `async` from `{name}` and the `await` at its call sites", *edits)
                if fixable
                else None
            )
            self.report(func, f"`async def {name}` never awaits; make it a plain `def`", fix)
