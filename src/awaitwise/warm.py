"""Warm start: re-running over an unchanged tree without building the project index.

With a warm cache every file's lint result is reused, and all a run still needs from the index
is its fingerprints (the project's, and each checked file's: see ProjectIndex.fingerprint and
file_fingerprint), which are the cache keys of those results. Building the index to compute them
means loading the facts of every module and the call graph of the whole project: most of the time
of a cached run. So after a run that built the index, the cache keeps a *project state*: for every
file the index was built from, its (mtime, size) and the hash of its text, which folders are
packages, and the fingerprints the run computed. The next run takes the project's file list,
stats the files and, when nothing changed, answers the fingerprints from the state; the index is
built only if some file must actually be checked.

When does the state hold? The index is a function of the list of project files, the text of each,
which folders hold an `__init__.py(i)` (module names), the settings and awaitwise itself. The state
is stored under a key of the last two (with the enabled codes), and the next run compares the
first three: the same list in the same order, every folder's package flag, and every file's
(mtime, size); a file whose stat changed is read and its text hashed like the index does (a
`touch` or a checkout that restored the content keeps the state, with the new stat recorded).
Anything else builds the index as before, and the run after it stores a new state.

A state also keeps the *answer* of the last `check` that ran on it: a digest of the files it was
given (as spelled) and of the working folder, the shown path of each file, and the diagnostics of
those that have some. A check of the same files from the same folder, while the state holds, is
that answer: the state holding means no project file's text changed (the checked files are
project files), and the key means the settings and awaitwise are the same. It is stored only for
a run in which every file gave a result.

The state also records the environment whose installed packages were summarised (see
environment.py): its folders and the names of its distributions' metadata folders, which carry
their versions. An install, removal or upgrade there makes the state not hold.

The stats are taken *before* the index reads the files: a file edited while the index is built
has a newer stat than the one stored, so the next run re-hashes it and sees the difference. A
file modified within the last two seconds is stored with mtime -1 (always re-hashed), since it
could change again within the same timestamp tick without changing size.
"""

from __future__ import annotations

import hashlib
import os
from typing import TYPE_CHECKING, Callable, Dict, List, Optional, Sequence, Tuple

if TYPE_CHECKING:
    from .project import ProjectIndex

STATE_VERSION = 1
MAX_STATES = 4  # configurations whose latest state is kept (the oldest is dropped beyond this)


def state_key(settings, registry) -> str:
    """The configuration a state belongs to: what results bundles are keyed by (awaitwise, the
    settings, the enabled codes). The mode is left out: check and fix build the same index."""
    from .cache import tool_fingerprint

    codes = settings.enabled_codes(registry)
    return hashlib.blake2b(
        "|".join([tool_fingerprint(), settings.fingerprint(), ",".join(codes), f"state-{STATE_VERSION}"]).encode(),
        digest_size=12,
    ).hexdigest()


def environment_signature(settings) -> str:
    """What the installed packages the index summarises depend on: the environment found for the
    settings and the distributions installed in it (a listdir of each site-packages folder)."""
    from .environment import find_environment, signature

    env = find_environment(settings)
    return f"{env.prefix}|{'|'.join(env.site_dirs)}|{signature(env)}"


def _settled(stat: Optional[Tuple[int, int]]) -> Optional[Tuple[int, int]]:
    """The stat to store (see cache._settled: a just-modified file is always re-hashed)."""
    from .cache import _settled as settled_mtime

    return None if stat is None else (settled_mtime(stat[0]), stat[1])


def _text_hash(path: str) -> Optional[str]:
    """The hash the index keeps for this file (FileFacts.source_hash), or None if unreadable."""
    from .records import source_hash
    from .sourcefile import read

    try:
        return source_hash(read(path).text)
    except Exception:  # the index skips a file it cannot read
        return None


def package_dirs(paths: Sequence[str]) -> Dict[str, bool]:
    """Every folder whose package flag the module names of `paths` (absolute, as listed_files
    gives them) depend on (see modules.module_name_for), with the flag, looked at afresh (not
    through its memo)."""
    from .modules import _is_package_dir

    is_package = getattr(_is_package_dir, "__wrapped__", _is_package_dir)
    flags: Dict[str, bool] = {}
    folders = set()  # the flags depend on the folder only
    for path in paths:
        folder, name = os.path.split(path)
        folders.add(folder)
        if name in ("__init__.py", "__init__.pyi"):  # listed just now: a package, no need to look
            flags[folder] = True
    for folder in folders:
        while True:
            flag = flags.get(folder)
            if flag is None:
                flag = flags[folder] = bool(is_package(folder))
            parent = os.path.dirname(folder)
            if not flag or parent == folder or parent in flags:
                break
            folder = parent
    return flags


def listed_files(
    files: Sequence[str],
    settings,
    given: Optional[Sequence[str]] = None,
    discovered: Optional[Sequence[str]] = None,
    resolver=None,
) -> List[str]:
    """project_files(files, settings), without walking the tree a second time when the folders it
    would walk (project.project_roots) all lie inside folders the run was given: then the
    project's files are the discovered ones (both walks apply the same excludes and .gitignore
    files, and a checked file outside every root is added to the project by project_files too),
    spelled as absolute paths and sorted like project_files gives them.

    `discovered`: every file the run discovered, when `files` are only some of them (those of
    one project of a run over several): the discovered files under the roots belong to the
    project too. `resolver`: the settings of each folder, for the walk (see project_files)."""
    from .discovery import absolute_paths
    from .project import project_files, project_roots

    roots = project_roots(files, settings)
    if given:
        folders = [os.path.join(os.path.abspath(g), "") for g in given if os.path.isdir(g)]
        if folders and all(any(os.path.join(r, "").startswith(f) for f in folders) for r in roots):
            if discovered is None:
                return sorted(absolute_paths(files))
            inside = tuple(os.path.join(r, "") for r in roots)
            own = set(absolute_paths(files))
            return sorted(own.union(p for p in absolute_paths(discovered) if p.startswith(inside)))
    return project_files(files, settings, roots=roots, resolver=resolver)


def scan(listed: Sequence[str]):
    """(stats, package flags) of the project files `listed`, as a state compares them: the
    (mtime, size) of each file, in order, and package_dirs(listed)."""
    from .cache import stat_signature

    return [stat_signature(p) for p in listed], package_dirs(listed)


class LazyProject:
    """Stands for the project index of a run whose stored state holds: the fingerprints come from
    the state; anything else builds the real index (once) and asks it."""

    def __init__(self, state: dict, build: Callable[[], Optional[ProjectIndex]]):
        self._state = state
        self._build = build
        self._real: Optional[ProjectIndex] = None
        self.built = False

    def materialize(self):
        """The real index, built on first use."""
        if not self.built:
            self._real = self._build()
            self.built = True
        return self._real

    def fingerprint(self) -> str:
        return self._state["fingerprint"]

    def file_fingerprint(self, path: str) -> str:
        fps = self._state["file_fps"]
        fp = fps.get(path)  # the runner asks with absolute paths
        if fp is None:
            fp = fps.get(os.path.abspath(path))
        if fp is None:
            return self.materialize().file_fingerprint(path)
        return fp

    def __getattr__(self, name):
        if name.startswith("__") or name in ("_state", "_build", "_real", "built"):
            raise AttributeError(name)
        return getattr(self.materialize(), name)

    def __reduce__(self):  # a worker started by pickling gets the real index
        return (_same, (self.materialize(),))


def _run_digest(files: Sequence[str]) -> str:
    """What a check's results depend on besides the project and the configuration: the files as
    they were given (they spell the shown paths) and the folder the run started in."""
    text = "\0".join([os.getcwd(), *files])
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _roots_key(files: Sequence[str], settings) -> str:
    """Which project a run's files make (the folders project.project_roots lists), as a short key."""
    from .project import project_roots

    roots = sorted(set(project_roots(files, settings)))
    return hashlib.blake2b("\0".join(roots).encode("utf-8", "surrogateescape"), digest_size=8).hexdigest()


def _same(value):
    return value


class WarmStart:
    """The project states of one cache: `project()` gives a run its index (real or lazy),
    `save()` records the state after the run."""

    def __init__(self, cache, settings, registry):
        self.settings = settings
        self.registry = registry
        # one bundle per configuration and project (the folders its files are listed from),
        # holding its latest state: a run over a few files, whose project is their own package,
        # and a run over the whole tree keep a state each instead of replacing each other's
        self.bundle = None
        self.cache = cache
        self._key = "state-" + state_key(settings, registry)
        if cache is not None and cache.enabled:
            self.bundle = cache.bundle(self._key)  # until project() names the project
        self._built = None  # (index, listed, stats, dirs) of the last index built here
        self.stats: Dict[str, Optional[Tuple[int, int]]] = {}  # abs path -> stat, from project()
        self._lazy: Optional[LazyProject] = None
        self.environment = ""  # environment_signature() of the run, taken by project()

    def _load(self) -> Optional[dict]:
        state = self.bundle.get("state") if self.bundle is not None else None
        if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
            return None
        try:
            ok = (
                isinstance(state["paths"], tuple)
                and isinstance(state["stats"], list)
                and isinstance(state["hashes"], tuple)
                and isinstance(state["dirs"], dict)
                and isinstance(state["fingerprint"], str)
                and isinstance(state["file_fps"], dict)
                and len(state["stats"]) == len(state["paths"]) == len(state["hashes"])
            )
        except KeyError:
            return None
        return state if ok else None

    def project(
        self,
        files: Sequence[str],
        build: Callable[[Optional[List[str]]], Optional[ProjectIndex]],
        given: Optional[Sequence[str]] = None,
        scanned=None,
    ):
        """The index for a run over `files`. `build(listed)` builds the real one from the project
        file list (None: let it compute the list). `given`: the paths the run was started with.
        `scanned`: (listed, stats, dirs) of the project when the caller has them (several
        configs of one project share one scan: listed_files, then scan())."""
        from .project import _rules_use_project

        if self.bundle is None or not _rules_use_project(self.settings):
            return build(None)
        self._lazy = None
        self._built = None
        if scanned is not None:
            listed, stats, dirs = scanned
        else:
            listed = listed_files(files, self.settings, given)
            stats, dirs = scan(listed)
        self.bundle = self.cache.bundle(f"{self._key}-{_roots_key(files, self.settings)}")
        self.stats = dict(zip(listed, stats))  # the runner's cache lookups use them too
        state = self._load()
        self.environment = environment_signature(self.settings)
        if state is not None and state.get("env") == self.environment and self._holds(state, listed, stats, dirs):
            self._lazy = LazyProject(state, lambda: build(listed))
            return self._lazy
        index = build(listed)
        if index is not None:
            self._built = (index, listed, stats, dirs)
        return index

    def _holds(self, state: dict, listed: List[str], stats, dirs) -> bool:
        if state["paths"] != tuple(listed) or state["dirs"] != dirs:
            return False
        old = state["stats"]
        changed = [i for i, st in enumerate(stats) if st is None or st != old[i]]
        if not changed:
            return True
        hashes = state["hashes"]
        for i in changed:
            if stats[i] is None or hashes[i] is None or _text_hash(listed[i]) != hashes[i]:
                return False
        # same text under a new stat: record the stat, so the next run need not read them again
        fresh = list(old)
        for i in changed:
            fresh[i] = _settled(stats[i])
        self._put(dict(state, stats=fresh))
        return True

    def save(self, project, files: Sequence[str]) -> None:
        """After a run over `files` with `project` (what project() returned): store the state of
        an index built here, or add the file fingerprints a lazy index had to compute."""
        if self.bundle is None:
            return
        if self._lazy is not None and project is self._lazy:
            real = project._real
            if real is None:
                return
            state = self._load()
            if state is None:
                return
            fps = state["file_fps"]
            missing = {os.path.abspath(f) for f in files} - fps.keys()
            if missing:
                fps = dict(fps)
                for path in missing:
                    fps[path] = real.file_fingerprint(path)
                self._put(dict(state, file_fps=fps))
            return
        if self._built is None or project is not self._built[0]:
            return
        index, listed, stats, dirs = self._built
        module_of = {path: module for module, path in index.paths.items()}
        hashes = []
        for path in listed:
            facts = index.modules.get(module_of.get(path, ""))
            hashes.append(facts.source_hash if facts is not None else None)
        fingerprint = index.fingerprint()
        fps = {}
        previous = self._load()
        if (
            previous is not None
            and previous["fingerprint"] == fingerprint
            and previous.get("env") == self.environment
            and previous["paths"] == tuple(listed)
            and previous["hashes"] == tuple(hashes)
            and previous["dirs"] == dirs
        ):
            fps.update(previous["file_fps"])  # the same index: its file fingerprints still hold
        for path in files:
            fps[os.path.abspath(path)] = index.file_fingerprint(path)
        self._put(
            {
                "version": STATE_VERSION,
                "paths": tuple(listed),
                "stats": [_settled(s) for s in stats],
                "hashes": tuple(hashes),
                "dirs": dirs,
                "fingerprint": fingerprint,
                "file_fps": fps,
                "env": self.environment,
            }
        )
        self._prune()

    def answer(self, files: Sequence[str]) -> Optional[List[Tuple[str, tuple]]]:
        """The results (shown path, diagnostics) of the last check of these very `files` from this
        folder, if the state held this run and has them; else None."""
        if self._lazy is None:
            return None
        state = self._load()
        stored = state.get("answer") if state is not None else None
        if (
            state is None
            or not isinstance(stored, dict)
            or stored.get("fingerprint") != state["fingerprint"]
            or stored.get("run") != _run_digest(files)
        ):
            return None
        shown, found = stored.get("shown"), stored.get("found")
        if not isinstance(shown, str) or not isinstance(found, dict):
            return None
        names = shown.split("\0")
        if len(names) != len(files):
            return None
        return [(name, found.get(i, ())) for i, name in enumerate(names)]

    def save_answer(self, files: Sequence[str], results: Sequence[Tuple[str, tuple]]) -> None:
        """After a check of `files` in which every file gave a result: keep the answer in the
        state that holds for this run (the one project() found, or the one save() just wrote).
        It is kept small, since every run loads it: a digest of the run's files and folder, the
        shown paths as one string, and the diagnostics of the files that have some."""
        if self.bundle is None or (self._lazy is None and self._built is None):
            return
        state = self._load()
        if state is None or (self._built is not None and state["paths"] != tuple(self._built[1])):
            return
        answer = {
            "fingerprint": state["fingerprint"],
            "run": _run_digest(files),
            "shown": "\0".join(shown for shown, _ in results),
            "found": {i: diagnostics for i, (_, diagnostics) in enumerate(results) if diagnostics},
        }
        if state.get("answer") == answer:
            return
        from .discovery import absolute_paths

        if not set(absolute_paths(files)) <= set(state["paths"]):
            return  # a checked file outside the project: the state says nothing of its text
        self._put(dict(state, answer=answer))

    def _put(self, state: dict) -> None:
        assert self.bundle is not None  # callers return early without a bundle
        self.bundle.put("state", state)

    def _prune(self) -> None:
        """Keep the states of the configurations this run uses, and of the others used last up to
        MAX_STATES in all."""
        from .cache import prune_bundles

        assert self.bundle is not None  # as in _put
        # the states of every configuration this run uses in the folder stay (a project with more
        # configs than MAX_STATES keeps them all), besides the latest of the others
        mine = self.cache.bundle_files() | {os.path.basename(self.bundle.path)}
        prune_bundles(os.path.dirname(self.bundle.path), "state-", MAX_STATES, mine)


__all__ = ["WarmStart", "LazyProject", "listed_files", "package_dirs", "scan", "state_key"]
