"""Fix safety on the benchmark corpus (run on demand, never collected by pytest):

    python tests/benchmarks/fix_safety.py                      # every rule, unsafe fixes included
    python tests/benchmarks/fix_safety.py --select DEFAULT     # the rules a user gets by default
    python tests/benchmarks/fix_safety.py --keep               # keep the scratch folder to look at

The corpus is bench.py's (`$AWAITWISE_BENCH_DIR/src`, default `~/.cache/awaitwise-bench/src`,
built if missing). Its `.py` files are copied twice into a scratch folder, `original/` and
`fixed/`, and `awaitwise fix --unsafe-fixes` runs over `fixed/`. Then, for the files it changed:

- each must still compile (`compile()` on this Python);
- a second `fix` run must change nothing;
- `ruff check --isolated --select F401,I001` must pass on each fixed file whose original passed
  (a fix that leaves an import unused, or adds one outside its isort group, fails here).

Prints the files fixed, the fixes per code, and each failure; exits 1 when any check fails.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from typing import Dict, List, Set

HERE = os.path.dirname(os.path.abspath(__file__))
RUFF_CODES = "F401,I001"


def awaitwise_cmd() -> List[str]:
    exe = os.path.join(os.path.dirname(sys.executable), "awaitwise")
    return [exe] if os.path.exists(exe) else [sys.executable, "-m", "awaitwise"]


def ruff_cmd() -> List[str]:
    exe = os.path.join(os.path.dirname(sys.executable), "ruff")
    return [exe] if os.path.exists(exe) else [shutil.which("ruff") or "ruff"]


def corpus(src_opt) -> str:
    if src_opt:
        return os.path.abspath(src_opt)
    sys.path.insert(0, HERE)
    import bench

    base = os.environ.get("AWAITWISE_BENCH_DIR") or os.path.expanduser("~/.cache/awaitwise-bench")
    return bench.build_corpus(base, os.path.join(base, "wheels"))


def copy_py(src: str, dst: str) -> None:
    for folder, dirs, files in os.walk(src):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if name.endswith(".py"):
                rel = os.path.relpath(os.path.join(folder, name), src)
                os.makedirs(os.path.dirname(os.path.join(dst, rel)), exist_ok=True)
                shutil.copy2(os.path.join(folder, name), os.path.join(dst, rel))
    with open(os.path.join(dst, "pyproject.toml"), "w") as fh:
        fh.write("[tool.awaitwise]\n")  # no config of ours (or of the tree above) applies


def hashes(root: str) -> Dict[str, str]:
    out = {}
    for folder, _, files in os.walk(root):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                with open(path, "rb") as fh:
                    out[os.path.relpath(path, root)] = hashlib.sha256(fh.read()).hexdigest()
    return out


def compiles(path: str) -> bool:
    with open(path, "rb") as fh:
        data = fh.read()
    try:
        compile(data, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


_SUMMARY = re.compile(r"Fixed (\d+) errors? in (\d+) files? \((.*)\)\.")


def per_code(text: str) -> Dict[str, int]:
    m = _SUMMARY.search(text)
    if not m:
        return {}
    return {code: int(n) for code, n in (part.split(": ") for part in m.group(3).split(", "))}


def ruff_failures(root: str, files: List[str]) -> Dict[str, Set[str]]:
    """{file: codes} of the files among `files` that fail `ruff check --select F401,I001`."""
    out: Dict[str, Set[str]] = {}
    for start in range(0, len(files), 200):
        chunk = files[start : start + 200]
        proc = subprocess.run(
            ruff_cmd()
            + ["check", "--isolated", "--no-cache", "--select", RUFF_CODES, "--output-format", "json", *chunk],
            cwd=root,
            capture_output=True,
            text=True,
        )
        if proc.returncode not in (0, 1):
            raise SystemExit(f"ruff failed (exit {proc.returncode}): {proc.stderr[-1000:]}")
        for d in json.loads(proc.stdout or "[]"):
            out.setdefault(os.path.relpath(d["filename"], root), set()).add(d["code"])
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--src", default=None, help="corpus folder (default: bench.py's, built if missing)")
    ap.add_argument("--select", default="ALL", help="rules to fix with (ALL, DEFAULT for the default set, or codes)")
    ap.add_argument("--jobs", default=None)
    ap.add_argument("--keep", action="store_true", help="keep the scratch folder")
    opts = ap.parse_args(argv)

    src = corpus(opts.src)
    work = tempfile.mkdtemp(prefix="awaitwise-fix-safety-")
    original, fixed = os.path.join(work, "original"), os.path.join(work, "fixed")
    copy_py(src, original)
    copy_py(src, fixed)
    common = ["--no-cache", "--exit-zero"] + (["--jobs", opts.jobs] if opts.jobs else [])
    if opts.select != "DEFAULT":
        common += ["--select", opts.select]

    before = hashes(fixed)
    first = subprocess.run(
        awaitwise_cmd() + ["fix", "--unsafe-fixes", *common, "."], cwd=fixed, capture_output=True, text=True
    )
    after = hashes(fixed)
    changed = sorted(rel for rel in before if after.get(rel) != before[rel])
    not_compiling = [rel for rel in changed if not compiles(os.path.join(fixed, rel))]
    second = subprocess.run(
        awaitwise_cmd() + ["fix", "--unsafe-fixes", *common, "."], cwd=fixed, capture_output=True, text=True
    )
    again = hashes(fixed)
    second_changes = sorted(rel for rel in after if again.get(rel) != after[rel])

    ruff_before = ruff_failures(original, changed) if changed else {}
    ruff_after = ruff_failures(fixed, changed) if changed else {}
    regressions = {rel: sorted(codes) for rel, codes in ruff_after.items() if rel not in ruff_before}

    codes = per_code(first.stdout + first.stderr)
    errors = [
        ln
        for ln in (first.stderr + second.stderr).splitlines()
        if "error" in ln.lower() and not ln.startswith(("Found", "Fixed"))
    ]
    print(f"corpus: {src} ({len(before)} files); rules: {opts.select}")
    print(f"first fix run: exit {first.returncode}; files fixed: {len(changed)}; fixes applied: {sum(codes.values())}")
    print("fixes per code: " + (", ".join(f"{c} {n}" for c, n in sorted(codes.items())) or "none"))
    print(f"fixed files that do not compile: {len(not_compiling)}" + "".join(f"\n  {f}" for f in not_compiling))
    print(f"files the second run changed: {len(second_changes)}" + "".join(f"\n  {f}" for f in second_changes))
    print(
        f"fixed files failing ruff {RUFF_CODES} (their originals pass): {len(regressions)}"
        + "".join(f"\n  {f}: {', '.join(c)}" for f, c in sorted(regressions.items()))
    )
    print(f"(fixed files whose originals already fail ruff {RUFF_CODES}: {len(ruff_before)})")
    if errors:
        print(f"error lines: {len(errors)}" + "".join(f"\n  {e}" for e in errors[:20]))
    if opts.keep:
        print(f"scratch folder kept: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if not_compiling or second_changes or regressions else 0


if __name__ == "__main__":
    sys.exit(main())
