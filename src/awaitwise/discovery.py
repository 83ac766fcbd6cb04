"""Which files to check: Python files under the given paths, skipping hidden folders, the usual
venv/build/cache folders, `.gitignore`d paths and the configured excludes. Paths named explicitly
are always checked unless an `exclude` pattern names them (so pre-commit honours the config)."""

from __future__ import annotations

import fnmatch
import os
import re
from typing import List, Optional, Tuple

from .config import DEFAULT_EXCLUDE, path_matches, relative_posix

PY_SUFFIXES = (".py", ".pyi")


class GitIgnore:
    """The patterns of one .gitignore file, matched relative to its folder (gitignore(5) subset:
    negation, anchoring, dir-only patterns, `**`)."""

    def __init__(self, base: str, lines: List[str]):
        self.base = base
        self.rules: List[Tuple[re.Pattern, bool, bool]] = []  # (regex, negated, dir_only)
        for raw in lines:
            line = raw.rstrip("\n").rstrip()
            if not line or line.startswith("#"):
                continue
            negated = line.startswith("!")
            if negated:
                line = line[1:]
            if line.startswith("\\"):
                line = line[1:]
            dir_only = line.endswith("/")
            line = line.rstrip("/")
            anchored = "/" in line
            line = line.lstrip("/")
            self.rules.append((_glob_to_regex(line, anchored), negated, dir_only))

    @classmethod
    def load(cls, folder: str) -> Optional["GitIgnore"]:
        path = os.path.join(folder, ".gitignore")
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                return cls(folder, fh.readlines())
        except OSError:
            return None

    def match(self, path: str, is_dir: bool) -> Optional[bool]:
        """True if ignored, False if re-included, None if no pattern speaks of it."""
        prefix = os.path.join(self.base, "")
        if path.startswith(prefix):  # spelled from the same folder (the walk joins onto it)
            rel = path[len(prefix):]
        else:
            rel = os.path.relpath(path, self.base)
        rel = rel.replace(os.sep, "/")
        result = None
        for regex, negated, dir_only in self.rules:
            if dir_only and not is_dir:
                continue
            if regex.match(rel):
                result = not negated
        return result


def _glob_to_regex(pattern: str, anchored: bool) -> re.Pattern:
    i, out = 0, []
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("/**", i) and i + 3 == len(pattern):
            out.append("/.*")
            i += 3
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            j = pattern.find("]", i + 1)
            if j == -1:
                out.append(re.escape(c))
            else:
                out.append("[" + pattern[i + 1:j].replace("!", "^", 1) + "]")
                i = j
        else:
            out.append(re.escape(c))
        i += 1
    body = "".join(out)
    prefix = "" if anchored else "(?:.*/)?"
    return re.compile(f"^{prefix}{body}$")


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


def _parent_ignores(folder: str) -> List[GitIgnore]:
    """.gitignore files of the folders above `folder`, up to the repository root."""
    chain = []
    current = os.path.abspath(folder)
    while True:
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
        gi = GitIgnore.load(current)
        if gi:
            chain.append(gi)
        if os.path.exists(os.path.join(current, ".git")):
            break
    return list(reversed(chain))


def discover(paths, settings) -> Tuple[List[str], List[Tuple[str, str]]]:
    """(files to check, [(path, problem)]) for the given paths."""
    files: List[str] = []
    problems: List[Tuple[str, str]] = []
    seen = set()

    def add(path, key=None):
        if key is None:
            key = os.path.realpath(path)
        if key not in seen:
            seen.add(key)
            files.append(path)

    for given in paths:
        if not os.path.lexists(given):
            problems.append((given, "no such file or directory"))
            continue
        if os.path.isfile(given) or not os.path.isdir(given):
            if not os.path.exists(given):
                problems.append((given, "broken symbolic link"))
                continue
            rel = relative_posix(given, settings.project_root)
            if any(path_matches(rel, p) for p in settings.exclude + settings.extend_exclude):
                continue
            add(given)
            continue
        root_ignores = _parent_ignores(given)
        visited_dirs = set()
        # depth first, a folder's own files before its subfolders, names in sorted order
        stack = [(given, os.path.realpath(given), root_ignores)]
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
            if any(e.name == ".gitignore" for e in entries):
                gi = GitIgnore.load(dirpath)
                if gi:
                    ignores = ignores + [gi]
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
                if _excluded(full, name, settings) or (ignores and _ignored(full, False, ignores)):
                    continue
                add(full, os.path.realpath(full) if entry.is_symlink() else inside + name)
            for entry in reversed(subdirs):
                name, full = entry.name, entry.path
                if (name.startswith(".") or _excluded(full, name, settings)
                        or (ignores and _ignored(full, True, ignores))):
                    continue
                stack.append((full, os.path.realpath(full) if entry.is_symlink() else inside + name, ignores))
    return files, problems


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
