"""One run of the tool for a front end: discover files, build the project index, check or fix,
print the report, and decide the exit code (0 clean, 1 diagnostics remain, 2 errors)."""

from __future__ import annotations

import difflib
import io
import os
import sys
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence

import click

from .runner import RunResult, check_one, default_jobs, display_path, fix_one, run

if TYPE_CHECKING:
    from .cache import Cache
    from .warm import WarmStart

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
MAX_PROJECT_ROUNDS = 4


def _echo(
    text: str, *, err: bool = False, nl: bool = True, json_text: bool = False, color: Optional[bool] = None
) -> None:
    """click.echo, after escaping what the stream's encoding cannot hold (a terminal that is not
    UTF-8, a strict ASCII pipe), so writing the output never fails. `color=True` keeps the
    text's ANSI styles even on a pipe (FORCE_COLOR)."""
    from .report import fit

    stream = sys.stderr if err else sys.stdout
    click.echo(fit(text, getattr(stream, "encoding", None), json_text=json_text), err=err, nl=nl, color=color)


class _SourceLines:
    """The lines of an analysed file for the code frames of the text format, by the name a
    diagnostic shows: the text the run ended with when it has it (a fixed file, stdin), else the
    file read again (a regular file within the size limit, as any read of the tree). None for a
    file that cannot be read now."""

    def __init__(self, max_size: Optional[int], texts: Optional[dict] = None):
        self.max_size = max_size
        self.texts = dict(texts or {})
        self.lines: dict = {}

    def __call__(self, filename: str):
        if filename not in self.lines:
            from .sourcefile import SourceError, read, source_lines

            text = self.texts.get(filename)
            if text is None:
                try:
                    text = read(filename, self.max_size).text
                except (SourceError, OSError, ValueError):
                    text = None
            self.lines[filename] = source_lines(text) if text is not None else None
        return self.lines[filename]


def _diff_line(line: str) -> str:
    """One line of a unified diff as it is printed: its text shown as `clean` shows it (tabs
    kept), so source text cannot drive the terminal, and ended on the terminal where it ends in
    the diff. LF and CRLF line ends are kept; a lone CR end is escaped like the rest of the line
    and followed by LF; a last line without an end gets the marker git prints for it."""
    from .report import clean

    if line.endswith("\r\n"):
        return clean(line[:-2]) + "\r\n"
    if line.endswith("\n"):
        return clean(line[:-1]) + "\n"
    if line.endswith("\r"):
        return clean(line) + "\n"
    return clean(line) + "\n\\ No newline at end of file\n"


def _lines(text: str):
    """`text` split at Python's line ends only (LF, CRLF, CR), each line keeping its end;
    str.splitlines would also split at form feeds and other separators inside a line."""
    return io.StringIO(text, newline="").readlines()


def _merge(first: RunResult, second: RunResult) -> RunResult:
    """Two fix rounds over the same files as one result: the later diagnostics, all fixes."""
    earlier = {f.filename: f for f in first.files}
    for f in second.files:
        before = earlier.get(f.filename)
        if before is None:
            continue
        for code, n in before.fixes_applied.items():
            f.fixes_applied[code] = f.fixes_applied.get(code, 0) + n
        if f.fixed_source is None:
            f.fixed_source = before.fixed_source
    second.problems = list(dict.fromkeys(first.problems + second.problems))
    return second


class _ByteBar:
    """The run's progress in bytes of source analysed (runner.run's `progress_bytes`): files
    differ in size by orders of magnitude and the pool takes the largest first, so a count of
    files makes the estimate of the time left swing (an hour for a 20-second run); bytes grow
    with the work. Shown only for a run with more than MIN_FILES files to analyse."""

    MIN_FILES = 50

    def __init__(self, label: str):
        self.label = label
        self.bar: Any = None  # click's ProgressBar, once started
        self.total = self.files = self.done = 0

    def start(self, total: int, files: int) -> None:
        """Called once per unit of the run (runner.run): the bar appears once the run's files to
        analyse are more than MIN_FILES, and grows with each unit's bytes."""
        self.total += total
        self.files += files
        if self.bar is not None:
            self.bar.length = self.total
            return
        if self.files <= self.MIN_FILES or self.total <= 0:
            return
        self.bar = click.progressbar(
            length=self.total, label=self.label, file=sys.stderr, show_eta=True, show_percent=True
        )
        self.bar.__enter__()
        if self.done:
            self.bar.update(self.done)

    def advance(self, nbytes: int) -> None:
        self.done += nbytes
        if self.bar is not None:
            self.bar.update(nbytes)

    def close(self) -> None:
        if self.bar is not None:
            bar, self.bar = self.bar, None
            bar.__exit__(None, None, None)


class _Unit:
    """The files of a run that share one configuration: their settings, their positions in the
    run's file list, the files themselves (in that order) and the root of their project index."""

    __slots__ = ("settings", "indices", "files", "root")

    def __init__(self, settings, root: str):
        self.settings = settings
        self.root = root
        self.indices: list = []
        self.files: list = []


class Session:
    """One run. `settings` is a config.Resolver (each file takes the settings of its nearest
    config) or a Settings used for every file.

    The files of a run are checked in units, one per configuration; units whose configs lie in
    one project (project.index_root) share its project index, built once, its cache folder and
    one walk of its files, each unit asking the index through its own settings
    (ProjectIndex.with_settings). A run over one configuration is one unit, as before."""

    def __init__(self, settings, registry, opts: dict):
        from .config import as_resolver

        self.resolver = as_resolver(settings)
        self.registry = registry
        self.opts = opts
        self.problems: List[str] = []
        self._fixed_settings = self.resolver.settings_for(".") if self.resolver.is_fixed else None
        self._caches: Dict[str, Cache] = {}  # folder -> the cache opened there
        self._warms: Dict[Any, WarmStart] = {}  # Settings -> its warm start, with the cache on
        self._shared: dict = {}  # index root -> (project files, the index built over them)
        self._given: Optional[list] = None  # the paths discovery walked (the warm start may reuse the walk)
        self._texts: dict = {}  # shown name -> source text the run read from stdin
        self._paths: dict = {}  # shown name -> path of each file discovery found
        self._discovered: Optional[list] = None  # every file discovery found
        self._warned = 0  # resolver warnings printed so far
        self._told: set = set()  # the library summaries --verbose has described

    @property
    def settings(self):
        """The settings of the working folder (of every file, with fixed settings or --config)."""
        if self._fixed_settings is not None:
            return self._fixed_settings
        return self.resolver.settings_for(".")

    # --- building blocks ------------------------------------------------------------------------
    def _files(self, paths: Sequence[str]):
        from .discovery import discover

        warnings: list = []
        files, problems = discover(paths, self.resolver, warnings=warnings)
        self._given = list(paths)
        self._paths = {display_path(p): p for p in files}
        self._discovered = files
        self.problems.extend(f"{display_path(p)}: {why}" for p, why in problems)
        self._flush_warnings()
        if warnings:  # reported, but they leave the exit code alone (git ignores such patterns too)
            from .report import clean_name

            for where, why in warnings:
                _echo(clean_name(f"awaitwise: warning: {display_path(where)}: {why}"), err=True)
        return files

    def _flush_warnings(self) -> None:
        """Print the configuration warnings not printed yet (codes of other tools that stand for
        no awaitwise rule); like .gitignore warnings they leave the exit code alone."""
        from .report import clean_name

        pending = list(dict.fromkeys(self.resolver.warnings[self._warned :]))
        self._warned = len(self.resolver.warnings)
        for message in pending:
            _echo(clean_name(f"awaitwise: warning: {message}"), err=True)

    def _units(self, files) -> list:
        """The run's files in units of one configuration, in the order their first file comes."""
        from .config import ConfigError
        from .project import index_root

        units: dict = {}
        for i, path in enumerate(files):
            try:
                settings = self.resolver.for_file(path)
            except ConfigError as exc:  # discovery has reported it already, for the folder
                self.problems.append(f"{display_path(path)}: not checked: {exc}")
                continue
            unit = units.get(settings)
            if unit is None:
                unit = units[settings] = _Unit(settings, index_root(settings) or os.getcwd())
            unit.indices.append(i)
            unit.files.append(path)
        return list(units.values())

    def _cache_at(self, root: str):
        """The result cache of the project at `root` (a disabled one with --no-cache), opened once."""
        cache = self._caches.get(root)
        if cache is None:
            from .cache import Cache

            cache = self._caches[root] = Cache.open(None, enabled=not self.opts.get("no_cache"), root=root)
        return cache

    def _cache(self):
        """The cache of the working folder's project (see _cache_at)."""
        from .project import index_root

        return self._cache_at(index_root(self.settings) or os.getcwd())

    def _jobs(self) -> int:
        # many files to extract (a cold run over a large tree) are shared among --jobs workers
        return self.opts.get("jobs") or default_jobs()

    def _projects(self, units) -> list:
        """The project index of each unit (None where no enabled rule reads it): one index per
        project root, built on first use and shared by the units under it, each through its
        own settings. Asked again (a fix round), every index is made afresh."""
        from .libraries import attach
        from .project import _rules_use_project
        from .warm import WarmStart, listed_files, scan

        self._shared = {}
        use_cache = not self.opts.get("no_cache")
        by_root: dict = {}
        for unit in units:
            by_root.setdefault(unit.root, []).append(unit)
        listed_of: dict = {}

        def listed(root):
            if root not in listed_of:
                mine = by_root[root]
                listed_of[root] = listed_files(
                    [f for u in mine for f in u.files],
                    mine[0].settings,
                    self._given,
                    discovered=self._discovered,
                    resolver=self.resolver,
                )
            return listed_of[root]

        out = []
        scans: dict = {}
        for unit in units:
            settings, root = unit.settings, unit.root
            cache = self._cache_at(root) if use_cache else None

            def build(files_listed, settings=settings, root=root, cache=cache):
                if files_listed is None:  # the warm start keeps no state here
                    if not _rules_use_project(settings):
                        return None
                    files_listed = listed(root)
                shared = self._shared_index(root, files_listed, cache).with_settings(settings)
                return self._with_libraries(attach(shared, settings, use_cache=cache is not None, jobs=self._jobs()))

            if not use_cache:
                out.append(build(None))
                continue
            warm = self._warms.get(settings)
            if warm is None:
                warm = self._warms[settings] = WarmStart(cache, settings, self.registry)
            scanned = None
            if warm.bundle is not None and _rules_use_project(settings):
                if root not in scans:
                    names = listed(root)
                    scans[root] = (names, *scan(names))
                scanned = scans[root]
            out.append(warm.project(unit.files, build, given=self._given, scanned=scanned))
        return out

    def _shared_index(self, root: str, listed, cache):
        """The index of the project at `root` over the files `listed`, built once per round."""
        from .project import build_index

        key = tuple(listed)
        known = self._shared.get(root)
        if known is not None and known[0] == key:
            return known[1]
        index = build_index(
            [], self.resolver, use_cache=cache is not None, cache=cache, listed=list(listed), jobs=self._jobs()
        )
        self._shared[root] = (key, index)
        return index

    def _stdin_project(self, settings, filename: str):
        """The index for one source named `filename` (stdin, the API): its project, with the
        file in it as named."""
        from .project import _rules_use_project, build_index, index_root, project_files

        if not _rules_use_project(settings):
            return None
        use_cache = not self.opts.get("no_cache")
        cache = self._cache_at(index_root(settings) or os.getcwd()) if use_cache else None
        listed = project_files([], settings, extra_root=filename, resolver=self.resolver)
        from .libraries import attach

        return self._with_libraries(
            attach(
                build_index(
                    [],
                    settings,
                    extra_root=filename,
                    use_cache=use_cache,
                    cache=cache,
                    jobs=self._jobs(),
                    listed=listed,
                ),
                settings,
                use_cache=use_cache,
                jobs=self._jobs(),
            )
        )

    def _project(self, files, extra_root: Optional[str] = None):
        """The index for `files` (those of the first configuration among them), or with
        `extra_root` for that one source (see _stdin_project)."""
        if extra_root is not None:
            return self._stdin_project(self.resolver.for_file(extra_root), extra_root)
        units = self._units(files)
        return self._projects(units)[0] if units else None

    def _with_libraries(self, index):
        """`index`, after saying (with --verbose) which installed packages it summarised."""
        if self.opts.get("verbose") and index is not None and id(index.libraries) not in self._told:
            libs = index.libraries
            self._told.add(id(libs))
            if libs is None:
                _echo("awaitwise: installed packages: no site-packages folder found", err=True)
            else:
                _echo(f"awaitwise: installed packages: {libs.env.describe()}", err=True)
                names = sorted(libs.built + libs.loaded, key=str.lower)
                _echo(
                    f"awaitwise: summarised {len(names)} distributions ({len(libs.built)} built, "
                    f"{len(libs.loaded)} from the cache){': ' if names else ''}{', '.join(names)}",
                    err=True,
                )
                if libs.failed:
                    _echo(f"awaitwise: could not summarise: {', '.join(libs.failed)}", err=True)
        return index

    # --- check ----------------------------------------------------------------------------------
    def check(self, paths: Sequence[str]) -> RunResult:
        files = self._files(paths)
        units = self._units(files)
        projects = self._projects(units)
        return self._run(files, units, "check", projects)

    def check_stdin(self, filename: str, text: str) -> RunResult:
        settings = self.resolver.for_file(filename)
        self._flush_warnings()
        project = self._stdin_project(settings, filename)
        result = RunResult()
        fr = check_one(filename, settings, self.registry, project, source_text=text)
        self._texts[fr.filename] = text
        result.files.append(fr)
        if fr.error:
            result.problems.append(fr.error)
        return result

    # --- fix ------------------------------------------------------------------------------------
    def fix(self, paths: Sequence[str]) -> RunResult:
        unsafe = self.opts.get("unsafe_fixes", False)
        write = not self.opts.get("diff")
        if write:
            from . import interrupts

            interrupts.begin_writing()  # an interrupted run then says how many files it wrote
        files = self._files(paths)
        units = self._units(files)
        projects = self._projects(units)
        result = self._run(files, units, "fix", projects, unsafe=unsafe, write=write)
        # A fix in one module can change what the others see (AW300 makes a helper `async`, so
        # its callers now drop a coroutine): re-index and fix again until definitions settle.
        for _ in range(MAX_PROJECT_ROUNDS - 1):
            if not write or all(p is None for p in projects) or not any(f.fixes_applied for f in result.files):
                break
            fresh = self._projects(units)
            if not any(
                old is not None and new is not None and new.fingerprint() != old.fingerprint()
                for old, new in zip(projects, fresh)
            ):
                break
            projects = fresh
            result = _merge(result, self._run(files, units, "fix", projects, unsafe=unsafe, write=write))
        return result

    def fix_stdin(self, filename: str, src):
        """(exit code, fixed source or None). Diagnostics never go to stdout here: it carries source."""
        settings = self.resolver.for_file(filename)
        self._flush_warnings()
        project = self._stdin_project(settings, filename)
        fr = fix_one(
            filename,
            settings,
            self.registry,
            project,
            unsafe=self.opts.get("unsafe_fixes", False),
            write=False,
            source=src,
        )
        if fr.error:
            from .report import clean_name

            _echo(clean_name(f"awaitwise: error: {fr.error}"), err=True)
        fixed = fr.fixed_source if fr.fixed_source is not None else src.text
        result = RunResult(files=[fr])
        if self.opts.get("diff"):
            self._print_diff(filename, src.text, fixed)
            would = self._would_fix(result)
            return (EXIT_ERROR if fr.error else would), None
        # stdout carries the source: what is left to fix is reported on stderr
        if self.opts.get("statistics"):
            _echo(self._statistics(fr.diagnostics), err=True, nl=False)
        else:
            self._print_findings(
                fr.diagnostics, {fr.filename: fixed}, "fix", [fr.error] if fr.error else [], result, err=True
            )
        code = (
            EXIT_ERROR
            if fr.error
            else (EXIT_FINDINGS if fr.diagnostics and not self.opts.get("exit_zero") else EXIT_OK)
        )
        return code, fixed

    def _would_fix(self, result: RunResult) -> int:
        """After `fix --diff`: "Would fix N errors." on stderr, and the exit code that says
        whether the diff is empty (0) or not (1; 0 with --exit-zero)."""
        total = sum(result.fixes_applied.values())
        if not total:
            return EXIT_OK
        _echo(f"Would fix {total} error{'s' if total != 1 else ''}.", err=True)
        return EXIT_OK if self.opts.get("exit_zero") else EXIT_FINDINGS

    def _run(self, files, units, mode, projects, unsafe=False, write=True) -> RunResult:
        """Check or fix `files`, unit by unit (each with its settings, index and cache); the
        results keep the order of `files`."""
        jobs = self.opts.get("jobs")  # None: one worker per CPU
        results: list = [None] * len(files)
        used = []
        bar = self._progress_bar("Fixing" if mode == "fix" else "Checking")
        try:
            for unit, project in zip(units, projects):
                cache = self._cache_at(unit.root)
                used.append(cache)
                warm = self._warms.get(unit.settings) if not self.opts.get("no_cache") else None
                checking = warm is not None and mode == "check"
                stats = warm.stats if warm is not None and checking else None  # taken by the warm start
                answer = warm.answer(unit.files) if warm is not None and checking else None
                if answer is not None:  # the same check over the same unchanged project
                    from .diagnostics import FileResult

                    for i, (shown, diagnostics) in zip(unit.indices, answer):
                        results[i] = FileResult(shown, list(diagnostics))
                    continue
                done = run(
                    unit.files,
                    unit.settings,
                    self.registry,
                    mode=mode,
                    unsafe=unsafe,
                    write=write,
                    jobs=jobs,
                    project=project,
                    cache=cache,
                    stats=stats,
                    progress_bytes=bar,
                )
                for i, fr in zip(unit.indices, done.files):
                    results[i] = fr
                if warm is not None:
                    warm.save(project, unit.files)
                    if checking and not done.problems:
                        warm.save_answer(unit.files, [(fr.filename, tuple(fr.diagnostics)) for fr in done.files])
        finally:
            if bar is not None:
                bar.close()
            for cache in dict.fromkeys(used):
                cache.flush()
        result = RunResult()
        for fr in results:
            if fr is None:  # a file whose settings could not be had (reported by _units)
                continue
            result.files.append(fr)
            if fr.error:
                result.problems.append(fr.error)
        if mode == "fix" and self.opts.get("diff"):
            from .sourcefile import read

            for fr in result.files:
                if fr.fixed_source is not None:
                    try:
                        before = read(fr.filename).text
                    except Exception:
                        continue
                    self._print_diff(fr.filename, before, fr.fixed_source)
        return result

    def _progress_bar(self, label: str):
        """A progress bar on stderr for a long run, when a person watches it: stderr is a
        terminal, the output is for people (text, concise), not --quiet, and not in CI."""
        import os

        if self.opts.get("quiet") or self._format() not in ("text", "concise") or os.environ.get("CI"):
            return None
        try:
            if not sys.stderr.isatty():
                return None
        except (OSError, ValueError):
            return None
        return _ByteBar(label)

    def _print_diff(self, name, before, after):
        from .report import clean_name

        shown = clean_name(name)
        diff = difflib.unified_diff(_lines(before), _lines(after), fromfile=f"a/{shown}", tofile=f"b/{shown}")
        text = "".join(_diff_line(line) for line in diff)
        if text:
            _echo(text, nl=False)

    # --- --add-noqa -----------------------------------------------------------------------------
    def add_noqa(self, result: RunResult, mode: str) -> int:
        """Suppress what `result` found (after `fix`: what is left) with `# noqa` directives,
        then say how many were added; the exit code is 2 if a file could not be done, else 0."""
        from .add_noqa import add_noqa
        from .report import clean_name

        problems = self.problems + result.problems
        # a file whose fixes could not be written has findings for a text that is not on disk
        unwritten = {f.filename for f in result.files if f.error and mode == "fix"}
        diagnostics = [d for d in result.diagnostics if d.filename not in unwritten]
        added = add_noqa(diagnostics, self._paths, self.settings)
        if mode == "fix" and result.fixes_applied:
            fixes = result.fixes_applied
            total = sum(fixes.values())
            changed = sum(1 for f in result.files if f.fixes_applied)
            per_code = ", ".join(f"{code}: {count}" for code, count in sorted(fixes.items()))
            _echo(
                f"Fixed {total} error{'s' if total != 1 else ''} in {changed} file{'s' if changed != 1 else ''} "
                f"({per_code})."
            )
        for shown, row in added.unsuppressible:
            _echo(
                clean_name(
                    f"awaitwise: warning: {shown}:{row}: no `# noqa` added: the line ends inside a "
                    "string or with a `\\` continuation"
                ),
                err=True,
            )
        n = added.directives
        _echo(
            f"Added {n} noqa directive{'s' if n != 1 else ''}"
            + (f" in {added.files} file{'s' if added.files != 1 else ''}." if n else "."),
            err=True,
        )
        problems = problems + added.problems
        for p in problems:
            _echo(clean_name(f"awaitwise: error: {p}"), err=True)
        return EXIT_ERROR if problems else EXIT_OK

    # --- report ---------------------------------------------------------------------------------
    def report(self, result: RunResult, mode: str) -> int:
        diagnostics = result.diagnostics
        problems = self.problems + result.problems
        diff = mode == "fix" and self.opts.get("diff")
        if self.opts.get("statistics") and not diff:
            _echo(self._statistics(diagnostics), nl=False, json_text=self._format() == "json")
        elif diff:
            would = self._would_fix(result)
        else:
            texts = dict(self._texts)
            texts.update((f.filename, f.fixed_source) for f in result.files if f.fixed_source is not None)
            self._print_findings(diagnostics, texts, mode, problems, result)
        for p in problems:
            from .report import clean_name

            # a problem is one line, whatever the file name in it holds
            _echo(clean_name(f"awaitwise: error: {p}"), err=True)
        if problems:
            return EXIT_ERROR
        if diff:
            return would
        if diagnostics and not self.opts.get("exit_zero"):
            return EXIT_FINDINGS
        return EXIT_OK

    def _print_findings(self, diagnostics, texts: dict, mode: str, problems, result=None, err: bool = False):
        """The findings in the chosen --output-format, on stdout (stderr with `err`)."""
        import os

        from .report import JSON_FORMATS, render, wants_color

        fmt = self._format()
        summary: dict = {"fixable_hint": mode == "check", "problems": problems}
        if mode == "fix" and result is not None:
            summary["fixes"] = result.fixes_applied
            summary["files_changed"] = sum(1 for f in result.files if f.fixes_applied)
        color = None
        if fmt in ("text", "concise"):
            color = wants_color(sys.stderr if err else sys.stdout, os.environ)
            summary.update(
                color=color,
                with_summary=not self.opts.get("quiet"),
                sources=_SourceLines(getattr(self.settings, "max_file_size", None), texts),
            )
        _echo(
            render(fmt, diagnostics, self.registry, **summary),
            nl=False,
            err=err,
            json_text=fmt in JSON_FORMATS,
            color=color,
        )

    def _format(self) -> str:
        return self.opts.get("output_format") or "text"

    def _statistics(self, diagnostics) -> str:
        """How many findings each code has, most first: `count<TAB>code` lines, or with
        --output-format json a list of {code, name, count, fixable} (fixable: `fix` would fix
        at least one of them)."""
        from .fixer import applicable

        counts: dict = {}
        fixable: dict = {}
        for d in diagnostics:
            counts[d.code] = counts.get(d.code, 0) + 1
            fixable[d.code] = fixable.get(d.code, False) or applicable(d.fix, bool(self.opts.get("unsafe_fixes")))
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        if self._format() == "json":
            from .report import dump_json

            def name(code):
                rule = self.registry.get(code)
                return rule.name if rule is not None else ("syntax-error" if code == "AW001" else None)

            return dump_json(
                [{"code": code, "name": name(code), "count": n, "fixable": fixable[code]} for code, n in ordered]
            )
        lines = [f"{n:>6}\t{code}" for code, n in ordered]
        return "\n".join(lines) + ("\n" if lines else "")
