"""One run of the tool for a front end: discover files, build the project index, check or fix,
print the report, and decide the exit code (0 clean, 1 diagnostics remain, 2 errors)."""

from __future__ import annotations

import difflib
import io
import sys
from typing import Optional, Sequence

import click

from .runner import RunResult, check_one, default_jobs, display_path, fix_one, run

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
MAX_PROJECT_ROUNDS = 4


def _echo(text: str, *, err: bool = False, nl: bool = True, json_text: bool = False) -> None:
    """click.echo, after escaping what the stream's encoding cannot hold (a terminal that is not
    UTF-8, a strict ASCII pipe), so writing the output never fails."""
    from .report import fit

    stream = sys.stderr if err else sys.stdout
    click.echo(fit(text, getattr(stream, "encoding", None), json_text=json_text), err=err, nl=nl)


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


class Session:
    def __init__(self, settings, registry, opts: dict):
        self.settings = settings
        self.registry = registry
        self.opts = opts
        self.problems = []
        self._cache_obj = None  # the run's cache, opened on first use
        self._warm = None  # the warm start (warm.WarmStart), once the index was asked for with the cache
        self._given: Optional[list] = None  # the paths discovery walked (the warm start may reuse the walk)

    # --- building blocks ------------------------------------------------------------------------
    def _files(self, paths: Sequence[str]):
        from .discovery import discover

        warnings: list = []
        files, problems = discover(paths, self.settings, warnings=warnings)
        self._given = list(paths)
        self.problems.extend(f"{display_path(p)}: {why}" for p, why in problems)
        if warnings:  # reported, but they leave the exit code alone (git ignores such patterns too)
            from .report import clean_name

            for where, why in warnings:
                _echo(clean_name(f"awaitwise: warning: {display_path(where)}: {why}"), err=True)
        return files

    def _cache(self):
        """The run's result cache (a disabled one with --no-cache), opened once."""
        if self._cache_obj is None:
            from .cache import Cache

            self._cache_obj = Cache.open(self.settings, enabled=not self.opts.get("no_cache"))
        return self._cache_obj

    def _project(self, files, extra_root: Optional[str] = None):
        from . import project as project_mod
        from .libraries import attach

        use_cache = not self.opts.get("no_cache")
        # many files to extract (a cold run over a large tree) are shared among --jobs workers
        jobs = self.opts.get("jobs") or default_jobs()
        if use_cache and extra_root is None:
            # an unchanged project answers from the state the last run stored (see warm.py)
            from .warm import WarmStart

            if self._warm is None:
                self._warm = WarmStart(self._cache(), self.settings, self.registry)
            return self._warm.project(files, lambda listed: self._with_libraries(attach(project_mod.build_index(
                files, self.settings, use_cache=True, cache=self._cache(), listed=listed, jobs=jobs),
                self.settings, use_cache=True)), given=self._given)
        return self._with_libraries(attach(project_mod.build_index(
            files, self.settings, extra_root=extra_root, use_cache=use_cache,
            cache=self._cache() if use_cache else None, jobs=jobs), self.settings, use_cache=use_cache))

    def _with_libraries(self, index):
        """`index`, after saying (with --verbose) which installed packages it summarised."""
        if self.opts.get("verbose") and index is not None:
            libs = index.libraries
            if libs is None:
                _echo("awaitwise: installed packages: no site-packages folder found", err=True)
            else:
                _echo(f"awaitwise: installed packages: {libs.env.describe()}", err=True)
                names = sorted(libs.built + libs.loaded, key=str.lower)
                _echo(f"awaitwise: summarised {len(names)} distributions ({len(libs.built)} built, "
                      f"{len(libs.loaded)} from the cache){': ' if names else ''}{', '.join(names)}", err=True)
                if libs.failed:
                    _echo(f"awaitwise: could not summarise: {', '.join(libs.failed)}", err=True)
        return index

    # --- check ----------------------------------------------------------------------------------
    def check(self, paths: Sequence[str]) -> RunResult:
        files = self._files(paths)
        project = self._project(files)
        return self._run(files, "check", project)

    def check_stdin(self, filename: str, text: str) -> RunResult:
        project = self._project([], extra_root=filename)
        result = RunResult()
        fr = check_one(filename, self.settings, self.registry, project, source_text=text)
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
        project = self._project(files)
        result = self._run(files, "fix", project, unsafe=unsafe, write=write)
        # A fix in one module can change what the others see (AW300 makes a helper `async`, so
        # its callers now drop a coroutine): re-index and fix again until definitions settle.
        for _ in range(MAX_PROJECT_ROUNDS - 1):
            if not write or project is None or not any(f.fixes_applied for f in result.files):
                break
            fresh = self._project(files)
            if fresh is None or fresh.fingerprint() == project.fingerprint():
                break
            project = fresh
            result = _merge(result, self._run(files, "fix", project, unsafe=unsafe, write=write))
        return result

    def fix_stdin(self, filename: str, src):
        """(exit code, fixed source or None). Diagnostics never go to stdout here: it carries source."""
        project = self._project([], extra_root=filename)
        fr = fix_one(filename, self.settings, self.registry, project,
                     unsafe=self.opts.get("unsafe_fixes", False), write=False, source=src)
        if fr.error:
            from .report import clean_name

            _echo(clean_name(f"awaitwise: error: {fr.error}"), err=True)
        fixed = fr.fixed_source if fr.fixed_source is not None else src.text
        if self.opts.get("diff"):
            self._print_diff(filename, src.text, fixed)
            return (EXIT_ERROR if fr.error else EXIT_OK), None
        code = EXIT_ERROR if fr.error else (EXIT_FINDINGS if fr.diagnostics and not self.opts.get("exit_zero") else EXIT_OK)
        return code, fixed

    def _run(self, files, mode, project, unsafe=False, write=True) -> RunResult:
        jobs = self.opts.get("jobs")  # None: one worker per CPU
        cache = self._cache()
        show_progress = mode == "fix" and sys.stderr.isatty() and len(files) > 50
        warm = self._warm
        checking = warm is not None and mode == "check"
        stats = warm.stats if checking else None  # taken by the warm start: the lookups reuse them
        try:
            answer = warm.answer(files) if checking else None
            if answer is not None:  # the same check over the same unchanged project
                from .diagnostics import FileResult

                result = RunResult()
                result.files = [FileResult(shown, list(diagnostics)) for shown, diagnostics in answer]
                return result
            if show_progress:
                with click.progressbar(length=len(files), label="Fixing", file=sys.stderr) as bar:
                    result = run(files, self.settings, self.registry, mode=mode, unsafe=unsafe, write=write,
                                 jobs=jobs, progress=bar.update, project=project, cache=cache, stats=stats)
            else:
                result = run(files, self.settings, self.registry, mode=mode, unsafe=unsafe, write=write,
                             jobs=jobs, project=project, cache=cache, stats=stats)
            if warm is not None:
                warm.save(project, files)
                if checking and not result.problems:
                    warm.save_answer(files, [(fr.filename, tuple(fr.diagnostics)) for fr in result.files])
        finally:
            cache.flush()
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

    def _print_diff(self, name, before, after):
        from .report import clean_name

        shown = clean_name(name)
        diff = difflib.unified_diff(_lines(before), _lines(after), fromfile=f"a/{shown}", tofile=f"b/{shown}")
        text = "".join(_diff_line(line) for line in diff)
        if text:
            _echo(text, nl=False)

    # --- report ---------------------------------------------------------------------------------
    def report(self, result: RunResult, mode: str) -> int:
        from .report import render

        fmt = self.opts.get("output_format") or "text"
        diagnostics = result.diagnostics
        problems = self.problems + result.problems
        quiet = self.opts.get("quiet")
        if self.opts.get("statistics"):
            _echo(self._statistics(diagnostics), nl=False)
        elif mode == "fix" and self.opts.get("diff"):
            pass
        elif fmt == "text" and quiet:
            text = render(fmt, diagnostics, self.registry)
            _echo("".join(line + "\n" for line in text.split("\n")[:len(diagnostics)]), nl=False)
        else:
            fixed = {}
            if mode == "fix":
                fixed = {"fixes": result.fixes_applied,
                         "files_changed": sum(1 for f in result.files if f.fixes_applied)}
            _echo(render(fmt, diagnostics, self.registry, fixable_hint=(mode == "check"), problems=problems,
                         **fixed), nl=False, json_text=fmt in ("json", "sarif"))
        for p in problems:
            from .report import clean_name

            # a problem is one line, whatever the file name in it holds
            _echo(clean_name(f"awaitwise: error: {p}"), err=True)
        if problems:
            return EXIT_ERROR
        if diagnostics and not self.opts.get("exit_zero"):
            return EXIT_FINDINGS
        return EXIT_OK

    @staticmethod
    def _statistics(diagnostics) -> str:
        counts = {}
        for d in diagnostics:
            counts[d.code] = counts.get(d.code, 0) + 1
        lines = [f"{n:>6}\t{code}" for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
        return "\n".join(lines) + ("\n" if lines else "")
