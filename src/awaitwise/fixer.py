"""The fix loop: choose non-overlapping fixes, apply them as text edits, verify the result parses,
re-lint, and repeat until nothing changes; then remove the imports the fixes left unused. A fix
whose result does not parse is dropped and reported; the source is never left in a state that
does not parse."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Protocol, Sequence, Set, Tuple

from .diagnostics import SAFE, Diagnostic, Edit, Fix

MAX_ITERATIONS = 12


class Linted(Protocol):
    """What the fix loop's `lint` returns (engine.LintOutput is one)."""

    @property
    def diagnostics(self) -> Sequence[Diagnostic]: ...

    @property
    def internal_errors(self) -> Sequence[Tuple[str, str]]: ...


@dataclass
class FixOutcome:
    source: str
    applied: Dict[str, int] = field(default_factory=dict)  # code -> number of fixes applied
    remaining: List[Diagnostic] = field(default_factory=list)  # diagnostics left after fixing
    errors: List[str] = field(default_factory=list)  # fixes dropped because they broke the file
    internal_errors: List[Tuple[str, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.applied)


def applicable(fix: Optional[Fix], unsafe: bool) -> bool:
    return fix is not None and (fix.applicability == SAFE or unsafe)


def _edits(d: Diagnostic) -> Sequence[Edit]:
    assert d.fix is not None  # only diagnostics with a fix are chosen
    return d.fix.edits


def _overlaps(a: Edit, b: Edit) -> bool:
    if (a.start, a.end, a.content) == (b.start, b.end, b.content):
        return False  # identical edits (a shared import) are applied once
    if a.start < b.end and b.start < a.end:
        return True
    # two insertions at one point, or an insertion touching a replacement's start: order unclear
    return a.start == b.start and (a.start == a.end or b.start == b.end)


def select_fixes(diagnostics: Sequence[Diagnostic], unsafe: bool, blocked=frozenset()) -> List[Diagnostic]:
    """Fixable diagnostics whose edits do not overlap, first come first served in source order."""
    chosen: List[Diagnostic] = []
    taken: List[Edit] = []
    candidates = [d for d in diagnostics if applicable(d.fix, unsafe) and _fix_key(d) not in blocked]
    candidates.sort(key=lambda d: (_edits(d)[0].start if _edits(d) else 0, d.code))
    for d in candidates:
        if not _edits(d):
            continue
        if any(_overlaps(e, t) for e in _edits(d) for t in taken):
            continue
        chosen.append(d)
        taken.extend(_edits(d))
    return chosen


def apply_edits(source: str, edits: Sequence[Edit]) -> str:
    unique = sorted({(e.start, e.end, e.content) for e in edits})
    out, pos = [], 0
    for start, end, content in unique:
        out.append(source[pos:start])
        out.append(content)
        pos = max(pos, end)
    out.append(source[pos:])
    return "".join(out)


def _fix_key(d: Diagnostic):
    return (d.code, tuple((e.start, e.end, e.content) for e in _edits(d)))


def _parses(source: str) -> Optional[str]:
    import libcst as cst

    try:
        cst.parse_module(source)
        return None
    except cst.ParserSyntaxError as exc:
        return str(exc).splitlines()[0]
    except RecursionError:
        return "too deeply nested"


def _without_unused_imports(original: str, current: str) -> Optional[str]:
    """`current` without the imports its fixes left unused (import_edits.unused_import_edits),
    or None when there are none or the result would not parse."""
    from .import_edits import unused_import_edits

    try:
        edits = unused_import_edits(original, current)
    except RecursionError:
        return None
    if not edits:
        return None
    cleaned = apply_edits(current, edits)
    return cleaned if cleaned != current and _parses(cleaned) is None else None


def fix_loop(source: str, lint: Callable[[str], Linted], unsafe: bool) -> FixOutcome:
    """`lint(source)` returns an engine.LintOutput for the current text."""
    outcome = FixOutcome(source)
    blocked: Set[tuple] = set()
    current = source
    result = lint(current)
    for _ in range(MAX_ITERATIONS):
        outcome.internal_errors.extend(result.internal_errors)
        chosen = select_fixes(result.diagnostics, unsafe, blocked)
        if not chosen:
            break
        candidate = apply_edits(current, [e for d in chosen for e in _edits(d)])
        problem = _parses(candidate) if candidate != current else None
        if problem is not None:
            if len(chosen) > 1:
                # find the culprit: apply fixes one at a time in the next rounds
                chosen = chosen[:1]
                candidate = apply_edits(current, _edits(chosen[0]))
                problem = _parses(candidate)
            if problem is not None:
                d = chosen[0]
                blocked.add(_fix_key(d))
                outcome.errors.append(
                    f"{d.code} fix at {d.location.row}:{d.location.column} was not applied: "
                    f"the result would not parse ({problem})"
                )
                continue
        if candidate == current:
            break
        for d in chosen:
            outcome.applied[d.code] = outcome.applied.get(d.code, 0) + 1
        current = candidate
        result = lint(current)
    else:
        still = sorted({d.code for d in select_fixes(result.diagnostics, unsafe, blocked)})
        if still:
            outcome.errors.append(
                f"fixes did not converge after {MAX_ITERATIONS} rounds; rules still fixing: {', '.join(still)}"
            )
    if current != source:
        cleaned = _without_unused_imports(source, current)
        if cleaned is not None:
            current = cleaned
            result = lint(current)
            outcome.internal_errors.extend(result.internal_errors)
    outcome.internal_errors = list(dict.fromkeys(outcome.internal_errors))
    outcome.source = current
    outcome.remaining = list(result.diagnostics)
    return outcome
