"""AW403 await-in-loop."""

from __future__ import annotations

from typing import List, Set

import libcst as cst

from ..registry import Rule, Triggers
from ..screening import AWAIT_IN_FOR
from ._concurrency import code, local_nodes, received_from, terminal

# Awaited methods whose order matters or that touch shared state: streams, queues, locks,
# connections, sleeps. A loop awaiting one of these is sequential on purpose.
_STATEFUL = frozenset(
    {
        "acquire",
        "release",
        "wait",
        "join",
        "put",
        "put_nowait",
        "get_nowait",
        "send",
        "sendall",
        "sendto",
        "send_bytes",
        "send_text",
        "send_json",
        "send_str",
        "send_message",
        "send_all",
        "receive",
        "receive_bytes",
        "receive_text",
        "receive_json",
        "receive_some",
        "recv",
        "read",
        "readline",
        "readexactly",
        "readuntil",
        "readany",
        "write",
        "writelines",
        "drain",
        "flush",
        "close",
        "aclose",
        "sleep",
        "commit",
        "rollback",
        "execute",
        "executemany",
        "executescript",
        "publish",
        "emit",
        "notify",
        "asend",
        "athrow",
        "anext",
        "__anext__",
        "start",
        "stop",
        "shutdown",
        "cancel",
        "connect",
        "wait_closed",
        "checkpoint",
    }
)
# Verbs that start stateful method names: `send_request_start`, `async_close`, `_write_frame`.
_STATEFUL_VERBS = (
    "acquire",
    "release",
    "wait",
    "join",
    "put",
    "send",
    "receive",
    "recv",
    "read",
    "write",
    "drain",
    "flush",
    "close",
    "sleep",
    "commit",
    "rollback",
    "execute",
    "publish",
    "emit",
    "notify",
    "start",
    "stop",
    "shutdown",
    "cancel",
    "connect",
    "disconnect",
    "lock",
    "unlock",
)


def _stateful(name: str) -> bool:
    if name in _STATEFUL:
        return True
    bare = name.lstrip("_")
    if bare.startswith("async_"):
        bare = bare[len("async_") :]
    return any(bare == verb or bare.startswith(verb + "_") for verb in _STATEFUL_VERBS)


# Wrappers whose first argument is the real awaited call.
_WRAPPERS = frozenset({"wait_for", "shield"})


def _names_read(node: cst.CSTNode) -> Set[str]:
    return {n.value for n in local_nodes(node) if isinstance(n, cst.Name)}


def _target_names(target: cst.BaseExpression) -> Set[str]:
    out: Set[str] = set()
    stack = [target]
    while stack:
        t = stack.pop()
        if isinstance(t, cst.Name):
            out.add(t.value)
        elif isinstance(t, (cst.Tuple, cst.List)):
            stack.extend(e.value for e in t.elements)
        elif isinstance(t, cst.StarredElement):
            stack.append(t.value)
    return out


def _written(stmt: cst.CSTNode) -> Set[str]:
    """Names a statement binds (assignment targets, for/with targets, walrus, imports...)."""
    out: Set[str] = set()
    for node in local_nodes(stmt):
        if isinstance(node, cst.Assign):
            for t in node.targets:
                out |= _target_names(t.target)
        elif isinstance(node, (cst.AnnAssign, cst.AugAssign, cst.For, cst.CompFor, cst.NamedExpr)):
            out |= _target_names(node.target)
        elif isinstance(node, cst.WithItem) and node.asname is not None:
            out |= _target_names(node.asname.name)
        elif isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            out.add(node.name.value)
    return out


class AwaitInLoop(Rule):
    """
    ## What it does
    Finds a `for` loop in a coroutine whose body awaits a call on each item one at a time,
    where the iterations look independent: `for x in xs: r = await f(x)`. It is conservative
    and stays quiet when the loop body
    - uses a value computed by an earlier iteration (a name read before it is assigned in
      the body, or augmented assignment such as `total += await f(x)`),
    - can stop early (`break`, `return`, `raise`) or has an `else:` clause,
    - awaits something stateful, where order matters: locks, queues, streams, sockets,
      connections (`execute`, `send`, `write`, `read`...), sleeps, or `async with` /
      `async for`,
    - awaits something that does not depend on the loop variable (polling, retries),
    - iterates the program's own collections: only a collection that comes from outside is
      reported, the result of awaiting a call that is not one of the project's own functions
      (`for meter in await api.meters():`), an `async for` over a stream, or what the function
      computes from those. Setting up or tearing down the program's platforms, listeners or
      entities one at a time (attributes, constants, parameters, what its own functions
      return) is usually sequential on purpose, and so is a loop over `reversed(...)` or
      `sorted(...)`,
    - asks each item of the object the collection came from (`zones = await
      russ.enumerate_zones()`, then `await russ.watch_zone(zone)`: one connection answers
      in turn), or awaits only for the item an equality test picks (a search).

    Off by default: enable it by naming it (`--select AW403`).

    ## Why is this bad?
    Each iteration waits for the previous one to finish, so N independent requests take N
    round trips instead of one. This is the most common reason async code is no faster than
    the sync code it replaced.

    ## Example
    ```python
    async def load(client, directory):
        users = []
        for user_id in await directory.list_user_ids():
            users.append(await client.get_user(user_id))
        return users
    ```

    ## Use instead
    ```python
    async def load(client, directory):
        ids = await directory.list_user_ids()
        return await asyncio.gather(*[client.get_user(user_id) for user_id in ids])
    ```
    (or a `TaskGroup`; bound large collections with a semaphore, see AW402).

    ## Fix safety
    No fix: running the iterations concurrently changes the order of their side effects and
    the load on whatever they call; that is a decision for the author.
    """

    code = "AW403"
    body_local = True
    name = "await-in-loop"
    summary = "independent awaits in a loop run one by one"
    default_enabled = False
    uses_project = True  # is an awaited call one of the project's own functions?
    fix = None
    tokens = frozenset({"for"})

    @classmethod
    def triggers(cls, settings):
        return Triggers(kinds=frozenset({AWAIT_IN_FOR}))

    def visit_For(self, node: cst.For) -> None:
        if node.asynchronous is not None or not self.ctx.in_async or node.orelse is not None:
            return
        loop_names = _target_names(node.target)
        if not loop_names:
            return
        awaits: List[cst.Await] = []
        for inner in local_nodes(node.body):
            if isinstance(
                inner,
                (cst.Break, cst.Return, cst.Raise, cst.Yield, cst.FunctionDef, cst.ClassDef, cst.Global, cst.Nonlocal),
            ):
                return
            if isinstance(inner, (cst.With, cst.For, cst.CompFor)) and inner.asynchronous is not None:
                return
            if isinstance(inner, cst.Await):
                awaits.append(inner)
        if not awaits or self._loop_carried(node, loop_names):
            return
        if _ordered(node.iter):
            return  # an order the loop keeps on purpose
        sources = received_from(self.ctx, node.iter, self.__dict__.setdefault("_received", {}))
        if sources is None:
            return  # the program's own collection
        derived = self._derived_names(node, loop_names)
        for aw in awaits:
            if not self._independent_call(aw, derived):
                return
            if self._asks_the_source(aw, sources) or self._searches(node, aw, derived):
                return
        self.report(
            awaits[0],
            "`await` in a loop runs the iterations one at a time, and they look independent; "
            "run them concurrently with `asyncio.gather(...)` or a TaskGroup",
        )

    def _independent_call(self, aw: cst.Await, derived: Set[str]) -> bool:
        call = aw.expression
        if not isinstance(call, cst.Call):
            return False  # awaiting a task or future that already runs
        while terminal(call.func) in _WRAPPERS:
            first = call.args[0].value if call.args and not call.args[0].star else None
            if not isinstance(first, cst.Call):
                return False
            call = first
        name = terminal(call.func)
        if name is None or _stateful(name):
            return False
        return bool(_names_read(call) & derived)

    def _asks_the_source(self, aw: cst.Await, sources) -> bool:
        """Is each item asked of the object the collection came from (`zones = await
        russ.enumerate_zones()`, then `await russ.watch_zone(zone)`)? One connection or
        device then answers the requests in turn; running them together gains nothing."""
        call = aw.expression
        func = call.func if isinstance(call, cst.Call) else None
        return isinstance(func, cst.Attribute) and code(self.ctx, func.value) in sources

    def _searches(self, loop: cst.For, aw: cst.Await, derived: Set[str]) -> bool:
        """Is the await under an `if` of the loop body that picks items by equality
        (`if inst.get_id() == wanted:`): a search that awaits for the one it finds."""
        stack: List[cst.CSTNode] = [loop.body]
        while stack:
            n = stack.pop()
            if isinstance(n, cst.If) and any(a is aw for a in local_nodes(n.body)):
                tests = [c for c in local_nodes(n.test) if isinstance(c, cst.Comparison)]
                if (
                    any(isinstance(t.operator, (cst.Equal, cst.Is)) for c in tests for t in c.comparisons)
                    and _names_read(n.test) & derived
                ):
                    return True
            stack.extend(n.children)
        return False

    def _derived_names(self, loop: cst.For, loop_names: Set[str]) -> Set[str]:
        """The loop variables and names the body computes from them before awaiting."""
        derived = set(loop_names)
        for stmt in _body_statements(loop.body):
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, (cst.Assign, cst.AnnAssign)) and small.value is not None:
                        if _names_read(small.value) & derived and not any(
                            isinstance(n, cst.Await) for n in local_nodes(small.value)
                        ):
                            derived |= _written(small)
        return derived

    def _loop_carried(self, loop: cst.For, loop_names: Set[str]) -> bool:
        """Does an iteration read a name that an earlier iteration assigned?"""
        written_anywhere: Set[str] = set()
        stmts = _body_statements(loop.body)
        for stmt in stmts:
            for node in local_nodes(stmt):
                if isinstance(node, cst.AugAssign):
                    return True
            written_anywhere |= _written(stmt)
        written_anywhere -= loop_names
        seen: Set[str] = set()
        for stmt in stmts:
            reads = self._reads(stmt)
            if (reads & written_anywhere) - seen:
                return True
            seen |= _written(stmt)
        return False

    def _reads(self, stmt: cst.CSTNode) -> Set[str]:
        """Names a statement reads (for a plain assignment, its value; otherwise every name it
        mentions, which may over-count and only makes the rule quieter)."""
        if isinstance(stmt, cst.SimpleStatementLine):
            out: Set[str] = set()
            for small in stmt.body:
                if isinstance(small, cst.Assign):
                    out |= _names_read(small.value)
                    for t in small.targets:
                        if not isinstance(t.target, (cst.Name, cst.Tuple, cst.List)):
                            out |= _names_read(t.target)
                elif isinstance(small, cst.AnnAssign):
                    if small.value is not None:
                        out |= _names_read(small.value)
                else:
                    out |= _names_read(small)
            return out
        return _names_read(stmt)


def _ordered(iterable) -> bool:
    """`reversed(...)` / `sorted(...)`: the loop keeps an order (cleanup in reverse)."""
    return (
        isinstance(iterable, cst.Call)
        and isinstance(iterable.func, cst.Name)
        and iterable.func.value in ("reversed", "sorted")
    )


def _body_statements(body) -> List[cst.CSTNode]:
    if isinstance(body, cst.SimpleStatementSuite):
        return [cst.SimpleStatementLine(body=body.body)]
    return list(body.body)
