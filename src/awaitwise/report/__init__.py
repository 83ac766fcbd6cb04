"""Output formats. Each module has `render(diagnostics, registry, **summary) -> str`.

Every string taken from the analysed tree (file names, source text, messages that quote it) is
shown through `clean` or `clean_name`, so that it can neither drive the user's terminal nor make
the output invalid: file names come from `os.fsdecode`, which keeps bytes that are not valid in
the file system encoding as lone surrogates (U+DC80..U+DCFF), and those cannot be encoded.
"""

from __future__ import annotations

import json
import re
from typing import Optional

# The names of --output-format, each rendered by the module `<name>_format` (a dash as `_`).
FORMATS = ("text", "concise", "json", "json-lines", "sarif", "github", "gitlab", "junit", "pylint")
# The formats whose output is JSON (written with JSON escapes where the stream cannot hold a
# character, see `fit`).
JSON_FORMATS = ("json", "json-lines", "sarif", "gitlab")

# C0 controls but tab and newline, DEL, C1 controls, and lone surrogates.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
# The same plus every character that ends a line, for text that must stay on one line.
_NAME_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
# What json.dumps(ensure_ascii=False) leaves raw but must not reach a terminal or an encoder.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\ud800-\udfff]")


def _escape(char: str) -> str:
    """The visible escape for one character: `\\xNN`, and for a lone surrogate that stands for an
    undecodable byte of a file name, `\\xNN` of that byte."""
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"
    if code > 0xFF:
        return f"\\u{code:04x}"
    return f"\\x{code:02x}"


def clean(text: str) -> str:
    """Escape control characters so text from analysed source cannot drive the user's terminal,
    and lone surrogates so the text can be encoded. Tabs and newlines are kept."""
    return _CONTROL.sub(lambda m: _escape(m.group()), text)


def clean_name(name: str) -> str:
    """`clean`, and line breaks escaped too: for a file name (which never spans lines in the
    output, so it cannot forge a line of its own) and for one-line reports that hold one."""
    return _NAME_CONTROL.sub(lambda m: _escape(m.group()), name)


def _json_escape(char: str) -> str:
    if 0xD800 <= ord(char) <= 0xDFFF:
        # a JSON backslash before the visible form: the string decodes to what `clean` shows
        return "\\" + _escape(char)
    return f"\\u{ord(char):04x}"


def dump_json(data, *, indent: Optional[int] = 2) -> str:
    """`data` as JSON that is valid UTF-8 and safe on a terminal, indented (one line with
    `indent=None`), ending with a newline. JSON escapes the C0 controls itself; DEL and the C1
    controls become `\\u00NN` escapes (the value is unchanged), and lone surrogates are written
    as `clean` shows them. Both can only occur inside strings, so escaping them in the finished
    document keeps it valid."""
    text = json.dumps(data, indent=indent, ensure_ascii=False)
    return _JSON_UNSAFE.sub(lambda m: _json_escape(m.group()), text) + "\n"


def fit(text: str, encoding, *, json_text: bool = False) -> str:
    """`text` as a stream in `encoding` can write it: each character the encoding cannot hold is
    written as a backslash escape instead, a JSON one (`\\uNNNN`) in a JSON document, so a
    terminal or pipe that is not UTF-8 never makes the write fail."""
    if not encoding:
        return text
    try:
        text.encode(encoding)
        return text
    except LookupError:
        return text
    except UnicodeEncodeError:
        pass
    if not json_text:
        return text.encode(encoding, "backslashreplace").decode(encoding)

    def holds(char: str) -> bool:
        try:
            char.encode(encoding)
            return True
        except UnicodeEncodeError:
            return False

    # json.dumps of one character escapes it as JSON does (a surrogate pair above U+FFFF)
    return "".join(char if holds(char) else json.dumps(char)[1:-1] for char in text)


def render(fmt: str, diagnostics, registry, **summary) -> str:
    from importlib import import_module

    module = import_module(f"{__name__}.{fmt.replace('-', '_')}_format")
    return module.render(diagnostics, registry, **summary)


def wants_color(stream, environ) -> bool:
    """Whether output to `stream` is coloured: FORCE_COLOR (set to anything but an empty string)
    colours even a pipe, NO_COLOR (likewise) turns colour off and wins over FORCE_COLOR, as in
    CPython; otherwise a terminal is coloured unless TERM is `dumb`, and a pipe or file never."""
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR"):
        return True
    if environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (OSError, ValueError):
        return False
