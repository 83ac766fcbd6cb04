"""Installed packages for the library-summary tests: a real virtualenv (`python -m venv
--without-pip`, made once per session) into whose site-packages small distributions are written
with their `.dist-info` (METADATA, RECORD with sha256 hashes, top_level.txt), as an installer
leaves them."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Dict


def make_venv(folder: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(folder)],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return folder


def site_packages(venv: Path) -> Path:
    found = sorted(venv.glob("lib/python3.*/site-packages")) or sorted(venv.glob("Lib/site-packages"))
    assert found, f"no site-packages under {venv}"
    return found[0]


def _hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def install(venv: Path, name: str, version: str, files: Dict[str, str], record: bool = True) -> Path:
    """Write a distribution `name` `version` whose files are `files` (relative path -> source)."""
    site = site_packages(venv)
    norm = re.sub(r"[-.]", "_", name)
    for old in site.glob(f"{norm}-*.dist-info"):
        shutil.rmtree(old)
    meta = site / f"{norm}-{version}.dist-info"
    meta.mkdir()
    rows = []
    tops = set()
    for rel, text in files.items():
        path = site / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        data = textwrap.dedent(text).encode()
        path.write_bytes(data)
        rows.append(f"{rel},{_hash(data)},{len(data)}")
        tops.add(rel.split("/", 1)[0].rsplit(".", 1)[0])
    (meta / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\nA test package.\n")
    (meta / "top_level.txt").write_text("\n".join(sorted(tops)) + "\n")
    if record:
        rows += [f"{meta.name}/METADATA,,", f"{meta.name}/top_level.txt,,", f"{meta.name}/RECORD,,"]
        (meta / "RECORD").write_text("\n".join(rows) + "\n")
    _settle(site, list(files) + [meta.name])
    return meta


def _settle(root: Path, rels) -> None:
    """Date what a test just wrote a few seconds back: a run treats a file changed within the last
    two seconds as unsettled and reads it again (warm.py), which a test that counts reads must not
    depend on the machine's speed for."""
    import time

    then = time.time() - 10
    for rel in rels:
        path = root / rel
        for p in [path, *path.parents]:
            if p == root:
                break
            os.utime(p, (then, then))  # the file and the folders written for it
        if path.is_dir():
            for sub in path.rglob("*"):
                os.utime(sub, (then, then))


def uninstall(venv: Path, name: str) -> None:
    site = site_packages(venv)
    norm = re.sub(r"[-.]", "_", name)
    for meta in site.glob(f"{norm}-*.dist-info"):
        record = meta / "RECORD"
        if record.exists():
            for row in record.read_text().splitlines():
                rel = row.split(",", 1)[0]
                target = site / rel
                if target.is_file() and meta.name not in rel:
                    target.unlink()
        shutil.rmtree(meta)


def write_project(root: Path, files: Dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("[tool.awaitwise]\n")
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    _settle(root, ["pyproject.toml", *files])
    return root


__all__ = ["make_venv", "site_packages", "install", "uninstall", "write_project"]
