"""awaitwise's benchmark against ruff and flake8-async on real async-heavy code (run on demand).

    python tests/benchmarks/bench.py                      # build the corpus if needed, then time
    python tests/benchmarks/bench.py --wheels DIR         # use wheels already downloaded in DIR
    python tests/benchmarks/bench.py --verify-screening   # prove screening changes nothing

The corpus is the `.py` files of pinned PyPI wheels (`pip download --no-deps`), unpacked into
`$AWAITWISE_BENCH_DIR` (default `~/.cache/awaitwise-bench`), outside any repository so that no
config or .gitignore of ours applies. Every measurement runs as a child process; wall time, CPU
time (user+sys of the child and its workers) and peak memory (largest resident set among them)
come from `os.wait4`. The runs are interleaved round by round and the median is reported.
Results go to `bench-results.json` (or `--out`) for comparing runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile

CORPUS = [
    ("aiohttp", "3.14.5"),
    ("httpx", "0.28.1"),
    ("httpcore", "1.0.9"),
    ("starlette", "1.10.0"),
    ("fastapi", "0.165.0"),
    ("anyio", "4.16.0"),
    ("trio", "0.35.0"),
    ("tornado", "6.6.1"),
    ("uvicorn", "0.54.0"),
    ("websockets", "17.4"),
    ("redis", "8.1.0"),
    ("sqlalchemy", "2.1.9"),
    ("django", "5.2.19"),
    ("homeassistant", "2024.3.3"),
]
RUFF_SELECT = "ASYNC,RUF006,PLE1142"
TARGETS = {
    "cold_vs_ruff": 15.0,
    "warm_vs_ruff_cached": 3.0,
    "five_files_wall": 0.35,
    "sample_speedup_vs_flake8_async": 40.0,
    "peak_mb": 300.0,
    "scaling_per_line_spread": 2.0,
    "scaling_cpu_per_line_spread": 2.0,
}


def bin_path(name: str) -> str:
    here = os.path.dirname(sys.executable)
    candidate = os.path.join(here, name)
    return candidate if os.path.exists(candidate) else (shutil.which(name) or name)


# ------------------------------------------------------------------------------------------------
# Corpus
# ------------------------------------------------------------------------------------------------


def _norm(name: str) -> str:
    return name.lower().replace("-", "_")


def find_wheel(folder: str, name: str, version: str):
    if not os.path.isdir(folder):
        return None
    for entry in sorted(os.listdir(folder)):
        parts = entry.split("-")
        if entry.endswith(".whl") and len(parts) >= 3 and _norm(parts[0]) == _norm(name) and parts[1] == version:
            return os.path.join(folder, entry)
    return None


def build_corpus(base: str, wheels: str) -> str:
    """Unpack the `.py` files of each pinned wheel into `base/src/<name>/` (downloading missing
    wheels into `wheels` first); returns the corpus folder."""
    src = os.path.join(base, "src")
    os.makedirs(wheels, exist_ok=True)
    for name, version in CORPUS:
        target = os.path.join(src, name)
        stamp = os.path.join(target, f".unpacked-{version}")
        if os.path.exists(stamp):
            continue
        wheel = find_wheel(wheels, name, version)
        if wheel is None:
            print(f"downloading {name}=={version}", file=sys.stderr)
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "--no-deps",
                    "--only-binary=:all:",
                    "-d",
                    wheels,
                    f"{name}=={version}",
                ],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            wheel = find_wheel(wheels, name, version)
            if wheel is None:
                raise SystemExit(f"no wheel for {name}=={version} in {wheels}")
        shutil.rmtree(target, ignore_errors=True)
        with zipfile.ZipFile(wheel) as zf:
            for member in zf.namelist():
                if member.endswith(".py") and not member.startswith("/") and ".." not in member.split("/"):
                    zf.extract(member, target)
        open(stamp, "w").close()
    return src


def corpus_files(src: str):
    out = []
    for folder, dirs, files in os.walk(src):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        out.extend(os.path.join(folder, f) for f in sorted(files) if f.endswith(".py"))
    return out


def count_lines(files) -> int:
    n = 0
    for f in files:
        with open(f, "rb") as fh:
            n += fh.read().count(b"\n")
    return n


# ------------------------------------------------------------------------------------------------
# Measuring
# ------------------------------------------------------------------------------------------------


_ENV = None  # environment of the measured commands (PYTHONPATH of the awaitwise snapshot)


def snapshot_awaitwise(work: str) -> list:
    """Copy the awaitwise package being benchmarked to `work` and return the command that runs it,
    so edits made to the tree during a long benchmark change neither the numbers nor the cache."""
    global _ENV
    import awaitwise

    pkg = os.path.dirname(os.path.abspath(awaitwise.__file__))
    dest = os.path.join(work, "snapshot")
    shutil.copytree(pkg, os.path.join(dest, "awaitwise"), ignore=shutil.ignore_patterns("__pycache__"))
    _ENV = dict(os.environ, PYTHONPATH=dest + os.pathsep + os.environ.get("PYTHONPATH", ""))
    _ENV.pop("PYTHONDONTWRITEBYTECODE", None)  # measure start-up as users have it: with .pyc files
    return [sys.executable, "-m", "awaitwise"]


def measure(cmd, cwd: str, stdout_path=None) -> dict:
    """Run `cmd`; wall, CPU (user+sys, workers included) and peak RSS (MB) of the process tree."""
    out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    try:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.PIPE, env=_ENV)
        stderr = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else status
    finally:
        if stdout_path:
            out.close()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd[:4])}... exited with {proc.returncode}:\n{stderr.decode()[-2000:]}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024}


def median(runs, key):
    return statistics.median(r[key] for r in runs)


def summarize(runs):
    out = {k: median(runs, k) for k in ("wall", "cpu", "peak_mb")}
    out["runs"] = runs
    return out


def write_list(files, folder) -> str:
    path = os.path.join(folder, "files.txt")
    with open(path, "w") as fh:
        fh.write("\n".join(files))
    return path


def bench(args) -> dict:
    base = os.path.abspath(os.path.expanduser(args.dir))
    src = build_corpus(base, os.path.abspath(os.path.expanduser(args.wheels or os.path.join(base, "wheels"))))
    files = corpus_files(src)
    sample = files[::20]
    lines = count_lines(files)
    sample_lines = count_lines(sample)
    print(
        f"corpus: {len(files)} files, {lines} lines; sample: {len(sample)} files, {sample_lines} lines", file=sys.stderr
    )
    work = tempfile.mkdtemp(prefix="awaitwise-bench-")
    aw = snapshot_awaitwise(work) + ["check", "--exit-zero", "-q"]
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    ruff = [bin_path("ruff"), "check", "--exit-zero", "-q", "--select", RUFF_SELECT]
    rel = [os.path.relpath(f, src) for f in files]
    touched = os.path.join(src, "httpx", "httpx", "_client.py")
    five = [
        os.path.relpath(os.path.join(src, "httpx", "httpx", n), src)
        for n in ("_client.py", "_transports/default.py", "_auth.py", "_models.py", "_api.py")
    ]

    # the results must not depend on the cache: compare the cold run with a cached one (JSON)
    shutil.rmtree(os.path.join(src, ".awaitwise_cache"), ignore_errors=True)
    cold_json, warm_json = os.path.join(work, "cold.json"), os.path.join(work, "warm.json")
    measure(aw + jobs + ["--no-cache", "--output-format", "json", "."], src, cold_json)
    measure(aw + jobs + ["--output-format", "json", "."], src, None)  # fills the cache
    measure(aw + jobs + ["--output-format", "json", "."], src, warm_json)
    with open(cold_json) as a, open(warm_json) as b:
        cold_diags, warm_diags = json.load(a), json.load(b)
    identical = cold_diags == warm_diags
    measure(ruff + ["."], src)  # fills ruff's cache
    measure(aw + five, src)  # fills the cache of the five files' own project (httpx/httpx)

    runs = {
        k: []
        for k in ("ruff_cold", "aw_cold", "ruff_cached", "aw_warm", "aw_touched", "aw_5_files", "aw_5_files_cached")
    }
    libs = []
    if args.python:
        # the corpus checked against an environment holding its packages' dependencies: summaries
        # built from nothing (--no-cache neither reads nor writes them), then read from the cache
        libs = ["--python", os.path.abspath(os.path.expanduser(args.python))]
        runs.update({"aw_libs_cold": [], "aw_libs_warm": [], "aw_libs_touched": []})
        libs_json = os.path.join(work, "libs.json")
        measure(aw + jobs + libs + ["--no-cache", "--output-format", "json", "."], src, libs_json)
        measure(aw + jobs + libs + ["."], src)  # fills the caches (summaries included)
        with open(libs_json) as fh:
            libs_diags = json.load(fh)
    for round_no in range(args.repeat):
        print(f"round {round_no + 1}/{args.repeat}", file=sys.stderr)
        runs["ruff_cold"].append(measure(ruff + ["--no-cache", "."], src))
        runs["aw_cold"].append(measure(aw + jobs + ["--no-cache", "."], src))
        runs["ruff_cached"].append(measure(ruff + ["."], src))
        runs["aw_warm"].append(measure(aw + jobs + ["."], src))
        os.utime(touched)
        runs["aw_touched"].append(measure(aw + jobs + ["."], src))
        runs["aw_5_files"].append(measure(aw + ["--no-cache"] + five, src))
        runs["aw_5_files_cached"].append(measure(aw + five, src))
        if libs:
            runs["aw_libs_cold"].append(measure(aw + jobs + libs + ["--no-cache", "."], src))
            runs["aw_libs_warm"].append(measure(aw + jobs + libs + ["."], src))
            os.utime(touched)
            runs["aw_libs_touched"].append(measure(aw + jobs + libs + ["."], src))

    sample_runs = {"flake8_async": [], "aw_sample_cold": []}
    if not args.skip_flake8:
        sample_rel = [os.path.relpath(f, src) for f in sample]
        for _ in range(args.flake8_repeat):
            sample_runs["aw_sample_cold"].append(measure(aw + jobs + ["--no-cache"] + sample_rel, src))
            sample_runs["flake8_async"].append(
                measure([bin_path("flake8"), "--select", "ASYNC", "--exit-zero"] + sample_rel, src)
            )
    scale_rows = scaling(aw, jobs, work, args.repeat)
    big_row = largest_file(aw, src, files, args.repeat)
    shutil.rmtree(work, ignore_errors=True)

    results = {name: summarize(r) for name, r in {**runs, **sample_runs}.items() if r}
    results.update(scale_rows)
    results["aw_largest_file"] = big_row
    r = results
    ratios = {
        "cold_vs_ruff": r["aw_cold"]["wall"] / r["ruff_cold"]["wall"],
        "warm_vs_ruff_cached": r["aw_warm"]["wall"] / r["ruff_cached"]["wall"],
        "touched_vs_ruff_cached": r["aw_touched"]["wall"] / r["ruff_cached"]["wall"],
        # pre-commit keeps the cache between commits: the target is read on the cached run; the
        # run without a cache (libcst's import alone is about 0.35 s) is shown beside it
        "five_files_wall": r["aw_5_files_cached"]["wall"],
        "five_files_uncached_wall": r["aw_5_files"]["wall"],
        "peak_mb": max(x["peak_mb"] for k, x in r.items() if k.startswith("aw_")),
        # time per line of the largest scaling file over the smallest's: flat means linear cost
        "scaling_per_line_spread": (
            max(x["us_per_line"] for x in scale_rows.values() if "lines" in x)
            / min(x["us_per_line"] for x in scale_rows.values() if "lines" in x)
        ),
        "scaling_cpu_per_line_spread": (
            max(x["cpu_us_per_line"] for x in scale_rows.values() if "lines" in x)
            / min(x["cpu_us_per_line"] for x in scale_rows.values() if "lines" in x)
        ),
        # peak memory of the largest corpus file over its size
        "largest_file_peak_over_size": big_row["peak_mb"] / big_row["size_mb"],
    }
    if "flake8_async" in r:
        ratios["sample_speedup_vs_flake8_async"] = r["flake8_async"]["wall"] / r["aw_sample_cold"]["wall"]
    return {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "versions": _versions(),
        "corpus": {
            "files": len(files),
            "lines": lines,
            "sample_files": len(sample),
            "sample_lines": sample_lines,
            "packages": dict(CORPUS),
        },
        "cached_equals_uncached": identical,
        "diagnostics": len(cold_diags),
        "diagnostics_with_libraries": len(libs_diags) if libs else None,
        "results": results,
        "ratios": ratios,
        "targets": TARGETS,
        "files_checked": len(rel),
    }


SCALING_LINES = (1_000, 10_000, 100_000)


def scaling_source(lines: int) -> str:
    """A module of about `lines` lines: coroutines of six lines, findings on every third line."""
    head = ["import time", "", ""]
    body = []
    i = 0
    while len(head) + len(body) < lines:
        body += [
            f"async def handler_{i}(path):",
            "    data = path + 'x'",
            "    time.sleep(0.1)",
            "    total = len(data) * 2",
            "    size = total + 1",
            "    time.sleep(size)",
        ]
        i += 1
    return "\n".join(head + body) + "\n"


def scaling(aw, jobs, work, repeat) -> dict:
    """One file of each size in SCALING_LINES, checked alone without a cache: time per line, after the
    start-up measured on a one-line file, must stay flat (within 2x) as the file and its findings grow."""
    rows = {}
    folder = os.path.join(work, "scale_startup")
    os.makedirs(folder)
    with open(os.path.join(folder, "big.py"), "w") as fh:
        # one finding, so that the start-up includes loading the parser and starting a worker
        fh.write("import time\n\n\nasync def handler(path):\n    time.sleep(0.1)\n")
    base = summarize([measure(aw + jobs + ["--no-cache", "big.py"], folder) for _ in range(repeat)])
    rows["scale_startup"] = base
    for lines in SCALING_LINES:
        folder = os.path.join(work, f"scale_{lines}")
        os.makedirs(folder)
        with open(os.path.join(folder, "big.py"), "w") as fh:
            fh.write(scaling_source(lines))
        runs = [measure(aw + jobs + ["--no-cache", "big.py"], folder) for _ in range(repeat)]
        row = summarize(runs)
        row["lines"] = lines
        # the start-up (a one-line file) is paid once whatever the size: leave it out of the per-line cost
        row["us_per_line"] = max(row["wall"] - base["wall"], 0.0) / lines * 1e6
        # the same in CPU time, which a machine shared with other work inflates less
        row["cpu_us_per_line"] = max(row["cpu"] - base["cpu"], 0.0) / lines * 1e6
        rows[f"scale_{lines}_lines"] = row
    return rows


def largest_file(aw, src, files, repeat) -> dict:
    """Peak memory for the corpus's largest file, checked alone (no cache, one process)."""
    big = max(files, key=os.path.getsize)
    runs = [measure(aw + ["--jobs", "1", "--no-cache", os.path.relpath(big, src)], src) for _ in range(repeat)]
    row = summarize(runs)
    row["file"] = os.path.relpath(big, src)
    row["size_mb"] = os.path.getsize(big) / 2**20
    return row


def _versions() -> dict:
    import awaitwise

    out = {"awaitwise": awaitwise.__version__}
    for name, cmd in (("ruff", ["ruff", "--version"]), ("flake8", ["flake8", "--version"])):
        try:
            out[name] = subprocess.run([bin_path(cmd[0])] + cmd[1:], capture_output=True, text=True).stdout.strip()
        except OSError:
            out[name] = None
    return out


def report(data: dict) -> str:
    r = data["results"]
    lines = [
        f"corpus: {data['corpus']['files']} files, {data['corpus']['lines']:,} lines "
        f"(sample: {data['corpus']['sample_files']} files, {data['corpus']['sample_lines']:,} lines); "
        f"{data['machine']['cpus']} CPUs; {data['diagnostics']} diagnostics"
        + (
            f" ({data['diagnostics_with_libraries']} with library summaries)"
            if data.get("diagnostics_with_libraries") is not None
            else ""
        )
        + "; "
        f"cached == uncached: {data['cached_equals_uncached']}",
        f"{'run':22s} {'wall s':>8s} {'cpu s':>8s} {'peak MB':>8s}",
    ]
    for name, x in r.items():
        extra = ""
        if "us_per_line" in x:
            extra = f"  {x['us_per_line']:.1f} us/line ({x['cpu_us_per_line']:.1f} CPU)"
        elif "size_mb" in x:
            extra = f"  {x['file']} ({x['size_mb']:.2f} MB)"
        lines.append(f"{name:22s} {x['wall']:8.3f} {x['cpu']:8.3f} {x['peak_mb']:8.1f}{extra}")
    lines.append("ratios (target):")
    for key, value in data["ratios"].items():
        target = TARGETS.get(key)
        if target is None:
            lines.append(f"  {key:34s} {value:8.2f}")
            continue
        ok = value >= target if key == "sample_speedup_vs_flake8_async" else value <= target
        lines.append(
            f"  {key:34s} {value:8.2f}  ({'<=' if 'speedup' not in key else '>='} {target})  {'ok' if ok else 'MISSED'}"
        )
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------
# Screening soundness over the corpus
# ------------------------------------------------------------------------------------------------


def _verify_one(path):
    from awaitwise import engine
    from awaitwise.modules import module_name_for
    from awaitwise.sourcefile import SourceError, read

    settings, rules, project = _VERIFY
    try:
        text = read(path).text
    except SourceError:
        return path, None
    name, is_pkg = module_name_for(path)
    keys = []
    for screening in (True, False):
        engine.SCREENING = screening
        out = engine.lint_source(text, path, settings, rules, module_name=name, is_package=is_pkg, project=project)
        keys.append(
            (
                sorted((d.location, d.end_location, d.code, d.message, repr(d.fix)) for d in out.diagnostics),
                sorted(out.internal_errors),
            )
        )
    engine.SCREENING = True
    return path, (None if keys[0] == keys[1] else keys)


_VERIFY = None


def verify_screening(args) -> int:
    import multiprocessing
    from dataclasses import replace

    from awaitwise.config import Settings
    from awaitwise.project import build_index
    from awaitwise.registry import get_registry

    global _VERIFY
    base = os.path.abspath(os.path.expanduser(args.dir))
    src = build_corpus(base, os.path.abspath(os.path.expanduser(args.wheels or os.path.join(base, "wheels"))))
    everything = corpus_files(src)
    files = everything[:: args.every]
    registry = get_registry()
    select = None if args.select == "DEFAULT" else tuple(args.select.split(","))
    settings = Settings(select=select, ignore=tuple(filter(None, args.ignore.split(","))), project_root=src)
    # the index covers the whole corpus, as in a real run, so that cross-module names resolve
    project = build_index(everything, settings, use_cache=False, force=True)
    if args.python:  # with the installed packages' summaries, as a run with --python has them
        from awaitwise.libraries import attach

        settings = replace(settings, python=os.path.abspath(os.path.expanduser(args.python)))
        project.settings = settings
        attach(project, settings, use_cache=True)
    _VERIFY = (settings, [registry.get(c) for c in settings.enabled_codes(registry)], project)
    bad = 0
    ctx = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    with ctx.Pool(args.jobs or os.cpu_count()) as pool:
        for done, (path, diff) in enumerate(pool.imap_unordered(_verify_one, files, chunksize=4), 1):
            if diff is not None:
                bad += 1
                print(f"SCREENING CHANGED THE RESULT: {path}\n  screened:   {diff[0]}\n  unscreened: {diff[1]}")
            if done % 500 == 0:
                print(f"{done}/{len(files)} files", file=sys.stderr)
    print(f"screening verified on {len(files)} files: {bad} differ")
    return 1 if bad else 0


def scaling_only(args) -> int:
    base = os.path.abspath(os.path.expanduser(args.dir))
    src = build_corpus(base, os.path.abspath(os.path.expanduser(args.wheels or os.path.join(base, "wheels"))))
    work = tempfile.mkdtemp(prefix="awaitwise-bench-")
    aw = snapshot_awaitwise(work) + ["check", "--exit-zero", "-q"]
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    rows = scaling(aw, jobs, work, args.repeat)
    rows["aw_largest_file"] = largest_file(aw, src, corpus_files(src), args.repeat)
    shutil.rmtree(work, ignore_errors=True)
    with open(args.out, "w") as fh:
        json.dump(rows, fh, indent=2, default=str)
    for name, x in rows.items():
        extra = (
            f"{x['us_per_line']:.1f} us/line ({x['cpu_us_per_line']:.1f} CPU)"
            if "us_per_line" in x
            else f"{x['file']} ({x['size_mb']:.2f} MB)"
            if "file" in x
            else "start-up"
        )
        print(f"{name:22s} wall {x['wall']:8.3f} s  cpu {x['cpu']:8.3f} s  peak {x['peak_mb']:8.1f} MB  {extra}")
    for key in ("us_per_line", "cpu_us_per_line"):
        per_line = [x[key] for x in rows.values() if key in x]
        print(f"{key}, largest over smallest: {max(per_line) / min(per_line):.2f} (target <= 2)")
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--dir",
        default=os.environ.get("AWAITWISE_BENCH_DIR", "~/.cache/awaitwise-bench"),
        help="where the corpus (and downloaded wheels) live",
    )
    p.add_argument("--wheels", default=None, help="folder of wheels (default: DIR/wheels; missing ones are downloaded)")
    p.add_argument("--repeat", type=int, default=3, help="interleaved rounds (median reported)")
    p.add_argument("--flake8-repeat", type=int, default=1)
    p.add_argument("--skip-flake8", action="store_true", help="skip the (slow) flake8-async sample run")
    p.add_argument("--jobs", type=int, default=None, help="--jobs for awaitwise (default: its own default)")
    p.add_argument(
        "--python",
        default=None,
        help="an environment with the corpus packages' dependencies installed: "
        "adds the rows with library summaries (aw_libs_*)",
    )
    p.add_argument("--out", default="bench-results.json", help="results file (JSON)")
    p.add_argument(
        "--verify-screening",
        action="store_true",
        help="lint the corpus with and without screening (every rule) and compare",
    )
    p.add_argument("--every", type=int, default=1, help="with --verify-screening: every Nth file only")
    p.add_argument(
        "--select",
        default="ALL",
        help="with --verify-screening: the rules (default ALL; DEFAULT: the default "
        "ones; AW304 reads every function body, so screening by body "
        "needs it left out)",
    )
    p.add_argument("--ignore", default="", help="with --verify-screening: rules left out (e.g. AW304)")
    p.add_argument(
        "--scaling-only",
        action="store_true",
        help="only the scaling rows (1k/10k/100k-line files) and the largest corpus file's memory",
    )
    args = p.parse_args(argv)
    if args.verify_screening:
        return verify_screening(args)
    if args.scaling_only:
        return scaling_only(args)
    data = bench(args)
    with open(args.out, "w") as fh:
        json.dump(data, fh, indent=2, default=str)
    print(report(data))
    print(f"results written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
