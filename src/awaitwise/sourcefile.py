"""Reading and writing Python source without losing anything: encoding (PEP 263 cookie, BOM),
line endings and file mode are kept; writes are atomic (temp file in the same folder + rename)."""

from __future__ import annotations

import codecs
import errno
import os
import re
import stat
from dataclasses import dataclass
from typing import Optional

BOM = codecs.BOM_UTF8
_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def source_lines(text: str, keepends: bool = False):
    """The lines of Python source as the parser numbers them: only \\n, \\r\\n and \\r end a
    line (str.splitlines also splits on form feeds and other separators, which Python treats
    as whitespace, and would shift every line number after them)."""
    lines = _LINE.findall(text)
    return lines if keepends else [line.rstrip("\r\n") for line in lines]


class SourceError(Exception):
    """A file that cannot be read as Python source; the message is for the user."""


@dataclass
class Source:
    text: str  # decoded, without BOM, newlines as in the file
    encoding: str
    bom: bool

    def encode(self, text: str) -> bytes:
        data = text.encode(self.encoding)
        return (BOM + data) if self.bom else data


def decode(data: bytes) -> Source:
    if b"\x00" in data:
        raise SourceError("file contains NUL bytes (binary file?)")
    bom = data.startswith(BOM)
    body = data[len(BOM):] if bom else data
    encoding = "utf-8"
    for line in body.split(b"\n", 2)[:2]:
        m = _COOKIE.match(line)
        if m:
            declared = m.group(1).decode("ascii", "replace")
            try:
                encoding = codecs.lookup(declared).name
            except LookupError:
                raise SourceError(f"unknown encoding {declared!r} in coding cookie") from None
            if bom and encoding != "utf-8":
                raise SourceError(f"coding cookie {declared!r} conflicts with the UTF-8 BOM")
            break
        if line.strip() and not line.lstrip().startswith(b"#"):
            break
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        raise SourceError(f"cannot decode as {encoding}: {exc.reason} at byte {exc.start}") from None
    return Source(text, encoding, bom)


def read(path: str) -> Source:
    try:
        if os.path.isdir(path):
            raise SourceError("is a directory")
        with open(path, "rb") as fh:
            data = fh.read()
    except SourceError:
        raise
    except FileNotFoundError:
        raise SourceError("no such file (deleted during the run?)") from None
    except PermissionError:
        raise SourceError("permission denied") from None
    except OSError as exc:
        raise SourceError(exc.strerror or str(exc)) from None
    return decode(data)


def write_atomic(path: str, data: bytes, expected: Optional[bytes] = None) -> None:
    """Replace `path` with `data` atomically, keeping its permission bits. A symbolic link stays a
    link: its target is rewritten. With `expected` (the bytes the new content was computed from),
    a file that changed meanwhile is not overwritten (OSError), unless it already holds `data`."""
    path = os.path.realpath(path)
    if expected is not None:
        with open(path, "rb") as fh:
            current = fh.read()
        if current == data:
            return  # another run wrote the same result
        if current != expected:
            raise OSError("the file changed on disk during the run; it was not overwritten")
    directory = os.path.dirname(os.path.abspath(path))
    mode = stat.S_IMODE(os.stat(path).st_mode)
    if not mode & 0o222 or not os.access(path, os.W_OK):
        # the rename below would get past a read-only file; honour it (root included)
        raise PermissionError(errno.EACCES, "the file is read-only")
    import tempfile  # only when writing: it imports `random`, which a cached run never needs

    fd, tmp = tempfile.mkstemp(prefix=".awaitwise-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise

