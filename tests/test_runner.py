"""Many files: the process pool gives the same results as one process, in input order; small runs
never start it; the cache answers unchanged files without linting them; progress is reported."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from awaitwise import runner
from awaitwise.cache import Cache
from awaitwise.config import Settings
from awaitwise.registry import get_registry

REGISTRY = get_registry()
BAD = "import time\n\nasync def f():\n    time.sleep({n})\n"
FIXABLE_NOT = "async def f():\n    return input()\n"  # AW104 has no fix


def _tree(tmp_path, n):
    files = []
    for i in range(n):
        p = tmp_path / f"m{i:03d}.py"
        p.write_text(BAD.format(n=i) if i % 3 else "x = 1\n")
        files.append(str(p))
    return files


def _summary(result):
    return [(f.filename, [(d.code, d.location.row, d.message) for d in f.diagnostics], f.error) for f in result.files]


def test_pool_and_single_process_agree(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    files = _tree(tmp_path, runner.POOL_THRESHOLD + 5)
    settings = Settings(project_root=str(tmp_path))
    seen = []
    one = runner.run(files, settings, REGISTRY, jobs=1)
    many = runner.run(files, settings, REGISTRY, jobs=2, progress=seen.append)
    assert _summary(one) == _summary(many)
    assert [f.filename for f in many.files] == [os.path.relpath(f) for f in files]  # input order
    assert sum(seen) == len(files)
    assert sum(1 for f in many.files if f.diagnostics) == len(files) - len(files[::3])


def test_small_runs_use_one_worker_and_jobs_1_none(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    files = _tree(tmp_path, 5)
    started = []
    real = runner.run_pool

    def one_pool(job, items, workers, timeout=None):
        started.append(workers)
        return real(job, items, workers, timeout)

    monkeypatch.setattr(runner, "run_pool", one_pool)
    seen = []
    result = runner.run(files, Settings(project_root=str(tmp_path)), REGISTRY, jobs=8, progress=seen.append)
    assert len(result.files) == 5 and sum(seen) == 5
    assert started == [1]  # below the threshold: one worker, so that a crash still costs one file

    def no_pool(*a, **k):
        raise AssertionError("the pool was started with jobs=1")

    monkeypatch.setattr(runner, "run_pool", no_pool)
    again = runner.run(files, Settings(project_root=str(tmp_path)), REGISTRY, jobs=1)
    assert [f.diagnostics for f in again.files] == [f.diagnostics for f in result.files]


def test_unchanged_files_come_from_the_cache(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    files = _tree(tmp_path, 6)
    settings = Settings(project_root=str(tmp_path))
    cache = Cache.open(settings)
    first = runner.run(files, settings, REGISTRY, cache=cache)
    cache.flush()
    calls = []
    real = runner.check_one
    monkeypatch.setattr(runner, "check_one", lambda *a, **k: calls.append(a[0]) or real(*a, **k))
    with open(files[1], "a") as fh:  # one file changes
        fh.write("\n# edited\n")
    cache = Cache.open(settings)
    seen = []
    second = runner.run(files, settings, REGISTRY, cache=cache, progress=seen.append)
    assert calls == [files[1]]
    assert _summary(first) == _summary(second)
    assert sum(seen) == len(files)


def test_fix_mode_reuses_cached_results_without_fixes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text(FIXABLE_NOT)
    (tmp_path / "b.py").write_text(BAD.format(n=1))
    files = [str(tmp_path / "a.py"), str(tmp_path / "b.py")]
    for f in files:
        os.utime(f, (1_000_000_000, 1_000_000_000))
    settings = Settings(project_root=str(tmp_path), select=("AW100", "AW104"))
    cache = Cache.open(settings)
    runner.run(files, settings, REGISTRY, mode="fix", write=False, cache=cache)
    calls = []
    real = runner.fix_one
    monkeypatch.setattr(runner, "fix_one", lambda *a, **k: calls.append(a[0]) or real(*a, **k))
    result = runner.run(files, settings, REGISTRY, mode="fix", write=False, cache=cache)
    assert calls == [files[1]]  # b.py has a fix to apply: never answered from the cache
    assert result.files[0].diagnostics and result.files[1].fixed_source is not None


def test_one_file_check_does_not_start_workers(tmp_path):
    (tmp_path / "m.py").write_text(BAD.format(n=1))
    code = (
        "import multiprocessing, sys\n"
        "from awaitwise.cli import main\n"
        "multiprocessing.Pool = None\n"  # any attempt to start a pool fails loudly
        "sys.argv = ['awaitwise', 'check', '--no-cache', 'm.py']\n"
        "main()\n"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 1 and "m.py:4:5: AW100" in r.stdout, r.stderr


def test_project_fingerprint_rules():
    assert runner.project_fingerprint(None) == "-"

    class WithFp:
        def fingerprint(self):
            return "abc"

    assert runner.project_fingerprint(WithFp()) == "abc"
    assert runner.project_fingerprint(object()) is None  # no fingerprint: results are not cached


@pytest.mark.parametrize("jobs", [1, 2])
def test_unreadable_files_are_reported_and_the_rest_runs(tmp_path, monkeypatch, jobs):
    monkeypatch.chdir(tmp_path)
    files = _tree(tmp_path, runner.POOL_THRESHOLD + 1)
    (tmp_path / "m001.py").write_bytes(b"\x00\x01binary")
    missing = str(tmp_path / "gone.py")
    settings = Settings(project_root=str(tmp_path))
    result = runner.run(files + [missing], settings, REGISTRY, jobs=jobs, cache=Cache.open(settings))
    assert len(result.problems) == 2
    assert any("NUL" in p for p in result.problems) and any("gone.py" in p for p in result.problems)
    assert sum(1 for f in result.files if f.diagnostics) == len(files) - len(files[::3]) - 1
