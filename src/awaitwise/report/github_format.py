"""GitHub Actions workflow commands: one `::error` annotation per diagnostic.

`::error file=PATH,line=L,col=C,endLine=L,endColumn=C,title=CODE::CODE message`. GitHub shows the
annotation on the line in the pull request's diff; the message repeats the code so the raw step
log reads well too. Paths are the ones awaitwise prints (relative to where it ran), which in a
workflow step is the repository root GitHub resolves them against.
"""

from __future__ import annotations

from . import clean_name


def _escape_data(s: str) -> str:
    # `%`, CR and LF are the characters the workflow-command parser gives meaning to; what is
    # left that could break the line or drive a terminal is escaped as in the text format.
    return clean_name(s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _escape_prop(s: str) -> str:
    return _escape_data(s).replace(":", "%3A").replace(",", "%2C")


def annotation(d) -> str:
    return (
        f"::error file={_escape_prop(d.filename)},line={d.location.row},col={d.location.column},"
        f"endLine={d.end_location.row},endColumn={d.end_location.column},"
        f"title={_escape_prop(d.code)}::{_escape_data(d.code + ' ' + d.message)}"
    )


def render(diagnostics, registry, **_) -> str:
    out = [annotation(d) for d in diagnostics]
    return "\n".join(out) + ("\n" if out else "")
