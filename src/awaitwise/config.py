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
    ".git",
    ".hg",
    ".svn",
    ".bzr",
    ".venv",
    "venv",
    ".env",
    "env",
    ".tox",
    ".nox",
    "__pycache__",
    "build",
    "dist",
    "node_modules",
    "site-packages",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".awaitwise_cache",
    "*.egg-info",
    ".eggs",
    "__pypackages__",
    "_build",
    "buck-out",
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
    python: str = ""  # the environment whose installed packages are analysed (environment.py); "" = found
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
    "select",
    "ignore",
    "extend-select",
    "per-file-ignores",
    "exclude",
    "extend-exclude",
    "target-version",
    "blocking-calls",
    "coroutine-functions",
    "non-blocking-functions",
    "transitive-max-depth",
    "max-file-size",
    "python",
}
_QUALNAME = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*(\(\)(\.[A-Za-z_][\w]*)+)*$")
# blocking-calls names may also use `*` for one or more attribute segments (`mylib.connect().*.fetch`)
_BLOCKING_NAME = re.compile(r"^[A-Za-z_]\w*(\(\))?(\.([A-Za-z_]\w*(\(\))?|\*))*$")


def _file_kind(mode: int) -> str:
    """What a non-regular file is, for the refusal message."""
    kinds = (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
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


CONFIG_FILES = ("awaitwise.toml", "pyproject.toml")  # in one folder the first present wins
PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git", ".hg")


def _config_data(candidate: str) -> Optional[dict]:
    """The parsed file at `candidate`, or None when there is no config there: nothing of that
    name, or something that is not a regular file (a FIFO, a device, a symlink to one, a folder
    of that name), which the search skips as it skips a folder without one. A regular file that
    cannot be read or parsed is an error: it would be a config that is silently not applied."""
    if not os.path.exists(candidate):
        return None
    try:
        return read_toml(candidate)
    except _NotRegularFile:
        return None


def config_in(folder: str) -> Optional[str]:
    """The config file of `folder`: its awaitwise.toml, else its pyproject.toml when that has a
    [tool.awaitwise] table (or None). An awaitwise.toml is a config even when empty."""
    for name in CONFIG_FILES:
        candidate = os.path.join(folder, name)
        data = _config_data(candidate)
        if data is None:
            continue
        if name != "pyproject.toml" or "awaitwise" in _table_at(data, "tool", candidate):
            return candidate
    return None


def find_config(start: str) -> Optional[str]:
    """The nearest config file (see config_in) of `start` (a file or a folder), walking up."""
    current = os.path.abspath(start)
    if not os.path.isdir(current):
        current = os.path.dirname(current)
    while True:
        found = config_in(current)
        if found:
            return found
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def find_pyproject(start: str) -> Optional[str]:
    """Nearest pyproject.toml with a [tool.awaitwise] table, walking up from `start` (see
    config_in for what is skipped and what is an error)."""
    current = os.path.abspath(start)
    if not os.path.isdir(current):
        current = os.path.dirname(current)
    while True:
        candidate = os.path.join(current, "pyproject.toml")
        data = _config_data(candidate)
        if data is not None and "awaitwise" in _table_at(data, "tool", candidate):
            return candidate
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def load_file(path: str, registry, warnings: Optional[list] = None) -> Dict[str, Any]:
    """Validated option dict (snake_case keys) from a pyproject.toml or a standalone TOML file
    (awaitwise.toml, or any file given with --config).

    For a pyproject.toml the options are its `[tool.awaitwise]` table (none when absent); any
    other file is the table itself. Its folder is the project root: per-file-ignores and exclude
    patterns are relative to it. Without `target-version`, the target comes from
    `[project] requires-python`: of the file itself when it is a pyproject.toml, else of the
    nearest pyproject.toml that has one, in the file's folder or above it."""
    data = read_toml(path)
    is_pyproject = os.path.basename(path) == "pyproject.toml"
    table = _table_at(data, "tool.awaitwise", path) if is_pyproject else data
    root = os.path.dirname(os.path.abspath(path))
    opts = parse_table(table, path, registry, warnings)
    if "per_file_ignores" in opts:
        opts["per_file_ignores"] = tuple(
            (_anchor_pattern(pattern, root, path), codes) for pattern, codes in opts["per_file_ignores"]
        )
    if "target_version" not in opts:
        if is_pyproject:
            # `project` is consulted only to infer the target; a malformed one is reported then.
            spec = _table_at(data, "project", path).get("requires-python")
            if spec is not None and not isinstance(spec, str):
                raise ConfigError(f"{path}: `project.requires-python` must be a string, not {_toml_type(spec)}")
            inferred = target_from_requires_python(spec, f"{path}: `project.requires-python`")
        else:
            inferred = _target_above(root)
        if inferred:
            opts["target_version"] = inferred
    if "python" in opts:  # relative to the config file's folder
        opts["python"] = os.path.normpath(os.path.join(root, os.path.expanduser(opts["python"])))
    opts["project_root"] = root
    opts["config_file"] = os.path.abspath(path)
    return opts


def _requires_python_of(folder: str) -> Optional[str]:
    """The target from the `requires-python` of `folder`'s pyproject.toml, or None when it has
    none. Such a pyproject.toml is not a config (it has no [tool.awaitwise]): a `project` of
    the wrong shape, or a specifier that cannot be read, gives no target rather than an error."""
    candidate = os.path.join(folder, "pyproject.toml")
    try:
        data = _config_data(candidate)
    except ConfigError:
        return None
    project = data.get("project") if isinstance(data, dict) else None
    spec = project.get("requires-python") if isinstance(project, dict) else None
    if not isinstance(spec, str):
        return None
    try:
        return target_from_requires_python(spec, candidate)
    except ConfigError:
        return None


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


# One clause of a version specifier (PEP 440): an operator and a version, whose release segment
# is read up to the minor number; what follows it (a micro number, `.*`, a pre-release) does not
# change the lowest minor version the clause allows.
_SPEC_CLAUSE = re.compile(r"^(~=|===|==|!=|<=|>=|<|>)\s*v?(\d+)(?:\.(\d+|\*))?(?:[.\w*+!-]*)$", re.I)


def target_from_requires_python(spec, where: str = "requires-python") -> Optional[str]:
    """The target version for a `requires-python` specifier: the lowest Python minor version it
    allows, as `py3N` (`>=3.11` and `~=3.11` and `==3.11.*` -> py311; `>=3.9,<4` -> py39; `>3.9`
    allows 3.9.1 -> py39), clamped to the versions awaitwise knows (py38 ... py314). None when
    the specifier sets no lower bound (`<3.13`, `!=3.10.*`). A specifier that cannot be read is a
    ConfigError naming `where`."""
    if not isinstance(spec, str):
        return None
    lowest: Optional[Tuple[int, int]] = None
    for raw in spec.split(","):
        clause = raw.strip()
        m = _SPEC_CLAUSE.match(clause)
        if m is None:
            raise ConfigError(f'{where}: {_shown(spec)!r} is not a version specifier like ">=3.9"')
        op, major, minor = m.group(1), int(m.group(2)), m.group(3)
        if op in ("<", "<=", "!="):
            continue  # an upper bound or an exclusion: no lower bound
        bound = (major, 0 if minor in (None, "*") else int(minor))
        if lowest is None or bound > lowest:
            lowest = bound
    if lowest is None:
        return None
    first, last = TARGET_VERSIONS[0], TARGET_VERSIONS[-1]
    if lowest < (3, int(first[3:])):
        return first
    if lowest > (3, int(last[3:])):
        return last
    return f"py3{lowest[1]}"


def parse_table(table: dict, where: str, registry, warnings: Optional[list] = None) -> Dict[str, Any]:
    """The options of a `[tool.awaitwise]` table (or of an awaitwise.toml), validated: every key
    must be known and hold a value of its type (a string where a list belongs is an error, not a
    list of one), and every code must name a rule, a prefix of rules or a flake8-async/ruff code
    (see codes.py; one without an awaitwise equivalent is added to `warnings` as a message)."""
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [tool.awaitwise] must be a table, not {_toml_type(table)}")
    opts: Dict[str, Any] = {}
    for key, value in table.items():
        if key not in _KEYS:
            hint = _close(key, _KEYS)
            raise ConfigError(f"{where}: unknown key `{_shown(key)}` in [tool.awaitwise]{hint}")
        k = f"`{key}`"
        if key in ("select", "ignore", "extend-select"):
            opts[key.replace("-", "_")] = check_codes(_str_list(value, where, k), registry, f"{where}: {k}", warnings)
        elif key in ("exclude", "extend-exclude", "coroutine-functions", "non-blocking-functions"):
            if key == "coroutine-functions" and isinstance(value, dict):
                # table form: `[tool.awaitwise.coroutine-functions]` with `"pkg.fetch" = "note"` entries
                _str_table(value, where, k, "a note")
                value = list(value)
            items = _str_list(value, where, k)
            if key in ("coroutine-functions", "non-blocking-functions"):
                for item in items:
                    if not _QUALNAME.match(item):
                        raise ConfigError(f"{where}: {k}: {_shown(item)!r} is not a dotted name like `pkg.mod.func`")
            opts[key.replace("-", "_")] = tuple(items)
        elif key == "per-file-ignores":
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: {k} must be a table of glob = [codes], not {_toml_type(value)}")
            opts["per_file_ignores"] = tuple(
                (
                    glob,
                    check_codes(
                        _str_list(codes, where, f"{k}.{_shown(glob)}"),
                        registry,
                        f"{where}: {k}.{_shown(glob)}",
                        warnings,
                    ),
                )
                for glob, codes in value.items()
            )
        elif key == "target-version":
            opts["target_version"] = check_target(value, f"{where}: {k}")
        elif key == "blocking-calls":
            if not isinstance(value, dict):
                raise ConfigError(f'{where}: {k} must be a table of "module.func" = "advice", not {_toml_type(value)}')
            _str_table(value, where, k, "the advice")
            for name in value:
                if not _BLOCKING_NAME.match(name):
                    raise ConfigError(f"{where}: {k}: {_shown(name)!r} is not a dotted name like `pkg.mod.func`")
            opts["blocking_calls"] = tuple(sorted(value.items()))
        elif key == "transitive-max-depth":
            if not isinstance(value, int) or isinstance(value, bool):
                raise ConfigError(f"{where}: {k} must be a positive integer, not {_toml_type(value)}")
            if value < 1:
                raise ConfigError(f"{where}: {k} must be a positive integer, not {value}")
            opts["transitive_max_depth"] = value
        elif key == "python":
            if not isinstance(value, str) or not value.strip() or "\0" in value:
                raise ConfigError(f"{where}: {k} must be the path of an interpreter or an environment folder")
            opts["python"] = value
        elif key == "max-file-size":
            from .sourcefile import parse_size

            if not isinstance(value, (int, str)) or isinstance(value, bool):
                raise ConfigError(
                    f'{where}: {k} must be a number of bytes or a size like "20MB", not {_toml_type(value)}'
                )
            try:
                opts["max_file_size"] = parse_size(value)
            except ValueError as exc:
                raise ConfigError(f"{where}: {k} {exc}, not {value!r}") from None
    return opts


def _str_list(value, where, key) -> Tuple[str, ...]:
    """`value` as a tuple of strings; a ConfigError naming the key when it is not an array of
    strings (a lone string included: `select = "AW1"` is a mistake, not a list of one)."""
    if not isinstance(value, list):
        raise ConfigError(
            f"{where}: {key} must be a list of strings, not {_toml_type(value)}"
            + (f" (write [{json.dumps(value)}])" if isinstance(value, str) else "")
        )
    for i, item in enumerate(value, 1):
        if not isinstance(item, str):
            raise ConfigError(f"{where}: {key} must be a list of strings; item {i} is {_toml_type(item)}")
    return tuple(value)


def _str_table(value: dict, where, key, what: str) -> None:
    """A ConfigError naming the entry when a value of the table `value` is not a string."""
    for name, item in value.items():
        if not isinstance(item, str):
            raise ConfigError(f"{where}: {key}.{_shown(name)} must be a string ({what}), not {_toml_type(item)}")


def check_codes(codes, registry, where: str, warnings: Optional[list] = None) -> Tuple[str, ...]:
    """The selectors `codes` (rule codes, prefixes, `ALL`) upper-cased and checked. A code of
    flake8-async or ruff stands for its awaitwise equivalents (codes.py: `ASYNC251` -> AW100); one
    with none is left out, with a message in `warnings` (when given) naming `where`. Anything
    else unknown is a ConfigError naming `where`."""
    from .codes import no_equivalent_message, translate

    out = []
    for code in codes:
        code = code.strip().upper()
        if not code:
            continue
        if registry.is_known_selector(code):
            out.append(code)
            continue
        foreign = translate(code)
        if foreign is None:
            raise ConfigError(f"{where}: unknown rule code or prefix `{_shown(code)}`{_close(code, registry.codes)}")
        ours, missing = foreign
        if not ours and warnings is not None:
            warnings.append(f"{where}: {no_equivalent_message(code, missing)}")
        out.extend(c for c in ours if c not in out)
    return tuple(out)


def check_target(value, where: str) -> str:
    """`value` if it names a target version; else a ConfigError: `where` names the key."""
    if not isinstance(value, str):
        raise ConfigError(f"{where} must be a string, one of {', '.join(TARGET_VERSIONS)}; not {_toml_type(value)}")
    if value not in TARGET_VERSIONS:
        raise ConfigError(f"{where} must be one of {', '.join(TARGET_VERSIONS)}, not {_shown(value)!r}")
    return value


def _close(word: str, choices) -> str:
    import difflib

    match = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean `{match[0]}`?)" if match else ""


def _settings(opts: Dict[str, Any]) -> Settings:
    """Settings from a validated option dict (load_file, parse_table)."""
    return Settings(**opts)


def _with_cli(settings: Settings, cli: Dict[str, Any]) -> Settings:
    """`settings` with the command line's options on top: --select replaces the configured
    list, --extend-select, --ignore and --exclude add to theirs, the others replace."""
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


class Resolver:
    """The Settings of every file of a run, as ruff finds them.

    A file takes the nearest config walking up from its folder: a folder's `awaitwise.toml`
    (its top level holds the keys), else its `pyproject.toml` if that has a `[tool.awaitwise]`
    table; a pyproject.toml without one is passed over. The config's folder is the file's
    project root, which the config's paths (per-file-ignores, exclude) are relative to. Configs
    are not merged: the nearest one is the whole configuration of the files under it.

    A file with no config above it gets the defaults, rooted at the nearest folder that marks a
    project (pyproject.toml, setup.py, setup.cfg, .git, .hg), else at the working folder when
    the file is inside it, else at its own folder; its target version comes from the nearest
    `requires-python` above it.

    With `config_file` (--config) every file takes that file's settings. The command line's
    options (`cli`: select, extend_select, ignore, exclude, target_version) apply on top of
    every file's settings. Settings are made once per config file (and once per fallback root),
    so files under the same config get the same object; a folder's answer is kept.

    Messages about codes of other tools without an equivalent collect in `warnings`."""

    def __init__(self, registry, config_file: Optional[str] = None, cli: Optional[Dict[str, Any]] = None):
        self.registry = registry
        self.cli: Dict[str, Any] = dict(cli or {})
        self.warnings: List[str] = []
        self._fixed: Optional[Settings] = None
        self._by_dir: Dict[str, Settings] = {}
        self._by_config: Dict[str, object] = {}  # config path -> Settings, or the ConfigError it raised
        self._configless: set = set()  # folders with no config at or above them
        self._fallbacks: Dict[Tuple[str, Optional[str]], Settings] = {}
        self._targets: Dict[str, Optional[str]] = {}
        self._roots: Dict[str, Optional[str]] = {}
        if config_file:
            self._fixed = _with_cli(_settings(load_file(config_file, registry, self.warnings)), self.cli)

    @classmethod
    def fixed(cls, settings: Settings) -> Resolver:
        """A resolver that gives `settings` for every path."""
        resolver = cls(None)
        resolver._fixed = settings
        return resolver

    @property
    def is_fixed(self) -> bool:
        return self._fixed is not None

    def settings_for(self, path: str) -> Settings:
        """The settings of the file or folder at `path`."""
        if self._fixed is not None:
            return self._fixed
        apath = os.path.abspath(path)
        return self.for_dir(apath if os.path.isdir(apath) else os.path.dirname(apath))

    def for_file(self, path: str) -> Settings:
        """The settings of the file at `path` (its folder's)."""
        if self._fixed is not None:
            return self._fixed
        return self.for_dir(os.path.dirname(os.path.abspath(path)))

    def for_dir(self, folder: str, names=None) -> Settings:
        """The settings of the files in `folder` (absolute). `names`: the folder's entries, when
        the caller has listed it (then only a config named there is read). A config that
        cannot be read or is invalid raises its ConfigError (each time it is asked for)."""
        if self._fixed is not None:
            return self._fixed
        found = self._by_dir.get(folder)
        if found is not None:
            return found
        chain = []
        current = folder
        settings: Optional[Settings] = None
        while True:
            known = self._by_dir.get(current)
            if known is not None:
                settings = known
                break
            if current in self._configless:
                break
            chain.append(current)
            config = self._config_in(current, names if current == folder else None)
            if config is not None:
                settings = self._load(config)
                break
            parent = os.path.dirname(current)
            if parent == current:
                break
            current = parent
        if settings is None:
            self._configless.update(chain)
            settings = self._fallback(folder)
            self._by_dir[folder] = settings
        else:
            for visited in chain:
                self._by_dir[visited] = settings
        return settings

    # --- the parts ----------------------------------------------------------------------------
    def _config_in(self, folder: str, names) -> Optional[str]:
        if names is not None and not any(name in names for name in CONFIG_FILES):
            return None
        return config_in(folder)

    def _load(self, config: str) -> Settings:
        known = self._by_config.get(config)
        if known is None:
            try:
                known = _with_cli(_settings(load_file(config, self.registry, self.warnings)), self.cli)
            except ConfigError as exc:
                known = exc
            self._by_config[config] = known
        if isinstance(known, ConfigError):
            raise known
        assert isinstance(known, Settings)
        return known

    def _fallback(self, folder: str) -> Settings:
        root = self._marker_root(folder)
        if root is None:
            cwd = os.getcwd()
            root = cwd if folder == cwd or folder.startswith(os.path.join(cwd, "")) else folder
        target = self._target_above(folder)
        key = (root, target)
        settings = self._fallbacks.get(key)
        if settings is None:
            opts: Dict[str, Any] = {"project_root": root}
            if target:
                opts["target_version"] = target
            settings = self._fallbacks[key] = _with_cli(_settings(opts), self.cli)
        return settings

    def _walk_up(self, folder: str, memo: Dict[str, Optional[str]], own) -> Optional[str]:
        """The first `own(f)` that is not None for `folder` and the folders above it, memoised in
        `memo` for every folder passed on the way."""
        chain = []
        current = folder
        answer = None
        while True:
            if current in memo:
                answer = memo[current]
                break
            chain.append(current)
            answer = own(current)
            if answer is not None:
                break
            parent = os.path.dirname(current)
            if parent == current:
                break
            current = parent
        for visited in chain:
            memo[visited] = answer
        return answer

    def _marker_root(self, folder: str) -> Optional[str]:
        def own(f):
            return f if any(os.path.exists(os.path.join(f, m)) for m in PROJECT_MARKERS) else None

        return self._walk_up(folder, self._roots, own)

    def _target_above(self, folder: str) -> Optional[str]:
        return self._walk_up(folder, self._targets, _requires_python_of)


def _target_above(folder: str) -> Optional[str]:
    """The target of the nearest pyproject.toml with a usable `requires-python`, in `folder` or
    above it."""
    return Resolver(None)._target_above(os.path.abspath(folder))


def as_resolver(settings) -> Resolver:
    """`settings` as a Resolver: a Resolver as it is, a Settings for every path."""
    return settings if isinstance(settings, Resolver) else Resolver.fixed(settings)


def resolve_settings(paths, config_file: Optional[str], cli: Dict[str, Any], registry) -> Settings:
    """The settings of the first of `paths` (the working folder when there is none): the given
    --config, else the nearest config above it (see Resolver), with `cli` on top."""
    start = paths[0] if paths else os.getcwd()
    return Resolver(registry, config_file, cli).settings_for(start)


__all__ = [
    "Settings",
    "ConfigError",
    "Resolver",
    "as_resolver",
    "resolve_settings",
    "config_in",
    "find_config",
    "target_from_requires_python",
]
