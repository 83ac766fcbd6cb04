"""Many files: read, lint (or fix) and write each one; one bad file never stops the run."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence

from .diagnostics import Diagnostic, FileResult
from .modules import module_name_for
from .pool import PoolJob, pool_context, run_pool
from .sourcefile import SourceError, read, write_atomic


@dataclass
class RunResult:
    files: List[FileResult] = field(default_factory=list)
    problems: List[str] = field(default_factory=list)  # files that could not be read/processed

    @property
    def diagnostics(self) -> List[Diagnostic]:
        out = [d for f in self.files for d in f.diagnostics]
        out.sort(key=lambda d: d.sort_key)
        return out

    @property
    def fixes_applied(self) -> Dict[str, int]:
        total: Dict[str, int] = {}
        for f in self.files:
            for code, n in f.fixes_applied.items():
                total[code] = total.get(code, 0) + n
        return total


def display_path(path: str) -> str:
    """`path` relative to the working folder when it lies inside it, else as given."""
    if path and not os.path.isabs(path):
        rel = os.path.normpath(path)  # what relpath gives for a relative path, without its two abspaths
    else:
        try:
            rel = os.path.relpath(path)
        except ValueError:
            return path
    return path if rel.startswith("..") else rel


def rule_classes_for(settings, registry, path: str):
    return [registry.get(c) for c in settings.enabled_codes(registry, path)]


def check_one(path: str, settings, registry, project=None, source_text: Optional[str] = None) -> FileResult:
    shown = display_path(path)
    result = FileResult(shown)
    try:
        if source_text is None:
            source_text = read(path, settings.max_file_size).text
        module_name, is_package = module_name_for(path)
        from .engine import lint_source  # a cached run never lints

        out = lint_source(
            source_text,
            shown,
            settings,
            rule_classes_for(settings, registry, path),
            module_name=module_name,
            is_package=is_package,
            project=project,
        )
    except SourceError as exc:
        result.error = f"{shown}: {exc}"
        return result
    except Exception as exc:  # never a traceback for one bad file
        result.error = f"{shown}: internal error: {type(exc).__name__}: {exc}"
        return result
    result.diagnostics = out.diagnostics
    if out.internal_errors:
        result.error = "; ".join(_internal(shown, code, msg) for code, msg in out.internal_errors)
    return result


def _internal(path, code, msg):
    return f"{path}: internal error in rule {code}: {msg}" if code else f"{path}: {msg}"


def fix_one(
    path: str, settings, registry, project=None, *, unsafe: bool = False, write: bool = True, source=None
) -> FileResult:
    """Fix the file at `path` (its text is `source` when given) and, with `write`, write the
    result (write_fixed). Without `write`, `fixed_source` holds the fixed text."""
    result, src = _fix(path, settings, registry, project, unsafe, source)
    if write and src is not None and result.fixed_source is not None:
        write_fixed(path, result, src)
    return result


def write_fixed(path: str, result: FileResult, src) -> None:
    """Write `result.fixed_source` to `path` atomically, in the encoding of `src` (what it was
    computed from; a file that changed since is not overwritten). The write is one critical
    section (interrupts.writing): it completes before a signal stops the run, and none starts
    after one. A failed write is added to `result.error` and undoes the result's fixes."""
    from . import interrupts

    try:
        data = src.encode(result.fixed_source)
        expected = src.encode(src.text)
        with interrupts.writing(path):
            write_atomic(path, data, expected=expected)
    except (OSError, UnicodeEncodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        problem = f"{result.filename}: could not write the fixed file: {reason}"
        result.error = f"{result.error}; {problem}" if result.error else problem
        result.fixes_applied = {}
        result.fixed_source = None


def _fix(path: str, settings, registry, project, unsafe: bool, source):
    """(the fixed FileResult, the Source it was computed from or None when it was not read)."""
    from .fixer import fix_loop

    shown = display_path(path)
    result = FileResult(shown)
    src = None
    try:
        src = source if source is not None else read(path, settings.max_file_size)
        module_name, is_package = module_name_for(path)
        rules = rule_classes_for(settings, registry, path)
        from .engine import lint_source

        def lint(text):
            index = project
            if project is not None and text != src.text:
                # the fixes so far may have changed definitions (`def` -> `async def`): let the
                # next round see this file as it is now
                from .project import extract

                index = project.for_file(module_name, extract(path, text), is_package)
            return lint_source(
                text, shown, settings, rules, module_name=module_name, is_package=is_package, project=index
            )

        outcome = fix_loop(src.text, lint, unsafe)
    except SourceError as exc:
        result.error = f"{shown}: {exc}"
        return result, None
    except Exception as exc:
        result.error = f"{shown}: internal error: {type(exc).__name__}: {exc}"
        return result, None
    result.diagnostics = outcome.remaining
    errors = [f"{shown}: {e}" for e in outcome.errors]
    errors += [_internal(shown, c, m) for c, m in outcome.internal_errors]
    if outcome.changed:
        result.fixes_applied = outcome.applied
        result.fixed_source = outcome.source
    if errors:
        result.error = "; ".join(errors)
    return result, src


# ----------------------------------------------------------------------------------------------
# Many files: cache, then the files that need work, in this process or in a pool
# ----------------------------------------------------------------------------------------------

# Below this many files needing work, one worker does them all: starting several (and importing
# libcst in each) costs more than it saves on a pre-commit-sized run.
POOL_THRESHOLD = 20


def project_fingerprint(project) -> Optional[str]:
    """A string that changes whenever the project index could change a file's results, or None
    when the index offers none (then results are not cached)."""
    if project is None:
        return "-"
    fp = getattr(project, "fingerprint", None)
    if callable(fp):
        fp = fp()
    return fp if isinstance(fp, str) and fp else None


def default_jobs() -> int:
    return os.cpu_count() or 1


def run(
    paths_or_files: Sequence[str],
    settings,
    registry,
    *,
    mode: str = "check",
    unsafe: bool = False,
    write: bool = True,
    jobs: Optional[int] = 1,
    progress: Optional[Callable[[int], None]] = None,
    project=None,
    cache=None,
    stats: Optional[Dict[str, Optional[tuple]]] = None,
    file_timeout: Optional[float] = None,
    progress_bytes=None,
) -> RunResult:
    """Check or fix `files` (already discovered). Files whose cached result is still valid are not
    read; the others run in `jobs` worker processes (None: one per CPU), in one worker when they
    are few, and here with `jobs=1`. `progress(n)` is called as files complete. Results keep the order of the input.
    `progress_bytes` follows the work in bytes of source: its `start(total, files)` is called
    once with the size of the files that need work (cache hits cost nearly nothing and are left
    out, so that a rate measured on them does not skew an estimate), then `advance(size)` as
    each of them completes.
    `stats`: (mtime_ns, size) by absolute path, taken earlier in the run (the warm start stats
    every project file), so that the cache lookups need not stat them again.

    In worker processes (every run but `jobs=1` where processes fork), a file that kills its
    worker or takes longer than `file_timeout` seconds (None: see file_timeout()) is reported as
    that file's error and the rest of the run goes on. Fixed files are written by this process
    only (write_fixed)."""
    files = list(paths_or_files)
    results: List[Optional[FileResult]] = [None] * len(files)
    store = None
    project_fp = project_fingerprint(project)
    if cache is not None and cache.enabled and project_fp is not None:
        store = cache.results(settings, settings.enabled_codes(registry), extra=mode)
    per_file = getattr(project, "file_fingerprint", None)
    from .cache import stat_signature

    def file_fp(path):
        """What this file's results depend on elsewhere in the project (a change in one module
        then re-checks only the files whose cross-module results can change)."""
        return per_file(path) if per_file is not None else project_fp

    todo: List[int] = []
    sizes: Dict[int, int] = {}
    if store is not None:
        from .discovery import absolute_paths

        absolute = absolute_paths(files)  # once: the store and the fingerprints key by them
    for i, path in enumerate(files):
        if store is not None:
            shown = display_path(path)
            apath = absolute[i]
            st = stats.get(apath) if stats else None
            if st is None:
                st = stat_signature(path)
            if st is not None:
                sizes[i] = st[1]
                value = store.lookup(apath, shown, file_fp(apath), st, read_hash=lambda p=path: _hash_file(p))
                if value is not None and _usable(value, mode, unsafe):
                    results[i] = FileResult(shown, list(value))
                    continue
        todo.append(i)
    hits = len(files) - len(todo)
    if progress and hits:
        progress(hits)

    if progress_bytes is not None:
        for i in todo:
            if i not in sizes:
                st = stat_signature(files[i])
                sizes[i] = st[1] if st is not None else 0
        progress_bytes.start(sum(sizes[i] for i in todo), len(todo))

    materialize = getattr(project, "materialize", None)  # a lazy index (warm.LazyProject)
    if todo and callable(materialize):
        project = materialize()  # built once here, before any worker is forked
    job = _Job(settings, registry, project, mode, unsafe, write, store is not None)
    workers = jobs if jobs is not None else default_jobs()
    if workers > 1 and len(todo) >= POOL_THRESHOLD:
        # biggest files first, so no worker is left alone with a large file at the end, and the
        # largest parse trees are built while a worker's memory is still unfragmented
        for i in todo:
            if i not in sizes:
                st = stat_signature(files[i])
                sizes[i] = st[1] if st is not None else 0
        todo.sort(key=lambda i: -sizes.get(i, 0))
        done = run_pool(job, [(i, files[i]) for i in todo], workers, file_timeout)
    elif todo and workers > 1 and pool_context()[1]:
        # a small run: one forked worker, so that a crash of the native parser (or a rule that
        # ends its process) still costs one file only; forking costs a few milliseconds, not
        # the start-up a spawned worker would. `--jobs 1` (and the API) stay in this process.
        done = run_pool(job, [(i, files[i]) for i in todo], 1, file_timeout)
    else:
        done = ((i, job(files[i])) for i in todo)
    try:
        for i, (fr, signature, unwritten) in done:
            if unwritten is not None:  # fixed in a worker: the file is written here, never there
                write_fixed(files[i], fr, unwritten)
            results[i] = fr
            if store is not None and signature is not None and fr.error is None and fr.fixed_source is None:
                store.record(files[i], fr.filename, file_fp(files[i]), signature, tuple(fr.diagnostics))
            if progress:
                progress(1)
            if progress_bytes is not None and i in sizes:
                progress_bytes.advance(sizes[i])
    finally:
        done.close()  # an interrupted run stops its workers here, not when the frame is freed

    result = RunResult()
    for fr in results:
        assert fr is not None  # every file has its result by now
        result.files.append(fr)
        if fr.error:
            result.problems.append(fr.error)
    return result


def _usable(diagnostics, mode: str, unsafe: bool) -> bool:
    """A cached check result also answers `fix` when none of its findings has a fix to apply."""
    if mode == "check":
        return True
    from .fixer import applicable

    return not any(applicable(d.fix, unsafe) for d in diagnostics)


def _hash_file(path: str) -> Optional[str]:
    from .cache import content_hash
    from .sourcefile import read_bytes

    try:
        return content_hash(read_bytes(path))
    except (OSError, SourceError):
        return None


class _Job(PoolJob):
    """The work on one file, with everything it needs; workers receive it once, at start-up.
    Called, it returns (FileResult, cache signature or None, Source or None): the Source is set
    when the fixed file is still to be written (in a worker, `defer_writes`), by the caller."""

    def __init__(self, settings, registry, project, mode, unsafe, write, want_signature):
        self.settings = settings
        self.registry = registry
        self.project = project
        self.mode = mode
        self.unsafe = unsafe
        self.write = write
        self.want_signature = want_signature
        self.defer_writes = False  # set in worker processes (start_worker)

    def start_worker(self, parent_pid: Optional[int]) -> None:
        self.defer_writes = True
        super().start_worker(parent_pid)

    def before_fork(self) -> None:
        # import the parser once here rather than once per worker
        from . import context, walker  # noqa: F401
        from .screening import loaded_libcst

        loaded_libcst()

    def failed(self, item: str, why: str):
        return _failed(item, why), None, None

    def __call__(self, path: str):
        from .sourcefile import SourceError, decode

        signature = None
        source = None
        if self.want_signature:
            from .cache import content_hash
            from .sourcefile import read_bytes

            try:
                st = os.stat(path)
                data = read_bytes(path, self.settings.max_file_size)
            except (OSError, SourceError):
                pass  # check_one/fix_one read again and report the problem in their words
            else:
                signature = (st.st_mtime_ns, st.st_size, content_hash(data))
                try:
                    source = decode(data)
                except SourceError as exc:
                    fr = FileResult(display_path(path))
                    fr.error = f"{fr.filename}: {exc}"
                    return fr, None, None
        if self.mode == "check":
            fr = check_one(
                path,
                self.settings,
                self.registry,
                self.project,
                source_text=source.text if source is not None else None,
            )
            return fr, signature, None
        if not (self.write and self.defer_writes):
            fr = fix_one(
                path, self.settings, self.registry, self.project, unsafe=self.unsafe, write=self.write, source=source
            )
            return fr, signature, None
        if source is None:  # the caller writes: it needs the Source the fixes were computed from
            try:
                source = read(path, self.settings.max_file_size)
            except SourceError as exc:
                fr = FileResult(display_path(path))
                fr.error = f"{fr.filename}: {exc}"
                return fr, None, None
        fr = fix_one(path, self.settings, self.registry, self.project, unsafe=self.unsafe, write=False, source=source)
        return fr, signature, (source if fr.fixed_source is not None else None)


def _failed(path: str, why: str) -> FileResult:
    fr = FileResult(display_path(path))
    fr.error = f"{fr.filename}: {why}"
    return fr
