"""Two `awaitwise fix` runs on the same tree at once (an editor's fix-on-save and a pre-commit
hook, two terminals): no file is corrupted or half-written, both runs end cleanly, and the result
cache they share still gives the same answers as a run without it."""

from __future__ import annotations

import subprocess
import sys

BLOCKING = "import time\n\n\nasync def f{i}():\n    time.sleep({i})\n    x = {i}\n"
FIXED = "import asyncio\n\n\nasync def f{i}():\n    await asyncio.sleep({i})\n    x = {i}\n"
UNFIXABLE = "import time\n\n\nasync def g{i}():\n    input()\n"


def _tree(root, n=25):
    for i in range(n):
        sub = root / f"pkg{i % 4}"
        sub.mkdir(exist_ok=True)
        (sub / f"m{i:02d}.py").write_text((BLOCKING if i % 5 else UNFIXABLE).format(i=i))


def _expected(root, n=25):
    return {f"pkg{i % 4}/m{i:02d}.py": (FIXED if i % 5 else UNFIXABLE).format(i=i) for i in range(n)}


def _start(args, cwd):
    return subprocess.Popen(
        [sys.executable, "-m", "awaitwise", *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_two_fix_runs_at_once(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.awaitwise]\n")  # the cache lives next to it
    for round_ in range(2):
        _tree(tmp_path)
        jobs = ["--jobs", "2"] if round_ % 2 else ["--jobs", "1"]
        runs = [_start(["fix", *jobs, "."], tmp_path), _start(["fix", *jobs, "."], tmp_path)]
        outs = [p.communicate(timeout=300) for p in runs]
        for proc, (out, err) in zip(runs, outs):
            assert "Traceback" not in out + err, err
            # both see the unfixable AW104 findings; neither failed to read or write a file
            assert proc.returncode == 1, (out, err)
            assert "awaitwise: error" not in err, err
        for rel, text in _expected(tmp_path).items():
            data = (tmp_path / rel).read_text()
            assert data == text, rel
            compile(data, rel, "exec")
        leftovers = [p for p in tmp_path.rglob("*") if p.name.startswith(".awaitwise-") or p.suffix == ".tmp"]
        assert not leftovers, leftovers

    # the shared cache is intact: cached answers equal fresh ones, twice (write, then read back)
    concise = ("--output-format", "concise")
    fresh = subprocess.run(
        [sys.executable, "-m", "awaitwise", "check", "--no-cache", *concise, "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert fresh.returncode == 1 and fresh.stdout.count("AW104") == 5
    for _ in range(2):
        cached = subprocess.run(
            [sys.executable, "-m", "awaitwise", "check", *concise, "."], cwd=tmp_path, capture_output=True, text=True
        )
        assert (cached.returncode, cached.stdout, cached.stderr) == (fresh.returncode, fresh.stdout, fresh.stderr)


def test_two_check_runs_at_once_share_a_cold_cache(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.awaitwise]\n")
    _tree(tmp_path)
    runs = [_start(["check", "--jobs", "2", "."], tmp_path) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in runs]
    assert outs[0] == outs[1]
    assert all(p.returncode == 1 for p in runs)
    again = subprocess.run(
        [sys.executable, "-m", "awaitwise", "check", "."], cwd=tmp_path, capture_output=True, text=True
    )
    assert (again.stdout, again.stderr) == outs[0]
    assert not [p for p in tmp_path.rglob("*") if p.suffix == ".tmp"]
    assert all(
        p.read_text() == BLOCKING.format(i=int(p.stem[1:])) or "input()" in p.read_text()
        for p in tmp_path.rglob("m*.py")
    )
