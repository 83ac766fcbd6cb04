"""Many files: read, lint (or fix) and write each one; one bad file never stops the run."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence

from .diagnostics import Diagnostic, FileResult
from .engine import lint_source
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
            source_text = read(path).text
        module_name, is_package = module_name_for(path)
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
        src = source if source is not None else read(path)
        module_name, is_package = module_name_for(path)
        rules = rule_classes_for(settings, registry, path)

        def lint(text):
            return lint_source(text, shown, settings, rules, module_name=module_name,
                               is_package=is_package, project=project)

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
                write_atomic(path, src.encode(outcome.source))
            except (OSError, UnicodeEncodeError) as exc:
                reason = getattr(exc, "strerror", None) or str(exc)
                errors.append(f"{shown}: could not write the fixed file: {reason}")
                result.fixes_applied = {}
                result.fixed_source = None
    if errors:
        result.error = "; ".join(errors)
    return result


def run(paths_or_files: Sequence[str], settings, registry, *, mode: str = "check", unsafe: bool = False,
        write: bool = True, jobs: int = 1, progress: Optional[Callable[[int], None]] = None,
        project=None) -> RunResult:
    """Check or fix `files` (already discovered)."""
    result = RunResult()
    for path in paths_or_files:
        if mode == "check":
            fr = check_one(path, settings, registry, project)
        else:
            fr = fix_one(path, settings, registry, project, unsafe=unsafe, write=write)
        result.files.append(fr)
        if fr.error:
            result.problems.append(fr.error)
        if progress:
            progress(1)
    return result
