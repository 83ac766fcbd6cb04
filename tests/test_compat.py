"""awaitwise itself runs on Python 3.9+: its source must not use newer syntax."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = sorted((Path(__file__).resolve().parent.parent / "src" / "awaitwise").rglob("*.py"))


@pytest.mark.parametrize("path", SRC, ids=[p.name for p in SRC])
def test_source_parses_as_python_39(path):
    text = path.read_text(encoding="utf-8")
    ast.parse(text, filename=str(path), feature_version=(3, 9))
    # PEP 701 (3.12) allows backslashes and reused quotes inside f-string expressions; 3.9 does not.
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.JoinedStr):
            segment = ast.get_source_segment(text, node) or ""
            for expr in re.findall(r"\{([^{}]*)\}", segment):
                assert "\\" not in expr, f"{path.name}: backslash inside an f-string expression: {segment}"
