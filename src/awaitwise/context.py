"""Shared per-file facts, computed once for every rule: the scope each node runs in, whether that
is async context, and what a name or attribute chain refers to (through imports and aliases).

What a name means, and the type of the object it holds, is the semantic model's answer
(analysis.semantic): each libcst scope of the walk finds its model scope by its key (kind, name,
occurrence) under its parent's, and `qualname` evaluates an expression's steps (attributes,
calls, awaits) with the model's rules. A file that this Python's `ast` cannot parse (syntax
newer than the interpreter) has no model; its names resolve through the libcst bindings of
scopes.py, without types.

Qualified names are dotted strings. A call's result is written with `()`, so the instance made by
`requests.Session()` has methods `requests.Session().get`, and `f` in `with open(p) as f` has
`builtins.open().read`. Project definitions resolve to `module.Class.method` names.
"""

from __future__ import annotations

import builtins
from typing import Dict, List, Optional

import libcst as cst

from .analysis.semantic import ModelScope, SemanticModel
from .scopes import CLASS, FUNCTION, MODULE, Binding, Scope, dotted, is_first_param

BUILTIN_NAMES = frozenset(dir(builtins))
_MAX_DEPTH = 12


class PendingReport:
    __slots__ = ("code", "node", "message", "fix", "where")

    def __init__(self, code, node, message, fix, where=()):
        self.code = code
        self.node = node
        self.message = message
        self.fix = fix
        self.where = where  # the walk's outermost nodes when reported (positions.locate)


class FileContext:
    def __init__(
        self,
        path: str,
        source: str,
        module: cst.Module,
        settings,
        module_name: str = "",
        is_package: bool = False,
        project=None,
        model=None,
    ):
        """`model`: the file's semantic model when it is already built (a piece of a large file,
        engine._lint_pieces), else it is built from `source` on first use."""
        self.path = path
        self.source = source
        self.module = module
        self.settings = settings
        self.module_name = module_name
        self.project = project
        self.root = Scope(MODULE, module, None)
        self.root.module_name = module_name
        self.root.is_package = is_package
        self.scope: Scope = self.root
        self.stack: List[cst.CSTNode] = []  # ancestors of (and including) the node being visited
        self.reports: List[PendingReport] = []
        self.class_scopes: Dict[int, Scope] = {}  # id(ClassDef) -> its scope
        self._qualname_cache: Dict[int, Optional[str]] = {}
        self._model: object = _UNBUILT if model is None else model
        if model is not None and project is not None:
            model.external_returns = self._project_returns  # not the earlier piece's context
        self.unmapped_scopes = 0  # libcst scopes without a model scope (tests assert there are none)
        self._instance_attrs: Dict[int, Dict[str, list]] = {}
        self._module_aliases: Optional[Dict[str, str]] = None  # module -> local name, built on first use
        self._imported_modules: Optional[set] = None

    # --- where are we? ---------------------------------------------------------------------------
    @property
    def in_async(self) -> bool:
        """Lexically inside an `async def` body (comprehensions included, nested def/lambda/class not)."""
        fs = self.scope.function_scope()
        return fs.kind == FUNCTION and fs.is_async

    @property
    def function(self) -> Optional[cst.FunctionDef]:
        fs = self.scope.function_scope()
        return fs.node if fs.kind == FUNCTION else None

    def parent(self, levels: int = 1) -> Optional[cst.CSTNode]:
        """Ancestor of the node being visited (1 = direct parent)."""
        idx = len(self.stack) - 1 - levels
        return self.stack[idx] if idx >= 0 else None

    def ancestors(self):
        """Ancestors of the node being visited, nearest first."""
        return reversed(self.stack[:-1])

    def report(self, code: str, node: cst.CSTNode, message: str, fix=None) -> None:
        self.reports.append(PendingReport(code, node, message, fix, tuple(self.stack[:4])))

    # --- names -----------------------------------------------------------------------------------
    def qualname(self, node: cst.CSTNode, scope: Optional[Scope] = None) -> Optional[str]:
        """Qualified name of a Name/Attribute/Call expression in the current scope, or None."""
        if scope is None:
            scope = self.scope
            key = id(node)
            if key in self._qualname_cache:
                return self._qualname_cache[key]
            result = self._resolve(node, scope, 0)
            self._qualname_cache[key] = result
            return result
        return self._resolve(node, scope, 0)

    def binding_of(self, name: str, scope: Optional[Scope] = None):
        """(libcst binding, its scope) of `name`, for the rules that need the node a name is bound
        to (`q = Queue(5)`). The semantic model decides whether there is one: a name the model
        sees bound more than once, or in a way the libcst bindings do not record (walrus, match
        captures), gets no value binding."""
        scope = scope or self.scope
        binding, where = scope.lookup_with_scope(name)
        if binding is not None and binding.kind == "value":
            found = self.model_scope(scope)
            if found is not None:
                sites, _ = found.lookup(name)
                if (
                    not sites
                    or len(sites) != 1
                    or not (sites[0].kind == "value" or (sites[0].kind == "annotated" and sites[0].data[1] is not None))
                ):
                    return Binding("unknown"), where
        return binding, where

    def is_parameter(self, name: str, scope: Optional[Scope] = None) -> bool:
        """Is `name`, read in `scope` (default: the current one), a parameter of the function it is
        read in, as the semantic model binds it (a closure's outer parameter is not)?"""
        scope = scope or self.scope
        found = self.model_scope(scope)
        own = self.model_scope(scope.function_scope())
        if found is None or own is None:
            return False
        sites, where = found.lookup(name)
        if not sites or where is not own:
            return False
        return any(site.kind == "param" or site.form == "star-param" for site in sites)

    def module_alias(self, module: str) -> Optional[str]:
        """Local name under which `module` is imported at module level (`import asyncio as aio`)."""
        aliases = self._module_aliases
        if aliases is None:  # built once: a scan per call made big files quadratic
            aliases = {}
            for name, b in self.root.bindings.items():
                if b.kind == "import" and b.target is not None:
                    aliases.setdefault(b.target, name)
            self._module_aliases = aliases
        return aliases.get(module)

    def imports_module(self, module: str) -> bool:
        """Does the file import `module` or anything from it, anywhere at module level?"""
        imported = self._imported_modules
        if imported is None:  # every dotted prefix of every module-level import, built once
            imported = set()
            for b in self.root.bindings.values():
                if b.kind == "import" and b.target is not None:
                    parts = b.target.split(".")
                    imported.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
            self._imported_modules = imported
        return module in imported

    # --- the semantic model ------------------------------------------------------------------
    @property
    def model(self) -> Optional[SemanticModel]:
        if self._model is _UNBUILT:
            model = SemanticModel.from_source(self.source, self.module_name, self.root.is_package)
            if model is not None and self.project is not None:
                model.external_returns = self._project_returns
            self._model = model
        return self._model  # type: ignore[return-value]

    def built_model(self) -> Optional[SemanticModel]:
        """The semantic model if a rule asked for it (None otherwise: it is not built here)."""
        return None if self._model is _UNBUILT else self._model  # type: ignore[return-value]

    def _project_returns(self, func: str, awaited: bool) -> Optional[str]:
        """What a call of the project function `func` of another module gives, by its return
        annotation (the project index), in the model's notation."""
        top = func.split(".", 1)[0]
        if top == self.module_name.split(".", 1)[0] and func.startswith(self.module_name + "."):
            return None  # the file's own functions: the model knows them from the current text
        project = self.project
        if not project.has_top_level(top):
            return None
        ref = project.returned(func, awaited)
        if ref is None:
            return None
        if ref[0] == "external":
            return ref[1]
        if ref[0] == "instance":
            return f"{ref[1]}.{ref[2]}()"
        return None

    def model_scope(self, scope: Scope) -> Optional[ModelScope]:
        """The model's scope for a scope of the walk, or None (no model, or no such scope)."""
        found = scope._model
        if found is None:
            if scope.parent is None:
                model = self.model
                found = model.root if (model is not None and scope is self.root) else False
            else:
                parent = self.model_scope(scope.parent)
                assert scope.key is not None  # a scope with a parent has its key (Scope.__init__)
                found = (parent.child(*scope.key) if parent is not None else None) or False
                if found is False and parent is not None:
                    self.unmapped_scopes += 1
            scope._model = found
        return found or None

    def _resolve(self, node, scope: Scope, depth: int) -> Optional[str]:
        if depth > _MAX_DEPTH:
            return None
        if isinstance(node, cst.Name):
            return self._resolve_name(node.value, scope, depth)
        model = self.model
        if isinstance(node, cst.Attribute):
            base = self._resolve(node.value, scope, depth + 1)
            if base is None:
                return None
            return model.attribute(base, node.attr.value) if model is not None else f"{base}.{node.attr.value}"
        if isinstance(node, cst.Call):
            func = self._resolve(node.func, scope, depth + 1)
            if func is None:
                return None
            return model.call_result(func, awaited=False) if model is not None else func + "()"
        if model is None:
            return None
        if isinstance(node, cst.Await):
            if isinstance(node.expression, cst.Call):
                func = self._resolve(node.expression.func, scope, depth + 1)
                return model.call_result(func, awaited=True) if func is not None else None
            return None
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Divide):
            return model.divided(self._resolve(node.left, scope, depth + 1))
        if isinstance(node, cst.NamedExpr):
            return self._resolve(node.value, scope, depth + 1)
        return None

    def _resolve_name(self, name: str, scope: Scope, depth: int) -> Optional[str]:
        found = self.model_scope(scope)
        if found is not None:
            return self.model.resolve_name(found, name)  # type: ignore[union-attr]
        return self.binding_qualname(name, scope, depth)

    def binding_qualname(self, name: str, scope: Scope, depth: int = 0) -> Optional[str]:
        """What `name` means by the libcst bindings of scopes.py: the resolution for files
        without a model (and the older resolver that tests compare the model with)."""
        binding, where = scope.lookup_with_scope(name)
        if binding is None:
            return f"builtins.{name}" if name in BUILTIN_NAMES else None
        return self._resolve_binding(name, binding, where, depth)

    def _resolve_binding(self, name: str, binding: Binding, where: Scope, depth: int) -> Optional[str]:
        kind = binding.kind
        if kind == "import":
            return binding.target
        if kind == "value":
            value = binding.target
            if isinstance(value, (cst.Call, cst.Name, cst.Attribute)):
                return self._resolve(value, where, depth + 1)
            return None
        if kind in ("def", "class"):
            return f"{where.qualname_prefix(self.module_name)}.{name}".lstrip(".")
        if kind == "param" and where.kind == FUNCTION and where.class_scope is not None:
            if is_first_param(where, binding):
                decorators = {dotted(d.decorator) for d in where.node.decorators}
                if "staticmethod" in decorators:
                    return None
                cls_name = where.class_scope.qualname_prefix(self.module_name)
                return cls_name if "classmethod" in decorators else cls_name + "()"
        return None

    # --- self.attr assigned in the class's methods -----------------------------------------------
    def instance_attribute_values(self, class_qualname: str, attr: str) -> Optional[list]:
        """The values assigned to `self.<attr>` in the methods of the file's class
        `class_qualname` (libcst nodes), or None when the class is not one of the walk's."""
        scope = self.local_class_scope(class_qualname)
        if scope is None:
            return None
        attrs = self._instance_attrs.get(id(scope))
        if attrs is None:
            attrs = self._instance_attrs[id(scope)] = _collect_instance_attrs(scope)
        return attrs.get(attr) or []

    def local_class_scope(self, qualname: str) -> Optional[Scope]:
        for scope in self.class_scopes.values():
            if scope.qualname_prefix(self.module_name) == qualname:
                return scope
        return None


_UNBUILT = object()


def _collect_instance_attrs(class_scope: Scope) -> Dict[str, list]:
    """`self.x = <value>` in the methods of a class -> {x: [value, ...]}."""
    out: Dict[str, list] = {}
    body = class_scope.node.body
    for stmt in getattr(body, "body", ()):
        if not isinstance(stmt, cst.FunctionDef):
            continue
        params = list(stmt.params.posonly_params) + list(stmt.params.params)
        if not params:
            continue
        self_name = params[0].name.value
        for assign in _assignments(stmt.body):
            value = assign.value
            targets = [t.target for t in assign.targets] if isinstance(assign, cst.Assign) else [assign.target]
            for t in targets:
                if (
                    isinstance(t, cst.Attribute)
                    and isinstance(t.value, cst.Name)
                    and t.value.value == self_name
                    and value is not None
                ):
                    out.setdefault(t.attr.value, []).append(value)
    return out


def _assignments(block):
    stack = [block]
    while stack:
        b = stack.pop()
        if isinstance(b, cst.SimpleStatementLine) or isinstance(b, cst.SimpleStatementSuite):
            for s in b.body:
                if isinstance(s, (cst.Assign, cst.AnnAssign)):
                    yield s
            continue
        if isinstance(b, (cst.FunctionDef, cst.ClassDef)):
            continue
        for attr in ("body", "orelse", "handlers", "finalbody"):
            child = getattr(b, attr, None)
            if isinstance(child, (list, tuple)):
                stack.extend(child)
            elif isinstance(child, cst.CSTNode):
                stack.append(child)


__all__ = ["FileContext", "BUILTIN_NAMES", "CLASS"]
