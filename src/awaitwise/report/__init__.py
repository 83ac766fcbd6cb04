"""Output formats. Each module has `render(diagnostics, registry, **summary) -> str`."""

from __future__ import annotations

import re

FORMATS = ("text", "json", "sarif", "github")

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """Escape control characters so text from analysed source cannot drive the user's terminal."""
    return _CONTROL.sub(lambda m: "\\x%02x" % ord(m.group()), text)


def render(fmt: str, diagnostics, registry, **summary) -> str:
    from importlib import import_module

    module = import_module(f"{__name__}.{fmt}_format")
    return module.render(diagnostics, registry, **summary)
