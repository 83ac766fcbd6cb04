"""The shared shape of the blocking-call rules (AW100–AW109): a call, made in async context, whose
qualified name is in the rule's catalog. Each rule module only names its catalog and fix; the
catalogs themselves are data (awaitwise.catalogs.blocking).

Catalog names may contain `*`, which stands for one or more attribute segments (see the
catalogs module). A name reached through a subscript (`client["shop"].orders.find`) is written
with a `[]` segment, which only a `*` matches.
"""

from __future__ import annotations

import re
from typing import ClassVar, Dict, FrozenSet, List, Optional, Tuple, Union, cast

import libcst as cst

from .. import fixes
from ..registry import Rule, Triggers
from ..screening import LazyTypes
from ._blocking_match import (
    CONSUMERS,
    PASS_THROUGH,
    PIPE_MADE,
    UNKNOWN,
    ArgValue,
    marked_receiver,
    marker_words,
    specs_say_no_wait,
    value_says_no_wait,
)
from ._blocking_match import terminal as _terminal
from ._helpers import await_code, call_args_code, can_add_await, local_nodes, module_ref

_SEGMENTS = r"[^.]+(?:\.[^.]+)*"
# Libraries that bring their own worker-thread helper; used by the fix in modules that use them.
_THREAD_RUNNERS = ("trio", "anyio")
_UNKNOWN = UNKNOWN
_UNSET = object()
_TRY_NODES: LazyTypes[Union[cst.Try, cst.TryStar]] = LazyTypes("Try", "TryStar")


def _screen_word(qualname: str) -> str:
    """The identifier that must appear in a file for this catalog entry to match there: the
    module's top-level name for imports (`requests`), the builtin's name (`open`)."""
    first = qualname.split(".", 1)[0]
    if first == "builtins":
        return qualname.split(".")[1].rstrip("()")
    return first


class Matcher:
    """Looks qualified names up in a catalog: exact names by dict, `*` names by regex.

    `terminals` is the set of last segments a matching name can end with (None when a pattern
    ends in `*`, so any attribute call may match): a cheap pre-check before resolving a name."""

    def __init__(self, catalog: Dict[str, str]):
        self.catalog = catalog
        self._patterns: Optional[List[Tuple[re.Pattern, str]]] = None
        self._terminals: object = _UNSET  # Optional[FrozenSet[str]] once worked out
        self._screen_words: Optional[FrozenSet[str]] = None
        self._handle_keys: Optional[FrozenSet[str]] = None

    # Worked out on first use: a run answered from the cache never matches a name, and doing
    # this for every catalog entry was most of the time it took to load the rules.
    @property
    def patterns(self) -> List[Tuple[re.Pattern, str]]:
        """The `*` entries as regexes."""
        if self._patterns is None:
            self._patterns = [
                (
                    re.compile(
                        "\\.".join(_SEGMENTS if part == "*" else re.escape(part) for part in key.split(".")) + r"\Z"
                    ),
                    key,
                )
                for key in self.catalog
                if "*" in key
            ]
        return self._patterns

    @property
    def terminals(self) -> Optional[FrozenSet[str]]:
        if self._terminals is _UNSET:
            keys = self.catalog
            open_ended = any(key.endswith("*") for key in keys)
            self._terminals = None if open_ended else frozenset(_terminal(key) for key in keys)
        return cast(Optional[FrozenSet[str]], self._terminals)

    @property
    def screen_words(self) -> FrozenSet[str]:
        if self._screen_words is None:
            self._screen_words = frozenset(_screen_word(k) for k in self.catalog)
        return self._screen_words

    @property
    def handle_keys(self) -> FrozenSet[str]:
        """The entries whose result has blocking methods of its own in the catalog
        (`builtins.open`, since `builtins.open().read` is listed): calls that return a handle
        the caller goes on to use."""
        if self._handle_keys is None:
            owners = set()
            for key in self.catalog:
                at = key.find("().")
                while at != -1:
                    owners.add(key[:at])
                    at = key.find("().", at + 1)
            self._handle_keys = frozenset(k for k in self.catalog if k in owners)
        return self._handle_keys

    def match(self, qualname: Optional[str]) -> Optional[str]:
        """The catalog key that names `qualname`, or None."""
        if qualname is None:
            return None
        if qualname in self.catalog and "*" not in qualname:
            return qualname
        for regex, key in self.patterns:
            if regex.match(qualname):
                return key
        return None


_NO_CATALOG = Matcher({})  # what a rule without a catalog under the settings fires on: nothing


class _CatalogWords:
    """The `tokens` of a rule that names none: its catalog's screen words, read from the rule's
    matcher when first asked for."""

    def __get__(self, obj, owner) -> FrozenSet[str]:
        return owner._matcher.screen_words


class BlockingCallRule(Rule):
    """Base class; subclasses set `catalog` ({qualified name: advice}) and `fix`.

    Optional data a subclass may add:
    - `no_fix`: catalog keys reported without a fix;
    - `non_blocking_args`: {key: ((position, keyword, test), ...)}: the call does not block when
      one of these arguments says so (see awaitwise.catalogs.blocking);
    - `receiver_markers`: {key: (text, ...)}: the call does not block when the coroutine also
      calls `<same receiver>.<text>` (`sock.setblocking(False)`), or the call a text with `{}`
      spells with the receiver in it (`wait_readable({})`); for a receiver on `self`
      (`self._sock`), a call in any method of the class counts;
    - `non_blocking_errors`: qualified names of exceptions that, caught by a `try` around the
      call (`except BlockingIOError:`), say the object is in non-blocking mode;
    - `lazy`: keys whose call only builds an iterator: reported only where it is consumed on
      the spot, never fixed;
    - `report_receiver_once`: a method call on an object made by a call this rule reports in the
      same coroutine (`with open(p) as f: f.read()`) is not reported again;
    - `fix_handles`: False when a call that returns a handle (an entry with methods of its own in
      the catalog, see Matcher.handle_keys) gets no fix: with `report_receiver_once` the
      handle's later reads are reported at the call, so offloading the call alone would hide them.

    One finding per blocking expression: a call whose result is the receiver of a method call
    the rule also reports (`open(p).read()`) is left to that outer call. A fix moves one call
    into a worker thread, and is offered only when that is all the blocking there is: not for a
    call whose receiver blocks too (`open(p).read()` would still open on the loop), nor for a
    handle handed to another call (`json.load(open(p))` reads on the loop); the message then
    says why.
    """

    catalog: ClassVar[Dict[str, str]] = {}
    no_fix: ClassVar[FrozenSet[str]] = frozenset()
    non_blocking_args: ClassVar[Dict[str, tuple]] = {}
    receiver_markers: ClassVar[Dict[str, tuple]] = {}
    non_blocking_errors: ClassVar[FrozenSet[str]] = frozenset()
    lazy: ClassVar[FrozenSet[str]] = frozenset()
    report_receiver_once: ClassVar[bool] = False
    fix_handles: ClassVar[bool] = True
    _matcher: ClassVar[Optional[Matcher]] = None
    _marker_words: ClassVar[frozenset]  # set on each class by its first needs_body()
    body_local = True
    # (uses_project stays False: the project index gives types across modules when the run has
    # one, but a run of blocking rules alone does not build it for them)

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if "catalog" in vars(cls):
            cls._matcher = Matcher(cls.catalog)
            if "tokens" not in vars(cls):
                cls.tokens = _CatalogWords()  # type: ignore[assignment]  # a descriptor: reads as a frozenset

    def matcher(self) -> Matcher:
        matcher = self._matcher
        if matcher is None:  # a rule without a catalog of its own overrides this method
            raise TypeError(f"{type(self).__name__} has no catalog")
        return matcher

    @classmethod
    def needs_body(cls, words):
        # `self._sock.setblocking(False)` in `__init__` decides a call in another method
        markers = cls.__dict__.get("_marker_words")
        if markers is None:
            markers = marker_words([m for ms in cls.receiver_markers.values() for m in ms])
            cls._marker_words = markers
        return bool(markers) and not markers.isdisjoint(words)

    @classmethod
    def screen_tokens_with_project(cls, settings, project):
        """The catalog's words, and the names of the project's functions whose return annotation
        names a class of a catalog module (a file can call `make_client().get()` without naming
        httpx)."""
        tokens = cls.screen_tokens(settings)
        matcher = cls.catalog_matcher(settings)
        if tokens is None or matcher is None:
            return tokens
        return tokens | project.typed_function_names(matcher.screen_words)

    @classmethod
    def triggers(cls, settings) -> Optional[Triggers]:
        """A call, in async context, of a callee the catalog names (then the word check of
        `tokens`)."""
        matcher = cls.catalog_matcher(settings)
        return Triggers(calls_in_async=_NO_CATALOG if matcher is None else matcher)

    # --- the same decisions over plain data (AW110's call graph of sync helpers) ---------------
    @classmethod
    def catalog_matcher(cls, settings) -> Optional[Matcher]:
        """The matcher this rule uses under `settings`."""
        return cls._matcher

    @classmethod
    def call_blocks(cls, key: str, argument, receiver: Optional[str], calls_text, consumed: bool) -> bool:
        """Does a call whose name matched catalog `key` block, by the rule's argument, receiver
        and laziness tests? `argument(position, keyword)` gives an argument's ArgValue (None when
        absent, UNKNOWN behind `*args`); `receiver` is the source text of the called object
        (None for a plain name); `calls_text` holds the text of the function's other calls;
        `consumed` says whether the iterator the call returns is consumed on the spot."""
        if specs_say_no_wait(cls.non_blocking_args.get(key), argument):
            return False
        markers = cls.receiver_markers.get(key)
        if markers and receiver is not None and marked_receiver(markers, receiver, calls_text):
            return False
        return key not in cls.lazy or consumed

    # --- matching ----------------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        if not self.ctx.in_async:
            return
        hit = self._hit(node)
        if hit is None:
            return
        key, qualname = hit
        if key in self.lazy and not consumed_here(self.ctx, node):
            return
        matcher = self.matcher()
        if self.report_receiver_once and self._receiver_reported(node.func, matcher):
            return
        if self._reported_by_outer_call():
            return
        fix = note = None
        if key not in self.no_fix and key not in self.lazy and fix_fits_here(self.ctx, node):
            note = self._offload_problem(node, key)
            if note is None:
                fix = self.make_fix(node, qualname)
        elif self.fix is not None and key in matcher.handle_keys and not self.fix_handles:
            note = self._handle_note(node)
        message = self.message(qualname, matcher.catalog[key])
        if note is not None and self.fix is not None:
            message = f"{message}; {note}"
        self.report(node, message, fix)

    def _hit(self, node: cst.Call) -> Optional[Tuple[str, str]]:
        """(catalog key, qualified name) when this call is in the rule's catalog and its
        arguments and receiver do not say it returns at once; None otherwise."""
        matcher = self.matcher()
        func = node.func
        # cheap pre-check on attribute calls; a plain name may be an alias (`sleep as nap`)
        if (
            isinstance(func, cst.Attribute)
            and matcher.terminals is not None
            and func.attr.value not in matcher.terminals
        ):
            return None
        qualname = self.ctx.qualname(func)
        if qualname is None and matcher.patterns:
            qualname = loose_qualname(self.ctx, func, self.ctx.scope)
        key = matcher.match(qualname)
        if key is None:
            return None
        if self.does_not_block(node, key) or self._receiver_marked(func, key) or self._expects_no_wait(node):
            return None
        return key, qualname

    def _expects_no_wait(self, node: cst.Call) -> bool:
        """Is the call in the body of a `try` (of the same function) with a handler for one of
        `non_blocking_errors`? `node` is the call being visited or one of its ancestors."""
        if not self.non_blocking_errors:
            return False
        child = None
        for anc in reversed(self.ctx.stack):
            if isinstance(anc, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                return False
            if child is not None and isinstance(anc, _TRY_NODES.types) and child is anc.body:
                for handler in anc.handlers:
                    if handler.type is None:
                        continue
                    exprs = (
                        [e.value for e in handler.type.elements]
                        if isinstance(handler.type, cst.Tuple)
                        else [handler.type]
                    )
                    if any(self.ctx.qualname(e) in self.non_blocking_errors for e in exprs):
                        return True
            child = anc
        return False

    # --- one finding per blocking expression -------------------------------------------------
    def _reported_by_outer_call(self) -> bool:
        """Is the call being visited the receiver of a method call this rule reports
        (`open(p)` in `open(p).read()`, `sqlite3.connect(db)` in `...execute(q)`)? Both start
        at the same spot: the outer call is reported, once, and its message names the chain."""
        stack = self.ctx.stack
        if len(stack) < 3:
            return False
        node, attr, outer = stack[-1], stack[-2], stack[-3]
        if not (
            isinstance(attr, cst.Attribute)
            and attr.value is node
            and isinstance(outer, cst.Call)
            and outer.func is attr
        ):
            return False
        hit = self._hit(outer)
        if hit is None:
            return False
        if hit[0] in self.lazy and not consumed_here(self.ctx, outer, reversed(stack[:-3])):
            return False  # the outer call only builds an iterator here: it is not reported
        return not (self.report_receiver_once and self._receiver_reported(outer.func, self.matcher()))

    def _offload_problem(self, node: cst.Call, key: str) -> Optional[str]:
        """Why moving only this call into a worker thread would leave blocking work on the
        loop (the text added to the message), or None when the offload is the whole story."""
        if self._receiver_blocks(node.func):
            # `open(p).read()`: the thread would get `open(p).read`, made on the loop by `open(p)`
            return "every call of the chain blocks: run the whole expression in a worker thread"
        if key in self.matcher().handle_keys and (not self.fix_handles or self._passed_on()):
            return self._handle_note(node)
        return None

    def _receiver_blocks(self, func) -> bool:
        """Does the object a method is called on come from a call this rule reports?"""
        expr = func
        for _ in range(32):
            if isinstance(expr, cst.Attribute):
                expr = expr.value
            elif isinstance(expr, cst.Subscript):
                expr = expr.value
            elif isinstance(expr, cst.Call):
                hit = self._hit(expr)
                if hit is not None and hit[0] not in self.lazy:
                    return True
                expr = expr.func
            else:
                return False
        return False

    def _passed_on(self) -> bool:
        """Is the result of the call being visited an argument of another call
        (`json.load(open(p))`), which then uses it on the loop?"""
        parent, grand = self.ctx.parent(), self.ctx.parent(2)
        return isinstance(parent, cst.Arg) and isinstance(grand, cst.Call)

    def _handle_note(self, node: cst.Call) -> str:
        by = ""
        parent, grand = self.ctx.parent(), self.ctx.parent(2)
        if isinstance(parent, cst.Arg) and isinstance(grand, cst.Call):
            name = self.ctx.qualname(grand.func)
            if name:
                shown = name.replace("builtins.", "")
                by = f" (by `{shown if shown.endswith(')') else shown + '()'}`)"
        return f"what it returns is used on the event loop too{by}: do both in one function run in a worker thread"

    def does_not_block(self, node: cst.Call, key: str) -> bool:
        specs = self.non_blocking_args.get(key)
        return specs is not None and any(arg_says_no_wait(self.ctx, node, spec) for spec in specs)

    def _receiver_marked(self, func, key: str) -> bool:
        markers = self.receiver_markers.get(key)
        if not markers or not isinstance(func, cst.Attribute) or self.ctx.function is None:
            return False
        code = self.ctx.module.code_for_node
        receiver = code(func.value)
        function = self.ctx.function
        if marked_receiver(markers, receiver, self._calls_text(function)):
            return True
        # `self._sock`: the class's other methods (`__init__`) may set it up
        scope = self.ctx.scope.function_scope()
        params = list(function.params.posonly_params) + list(function.params.params)
        if scope.class_scope is None or not params or not receiver.startswith(params[0].name.value + "."):
            return False
        return marked_receiver(markers, receiver, self._calls_text(scope.class_scope.node))

    def _calls_text(self, function) -> str:
        """The text of the calls in `function` (a def or a class; nested scopes included), as
        AW110's call graph sees a helper's calls: comments and other code never mark a
        receiver."""
        cache = self.__dict__.setdefault("_calls_texts", {})
        text = cache.get(id(function))
        if text is None:
            code = self.ctx.module.code_for_node
            parts = []
            stack = [function.body]
            while stack:
                node = stack.pop()
                if isinstance(node, cst.Call) and isinstance(node.func, (cst.Attribute, cst.Name)):
                    parts.append(code(node))
                stack.extend(node.children)
            text = cache[id(function)] = "\n".join(parts)
        return text

    def _receiver_reported(self, func, matcher: Matcher) -> bool:
        if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)):
            return False
        binding, where = self.ctx.binding_of(func.value.value)
        if binding is None or binding.kind != "value" or not isinstance(binding.target, cst.Call):
            return False
        if where is None or where is not self.ctx.scope.function_scope():
            return False
        made_by = binding.target
        key = matcher.match(self.ctx.qualname(made_by.func, where))
        return key is not None and not self.does_not_block(made_by, key)

    # --- output ------------------------------------------------------------------------------
    def message(self, qualname: str, advice: str) -> str:
        shown = qualname.replace("builtins.", "")
        call = shown if shown.endswith(")") else shown + "()"
        return f"Blocking call `{call}` in async function; {advice}"

    def make_fix(self, node: cst.Call, qualname: str):
        if self.fix not in ("unsafe", "safe") or not can_add_await(self.ctx):
            return None
        return to_thread_fix(self.ctx, node)


def fix_fits_here(ctx, node: cst.Call) -> bool:
    """False where moving the call into a thread would not help or would change what the code
    does: a `with` item (the result is a context manager entered on the loop) or the iterable
    of a `for` (the iteration, not the call, does the blocking)."""
    parent = ctx.parent()
    if isinstance(parent, cst.WithItem) and parent.item is node:
        return False
    if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is node:
        return False
    return True


_CONSUMERS = CONSUMERS
_PASS_THROUGH = PASS_THROUGH


def consumed_here(ctx, node: cst.Call, ancestors=None) -> bool:
    """Is the iterator this call returns consumed right where it is made: the iterable of a
    `for` or comprehension, or an argument of `list()`/`sorted()`/`next()`... (through
    `enumerate()`/`zip()`/`map()`...)? `ancestors`: those of `node`, nearest first (default: of
    the node being visited)."""
    child: cst.CSTNode = node
    for anc in ctx.ancestors() if ancestors is None else ancestors:
        if isinstance(anc, (cst.For, cst.CompFor)):
            return anc.iter is child
        if (
            isinstance(anc, cst.Assign)
            and anc.value is child
            and len(anc.targets) == 1
            and isinstance(anc.targets[0].target, cst.Name)
        ):
            # `content = self.get_content(p)`, then `for chunk in content:` in the same function
            return _iterated_later(ctx, anc.targets[0].target.value)
        if isinstance(anc, cst.Arg):
            child = anc
            continue
        if isinstance(anc, cst.Call) and isinstance(child, cst.Arg):
            name = ctx.qualname(anc.func) or ""
            if name.startswith("builtins."):
                short = name[len("builtins.") :]
                if short in _CONSUMERS:
                    return True
                if short in _PASS_THROUGH:
                    child = anc
                    continue
            return False
        return False
    return False


def _iterated_later(ctx, name: str) -> bool:
    """Does the function being visited iterate the local `name` on the spot: `for x in name:`,
    a comprehension over it, or `list(name)`-like consumers?"""
    function = ctx.function
    if function is None:
        return False
    for n in local_nodes(function.body):
        if isinstance(n, (cst.For, cst.CompFor)) and isinstance(n.iter, cst.Name) and n.iter.value == name:
            return True
        if (
            isinstance(n, cst.Call)
            and isinstance(n.func, cst.Name)
            and n.func.value in _CONSUMERS
            and any(isinstance(a.value, cst.Name) and a.value.value == name for a in n.args)
            and (ctx.qualname(n.func) or "").startswith("builtins.")
        ):
            return True
    return False


def to_thread_fix(ctx, node: cst.Call):
    """`f(a, b=1)` -> `await asyncio.to_thread(f, a, b=1)` (unsafe: runs in a worker thread).

    In a module that uses trio or anyio the call goes to `trio.to_thread.run_sync` /
    `anyio.to_thread.run_sync`, which take positional arguments only (keywords are bound with
    `functools.partial`)."""
    runner = next((m for m in _THREAD_RUNNERS if ctx.imports_module(m)), None)
    if runner is None and ctx.settings.target < (3, 9):
        return None  # asyncio.to_thread is new in 3.9
    func_code = ctx.module.code_for_node(node.func)
    args = call_args_code(ctx, node)
    if runner is None:
        asyncio_name, imports = module_ref(ctx, "asyncio")
        inner = f"{asyncio_name}.to_thread({func_code}{', ' + args if args else ''})"
        message = "Run the call in a worker thread with `asyncio.to_thread`"
    else:
        ref, imports = module_ref(ctx, runner)
        if any(a.keyword is not None or a.star == "**" for a in node.args):
            partial, more = module_ref(ctx, "functools")
            imports = imports + more
            target = f"{partial}.partial({func_code}, {args})"
        else:
            target = f"{func_code}{', ' + args if args else ''}"
        inner = f"{ref}.to_thread.run_sync({target})"
        message = f"Run the call in a worker thread with `{runner}.to_thread.run_sync`"
    return fixes.fix("unsafe", message, fixes.replace(node, awaited(ctx, node, inner)), imports=imports)


def awaited(ctx, node: cst.Call, inner: str) -> str:
    """The text that replaces `node` with `await <inner>`: just `inner` where the code already
    awaits the call (`await time.sleep(1)`, a bug of its own), so the `await` is reused rather
    than doubled into `await await ...`, which does not parse."""
    parent = ctx.parent()
    if isinstance(parent, cst.Await) and parent.expression is node:
        return inner
    return await_code(ctx, node, inner)


# --- names through subscripts --------------------------------------------------------------------
def loose_qualname(ctx, node, scope, depth: int = 0) -> Optional[str]:
    """Like ctx.qualname, but a subscript becomes a `[]` segment (`client["shop"]` ->
    `pymongo.MongoClient().[]`), also through a local bound to a subscript
    (`db = client["shop"]`). Only catalog patterns with `*` can match such names."""
    if depth > 8:
        return None
    if isinstance(node, cst.Name):
        found = ctx.qualname(node, scope)
        if found is not None:
            return found
        binding, where = ctx.binding_of(node.value, scope)
        if binding is not None and binding.kind == "value" and isinstance(binding.target, cst.Subscript):
            return loose_qualname(ctx, binding.target, where, depth + 1)
        return None
    if isinstance(node, cst.Attribute):
        found = ctx.qualname(node, scope)
        if found is not None:
            return found
        base = loose_qualname(ctx, node.value, scope, depth + 1)
        return f"{base}.{node.attr.value}" if base is not None else None
    if isinstance(node, cst.Subscript):
        base = loose_qualname(ctx, node.value, scope, depth + 1)
        return f"{base}.[]" if base is not None else None
    if isinstance(node, cst.Call):
        found = ctx.qualname(node.func, scope)
        if found is None:
            found = loose_qualname(ctx, node.func, scope, depth + 1)
        return found + "()" if found is not None else None
    return None


# --- "this argument makes the call return at once" -----------------------------------------------
def argument_value(node: cst.Call, position: int, keyword: str):
    positional = [a for a in node.args if a.keyword is None and not a.star]
    for a in node.args:
        if a.keyword is not None and a.keyword.value == keyword:
            return a.value
    if any(a.star for a in node.args):
        return _UNKNOWN  # unknown: `*args` / `**kw` may carry it
    if position < len(positional):
        return positional[position].value
    return None


def arg_says_no_wait(ctx, node: cst.Call, spec) -> bool:
    position, keyword, test = spec
    value = argument_value(node, position, keyword)
    if value is not None and value is not _UNKNOWN:
        value = _arg_value(ctx, value, test)
    return value_says_no_wait(test, value)


def _arg_value(ctx, value, test: str) -> ArgValue:
    """The parts of an argument's value that `test` reads (see _blocking_match)."""
    number = None
    if isinstance(value, (cst.Integer, cst.Float)):
        try:
            number = float(value.value.replace("_", ""))
        except ValueError:
            number = None
    is_false = isinstance(value, cst.Name) and value.value == "False"
    name = (ctx.qualname(value) or "") if test == "nowait-mode" else ""
    if test == "pipe-end":
        name = PIPE_MADE if _unpacked_from_pipe(ctx, value) else ""
    code = ctx.module.code_for_node(value) if test.startswith("mentions:") or test in ("ip-literal", "true") else ""
    return ArgValue(number, is_false, name, code)


def _unpacked_from_pipe(ctx, value) -> bool:
    """Is `value` a name the function being visited binds by `r, w = os.pipe()` (or `pipe2`)?"""
    function = ctx.function
    if not isinstance(value, cst.Name) or function is None:
        return False
    for n in local_nodes(function.body):
        if (
            isinstance(n, cst.Assign)
            and isinstance(n.value, cst.Call)
            and ctx.qualname(n.value.func) in ("os.pipe", "os.pipe2")
        ):
            for t in n.targets:
                if isinstance(t.target, (cst.Tuple, cst.List)) and any(
                    isinstance(e.value, cst.Name) and e.value.value == value.value for e in t.target.elements
                ):
                    return True
    return False


def user_catalog(settings) -> Dict[str, str]:
    return dict(settings.blocking_calls)


__all__ = ["BlockingCallRule", "Matcher", "awaited", "fix_fits_here", "loose_qualname", "to_thread_fix", "user_catalog"]


def constructor_call(ctx, expr, depth: int = 0) -> Optional[cst.Call]:
    """The call that made the object `expr` refers to, when it is visible: `Queue(5)` itself, a
    local bound by `q = Queue(5)` / `with Queue(5) as q`, or `self.q` set to a call in one of the
    class's methods (the same assignments the resolver follows)."""
    if depth > 8:
        return None
    if isinstance(expr, cst.Call):
        return expr
    if isinstance(expr, cst.Name):
        binding, _ = ctx.binding_of(expr.value)
        if binding is not None and binding.kind == "value" and isinstance(binding.target, cst.Call):
            return binding.target
        return None
    if isinstance(expr, cst.Attribute):
        owner = ctx.qualname(expr.value)
        if not owner or not owner.endswith("()"):
            return None
        values = ctx.instance_attribute_values(owner[:-2], expr.attr.value)
        if values is None:
            return None
        calls = [v for v in values if isinstance(v, cst.Call)]
        return calls[0] if len(calls) == 1 and len(values) == 1 else None
    return None
