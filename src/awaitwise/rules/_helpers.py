"""Small helpers shared by rules (not a rule module: the leading underscore keeps it out of the
registry)."""

from __future__ import annotations

from typing import Iterator, Optional, Union

import libcst as cst

from ..scopes import FUNCTION
from ..screening import LazyTypes
from ..walker import children

_SCOPE_NODES: LazyTypes[Union[cst.FunctionDef, cst.Lambda, cst.ClassDef]] = LazyTypes(
    "FunctionDef", "Lambda", "ClassDef"
)


def needs_parens_for_await(ctx, node: cst.CSTNode) -> bool:
    """Would `await <node>` written in place of node bind wrongly (as in `x.attr`, `x[0]`, `x()`)?"""
    parent = ctx.parent()
    if isinstance(parent, cst.Attribute) and parent.value is node:
        return True
    if isinstance(parent, cst.Subscript) and parent.value is node:
        return True
    if isinstance(parent, cst.Call) and parent.func is node:
        return True
    return False


def await_code(ctx, node: cst.CSTNode, inner: str) -> str:
    code = f"await {inner}"
    return f"({code})" if needs_parens_for_await(ctx, node) else code


def in_generator_expression(ctx) -> bool:
    """Inside a generator expression of the current function: adding `await` there would turn it
    into an async generator, so fixes that add `await` stay away."""
    for anc in ctx.ancestors():
        if isinstance(anc, cst.GeneratorExp):
            return True
        if isinstance(anc, (cst.FunctionDef, cst.Lambda)):
            return False
    return False


def can_add_await(ctx) -> bool:
    """May a fix write `await` at the node being visited?"""
    return ctx.in_async and not in_generator_expression(ctx)


def module_ref(ctx, module: str):
    """(expression text for `module`, imports the fix needs): uses an existing module-level
    `import module [as alias]`, else requests `import module`."""
    alias = ctx.module_alias(module)
    if alias is not None and ctx.scope.lookup(alias) is ctx.root.bindings.get(alias):
        return alias, []
    return module, [(module, None)]


def call_args_code(ctx, call: cst.Call) -> str:
    """The source of a call's arguments, as written (`a, b=1, *c`)."""
    return ", ".join(
        ctx.module.code_for_node(arg.with_changes(comma=cst.MaybeSentinel.DEFAULT)).strip() for arg in call.args
    )


def short(qualname: Optional[str]) -> str:
    """`requests.Session().get` -> `Session.get`-style text for messages."""
    if not qualname:
        return "?"
    return qualname.replace("builtins.", "")


def enclosing_function_scope(ctx):
    fs = ctx.scope.function_scope()
    return fs if fs.kind == FUNCTION else None


def local_nodes(root: cst.CSTNode, include_root: bool = True) -> Iterator[cst.CSTNode]:
    """Every node under `root` that runs in root's own frame: nested def/lambda/class bodies are
    not entered (the nested node itself is yielded)."""
    stack = [root]
    first = True
    while stack:
        node = stack.pop()
        if not first or include_root:
            yield node
        if not first and isinstance(node, _SCOPE_NODES.types):
            continue
        first = False
        stack.extend(reversed(children(node)))


def all_nodes(root: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Every node under `root`, nested scopes included."""
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(children(node)))
