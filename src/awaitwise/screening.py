"""Screening facts: what one stdlib `ast` pass over a file says about which rules could fire in it.

The engine parses a file with libcst only when a selected rule could report something there.
Before that, one `ast.parse` (about ten times cheaper than libcst) yields a `ScreenFacts`: plain,
picklable sets of names, mostly the *terminal names* of calls (`fetch` for `self.db.fetch(...)`,
`sleep` for `time.sleep(...)`) grouped by where the call stands (in async context, discarded,
used as a value...). Each rule's `screen_facts` classmethod (see registry.Rule) reads them.

Why terminal names are sound: the qualified name the rules resolve for a callee ends with the
callee's own terminal name, except where the file *renames* something. A renaming is always one
of: `import x as y` / `from m import x as y`, a name bound to a name, attribute or call
(`nap = time.sleep`, `with open(p) as f`), `self.attr = value` in a method (instance attributes
are followed), or the first parameter of a method (`cls()`). Every name bound in such a way,
anywhere in the file, is in `rebound`: a rule that looks for callees ending in T must accept a
call whose terminal is in T or in `rebound`. Renamings in *other* modules of the project are
module-level bindings, which the project index lists (`ProjectIndex.alias_names`).

Async context here is a superset of the engine's `ctx.in_async` (lexically inside an `async
def` body; comprehensions count; nested def/lambda/class bodies do not): the decorators,
defaults and annotations of a def nested in a coroutine count as both async and sync.

A callee or handler type that is not a name, an attribute or a call of one is recorded as "",
which rules treat as "could be anything".

Call targets (the *_attrs fields) go one step further for the rules whose callees are project
names (the coroutine rules, AW110): where the file alone says where a callee's name starts --
`self` in a method of a class of the file, a name that no enclosing function binds (so it is
looked up at module level), a local bound exactly once to a name, attribute or call -- the
callee is written the way the engine writes it (`pkg.mod.Store().update`) and resolved in the
project index while screening, with the same index functions the rules call. Whatever the
engine might resolve differently (an instance attribute assigned in the file, a name declared
global, a module-level name bound more than once) stays a plain terminal name. Bare names
(`fetch()`) never reach a method, so they are matched only against module-level names.

`screen_units_from_tree(tree)` gives the facts of the file and of each of its function bodies
(Unit, for screening by body: partial.py) from a tree parsed elsewhere: the project index parses
every file with `ast` too and keeps both, so one parse feeds the index and the screening
(`screen_for`).
"""

from __future__ import annotations

import ast
import types
from typing import FrozenSet, Generic, List, NamedTuple, Optional, Sequence, Set, Tuple, Type, TypeVar

from .analysis.semantic import CHILD_FIELDS, child_fields
from .analysis.triggers import call_terminal

EMPTY: FrozenSet = frozenset()
ANY = ""  # a callee (or handler type) whose terminal name cannot be told

# Node kinds (ScreenFacts.kinds), by where they stand; "sync" is possibly outside an async def body.
AWAIT_IN_SYNC = "await:sync"
ASYNC_SYNTAX_IN_SYNC = "async-syntax:sync"  # `async for`, `async with`, an async comprehension
AWAIT_IN_FOR = "await-in-for:async"  # a (sync) `for` in async context with an `await` in its body


class ScreenFacts(NamedTuple):
    parsed: bool  # ast accepted the file; when False, nothing below is known (and all is empty)
    has_async: bool = False  # `async def`, `await`, `async for`/`async with` or an async comprehension
    kinds: FrozenSet[str] = EMPTY  # the node kinds found where they stand (AWAIT_IN_SYNC...)
    awaited_calls: FrozenSet[str] = EMPTY  # terminal names of the calls awaited in async context
    async_calls: FrozenSet[str] = EMPTY  # terminal names of calls in async context
    discarded_calls: FrozenSet[str] = EMPTY  # ... of calls whose value is dropped (`f()`, `_ = f()`)
    arg_calls: FrozenSet[Tuple[str, str]] = EMPTY  # (outer, inner) for `outer(..., inner(...), ...)`
    name_args: FrozenSet[Tuple[str, str]] = EMPTY  # (outer, name) for `outer(..., name, ...)` (positional)
    async_handlers: FrozenSet[str] = EMPTY  # terminal names of `except` types in async context; "" = bare
    async_def_names: FrozenSet[str] = EMPTY  # names of every `async def`
    rebound: FrozenSet[str] = EMPTY  # names whose resolved name may end differently (see above)
    # Calls whose value is dropped (as discarded_calls), assigned to a plain name inside a function,
    # or used as a value (tests, operands, f-strings...), each told apart by what the file alone
    # says about its callee (a bare name can never reach a method, and a callee
    # whose name starts at a known place can be resolved in the project index):
    # ("self", class path, instance?, "a.b.meth") for `self.a.b.meth` in a method of a class of
    # this file; ("global", root, "a.meth") for `root.a.meth` (or ("global", f, "") for `f()`)
    # where `root` is looked up at module level; ("name", f) for any other bare name `f()`; the
    # terminal name (a str) for anything else (`x.meth()` on a local, `f()()`, `x[0]()`).
    discarded_attrs: FrozenSet[object] = EMPTY
    assigned_attrs: FrozenSet[object] = EMPTY
    value_attrs: FrozenSet[object] = EMPTY
    async_attrs: FrozenSet[object] = EMPTY  # async_calls again, entries as in discarded_attrs
    module: str = ""  # set when the project index holds this very text (see screen_for)
    # (terminal name, the semantic model's qualified name of the callee) of every call in async
    # context (analysis/triggers.py: "" when the model resolves it to nothing, "?" when it was not
    # asked); None when the model was not asked at all (then only the terminal names above count)
    async_names: Optional[FrozenSet[Tuple[str, str]]] = None
    # the module name and package flag the model resolved those names as ("name", is_package)
    names_module: Optional[Tuple[str, bool]] = None


UNPARSED = ScreenFacts(False)


class Unit(NamedTuple):
    """The body of a module-level function or of a method of a module-level class, as screening
    by function body sees it (see partial.py)."""

    start: int  # first line of the body's first statement (1-based)
    end: int  # last line of the def
    col: int  # the first statement's column, in UTF-8 bytes (ast's col_offset)
    # the body's own calls, awaits and handlers; the file-wide fields (has_async, rebound,
    # async_def_names, module) are the file's
    facts: ScreenFacts
    # the body must stay whatever the rules say: it declares a name global or nonlocal (which
    # changes the module's bindings), or it is a method that stores attributes on its first
    # parameter (`self.x = ...`, which name resolution reads for the class's other methods)
    pinned: bool
    decorated_first: bool  # the first statement is decorated (its lines start above `start`)


def entry_name(entry) -> str:
    """The terminal name of an entry of the *_attrs sets (ANY when it cannot be told): the entry
    itself, the bare name of ("name", f) and ("global", f, ""), or the last segment of a target's
    text."""
    if type(entry) is str:
        return entry
    if entry[0] == "name" or not entry[-1]:
        return entry[1]
    return entry[-1].rsplit(".", 1)[-1]


def screen_units(
    source: str, module_name: str = "", is_package: bool = False
) -> Optional[Tuple[ScreenFacts, Tuple[Unit, ...]]]:
    """The file's facts and those of each function body that screening by function body may
    replace; None when `ast` rejects the file."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return None
    return screen_units_from_tree(tree, module_name, is_package)


def screen_units_from_tree(
    tree: ast.AST, module_name: str = "", is_package: bool = False, model=None
) -> Optional[Tuple[ScreenFacts, Tuple[Unit, ...]]]:
    """screen_units for a tree parsed elsewhere. `model`: the analysis.semantic.SemanticModel of
    this tree under `module_name` (built here when not given)."""
    collector = _Collector()
    try:
        facts = collector.run(tree)
    except RecursionError:  # pragma: no cover - the walk is iterative; kept for safety
        return None
    units = collector.unit_list
    built = False
    if not facts.has_async:  # no `async def`: no call stands in async context, nothing to ask
        where = (module_name, is_package)
        facts = facts._replace(async_names=EMPTY, names_module=where)
        units = [u._replace(facts=u.facts._replace(async_names=EMPTY, names_module=where)) for u in units]
        return facts, tuple(sorted(units, key=lambda u: u.start))
    try:
        if model is None and isinstance(tree, ast.Module):
            from .analysis.semantic import SemanticModel

            model = SemanticModel(tree, module_name, is_package)
            built = True
        if model is not None:
            from .analysis.triggers import async_call_names

            try:
                whole, per_body = async_call_names(model, tree, [u[0] for u in collector.units])
            finally:
                if built:  # nobody else holds it: free it now, the cycle collector may be off
                    model.release()
            where = (module_name, is_package)
            facts = facts._replace(async_names=whole, names_module=where)
            units = [
                u._replace(facts=u.facts._replace(async_names=names, names_module=where))
                for u, names in zip(units, per_body)
            ]
    except RecursionError:  # pragma: no cover - the walks are iterative; resolution is bounded
        pass  # the facts without the model's answers
    return facts, tuple(sorted(units, key=lambda u: u.start))


_FUNC_TYPES = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef})
# the node types _Collector._node looks at (the others are only walked through)
_INTERESTING = frozenset(
    {
        ast.Call,
        ast.Global,
        ast.Nonlocal,
        ast.Await,
        ast.AsyncFor,
        ast.AsyncWith,
        ast.For,
        ast.comprehension,
        ast.ExceptHandler,
        ast.Import,
        ast.ImportFrom,
        ast.Assign,
        ast.AnnAssign,
        ast.NamedExpr,
        ast.withitem,
    }
)
_DISPLAY_TYPES = frozenset({ast.List, ast.Tuple, ast.Set})
_COMPREHENSION_TYPES = frozenset({ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp})
_LEAVES = frozenset({ast.Name, ast.Constant})  # nothing below them, nothing to record
_VALUE_PARENTS = (
    ast.If,
    ast.While,
    ast.IfExp,
    ast.Assert,
    ast.comprehension,
    ast.UnaryOp,
    ast.BoolOp,
    ast.FormattedValue,
    ast.Compare,
    ast.BinOp,
    ast.AugAssign,
    ast.Subscript,
    ast.Attribute,
    ast.Return,
    ast.withitem,
)
_RESOLVABLE = (ast.Call, ast.Name, ast.Attribute)


# What the collector records about the code it walks, as opposed to the file-wide names: with
# units on, each function body that is a Unit gets a set of its own (see _Collector._mark).
_REGION_FIELDS = (
    "kinds",
    "awaited",
    "async_calls",
    "discarded",
    "discarded_attrs",
    "assigned_attrs",
    "value_attrs",
    "async_attrs",
    "arg_calls",
    "name_args",
    "handlers",
    "param_calls",
    "targets",
)


class _Mark:
    """A stack entry of the collector's walk: the start (enter) or the end of a unit's body."""

    __slots__ = ("enter", "unit")

    def __init__(self, enter: bool, unit: int):
        self.enter = enter
        self.unit = unit


class _Collector:
    def __init__(self):
        self.has_async = False
        self._fresh_region()
        self.async_defs = set()
        self.rebound = set()
        self.methods = set()  # ids of defs directly in a class body
        self.declared = set()  # names declared global/nonlocal anywhere
        self.annotated_returns = set()  # names of defs with a return annotation
        # ids of list/tuple/set displays that are expression statements (or elements of one):
        # their elements' values are dropped, as a statement's is
        self.dropped_displays = set()
        # units (screen_units): [def node, its region, pinned, first parameter of a method] of
        # each unit, in the order the walk finds them; the region of the code outside them while
        # one is walked; the classes at module level (their methods are units)
        self.units = []
        self.unit_list: list = []
        self._outer: Optional[tuple] = None
        self._unit = None  # the index of the unit being walked
        self._top_classes = set()

    def _fresh_region(self) -> None:
        self.kinds: Set[str] = set()
        self.awaited: Set[str] = set()
        self.async_calls: Set[str] = set()
        self.discarded: Set[str] = set()
        self.discarded_attrs: Set[object] = set()
        self.assigned_attrs: Set[object] = set()
        self.value_attrs: Set[object] = set()
        self.async_attrs: Set[object] = set()
        self.arg_calls: Set[Tuple[str, str]] = set()
        self.name_args: Set[Tuple[str, str]] = set()
        self.handlers: Set[str] = set()
        self.param_calls: List[tuple] = []
        self.targets: List[tuple] = []  # (call target, its root name), see _target

    def _region(self) -> tuple:
        d = self.__dict__
        return tuple(d[f] for f in _REGION_FIELDS)

    def _use_region(self, region: tuple) -> None:
        self.__dict__.update(zip(_REGION_FIELDS, region))

    def _mark(self, mark: _Mark) -> None:
        if mark.enter:
            self._outer = self._region()
            self._fresh_region()
            self._unit = mark.unit
        else:
            self.units[mark.unit][1] = self._region()
            assert self._outer is not None  # set when the unit was entered
            self._use_region(self._outer)
            self._outer = None
            self._unit = None

    def _unit_of(self, node, parent) -> Optional[int]:
        """The number of a new unit when `node` (a def) is one: a module-level function or a
        method of a module-level class, whose body starts on a line of its own."""
        if type(node) is ast.Lambda or type(node) is ast.ClassDef or not node.body:
            return None
        first = None  # a method's first parameter: the engine follows `<first>.x = ...`
        if type(parent) is not ast.Module:
            if id(parent) not in self._top_classes:
                return None
            params = node.args.posonlyargs + node.args.args
            first = params[0].arg if params else None
        self.units.append([node, None, False, first])
        return len(self.units) - 1

    def _pin(self) -> None:
        if self._unit is not None:
            self.units[self._unit][2] = True

    def _pin_attribute(self, target: ast.Attribute) -> None:
        """`<first parameter>.x = ...` in a method: its class's other methods may resolve `x`."""
        if self._unit is not None:
            first = self.units[self._unit][3]
            if first is not None and type(target.value) is ast.Name and target.value.id == first:
                self.units[self._unit][2] = True

    def _finish_region(self) -> None:
        """What can only be settled once the whole file is walked, for the current region."""
        for item in self.param_calls:  # `global n` / `nonlocal n` (invalid with a parameter n)
            if item[-1] in self.declared:
                self._call(*item[:-1])
        self._settle_targets()

    def _finish_units(self) -> None:
        """Settle each unit's region and keep its facts; then the region outside them; then put
        all of them together as the file's (what one region for the whole file would hold)."""
        outer = self._region()
        # the file-wide fields, complete once the walk is over (settling changes only regions)
        file_wide = (self.has_async, frozenset(self.async_defs), frozenset(self.rebound))
        finished = []
        for node, region, pinned, _ in self.units:
            self._use_region(region)
            self._finish_region()
            first = node.body[0]
            self.unit_list.append(
                Unit(
                    first.lineno,
                    node.end_lineno,
                    first.col_offset,
                    self._facts(file_wide),
                    pinned,
                    bool(getattr(first, "decorator_list", None)),
                )
            )
            finished.append(self._region())
        self._use_region(outer)
        self._finish_region()
        finished.append(self._region())
        merged: list = []
        for i in range(len(_REGION_FIELDS)):
            values = [region[i] for region in finished]
            if isinstance(values[0], set):
                merged.append(set().union(*values))
            elif isinstance(values[0], bool):
                merged.append(any(values))
            else:  # the lists, already settled
                merged.append([])
        self._use_region(tuple(merged))

    def run(self, tree) -> ScreenFacts:
        # (node, parent, maybe_async, maybe_sync, in_function, parameters of the function whose
        # body this is: a call of one never resolves, see _node; the lookup environment, _Env)
        stack = [(tree, None, False, True, False, EMPTY, _MODULE_ENV)]
        pop, push = stack.pop, stack.append
        funcs, interesting, comprehensions, leaves = _FUNC_TYPES, _INTERESTING, _COMPREHENSION_TYPES, _LEAVES
        expr_stmt, displays = ast.Expr, _DISPLAY_TYPES
        fields_of = CHILD_FIELDS
        AST = ast.AST
        while stack:
            item = pop()
            node = item[0]
            t = type(node)
            if t in funcs:
                self._scope(item, push)
                continue
            if t is _Mark:
                self._mark(node)
                continue
            if t in interesting:
                self._node(*item)
            elif t is expr_stmt and type(node.value) in displays:
                self._drop_displays(node.value)
            tail = item[2:]
            if t in comprehensions and item[6].shadow is not None:
                # comprehension targets are local to it: lookups of those names stop there
                names = _comprehension_targets(node)
                env = item[6]._replace(shadow=item[6].shadow | names)
                if env.values and not names.isdisjoint(env.values):
                    env = env._replace(values={k: v for k, v in env.values.items() if k not in names})
                tail = item[2:6] + (env,)
            fields = fields_of.get(t) or child_fields(t)
            for name in fields:
                value = getattr(node, name, None)
                if type(value) is list:
                    for child in value:
                        if isinstance(child, AST) and type(child) not in leaves:
                            push((child, node) + tail)
                elif isinstance(value, AST) and type(value) not in leaves:
                    push((value, node) + tail)
        if self.units:
            self._finish_units()
        else:
            self._finish_region()
        return self._facts()

    def _facts(self, file_wide: Optional[tuple] = None) -> ScreenFacts:
        """The facts of the current region, with the file-wide fields given or read here."""
        has_async, async_defs, rebound = file_wide or (
            self.has_async,
            frozenset(self.async_defs),
            frozenset(self.rebound),
        )
        return ScreenFacts(
            True,
            has_async,
            frozenset(self.kinds),
            frozenset(self.awaited),
            frozenset(self.async_calls),
            frozenset(self.discarded),
            frozenset(self.arg_calls),
            frozenset(self.name_args),
            frozenset(self.handlers),
            async_defs,
            rebound,
            frozenset(self.discarded_attrs),
            frozenset(self.assigned_attrs),
            frozenset(self.value_attrs),
            frozenset(self.async_attrs),
        )

    def _scope(self, item, push):
        node, _, may_async, may_sync, in_func, params, env = item
        is_async = isinstance(node, ast.AsyncFunctionDef)
        if getattr(node, "returns", None) is not None:
            self.annotated_returns.add(node.name)
        if is_async:
            self.has_async = True
            self.async_defs.add(node.name)
        # what is evaluated where the def stands (decorators, defaults, annotations, bases): the
        # engine may see it in either scope, so it counts as both
        head_async, head_sync = may_async or is_async, may_sync or not is_async
        inner_params = EMPTY
        # where names used in the body are looked up (see _Env)
        outer_shadow = env.class_shadow if env.class_path is not _NOT_CLASS else env.shadow
        body: Sequence[ast.AST]
        head: List[ast.AST]
        if isinstance(node, ast.Lambda):
            body = [node.body]
            head = [node.args]
            inner_params = _param_names(node.args, False)
            if params:  # the enclosing function's unknowns it does not rebind (see _node)
                inner_params = inner_params | (params - _lambda_bound(node))
            inner_env = _Env(None if outer_shadow is None else outer_shadow | _all_param_names(node.args))
        elif isinstance(node, ast.ClassDef):
            body = node.body
            head = [*node.decorator_list, *node.bases, *node.keywords]
            if env.class_path is not _NOT_CLASS:  # nested in a class body
                path = None if env.class_path is None else f"{env.class_path}.{node.name}"
            else:  # at module level, or inside a function (then its instances are not followed)
                path = node.name if env is _MODULE_ENV else None
            inner_env = _Env(None, None, path, outer_shadow)
            for stmt in node.body:  # the first parameter of a method resolves to the class
                if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    first = stmt.args.posonlyargs + stmt.args.args
                    if first:
                        self.rebound.add(first[0].arg)
        else:
            body = node.body
            head = [*node.decorator_list, node.args, *([node.returns] if node.returns is not None else [])]
            inner_params = _param_names(node.args, id(node) in self.methods) | _unfollowable_locals(
                body,
                frozenset(
                    a.arg
                    for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs
                    if a.annotation is not None
                ),
            )
            local, values = _local_names(node)
            if params:  # the enclosing function's unknowns it does not rebind (see _node)
                inner_params = inner_params | (params - local)
            self_info = None
            if env.class_path not in (None, _NOT_CLASS):
                first = node.args.posonlyargs + node.args.args
                decorators = {d.id for d in node.decorator_list if isinstance(d, ast.Name)}
                if first and "staticmethod" not in decorators:
                    self_info = (first[0].arg, env.class_path, "classmethod" not in decorators)
            shadow = None if outer_shadow is None else outer_shadow | local
            inner_env = _Env(shadow, self_info, values=values)
        if isinstance(node, ast.ClassDef):
            self.methods.update(id(s) for s in node.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)))
            if type(item[1]) is ast.Module:
                self._top_classes.add(id(node))
        for child in head:
            push((child, node, head_async, head_sync, in_func, params, env))
        unit = self._unit_of(node, item[1])
        if unit is not None:  # the body's own region: entered first, left after its last node
            push((_Mark(False, unit),))
        for child in body:
            push((child, node, is_async, not is_async, not isinstance(node, ast.ClassDef), inner_params, inner_env))
        if unit is not None:
            push((_Mark(True, unit),))

    def _node(self, node, parent, may_async, may_sync, in_func, params, env):
        if isinstance(node, ast.Call):
            root = _root_name(node.func) if params else None
            if root is not None and root in params:
                # `cb()`, `conn.execute()`: the callee hangs on a parameter of the enclosing
                # function or on a local it binds to something not followed (`for conn in ...`,
                # `d = {}`), whose name resolves to nothing (bound more than one way, it is
                # ambiguous, which resolves to nothing too), so no rule can name the callee.
                # The same holds in a def or lambda nested in that function (not through a
                # class body) that does not bind the name itself: lookup reaches the same binding
                self.param_calls.append((node, parent, may_async, in_func, env, root))
            else:
                self._call(node, parent, may_async, in_func, env)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            self.declared.update(node.names)
            self._pin()
        else:
            self._other(node, may_async, may_sync)

    def _call(self, node: ast.Call, parent, may_async, in_func, env):
        name = call_terminal(node.func)
        if may_async:
            self.async_calls.add(name)
            self.async_attrs.add(self._target(node.func, env, name))
        if isinstance(parent, ast.Expr) or id(parent) in self.dropped_displays:
            self.discarded.add(name)
            self.discarded_attrs.add(self._target(node.func, env, name))
        elif isinstance(parent, ast.Assign) and parent.value is node:
            if len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name):
                if parent.targets[0].id == "_":
                    self.discarded.add(name)
                    self.discarded_attrs.add(self._target(node.func, env, name))
                if in_func:
                    self.assigned_attrs.add(self._target(node.func, env, name))
        elif isinstance(parent, ast.AnnAssign) and parent.value is node:
            if in_func and isinstance(parent.target, ast.Name):
                self.assigned_attrs.add(self._target(node.func, env, name))
        elif isinstance(parent, _VALUE_PARENTS):
            self.value_attrs.add(self._target(node.func, env, name))
        for arg in node.args:
            if isinstance(arg, ast.Call):
                self.arg_calls.add((name, call_terminal(arg.func)))
            elif isinstance(arg, (ast.Name, ast.Attribute)):
                self.name_args.add((name, call_terminal(arg)))
        for kw in node.keywords:
            if isinstance(kw.value, ast.Call):
                self.arg_calls.add((name, call_terminal(kw.value.func)))

    def _target(self, func, env, name):
        """What the *_attrs sets record for a call of `func` (terminal name `name`): a call
        target when the file says where the callee's name starts, else ("name", name) for a
        bare name and `name` for anything else."""
        bare = type(func) is ast.Name
        roots: List[str] = []
        found = _expr_target(func, env, 0, roots, follow=not bare)
        if found is None or (found[0][0] == "self" and not found[1]):
            return ("name", name) if bare else name
        head, text = found
        target = head + (text,)
        self.targets.append((target, tuple(roots)))
        return target

    def _settle_targets(self) -> None:
        """A name declared global or nonlocal anywhere is not trusted to be looked up as above:
        its calls fall back to their terminal name."""
        returns = self.annotated_returns  # what their calls give is the annotation's type
        bad = {
            t
            for t, roots in self.targets
            if not self.declared.isdisjoint(roots)
            or (
                returns
                and (not returns.isdisjoint(roots) or not returns.isdisjoint(p.rstrip("()") for p in t[-1].split(".")))
            )
        }
        if bad:
            for field in (self.discarded_attrs, self.assigned_attrs, self.value_attrs, self.async_attrs):
                for t in bad & field:
                    field.discard(t)
                    field.add(entry_name(t) if t[-1] else ("name", t[1]))

    def _drop_displays(self, display) -> None:
        """A display that is an expression statement: it and the displays nested in it are
        dropped, and so are the values of their elements."""
        displays = [display]
        while displays:
            d = displays.pop()
            if type(d) in _DISPLAY_TYPES:
                self.dropped_displays.add(id(d))
                displays.extend(d.elts)

    def _other(self, node, may_async, may_sync):
        if isinstance(node, ast.Await):
            self.has_async = True
            if may_sync:
                self.kinds.add(AWAIT_IN_SYNC)
            if may_async and isinstance(node.value, ast.Call):
                self.awaited.add(call_terminal(node.value.func))
        elif type(node) is ast.For:
            if may_async and AWAIT_IN_FOR not in self.kinds and _holds_await(node.body):
                self.kinds.add(AWAIT_IN_FOR)
        elif isinstance(node, (ast.AsyncFor, ast.AsyncWith)):
            self.has_async = True
            if may_sync:
                self.kinds.add(ASYNC_SYNTAX_IN_SYNC)
        elif isinstance(node, ast.comprehension):
            if node.is_async:
                self.has_async = True
                if may_sync:
                    self.kinds.add(ASYNC_SYNTAX_IN_SYNC)
        elif isinstance(node, ast.ExceptHandler):
            if may_async:
                if node.type is None:
                    self.handlers.add(ANY)
                elif isinstance(node.type, ast.Tuple):
                    self.handlers.update(call_terminal(e) for e in node.type.elts)
                else:
                    self.handlers.add(call_terminal(node.type))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.asname is not None:
                    self.rebound.add(alias.asname)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.NamedExpr)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if node.value is not None:
                for t in targets:
                    self._bind(t)
        elif isinstance(node, ast.withitem):
            if node.optional_vars is not None:
                self._bind(node.optional_vars)

    def _bind(self, target) -> None:
        if isinstance(target, ast.Name):
            self.rebound.add(target.id)
        elif isinstance(target, ast.Attribute):  # `self.x = ...`: followed as an instance attribute
            self.rebound.add(target.attr)
            self._pin_attribute(target)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for el in target.elts:
                self._bind(el)
        elif isinstance(target, ast.Starred):
            self._bind(target.value)


def _holds_await(body) -> bool:
    """Is there an `await` anywhere in these statements (nested scopes included)?"""
    for stmt in body:
        for node in ast.walk(stmt):
            if type(node) is ast.Await:
                return True
    return False


_NOT_CLASS = object()


class _Env(NamedTuple):
    """Where the names of the code being walked are looked up, as far as call targets care.

    shadow: names bound by the enclosing functions (parameters, any assignment, imports, defs,
    loop and `except` targets, comprehension targets...): a name outside it is looked up at
    module level. None where a class body comes first (the lookup is not followed there).
    self_info: (first parameter, class path, instance?) in the body of a method of a class of
    this file that is not nested in a function. class_path/class_shadow: in a class body, the
    class's path (None: not followed) and the shadow its methods start from."""

    shadow: Optional[FrozenSet[str]]
    self_info: Optional[tuple] = None
    class_path: object = _NOT_CLASS  # outside class bodies
    class_shadow: Optional[FrozenSet[str]] = None
    values: Optional[dict] = None  # locals of the function bound once, to a name, attribute or call


_MODULE_ENV = _Env(EMPTY)


def _expr_target(expr, env, depth: int, roots: list, follow: bool = True):
    """(head, text) for a Name/Attribute/Call chain whose start the file tells: head is
    ("self", class path, instance?) or ("global", module-level name); text is what follows, as
    the engine writes it (`.a.meth`, `().meth`). Locals bound once to a name, attribute or call
    are followed (when `follow`); anything else gives None. The names looked up are added to
    `roots`."""
    if depth > 8:
        return None
    t = type(expr)
    if t is ast.Name:
        name = expr.id
        roots.append(name)
        si = env.self_info
        if si is not None and name == si[0]:
            return ("self", si[1], si[2]), ""
        values = env.values
        if follow and values and name in values:
            return _expr_target(values[name], env, depth + 1, roots)
        if env.shadow is not None and name not in env.shadow:
            return ("global", name), ""
        return None
    if t is ast.Attribute:
        found = _expr_target(expr.value, env, depth + 1, roots)
        return None if found is None else (found[0], f"{found[1]}.{expr.attr}")
    if t is ast.Call:
        found = _expr_target(expr.func, env, depth + 1, roots)
        return None if found is None else (found[0], found[1] + "()")
    return None


def evaluated_at_definition(node) -> list:
    """What a def, lambda or class evaluates where it stands, when it is defined: decorators,
    base classes and class keywords, parameter defaults (not annotations)."""
    if type(node) is ast.ClassDef:
        return node.decorator_list + node.bases + [k.value for k in node.keywords]
    defaults = [d for d in node.args.defaults + node.args.kw_defaults if d is not None]
    return defaults if type(node) is ast.Lambda else node.decorator_list + defaults


def _comprehension_targets(node) -> FrozenSet[str]:
    out: Set[str] = set()
    for gen in node.generators:
        _names_in_target(gen.target, out)
    return frozenset(out)


def _all_param_names(args: ast.arguments) -> FrozenSet[str]:
    names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
    names += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
    return frozenset(names)


def _local_names(func):
    """(names, values): every name a def binds in its own scope (over-approximated:
    comprehension targets and names bound in nested defaults or decorators count too),
    parameters included; and those bound exactly once, by `name = <name, attribute or call>`
    (or its annotated form), with that value (the engine follows such a local)."""
    out = set(_all_param_names(func.args))
    counts = dict.fromkeys(out, 1)
    simple = {}
    stack = list(func.body)
    pop, push = stack.pop, stack.append
    fields_of = CHILD_FIELDS
    AST, Name, Load, Constant = ast.AST, ast.Name, ast.Load, ast.Constant
    while stack:
        node = pop()
        t = type(node)
        if t is Name:
            if type(node.ctx) is not Load:
                out.add(node.id)
                counts[node.id] = counts.get(node.id, 0) + 1
            continue
        if t in _BINDING_TYPES:
            if t is ast.Assign or t is ast.AnnAssign:
                # not `x: T = v`, which the semantic model may type by T rather than by v
                target = node.targets[0] if t is ast.Assign and len(node.targets) == 1 else None
                if (
                    type(target) is Name
                    and node.value is not None
                    and type(node.value) in (ast.Call, Name, ast.Attribute)
                ):
                    simple[target.id] = node.value
            elif t in _FUNC_TYPES:
                if t is not ast.Lambda:
                    out.add(node.name)
                    counts[node.name] = 2
                stack.extend(evaluated_at_definition(node))
                continue
            elif t is ast.Import or t is ast.ImportFrom:
                for alias in node.names:
                    out.add(alias.asname or alias.name.split(".")[0])
                    counts[alias.asname or alias.name.split(".")[0]] = 2
            elif t is ast.Global or t is ast.Nonlocal:
                out.update(node.names)
                counts.update(dict.fromkeys(node.names, 2))
            elif t is ast.ExceptHandler:
                if node.name:
                    out.add(node.name)
                    counts[node.name] = 2
            else:  # match captures: `case Point(x=px)`, `case [*rest]`, `case {**rest}`
                name = node.rest if t is _MATCH_MAPPING else node.name
                if name is not None:
                    out.add(name)
                    counts[name] = 2
        # the same loop as in _Collector.run, kept inline: as a helper function returning the
        # children, this walk is measurably slower (tests/benchmarks/README.md)
        fields = fields_of.get(t) or child_fields(t)
        for field in fields:
            value = getattr(node, field, None)
            if type(value) is list:
                for child in value:
                    if isinstance(child, AST) and type(child) is not Constant:
                        push(child)
            elif isinstance(value, AST) and type(value) is not Constant:
                push(value)
    values = {name: value for name, value in simple.items() if counts.get(name) == 1}
    return frozenset(out), values


def _root_name(node) -> Optional[str]:
    """The name a callee expression hangs on: `a.b().c[0].d` -> a (None: not a name)."""
    while True:
        if isinstance(node, ast.Attribute):
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            break
    return node.id if isinstance(node, ast.Name) else None


_FOLLOWED_VALUES = (ast.Call, ast.Name, ast.Attribute, ast.Await)


def _unfollowable_locals(body, annotated_params: FrozenSet[str] = EMPTY) -> FrozenSet[str]:
    """Names that a function's own statements (not those of nested defs, classes, lambdas or
    comprehensions) bind at least once to something name resolution does not follow: a loop or
    `except` target, an unpacking, an augmented assignment, `del`, a match capture, or a value
    that is not a name, attribute, call or await (`d = {}`). The semantic model sees such a
    local as unknown (or, bound more than one way, as ambiguous, which is unknown too), so a
    call that hangs on it resolves to nothing; names declared global or nonlocal are put back by
    the caller. Not among them: an annotated name (the model types it by its annotation), the
    target of a `for` over an annotated name (it may take the element type), and walrus
    targets (left to lookup, which finds the same or a wider answer)."""
    out = set()
    annotated = set(annotated_params)
    loops = []
    stack = list(body)
    while stack:
        stmt = stack.pop()
        t = type(stmt)
        if t is ast.Assign:
            targets = stmt.targets
            if len(targets) == 1 and type(targets[0]) is ast.Name:
                if not isinstance(stmt.value, _FOLLOWED_VALUES):
                    out.add(targets[0].id)
            elif len(targets) == 1:
                _unfollowed_in_unpacking(targets[0], stmt.value, out)
            else:
                for target in targets:
                    _names_in_target(target, out)
        elif t is ast.AnnAssign:
            if type(stmt.target) is ast.Name:  # the semantic model types the name by its annotation
                annotated.add(stmt.target.id)
        elif t is ast.AugAssign:
            _names_in_target(stmt.target, out)
        elif t is ast.Delete:
            for target in stmt.targets:
                _names_in_target(target, out)
        elif t is ast.For or t is ast.AsyncFor:
            if type(stmt.target) is ast.Name and type(stmt.iter) is ast.Name:
                loops.append((stmt.target.id, stmt.iter.id))  # may take an annotated element type
            else:
                _names_in_target(stmt.target, out)
            stack.extend(stmt.body)
            stack.extend(stmt.orelse)
        elif t is ast.With or t is ast.AsyncWith:
            for item in stmt.items:
                v = item.optional_vars
                if v is None:
                    continue
                if type(v) is ast.Name:
                    if not isinstance(item.context_expr, _FOLLOWED_VALUES):
                        out.add(v.id)
                else:
                    _names_in_target(v, out)
            stack.extend(stmt.body)
        elif t is ast.If or t is ast.While:
            stack.extend(stmt.body)
            stack.extend(stmt.orelse)
        elif t in _TRY_TYPES:
            stack.extend(stmt.body)
            stack.extend(stmt.orelse)
            stack.extend(stmt.finalbody)
            for h in stmt.handlers:
                if h.name:
                    out.add(h.name)
                stack.extend(h.body)
        elif t is _MATCH:
            for case in stmt.cases:
                stack.extend(case.body)
                for p in ast.walk(case.pattern):
                    for field in ("name", "rest"):
                        name = getattr(p, field, None)
                        if isinstance(name, str):
                            out.add(name)
    out.update(target for target, iterable in loops if iterable not in annotated)
    return frozenset(out - annotated)


def _unfollowed_in_unpacking(target, value, out: set) -> None:
    """The names of `target = value` that the semantic model does not follow: it pairs a tuple
    or list target with a tuple or list display of the same length (no starred element) element
    by element, as if each were assigned on its own (`p, q = Path(a), Path(b)`); any other
    unpacking binds its names to nothing known."""
    stack = [(target, value)]
    while stack:
        t, v = stack.pop()
        if type(t) is ast.Name:
            if not isinstance(v, _FOLLOWED_VALUES):
                out.add(t.id)
        elif (
            isinstance(t, (ast.Tuple, ast.List))
            and isinstance(v, (ast.Tuple, ast.List))
            and len(t.elts) == len(v.elts)
            and not any(type(e) is ast.Starred for e in t.elts + v.elts)
        ):
            stack.extend(zip(t.elts, v.elts))
        else:
            _names_in_target(t, out)


def _names_in_target(target, out: set) -> None:
    """The plain names an assignment target binds (attributes and subscripts bind none)."""
    stack = [target]
    while stack:
        t = stack.pop()
        if type(t) is ast.Name:
            out.add(t.id)
        elif isinstance(t, (ast.Tuple, ast.List)):
            stack.extend(t.elts)
        elif type(t) is ast.Starred:
            stack.append(t.value)


_TRY_TYPES = tuple(getattr(ast, n) for n in ("Try", "TryStar") if hasattr(ast, n))
_MATCH = getattr(ast, "Match", None)
_MATCH_MAPPING = getattr(ast, "MatchMapping", None)
# the nodes _local_names looks at (besides names), binding something or scoping the walk
_BINDING_TYPES = frozenset(
    {ast.Assign, ast.AnnAssign, ast.Import, ast.ImportFrom, ast.Global, ast.Nonlocal, ast.ExceptHandler}
    | _FUNC_TYPES
    | {getattr(ast, n) for n in ("MatchAs", "MatchStar", "MatchMapping") if hasattr(ast, n)}
)


def _lambda_bound(node: ast.Lambda) -> FrozenSet[str]:
    """Every name a lambda binds in its own scope: its parameters and any walrus target."""
    names = set(_all_param_names(node.args))
    names.update(n.id for n in ast.walk(node.body) if type(n) is ast.Name and type(n.ctx) is not ast.Load)
    return frozenset(names)


def _param_names(args: ast.arguments, method: bool) -> FrozenSet[str]:
    """The parameters of a def or lambda that resolve to nothing: not the first one of a method
    (it resolves to the class), nor an annotated one (the semantic model types it)."""
    names = [a.arg for a in args.posonlyargs + args.args if a.annotation is None]
    if method and (args.posonlyargs + args.args) and (args.posonlyargs + args.args)[0].annotation is None:
        names = names[1:]
    names += [a.arg for a in args.kwonlyargs if a.annotation is None]
    names += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
    return frozenset(names)


# --- helpers for the rules' screen_facts ---------------------------------------------------------


def calls_any(called: FrozenSet[str], names, facts: ScreenFacts) -> bool:
    """Could one of these calls (terminal names) resolve to a callee ending in one of `names`?"""
    if not called:
        return False
    if ANY in called:
        return True
    return not called.isdisjoint(names) or not called.isdisjoint(facts.rebound)


def project_may_retype(answer: str, project, module_name: str) -> bool:
    """Could the qualified name the model gave a callee in the screen be another when the rule
    asks, with the project index connected? Only the result of a call can change: the index
    gives the return annotation of a function of another project module (FileContext connects
    it as the model's external_returns), never of the file's own (`module_name`)."""
    if not answer or project is None:
        return False
    at = answer.find("()")
    while at != -1:
        called = answer[:at]
        if not called.startswith(module_name + ".") and project.has_top_level(called.split(".", 1)[0]):
            return True
        at = answer.find("()", at + 2)
    return False


def calls_named(facts: ScreenFacts, names, project) -> bool:
    """Could a call in async context reach a callee that `names` names? `names` is a catalog
    matcher of qualified names (rules._blocking.Matcher: `match(qualname)`, `terminals`, the
    `patterns` with `*`). Where the semantic model answered (facts.async_names), its qualified
    name decides, as it decides when the rule runs; a callee that nothing resolves is matched
    only by the `*` patterns, and only through a subscript (rules._blocking.loose_qualname).
    Where the answer could change once the project index is asked (a call of a project function
    whose return annotation types the result) or where the model was not asked, the terminal
    names decide, as calls_any does."""
    if not facts.async_calls:
        return False
    terminals = names.terminals
    rebound = facts.rebound
    answers = facts.async_names
    if answers is None:
        return terminals is None or calls_any(facts.async_calls, terminals, facts)
    from .analysis.triggers import NOTHING, SUBSCRIPTED, UNASKED

    module = facts.names_module[0] if facts.names_module is not None else ""

    def by_terminal(term: str) -> bool:
        return terminals is None or term == ANY or term in terminals or term in rebound

    for term, answer in answers:
        if answer == UNASKED or project_may_retype(answer, project, module):
            if by_terminal(term):
                return True
        elif answer == SUBSCRIPTED:
            if names.patterns and by_terminal(term):
                return True
        elif answer != NOTHING:
            if names.match(answer) is not None:
                return True
    return False


def pairs_any(pairs, outer_names, inner_names, facts: ScreenFacts) -> bool:
    """Like calls_any over (outer, inner) pairs: both ends must qualify (`inner_names` None: any)."""
    rebound = facts.rebound
    for outer, inner in pairs:
        if (outer == ANY or outer in outer_names or outer in rebound) and (
            inner_names is None or inner == ANY or inner in inner_names or inner in rebound
        ):
            return True
    return False


# The fields of a unit's facts that are its own (the others are the file's), as stored.
_UNIT_FIELDS = (2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 14, 16)
_ASYNC_NAMES = 16


def pack_units(units: Sequence[Unit]) -> bytes:
    """The units of a file as the project index keeps them: marshal'd plain values, an empty
    field as None (a large file has hundreds of units, mostly empty)."""
    import marshal

    # (the frozensets hold strs and tuples of plain values, which marshal takes; their declared
    # element type, object, is wider)
    return marshal.dumps(
        tuple(
            (u.start, u.end, u.col, u.pinned, u.decorated_first, tuple(u.facts[i] or None for i in _UNIT_FIELDS))  # type: ignore[misc]
            for u in units
        )
    )


def unpack_units(data, facts: ScreenFacts) -> Optional[Tuple[Unit, ...]]:
    """What pack_units made, with the file-wide fields taken from `facts`; None when `data` is
    not that (a damaged record is not trusted)."""
    import marshal

    try:
        rows = marshal.loads(data)
        out = []
        for start, end, col, pinned, decorated, fields in rows:
            values: List[object] = list(facts)
            asked = facts.names_module is not None  # else no unit has the model's answers
            for i, value in zip(_UNIT_FIELDS, fields):
                if i == _ASYNC_NAMES and not asked:
                    value = None
                elif value is None:
                    value = EMPTY
                values[i] = value
            unit_facts = ScreenFacts(*values)  # type: ignore[arg-type]  # its fields are checked below
            if not (
                type(start) is int
                and type(end) is int
                and type(col) is int
                and all(type(unit_facts[i]) is frozenset for i in _UNIT_FIELDS if i != _ASYNC_NAMES or asked)
            ):
                return None
            out.append(Unit(start, end, col, unit_facts, bool(pinned), bool(decorated)))
        return tuple(out)
    except Exception:
        return None


class FileScreen:
    """A file's screening: its facts, and the units of its function bodies, which only
    screening by body reads (from the index, they are unpacked on first use)."""

    __slots__ = ("facts", "_units", "_packed")

    def __init__(self, facts: ScreenFacts, units: Optional[Tuple[Unit, ...]] = None, packed: bytes = b""):
        self.facts = facts
        self._units = units
        self._packed = packed

    def units(self) -> Optional[Tuple[Unit, ...]]:
        if self._units is None and self._packed:
            self._units = unpack_units(self._packed, self.facts)
        return self._units


def screen_for(source: str, project=None, module_name: str = "", is_package: bool = False) -> FileScreen:
    """The screening of `source`: the project index's, when it holds this very text (so the
    file is not parsed twice), else one `ast` pass here for the facts and the units together.
    The model's answers (async_names) are kept only when they were worked out under this
    module name."""
    if project is not None and module_name:
        known = project.modules.get(module_name)
        packed = known.screen if known is not None else None
        if known is not None and packed is not None:
            from .records import source_hash

            found = unpack(packed) if known.source_hash == source_hash(source) else None
            if found is not None:
                if found.names_module != (module_name, is_package):
                    found = found._replace(async_names=None, names_module=None)
                # the index describes this very text: its call targets may be resolved in it
                units = known.units
                return FileScreen(found._replace(module=module_name), None if units else (), units)
    parsed = screen_units(source, module_name, is_package)
    return FileScreen(UNPARSED, ()) if parsed is None else FileScreen(*parsed)


def pack(facts: ScreenFacts) -> bytes:
    """`facts` as the project index keeps them (see project.FileFacts.screen)."""
    from .cache import pack_record

    return pack_record(facts)


def unpack(data) -> Optional[ScreenFacts]:
    """What `pack` made, read like the cache it may come from (only awaitwise's own records and
    plain containers are admitted), or None if it is not that."""
    from .cache import load_record

    return load_record(data, ScreenFacts)


__all__ = [
    "ScreenFacts",
    "UNPARSED",
    "ANY",
    "AWAIT_IN_SYNC",
    "ASYNC_SYNTAX_IN_SYNC",
    "AWAIT_IN_FOR",
    "Unit",
    "FileScreen",
    "screen_units",
    "screen_units_from_tree",
    "screen_for",
    "pack",
    "unpack",
    "pack_units",
    "unpack_units",
    "entry_name",
    "calls_any",
    "calls_named",
    "project_may_retype",
    "pairs_any",
]


# --- start-up: libcst is imported only when a file is really parsed ---------------------------------


def lazy_libcst() -> None:
    """Put a lazily loading `libcst` module in sys.modules (once, unless libcst is already
    imported). Rule modules and the walker keep their plain `import libcst as cst`; importing
    libcst (about half a second) then happens at the first *use* of `cst.<name>` (or the first
    import of a libcst submodule), that is, when a file is parsed: never at start-up, nor for
    `awaitwise rule`. Module-level code must therefore not touch `cst.<name>`: isinstance tuples
    are written as `LazyTypes(...)`, annotations are strings (`from __future__ import annotations`).

    (importlib's LazyLoader does not do here: on Python < 3.12 an `import libcst` statement
    reads the module's `__spec__`, which makes it load at once.)"""
    import sys

    if "libcst" in sys.modules:
        return
    import importlib.util

    try:
        spec = importlib.util.find_spec("libcst")
    except (ImportError, ValueError):
        return
    if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
        return
    module = importlib.util.module_from_spec(spec)
    # without `__path__`, importing a submodule asks __getattr__ for it, which loads the package first
    module.__dict__.pop("__path__", None)
    module.__class__ = _LazyModule
    sys.modules["libcst"] = module


class _LazyModule(types.ModuleType):
    """`libcst` before its first use: `__getattr__` (asked only for names not yet there) runs the
    package's code into this very module object, then answers."""

    def __getattr__(self, name):
        import sys

        spec = self.__dict__["__spec__"]
        self.__class__ = types.ModuleType  # type: ignore[assignment]  # from now on a plain module
        if spec.submodule_search_locations is not None:
            self.__path__ = spec.submodule_search_locations
        try:
            spec.loader.exec_module(self)
        except BaseException:
            sys.modules.pop(spec.name, None)  # a later import tries again, normally
            raise
        return getattr(self, name)


def loaded_libcst():
    """libcst, really imported (for code that forks workers and wants it loaded once, before)."""
    import libcst

    libcst.Module  # noqa: B018 - the first attribute access runs the lazy import
    return libcst


_NodeT = TypeVar("_NodeT")


class LazyTypes(Generic[_NodeT]):
    """A tuple of libcst node types named by their class names, for `isinstance(node, X.types)`,
    resolved on first use (so defining one at module level does not import libcst). Names that
    this libcst lacks (`TryStar` on an old one) are left out. `isinstance(node, X)` works too,
    but a type checker only accepts the tuple. Declare what the types are for the checker:
    `_TRY: LazyTypes[Union[cst.Try, cst.TryStar]] = LazyTypes("Try", "TryStar")`."""

    __slots__ = ("names", "_types")

    def __init__(self, *names: str):
        self.names = names
        self._types: Optional[Tuple[Type[_NodeT], ...]] = None

    @property
    def types(self) -> Tuple[Type[_NodeT], ...]:
        if self._types is None:
            import libcst

            self._types = tuple(getattr(libcst, n) for n in self.names if hasattr(libcst, n))
        return self._types

    def __instancecheck__(self, obj) -> bool:
        return isinstance(obj, self.types)
