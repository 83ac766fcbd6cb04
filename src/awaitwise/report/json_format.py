"""A JSON list in the shape of ruff's `--output-format json`.

Strings keep their exact value (JSON escapes control characters itself), except the bytes of a
file name that are not valid in the file system encoding: they are shown as `\\xNN`, as in the text
format, so the document is valid UTF-8 (see `dump_json`).
"""

from __future__ import annotations

from . import dump_json


def _loc(loc):
    return {"row": loc.row, "column": loc.column}


def as_dict(d, registry) -> dict:
    rule = registry.get(d.code)
    fix = None
    if d.fix is not None:
        fix = {
            "applicability": d.fix.applicability,
            "message": d.fix.message,
            "edits": [
                {"content": e.content, "location": _loc(e.location), "end_location": _loc(e.end_location)}
                for e in d.fix.edits
            ],
        }
    return {
        "code": d.code,
        "message": d.message,
        "filename": d.filename,
        "location": _loc(d.location),
        "end_location": _loc(d.end_location),
        "fix": fix,
        "url": rule.url() if rule is not None else None,
        "noqa_row": d.noqa_row,
    }


def render(diagnostics, registry, **_) -> str:
    return dump_json([as_dict(d, registry) for d in diagnostics])
