"""Settings: defaults < `[tool.awaitwise]` in the nearest pyproject.toml (or --config) < CLI.

Unknown keys and unknown rule codes are errors naming the file and the key; nothing is ignored
silently. Settings are frozen and picklable (they travel to worker processes) and have a stable
fingerprint for the cache.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import re
import sys
from dataclasses import asdict, dataclass, replace
from typing import Dict, Optional, Tuple

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


class ConfigError(Exception):
    """A configuration problem; the message names the file and the key."""


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
        out = []
        for pattern, codes in self.per_file_ignores:
            if path_matches(rel, pattern):
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


def find_pyproject(start: str) -> Optional[str]:
    """Nearest pyproject.toml with a [tool.awaitwise] table, walking up from `start`."""
    current = os.path.abspath(start)
    if not os.path.isdir(current):
        current = os.path.dirname(current)
    while True:
        candidate = os.path.join(current, "pyproject.toml")
        if os.path.isfile(candidate):
            try:
                with open(candidate, "rb") as fh:
                    data = tomllib.load(fh)
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise ConfigError(f"{candidate}: invalid TOML: {exc}") from None
            except UnicodeDecodeError as exc:
                raise ConfigError(f"{candidate}: invalid TOML: not UTF-8 ({exc.reason} at byte {exc.start})") from None
            if "awaitwise" in data.get("tool", {}):
                return candidate
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def load_file(path: str, registry) -> Dict[str, object]:
    """Validated option dict (snake_case keys) from a pyproject.toml or a standalone TOML file."""
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    table = data.get("tool", {}).get("awaitwise") if os.path.basename(path) == "pyproject.toml" else data
    if table is None:
        table = data.get("tool", {}).get("awaitwise", {})
    opts = parse_table(table, path, registry)
    if "target_version" not in opts and os.path.basename(path) == "pyproject.toml":
        inferred = _target_from_requires_python(data.get("project", {}).get("requires-python"))
        if inferred:
            opts["target_version"] = inferred
    opts["project_root"] = os.path.dirname(os.path.abspath(path))
    opts["config_file"] = os.path.abspath(path)
    return opts


def _target_from_requires_python(spec) -> Optional[str]:
    if not isinstance(spec, str):
        return None
    m = re.search(r">=?\s*3\.(\d+)", spec)
    if m and f"py3{m.group(1)}" in TARGET_VERSIONS:
        return f"py3{m.group(1)}"
    return None


def parse_table(table: dict, where: str, registry) -> Dict[str, object]:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [tool.awaitwise] must be a table")
    opts: Dict[str, object] = {}
    for key, value in table.items():
        if key not in _KEYS:
            hint = _close(key, _KEYS)
            raise ConfigError(f"{where}: unknown key `{key}` in [tool.awaitwise]{hint}")
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
                (glob, check_codes(_str_list(codes, where, f"{k}.{glob}"), registry, f"{where}: {k}.{glob}"))
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
            raise ConfigError(f"{where}: unknown rule code or prefix `{code}`{_close(code, registry.codes)}")
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


def resolve_settings(paths, config_file: Optional[str], cli: Dict[str, object], registry) -> Settings:
    """Settings for a run: the given --config, else the nearest pyproject.toml of the first path."""
    opts: Dict[str, object] = {}
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
