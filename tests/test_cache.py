"""The result cache: entries are reused only while the file, the tool, the settings and the project
index are unchanged; a damaged cache is discarded, never trusted; cached runs report exactly what
uncached runs report."""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest

from awaitwise import cache as cache_mod
from awaitwise.cache import Cache, content_hash, dumps, loads
from awaitwise.config import Settings
from fixture_support import FIXTURES

BAD = "import time\n\nasync def f():\n    time.sleep(1)\n"


def aw(*args, cwd):
    return subprocess.run([sys.executable, "-m", "awaitwise", *args], cwd=cwd, capture_output=True, text=True)


# --- the file format ---------------------------------------------------------------------------------

KEY = b"k" * 32


def test_roundtrip_and_damage_is_detected():
    blob = dumps({"a": (1, "x")}, KEY, "facts.bin")
    assert loads(blob, KEY, "facts.bin") == {"a": (1, "x")}
    flipped = bytearray(blob)
    flipped[-3] ^= 0xFF
    for bad in (bytes(flipped), blob[:-5], blob[:10], b"", b"garbage" * 10):
        with pytest.raises(ValueError):
            loads(bad, KEY, "facts.bin")
    with pytest.raises(ValueError):  # another user's key, or the same bytes under another name
        loads(blob, b"o" * 32, "facts.bin")
    with pytest.raises(ValueError):
        loads(blob, KEY, "state-x.bin")


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_a_foreign_pickle_is_refused_even_with_a_valid_digest():
    payload = pickle.dumps({"k": _Evil()}, protocol=4)
    import hashlib

    # the old format's digest, which anyone can compute
    old = b"AWCACHE2" + hashlib.blake2b(payload, digest_size=16).digest() + payload
    with pytest.raises(ValueError):
        loads(old, KEY, "facts.bin")
    # even under a valid MAC, the allow-list refuses the global
    with pytest.raises(ValueError, match="forbidden"):
        loads(cache_mod._HEADER + cache_mod._mac(KEY, b"facts.bin", payload) + payload, KEY, "facts.bin")


# --- the folder ---------------------------------------------------------------------------------------


def test_cache_folder_ignores_itself(tmp_path):
    c = Cache.open(Settings(project_root=str(tmp_path)))
    c.store("k", 1)
    c.flush()
    folder = tmp_path / ".awaitwise_cache"
    assert (folder / ".gitignore").read_text().splitlines()[-1] == "*"
    assert Cache.open(Settings(project_root=str(tmp_path))).load("k") == 1


def test_disabled_cache_stores_nothing(tmp_path):
    c = Cache.open(Settings(project_root=str(tmp_path)), enabled=False)
    c.store("k", 1)
    c.flush()
    assert c.load("k") is None
    assert not (tmp_path / ".awaitwise_cache").exists()


def test_a_corrupt_bundle_is_discarded(tmp_path):
    c = Cache.open(Settings(project_root=str(tmp_path)))
    c.store("k", 1)
    c.flush()
    (path,) = (tmp_path / ".awaitwise_cache").glob("facts*.bin")
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01
    path.write_bytes(bytes(data))
    fresh = Cache.open(Settings(project_root=str(tmp_path)))
    assert fresh.load("k") is None
    assert not path.exists()  # removed; the next flush writes a good one
    fresh.store("k", 2)
    fresh.flush()
    assert Cache.open(Settings(project_root=str(tmp_path))).load("k") == 2


def test_concurrent_writers_keep_each_others_entries(tmp_path):
    settings = Settings(project_root=str(tmp_path))
    a, b = Cache.open(settings), Cache.open(settings)
    a.load("x"), b.load("y")  # both loaded the (empty) bundle before either wrote
    a.store("a", 1)
    b.store("b", 2)
    a.flush()
    b.flush()
    c = Cache.open(settings)
    assert (c.load("a"), c.load("b")) == (1, 2)
    assert not [p for p in (tmp_path / ".awaitwise_cache").iterdir() if p.name.startswith(".tmp-")]


# --- per-file results ------------------------------------------------------------------------------


def _store(tmp_path, **kw):
    settings = Settings(project_root=str(tmp_path), **kw)
    return Cache.open(settings).results(settings, ("AW100",))


def _old(path: Path, seconds=100):
    t = time.time() - seconds
    os.utime(path, (t, t))


def test_result_is_reused_only_for_the_same_file_state(tmp_path):
    f = tmp_path / "m.py"
    f.write_text(BAD)
    _old(f)
    store = _store(tmp_path)
    sig = (os.stat(f).st_mtime_ns, os.stat(f).st_size, content_hash(f.read_bytes()))
    store.record(str(f), "m.py", "P1", sig, ("result",))
    rehash = lambda: content_hash(f.read_bytes())  # noqa: E731
    assert store.lookup(str(f), "m.py", "P1", read_hash=rehash) == ("result",)
    assert store.lookup(str(f), "m.py", "P2", read_hash=rehash) is None  # another project index
    assert store.lookup(str(f), "other/m.py", "P1", read_hash=rehash) is None  # shown elsewhere
    _old(f, 50)  # touched: new mtime, same content -> the content check keeps it
    assert store.lookup(str(f), "m.py", "P1", read_hash=rehash) == ("result",)
    f.write_text(BAD.replace("1", "2"))  # same size, new content
    _old(f, 10)
    assert store.lookup(str(f), "m.py", "P1", read_hash=rehash) is None


def test_a_just_modified_file_is_checked_by_content_next_time(tmp_path):
    f = tmp_path / "m.py"
    f.write_text(BAD)
    store = _store(tmp_path)
    st = os.stat(f)
    store.record(str(f), "m.py", "P", (st.st_mtime_ns, st.st_size, "not-the-hash"), ("r",))
    # mtime and size still match, but the entry was written in the same instant as the file:
    # it is only trusted after a content check (which fails here)
    assert store.lookup(str(f), "m.py", "P", read_hash=lambda: content_hash(f.read_bytes())) is None


def test_settings_or_codes_change_the_bundle(tmp_path):
    settings = Settings(project_root=str(tmp_path))
    c = Cache.open(settings)
    a = c.results(settings, ("AW100",)).bundle.path
    assert c.results(settings, ("AW100", "AW101")).bundle.path != a
    assert c.results(Settings(project_root=str(tmp_path), target_version="py312"), ("AW100",)).bundle.path != a
    assert c.results(settings, ("AW100",)).bundle.path == a


# --- end to end ------------------------------------------------------------------------------------


def _copy_demo(tmp_path) -> Path:
    dst = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo", dst)
    return dst


def test_cached_and_uncached_runs_report_the_same(tmp_path):
    root = _copy_demo(tmp_path)
    uncached = aw("check", "--no-cache", "--output-format", "json", ".", cwd=root)
    assert not (root / ".awaitwise_cache").exists()
    first = aw("check", "--output-format", "json", ".", cwd=root)
    assert (root / ".awaitwise_cache").is_dir()
    second = aw("check", "--output-format", "json", ".", cwd=root)
    assert uncached.stdout and uncached.returncode == 1
    assert first.stdout == uncached.stdout == second.stdout
    assert first.returncode == second.returncode == uncached.returncode
    # damage every cache file: the run must not trust them, crash, or report differently
    for p in (root / ".awaitwise_cache").glob("*.bin"):
        p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2] + b"\x00garbage")
    damaged = aw("check", "--output-format", "json", ".", cwd=root)
    assert damaged.stdout == uncached.stdout and damaged.returncode == 1
    assert "Traceback" not in damaged.stderr


def test_an_edit_is_seen_through_the_cache(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.awaitwise]\n")
    f = tmp_path / "m.py"
    f.write_text(BAD)
    assert aw("check", ".", cwd=tmp_path).returncode == 1
    f.write_text(BAD.replace("time.sleep(1)", "print(1)    "))
    r = aw("check", ".", cwd=tmp_path)
    assert r.returncode == 0, r.stdout
    f.write_text(BAD)
    assert aw("check", ".", cwd=tmp_path).returncode == 1


def test_a_definition_changed_in_another_module_rechecks_its_users(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.awaitwise]\n")
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "db.py").write_text("def fetch():\n    return 1\n")
    (pkg / "app.py").write_text("from pkg.db import fetch\n\nasync def main():\n    fetch()\n")
    assert aw("check", ".", cwd=tmp_path).returncode == 0
    (pkg / "db.py").write_text("async def fetch():\n    return 1\n")
    r = aw("check", ".", cwd=tmp_path)
    assert r.returncode == 1 and "app.py:4:5: AW200" in r.stdout, r.stdout + r.stderr


def test_facts_of_another_version_are_dropped_when_the_table_is_written(tmp_path):
    from awaitwise.cache import Cache

    settings = types.SimpleNamespace(project_root=str(tmp_path))
    cache = Cache.open(settings)
    cache.store("facts-1-aaa", "old")
    cache.store("facts-1-bbb", "old too")
    cache.flush()
    assert Cache.open(settings).load("facts-1-aaa") == "old"
    cache = Cache.open(settings)
    cache.store("facts-2-aaa", "new")  # an upgraded awaitwise: the old entries are never read again
    cache.flush()
    cache = Cache.open(settings)
    assert cache.load("facts-2-aaa") == "new"
    assert cache.load("facts-1-bbb") is None


def test_result_tables_of_old_configurations_are_pruned(tmp_path):
    from awaitwise import cache as cache_mod

    settings = types.SimpleNamespace(project_root=str(tmp_path))
    c = cache_mod.Cache.open(settings)
    folder = tmp_path / cache_mod.CACHE_DIR
    for i in range(cache_mod.MAX_RESULT_BUNDLES + 3):
        path = folder / f"results-old{i}.bin"
        path.write_bytes(b"x")
        os.utime(path, ns=(i * 10**9, i * 10**9))
    c.flush()
    left = sorted(n for n in os.listdir(folder) if n.startswith("results-"))
    assert len(left) == cache_mod.MAX_RESULT_BUNDLES
    assert "results-old0.bin" not in left and f"results-old{cache_mod.MAX_RESULT_BUNDLES + 2}.bin" in left


def test_pruning_counts_the_runs_own_table_even_before_it_is_written(tmp_path):
    # a run's state table is written at its end: it still takes one of the places kept
    for i in range(5):
        path = tmp_path / f"state-old{i}.bin"
        path.write_bytes(b"x")
        os.utime(path, ns=(i * 10**9, i * 10**9))
    (tmp_path / "results-x.bin").write_bytes(b"x")  # another prefix: not counted, not touched
    cache_mod.prune_bundles(str(tmp_path), "state-", 3, {"state-mine.bin", "results-x.bin"})
    assert sorted(os.listdir(tmp_path)) == ["results-x.bin", "state-old3.bin", "state-old4.bin"]
