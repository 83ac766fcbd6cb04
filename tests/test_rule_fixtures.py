"""Every rule's fixtures, read as data: the diagnostics must be exactly the marked lines, and every
fix the rule makes is snapshotted, parses, and is idempotent."""

from __future__ import annotations

import libcst as cst
import pytest

from awaitwise.config import Settings
from awaitwise.engine import lint_source
from awaitwise.fixer import fix_loop
from awaitwise.registry import get_registry
from fixture_support import expectations, fixture_rules, fixture_settings, rule_fixture_files

REGISTRY = get_registry()
CASES = rule_fixture_files()


def _settings(code: str, text: str) -> Settings:
    extra = fixture_settings(text)
    for key in ("blocking_calls",):
        if key in extra:
            extra[key] = tuple(sorted(extra[key].items()))
    for key in ("coroutine_functions", "non_blocking_functions"):
        if key in extra:
            extra[key] = tuple(extra[key])
    return Settings(select=(code,), **extra)


def _lint(code, path, text, settings):
    """The fixture's rule alone, or with the rules its settings name in `with_rules` (a rule
    about other rules' findings, AW002, needs them); only its own code is compared."""
    from awaitwise.modules import module_name_for

    name, is_pkg = module_name_for(str(path))
    others = [REGISTRY.get(c) for c in fixture_rules(text)]
    return lint_source(text, str(path), settings, [REGISTRY.get(code), *others], module_name=name, is_package=is_pkg)


@pytest.mark.parametrize("code,path", CASES, ids=[f"{c}/{p.name}" for c, p in CASES])
def test_reports_exactly_the_marked_lines(code, path):
    text = path.read_text(encoding="utf-8")
    expected, oks = expectations(text)
    out = _lint(code, path, text, _settings(code, text))
    assert not out.internal_errors
    got = {(d.location.row, d.code) for d in out.diagnostics if d.code == code}
    assert sorted(got - expected) == [], "reported but not marked (false positives)"
    assert sorted(expected - got) == [], "marked but not reported (false negatives)"
    assert not {row for row, _ in got} & oks


@pytest.mark.parametrize("code,path", CASES, ids=[f"{c}/{p.name}" for c, p in CASES])
def test_fix_snapshot(code, path, snapshot):
    text = path.read_text(encoding="utf-8")
    settings = _settings(code, text)
    rule = REGISTRY.get(code)
    outcome = fix_loop(text, lambda src: _lint(code, path, src, settings), unsafe=True)
    assert not outcome.errors
    snapshot.snapshot_dir = path.parent
    if rule.fix is None:
        assert outcome.source == text, "a rule without a fix changed the source"
        return
    cst.parse_module(outcome.source)  # the fixed file parses
    snapshot.assert_match(outcome.source, path.name + ".fixed")
    again = fix_loop(outcome.source, lambda src: _lint(code, path, src, settings), unsafe=True)
    assert again.source == outcome.source, "fixing twice changed the file the second time"
    assert not again.applied


def test_every_rule_has_fixtures_with_more_negatives_than_positives():
    by_code = {}
    for code, path in CASES:
        errors, oks = expectations(path.read_text(encoding="utf-8"))
        e, o = by_code.get(code, (0, 0))
        by_code[code] = (e + len(errors), o + len(oks))
    missing = [r.code for r in REGISTRY if r.code not in by_code and not r.__module__.startswith("awaitwise_plugin")]
    assert missing == [], "rules without a fixtures/ folder"
    for code, (errors, oks) in by_code.items():
        assert errors > 0, f"{code}: no must-report case"
        assert oks >= errors, f"{code}: {oks} must-not-report cases (# ok) for {errors} must-report ones"
