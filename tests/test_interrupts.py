"""Stopping a run (issue 20): SIGINT and SIGTERM end `fix` with 130 and 143 and one line that says
how many files were written; after the signal (and after `kill -9` of the command) no file
changes and no worker process is left; every file is either as it was or completely fixed. Also
the argument check that `--stdin-filename` takes no PATHS."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from awaitwise import interrupts

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="POSIX signals and /proc; the parent-death signal is Linux's"
)

N_FILES = 200  # at --jobs 2 the whole fix takes several seconds: the signal comes well before the end
ORIGINAL = "import time\n\n\n" + "".join(f"async def f{j}():\n    time.sleep({j})\n\n\n" for j in range(3))
SIGNALS = {"SIGINT": signal.SIGINT, "SIGTERM": signal.SIGTERM, "SIGKILL": signal.SIGKILL}


@pytest.fixture(scope="module")
def fixed_text():
    from awaitwise.api import fix_source

    out = fix_source(ORIGINAL)
    assert out.changed and "time.sleep" not in out.source
    return out.source


def _tree(root):
    root.mkdir()
    for i in range(N_FILES):
        (root / f"m{i:03d}.py").write_text(ORIGINAL)
    return root


def _snapshot(root):
    return {
        p.name: (p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(root.iterdir())
        if not (p.name.startswith(".awaitwise-") and p.name.endswith(".tmp"))
    }  # kill -9 mid-write


def _written(root):
    return sum(1 for p in root.glob("*.py") if p.read_text() != ORIGINAL)


def _processes_with(marker: str):
    """Live processes whose command line mentions `marker` (the command and its forked workers)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                cmdline = fh.read()
        except OSError:
            continue
        if marker.encode() in cmdline:  # a zombie's command line is empty
            found.append(int(entry))
    return found


def _start_fix(root, folder):
    out = open(folder / "stdout.txt", "wb")
    err = open(folder / "stderr.txt", "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "awaitwise", "fix", "--no-cache", "--jobs", "2", str(root)],
        cwd=folder,
        stdout=out,
        stderr=err,
        stdin=subprocess.DEVNULL,
    )
    out.close()
    err.close()
    return proc


@pytest.fixture(scope="module")
def stopped_runs(tmp_path_factory, fixed_text):
    """One `fix --jobs 2` per signal, run side by side: each gets its signal once it has written
    3 files; then, with all of them exited, 2 s in which nothing may change and no process of
    theirs may live. By signal name: (exit status, stdout, stderr, files fixed, problems)."""
    base = tmp_path_factory.mktemp("stopped")
    runs = {}
    for name in SIGNALS:
        folder = base / name
        folder.mkdir()
        root = _tree(folder / "tree")
        runs[name] = (folder, root, _start_fix(root, folder))
    waiting = dict(runs)
    deadline = time.monotonic() + 90
    try:
        while waiting:
            for name, (_folder, root, proc) in list(waiting.items()):
                assert proc.poll() is None, f"the run for {name} ended before it could be interrupted"
                if _written(root) >= 3:  # its pool is running and it is writing
                    proc.send_signal(SIGNALS[name])
                    del waiting[name]
            assert time.monotonic() < deadline, "no run fixed 3 files within 90 s"
            time.sleep(0.02)
        codes = {name: proc.wait(timeout=30) for name, (_, _, proc) in runs.items()}
    finally:
        for _, _, proc in runs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    first = {name: _snapshot(root) for name, (_, root, _) in runs.items()}
    end = time.monotonic() + 2.0
    leftover = {}
    while time.monotonic() < end:
        for name, (_, root, _) in runs.items():
            pids = _processes_with(str(root))
            if pids:
                leftover[name] = pids
        time.sleep(0.1)
    out = {}
    for name, (folder, root, _) in runs.items():
        problems = []
        if name in leftover:
            problems.append(f"processes of the run still alive after it exited: {leftover[name]}")
        if _snapshot(root) != first[name]:
            problems.append("a file changed after the command exited")
        fixed = 0
        for file, (_, data) in first[name].items():
            text = data.decode()
            if text not in (ORIGINAL, fixed_text):
                problems.append(f"{file} is neither the original nor the fixed text")
            compile(text, file, "exec")
            fixed += text == fixed_text
        out[name] = (
            codes[name],
            (folder / "stdout.txt").read_text(),
            (folder / "stderr.txt").read_text(),
            fixed,
            problems,
        )
    return out


@pytest.mark.parametrize("name", list(SIGNALS))
def test_a_stopped_fix_writes_nothing_more_and_leaves_no_worker(stopped_runs, name):
    code, _, stderr, fixed, problems = stopped_runs[name]
    assert problems == []
    assert 3 <= fixed < N_FILES  # and each file is the original or completely fixed (above)
    assert "Traceback" not in stderr and "Error" not in stderr
    if name == "SIGKILL":
        assert code == -signal.SIGKILL and stderr == ""


@pytest.mark.parametrize("name", ["SIGINT", "SIGTERM"])
def test_a_signal_exits_128_plus_its_number_after_one_line(stopped_runs, name):
    code, stdout, stderr, fixed, _ = stopped_runs[name]
    assert code == 128 + SIGNALS[name]  # 130, 143
    assert stderr == f"awaitwise: interrupted by {name}; {fixed} files were already written\n"
    assert stdout == ""  # no report of a run that did not finish


def test_a_signal_during_a_write_lets_it_finish_then_stops(monkeypatch):
    monkeypatch.setattr(interrupts, "_received", None)
    monkeypatch.setattr(interrupts, "_written", None)
    interrupts.begin_writing()
    steps = []
    with interrupts.handling_signals():
        with pytest.raises(interrupts.Interrupted) as caught:
            with interrupts.writing("a.py"):
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(0.05)  # the handler has run by now, and deferred the stop
                steps.append("a.py written")
        assert steps == ["a.py written"] and caught.value.exit_code == 143
        with pytest.raises(interrupts.Interrupted):  # nothing more is written once stopped
            with interrupts.writing("b.py"):
                steps.append("b.py written")
    assert steps == ["a.py written"] and interrupts.written() == 1
    assert interrupts.message(signal.SIGTERM) == "awaitwise: interrupted by SIGTERM; 1 file was already written"


def test_a_signal_during_a_failed_write_still_stops(monkeypatch):
    monkeypatch.setattr(interrupts, "_received", None)
    monkeypatch.setattr(interrupts, "_written", None)
    interrupts.begin_writing()
    with interrupts.handling_signals():
        with pytest.raises(interrupts.Interrupted):
            with interrupts.writing("a.py"):
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.05)
                raise OSError("disk full")
    assert interrupts.written() == 0
    assert interrupts.message(signal.SIGINT) == "awaitwise: interrupted by SIGINT; no file was written yet"


# --- argument checks --------------------------------------------------------------------------


def _cli(*args, stdin):
    from click.testing import CliRunner

    from awaitwise.cli import main

    try:
        runner = CliRunner(mix_stderr=False)  # click < 8.2
    except TypeError:
        runner = CliRunner()
    return runner.invoke(main, list(args), input=stdin)


@pytest.mark.parametrize("command", ["check", "fix"])
def test_stdin_filename_with_paths_is_a_usage_error(tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text(ORIGINAL)
    r = _cli(command, "--no-cache", "--stdin-filename", "n.py", "a.py", stdin=ORIGINAL)
    assert r.exit_code == 2 and r.stdout == ""
    assert "Usage:" in r.stderr and "--stdin-filename" in r.stderr and "'a.py'" in r.stderr
    assert r.exception is None or isinstance(r.exception, SystemExit)
    assert (tmp_path / "a.py").read_text() == ORIGINAL  # never read, never fixed
    ok = _cli(command, "--no-cache", "--stdin-filename", "n.py", "-", stdin=ORIGINAL)  # `-` is stdin
    assert ok.exit_code == (1 if command == "check" else 0), ok.stderr


def test_the_index_pool_ends_its_workers_quietly(tmp_path):
    """The project index extracts a large tree in a pool of worker processes, torn down with
    SIGTERM when it is done: a worker must end without a word (the parent's signal handler, which
    turns SIGTERM into Interrupted, is not theirs), and a whole run prints no traceback."""
    import subprocess
    import sys

    for i in range(450):  # more than the index's pool threshold
        (tmp_path / f"mod_{i}.py").write_text(f"import time\n\ndef helper_{i}():\n    time.sleep(1)\n")
    (tmp_path / "app.py").write_text("from mod_1 import helper_1\n\nasync def main():\n    helper_1()\n")
    code = (
        "import glob, os, sys\n"
        "from awaitwise import interrupts, project\n"
        "paths = sorted(glob.glob(os.path.join(sys.argv[1], '*.py')))\n"
        "with interrupts.handling_signals():\n"
        "    facts = list(project.extract_many(paths, 2))\n"
        "assert len(facts) == len(paths) and all(f is not None for f in facts)\n"
    )
    for _ in range(3):
        done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert done.stderr == ""
    done = subprocess.run(
        [sys.executable, "-m", "awaitwise", "check", "--no-cache", "-j", "2", "--output-format", "concise", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    assert "app.py:4:5: AW110" in done.stdout
    assert "Traceback" not in done.stderr and "Interrupted" not in done.stderr, done.stderr
