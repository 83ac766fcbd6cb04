"""Scopes and bindings: a light, lazy replacement for libcst's Scope/QualifiedName providers.

A scope's bindings are collected the first time a name is resolved in it, by walking only the
statements of that scope (never into nested function or class bodies), so files where no rule
asks for a name pay nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Dict, Iterator, Optional, Union, cast

import libcst as cst

if TYPE_CHECKING:
    from typing import Literal

    from .analysis.semantic import ModelScope

MODULE, FUNCTION, LAMBDA, CLASS, COMPREHENSION = "module", "function", "lambda", "class", "comprehension"


class Binding:
    """How a name is bound in one scope.

    kind: "import" (target = dotted module/object path), "value" (target = the assigned
    expression, or for `with x as y` the context expression), "def", "class", "param",
    "global", "nonlocal", "unknown" (bound, but to something we do not follow).
    """

    __slots__ = ("kind", "target", "node")

    def __init__(self, kind: str, target=None, node=None):
        self.kind = kind
        self.target = target
        self.node = node

    def same_as(self, other: Binding) -> bool:
        if self.kind != other.kind:
            return False
        if self.kind == "import":
            return self.target == other.target
        if self.kind == "value":
            return self.target is other.target or (
                isinstance(self.target, cst.CSTNode) and self.target.deep_equals(other.target)
            )
        return self.kind in ("global", "nonlocal")

    def __repr__(self):  # pragma: no cover - debugging aid
        return f"Binding({self.kind}, {self.target!r})"


AMBIGUOUS = Binding("unknown")


class Scope:
    __slots__ = (
        "kind",
        "node",
        "parent",
        "is_async",
        "name",
        "_bindings",
        "class_scope",
        "module_name",
        "is_package",
        "key",
        "_children_seen",
        "_model",
    )

    def __init__(self, kind: str, node, parent: Optional[Scope], is_async: bool = False, name: str = ""):
        self.kind = kind
        self.node = node
        self.parent = parent
        self.is_async = is_async
        self.name = name
        self._bindings: Optional[Dict[str, Binding]] = None
        self.module_name: str = parent.module_name if parent is not None else ""
        self.is_package: bool = parent.is_package if parent is not None else False
        # For a method: the class scope it is defined in (lets `self` resolve to the class).
        self.class_scope: Optional[Scope] = parent if (kind == FUNCTION and parent and parent.kind == CLASS) else None
        # Which nested scope of its parent this is, in the order a walk of the source meets them:
        # (kind, name or "" for lambdas and comprehensions, occurrence). The semantic model keys
        # its scopes the same way (FileContext.model_scope).
        self._children_seen: Optional[Dict[tuple, int]] = None
        self._model: Union[ModelScope, Literal[False], None] = None  # FileContext.model_scope's answer
        self.key: Optional[tuple] = None
        if parent is not None:
            label = name if kind in (FUNCTION, CLASS) else ""
            seen = parent._children_seen
            if seen is None:
                seen = parent._children_seen = {}
            n = seen.get((kind, label), 0)
            seen[(kind, label)] = n + 1
            self.key = (kind, label, n)

    # --- qualified name of the scope (for defs inside it) -----------------------------------------
    def qualname_prefix(self, module_name: str) -> str:
        parts = []
        scope: Optional[Scope] = self
        while scope is not None and scope.kind != MODULE:
            if scope.kind == CLASS:
                parts.append(scope.name)
            elif scope.kind == FUNCTION:
                parts.append(scope.name + ".<locals>")
            elif scope.kind == LAMBDA:
                parts.append("<lambda>.<locals>")
            scope = scope.parent
        return ".".join([module_name] + list(reversed(parts))) if module_name else ".".join(reversed(parts))

    @property
    def bindings(self) -> Dict[str, Binding]:
        if self._bindings is None:
            self._bindings = collect_bindings(self)
        return self._bindings

    def function_scope(self) -> Scope:
        """The nearest scope that is not a comprehension (comprehensions run in their function)."""
        scope = self
        while scope.kind == COMPREHENSION and scope.parent is not None:
            scope = scope.parent
        return scope

    def module_scope(self) -> Scope:
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope

    def lookup(self, name: str) -> Optional[Binding]:
        return self.lookup_with_scope(name)[0]

    def lookup_with_scope(self, name: str):
        """Python's LEGB lookup -> (binding, scope it lives in), or (None, None).

        Class scopes are visible only to code directly in them, not to functions nested inside."""
        scope: Optional[Scope] = self
        first = True
        while scope is not None:
            if first or scope.kind != CLASS:
                binding = scope.bindings.get(name)
                if binding is not None:
                    if binding.kind == "global":
                        root = self.module_scope()
                        return root.bindings.get(name), root
                    if binding.kind != "nonlocal":
                        return binding, scope
            if scope.kind != COMPREHENSION:
                first = False
            scope = scope.parent
        return None, None


# ------------------------------------------------------------------------------------------------
# Binding collection
# ------------------------------------------------------------------------------------------------


def dotted(node) -> Optional[str]:
    """`a.b.c` for a Name/Attribute chain, else None."""
    parts = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        return ".".join(reversed(parts))
    return None


def _module_of_import_from(node: cst.ImportFrom, module_name: str, is_package: bool) -> Optional[str]:
    base = dotted(node.module) if node.module is not None else ""
    level = len(node.relative)
    if level == 0:
        return base
    if not module_name:
        return None
    package_parts = module_name.split(".")
    if not is_package:
        package_parts = package_parts[:-1]
    if level - 1 > len(package_parts):
        return None
    if level > 1:
        package_parts = package_parts[: len(package_parts) - (level - 1)]
    prefix = ".".join(package_parts)
    return ".".join(p for p in (prefix, base) if p)


class _Collector:
    def __init__(self, scope: Scope, module_name: str, is_package: bool):
        self.scope = scope
        self.module_name = module_name
        self.is_package = is_package
        self.out: Dict[str, Binding] = {}

    def bind(self, name: str, binding: Binding) -> None:
        prev = self.out.get(name)
        if prev is None:
            self.out[name] = binding
        elif prev.kind in ("global", "nonlocal"):
            return  # the declaration decides where the name lives
        elif not prev.same_as(binding):
            self.out[name] = AMBIGUOUS

    def target(self, node, value=None) -> None:
        if isinstance(node, cst.Name):
            self.bind(
                node.value, Binding("value", value, node) if value is not None else Binding("unknown", None, node)
            )
        elif isinstance(node, (cst.Tuple, cst.List)):
            for el in node.elements:
                self.target(el.value)
        elif isinstance(node, cst.StarredElement):
            self.target(node.value)
        # attributes and subscripts bind nothing in this scope

    def small(self, stmt) -> None:
        if isinstance(stmt, cst.Import):
            for alias in stmt.names:
                full = dotted(alias.name)
                assert full is not None  # an import names a dotted module
                if alias.asname is not None:
                    self.bind(cast(cst.Name, alias.asname.name).value, Binding("import", full, stmt))
                else:
                    top = full.split(".")[0]
                    self.bind(top, Binding("import", top, stmt))
        elif isinstance(stmt, cst.ImportFrom):
            module = _module_of_import_from(stmt, self.module_name, self.is_package)
            if isinstance(stmt.names, cst.ImportStar):
                return
            for alias in stmt.names:
                name = dotted(alias.name)
                assert name is not None  # `from m import <name>` names a plain name
                local = cast(cst.Name, alias.asname.name).value if alias.asname is not None else name
                target = f"{module}.{name}" if module else None
                self.bind(local, Binding("import", target, stmt) if target else Binding("unknown"))
        elif isinstance(stmt, cst.Assign):
            value = stmt.value if len(stmt.targets) == 1 else None
            for t in stmt.targets:
                self.target(t.target, value)
        elif isinstance(stmt, cst.AnnAssign):
            if stmt.value is not None:
                self.target(stmt.target, stmt.value)
            elif isinstance(stmt.target, cst.Name) and self.scope.kind != MODULE:
                # `x: int` without value makes x local in a function
                self.bind(stmt.target.value, Binding("unknown"))
        elif isinstance(stmt, cst.AugAssign):
            self.target(stmt.target)
        elif isinstance(stmt, cst.Global):
            for n in stmt.names:
                self.out[n.name.value] = Binding("global")
        elif isinstance(stmt, cst.Nonlocal):
            for n in stmt.names:
                self.out[n.name.value] = Binding("nonlocal")
        elif isinstance(stmt, cst.Del):
            self.target(stmt.target)

    def block(self, body) -> None:
        if isinstance(body, cst.SimpleStatementSuite):
            for s in body.body:
                self.small(s)
            return
        for stmt in getattr(body, "body", ()):
            self.statement(stmt)

    def statement(self, stmt) -> None:
        if isinstance(stmt, cst.SimpleStatementLine):
            for s in stmt.body:
                self.small(s)
        elif isinstance(stmt, cst.FunctionDef):
            self.bind(stmt.name.value, Binding("def", stmt, stmt))
        elif isinstance(stmt, cst.ClassDef):
            self.bind(stmt.name.value, Binding("class", stmt, stmt))
        elif isinstance(stmt, cst.If):
            self.block(stmt.body)
            if stmt.orelse is not None:
                if isinstance(stmt.orelse, cst.If):
                    self.statement(stmt.orelse)
                else:
                    self.block(stmt.orelse.body)
        elif isinstance(stmt, (cst.For, cst.While)):
            if isinstance(stmt, cst.For):
                self.target(stmt.target)
            self.block(stmt.body)
            if stmt.orelse is not None:
                self.block(stmt.orelse.body)
        elif isinstance(stmt, cst.With):
            for item in stmt.items:
                if item.asname is not None:
                    self.target(item.asname.name, item.item)
            self.block(stmt.body)
        elif isinstance(stmt, (cst.Try, cst.TryStar)):
            self.block(stmt.body)
            for h in stmt.handlers:
                if h.name is not None:
                    self.target(h.name.name)
                self.block(h.body)
            if stmt.orelse is not None:
                self.block(stmt.orelse.body)
            if stmt.finalbody is not None:
                self.block(stmt.finalbody.body)
        elif isinstance(stmt, cst.Match):
            for case in stmt.cases:
                self.block(case.body)
                for name in _match_capture_names(case.pattern):
                    self.bind(name, Binding("unknown"))


def _match_capture_names(pattern) -> Iterator[str]:
    stack = [pattern]
    while stack:
        p = stack.pop()
        if isinstance(p, cst.MatchAs) and p.name is not None:
            yield p.name.value
        if isinstance(p, cst.MatchStar) and p.name is not None:
            yield p.name.value
        for attr in ("pattern", "patterns", "rest"):
            child = getattr(p, attr, None)
            if isinstance(child, cst.Name) and attr == "rest":
                yield child.value
            elif isinstance(child, cst.CSTNode):
                stack.append(child)
            elif isinstance(child, (list, tuple)):
                stack.extend(c.pattern if hasattr(c, "pattern") else c for c in child)


def collect_bindings(scope: Scope) -> Dict[str, Binding]:
    c = _Collector(scope, scope.module_name, scope.is_package)
    node = scope.node
    if scope.kind == MODULE:
        for stmt in node.body:
            c.statement(stmt)
    elif scope.kind in (FUNCTION, LAMBDA):
        params = node.params
        for p in list(params.posonly_params) + list(params.params) + list(params.kwonly_params):
            c.bind(p.name.value, Binding("param", p, p))
        for p in (params.star_arg, params.star_kwarg):
            if isinstance(p, cst.Param):
                c.bind(p.name.value, Binding("param", p, p))
        if scope.kind == FUNCTION:
            c.block(node.body)
    elif scope.kind == CLASS:
        c.block(node.body)
    elif scope.kind == COMPREHENSION:
        comp = node.for_in
        while comp is not None:
            c.target(comp.target)
            comp = comp.inner_for_in
    return c.out


def is_first_param(scope: Scope, binding: Binding) -> bool:
    if binding.kind != "param" or scope.kind != FUNCTION:
        return False
    params = scope.node.params
    first = (list(params.posonly_params) + list(params.params))[:1]
    return bool(first) and first[0] is binding.node


ScopeLike = Union[Scope, None]
