"""Settings: defaults < `[tool.awaitwise]` in the nearest pyproject.toml (or --config) < CLI.

Unknown keys and unknown rule codes are errors naming the file and the key; nothing is ignored
silently. Settings are frozen and picklable (they travel to worker processes) and have a stable
fingerprint for the cache.

Config files come from the tree being analysed, so they are untrusted input. Every TOML file is
read by `read_toml`: only regular files are read (a FIFO, a device or a socket is refused without
blocking), at most `MAX_CONFIG_BYTES` of them, and the parsed data is checked for shape (`tool`,
`tool.awaitwise` and `project` must be tables) before anything looks inside. Error messages have
their control characters escaped, because they echo keys and values from the file.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import re
import stat
import sys
from dataclasses import asdict, dataclass, replace
from typing import Any, Dict, List, Optional, Tuple

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9/3.10
    import tomli as tomllib

TARGET_VERSIONS = tuple(f"py3{minor}" for minor in range(8, 15))
DEFAULT_TARGET = "py39"
DEFAULT_EXCLUDE = (
    ".git", ".hg", ".svn", ".bzr", ".venv", "venv", ".env", "env", ".tox", ".nox", "__pycache__",
    "build", "dist", "node_modules", "site-packages", ".mypy_cache", ".pytest_cache", ".ruff_cache",
    ".awaitwise_cache", "*.egg-info", ".eggs", "__pypackages__", "_build", "buck-out",
)


# Largest config file read, in bytes. Real pyproject.toml files are a few kilobytes; the limit only
# stops a hostile tree from making the run read (and parse) something huge.
MAX_CONFIG_BYTES = 4 * 1024 * 1024


class ConfigError(Exception):
    """A configuration problem; the message names the file and the key.

    The message is stored with its control characters escaped: it quotes keys, values and paths
    taken from the analysed tree, and the CLI prints it to the user's terminal."""

    def __init__(self, message: str) -> None:
        # Imported here: the report package must stay free to import config without a cycle.
        from .report import clean

        super().__init__(clean(str(message)))


@dataclass(frozen=True)
class Settings:
    select: Optional[Tuple[str, ...]] = None  # None: the default-on rules
    extend_select: Tuple[str, ...] = ()
    ignore: Tuple[str, ...] = ()
    per_file_ignores: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    exclude: Tuple[str, ...] = ()
    extend_exclude: Tuple[str, ...] = ()
    target_version: str = DEFAULT_TARGET
    blocking_calls: Tuple[Tuple[str, str], ...] = ()  # qualified name -> advice
    coroutine_functions: Tuple[str, ...] = ()
    non_blocking_functions: Tuple[str, ...] = ()  # AW110: project functions declared fast
    transitive_max_depth: int = 8  # AW110: longest chain followed
    max_file_size: int = 20 * 1024 * 1024  # bytes; larger files are skipped (sourcefile.DEFAULT_MAX_FILE_SIZE)
    project_root: str = ""
    config_file: str = ""

    @property
    def target(self) -> Tuple[int, int]:
        return (3, int(self.target_version[3:]))

    def enabled_codes(self, registry, path: Optional[str] = None) -> Tuple[str, ...]:
        codes = registry.resolve(self.select, self.extend_select, self.ignore)
        if path is not None and self.per_file_ignores:
            ignored = self.ignored_for(path)
            if ignored:
                codes = tuple(c for c in codes if not any(c.startswith(p) for p in ignored))
        return codes

    def ignored_for(self, path: str) -> Tuple[str, ...]:
        rel = relative_posix(path, self.project_root)
        out: List[str] = []
        for pattern, codes in self.per_file_ignores:
            # Config files have their absolute patterns made relative when loaded (load_file);
            # one that is still absolute (a Settings built in code) is matched against the
            # file's absolute path.
            subject = relative_posix(path, "") if os.path.isabs(pattern) else rel
            if path_matches(subject, pattern):
                out.extend(codes)
        return tuple(out)

    def fingerprint(self) -> str:
        data = asdict(self)
        data.pop("config_file")
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]

    def to_toml_dict(self) -> dict:
        d = asdict(self)
        d["per_file_ignores"] = {p: list(c) for p, c in self.per_file_ignores}
        d["blocking_calls"] = dict(self.blocking_calls)
        return d


def relative_posix(path: str, root: str) -> str:
    path = os.path.abspath(path)
    if root:
        try:
            rel = os.path.relpath(path, root)
            if not rel.startswith(".."):
                path = rel
        except ValueError:
            pass
    return path.replace(os.sep, "/")


def path_matches(rel: str, pattern: str) -> bool:
    """Glob match against the path relative to the project, or against its final component(s)."""
    pattern = pattern.replace(os.sep, "/").rstrip("/")
    if fnmatch.fnmatchcase(rel, pattern):
        return True
    if "/" not in pattern:
        return any(fnmatch.fnmatchcase(part, pattern) for part in rel.split("/"))
    return fnmatch.fnmatchcase(rel, pattern + "/*") or rel.startswith(pattern + "/")


# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------

_KEYS = {
    "select", "ignore", "extend-select", "per-file-ignores", "exclude", "extend-exclude",
    "target-version", "blocking-calls", "coroutine-functions", "non-blocking-functions",
    "transitive-max-depth", "max-file-size",
}
_QUALNAME = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*(\(\)(\.[A-Za-z_][\w]*)+)*$")
# blocking-calls names may also use `*` for one or more attribute segments (`mylib.connect().*.fetch`)
_BLOCKING_NAME = re.compile(r"^[A-Za-z_]\w*(\(\))?(\.([A-Za-z_]\w*(\(\))?|\*))*$")


def _file_kind(mode: int) -> str:
    """What a non-regular file is, for the refusal message."""
    kinds = (
        (stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
    )
    for test, name in kinds:
        if test(mode):
            return name
    return "an unknown kind of file"


class _NotRegularFile(ConfigError):
    """The config path names something other than a regular file (a FIFO, a device, ...)."""


def read_toml(path: str) -> dict:
    """The parsed TOML document at `path`, read defensively: the path must name a regular file
    (symlinks are followed) of at most MAX_CONFIG_BYTES, holding UTF-8 TOML. Anything else is a
    ConfigError naming the file; nothing here blocks or reads without bound.

    The file's type is checked before opening, so a device is never opened in the usual case,
    and again on the opened descriptor, so a file swapped in between is caught too. The open is
    non-blocking: opening a FIFO then returns at once instead of waiting for a writer."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise _NotRegularFile(f"{path}: not a regular file ({_file_kind(info.st_mode)})")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _NotRegularFile(f"{path}: not a regular file ({_file_kind(info.st_mode)})")
        too_big = f"{path}: config file is larger than the {_size_text(MAX_CONFIG_BYTES)} limit"
        if info.st_size > MAX_CONFIG_BYTES:
            raise ConfigError(too_big)
        # The size from fstat may be wrong (a file still growing, /proc): read until the end of
        # the file, but never more than one byte past the limit.
        chunks = []
        remaining = MAX_CONFIG_BYTES + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1024 * 1024))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        if remaining <= 0:
            raise ConfigError(too_big)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    finally:
        os.close(fd)
    raw = b"".join(chunks)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path}: invalid TOML: arrays or tables nested too deeply") from None


def _size_text(size: int) -> str:
    """A byte count for a message: in MiB when it is a whole number of them."""
    mib = 1024 * 1024
    return f"{size // mib} MiB" if size % mib == 0 else f"{size} bytes"


def _toml_type(value) -> str:
    """The TOML name of a parsed value's type, for error messages."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return "a date or time"


def _table_at(data: dict, key: str, path: str) -> dict:
    """The table at the dotted `key` (`tool.awaitwise`), {} when absent; a ConfigError naming the
    file and the first part of the key that holds something other than a table."""
    value = data
    parts = key.split(".")
    for depth, part in enumerate(parts, 1):
        value = value.get(part, {})
        if not isinstance(value, dict):
            raise ConfigError(f"{path}: `{'.'.join(parts[:depth])}` must be a table, not {_toml_type(value)}")
    return value


def find_pyproject(start: str) -> Optional[str]:
    """Nearest pyproject.toml with a [tool.awaitwise] table, walking up from `start`.

    A pyproject.toml that is not a regular file (a FIFO, a device, a symlink to one, a folder of
    that name) is no config: the search skips it and goes on upwards, as it does for a folder
    without one. A regular file that cannot be read or parsed, or whose `tool` is not a table, is
    an error: it would be a config that is silently not applied."""
    current = os.path.abspath(start)
    if not os.path.isdir(current):
        current = os.path.dirname(current)
    while True:
        candidate = os.path.join(current, "pyproject.toml")
        if os.path.exists(candidate):
            try:
                data = read_toml(candidate)
            except _NotRegularFile:
                data = {}
            if "awaitwise" in _table_at(data, "tool", candidate):
                return candidate
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def load_file(path: str, registry) -> Dict[str, Any]:
    """Validated option dict (snake_case keys) from a pyproject.toml or a standalone TOML file.

    For a pyproject.toml the options are its `[tool.awaitwise]` table (none when absent); any
    other file is the table itself. Its folder is the project root."""
    data = read_toml(path)
    is_pyproject = os.path.basename(path) == "pyproject.toml"
    table = _table_at(data, "tool.awaitwise", path) if is_pyproject else data
    root = os.path.dirname(os.path.abspath(path))
    opts = parse_table(table, path, registry)
    if "per_file_ignores" in opts:
        opts["per_file_ignores"] = tuple(
            (_anchor_pattern(pattern, root, path), codes) for pattern, codes in opts["per_file_ignores"]
        )
    if "target_version" not in opts and is_pyproject:
        # `project` is consulted only to infer the target; a malformed one is reported then.
        spec = _table_at(data, "project", path).get("requires-python")
        if spec is not None and not isinstance(spec, str):
            raise ConfigError(f"{path}: `project.requires-python` must be a string, not {_toml_type(spec)}")
        inferred = _target_from_requires_python(spec)
        if inferred:
            opts["target_version"] = inferred
    opts["project_root"] = root
    opts["config_file"] = os.path.abspath(path)
    return opts


def _anchor_pattern(pattern: str, root: str, where: str) -> str:
    """A per-file-ignores pattern as matched: relative patterns unchanged; an absolute one made
    relative to the project root (the config's folder), since files are matched by their path
    relative to it. An absolute pattern outside the root could never match and is an error.

    The root is compared as written and, failing that, with symlinks resolved (so a pattern
    spelled through /private/tmp still matches a root under /tmp on macOS)."""
    if not os.path.isabs(pattern):
        return pattern
    for base, target in ((root, pattern), (os.path.realpath(root), os.path.realpath(pattern))):
        try:
            rel = os.path.relpath(os.path.normpath(target), base)
        except ValueError:  # another drive on Windows
            continue
        if rel == ".":
            return "*"  # the root itself: every file in the project
        if rel != ".." and not rel.startswith(".." + os.sep):
            return rel.replace(os.sep, "/")
    raise ConfigError(
        f"{where}: `per-file-ignores`: {pattern!r} is outside the project root {root} "
        f"(patterns are matched relative to the folder of the config file)"
    )


def _shown(text: str) -> str:
    """`text` from a config file made safe to quote in a one-line message: line breaks and tabs
    escaped (the message as a whole has its other control characters escaped by ConfigError)."""
    return text.replace("\n", "\\n").replace("\t", "\\t")


def _target_from_requires_python(spec) -> Optional[str]:
    if not isinstance(spec, str):
        return None
    m = re.search(r">=?\s*3\.(\d+)", spec)
    if m and f"py3{m.group(1)}" in TARGET_VERSIONS:
        return f"py3{m.group(1)}"
    return None


def parse_table(table: dict, where: str, registry) -> Dict[str, Any]:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [tool.awaitwise] must be a table")
    opts: Dict[str, Any] = {}
    for key, value in table.items():
        if key not in _KEYS:
            hint = _close(key, _KEYS)
            raise ConfigError(f"{where}: unknown key `{_shown(key)}` in [tool.awaitwise]{hint}")
        k = f"`{key}`"
        if key in ("select", "ignore", "extend-select"):
            opts[key.replace("-", "_")] = check_codes(_str_list(value, where, k), registry, f"{where}: {k}")
        elif key in ("exclude", "extend-exclude", "coroutine-functions", "non-blocking-functions"):
            if key == "coroutine-functions" and isinstance(value, dict):
                # table form: `[tool.awaitwise.coroutine-functions]` with `"pkg.fetch" = "note"` entries
                value = list(value)
            items = _str_list(value, where, k)
            if key in ("coroutine-functions", "non-blocking-functions"):
                for item in items:
                    if not _QUALNAME.match(item):
                        raise ConfigError(f"{where}: {k}: {item!r} is not a dotted name like `pkg.mod.func`")
            opts[key.replace("-", "_")] = tuple(items)
        elif key == "per-file-ignores":
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: {k} must be a table of glob = [codes]")
            opts["per_file_ignores"] = tuple(
                (
                    glob,
                    check_codes(
                        _str_list(codes, where, f"{k}.{_shown(glob)}"), registry, f"{where}: {k}.{_shown(glob)}"
                    ),
                )
                for glob, codes in value.items()
            )
        elif key == "target-version":
            opts["target_version"] = check_target(value, f"{where}: {k}")
        elif key == "blocking-calls":
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                raise ConfigError(f"{where}: {k} must be a table of \"module.func\" = \"advice\"")
            for name in value:
                if not _BLOCKING_NAME.match(name):
                    raise ConfigError(f"{where}: {k}: {name!r} is not a dotted name like `pkg.mod.func`")
            opts["blocking_calls"] = tuple(sorted(value.items()))
        elif key == "transitive-max-depth":
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"{where}: {k} must be a positive integer")
            opts["transitive_max_depth"] = value
        elif key == "max-file-size":
            from .sourcefile import parse_size

            try:
                opts["max_file_size"] = parse_size(value)
            except ValueError as exc:
                raise ConfigError(f"{where}: {k} {exc}, not {value!r}") from None
    return opts


def _str_list(value, where, key) -> Tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: {key} must be a list of strings")
    return tuple(value)


def check_codes(codes, registry, where: str) -> Tuple[str, ...]:
    out = []
    for code in codes:
        code = code.strip().upper()
        if not code:
            continue
        if not registry.is_known_selector(code):
            raise ConfigError(f"{where}: unknown rule code or prefix `{_shown(code)}`{_close(code, registry.codes)}")
        out.append(code)
    return tuple(out)


def check_target(value, where: str) -> str:
    if value not in TARGET_VERSIONS:
        raise ConfigError(f"{where}: target-version must be one of {', '.join(TARGET_VERSIONS)}, not {value!r}")
    return value


def _close(word: str, choices) -> str:
    import difflib

    match = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean `{match[0]}`?)" if match else ""


def _project_root_without_config(start: str) -> str:
    """The nearest folder above `start` that looks like a project (pyproject.toml, setup.py,
    setup.cfg, a repository), else the folder of `start` itself."""
    first = os.path.abspath(start if os.path.isdir(start) else os.path.dirname(start) or ".")
    current = first
    while True:
        if any(os.path.exists(os.path.join(current, m)) for m in ("pyproject.toml", "setup.py", "setup.cfg", ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return first
        current = parent


def resolve_settings(paths, config_file: Optional[str], cli: Dict[str, Any], registry) -> Settings:
    """Settings for a run: the given --config, else the nearest pyproject.toml of the first path."""
    opts: Dict[str, Any] = {}
    if config_file:
        opts.update(load_file(config_file, registry))
    else:
        start = paths[0] if paths else os.getcwd()
        found = find_pyproject(start)
        if found:
            opts.update(load_file(found, registry))
        else:
            opts["project_root"] = _project_root_without_config(start)
    settings = Settings(**opts)
    overrides = {k: v for k, v in cli.items() if v is not None}
    if "select" in overrides:
        settings = replace(settings, select=tuple(overrides.pop("select")))
    if "extend_select" in overrides:
        settings = replace(settings, extend_select=settings.extend_select + tuple(overrides.pop("extend_select")))
    if "ignore" in overrides:
        settings = replace(settings, ignore=settings.ignore + tuple(overrides.pop("ignore")))
    if "exclude" in overrides:
        settings = replace(settings, extend_exclude=settings.extend_exclude + tuple(overrides.pop("exclude")))
    if overrides:
        settings = replace(settings, **overrides)
    return settings


__all__ = ["Settings", "ConfigError", "resolve_settings"]
