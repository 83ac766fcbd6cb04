"""Parsing a module with libcst for analysis.

Every libcst node checks its own fields when it is constructed (`CSTNode._validate`, called from
`__post_init__`). For a tree the parser builds from text that already parsed, those checks can
only confirm what the grammar guaranteed, and they cost about 30% of the parse: on every 20th file
of the benchmark corpus (94k lines), 80 ms per 1,000 lines with them, 56 ms without. So the engine
parses with the check switched off for the duration of the parse, and nothing else does: nodes that
rules build for fixes are checked as usual, and a fixed text is re-parsed with the checks on
before it is written (fixer._parses).
"""
from __future__ import annotations

import threading

_LOCK = threading.Lock()


def _unchecked(self) -> None:
    return None


def parse_module(source: str):
    """libcst.parse_module(source), without per-node validation. Raises what it raises."""
    import libcst as cst

    cst.Module  # noqa: B018 - a lazily imported libcst (screening.lazy_libcst) loads before its submodule
    try:
        from libcst._nodes.base import CSTNode
    except ImportError:  # pragma: no cover - a libcst laid out differently: parse the plain way
        return cst.parse_module(source)
    original = CSTNode.__dict__.get("__post_init__")
    if original is None:  # pragma: no cover - as above
        return cst.parse_module(source)
    with _LOCK:
        CSTNode.__post_init__ = _unchecked
        try:
            return cst.parse_module(source)
        finally:
            CSTNode.__post_init__ = original
