"""The code frame under a finding in the text format: the source lines of its span with a little
context, a gutter of line numbers, and `^` markers under the span, labelled with the code.

```
  |
4 | async def tick():
5 |     time.sleep(1)
  |     ^^^^^^^^^^^^^ AW100
6 |     print("a")
  |
```

The source text comes from the analysed tree, so each character is shown as it is safe to show
it: a tab as four spaces, a control, line separator, invisible format character (bidirectional
overrides included) or lone surrogate as its visible escape (`\\x1b`, `\\u202e`). Markers are
placed by display width: a wide character (CJK, most emoji) takes two cells, a combining mark
none, an escape as many cells as its text.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Callable, List, Optional, Sequence, Tuple

from . import _escape

CONTEXT = 2  # lines shown before and after the span, as ruff shows them
MAX_SPAN_LINES = 8  # a longer span shows its first and last lines around an elision
TAB = "    "
MAX_WIDTH = 200  # cells of source shown per line; a longer line is cut around the span
LEAD = 40  # cells shown before the span's start when a line is cut
ELLIPSIS = "..."

# What `clean_name` escapes (controls, line separators, surrogates); format characters are
# found by their category.
_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")

Style = Callable[[str, str], str]  # (role, text) -> text, with colour or without


def plain(_role: str, text: str) -> str:
    return text


def _cell(char: str) -> Tuple[str, int]:
    """How one character of a source line is shown: (text, width in terminal cells)."""
    if char == "\t":
        return TAB, len(TAB)
    if _UNSAFE.match(char) or unicodedata.category(char) == "Cf":
        shown = _escape(char)
        return shown, len(shown)
    if unicodedata.category(char) in ("Mn", "Me"):
        return char, 0
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return char, 2
    return char, 1


class ShownLine:
    """One source line as it is displayed, with the display column of every character."""

    __slots__ = ("parts", "text", "offsets")

    def __init__(self, line: str):
        parts: List[str] = []
        offsets = [0]
        for char in line:
            shown, width = _cell(char)
            parts.append(shown)
            offsets.append(offsets[-1] + width)
        self.parts = parts
        self.text = "".join(parts)
        self.offsets = offsets  # offsets[i]: display column where character i starts

    @property
    def width(self) -> int:
        return self.offsets[-1]

    def window(self, w0: int, w1: int) -> str:
        """The characters that lie within display columns [w0, w1), with `...` where the line
        goes on before or after them."""
        if w0 == 0 and self.width <= w1:
            return self.text
        inside = "".join(part for part, a, b in zip(self.parts, self.offsets, self.offsets[1:]) if a >= w0 and b <= w1)
        return (ELLIPSIS if w0 > 0 else "") + inside + (ELLIPSIS if self.width > w1 else "")

    def column(self, index: int) -> int:
        """Display column of character `index` (clamped to the line)."""
        return self.offsets[max(0, min(index, len(self.offsets) - 1))]


def _segments(lines: Sequence[str], start: Tuple[int, int], end: Tuple[int, int]):
    """(row, first char, end char) for each line the span covers; rows 1-based, chars 0-based
    with an exclusive end. A span ending at column 0 of a line ends on the line before; the
    lines after the first are marked from their first non-blank character."""
    (r0, c0), (r1, c1) = start, end
    if r1 > r0 and c1 == 0:
        r1 -= 1
        c1 = len(lines[r1 - 1]) if r1 - 1 < len(lines) else 0
    out = []
    for row in range(r0, r1 + 1):
        line = lines[row - 1] if row - 1 < len(lines) else ""
        first = c0 if row == r0 else len(line) - len(line.lstrip())
        last = c1 if row == r1 else len(line)
        out.append((row, first, max(first, last)))
    return out


def render_frame(
    lines: Sequence[str], code: str, start: Tuple[int, int], end: Tuple[int, int], style: Style = plain
) -> Optional[List[str]]:
    """The frame's lines for a span from `start` to `end`, each (row 1-based, column 0-based),
    the end exclusive; None when the span's first line is not in `lines` (the file changed)."""
    r0 = start[0]
    if not 1 <= r0 <= len(lines):
        return None
    segments = _segments(lines, start, end)
    segments = [s for s in segments if s[0] <= len(lines)]
    if len(segments) > MAX_SPAN_LINES:
        head = MAX_SPAN_LINES // 2
        shown_segments = segments[:head] + [None] + segments[-(MAX_SPAN_LINES - head - 1) :]
    else:
        shown_segments = list(segments)
    last_row = segments[-1][0]
    before = list(range(max(1, r0 - CONTEXT), r0))
    after = list(range(last_row + 1, min(len(lines), last_row + CONTEXT) + 1))
    while before and not lines[before[0] - 1].strip():
        before.pop(0)
    while after and not lines[after[-1] - 1].strip():
        after.pop()
    width = len(str(after[-1] if after else last_row))
    gutter_blank = style("gutter", " " * width + " |")
    rows = before + [seg[0] for seg in shown_segments if seg is not None] + after
    shown_lines = {row: ShownLine(lines[row - 1]) for row in rows}

    marked = []  # (segment or None for the elision, display column, marker width)
    for seg in shown_segments:
        if seg is None:
            marked.append((None, 0, 0))
            continue
        row, first, stop = seg
        shown = shown_lines[row]
        col = shown.column(first)
        marks = shown.column(stop) - col
        if len(segments) == 1:
            marks = max(1, marks)  # an empty span (a parse error's point) still gets its marker
        marked.append((seg, col, marks))

    # a line too long to show (minified code) is cut to a window around the span's start, the
    # same window for every line of the frame so that the markers stay under their text
    w0, w1 = 0, max(sl.width for sl in shown_lines.values())
    if w1 > MAX_WIDTH:
        w0 = max(0, marked[0][1] - LEAD)
        w1 = w0 + MAX_WIDTH
    shift = len(ELLIPSIS) - w0 if w0 > 0 else 0
    if w0 > 0 or w1 < max(sl.width for sl in shown_lines.values()):
        marked = [
            (seg, col, max(0, min(col + marks, w1) - max(col, w0))) if seg is not None else (seg, col, marks)
            for seg, col, marks in marked
        ]
        marked = [(seg, max(col, w0), marks) for seg, col, marks in marked]

    def numbered(row: int) -> str:
        text = shown_lines[row].window(w0, w1)
        return style("gutter", f"{row:>{width}} |") + (" " + text if text else "")

    labelled = max((i for i, (seg, _c, marks) in enumerate(marked) if marks), default=-1)
    out = [gutter_blank]
    out.extend(numbered(r) for r in before)
    for i, (seg, col, marks) in enumerate(marked):
        if seg is None:
            out.append(style("gutter", " " * width + " :") + " ...")
            continue
        out.append(numbered(seg[0]))
        if marks:
            label = " " + code if i == labelled else ""
            out.append(gutter_blank + " " + " " * (col + shift) + style("marker", "^" * marks + label))
    out.extend(numbered(r) for r in after)
    out.append(gutter_blank)
    return out
