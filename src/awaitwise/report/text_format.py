"""`path:line:col: CODE message`, then a summary line."""

from __future__ import annotations

from . import clean


def render(diagnostics, registry, *, fixable_hint: bool = True, unsafe_hidden: int = 0, **_) -> str:
    lines = []
    fixable = 0
    for d in diagnostics:
        mark = ""
        if d.fix is not None:
            if d.fix.applicability == "safe":
                fixable += 1
                mark = " [*]"
        lines.append(f"{clean(d.filename)}:{d.location.row}:{d.location.column}: {d.code}{mark} {clean(d.message)}")
    n = len(diagnostics)
    if n == 0:
        lines.append("All checks passed!")
    else:
        lines.append(f"Found {n} error{'s' if n != 1 else ''}.")
        if fixable and fixable_hint:
            lines.append(f"[*] {fixable} fixable with `awaitwise fix`.")
        unsafe = sum(1 for d in diagnostics if d.fix is not None and d.fix.applicability == "unsafe")
        if unsafe and fixable_hint:
            lines.append(f"{unsafe} more fixable with `awaitwise fix --unsafe-fixes`.")
    return "\n".join(lines) + "\n"
