"""AW405 manual-acquire."""

from __future__ import annotations

from typing import TYPE_CHECKING, List, Sequence, Union

import libcst as cst

from .. import fixes
from ..registry import Rule, Triggers
from ..screening import LazyTypes
from ._concurrency import (
    block_indent,
    block_indents,
    code,
    code_at,
    has_comment,
    is_call_to,
    local_nodes,
)

if TYPE_CHECKING:
    from ._concurrency import MethodCall

# Types whose instances are async context managers that acquire/release: the rewrite to
# `async with` is certainly equivalent for them.
_KNOWN_LOCKS = frozenset(
    f"{mod}.{cls}()"
    for mod in ("asyncio", "asyncio.locks")
    for cls in ("Lock", "Semaphore", "BoundedSemaphore", "Condition")
) | frozenset(
    f"{mod}.{cls}()"
    for mod in ("anyio", "trio")
    for cls in ("Lock", "Semaphore", "CapacityLimiter", "Condition", "StrictFIFOLock")
)
_TRY: LazyTypes[Union[cst.Try, cst.TryStar]] = LazyTypes("Try", "TryStar")


class ManualAcquire(Rule):
    """
    ## What it does
    Finds `await x.acquire()` (a lock, semaphore, condition or capacity limiter) in a coroutine
    that releases `x` itself, where the release is not guaranteed:
    - the code between `acquire()` and `release()` is not protected by `try/finally`;
    - the `acquire()` is inside the `try` whose `finally` releases, so a failed or cancelled
      `acquire()` still runs `release()`;
    - for asyncio/anyio/trio locks it also reports the correct but manual
      `await x.acquire(); try: ... finally: x.release()`, which `async with x:` says in one line.

    Functions that only acquire (the release happens in another method, as in a custom
    `__aenter__` / `acquire()` wrapper) are not reported.

    ## Why is this bad?
    If anything between `acquire()` and `release()` raises, or the task is cancelled at one
    of its `await`s, the release never runs and every other task waiting for the lock waits
    forever. Acquiring inside the `try` has the opposite bug: when `acquire()` itself is
    cancelled, `release()` runs for a lock this task never held (a `RuntimeError` for a lock,
    and a semaphore that silently gains a slot).

    ## Example
    ```python
    async def update(self, key, value):
        await self._lock.acquire()
        self._data[key] = await self._store.put(key, value)
        self._lock.release()
    ```

    ## Use instead
    ```python
    async def update(self, key, value):
        async with self._lock:
            self._data[key] = await self._store.put(key, value)
    ```

    ## Fix safety
    The fix rewrites the plain patterns to `async with x:`: `await x.acquire()` followed by
    `try: ... finally: x.release()`, `try: await x.acquire(); ... finally: x.release()`, and
    acquire, statements, release in one block (when those statements do not `return`,
    `break`, `continue` or `yield`, which would leave with the lock held). It is safe when `x`
    is known to be an asyncio, anyio or trio lock, semaphore, condition or capacity limiter,
    whose `async with` acquires and releases exactly like the manual calls (and now also
    releases when the body raises, which is the point). Otherwise it is unsafe, since `x` may
    not support `async with`. Patterns with comments that the rewrite would lose are reported
    without a fix.
    """

    code = "AW405"
    body_local = True
    name = "manual-acquire"
    summary = "`await lock.acquire()` without try/finally release"
    fix = "sometimes"
    tokens = frozenset({"acquire"})

    @classmethod
    def triggers(cls, settings):
        return Triggers(awaited_calls=frozenset({"acquire"}))  # `await x.acquire()` in async context

    def visit_Await(self, node: cst.Await) -> None:
        ctx = self.ctx
        call = node.expression
        if not ctx.in_async or not is_call_to(call, "acquire") or call.args:
            return
        expr, line, block = ctx.parent(), ctx.parent(2), ctx.parent(3)
        if not (
            isinstance(expr, cst.Expr)
            and isinstance(line, cst.SimpleStatementLine)
            and len(line.body) == 1
            and isinstance(block, cst.IndentedBlock)
        ):
            return  # the result is used (`conn = await pool.acquire()`): a resource, not a lock
        function = ctx.function
        if function is None:
            return
        target = call.func.value
        xcode = code(ctx, target).strip()
        if not self._released_after(function, call, xcode) or self._expected_to_fail():
            return
        self.known = ctx.qualname(target) in _KNOWN_LOCKS
        stmts = list(block.body)
        index = next(i for i, s in enumerate(stmts) if s is line)

        guard = self._enclosing_try(xcode)
        if guard is not None:
            fix = self._fix_inside_try(guard, line, xcode) if guard.body is block and index == 0 else None
            self.report(
                node,
                f"`{xcode}.acquire()` inside the `try` whose `finally` releases it: if `acquire()` "
                f"fails or is cancelled, `release()` runs for a lock this task does not hold; "
                f"use `async with {xcode}:`",
                fix,
            )
            return
        following = stmts[index + 1] if index + 1 < len(stmts) else None
        if isinstance(following, _TRY.types) and _finally_releases(ctx, following, xcode):
            if self.known:
                fix = self._fix_acquire_then_try(line, following, xcode)
                if fix is not None:
                    self.report(
                        node,
                        f"Manual `{xcode}.acquire()` with `try/finally: release()`; "
                        f"`async with {xcode}:` does the same",
                        fix,
                    )
            return
        if self._protected_later(xcode):
            return
        self.report(
            node,
            f"`{xcode}.acquire()` without `try/finally`: if the code before `release()` raises or "
            f"is cancelled, the lock is never released; use `async with {xcode}:`",
            self._fix_acquire_body_release(line, stmts, index, block, xcode),
        )

    # --- where is the release? -------------------------------------------------------------
    def _released_after(self, function, acquire: MethodCall, xcode: str) -> bool:
        """Does the function release x after this acquire (in source order), with nothing but the
        release touching x in between? Code that releases first (a condition re-acquiring) or
        inspects x in between (`x.locked()`, `x.value`: tests of the primitive itself) is not
        the pattern this rule is about."""
        seen = False
        for n in local_nodes(function.body):
            if n is acquire:
                seen = True
                continue
            if not seen:
                continue
            if _is_release_of(self.ctx, n, xcode):
                return True
            if (
                isinstance(n, cst.Attribute)
                and n.value is not acquire.func.value
                and code(self.ctx, n.value).strip() == xcode
                and n.attr.value != "release"
            ):
                return False
        return False

    def _expected_to_fail(self) -> bool:
        """Inside `with pytest.raises(...)`: a test expecting the acquire to fail."""
        for anc in self.ctx.ancestors():
            if isinstance(anc, (cst.FunctionDef, cst.Lambda)):
                return False
            if isinstance(anc, cst.With) and any(
                isinstance(i.item, cst.Call) and is_call_to(i.item, "raises") for i in anc.items
            ):
                return True
        return False

    def _protected_later(self, xcode: str) -> bool:
        """A `try` whose `finally` releases x follows, in this block or after the enclosing
        `if`/`with`, and nothing in between can be cancelled (no `await`): the plain
        `if cond: await x.acquire()` + `try: ... finally: if cond: x.release()`."""
        stack = self.ctx.stack
        i = len(stack) - 1
        while i > 0:
            node = stack[i]
            parent = stack[i - 1]
            if isinstance(parent, (cst.IndentedBlock, cst.Module)) and node in parent.body:
                stmts = list(parent.body)
                for stmt in stmts[stmts.index(node) + 1 :]:
                    if isinstance(stmt, _TRY.types) and _finally_releases_anywhere(self.ctx, stmt, xcode):
                        return True
                    if any(isinstance(n, cst.Await) for n in local_nodes(stmt)):
                        return False
                owner = stack[i - 2] if i >= 2 else None
                if isinstance(owner, cst.Else):
                    owner_i = i - 3
                elif isinstance(owner, (cst.If, cst.With)):
                    owner_i = i - 2
                else:
                    return False
                # continue after the enclosing compound statement (the whole `if` chain)
                while (
                    owner_i > 0
                    and isinstance(stack[owner_i - 1], cst.If)
                    and stack[owner_i - 1].orelse is stack[owner_i]
                ):
                    owner_i -= 1
                i = owner_i
                continue
            i -= 1
        return False

    def _enclosing_try(self, xcode: str):
        stack = self.ctx.stack
        for i in range(len(stack) - 2, 0, -1):
            anc = stack[i]
            if isinstance(anc, (cst.FunctionDef, cst.Lambda)):
                return None
            if isinstance(anc, _TRY.types) and stack[i + 1] is anc.body and _finally_releases(self.ctx, anc, xcode):
                return anc
        return None

    # --- fixes ------------------------------------------------------------------------------
    def _spec(self, message: str, *edits) -> fixes.FixSpec:
        return fixes.fix("safe" if self.known else "unsafe", message, *edits)

    def _fix_inside_try(self, try_node, line, xcode: str):
        body = self._body_keeping_comment(try_node, line)
        if body is None or has_comment(self.ctx, line.leading_lines):
            return None
        rest = list(body.body[1:]) or [cst.SimpleStatementLine(body=[cst.Pass()])]
        body = body.with_changes(body=rest)
        indents = block_indents(self.ctx)[:-1]  # the try statement's own indentation
        return self._spec(
            f"Use `async with {xcode}:`", fixes.replace_lines(try_node, self._with_code(body, xcode, indents))
        )

    def _fix_acquire_then_try(self, line, try_node, xcode: str):
        body = self._body_keeping_comment(try_node, line)
        if body is None:
            return None
        indents = block_indents(self.ctx)
        return self._spec(
            f"Use `async with {xcode}:`",
            fixes.replace_lines(line, ""),
            fixes.replace_lines(try_node, self._with_code(body, xcode, indents)),
        )

    def _body_keeping_comment(self, try_node, line):
        """The try body for the `async with`, carrying the acquire line's comment on its header
        line; None when the pattern is not plain or two comments would compete for that line."""
        if not _plain_finally(self.ctx, try_node):
            return None
        body = try_node.body
        if has_comment(self.ctx, line.trailing_whitespace):
            if has_comment(self.ctx, body.header):
                return None
            body = body.with_changes(header=line.trailing_whitespace)
        return body

    def _fix_acquire_body_release(self, line, stmts: Sequence[cst.BaseStatement], index: int, block, xcode: str):
        ctx = self.ctx
        end = next((j for j in range(index + 1, len(stmts)) if _is_release_line(ctx, stmts[j], xcode)), None)
        if end is None:
            return None
        release = stmts[end]
        assert isinstance(release, cst.SimpleStatementLine)  # as _is_release_line found
        if has_comment(ctx, release.trailing_whitespace):
            return None
        body = stmts[index + 1 : end]
        for stmt in body:
            for n in local_nodes(stmt):
                if isinstance(n, (cst.Return, cst.Break, cst.Continue, cst.Yield)):
                    return None
                if (
                    isinstance(n, cst.Call)
                    and isinstance(n.func, cst.Attribute)
                    and n.func.attr.value in ("acquire", "release")
                    and code(ctx, n.func.value).strip() == xcode
                ):
                    return None
        indents = block_indents(ctx)
        own = "".join(indents)
        unit = block_indent(ctx, block)
        header = f"{own}async with {xcode}:{code(ctx, line.trailing_whitespace)}"
        if not body:
            header += f"{own}{unit}pass{ctx.module.default_newline}"
        edits = [fixes.replace_lines(line, header)]
        for stmt in body:
            edits.append(fixes.replace_lines(stmt, code_at(ctx, stmt.with_changes(leading_lines=()), indents + [unit])))
        edits.append(fixes.replace_lines(release, ""))
        return self._spec(f"Use `async with {xcode}:`", *edits)

    def _with_code(self, body: cst.IndentedBlock, xcode: str, indents: List[str]) -> str:
        node = cst.With(
            items=[cst.WithItem(item=cst.parse_expression(xcode))], body=body, asynchronous=cst.Asynchronous()
        )
        return code_at(self.ctx, node, indents)


def _is_release_of(ctx, node, xcode: str) -> bool:
    return is_call_to(node, "release") and not node.args and code(ctx, node.func.value).strip() == xcode


def _is_release_line(ctx, stmt, xcode: str) -> bool:
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.Expr)
        and _is_release_of(ctx, stmt.body[0].value, xcode)
    )


def _finally_releases(ctx, try_node, xcode: str) -> bool:
    final = try_node.finalbody
    return final is not None and any(_is_release_line(ctx, s, xcode) for s in final.body.body)


def _finally_releases_anywhere(ctx, try_node, xcode: str) -> bool:
    final = try_node.finalbody
    return final is not None and any(_is_release_of(ctx, n, xcode) for n in local_nodes(final.body))


def _plain_finally(ctx, try_node) -> bool:
    """`try: ... finally: x.release()` and nothing else (no except/else, no comments in the finally)."""
    final = try_node.finalbody
    if try_node.handlers or try_node.orelse is not None or final is None:
        return False
    stmts = list(final.body.body)
    if len(stmts) != 1:
        return False
    return not has_comment(
        ctx,
        final.leading_lines,
        final.body.header,
        final.body.footer,
        stmts[0].leading_lines,
        stmts[0].trailing_whitespace,
    )
