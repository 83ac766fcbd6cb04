"""`# noqa` suppressions, applied centrally after the rules run (rules never read comments).

`# noqa` silences every code on its line; `# noqa: AW100,AW2` silences codes and code prefixes.
The matching flake8-async / ruff codes are honoured too, so suppressions written for those tools
keep working after a migration, and so are a type checker's ignore comments for the same finding
(`# type: ignore[unused-coroutine]` silences AW200).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Optional, Set, Tuple

from .sourcefile import source_lines

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:(?:\s*,\s*|\s+)[A-Z]+[0-9]+)*))?", re.I)
_SPLIT = re.compile(r"[,\s]+")

# Codes of other tools that mean the same finding (shared/DESIGN.md).
EQUIVALENT: Dict[str, FrozenSet[str]] = {
    "ASYNC103": frozenset({"AW404"}),
    "ASYNC104": frozenset({"AW404"}),
    "ASYNC251": frozenset({"AW100"}),
    "ASYNC210": frozenset({"AW101"}),
    "ASYNC211": frozenset({"AW101"}),
    "ASYNC212": frozenset({"AW101"}),
    "ASYNC220": frozenset({"AW102"}),
    "ASYNC221": frozenset({"AW102"}),
    "ASYNC222": frozenset({"AW102"}),
    "ASYNC230": frozenset({"AW103"}),
    "ASYNC231": frozenset({"AW103"}),
    "ASYNC232": frozenset({"AW103"}),
    "ASYNC240": frozenset({"AW103"}),
    "ASYNC250": frozenset({"AW104"}),
    "ASYNC300": frozenset({"AW400"}),
    "RUF006": frozenset({"AW400"}),
    "PLE1142": frozenset({"AW300", "AW301"}),
}

# Error codes of type checkers that report the same finding, honoured in their own suppression
# comments (`# type: ignore[unused-coroutine]`, `# pyright: ignore[reportUnusedCoroutine]`): the
# author has already said the discarded coroutine is meant. A bare `# type: ignore` is not one.
TYPE_CHECKER_EQUIVALENT: Dict[str, FrozenSet[str]] = {
    "unused-coroutine": frozenset({"AW200"}),
    "reportUnusedCoroutine": frozenset({"AW200"}),
}
_TYPE_IGNORE = re.compile(r"#\s*(?:type|pyright)\s*:\s*ignore\[(?P<codes>[^\]]*)\]")

ALL = None  # a bare noqa comment, naming no code


def parse_line(line: str):
    """None if the line has no noqa comment (nor a type checker's ignore of an equivalent code),
    ALL-marker `"*"` for a bare one, else a set of codes."""
    ours = _type_checker_codes(line) if "ignore[" in line else frozenset()
    if "noqa" not in line and "NOQA" not in line.upper():
        return ours or None
    # every `# noqa` of the line counts: a string before the comment may hold one too
    # (`s = "# noqa: E501"; f()  # noqa: AW100`)
    found: set = set()
    for m in _NOQA.finditer(line):
        codes = m.group("codes")
        if not codes:
            return "*"
        found.update(c.upper() for c in _SPLIT.split(codes.strip()) if c)
    return (frozenset(found) | ours) or None


def _type_checker_codes(line: str) -> FrozenSet[str]:
    out: Set[str] = set()
    for m in _TYPE_IGNORE.finditer(line):
        for code in _SPLIT.split(m.group("codes").strip()):
            out.update(TYPE_CHECKER_EQUIVALENT.get(code, ()))
    return frozenset(out)


def suppresses(spec, code: str) -> bool:
    if spec == "*":
        return True
    for item in spec:
        if code.startswith(item) or code in EQUIVALENT.get(item, ()):
            return True
    return False


class NoqaMap:
    """Lazily parsed noqa comments of one source, by 1-based line number."""

    def __init__(self, source: str):
        self._lines = source_lines(source)
        self._cache: Dict[int, Optional[object]] = {}

    def spec(self, row: int):
        if row not in self._cache:
            line = self._lines[row - 1] if 0 < row <= len(self._lines) else ""
            self._cache[row] = parse_line(line) if "#" in line else None
        return self._cache[row]

    def suppressed(self, row: int, code: str) -> bool:
        spec = self.spec(row)
        return spec is not None and suppresses(spec, code)


# ----------------------------------------------------------------------------------------------
# `# noqa` directives as comments: where they are, and edits that add or remove codes
# (--add-noqa, AW002's fix). These read the source's real comments (tokenize), never a `# noqa`
# inside a string.
# ----------------------------------------------------------------------------------------------

# A directive in a comment: `# noqa`, then optionally `:` and codes separated by commas and/or
# spaces. A code is letters then digits (AW100, E501, ASYNC251) or a prefix of letters and
# digits (AW1); a word without digits ends the list, so `# noqa: AW100 see #12` lists AW100.
_DIRECTIVE = re.compile(
    r"#\s*noqa(?:(?P<colon>:[ \t]*)(?P<codes>[A-Z]+[0-9]+(?:(?:[ \t]*,[ \t]*|[ \t]+)[A-Z]+[0-9]+)*)?)?", re.I
)
_CODE = re.compile(r"[A-Z]+[0-9]+", re.I)


@dataclass(frozen=True)
class Directive:
    """A `# noqa` directive on one line: `start`/`end` are columns (0-based, in characters) of
    the directive in the line, `codes_start`/`codes_end` of its code list (both `end` when it
    has none), and `codes` the codes as written. `comment_start` is where the comment holding
    it starts."""

    row: int
    comment_start: int
    start: int
    end: int
    codes_start: int
    codes_end: int
    codes: Tuple[str, ...]
    colon: bool = False  # `# noqa:` with nothing recognisable after it is not a blanket one

    @property
    def blanket(self) -> bool:
        return not self.codes and not self.colon


@dataclass
class Comments:
    """The comments of a source: each line's comment (row -> (column, text)), and the lines that
    cannot take one at their end (the line ends inside a string, or with a `\\` continuation)."""

    by_row: Dict[int, Tuple[int, str]] = field(default_factory=dict)
    closed_rows: Set[int] = field(default_factory=set)

    def directive(self, row: int) -> Optional[Directive]:
        found = self.by_row.get(row)
        if found is None:
            return None
        return find_directive(row, found[0], found[1])


def find_directive(row: int, column: int, comment: str) -> Optional[Directive]:
    m = _DIRECTIVE.search(comment)
    if m is None:
        return None
    if m.group("codes") is not None:
        codes = tuple(_CODE.findall(m.group("codes")))
        cs, ce = m.span("codes")
    else:
        codes = ()
        cs = ce = m.end()
    return Directive(
        row, column, column + m.start(), column + m.end(), column + cs, column + ce, codes, m.group("colon") is not None
    )


def scan_comments(source: str) -> Optional[Comments]:
    """The comments of `source`, or None when it cannot be tokenized."""
    import io
    import tokenize

    out = Comments()
    in_string: Set[int] = set()
    # f-strings (3.12) and t-strings (3.14) come as tokens of their own: what lies between
    # their start and end is inside the string, replacement fields included
    opening = {getattr(tokenize, n) for n in ("FSTRING_START", "TSTRING_START") if hasattr(tokenize, n)}
    closing = {getattr(tokenize, n) for n in ("FSTRING_END", "TSTRING_END") if hasattr(tokenize, n)}
    started: list = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source, newline="").readline):
            if tok.type == tokenize.COMMENT:
                out.by_row[tok.start[0]] = (tok.start[1], tok.string)
            elif tok.type in opening:
                started.append(tok.start[0])
            elif tok.type in closing and started:
                in_string.update(range(started.pop(), tok.end[0]))
            elif tok.start[0] < tok.end[0] and tok.type not in (tokenize.NL, tokenize.NEWLINE):
                in_string.update(range(tok.start[0], tok.end[0]))  # a string over several lines
    except (tokenize.TokenError, SyntaxError, ValueError):
        return None
    for row, line in enumerate(source_lines(source), 1):
        if row in in_string or (line.endswith("\\") and row not in out.by_row):
            out.closed_rows.add(row)
    return out


def joined(codes) -> str:
    return ", ".join(codes)


def with_codes(line: str, directive: Optional[Directive], codes) -> str:
    """`line` (without its line end) with a directive that holds `codes` as well: the existing
    directive's codes merged (sorted, each once), or `  # noqa: CODES` appended after what the
    line holds (its comment included)."""
    if directive is None:
        return f"{line.rstrip()}  # noqa: {joined(sorted(set(codes)))}"
    if directive.blanket:
        return line  # it silences everything already
    merged = sorted({c.upper() for c in directive.codes} | set(codes))
    rest = line[directive.codes_end :]
    if not directive.codes and rest[:1] not in ("", " ", "\t"):
        rest = " " + rest  # `# noqa:` followed by words: the codes go before them
    return line[: directive.codes_start] + joined(merged) + rest


def without_codes(line: str, directive: Directive, unwanted) -> Tuple[int, int, str]:
    """The edit of `line` (without its line end) that drops the `unwanted` codes (upper case)
    from `directive`: (start column, end column, replacement). When no code is left the
    directive goes; when it was the whole comment, the comment goes with the blanks before it."""
    kept = [c for c in directive.codes if c.upper() not in unwanted]
    if kept:
        return directive.codes_start, directive.codes_end, joined(kept)
    before = line[directive.comment_start : directive.start].rstrip()  # the comment's text before it
    after = line[directive.codes_end :].strip()  # a reason after the codes, or another comment
    if before or after:
        pieces = ([before] if before else []) + ([after if after.startswith("#") else f"# {after}"] if after else [])
        return directive.comment_start, len(line), "  ".join(pieces)
    start = directive.comment_start
    while start > 0 and line[start - 1] in " \t":
        start -= 1
    return start, len(line), ""
