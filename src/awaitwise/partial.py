"""Screening by function body: parse with libcst only the function bodies a rule could fire in.

File screening (engine.screen_with_facts) decides whether a file is parsed at all. In a file that
is parsed, most function bodies usually cannot hold a finding of any selected rule, and building
their libcst trees is most of the cost of checking the file. So before the parse, each *unit* --
the body of a module-level function, or of a method of a module-level class -- is screened on its
own facts (screening.Unit, from the same `ast` pass as the file's), and a body in which no selected
rule could fire is replaced by `pass` on its first line and empty lines for the rest. Every other
line keeps its text, so every position in the parsed module is the position in the file, and the
findings, fixes and suppressions are those of the full parse.

It is done only when every selected rule says its findings in a body depend on nothing in other
bodies (Rule.body_local) and, for a body that holds what decides findings elsewhere, asks for it
to be kept (Rule.needs_body). Bodies that change what the rest of the file means are never
replaced: one that declares a name `global` or `nonlocal`, or a method that stores an
attribute on its first parameter (`self.client = ...`, which name resolution follows from the
class's other methods). A body whose first statement shares a line with the `def`, or is
decorated, is left alone. `bench.py --verify-screening` (with `--ignore AW304` or `--select
DEFAULT`) and tests/test_partial.py compare every result with and without screening.
"""

from __future__ import annotations

import re
from typing import FrozenSet, List, Optional, Sequence

from .sourcefile import source_lines

# Below this, a file has no body worth replacing. (Larger files gain whatever their size: with
# the units from the project index, the cost is a few set lookups per body.)
MIN_LINES = 20
_WORD = re.compile(r"\w+")


def reduced_source(source: str, screen, rules: Sequence[type], settings, project) -> Optional[str]:
    """`source` with the bodies no rule in `rules` needs replaced, or None when none is (or
    when this file is not one to reduce). `screen`: its screening.FileScreen (screen_for)."""
    if not rules or not all(rule.body_local for rule in rules):
        return None
    if "\r" in source and source.count("\r") != source.count("\r\n"):
        return None  # old Mac line ends: leave line numbering questions to the full parse
    if source.count("\n") < MIN_LINES:
        return None
    units = screen.units()
    if not units:
        return None
    lines: Optional[List[str]] = None
    changed = False
    from .registry import Rule

    asks = [rule for rule in rules if rule.needs_body.__func__ is not Rule.needs_body.__func__]
    for unit in units:
        if unit.pinned or unit.decorated_first or unit.end <= unit.start:
            continue
        if any(rule.screen_facts(unit.facts, settings, project) is not False for rule in rules):
            continue
        if lines is None:
            lines = source_lines(source, keepends=True)
        if unit.end > len(lines):
            return None
        if asks:
            words = _words(lines, unit)
            if any(rule.needs_body(words) for rule in asks):
                continue
        first = lines[unit.start - 1]
        indent = first.encode("utf-8", "surrogatepass")[:unit.col]
        if indent.strip(b" \t\f"):
            continue  # the body starts on the line of the `def` (or after a `;`)
        lines[unit.start - 1] = indent.decode("utf-8", "surrogatepass") + "pass" + _ending(first)
        for i in range(unit.start, unit.end):
            lines[i] = _ending(lines[i])
        changed = True
    return "".join(lines) if changed else None


def _words(lines: List[str], unit) -> FrozenSet[str]:
    return frozenset(_WORD.findall("".join(lines[unit.start - 1:unit.end])))


def _ending(line: str) -> str:
    if line.endswith("\r\n"):
        return "\r\n"
    if line.endswith("\n") or line.endswith("\r"):
        return line[-1]
    return ""


__all__ = ["reduced_source", "MIN_LINES"]
