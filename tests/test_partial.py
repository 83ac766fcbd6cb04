"""Screening by function body (partial.py): the bodies no selected rule could fire in are
replaced before the parse, and nothing reported changes: every finding, position, fix and
internal error is the one of the full parse."""

from __future__ import annotations

import pytest

from awaitwise import engine, partial
from awaitwise.config import Settings
from awaitwise.project import build_index
from awaitwise.registry import Rule, get_registry
from awaitwise.screening import screen_for, screen_units, unpack_units
from test_screening import _both, _fixture_files, _key, _project_dirs, _settings

REGISTRY = get_registry()
# every rule that allows it (AW304 reads every body of the module, so it never allows it) and
# screens a body on its facts or declares its triggers
BODY_RULES = [
    rule
    for rule in REGISTRY
    if rule.body_local
    and (
        rule.screen_facts.__func__ is not Rule.screen_facts.__func__
        or rule.triggers.__func__ is not Rule.triggers.__func__
    )
]
DEFAULT_RULES = [rule for rule in REGISTRY if rule.default_enabled]


@pytest.fixture
def every_file(monkeypatch):
    """Reduce files of any length (real runs leave small files whole)."""
    monkeypatch.setattr(partial, "MIN_LINES", 0)


def _reduced(text, rules=BODY_RULES, settings=None, project=None, module=""):
    settings = settings or Settings(select=("ALL",))
    return partial.reduced_source(text, screen_for(text, project, module), rules, settings, project)


def test_every_rule_is_body_local_but_unused_async():
    # a rule that judges suppressions (AW002) takes no part in the pass the bodies are left out of
    in_pass = [rule for rule in REGISTRY if not rule.judges_suppressions]
    assert {rule.code for rule in in_pass if not rule.body_local} == {"AW304"}
    assert {rule.code for rule in in_pass} - {rule.code for rule in BODY_RULES} == {"AW304"}
    assert set(DEFAULT_RULES) <= set(BODY_RULES)


def test_the_fixtures_have_bodies_to_replace(every_file):
    """The comparisons below are worth something only if bodies are replaced in them."""
    reduced = 0
    for path in _fixture_files():
        text = path.read_text(encoding="utf-8")
        if _reduced(text, settings=_settings(text)) is not None:
            reduced += 1
    assert reduced >= 15


@pytest.mark.parametrize("path", _fixture_files(), ids=lambda p: p.name)
def test_reducing_bodies_never_changes_results_on_fixtures(path, every_file):
    text = path.read_text(encoding="utf-8")
    screened, full = _both(text, path, _settings(text), rules=BODY_RULES)
    assert _key(screened) == _key(full)


@pytest.mark.parametrize("root", _project_dirs(), ids=lambda p: p.name)
def test_reducing_bodies_never_changes_results_with_a_project_index(root, every_file):
    files = sorted(str(p) for p in root.rglob("*.py"))
    settings = Settings(select=("ALL",), project_root=str(root))
    project = build_index(files, settings, use_cache=False, force=True, jobs=1)
    for path in files:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        screened, full = _both(text, path, settings, project, rules=BODY_RULES)
        assert _key(screened) == _key(full), path


SOURCE = """\
import asyncio
import time


def helper(items):
    total = 0
    for item in items:
        total += item
    return total


class Worker:
    def __init__(self, client):
        self.client = client

    def plain(self, x):
        y = x * 2
        return y + 1

    async def run(self):
        time.sleep(1)
        await asyncio.sleep(0)

    async def stop(self):
        self.task.cancel()
        return None


def declares():
    global STATE
    STATE = 1
    return STATE


def one_liner(x): return x + 1
"""


def test_only_bodies_that_no_rule_needs_are_replaced(every_file):
    reduced = _reduced(SOURCE)
    assert reduced is not None
    old, new = SOURCE.splitlines(), reduced.splitlines()
    assert len(old) == len(new)
    changed = [i + 1 for i, (a, b) in enumerate(zip(old, new)) if a != b]
    # helper's and plain's bodies; run (a finding), stop (`.cancel()`, which AW404 reads from
    # every method), __init__ (stores `self.client`), declares (`global`) and the one-liner stay
    assert changed == [6, 7, 8, 9, 17, 18]
    assert new[5] == "    pass" and new[6:9] == ["", "", ""]
    assert new[16] == "        pass" and new[17] == ""


def test_a_body_the_rules_need_elsewhere_is_kept_only_while_they_are_selected(every_file):
    blocking = [REGISTRY.get("AW100")]
    reduced = _reduced(SOURCE, rules=blocking).splitlines()
    assert reduced[24] == "        pass"  # stop(): AW100 has no use for its `.cancel()`
    with_cancel = _reduced(SOURCE, rules=blocking + [REGISTRY.get("AW404")]).splitlines()
    assert with_cancel[24] == "        self.task.cancel()"


def test_no_reduction_with_a_rule_that_reads_every_body(every_file):
    assert _reduced(SOURCE, rules=[REGISTRY.get("AW100"), REGISTRY.get("AW304")]) is None


def test_small_files_and_lone_carriage_returns_are_left_whole():
    short = "def helper(items):\n    total = 0\n    for item in items:\n        total += item\n    return total\n"
    assert partial.MIN_LINES > short.count("\n") and _reduced(short) is None
    assert _reduced(short * 10) is not None
    assert partial.reduced_source(SOURCE.replace("\n", "\r") * 10, None, BODY_RULES, Settings(), None) is None


def test_line_endings_and_indentation_are_kept(every_file):
    text = SOURCE.replace("    ", "\t").replace("\n", "\r\n")
    reduced = _reduced(text)
    assert reduced.count("\r\n") == text.count("\r\n") and "\n" not in reduced.replace("\r\n", "")
    assert "\r\n\tpass\r\n" in reduced and "\r\n\t\tpass\r\n" in reduced


def test_the_findings_are_those_of_the_full_parse(every_file):
    settings = Settings(select=("ALL",))
    screened, full = _both(SOURCE, "worker.py", settings, rules=BODY_RULES)
    assert _key(screened) == _key(full)
    assert [(d.code, d.location.row) for d in full.diagnostics] == [("AW100", 21)]


def test_a_reduced_text_that_does_not_parse_falls_back_to_the_whole_file(every_file, monkeypatch):
    monkeypatch.setattr(partial, "reduced_source", lambda *args: "def broken(:\n")
    settings = Settings(select=("ALL",))
    out = engine.lint_source(SOURCE, "worker.py", settings, BODY_RULES)
    assert [(d.code, d.location.row) for d in out.diagnostics] == [("AW100", 21)]


def _without_module(units):
    return [u._replace(facts=u.facts._replace(module="")) for u in units]


def _worker_project(tmp_path):
    """The index of a project whose package `pkg` holds SOURCE as `pkg.worker`."""
    (tmp_path / "pyproject.toml").write_text("[tool.awaitwise]\n", encoding="utf-8")
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "worker.py").write_text(SOURCE, encoding="utf-8")
    settings = Settings(select=("ALL",), project_root=str(tmp_path))
    return build_index(
        [str(pkg / "__init__.py"), str(pkg / "worker.py")], settings, use_cache=False, force=True, jobs=1
    )


def test_the_index_keeps_the_units_of_each_file(tmp_path):
    project = _worker_project(tmp_path)
    screen = screen_for(SOURCE, project, "pkg.worker")
    facts = screen.facts
    assert facts.module == "pkg.worker"
    from_index = screen.units()
    # the same as a parse of the text here under the same module name
    assert _without_module(from_index) == list(screen_for(SOURCE, None, "pkg.worker").units())
    assert all(u.facts.names_module == ("pkg.worker", False) for u in from_index)
    assert [u.start for u in from_index] == [6, 14, 17, 21, 25, 30, 35]
    assert [u.pinned for u in from_index] == [False, True, False, False, False, True, False]
    assert all(u.facts.module == "pkg.worker" for u in from_index)
    # another text than the index's: parsed here; a damaged record: not trusted
    assert _without_module(screen_for(SOURCE + "\n", project, "pkg.worker").units()) == _without_module(from_index)
    assert unpack_units(b"\x00garbage", facts) is None
    assert unpack_units(project.modules["pkg.worker"].units[:-3], facts) is None


def test_only_stores_on_a_methods_first_parameter_pin_its_body():
    source = (
        "class C:\n"
        "    def own(self, other):\n        self.x = other\n        return 1\n"
        "    def foreign(self, other):\n        other.x = 1\n        return 1\n"
        "    def nested(self):\n        def inner(obj):\n            obj.y = 1\n        return inner\n"
        "def module_level(obj):\n    obj.x = 1\n    return obj\n"
        "def declares():\n    def inner():\n        nonlocal_free = 1\n        return nonlocal_free\n"
        "    global G\n    G = 1\n"
    )
    _facts, units = screen_units(source)
    assert [(u.start, u.pinned) for u in units] == [(3, True), (6, False), (9, False), (13, False), (16, True)]


# --- large files, linted in pieces (partial.pieces, engine._lint_pieces) -------------------------


@pytest.fixture
def in_pieces(monkeypatch):
    """Lint every file that has two bodies to share out in pieces (real runs: files from 4 MiB)."""
    monkeypatch.setattr(partial, "MIN_LINES", 0)
    monkeypatch.setattr(partial, "PIECES_FROM", 0)
    monkeypatch.setattr(partial, "PIECE_BYTES", 0)


def _pieces(text, rules=BODY_RULES, settings=None, project=None, module=""):
    settings = settings or Settings(select=("ALL",))
    return partial.pieces(text, screen_for(text, project, module), rules, settings, project)


def test_the_fixtures_are_linted_in_pieces(in_pieces):
    """The comparisons below are worth something only if files are split in them."""
    split = 0
    for path in _fixture_files():
        text = path.read_text(encoding="utf-8")
        found = _pieces(text, settings=_settings(text))
        if found is not None and len(found) >= 2:
            split += 1
    assert split >= 15


@pytest.mark.parametrize("path", _fixture_files(), ids=lambda p: p.name)
def test_linting_in_pieces_never_changes_results_on_fixtures(path, in_pieces):
    text = path.read_text(encoding="utf-8")
    screened, full = _both(text, path, _settings(text), rules=BODY_RULES)
    assert _key(screened) == _key(full)


@pytest.mark.parametrize("root", _project_dirs(), ids=lambda p: p.name)
def test_linting_in_pieces_never_changes_results_with_a_project_index(root, in_pieces):
    files = sorted(str(p) for p in root.rglob("*.py"))
    settings = Settings(select=("ALL",), project_root=str(root))
    project = build_index(files, settings, use_cache=False, force=True, jobs=1)
    for path in files:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        screened, full = _both(text, path, settings, project, rules=BODY_RULES)
        assert _key(screened) == _key(full), path


def test_each_piece_owns_its_bodies_and_the_first_the_rest(in_pieces):
    source = SOURCE + "\n\nasync def later():\n    time.sleep(2)\n    return 2\n"
    found = _pieces(source)
    assert len(found) == 2  # the two coroutines a rule fires in
    first, second = found
    later = source.count("\n") - 1  # time.sleep(2)
    assert first.owns(21) and not second.owns(21)  # time.sleep in Worker.run
    assert second.owns(later) and not first.owns(later)
    assert first.owns(1) and not second.owns(1)  # module level
    assert first.owns(14) and not second.owns(14)  # __init__ stores on self: in every piece
    assert first.owns(25) and not second.owns(25)  # Worker.stop: a rule reads it for others, kept in all
    text = second.text()
    assert text.count("\n") == source.count("\n")
    assert "time.sleep(1)" not in text and "time.sleep(2)" in text
    assert "self.task.cancel()" in text and "self.client = client" in text
    assert "total += item" not in text  # a body no rule needs is replaced in every piece
    assert "time.sleep(2)" not in first.text() and "time.sleep(1)" in first.text()


def _large_module(functions):
    parts = ["import asyncio", "import time", "", "loop = asyncio.get_event_loop()", ""]
    for i in range(functions):
        parts += [
            "",
            f"async def handler_{i}(path):",
            "    data = path + 'x'",
            "    time.sleep(0.1)",
            f"    return len(data) * {i}",
        ]
        if i % 50 == 0:
            parts += [
                "",
                f"class Holder{i}:",
                "    def __init__(self, value):",
                "        self.value = value",
                "",
                "    async def go(self):",
                "        time.sleep(self.value)",
            ]
    return "\n".join(parts) + "\n"


def test_a_large_file_is_linted_in_pieces_with_the_results_of_one_parse(monkeypatch):
    monkeypatch.setattr(partial, "PIECES_FROM", 0)  # the split of a large file, at a test's size
    monkeypatch.setattr(partial, "PIECE_BYTES", 16 * 1024)
    text = _large_module(1_000)
    assert len(text) > partial.PIECE_BYTES
    settings = Settings(select=("ALL",))
    found = _pieces(text, rules=DEFAULT_RULES, settings=settings)
    assert found is not None and 2 <= len(found) <= partial.MAX_PIECES
    parses = []
    from awaitwise import cstparse

    original = cstparse.parse_module
    monkeypatch.setattr(cstparse, "parse_module", lambda source: parses.append(len(source)) or original(source))
    screened, full = _both(text, "big.py", settings, rules=DEFAULT_RULES)
    assert _key(screened) == _key(full)
    assert len(parses) == len(found) + 1  # the pieces, then the whole file once for the unscreened run
    rows = [d.location.row for d in screened.diagnostics if d.code == "AW100"]
    assert len(rows) == len(set(rows)) == 1_000 + 20  # each finding once, whichever piece found it


# --- the blocking rules screen bodies by the semantic model's qualified names --------------------

MODEL_SOURCE = (
    "import requests\n"
    "from time import sleep as nap\n"
    "async def cached(store: dict):\n    key = 'k'\n    return store.get(key)\n"  # builtins.dict().get: in no catalog
    "async def fetch():\n    url = 'u'\n    return requests.get(url)\n"  # AW101
    "async def pause():\n    delay = 1\n    nap(delay)\n"  # AW100, through the alias
    "async def unknown(conn):\n    size = 1\n    return conn.read(size)\n"  # resolves to nothing: no rule names it
)


def test_the_blocking_rules_keep_only_the_bodies_whose_callees_their_catalogs_name():
    _facts, units = screen_units(MODEL_SOURCE)
    settings = Settings(select=("AW100", "AW101", "AW103"))
    rules = [REGISTRY.get(code) for code in ("AW100", "AW101", "AW103")]
    kept = [[r.code for r in rules if r.screen_facts(u.facts, settings, None) is not False] for u in units]
    # (by terminal names alone, `store.get` would keep the first body for AW101)
    assert kept == [[], ["AW101"], ["AW100"], []]
    assert ("get", "builtins.dict().get") in units[0].facts.async_names


def test_bodies_left_out_by_the_models_names_change_no_result(tmp_path, every_file):
    path = tmp_path / "mod.py"
    text = MODEL_SOURCE * 3
    path.write_text(text, encoding="utf-8")
    rules = [REGISTRY.get(code) for code in ("AW100", "AW101", "AW103")]
    settings = Settings(select=("AW100", "AW101", "AW103"))
    reduced = partial.reduced_source(text, screen_for(text), rules, settings, None)
    assert reduced is not None and "store.get" not in reduced and "requests.get" in reduced
    screened, full = _both(text, path, settings, rules=rules)
    assert _key(screened) == _key(full)
    assert sorted(d.code for d in full.diagnostics) == ["AW100"] * 3 + ["AW101"] * 3


def test_the_models_names_are_used_only_under_the_module_name_they_were_made_for(tmp_path):
    project = _worker_project(tmp_path)
    same = screen_for(SOURCE, project, "pkg.worker")
    assert same.facts.names_module == ("pkg.worker", False) and same.facts.async_names is not None
    other = screen_for(SOURCE, project, "pkg.worker", is_package=True)
    assert other.facts.async_names is None and other.facts.names_module is None
    assert all(u.facts.async_names is None for u in other.units())
    assert [u.start for u in other.units()] == [u.start for u in same.units()]


def test_the_event_loop_rules_keep_only_the_bodies_that_call_what_they_report():
    source = (
        "import asyncio\n"
        "async def param(loop):\n    x = 1\n    loop.run_until_complete(x)\n"  # a loop of unknown origin
        "async def nested():\n    loop = asyncio.get_event_loop()\n    loop.run_until_complete(f())\n"
        "async def other(runner):\n    r = 1\n    runner.run(r)\n"  # `run` of something unknown
        "async def runs():\n    r = 1\n    asyncio.run(r)\n"
    )
    _facts, units = screen_units(source)
    settings = Settings(select=("AW302", "AW303"))
    rules = [REGISTRY.get(code) for code in ("AW302", "AW303")]
    kept = [[r.code for r in rules if r.screen_facts(u.facts, settings, None) is not False] for u in units]
    assert kept == [[], ["AW302", "AW303"], [], ["AW302"]]


def test_a_callee_nothing_resolves_reaches_the_star_patterns_only_through_a_subscript():
    from awaitwise.analysis.triggers import NOTHING, SUBSCRIPTED

    source = (
        "async def plain(sock):\n    n = 1\n    return sock.recv(n)\n"
        "async def indexed(clients):\n    q = {}\n    return clients['shop'].find(q)\n"
        "async def bound(client):\n    db = client['shop']\n    return db.orders.find({})\n"
        "async def held(client):\n    with client['shop'] as db:\n        return db.orders.find({})\n"
    )
    _facts, units = screen_units(source)
    answers = [sorted(answer for _term, answer in u.facts.async_names) for u in units]
    assert answers == [[NOTHING], [SUBSCRIPTED], [SUBSCRIPTED], [SUBSCRIPTED]]


def test_a_file_without_async_def_has_no_call_in_async_context():
    facts, units = screen_units("import time\ndef f():\n    time.sleep(1)\n    return 1\n", "pkg.mod")
    assert facts.async_names == frozenset() and facts.names_module == ("pkg.mod", False)
    assert [u.facts.async_names for u in units] == [frozenset()]
