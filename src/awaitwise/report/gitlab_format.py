"""GitLab Code Quality: a JSON list of issues, shown in merge requests and pipelines.

Each finding is `{description, check_name, fingerprint, severity, location: {path, lines: {begin,
end}}}`. `path` is relative to the repository (`CI_PROJECT_DIR` in a GitLab job, else the folder
awaitwise ran in), with `/` separators. The fingerprint identifies the finding across runs, so
GitLab can tell new findings from fixed ones: a hash of the path, the code, the message and the
finding's rank among the findings of the file with the same code and message. It leaves out the
line number, so that lines added above a finding do not make it look new.
"""

from __future__ import annotations

import hashlib
import os
from typing import Dict, Optional, Tuple

from . import dump_json

SEVERITY = "major"
PARSE_ERROR_SEVERITY = "critical"  # AW001: the file was not checked at all


def repo_path(filename: str, project_dir: Optional[str]) -> str:
    """`filename` relative to `project_dir` when it lies inside it, with `/` separators."""
    path = filename
    if project_dir:
        try:
            rel = os.path.relpath(os.path.abspath(filename), os.path.abspath(project_dir))
        except ValueError:  # another drive (Windows)
            rel = None
        if rel is not None and not rel.startswith(".."):
            path = rel
    return path.replace(os.sep, "/")


def fingerprint(path: str, code: str, message: str, rank: int) -> str:
    data = "\0".join((path, code, message, str(rank))).encode("utf-8", "surrogateescape")
    return hashlib.sha256(data).hexdigest()[:32]


def issues(diagnostics, project_dir: Optional[str] = None) -> list:
    seen: Dict[Tuple[str, str, str], int] = {}
    out = []
    for d in diagnostics:
        path = repo_path(d.filename, project_dir)
        key = (path, d.code, d.message)
        rank = seen.get(key, 0)
        seen[key] = rank + 1
        out.append(
            {
                "description": f"{d.code}: {d.message}",
                "check_name": d.code,
                "fingerprint": fingerprint(path, d.code, d.message, rank),
                "severity": PARSE_ERROR_SEVERITY if d.code == "AW001" else SEVERITY,
                "location": {"path": path, "lines": {"begin": d.location.row, "end": d.end_location.row}},
            }
        )
    return out


def render(diagnostics, registry, **_) -> str:
    return dump_json(issues(diagnostics, os.environ.get("CI_PROJECT_DIR")))
