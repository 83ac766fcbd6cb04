"""The semantic model of one file: its scopes, every binding of every name, qualified names and
the types of objects, built once from the stdlib `ast` and asked by the rules through
`FileContext.qualname`.

Names follow the convention of the catalogs: a dotted qualified name, with `()` for "an instance
of" or "the result of". `client: httpx.Client` makes `client` resolve to `httpx.Client()`, so
`client.get` is `httpx.Client().get`; a project function or class resolves to `module.func` or
`module.Class`, a method's first parameter to `module.Class()`.

Scopes are those of Python: module, class, function, lambda and comprehension. A name's bindings
are all the places that bind it in its scope:

- imports and aliases (relative ones through the module's own name);
- assignment, with tuple and list unpacking when the value is a literal of the same shape,
  augmented assignment, walrus (in the enclosing function, as PEP 572 says), `del`;
- `for`, `async for`, `with` and `async with` targets; `except ... as`;
- every capture of a `match` pattern;
- parameters; `def` and `class` (every `@overload` and the implementation name the same
  function); `global` and `nonlocal` send the name to the scope they name.

The types of objects come from constructor calls, annotations (parameters, locals, class bodies,
`self.x: T` in any method; `Optional[T]`, `Union[T, None]`, `T | None`, `Annotated`, `Final`,
`ClassVar`, and annotations written as strings), the return annotation of a function or method of
this file when it is called (of a coroutine function when its call is awaited), `with T() as x`,
and `path / "x"` for `pathlib` paths.

The model is flow-insensitive and leans to precision: when the bindings of a name do not all
give the same answer, the name resolves to nothing, and no rule reports on it.

The project index builds the model without the module's name (module-relative: the file's
definitions are named by their path, `Store.save`) and reads its scopes and binding sites for the
calls of function bodies (project.py); `Site.origin` keeps each import as written for it.

Across modules, the return annotation of a project function comes from the project index
(`external_returns`, which FileContext connects). What it does not follow: inheritance (an
attribute set in a base class), element types of containers other than an annotated `for`
iterable (`for c in clients` with `clients: list[httpx.Client]`), narrowing by
`isinstance`, and the annotation scopes of generics (PEP 695), whose type parameters are unknown.
"""

from __future__ import annotations

import ast
import builtins
from typing import Callable, Dict, List, Optional, Tuple, Type, Union

MODULE, FUNCTION, LAMBDA, CLASS, COMPREHENSION = "module", "function", "lambda", "class", "comprehension"

BUILTIN_NAMES = frozenset(dir(builtins))
_MAX_DEPTH = 12

# Annotation wrappers that stand for their first argument, and unions.
_SAME_AS_FIRST = frozenset(
    f"{m}.{n}"
    for m in ("typing", "typing_extensions")
    for n in ("Annotated", "Final", "ClassVar", "Required", "NotRequired", "ReadOnly")
)
_OPTIONAL = frozenset({"typing.Optional", "typing_extensions.Optional"})
_UNION = frozenset({"typing.Union", "typing_extensions.Union"})
_TYPE_OF = frozenset({"typing.Type", "typing_extensions.Type", "builtins.type"})
# Annotations that say nothing about an object's type.
_NO_TYPE = frozenset(
    {"builtins.object", "builtins.None", "types.NoneType"}
    | {f"{m}.{n}" for m in ("typing", "typing_extensions") for n in ("Any", "TypeVar", "Self", "Never", "NoReturn")}
)
# Iterables whose annotated element type a `for` target takes.
_ELEMENT_OF = frozenset(
    {"builtins.list", "builtins.set", "builtins.frozenset", "builtins.tuple"}
    | {
        f"{m}.{n}"
        for m in ("typing", "collections.abc")
        for n in (
            "List",
            "Set",
            "FrozenSet",
            "Sequence",
            "MutableSequence",
            "Iterable",
            "Iterator",
            "Collection",
            "AbstractSet",
            "MutableSet",
            "AsyncIterable",
        )
    }
)
_PATHS = frozenset(
    f"pathlib.{n}()" for n in ("Path", "PurePath", "PosixPath", "WindowsPath", "PurePosixPath", "PureWindowsPath")
)
_FIELD_FACTORIES = frozenset(
    {
        "dataclasses.field",
        "attrs.field",
        "attr.ib",
        "attr.attrib",
        "attrs.Factory",
        "attr.Factory",
        "pydantic.Field",
        "msgspec.field",
    }
)
# typing's aliases of builtin classes name the class
_ALIASES = {
    f"{m}.{n}": f"builtins.{n.lower()}"
    for m in ("typing", "typing_extensions")
    for n in ("Dict", "List", "Set", "FrozenSet", "Tuple", "Type")
}
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


class Site:
    """One place that binds a name.

    kind: "import" (data: the dotted target, or None for a relative import past the top),
    "value" (data: the expression), "annotated" (data: (annotation, value or None)),
    "element" (data: the iterable of a `for`), "def"/"class" (data: the ast node), "param"
    (data: (the ast.arg, index among positional parameters or -1)), "unknown".
    `scope` is where the data is evaluated. `origin` of an import site is the import as written:
    (level, module, name or None) (`import a.b` binds `a`: (0, "a", None))."""

    __slots__ = ("kind", "data", "scope", "form", "origin")

    def __init__(self, kind: str, data, scope: ModelScope, form: str = "", origin: Optional[tuple] = None):
        self.kind = kind
        self.data = data
        self.scope = scope
        self.form = form  # the binding form where it is not plain from `kind`: "walrus", "match", "star-param"
        self.origin = origin

    def __repr__(self):  # pragma: no cover - debugging aid
        return f"Site({self.kind}, {self.data!r})"


class ModelScope:
    __slots__ = (
        "kind",
        "name",
        "node",
        "parent",
        "is_async",
        "sites",
        "declared",
        "children",
        "anonymous",
        "class_scope",
        "prefix",
        "attr_sites",
    )
    prefix: str  # the qualified name of what the scope defines, set by the builder

    def __init__(self, kind: str, node, parent: Optional[ModelScope], name: str = "", is_async: bool = False):
        self.kind = kind
        self.name = name
        self.node = node
        self.parent = parent
        self.is_async = is_async
        self.sites: Dict[str, List[Site]] = {}
        self.declared: Dict[str, str] = {}  # name -> "global" | "nonlocal"
        self.children: Dict[Tuple[str, str, int], ModelScope] = {}
        self.anonymous: List[ModelScope] = []  # lambdas and comprehensions, keyed once built
        self.class_scope = parent if (kind == FUNCTION and parent is not None and parent.kind == CLASS) else None
        self.attr_sites: Dict[str, List[Site]] = {}  # class scopes: instance attributes

    def child(self, kind: str, name: str, occurrence: int) -> Optional[ModelScope]:
        """The nested scope a walk of the same source meets as the `occurrence`-th (from 0) scope
        of this kind and name (lambdas and comprehensions: name "") directly inside this one."""
        return self.children.get((kind, name, occurrence))

    def function_scope(self) -> ModelScope:
        scope = self
        while scope.kind == COMPREHENSION and scope.parent is not None:
            scope = scope.parent
        return scope

    def module_scope(self) -> ModelScope:
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope

    def bind(self, name: str, site: Site) -> None:
        owner: ModelScope = self
        how = self.declared.get(name)
        if how == "global":
            owner = self.module_scope()  # the site keeps this scope: its value is evaluated here
        elif how == "nonlocal":
            outer = self.parent
            while outer is not None and (outer.kind == CLASS or name not in outer.sites) and outer.kind != MODULE:
                outer = outer.parent
            if outer is not None and outer.kind != MODULE:
                owner = outer
        owner.sites.setdefault(name, []).append(site)

    def lookup(self, name: str) -> Tuple[Optional[List[Site]], Optional[ModelScope]]:
        """Python's lookup of `name` from this scope -> (its sites, the scope they are in), or
        (None, None) for a name bound nowhere in the file. Class scopes are seen only by code
        directly in them (and by their comprehensions)."""
        scope: Optional[ModelScope] = self
        first = True
        while scope is not None:
            if first or scope.kind != CLASS:
                how = scope.declared.get(name)
                if how == "global":
                    root = self.module_scope()
                    return root.sites.get(name), root
                if how is None and name in scope.sites:
                    return scope.sites[name], scope
            if scope.kind != COMPREHENSION:
                first = False
            scope = scope.parent
        return None, None


class SemanticModel:
    def __init__(self, tree: ast.Module, module_name: str = "", is_package: bool = False):
        self.module_name = module_name
        self.is_package = is_package
        self.root = ModelScope(MODULE, tree, None)
        self.root.prefix = module_name
        self._classes: Dict[str, Optional[ModelScope]] = {}
        self._functions: Dict[str, Optional[Union[ast.FunctionDef, ast.AsyncFunctionDef]]] = {}
        self._memo: Dict[Tuple[int, str], Optional[str]] = {}
        # what a call of a function of another module gives: (qualname, awaited) -> name or None
        self.external_returns: Optional[Callable[[str, bool], Optional[str]]] = None
        self._awaited: Optional[frozenset] = None
        self._by_node: Optional[Dict[int, ModelScope]] = None
        _Builder(self).build(tree)

    def awaited_call_names(self) -> frozenset:
        """The called names of the calls awaited anywhere in the file: `f` for `await f(...)`
        and for `await x.f(...)` (worked out on first use)."""
        if self._awaited is None:
            found = set()
            for node in ast.walk(self.root.node):
                if isinstance(node, ast.Await) and isinstance(node.value, ast.Call):
                    func = node.value.func
                    if isinstance(func, ast.Name):
                        found.add(func.id)
                    elif isinstance(func, ast.Attribute):
                        found.add(func.attr)
            self._awaited = frozenset(found)
        return self._awaited

    @classmethod
    def from_source(cls, source: str, module_name: str = "", is_package: bool = False) -> Optional[SemanticModel]:
        """The model of `source`, or None when the running Python's `ast` cannot parse it."""
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            return None
        try:
            return cls(tree, module_name, is_package)
        except RecursionError:  # pragma: no cover - the walk is iterative; resolution is bounded
            return None

    def release(self) -> None:
        """Break the reference cycles between the scopes of the model (parents and children,
        bindings and the scopes they belong to), so that it is freed as soon as it is dropped:
        the index's workers run with the cycle collector off. The model answers nothing after."""
        stack = [self.root]
        while stack:
            scope = stack.pop()
            stack.extend(scope.children.values())
            stack.extend(scope.anonymous)
            scope.children = {}
            scope.anonymous = []
            scope.sites = {}
            scope.attr_sites = {}
            scope.parent = None
            scope.class_scope = None
        self._memo.clear()

    # --- queries ---------------------------------------------------------------------------------
    def resolve_name(self, scope: ModelScope, name: str) -> Optional[str]:
        key = (id(scope), name)
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = None  # a name whose binding refers to itself resolves to nothing
        result = self._name(scope, name, 0)
        self._memo[key] = result
        return result

    def resolve(self, scope: ModelScope, expr: ast.AST) -> Optional[str]:
        """The qualified name of an expression evaluated in `scope`."""
        return self._expr(expr, scope, 0)

    def instance_attribute(self, class_qualname: str, attr: str, depth: int = 0) -> Optional[str]:
        """What `attr` of an instance of the file's class `class_qualname` is, from `self.attr`
        assignments and annotations in its methods and annotations in its body."""
        scope = self._classes.get(class_qualname)
        if scope is None:
            return None
        sites = scope.attr_sites.get(attr)
        if not sites:
            return None
        return self._agree(attr, sites, depth + 1)

    def class_scope(self, qualname: str) -> Optional[ModelScope]:
        return self._classes.get(qualname)

    def class_scopes(self) -> List[ModelScope]:
        """The scopes of the file's classes whose qualified name is theirs alone."""
        return [scope for scope in self._classes.values() if scope is not None]

    def scope_of(self, node: ast.AST) -> Optional[ModelScope]:
        """The scope a def, lambda, class or comprehension node of the model's tree opens."""
        if self._by_node is None:
            found: Dict[int, ModelScope] = {}
            stack = [self.root]
            while stack:
                scope = stack.pop()
                found[id(scope.node)] = scope
                stack.extend(scope.children.values())
            self._by_node = found
        return self._by_node.get(id(node))

    def value_over_annotation(self, site: Site) -> bool:
        """For an "annotated" site with a value (`x: T = v`): does the name take its type from the
        value rather than from the annotation (as resolve() decides)?"""
        annotation, value = site.data
        if value is None:
            return False
        typed = self._annotation(annotation, site.scope, 1)
        if typed is None or _vague(typed):
            return True
        made = self._expr(value, site.scope, 1)
        return made is not None and self._exact(made)

    # --- resolution ------------------------------------------------------------------------------
    def _name(self, scope: ModelScope, name: str, depth: int) -> Optional[str]:
        sites, _where = scope.lookup(name)
        if sites is None:
            return f"builtins.{name}" if name in BUILTIN_NAMES else None
        return self._agree(name, sites, depth)

    def _agree(self, name: str, sites: List[Site], depth: int) -> Optional[str]:
        if len(sites) > 1:
            # a declaration (`x: T` alone) gives the type of every value the name is bound to
            for site in sites:
                if site.kind == "annotated" and site.data[1] is None:
                    declared = self._annotation(site.data[0], site.scope, depth + 1)
                    if declared is not None and not _vague(declared):
                        return declared
        result: Optional[str] = None
        for i, site in enumerate(sites):
            found = self._site(name, site, depth)
            if found is None or (i and found != result):
                return None
            result = found
        return result

    def _site(self, name: str, site: Site, depth: int) -> Optional[str]:
        if depth > _MAX_DEPTH:
            return None
        kind = site.kind
        if kind == "import":
            return site.data
        if kind == "value":
            return self._expr(site.data, site.scope, depth + 1)
        if kind == "annotated":
            annotation, value = site.data
            typed = self._annotation(annotation, site.scope, depth + 1)
            if value is None:
                return typed
            made = self._expr(value, site.scope, depth + 1)
            if typed is None or _vague(typed):
                return made  # `x: TypeAlias = ...`, `f: Callable[...] = g`: the value says more
            if made is not None and self._exact(made):
                return made  # `x: Base = lib.Derived()`, `conn: Connection = sqlite3.connect()`
            return typed
        if kind == "element":
            return self._element(site.data, site.scope, depth + 1)
        if kind in ("def", "class"):
            return f"{site.scope.prefix}.{name}".lstrip(".")
        if kind == "param":
            arg, index = site.data
            function = site.scope
            if index == 0 and function.class_scope is not None:
                decorators = {_dotted(d) for d in function.node.decorator_list}
                if "staticmethod" in decorators:
                    return self._annotation(arg.annotation, function.class_scope, depth + 1) if arg.annotation else None
                cls_name = function.class_scope.prefix
                return cls_name if "classmethod" in decorators else cls_name + "()"
            if arg.annotation is not None:
                return self._annotation(arg.annotation, function.parent or function, depth + 1)
            return None
        return None

    def _expr(self, node, scope: ModelScope, depth: int) -> Optional[str]:
        if depth > _MAX_DEPTH:
            return None
        if isinstance(node, ast.Name):
            if depth == 0:
                return self.resolve_name(scope, node.id)
            return self._name(scope, node.id, depth)
        if isinstance(node, ast.Attribute):
            base = self._expr(node.value, scope, depth + 1)
            return self.attribute(base, node.attr, depth) if base is not None else None
        if isinstance(node, ast.Call):
            func = self._expr(node.func, scope, depth + 1)
            return self.call_result(func, awaited=False, depth=depth) if func is not None else None
        if isinstance(node, ast.Await):
            inner = node.value
            if isinstance(inner, ast.Call):
                func = self._expr(inner.func, scope, depth + 1)
                return self.call_result(func, awaited=True, depth=depth) if func is not None else None
            return None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            return self.divided(self._expr(node.left, scope, depth + 1))
        if isinstance(node, ast.NamedExpr):
            return self._expr(node.value, scope, depth + 1)
        return None

    # --- the steps of an expression, for walks over either tree (FileContext walks libcst's) -----
    def attribute(self, base: str, attr: str, depth: int = 0) -> str:
        """The qualified name of `attr` of what `base` names."""
        if base.endswith("()") and depth <= _MAX_DEPTH:
            via = self.instance_attribute(base[:-2], attr, depth)
            if via is not None:
                return via
        return f"{base}.{attr}"

    def call_result(self, func: str, awaited: bool, depth: int = 0) -> str:
        """What a call of `func` gives (awaited: the value of awaiting it)."""
        returned = self._returns(func, depth, awaited)
        if returned is None and self.external_returns is not None:
            returned = self.external_returns(func, awaited)
        return returned if returned is not None else func + "()"

    @staticmethod
    def divided(left: Optional[str]) -> Optional[str]:
        """`left / ...`: a path stays a path; anything else is not followed."""
        return left if left in _PATHS else None

    def _exact(self, made: str) -> bool:
        """Does a value's name say more than its annotation? A library's object does; what the
        project's own functions return (not followed across modules), builtins' results
        (`getattr()`, `d.get()`) and field factories (`dataclasses.field()`) do not."""
        top = made.split(".", 1)[0]
        if top == "builtins" or made.rstrip("()") in _FIELD_FACTORIES:
            return False
        own = self.module_name.split(".", 1)[0]
        if not own:  # names relative to the module: its own definitions are bound at its top
            return not any(site.kind in ("def", "class") for site in self.root.sites.get(top, ()))
        return top != own

    def _returns(self, func: str, depth: int, awaited: bool) -> Optional[str]:
        """The type a call of the file's function `func` returns, from its return annotation (for
        a coroutine function, only when the call is awaited)."""
        node = self._functions.get(func)
        if node is None and "()." in func:  # a method called on an instance of the file's class
            owner, _, method = func.rpartition(".")
            if owner.endswith("()"):
                func = f"{owner[:-2]}.{method}"
                node = self._functions.get(func)
        if node is None or node.returns is None:
            return None
        if isinstance(node, ast.AsyncFunctionDef) != awaited:
            return None
        scope = self._def_scope(func)
        return self._annotation(node.returns, scope, depth + 1) if scope is not None else None

    def _def_scope(self, func: str) -> Optional[ModelScope]:
        owner, _, _ = func.rpartition(".")
        if owner == self.module_name or (not self.module_name and not owner):
            return self.root
        return self._classes.get(owner)

    def _annotation(self, node, scope: ModelScope, depth: int) -> Optional[str]:
        """The instance type an annotation names, or None."""
        if depth > _MAX_DEPTH or node is None:
            return None
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str) and len(node.value) < 500:
                try:
                    parsed = ast.parse(node.value.strip(), mode="eval").body
                except (SyntaxError, ValueError, RecursionError, MemoryError):
                    return None
                return self._annotation(parsed, scope, depth + 1)
            return None
        if isinstance(node, (ast.Name, ast.Attribute)):
            named = self._expr(node, scope, depth + 1)
            if named is None or named.endswith("()") or named in _NO_TYPE:
                return None
            return _ALIASES.get(named, named) + "()"
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return self._union([node.left, node.right], scope, depth)
        if isinstance(node, ast.Subscript):
            base = self._expr(node.value, scope, depth + 1)
            args = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
            if base in _OPTIONAL:
                return self._annotation(args[0], scope, depth + 1) if len(args) == 1 else None
            if base in _UNION:
                return self._union(args, scope, depth)
            if base in _SAME_AS_FIRST:
                return self._annotation(args[0], scope, depth + 1) if args else None
            if base in _TYPE_OF:
                inner = self._annotation(args[0], scope, depth + 1) if len(args) == 1 else None
                return inner[:-2] if inner is not None else None
            if base is None or base.endswith("()") or base in _NO_TYPE:
                return None
            return _ALIASES.get(base, base) + "()"
        return None

    def _union(self, members, scope: ModelScope, depth: int) -> Optional[str]:
        stack = list(members)
        found: Optional[str] = None
        while stack:
            member = stack.pop()
            if isinstance(member, ast.BinOp) and isinstance(member.op, ast.BitOr):
                stack.extend((member.left, member.right))
                continue
            if isinstance(member, ast.Constant) and member.value is None:
                continue
            if isinstance(member, ast.Constant) and member.value == "None":
                continue
            if isinstance(member, ast.Name) and member.id == "None":
                continue
            typed = self._annotation(member, scope, depth + 1)
            if typed is None or (found is not None and typed != found):
                return None
            found = typed
        return found

    def _element(self, iterable, scope: ModelScope, depth: int) -> Optional[str]:
        """The element type of an iterable whose annotation says it (`clients: list[T]`)."""
        if not isinstance(iterable, ast.Name):
            return None
        sites, _where = scope.lookup(iterable.id)
        if not sites or len(sites) != 1:
            return None
        site = sites[0]
        if site.kind == "annotated":
            annotation = site.data[0]
        elif site.kind == "param" and site.data[0].annotation is not None:
            annotation = site.data[0].annotation
        else:
            return None
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            try:
                annotation = ast.parse(annotation.value.strip(), mode="eval").body
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                return None
        if not isinstance(annotation, ast.Subscript):
            return None
        where = site.scope if site.kind == "annotated" else (site.scope.parent or site.scope)
        base = self._expr(annotation.value, where, depth + 1)
        if base not in _ELEMENT_OF:
            return None
        args = list(annotation.slice.elts) if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
        if base == "builtins.tuple" and not (
            len(args) == 2 and isinstance(args[1], ast.Constant) and args[1].value is Ellipsis
        ):
            return None
        return self._annotation(args[0], where, depth + 1) if args else None


# ------------------------------------------------------------------------------------------------
# Building
# ------------------------------------------------------------------------------------------------


def _dotted(node) -> Optional[str]:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _import_from_module(node: ast.ImportFrom, module_name: str, is_package: bool) -> Optional[str]:
    base = node.module or ""
    if not node.level:
        return base
    if not module_name:
        return None
    package = module_name.split(".")
    if not is_package:
        package = package[:-1]
    if node.level - 1 > len(package):
        return None
    if node.level > 1:
        package = package[: len(package) - (node.level - 1)]
    return ".".join(p for p in (".".join(package), base) if p)


def _start(node) -> Tuple[int, int]:
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))


_MATCH_TYPES = tuple(
    getattr(ast, n)
    for n in ("MatchAs", "MatchStar", "MatchMapping", "MatchClass", "MatchSequence", "MatchOr")
    if hasattr(ast, n)
)


class _Builder:
    """One iterative walk (deep input cannot exhaust the stack) that creates the scopes and
    records every binding site."""

    def __init__(self, model: SemanticModel):
        self.model = model

    def build(self, tree: ast.Module) -> None:
        model = self.model
        stack: list = [(stmt, model.root) for stmt in reversed(tree.body)]
        all_scopes = [model.root]
        special, fields_of, skip = _SPECIAL, CHILD_FIELDS, _LEAVES
        AST = ast.AST
        pop, push = stack.pop, stack.append
        while stack:
            node, scope = pop()
            t = type(node)
            if t in special:
                pushed = self.visit(node, scope, all_scopes)
                if pushed:
                    stack.extend(reversed(pushed))
                continue
            # a node that binds nothing itself: walk its children (in source order once popped)
            fields = fields_of.get(t) or child_fields(t)
            children: List[ast.AST] = []
            for field in fields:
                value = getattr(node, field, None)
                if type(value) is list:
                    children.extend(c for c in value if isinstance(c, AST) and type(c) not in skip)
                elif isinstance(value, AST) and type(value) not in skip:
                    children.append(value)
            for child in reversed(children):
                push((child, scope))
        for scope in all_scopes:
            self._key_children(scope)
        self._index_definitions(all_scopes)

    def _key_children(self, scope: ModelScope) -> None:
        counts: Dict[Tuple[str, str], int] = {}
        named = list(scope.children.values())
        scope.children = {}
        for child in named:
            key = (child.kind, child.name)
            n = counts.get(key, 0)
            counts[key] = n + 1
            scope.children[(child.kind, child.name, n)] = child
        for child in sorted(scope.anonymous, key=lambda c: _start(c.node)):
            key = (child.kind, "")
            n = counts.get(key, 0)
            counts[key] = n + 1
            scope.children[(child.kind, "", n)] = child
        scope.anonymous = []

    def _index_definitions(self, scopes: List[ModelScope]) -> None:
        classes = self.model._classes
        functions = self.model._functions
        for scope in scopes:
            if scope.kind == CLASS:
                classes[scope.prefix] = None if scope.prefix in classes else scope
            if scope.kind == FUNCTION and scope.parent is not None and scope.parent.kind in (MODULE, CLASS):
                qualname = f"{scope.parent.prefix}.{scope.name}".lstrip(".")
                if _is_overload(scope.node):
                    continue  # the implementation's annotation is the one that holds
                functions[qualname] = None if qualname in functions else scope.node

    # --- scopes ----------------------------------------------------------------------------------
    def _new_scope(self, kind: str, node, parent: ModelScope, name: str, is_async: bool, all_scopes) -> ModelScope:
        scope = ModelScope(kind, node, parent, name, is_async)
        # the prefix of the qualified names of what is defined inside (as Python's __qualname__)
        if kind == CLASS:
            scope.prefix = f"{parent.prefix}.{name}".lstrip(".")
        elif kind == FUNCTION:
            scope.prefix = f"{parent.prefix}.{name}.<locals>".lstrip(".")
        elif kind == LAMBDA:
            scope.prefix = f"{parent.prefix}.<lambda>.<locals>".lstrip(".")
        else:
            scope.prefix = parent.prefix
        if name:  # keyed by _key_children in order of appearance, the order of the statements
            parent.children[(kind, name, id(scope))] = scope
        else:
            parent.anonymous.append(scope)
        all_scopes.append(scope)
        return scope

    def visit(self, node, scope: ModelScope, all_scopes) -> Optional[list]:
        """Record what `node` binds; return the (child, scope) pairs to walk next, in source order."""
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            scope.bind(node.name, Site("def", node, scope))
            inner = self._new_scope(
                FUNCTION, node, scope, node.name, isinstance(node, ast.AsyncFunctionDef), all_scopes
            )
            self._params(node.args, inner)
            outer = list(node.decorator_list) + _argument_expressions(node.args)
            if node.returns is not None:
                outer.append(node.returns)
            return [(n, scope) for n in outer] + [(s, inner) for s in node.body]
        if isinstance(node, ast.Lambda):
            inner = self._new_scope(LAMBDA, node, scope, "", False, all_scopes)
            self._params(node.args, inner)
            return [(n, scope) for n in _argument_expressions(node.args)] + [(node.body, inner)]
        if isinstance(node, ast.ClassDef):
            scope.bind(node.name, Site("class", node, scope))
            inner = self._new_scope(CLASS, node, scope, node.name, False, all_scopes)
            outer = list(node.decorator_list) + list(node.bases) + [k.value for k in node.keywords]
            return [(n, scope) for n in outer] + [(s, inner) for s in node.body]
        if isinstance(node, _COMPREHENSIONS):
            inner = self._new_scope(COMPREHENSION, node, scope, "", False, all_scopes)
            for gen in node.generators:
                self._target(gen.target, None, inner, element_of=gen.iter)
            return [(child, inner) for child in ast.iter_child_nodes(node)]
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname is not None:
                    scope.bind(alias.asname, Site("import", alias.name, scope, origin=(0, alias.name, None)))
                else:
                    top = alias.name.split(".")[0]
                    scope.bind(top, Site("import", top, scope, origin=(0, top, None)))
            return None
        if isinstance(node, ast.ImportFrom):
            module = _import_from_module(node, self.model.module_name, self.model.is_package)
            for alias in node.names:
                if alias.name == "*":
                    continue
                dotted = f"{module}.{alias.name}" if module else None
                # a relative import the module's name cannot place binds to nothing known
                origin = (node.level or 0, node.module or "", alias.name)
                scope.bind(alias.asname or alias.name, Site("import", dotted, scope, origin=origin))
            return None
        if isinstance(node, ast.Assign):
            for target in node.targets:
                self._target(target, node.value, scope)
            return self._walk_children(node, scope)
        if isinstance(node, ast.AnnAssign):
            target = node.target
            if isinstance(target, ast.Name):
                if node.value is not None or scope.kind != MODULE:
                    scope.bind(target.id, Site("annotated", (node.annotation, node.value), scope))
                if scope.kind == CLASS:
                    scope.attr_sites.setdefault(target.id, []).append(Site("annotated", (node.annotation, None), scope))
            elif isinstance(target, ast.Attribute):
                self._instance_attr(target, Site("annotated", (node.annotation, node.value), scope), scope)
            return self._walk_children(node, scope)
        if isinstance(node, ast.AugAssign):
            self._target(node.target, None, scope)
            return self._walk_children(node, scope)
        if isinstance(node, ast.NamedExpr):
            owner = scope
            while owner.kind == COMPREHENSION and owner.parent is not None:
                owner = owner.parent
            if isinstance(node.target, ast.Name):
                owner.bind(node.target.id, Site("value", node.value, scope, "walrus"))
            return [(node.value, scope)]
        if isinstance(node, (ast.For, ast.AsyncFor)):
            self._target(node.target, None, scope, element_of=node.iter)
            return self._walk_children(node, scope)
        if isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is not None:
                    self._target(item.optional_vars, item.context_expr, scope, unpack=False)
            return self._walk_children(node, scope)
        if isinstance(node, ast.ExceptHandler):
            if node.name:
                scope.bind(node.name, Site("unknown", None, scope))
            return self._walk_children(node, scope)
        if isinstance(node, ast.Global):
            for name in node.names:
                scope.declared[name] = "global"
            return None
        if isinstance(node, ast.Nonlocal):
            for name in node.names:
                scope.declared[name] = "nonlocal"
            return None
        if isinstance(node, ast.Delete):
            for target in node.targets:
                self._target(target, None, scope)
            return self._walk_children(node, scope)
        if _MATCH_TYPES and isinstance(node, _MATCH_TYPES):
            for name in _pattern_captures(node):
                scope.bind(name, Site("unknown", None, scope, "match"))
            return self._walk_children(node, scope, patterns=False)
        type_alias = getattr(ast, "TypeAlias", None)
        if type_alias is not None and isinstance(node, type_alias):  # pragma: no cover - Python 3.12+
            if isinstance(node.name, ast.Name):
                scope.bind(node.name.id, Site("unknown", None, scope))
            return None
        return self._walk_children(node, scope)

    @staticmethod
    def _walk_children(node, scope: ModelScope, patterns: bool = True) -> list:
        if patterns:
            return [(child, scope) for child in ast.iter_child_nodes(node)]
        # a pattern's captures are recorded; its value patterns and class names may hold expressions
        return [(child, scope) for child in ast.iter_child_nodes(node) if not isinstance(child, _MATCH_TYPES)] + [
            (expr, scope) for expr in _pattern_expressions(node)
        ]

    def _params(self, args: ast.arguments, scope: ModelScope) -> None:
        positional = list(args.posonlyargs) + list(args.args)
        for i, arg in enumerate(positional):
            scope.bind(arg.arg, Site("param", (arg, i), scope))
        for arg in args.kwonlyargs:
            scope.bind(arg.arg, Site("param", (arg, -1), scope))
        for star in (args.vararg, args.kwarg):
            if star is not None:
                # `*args: T` is a tuple of T and `**kw: T` a dict of T: no type for the name
                scope.bind(star.arg, Site("unknown", None, scope, form="star-param"))

    def _target(self, target, value, scope: ModelScope, element_of=None, unpack: bool = True) -> None:
        if isinstance(target, ast.Name):
            if value is not None:
                scope.bind(target.id, Site("value", value, scope))
            elif element_of is not None:
                scope.bind(target.id, Site("element", element_of, scope))
            else:
                scope.bind(target.id, Site("unknown", None, scope))
        elif isinstance(target, (ast.Tuple, ast.List)):
            values = None
            if (
                unpack
                and isinstance(value, (ast.Tuple, ast.List))
                and len(value.elts) == len(target.elts)
                and not any(isinstance(e, ast.Starred) for e in value.elts + target.elts)
            ):
                values = value.elts
            for i, element in enumerate(target.elts):
                self._target(element, values[i] if values is not None else None, scope)
        elif isinstance(target, ast.Starred):
            self._target(target.value, None, scope)
        elif isinstance(target, ast.Attribute) and value is not None:
            self._instance_attr(target, Site("value", value, scope), scope)

    @staticmethod
    def _instance_attr(target: ast.Attribute, site: Site, scope: ModelScope) -> None:
        """`self.x = ...` / `self.x: T` in a method: an attribute of the class's instances."""
        function = scope.function_scope()
        if function.kind != FUNCTION or function.class_scope is None or not isinstance(target.value, ast.Name):
            return
        args = function.node.args
        positional = list(args.posonlyargs) + list(args.args)
        if not positional or positional[0].arg != target.value.id:
            return
        decorators = {_dotted(d) for d in function.node.decorator_list}
        if decorators & {"staticmethod", "classmethod"}:
            return
        function.class_scope.attr_sites.setdefault(target.attr, []).append(site)


def _vague(typed: str) -> bool:
    """An annotation that names a protocol or alias rather than the class of the object."""
    return typed.startswith(("typing.", "typing_extensions.", "collections.abc.")) or typed.endswith(".TypeAlias()")


# The node types that bind a name or open a scope (_Builder.visit); the walk passes through the
# others, and never enters leaves, which neither bind nor hold anything that does.
_SPECIAL = frozenset(
    {
        ast.FunctionDef,
        ast.AsyncFunctionDef,
        ast.Lambda,
        ast.ClassDef,
        ast.Import,
        ast.ImportFrom,
        ast.Assign,
        ast.AnnAssign,
        ast.AugAssign,
        ast.NamedExpr,
        ast.For,
        ast.AsyncFor,
        ast.With,
        ast.AsyncWith,
        ast.ExceptHandler,
        ast.Global,
        ast.Nonlocal,
        ast.Delete,
    }
    | set(_COMPREHENSIONS)
    | set(_MATCH_TYPES)
    | ({ast.TypeAlias} if hasattr(ast, "TypeAlias") else set())
)
_LEAVES = frozenset({ast.Name, ast.Constant, ast.Pass, ast.Break, ast.Continue})
# The fields of each ast node type that may hold nodes worth visiting (contexts and operators
# hold none), filled per type on first use: the walks of the model, the screen and the path
# guards share it.
CHILD_FIELDS: Dict[Type[ast.AST], Tuple[str, ...]] = {}
_NO_NODES = frozenset({"ctx", "op", "ops"})


def child_fields(t: Type[ast.AST]) -> Tuple[str, ...]:
    fields = CHILD_FIELDS.get(t)
    if fields is None:
        fields = CHILD_FIELDS[t] = tuple(f for f in t._fields if f not in _NO_NODES)
    return fields


def _is_overload(node) -> bool:
    return any(_dotted(d) in ("overload", "typing.overload", "typing_extensions.overload") for d in node.decorator_list)


def _argument_expressions(args: ast.arguments) -> list:
    """Defaults and annotations of parameters, in source order: evaluated outside the function."""
    out: list = []
    positional = list(args.posonlyargs) + list(args.args)
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    for arg, default in zip(positional, defaults):
        if arg.annotation is not None:
            out.append(arg.annotation)
        if default is not None:
            out.append(default)
    if args.vararg is not None and args.vararg.annotation is not None:
        out.append(args.vararg.annotation)
    for arg, default in zip(args.kwonlyargs, args.kw_defaults):
        if arg.annotation is not None:
            out.append(arg.annotation)
        if default is not None:
            out.append(default)
    if args.kwarg is not None and args.kwarg.annotation is not None:
        out.append(args.kwarg.annotation)
    return out


def _pattern_captures(pattern) -> List[str]:
    names: List[str] = []
    stack = [pattern]
    while stack:
        p = stack.pop()
        if isinstance(p, ast.MatchAs):
            if p.name:
                names.append(p.name)
            if p.pattern is not None:
                stack.append(p.pattern)
        elif isinstance(p, ast.MatchStar):
            if p.name:
                names.append(p.name)
        elif isinstance(p, ast.MatchMapping):
            if p.rest:
                names.append(p.rest)
            stack.extend(p.patterns)
        elif isinstance(p, ast.MatchClass):
            stack.extend(p.patterns)
            stack.extend(p.kwd_patterns)
        elif isinstance(p, (ast.MatchSequence, ast.MatchOr)):
            stack.extend(p.patterns)
    return names


def _pattern_expressions(pattern) -> list:
    """The expressions inside a pattern (values, mapping keys, class names)."""
    out: list = []
    stack = [pattern]
    while stack:
        p = stack.pop()
        if isinstance(p, ast.MatchValue):
            out.append(p.value)
        elif isinstance(p, ast.MatchAs) and p.pattern is not None:
            stack.append(p.pattern)
        elif isinstance(p, ast.MatchMapping):
            out.extend(p.keys)
            stack.extend(p.patterns)
        elif isinstance(p, ast.MatchClass):
            out.append(p.cls)
            stack.extend(p.patterns)
            stack.extend(p.kwd_patterns)
        elif isinstance(p, (ast.MatchSequence, ast.MatchOr)):
            stack.extend(p.patterns)
    return out
