"""The Python API, for tools that embed awaitwise (editor plugins, review bots, custom runners).

    import awaitwise

    result = awaitwise.check_source("import time\\nasync def f():\\n    time.sleep(1)\\n")
    for d in result.diagnostics:
        print(d.code, d.location.row, d.message)

    fixed = awaitwise.fix_source(source, path="app/handlers.py")
    report = awaitwise.check_paths(["src/"], settings={"extend-select": ["AW4"]})

Every function returns plain frozen dataclasses (diagnostics are `awaitwise.api.Diagnostic`
records with `Location`s and an optional `Fix`); none of them prints or writes files, and none
raises for a file that cannot be parsed (that is an AW001 diagnostic) or read (that is in
`errors`). Bad settings raise `ConfigError`.

`settings` is one of:
- None: each file takes the settings of its nearest config (`awaitwise.toml`, or `[tool.awaitwise]`
  in a pyproject.toml), exactly as the CLI does; with no path, the defaults;
- a mapping in the form of the `[tool.awaitwise]` table, e.g. `{"select": ["AW1"],
  "per-file-ignores": {"tests/*": ["AW100"]}}`, validated like the config file;
- an `awaitwise.config.Settings` instance, used as it is.

The work is done by the same engine, fix loop and runner as the CLI; this module only adapts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Dict, Iterable, Mapping, Optional, Tuple, Union

from .config import ConfigError, Settings, parse_table, resolve_settings
from .diagnostics import Diagnostic, Edit, Fix, Location

SettingsLike = Union[Settings, Mapping[str, object], None]

__all__ = [
    "check_source",
    "fix_source",
    "check_paths",
    "CheckResult",
    "FixResult",
    "PathsResult",
    "Diagnostic",
    "Location",
    "Fix",
    "Edit",
    "Settings",
    "ConfigError",
]

_NO_PATH = "<string>"


@dataclass(frozen=True)
class CheckResult:
    """What `check_source` found in one source."""

    path: str
    diagnostics: Tuple[Diagnostic, ...] = ()
    errors: Tuple[str, ...] = ()  # the source could not be processed (or a rule failed)

    @property
    def ok(self) -> bool:
        """True when there is nothing to report and nothing went wrong."""
        return not self.diagnostics and not self.errors


@dataclass(frozen=True)
class FixResult:
    """What `fix_source` made of one source."""

    path: str
    source: str  # the fixed source (the input itself when nothing was fixed)
    changed: bool = False
    fixes_applied: Dict[str, int] = field(default_factory=dict)  # code -> number of fixes
    diagnostics: Tuple[Diagnostic, ...] = ()  # what is left after fixing
    errors: Tuple[str, ...] = ()  # e.g. a fix dropped because its result would not parse


@dataclass(frozen=True)
class PathsResult:
    """What `check_paths` found in every discovered file."""

    diagnostics: Tuple[Diagnostic, ...] = ()  # sorted by file, then position
    errors: Tuple[str, ...] = ()  # files that could not be read or processed
    files: Tuple[str, ...] = ()  # the files that were checked

    @property
    def ok(self) -> bool:
        return not self.diagnostics and not self.errors


def _registry():
    from .registry import get_registry

    return get_registry()


def resolve(settings: SettingsLike, path: Optional[str], registry=None) -> Settings:
    """The Settings a call uses (see the module docstring)."""
    registry = registry or _registry()
    if isinstance(settings, Settings):
        return settings
    if settings is None:
        if path is None:
            return Settings(project_root=os.getcwd())
        return resolve_settings([path], None, {}, registry)
    if isinstance(settings, Mapping):
        opts = parse_table(dict(settings), "settings", registry)
        opts.setdefault("project_root", os.getcwd())
        return Settings(**opts)
    raise TypeError(f"settings must be a Settings, a mapping or None, not {type(settings).__name__}")


def _session(settings, registry, cache: bool, unsafe: bool = False):
    from .session import Session

    return Session(settings, registry, {"no_cache": not cache, "unsafe_fixes": unsafe, "jobs": 1})


def _errors(*messages) -> Tuple[str, ...]:
    return tuple(m for m in messages if m)


def check_source(
    source: str, path: Optional[str] = None, settings: SettingsLike = None, *, cache: bool = False
) -> CheckResult:
    """Check one source text. `path` names it: it picks the config, per-file-ignores, the module
    name for relative imports, and the project its imports are resolved in."""
    registry = _registry()
    resolved = resolve(settings, path, registry)
    if path is None:
        from .runner import check_one

        fr = check_one(_NO_PATH, resolved, registry, None, source_text=source)
    else:
        fr = _session(resolved, registry, cache).check_stdin(path, source).files[0]
    return CheckResult(fr.filename, tuple(fr.diagnostics), _errors(fr.error))


def fix_source(
    source: str, path: Optional[str] = None, settings: SettingsLike = None, *, unsafe: bool = False, cache: bool = False
) -> FixResult:
    """Apply fixes to one source text (safe ones; unsafe ones too with `unsafe=True`), re-checking
    until nothing changes, and return the fixed text. Nothing is written."""
    from .runner import fix_one
    from .sourcefile import Source

    registry = _registry()
    resolved = resolve(settings, path, registry)
    project = None
    if path is not None:
        project = _session(resolved, registry, cache)._project([], extra_root=path)
    fr = fix_one(
        path or _NO_PATH, resolved, registry, project, unsafe=unsafe, write=False, source=Source(source, "utf-8", False)
    )
    fixed = fr.fixed_source if fr.fixed_source is not None else source
    return FixResult(
        fr.filename, fixed, fixed != source, dict(fr.fixes_applied), tuple(fr.diagnostics), _errors(fr.error)
    )


def check_paths(
    paths: Union[str, os.PathLike[str], Iterable[Union[str, os.PathLike[str]]]],
    settings: SettingsLike = None,
    *,
    cache: bool = False,
) -> PathsResult:
    """Check files and folders as `awaitwise check PATHS` does: discovery honours .gitignore and
    excludes, and the project index spans every discovered file."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    names = [os.fspath(p) for p in paths] or ["."]
    registry = _registry()
    if settings is None:
        from .config import Resolver

        resolver = Resolver(registry)
        resolver.settings_for(str(names[0]))  # a bad config of the first path raises here, as documented
        session = _session(resolver, registry, cache)
    else:
        session = _session(resolve(settings, names[0], registry), registry, cache)
    result = session.check(names)
    return PathsResult(
        tuple(result.diagnostics),
        tuple(session.problems) + tuple(result.problems),
        tuple(f.filename for f in result.files),
    )
