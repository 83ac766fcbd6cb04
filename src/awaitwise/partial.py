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
from typing import TYPE_CHECKING, FrozenSet, List, Optional, Sequence, Tuple, Type

from .sourcefile import source_lines

if TYPE_CHECKING:
    from .registry import Rule

# Below this, a file has no body worth replacing. (Larger files gain whatever their size: with
# the units from the project index, the cost is a few set lookups per body.)
MIN_LINES = 20
_WORD = re.compile(r"\w+")


def reduced_source(source: str, screen, rules: Sequence[Type[Rule]], settings, project) -> Optional[str]:
    """`source` with the bodies no rule in `rules` needs replaced, or None when none is (or
    when this file is not one to reduce). `screen`: its screening.FileScreen (screen_for)."""
    plan = _plan(source, screen, rules, settings, project)
    if plan is None or not plan[1]:
        return None
    lines, dead, _ = plan
    for unit in dead:
        _blank(lines, unit)
    return "".join(lines)


class Piece:
    """One of the texts a large file is linted in (pieces): the file with the bodies kept for the
    other pieces replaced. Its findings are those on the lines it owns."""

    __slots__ = ("units", "first", "others", "_lines")

    def __init__(self, lines: List[str], units, first: bool, others) -> None:
        self.units: Tuple[Tuple[int, int], ...] = units  # (first, last) line of each body it keeps
        self.first = first  # the first piece also owns every line outside the other pieces' bodies
        self.others: Tuple[Tuple[int, int], ...] = others  # the bodies kept for the other pieces
        self._lines = lines  # the file's lines, the bodies no rule needs already replaced

    def text(self) -> str:
        """Made on demand, so that the pieces of a file are not all held at once."""
        copy = list(self._lines)
        for start, end in self.others:
            _blank_lines(copy, start, end)
        return "".join(copy)

    def owns(self, row: int) -> bool:
        if any(start <= row <= end for start, end in self.units):
            return True
        return self.first and not any(start <= row <= end for start, end in self.others)


# A libcst tree takes several hundred times the size of its text. A file larger than
# PIECES_FROM is linted in pieces of at least PIECE_BYTES, at most MAX_PIECES of them, so that
# one tree of the whole file is never built. Each piece still holds every definition of the file
# (the other pieces' bodies replaced), so pieces cost time in proportion to their number: they
# are kept for the files whose single tree would take gigabytes (tests/benchmarks/README.md).
PIECES_FROM = 4 * 1024 * 1024
PIECE_BYTES = 256 * 1024
MAX_PIECES = 16


def pieces(source: str, screen, rules: Sequence[Type[Rule]], settings, project) -> Optional[List[Piece]]:
    """The pieces a large file is linted in, or None when it is linted whole. Each piece is the
    file with the bodies no rule needs replaced (as reduced_source does) and with the bodies of
    the other pieces replaced too. Every other line is in every piece, at its own position; so is
    every body that cannot be replaced (see the module's docstring), which the first piece owns.
    Linting each piece and keeping the findings on the lines it owns gives the findings of the
    whole file, for rules whose findings in a body depend on nothing in other bodies."""
    if len(source) < max(PIECES_FROM, PIECE_BYTES):
        return None
    plan = _plan(source, screen, rules, settings, project)
    if plan is None:
        return None
    lines, dead, live = plan
    size = max(PIECE_BYTES, len(source) // MAX_PIECES)
    groups: List[List] = [[]]
    held = 0
    for unit in live:
        cost = sum(len(lines[i]) for i in range(unit.start - 1, unit.end))
        if groups[-1] and held + cost > size:
            groups.append([])
            held = 0
        groups[-1].append(unit)
        held += cost
    if len(groups) < 2:
        return None
    for unit in dead:
        _blank(lines, unit)
    out = []
    for i, group in enumerate(groups):
        mine = {id(u) for u in group}
        out.append(
            Piece(
                lines,
                tuple((u.start, u.end) for u in group),
                i == 0,
                tuple((u.start, u.end) for u in live if id(u) not in mine),
            )
        )
    return out


def _plan(source: str, screen, rules: Sequence[Type[Rule]], settings, project):
    """(the source's lines, the bodies no rule needs, the bodies some rule could fire in), or None
    when this file is not one to reduce. The bodies in neither list are kept in every text: those
    that cannot be replaced, and those a rule needs for what it decides in other bodies."""
    if not rules or not all(rule.body_local for rule in rules):
        return None
    if "\r" in source and source.count("\r") != source.count("\r\n"):
        return None  # old Mac line ends: leave line numbering questions to the full parse
    if source.count("\n") < MIN_LINES:
        return None
    units = screen.units()
    if not units:
        return None
    lines = source_lines(source, keepends=True)
    dead, live = [], []
    from .registry import Rule

    # (the checker does not know a classmethod read from a class has __func__)
    asks = [rule for rule in rules if rule.needs_body.__func__ is not Rule.needs_body.__func__]  # type: ignore[attr-defined]
    for unit in units:
        if unit.pinned or unit.decorated_first or unit.end <= unit.start:
            continue
        if unit.end > len(lines):
            return None
        first = lines[unit.start - 1]
        indent = first.encode("utf-8", "surrogatepass")[: unit.col]
        if indent.strip(b" \t\f"):
            continue  # the body starts on the line of the `def` (or after a `;`)
        if asks:  # what decides findings in other bodies is in every text
            words = _words(lines, unit)
            if any(rule.needs_body(words) for rule in asks):
                continue
        if any(rule.screen_facts(unit.facts, settings, project) is not False for rule in rules):
            live.append(unit)
        else:
            dead.append(unit)
    return lines, dead, live


def _blank(lines: List[str], unit) -> None:
    _blank_lines(lines, unit.start, unit.end)


def _blank_lines(lines: List[str], start: int, end: int) -> None:
    """The body on lines start..end replaced by `pass` on its first line and empty lines for the
    rest (the body starts on a line of its own, at its indentation)."""
    first = lines[start - 1]
    indent = first[: len(first) - len(first.lstrip(" \t\f"))]
    lines[start - 1] = indent + "pass" + _ending(first)
    for i in range(start, end):
        lines[i] = _ending(lines[i])


def _words(lines: List[str], unit) -> FrozenSet[str]:
    return frozenset(_WORD.findall("".join(lines[unit.start - 1 : unit.end])))


def _ending(line: str) -> str:
    if line.endswith("\r\n"):
        return "\r\n"
    if line.endswith(("\n", "\r")):
        return line[-1]
    return ""


__all__ = ["reduced_source", "pieces", "Piece", "MIN_LINES", "PIECES_FROM", "PIECE_BYTES", "MAX_PIECES"]
