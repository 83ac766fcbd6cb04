"""Lint one source: screen, parse once, one batched pass for every selected rule, then turn the
rules' reports into plain records (positions, text edits), and filter suppressions centrally."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple, Type

from .diagnostics import Diagnostic, Edit, Fix, Location
from .noqa import NoqaMap

if TYPE_CHECKING:
    from .registry import Rule

PARSE_ERROR = "AW001"
# Screening skips rules (and the parse) a file cannot trigger. Turning it off must never change
# the results; tests/test_screening.py and `bench.py --verify-screening` prove it.
SCREENING = True
_IDENT = re.compile(r"\w+")


@dataclass
class LintOutput:
    diagnostics: List[Diagnostic] = field(default_factory=list)
    # Internal errors: (rule code or "", message). A rule that raised is reported, the others still run.
    internal_errors: List[Tuple[str, str]] = field(default_factory=list)
    parsed: bool = False  # False when screening proved no selected rule could fire


def identifiers(source: str) -> FrozenSet[str]:
    """Every word in the source: a superset of its identifiers and keywords (for screening)."""
    return frozenset(_IDENT.findall(source))


_RELATIVE_IMPORT = re.compile(r"^[ \t]*from[ \t]+\.", re.M)


def screen_words(source: str, module_name: str = "") -> FrozenSet[str]:
    """identifiers(source), and the top-level name of the file's own package when the file has a
    relative import: `from . import Redis` in `redis/helpers.py` reaches `redis` unwritten."""
    words = identifiers(source)
    if module_name and _RELATIVE_IMPORT.search(source):
        words = words | {module_name.split(".", 1)[0]}
    return words


def screen(rule_classes: Sequence[Type[Rule]], words: FrozenSet[str], settings, project=None) -> List[Type[Rule]]:
    """The rules that could fire on a file with these words. Sound: a rule is dropped only when
    a token it needs cannot be in the file."""
    has_async = "async" in words or "await" in words
    keep = []
    for rule in rule_classes:
        if rule.needs_async and not has_async:
            continue
        tokens = rule.screen_tokens(settings) if project is None else _project_tokens(rule, settings, project)
        if tokens is not None and words.isdisjoint(tokens):
            continue
        keep.append(rule)
    return keep


def screen_with_facts(
    rule_classes: Sequence[Type[Rule]], facts, source: str, settings, project=None, module_name: str = ""
) -> List[Type[Rule]]:
    """The rules that could fire on a file with these screening.ScreenFacts (ast parsed it). Each
    rule's `screen_facts` decides; one without an opinion (None) is screened as in `screen`:
    `needs_async` against the file's async syntax, its tokens against the file's words (only
    computed when such a rule asks)."""
    words = None
    keep = []
    for rule in rule_classes:
        verdict = rule.screen_facts(facts, settings, project)
        if verdict is False:
            continue
        if verdict is None:
            if rule.needs_async and not facts.has_async:
                continue
            tokens = rule.screen_tokens(settings) if project is None else _project_tokens(rule, settings, project)
            if tokens is not None:
                if words is None:
                    words = screen_words(source, module_name)
                if words.isdisjoint(tokens):
                    continue
        keep.append(rule)
    return keep


def _project_tokens(rule, settings, project):
    return rule.screen_tokens_with_project(settings, project)


def lint_source(
    source: str,
    path: str,
    settings,
    rule_classes: Sequence[Type[Rule]],
    *,
    module_name: str = "",
    is_package: bool = False,
    project=None,
    check_parse: bool = True,
) -> LintOutput:
    judges = [r for r in rule_classes if r.judges_suppressions]
    if not judges:
        return _lint(source, path, settings, rule_classes, module_name, is_package, project, check_parse)
    others = [r for r in rule_classes if not r.judges_suppressions]
    out = _lint(source, path, settings, others, module_name, is_package, project, check_parse, keep_suppressed=True)
    if any(d.code == PARSE_ERROR for d in out.diagnostics):
        return out  # the file was not checked (and a parse error is never suppressed)
    failed = {code for code, _ in out.internal_errors}
    if "" in failed:  # the rules did not get through the file: nothing to judge
        out.diagnostics = filter_noqa(out.diagnostics, source)
        return out
    # the rules that ran on the whole file: screening drops only rules that cannot fire, so
    # those ran too, and found nothing
    ran = frozenset(r.code for r in others if r.code not in failed) | (
        frozenset({PARSE_ERROR}) if check_parse else frozenset()
    )
    findings = list(out.diagnostics)
    for judge in judges:
        try:
            out.diagnostics.extend(judge.judge(source, path, findings, ran))
        except Exception as exc:  # a failing judge loses its own findings, never the file's
            from .walker import describe

            out.internal_errors.append((judge.code, describe(exc)))
    out.diagnostics = filter_noqa(out.diagnostics, source)
    out.diagnostics.sort(key=lambda d: (d.location, d.code))
    return out


def _lint(
    source: str,
    path: str,
    settings,
    rule_classes: Sequence[type],
    module_name: str,
    is_package: bool,
    project,
    check_parse: bool,
    keep_suppressed: bool = False,
) -> LintOutput:
    """lint_source for rules of the pass; `keep_suppressed`: leave the findings a `# noqa`
    suppresses in, for the rules that judge suppressions."""
    out = LintOutput()
    screened = facts = None
    if SCREENING:
        # the project index's facts when it holds this very text, else one `ast` pass here
        from .screening import screen_for

        screened = screen_for(source, project, module_name, is_package)
        facts = screened.facts
        if facts.parsed:
            active = screen_with_facts(rule_classes, facts, source, settings, project, module_name)
        else:  # ast rejects it: libcst decides (AW001, or syntax newer than this Python's)
            active = screen(rule_classes, screen_words(source, module_name), settings, project)
    else:  # every selected rule sees every file (tests compare this with the screened run)
        active = list(rule_classes)
    if not active and not check_parse:
        return out
    if not active:
        # Nothing can fire; the only question left is whether the file parses (AW001), which
        # the screening parse has answered when there was one.
        if facts is not None:
            if facts.parsed:
                return out
        elif _compiles(source):
            return out
    # what could overflow the native parser's stack (a crash of the process) never reaches it
    from .cstparse import limit_error

    too_deep = limit_error(source, facts.parsed if facts is not None else None)
    if too_deep is not None:
        where = Location(too_deep.line, too_deep.column)
        out.diagnostics.append(
            Diagnostic(
                PARSE_ERROR, f"Could not parse file: {too_deep.message}", path, where, where, None, too_deep.line
            )
        )
        return out
    import libcst as cst  # imported only when a file is really parsed

    from .cstparse import parse_module

    reduced = None
    if screened is not None and facts is not None and active and facts.parsed:
        from .partial import pieces, reduced_source

        # a large file is linted in pieces, so that no tree of the whole of it is built
        split = pieces(source, screened, active, settings, project)
        if split is not None and _lint_pieces(
            out, split, source, path, settings, active, module_name, is_package, project
        ):
            if not keep_suppressed:
                out.diagnostics = filter_noqa(out.diagnostics, source)
            return out
        # the function bodies no selected rule could fire in are left out (see partial.py)
        reduced = reduced_source(source, screened, active, settings, project)
    # a reduced text that does not parse (it should) leaves the decision to the whole file
    for text in (source,) if reduced is None else (reduced, source):
        try:
            module = parse_module(text)
            break
        except cst.ParserSyntaxError as exc:
            if text is source:
                out.diagnostics.append(_parse_error(path, exc, source))
                return out
        except (RecursionError, MemoryError):
            out.internal_errors.append(("", "too deeply nested to parse"))
            return out
    out.parsed = True
    if not active:
        return out
    _run_rules(out, text, module, source, path, settings, active, module_name, is_package, project)
    if not keep_suppressed:
        out.diagnostics = filter_noqa(out.diagnostics, source)
    return out


def _lint_pieces(
    out: LintOutput, split, source: str, path: str, settings, active, module_name: str, is_package: bool, project
) -> bool:
    """Lint each piece of a large file (partial.pieces), keeping the findings on the lines it owns.
    False, with `out` untouched, when a piece does not parse: the whole file decides then."""
    import libcst as cst

    from .cstparse import parse_module

    found: List[Diagnostic] = []
    errors: List[Tuple[str, str]] = []
    model = None
    for piece in split:
        text = piece.text()
        try:
            module = parse_module(text)
        except (cst.ParserSyntaxError, RecursionError, MemoryError):
            return False
        part = LintOutput()
        model = _run_rules(part, text, module, source, path, settings, active, module_name, is_package, project, model)
        del module
        found.extend(d for d in part.diagnostics if piece.owns(d.location.row))
        errors.extend(e for e in part.internal_errors if e not in errors)
    found.sort(key=lambda d: (d.location, d.code))
    out.parsed = True
    out.diagnostics.extend(found)
    out.internal_errors.extend(errors)
    return True


def _run_rules(
    out: LintOutput,
    text: str,
    module,
    source: str,
    path: str,
    settings,
    active,
    module_name: str,
    is_package: bool,
    project,
    model=None,
):
    """The batched pass of the `active` rules over `module` (parsed from `text`: `source`, or it
    with bodies replaced); findings and internal errors go to `out`. Gives the file's semantic
    model, which a later piece of the same file can reuse (`model`)."""
    from .context import FileContext
    from .interrupts import rule_exception_propagates
    from .walker import describe, walk

    ctx = FileContext(path, source, module, settings, module_name, is_package, project, model=model)

    def on_error(code, exc):
        out.internal_errors.append((code, describe(exc)))

    rules = []
    for cls in active:
        try:
            rules.append(cls(ctx))
        except BaseException as exc:  # a rule that cannot start loses itself, not the file (walker.walk)
            if rule_exception_propagates(exc):
                raise
            on_error(cls.code, exc)

    try:
        walk(ctx, rules, on_error)
    except (RecursionError, MemoryError):
        out.internal_errors.append(("", "too deeply nested to analyse"))
    if ctx.reports:
        try:
            out.diagnostics.extend(_materialize(ctx, path, source, text, module, on_error))
        except (RecursionError, MemoryError):  # libcst's position pass recurses; deep code can exhaust it
            out.internal_errors.append(
                ("", f"too deeply nested to locate {len(ctx.reports)} finding(s); they are not reported")
            )
    return ctx.built_model()


def _compiles(source: str) -> bool:
    import ast

    try:
        ast.parse(source)
        return True
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False


def _parse_error(path: str, exc, source: str) -> Diagnostic:
    """AW001, with CPython's own wording and position when it agrees the file is invalid."""
    import ast

    try:
        ast.parse(source)
        py_error = None
    except SyntaxError as err:
        py_error = err
    except (ValueError, RecursionError, MemoryError):
        py_error = None
    if py_error is not None and py_error.lineno:
        line, col = py_error.lineno, max(py_error.offset or 1, 1)
        message = py_error.msg
    else:
        line = getattr(exc, "raw_line", None) or getattr(exc, "line", 1) or 1
        col = (getattr(exc, "raw_column", None) or getattr(exc, "column", 0) or 0) + 1
        message = str(getattr(exc, "message", None) or exc).splitlines()[0]
    return Diagnostic(
        PARSE_ERROR, f"Could not parse file: {message}", path, Location(line, col), Location(line, col), None, line
    )


def filter_noqa(diagnostics: Iterable[Diagnostic], source: str) -> List[Diagnostic]:
    diagnostics = list(diagnostics)
    if not diagnostics:
        return diagnostics
    lowered = source.lower()
    if "noqa" not in lowered and "ignore[" not in lowered:  # no noqa, nor a type checker's ignore
        return diagnostics
    noqa = NoqaMap(source)
    return [d for d in diagnostics if not noqa.suppressed(d.noqa_row or d.location.row, d.code)]


# ----------------------------------------------------------------------------------------------
# From CST reports to plain records
# ----------------------------------------------------------------------------------------------


class _Lines:
    def __init__(self, source: str):
        starts = [0]
        for m in re.finditer(r"\r\n|\r|\n", source):
            starts.append(m.end())
        self.starts = starts
        self.length = len(source)

    def offset(self, line: int, col0: int) -> int:
        if line - 1 >= len(self.starts):  # the line after a last line that has no newline
            return self.length
        return self.starts[line - 1] + col0


def _materialize(ctx, path: str, source: str, text: str, module, on_error) -> List[Diagnostic]:
    """`text`: what `module` was parsed from (`source`, or it with bodies left out, partial.py)."""
    from .positions import locate

    wanted = [rep.node for rep in ctx.reports]
    wanted += [e.node for rep in ctx.reports if rep.fix is not None for e in rep.fix.edits]
    positions = locate(module, text, wanted, [rep.where for rep in ctx.reports])
    lines = _Lines(source)
    import_edits: Dict[tuple, Optional[Edit]] = {}
    result = []
    for rep in ctx.reports:
        rng = positions.get(rep.node)
        if rng is None:
            on_error(rep.code, RuntimeError("reported a node that is not in the module"))
            continue
        start = Location(rng.start.line, rng.start.column + 1)
        end = Location(rng.end.line, rng.end.column + 1)
        fix = None
        if rep.fix is not None:
            try:
                fix = _make_fix(
                    rep.fix, positions, lines, module, import_edits, (ctx.module_name or "").split(".", 1)[0]
                )
            except Exception as exc:  # a broken fixer loses its fix, never the diagnostic
                on_error(rep.code, exc)
        result.append(Diagnostic(rep.code, rep.message, path, start, end, fix, start.row))
    result.sort(key=lambda d: (d.location, d.code))
    return result


def _make_fix(spec, positions, lines: _Lines, module, import_edits, first_party: str = "") -> Optional[Fix]:
    edits = []
    for e in spec.edits:
        rng = positions[e.node]
        content = e.content if isinstance(e.content, str) else module.code_for_node(e.content)
        if module.default_newline != "\n" and "\n" in content:  # keep the file's line endings
            content = content.replace("\r\n", "\n").replace("\n", module.default_newline)
        if e.where == "replace":
            s, t = (rng.start.line, rng.start.column), (rng.end.line, rng.end.column)
        elif e.where == "lines":  # the node's whole lines, indentation and final newline included
            s, t = (rng.start.line, 0), (rng.end.line + 1, 0)
        elif e.where == "before":
            s = t = (rng.start.line, rng.start.column)
        else:
            s = t = (rng.end.line, rng.end.column)
        edits.append(
            Edit(content, Location(s[0], s[1] + 1), Location(t[0], t[1] + 1), lines.offset(*s), lines.offset(*t))
        )
    if spec.imports:
        key = tuple(sorted(spec.imports, key=lambda i: (i[0], i[1] or "")))
        if key not in import_edits:
            from .import_edits import import_edits as added

            import_edits[key] = added(module, key, lines, first_party)
        edits.extend(import_edits[key])
    edits.sort(key=lambda e: (e.start, e.end))
    return Fix(spec.applicability, spec.message, tuple(edits))
