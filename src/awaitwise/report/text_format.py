"""The default output: each finding as `path:line:col: CODE message`, then its code frame (the
source lines with `^` under the span, see frame.py) and the fix it offers; then a summary line.

`concise_format` prints the first line of each finding only. With `color`, the parts are styled
with ANSI escapes (the session decides: a terminal, NO_COLOR and FORCE_COLOR). The source lines
come from `sources(filename)`, the front end's reader; a file it cannot give (deleted, too
large, changed so that the line is gone) is shown without a frame.
"""

from __future__ import annotations

from typing import Callable, Dict, List, Optional, Sequence

from . import clean, clean_name
from .frame import Style, plain, render_frame

Sources = Callable[[str], Optional[Sequence[str]]]  # filename -> its lines, or None

_STYLES: Dict[str, Dict[str, object]] = {
    "path": {"bold": True},
    "code": {"fg": "red", "bold": True},
    "fixable": {"fg": "cyan"},
    "gutter": {"fg": "blue", "bold": True},
    "marker": {"fg": "red", "bold": True},
    "help": {"fg": "cyan", "bold": True},
    "summary": {"bold": True},
}


def ansi(role: str, text: str) -> str:
    import click

    return click.style(text, **_STYLES[role]) if text else text  # type: ignore[arg-type]


def header(d, style: Style = plain) -> str:
    mark = " " + style("fixable", "[*]") if d.fix is not None and d.fix.applicability == "safe" else ""
    return (
        f"{style('path', clean_name(d.filename))}:{d.location.row}:{d.location.column}: "
        f"{style('code', d.code)}{mark} {clean(d.message)}"
    )


def finding(d, sources: Optional[Sources], style: Style = plain) -> List[str]:
    """The lines of one finding in the full format, its header first."""
    out = [header(d, style)]
    lines = sources(d.filename) if sources is not None else None
    if lines is not None:
        frame = render_frame(
            lines,
            d.code,
            (d.location.row, d.location.column - 1),
            (d.end_location.row, d.end_location.column - 1),
            style,
        )
        if frame:
            out.extend(frame)
    if d.fix is not None and d.fix.message:
        note = "help" if d.fix.applicability == "safe" else "help (unsafe)"
        out.append("  " + style("help", f"= {note}:") + " " + clean_name(d.fix.message))
    return out


def summary(
    diagnostics, *, fixable_hint: bool = True, problems=(), fixes=None, files_changed: int = 0, style: Style = plain
) -> List[str]:
    lines = []
    n = len(diagnostics)
    if fixes:
        per_code = ", ".join(f"{code}: {count}" for code, count in sorted(fixes.items()))
        total = sum(fixes.values())
        lines.append(
            f"Fixed {total} error{'s' if total != 1 else ''} in {files_changed} "
            f"file{'s' if files_changed != 1 else ''} ({per_code})."
        )
    if problems:
        lines.append(
            f"{len(problems)} file{'s' if len(problems) != 1 else ''} could not be processed (errors on stderr)."
        )
    if n == 0:
        if not problems:
            lines.append("All checks passed!" if fixes is None else "No errors remaining.")
    else:
        lines.append(
            style("summary", f"Found {n} error{'s' if n != 1 else ''}{' remaining' if fixes is not None else ''}.")
        )
        fixable = sum(1 for d in diagnostics if d.fix is not None and d.fix.applicability == "safe")
        if fixable and fixable_hint:
            lines.append(f"[*] {fixable} fixable with `awaitwise fix`.")
        unsafe = sum(1 for d in diagnostics if d.fix is not None and d.fix.applicability == "unsafe")
        if unsafe and fixable_hint:
            lines.append(f"{unsafe} more fixable with `awaitwise fix --unsafe-fixes`.")
    return lines


def render(
    diagnostics,
    registry,
    *,
    concise: bool = False,
    sources: Optional[Sources] = None,
    color: bool = False,
    with_summary: bool = True,
    fixable_hint: bool = True,
    problems=(),
    fixes=None,
    files_changed: int = 0,
    **_,
) -> str:
    style = ansi if color else plain
    lines: List[str] = []
    for d in diagnostics:
        if concise:
            lines.append(header(d, style))
        else:
            lines.extend(finding(d, sources, style))
            lines.append("")
    if with_summary:
        lines.extend(
            summary(
                diagnostics,
                fixable_hint=fixable_hint,
                problems=problems,
                fixes=fixes,
                files_changed=files_changed,
                style=style,
            )
        )
    elif lines and lines[-1] == "":
        lines.pop()
    return "".join(line + "\n" for line in lines)
