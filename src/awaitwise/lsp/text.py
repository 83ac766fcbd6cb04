"""Positions in an editor's document: lines and columns as the Language Server Protocol counts
them, converted to and from offsets into the Python text.

A line ends at `\\n`, `\\r\\n` or `\\r` only (what both the protocol and Python's parser call a
line end; `str.splitlines` also splits at form feeds and other separators, which would shift every
line after them). A column counts code units of the encoding the client and the server agreed on
at start-up: UTF-16 (the protocol's default), UTF-8 or UTF-32 (one unit per character).
"""

from __future__ import annotations

import bisect
import re
from typing import List, Optional, Tuple

UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"
_EOL = re.compile(r"\r\n|\r|\n")


def _units(char: str, encoding: str) -> int:
    code = ord(char)
    if encoding == UTF16:
        return 2 if code > 0xFFFF else 1
    if encoding == UTF8:
        return 1 if code < 0x80 else 2 if code < 0x800 else 3 if code < 0x10000 else 4
    return 1


class LineIndex:
    """Where each line of `text` starts, for converting (line, column) positions, both 0-based
    as in the protocol, to character offsets and back."""

    def __init__(self, text: str):
        self.text = text
        self.starts: List[int] = [0]
        self.starts.extend(m.end() for m in _EOL.finditer(text))

    @property
    def line_count(self) -> int:
        return len(self.starts)

    def line_end(self, line: int) -> int:
        """The offset where line `line` (0-based) ends, before its line end."""
        if line + 1 < len(self.starts):
            end = self.starts[line + 1] - 1
            if end > self.starts[line] and self.text[end] == "\n" and self.text[end - 1] == "\r":
                end -= 1
            return end
        return len(self.text)

    def line_text(self, line: int) -> str:
        if not 0 <= line < len(self.starts):
            return ""
        return self.text[self.starts[line] : self.line_end(line)]

    def offset(self, line: int, column: int, encoding: str = UTF16) -> int:
        """The offset of a protocol position. A line past the end is the end of the text; a
        column past the end of its line is the end of the line (as the protocol says); a column
        inside a character that takes two units is that character's start."""
        if line < 0:
            return 0
        if line >= len(self.starts):
            return len(self.text)
        start, end = self.starts[line], self.line_end(line)
        if encoding == UTF32:
            return min(start + max(column, 0), end)
        pos, left = start, column
        while pos < end and left > 0:
            left -= _units(self.text[pos], encoding)
            if left < 0:
                break
            pos += 1
        return pos

    def position(self, offset: int, encoding: str = UTF16) -> Tuple[int, int]:
        """The protocol position (line, column) of a character offset (clamped to the text)."""
        offset = min(max(offset, 0), len(self.text))
        line = bisect.bisect_right(self.starts, offset) - 1
        end = self.line_end(line)
        start = self.starts[line]
        offset = min(offset, end)  # inside a line end: the end of that line
        if encoding == UTF32:
            return line, offset - start
        return line, sum(_units(c, encoding) for c in self.text[start:offset])

    def offset_of_location(self, row: int, column: int) -> int:
        """The offset of an awaitwise Location (1-based line, 1-based column in characters)."""
        if row < 1:
            return 0
        if row > len(self.starts):
            return len(self.text)
        start = self.starts[row - 1]
        return min(start + max(column - 1, 0), self.line_end(row - 1))


def apply_change(
    text: str, change_range: Optional[Tuple[Tuple[int, int], Tuple[int, int]]], new_text: str, encoding: str = UTF16
) -> str:
    """`text` after one content change of `textDocument/didChange`: the range ((line, column),
    (line, column)) replaced by `new_text`, or the whole text when the range is None."""
    if change_range is None:
        return new_text
    lines = LineIndex(text)
    (sl, sc), (el, ec) = change_range
    start = lines.offset(sl, sc, encoding)
    end = lines.offset(el, ec, encoding)
    if end < start:
        start, end = end, start
    return text[:start] + new_text + text[end:]


def minimal_replacement(before: str, after: str) -> Tuple[int, int, str]:
    """One edit that turns `before` into `after`: (start, end, new text) with the common prefix
    and suffix left alone, so that an editor keeps the cursor and folds outside the change. A
    CRLF pair is never split."""
    limit = min(len(before), len(after))
    start = 0
    while start < limit and before[start] == after[start]:
        start += 1
    if 0 < start and before[start - 1] == "\r":
        start -= 1
    end_b, end_a = len(before), len(after)
    while end_b > start and end_a > start and before[end_b - 1] == after[end_a - 1]:
        end_b -= 1
        end_a -= 1
    if end_b < len(before) and before[end_b] == "\n" and end_b > start and before[end_b - 1] == "\r":
        end_b += 1
        end_a += 1
    return start, end_b, after[start:end_a]
