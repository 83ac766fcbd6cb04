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
from .rules._blocking_match import UNKNOWN, ArgValue, pick_argument

Node = Tuple[str, str]  # (module, definition path)

# Decorators after which calling the function still runs its body right away.
_TRANSPARENT_DECORATORS = frozenset({
    "builtins.staticmethod", "builtins.classmethod", "abc.abstractmethod", "functools.lru_cache",
    "functools.cache", "typing.override", "typing_extensions.override", "typing.final",
    "typing_extensions.final", "contextlib.contextmanager",
})
_CONTEXT_MANAGERS = frozenset({"contextlib.contextmanager"})
_OPAQUE_ARG = ArgValue(None, False, "", "?")


class Leaf(NamedTuple):
    call: str  # the blocking call as shown: `open()`, `requests.get()`
    code: str  # the rule whose catalog names it
    module: str
    line: int


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
    key = (tuple(settings.blocking_calls), tuple(settings.non_blocking_functions),
           settings.transitive_max_depth, tuple(r.code for r in blocking_rules(settings)))
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

    def __init__(self, index, settings):
        self.index = index
        self.settings = settings
        self.max_depth = max(1, int(settings.transitive_max_depth))
        self.rules = [(r, r.catalog_matcher(settings)) for r in blocking_rules(settings)]
        self.rules = [(r, m) for r, m in self.rules if m is not None]
        self._match_memo: Dict[str, list] = {}
        self._node_memo: Dict[Node, object] = {}
        self.cut = self._cut_nodes()
        self.chains: Dict[Node, Chain] = {}
        self._build()

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

    def _direct(self, module: str, calls) -> Optional[Tuple[Leaf, tuple]]:
        """The first blocking call of a function and its guard: an unguarded one if any."""
        text_cache: List[str] = []
        best = None
        best_guard = ()
        for call in calls:
            if call.guard == MEMO:
                continue  # runs once, to fill a memo
            if best is not None and best_guard == () and call.guard:
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
            if best is not None and call.line > best.line and (call.guard or not best_guard):
                continue
            for rule, key in self.matches(qualname):
                if rule.call_blocks(key, _arguments(call.args), call.receiver,
                                    _LazyText(calls, text_cache), call.consumed):
                    shown = qualname.replace("builtins.", "")
                    leaf = Leaf(shown if shown.endswith(")") else shown + "()", rule.code, module, call.line)
                    # unguarded first, then the first blocking line; on it, the innermost call
                    # (`open()` of `open(p).read()`)
                    if best is None or (bool(call.guard), leaf.line, len(leaf.call)) < \
                            (bool(best_guard), best.line, len(best.call)):
                        best, best_guard = leaf, call.guard
                    break
        return None if best is None else (best, best_guard)

    # --- the graph ----------------------------------------------------------------------------------
    def _build(self) -> None:
        from .records import calls_of

        # callee -> [(caller, the call, the callee's parameters as the call fills them)]
        callers: Dict[Node, List[tuple]] = {}
        status: Dict[Node, _Status] = {}
        level: List[Node] = []
        for module in sorted(self.index.modules):
            facts = self.index.modules[module]
            for path, calls in calls_of(facts).items():
                node = (module, path)
                if node in self.cut or self.node_of(("def", module, path, False)) is None:
                    continue
                direct = self._direct(module, calls)
                if direct is not None:
                    status[node] = _Status(None, direct[0], direct[1], ())
                    level.append(node)
                    if not direct[1]:
                        continue  # it blocks whatever it is passed: what it calls cannot add to that
                for call in calls:
                    if call.guard == MEMO:
                        continue
                    ref = self.target_ref(module, call.target)
                    reached = self.node_of(ref)
                    if reached is None:
                        continue
                    callee, lazy = reached
                    if callee in self.cut or callee == node or (lazy and not call.consumed):
                        continue
                    callers.setdefault(callee, []).append((node, call, self._skips_first(ref, callee)))
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
            self.chains[node] = Chain(tuple(steps), status[steps[-1]].leaf, st.guard, st.assumes)

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
            verdict, undecided = evaluate(done.guard, lookup)
            if verdict is False:
                return None
            caller_facts = self.index.modules[caller[0]].functions.get(caller[1])
            caller_params = {p[0] for p in caller_facts.params} if caller_facts is not None else set()
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
        if not chain.guard:
            return chain
        callee = chain.steps[0]
        facts = self.index.modules[callee[0]].functions.get(callee[1])
        lookup = argument_lookup(args, facts.params if facts is not None else (), self._skips_first(ref, callee))
        verdict, undecided = evaluate(chain.guard, lookup)
        if verdict is False:
            return None
        assumes = chain.assumes + (((callee, undecided),) if undecided else ())
        return chain._replace(guard=(), assumes=assumes)

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
        index = self.index
        todo = [(m, a, b) for m, facts in index.modules.items() for a, b in facts.names.items()
                if b[0] in ("import", "alias")] if self.chains else []
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
        return (node, chain.steps, leaf.call, leaf.code, self.index.paths.get(leaf.module, leaf.module), leaf.line,
                chain.guard, chain.assumes)

    def digest(self, words: Optional[FrozenSet[str]] = None) -> str:
        """A digest of the chains a file mentioning `words` can reach (all chains when None)."""
        names = self.names()
        if words is None:
            keys = sorted(names)
        else:  # walk the smaller of the two sets
            keys = sorted(k for k in words if k in names) if len(words) < len(names) else sorted(
                k for k in names if k in words)
        h = hashlib.sha1()
        for key in keys:
            h.update(repr((key, names[key])).encode("utf-8", "surrogatepass"))
        return h.hexdigest()

    def message(self, called: str, chain: Chain, cwd: Optional[str] = None) -> str:
        steps = " → ".join(display_name(n) for n in chain.steps)
        leaf = chain.leaf
        path = self.index.paths.get(leaf.module)
        where = _shown_path(path, cwd) if path else leaf.module.replace(".", "/") + ".py"
        text = f"{called}() blocks the event loop: {steps} → {leaf.call} ({where}:{leaf.line})"
        conditions = [f"{describe(terms)} (in {display_name(node)})" for node, terms in chain.assumes + (
            ((chain.steps[0], chain.guard),) if chain.guard else ())]
        if conditions:
            text += "; only when " + " and ".join(conditions)
        return text


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
