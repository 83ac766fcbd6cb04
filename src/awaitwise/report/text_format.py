"""`path:line:col: CODE message`, then a summary line."""

from __future__ import annotations

from . import clean, clean_name


def render(diagnostics, registry, *, fixable_hint: bool = True, problems=(), fixes=None, files_changed: int = 0,
           **_) -> str:
    lines = []
    fixable = 0
    for d in diagnostics:
        mark = ""
        if d.fix is not None:
            if d.fix.applicability == "safe":
                fixable += 1
                mark = " [*]"
        lines.append(f"{clean_name(d.filename)}:{d.location.row}:{d.location.column}: "
                     f"{d.code}{mark} {clean(d.message)}")
    n = len(diagnostics)
    if fixes:
        per_code = ", ".join(f"{code}: {count}" for code, count in sorted(fixes.items()))
        total = sum(fixes.values())
        lines.append(f"Fixed {total} error{'s' if total != 1 else ''} in {files_changed} "
                     f"file{'s' if files_changed != 1 else ''} ({per_code}).")
    if problems:
        lines.append(f"{len(problems)} file{'s' if len(problems) != 1 else ''} could not be processed "
                     "(errors on stderr).")
    if n == 0:
        if not problems:
            lines.append("All checks passed!" if fixes is None else "No errors remaining.")
    else:
        lines.append(f"Found {n} error{'s' if n != 1 else ''}{' remaining' if fixes is not None else ''}.")
        if fixable and fixable_hint:
            lines.append(f"[*] {fixable} fixable with `awaitwise fix`.")
        unsafe = sum(1 for d in diagnostics if d.fix is not None and d.fix.applicability == "unsafe")
        if unsafe and fixable_hint:
            lines.append(f"{unsafe} more fixable with `awaitwise fix --unsafe-fixes`.")
    return "\n".join(lines) + "\n"
