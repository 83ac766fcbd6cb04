"""`path:line: [CODE] message`, one line per finding, as pylint's parseable output prints it
(tools that read pylint's reports, such as some CI dashboards and editor plugins, read it)."""

from __future__ import annotations

from . import clean_name


def render(diagnostics, registry, **_) -> str:
    return "".join(
        f"{clean_name(d.filename)}:{d.location.row}: [{d.code}] {clean_name(d.message)}\n" for d in diagnostics
    )
