"""AW002 unused-noqa."""

from __future__ import annotations

import re
from typing import Dict, FrozenSet, List, Optional, Set

from ..codes import FLAKE8_ASYNC_CODES
from ..diagnostics import SAFE, Diagnostic, Edit, Fix, Location
from ..noqa import EQUIVALENT, find_directive, scan_comments, suppresses, without_codes
from ..registry import Rule, get_registry
from ..sourcefile import source_lines

PARSE_ERROR = "AW001"  # reported by the engine itself, for a file that does not parse

_LETTERS = re.compile(r"[A-Z]+")
_CODES = re.compile(r"[A-Z]+[0-9]+", re.I)


def _letters(code: str) -> str:
    m = _LETTERS.match(code)
    return m.group() if m else ""


class UnusedNoqa(Rule):
    """
    ## What it does
    Reports the codes of a `# noqa: ...` comment that suppress nothing: codes of rules that ran
    on the file and reported nothing on that line (unused), and codes that name no rule at all,
    such as `AW999` or a mistyped `ASYNC25` (unknown). A code is judged only when its rules ran
    in this run: a code of a rule that is not selected, or that per-file-ignores turn off, is
    left alone, and so are other tools' codes (`E501`, `B036`) and the flake8-async and ruff
    codes awaitwise honours for its own rules (`ASYNC251` is used when AW100 is reported on the
    line). A bare `# noqa` silences every tool, so it is never judged. Off by default.

    ## Why is this bad?
    A suppression outlives the problem it hid: once the call is fixed or moved, the comment
    stays and will silently hide the next real finding on that line. A code that names no rule
    suppresses nothing at all, so the finding it was meant for is still reported, or the typo
    hides that the line was never looked at.

    ## Example
    ```python
    async def tick():
        await asyncio.sleep(1)  # noqa: AW100
        data = await read()  # noqa: AW999
    ```

    ## Use instead
    ```python
    async def tick():
        await asyncio.sleep(1)
        data = await read()
    ```

    ## Fix safety
    Safe. The fix removes the unused and unknown codes and keeps the others; when no code is
    left it removes the directive, and the comment too when nothing else was in it (a reason
    written after the codes, or another comment, is kept). Only codes whose rules ran on the
    file are removed, so in this run with these settings nothing that was suppressed appears.
    A run with other settings (a rule selected that this run did not run) judges its own codes.
    """

    code = "AW002"
    name = "unused-noqa"
    summary = "`# noqa` codes that suppress nothing, or that name no rule"
    default_enabled = False
    fix = "safe"
    needs_async = False
    judges_suppressions = True

    @classmethod
    def judge(cls, source: str, path: str, findings, ran: FrozenSet[str]) -> List[Diagnostic]:
        if "noqa" not in source.lower():
            return []
        known = set(get_registry().codes) | {PARSE_ERROR}
        families = {_letters(c) for c in known}
        if not _may_judge(source, known, families):
            return []  # only other tools' codes: no need to read the comments
        comments = scan_comments(source)
        if comments is None:
            return []
        reported: Dict[int, Set[str]] = {}
        for d in findings:
            reported.setdefault(d.noqa_row or d.location.row, set()).add(d.code)
        lines = source_lines(source, keepends=True)
        starts = [0]
        for line in lines:
            starts.append(starts[-1] + len(line))
        out = []
        for row in sorted(comments.by_row):
            column, text = comments.by_row[row]
            directive = find_directive(row, column, text)
            if directive is None or directive.blanket:
                continue
            unused, unknown = [], []
            for written in directive.codes:
                code = written.upper()
                if code == cls.code:
                    continue  # it silences this rule's own finding on the line
                names = _names(code, known, families)
                if names is None:
                    continue  # another tool's code
                if not names:
                    unknown.append(written)
                elif names <= ran and not any(suppresses(frozenset({code}), c) for c in reported.get(row, ())):
                    unused.append(written)
            if unused or unknown:
                out.append(cls._diagnostic(path, lines[row - 1], starts[row - 1], directive, unused, unknown))
        return out

    @classmethod
    def _diagnostic(cls, path, line, offset, directive, unused, unknown) -> Diagnostic:
        body = line.rstrip("\r\n")
        gone = {c.upper() for c in unused + unknown}
        start, end, replacement = without_codes(body, directive, gone)
        parts = ([f"unused: {', '.join(f'`{c}`' for c in unused)}"] if unused else []) + (
            [f"unknown: {', '.join(f'`{c}`' for c in unknown)}"] if unknown else []
        )
        whole = len(gone) == len({c.upper() for c in directive.codes})
        what = "Unused `noqa` directive" if whole else "Unused codes in `noqa` directive"
        row = directive.row
        edit = Edit(replacement, Location(row, start + 1), Location(row, end + 1), offset + start, offset + end)
        fix = Fix(SAFE, "Remove the unused `noqa` directive" if whole else "Remove the unused codes", (edit,))
        return Diagnostic(
            cls.code,
            f"{what} ({'; '.join(parts)})",
            path,
            Location(row, directive.start + 1),
            Location(row, directive.end + 1),
            fix,
            row,
        )


_ANY_DIRECTIVE = re.compile(r"#\s*noqa\s*:([^#\r\n]*)", re.I)


def _may_judge(source: str, known: Set[str], families: Set[str]) -> bool:
    """Whether some `# noqa:` of the text (a comment or not) lists a code this rule judges."""
    for m in _ANY_DIRECTIVE.finditer(source):
        for code in _CODES.findall(m.group(1)):
            if _names(code.upper(), known, families) is not None:
                return True
    return False


def _names(code: str, known: Set[str], families: Set[str]) -> Optional[FrozenSet[str]]:
    """The awaitwise codes a `# noqa` code stands for: itself or the codes under a prefix, the
    rules an ASYNC/ruff alias stands for; an empty set when it is in awaitwise's namespace (or
    flake8-async's) but names nothing there; None for another tool's code."""
    if code in EQUIVALENT:
        return EQUIVALENT[code]
    letters = _letters(code)
    if letters == "ASYNC":
        if any(c.startswith(code) for c in FLAKE8_ASYNC_CODES):
            return None  # flake8-async's own business
        return frozenset()
    if letters not in families:
        return None
    return frozenset(c for c in known if c.startswith(code))
