"""Fix safety on real code (run on demand, not collected by pytest):

    python tests/benchmarks/fix_corpus.py                          # default folders below
    python tests/benchmarks/fix_corpus.py --wheels DIR --src DIR --jobs 2 --keep

For each wheel of the real-package corpus (the benchmark's), the `.py` files are unpacked into
`--src/<name>/` (skipped when already there), copied to a scratch folder, and
`awaitwise fix --unsafe-fixes --select ALL` runs over the copy. Then:

- every changed file must still compile with compile();
- only files that had an applicable fix before the run may change (the others stay byte-identical);
- a second `fix` run must change nothing.

Prints files fixed, fixes per code, compile failures and second-run changes; exits 1 when any of
the three checks fails.
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
import time
import zipfile
from typing import Dict, Set


def awaitwise_cmd():
    here = os.path.join(os.path.dirname(sys.executable), "awaitwise")
    return [here] if os.path.exists(here) else [sys.executable, "-m", "awaitwise"]


def unpack(wheels: str, src: str) -> Dict[str, str]:
    """{package: folder of its sources}, unpacking wheels whose folder is missing."""
    out = {}
    for entry in sorted(os.listdir(wheels)):
        if not entry.endswith(".whl"):
            continue
        name = entry.split("-")[0].lower()
        folder = os.path.join(src, name)
        if not os.path.isdir(folder):
            with zipfile.ZipFile(os.path.join(wheels, entry)) as zf:
                for member in zf.namelist():
                    if member.endswith(".py") and not os.path.exists(os.path.join(folder, member)):
                        zf.extract(member, folder)
        out[name] = folder
    return out


def copy_py(src: str, dst: str) -> None:
    for dirpath, _, filenames in os.walk(src):
        for f in filenames:
            if f.endswith(".py"):
                rel = os.path.relpath(os.path.join(dirpath, f), src)
                os.makedirs(os.path.dirname(os.path.join(dst, rel)), exist_ok=True)
                shutil.copy2(os.path.join(dirpath, f), os.path.join(dst, rel))


def hashes(root: str) -> Dict[str, str]:
    out = {}
    for dirpath, _, filenames in os.walk(root):
        for f in filenames:
            if f.endswith(".py"):
                path = os.path.join(dirpath, f)
                with open(path, "rb") as fh:
                    out[os.path.relpath(path, root)] = hashlib.sha256(fh.read()).hexdigest()
    return out


def compiles(path: str) -> bool:
    with open(path, "rb") as fh:
        data = fh.read()
    try:
        compile(data, path, "exec", dont_inherit=True)
        return True
    except (SyntaxError, ValueError):
        return False


def run(args, cwd):
    start = time.perf_counter()
    proc = subprocess.run(awaitwise_cmd() + args, cwd=cwd, capture_output=True, text=True)
    return proc, time.perf_counter() - start


_SUMMARY = re.compile(r"Fixed (\d+) errors? in (\d+) files? \((.*)\)\.")


def per_code(stderr: str) -> Dict[str, int]:
    m = _SUMMARY.search(stderr)
    if not m:
        return {}
    return {code: int(n) for code, n in (part.split(": ") for part in m.group(3).split(", "))}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--wheels", default="/work/corpus/wheels")
    ap.add_argument("--src", default="/work/corpus/src")
    ap.add_argument("--work", default=None, help="scratch folder (default: a new temporary one)")
    ap.add_argument("--jobs", default=None)
    ap.add_argument("--keep", action="store_true", help="keep the scratch folder")
    opts = ap.parse_args(argv)

    packages = unpack(opts.wheels, opts.src)
    work = opts.work or tempfile.mkdtemp(prefix="awaitwise-fix-corpus-")
    for name, folder in packages.items():
        copy_py(folder, os.path.join(work, name))
    # no config of ours may apply: the scratch folder gets its own, empty one
    with open(os.path.join(work, "pyproject.toml"), "w") as fh:
        fh.write("[tool.awaitwise]\n")
    common = ["--select", "ALL", "--no-cache"] + (["--jobs", opts.jobs] if opts.jobs else [])

    before = hashes(work)
    not_compiling_before = {rel for rel in before if not compiles(os.path.join(work, rel))}
    proc, _ = run(["check", "--output-format", "json", *common, "."], work)
    findings = json.loads(proc.stdout or "[]")
    fixable: Set[str] = {os.path.relpath(os.path.join(work, d["filename"]), work)
                         for d in findings if d.get("fix")}

    first, t1 = run(["fix", "--unsafe-fixes", *common, "."], work)
    after = hashes(work)
    changed = sorted(rel for rel in before if after.get(rel) != before[rel])
    failures = [rel for rel in changed if not compiles(os.path.join(work, rel))]
    unexpected = [rel for rel in changed if rel not in fixable]
    codes = per_code(first.stdout + first.stderr)

    second, t2 = run(["fix", "--unsafe-fixes", *common, "."], work)
    again = hashes(work)
    second_changes = sorted(rel for rel in after if again.get(rel) != after[rel])

    errors = [ln for ln in (first.stderr + second.stderr).splitlines() if ln.startswith("awaitwise: error")]
    print(f"corpus: {len(packages)} packages, {len(before)} files ({len(not_compiling_before)} do not "
          f"compile on this Python to begin with)")
    print(f"findings before: {len(findings)}, with an applicable fix: "
          f"{sum(1 for d in findings if d.get('fix'))} in {len(fixable)} files")
    print(f"first fix run: {t1:.1f} s, exit {first.returncode}; second: {t2:.1f} s, exit {second.returncode}")
    print(f"files fixed: {len(changed)}")
    print("fixes per code: " + (", ".join(f"{c} {n}" for c, n in sorted(codes.items())) or "none"))
    print(f"fixes applied in total: {sum(codes.values())}")
    print(f"compile failures: {len(failures)}" + "".join(f"\n  {f}" for f in failures))
    print(f"changed without an applicable fix: {len(unexpected)}" + "".join(f"\n  {f}" for f in unexpected))
    print(f"second-run changes: {len(second_changes)} (summary: {per_code(second.stdout + second.stderr) or 'none'})"
          + "".join(f"\n  {f}" for f in second_changes))
    print(f"error lines: {len(errors)}" + "".join(f"\n  {e}" for e in errors[:20]))
    if opts.keep or opts.work:
        print(f"scratch folder kept: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    ok = not failures and not second_changes and not unexpected and not per_code(second.stdout + second.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
