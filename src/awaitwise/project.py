"""The project-wide index: which callables of the analysed project are coroutine functions, and
what the names a module imports from another project module really are.

It is built before the files are checked, from every Python file of the project around the given
paths, with the stdlib `ast` parser (only definitions, imports, module-level aliases and class
bases are kept; what the names in function bodies refer to is read from the file's semantic
model, analysis/semantic.py, built from the same tree). Everything in it is plain picklable
data, so it can travel to worker processes and be cached per file: `extract(path, source) ->
FileFacts` is a pure function of the source text, and module names (which depend on the folder
layout) are attached when the index is built.

Names are the dotted strings that `FileContext.qualname` produces: `pkg.mod.func`,
`pkg.mod.Class.meth`, an instance method `pkg.mod.Class().meth`, a nested definition
`pkg.mod.outer.<locals>.inner`. `ProjectIndex.resolve` follows them through re-exports
(`from .db import fetch` in `pkg/__init__.py`), aliases, star imports and base classes.
"""

from __future__ import annotations

import ast
import bisect
import hashlib
import os
import re
import sys
from typing import Any, Dict, FrozenSet, Iterable, Iterator, List, NamedTuple, Optional, Sequence, Set, Tuple

from .analysis.semantic import CLASS, MODULE, ModelScope, SemanticModel, Site
from .catalogs.coroutines import PRESERVING_DECORATORS
from .pool import PoolJob, run_pool
from .records import BUILTIN_NAMES, pack_calls, source_hash
from .rules._blocking_match import CONSUMERS, PASS_THROUGH
from .screening import evaluated_at_definition
from .sourcefile import source_lines

FACTS_VERSION = "19"  # bump when FileFacts changes shape (it is part of cache keys)

_WORD = re.compile(r"\w+")
_MAX_DEPTH = 24

# Bases that define nothing a project method could be confused with.
TRANSPARENT_BASES = frozenset(
    {
        "builtins.object",
        "abc.ABC",
        "typing.Generic",
        "typing.Protocol",
        "typing_extensions.Protocol",
    }
)


# ------------------------------------------------------------------------------------------------
# Per-file facts (pure function of the source text)
# ------------------------------------------------------------------------------------------------


class FuncFacts(NamedTuple):
    is_async: bool
    is_generator: bool
    decorators: Tuple[Optional[str], ...]  # dotted text as written, None for anything else
    required: int  # required positional/keyword parameters, `self`/`cls` included
    # "none" (never returns a value), "data" (only obvious non-callables), "param" (returns its
    # first parameter: an identity decorator), "async-wrapper" (returns a coroutine function it
    # defines inside: a decorator that keeps coroutine functions coroutine functions), "unknown"
    returns: str
    line: int
    # the dotted name of the class the return annotation names (`-> httpx.Client`,
    # `-> Optional["Store"]`), as written in its module, or None
    return_type: Optional[str] = None
    # the parameters, for the path conditions of AW110: ((name, keyword-only?, default), ...) with
    # the default summarised as _arg_text does (None when the parameter has none); `*args` and
    # `**kw` are left out
    params: Tuple[Tuple[str, bool, Optional[str]], ...] = ()


class ClassFacts(NamedTuple):
    bases: Tuple[Optional[str], ...]  # dotted text (`Generic[T]` -> `Generic`), None when not a name
    members: Dict[str, tuple]  # name -> ("def", path) | ("class", path) | ("other",)
    line: int
    instance_attrs: set  # names assigned as `self.<name> = ...` in the class's methods


class FileFacts(NamedTuple):
    source_hash: str
    parsed: bool
    # Module-level bindings: name -> ("def", path) | ("class", path) | ("import", level, module,
    # name-or-None) | ("alias", dotted text, `()` allowed) | ("other",) (bound to something else,
    # or bound more than once).
    names: Dict[str, tuple]
    star_imports: Tuple[Tuple[int, str], ...]  # (level, module) of `from m import *`
    all_names: Optional[Tuple[str, ...]]  # a literal `__all__`
    functions: Dict[str, FuncFacts]  # path ("f", "C.m", "f.<locals>.g") -> facts
    classes: Dict[str, ClassFacts]  # path -> facts
    # every identifier-like word in the file (a superset of the names it uses), sorted, one space
    # between: one string rather than a set, which took 96 MB for the benchmark corpus's index
    words: str
    # What the bodies of sync functions execute (AW110's call graph): path -> (CallFact, ...),
    # only for sync functions that make a call worth resolving.
    # Pickled (pack_calls / calls_of): only building the call graph reads them, and as objects
    # the benchmark corpus's took 36 MB of every process.
    calls: object = b""
    # `self.<attr> = <value>` in a class's methods: class path -> {attr: call target or None}
    attr_values: Dict[str, Dict[str, object]] = {}  # noqa: RUF012 - a NamedTuple field; FileFacts are never mutated
    # screening.ScreenFacts from the same ast tree, so the engine does not parse the file again;
    # pickled (screening.pack), since only the file's own check unpacks it: as objects, the
    # benchmark corpus's took 79 MB of every process
    screen: object = None
    # screening.Unit of each function body that screening by body may replace (partial.py),
    # packed (screening.pack_units): only the file's own check reads them
    units: bytes = b""
    # the top-level names of the modules the file imports anywhere (`import a.b`, `from a.b import
    # c` in any scope): which installed packages the project can reach (libraries.py)
    imports: Tuple[str, ...] = ()


def extract(path: str, source_text: str, screen: bool = True) -> FileFacts:
    """The facts of one file. Never raises: a file `ast` cannot parse (newer syntax, errors) gives
    facts with `parsed=False`, which make every name looked up in that module unknown.
    `screen=False` (an installed package's file, which is never linted itself) leaves out the
    words and the screening facts."""
    digest = source_hash(source_text)
    words = " ".join(sorted(set(_WORD.findall(source_text)))) if screen else ""
    try:
        tree = ast.parse(source_text)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return FileFacts(digest, False, {}, (), None, {}, {}, words)
    model = SemanticModel(tree)
    try:
        x = _Extractor(source_text, model)
        x.module(tree)
    except RecursionError:
        return FileFacts(digest, False, {}, (), None, {}, {}, words)
    finally:
        model.release()  # the facts hold none of it; the cycle collector may be off
    facts = FileFacts(
        digest,
        True,
        x.names,
        tuple(x.star_imports),
        x.all_names,
        x.functions,
        x.classes,
        words,
        pack_calls(x.calls),
        x.attr_values,
        imports=tuple(sorted(x.import_tops)),
    )
    if not screen:
        return facts
    from .modules import module_name_for
    from .screening import pack, pack_units, screen_units_from_tree

    screened = screen_units_from_tree(tree, *module_name_for(path))
    if screened is None:  # pragma: no cover - the walk is iterative
        return FileFacts(digest, False, {}, (), None, {}, {}, words)
    screen_facts, units = screened
    return facts._replace(screen=pack(screen_facts), units=pack_units(units) if units else b"")


def _dotted(node) -> Optional[str]:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _alias_text(node) -> Optional[str]:
    """`a.b`, `a.b()` or `A().b` as text for a module-level alias; None for other values."""
    if isinstance(node, ast.Call):
        inner = _alias_text(node.func)
        return inner + "()" if inner is not None else None
    if isinstance(node, ast.Attribute):
        inner = _alias_text(node.value)
        return f"{inner}.{node.attr}" if inner is not None else None
    if isinstance(node, ast.Name):
        return node.id
    return None


_DATA_NODES = (
    ast.Constant,
    ast.JoinedStr,
    ast.List,
    ast.Tuple,
    ast.Dict,
    ast.Set,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
    ast.Compare,
)
_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


class _Extractor:
    def __init__(self, source: str, model: SemanticModel):
        self.model = model
        self.targets = _Targets(model)
        self.names: Dict[str, tuple] = {}
        self.star_imports: List[Tuple[int, str]] = []
        self.all_names: Optional[Tuple[str, ...]] = None
        self.functions: Dict[str, FuncFacts] = {}
        self.classes: Dict[str, ClassFacts] = {}
        self._dup_paths: Set[str] = set()
        self.calls: Dict[str, tuple] = {}
        self.attr_values: Dict[str, Dict[str, object]] = {}
        self.import_tops: set = set()  # top-level names of the absolute imports, in any scope
        self._yield_lines = [i for i, line in enumerate(source_lines(source), 1) if "yield" in line]

    # --- bindings ---------------------------------------------------------------------------------
    @staticmethod
    def _bind(table: Dict[str, tuple], name: str, value: tuple) -> None:
        prev = table.get(name)
        table[name] = value if prev is None or prev == value else ("other",)

    def module(self, tree: ast.Module) -> None:
        self._statements(tree.body, "", self.names)
        self.attr_values = self.targets.attr_values()
        for path in self._dup_paths:
            self.functions.pop(path, None)
            self.classes.pop(path, None)

    def _statements(self, body, prefix: str, table: Optional[Dict[str, tuple]]) -> None:
        """Walk one scope's statements (not into nested scopes' bodies, which get their own call).
        `table` receives the scope's bindings (module and class scopes), None for functions."""
        stack = list(reversed(body))
        while stack:
            stmt = stack.pop()
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self._function(stmt, prefix, table)
            elif isinstance(stmt, ast.ClassDef):
                self._class(stmt, prefix, table)
            elif table is None:
                for child in _child_blocks(stmt):
                    stack.extend(reversed(child))
            elif isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    self.import_tops.add(alias.name.split(".", 1)[0])
                    if alias.asname:
                        self._bind(table, alias.asname, ("import", 0, alias.name, None))
                    else:
                        top = alias.name.split(".")[0]
                        self._bind(table, top, ("import", 0, top, None))
            elif isinstance(stmt, ast.ImportFrom):
                module = stmt.module or ""
                if not stmt.level and module:
                    self.import_tops.add(module.split(".", 1)[0])
                for alias in stmt.names:
                    if alias.name == "*":
                        if table is self.names:
                            self.star_imports.append((stmt.level or 0, module))
                        continue
                    self._bind(table, alias.asname or alias.name, ("import", stmt.level or 0, module, alias.name))
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                value = stmt.value
                if value is None:
                    continue
                text = _alias_text(value) if len(targets) == 1 else None
                for t in targets:
                    if isinstance(t, ast.Name):
                        if t.id == "__all__" and table is self.names:
                            self.all_names = _literal_strings(value)
                        self._bind(table, t.id, ("alias", text) if text is not None else ("other",))
                    else:
                        for name in _target_names(t):
                            self._bind(table, name, ("other",))
            else:
                for name in _bound_names(stmt):
                    self._bind(table, name, ("other",))
                for child in _child_blocks(stmt):
                    stack.extend(reversed(child))

    def _record_path(self, path: str) -> bool:
        if path in self.functions or path in self.classes:
            self._dup_paths.add(path)
            return False
        return True

    def _function(self, node, prefix: str, table) -> None:
        path = prefix + node.name
        decorators = tuple(_dotted(d) for d in node.decorator_list)
        overload = any(d is not None and d.split(".")[-1] == "overload" for d in decorators)
        if overload:
            return  # a typing stub; the implementation that follows decides
        if table is not None:
            self._bind(table, node.name, ("def", path))
        if not self._record_path(path):
            return
        is_async = isinstance(node, ast.AsyncFunctionDef)
        returns: List[Optional[ast.expr]] = []
        owner = self.classes.get(prefix[:-1]) if prefix else None
        self_attrs = None
        if owner is not None and owner.members is table:
            params = list(node.args.posonlyargs) + list(node.args.args)
            if params:
                self_attrs = (params[0].arg, owner.instance_attrs)
        model_scope = self.model.scope_of(node)
        if model_scope is not None:
            scope = _FunctionScope(node, model_scope, self.model, not is_async, self.import_tops)
            if not is_async:
                calls = scope.call_facts(self.targets)
                if calls:
                    self.calls[path] = calls
        self._function_body(node.body, path + ".<locals>.", returns, self_attrs)
        is_generator = self._has_yield(node)
        kind = _returns_kind(returns, is_async, is_generator)
        if kind == "unknown" and returns and all(isinstance(v, ast.Name) for v in returns):
            kind = self._returned_function_kind(node, path, returns)
        self.functions[path] = FuncFacts(
            is_async,
            is_generator,
            decorators,
            _required(node.args),
            kind,
            node.lineno,
            annotation_class(node.returns),
            _params(node.args),
        )

    def _returned_function_kind(self, node, path: str, returns) -> str:
        """'param' when every return gives back the first parameter, 'async-wrapper' when every
        return gives a coroutine function defined in the body, else 'unknown'."""
        params = list(node.args.posonlyargs) + list(node.args.args)
        if params and all(v.id == params[0].arg for v in returns):
            return "param"
        for v in returns:
            inner = self.functions.get(f"{path}.<locals>.{v.id}")
            if inner is None or not inner.is_async or inner.is_generator:
                return "unknown"
        return "async-wrapper"

    def _function_body(self, body, prefix: str, returns: List[Optional[ast.expr]], self_attrs=None) -> None:
        stack = list(reversed(body))
        while stack:
            stmt = stack.pop()
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self._function(stmt, prefix, None)
            elif isinstance(stmt, ast.ClassDef):
                self._class(stmt, prefix, None)
            elif isinstance(stmt, ast.Return):
                returns.append(stmt.value)
            elif self_attrs is not None and isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for t in targets:
                    for el in _flat_targets(t):
                        if (
                            isinstance(el, ast.Attribute)
                            and isinstance(el.value, ast.Name)
                            and el.value.id == self_attrs[0]
                        ):
                            self_attrs[1].add(el.attr)
            else:
                for child in _child_blocks(stmt):
                    stack.extend(reversed(child))

    def _has_yield(self, node) -> bool:
        lines = self._yield_lines
        i = bisect.bisect_left(lines, node.lineno)
        if i >= len(lines) or lines[i] > (node.end_lineno or node.lineno):
            return False
        stack = list(node.body)
        while stack:
            n = stack.pop()
            if isinstance(n, (ast.Yield, ast.YieldFrom)):
                return True
            if isinstance(n, _NESTED):
                continue
            stack.extend(ast.iter_child_nodes(n))
        return False

    def _class(self, node: ast.ClassDef, prefix: str, table) -> None:
        path = prefix + node.name
        if table is not None:
            self._bind(table, node.name, ("class", path))
        if not self._record_path(path):
            return
        bases = tuple(_dotted(b.value if isinstance(b, ast.Subscript) else b) for b in node.bases)
        members: Dict[str, tuple] = {}
        self.classes[path] = ClassFacts(bases, members, node.lineno, set())
        self._statements(node.body, path + ".", members)


# ------------------------------------------------------------------------------------------------
# What a sync function's body executes (the call graph of AW110)
# ------------------------------------------------------------------------------------------------


class CallFact(NamedTuple):
    """One call a sync function makes when it runs.

    `target` is the callee as far as the file alone tells: a dotted text that starts with a
    module-level (or builtin) name (`requests.Session().get`, `util.write_text`), or
    ("imp", level, module, name-or-None, rest) for a name imported inside the function, or
    ("path", definition path in this file, rest) for a local def/class and for `self`/`cls`
    (`("path", "Store", "().save")`); a name annotated with a class is an instance of it
    (`c: Client` makes `c.get` `Client().get`). The index resolves it further."""

    target: object
    line: int
    # the arguments, each summarised as a short text: `#<number>` for a numeric literal,
    # `False`, a dotted name, `|`-joined names of an expression, `?` for anything else, `*`/`**`
    args: Optional[Tuple[Tuple[str, ...], Tuple[Tuple[str, str], ...]]]
    receiver: Optional[str]  # the called object as written (`sock` in `sock.recv(1)`)
    consumed: bool  # the iterator it returns is consumed on the spot (`for x in f():`, `list(f())`)
    # the conditions on the function's parameters under which the call runs, all of them
    # (("host", "truthy"), ...; see guards.py), or MEMO when it runs only to fill a memo
    guard: tuple = ()
    # the qualified names of the exceptions a `try` around the call catches (or a
    # `with contextlib.suppress(...)` around it suppresses), in the same function
    caught: Tuple[str, ...] = ()


# Builtins whose call never blocks and never reaches project code worth following.
_PURE_BUILTINS = frozenset(
    {
        "len",
        "isinstance",
        "issubclass",
        "str",
        "int",
        "float",
        "bool",
        "bytes",
        "bytearray",
        "list",
        "dict",
        "set",
        "frozenset",
        "tuple",
        "getattr",
        "setattr",
        "hasattr",
        "delattr",
        "super",
        "range",
        "enumerate",
        "zip",
        "type",
        "repr",
        "sorted",
        "min",
        "max",
        "any",
        "all",
        "iter",
        "next",
        "id",
        "hash",
        "abs",
        "round",
        "map",
        "filter",
        "sum",
        "callable",
        "format",
        "object",
        "vars",
        "reversed",
        "ord",
        "chr",
        "divmod",
        "pow",
        "hex",
        "bin",
        "oct",
        "slice",
        "property",
        "staticmethod",
        "classmethod",
        "memoryview",
        "complex",
        "ascii",
        "globals",
        "locals",
        "dir",
        "print",
    }
)
# statements that may put the calls after or inside them under a path condition (guards.py)
_GUARDED_STATEMENTS = frozenset({ast.If, ast.Try} | ({ast.TryStar} if hasattr(ast, "TryStar") else set()))
_TRY_STATEMENTS = frozenset({ast.Try} | ({ast.TryStar} if hasattr(ast, "TryStar") else set()))


_SCAN_KINDS: Dict[type, int] = {
    ast.FunctionDef: 1,
    ast.AsyncFunctionDef: 1,
    ast.Lambda: 1,
    ast.ClassDef: 1,
    ast.Name: 2,
    ast.Constant: 2,
    ast.Load: 2,
    ast.Store: 2,
    ast.Del: 2,
    ast.Pass: 2,
    ast.Break: 2,
    ast.Continue: 2,
    ast.Global: 2,
    ast.Nonlocal: 2,
    ast.Call: 3,
    ast.For: 4,
    ast.AsyncFor: 4,
    ast.comprehension: 5,
    ast.Import: 6,
    ast.ImportFrom: 7,
    ast.ListComp: 8,
    ast.SetComp: 8,
    ast.DictComp: 8,
    ast.GeneratorExp: 8,
}
# fields that never hold statements or expressions
_NOT_CHILDREN = frozenset(
    {
        "ctx",
        "op",
        "ops",
        "id",
        "attr",
        "arg",
        "name",
        "names",
        "kind",
        "type_comment",
        "level",
        "module",
        "conversion",
        "is_async",
        "asname",
        "annotation",
        "returns",
        "type_params",
        "simple",
    }
)
_CHILD_FIELDS: Dict[type, Tuple[str, ...]] = {}


class _Targets:
    """What the names of function bodies refer to, as CallFact targets, read from the file's
    semantic model (built module-relatively: the file's own definitions are named by their path).

    A name bound at module level (or not bound in the file: a builtin, a star import) stays
    text for the index to resolve; a name bound in a function takes what its bindings say, when
    they all say the same: a value, an import, a local def or class, the instance (`self`) or
    class (`cls`) of a method, or the class an annotation names (parameters, `x: T = ...`)."""

    def __init__(self, model: SemanticModel):
        self.model = model
        self._memo: Dict[Tuple[int, str], object] = {}

    def target(self, scope: ModelScope, expr, depth: int = 0):
        """(root, text): root None when `text` starts with a module-level or builtin name, else a
        tuple ("imp", ...) / ("path", path); None when the file cannot tell."""
        if depth > 8:
            return None
        t = type(expr)
        if t is ast.Name:
            return self.name(scope, expr.id, depth)
        if t is ast.Attribute:
            base = self.target(scope, expr.value, depth + 1)
            return None if base is None else (base[0], f"{base[1]}.{expr.attr}")
        if t is ast.Call:
            base = self.target(scope, expr.func, depth + 1)
            return None if base is None else (base[0], base[1] + "()")
        if t is ast.NamedExpr:
            return self.target(scope, expr.value, depth + 1)
        if t is ast.Await and type(expr.value) is ast.Call:
            called = self.target(scope, expr.value.func, depth + 1)
            return self.awaited(called, depth) if called is not None else None
        return None

    def awaited(self, called, depth: int):
        """What awaiting a call of the file's coroutine function `called` (a module-level one,
        or a method called on an instance or the class) gives, by its return annotation."""
        root, text = called
        model = self.model
        owner: Optional[ModelScope] = None
        if root is None and "." not in text:
            owner, name = model.root, text
        elif root is None or root[0] == "path":
            head, _, name = text.rpartition(".")
            head = head[:-2] if head.endswith("()") else head
            owner = model.class_scope(head if root is None else root[1] + head)
        if owner is None:
            return None
        sites = owner.sites.get(name)
        if not sites or len(sites) != 1 or sites[0].kind != "def":
            return None
        node = sites[0].data
        if not isinstance(node, ast.AsyncFunctionDef) or node.returns is None:
            return None
        return self.annotation(owner, node.returns, depth + 1)

    def name(self, scope: ModelScope, name: str, depth: int):
        sites, where = scope.lookup(name)
        if where is None or where.kind == MODULE:
            return (None, name)
        if where.kind == CLASS or not sites:
            return None
        key = (id(where), name)
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = None  # a binding that refers to itself tells nothing
        found = self.agree(sites, name, depth)
        self._memo[key] = found
        return found

    def agree(self, sites: List[Site], name: str, depth: int):
        if len(sites) > 1:
            # a declaration (`x: T` alone) gives the type of every value bound to the name
            for site in sites:
                if site.kind == "annotated" and site.data[1] is None:
                    declared = self.annotation(site.scope, site.data[0], depth + 1)
                    if declared is not None:
                        return declared
        result = None
        for i, site in enumerate(sites):
            found = self.site(site, name, depth)
            if found is None or (i and found != result):
                return None
            result = found
        return result

    def site(self, site: Site, name: str, depth: int):
        kind = site.kind
        if kind == "value":
            return self.target(site.scope, site.data, depth + 1)
        if kind == "import":
            return (("imp",) + site.origin, "") if site.origin is not None else None
        if kind in ("def", "class"):
            return (("path", f"{site.scope.prefix}.{name}".lstrip(".")), "")
        if kind == "param":
            arg, index = site.data
            function = site.scope
            if index == 0 and function.class_scope is not None:
                decorators = {_dotted(d) for d in function.node.decorator_list}
                if "staticmethod" not in decorators:
                    return (("path", function.class_scope.prefix), "" if "classmethod" in decorators else "()")
            if arg.annotation is None:
                return None
            return self.annotation(function.parent or function, arg.annotation, depth + 1)
        if kind == "annotated":
            annotation, value = site.data
            if value is not None and self.model.value_over_annotation(site):
                return self.target(site.scope, value, depth + 1)
            return self.annotation(site.scope, annotation, depth + 1)
        return None

    def annotation(self, scope: ModelScope, node, depth: int):
        """An instance of the class an annotation names (annotation_class), as a target."""
        text = annotation_class(node)
        if text is None:
            return None
        first, _, rest = text.partition(".")
        base = self.name(scope, first, depth + 1)
        if base is None or base[1].endswith("()"):
            return None
        return (base[0], base[1] + ("." + rest if rest else "") + "()")

    def stored(self, found) -> object:
        """A target as CallFact and attr_values keep it."""
        root, text = found
        return sys.intern(text) if root is None else root + (sys.intern(text),)

    def attr_values(self) -> Dict[str, Dict[str, object]]:
        """class path -> {attr: target} for the instance attributes whose bindings (in the
        methods, and declarations in the class body) say what they are, `None` left aside."""
        out: Dict[str, Dict[str, object]] = {}
        for scope in self.model.class_scopes():
            values = {}
            for attr, sites in scope.attr_sites.items():
                # `self.x = None` beside `self.x = T()` is an attribute set later (Optional[T])
                sites = [s for s in sites if not _is_none_value(s)]
                if not sites:
                    continue
                found = self.agree(sites, attr, 0)
                if found is not None:
                    values[attr] = self.stored(found)
            if values:
                out[scope.prefix] = values
        return out


def _is_none_value(site: Site) -> bool:
    value = site.data if site.kind == "value" else site.data[1] if site.kind == "annotated" else False
    return isinstance(value, ast.Constant) and value.value is None


class _FunctionScope:
    """The calls one function's body executes (not those of nested defs, lambdas or classes,
    whose bodies run only when they are called), each with the model scope it is made in."""

    def __init__(self, node, scope: ModelScope, model: SemanticModel, want_calls: bool, import_tops: set):
        self.scope = scope
        self.model = model
        self.import_tops = import_tops
        self.call_nodes: List[Tuple[ast.Call, bool, tuple, ModelScope]] = []
        self.caught: Dict[int, Tuple[str, ...]] = {}
        self.guards = {}
        if want_calls and (
            getattr(node, "decorator_list", None)
            or any(type(stmt) in _GUARDED_STATEMENTS for stmt in _own_statements(node.body))
        ):
            from .analysis.guards import guard_map

            self.guards = guard_map(node, self._self_name(node), lambda name: model.resolve_name(scope, name))
        self._scan(node.body, want_calls)
        if want_calls and self.call_nodes:
            self._find_caught(node.body)

    def _find_caught(self, body) -> None:
        """The exceptions caught around each call: `try` bodies with handlers, and the bodies of
        `with contextlib.suppress(...)`."""
        for stmt in _own_statements(body):
            t = type(stmt)
            names: List[str] = []
            if t in _TRY_STATEMENTS:
                for handler in stmt.handlers:
                    kind = handler.type
                    for expr in kind.elts if isinstance(kind, ast.Tuple) else [kind] if kind is not None else []:
                        name = self.model.resolve(self.scope, expr)
                        if name is not None:
                            names.append(name)
            elif t is ast.With or t is ast.AsyncWith:
                for item in stmt.items:
                    context = item.context_expr
                    if (
                        isinstance(context, ast.Call)
                        and self.model.resolve(self.scope, context.func) == "contextlib.suppress"
                    ):
                        for expr in context.args:
                            name = self.model.resolve(self.scope, expr)
                            if name is not None:
                                names.append(name)
            if not names:
                continue
            stack = list(stmt.body)
            caught = self.caught
            while stack:
                n = stack.pop()
                if isinstance(n, _NESTED):
                    continue
                if type(n) is ast.Call:
                    caught[id(n)] = caught.get(id(n), ()) + tuple(names)
                stack.extend(ast.iter_child_nodes(n))

    def _self_name(self, node) -> Optional[str]:
        """The first parameter of a method that receives the instance or the class."""
        if self.scope.class_scope is None:
            return None
        params = list(node.args.posonlyargs) + list(node.args.args)
        if not params or "staticmethod" in {_dotted(d) for d in node.decorator_list}:
            return None
        return params[0].arg

    def _scan(self, body, want_calls: bool) -> None:
        consumed: Set[int] = set()
        guards = self.guards
        top = self.scope
        stack = [(stmt, guards.get(id(stmt), ()), top) for stmt in reversed(body)]
        kinds = _SCAN_KINDS
        fields_of = _CHILD_FIELDS
        AST = ast.AST
        while stack:
            node, guard, scope = stack.pop()
            t = type(node)
            kind = kinds.get(t)
            if kind is not None:
                if kind == 1:  # a nested scope: only what runs when it is defined
                    stack.extend((n, guard, scope) for n in evaluated_at_definition(node))
                    continue
                if kind == 2:  # leaves
                    continue
                if kind == 3:  # Call
                    if want_calls:
                        self.call_nodes.append((node, id(node) in consumed, guard, scope))
                    func = node.func
                    if type(func) is ast.Name and (
                        func.id in CONSUMERS or (func.id in PASS_THROUGH and id(node) in consumed)
                    ):
                        consumed.update(id(a) for a in node.args)
                elif kind == 4 or kind == 5:  # For / AsyncFor / comprehension
                    consumed.add(id(node.iter))
                elif kind == 6:  # Import
                    for alias in node.names:
                        self.import_tops.add(alias.name.split(".", 1)[0])
                elif kind == 7:  # ImportFrom
                    if not node.level and node.module:
                        self.import_tops.add(node.module.split(".", 1)[0])
                else:  # a comprehension: its names are its own scope's
                    scope = self.model.scope_of(node) or scope
            fields = fields_of.get(t)
            if fields is None:
                fields = fields_of[t] = tuple(f for f in t._fields if f not in _NOT_CHILDREN)
            for name in reversed(fields):
                value = getattr(node, name, None)
                if type(value) is list:
                    for item in reversed(value):
                        if isinstance(item, AST):
                            stack.append((item, guards.get(id(item), guard) if guards else guard, scope))
                elif isinstance(value, AST):
                    stack.append((value, guard, scope))

    def call_facts(self, targets: _Targets) -> tuple:
        out = []
        for node, consumed, guard, scope in self.call_nodes:
            found = targets.target(scope, node.func)
            if found is None:
                continue
            root, text = found
            if root is None and text in _PURE_BUILTINS:
                continue
            args = None
            if node.args or node.keywords:
                positional = tuple("*" if isinstance(a, ast.Starred) else _arg_text(a) for a in node.args)
                keywords = tuple((k.arg or "**", _arg_text(k.value)) for k in node.keywords)
                args = (positional, keywords)
            receiver = _dotted(node.func.value) if isinstance(node.func, ast.Attribute) else None
            caught = self.caught.get(id(node), ())
            out.append(CallFact(targets.stored(found), node.lineno, args, receiver, consumed, guard, caught))
        return tuple(out)


def _is_address(text: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


EMPTY_TEXT, TEXT = "''", "'...'"  # how _arg_text writes string literals


def _arg_text(node) -> str:
    if isinstance(node, ast.Constant):
        value = node.value
        if value is False or value is True or value is None:
            return str(value)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return f"#{value!r}"
        if isinstance(value, str) and 2 <= len(value) <= 45 and _is_address(value):
            return repr(value)  # an IP address literal (the "ip-literal" argument test)
        if isinstance(value, (str, bytes)):
            return EMPTY_TEXT if not value else TEXT  # only whether it is empty matters
        return "?"
    dotted = _dotted(node)
    if dotted is not None:
        return dotted
    if isinstance(node, (ast.BinOp, ast.BoolOp, ast.UnaryOp)):
        names = [d for d in (_dotted(n) for n in ast.walk(node) if isinstance(n, (ast.Name, ast.Attribute))) if d]
        return "|".join(names) or "?"
    return "?"


_BLOCKS: Dict[type, Tuple[str, ...]] = {
    ast.If: ("body", "orelse"),
    ast.For: ("body", "orelse"),
    ast.AsyncFor: ("body", "orelse"),
    ast.While: ("body", "orelse"),
    ast.With: ("body",),
    ast.AsyncWith: ("body",),
    ast.Try: ("body", "orelse", "finalbody", "handlers"),
}
for _name in ("TryStar",):
    if hasattr(ast, _name):
        _BLOCKS[getattr(ast, _name)] = ("body", "orelse", "finalbody", "handlers")
if hasattr(ast, "Match"):
    _BLOCKS[ast.Match] = ("cases",)


def _child_blocks(stmt) -> Iterable[list]:
    """The statement lists nested in a compound statement (none for simple statements)."""
    fields = _BLOCKS.get(type(stmt))
    if fields is None:
        return ()
    out: List[list] = []
    for field in fields:
        value = getattr(stmt, field)
        if field in ("handlers", "cases"):
            out.extend(item.body for item in value)
        elif value:
            out.append(value)
    return out


def _target_names(node) -> Iterable[str]:
    if isinstance(node, ast.Name):
        yield node.id
    elif isinstance(node, (ast.Tuple, ast.List)):
        for el in node.elts:
            yield from _target_names(el)
    elif isinstance(node, ast.Starred):
        yield from _target_names(node.value)


def _flat_targets(node) -> Iterable[ast.AST]:
    if isinstance(node, (ast.Tuple, ast.List)):
        for el in node.elts:
            yield from _flat_targets(el)
    elif isinstance(node, ast.Starred):
        yield from _flat_targets(node.value)
    else:
        yield node


def _bound_names(stmt) -> Iterable[str]:
    """Names a compound or other simple statement binds in its scope (for ambiguity)."""
    if isinstance(stmt, ast.AugAssign):
        yield from _target_names(stmt.target)
    elif isinstance(stmt, (ast.For, ast.AsyncFor)):
        yield from _target_names(stmt.target)
    elif isinstance(stmt, (ast.With, ast.AsyncWith)):
        for item in stmt.items:
            if item.optional_vars is not None:
                yield from _target_names(item.optional_vars)
    elif isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
        for h in stmt.handlers:
            if h.name:
                yield h.name
    elif isinstance(stmt, ast.Delete):
        for t in stmt.targets:
            yield from _target_names(t)
    elif type(stmt).__name__ == "Match":
        for case in stmt.cases:
            for n in ast.walk(case.pattern):
                name = getattr(n, "name", None)
                if isinstance(name, str):
                    yield name
    elif type(stmt).__name__ == "TypeAlias":
        yield from _target_names(stmt.name)


def _literal_strings(node) -> Optional[Tuple[str, ...]]:
    if isinstance(node, (ast.List, ast.Tuple)):
        values = tuple(e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str))
        if len(values) == len(node.elts):
            return values
    return None


def annotation_class(node) -> Optional[str]:
    """The dotted name of the one class an annotation names, unwrapping strings, `Optional[T]`,
    `Union[T, None]`, `T | None` and `Annotated[T, ...]`; None for anything else (subscripted
    generics included: `list[T]` is no class of the project)."""
    for _ in range(8):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) < 300:
            try:
                node = ast.parse(node.value.strip(), mode="eval").body
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                return None
            continue
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            sides = [n for n in (node.left, node.right) if not _is_none(n)]
            if len(sides) != 1:
                return None
            node = sides[0]
            continue
        if isinstance(node, ast.Subscript):
            base = _dotted(node.value) or ""
            last = base.rsplit(".", 1)[-1]
            args = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
            if last == "Optional" and len(args) == 1:
                node = args[0]
            elif last == "Union":
                sides = [n for n in args if not _is_none(n)]
                if len(sides) != 1:
                    return None
                node = sides[0]
            elif last == "Annotated" and args:
                node = args[0]
            else:
                return None
            continue
        named = _dotted(node)
        if named in (None, "None", "Any", "object", "typing.Any", "Self", "typing.Self"):
            return None
        return named
    return None


def _is_none(node) -> bool:
    return (isinstance(node, ast.Constant) and node.value in (None, "None")) or (
        isinstance(node, ast.Name) and node.id == "None"
    )


def _own_statements(body):
    """The statements of a function body, nested blocks included, nested defs and classes not."""
    stack = list(body)
    while stack:
        stmt = stack.pop()
        yield stmt
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for child in _child_blocks(stmt):
            stack.extend(child)


def _params(args: ast.arguments) -> tuple:
    positional = list(args.posonlyargs) + list(args.args)
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    out = [(sys.intern(a.arg), False, None if d is None else _arg_text(d)) for a, d in zip(positional, defaults)]
    out += [
        (sys.intern(a.arg), True, None if d is None else _arg_text(d))
        for a, d in zip(args.kwonlyargs, args.kw_defaults)
    ]
    return tuple(out)


def _required(args: ast.arguments) -> int:
    positional = list(args.posonlyargs) + list(args.args)
    required = len(positional) - len(args.defaults)
    required += sum(1 for d in args.kw_defaults if d is None)
    return required


def _returns_kind(returns, is_async: bool, is_generator: bool) -> str:
    if is_async or is_generator:
        return "data"  # a coroutine, an (async) generator: never a callable
    kind = "none"
    for value in returns:
        if value is None or (isinstance(value, ast.Constant) and value.value is None):
            continue
        if isinstance(value, _DATA_NODES) or (isinstance(value, ast.BinOp) and not isinstance(value.op, ast.BitOr)):
            kind = "data"
            continue
        return "unknown"
    return kind


# ------------------------------------------------------------------------------------------------
# The index
# ------------------------------------------------------------------------------------------------


class Callee(NamedTuple):
    """A resolved project callable."""

    module: str
    path: str
    facts: FuncFacts
    bound: bool  # reached through an instance (`obj.meth`), so `self` is already supplied
    is_method: bool  # defined directly in a class body

    @property
    def qualname(self) -> str:
        return f"{self.module}.{self.path}"

    @property
    def is_coroutine_function(self) -> bool:
        f = self.facts
        return f.is_async and not f.is_generator

    def required_args(self) -> int:
        """Arguments a call must pass (the implicit `self`/`cls` not counted)."""
        n = self.facts.required
        if not self.is_method:
            return n
        decorators = {d.split(".")[-1] for d in self.facts.decorators if d}
        if "staticmethod" in decorators:
            return n
        if self.bound or "classmethod" in decorators:
            return max(n - 1, 0)
        return n


def _split(qualname: str) -> List[Tuple[str, int]]:
    """`a.B().c` -> [("a", 0), ("B", 1), ("c", 0)] (name, number of calls)."""
    out = []
    for part in qualname.split("."):
        calls = 0
        while part.endswith("()"):
            part = part[:-2]
            calls += 1
        out.append((part, calls))
    return out


def _same_for_libraries(a, b) -> bool:
    """Do the installed packages' summaries made under settings `a` hold under `b`? (The same
    environment, and the same settings that change chains.)"""
    from .callgraph import config_key

    if a is None or b is None:
        return a is b
    return (
        getattr(a, "python", "") == getattr(b, "python", "")
        and getattr(a, "project_root", "") == getattr(b, "project_root", "")
        and config_key(a) == config_key(b)
    )


class ProjectIndex:
    """Facts of every module of the project, and queries over them.

    `modules` maps a module name to its FileFacts; `packages` holds the names of packages
    (`__init__` files). A module name claimed by two files is left out (unknown)."""

    def __init__(
        self,
        modules: Dict[str, FileFacts],
        packages: FrozenSet[str],
        paths: Dict[str, str],
        settings=None,
        libraries=None,
    ):
        self.modules = modules
        self.packages = packages
        self.paths = paths
        self.settings = settings  # the run's settings (when built for a run): see fingerprint()
        # the installed packages' summaries (libraries.Libraries), asked about names outside the
        # project; None when there are none
        self.libraries = libraries
        self._top = frozenset(m.split(".", 1)[0] for m in modules)
        self._caches()

    def _caches(self):
        self._resolved: Dict[str, object] = {}
        self._mros: Dict[Tuple[str, str], Optional[list]] = {}
        self._memo: Dict[object, Any] = {}  # what each key names: see its users
        self._computing: List[object] = []  # the memo() keys being computed, innermost last
        self._graph_keys: set = set()  # memo() keys whose value asked for a blocking graph
        # an index made by updated(): blocking graph key -> (an earlier graph, modules changed since)
        self._graph_previous: Dict[object, Tuple[Any, FrozenSet[str]]] = {}  # graphs from the memo
        self._follows_edits = False

    def with_settings(self, settings) -> ProjectIndex:
        """This index for files checked under `settings`: the same modules, with the resolution
        caches and memos shared (every memo that depends on settings has them in its key), and
        fingerprints that follow `settings`. Files under different configs of one project thus
        share one index and what it has worked out."""
        if settings is self.settings:
            return self
        view = ProjectIndex.__new__(ProjectIndex)
        view.__dict__.update(self.__dict__)  # the modules, resolution caches and memos, shared
        view.settings = settings
        if self.libraries is not None and not _same_for_libraries(self.settings, settings):
            view.libraries = None  # summaries made under other settings: the run attaches its own
        return view

    def __getstate__(self):
        return {
            "modules": self.modules,
            "packages": self.packages,
            "paths": self.paths,
            "settings": self.settings,
            "libraries": self.libraries,
        }

    def __setstate__(self, state):
        type(self).__init__(
            self, state["modules"], state["packages"], state["paths"], state.get("settings"), state.get("libraries")
        )

    def has_top_level(self, name: str) -> bool:
        return name in self._top

    def fingerprint(self) -> str:
        """Changes whenever a definition, import, alias or base class anywhere in the project
        changes (edits inside function bodies that leave these alone keep it), and, with AW110
        on, whenever a chain of its call graph changes."""
        transitive = self._transitive_settings()
        key = ("fingerprint", None if transitive is None else self._graph_key(transitive))
        fp = self._memo.get(key)
        if fp is None:
            fp = self.definitions_fingerprint()
            if transitive is not None:
                # AW110's findings depend on function bodies (their calls, the lines of the
                # blocking ones): every chain of the project is part of the fingerprint
                h = hashlib.sha1(fp.encode())
                h.update(self.blocking_graph(transitive).digest().encode())
                fp = h.hexdigest()
            self._memo[key] = fp
        return fp

    def definitions_fingerprint(self) -> str:
        """fingerprint() without the call graph: definitions, imports, aliases, bases. Computed
        once per index (every file's cache key starts from it)."""
        fp = self._memo.get("definitions_fingerprint")
        if fp is None:
            h = hashlib.sha1(FACTS_VERSION.encode())
            if self.libraries is not None:  # the installed packages the names outside the project reach
                h.update(self.libraries.signature().encode())
            for name in sorted(self.modules):
                f = self.modules[name]
                functions = {p: ff._replace(line=0) for p, ff in f.functions.items()}
                classes = {
                    p: cf._replace(line=0, instance_attrs=sorted(cf.instance_attrs))  # type: ignore[arg-type]  # stable repr
                    for p, cf in f.classes.items()
                }
                h.update(
                    repr(
                        (
                            name,
                            name in self.packages,
                            f.parsed,
                            f.names,
                            f.star_imports,
                            f.all_names,
                            functions,
                            classes,
                        )
                    ).encode("utf-8", "surrogatepass")
                )
            fp = self._memo["definitions_fingerprint"] = h.hexdigest()
        return fp

    def file_fingerprint(self, path: str) -> str:
        """What the results of the file at `path` depend on in the rest of the project: the
        definitions everywhere, and, with AW110 on, only the chains of the blocking callables
        the file can call (by a name it mentions). A change in one module thus re-checks the
        files whose chains pass through it, and no others."""
        transitive = self._transitive_settings()
        if transitive is None:
            return self.fingerprint()
        key = ("file_fingerprint", os.path.abspath(path), self._graph_key(transitive))
        if key not in self._memo:
            facts = self._facts_for_path(path)
            if facts is None:
                self._memo[key] = self.fingerprint()
            else:
                graph = self.blocking_graph(transitive)
                h = hashlib.sha1(self.definitions_fingerprint().encode())
                h.update(graph.digest(frozenset(facts.words.split())).encode())
                self._memo[key] = h.hexdigest()
        return self._memo[key]

    def _facts_for_path(self, path: str) -> Optional[FileFacts]:
        by_path = self._memo.get("by_path")
        if by_path is None:
            by_path = self._memo["by_path"] = {os.path.abspath(p): m for m, p in self.paths.items()}
        module = by_path.get(os.path.abspath(path))
        return self.modules.get(module) if module is not None else None

    def _transitive_settings(self):
        settings = self.settings
        if settings is None:
            return None
        key = ("aw110_enabled", settings)
        enabled = self._memo.get(key)
        if enabled is None:
            try:
                from .registry import get_registry

                enabled = "AW110" in settings.enabled_codes(get_registry())
            except Exception:  # pragma: no cover - a broken registry is reported elsewhere
                enabled = False
            self._memo[key] = enabled
        return settings if enabled else None

    @staticmethod
    def _graph_key(settings) -> tuple:
        from .callgraph import config_key

        return config_key(settings)

    def blocking_graph(self, settings):
        """The call graph of the sync project callables under `settings` (see awaitwise.callgraph)."""
        from .callgraph import BlockingGraph, config_key

        self._graph_keys.update(self._computing)  # their values depend on function bodies' calls
        key = ("blocking_graph", config_key(settings))
        if key not in self._memo:
            previous, changed = self._graph_previous.pop(key, (None, frozenset()))
            self._memo[key] = BlockingGraph(
                self, settings, previous=previous, changed=changed, keep_parts=self._follows_edits
            )
        return self._memo[key]

    # --- overlay for the file being checked ---------------------------------------------------------
    def for_file(self, module_name: str, facts: FileFacts, is_package: bool = False) -> ProjectIndex:
        """This index with `module_name` described by `facts` (the text being checked, which may
        differ from the file on disk, or a file outside the indexed tree)."""
        if not module_name:
            return self
        current = self.modules.get(module_name)
        if current is not None and current.source_hash == facts.source_hash:
            return self
        modules = dict(self.modules)
        modules[module_name] = facts
        packages = self.packages | {module_name} if is_package else self.packages
        return ProjectIndex(modules, packages, self.paths, self.settings, self.libraries)

    def follow_edits(self) -> ProjectIndex:
        """Mark this index as the start of a series of updated() ones: its blocking graphs keep
        the per-module parts a later graph reuses. Returns the index."""
        self._follows_edits = True
        return self

    def updated(self, module_name: str, facts: FileFacts, is_package: bool = False) -> ProjectIndex:
        """for_file(), for an index that follows one module as it is edited (the language server
        asks this on every change of an open file): what the change cannot affect is carried
        over instead of being worked out again for the whole project. When the module's
        definitions, imports, aliases and classes are the same (an edit inside a function
        body), resolved names and name sets are kept; when its calls and lines are the same as
        well, the blocking graph and what was computed from it are kept too."""
        new = self.for_file(module_name, facts, is_package)
        current = self.modules.get(module_name)
        if new is self or current is None or new.packages != self.packages:
            return new
        if _definitions(current) != _definitions(facts):
            return new
        # other modules resolve `obj.attr.meth()` through this module's attribute values
        same_attrs = current.attr_values == facts.attr_values
        same_bodies = same_attrs and current.calls == facts.calls and _lines(current) == _lines(facts)
        new._follows_edits = True
        new._resolved = dict(self._resolved)
        new._mros = dict(self._mros)
        for key, value in self._memo.items():
            if key in ("fingerprint", "definitions_fingerprint") or (
                isinstance(key, tuple) and key and key[0] == "file_fingerprint"
            ):
                continue  # cheap to redo, and the text's own words are part of them
            if not same_bodies and isinstance(key, tuple) and key and key[0] == "blocking_graph":
                if same_attrs:  # built again when asked for, from this one and the changed module
                    new._graph_previous[key] = (value, frozenset({module_name}))
                continue
            if not same_bodies and key in self._graph_keys:
                continue
            new._memo[key] = value
        for key, (graph, changed) in self._graph_previous.items():  # not asked for since
            if same_attrs and key not in new._memo and key not in new._graph_previous:
                new._graph_previous[key] = (graph, changed | {module_name})
        new._graph_keys = {k for k in self._graph_keys if k in new._memo}
        return new

    # --- resolution ---------------------------------------------------------------------------------
    def resolve(self, qualname: str):
        """What a dotted name refers to:
        ("module", m) | ("def", m, path, bound) | ("class", m, path) | ("instance", m, path) |
        ("external", dotted name outside the project) | None (unknown)."""
        if qualname in self._resolved:
            return self._resolved[qualname]
        self._resolved[qualname] = None  # cycle guard
        result = self._resolve(qualname, 0)
        self._resolved[qualname] = result
        return result

    def _resolve(self, qualname: str, depth: int):
        if depth > _MAX_DEPTH:
            return None
        parts = _split(qualname)
        if parts[0][0] not in self._top:
            return ("external", qualname)
        # longest module prefix
        for i in range(len(parts), 0, -1):
            if any(calls for _, calls in parts[:i]):
                continue
            name = ".".join(p for p, _ in parts[:i])
            if name in self.modules:
                ref = ("module", name)
                return self._walk(ref, parts[i:], depth)
        return None  # a project top-level package, but no such module in it

    def _walk(self, ref, parts, depth: int):
        for name, calls in parts:
            if ref is None:
                return None
            ref = self._attr(ref, name, depth)
            for _ in range(calls):
                ref = self._call(ref, depth)
                if ref is None:
                    return None
        return ref

    def _call(self, ref, depth: int = 0):
        if ref is None:
            return None
        kind = ref[0]
        if kind == "class":
            return ("instance", ref[1], ref[2])
        if kind == "external":
            return ("external", ref[1] + "()")
        if kind == "def":  # what the return annotation of a sync function names
            return self._returned(ref[1], ref[2], depth)
        return None

    def returned(self, qualname: str, awaited: bool = False):
        """What calling the project function `qualname` gives, by its return annotation (for a
        coroutine function: what awaiting the call gives), as a resolve() reference, or None."""
        ref = self.resolve(qualname)
        if ref is None or ref[0] != "def":
            return None
        return self._returned(ref[1], ref[2], 0, awaited)

    def _returned(self, module: str, path: str, depth: int, awaited: bool = False):
        facts = self.modules.get(module)
        func = facts.functions.get(path) if facts is not None else None
        named = getattr(func, "return_type", None)
        if (
            facts is None
            or func is None
            or named is None
            or depth > _MAX_DEPTH
            or func.is_async != awaited
            or func.is_generator
        ):
            return None
        owner = path.rsplit(".", 1)[0] if "." in path else ""
        found = None
        if owner and owner in facts.classes:  # a name in the class body, then the module's
            member = facts.classes[owner].members.get(named.split(".", 1)[0])
            if member is not None and member[0] == "class":
                found = ("class", module, member[1])
        if found is None:
            found = self._resolve(f"{module}.{named}", depth + 1)
        if found is None:
            return None
        if found[0] == "class":
            return ("instance", found[1], found[2])
        if found[0] == "external":
            return ("external", found[1] + "()")
        return None

    def _attr(self, ref, name: str, depth: int):
        kind = ref[0]
        if kind == "external":
            return ("external", f"{ref[1]}.{name}")
        if kind == "module":
            return self._module_attr(ref[1], name, depth)
        if kind in ("class", "instance"):
            return self._member(ref[1], ref[2], name, bound=(kind == "instance"))
        if kind == "def":
            if name == "<locals>":
                return ("locals", ref[1], ref[2])
            return None
        if kind == "locals":
            path = f"{ref[2]}.<locals>.{name}"
            facts = self.modules.get(ref[1])
            if facts is None:
                return None
            if path in facts.functions:
                return ("def", ref[1], path, False)
            if path in facts.classes:
                return ("class", ref[1], path)
        return None

    def _module_attr(self, module: str, name: str, depth: int, seen=()):
        facts = self.modules.get(module)
        if facts is None or not facts.parsed:
            return None
        binding = facts.names.get(name)
        if binding is not None:
            return self._binding(module, binding, depth)
        sub = f"{module}.{name}"
        if sub in self.modules:
            return ("module", sub)
        if name.startswith("_") or module in seen:
            return None
        for level, target in facts.star_imports:
            source = self.absolute_module(module, level, target)
            star = self.modules.get(source) if source else None
            if not source or star is None:
                continue
            if star.all_names is not None and name not in star.all_names:
                continue
            found = self._module_attr(source, name, depth + 1, seen + (module,))
            if found is not None:
                return found
        return None

    def _binding(self, module: str, binding: tuple, depth: int):
        if depth > _MAX_DEPTH:
            return None
        kind = binding[0]
        if kind == "def":
            return ("def", module, binding[1], False)
        if kind == "class":
            return ("class", module, binding[1])
        if kind == "import":
            _, level, target, name = binding
            absolute = self.absolute_module(module, level, target)
            if absolute is None:
                return None
            if name is None:
                return self._resolve_nested(absolute, depth)
            as_module = f"{absolute}.{name}" if absolute else name
            if as_module in self.modules and (absolute not in self.modules or name not in self.modules[absolute].names):
                return ("module", as_module)
            return self._resolve_nested(as_module, depth)
        if kind == "alias":
            parts = _split(binding[1])
            first, calls = parts[0]
            facts = self.modules[module]
            if first in facts.names:
                ref = self._binding(module, facts.names[first], depth + 1)
            elif first in BUILTIN_NAMES:
                ref = ("external", f"builtins.{first}")
            else:
                return None
            for _ in range(calls):
                ref = self._call(ref, depth)
            return self._walk(ref, parts[1:], depth + 1)
        return None

    def _resolve_nested(self, qualname: str, depth: int):
        if qualname in self._resolved:
            return self._resolved[qualname]
        return self._resolve(qualname, depth + 1)

    def absolute_module(self, module: str, level: int, target: str) -> Optional[str]:
        if not level:
            return target
        parts = module.split(".")
        if module not in self.packages:
            parts = parts[:-1]
        if level - 1 > len(parts):
            return None
        if level > 1:
            parts = parts[: len(parts) - (level - 1)]
        return ".".join(p for p in (".".join(parts), target) if p) or None

    # --- classes ------------------------------------------------------------------------------------
    def mro(self, module: str, path: str) -> Optional[list]:
        """Linearised (module, path) of the project classes, with ("external", name) entries for
        bases outside the project (None entries for bases that cannot be resolved)."""
        key = (module, path)
        if key in self._mros:
            return self._mros[key]
        self._mros[key] = None  # cycle guard
        result = self._compute_mro(module, path)
        self._mros[key] = result
        return result

    def _compute_mro(self, module: str, path: str) -> Optional[list]:
        facts = self.modules.get(module)
        cls = facts.classes.get(path) if facts else None
        if cls is None:
            return None
        seqs = []
        for base in cls.bases:
            ref = self._base_ref(module, base)
            if ref is not None and ref[0] == "class":
                sub = self.mro(ref[1], ref[2])
                seqs.append(list(sub) if sub is not None else [("opaque", base)])
            elif ref is not None and ref[0] == "external":
                seqs.append([] if ref[1] in TRANSPARENT_BASES else [("opaque", ref[1])])
            else:
                seqs.append([("opaque", base)])
        merged = _c3([[(module, path)]] + seqs + [[s[0] for s in seqs if s]])
        if merged is None:  # inconsistent hierarchy: a left-to-right walk is close enough
            merged = [(module, path)]
            for s in seqs:
                merged.extend(e for e in s if e not in merged)
        return merged

    def _base_ref(self, module: str, base: Optional[str]):
        if base is None:
            return None
        first, _, rest = base.partition(".")
        facts = self.modules[module]
        if first in facts.names:
            ref = self._binding(module, facts.names[first], 0)
        elif first in BUILTIN_NAMES:
            ref = ("external", f"builtins.{first}")
        else:
            return None
        if rest and ref is not None:
            ref = self._walk(ref, _split(rest), 0)
        return ref

    def _member(self, module: str, path: str, name: str, bound: bool, skip_first: bool = False):
        mro = self.mro(module, path)
        if mro is None:
            return None
        if bound and any(e[0] != "opaque" and name in self.modules[e[0]].classes[e[1]].instance_attrs for e in mro):
            return None  # `self.name = ...` somewhere: the instance attribute hides the method
        for entry in mro[1:] if skip_first else mro:
            if entry[0] == "opaque":
                return None  # a base we cannot see may define the name
            m, p = entry
            facts = self.modules[m]
            member = facts.classes[p].members.get(name)
            if member is None:
                continue
            if member[0] == "def" and member[1] in facts.functions:
                return ("def", m, member[1], bound)
            if member[0] == "class" and member[1] in facts.classes:
                return ("class", m, member[1])
            return None
        return None

    def super_member(self, class_qualname: str, name: str):
        """`super().name` inside a method of the class `class_qualname` (bound)."""
        ref = self.resolve(class_qualname)
        if ref is None or ref[0] != "class":
            return None
        return self._member(ref[1], ref[2], name, bound=True, skip_first=True)

    # --- queries for rules ----------------------------------------------------------------------------
    def callee(self, qualname: str) -> Optional[Callee]:
        """The project function/method a dotted name refers to, or None."""
        ref = self.resolve(qualname)
        return self.callee_of(ref)

    def callee_of(self, ref) -> Optional[Callee]:
        if ref is None or ref[0] != "def":
            return None
        module = self.modules[ref[1]]
        facts = module.functions.get(ref[2])
        if facts is None:
            return None
        owner = ref[2].rsplit(".", 1)[0] if "." in ref[2] else ""
        return Callee(ref[1], ref[2], facts, ref[3], owner in module.classes)

    def canonical(self, qualname: str) -> Optional[str]:
        """The name outside the project a dotted name stands for (through project re-exports),
        or None when it is a project definition or unknown."""
        ref = self.resolve(qualname)
        return ref[1] if ref is not None and ref[0] == "external" else None

    def is_coroutine_callee(self, callee: Optional[Callee]) -> bool:
        if callee is None or not callee.is_coroutine_function:
            return False
        for text in callee.facts.decorators:
            if text is None or not self._preserves_coroutines(callee.module, text):
                return False
        return True

    def _preserves_coroutines(self, module: str, text: str) -> bool:
        """Does this decorator leave a coroutine function a coroutine function? Known library
        ones, and project decorators that return their argument or an `async def` wrapper."""
        name = self._decorator_name(module, text)
        if name is not None:
            return name in PRESERVING_DECORATORS
        first, _, rest = text.partition(".")
        facts = self.modules[module]
        if first not in facts.names:
            return False
        ref = self._binding(module, facts.names[first], 0)
        if ref is not None and rest:
            ref = self._walk(ref, _split(rest), 0)
        callee = self.callee_of(ref)
        if callee is None or callee.facts.is_async or callee.facts.decorators:
            return False
        return callee.facts.returns in ("param", "async-wrapper")

    def is_coroutine_function(self, qualname: str) -> bool:
        return self.is_coroutine_callee(self.callee(qualname))

    def _decorator_name(self, module: str, text: str) -> Optional[str]:
        first, _, rest = text.partition(".")
        facts = self.modules[module]
        if first in facts.names:
            ref = self._binding(module, facts.names[first], 0)
            if ref is not None and rest:
                ref = self._walk(ref, _split(rest), 0)
        elif first in BUILTIN_NAMES and not rest:
            ref = ("external", f"builtins.{first}")
        else:
            return None
        return ref[1] if ref is not None and ref[0] == "external" else None

    # --- screening ----------------------------------------------------------------------------------
    def coroutine_names(self) -> FrozenSet[str]:
        """Every identifier under which a project coroutine function can be reached: the names of
        the coroutine defs (functions and methods) and of the module-level names that alias them
        (`from .db import fetch as get`). A file mentioning none of them cannot call one."""
        key = "coroutine_names"
        if key not in self._memo:
            names = set()
            for facts in self.modules.values():
                for path, f in facts.functions.items():
                    if f.is_async and not f.is_generator:
                        names.add(path.rsplit(".", 1)[-1])
            self._memo[key] = frozenset(names) | self._coroutine_aliases()
        return self._memo[key]

    def module_coroutine_names(self) -> FrozenSet[str]:
        """coroutine_names() without the methods and nested defs: the names under which a call of
        a bare name (`fetch()`, not `x.fetch()`) can reach a project coroutine function."""
        key = "module_coroutine_names"
        if key not in self._memo:
            names = set()
            for facts in self.modules.values():
                for path, f in facts.functions.items():
                    if f.is_async and not f.is_generator and "." not in path:
                        names.add(path)
            self._memo[key] = frozenset(names) | self._coroutine_aliases()
        return self._memo[key]

    def _coroutine_aliases(self) -> FrozenSet[str]:
        return self.memo(
            "coroutine_aliases",
            lambda: self.alias_names(
                lambda ref: ref is not None and ref[0] == "def" and self.is_coroutine_callee(self.callee_of(ref))
            ),
        )

    def alias_names(self, predicate) -> FrozenSet[str]:
        """Module-level names bound by import or assignment whose target satisfies predicate(ref)."""
        return frozenset(name for name, ref in self._alias_targets() if predicate(ref))

    def _alias_targets(self) -> List[Tuple[str, object]]:
        """(name, what it resolves to) for every module-level name bound by import or assignment
        in the project: resolved once, for all the alias_names() questions (screening asks several)."""
        key = "alias_targets"
        if key not in self._memo:
            out = []
            for module, facts in self.modules.items():
                for name, binding in facts.names.items():
                    if binding[0] in ("import", "alias"):
                        try:
                            out.append((name, self._module_attr(module, name, 0)))
                        except RecursionError:  # pragma: no cover - absurd alias chains
                            continue
            self._memo[key] = out
        return self._memo[key]

    def external_alias_names(self, roots: FrozenSet[str]) -> FrozenSet[str]:
        """Module-level project names that stand for something under the given external modules
        (`from asyncio import sleep as nap` in a compat module)."""
        key = ("external", roots)
        if key not in self._memo:
            self._memo[key] = self.alias_names(
                lambda ref: ref is not None and ref[0] == "external" and ref[1].split(".", 1)[0].rstrip("()") in roots
            )
        return self._memo[key]

    def typed_function_names(self, tops: FrozenSet[str]) -> FrozenSet[str]:
        """Names of the project's functions and methods whose return annotation names a class of
        one of the top-level modules `tops` (`def make_client() -> httpx.Client`): a file can
        reach such an object without naming its module (screening words)."""

        def compute():
            return frozenset(name for name, top in self._typed_returns() if top in tops)

        return self.memo(("typed_function_names", tops), compute)

    def _typed_returns(self) -> List[Tuple[str, str]]:
        """(function name, top-level module of the external class it returns) for the project's
        functions and methods whose return annotation resolves to one: worked out once for every
        typed_function_names() question (each blocking rule asks with its own modules)."""

        def compute():
            out = []
            for module, facts in self.modules.items():
                for path, func in facts.functions.items():
                    if getattr(func, "return_type", None) is None or "<locals>" in path:
                        continue
                    ref = self._returned(module, path, 0, func.is_async)
                    if ref is not None and ref[0] == "external":
                        out.append((path.rsplit(".", 1)[-1], ref[1].split(".", 1)[0]))
            return out

        return self.memo("typed_returns", compute)

    def memo(self, key, compute):
        """Per-index memo for rules (screen tokens and the like)."""
        if key not in self._memo:
            self._computing.append(key)
            try:
                self._memo[key] = compute()
            finally:
                self._computing.pop()
        return self._memo[key]


def _definitions(facts: FileFacts) -> tuple:
    """What name resolution reads of a module's facts (see ProjectIndex.updated)."""
    return (
        facts.parsed,
        facts.names,
        facts.star_imports,
        facts.all_names,
        {p: f._replace(line=0) for p, f in facts.functions.items()},
        {p: c._replace(line=0) for p, c in facts.classes.items()},
    )


def _lines(facts: FileFacts) -> tuple:
    return (
        tuple((p, f.line) for p, f in facts.functions.items()),
        tuple((p, c.line) for p, c in facts.classes.items()),
    )


def _c3(seqs: List[list]) -> Optional[list]:
    seqs = [list(s) for s in seqs if s]
    out = []
    while seqs:
        for seq in seqs:
            head = seq[0]
            if not any(head in s[1:] for s in seqs):
                break
        else:
            return None
        out.append(head)
        for s in seqs:
            if s and s[0] == head:
                del s[0]
        seqs = [s for s in seqs if s]
    return out


# ------------------------------------------------------------------------------------------------
# Building
# ------------------------------------------------------------------------------------------------


_PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git", ".hg", "awaitwise.toml")
_INDEX_ROOTS: Dict[str, str] = {}


def index_root(settings) -> str:
    """The folder whose tree the project index of the files under `settings` covers: their
    project root (the config's folder) or, when that folder holds only an awaitwise.toml, the
    nearest folder above it that marks a project (pyproject.toml, setup.py, setup.cfg, a
    repository). So a `tests/awaitwise.toml` changes the settings of the tests, not the project
    their imports are resolved in, and every config under one project shares its index."""
    root = settings.project_root
    if not root:
        return root
    found = _INDEX_ROOTS.get(root)
    if found is None:
        found = root
        own = [m for m in _PROJECT_MARKERS if m != "awaitwise.toml"]
        if not any(os.path.exists(os.path.join(root, m)) for m in own):
            current = root
            while True:
                parent = os.path.dirname(current)
                if parent == current:
                    break
                current = parent
                if any(os.path.exists(os.path.join(current, m)) for m in own):
                    found = current
                    break
        if len(_INDEX_ROOTS) > 256:
            _INDEX_ROOTS.clear()
        _INDEX_ROOTS[root] = found
    return found


def project_roots(files: Sequence[str], settings, extra_root: Optional[str] = None) -> List[str]:
    """The folders project_files walks (absolute): the index root (see index_root) when a
    config file or a repository marks it, and the top-level package folder of each checked file
    outside it."""
    from .modules import module_name_for

    roots = []
    root = index_root(settings)
    # The whole folder around the checked files only when it is a project (a config file or a
    # repository marks it): checking one loose file in a scratch folder must not index the folder.
    if root and os.path.isdir(root) and any(os.path.exists(os.path.join(root, marker)) for marker in _PROJECT_MARKERS):
        roots.append(os.path.abspath(root))
    loose = list(files) + ([extra_root] if extra_root else [])
    folders = set()  # the root a file adds depends only on its folder
    for path in loose:
        folder = os.path.dirname(path)
        if folder in folders:
            continue
        folders.add(folder)
        apath = os.path.abspath(path)
        if any(apath.startswith(r.rstrip(os.sep) + os.sep) for r in roots):
            continue
        name, is_pkg = module_name_for(apath)
        depth = name.count(".") + (1 if is_pkg else 0)
        top = os.path.dirname(apath)
        for _ in range(depth):
            top = os.path.dirname(top)
        if depth and os.path.isdir(top):
            roots.append(top)
    return roots


def project_files(
    files: Sequence[str], settings, extra_root: Optional[str] = None, roots: Optional[List[str]] = None, resolver=None
) -> List[str]:
    """The Python files the index covers, as sorted absolute paths: the project around the
    checked files (its root and the top-level package folders of files outside it). `roots`:
    project_roots() of the same arguments, when the caller has them already. `resolver`
    (config.Resolver): the settings of each folder, whose excludes the walk applies (default:
    `settings` everywhere)."""
    from .discovery import discover

    if roots is None:
        roots = project_roots(files, settings, extra_root)
    found, _problems = discover(roots, resolver if resolver is not None else settings) if roots else ([], [])
    seen = {os.path.abspath(p) for p in found}
    real = None
    for path in files:
        if os.path.abspath(path) in seen:
            continue
        if real is None:  # only when a checked file is not among the discovered ones
            real = {os.path.realpath(p) for p in found}
        if os.path.realpath(path) not in real and os.path.isfile(path):
            found.append(os.path.abspath(path))
            real.add(os.path.realpath(path))
    return sorted(found)


def _rules_use_project(settings) -> bool:
    try:
        from .registry import get_registry

        registry = get_registry()
        codes = settings.enabled_codes(registry)
    except Exception:  # pragma: no cover - a broken registry is reported elsewhere
        return True
    for code in codes:
        rule = registry.get(code)
        if rule is not None and rule.uses_project:
            return True
    return False


def build_index(
    files: Sequence[str],
    settings,
    extra_root: Optional[str] = None,
    use_cache: bool = True,
    cache=None,
    force: bool = False,
    jobs: Optional[int] = None,
    listed: Optional[Sequence[str]] = None,
) -> Optional[ProjectIndex]:
    """Index of the project around `files` (and `extra_root`, the --stdin-filename path).

    None when no enabled rule reads the index (unless `force`). `cache`, when given, has
    `load(key)` / `store(key, value)`; FileFacts are stored under a key of the content hash.
    With `jobs` > 1, many files without cached facts (400 or more) are extracted in a process
    pool; the command line passes its --jobs (on the 8,549-file benchmark corpus with 2 CPUs:
    49 s in one process, 34 s in two). `listed`: project_files(files, settings, extra_root) when the
    caller has it already."""
    from .config import Resolver

    resolver = settings if isinstance(settings, Resolver) else None
    if resolver is not None:
        # an index shared by the files of several configs: each file is read under its own
        # size limit, and each config gets its view (ProjectIndex.with_settings)
        settings = None
        force = True
    if not force and not _rules_use_project(settings):
        return None
    from .modules import module_name_for
    from .sourcefile import read

    # 1. which file is which module (a name claimed by two files is left out: unknown)
    chosen: Dict[str, str] = {}
    packages = set()
    clashes = set()
    if listed is None:
        if settings is None:
            raise ValueError("an index shared by several configs needs the `listed` files")
        listed = project_files(files, settings, extra_root)
    for path in listed:
        try:
            name, is_pkg = module_name_for(path)
        except Exception:
            continue
        if not name or name in clashes:
            continue
        if name in chosen:
            other = chosen[name]
            if other.endswith(".pyi") != path.endswith(".pyi"):
                if path.endswith(".pyi"):
                    continue  # the implementation wins over its stub
            else:
                clashes.add(name)
                del chosen[name]
                continue
        chosen[name] = path
        if is_pkg:
            packages.add(name)
    packages &= set(chosen)

    # 2. facts from the cache, by content hash; a file over the size limit is left out (the linter
    # reports it), so a huge generated module costs neither the memory nor the time to parse it
    limit = getattr(settings, "max_file_size", None)

    def limit_of(path: str) -> Optional[int]:
        return resolver.for_file(path).max_file_size if resolver is not None else limit

    modules: Dict[str, FileFacts] = {}
    todo: List[Tuple[str, str]] = []  # (module, path): the text is read again where it is extracted
    use_cache = cache is not None and use_cache
    for name, path in chosen.items():
        if use_cache:
            try:
                text = read(path, limit_of(path)).text
            except Exception:
                continue
            try:
                facts = cache.load(f"facts-{FACTS_VERSION}-{source_hash(text)}")
            except Exception:
                facts = None
            if isinstance(facts, FileFacts):
                modules[name] = facts
                continue
        todo.append((name, path))

    # 3. extract the rest
    limits = [limit_of(p) for _, p in todo] if resolver is not None else limit
    for (name, _path), facts in zip(todo, extract_many([p for _, p in todo], jobs, limits)):
        if facts is None:  # unreadable: left out, like a file that cannot be read above
            continue
        modules[name] = facts
        if use_cache:
            try:
                cache.store(f"facts-{FACTS_VERSION}-{facts.source_hash}", facts)
            except Exception:
                pass
    return ProjectIndex(modules, frozenset(packages), {n: chosen[n] for n in modules}, settings)


_POOL_MIN_FILES = 400


def _extract_path(path: str, limit: Optional[int] = None, screen: bool = True) -> Optional[FileFacts]:
    """extract() of the file at `path`, or None when it cannot be read (see sourcefile.read_bytes:
    only a regular file of at most `limit` bytes is read)."""
    from .sourcefile import read

    try:
        text = read(path, limit).text
    except Exception:
        return None
    return extract(path, text, screen=screen)


class _ExtractJob(PoolJob):
    """_extract_path() of a (path, size limit) pair, in a pool worker."""

    def __init__(self, screen: bool = True):
        self.screen = screen

    def start_worker(self, parent_pid: Optional[int]) -> None:
        super().start_worker(parent_pid)
        import gc

        gc.disable()  # ast trees hold no cycles; collecting while building them is wasted work

    def __call__(self, item: Tuple[str, Optional[int]]) -> Optional[FileFacts]:
        return _extract_path(item[0], item[1], self.screen)

    def failed(self, item, why: str) -> None:
        return None  # left out of the index; linting the file reports what went wrong


def extract_many(
    paths: List[str], jobs: Optional[int], limit=None, screen: bool = True
) -> Iterator[Optional[FileFacts]]:
    """_extract_path() over many files, in order; in worker processes when there are many (the
    pool of pool.run_pool, so that a worker that dies or hangs costs its file only: the file is
    left out of the index). The workers read the files themselves, so that no process holds every
    text at once, and the facts are yielded as soon as those before them are in."""
    import gc

    if isinstance(limit, list):
        pairs = list(zip(paths, limit))
    else:
        pairs = [(p, limit) for p in paths]

    workers = jobs or 1
    if workers > 1 and len(paths) >= _POOL_MIN_FILES:
        waiting: Dict[int, Optional[FileFacts]] = {}
        next_index = 0
        done = run_pool(_ExtractJob(screen), list(enumerate(pairs)), min(workers, 8))
        try:
            for i, facts in done:
                waiting[i] = facts
                while next_index in waiting:
                    yield waiting.pop(next_index)
                    next_index += 1
        finally:
            done.close()  # an interrupted run stops its workers here
        return
    was_enabled = gc.isenabled()
    gc.disable()  # ast trees hold no cycles; collecting while building them is wasted work
    try:
        for path, one_limit in pairs:
            yield _extract_path(path, one_limit, screen)
    finally:
        if was_enabled:
            gc.enable()


def index_for_source(
    path: str, source: str, module_name: str, is_package: bool, project: Optional[ProjectIndex]
) -> ProjectIndex:
    """The index a rule should use for the file being checked: the project's, with this file's
    current text in place of what is on disk (or an index of this file alone)."""
    if project is not None and module_name:
        current = project.modules.get(module_name)
        if current is not None and current.source_hash == source_hash(source):
            return project
    facts = extract(path, source)
    if project is None:
        name = module_name or "__main__"
        return ProjectIndex({name: facts}, frozenset({name}) if is_package else frozenset(), {name: path})
    return project.for_file(module_name, facts, is_package)


__all__ = [
    "FileFacts",
    "FuncFacts",
    "ClassFacts",
    "ProjectIndex",
    "Callee",
    "extract",
    "build_index",
    "index_for_source",
    "project_files",
]
