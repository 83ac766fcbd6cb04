"""The call graph of the project's sync functions and which of them block (AW110).

Built from the project index (`awaitwise.project`): for every sync function and method, the
calls its body executes (`FileFacts.calls`, extracted with `ast`), resolved through imports,
aliases, relative imports, `self`/`cls` and base classes. A call blocks when its name is in the
catalog of one of the blocking-call rules and that rule's argument/receiver/laziness tests agree
(the decisions of `BlockingCallRule.call_blocks`, shared with the rules themselves).

Which catalogs say "blocks": those of the blocking-call rules that are on by default (AW100–AW107),
AW109's `blocking-calls` from the configuration, and AW108 (CPU-heavy calls) when the run enables
it; a rule the configuration ignores (`ignore = ["AW103"]`) does not count. Selecting only AW110
keeps the default catalogs, so `--select AW110` reports what a full run would.

"Blocks" is then propagated from callee to caller, breadth first, so each function keeps its
shortest chain down to a blocking call; cycles end because a function is reached once. Functions
named in `non-blocking-functions` are cut out of the graph, and chains longer than
`transitive-max-depth` functions are not followed.
"""

from __future__ import annotations

import hashlib
import os
from typing import Dict, FrozenSet, List, NamedTuple, Optional, Tuple, cast

from .analysis.guards import MEMO, describe, evaluate
from .catalogs.coroutines import PRESERVING_DECORATORS
from .rules._blocking_match import UNKNOWN, ArgValue, pick_argument

Node = Tuple[str, str]  # (module, definition path)

# Decorators after which calling the function still runs its body right away. The memoizing ones
# (functools.cache, lru_cache) are not among them: their body runs once per argument values, which
# is a memo (analysis/guards.py), so the calls are not followed.
_CONTEXT_MANAGERS = frozenset({"contextlib.contextmanager"})
_TRANSPARENT_DECORATORS = PRESERVING_DECORATORS | _CONTEXT_MANAGERS
_OPAQUE_ARG = ArgValue(None, False, "", "?")


class Leaf(NamedTuple):
    call: str  # the blocking call as shown: `open()`, `requests.get()`
    code: str  # the rule whose catalog names it
    module: str
    line: int
    # where the module's file is, relative to its site-packages folder, when the leaf is in an
    # installed package (`googleapiclient/discovery.py`); None in the project
    path: Optional[str] = None


class Chain(NamedTuple):
    steps: Tuple[Node, ...]  # the project functions, the called one first
    leaf: Leaf
    # the conditions on the called function's own parameters under which the chain runs (see
    # analysis/guards.py), decided at each call of it
    guard: tuple = ()
    # conditions deeper in the chain that no caller decides: ((function, terms), ...), named in
    # the message
    assumes: tuple = ()


class _Status(NamedTuple):
    nxt: Optional[Node]  # the callee the chain goes on to, None at the function that blocks itself
    leaf: Leaf
    guard: tuple
    assumes: tuple
    # at a function that blocks by calling into an installed package: the package's functions
    # down to the leaf (libraries.Libraries), else ()
    tail: tuple = ()

    @property
    def conditional(self) -> bool:
        return bool(self.guard or self.assumes)


def blocking_rules(settings, registry=None) -> list:
    """The blocking-call rule classes whose catalogs define "blocks" (see the module doc)."""
    from .registry import get_registry
    from .rules._blocking import BlockingCallRule

    registry = registry or get_registry()
    enabled = set(settings.enabled_codes(registry))
    out = []
    for code in sorted(registry.codes):
        rule = registry.get(code)
        if rule is None or not (isinstance(rule, type) and issubclass(rule, BlockingCallRule)):
            continue
        if any(code.startswith(p) for p in settings.ignore):
            continue
        if rule.default_enabled or code in enabled:
            out.append(rule)
    return out


_CONFIG_KEYS: Dict[object, tuple] = {}


def config_key(settings) -> tuple:
    """What of the settings the graph depends on (memoized per settings object)."""
    try:
        return _CONFIG_KEYS[settings]
    except (KeyError, TypeError):
        pass
    key = (
        tuple(settings.blocking_calls),
        tuple(settings.non_blocking_functions),
        settings.transitive_max_depth,
        tuple(r.code for r in blocking_rules(settings)),
    )
    try:
        if len(_CONFIG_KEYS) > 64:
            _CONFIG_KEYS.clear()
        _CONFIG_KEYS[settings] = key
    except TypeError:  # pragma: no cover - unhashable settings
        pass
    return key


def display_name(node: Node) -> str:
    path = node[1].replace(".<locals>", "")
    parts = path.split(".")
    return ".".join(parts[-2:]) if len(parts) > 1 else parts[0]


class BlockingGraph:
    """Which sync project callables block, with the shortest chain of each."""

    def __init__(
        self,
        index,
        settings,
        chains: Optional[Dict[Node, Chain]] = None,
        propagate: bool = True,
        previous: Optional[BlockingGraph] = None,
        changed: FrozenSet[str] = frozenset(),
        keep_parts: bool = False,
    ):
        """`chains`: the chains worked out before (an installed package's summary), so the graph
        only answers questions; `propagate=False`: no function blocks (the async frameworks'
        own packages, whose threads and executors wait on purpose).

        `previous`: the graph of an index that differs from `index` only in the calls and lines of
        the modules `changed` (see ProjectIndex.updated, for an edited file): the direct blocking
        calls and call edges of the other modules are taken from it rather than resolved again,
        when it kept them (`keep_parts`)."""
        self.index = index
        self.settings = settings
        self.max_depth = max(1, int(settings.transitive_max_depth))
        self.rules = [(r, r.catalog_matcher(settings)) for r in blocking_rules(settings)]
        self.rules = [(r, m) for r, m in self.rules if m is not None]
        self._match_memo: Dict[str, list] = {}
        self._node_memo: Dict[Node, object] = {}
        self.libraries = getattr(index, "libraries", None)
        self.cut = self._cut_nodes()
        self.chains: Dict[Node, Chain] = {}
        # module -> (its direct blocking callables, its call edges), for the next graph
        self._parts: Dict[str, tuple] = {}
        self._keep_parts = keep_parts
        if chains is not None:
            self.chains = chains
        elif propagate:
            parts: Dict[str, tuple] = {}
            if previous is not None and previous._parts and previous.cut == self.cut:
                # the same definitions everywhere: the same callables, the same decorators
                self._node_memo.update(previous._node_memo)
                self._match_memo.update(previous._match_memo)
                parts = previous._parts
            self._build(parts, changed)

    # --- resolution of the facts' call targets ------------------------------------------------------
    def _root(self, module: str, first: str):
        index = self.index
        facts = index.modules[module]
        if first in facts.names:
            return index._binding(module, facts.names[first], 0)
        found = index._module_attr(module, first, 0)
        if found is not None:
            return found
        from .records import BUILTIN_NAMES

        return ("external", f"builtins.{first}") if first in BUILTIN_NAMES else None

    def target_ref(self, module: str, target, depth: int = 0):
        """What a CallFact target refers to (see project.ProjectIndex.resolve for the shapes)."""
        if depth > 6:
            return None
        index = self.index
        if isinstance(target, str):
            first, _, rest = target.partition(".")
            calls = 0
            while first.endswith("()"):
                first, calls = first[:-2], calls + 1
            ref = self._root(module, first)
            rest = "()" * calls + ("." + rest if rest else "")
        elif target[0] == "imp":
            _, level, mod, name, rest = target
            ref = index._binding(module, ("import", level, mod, name), 0)
        else:
            _, path, rest = target
            facts = index.modules[module]
            if path in facts.functions:
                ref = ("def", module, path, False)
            elif path in facts.classes:
                ref = ("class", module, path)
            else:
                return None
        head, _, tail = rest.partition(".") if not rest.startswith(".") else ("", "", rest[1:])
        for _ in range(head.count("()")):
            ref = index._call(ref)
        if not tail:
            return ref
        for part in tail.split("."):
            if ref is None:
                return None
            name, calls = part, 0
            while name.endswith("()"):
                name, calls = name[:-2], calls + 1
            nxt = index._attr(ref, name, 0)
            if nxt is None and ref[0] == "instance":
                value = index.modules[ref[1]].attr_values.get(ref[2], {}).get(name)
                if value is not None:
                    nxt = self.target_ref(ref[1], value, depth + 1)
            ref = nxt
            for _ in range(calls):
                ref = index._call(ref)
        return ref

    def node_of(self, ref) -> Optional[Tuple[Node, bool]]:
        """The sync project callable a call of `ref` runs, and whether it is a plain generator
        (whose body runs only as it is iterated): None when there is none, or when a decorator
        may make the call do something else."""
        if ref is None:
            return None
        if ref[0] == "class":
            member = self.index._member(ref[1], ref[2], "__init__", bound=True)
            if member is None or member[0] != "def":
                return None
            ref = member
        if ref[0] != "def":
            return None
        node = (ref[1], ref[2])
        found = self._node_memo.get(node, UNKNOWN)
        if found is UNKNOWN:
            found = self._node_memo[node] = self._node_info(node)
        return cast(Optional[Tuple[Node, bool]], found)

    def _node_info(self, node: Node):
        facts = self.index.modules[node[0]].functions.get(node[1])
        if facts is None or facts.is_async:
            return None
        context_manager = False
        for text in facts.decorators:
            name = self.index._decorator_name(node[0], text) if text else None
            if name is None:
                if text and self._identity_decorator(node[0], text):
                    continue
                return None
            if name not in _TRANSPARENT_DECORATORS:
                return None
            context_manager = context_manager or name in _CONTEXT_MANAGERS
        return (node, facts.is_generator and not context_manager)

    def _identity_decorator(self, module: str, text: str) -> bool:
        ref = self.index.resolve(f"{module}.{text}")
        callee = self.index.callee_of(ref)
        return callee is not None and not callee.facts.is_async and callee.facts.returns == "param"

    def _cut_nodes(self) -> FrozenSet[Node]:
        out = set()
        for name in self.settings.non_blocking_functions:
            ref = self.index.resolve(name)
            if ref is not None and ref[0] == "class":
                ref = self.index._member(ref[1], ref[2], "__init__", bound=True)
            if ref is not None and ref[0] == "def":
                out.add((ref[1], ref[2]))
        return frozenset(out)

    # --- direct blocking calls ----------------------------------------------------------------------
    def matches(self, qualname: str) -> list:
        """[(rule class, catalog key)] of the catalogs naming `qualname`."""
        found = self._match_memo.get(qualname)
        if found is None:
            found = []
            for rule, matcher in self.rules:
                key = matcher.match(qualname)
                if key is not None:
                    found.append((rule, key))
            self._match_memo[qualname] = found
        return found

    def _direct(self, node: Node, calls) -> Optional[tuple]:
        """The first blocking call of a function: (leaf, guard, library tail, assumes), an
        unguarded one if any. A call of a catalog name blocks when its rule's tests agree; a call
        of an installed package's function blocks when the package's summary says so for the
        call's arguments (the chain then goes on into the package: the tail)."""
        module = node[0]
        text_cache: List[str] = []
        best = None  # ((guarded?, line, length of the call shown), leaf, guard, tail, assumes)
        libs = self.libraries
        for call in calls:
            if call.guard == MEMO:
                continue  # runs once, to fill a memo
            if best is not None and not best[0][0] and call.guard:
                continue
            if best is not None and call.line > best[0][1] and (call.guard or not best[0][0]):
                continue
            ref = self.target_ref(module, call.target)
            if ref is None:
                continue
            if ref[0] == "external":
                qualname = ref[1]
            elif ref[0] == "def" and self.settings.blocking_calls:
                qualname = f"{ref[1]}.{ref[2]}"  # a project function listed in `blocking-calls`
            else:
                continue
            found = None
            matched = self.matches(qualname)
            for rule, key in matched:
                if call.caught and not getattr(rule, "non_blocking_errors", frozenset()).isdisjoint(call.caught):
                    continue  # made in non-blocking mode: its failure to wait is caught
                if rule.call_blocks(
                    key, _arguments(call.args), call.receiver, _LazyText(calls, text_cache), call.consumed
                ):
                    shown = qualname.replace("builtins.", "")
                    leaf = Leaf(shown if shown.endswith(")") else shown + "()", rule.code, module, call.line)
                    found = ((bool(call.guard), call.line, len(leaf.call)), leaf, tuple(call.guard), (), ())
                    break
            if found is None and not matched and libs is not None and ref[0] == "external":
                found = self._library_call(node, call, qualname, libs)
            # unguarded first, then the first blocking line; on it, the innermost call (`open()`
            # of `open(p).read()`)
            if found is not None and (best is None or found[0] < best[0]):
                best = found
        return None if best is None else best[1:]

    def _library_call(self, node: Node, call, qualname: str, libs) -> Optional[tuple]:
        """A call of `qualname`, a name in an installed package, as _direct's candidate."""
        found = libs.chain_of(qualname)
        if found is None:
            return None
        graph, ref, lazy, chain = found
        if (lazy and not call.consumed) or len(chain.steps) >= self.max_depth:
            return None
        split = graph.split_call(ref, chain, call.args)
        if split is None:
            return None  # the arguments make the package's function take no blocking path
        chain, undecided, lookup = split
        facts = self.index.modules[node[0]].functions.get(node[1])
        params = {p[0] for p in facts.params} if facts is not None else set()
        guard = tuple(call.guard)
        left = []
        for name, kind in undecided:
            passed = lookup(name)
            if isinstance(passed, str) and passed in params:
                if (passed, kind) not in guard:
                    guard += ((passed, kind),)  # the function passes its own parameter on
            else:
                left.append((name, kind))
        assumes = chain.assumes + (((chain.steps[0], tuple(left)),) if left else ())
        return ((bool(guard), call.line, len(chain.steps[0][1])), chain.leaf, guard, chain.steps, assumes)

    # --- the graph ----------------------------------------------------------------------------------
    def _module_part(self, module: str) -> tuple:
        """((node, status) of each callable of `module` that blocks itself, (callee, (caller,
        call, skips first parameter)) of each call of a project callable it makes)."""
        from .records import calls_of

        blocking: List[tuple] = []
        edges: List[tuple] = []
        for path, calls in calls_of(self.index.modules[module]).items():
            node = (module, path)
            if node in self.cut or self.node_of(("def", module, path, False)) is None:
                continue
            direct = self._direct(node, calls)
            if direct is not None:
                leaf, guard, tail, assumes = direct
                blocking.append((node, _Status(None, leaf, guard, assumes, tail)))
                if not guard and not assumes:
                    continue  # it blocks whatever it is passed: what it calls cannot add to that
            for call in calls:
                if call.guard == MEMO:
                    continue
                ref = self.target_ref(module, call.target)
                found = self.node_of(ref)
                if found is None:
                    continue
                callee, lazy = found
                if callee in self.cut or callee == node or (lazy and not call.consumed):
                    continue
                edges.append((callee, (node, call, self._skips_first(ref, callee))))
        return tuple(blocking), tuple(edges)

    def _build(self, previous_parts: Dict[str, tuple], changed: FrozenSet[str]) -> None:
        # callee -> [(caller, the call, the callee's parameters as the call fills them)]
        callers: Dict[Node, List[tuple]] = {}
        status: Dict[Node, _Status] = {}
        level: List[Node] = []
        for module in sorted(self.index.modules):
            part = previous_parts.get(module) if module not in changed else None
            if part is None:
                part = self._module_part(module)
            if self._keep_parts:
                self._parts[module] = part
            for node, st in part[0]:
                status[node] = st
                level.append(node)
            for callee, edge in part[1]:
                callers.setdefault(callee, []).append(edge)
        depth = 1
        while level and depth < self.max_depth:
            found: Dict[Node, _Status] = {}
            for callee in level:
                done = status[callee]
                for caller, call, skip_first in callers.get(callee, ()):
                    known = status.get(caller)
                    if known is not None and not known.conditional:
                        continue
                    candidate = self._through(caller, call, callee, done, skip_first)
                    if candidate is None or (known is not None and candidate.conditional):
                        continue
                    previous = found.get(caller)
                    if previous is None or (previous.conditional and not candidate.conditional):
                        found[caller] = candidate
            for caller, candidate in found.items():
                status[caller] = candidate
            level = sorted(found)
            depth += 1
        for node, st in status.items():
            steps = [node]
            while (nxt := status[steps[-1]].nxt) is not None and nxt not in steps:
                steps.append(nxt)
            last = status[steps[-1]]
            if last.tail and len(steps) + len(last.tail) > self.max_depth:
                continue  # into an installed package, deeper than the limit
            self.chains[node] = Chain(tuple(steps) + tuple(last.tail), last.leaf, st.guard, st.assumes)

    def _skips_first(self, ref, callee: Node) -> bool:
        """Does a call of `ref` fill the callee's first parameter itself (a bound method, a class's
        `__init__`, a classmethod)?"""
        facts = self.index.modules[callee[0]].functions.get(callee[1])
        decorators = facts.decorators if facts is not None else ()
        if any(d and d.rsplit(".", 1)[-1] == "staticmethod" for d in decorators):
            return False
        if any(d and d.rsplit(".", 1)[-1] == "classmethod" for d in decorators):
            return True
        return ref is not None and (ref[0] == "class" or (ref[0] == "def" and len(ref) > 3 and bool(ref[3])))

    def _through(self, caller: Node, call, callee: Node, done: _Status, skip_first: bool) -> Optional[_Status]:
        """What `caller` gets from calling `callee` (which blocks as `done` says) with `call`:
        None when the call's arguments make the callee's guard fail."""
        assumes = done.assumes
        guard = tuple(call.guard)
        if done.guard:
            facts = self.index.modules[callee[0]].functions.get(callee[1])
            lookup = argument_lookup(call.args, facts.params if facts is not None else (), skip_first)
            caller_facts = self.index.modules[caller[0]].functions.get(caller[1])
            caller_params = frozenset(p[0] for p in caller_facts.params) if caller_facts is not None else frozenset()
            verdict, undecided = evaluate(done.guard, lookup, caller_params)
            if verdict is False:
                return None
            left = []
            for name, kind in undecided:
                passed = lookup(name)
                if isinstance(passed, str) and passed in caller_params:
                    term = (passed, kind)  # the caller passes its own parameter on: its callers decide
                    if term not in guard:
                        guard += (term,)
                else:
                    left.append((name, kind))
            if left:
                assumes = assumes + ((callee, tuple(left)),)
        return _Status(callee, done.leaf, guard, assumes)

    # --- queries ------------------------------------------------------------------------------------
    def chain_for_call(self, ref, chain: Chain, args) -> Optional[Chain]:
        """`chain` as a call of `ref` with `args` (summarised as the index summarises them) takes
        it: None when the arguments make its guard fail, else with the guard's undecided terms
        among the conditions the message names."""
        split = self.split_call(ref, chain, args)
        if split is None:
            return None
        chain, undecided, _lookup = split
        if undecided:
            chain = chain._replace(assumes=chain.assumes + ((chain.steps[0], undecided),))
        return chain

    def split_call(self, ref, chain: Chain, args):
        """(chain without its guard, the guard's terms the arguments leave undecided, the lookup of
        what the call passes for each parameter), or None when the arguments make the guard fail."""
        if not chain.guard:
            return chain, (), lambda name: None
        callee = chain.steps[0]
        facts = self.index.modules[callee[0]].functions.get(callee[1])
        lookup = argument_lookup(args, facts.params if facts is not None else (), self._skips_first(ref, callee))
        verdict, undecided = evaluate(chain.guard, lookup)
        if verdict is False:
            return None
        return chain._replace(guard=()), tuple(undecided), lookup

    def library_chain(self, qualname: str, args, consumed: bool = True) -> Optional[Chain]:
        """The chain of a call of `qualname`, a name in an installed package, with `args`: None
        when the package's summary says it does not block (or not for these arguments)."""
        libs = self.libraries
        if libs is None:
            return None
        found = libs.chain_of(qualname)
        if found is None:
            return None
        graph, ref, lazy, chain = found
        if (lazy and not consumed) or len(chain.steps) > self.max_depth:
            return None
        return graph.chain_for_call(ref, chain, args)

    def has_chains(self) -> bool:
        """Can any call reach a blocking callable (of the project or of an installed package)?"""
        return bool(self.chains) or bool(self.libraries is not None and self.libraries.blocking_names())

    def chain_for_ref(self, ref, consumed: bool = True) -> Optional[Chain]:
        found = self.node_of(ref)
        if found is None or (found[1] and not consumed):
            return None
        return self.chains.get(found[0])

    def names(self) -> Dict[str, Tuple[tuple, ...]]:
        """Every identifier under which a blocking callable can be called (its name, its class's
        name for `__init__`, module-level aliases) -> what a finding at such a call depends on."""
        memo = self.__dict__.get("_names")
        if memo is not None:
            return memo
        out: Dict[str, list] = {}
        for node, chain in self.chains.items():
            name = node[1].rsplit(".", 1)[-1]
            desc = self._describe(node, chain)
            out.setdefault(name, []).append(desc)
            if name == "__init__" and "." in node[1]:
                out.setdefault(node[1].rsplit(".", 2)[-2], []).append(desc)
        libs = self.libraries
        library_names = libs.blocking_names() if libs is not None else frozenset()
        for name in library_names:  # the calls that reach an installed package's blocking callables
            out.setdefault(name, []).append((("<installed>", name), (), "", "", "", 0, (), ()))
        index = self.index
        todo = (
            [
                (m, a, b)
                for m, facts in index.modules.items()
                for a, b in facts.names.items()
                if b[0] in ("import", "alias")
            ]
            if (self.chains or library_names)
            else []
        )
        while todo:  # an alias can only reach a callable under a name already known to
            later = []
            known = len(out)
            for module, alias, binding in todo:
                imported = binding[3] if binding[0] == "import" else (binding[1] or "").rsplit(".", 1)[-1]
                if imported is None:
                    continue  # a module
                if imported not in out:
                    later.append((module, alias, binding))
                    continue
                try:
                    ref = index._module_attr(module, alias, 0)
                except RecursionError:  # pragma: no cover - absurd alias chains
                    continue
                found = self.node_of(ref)
                reached = self.chains.get(found[0]) if found is not None else None
                if found is not None and reached is not None:
                    out.setdefault(alias, []).append(self._describe(found[0], reached))
                elif ref is not None and ref[0] == "external" and libs is not None:
                    lib = libs.chain_of(ref[1])
                    if lib is not None:
                        chain = lib[3]
                        out.setdefault(alias, []).append(
                            (
                                ("<installed>", ref[1]),
                                chain.steps,
                                chain.leaf.call,
                                chain.leaf.code,
                                chain.leaf.path or "",
                                chain.leaf.line,
                                chain.guard,
                                chain.assumes,
                            )
                        )
            todo = later if len(out) > known else []
        memo = self.__dict__["_names"] = {k: tuple(sorted(set(v))) for k, v in out.items()}
        return memo

    def tokens(self) -> FrozenSet[str]:
        memo = self.__dict__.get("_tokens")
        if memo is None:
            memo = self.__dict__["_tokens"] = frozenset(self.names())
        return memo

    def _describe(self, node: Node, chain: Chain) -> tuple:
        leaf = chain.leaf
        return (
            node,
            chain.steps,
            leaf.call,
            leaf.code,
            self.index.paths.get(leaf.module, leaf.module),
            leaf.line,
            chain.guard,
            chain.assumes,
        )

    def digest(self, words: Optional[FrozenSet[str]] = None) -> str:
        """A digest of the chains a file mentioning `words` can reach (all chains when None)."""
        names = self.names()
        if words is None:
            keys = sorted(names)
        else:  # walk the smaller of the two sets
            keys = (
                sorted(k for k in words if k in names)
                if len(words) < len(names)
                else sorted(k for k in names if k in words)
            )
        h = hashlib.sha1()
        for key in keys:
            h.update(repr((key, names[key])).encode("utf-8", "surrogatepass"))
        return h.hexdigest()

    def message(self, called: str, chain: Chain, cwd: Optional[str] = None) -> str:
        shown = []
        boundary = None  # the first function of an installed package: where the chain leaves the project
        for n in chain.steps:
            if boundary is None and n[0] not in self.index.modules:
                boundary = n
                shown.append(full_name(n))
            else:
                shown.append(display_name(n))
        steps = " → ".join(shown)
        leaf = chain.leaf
        path = self.index.paths.get(leaf.module) if leaf.path is None else None
        if leaf.path is not None:
            where = leaf.path
        else:
            where = _shown_path(path, cwd) if path else leaf.module.replace(".", "/") + ".py"
        text = f"{called}() blocks the event loop: {steps} → {leaf.call} ({where}:{leaf.line})"
        conditions = [
            f"{describe(terms)} (in {display_name(node)})"
            for node, terms in chain.assumes + (((chain.steps[0], chain.guard),) if chain.guard else ())
        ]
        if conditions:
            text += "; only when " + " and ".join(conditions)
        if boundary is not None:
            text += f"; the chain leaves the project at {full_name(boundary)}"
            dist = self.libraries.distribution_of(boundary[0]) if self.libraries is not None else None
            if dist is not None:
                text += f" (installed package {dist.name} {dist.version})"
        return text


def full_name(node: Node) -> str:
    """A function of an installed package as its users write it: `pkg.mod.Class.method`."""
    return f"{node[0]}.{node[1]}".replace(".<locals>", "")


def _shown_path(path: str, cwd: Optional[str]) -> str:
    try:
        rel = os.path.relpath(path, cwd) if cwd else os.path.relpath(path)
    except ValueError:
        return path.replace(os.sep, "/")
    return (path if rel.startswith("..") else rel).replace(os.sep, "/")


def _arg_value(text):
    if text is None or text is UNKNOWN:
        return text
    if text == "False":
        return ArgValue(None, True, "False", "False")
    if text.startswith("#"):
        try:
            return ArgValue(float(text[1:]), False, "", text[1:])
        except ValueError:
            return _OPAQUE_ARG
    if text == "?":
        return _OPAQUE_ARG
    return ArgValue(None, False, text if "|" not in text else "", text)


def _arguments(args):
    positional: Tuple[str, ...]
    keywords: Tuple[Tuple[str, str], ...]
    if args is None:
        positional, keywords = (), ()
    else:
        positional, keywords = args
    has_star = "*" in positional or any(k == "**" for k, _ in keywords)
    plain = tuple(a for a in positional if a != "*")
    named = tuple((k, v) for k, v in keywords if k != "**")

    def argument(position: int, keyword: str):
        return _arg_value(pick_argument(plain, named, has_star, position, keyword))

    return argument


class _LazyText:
    """The text of a function's calls (`sock.setblocking(False)`), built when first searched."""

    def __init__(self, calls, holder: list):
        self.calls = calls
        self.holder = holder

    def __contains__(self, needle: str) -> bool:
        if not self.holder:
            parts = []
            for c in self.calls:
                if c.receiver is None:
                    continue
                name = (c.target if isinstance(c.target, str) else c.target[-1]).rsplit(".", 1)[-1]
                args = c.args[0] if c.args else ()
                shown = ", ".join(a[1:] if a.startswith("#") else a for a in args)
                parts.append(f"{c.receiver}.{name}({shown})")
            self.holder.append("\n".join(parts))
        return needle in self.holder[0]


__all__ = ["BlockingGraph", "Chain", "Leaf", "blocking_rules", "config_key", "display_name"]


def argument_lookup(args, params, skip_first: bool):
    """param name -> the summary of what a call with `args` ((positional, keywords) as CallFact
    holds them, or None) passes for it: the argument, the parameter's default when it is not
    given, or None when that cannot be told (`*args`, `**kw`, no default, an unknown name)."""
    positional, keywords = args if args else ((), ())
    names = [p[0] for p in params]

    def lookup(name: str):
        try:
            at = names.index(name)
        except ValueError:
            return None
        _, keyword_only, default = params[at]
        for key, value in keywords:
            if key == name:
                return value
            if key == "**":
                return None
        if not keyword_only:
            position = at - (1 if skip_first else 0)
            if position < 0:
                return None
            for k, value in enumerate(positional):
                if value == "*":
                    return None
                if k == position:
                    return value
        return default

    return lookup
