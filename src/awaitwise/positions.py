"""Where the nodes a file's findings name are, without a position pass over the whole module.

libcst's PositionProvider computes the range of every node of a module by generating its code, and
costs more than the parse (tests/benchmarks/README.md). A finding needs the ranges of a few nodes
only (the one it reports and those its fix edits), and they almost always lie in one statement of
the module, or of the indented body of a module-level class. So the engine passes the walk's stack
at each report, and this module runs one position pass over a module made of those statements
alone (the statements of a class kept inside their class, holding only them), and shifts the lines
each statement gets to where that statement is.

The work is linear in the size of the file and the number of findings, however many there are:
each statement reported in is generated once, in a single pass for all findings; each wanted
node is looked up once, in the statement the pass was generating when it met the node; and each
statement is placed with an index of the parsed text's lines built once.

Where a statement is: its lines, as generated, appear in the parsed text at exactly one line
(a function's or a method's whole text rarely appears twice). The candidates are the lines
where the statement's rarest line is. When there are several that match, or too many to try,
the lines of the code generated before the statement are counted instead, which is slower but
always right (generating code without positions costs about a sixth of a position pass, and each
statement before is generated at most once per call). Columns need no shift: the statement keeps
its indentation and everything before it on its lines.

A wanted node outside the statement of any report (a rule may report at the end of the module a
node it saw earlier, or a class's name from within one of its methods) makes the whole module's
pass run, as before. Either way, every wanted node gets the range the whole pass gives.
"""

from __future__ import annotations

from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple

from .sourcefile import source_lines

# More lines of the parsed text than this equal to a statement's rarest line: it is placed by
# counting (trying each would cost as much for every copy of a repeated statement).
_MAX_CANDIDATES = 8


def _line_count(code: str) -> int:
    return code.count("\n") + code.count("\r") - code.count("\r\n")


def _pass(module):
    """The whole module's position pass (libcst's PositionProvider)."""
    from libcst.metadata import MetadataWrapper, PositionProvider

    return MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)


def _piece(module, stack: Sequence) -> Optional[Tuple[object, Optional[int]]]:
    """(top-level statement, index in its class's indented body or None) the walk was in."""
    import libcst as cst

    if len(stack) < 2 or stack[0] is not module:
        return None
    top = stack[1]
    # (not a one-line body, `class A: x = 1; y = 2`: the others share its line, columns would move)
    if (
        isinstance(top, cst.ClassDef)
        and isinstance(top.body, cst.IndentedBlock)
        and len(stack) >= 4
        and stack[2] is top.body
    ):
        for j, stmt in enumerate(top.body.body):
            if stmt is stack[3]:
                return top, j
    return top, None


def _state_class():
    """libcst's PositionProvider codegen state, which also notes, for the statements passed
    over, the line their code starts on and, for the wanted nodes, the statement being
    generated when they are (None: none of them, e.g. the header of a class around them)."""
    from libcst.metadata.position_provider import PositionProvidingCodegenState

    class State(PositionProvidingCodegenState):
        units: FrozenSet[int]
        marked: FrozenSet[int]
        wanted: FrozenSet[int]
        starts: Dict[int, int]
        unit_of: Dict[int, Optional[int]]
        unit: Optional[int]

        def before_codegen(self, node) -> None:
            super().before_codegen(node)
            key = id(node)
            if key in self.marked:
                self.starts[key] = self.line
                if key in self.units:
                    self.unit = key
            if key in self.wanted:
                self.unit_of.setdefault(key, self.unit)

        def after_codegen(self, node) -> None:
            super().after_codegen(node)
            if id(node) == self.unit:
                self.unit = None

    return State


_STATE = None


def _spans(module, units: Iterable[int], marked: Iterable[int], wanted: Iterable[int]):
    """One position pass over `module`, as libcst's PositionProvider makes it: (ranges by node,
    the module's code, {id: line its code starts on} for the `marked` nodes, {id of a wanted
    node: id of the unit (of `units`) it is generated in, or None})."""
    global _STATE
    from libcst.metadata import PositionProvider

    if _STATE is None:
        _STATE = _state_class()
    provider = PositionProvider()
    provider._computed = {}
    state = _STATE(default_indent=module.default_indent, default_newline=module.default_newline, provider=provider)
    state.units = frozenset(units)
    state.marked = frozenset(marked) | state.units
    state.wanted = frozenset(wanted)
    state.starts = {}
    state.unit_of = {}
    state.unit = None
    module._codegen(state)
    return provider._computed, "".join(state.tokens), state.starts, state.unit_of


class _Text:
    """The parsed text's lines: where each starts, and the lines equal to each line's text."""

    def __init__(self, text: str):
        self.text = text
        self.starts: List[int] = []
        self.where: Dict[str, List[int]] = {}
        at = 0
        for n, line in enumerate(source_lines(text, keepends=True), 1):
            self.starts.append(at)
            at += len(line)
            self.where.setdefault(line, []).append(n)

    def line_of(self, chunk: Sequence[str]) -> Optional[int]:
        """The 1-based line at which the whole lines `chunk` are in the text, if that is the only
        line where they are (the last may lack its line end: the module's last line)."""
        best = None
        for k, line in enumerate(chunk):
            if not line.endswith(("\n", "\r")):
                continue
            seen = self.where.get(line, ())
            if best is None or len(seen) < len(best[1]):
                best = (k, seen)
                if len(seen) <= 1:
                    break
        if best is None or not best[1] or len(best[1]) > _MAX_CANDIDATES:
            return None
        k, seen = best
        whole = "".join(chunk)
        found = None
        for n in seen:
            row = n - k
            if row >= 1 and self.text.startswith(whole, self.starts[row - 1]):
                if found is not None:
                    return None
                found = row
        return found


class _Counted:
    """Lines before a top-level statement, and before a statement of a class's indented body
    within that body, counted from the code generated for what comes before it (computed as far
    as asked, kept)."""

    def __init__(self, module):
        self.module = module
        self.before = [len(module.header)]  # one EmptyLine is one line
        self.members: Dict[int, List[int]] = {}

    def top(self, index: int) -> int:
        body = self.module.body
        while len(self.before) <= index:
            k = len(self.before) - 1
            self.before.append(self.before[k] + _line_count(self.module.code_for_node(body[k])))
        return self.before[index]

    def in_class(self, top, j: int) -> int:
        """The lines of the statements of `top`'s indented body before its j-th."""
        before = self.members.setdefault(id(top), [0])
        body = top.body.body
        while len(before) <= j:
            k = len(before) - 1
            before.append(before[k] + _line_count(self.module.code_for_node(body[k])))
        return before[j]


def _plan(module, stacks: Iterable[Sequence]):
    """The statements the reports were made in, in the module's order: [(index of the top-level
    statement, the statement, None for all of it, or the indices of the statements of its class's
    body)]."""
    index = {id(stmt): i for i, stmt in enumerate(module.body)}
    chosen: Dict[int, Optional[set]] = {}
    for stack in stacks:
        piece = _piece(module, stack)
        if piece is None:
            continue
        top, j = piece
        i = index.get(id(top))
        if i is None:
            continue
        if j is None:
            chosen[i] = None
        elif i not in chosen:
            chosen[i] = {j}
        elif (picked := chosen[i]) is not None:
            picked.add(j)
    return [(i, module.body[i], None if (c := chosen[i]) is None else sorted(c)) for i in sorted(chosen)]


def locate(module, text: str, wanted: Iterable, stacks: Iterable[Sequence]) -> Dict:
    """{node: CodeRange} for every node of `wanted` in `module` (parsed from `text`), the ranges
    libcst's PositionProvider gives. `stacks`: the walk's stack (module first) where each report
    was made; the statements they name are the ones passed over."""
    wanted = list(wanted)
    if not wanted:
        return {}
    plan = _plan(module, stacks)
    if not plan:
        return _pass(module)
    body = []
    units: List[Tuple[object, int, object, Optional[int]]] = []  # (statement, top index, top, j)
    classes = []  # the tops passed over for some statements of their body
    for i, top, js in plan:
        if js is None:
            body.append(top)
            units.append((top, i, top, None))
        else:
            inner = [top.body.body[j] for j in js]
            body.append(top.with_changes(body=top.body.with_changes(body=tuple(inner))))
            classes.append(body[-1])
            units.extend((stmt, i, body[-1], j) for stmt, j in zip(inner, js))
    alone = module.with_changes(header=(), body=tuple(body), footer=())
    ranges, code, starts, unit_of = _spans(
        alone, (id(u[0]) for u in units), (id(c) for c in classes), (id(node) for node in wanted)
    )
    lines = source_lines(code, keepends=True)
    placed = _Text(text)
    counted = None
    shifts: Dict[int, int] = {}
    first_member: Dict[int, int] = {}  # id(class passed over) -> line its first statement starts on
    for stmt, i, top, j in units:
        if j is not None:
            first_member.setdefault(id(top), starts[id(stmt)])
        # the statement's whole lines, from its first code line (leading lines are not its range)
        span = ranges[stmt]
        line = placed.line_of(lines[span.start.line - 1 : span.end.line])
        if line is not None:
            shifts[id(stmt)] = line - span.start.line
            continue
        if counted is None:
            counted = _Counted(module)
        before = counted.top(i)  # lines before the top-level statement in the module
        if j is not None:  # and those of its class before its body, then the body's before it
            before += first_member[id(top)] - starts[id(top)] + counted.in_class(module.body[i], j)
        shifts[id(stmt)] = before - (starts[id(stmt)] - 1)
    found: Dict = {}
    for node in wanted:
        unit = unit_of.get(id(node))
        rng = ranges.get(node) if unit is not None else None
        if rng is None:
            return _pass(module)
        found[node] = _shifted(rng, shifts[unit])
    return found


def _shifted(rng, lines: int):
    from libcst.metadata import CodePosition, CodeRange

    if not lines:
        return rng
    return CodeRange(
        CodePosition(rng.start.line + lines, rng.start.column), CodePosition(rng.end.line + lines, rng.end.column)
    )


__all__ = ["locate"]
