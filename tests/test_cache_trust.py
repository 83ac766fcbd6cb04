"""A cache folder committed in a repository is never trusted: no bundle in it can make awaitwise
run code, whatever global its pickle names and whatever header it forges (see cache.py, Trust)."""

from __future__ import annotations

import hashlib
import os
import pickle
import subprocess
import sys

import pytest

from awaitwise import cache as cache_mod

BAD = "import time\n\n\nasync def f():\n    time.sleep(1)\n"


def _str(s: str) -> bytes:
    b = s.encode()
    return b"\x8c" + bytes([len(b)]) + b  # SHORT_BINUNICODE


def gadget(module: str, name: str, command: str) -> bytes:
    """A protocol-4 pickle of {"k": module.name(command)}: STACK_GLOBAL resolves a dotted `name`
    through getattr, which is how `awaitwise.cache.os.system` reaches os.system."""
    call = _str(module) + _str(name) + b"\x93" + _str(command) + b"\x85R"  # STACK_GLOBAL, TUPLE1, REDUCE
    return b"\x80\x04}" + _str("k") + call + b"s."  # EMPTY_DICT, key, value, SETITEM, STOP


def old_header(payload: bytes) -> bytes:
    """What main's format accepted: a magic and a digest anyone can compute."""
    return b"AWCACHE2" + hashlib.blake2b(payload, digest_size=16).digest() + payload


def foreign_mac(payload: bytes, name: str, folder: str) -> bytes:
    """A well-formed bundle of the current format, MAC'd under somebody else's secret."""
    secret = b"s" * 32
    label = b"awaitwise-cache-v" + cache_mod._VERSION + b"|" + os.fsencode(os.path.realpath(folder))
    import hmac

    key = hmac.new(secret, label, hashlib.sha256).digest()
    return cache_mod._HEADER + cache_mod._mac(key, name.encode(), payload) + payload


GADGETS = [
    ("awaitwise.cache", "os.system"),
    ("awaitwise.runner", "os.system"),
    ("awaitwise.sourcefile", "os.system"),
    ("os", "system"),
    ("posix", "system"),
    ("builtins", "eval"),
    ("builtins", "exec"),
    ("subprocess", "getoutput"),
    ("copyreg", "_reconstructor"),
    ("awaitwise.cache", "pickle.loads"),
]


def _run(project, xdg):
    env = dict(os.environ, XDG_CACHE_HOME=str(xdg))
    return subprocess.run(
        [sys.executable, "-m", "awaitwise", "check", "."],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("module,name", GADGETS)
@pytest.mark.parametrize("framing", ["old-header", "foreign-mac"])
def test_a_planted_bundle_runs_nothing(tmp_path, module, name, framing):
    project = tmp_path / "repo"
    project.mkdir()
    (project / "app.py").write_text(BAD)
    marker = tmp_path / "pwned"
    folder = project / cache_mod.CACHE_DIR
    folder.mkdir()
    command = f"touch {marker}"
    for bundle in ("facts.bin", "state-0123456789abcdef.bin", "results-0123456789abcdef01234567.bin"):
        payload = gadget(
            module,
            name,
            command if "eval" not in name and "exec" not in name else f"__import__('os').system({command!r})",
        )
        data = old_header(payload) if framing == "old-header" else foreign_mac(payload, bundle, str(folder))
        (folder / bundle).write_bytes(data)
    r = _run(project, tmp_path / "xdg")
    assert not marker.exists()
    assert r.returncode == 1, r.stderr
    assert "app.py:5:5: AW100" in r.stdout
    assert "Traceback" not in r.stderr


def test_the_allow_list_names_exact_classes():
    for module, name in GADGETS + [("awaitwise.diagnostics", "os.system"), ("awaitwise.diagnostics", "Location.x")]:
        with pytest.raises(pickle.UnpicklingError):
            cache_mod._Unpickler(__import__("io").BytesIO(b"")).find_class(module, name)
    assert (
        cache_mod._Unpickler(__import__("io").BytesIO(b"")).find_class("awaitwise.diagnostics", "Location").__name__
        == "Location"
    )


def test_a_cache_from_another_user_is_not_reused_but_our_own_is(tmp_path):
    project = tmp_path / "repo"
    project.mkdir()
    (project / "app.py").write_text(BAD)
    first = _run(project, tmp_path / "xdg-a")
    assert first.returncode == 1
    bundles = sorted(p.name for p in (project / cache_mod.CACHE_DIR).glob("*.bin"))
    assert bundles
    stamps = {n: (project / cache_mod.CACHE_DIR / n).read_bytes() for n in bundles}
    # the same user again: the bundles verify and are kept as they are
    again = _run(project, tmp_path / "xdg-a")
    assert again.stdout == first.stdout
    # another secret (another user or machine): every bundle fails its MAC and is rewritten
    other = _run(project, tmp_path / "xdg-b")
    assert other.stdout == first.stdout
    for n, data in stamps.items():
        path = project / cache_mod.CACHE_DIR / n
        assert not path.exists() or path.read_bytes() != data
    key_a = tmp_path / "xdg-a" / "awaitwise" / cache_mod.KEY_FILE
    assert key_a.stat().st_mode & 0o077 == 0 and len(key_a.read_bytes()) == 32


def test_a_key_file_others_can_write_disables_the_cache(tmp_path):
    xdg = tmp_path / "xdg"
    (xdg / "awaitwise").mkdir(parents=True, mode=0o700)
    key = xdg / "awaitwise" / cache_mod.KEY_FILE
    key.write_bytes(b"x" * 32)
    key.chmod(0o666)
    project = tmp_path / "repo"
    project.mkdir()
    (project / "app.py").write_text(BAD)
    r = _run(project, xdg)
    assert r.returncode == 1 and "AW100" in r.stdout
    assert not list((project / cache_mod.CACHE_DIR).glob("*.bin")) if (project / cache_mod.CACHE_DIR).exists() else True
