"""A JSON list in the shape of ruff's `--output-format json`."""

from __future__ import annotations

import json


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
    return json.dumps([as_dict(d, registry) for d in diagnostics], indent=2, ensure_ascii=False) + "\n"
