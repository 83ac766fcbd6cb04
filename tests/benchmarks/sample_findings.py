"""A reproducible random sample of awaitwise's findings on the benchmark corpus, for a person to
judge (run on demand, never collected by pytest):

    python tests/benchmarks/sample_findings.py                         # 12 per code, seed 17
    python tests/benchmarks/sample_findings.py --codes DEFAULT --per-code 15 --seed 3
    python tests/benchmarks/sample_findings.py --codes AW402,AW403 --template > judged/off.txt
    python tests/benchmarks/sample_findings.py --verdicts tests/benchmarks/judged/default_on.txt

The findings are those of `awaitwise check --select ALL --output-format json` run in the corpus
folder (`bench.py` builds it: `$AWAITWISE_BENCH_DIR/src`, default `~/.cache/awaitwise-bench/src`).
They are kept in `findings.json` beside the corpus and reused; `--refresh` runs the check again
(after a change to the rules). Each sampled finding is printed with the lines around it and, for
a chain (AW110), the lines around the blocking call at its end.

The sample is drawn per code from the findings sorted by place, with a generator seeded from
`--seed` and the code, so the same findings give the same sample, and a code's sample does not
move when another code's findings change.

A verdicts file has one line per judged finding (`#` starts a comment):

    AW110 | anyio/anyio/_core/_fileio.py:120 | true | reads the file on the loop
    AW404 | uvicorn/uvicorn/server.py:88 | debatable | the main task ends when cancelled

with a verdict of `true`, `false` or `debatable`. `--verdicts` prints the precision per code,
true / (true + false): debatable findings count as neither. Judged findings that the current run
no longer reports are listed apart (they are what a fix removed), and the precision is given both
as judged and for the findings still reported.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
from collections import Counter, defaultdict
from typing import Dict, List, Optional, Tuple

VERDICTS = ("true", "false", "debatable")
_SITE = re.compile(r"\(([^()\s]+\.pyi?):(\d+)\)")


def corpus_dir() -> str:
    base = os.environ.get("AWAITWISE_BENCH_DIR") or os.path.expanduser("~/.cache/awaitwise-bench")
    return os.path.join(base, "src")


def awaitwise_cmd() -> List[str]:
    here = os.path.join(os.path.dirname(sys.executable), "awaitwise")
    return [here] if os.path.exists(here) else [sys.executable, "-m", "awaitwise"]


def run_check(src: str, out: str, jobs: Optional[str]) -> None:
    args = ["check", "--select", "ALL", "--output-format", "json", "--exit-zero", "--no-cache"]
    if jobs:
        args += ["--jobs", jobs]
    print(f"running awaitwise over {src} (this takes a few minutes)", file=sys.stderr)
    proc = subprocess.run(awaitwise_cmd() + args + ["."], cwd=src, capture_output=True, text=True)
    try:
        data = json.loads(proc.stdout or "null")
    except json.JSONDecodeError:
        data = None
    if not isinstance(data, list):
        raise SystemExit(f"awaitwise printed no JSON list (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
    tmp = out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh)
    os.replace(tmp, out)


def load_findings(path: str, src: str) -> List[dict]:
    """The findings, each with `rel` (its file relative to the corpus) added, sorted by place."""
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    out = []
    for d in data:
        name = d["filename"]
        full = name if os.path.isabs(name) else os.path.join(src, name)
        d["rel"] = os.path.relpath(full, src)
        out.append(d)
    out.sort(key=lambda d: (d["code"], d["rel"], d["location"]["row"], d["location"]["column"], d["message"]))
    return out


def default_codes() -> List[str]:
    from awaitwise.registry import get_registry

    return [rule.code for rule in get_registry() if rule.default_enabled]


def pick_codes(spec: Optional[str], findings: List[dict]) -> List[str]:
    present = sorted({d["code"] for d in findings})
    if not spec:
        return present
    out: List[str] = []
    for part in spec.split(","):
        part = part.strip()
        if part == "DEFAULT":
            out.extend(default_codes())
        elif part:
            out.extend(c for c in present if c.startswith(part))
            if not any(c.startswith(part) for c in present):
                out.append(part)
    return sorted(set(out))


def sample(findings: List[dict], codes: List[str], per_code: int, seed: int) -> Dict[str, List[dict]]:
    by_code: Dict[str, List[dict]] = defaultdict(list)
    for d in findings:
        by_code[d["code"]].append(d)
    out = {}
    for code in codes:
        pool = by_code.get(code, [])
        rng = random.Random(f"{seed}:{code}")
        chosen = rng.sample(range(len(pool)), min(per_code, len(pool)))
        out[code] = [pool[i] for i in sorted(chosen)]
    return out


def context(path: str, row: int, around: int) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            lines = fh.read().splitlines()
    except OSError as exc:
        return f"    (cannot read {path}: {exc.strerror})"
    lo, hi = max(1, row - around), min(len(lines), row + around)
    return "\n".join(f"{'>' if n == row else ' '} {n:5} | {lines[n - 1]}" for n in range(lo, hi + 1))


def key_of(d: dict) -> Tuple[str, str]:
    return d["code"], f"{d['rel']}:{d['location']['row']}"


def print_sample(chosen: Dict[str, List[dict]], totals: Counter, src: str, around: int) -> None:
    for code, items in chosen.items():
        print(f"=== {code}: {len(items)} of {totals.get(code, 0)} findings")
        for d in items:
            code_, where = key_of(d)
            print(f"\n--- {code_} | {where}")
            print(f"    {d['message']}")
            print(context(os.path.join(src, d["rel"]), d["location"]["row"], around))
            site = _SITE.search(d["message"])
            if site:
                print(f"    chain ends at {site.group(1)}:{site.group(2)}:")
                print(context(os.path.join(src, site.group(1)), int(site.group(2)), around))
        print()


def print_template(chosen: Dict[str, List[dict]]) -> None:
    print("# code | file:line | verdict (true, false, debatable) | reason")
    for items in chosen.values():
        for d in items:
            code, where = key_of(d)
            print(f"{code} | {where} | ? | ")


def read_verdicts(path: str) -> List[Tuple[str, str, str, str]]:
    out = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            parts = [p.strip() for p in text.split("|", 3)]
            if len(parts) < 3 or parts[2] not in VERDICTS:
                raise SystemExit(f"{path}:{n}: expected `code | file:line | true/false/debatable | reason`")
            out.append((parts[0], parts[1], parts[2], parts[3] if len(parts) > 3 else ""))
    return out


def precision(counts: Counter) -> str:
    judged = counts["true"] + counts["false"]
    return f"{100 * counts['true'] / judged:5.1f}%" if judged else "    -"


def print_scores(verdicts, findings: Optional[List[dict]]) -> int:
    reported = {key_of(d) for d in findings} if findings is not None else None
    judged: Dict[str, Counter] = defaultdict(Counter)
    still: Dict[str, Counter] = defaultdict(Counter)
    gone = []
    for code, where, verdict, reason in verdicts:
        judged[code][verdict] += 1
        if reported is None or (code, where) in reported:
            still[code][verdict] += 1
        else:
            gone.append((code, where, verdict, reason))
    print(
        f"{'code':6} {'true':>5} {'false':>5} {'debat':>5}  {'precision':>9}  | still reported: "
        f"{'true':>4} {'false':>5} {'debat':>5}  {'precision':>9}"
    )
    total, total_still = Counter(), Counter()
    for code in sorted(judged):
        c, s = judged[code], still[code]
        total.update(c)
        total_still.update(s)
        print(
            f"{code:6} {c['true']:5} {c['false']:5} {c['debatable']:5}  {precision(c):>9}  | "
            f"{'':16}{s['true']:4} {s['false']:5} {s['debatable']:5}  {precision(s):>9}"
        )
    print(
        f"{'all':6} {total['true']:5} {total['false']:5} {total['debatable']:5}  {precision(total):>9}  | "
        f"{'':16}{total_still['true']:4} {total_still['false']:5} {total_still['debatable']:5}  "
        f"{precision(total_still):>9}"
    )
    if reported is not None and gone:
        print(f"\njudged findings no longer reported: {len(gone)}")
        for code, where, verdict, reason in gone:
            print(f"  {code} | {where} | {verdict} | {reason}")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--src", default=None, help="the corpus folder (default: the benchmark's)")
    ap.add_argument("--findings", default=None, help="findings JSON (default: findings.json beside the corpus)")
    ap.add_argument("--refresh", action="store_true", help="run awaitwise again even if the findings file exists")
    ap.add_argument("--jobs", default=None)
    ap.add_argument("--codes", default=None, help="codes or prefixes, comma-separated; DEFAULT = the default-on rules")
    ap.add_argument("--per-code", type=int, default=12)
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--context", type=int, default=4, help="lines shown each side of a finding")
    ap.add_argument("--template", action="store_true", help="print a verdicts file to fill in instead")
    ap.add_argument("--verdicts", default=None, help="score a verdicts file instead of sampling")
    opts = ap.parse_args(argv)

    src = os.path.abspath(opts.src or corpus_dir())
    findings_path = opts.findings or os.path.join(os.path.dirname(src), "findings.json")
    if not os.path.isdir(src):
        raise SystemExit(f"no corpus at {src}: build it with `python tests/benchmarks/bench.py` first")
    if opts.refresh or not os.path.exists(findings_path):
        run_check(src, findings_path, opts.jobs)
    findings = load_findings(findings_path, src)
    if opts.verdicts:
        return print_scores(read_verdicts(opts.verdicts), findings)
    codes = pick_codes(opts.codes, findings)
    chosen = sample(findings, codes, opts.per_code, opts.seed)
    if opts.template:
        print_template(chosen)
    else:
        print_sample(chosen, Counter(d["code"] for d in findings), src, opts.context)
    return 0


if __name__ == "__main__":
    sys.exit(main())
