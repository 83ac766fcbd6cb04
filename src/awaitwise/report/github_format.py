"""GitHub Actions workflow commands: one `::error` annotation per diagnostic."""

from __future__ import annotations


def _escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_prop(s: str) -> str:
    return _escape_data(s).replace(":", "%3A").replace(",", "%2C")


def render(diagnostics, registry, **_) -> str:
    out = []
    for d in diagnostics:
        out.append(
            f"::error file={_escape_prop(d.filename)},line={d.location.row},col={d.location.column},"
            f"endLine={d.end_location.row},endColumn={d.end_location.column},"
            f"title={_escape_prop(d.code)}::{_escape_data(d.code + ' ' + d.message)}"
        )
    return "\n".join(out) + ("\n" if out else "")
