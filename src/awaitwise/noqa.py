"""`# noqa` suppressions, applied centrally after the rules run (rules never read comments).

`# noqa` silences every code on its line; `# noqa: AW100,AW2` silences codes and code prefixes.
The matching flake8-async / ruff codes are honoured too, so suppressions written for those tools
keep working after a migration.
"""

from __future__ import annotations

import re
from typing import Dict, FrozenSet, Optional

from .sourcefile import source_lines

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]*(?:[,\s]+[A-Z]+[0-9]*)*))?", re.I)
_SPLIT = re.compile(r"[,\s]+")

# Codes of other tools that mean the same finding (shared/DESIGN.md).
EQUIVALENT: Dict[str, FrozenSet[str]] = {
    "ASYNC251": frozenset({"AW100"}),
    "ASYNC210": frozenset({"AW101"}),
    "ASYNC211": frozenset({"AW101"}),
    "ASYNC212": frozenset({"AW101"}),
    "ASYNC220": frozenset({"AW102"}),
    "ASYNC221": frozenset({"AW102"}),
    "ASYNC222": frozenset({"AW102"}),
    "ASYNC230": frozenset({"AW103"}),
    "ASYNC231": frozenset({"AW103"}),
    "ASYNC232": frozenset({"AW103"}),
    "ASYNC240": frozenset({"AW103"}),
    "ASYNC250": frozenset({"AW104"}),
    "ASYNC300": frozenset({"AW400"}),
    "RUF006": frozenset({"AW400"}),
    "PLE1142": frozenset({"AW300", "AW301"}),
}

ALL = None  # a bare noqa comment, naming no code


def parse_line(line: str):
    """None if the line has no noqa comment, ALL-marker `"*"` for a bare one, else a set of codes."""
    if "noqa" not in line and "NOQA" not in line.upper():
        return None
    m = _NOQA.search(line)
    if m is None:
        return None
    codes = m.group("codes")
    if not codes:
        return "*"
    return frozenset(c.upper() for c in _SPLIT.split(codes.strip()) if c)


def suppresses(spec, code: str) -> bool:
    if spec == "*":
        return True
    for item in spec:
        if code.startswith(item) or code in EQUIVALENT.get(item, ()):
            return True
    return False


class NoqaMap:
    """Lazily parsed noqa comments of one source, by 1-based line number."""

    def __init__(self, source: str):
        self._lines = source_lines(source)
        self._cache: Dict[int, Optional[object]] = {}

    def spec(self, row: int):
        if row not in self._cache:
            line = self._lines[row - 1] if 0 < row <= len(self._lines) else ""
            self._cache[row] = parse_line(line) if "#" in line else None
        return self._cache[row]

    def suppressed(self, row: int, code: str) -> bool:
        spec = self.spec(row)
        return spec is not None and suppresses(spec, code)
