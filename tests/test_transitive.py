"""AW110 transitive-blocking: the facts extracted from sync bodies, the call graph, the messages,
and how cached results follow an edited helper. The fixture project fixtures/projects/reports is
also checked as a tree by tests/test_projects.py."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from awaitwise import runner
from awaitwise.cli import main
from awaitwise.config import Settings, resolve_settings
from awaitwise.project import ProjectIndex, build_index, extract
from awaitwise.records import calls_of
from awaitwise.registry import get_registry
from fixture_support import FIXTURES

REPORTS = FIXTURES / "projects" / "reports"


def _cli(args, cwd: Path):
    old = os.getcwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, ["check", "--output-format", "json"] + args)
    finally:
        os.chdir(old)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def _index(sources, settings=None):
    modules = {name: extract(f"{name}.py", text) for name, text in sources.items()}
    return ProjectIndex(modules, frozenset(), {name: f"{name}.py" for name in sources}, settings)


# --- facts -----------------------------------------------------------------------------------------


def test_facts_keep_only_what_the_body_executes():
    facts = extract(
        "m.py",
        (
            "import asyncio, time\n"
            "def f(p):\n"
            "    def inner():\n"
            "        time.sleep(1)\n"
            "    g = lambda: time.sleep(2)\n"
            "    asyncio.to_thread(helper, p)\n"
            "    with open(p) as fh:\n"
            "        fh.read()\n"
            "    for x in p.glob('*'):\n"
            "        pass\n"
            "    len(p)\n"
            "async def coro():\n"
            "    time.sleep(1)\n"
        ),
    )
    targets = [(c.target, c.line, c.consumed) for c in calls_of(facts)["f"]]
    assert targets == [
        ("asyncio.to_thread", 6, False),  # `helper` is handed over, not called
        ("open", 7, False),
        ("open().read", 8, False),
    ]  # nothing from inner/lambda bodies, `p.glob` has an unknown receiver, len() is pure
    assert [c.target for c in calls_of(facts)["f.<locals>.inner"]] == ["time.sleep"]
    assert "coro" not in calls_of(facts)  # async bodies are read by the rules themselves


def test_facts_resolve_self_cls_local_imports_and_instance_attributes():
    facts = extract(
        "m.py",
        (
            "import requests\n"
            "class C(Base):\n"
            "    def __init__(self):\n"
            "        self.s = requests.Session()\n"
            "    def get(self, u):\n"
            "        from .util import fetch as f\n"
            "        self.s.get(u)\n"
            "        self.other()\n"
            "        return f(u)\n"
            "    @classmethod\n"
            "    def make(cls):\n"
            "        return cls.build()\n"
        ),
    )
    assert [c.target for c in calls_of(facts)["C.get"]] == [
        ("path", "C", "().s.get"),
        ("path", "C", "().other"),
        ("imp", 1, "util", "fetch", ""),
    ]
    assert [c.target for c in calls_of(facts)["C.make"]] == [("path", "C", ".build")]
    assert facts.attr_values == {"C": {"s": "requests.Session()"}}


def test_facts_name_the_exceptions_caught_around_each_call():
    facts = extract(
        "m.py",
        (
            "import contextlib, socket, ssl\n"
            "from contextlib import suppress\n"
            "def f(sock: socket.socket):\n"
            "    try:\n"
            "        sock.recv(1)\n"
            "        with suppress(InterruptedError):\n"
            "            sock.send(b'x')\n"
            "        def later():\n"
            "            sock.recv(2)\n"
            "    except (BlockingIOError, ssl.SSLWantReadError):\n"
            "        pass\n"
            "    with contextlib.suppress(ValueError):\n"
            "        sock.recv(3)\n"
            "    with contextlib.nullcontext(BlockingIOError):\n"
            "        sock.recv(4)\n"
        ),
    )
    caught = {c.line: c.caught for c in calls_of(facts)["f"] if c.target == "socket.socket().recv"}
    sent = [c.caught for c in calls_of(facts)["f"] if c.target == "socket.socket().send"]
    assert caught == {
        5: ("builtins.BlockingIOError", "ssl.SSLWantReadError"),
        13: ("builtins.ValueError",),
        15: (),
    }
    assert [set(c) for c in sent] == [{"builtins.BlockingIOError", "ssl.SSLWantReadError", "builtins.InterruptedError"}]
    assert [c.caught for c in calls_of(facts)["f.<locals>.later"]] == [()]  # runs when called


# --- the graph -------------------------------------------------------------------------------------


def test_shortest_chain_wins_and_cycles_end():
    index = _index(
        {
            "m": (
                "import time\n"
                "def leaf():\n"
                "    time.sleep(1)\n"
                "def mid():\n"
                "    leaf()\n"
                "def top():\n"
                "    mid()\n"
                "    leaf()\n"
                "def a():\n"
                "    b()\n"
                "def b():\n"
                "    a()\n"
            ),
        }
    )
    graph = index.blocking_graph(Settings())
    assert graph.chains[("m", "top")].steps == (("m", "top"), ("m", "leaf"))
    assert graph.chains[("m", "mid")].leaf.line == 3
    assert ("m", "a") not in graph.chains and ("m", "b") not in graph.chains


def test_ignored_catalogs_do_not_count_and_aw108_counts_only_when_enabled():
    sources = {
        "m": "import time, hashlib\ndef nap():\n    time.sleep(1)\n"
        "def derive(p):\n    return hashlib.pbkdf2_hmac('sha256', p, b's', 100000)\n"
    }
    graph = _index(sources).blocking_graph(Settings())
    assert ("m", "nap") in graph.chains and ("m", "derive") not in graph.chains
    graph = _index(sources).blocking_graph(Settings(ignore=("AW100",)))
    assert ("m", "nap") not in graph.chains
    graph = _index(sources).blocking_graph(Settings(select=("AW108", "AW110")))
    assert ("m", "derive") in graph.chains


def test_non_blocking_arguments_are_the_rules_own():
    graph = _index(
        {
            "m": (
                "import threading, socket\n"
                "lock = threading.Lock()\n"
                "def try_lock():\n"
                "    return lock.acquire(blocking=False)\n"
                "def take_lock():\n"
                "    return lock.acquire()\n"
                "def numeric(host):\n"
                "    return socket.getaddrinfo(host, 80, 0, 0, 0, socket.AI_NUMERICHOST)\n"
                "def nonblocking_recv():\n"
                "    sock = socket.socket()\n"
                "    sock.setblocking(False)\n"
                "    return sock.recv(10)\n"
            )
        }
    ).blocking_graph(Settings())
    assert set(graph.chains) == {("m", "take_lock")}


def test_message_shows_the_shortest_chain_in_text_and_json():
    data = _cli(["--no-cache", "."], REPORTS)
    messages = {d["message"] for d in data}
    assert (
        "publish_fast() blocks the event loop: publish_fast → write_text → open() (app/storage/files.py:8)"
    ) in messages
    assert (
        "publish() blocks the event loop: publish → build → save_report → write_text → open() (app/storage/files.py:8)"
    ) in messages
    assert (
        "self.load() blocks the event loop: Repository.load → Repository._read → read_config → "
        "pathlib.Path().read_text() (app/storage/files.py:13)"
    ) in messages
    assert {d["code"] for d in data} == {"AW110"}
    assert all(d["fix"] is None for d in data)


def test_rule_doc_documents_the_options():
    doc = get_registry().get("AW110").doc()
    assert "non-blocking-functions" in doc and "transitive-max-depth" in doc


# --- incremental ----------------------------------------------------------------------------------


def _copy_reports(tmp_path) -> Path:
    root = tmp_path / "reports"
    shutil.copytree(REPORTS, root)
    (root / "app" / "services" / "unrelated.py").write_text(
        "from ..storage.files import pure\n\n\nasync def shout(text):\n    return pure(text)\n", encoding="utf-8"
    )
    return root


def _unblock_write_text(root: Path) -> None:
    files = root / "app" / "storage" / "files.py"
    text = files.read_text(encoding="utf-8")
    blocking = '    with open(path, "w") as f:\n        f.write(text)\n'
    assert blocking in text
    # the same number of lines: the chains through the other helpers keep their line numbers
    files.write_text(text.replace(blocking, "    print(path)\n    print(text)\n"), encoding="utf-8")


def _index_of(root: Path):
    settings = resolve_settings([str(root)], None, {}, get_registry())
    files = sorted(str(p) for p in root.rglob("*.py"))
    return build_index(files, settings, use_cache=False)


def test_file_fingerprints_follow_the_chains_through_an_edited_module(tmp_path):
    root = _copy_reports(tmp_path)
    api = root / "app" / "services" / "api.py"
    unrelated = root / "app" / "services" / "unrelated.py"
    base = root / "app" / "storage" / "base.py"
    before = _index_of(root)
    # a body edit that changes no chain keeps every fingerprint
    files = root / "app" / "storage" / "files.py"
    files.write_text(files.read_text(encoding="utf-8").replace("text.upper()", "text.lower()"), encoding="utf-8")
    same = _index_of(root)
    assert same.fingerprint() == before.fingerprint()
    _unblock_write_text(root)
    after = _index_of(root)
    assert after.fingerprint() != before.fingerprint()
    assert after.file_fingerprint(str(api)) != before.file_fingerprint(str(api))
    assert after.file_fingerprint(str(unrelated)) == before.file_fingerprint(str(unrelated))
    assert after.file_fingerprint(str(base)) == before.file_fingerprint(str(base))


def test_results_keyed_by_file_fingerprint_recheck_only_dependent_files(tmp_path):
    """What a result store keyed per file by file_fingerprint() does after a helper body edit:
    the files whose chains pass through the helper miss, the unrelated file hits."""
    from awaitwise.cache import Cache, content_hash

    root = _copy_reports(tmp_path)
    settings = resolve_settings([str(root)], None, {}, get_registry())
    paths = [root / "app" / "services" / "api.py", root / "app" / "services" / "unrelated.py"]
    index = _index_of(root)
    cache = Cache.open(settings)
    store = cache.results(settings, settings.enabled_codes(get_registry()))
    for p in paths:
        st = os.stat(p)
        store.record(
            str(p),
            str(p),
            index.file_fingerprint(str(p)),
            (st.st_mtime_ns, st.st_size, content_hash(p.read_bytes())),
            ("result",),
        )
    _unblock_write_text(root)
    index = _index_of(root)
    api, unrelated = (
        store.lookup(str(p), str(p), index.file_fingerprint(str(p)), read_hash=lambda p=p: content_hash(p.read_bytes()))
        for p in paths
    )
    assert api is None and unrelated == ("result",)


def test_cached_run_follows_an_edited_helper(tmp_path, monkeypatch):
    root = _copy_reports(tmp_path)
    checked = []
    original = runner.check_one

    def spy(path, *a, **k):
        checked.append(Path(path).name)
        return original(path, *a, **k)

    monkeypatch.setattr(runner, "check_one", spy)
    # in this process (a small run is checked in a forked worker, whose calls this spy never sees)
    monkeypatch.setattr(runner, "default_jobs", lambda: 1)
    first = _cli(["."], root)
    assert sum(d["filename"].endswith("api.py") for d in first) == 8
    checked.clear()
    assert _cli(["."], root) == first and checked == []  # warm: nothing re-checked
    files = root / "app" / "storage" / "files.py"
    files.write_text(files.read_text(encoding="utf-8").replace("text.upper()", "text.lower()"), encoding="utf-8")
    assert _cli(["."], root) == first
    assert checked == ["files.py"]  # a body edit that moves no chain re-checks the edited file only
    checked.clear()
    _unblock_write_text(root)
    second = _cli(["."], root)
    assert "api.py" in checked
    assert "cycles.py" not in checked  # its chains do not pass through the edited module
    remaining = {d["message"].split(" ", 1)[0] for d in second}
    assert remaining == {"self.load()", "archive()", "ping()"}
    assert second == _cli(["--no-cache", "."], root)


@pytest.mark.parametrize("depth", [1, 2])
def test_max_depth_counts_project_functions(depth):
    index = _index({"m": "import time\ndef a():\n    time.sleep(1)\ndef b():\n    a()\n"})
    graph = index.blocking_graph(Settings(transitive_max_depth=depth))
    assert (("m", "b") in graph.chains) == (depth == 2)


def test_packed_calls_are_read_like_the_cache():
    # FileFacts.calls is pickled; what is not awaitwise's own record reads as no calls at all
    import pickle

    facts = extract("m.py", "import time\ndef f():\n    time.sleep(1)\n")
    assert isinstance(facts.calls, bytes) and [c.target for c in calls_of(facts)["f"]] == ["time.sleep"]
    assert calls_of(facts._replace(calls=pickle.dumps(print))) == {}
    assert calls_of(facts._replace(calls=b"\x80garbage")) == {}
    assert calls_of(extract("n.py", "x = 1\n")) == {}


# --- an index that follows edits (the language server) -------------------------------------------


_FOLLOWED = {
    "store": "import os\n\n\nclass Store:\n    def __init__(self):\n        self.fh = open('x')\n\n"
    "    def save(self, data):\n        self.fh.write(data)\n\n\ndef wipe(p):\n    os.remove(p)\n",
    "service": "from store import Store, wipe\n\n\ndef persist(s: Store, d):\n    s.save(d)\n\n\n"
    "def clean():\n    return 1\n",
    "app": "from service import persist, clean\n\n\nasync def handler(s, d):\n    persist(s, d)\n    clean()\n",
}


@pytest.mark.parametrize(
    "module, edited",
    [
        ("service", _FOLLOWED["service"].replace("    return 1\n", "    wipe('/tmp/x')\n    return 1\n")),  # a new call
        ("service", "\n\n" + _FOLLOWED["service"]),  # every line moves
        ("store", _FOLLOWED["store"].replace("    os.remove(p)\n", "    return p\n")),  # a call goes
        ("store", _FOLLOWED["store"].replace("self.fh = open('x')", "self.fh = None")),  # an attribute's value
        ("service", _FOLLOWED["service"] + "\n\nasync def extra():\n    pass\n"),  # a new definition
    ],
)
def test_an_updated_index_answers_as_a_fresh_one(module, edited):
    settings = Settings(project_root="")
    followed = _index(_FOLLOWED, settings).follow_edits()
    before = followed.blocking_graph(settings)  # built, with what the next one reuses
    before.tokens()
    followed.memo(("typed_function_names", frozenset({"httpx"})), lambda: frozenset())
    updated = followed.updated(module, extract(f"{module}.py", edited))
    fresh = _index(dict(_FOLLOWED, **{module: edited}), settings)
    graph, expected = updated.blocking_graph(settings), fresh.blocking_graph(settings)
    assert graph.chains == expected.chains and graph.names() == expected.names()
    assert updated.coroutine_names() == fresh.coroutine_names()
    assert [updated.resolve(q) for q in ("app.persist", "service.Store.save", "service.extra")] == [
        fresh.resolve(q) for q in ("app.persist", "service.Store.save", "service.extra")
    ]
    # and once more from there, back to the original text
    again = updated.updated(module, extract(f"{module}.py", _FOLLOWED[module]))
    assert again.blocking_graph(settings).chains == before.chains
