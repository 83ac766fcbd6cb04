"""AW204 call-instead-of-callable."""

from __future__ import annotations

from typing import Optional

import libcst as cst

from .. import fixes
from ..catalogs.coroutines import ASYNC_FUNCTION_APIS, CALLABLE_ARGS, CALLABLE_MODULES, NON_CALLABLE_RESULTS
from ..registry import Rule
from ..screening import pairs_any
from ._coroutines import _resolve_with_index, canonical, coroutine_target, module_tokens, qualname, shown

_TERMINALS = frozenset(name.rsplit(".", 1)[-1].rstrip("()") for name in CALLABLE_ARGS)


class CallInsteadOfCallable(Rule):
    """
    ## What it does
    Finds a call passed where a callable is expected, so the function runs right away instead
    of where it was handed to: `loop.run_in_executor(None, work(x))`, `asyncio.to_thread(f(x))`,
    `loop.call_soon(cb())`, `loop.call_later(5, cb())`, `threading.Thread(target=f())`,
    `executor.submit(f(x))`, `trio.run(main())`, `anyio.run(main())`, a nursery's or task
    group's `start_soon(f())`.

    It reports only when the call certainly does not return a callable: a coroutine function
    (project, library or configured), a project function whose returns are all `None` or plain
    data, or a well-known function such as `print` or `time.sleep`. A factory that returns a
    function (`functools.partial(...)`, `make_handler(cfg)`) is left alone. A coroutine given to
    an API that calls a sync function (`call_soon(job())`) is reported too, with advice instead
    of a fix: passing `job` there would create a coroutine nobody awaits.

    ## Why is this bad?
    The work happens immediately, in the calling thread — blocking the event loop when the
    point was to move it to a worker thread — and the API then receives its result (often
    `None`) instead of a function, failing later with `TypeError: 'NoneType' object is not
    callable`, or, for `trio.run`/`anyio.run` given a coroutine, with a confusing error.

    ## Example
    ```python
    async def export(report):
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, render_pdf(report))
    ```

    ## Use instead
    ```python
    async def export(report):
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, render_pdf, report)
    ```

    ## Fix safety
    Safe: the fix passes the function and its arguments the way the API takes them
    (`to_thread(f, a, k=v)`, `run_in_executor(None, f, a)`, `Thread(target=f, args=(a,))`),
    so the function runs where the code meant it to. No fix is offered when the arguments cannot
    be passed that way (keyword arguments to an API that forwards only positional ones, an
    existing `args=`), or when the function is async and the API wants a sync one (or the
    reverse).
    """

    uses_project = True  # project coroutine functions and aliases

    code = "AW204"
    body_local = True
    name = "call-instead-of-callable"
    summary = "a call passed where a callable is expected"
    fix = "safe"
    needs_async = False

    @classmethod
    def screen_facts(cls, facts, settings, project):
        # an API taking a callable, given the result of a call
        apis = (
            _TERMINALS
            if project is None
            else project.memo("callable_args_names", lambda: _TERMINALS | module_tokens(CALLABLE_MODULES, project))
        )
        return pairs_any(facts.arg_calls, apis, None, facts)

    @classmethod
    def screen_tokens(cls, settings):
        return CALLABLE_MODULES

    @classmethod
    def screen_tokens_with_project(cls, settings, project):
        return project.memo("callable_tokens", lambda: module_tokens(CALLABLE_MODULES, project))

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        terminal = (
            func.attr.value if isinstance(func, cst.Attribute) else (func.value if isinstance(func, cst.Name) else None)
        )
        if terminal is None or (isinstance(func, cst.Attribute) and terminal not in _TERMINALS):
            return
        if not node.args:
            return
        api = canonical(self.ctx, func)
        spec = CALLABLE_ARGS.get(api) if api else None
        if not api or spec is None:
            return
        position, keyword, how = spec
        arg = _find_arg(node, position, keyword)
        if arg is None or not isinstance(arg.value, cst.Call):
            return
        inner = arg.value
        is_coroutine = coroutine_target(self.ctx, inner.func) is not None
        if not is_coroutine and not self._not_callable(inner):
            return
        api_name = api.replace("()", "").rsplit(".", 1)[-1]
        name = shown(self.ctx, inner.func)
        wants_async = api in ASYNC_FUNCTION_APIS
        if is_coroutine == wants_async:
            message = (
                f"`{name}(...)` runs here and its result is passed to `{api_name}()`, which expects a "
                f"callable; pass `{name}` and its arguments instead"
            )
            fix = self._fix(node, arg, inner, how)
        elif is_coroutine:
            message = (
                f"`{name}(...)` creates a coroutine, but `{api_name}()` expects a sync callable and "
                "would never await it; await the coroutine or schedule it with `asyncio.create_task`"
            )
            fix = None
        else:
            message = (
                f"`{name}(...)` runs here and its result is passed to `{api_name}()`, which expects an async function"
            )
            fix = None
        self.report(inner, message, fix)

    def _not_callable(self, inner: cst.Call) -> bool:
        q = qualname(self.ctx, inner.func)
        if q is None:
            return False
        ref, idx = _resolve_with_index(self.ctx, q)
        if ref is None:
            return False
        if ref[0] == "external":
            return ref[1] in NON_CALLABLE_RESULTS
        callee = idx.callee_of(ref)
        if callee is None or callee.facts.returns not in ("none", "data"):
            return False
        plain = {"staticmethod", "classmethod", "builtins.staticmethod", "builtins.classmethod"}
        return all(d in plain for d in callee.facts.decorators)

    def _fix(self, outer: cst.Call, arg: cst.Arg, inner: cst.Call, how: Optional[str]):
        code = self.ctx.module.code_for_node
        func_code = code(inner.func)
        args = inner.args
        positional = [a for a in args if a.keyword is None and a.star != "**"]
        keywords = [a for a in args if a.keyword is not None or a.star == "**"]
        if any(a.keyword is None and a.star != "**" for a in args[len(positional) :]):
            return None  # positional after keyword: keep it simple
        parts = [_arg_text(code, a) for a in positional]
        kw_parts = [_arg_text(code, a) for a in keywords]
        if how is None:
            if args:
                return None
            replacement = func_code
        elif how == "target":
            if keywords or any(a.star for a in positional):
                return None
            if any(a.keyword is not None and a.keyword.value in ("args", "kwargs") for a in outer.args):
                return None
            replacement = func_code
            if parts:
                replacement += f", args=({', '.join(parts)}{',' if len(parts) == 1 else ''})"
        else:
            if keywords and how != "args+kwargs":
                return None
            if arg.keyword is not None:
                return None
            later = outer.args[list(outer.args).index(arg) + 1 :]
            if any(a.keyword is None for a in later):
                return None  # more positional arguments follow: they would mix with the call's
            replacement = ", ".join([func_code] + parts + kw_parts)
        return fixes.fix("safe", f"Pass `{func_code}` and its arguments", fixes.replace(inner, replacement))


def _arg_text(code, arg: cst.Arg) -> str:
    return code(arg.with_changes(comma=cst.MaybeSentinel.DEFAULT)).strip()


def _find_arg(call: cst.Call, position: Optional[int], keyword: Optional[str]) -> Optional[cst.Arg]:
    index = 0
    for arg in call.args:
        if arg.keyword is not None:
            if keyword is not None and arg.keyword.value == keyword:
                return arg
            continue
        if arg.star:
            if position is not None:
                return None  # the position can no longer be counted
            continue
        if position is not None and index == position:
            return arg
        index += 1
    return None
