"""Many files: read, lint (or fix) and write each one; one bad file never stops the run."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence

from .diagnostics import Diagnostic, FileResult
from .modules import module_name_for
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

        out = lint_source(source_text, shown, settings, rule_classes_for(settings, registry, path),
                          module_name=module_name, is_package=is_package, project=project)
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


def fix_one(path: str, settings, registry, project=None, *, unsafe: bool = False, write: bool = True,
            source=None) -> FileResult:
    from .fixer import fix_loop

    shown = display_path(path)
    result = FileResult(shown)
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
            return lint_source(text, shown, settings, rules, module_name=module_name,
                               is_package=is_package, project=index)

        outcome = fix_loop(src.text, lint, unsafe)
    except SourceError as exc:
        result.error = f"{shown}: {exc}"
        return result
    except Exception as exc:
        result.error = f"{shown}: internal error: {type(exc).__name__}: {exc}"
        return result
    result.diagnostics = outcome.remaining
    errors = [f"{shown}: {e}" for e in outcome.errors]
    errors += [_internal(shown, c, m) for c, m in outcome.internal_errors]
    if outcome.changed:
        result.fixes_applied = outcome.applied
        result.fixed_source = outcome.source
        if write:
            try:
                write_atomic(path, src.encode(outcome.source), expected=src.encode(src.text))
            except (OSError, UnicodeEncodeError) as exc:
                reason = getattr(exc, "strerror", None) or str(exc)
                errors.append(f"{shown}: could not write the fixed file: {reason}")
                result.fixes_applied = {}
                result.fixed_source = None
    if errors:
        result.error = "; ".join(errors)
    return result


# ----------------------------------------------------------------------------------------------
# Many files: cache, then the files that need work, in this process or in a pool
# ----------------------------------------------------------------------------------------------

# Below this many files needing work, the run stays in this process: starting workers (and
# importing libcst in each) costs more than it saves on a pre-commit-sized run.
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


def run(paths_or_files: Sequence[str], settings, registry, *, mode: str = "check", unsafe: bool = False,
        write: bool = True, jobs: Optional[int] = 1, progress: Optional[Callable[[int], None]] = None,
        project=None, cache=None, stats: Optional[Dict[str, tuple]] = None) -> RunResult:
    """Check or fix `files` (already discovered). Files whose cached result is still valid are not
    read; the others run here or, when there are many, in `jobs` worker processes (None: one per
    CPU). `progress(n)` is called as files complete. Results keep the order of the input.
    `stats`: (mtime_ns, size) by absolute path, taken earlier in the run (the warm start stats
    every project file), so that the cache lookups need not stat them again."""
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
        done = _run_pool(job, [(i, files[i]) for i in todo], workers)
    else:
        done = ((i, job(files[i])) for i in todo)
    for i, (fr, signature) in done:
        results[i] = fr
        if store is not None and signature is not None and fr.error is None and fr.fixed_source is None:
            store.record(files[i], fr.filename, file_fp(files[i]), signature, tuple(fr.diagnostics))
        if progress:
            progress(1)

    result = RunResult()
    for fr in results:
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


class _Job:
    """The work on one file, with everything it needs; workers receive it once, at start-up."""

    def __init__(self, settings, registry, project, mode, unsafe, write, want_signature):
        self.settings = settings
        self.registry = registry
        self.project = project
        self.mode = mode
        self.unsafe = unsafe
        self.write = write
        self.want_signature = want_signature

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
                    return fr, None
        if self.mode == "check":
            fr = check_one(path, self.settings, self.registry, self.project,
                           source_text=source.text if source is not None else None)
        else:
            fr = fix_one(path, self.settings, self.registry, self.project, unsafe=self.unsafe, write=self.write,
                         source=source)
        return fr, signature


_WORKER_JOB: Optional[_Job] = None


def _worker_init(job: _Job) -> None:
    global _WORKER_JOB
    _WORKER_JOB = job
    import gc

    # A parsed module is a large acyclic tree: collecting often while building it is wasted work.
    gc.set_threshold(50_000, 50, 100)
    try:  # workers are interrupted with their parent; let the parent report it once
        import signal

        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except (ImportError, ValueError, OSError):  # pragma: no cover
        pass


def _worker_task(item):
    i, path = item
    return i, _WORKER_JOB(path)


def _run_pool(job: _Job, items, workers: int):
    """Yield (index, result) from a process pool. On Linux the workers are forked, inheriting the
    job (and the project index) without pickling; elsewhere the job is pickled once per worker."""
    import multiprocessing
    import sys

    methods = multiprocessing.get_all_start_methods()
    if sys.platform.startswith("linux") and "fork" in methods:
        ctx = multiprocessing.get_context("fork")
        # import the parser once here rather than once per worker
        from .screening import loaded_libcst

        loaded_libcst()

        from . import context, walker  # noqa: F401
    else:
        ctx = multiprocessing.get_context("spawn")
    import gc

    workers = min(workers, len(items))
    chunksize = max(1, min(16, len(items) // (workers * 16)))
    # what exists now (the project index above all) is never garbage: keep the workers' collector
    # from walking it, and their memory pages shared with this process
    gc.freeze()
    try:
        pool = ctx.Pool(workers, initializer=_worker_init, initargs=(job,))
    finally:
        gc.unfreeze()
    try:
        for out in pool.imap_unordered(_worker_task, items, chunksize=chunksize):
            yield out
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()
