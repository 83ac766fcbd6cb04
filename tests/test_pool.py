"""The worker pool survives its workers (issue 19, crash isolation): a worker that dies on a file
(os._exit, SIGSEGV, SIGKILL) or is still busy after the per-file timeout costs that file only,
reported with its name (exit 2), while every other file's results come out and nothing hangs.
Workers print nothing, and fixed files are written by the main process only.

The failures are injected by a test rule that ends or stalls its process on files that call
`crash_exit()`, `crash_segv()`, `crash_kill()` or `stall()`, only in a worker process: for the
command it is a plugin (a distribution folder on PYTHONPATH with an `awaitwise.rules` entry
point), in process it is a registry entry."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from awaitwise import pool, runner
from awaitwise import registry as registry_module
from awaitwise.config import Settings

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers, POSIX signals, /proc")

BAD = "import time\n\n\nasync def f():\n    time.sleep(1)\n"
N_GOOD = 30  # above runner.POOL_THRESHOLD: the run uses the pool

RULE_SOURCE = textwrap.dedent('''
    """A test rule that ends or stalls the process it runs in, on request of the file."""

    import os
    import signal
    import sys
    import time

    from awaitwise.registry import Rule

    MAIN_PID = int(os.environ.get("CRASH_RULES_MAIN_PID", "0")) or os.getpid()


    class CrashTheWorker(Rule):
        """
        ## What it does
        Ends or stalls its worker process when the file calls `crash_exit()`, `crash_segv()`,
        `crash_kill()` or `stall()`, and prints noise for `noisy()`.

        ## Why is this bad?
        It is a test rule.

        ## Example
        ```python
        crash_exit()
        ```

        ## Use instead
        ```python
        pass
        ```

        ## Fix safety
        There is no fix.
        """

        code = "%(code)s"
        name = "crash-the-worker"
        summary = "ends its worker process"
        needs_async = False
        tokens = None

        def visit_Call(self, node):
            name = getattr(node.func, "value", None)
            if os.getpid() == MAIN_PID:
                return  # only ever a worker: the main process is the test runner or the command
            if name == "crash_exit":
                os._exit(3)
            elif name == "crash_segv":
                os.kill(os.getpid(), signal.SIGSEGV)
            elif name == "crash_kill":
                os.kill(os.getpid(), signal.SIGKILL)
            elif name == "stall":
                time.sleep(60)
            elif name == "noisy":
                print("noise on stdout")
                sys.stderr.write("Traceback (most recent call last):\\n  noise on stderr\\n")
                sys.stderr.flush()
                os.write(2, b"native noise on fd 2\\n")
''')

CRASHES = {
    "crash_exit.py": "exit status 3",
    "crash_segv.py": "killed by SIGSEGV",
    "crash_kill.py": "killed by SIGKILL",
}


def _tree(root, extra=()):
    root.mkdir()
    for i in range(N_GOOD):
        (root / f"m{i:03d}.py").write_text(BAD)
    (root / "noisy.py").write_text("noisy()\n")
    for name in extra:
        (root / name).write_text(f"{name[:-3]}()\n")
    return root


def _processes_with(marker: str):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as fh:
                    if marker.encode() in fh.read():
                        found.append(int(entry))
            except OSError:
                pass
    return found


@pytest.fixture(scope="module")
def plugin_env(tmp_path_factory):
    """Environment for a command that loads the test rule as a plugin (no install needed)."""
    site = tmp_path_factory.mktemp("crash_site")
    (site / "crash_rules.py").write_text(RULE_SOURCE % {"code": "CRS100"})
    info = site / "crash_rules-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: crash-rules\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[awaitwise.rules]\nCRS100 = crash_rules:CrashTheWorker\n")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(site)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env.pop("CRASH_RULES_MAIN_PID", None)
    env.pop(pool.FILE_TIMEOUT_ENV, None)
    return env


def _aw(env, *args, cwd):
    start = time.monotonic()
    r = subprocess.run(
        [sys.executable, "-m", "awaitwise", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    return r, time.monotonic() - start


def _errors(stderr):
    return sorted(line for line in stderr.splitlines() if line.startswith("awaitwise: error: "))


@pytest.mark.parametrize("command", ["check", "fix"])
def test_a_dead_worker_costs_its_file_only(tmp_path, plugin_env, command):
    root = _tree(tmp_path / "tree", CRASHES)
    r, _ = _aw(plugin_env, command, "--no-cache", "--jobs", "2", ".", cwd=root)
    assert r.returncode == 2, r.stderr
    assert _errors(r.stderr) == sorted(
        f"awaitwise: error: {name}: internal error: the worker process died while processing this file ({how})"
        for name, how in CRASHES.items()
    )
    assert len(r.stderr.splitlines()) == len(CRASHES)  # nothing else: no traceback, no worker's noise
    assert "noise" not in r.stdout
    if command == "check":
        assert sum(1 for line in r.stdout.splitlines() if ": AW100 " in line) == N_GOOD
    else:
        assert f"Fixed {N_GOOD} errors in {N_GOOD} files" in r.stdout
        assert all("await asyncio.sleep(1)" in (root / f"m{i:03d}.py").read_text() for i in range(N_GOOD))
        assert all((root / name).read_text() == f"{name[:-3]}()\n" for name in CRASHES)


def test_a_stuck_worker_is_stopped_after_the_timeout(tmp_path, plugin_env):
    root = _tree(tmp_path / "tree", ["stall.py"])
    env = dict(plugin_env, **{pool.FILE_TIMEOUT_ENV: "1"})
    r, elapsed = _aw(env, "check", "--no-cache", "--jobs", "2", str(root), cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert elapsed < 30  # the stalled rule sleeps 60 s
    assert _errors(r.stderr) == [
        f"awaitwise: error: {os.path.join('tree', 'stall.py')}: not processed: it took "
        f"longer than 1 s (the limit per file; {pool.FILE_TIMEOUT_ENV} sets it)"
    ]
    assert "Traceback" not in r.stderr
    assert sum(1 for line in r.stdout.splitlines() if ": AW100 " in line) == N_GOOD
    time.sleep(0.2)
    assert _processes_with(str(root)) == []  # the stalled worker was killed, not left behind


# --- in process -------------------------------------------------------------------------------


@pytest.fixture
def crash_registry(monkeypatch):
    monkeypatch.setenv("CRASH_RULES_MAIN_PID", str(os.getpid()))
    namespace = {"__name__": "crash_rules_inprocess"}
    exec(compile(RULE_SOURCE % {"code": "CRS100"}, "crash_rules_inprocess.py", "exec"), namespace)
    return registry_module.Registry(registry_module._builtin_rules() + [namespace["CrashTheWorker"]])


def _summary(result):
    return [(f.filename, [(d.code, d.location.row, d.message) for d in f.diagnostics], f.error) for f in result.files]


def test_the_pool_reports_dead_and_stuck_workers_and_agrees_on_the_rest(tmp_path, monkeypatch, crash_registry):
    monkeypatch.chdir(tmp_path)
    root = _tree(tmp_path / "tree", ["crash_segv.py", "stall.py"])
    files = sorted(str(p.relative_to(tmp_path)) for p in root.iterdir())
    settings = Settings(project_root=str(tmp_path))
    alone = runner.run(files, settings, crash_registry, jobs=1)  # the rule does nothing in this process
    assert alone.problems == []
    seen = []
    start = time.monotonic()
    pooled = runner.run(files, settings, crash_registry, jobs=2, file_timeout=0.5, progress=seen.append)
    assert time.monotonic() - start < 20
    assert sum(seen) == len(files)
    broken = {os.path.join("tree", "crash_segv.py"), os.path.join("tree", "stall.py")}
    assert [f for f in _summary(pooled) if f[0] not in broken] == [f for f in _summary(alone) if f[0] not in broken]
    assert sorted(pooled.problems) == [
        f"{os.path.join('tree', 'crash_segv.py')}: internal error: the worker process died while processing this "
        "file (killed by SIGSEGV)",
        f"{os.path.join('tree', 'stall.py')}: not processed: it took longer than 0.5 s (the limit per file; "
        f"{pool.FILE_TIMEOUT_ENV} sets it)",
    ]


def test_fixed_files_are_written_by_the_main_process_only(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    root = _tree(tmp_path / "tree")
    locked = root / "m000.py"
    locked.chmod(0o444)  # its write fails, and is reported like any other
    log = tmp_path / "writers.log"
    real = runner.write_atomic

    def logged(path, *args, **kwargs):
        with open(log, "a") as fh:
            fh.write(f"{os.getpid()}\n")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(runner, "write_atomic", logged)  # the forked workers inherit the patch
    files = sorted(str(p.relative_to(tmp_path)) for p in root.glob("m*.py"))
    settings = Settings(project_root=str(tmp_path), select=("AW100",))
    result = runner.run(files, settings, registry_module.get_registry(), mode="fix", jobs=2)
    assert log.read_text().split() == [str(os.getpid())] * N_GOOD
    assert result.problems == [
        f"{os.path.join('tree', 'm000.py')}: could not write the fixed file: the file is read-only"
    ]
    assert locked.read_text() == BAD and not result.files[0].fixes_applied
    assert sum(1 for f in result.files if f.fixes_applied) == N_GOOD - 1
    assert all("await asyncio.sleep(1)" in open(f).read() for f in files[1:])


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, pool.FILE_TIMEOUT),
        ("2.5", 2.5),
        ("0", pool.FILE_TIMEOUT),
        ("-3", pool.FILE_TIMEOUT),
        ("soon", pool.FILE_TIMEOUT),
        ("nan", pool.FILE_TIMEOUT),
    ],
)
def test_the_file_timeout_comes_from_the_environment(monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv(pool.FILE_TIMEOUT_ENV, raising=False)
    else:
        monkeypatch.setenv(pool.FILE_TIMEOUT_ENV, value)
    assert pool.file_timeout() == expected


def test_workers_die_with_the_main_process():
    """A worker of a main process killed with SIGKILL is gone within moments (the parent-death
    signal), even while it is busy with a file."""
    code = textwrap.dedent("""
        import os, sys
        from awaitwise import pool as pool_module
        class Job(pool_module.PoolJob):
            def __call__(self, path):
                import time
                time.sleep(60)
        items = [(i, "f%d.py" % i) for i in range(4)]
        pool = pool_module.run_pool(Job(), items, 2, timeout=120)
        print("main", os.getpid(), flush=True)
        next(pool)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code, "pool-death-marker"], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().startswith("main ")
        deadline = time.monotonic() + 10
        while len(_processes_with("pool-death-marker")) < 3:  # the main process and its 2 workers
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 2
        while _processes_with("pool-death-marker"):
            assert time.monotonic() < deadline, "a worker outlived its main process"
            time.sleep(0.02)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("failing_starts", [2, 100])
def test_workers_that_die_while_starting_cost_no_file(tmp_path, monkeypatch, failing_starts):
    """Two workers that die before they are ready: their files go to others. Every start failing:
    after a few tries the files are done in this process. Either way every result is there."""
    monkeypatch.chdir(tmp_path)
    root = _tree(tmp_path / "tree")
    starts = tmp_path / "starts.log"
    real = runner._Job.start_worker

    def failing_start(job, parent_pid=None):
        with open(starts, "a") as fh:
            fh.write("start\n")
        if len(starts.read_text().split()) <= failing_starts:
            os._exit(1)
        real(job, parent_pid)

    monkeypatch.setattr(runner._Job, "start_worker", failing_start)
    files = sorted(str(p.relative_to(tmp_path)) for p in root.glob("m*.py"))
    settings = Settings(project_root=str(tmp_path), select=("AW100",))
    alone = runner.run(files, settings, registry_module.get_registry(), jobs=1)
    pooled = runner.run(files, settings, registry_module.get_registry(), jobs=2)
    assert pooled.problems == [] and _summary(pooled) == _summary(alone)
    started = len(starts.read_text().split())
    # two replacements for the two first failures; when every start fails, the replacement started
    # for the failure before the limit still starts (and fails) before the pool gives up
    assert started == (failing_starts + 2 if failing_starts < pool.START_FAILURES else pool.START_FAILURES + 1)


@pytest.mark.parametrize("command", ["check", "fix"])
def test_a_small_run_is_isolated_too(tmp_path, plugin_env, command):
    """Under the pool's threshold the files go to a single worker: a crash still costs its file."""
    root = tmp_path / "small"
    root.mkdir()
    (root / "good.py").write_text(BAD)
    (root / "crash_segv.py").write_text("crash_segv()\n")
    r, _ = _aw(plugin_env, command, "--no-cache", ".", cwd=root)
    assert r.returncode == 2, r.stderr
    assert _errors(r.stderr) == [
        "awaitwise: error: crash_segv.py: internal error: the worker process died "
        "while processing this file (killed by SIGSEGV)"
    ]
    if command == "check":
        assert "good.py:" in r.stdout and ": AW100 " in r.stdout
    else:
        assert "await asyncio.sleep(1)" in (root / "good.py").read_text()


def test_jobs_1_runs_in_the_main_process(tmp_path, plugin_env):
    root = tmp_path / "one"
    root.mkdir()
    (root / "crash_segv.py").write_text("crash_segv()\n")  # the test rule crashes workers only
    r, _ = _aw(plugin_env, "check", "--no-cache", "--jobs", "1", ".", cwd=root)
    assert r.returncode == 0, r.stderr


def test_an_index_worker_that_dies_costs_its_file_only(tmp_path):
    """The project index's extraction runs in the same pool: a worker killed while it reads a file
    (the out-of-memory killer, say) leaves that file out of the index, in order, and the run goes
    on; it never waits for the lost file."""
    for i in range(6):
        (tmp_path / f"m{i}.py").write_text(f"async def f{i}():\n    pass\n")
    code = textwrap.dedent("""
        import os, signal, sys
        from awaitwise import project
        project._POOL_MIN_FILES = 2
        real = project._ExtractJob.__call__
        def call(self, item):
            if item[0].endswith("m3.py"):
                os.kill(os.getpid(), signal.SIGKILL)
            return real(self, item)
        project._ExtractJob.__call__ = call
        paths = [os.path.join(sys.argv[1], "m%d.py" % i) for i in range(6)]
        for facts in project.extract_many(paths, 2):
            print("-" if facts is None else sorted(facts.names)[0])
    """)
    r = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["f0", "f1", "f2", "-", "f4", "f5"]
