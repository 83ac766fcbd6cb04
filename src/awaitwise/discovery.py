"""Which files to check: Python files under the given paths, skipping hidden folders, the usual
venv/build/cache folders, `.gitignore`d paths and the configured excludes. Paths named explicitly
are always checked unless an `exclude` pattern names them (so pre-commit honours the config).

Nothing in the walked tree can lead the run out of it: a folder link whose target lies outside the
given folder is not followed, and a `*.py` link to a file outside it, or to a file whose real name
is not `.py`/`.pyi`, is reported and skipped, so every file found is inside a given path (see
sourcefile.inside_roots). Only regular files are listed: a FIFO, device or socket named `*.py` is reported
and skipped. A bad `.gitignore` pattern is reported with its file and line and ignored."""

from __future__ import annotations

import errno
import fnmatch
import os
import re
import stat
from typing import Callable, List, Optional, Tuple

from .config import DEFAULT_EXCLUDE, ConfigError, as_resolver, path_matches, relative_posix
from .sourcefile import _NOFOLLOW, PY_SUFFIXES, SourceError, file_kind, read_bytes, under


class GitIgnore:
    """The patterns of one .gitignore file, matched relative to its folder (gitignore(5): negation,
    anchoring, dir-only patterns, `**`, bracket expressions, escapes). A pattern that cannot be
    translated is left out and kept in `invalid` as (line number, pattern, reason)."""

    def __init__(self, base: str, lines: List[str], path: str = ""):
        self.base = base
        self.path = path or os.path.join(base, ".gitignore")
        # (match function, negated, dir_only, on the name only)
        self.rules: List[Tuple[Callable[[str], object], bool, bool, bool]] = []
        self.invalid: List[Tuple[int, str, str]] = []
        for lineno, raw in enumerate(lines, 1):
            line = raw.rstrip("\r\n")
            if lineno == 1 and line.startswith("\ufeff"):
                line = line[1:]
            line = _trim_trailing_spaces(line)
            if not line or line.startswith("#"):
                continue
            original = line
            negated = line.startswith("!")
            if negated:
                line = line[1:]
            dir_only = line.endswith("/")
            line = line.rstrip("/")
            anchored = "/" in line
            line = line.lstrip("/")
            if not line:
                continue
            try:
                matcher = _compile_glob(line, anchored)
            except (_BadPattern, re.error) as exc:
                self.invalid.append((lineno, original, getattr(exc, "msg", None) or str(exc)))
                continue
            self.rules.append((matcher, negated, dir_only, not anchored))

    @classmethod
    def load(cls, folder: str, limit: Optional[int] = None) -> Optional[GitIgnore]:
        """The folder's .gitignore, or None. As git does, a .gitignore that is a symbolic link is
        not followed; only a regular file within the size limit is read."""
        path = os.path.join(folder, ".gitignore")
        try:
            data = read_bytes(path, limit, follow_symlinks=False)
        except SourceError:
            return None
        if not _NOFOLLOW and os.path.islink(path):  # no O_NOFOLLOW here: check afterwards
            return None
        return cls(folder, data.decode("utf-8", "surrogateescape").splitlines(), path)

    def match(self, path: str, is_dir: bool) -> Optional[bool]:
        """True if ignored, False if re-included, None if no pattern speaks of it."""
        prefix = os.path.join(self.base, "")
        if path.startswith(prefix):  # spelled from the same folder (the walk joins onto it)
            rel = path[len(prefix) :]
        else:
            rel = os.path.relpath(path, self.base)
        rel = rel.replace(os.sep, "/")
        name = rel.rpartition("/")[2]
        for matcher, negated, dir_only, on_name in reversed(self.rules):  # the last matching pattern wins
            if dir_only and not is_dir:
                continue
            if matcher(name if on_name else rel):
                return not negated
        return None


class _BadPattern(ValueError):
    pass


def _trim_trailing_spaces(line: str) -> str:
    """gitignore(5): trailing spaces are ignored unless quoted with a backslash."""
    stripped = line.rstrip(" ")
    if len(stripped) < len(line) and stripped.endswith("\\"):
        backslashes = len(stripped) - len(stripped.rstrip("\\"))
        if backslashes % 2:
            stripped += " "
    return stripped


_POSIX_CLASSES = {
    "alnum": "a-zA-Z0-9",
    "alpha": "a-zA-Z",
    "blank": " \\t",
    "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9",
    "graph": "!-~",
    "lower": "a-z",
    "print": " -~",
    "punct": "!-/:-@\\[-`{-~",
    "space": " \\t\\n\\r\\f\\v",
    "upper": "A-Z",
    "xdigit": "0-9A-Fa-f",
}
_STAR, _DSTAR, _SLASH = "*", "**", "/"


def _class_char(c: str) -> str:
    return "\\" + c if c in "\\]^-[" else c


def _bracket(pattern: str, i: int) -> Tuple[str, int]:
    """(regex, index after it) for the bracket expression starting at pattern[i] == "[":
    `!` or `^` negates, a `]` first is literal, ranges, backslash escapes, `[:alpha:]` classes.
    A class never matches "/"."""
    n = len(pattern)
    j = i + 1
    negate = j < n and pattern[j] in "!^"
    if negate:
        j += 1
    items = []
    first = True
    while True:
        if j >= n:
            raise _BadPattern("unterminated character class")
        c = pattern[j]
        if c == "]" and not first:
            j += 1
            break
        first = False
        if pattern.startswith("[:", j):
            end = pattern.find(":]", j + 2)
            if end != -1:
                name = pattern[j + 2 : end]
                if name not in _POSIX_CLASSES:
                    raise _BadPattern(f"unknown character class [:{name}:]")
                items.append(_POSIX_CLASSES[name])
                j = end + 2
                continue
        if c == "\\":
            j += 1
            if j >= n:
                raise _BadPattern("unterminated character class")
            c = pattern[j]
        if j + 2 < n and pattern[j + 1] == "-" and pattern[j + 2] != "]":
            k = j + 2
            if pattern[k] == "\\":
                k += 1
                if k >= n:
                    raise _BadPattern("unterminated character class")
            items.append(f"{_class_char(c)}-{_class_char(pattern[k])}")
            j = k + 1
            continue
        items.append(_class_char(c))
        j += 1
    body = "".join(items)
    return (f"[^{body}/]" if negate else f"(?!/)[{body}]"), j


def _glob_tokens(pattern: str) -> List[str]:
    """The pattern as a list of regex pieces for one character each, plus _STAR, _DSTAR (a `**`
    that is a whole path segment) and _SLASH."""
    out: List[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            if i + 1 == n:
                raise _BadPattern("trailing backslash")
            out.append(_SLASH if pattern[i + 1] == "/" else re.escape(pattern[i + 1]))
            i += 2
        elif c == "*":
            j = i
            while j < n and pattern[j] == "*":
                j += 1
            whole_segment = j - i >= 2 and (i == 0 or out[-1] is _SLASH) and (j == n or pattern[j] == "/")
            out.append(_DSTAR if whole_segment else _STAR)
            i = j
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            piece, i = _bracket(pattern, i)
            out.append(piece)
        elif c == "/":
            out.append(_SLASH)
            i += 1
        else:
            out.append(re.escape(c))
            i += 1
    return out


def _segment_regex(tokens: List[str], counter: List[int]) -> str:
    """The regex of one path segment (no slash in it). A `*` between two literal parts matches
    as little as it can, and that choice is never revisited (a lookahead and a backreference
    make it atomic, as fnmatch does): a pattern with many stars stays linear in the name's
    length instead of backtracking through every way of splitting it."""
    chunks: List[List[str]] = [[]]
    for t in tokens:
        if t is _STAR:
            chunks.append([])
        else:
            chunks[-1].append(t)
    if len(chunks) == 1:
        return "".join(chunks[0])
    out = ["".join(chunks[0])]
    for chunk in chunks[1:-1]:
        if chunk:
            counter[0] += 1
            group = f"g{counter[0]}"
            out.append(f"(?=(?P<{group}>[^/]*?{''.join(chunk)}))(?P={group})")
    out.append("[^/]*" + "".join(chunks[-1]))
    return "".join(out)


def _compile_glob(pattern: str, anchored: bool) -> Callable[[str], object]:
    """A function telling whether a path (relative, "/"-separated; only its name when not
    `anchored`) matches the gitignore pattern. _BadPattern or re.error for a bad pattern."""
    segments: List[List[str]] = [[]]
    for t in _glob_tokens(pattern):
        if t is _SLASH:
            segments.append([])
        else:
            segments[-1].append(t)
    counter = [0]
    if not anchored:  # a pattern without a slash: one segment, matched against the name
        tokens = [_STAR if t is _DSTAR else t for t in segments[0]]
        return re.compile(_segment_regex(tokens, counter), re.S).fullmatch
    if sum(1 for seg in segments[:-1] if seg == [_DSTAR]) <= 1:
        out = []
        for k, seg in enumerate(segments):
            last = k == len(segments) - 1
            if seg == [_DSTAR]:
                out.append(".+" if last else "(?:.*/)?")
            else:
                piece = _segment_regex([_STAR if t is _DSTAR else t for t in seg], counter)
                out.append(piece if last else piece + "/")
        return re.compile("".join(out), re.S).fullmatch
    # several `**/`: a regex would try every way of spreading the folders over them; match the
    # segments one folder at a time instead (linear in the path's depth)
    parts: List[Optional[Callable[[str], object]]] = []
    for k, seg in enumerate(segments):
        if seg == [_DSTAR]:
            if k == len(segments) - 1:  # a trailing `/**`: one or more names
                parts.append(re.compile(".+", re.S).fullmatch)
            parts.append(None)
        else:
            piece = _segment_regex([_STAR if t is _DSTAR else t for t in seg], counter)
            parts.append(re.compile(piece, re.S).fullmatch)
    return _SegmentMatcher(parts)


class _SegmentMatcher:
    """Matches a path segment by segment; None in `parts` is a `**` (any number of segments)."""

    def __init__(self, parts: List[Optional[Callable[[str], object]]]):
        self.parts = parts

    def _closure(self, states):
        parts, n = self.parts, len(self.parts)
        out = set()
        for i in states:
            out.add(i)
            while i < n and parts[i] is None:
                i += 1
                out.add(i)
        return out

    def __call__(self, rel: str) -> bool:
        parts, n = self.parts, len(self.parts)
        states = self._closure({0})
        for name in rel.split("/"):
            following = set()
            for i in states:
                if i == n:
                    continue
                part = parts[i]
                if part is None:
                    following.add(i)
                elif part(name):
                    following.add(i + 1)
            if not following:
                return False
            states = self._closure(following)
        return n in states


_DEFAULT_EXCLUDED = None


def _excluded(path: str, name: str, settings) -> bool:
    global _DEFAULT_EXCLUDED
    if _DEFAULT_EXCLUDED is None:  # one regex for the default patterns (fnmatchcase semantics)
        _DEFAULT_EXCLUDED = re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in DEFAULT_EXCLUDE)).match
    if _DEFAULT_EXCLUDED(name):
        return True
    patterns = settings.exclude + settings.extend_exclude
    if not patterns:
        return False
    rel = relative_posix(path, settings.project_root)
    return any(path_matches(rel, p) for p in patterns)


def _ignored(path: str, is_dir: bool, ignores: List[GitIgnore]) -> bool:
    state = None
    for gi in ignores:
        r = gi.match(path, is_dir)
        if r is not None:
            state = r
    return bool(state)


def _parent_ignores(folder: str, limit: Optional[int] = None) -> List[GitIgnore]:
    """.gitignore files of the folders above `folder`, up to the repository root."""
    chain = []
    current = os.path.abspath(folder)
    while True:
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
        gi = GitIgnore.load(current, limit)
        if gi:
            chain.append(gi)
        if os.path.exists(os.path.join(current, ".git")):
            break
    return list(reversed(chain))


LINK_OUTSIDE = "symbolic link to a file outside the checked folder; skipped"
LINK_NOT_PYTHON = "symbolic link to a file that is not a .py or .pyi file; skipped"


def _link_problem(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symbolic link loop (too many levels of symbolic links); skipped"
    if exc.errno == errno.ENOENT:
        return "broken symbolic link; skipped"
    return f"symbolic link cannot be followed: {exc.strerror or exc}; skipped"


def discover(paths, settings, warnings: Optional[list] = None) -> Tuple[List[str], List[Tuple[str, str]]]:
    """(files to check, [(path, problem)]) for the given paths.

    `settings`: a Settings for every file, or a config.Resolver that gives each folder its own
    (the nearest config's): the excludes of a folder's settings decide what is skipped in it,
    matched relative to that config's folder. A config that cannot be used is a problem of the
    folder (or file) it governs, which is skipped, reported once per message.

    Bad `.gitignore` patterns are reported as ("path/.gitignore:LINE", "invalid pattern … ignored")
    in `warnings` when a list is given, else among the problems with a "warning: " prefix."""
    files: List[str] = []
    problems: List[Tuple[str, str]] = []
    seen = set()
    reported = set()  # problems already listed (given paths may overlap)
    ignore_files = set()  # .gitignore files whose bad patterns were reported
    resolver = as_resolver(settings)
    config_errors = set()  # messages of the configs found unusable, reported once each

    def settings_of(path, folder=None, names=None):
        """The settings for `path` (a file, or with `folder` the folder itself), or None after
        reporting why its config cannot be used."""
        try:
            if folder is not None:
                return resolver.for_dir(folder, names)
            return resolver.for_file(path)
        except ConfigError as exc:
            message = str(exc)
            if message not in config_errors:
                config_errors.add(message)
                problems.append((path, f"not checked: {message}"))
            return None

    def add(path, key=None):
        if key is None:
            key = os.path.realpath(path)
        if key not in seen:
            seen.add(key)
            files.append(path)

    def problem(path, why):
        key = (os.path.abspath(path), why)
        if key not in reported:
            reported.add(key)
            problems.append((path, why))

    def loaded(gi: GitIgnore) -> GitIgnore:
        if gi.invalid and gi.path not in ignore_files:
            ignore_files.add(gi.path)
            for lineno, pattern, reason in gi.invalid:
                shown = pattern if len(pattern) <= 100 else pattern[:100] + "..."
                entry = (f"{gi.path}:{lineno}", f"invalid pattern {shown!r} ignored ({reason})")
                if warnings is not None:
                    warnings.append(entry)
                else:
                    problems.append((entry[0], "warning: " + entry[1]))
        return gi

    for given in paths:
        if not os.path.lexists(given):
            problem(given, "no such file or directory")
            continue
        if os.path.isfile(given) or not os.path.isdir(given):
            if not os.path.exists(given):
                problem(given, "broken symbolic link")
                continue
            own = settings_of(given)
            if own is None:
                continue
            rel = relative_posix(given, own.project_root)
            if any(path_matches(rel, p) for p in own.exclude + own.extend_exclude):
                continue
            why = _given_file_problem(given, own)
            if why:
                problem(given, why)
                continue
            add(given)
            continue
        top = settings_of(given, os.path.abspath(given))
        if top is None:
            continue
        limit = top.max_file_size
        root_ignores = [loaded(gi) for gi in _parent_ignores(given, limit)]
        visited_dirs = set()
        root_real = os.path.realpath(given)
        # depth first, a folder's own files before its subfolders, names in sorted order
        stack = [(given, root_real, root_ignores)]
        while stack:
            dirpath, real, ignores = stack.pop()
            if real in visited_dirs:  # a symlink loop or a second link to the same folder
                continue
            visited_dirs.add(real)
            try:
                with os.scandir(dirpath) as it:
                    entries = sorted(it, key=_entry_name)
            except OSError:  # an unreadable folder is skipped
                continue
            here = (
                top
                if resolver.is_fixed
                else settings_of(dirpath, os.path.abspath(dirpath), frozenset(e.name for e in entries))
            )
            if here is None:
                continue
            if any(e.name == ".gitignore" for e in entries):
                gi = GitIgnore.load(dirpath, limit)
                if gi:
                    ignores = ignores + [loaded(gi)]
            subdirs = []
            # the folder's real path is known: only a linked entry needs resolving again (`real`
            # is absolute and normalised, so joining is appending)
            inside = os.path.join(real, "")
            for entry in entries:
                name = entry.name
                try:
                    is_dir = entry.is_dir()  # follows links, as the walk does
                except OSError:
                    is_dir = False
                if is_dir:
                    subdirs.append(entry)
                    continue
                if not name.endswith(PY_SUFFIXES):
                    continue
                full = entry.path
                if _excluded(full, name, here) or (ignores and _ignored(full, False, ignores)):
                    continue
                try:
                    if entry.is_file(follow_symlinks=False):  # a regular file (no stat call on most systems)
                        add(full, inside + name)
                        continue
                    linked = entry.is_symlink()
                    st = os.stat(full) if linked else entry.stat(follow_symlinks=False)
                except OSError as exc:
                    problem(full, _link_problem(exc) if entry.is_symlink() else (exc.strerror or str(exc)))
                    continue
                if not stat.S_ISREG(st.st_mode):
                    kind = file_kind(st.st_mode)
                    problem(
                        full,
                        f"symbolic link to a {kind}, not a regular file; skipped"
                        if linked
                        else f"not a regular file ({kind}); skipped",
                    )
                    continue
                target = os.path.realpath(full)
                if not target.endswith(PY_SUFFIXES):
                    problem(full, LINK_NOT_PYTHON)
                elif not under(target, root_real):
                    problem(full, LINK_OUTSIDE)
                else:
                    add(full, target)
            for entry in reversed(subdirs):
                name, full = entry.name, entry.path
                if name.startswith(".") or _excluded(full, name, here) or (ignores and _ignored(full, True, ignores)):
                    continue
                if entry.is_symlink():
                    target = os.path.realpath(full)
                    if not under(target, root_real):
                        continue  # a folder link out of the given folder is not followed
                else:
                    target = inside + name
                stack.append((full, target, ignores))
    return files, problems


def _given_file_problem(given: str, settings) -> Optional[str]:
    """Why a file named on the command line is not checked, or None. It must be a regular file;
    when links lead to it, its real name must be .py/.pyi and it must lie inside the project
    (or, without one, in the folder the path names)."""
    try:
        st = os.stat(given)
    except OSError as exc:
        return _link_problem(exc)
    if not stat.S_ISREG(st.st_mode):
        return f"not a regular file ({file_kind(st.st_mode)}); skipped"
    absolute = os.path.abspath(given)
    real = os.path.realpath(absolute)
    if real == absolute:
        return None
    if os.path.islink(given) and not real.endswith(PY_SUFFIXES):
        return LINK_NOT_PYTHON
    base = settings.project_root or os.path.dirname(absolute)
    if not under(real, os.path.realpath(base)):
        return "symbolic link to a file outside the project; skipped"
    return None


def _entry_name(entry) -> str:
    return entry.name


def absolute_paths(paths) -> List[str]:
    """[os.path.abspath(p) for p in paths], asking for the working folder once rather than once
    per path (a cached run over a large tree does this for every file)."""
    cwd = os.getcwd()
    isabs, join, normpath = os.path.isabs, os.path.join, os.path.normpath
    if os.sep != "/" or os.altsep:
        return [normpath(p if isabs(p) else join(cwd, p)) for p in paths]
    inside = join(cwd, "")
    out = []
    for p in paths:
        # what discovery lists under a relative folder (`./pkg/mod.py`, `pkg/mod.py`): without
        # an empty, `.` or `..` part, or one starting with a dot, normpath(join(cwd, p)) is the
        # working folder plus the path, so there is nothing to normalise
        q = p[2:] if p.startswith("./") else p
        if q and q[0] != "/" and "/." not in q and "//" not in q and q[0] != "." and q[-1] != "/":
            out.append(inside + q)
        else:
            out.append(normpath(p if isabs(p) else join(cwd, p)))
    return out
