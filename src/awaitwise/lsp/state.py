"""What the language server knows about the workspace, and the work it does on it: settings for
each file (the CLI's lookup), the project index held in memory, the open documents' text laid
over it, and the lint, fix and suppress operations behind diagnostics and code actions.

Everything here runs on the server's one worker thread, so none of it needs a lock; the protocol
side (server.py) hands it snapshots of documents and publishes what it returns. The linting
itself is the CLI's: `runner.check_one` and `runner.fix_one` with the registry's rules and the
settings `config.resolve_settings` finds, as `awaitwise check --stdin-filename` does.

The index. For each project (its root folders and its settings) the index of the files on disk
is built once, from the cache the CLI keeps when it can, and then kept up to date: a file saved
or changed on disk is extracted again, a file created or deleted has the index rebuilt. Each open
document's current text is laid over it (its facts replace those of the file on disk), so an
edit in one module is seen by the others: making a helper `async` gives its callers AW200 when
they are linted again. A lint reports whether the document's facts changed in a way the other
modules can see; the server then lints the other open documents again.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, List, Optional, Set, Tuple

from ..config import ConfigError, Settings, path_matches, relative_posix, resolve_settings
from ..diagnostics import Diagnostic
from ..fixer import applicable

if TYPE_CHECKING:
    from ..project import FileFacts, ProjectIndex

log = logging.getLogger("awaitwise.lsp")

CONFIG_NAMES = ("pyproject.toml", "awaitwise.toml")
PY_SUFFIXES = (".py", ".pyi")


@dataclass(frozen=True)
class Snapshot:
    """One version of an open document."""

    uri: str
    path: str  # where it is (or would be) on disk: picks the config, module name and project
    version: Optional[int]
    text: str
    is_file: bool = True  # False for an unsaved buffer: it is no module of the project


@dataclass
class LintReport:
    diagnostics: List[Diagnostic] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)  # internal errors (a rule that raised...), to log
    config_error: Optional[str] = None  # the config could not be read: defaults were used
    others_affected: bool = False  # the index changed: the other open documents need a new lint
    skipped: Optional[str] = None  # why the document is not linted (excluded by the config)
    provisional: bool = False  # linted without the project index, which is still to be built
    broken: Optional[str] = None  # why nothing can be linted (a plugin that cannot be loaded)


def _shape(facts) -> object:
    """What other modules can see of a file's facts: everything but the text's own hash, words
    and screening data (a change inside a function body that calls nothing new keeps it)."""
    if facts is None:
        return None
    return facts._replace(source_hash="", words="", screen=None, units=b"")


class ProjectState:
    def __init__(self, registry=None):
        self._registry = registry  # loaded on first use (warm_up): the server answers `initialize` first
        self._settings: Dict[str, Tuple[Settings, Optional[str]]] = {}  # by folder
        # project key -> index of the files on disk (None: no enabled rule reads one)
        self._bases: Dict[tuple, Optional[ProjectIndex]] = {}
        self._open: Dict[str, FileFacts] = {}  # absolute path -> FileFacts of the open document's text
        self._effective: Dict[tuple, _Overlay] = {}  # project key -> its base with the open documents
        # bumped whenever settings or an index change: results from before may be out of date
        self._epoch = 0
        # open documents whose changes the other modules can see, not yet reported by a lint
        self._unreported: Set[str] = set()
        # uri -> (text, epoch, provisional, diagnostics) of the document's last lint
        self._last: Dict[str, Tuple[str, int, bool, List[Diagnostic]]] = {}

    @property
    def registry(self):
        if self._registry is None:
            from ..registry import get_registry

            self._registry = get_registry()
        return self._registry

    def warm_up(self) -> None:
        """Load what the first lint needs (the rules, the parser, the engine)."""
        self.registry  # noqa: B018 - loads every rule module
        from .. import context, engine, walker  # noqa: F401
        from ..screening import loaded_libcst

        loaded_libcst()

    # --- settings -------------------------------------------------------------------------------
    def settings_for(self, path: str) -> Tuple[Settings, Optional[str]]:
        """The settings `awaitwise check` uses for the file at `path`, and the configuration error
        when there was one (the defaults are used then, so the editor still gets findings)."""
        folder = os.path.dirname(os.path.abspath(path))
        found = self._settings.get(folder)
        if found is None:
            try:
                found = (resolve_settings([path], None, {}, self.registry), None)
            except ConfigError as exc:
                found = (Settings(project_root=folder), str(exc))
            self._settings[folder] = found
        return found

    def excluded(self, path: str, settings: Settings) -> bool:
        """True when the config's `exclude` patterns match the file (the CLI skips it too)."""
        patterns = settings.exclude + settings.extend_exclude
        if not patterns or not settings.project_root:
            return False
        rel = relative_posix(os.path.abspath(path), settings.project_root)
        return any(path_matches(rel, p) for p in patterns)

    # --- the index ------------------------------------------------------------------------------
    def _key(self, path: str, settings: Settings) -> tuple:
        from ..project import project_roots

        roots = tuple(project_roots([], settings, extra_root=path))
        return (settings.fingerprint(), settings.project_root, roots)

    def _base(self, key: tuple, path: str, settings: Settings):
        if key not in self._bases:
            from ..cache import Cache
            from ..project import build_index

            cache = Cache.open(settings)
            try:
                # one process: the server has threads, and a forked pool would copy them stopped
                base = build_index([], settings, extra_root=path, use_cache=cache.enabled, cache=cache, jobs=1)
                self._bases[key] = base.follow_edits() if base is not None else None
            finally:
                try:
                    cache.flush()
                except Exception as exc:  # a cache that cannot be written costs only speed
                    log.warning("could not write the cache: %s", exc)
        return self._bases[key]

    def index_for(self, path: str, settings: Settings):
        """The project index the file at `path` is linted with: the files on disk, with every
        open document's text in place of its file."""
        key = self._key(path, settings)
        base = self._base(key, path, settings)
        if base is None:
            return None
        overlay = self._effective.get(key)
        if overlay is None or overlay.base is not base:
            overlay = self._effective[key] = _Overlay(base, key[2])
        return overlay.sync(self._open)

    def _set_open_facts(self, path: str, text: Optional[str]) -> bool:
        """Record the facts of the open document at `path` (None: it was closed). True when the
        other modules can see the difference."""
        from ..project import extract

        path = os.path.abspath(path)
        before = self._open.get(path)
        if text is None:
            if path not in self._open:
                return False
            del self._open[path]
            after = self._disk_facts(path)
        else:
            if before is not None:
                from ..records import source_hash

                if before.source_hash == source_hash(text):
                    return False
            else:
                before = self._disk_facts(path)
            after = extract(path, text)
            self._open[path] = after
        if _shape(before) == _shape(after):
            return False
        self._epoch += 1
        if text is None:
            self._unreported.discard(path)
        else:
            self._unreported.add(path)
        return True

    def _disk_facts(self, path: str):
        for base in self._bases.values():
            if base is None:
                continue
            for name, known in base.paths.items():
                if os.path.abspath(known) == path:
                    return base.modules.get(name)
        return None

    # --- changes on disk ------------------------------------------------------------------------
    def config_changed(self) -> None:
        """A configuration file changed: settings and indexes are found again."""
        self._settings.clear()
        self._bases.clear()
        self._effective.clear()
        self._epoch += 1

    def file_changed(self, path: str, kind: str) -> bool:
        """A Python file changed on disk (`kind`: "created", "changed" or "deleted"). True when
        what the open documents see changed (they should be linted again): not for a file open
        in the editor (its text counts, not the disk's, as when it is saved), nor for a change
        that leaves what other modules see alone."""
        path = os.path.abspath(path)
        if kind == "changed" and not any(
            base is not None and any(os.path.abspath(p) == path for p in base.paths.values())
            for base in self._bases.values()
        ):
            kind = "created"  # a file no index knows (created while nobody watched): it is new
        if kind != "changed":
            self._epoch += 1
            # the set of modules changes: rebuilt on next use (facts come from the cache)
            stale = [
                k
                for k, base in self._bases.items()
                if base is None or any(path.startswith(os.path.join(r, "")) for r in k[2])
            ]
            for k in stale:
                del self._bases[k]
                self._effective.pop(k, None)
            return bool(stale)
        from ..project import ProjectIndex, extract
        from ..sourcefile import read

        changed = False
        for key, base in list(self._bases.items()):
            if base is None:
                continue
            names = [n for n, p in base.paths.items() if os.path.abspath(p) == path]
            if not names:
                continue
            try:
                facts = extract(path, read(path, getattr(base.settings, "max_file_size", None)).text)
            except Exception:  # unreadable now (or too large): left out, as build_index does
                facts = None
            if (
                facts is not None
                and path not in self._open
                and any(_shape(base.modules.get(n)) != _shape(facts) for n in names)
            ):
                changed = True
            if facts is None:
                changed = True
                modules = {n: f for n, f in base.modules.items() if n not in names}
                paths = {n: p for n, p in base.paths.items() if n in modules}
                base = ProjectIndex(modules, base.packages, paths, base.settings).follow_edits()
            else:  # what the change leaves true is kept (a save after an edit in a body is cheap)
                for name in names:
                    base = base.updated(name, facts, name in base.packages)
            self._bases[key] = base
        if changed:
            self._epoch += 1
        return changed

    # --- lint -----------------------------------------------------------------------------------
    def has_index(self, path: str, settings: Settings) -> bool:
        """Is the index the file at `path` is linted with built already?"""
        return self._key(path, settings) in self._bases

    def lint(self, doc: Snapshot, wait_for_index: bool = True, report_changes: bool = True) -> LintReport:
        """The diagnostics of this version of the document (what `awaitwise check` reports for
        it). With `wait_for_index` False, a document whose project index is not built yet is
        linted on its own (`provisional` is then set: lint it again for the whole answer), so
        that opening the first file of a large project shows its own findings at once.
        `report_changes`: set `others_affected` when this text (or one seen since the last lint
        that reported) changed what the other modules see; the report is then the one that
        tells (a lint for a code action passes False, the server's lints True)."""
        from ..runner import check_one

        report = LintReport()
        from ..registry import RegistryError

        try:
            self.registry  # noqa: B018
        except RegistryError as exc:  # a plugin that cannot be loaded: nothing can be linted
            report.broken = str(exc)
            return report
        settings, report.config_error = self.settings_for(doc.path)
        if doc.is_file:
            self._set_open_facts(doc.path, doc.text)
            path = os.path.abspath(doc.path)
            if report_changes and path in self._unreported:
                self._unreported.discard(path)
                report.others_affected = True
        if self.excluded(doc.path, settings):
            report.skipped = "excluded by the configuration"
            self._last[doc.uri] = (doc.text, self._epoch, False, [])
            return report
        last = self._last.get(doc.uri)
        if (
            last is not None
            and last[0] == doc.text
            and last[1] == self._epoch
            and not (last[2] and (wait_for_index or self.has_index(doc.path, settings)))
        ):
            report.diagnostics = last[3]  # linted already (for a code action request)
            report.provisional = last[2]
            return report
        project = None
        if doc.is_file:
            if wait_for_index or self.has_index(doc.path, settings):
                project = self.index_for(doc.path, settings)
            else:
                report.provisional = True
        result = check_one(doc.path, settings, self.registry, project, source_text=doc.text)
        report.diagnostics = list(result.diagnostics)
        if result.error:
            report.errors.append(result.error)
        self._last[doc.uri] = (doc.text, self._epoch, report.provisional, report.diagnostics)
        return report

    def diagnostics_for(self, doc: Snapshot) -> List[Diagnostic]:
        """The diagnostics of exactly this text (the last lint's when nothing changed since)."""
        return self.lint(doc, report_changes=False).diagnostics

    def close(self, doc_uri: str, path: Optional[str]) -> bool:
        """The document was closed: its text no longer covers the file on disk. True when the
        other open documents should be linted again."""
        self._last.pop(doc_uri, None)
        return self._set_open_facts(path, None) if path else False

    # --- fixes ----------------------------------------------------------------------------------
    def fixable(self, doc: Snapshot) -> bool:
        """Has the document a finding that `awaitwise fix` would fix (safe fixes)?"""
        return any(applicable(d.fix, False) for d in self.diagnostics_for(doc))

    def fix_all(self, doc: Snapshot) -> Optional[str]:
        """The document's text after `awaitwise fix` (safe fixes, applied and re-checked until
        nothing changes), or None when nothing changes."""
        from ..runner import fix_one
        from ..sourcefile import Source

        settings, _error = self.settings_for(doc.path)
        if self.excluded(doc.path, settings):
            return None
        project = None
        if doc.is_file:
            self._set_open_facts(doc.path, doc.text)
            project = self.index_for(doc.path, settings)
        result = fix_one(
            doc.path,
            settings,
            self.registry,
            project,
            unsafe=False,
            write=False,
            source=Source(doc.text, "utf-8", False),
        )
        if result.error:
            log.warning("%s", result.error)
        fixed = result.fixed_source
        return fixed if fixed is not None and fixed != doc.text else None


class _Overlay:
    """A base index with the open documents' facts laid over it, brought up to date one change
    at a time (ProjectIndex.updated keeps what a change cannot affect, so an edit inside a
    function body does not make the whole project's name sets and call graph be worked out
    again)."""

    def __init__(self, base: ProjectIndex, roots: Tuple[str, ...]):
        self.base = base
        self.index = base
        self.roots = [os.path.join(r, "") for r in roots]
        self.by_path = {os.path.abspath(p): m for m, p in base.paths.items()}
        # path -> (module name or "" when the file is no module of this project, is package, facts)
        self.applied: Dict[str, Tuple[str, bool, FileFacts]] = {}

    def _module(self, path: str) -> Tuple[str, bool]:
        name = self.by_path.get(path)
        if name is not None:
            return name, name in self.base.packages
        # a file the index does not hold (new, not saved yet): a module if it lies in the project
        if not any(path.startswith(r) for r in self.roots):
            return "", False
        from ..modules import module_name_for

        name, is_package = module_name_for(path)
        return ("", False) if not name or name in self.base.modules else (name, is_package)

    def sync(self, open_facts: Dict[str, FileFacts]) -> ProjectIndex:
        for path in [p for p in self.applied if p not in open_facts]:  # closed: the file on disk again
            done = self.applied.pop(path, None)
            if done is None or not done[0]:
                continue
            name, is_package = done[0], done[1]
            if name in self.base.modules:
                self.index = self.index.updated(name, self.base.modules[name], is_package)
            else:  # a module that exists in the editor only: start again from the files on disk
                self.index = self.base
                self.applied.clear()
        for path, facts in open_facts.items():
            done = self.applied.get(path)
            if done is not None and done[2] is facts:
                continue
            name, is_package = (done[0], done[1]) if done is not None else self._module(path)
            if name:
                self.index = self.index.updated(name, facts, is_package)
            self.applied[path] = (name, is_package, facts)
        return self.index


def fixed_text_parses(before: str, after: str) -> bool:
    """False when `after` (one quick fix applied) does not parse although `before` did; the fix
    loop checks this for `fix`, a single quick fix is checked here."""
    import ast

    try:
        ast.parse(before)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return True  # nothing to compare with: leave the decision to the editor's user
    try:
        ast.parse(after)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True
