"""Where the nodes a file's findings name are, without a position pass over the whole module.

libcst's PositionProvider computes the range of every node of a module by generating its code,
and costs about 250 ms per 1,000 lines: on the benchmark corpus's files with a finding, 2.5
times the parse. A finding needs the ranges of a few nodes only (the one it reports and those
its fix edits), and they almost always lie in one statement of the module, or of the indented
body of a module-level class. So the engine passes the walk's stack at each report, and this
module runs the position pass over that statement alone, as a module of its own (with its class
around it, holding that one statement), and shifts the lines it gives to where the statement is.

Where it is: the statement's lines, as generated, appear in the parsed text exactly once (a
function's or a method's whole text rarely appears twice). When they appear more than once, the
lines of the code generated before the statement are counted instead, which is slower but always
right. Columns need no shift: the statement keeps its indentation and everything before it on
its lines.

A wanted node outside the statement of any report (a rule may report at the end of the module a
node it saw earlier) makes the whole module's pass run, as before. Either way, every wanted node
gets the range the whole pass gives.
"""

from __future__ import annotations

from typing import Dict, Iterable, Optional, Sequence, Tuple

from .sourcefile import source_lines


def _line_count(code: str) -> int:
    return code.count("\n") + code.count("\r") - code.count("\r\n")


def _pass(module):
    from libcst.metadata import MetadataWrapper, PositionProvider

    return MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)


def _piece(module, stack: Sequence) -> Optional[Tuple[object, Optional[int]]]:
    """(top-level statement, index in its class's indented body or None) the walk was in."""
    import libcst as cst

    if len(stack) < 2 or stack[0] is not module:
        return None
    top = stack[1]
    # (not a one-line body, `class A: x = 1; y = 2`: the others share its line, columns would move)
    if (isinstance(top, cst.ClassDef) and isinstance(top.body, cst.IndentedBlock) and len(stack) >= 4
            and stack[2] is top.body):
        for j, stmt in enumerate(top.body.body):
            if stmt is stack[3]:
                return top, j
    return top, None


class _Counted:
    """Lines before a top-level statement, or before a statement of a class's body, counted from
    the code generated for what comes before it (computed as far as asked, kept)."""

    def __init__(self, module):
        self.module = module
        self.before = [len(module.header)]  # one EmptyLine is one line

    def top(self, index: int) -> int:
        body = self.module.body
        while len(self.before) <= index:
            k = len(self.before) - 1
            self.before.append(self.before[k] + _line_count(self.module.code_for_node(body[k])))
        return self.before[index]

    def in_class(self, index: int, top, j: int) -> int:
        """The lines a module of `top` holding only its j-th statement lacks before it."""
        before = top.body.body[:j]
        return self.top(index) + sum(_line_count(self.module.code_for_node(s)) for s in before)


def _unique_line(text: str, chunk: str) -> Optional[int]:
    """The 1-based line at which `chunk` (whole lines) is in `text`, if it is there exactly once."""
    if not chunk:
        return None
    at = text.find(chunk)
    if at < 0 or text.find(chunk, at + 1) >= 0:
        return None
    if at and text[at - 1] not in "\r\n":
        return None
    return _line_count(text[:at]) + 1


def locate(module, text: str, wanted: Iterable, stacks: Iterable[Sequence]) -> Dict:
    """{node: CodeRange} for every node of `wanted` in `module` (parsed from `text`), the ranges
    libcst's PositionProvider gives. `stacks`: the walk's stack (module first) where each report
    was made; the statements they name are the ones passed over."""
    wanted = list(wanted)
    index = {id(stmt): i for i, stmt in enumerate(module.body)}
    counted = None
    found: Dict = {}
    done = set()
    for stack in stacks:
        piece = _piece(module, stack)
        if piece is None or (id(piece[0]), piece[1]) in done or id(piece[0]) not in index:
            continue
        done.add((id(piece[0]), piece[1]))
        top, j = piece
        if j is None:
            inner = sub = top
        else:
            inner = top.body.body[j]
            sub = top.with_changes(body=top.body.with_changes(body=(inner,)))
        alone = module.with_changes(header=(), body=(sub,), footer=())
        ranges = _pass(alone)
        # the statement's whole lines, from its first code line (leading lines are not its range)
        span = ranges[inner]
        lines = source_lines(alone.code, keepends=True)
        line = _unique_line(text, "".join(lines[span.start.line - 1:span.end.line]))
        if line is not None:
            shift = line - span.start.line
        else:
            if counted is None:
                counted = _Counted(module)
            shift = counted.top(index[id(top)]) if j is None else counted.in_class(index[id(top)], top, j)
        # only nodes of the statement itself: the class's own lines before it are not shifted alike
        outside = _header_nodes(sub) if j is not None else ()
        for node in wanted:
            if node not in found and id(node) not in outside:
                rng = ranges.get(node)
                if rng is not None:
                    found[node] = _shifted(rng, shift)
    if any(node not in found for node in wanted):
        return _pass(module)
    return found


def _header_nodes(cls) -> set:
    """The ids of a class's nodes outside its body's statements: its decorators, name, bases..."""
    out = {id(cls), id(cls.body)}
    stack = [child for child in cls.children if child is not cls.body]
    while stack:
        node = stack.pop()
        out.add(id(node))
        stack.extend(node.children)
    return out


def _shifted(rng, lines: int):
    from libcst.metadata import CodePosition, CodeRange

    return CodeRange(CodePosition(rng.start.line + lines, rng.start.column),
                     CodePosition(rng.end.line + lines, rng.end.column))


__all__ = ["locate"]
