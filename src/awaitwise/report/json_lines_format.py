"""One JSON object per line, each the object the `json` format lists for that finding: for
tools that read the output as a stream, one finding at a time. No findings: no lines."""

from __future__ import annotations

from . import dump_json
from .json_format import as_dict


def render(diagnostics, registry, **_) -> str:
    return "".join(dump_json(as_dict(d, registry), indent=None) for d in diagnostics)
