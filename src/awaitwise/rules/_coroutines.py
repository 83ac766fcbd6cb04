"""What the coroutine rules (AW200–AW204, AW400) share: is this expression a coroutine function,
through the project index, the library catalog and the user's `coroutine-functions`; and the
screening tokens that keep those rules sound.

A callable counts as a coroutine function only when that is known: an `async def` of the project
(reached by name, through imports and re-exports, through `self`/`cls`/`super()` and project
base classes) that is not an async generator and carries no decorator that could wrap it into
something else; a catalog entry; or a configured name. Calls on objects of unknown type resolve
to nothing and are never reported.
"""

from __future__ import annotations

from functools import lru_cache
from typing import FrozenSet, List, NamedTuple, Optional, Tuple

import libcst as cst

from ..catalogs.coroutines import COROUTINE_FUNCTIONS, COROUTINE_MODULES
from ..project import Callee, index_for_source
from ..records import BUILTIN_NAMES
from ..registry import Rule
from ..scopes import FUNCTION
from ..walker import children


class Target(NamedTuple):
    qualname: str  # canonical name (for messages and catalog lookups)
    origin: str  # "project" | "library" | "config"
    callee: Optional[Callee]  # the project definition, when there is one


# Names that let a function reach its locals without naming them.
_INTROSPECTION = frozenset({"locals", "vars", "eval", "exec"})


def stored_once_in_local(ctx, target, value) -> bool:
    """Is `target = value` (a call) the only binding of a plain local name of the enclosing
    function (not `_`, not declared global/nonlocal)?"""
    if not isinstance(target, cst.Name) or not isinstance(value, cst.Call) or target.value == "_":
        return False
    scope = ctx.scope
    if scope.kind != FUNCTION:
        return False  # module and class attributes can be used from anywhere
    binding = scope.bindings.get(target.value)
    return binding is not None and binding.kind == "value" and binding.target is value


def mentioned_elsewhere(function: cst.FunctionDef, name: str, target: cst.Name) -> bool:
    """Does the function's body (nested scopes included) name `name` anywhere but at `target`,
    or call something that reads its locals without naming them (`locals()`, `eval`)?"""
    stack: List[cst.CSTNode] = [function.body]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name):
            if node is not target and (node.value == name or node.value in _INTROSPECTION):
                return True
            continue
        stack.extend(children(node))
    return False


def index(ctx):
    """The project index as seen from the file being checked (its current text included)."""
    idx = ctx.__dict__.get("_coroutine_index")
    if idx is None:
        idx = index_for_source(ctx.path, ctx.source, ctx.module_name, ctx.root.is_package, ctx.project)
        ctx._coroutine_index = idx
    return idx


def qualname(ctx, node) -> Optional[str]:
    """ctx.qualname: the semantic model follows a local bound to an awaited call too (`resp =
    await s.get(u)`: `resp.json` -> `aiohttp.ClientSession().get().json`)."""
    return ctx.qualname(node)


def _enclosing_class_qualname(ctx) -> Optional[str]:
    fs = ctx.scope.function_scope()
    if fs.kind != FUNCTION or fs.class_scope is None:
        return None
    return fs.class_scope.qualname_prefix(ctx.module_name)


def _super_target(ctx, node) -> Optional[Target]:
    """`super().meth` / `super(Cls, self).meth` inside a method."""
    if not (isinstance(node, cst.Attribute) and isinstance(node.value, cst.Call)):
        return None
    call = node.value
    if ctx.qualname(call.func) != "builtins.super":
        return None
    if not call.args:
        cls = _enclosing_class_qualname(ctx)
    elif len(call.args) == 2:
        cls = ctx.qualname(call.args[0].value)
    else:
        return None
    if cls is None:
        return None
    idx = index(ctx)
    ref = idx.super_member(cls, node.attr.value)
    callee = idx.callee_of(ref)
    if idx.is_coroutine_callee(callee):
        return Target(callee.qualname, "project", callee)
    return None


def coroutine_target(ctx, node) -> Optional[Target]:
    """The coroutine function `node` (the callee expression of a call, or a function passed
    as a value) refers to, or None when it is not one or not known to be one."""
    if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Call):
        found = _super_target(ctx, node)
        if found is not None:
            return found
    q = qualname(ctx, node)
    if q is None:
        return None
    configured = ctx.settings.coroutine_functions
    if q in configured:
        return Target(q, "config", None)
    ref, idx = _resolve_with_index(ctx, q)
    if ref is None:
        return None
    if ref[0] == "external":
        name = ref[1]
        if name in configured:
            return Target(name, "config", None)
        if name in COROUTINE_FUNCTIONS:
            return Target(name, "library", None)
        libs = _libraries(ctx)
        if libs is not None and libs.is_coroutine(name):
            return Target(name, "library", None)  # an `async def` of an installed package
        return None
    callee = idx.callee_of(ref)
    if idx.is_coroutine_callee(callee):
        return Target(callee.qualname, "project", callee)
    if callee is not None and callee.qualname in configured:
        return Target(callee.qualname, "config", callee)
    return None


def _libraries(ctx):
    """The installed packages' summaries of the run (libraries.Libraries), or None."""
    project = ctx.project
    return getattr(project, "libraries", None) if project is not None else None


def _resolve_with_index(ctx, q: str):
    top = q.split(".", 1)[0]
    if top == ctx.module_name.split(".", 1)[0]:
        idx = index(ctx)
        return idx.resolve(q), idx
    project = ctx.project
    if project is None or not project.has_top_level(top):
        return ("external", q), None
    return project.resolve(q), project


def resolve(ctx, q: str):
    """ProjectIndex.resolve for a name seen in the checked file. Names outside the project are
    answered without building the file's own index."""
    return _resolve_with_index(ctx, q)[0]


def canonical(ctx, node) -> Optional[str]:
    """The library name an expression stands for (through project re-exports), or None."""
    q = qualname(ctx, node)
    if q is None:
        return None
    ref = resolve(ctx, q)
    return ref[1] if ref is not None and ref[0] == "external" else None


def shown(ctx, node, limit: int = 60) -> str:
    """The callee as written, for messages."""
    text = ctx.module.code_for_node(node).strip()
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- screening ------------------------------------------------------------------------------------


def _terminal(name: str) -> str:
    return name.rsplit(".", 1)[-1].rstrip("()") or name


def coroutine_tokens(settings, project=None) -> FrozenSet[str]:
    """Words one of which a file must contain for a coroutine-function call to be found in it.

    Sound: a project coroutine is reached under its def name or a project alias of it; a
    library one needs its module named (or a project alias of something in it); a configured one
    needs its final name; a definition in the file itself needs `async`."""
    configured = frozenset(_terminal(n) for n in settings.coroutine_functions)
    base = frozenset({"async"}) | COROUTINE_MODULES | configured
    if project is None:
        return base

    return project.memo(
        ("coroutine_tokens", settings.coroutine_functions),
        lambda: base | project.coroutine_names() | _library_aliases(settings, project) | _installed_tops(project),
    )


def _installed_tops(project) -> FrozenSet[str]:
    """The top-level module names of the installed packages that define coroutine functions (a
    file reaches one through an import that names it, or through a project alias)."""
    libs = project.libraries
    return libs.coroutine_tops() if libs is not None else frozenset()


def _installed_names(project) -> FrozenSet[str]:
    """The names under which an installed package's coroutine function can be called."""
    libs = project.libraries
    return libs.coroutine_names() if libs is not None else frozenset()


def _library_aliases(settings, project) -> FrozenSet[str]:
    """Module-level project names that alias a catalog or configured coroutine function, or
    anything in a module the catalog or the configuration names."""

    def compute():
        roots = (
            COROUTINE_MODULES
            | frozenset(n.split(".", 1)[0] for n in settings.coroutine_functions)
            | _installed_tops(project)
        )
        wanted = frozenset(settings.coroutine_functions)
        return project.alias_names(
            lambda ref: (
                ref is not None
                and (
                    (ref[0] == "external" and (ref[1] in wanted or ref[1].split(".", 1)[0].rstrip("()") in roots))
                    or (ref[0] == "def" and f"{ref[1]}.{ref[2]}" in wanted)
                )
            )
        )

    return project.memo(("coroutine_library_aliases", settings.coroutine_functions), compute)


@lru_cache(maxsize=8)
def _catalog_terminals(configured: Tuple[str, ...]) -> FrozenSet[str]:
    """The last segments of the catalog's and the configured coroutine functions (asked for by
    every screening of every file and body: worked out once)."""
    return frozenset(_terminal(n) for n in COROUTINE_FUNCTIONS) | frozenset(_terminal(n) for n in configured)


def coroutine_callee_names(settings, project=None) -> FrozenSet[str]:
    """Terminal names a call can end with and still reach a coroutine function (besides names
    the file itself rebinds and its own `async def`s, which screening.ScreenFacts lists): the
    catalog's and the configured functions' last segments, the project's coroutine defs and the
    project's module-level aliases of coroutine functions (the same aliases as coroutine_tokens)."""
    if project is None:
        return _catalog_terminals(tuple(settings.coroutine_functions))
    return project.memo(
        ("coroutine_callee_names", settings.coroutine_functions),
        lambda: (
            _catalog_terminals(tuple(settings.coroutine_functions))
            | coroutine_tokens(settings, project)
            | _installed_names(project)
        ),
    )


def coroutine_bare_names(settings, project=None) -> FrozenSet[str]:
    """The part of coroutine_callee_names that a call of a bare name (`fetch()`) can reach: a bare
    name resolves to a module-level binding (an import of a function, a def, an alias) or a local
    one, never straight to a method. So the project's methods and nested defs are left out; a
    local rebinding (`get = self.get`) and the file's own `async def`s are the caller's to add."""
    if project is None:
        return _catalog_terminals(tuple(settings.coroutine_functions))
    return project.memo(
        ("coroutine_bare_names", settings.coroutine_functions),
        lambda: (
            _catalog_terminals(tuple(settings.coroutine_functions))
            | project.module_coroutine_names()
            | _library_aliases(settings, project)
            | _installed_names(project)
        ),
    )


def target_qualname(entry, facts, project) -> Optional[str]:
    """The qualified name the engine gives the callee of a screening call target (see
    screening.ScreenFacts: `text` follows the head as the engine writes it, `.a.meth` or
    `().meth`), or None when that is not sure to be the engine's name for it."""
    module = facts.module
    if not module or project is None:
        return None
    kind = entry[0]
    text = entry[-1]
    if "()." in text:
        # an attribute of an instance: the engine follows `self.<attr> = ...` of a class of
        # this file there, so such an attribute is not resolved here
        for part in text.split("().")[1:]:
            if part.split(".", 1)[0].split("(", 1)[0] in facts.rebound:
                return None
    if kind == "self":
        _, class_path, instance, text = entry
        first = text[1:].split(".", 1)[0].split("(", 1)[0] if text.startswith(".") else ""
        if not first or first in facts.rebound:
            return None  # `self.x = ...` somewhere: the engine may follow the assigned value
        return f"{module}.{class_path}{'()' if instance else ''}{text}"
    if kind == "global":
        _, root, text = entry
        known = project.modules.get(module)
        binding = known.names.get(root) if known is not None else None
        if binding is None:
            # unbound at module level: a builtin (star imports are not followed), or nothing
            return f"builtins.{root}{text}" if known is not None and known.parsed and root in BUILTIN_NAMES else None
        if binding[0] == "import":
            _, level, target, name = binding
            base = project.absolute_module(module, level, target) if level else target
            if base is None:
                return None
            if name is not None:
                base = f"{base}.{name}"
        elif binding[0] in ("def", "class", "alias"):
            base = f"{module}.{root}"  # the index follows the module-level binding
        else:
            return None
        return base + text
    return None


def _target_may_be_coroutine(entry, facts, settings, project) -> bool:
    """Could the engine find a coroutine function behind this call target? (True when unsure.)"""
    q = target_qualname(entry, facts, project)
    if q is None:
        return True
    return project.memo(
        ("coroutine_qualname", q, settings.coroutine_functions), lambda: _qualname_is_coroutine(q, settings, project)
    )


def _qualname_is_coroutine(q: str, settings, project) -> bool:
    """coroutine_target's answer for a callee whose qualified name is `q`."""
    configured = settings.coroutine_functions
    if q in configured:
        return True
    top = q.split(".", 1)[0]
    ref = project.resolve(q) if project.has_top_level(top) else ("external", q)
    if ref is None:
        return False
    if ref[0] == "external":
        libs = project.libraries
        return ref[1] in configured or ref[1] in COROUTINE_FUNCTIONS or (libs is not None and libs.is_coroutine(ref[1]))
    callee = project.callee_of(ref)
    return project.is_coroutine_callee(callee) or (callee is not None and callee.qualname in configured)


def module_tokens(modules: FrozenSet[str], project=None) -> FrozenSet[str]:
    """The module names, plus the project's aliases of anything inside them."""
    if project is None:
        return modules
    return modules | project.external_alias_names(modules)


__all__ = [
    "Target",
    "index",
    "qualname",
    "coroutine_target",
    "canonical",
    "shown",
    "coroutine_tokens",
    "coroutine_callee_names",
    "coroutine_bare_names",
    "module_tokens",
]


class _Either:
    """Membership in either of two sets, without building their union."""

    __slots__ = ("first", "second")

    def __init__(self, first, second):
        self.first = first
        self.second = second

    def __contains__(self, item) -> bool:
        return item in self.first or item in self.second


class CoroutineRule(Rule):
    """Base of the rules about coroutine-function calls: they fire in sync code too, and only in
    files that mention a coroutine function's name (project, catalog or configured)."""

    uses_project = True  # project coroutine functions and aliases

    needs_async = False
    body_local = True

    @classmethod
    def screen_tokens(cls, settings):
        return coroutine_tokens(settings)

    @classmethod
    def screen_tokens_with_project(cls, settings, project):
        return coroutine_tokens(settings, project)

    @classmethod
    def callee_names(cls, facts, settings, project):
        """For screen_facts: terminal names under which a call may reach a coroutine function
        (for `in`: the project's names are not copied into a new set for every file)."""
        names = coroutine_callee_names(settings, project)
        return _Either(names, facts.async_def_names) if facts.async_def_names else names

    @classmethod
    def calls_reach(cls, calls, facts, settings, project) -> bool:
        """For screen_facts: could one of these calls (entries of a ScreenFacts *_attrs set)
        reach a coroutine function? A bare name is checked against the names a bare call can
        reach, an attribute against all, and a call target through the project index."""
        from ..screening import ANY, entry_name

        if not calls:
            return False
        async_defs = facts.async_def_names
        names = cls.callee_names(facts, settings, project)
        bare = None
        rebound = facts.rebound
        for entry in calls:
            if type(entry) is str:
                if entry == ANY or entry in names or entry in rebound:
                    return True
                continue
            kind = entry[0]
            last = entry_name(entry)
            if kind == "name" or (kind == "global" and not entry[2]):
                if bare is None:
                    bare = coroutine_bare_names(settings, project)
                if not (last in bare or last in async_defs or last in rebound):
                    continue
                if kind == "name":
                    return True
            elif not (last in names or last in rebound):
                continue
            if _target_may_be_coroutine(entry, facts, settings, project):
                return True
        return False
