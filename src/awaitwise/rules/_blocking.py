"""The shared shape of the blocking-call rules (AW101–AW109): a call, made in async context, whose
qualified name is in the rule's catalog. Each rule module only names its catalog and fix."""

from __future__ import annotations

from typing import ClassVar, Dict

import libcst as cst

from .. import fixes
from ..registry import Rule
from ._helpers import await_code, call_args_code, can_add_await, module_ref


def _terminal(qualname: str) -> str:
    return qualname.rsplit(".", 1)[-1].rstrip("()") or qualname


class BlockingCallRule(Rule):
    """Base class; subclasses set `catalog` ({qualified name: advice}) and `fix`."""

    catalog: ClassVar[Dict[str, str]] = {}
    # names of the calls this rule can match, derived from the catalog (for cheap pre-checks)
    _terminals: ClassVar[frozenset] = frozenset()

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if "catalog" in vars(cls):
            cls._terminals = frozenset(_terminal(q) for q in cls.catalog)
            if cls.tokens is None:
                cls.tokens = frozenset(_screen_word(q) for q in cls.catalog)

    def catalog_for(self) -> Dict[str, str]:
        return self.catalog

    def visit_Call(self, node: cst.Call) -> None:
        if not self.ctx.in_async:
            return
        func = node.func
        # cheap pre-check on attribute calls; a plain name may be an alias (`sleep as nap`)
        if isinstance(func, cst.Attribute) and func.attr.value not in self._terminals_for():
            return
        qualname = self.ctx.qualname(func)
        if qualname is None:
            return
        advice = self.catalog_for().get(qualname)
        if advice is None:
            return
        self.report(node, self.message(qualname, advice), self.make_fix(node, qualname))

    def _terminals_for(self):
        return self._terminals

    def message(self, qualname: str, advice: str) -> str:
        shown = qualname.replace("builtins.", "")
        call = shown if shown.endswith(")") else shown + "()"
        return f"Blocking call `{call}` in async function; {advice}"

    def make_fix(self, node: cst.Call, qualname: str):
        if self.fix not in ("unsafe", "safe") or not can_add_await(self.ctx):
            return None
        if self.ctx.settings.target < (3, 9):
            return None
        return to_thread_fix(self.ctx, node)


def to_thread_fix(ctx, node: cst.Call):
    """`f(a, b=1)` -> `await asyncio.to_thread(f, a, b=1)` (unsafe: runs in a worker thread)."""
    asyncio_name, imports = module_ref(ctx, "asyncio")
    func_code = ctx.module.code_for_node(node.func)
    args = call_args_code(ctx, node)
    inner = f"{asyncio_name}.to_thread({func_code}{', ' + args if args else ''})"
    return fixes.fix("unsafe", "Run the call in a worker thread with `asyncio.to_thread`",
                     fixes.replace(node, await_code(ctx, node, inner)), imports=imports)


def _screen_word(qualname: str) -> str:
    """The identifier that must appear in a file for this catalog entry to match there: the
    module's top-level name for imports (`requests`), the builtin's name (`open`)."""
    first = qualname.split(".", 1)[0]
    if first == "builtins":
        return qualname.split(".")[1].rstrip("()")
    return first


def user_catalog(settings) -> Dict[str, str]:
    return {name: advice for name, advice in settings.blocking_calls}


__all__ = ["BlockingCallRule", "to_thread_fix", "user_catalog"]
