"""Reading annotated fixtures: `# error: AW100` (or `# expect: AW100`) marks a line that must be
reported with that code; `# ok` marks a line that must not be. A first-line comment
`# fixture-settings: {"target_version": "py311"}` sets options for that file (and
`"with_rules": ["AW100"]` names rules that run alongside the fixture's own)."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
_ERROR = re.compile(r"#.*?\b(?:error|expect):\s*(?P<codes>AW\d{3}(?:\s*,\s*AW\d{3})*)")
_OK = re.compile(r"#\s*ok\b")
_SETTINGS = re.compile(r"#\s*fixture-settings:\s*(\{.*\})")


def expectations(text: str):
    """{(line, code)} the fixture asserts, and the lines it marks as must-not-report."""
    errors, oks = set(), set()
    for lineno, line in enumerate(text.splitlines(), 1):
        m = _ERROR.search(line)
        if m:
            for code in re.split(r"\s*,\s*", m.group("codes")):
                errors.add((lineno, code))
        if _OK.search(line):
            oks.add(lineno)
    return errors, oks


def _first_line_settings(text: str) -> dict:
    first = text.splitlines()[0] if text else ""
    m = _SETTINGS.search(first)
    return json.loads(m.group(1)) if m else {}


def fixture_settings(text: str) -> dict:
    """The fixture's Settings fields (`with_rules` is not one of them)."""
    extra = _first_line_settings(text)
    extra.pop("with_rules", None)
    return extra


def fixture_rules(text: str) -> list:
    """Codes of the rules that run alongside the fixture's own (`"with_rules": [...]` in its
    settings line): a rule about other rules' findings (AW002) needs them."""
    return list(_first_line_settings(text).get("with_rules", ()))


def rule_fixture_files():
    """(code, path) for every single-file fixture under fixtures/AWxxx/."""
    out = []
    for folder in sorted(FIXTURES.glob("AW[0-9][0-9][0-9]")):
        for path in sorted(folder.glob("*.py")):
            out.append((folder.name, path))
    return out
