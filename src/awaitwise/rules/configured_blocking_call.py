"""AW109 configured-blocking-call."""

from __future__ import annotations

from typing import Dict, Optional

from ._blocking import BlockingCallRule, Matcher, _terminal, user_catalog

_MATCHERS: Dict[tuple, Matcher] = {}


def _matcher_for(settings) -> Matcher:
    key = tuple(settings.blocking_calls)
    found = _MATCHERS.get(key)
    if found is None:
        found = _MATCHERS[key] = Matcher(user_catalog(settings))
    return found


class ConfiguredBlockingCall(BlockingCallRule):
    """
    ## What it does
    Finds calls, inside an `async def` body, of the functions and methods the project lists as
    blocking in its configuration:

    ```toml
    [tool.awaitwise.blocking-calls]
    "mylib.fetch" = "use mylib.afetch"
    "mylib.Client().query" = "use mylib.AsyncClient"
    ```

    Names are qualified names as awaitwise resolves them: a function of the project
    (`myproject.storage.load`), a method of an instance (`mylib.Client().query`), and `*` for
    one or more attribute segments (`mylib.connect().*.fetch`). The diagnostic shows the advice
    written next to the name.

    ## Why is this bad?
    Every project has its own slow calls: an SDK without an async API, a legacy helper that
    hits the database. Called from a coroutine, they stall the event loop like any other
    blocking call.

    ## Example
    ```python
    async def sync_orders():
        orders = mylib.fetch("/orders")
    ```

    ## Use instead
    ```python
    async def sync_orders():
        orders = await mylib.afetch("/orders")
    ```

    ## Fix safety
    Unsafe. The fix moves the call into a worker thread with `await asyncio.to_thread(...)`
    (`trio.to_thread.run_sync` / `anyio.to_thread.run_sync` in modules that use those
    libraries): the loop stays free, but the call now runs concurrently with other tasks. No fix
    is offered where the call is a `with` item, on Python targets before 3.9, or inside a
    generator expression.

    One finding, and at most one offload, per blocking expression. In a chain of blocking calls
    (`mylib.connect().fetch()`) only the outermost call is reported, and without a fix:
    `to_thread` would get a bound method made by the inner call, which would still run on the
    loop. A lambda running the whole chain in the thread would work, but it moves the evaluation
    of every argument into the thread and cannot hold an `await`; the message asks for a sync
    function instead, which a reviewer can read and test. A call that returns an object with
    blocking methods of its own (`mylib.connect()`) gets no fix either where it is handed to
    another call (`parse(mylib.connect())`), which goes on using that object on the loop. A call
    awaited by mistake (`await mylib.fetch(url)`) keeps its one `await`.
    """

    code = "AW109"
    name = "configured-blocking-call"
    summary = "calls listed by the user in config (blocking-calls)"
    fix = "unsafe"

    def matcher(self) -> Matcher:
        return _matcher_for(self.ctx.settings)

    @classmethod
    def catalog_matcher(cls, settings) -> Optional[Matcher]:
        return _matcher_for(settings) if settings.blocking_calls else None

    @classmethod
    def screen_tokens(cls, settings) -> Optional[frozenset]:
        # The last segment of a call's qualified name is always written in the file (the
        # called attribute, the imported or defined name), while the module's top-level name is
        # not (a project module calling a sibling through a relative import). A pattern that
        # ends in `*` matches any attribute call, so it is screened by its first segment, and the
        # rule only reports it where that word is written.
        words = set()
        for name, _ in settings.blocking_calls:
            last = _terminal(name)
            words.add(name.split(".", 1)[0] if last == "*" else last)
        return frozenset(words)

    def message(self, qualname: str, advice: str) -> str:
        shown = qualname.replace("builtins.", "")
        call = shown if shown.endswith(")") else shown + "()"
        return f"`{call}` is configured as blocking; {advice}"
