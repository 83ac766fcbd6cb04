"""The edit behind "suppress with `# noqa: CODE`": add the code to the reported line's noqa
comment, or give the line one, without changing what the line means."""

from __future__ import annotations

import io
import re
import tokenize
from typing import Optional, Tuple

from ..noqa import parse_line, suppresses
from .text import LineIndex

# a noqa comment with codes, in the form noqa.py reads (codes separated by commas or spaces)
_CODES = re.compile(r"#\s*noqa:\s*[A-Z]+[0-9]*(?:(?:,\s*|\s+)[A-Z]+[0-9]*)*", re.I)


def noqa_edit(text: str, row: int, code: str) -> Optional[Tuple[int, int, str]]:
    """(start, end, new text) that makes line `row` (1-based) suppress `code`, or None when it
    does already, or when no comment can go at the end of that line: it ends inside a string
    that goes on to the next line, or with a backslash that continues it."""
    lines = LineIndex(text)
    if not 1 <= row <= lines.line_count:
        return None
    line = lines.line_text(row - 1)
    spec = parse_line(line)
    if spec is not None and suppresses(spec, code):
        return None
    start = lines.starts[row - 1]
    stripped = line.rstrip()
    if stripped.endswith("\\") or _ends_inside_token(text, row):
        return None
    m = _CODES.search(line) if spec is not None else None
    if m is not None:  # keep the comment and its codes, add this one
        edit = (start + m.end(), start + m.end(), f", {code}")
        new_line = line[: m.end()] + edit[2] + line[m.end() :]
    else:
        edit = (start + len(stripped), start + len(line), f"  # noqa: {code}")
        new_line = stripped + edit[2]
    new_spec = parse_line(new_line)
    if new_spec is None or not suppresses(new_spec, code):
        return None  # pragma: no cover - the comment written is one noqa.py reads
    return edit


def _ends_inside_token(text: str, row: int) -> bool:
    """True when the end of line `row` lies inside a token that spans lines (a triple-quoted
    string, an f-string), where a `#` would become part of the text; also when the source
    cannot be split into tokens."""
    skip = (tokenize.NEWLINE, tokenize.NL, tokenize.DEDENT, tokenize.INDENT, tokenize.ENDMARKER)
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text, newline="").readline):
            if tok.start[0] > row:
                return False
            if tok.type not in skip and tok.start[0] <= row < tok.end[0]:
                return True
    except (tokenize.TokenError, SyntaxError, ValueError):
        return True
    return False
