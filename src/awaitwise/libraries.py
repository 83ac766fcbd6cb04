"""Effect summaries of the installed packages: which of their sync functions block, and which of
their callables are coroutine functions, read from their source and never imported.

The environment is found as environment.py says. A *distribution* (an installed package) that the
project's code can reach is summarised on demand: its installed `.py` files (a `.pyi` only for a
module that ships no `.py`; test folders left out) get the same facts, index and call graph as the
project's own files (project.extract, project.ProjectIndex, callgraph.BlockingGraph), with the same
catalogs, path conditions and memo guards, `non-blocking-functions` and `transitive-max-depth`. A
call from one distribution into another is answered by the other's summary, so a chain can cross
several packages. The async frameworks' own packages (asyncio, anyio, trio and their helpers)
never count as blocking: their threads and executors wait on purpose.

"Reached": a distribution is summarised when a project file imports one of its top-level modules
(in any scope: FileFacts.imports), and the packages those summaries call into are summarised as
they are asked about. Every name the resolver can follow into a package starts at such an import
(in the file, or in the project module that re-exports it), so the screening tokens built from
the summaries cover every call the rules can resolve.

What a summary keeps: for every module, the index facts needed to resolve names (bindings,
classes, and the functions that are coroutine functions, block, type their return value or serve
as decorators); the chains of the blocking functions; the names under which those and the
coroutine functions can be called (for screening); and the digests of the summaries of the other
distributions it used.

Cache: one file per summary in `$XDG_CACHE_HOME/awaitwise/libraries/` (else
`~/.cache/awaitwise/libraries/`), shared by every project, named after the distribution, its
version and a key of awaitwise's own fingerprint, the settings that change chains (catalog
settings, `non-blocking-functions`, depth) and the distribution's RECORD. Files are written to a
temporary name and renamed into place (concurrent runs are safe: the last writer wins, with the
same content) and carry the HMAC of cache.py under the user's secret; a file that fails the check,
the allow-listed unpickling or the schema check below is deleted and the summary built again. A
summary is stored under the RECORD's key only when every file it read has the hash the RECORD
lists (else under a key of the files' own contents), so a modified copy of a package can never
stand for the real one in another project. `--no-cache` neither reads nor writes them;
`awaitwise clean` deletes them.
"""

from __future__ import annotations

import base64
import hashlib
import os
from typing import Dict, FrozenSet, List, Optional, Sequence, Set, Tuple

from .environment import Distribution, Environment, Installed, find_environment, signature
from .project import ClassFacts, FileFacts, FuncFacts, ProjectIndex, extract

SUMMARY_VERSION = "1"  # bump when a summary changes shape (part of every cache key)
CACHE_SUBDIR = "libraries"
# Distributions whose sync functions never count as blocking: the async frameworks themselves.
FRAMEWORKS = frozenset(
    {
        "anyio",
        "trio",
        "sniffio",
        "outcome",
        "uvloop",
        "asyncio",
        "trio-typing",
        "async-generator",
        "greenlet",
        "gevent",
        "aiofiles",
    }
)
# Folders of a distribution that a project never imports.
_SKIPPED_PARTS = frozenset({"tests", "test", "testing", "_tests", "conftest"})
_MAX_RESOLVE = 6  # re-exports followed from one distribution into another


class LibraryIndex(ProjectIndex):
    """The index of one distribution. A name under one of its top-level packages that none of its
    modules defines belongs to another distribution (a namespace package such as `google` is
    shared): it is external, not unknown."""

    def _resolve(self, qualname: str, depth: int):
        found = super()._resolve(qualname, depth)
        if found is None and depth <= 24:
            parts = qualname.split(".")
            # a name no module prefix of which is ours
            for i in range(len(parts), 0, -1):
                if ".".join(parts[:i]) in self.modules:
                    return None
            return ("external", qualname)
        return found


class Summary:
    """One distribution's summary, ready for questions."""

    def __init__(
        self,
        dist: Distribution,
        modules: Dict[str, FileFacts],
        packages: FrozenSet[str],
        paths: Dict[str, str],
        chains: dict,
        coroutine_names: FrozenSet[str],
        blocking_names: FrozenSet[str],
        deps: Dict[str, str],
        digest: str,
        libraries,
        settings,
    ):
        from .callgraph import BlockingGraph

        self.dist = dist
        self.paths = paths
        self.coroutine_names = coroutine_names
        self.blocking_names = blocking_names
        self.deps = deps
        self.digest = digest
        self.index = LibraryIndex(modules, packages, paths, settings, libraries)
        self.graph = BlockingGraph(self.index, settings, chains=chains)


def _hash_ok(data: bytes, recorded: Optional[str]) -> bool:
    """Does `data` have the hash RECORD lists for it (`sha256=<urlsafe base64, no padding>`)?"""
    if not recorded or "=" not in recorded:
        return False
    algo, _, want = recorded.partition("=")
    if algo not in ("sha256", "sha384", "sha512"):
        return False
    got = base64.urlsafe_b64encode(hashlib.new(algo, data).digest()).rstrip(b"=").decode()
    return got == want


def user_cache_folder() -> Optional[str]:
    from .cache import key_folder

    base = key_folder()
    return os.path.join(base, CACHE_SUBDIR) if base else None


def clear_cache() -> Tuple[int, Optional[str]]:
    """Delete every stored summary: (files deleted, the folder)."""
    folder = user_cache_folder()
    if folder is None or not os.path.isdir(folder) or os.path.islink(folder):
        return 0, folder
    n = 0
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        if os.path.isfile(path) or os.path.islink(path):
            try:
                os.unlink(path)
                n += 1
            except OSError:
                pass
    return n, folder


class Libraries:
    """The installed packages of one run's environment, summarised as they are asked about."""

    def __init__(self, env: Environment, settings, use_cache: bool = True, project_tops: FrozenSet[str] = frozenset()):
        self.env = env
        self.settings = settings
        self.use_cache = use_cache
        self.installed = Installed(env)
        self.project_tops = project_tops  # top-level names the project itself defines: never a library's
        self._summaries: Dict[str, Optional[Summary]] = {}
        self._building: List[Set[str]] = []  # the deps gathered by each summary being built
        self._in_progress: Set[str] = set()
        self._signature: Optional[str] = None
        self._memo: Dict[object, object] = {}
        self.built: List[str] = []  # "name version" of the summaries built by this run
        self.loaded: List[str] = []  # ... and of those read from the cache
        self.failed: List[str] = []  # ... and of those that could not be summarised

    # --- pickling (worker processes started by spawning) ---------------------------------------
    def __getstate__(self):
        # the summaries themselves are not sent: a worker started by spawning reads (or builds)
        # the same ones before it answers a question that depends on all of them (the screening
        # tokens), so it screens files as this process would
        return {
            "env": self.env,
            "settings": self.settings,
            "use_cache": self.use_cache,
            "project_tops": self.project_tops,
            "reached": sorted(k for k, v in self._summaries.items() if v is not None),
        }

    def __setstate__(self, state):
        type(self).__init__(self, state["env"], state["settings"], state["use_cache"], state["project_tops"])
        self._pending = list(state.get("reached", ()))

    _pending: Sequence[str] = ()  # never mutated: __setstate__ and _reach_pending replace it
    _prefetched: Dict[str, FileFacts] = {}  # noqa: RUF012 - never mutated: reach replaces it

    def _reach_pending(self) -> None:
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        by_key = {d.key: d for d in self.installed.distributions()}
        for key in pending:
            dist = by_key.get(key)
            if dist is not None:
                self.summary(dist)

    def signature(self) -> str:
        """Changes when the environment's installed distributions change (see environment.signature)."""
        if self._signature is None:
            self._signature = f"{SUMMARY_VERSION}-{signature(self.env)}"
        return self._signature

    # --- reaching -------------------------------------------------------------------------------
    def reach(self, imported, jobs: Optional[int] = None) -> None:
        """Summarise every distribution one of whose top-level names a project file imports
        (`imported`: iterables of top-level names, FileFacts.imports). The files of those that
        have no stored summary are read first, in `jobs` worker processes (None: one per CPU)."""
        tops = {t: ds for t, ds in self.installed.tops().items() if t not in self.project_tops}
        if not tops:
            return
        wanted: Set[str] = set()
        for names in imported:
            wanted.update(t for t in names if t in tops)
        dists = [dist for top in sorted(wanted) for dist in tops[top]]
        self._prefetch([d for d in dists if d.key not in self._summaries], jobs)
        try:
            for dist in dists:
                self.summary(dist)
        finally:
            self._prefetched = {}

    def _prefetch(self, dists: List[Distribution], jobs: Optional[int]) -> None:
        """Extract the files of the distributions in `dists` that have no stored summary, in
        worker processes, for _build to take instead of extracting each file itself."""
        paths: List[str] = []
        folder = self._folder()
        for dist in dists:
            if folder is not None and os.path.exists(os.path.join(folder, self._file_name(dist, dist.record_digest))):
                continue  # most likely read from the cache
            paths.extend(path for _module, _rel, path in _module_files(dist))
        if len(paths) < _PREFETCH_MIN_FILES:
            return
        from .project import extract_many

        limit = getattr(self.settings, "max_file_size", None)
        workers = jobs if jobs is not None else (os.cpu_count() or 1)
        self._prefetched = {
            path: facts for path, facts in zip(paths, extract_many(paths, workers, limit, screen=False)) if facts
        }

    def loaded_summaries(self) -> List[Summary]:
        return [s for s in self._summaries.values() if s is not None]

    def blocking_names(self) -> FrozenSet[str]:
        """Names under which a call can reach a blocking callable of a summarised package."""
        self._reach_pending()
        key = ("blocking_names", len(self._summaries))
        if key not in self._memo:
            out: Set[str] = set()
            for s in self.loaded_summaries():
                out |= s.blocking_names
            self._memo[key] = frozenset(out)
        return self._memo[key]  # type: ignore[return-value]

    def coroutine_names(self) -> FrozenSet[str]:
        """Names under which a call can reach a coroutine function of a summarised package."""
        self._reach_pending()
        key = ("coroutine_names", len(self._summaries))
        if key not in self._memo:
            out: Set[str] = set()
            for s in self.loaded_summaries():
                out |= s.coroutine_names
            self._memo[key] = frozenset(out)
        return self._memo[key]  # type: ignore[return-value]

    def coroutine_tops(self) -> FrozenSet[str]:
        """Top-level module names of the summarised packages that have coroutine functions."""
        self._reach_pending()
        key = ("coroutine_tops", len(self._summaries))
        if key not in self._memo:
            self._memo[key] = frozenset(t for s in self.loaded_summaries() if s.coroutine_names for t in s.dist.tops())
        return self._memo[key]  # type: ignore[return-value]

    def distribution_of(self, module: str) -> Optional[Distribution]:
        top = module.split(".", 1)[0]
        if top in self.project_tops:
            return None
        return self.installed.owner(module)

    # --- questions ------------------------------------------------------------------------------
    def resolve(self, qualname: str, depth: int = 0):
        """(summary, what `qualname` refers to in it: ProjectIndex.resolve's shapes), following
        re-exports from one distribution into another; None when no summarised package defines it."""
        top = qualname.split(".", 1)[0]
        if top in self.project_tops or depth > _MAX_RESOLVE:
            return None
        dist = self.installed.owner(qualname.split("(", 1)[0])
        if dist is None:
            return None
        summary = self.summary(dist)
        if summary is None:
            return None
        ref = summary.index.resolve(qualname)
        if ref is None:
            return None
        if ref[0] == "external":
            if ref[1] == qualname:
                return None
            return self.resolve(ref[1], depth + 1)
        return summary, ref

    def is_coroutine(self, qualname: str) -> bool:
        """Is `qualname` (a name outside the project) an installed package's coroutine function?"""
        key = ("coroutine", qualname)
        if key not in self._memo:
            found = self.resolve(qualname)
            answer = False
            if found is not None:
                summary, ref = found
                index = summary.index
                answer = index.is_coroutine_callee(index.callee_of(ref))
            self._memo[key] = answer
        return self._memo[key]  # type: ignore[return-value]

    def chain_of(self, qualname: str):
        """(the summary's graph, the reference, lazy?, chain) when calling `qualname` (a name
        outside the project) runs an installed package's sync function that blocks; else None.
        `lazy`: a plain generator, whose body runs only as it is iterated."""
        key = ("chain", qualname)
        if key not in self._memo:
            found = self.resolve(qualname)
            answer = None
            if found is not None:
                summary, ref = found
                graph = summary.graph
                node = graph.node_of(ref)
                if node is not None:
                    chain = graph.chains.get(node[0])
                    if chain is not None:
                        answer = (graph, ref, node[1], chain)
            self._memo[key] = answer
        return self._memo[key]

    # --- summaries ------------------------------------------------------------------------------
    def summary(self, dist: Distribution) -> Optional[Summary]:
        key = dist.key
        if self._building:
            self._building[-1].add(key)
        if key in self._summaries:
            return self._summaries[key]
        if key in self._in_progress:
            return None  # a cycle of distributions calling each other: this one is not known yet
        self._in_progress.add(key)
        try:
            summary = self._load(dist)
            if summary is None:
                summary = self._build(dist)
        except (RecursionError, MemoryError, OSError, ValueError, TypeError, KeyError, AttributeError):
            # a package whose source defeats the analysis is not known: its names stay unknown, the
            # run goes on (what the project's own files give is unaffected)
            summary = None
            self.failed.append(f"{dist.name} {dist.version}")
        finally:
            self._in_progress.discard(key)
        self._summaries[key] = summary
        self._memo.clear()
        return summary

    def _config_digest(self) -> str:
        from .cache import tool_fingerprint
        from .callgraph import config_key

        text = repr((SUMMARY_VERSION, tool_fingerprint(), config_key(self.settings)))
        return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=10).hexdigest()

    def _file_name(self, dist: Distribution, content_key: str) -> str:
        h = hashlib.blake2b(f"{self._config_digest()}|{content_key}".encode(), digest_size=10).hexdigest()
        safe = "".join(c if c.isalnum() or c in "._" else "_" for c in f"{dist.key}-{dist.version}")[:120]
        return f"{safe}-{h}.bin"

    def _folder(self) -> Optional[str]:
        if not self.use_cache:
            return None
        folder = user_cache_folder()
        if folder is None:
            return None
        try:
            os.makedirs(folder, mode=0o700, exist_ok=True)
        except OSError:
            return None
        if os.path.islink(folder):
            return None
        return folder

    def _load(self, dist: Distribution) -> Optional[Summary]:
        folder = self._folder()
        if folder is None:
            return None
        from .cache import Bundle

        bundle = Bundle(os.path.join(folder, self._file_name(dist, dist.record_digest)))
        data = bundle.get("summary")
        if data is None:
            return None
        parts = _checked(data, dist)
        if parts is None:
            _delete(bundle.path)
            return None
        modules, packages, paths, chains, coroutine_names, blocking_names, deps, digest = parts
        # the summaries it used must be the ones installed now
        by_key = {d.key: d for d in self.installed.distributions()}
        for dep, dep_digest in deps.items():
            other = by_key.get(dep)
            used = self.summary(other) if other is not None else None
            if used is None or used.digest != dep_digest:
                return None
        self.loaded.append(f"{dist.name} {dist.version}")
        return Summary(
            dist, modules, packages, paths, chains, coroutine_names, blocking_names, deps, digest, self, self.settings
        )

    def _build(self, dist: Distribution) -> Optional[Summary]:
        from .callgraph import BlockingGraph, Leaf
        from .records import source_hash
        from .sourcefile import decode, read_bytes

        limit = getattr(self.settings, "max_file_size", None)
        facts: Dict[str, FileFacts] = {}
        paths: Dict[str, str] = {}
        packages: Set[str] = set()
        verified = True
        contents = hashlib.blake2b(digest_size=16)
        for module, rel, path in _module_files(dist):
            try:
                data = read_bytes(path, limit, follow_symlinks=False)
                text = decode(data).text
            except Exception:
                continue
            if verified and not _hash_ok(data, dist.hashes.get(rel)):
                verified = False
            contents.update(rel.encode("utf-8", "surrogateescape") + b"\0" + data + b"\0")
            ready = self._prefetched.get(path)
            if ready is not None and ready.source_hash == source_hash(text):
                facts[module] = ready  # extracted by _prefetch from this very text
            else:
                facts[module] = extract(path, text, screen=False)
            paths[module] = rel
            if rel.rsplit("/", 1)[-1].startswith("__init__."):
                packages.add(module)
        self._building.append(set())
        try:
            index = LibraryIndex(facts, frozenset(packages), paths, self.settings, self)
            graph = BlockingGraph(index, self.settings, propagate=dist.key not in FRAMEWORKS)
            chains = {
                node: chain._replace(leaf=Leaf(*chain.leaf[:4], paths.get(chain.leaf.module, chain.leaf.path)))
                if chain.leaf.path is None
                else chain
                for node, chain in graph.chains.items()
            }
            coroutine_names = _coroutine_names(index, self)
            blocking_names = frozenset(n for n in graph.names() if n)
            kept = {m: _pruned(f, m, chains) for m, f in facts.items()}
            used = self._building[-1]
        finally:
            self._building.pop()
        used.discard(dist.key)
        deps = {}
        for key in sorted(used):
            other = self._summaries.get(key)
            if other is not None:
                deps[key] = other.digest
        plain_chains = {node: (c.steps, tuple(c.leaf), c.guard, c.assumes) for node, c in chains.items()}
        payload = {
            "version": SUMMARY_VERSION,
            "name": dist.name,
            "dist_version": dist.version,
            "modules": kept,
            "packages": sorted(packages),
            "paths": paths,
            "chains": plain_chains,
            "coroutine_names": sorted(coroutine_names),
            "blocking_names": sorted(blocking_names),
            "deps": deps,
        }
        digest = hashlib.blake2b(
            repr(
                (dist.key, dist.version, sorted(plain_chains.items()), sorted(coroutine_names), sorted(deps.items()))
            ).encode("utf-8", "surrogatepass"),
            digest_size=16,
        ).hexdigest()
        payload["digest"] = digest
        self.built.append(f"{dist.name} {dist.version}")
        folder = self._folder()
        if folder is not None:
            from .cache import Bundle

            content_key = dist.record_digest if verified else "content-" + contents.hexdigest()
            bundle = Bundle(os.path.join(folder, self._file_name(dist, content_key)))
            if bundle.key is not None:
                bundle.put("summary", payload)
                try:
                    bundle.save()
                except OSError:
                    pass
        return Summary(
            dist,
            kept,
            frozenset(packages),
            paths,
            chains,
            coroutine_names,
            blocking_names,
            deps,
            digest,
            self,
            self.settings,
        )


def _delete(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _coroutine_names(index: ProjectIndex, libs: Libraries) -> FrozenSet[str]:
    """Names under which this distribution's coroutine functions (and its re-exports of other
    distributions' ones) can be called: the defs' own names and the module-level aliases."""
    out = set()
    for module, facts in index.modules.items():
        for path, func in facts.functions.items():
            if func.is_async and not func.is_generator:
                callee = index.callee_of(("def", module, path, False))
                if index.is_coroutine_callee(callee):
                    out.add(path.rsplit(".", 1)[-1])
    out |= index.alias_names(
        lambda ref: (
            ref is not None
            and (
                (ref[0] == "def" and index.is_coroutine_callee(index.callee_of(ref)))
                or (ref[0] == "external" and libs.is_coroutine(ref[1]))
            )
        )
    )
    return frozenset(out)


def _pruned(facts: FileFacts, module: str, chains: dict) -> FileFacts:
    """The facts a summary keeps of a module: everything names are resolved with, and the
    functions a question can be about (coroutine functions, blocking ones, those with a return
    type or that return their argument or a coroutine function, as decorators do)."""
    keep = {}
    for path, f in facts.functions.items():
        if (
            f.is_async
            or (module, path) in chains
            or f.return_type is not None
            or f.returns in ("param", "async-wrapper")
        ):
            keep[path] = f
    return FileFacts(
        facts.source_hash,
        facts.parsed,
        facts.names,
        facts.star_imports,
        facts.all_names,
        keep,
        facts.classes,
        "",
        b"",
        facts.attr_values,
    )


# Below this many files to read, the packages are read in this process: starting workers costs more.
_PREFETCH_MIN_FILES = 200


def _module_files(dist: Distribution) -> List[Tuple[str, str, str]]:
    """(module, path in the distribution's record, file path) of the modules a summary reads."""
    out = []
    for module in sorted(dist.modules):
        if _SKIPPED_PARTS.intersection(module.split(".")):
            continue
        rel = dist.modules[module]
        out.append((module, rel, os.path.join(dist.site_dir, *rel.split("/"))))
    return out


def _checked(data, dist: Distribution):
    """The parts of a stored summary after a check of every field's shape; None if anything is off."""
    from .callgraph import Chain, Leaf

    try:
        if not isinstance(data, dict) or data.get("version") != SUMMARY_VERSION:
            return None
        if data.get("name") != dist.name or data.get("dist_version") != dist.version:
            return None
        modules = data["modules"]
        paths = data["paths"]
        if not (isinstance(modules, dict) and isinstance(paths, dict)):
            return None
        for m, f in modules.items():
            if not (
                isinstance(m, str)
                and isinstance(f, FileFacts)
                and isinstance(f.names, dict)
                and isinstance(f.functions, dict)
                and isinstance(f.classes, dict)
                and isinstance(f.attr_values, dict)
                and isinstance(f.star_imports, tuple)
            ):
                return None
            if not all(isinstance(p, str) and isinstance(v, FuncFacts) for p, v in f.functions.items()):
                return None
            if not all(isinstance(p, str) and isinstance(v, ClassFacts) for p, v in f.classes.items()):
                return None
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in paths.items()):
            return None
        packages = data["packages"]
        if not (isinstance(packages, list) and all(isinstance(p, str) for p in packages)):
            return None
        chains = {}
        for node, value in data["chains"].items():
            steps, leaf, guard, assumes = value
            if not (
                _is_node(node)
                and isinstance(steps, tuple)
                and all(_is_node(s) for s in steps)
                and isinstance(leaf, tuple)
                and len(leaf) == 5
                and isinstance(guard, tuple)
                and isinstance(assumes, tuple)
            ):
                return None
            call, code, module, line, path = leaf
            if not (
                isinstance(call, str)
                and isinstance(code, str)
                and isinstance(module, str)
                and isinstance(line, int)
                and (path is None or isinstance(path, str))
            ):
                return None
            chains[node] = Chain(steps, Leaf(call, code, module, line, path), guard, assumes)
        names = []
        for field in ("coroutine_names", "blocking_names"):
            value = data[field]
            if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                return None
            names.append(frozenset(value))
        deps = data["deps"]
        if not (isinstance(deps, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in deps.items())):
            return None
        digest = data["digest"]
        if not isinstance(digest, str):
            return None
    except (KeyError, TypeError, ValueError):
        return None
    return modules, frozenset(packages), paths, chains, names[0], names[1], deps, digest


def _is_node(value) -> bool:
    return isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, str) for v in value)


def attach(
    index: Optional[ProjectIndex], settings, use_cache: bool = True, jobs: Optional[int] = None
) -> Optional[ProjectIndex]:
    """`index` with the installed packages of the run's environment (for_project) attached."""
    if index is not None and index.libraries is None:
        index.libraries = for_project(index, settings, use_cache=use_cache, jobs=jobs)
    return index


def for_project(
    index: ProjectIndex, settings, use_cache: bool = True, jobs: Optional[int] = None
) -> Optional[Libraries]:
    """The installed packages of the run's environment, with those the project reaches summarised
    (None when the environment has no site-packages folder). `jobs`: worker processes that read
    the files of the packages to summarise (None: one per CPU)."""
    try:
        env = find_environment(settings)
    except (OSError, ValueError):
        return None
    if not env.site_dirs:
        return None
    tops = frozenset(m.split(".", 1)[0] for m in index.modules)
    libs = Libraries(env, settings, use_cache=use_cache, project_tops=tops)
    libs.reach((f.imports for f in index.modules.values()), jobs=jobs)
    return libs


__all__ = [
    "Libraries",
    "Summary",
    "LibraryIndex",
    "attach",
    "for_project",
    "clear_cache",
    "user_cache_folder",
    "SUMMARY_VERSION",
    "FRAMEWORKS",
]
