"""Reading and writing Python source without losing anything: encoding (PEP 263 cookie, BOM),
line endings and file mode are kept; writes are atomic (temp file in the same folder + rename).

Everything awaitwise reads from the analysed tree goes through read_bytes(): only a regular file
is read (a FIFO, device or socket is refused without blocking on it), and at most the size limit
(`max-file-size`, DEFAULT_MAX_FILE_SIZE) is read into memory. write_atomic() only ever replaces a
regular `.py`/`.pyi` file."""

from __future__ import annotations

import codecs
import errno
import os
import re
import stat
from dataclasses import dataclass
from typing import Optional, Sequence

BOM = codecs.BOM_UTF8
_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")

PY_SUFFIXES = (".py", ".pyi")
MIB = 1024 * 1024
DEFAULT_MAX_FILE_SIZE = 20 * MIB  # the `max-file-size` default

# O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer (it is then refused);
# O_NOCTTY: opening a terminal device never makes it the controlling terminal.
_READ_FLAGS = getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def source_lines(text: str, keepends: bool = False):
    """The lines of Python source as the parser numbers them: only \\n, \\r\\n and \\r end a
    line (str.splitlines also splits on form feeds and other separators, which Python treats
    as whitespace, and would shift every line number after them)."""
    lines = _LINE.findall(text)
    return lines if keepends else [line.rstrip("\r\n") for line in lines]


class SourceError(Exception):
    """A file that cannot be read as Python source; the message is for the user."""


class FileTooLarge(SourceError):
    """A file over the size limit."""


def file_kind(mode: int) -> str:
    """What a file of this st_mode is, in words (for messages)."""
    for test, name in (
        (stat.S_ISDIR, "directory"),
        (stat.S_ISFIFO, "FIFO"),
        (stat.S_ISCHR, "character device"),
        (stat.S_ISBLK, "block device"),
        (stat.S_ISSOCK, "socket"),
        (stat.S_ISLNK, "symbolic link"),
    ):
        if test(mode):
            return name
    return "regular file" if stat.S_ISREG(mode) else "special file"


def format_size(n: int) -> str:
    for unit, size in (("GiB", 1024 * MIB), ("MiB", MIB), ("KiB", 1024)):
        if n >= size:
            return f"{n // size} {unit}" if n % size == 0 else f"{n / size:.1f} {unit}"
    return f"{n} bytes"


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b|b)?\s*$", re.IGNORECASE)
_UNITS = {"b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3, "kib": 1024, "mib": MIB, "gib": 1024 * MIB}


def parse_size(value) -> int:
    """Bytes from a positive integer or a string like "20MB", "512 KB", "1MiB", "1.5GiB" (KB, MB,
    GB are powers of 1000; KiB, MiB, GiB powers of 1024). ValueError for anything else."""
    m = _SIZE.match(value) if isinstance(value, str) else None
    if isinstance(value, int) and not isinstance(value, bool):
        n = value
    elif m:
        number, unit = m.groups()
        n = int(float(number) * _UNITS[(unit or "b").lower()])
    else:
        raise ValueError('must be a number of bytes or a size like "20MB", "512KB" or "1MiB"')
    if n < 1:
        raise ValueError("must be a positive size")
    return n


def _too_large(size_text: str, limit: int) -> FileTooLarge:
    return FileTooLarge(
        f"file is larger than the size limit ({size_text}, limit {format_size(limit)}); "
        f"raise `max-file-size` in [tool.awaitwise] to check it"
    )


def _opener(path, flags):
    return os.open(path, flags | _READ_FLAGS)


def _opener_nofollow(path, flags):
    return os.open(path, flags | _READ_FLAGS | _NOFOLLOW)


def read_bytes(path: str, limit: Optional[int] = None, follow_symlinks: bool = True) -> bytes:
    """The bytes of the regular file at `path`, at most `limit` of them (None: the default
    limit). SourceError, with a message for the user, for anything else: a FIFO, device or socket
    (never blocked on), a folder, a file over the limit (FileTooLarge), a missing or unreadable
    file. With follow_symlinks=False a symbolic link is refused as well (where supported)."""
    if limit is None:
        limit = DEFAULT_MAX_FILE_SIZE
    try:
        # built-in open with an opener, not os.open alone: buffering=0 gives the plain file object
        with open(path, "rb", buffering=0, opener=_opener if follow_symlinks else _opener_nofollow) as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise SourceError(f"not a regular file ({file_kind(st.st_mode)})")
            if st.st_size > limit:
                raise _too_large(format_size(st.st_size), limit)
            data = fh.read(st.st_size + 1)  # one more byte than stat says: a file that grew
            while data and len(data) <= limit:
                more = fh.read(min(limit + 1 - len(data), 1 << 16))
                if not more:
                    break
                data += more
            if len(data) > limit:
                raise _too_large(f"over {format_size(limit)}", limit)
            return data
    except SourceError:
        raise
    except IsADirectoryError:
        raise SourceError("is a directory") from None
    except FileNotFoundError:
        raise SourceError("no such file (deleted during the run?)") from None
    except PermissionError:
        raise SourceError("permission denied") from None
    except OSError as exc:
        try:  # a socket cannot be opened at all (ENXIO): say what it is
            st = os.stat(path) if follow_symlinks else os.lstat(path)
        except OSError:
            st = None
        if st is not None and not stat.S_ISREG(st.st_mode):
            raise SourceError(f"not a regular file ({file_kind(st.st_mode)})") from None
        raise SourceError(exc.strerror or str(exc)) from None


@dataclass
class Source:
    text: str  # decoded, without BOM, newlines as in the file
    encoding: str
    bom: bool

    def encode(self, text: str) -> bytes:
        data = text.encode(self.encoding)
        return (BOM + data) if self.bom else data


def _normal_encoding(declared: str) -> str:
    """The name Python itself reads a cookie as: every `utf-8-…` spelling (`utf-8-sig`, `UTF_8`)
    is UTF-8, and the latin-1 spellings are iso-8859-1 (as the tokenizer normalises them)."""
    name = declared[:12].lower().replace("_", "-")
    if name == "utf-8" or name.startswith("utf-8-"):
        return "utf-8"
    if name in ("latin-1", "iso-8859-1", "iso-latin-1") or name.startswith(("latin-1-", "iso-8859-1-", "iso-latin-1-")):
        return "iso-8859-1"
    return declared


def decode(data: bytes) -> Source:
    if b"\x00" in data:
        raise SourceError("file contains NUL bytes (binary file?)")
    bom = data.startswith(BOM)
    body = data[len(BOM) :] if bom else data
    encoding = "utf-8"
    for line in body.split(b"\n", 2)[:2]:
        m = _COOKIE.match(line)
        if m:
            declared = m.group(1).decode("ascii", "replace")
            normal = _normal_encoding(declared)
            try:
                info = codecs.lookup(normal)
            except LookupError:
                raise SourceError(f"unknown encoding {declared!r} in coding cookie") from None
            if not getattr(info, "_is_text_encoding", True):  # rot13, base64, zlib...
                raise SourceError(f"{declared!r} in coding cookie is not a text encoding")
            # `utf-8-sig` is UTF-8 here: the BOM is kept as the file had it (see Source.bom), so
            # a file without one is written back without one
            encoding = info.name
            if bom and normal != "utf-8":  # as Python: `utf8` with a BOM is refused too
                raise SourceError(f"coding cookie {declared!r} conflicts with the UTF-8 BOM")
            break
        if line.strip() and not line.lstrip().startswith(b"#"):
            break
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        raise SourceError(f"cannot decode as {encoding}: {exc.reason} at byte {exc.start}") from None
    except (UnicodeError, LookupError, ValueError, TypeError) as exc:  # codecs that fail otherwise
        raise SourceError(f"cannot decode as {encoding}: {exc}") from None
    return Source(text, encoding, bom)


def read(path: str, limit: Optional[int] = None) -> Source:
    """The decoded source of the regular file at `path` (see read_bytes for `limit`)."""
    return decode(read_bytes(path, limit))


def write_atomic(
    path: str, data: bytes, expected: Optional[bytes] = None, roots: Optional[Sequence[str]] = None
) -> None:
    """Replace `path` with `data` atomically, keeping its permission bits. A symbolic link stays a
    link: its target is rewritten. With `expected` (the bytes the new content was computed from),
    a file that changed meanwhile is not overwritten (OSError), unless it already holds `data`.

    Only a regular file whose real name ends in .py or .pyi is ever replaced, and with `roots`
    only one inside them (real paths compared, see inside_roots): anything else is an
    OSError whose message says why."""
    given = path
    path = os.path.realpath(path)
    link = " (the symbolic link's target)" if path != os.path.abspath(given) and os.path.islink(given) else ""
    if not path.endswith(PY_SUFFIXES):
        raise OSError(f"refusing to write {os.path.basename(path)!r}{link}: not a .py or .pyi file")
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        raise OSError("the file no longer exists; it was not written") from None
    if not stat.S_ISREG(st.st_mode):
        raise OSError(f"refusing to write{link}: not a regular file ({file_kind(st.st_mode)})")
    if roots is not None:
        if not inside_roots(path, roots):
            raise OSError(f"refusing to write{link}: {path!r} is outside the paths given")
    if expected is not None:
        try:
            current = read_bytes(path, max(len(expected), len(data)))
        except FileTooLarge:
            current = None  # longer than both: neither what was read nor what is to be written
        except SourceError as exc:
            raise OSError(str(exc)) from None
        if current == data:
            return  # another run wrote the same result
        if current != expected:
            raise OSError("the file changed on disk during the run; it was not overwritten")
    directory = os.path.dirname(os.path.abspath(path))
    mode = stat.S_IMODE(st.st_mode)
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


def inside_roots(path: str, roots: Sequence[str]) -> bool:
    """Whether the real path of `path` (every link resolved) is one of the real paths of `roots`
    or lies under one of them."""
    real = os.path.realpath(path)
    return any(under(real, os.path.realpath(root)) for root in roots)


def under(real: str, real_root: str) -> bool:
    """Is the real path `real` the real path `real_root` or inside it?"""
    return real == real_root or real.startswith(os.path.join(real_root, ""))
