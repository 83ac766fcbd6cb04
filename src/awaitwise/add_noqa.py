"""`--add-noqa`: suppress every finding of a run where it is, so that a legacy codebase can adopt
the tool and fail only on new findings.

Each finding's `noqa_row` gets `# noqa: CODE`. A line with a `# noqa: X` directive keeps it and
gains the codes (sorted, each once); a line with another comment keeps it, the directive follows
it. Lines that cannot end in a comment (inside a string over several lines, or continued with
`\\`) are left alone and counted. Files are written as fixes are (runner.write_fixed: atomic,
encoding, BOM, line endings and mode kept, not over a file that changed since it was read). Run
twice, the second run finds nothing left to suppress and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Sequence, Set, Tuple

from .diagnostics import FileResult
from .engine import PARSE_ERROR
from .noqa import scan_comments, with_codes
from .sourcefile import SourceError, read, source_lines


@dataclass
class Added:
    directives: int = 0  # lines that got a directive or new codes in theirs
    files: int = 0
    unsuppressible: List[Tuple[str, int]] = field(default_factory=list)  # (file shown, row)
    problems: List[str] = field(default_factory=list)


def with_directives(text: str, wanted: Mapping[int, Set[str]]):
    """(`text` with `wanted` codes added on each row, rows changed, rows that cannot take a
    comment), or None when the text cannot be tokenized."""
    comments = scan_comments(text)
    if comments is None:
        return None
    lines = source_lines(text, keepends=True)
    changed = 0
    closed = []
    for row in sorted(wanted):
        if not 1 <= row <= len(lines):
            continue
        if row in comments.closed_rows:
            closed.append(row)
            continue
        line = lines[row - 1]
        body = line.rstrip("\r\n")
        ending = line[len(body) :]
        new = with_codes(body, comments.directive(row), wanted[row])
        if new != body:
            lines[row - 1] = new + ending
            changed += 1
    return "".join(lines), changed, closed


def add_noqa(diagnostics: Sequence, paths: Mapping[str, str], settings) -> Added:
    """Add directives for `diagnostics` to their files; `paths` maps each name a diagnostic
    shows to the path to write. A parse error (AW001) is not suppressed: the file was not
    checked."""
    from .runner import write_fixed

    by_file: Dict[str, Dict[int, Set[str]]] = {}
    for d in diagnostics:
        if d.code == PARSE_ERROR or d.filename not in paths:
            continue
        row = d.noqa_row or d.location.row
        by_file.setdefault(d.filename, {}).setdefault(row, set()).add(d.code)
    out = Added()
    for shown, wanted in by_file.items():
        path = paths[shown]
        try:
            src = read(path, settings.max_file_size)
        except SourceError as exc:
            out.problems.append(f"{shown}: {exc}")
            continue
        edited = with_directives(src.text, wanted)
        if edited is None:
            out.problems.append(f"{shown}: could not read its comments; no `# noqa` added")
            continue
        text, changed, closed = edited
        out.unsuppressible.extend((shown, row) for row in closed)
        if not changed:
            continue
        result = FileResult(shown, fixed_source=text)
        write_fixed(path, result, src)
        if result.error:
            out.problems.append(result.error)
            continue
        out.directives += changed
        out.files += 1
    return out
