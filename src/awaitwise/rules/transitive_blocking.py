"""AW110 transitive-blocking."""

from __future__ import annotations

import libcst as cst

from ..registry import Rule
from ._blocking import consumed_here
from ._coroutines import index as project_index


class TransitiveBlocking(Rule):
    """
    ## What it does
    Finds calls, inside an `async def` body, of the project's own sync functions and methods
    that block the event loop somewhere down their call chain: a helper that calls a helper
    that opens a file, however many modules apart. The message shows the shortest chain and
    where the blocking call is:
    `save_report() blocks the event loop: save_report → write_text → open() (shop/util.py:14)`.

    A blocking call is one the blocking-call rules know: the catalogs of AW100–AW107 (on by
    default), the `blocking-calls` of the configuration (AW109), and AW108's CPU-heavy calls
    when the run enables AW108; a rule listed in `ignore` does not count. Helpers are followed
    through imports, aliases, relative imports, `self.`/`cls.` methods, base classes in other
    modules, and constructors (`Store()` runs `Store.__init__`). Not counted: a helper handed as
    a callable to `asyncio.to_thread`, `loop.run_in_executor` or a thread; calls inside a nested
    `def` or `lambda` the helper only defines; the body of a generator that is not iterated on
    the spot (`for chunk in self.get_content(p):`, or a local bound to its call that the
    coroutine iterates, are on the spot); functions behind a decorator that may change what a
    call does. A blocking call written directly in the coroutine is left to AW100–AW109.

    Conditions along the chain count. A call under a condition on the helper's parameters
    (`if host and port:`) is followed only from calls whose arguments can meet it, and the
    message names a condition it cannot decide. A call that only fills a memo is not followed:
    `if not hasattr(self, "_stat"): self._stat = os.stat(p)`, `if key not in cache:` then
    `cache[key] = ...` on a container that outlives the call (an attribute, a module-level
    dict, `hass.data[...]`), `try: return cache[key]` / `except KeyError:` filling it,
    `value = cache.get(key)` / `if value is None:` storing it, an import guarded by
    `sys.modules`, and every call of a function decorated with `functools.cache` / `lru_cache`.
    The first call still blocks once; the rule reports what blocks on every call.

    Chains also go into the installed packages the project imports, read from their source in
    the environment awaitwise finds (`--python PATH` or `python = "..."`, else `$VIRTUAL_ENV`,
    else a `.venv/` or `venv/` folder at the project root, else the interpreter awaitwise runs
    in; the interpreter is never run). The message then says where the chain leaves the project:
    `setup() blocks the event loop: setup → googleapiclient.discovery.build → … → open()
    (googleapiclient/discovery.py:LINE); the chain leaves the project at
    googleapiclient.discovery.build (installed package google-api-python-client 2.x)`.
    A package function counts only along the paths the call can take (the same path conditions
    and memo checks as in project code); the async frameworks' own packages (anyio, trio,
    sniffio, uvloop, aiofiles...) never count. `--verbose` lists the packages summarised; the
    summaries are cached per package version in `~/.cache/awaitwise/libraries/` (or under
    `$XDG_CACHE_HOME`), and `awaitwise clean` deletes them.

    Configuration in `[tool.awaitwise]`:
    - `non-blocking-functions = ["shop.cache.read_local"]`: project functions (or methods,
      `shop.store.Store.load`, or classes, for their `__init__`) declared fast enough to call
      from a coroutine, such as one that only reads a small local file. Chains stop there.
      Functions of installed packages can be named too (`somelib.config.load`).
    - `transitive-max-depth = 8` (the default): the longest chain followed, counted in
      functions (`save_report → write_text` is 2, and each function of an installed package
      counts). Deeper chains are not reported.
    - `python = ".venv"`: the environment whose installed packages are read.

    ## Why is this bad?
    A sync helper runs on the event loop's thread like any other code in the coroutine. When it
    sleeps, reads a file, waits for a subprocess or does a sync HTTP request, every other task
    of the program waits with it. Such calls are rarely written in the coroutine itself: they sit
    in utility modules, behind two or three layers of helpers, where no single-file check sees them.

    ## Example
    ```python
    # shop/util.py
    def write_text(path, text):
        with open(path, "w") as f:
            f.write(text)

    def save_report(report):
        write_text("report.txt", report.render())

    # shop/api.py
    async def finish(report):
        save_report(report)
    ```

    ## Use instead
    ```python
    async def finish(report):
        await asyncio.to_thread(save_report, report)
    ```
    or make the helpers async (`aiofiles`, `anyio.Path`) all the way down.

    ## Fix safety
    No fix: whether to run the whole helper in a worker thread, or to rewrite the chain with
    async I/O, depends on what the helpers share with the rest of the program.
    """

    code = "AW110"
    body_local = True
    name = "transitive-blocking"
    summary = "async context calls a sync function of the project or of an installed package that blocks, at any depth"
    fix = None
    uses_project = True

    @classmethod
    def screen_tokens(cls, settings):
        return None  # without a project index, the file's own helpers are indexed on the spot

    @classmethod
    def screen_tokens_with_project(cls, settings, project):
        # a call reaches a blocking callable under its name, its class's name, or a project alias
        return project.blocking_graph(settings).tokens()

    @classmethod
    def screen_facts(cls, facts, settings, project):
        """Screening: a call in async context whose callee, as the semantic model names it, can
        reach a blocking callable of the project or of an installed package. A callee the model
        resolves to nothing is never reported; where its answer could change once the project
        index is asked, or where the model was not asked, the callee's terminal name decides
        (its name, its class's name, an alias, or a local rebinding)."""
        if not facts.async_calls:
            return False
        if project is None:
            return None
        from ..analysis.triggers import NOTHING, SUBSCRIPTED, UNASKED
        from ..callgraph import config_key
        from ..screening import ANY, project_may_retype

        tokens = cls.screen_tokens_with_project(settings, project)
        rebound = facts.rebound
        answers = facts.async_names
        if answers is None:
            return None if any(t == ANY or t in tokens or t in rebound for t in facts.async_calls) else False
        module = facts.names_module[0] if facts.names_module is not None else ""
        for term, answer in answers:
            if answer == NOTHING or answer == SUBSCRIPTED:
                continue
            if answer == UNASKED or project_may_retype(answer, project, module):
                if term == ANY or term in tokens or term in rebound:
                    return None
                continue
            if project.memo(
                ("AW110 reaches", answer, config_key(settings)),
                lambda q=answer: cls._reaches(q, settings, project),
            ):
                return None
        return False

    @staticmethod
    def _reaches(qualname: str, settings, project) -> bool:
        graph = project.blocking_graph(settings)
        if graph.matches(qualname):
            return False
        ref = project.resolve(qualname)
        if ref is not None and ref[0] == "external" and graph.libraries is not None:
            return not graph.matches(ref[1]) and graph.libraries.chain_of(ref[1]) is not None
        found = graph.node_of(ref)
        return found is not None and graph.chains.get(found[0]) is not None

    _graph = None
    _index = None

    def visit_Call(self, node: cst.Call) -> None:
        ctx = self.ctx
        if not ctx.in_async:
            return
        func = node.func
        if isinstance(func, cst.Attribute):
            name = func.attr.value
        elif isinstance(func, cst.Name):
            name = func.value
        else:
            return
        graph = self._graph
        if graph is None:
            index = self._index = project_index(ctx)
            graph = self._graph = index.blocking_graph(ctx.settings)
        # a method or module attribute is called by its own name (a plain name may be a local alias)
        if not graph.has_chains() or (isinstance(func, cst.Attribute) and name not in graph.tokens()):
            return
        qualname = ctx.qualname(func)
        if qualname is None:
            return
        index = self._index
        if graph.matches(qualname):
            return  # a blocking call of the catalogs (a project function in `blocking-calls`)
        ref = index.resolve(qualname)
        if ref is not None and ref[0] == "external":
            # a function of an installed package: its summary says whether it blocks (a name of
            # the catalogs, behind a project alias, is left to the blocking-call rules)
            if graph.matches(ref[1]):
                return
            chain = graph.library_chain(ref[1], _summarised(node), consumed_here(ctx, node))
            if chain is None:
                return
        else:
            found = graph.node_of(ref)
            if found is None:
                return
            node_key, lazy = found
            chain = graph.chains.get(node_key)
            if chain is None or (lazy and not consumed_here(ctx, node)):
                return
            if chain.guard:  # the helper blocks only when its parameters say so: does this call?
                chain = graph.chain_for_call(ref, chain, _summarised(node))
                if chain is None:
                    return
        called = ctx.module.code_for_node(func)
        if "\n" in called or len(called) > 60:
            called = name
        self.report(node, graph.message(called, chain))


def _summarised(node: cst.Call):
    """The call's arguments summarised as the project index summarises those of the calls it
    records (project._arg_text): (positional, keywords)."""
    positional, keywords = [], []
    for arg in node.args:
        if arg.star == "*":
            positional.append("*")
        elif arg.star == "**":
            keywords.append(("**", "?"))
        elif arg.keyword is not None:
            keywords.append((arg.keyword.value, _summary(arg.value)))
        else:
            positional.append(_summary(arg.value))
    return tuple(positional), tuple(keywords)


def _summary(value) -> str:
    if isinstance(value, cst.Name):
        return value.value
    if isinstance(value, (cst.Integer, cst.Float)):
        try:
            number = float(value.value.replace("_", ""))
        except ValueError:
            return "?"
        return "#" + (repr(int(number)) if number.is_integer() else repr(number))
    if isinstance(value, (cst.SimpleString, cst.ConcatenatedString)):
        text = value.evaluated_value
        if isinstance(text, (str, bytes)):
            return "''" if not text else "'...'"
        return "?"
    if isinstance(value, cst.Attribute):
        parts = []
        while isinstance(value, cst.Attribute):
            parts.append(value.attr.value)
            value = value.value
        if isinstance(value, cst.Name):
            return ".".join([value.value] + parts[::-1])
    return "?"
