"""One line per finding, `path:line:col: CODE message`, then the summary line: the text format
without its code frames, for editors' error parsers and for grep."""

from __future__ import annotations

from . import text_format


def render(diagnostics, registry, **summary) -> str:
    summary["concise"] = True
    return text_format.render(diagnostics, registry, **summary)
