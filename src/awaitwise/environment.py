"""The Python environment whose installed packages the analysis reads, found without running it.

Which environment, in this order (the first that applies wins):

1. `--python PATH` on the command line, or `python = "PATH"` in `[tool.awaitwise]` (a relative
   path is taken from the config file's folder);
2. the active virtualenv, `$VIRTUAL_ENV`;
3. a `.venv/` or `venv/` folder at the project root;
4. the interpreter awaitwise itself runs in.

PATH may name an interpreter (`.venv/bin/python`, `env\\Scripts\\python.exe`) or the environment's
folder. Its site-packages folders come from the layout alone: `lib/python3.X/site-packages` (the
Python version from `pyvenv.cfg` when there are several), `Lib/site-packages` on Windows, and,
when `pyvenv.cfg` says `include-system-site-packages = true`, those of the base installation it
names. The interpreter is never executed: a repository's environment is data, like its code.

Distributions are read from their `*.dist-info` folders (`.egg-info` too): the name and version
from `METADATA` (`PKG-INFO`), the modules they install from `RECORD` (else `top_level.txt` and the
folders it names). Every file read here is read as untrusted input: regular files only, size
limited, undecodable bytes replaced.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from typing import Dict, List, NamedTuple, Optional, Tuple

# Largest metadata file read (METADATA, RECORD, top_level.txt, pyvenv.cfg): real ones are far smaller.
_MAX_META = 8 * 1024 * 1024
_VERSION_DIR = re.compile(r"^python3\.(\d+)t?$")


class Environment(NamedTuple):
    prefix: str  # the environment's folder ("" for the running interpreter's own paths)
    how: str  # how it was found: "--python", "config", "VIRTUAL_ENV", ".venv", "venv", "interpreter"
    site_dirs: Tuple[str, ...]  # absolute site-packages folders, searched in this order

    def describe(self) -> str:
        where = self.prefix or sys.prefix
        dirs = ", ".join(self.site_dirs) or "no site-packages folder"
        return f"{where} (from {self.how}): {dirs}"


class Distribution(NamedTuple):
    name: str  # as METADATA spells it
    version: str
    site_dir: str  # the site-packages folder it is installed in
    meta_dir: str  # its .dist-info / .egg-info folder (absolute)
    # module name -> path of its source relative to site_dir, posix separators (`pkg/mod.py`);
    # a module with both a `.py` and a `.pyi` keeps the `.py`
    modules: Dict[str, str]
    record_digest: str  # blake2b of RECORD (or of the module list when there is no RECORD)
    hashes: Dict[str, str]  # relative path -> "sha256=..." as RECORD lists it

    @property
    def key(self) -> str:
        return normalize(self.name)

    def tops(self) -> Tuple[str, ...]:
        return tuple(sorted({m.split(".", 1)[0] for m in self.modules}))


def normalize(name: str) -> str:
    """A distribution name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_small(path: str, limit: int = _MAX_META) -> Optional[str]:
    """The text of a regular file of at most `limit` bytes (UTF-8, bad bytes replaced), or None."""
    from .sourcefile import SourceError, read_bytes

    try:
        data = read_bytes(path, limit)
    except (OSError, SourceError):
        return None
    return data.decode("utf-8", "replace")


# ------------------------------------------------------------------------------------------------
# Finding the environment
# ------------------------------------------------------------------------------------------------


def find_environment(settings, environ=None) -> Environment:
    """The environment a run analyses (see the module docstring for the order)."""
    env = os.environ if environ is None else environ
    chosen = getattr(settings, "python", "") or ""
    if chosen:
        return from_path(chosen, "--python / python setting")
    virtual = env.get("VIRTUAL_ENV", "")
    if virtual and os.path.isdir(virtual):
        return from_path(virtual, "VIRTUAL_ENV")
    root = getattr(settings, "project_root", "") or ""
    if root:
        for name in (".venv", "venv"):
            folder = os.path.join(root, name)
            if os.path.isdir(folder) and (
                os.path.isfile(os.path.join(folder, "pyvenv.cfg")) or _layout_site_dirs(folder)
            ):
                return from_path(folder, name)
    return running_interpreter()


def running_interpreter() -> Environment:
    """The site-packages folders of the interpreter awaitwise runs in (from its own sys.path)."""
    dirs = []
    for entry in sys.path:
        if (
            entry
            and os.path.basename(entry.rstrip(os.sep)) in ("site-packages", "dist-packages")
            and os.path.isdir(entry)
        ):
            full = os.path.abspath(entry)
            if full not in dirs:
                dirs.append(full)
    return Environment(sys.prefix, "interpreter", tuple(dirs))


def from_path(path: str, how: str) -> Environment:
    """The environment of an interpreter path or of an environment folder, from its layout."""
    path = os.path.abspath(os.path.expanduser(path))
    prefix = path
    if not os.path.isdir(path):
        # an interpreter: <prefix>/bin/python, <prefix>/Scripts/python.exe, or <prefix>/python.exe
        folder = os.path.dirname(path)
        prefix = os.path.dirname(folder) if os.path.basename(folder).lower() in ("bin", "scripts") else folder
    dirs = _layout_site_dirs(prefix, _cfg(prefix).get("version", ""))
    cfg = _cfg(prefix)
    if cfg.get("include-system-site-packages", "").lower() == "true" and cfg.get("home"):
        home = cfg["home"]
        base = os.path.dirname(home) if os.path.basename(home).lower() in ("bin", "scripts") else home
        for d in _layout_site_dirs(base, cfg.get("version", "")):
            if d not in dirs:
                dirs.append(d)
    return Environment(prefix, how, tuple(dirs))


def _cfg(prefix: str) -> Dict[str, str]:
    text = read_small(os.path.join(prefix, "pyvenv.cfg"), 64 * 1024)
    out: Dict[str, str] = {}
    for line in (text or "").splitlines():
        key, sep, value = line.partition("=")
        if sep:
            out[key.strip().lower()] = value.strip()
    return out


def _layout_site_dirs(prefix: str, version: str = "") -> List[str]:
    """site-packages folders under an environment prefix, by layout: `lib/python3.X/...` (the X of
    `version` when given and present, else every one, newest first), `lib64/...`, `Lib/...`."""
    out: List[str] = []
    wanted = None
    m = re.match(r"^3\.(\d+)", version)
    if m:
        wanted = int(m.group(1))
    for lib in ("lib", "lib64"):
        base = os.path.join(prefix, lib)
        try:
            names = os.listdir(base)
        except OSError:
            continue
        found = []
        for name in names:
            vm = _VERSION_DIR.match(name)
            if vm:
                found.append((int(vm.group(1)), name))
        found.sort(reverse=True)
        if wanted is not None and any(v == wanted for v, _ in found):
            found = [(v, n) for v, n in found if v == wanted]
        for _, name in found:
            for leaf in ("site-packages", "dist-packages"):
                d = os.path.join(base, name, leaf)
                if os.path.isdir(d) and os.path.realpath(d) not in {os.path.realpath(o) for o in out}:
                    out.append(d)
    windows = os.path.join(prefix, "Lib", "site-packages")
    if os.path.isdir(windows) and os.path.realpath(windows) not in {os.path.realpath(o) for o in out}:
        out.append(windows)
    return out


# ------------------------------------------------------------------------------------------------
# Distributions
# ------------------------------------------------------------------------------------------------


def _meta_dirs(site_dir: str) -> List[str]:
    try:
        names = sorted(os.listdir(site_dir))
    except OSError:
        return []
    return [n for n in names if n.endswith((".dist-info", ".egg-info"))]


def signature(env: Environment) -> str:
    """Changes whenever a distribution is installed, removed or upgraded in `env` (their metadata
    folders carry name and version), or the environment itself changes. One listdir per folder."""
    h = hashlib.blake2b(digest_size=12)
    for d in env.site_dirs:
        h.update(d.encode("utf-8", "surrogateescape") + b"\0")
        for name in _meta_dirs(d):
            h.update(name.encode("utf-8", "surrogateescape") + b"\0")
            try:
                st = os.stat(os.path.join(d, name))
                h.update(f"{st.st_mtime_ns}".encode())
            except OSError:
                pass
    return h.hexdigest()


def _metadata(meta_dir: str) -> Tuple[str, str]:
    for fname in ("METADATA", "PKG-INFO"):
        text = read_small(os.path.join(meta_dir, fname), 4 * 1024 * 1024)
        if text is None:
            continue
        name = version = ""
        for line in text.splitlines():
            if not line.strip():
                break  # the headers end at the first blank line
            key, sep, value = line.partition(":")
            if not sep:
                continue
            key = key.strip().lower()
            if key == "name" and not name:
                name = value.strip()
            elif key == "version" and not version:
                version = value.strip()
        if name:
            return name, version
    return "", ""


def _module_of(rel: str) -> Optional[str]:
    """`pkg/sub/mod.py` -> `pkg.sub.mod`, `pkg/__init__.py` -> `pkg`; None for anything that is not
    an importable source file (scripts under ../bin, data, names that are not identifiers)."""
    if not rel.endswith((".py", ".pyi")) or rel.startswith(("/", "..")) or "\\" in rel:
        return None
    parts = rel.rsplit(".", 1)[0].split("/")
    if parts[-1] == "__init__":
        parts.pop()
    if not parts or not all(p.isidentifier() for p in parts):
        return None
    if parts[0].endswith("-stubs") or "__pycache__" in parts:
        return None
    return ".".join(parts)


def read_distribution(site_dir: str, meta_name: str) -> Optional[Distribution]:
    meta_dir = os.path.join(site_dir, meta_name)
    if not os.path.isdir(meta_dir):
        return None
    name, version = _metadata(meta_dir)
    if not name:
        stem = meta_name.rsplit(".", 1)[0]
        name, _, version = stem.partition("-")
        version = version.split("-", 1)[0]
    if not name:
        return None
    files: List[str] = []
    hashes: Dict[str, str] = {}
    record = read_small(os.path.join(meta_dir, "RECORD"))
    if record is None:
        record = read_small(os.path.join(meta_dir, "installed-files.txt"))  # egg-info
        for line in (record or "").splitlines():  # paths relative to the .egg-info folder
            rel = os.path.normpath(os.path.join(meta_name, line.strip())).replace(os.sep, "/")
            if not rel.startswith(".."):
                files.append(rel)
    else:
        import csv

        try:
            for row in csv.reader(record.splitlines()):
                if row:
                    files.append(row[0])
                    if len(row) > 1 and row[1]:
                        hashes[row[0]] = row[1]
        except csv.Error:
            pass
    if not files:
        top = read_small(os.path.join(meta_dir, "top_level.txt"), 64 * 1024) or ""
        for t in top.split():
            files.extend(_walk_sources(site_dir, t))
    modules: Dict[str, str] = {}
    for rel in files:
        module = _module_of(rel)
        if module is None:
            continue
        known = modules.get(module)
        if known is not None and known.endswith(".py") and rel.endswith(".pyi"):
            continue  # the implementation wins over its stub
        modules[module] = rel
    digest = hashlib.blake2b(
        (record or "\n".join(sorted(files))).encode("utf-8", "surrogateescape"), digest_size=16
    ).hexdigest()
    return Distribution(name, version, site_dir, meta_dir, modules, digest, hashes)


def _walk_sources(site_dir: str, top: str, limit: int = 20000) -> List[str]:
    """Source files of a top-level name, for a distribution without a file list: `top.py`, or
    the `top/` folder (symlinks not followed, at most `limit` files)."""
    if not top.isidentifier():
        return []
    out = []
    for suffix in (".py", ".pyi"):
        if os.path.isfile(os.path.join(site_dir, top + suffix)):
            out.append(top + suffix)
    folder = os.path.join(site_dir, top)
    if os.path.isdir(folder) and not os.path.islink(folder):
        for here, dirs, names in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if d.isidentifier())
            rel = os.path.relpath(here, site_dir).replace(os.sep, "/")
            for n in sorted(names):
                if n.endswith((".py", ".pyi")):
                    out.append(f"{rel}/{n}")
                    if len(out) >= limit:
                        return out
    return out


class Installed:
    """The distributions of an environment, read on first use: which one installs a module."""

    def __init__(self, env: Environment):
        self.env = env
        self._dists: Optional[List[Distribution]] = None
        self._by_top: Dict[str, List[Distribution]] = {}

    def distributions(self) -> List[Distribution]:
        if self._dists is None:
            dists: List[Distribution] = []
            seen = set()
            for site_dir in self.env.site_dirs:
                for meta_name in _meta_dirs(site_dir):
                    dist = read_distribution(site_dir, meta_name)
                    if dist is None or dist.key in seen:
                        continue  # an earlier folder's copy shadows a later one
                    seen.add(dist.key)
                    dists.append(dist)
            self._dists = dists
            for dist in dists:
                for top in dist.tops():
                    self._by_top.setdefault(top, []).append(dist)
        return self._dists

    def tops(self) -> Dict[str, List[Distribution]]:
        """Top-level module name -> the distributions that install modules under it (several for
        a namespace package such as `google`)."""
        self.distributions()
        return self._by_top

    def owner(self, module: str) -> Optional[Distribution]:
        """The distribution that installs `module` (or the longest package above it)."""
        candidates = self.tops().get(module.split(".", 1)[0], ())
        parts = module.split(".")
        for i in range(len(parts), 0, -1):
            name = ".".join(parts[:i])
            for dist in candidates:
                if name in dist.modules:
                    return dist
        return None


__all__ = [
    "Environment",
    "Distribution",
    "Installed",
    "find_environment",
    "from_path",
    "running_interpreter",
    "signature",
    "normalize",
    "read_distribution",
]
