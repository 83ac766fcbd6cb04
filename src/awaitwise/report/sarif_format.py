"""SARIF 2.1.0 for GitHub code scanning (and any other SARIF consumer).

One run whose `tool.driver.rules` describes every registered rule (summary, full documentation as
help text and markdown, docs URL, default on/off), and one result per diagnostic with its
physical location and, where awaitwise knows a fix, the fix as artifact changes. Columns are
counted in Unicode code points, as awaitwise counts them, and the run says so (`columnKind`).
Relative paths are relative to the folder awaitwise ran in (`%SRCROOT%`), which for a CI step is
the repository root that GitHub resolves them against. A URI percent-encodes the file name's own
bytes, so it names the real file even when the name is not valid UTF-8; free text shows such bytes
as `\\xNN`, as the text format does.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Dict, List, Optional
from urllib.parse import quote

from . import dump_json

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"

_FAMILIES = {
    "AW0": "parse-error",
    "AW1": "blocking-call",
    "AW2": "coroutine-never-runs",
    "AW3": "async-sync-boundary",
    "AW4": "structured-concurrency",
}
# Codes the engine emits without a registered rule.
_BUILTIN_CODES = {
    "AW001": ("syntax-error", "The file could not be parsed, so no rule could check it."),
}


def _project_url() -> str:
    from ..registry import DOCS_URL

    return DOCS_URL.split("/blob/")[0]


def _section(doc: str, heading: str) -> str:
    m = re.search(rf"^## {re.escape(heading)}\s*\n(.*?)(?=^## |\Z)", doc, re.M | re.S)
    return " ".join(m.group(1).split()) if m else ""


def _descriptor(cls) -> dict:
    doc = cls.doc()
    url = cls.url()
    family = _FAMILIES.get(cls.code[:3])
    tags = ["asyncio"] + ([family] if family else [])
    header = f"{cls.code} {cls.name}: {cls.summary}"
    rule = {
        "id": cls.code,
        "name": cls.name,
        "shortDescription": {"text": cls.summary},
        "fullDescription": {"text": _section(doc, "What it does") or cls.summary},
        "help": {"text": f"{header}\n\n{doc}", "markdown": f"**{cls.code} {cls.name}**: {cls.summary}\n\n{doc}"},
        "defaultConfiguration": {"level": "error", "enabled": bool(cls.default_enabled)},
        "properties": {"tags": tags, "precision": "high", "fix": cls.fix or "none"},
    }
    if url:
        rule["helpUri"] = url
    return rule


def _unregistered(code: str) -> dict:
    name, text = _BUILTIN_CODES.get(code, ("unknown", "A diagnostic without a registered rule."))
    return {
        "id": code,
        "name": name,
        "shortDescription": {"text": text},
        "fullDescription": {"text": text},
        "help": {"text": text, "markdown": text},
        "defaultConfiguration": {"level": "error", "enabled": True},
        "properties": {"tags": ["asyncio", _FAMILIES.get(code[:3], "other")]},
    }


def _artifact(filename: str) -> dict:
    # os.fsencode gives back the bytes the name had on disk (undecodable ones were kept as lone
    # surrogates), and the URI percent-encodes those bytes
    if os.path.isabs(filename):
        return {"uri": Path(filename).as_uri()}
    posix = filename.replace(os.sep, "/")
    return {"uri": quote(os.fsencode(posix)), "uriBaseId": SRCROOT}


def _region(start, end) -> dict:
    return {"startLine": start.row, "startColumn": start.column, "endLine": end.row, "endColumn": end.column}


def _fix(d, artifact: dict) -> dict:
    replacements = []
    for e in d.fix.edits:
        rep = {"deletedRegion": _region(e.location, e.end_location)}
        if e.content:
            rep["insertedContent"] = {"text": e.content}
        replacements.append(rep)
    return {
        "description": {"text": f"{d.fix.message} ({d.fix.applicability} fix)"},
        "artifactChanges": [{"artifactLocation": dict(artifact), "replacements": replacements}],
        "properties": {"applicability": d.fix.applicability},
    }


def sarif_log(diagnostics, registry, problems: Optional[List[str]] = None) -> dict:
    from .. import __version__

    rules: List[dict] = []
    index: Dict[str, int] = {}
    for cls in registry:
        index[cls.code] = len(rules)
        rules.append(_descriptor(cls))
    for d in diagnostics:
        if d.code not in index:
            index[d.code] = len(rules)
            rules.append(_unregistered(d.code))

    results = []
    for d in diagnostics:
        artifact = _artifact(d.filename)
        result = {
            "ruleId": d.code,
            "ruleIndex": index[d.code],
            "level": "error",
            "message": {"text": d.message},
            "locations": [
                {"physicalLocation": {"artifactLocation": artifact, "region": _region(d.location, d.end_location)}}
            ],
        }
        if d.fix is not None and d.fix.edits:
            result["fixes"] = [_fix(d, artifact)]
        results.append(result)

    run = {
        "tool": {
            "driver": {
                "name": "awaitwise",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": _project_url(),
                "rules": rules,
            }
        },
        "originalUriBaseIds": {SRCROOT: {"uri": Path(os.getcwd()).as_uri().rstrip("/") + "/"}},
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    if problems is not None:
        run["invocations"] = [
            {
                "executionSuccessful": not problems,
                "toolExecutionNotifications": [{"level": "error", "message": {"text": p}} for p in problems],
            }
        ]
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(diagnostics, registry, *, problems: Optional[List[str]] = None, **_) -> str:
    return dump_json(sarif_log(list(diagnostics), registry, problems))
