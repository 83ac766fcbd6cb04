"""Rule documentation rendered from the registry: `awaitwise rule`, the README table, docs/rules.md."""

from __future__ import annotations

import json


def rule_info(cls) -> dict:
    return {
        "code": cls.code,
        "name": cls.name,
        "summary": cls.summary,
        "default_enabled": cls.default_enabled,
        "fix": cls.fix,
        "url": cls.url(),
        "explanation": cls.doc(),
    }


def render_rule(cls, fmt: str = "text") -> str:
    if fmt == "json":
        return json.dumps(rule_info(cls), indent=2)
    status = "on by default" if cls.default_enabled else "off by default (enable with --select " + cls.code + ")"
    fix = {"safe": "safe fix", "unsafe": "unsafe fix", "sometimes": "fix (safety per finding)"}.get(cls.fix, "no fix")
    return f"# {cls.code} {cls.name}\n\n{cls.summary}\n\n*{status}; {fix}*\n\n{cls.doc()}\n"


def render_table(registry, fmt: str = "text") -> str:
    if fmt == "json":
        return json.dumps([rule_info(c) for c in registry], indent=2)
    return markdown_table(registry)


def markdown_table(registry) -> str:
    lines = ["| code | name | summary | default | fix |", "|---|---|---|---|---|"]
    for c in registry:
        summary = c.summary.replace("|", r"\|")
        default = "on" if c.default_enabled else "off"
        lines.append(f"| {c.code} | {c.name} | {summary} | {default} | {c.fix or '—'} |")
    return "\n".join(lines)


def render_all(registry, fmt: str = "text") -> str:
    if fmt == "json":
        return render_table(registry, "json")
    parts = ["# awaitwise rules\n", markdown_table(registry), ""]
    for c in registry:
        parts.append(f"## {c.code} {c.name}\n")
        parts.append(c.summary + "\n")
        body = c.doc().replace("\n## ", "\n### ")
        if body.startswith("## "):
            body = "#" + body
        parts.append(body + "\n")
    return "\n".join(parts)
