"""What a rule hands the engine to describe a fix: edits on CST nodes plus the imports it needs.

The engine turns these into plain text edits (diagnostics.Edit) once positions are known. Imports
are requested, never written by the rule: the engine adds each one once with libcst's
AddImportsVisitor, so two fixes that need `import asyncio` share one import edit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Tuple, Union

import libcst as cst

Replacement = Union[str, "cst.CSTNode"]  # a string: no libcst import at start-up


@dataclass
class NodeEdit:
    node: cst.CSTNode
    content: Replacement
    where: str = "replace"  # "replace" | "before" | "after" | "lines"


@dataclass
class FixSpec:
    applicability: str  # "safe" | "unsafe"
    message: str
    edits: List[NodeEdit] = field(default_factory=list)
    imports: List[Tuple[str, Optional[str]]] = field(default_factory=list)  # (module, obj)


def replace(node: cst.CSTNode, content: Replacement) -> NodeEdit:
    return NodeEdit(node, content, "replace")


def replace_lines(node: cst.CSTNode, text: str) -> NodeEdit:
    """Replace the whole source lines the node spans (indentation and final newline included):
    `text` is full lines, each ending with a newline. Lets a fix remove or re-indent statements."""
    return NodeEdit(node, text, "lines")


def insert_before(node: cst.CSTNode, text: str) -> NodeEdit:
    return NodeEdit(node, text, "before")


def insert_after(node: cst.CSTNode, text: str) -> NodeEdit:
    return NodeEdit(node, text, "after")


def fix(applicability: str, message: str, *edits: NodeEdit, imports=()) -> FixSpec:
    return FixSpec(applicability, message, list(edits), list(imports))
