"""The on-disk cache in `<project root>/.awaitwise_cache/`: per-file lint results and per-file
project-index facts, so an unchanged tree is re-checked without parsing anything.

Layout: a few *bundles*, each one file holding a dict, loaded on first use, updated in memory and
written back once at the end of the run (`Cache.flush`):

- `results-<key>.bin`: lint results of one configuration. `<key>` hashes the tool fingerprint
  (version and the installed rule modules), the settings fingerprint and the enabled codes, so a
  change of any of them starts from an empty bundle. Each entry is keyed by the file's absolute
  path and holds the file's signature (mtime, size, content hash), the fingerprint of the project
  index it was checked against, the path it was shown as, and the result. An entry is reused when
  the signature matches: mtime and size equal, or (when they differ) the content hash equal.
- `facts.bin`: whatever `load(key)`/`store(key, value)` hold; the project index keeps its per-file
  facts there under content-hash keys.
- `state-<key>.bin`: the project state of one configuration (file list, stats, text hashes and
  the fingerprints of the last index built), which lets an unchanged tree skip building the
  index altogether (see awaitwise.warm).

Cross-module results: a file's findings may depend on facts from other files (which functions
are coroutines, which helpers block). The result entry records the fingerprint of the *whole*
project index the file was checked with, and is reused only under the same fingerprint. This is
coarse (an edit that changes any definition re-checks every file) but sound; an edit that leaves
every module's definitions alone (most edits inside function bodies) keeps the index fingerprint
and re-checks only the edited file.

Safety: bundles are written atomically (temp file + `os.replace`), so concurrent runs never see a
half-written file; the last writer wins and merges what was on disk.

Trust: the cache folder lives in the analysed tree, which may come from anyone (a cloned repository
can commit a `.awaitwise_cache/`), so nothing read from it is trusted until it is shown to be this
user's own output for this very folder:

- A per-user secret (32 random bytes) is kept in `$XDG_CACHE_HOME/awaitwise/cache-key` (else
  `~/.cache/awaitwise/cache-key`), in a folder created 0700, the file created 0600 and published
  atomically (a concurrent first run finds the same key). A key file that is not a regular file,
  not owned by the user, readable or writable by others, or not 32 bytes, or a folder owned by
  another user or writable by others, is not used: the run goes on without the persistent cache.
- Every bundle starts with a magic, a format version and an HMAC-SHA256 of its name and payload
  under a key derived from that secret and the real path of the cache folder, so a bundle written
  by another user, on another machine, under another project root or by an older awaitwise (whose
  plain digest anyone could recompute) fails the check. The check runs before anything is
  unpickled; a bundle that fails it, is truncated, is not a regular file (a symlink is never
  followed, for reading or writing), is not owned by the user or is implausibly large is
  discarded (and deleted), never read further. A cache folder that is a symlink or is owned by
  another user disables the cache.
- Even a bundle that passes is unpickled with an allow-list of exact (module, name) pairs,
  awaitwise's own record classes (`_ALLOWED`), and no others: no dotted names, no module prefix,
  no builtins callables, no copyreg. Records nested inside a bundle (`pack_record`) are read the
  same way. A pickle that names anything else is refused and its bundle discarded.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import os
import pickle
import stat as stat_mod
import time
from typing import Any, Callable, Dict, Optional, Tuple

from . import __version__

CACHE_DIR = ".awaitwise_cache"
_MAGIC = b"AWCACHE"
_VERSION = b"3"  # the format version, after the magic; part of the MAC key too
_HEADER = _MAGIC + _VERSION
_MAC = 32  # HMAC-SHA256 digest size
_PROTOCOL = 4
_MAX_BUNDLE = 1 << 30  # a bigger "bundle" is not ours: never read into memory
KEY_FILE = "cache-key"
_KEY_SIZE = 32
_UNSET = object()

Signature = Tuple[int, int, str]  # (mtime_ns, size, content hash)


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def stat_signature(path: str) -> Optional[Tuple[int, int]]:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


_TOOL_FINGERPRINT: Optional[str] = None


def tool_fingerprint() -> str:
    """The version plus the names, sizes and mtimes of the installed package's modules, so that an
    upgraded or edited awaitwise (rules included) never reuses results of another build."""
    global _TOOL_FINGERPRINT
    if _TOOL_FINGERPRINT is None:
        h = hashlib.blake2b(__version__.encode(), digest_size=16)
        root = os.path.dirname(os.path.abspath(__file__))
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                if name.endswith((".py", ".toml", ".json")):
                    path = os.path.join(folder, name)
                    try:
                        st = os.stat(path)
                    except OSError:
                        continue
                    h.update(f"{os.path.relpath(path, root)}:{st.st_size}:{st.st_mtime_ns};".encode())
        _TOOL_FINGERPRINT = h.hexdigest()
    return _TOOL_FINGERPRINT


# ------------------------------------------------------------------------------------------------
# The per-user secret and the per-folder MAC keys
# ------------------------------------------------------------------------------------------------

_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_BINARY", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


def _uid() -> Optional[int]:
    """The user whose files the cache trusts (None where the platform has no uids)."""
    geteuid = getattr(os, "geteuid", None)
    return geteuid() if geteuid is not None else None


def key_folder() -> Optional[str]:
    """The user's cache folder that holds the secret: `$XDG_CACHE_HOME/awaitwise` (an absolute
    XDG_CACHE_HOME only, as the spec says), else `~/.cache/awaitwise`; None without a home."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        base = os.environ.get("LOCALAPPDATA", "") if os.name == "nt" else ""
        if not os.path.isabs(base):
            home = os.path.expanduser("~")
            if not os.path.isabs(home):
                return None
            base = os.path.join(home, ".cache")
    return os.path.join(base, "awaitwise")


def _private(st, uid: Optional[int], kind) -> bool:
    """`st` (an lstat/fstat) is a `kind` owned by `uid` that no one else may read or write."""
    if not kind(st.st_mode):
        return False
    if uid is None:  # no uids, no POSIX modes (Windows): the folder is the user's profile
        return True
    return st.st_uid == uid and not st.st_mode & 0o077


def _read_key(path: str, uid: Optional[int]) -> Optional[bytes]:
    """The secret in `path` if it is one the user alone could have written, else None. Raises
    FileNotFoundError when there is none yet."""
    fd = os.open(path, _OPEN_FLAGS)
    try:
        if not _private(os.fstat(fd), uid, stat_mod.S_ISREG):
            return None
        data = os.read(fd, _KEY_SIZE + 1)
    finally:
        os.close(fd)
    return data if len(data) == _KEY_SIZE else None


def _create_key(folder: str, path: str, uid: Optional[int]) -> Optional[bytes]:
    """A new secret in `path`, published whole: written to a private temp file (O_CREAT|O_EXCL,
    0600) and hard-linked to its name, which fails if a concurrent run got there first (then its
    key is the one). Without hard links, the key file itself is created with O_EXCL."""
    import secrets

    key = secrets.token_bytes(_KEY_SIZE)
    create = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    tmp = os.path.join(folder, f".{KEY_FILE}-{secrets.token_hex(8)}")
    fd = os.open(tmp, create, 0o600)
    try:
        try:
            os.write(fd, key)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)
            return key
        except FileExistsError:
            pass  # another run created it meanwhile: use theirs
        except OSError:  # no hard links here
            try:
                fd = os.open(path, create, 0o600)
            except FileExistsError:
                pass
            else:
                try:
                    os.write(fd, key)
                finally:
                    os.close(fd)
                return key
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass
    for _ in range(50):  # theirs may still be being written (the O_EXCL path only)
        found = _read_key(path, uid)
        if found is not None:
            return found
        time.sleep(0.01)
    return None


_SECRETS: Dict[str, Optional[bytes]] = {}


def user_secret() -> Optional[bytes]:
    """This user's cache secret, created on first use; None when there is no trustworthy one (no
    home folder, a key file or folder others could have written): then nothing is cached."""
    folder = key_folder()
    if folder is None:
        return None
    if folder in _SECRETS:
        return _SECRETS[folder]
    uid = _uid()
    secret = None
    try:
        try:
            os.makedirs(folder, mode=0o700)
        except FileExistsError:
            pass
        if _private(os.lstat(folder), uid, stat_mod.S_ISDIR):
            path = os.path.join(folder, KEY_FILE)
            try:
                secret = _read_key(path, uid)
            except FileNotFoundError:
                secret = _create_key(folder, path, uid)
    except OSError:  # a symlink as key file (O_NOFOLLOW), unwritable home...: no cache
        secret = None
    _SECRETS[folder] = secret
    return secret


_FOLDER_KEYS: Dict[Tuple[bytes, str], bytes] = {}


def folder_key(directory: str) -> Optional[bytes]:
    """The MAC key of the bundles in cache folder `directory`: the user's secret bound to the
    folder's real path and the format version, so that no other folder's bundles pass."""
    secret = user_secret()
    if secret is None:
        return None
    real = os.path.realpath(directory)
    key = _FOLDER_KEYS.get((secret, real))
    if key is None:
        label = b"awaitwise-cache-v" + _VERSION + b"|" + os.fsencode(real)
        key = _FOLDER_KEYS[(secret, real)] = hmac.new(secret, label, hashlib.sha256).digest()
    return key


# ------------------------------------------------------------------------------------------------
# The format
# ------------------------------------------------------------------------------------------------

# Everything a cache holds besides plain containers and scalars (which protocol 4 writes without
# naming a global): exact (module, name) pairs, nothing else. A new record class stored in the
# cache must be added here (tests/test_cache_trust.py checks a real cached run loads whole).
_ALLOWED = frozenset(
    {
        ("awaitwise.diagnostics", "Diagnostic"),
        ("awaitwise.diagnostics", "Location"),
        ("awaitwise.diagnostics", "Fix"),
        ("awaitwise.diagnostics", "Edit"),
        ("awaitwise.project", "FileFacts"),
        ("awaitwise.project", "FuncFacts"),
        ("awaitwise.project", "ClassFacts"),
        ("awaitwise.project", "CallFact"),
        ("awaitwise.screening", "ScreenFacts"),
    }
)


class _Unpickler(pickle.Unpickler):
    """Admits only the classes named in `_ALLOWED`, looked up as a plain attribute of an awaitwise
    module: a cache file is data."""

    def find_class(self, module, name):
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"cache holds a forbidden object {module!s:.80}.{name!s:.80}")
        import importlib

        return getattr(importlib.import_module(module), name)

    def persistent_load(self, pid):
        raise pickle.UnpicklingError("cache holds a persistent id")


def _unpickle(data) -> Any:
    stream = io.BytesIO(data)  # shares `data`'s buffer until written to
    return _Unpickler(stream, fix_imports=False).load()


def _mac(key: bytes, name: bytes, payload) -> bytes:
    h = hmac.new(key, name + b"\0", hashlib.sha256)
    h.update(payload)
    return h.digest()


def dumps(value: Any, key: bytes, name: str = "") -> bytes:
    """`value` as a bundle file named `name`, authenticated with `key` (see folder_key)."""
    payload = pickle.dumps(value, protocol=_PROTOCOL)
    return _HEADER + _mac(key, name.encode("utf-8", "surrogateescape"), payload) + payload


def loads(data: bytes, key: bytes, name: str = "") -> Any:
    """The value `dumps` stored under the same key and name; raises ValueError for anything else
    (corrupt, truncated, foreign, another format), without unpickling what fails the MAC."""
    head = len(_HEADER) + _MAC
    if len(data) < head or not data.startswith(_HEADER):
        raise ValueError("not an awaitwise cache file of this version")
    view = memoryview(data)  # no copy of the payload (a large project's facts are tens of MB)
    if not hmac.compare_digest(
        _mac(key, name.encode("utf-8", "surrogateescape"), view[head:]), data[len(_HEADER) : head]
    ):
        raise ValueError("cache file is not this user's for this folder, or is corrupt")
    try:
        stream = io.BytesIO(data)
        stream.seek(head)
        return _Unpickler(stream, fix_imports=False).load()
    except Exception as exc:  # an allowed writer's pickle naming a forbidden object: still not trusted
        raise ValueError(f"cache file is unreadable: {str(exc)[:200]}") from None


def pack_record(value: Any) -> bytes:
    """`value` pickled to sit inside a cached one (no header of its own): the project index keeps
    parts of its facts this way, unpacked only where they are used (see project.FileFacts)."""
    return pickle.dumps(value, protocol=_PROTOCOL)


def load_record(data: bytes, kind: type) -> Any:
    """What pack_record made, admitted like a cache file's contents, if it is a `kind`; None for
    anything else (a foreign or corrupt record is never trusted)."""
    try:
        value = _unpickle(data)
    except Exception:
        return None
    return value if isinstance(value, kind) else None


class Bundle:
    """One cache file holding a dict; loaded lazily, written back atomically by `save`. `key`: the
    MAC key of its folder (folder_key of the path's folder when omitted). Without a key (no
    trustworthy user secret) it reads as empty and is never written."""

    def __init__(self, path: str, key: Optional[bytes] = None):
        self.path = path
        self.key = key if key is not None else folder_key(os.path.dirname(os.path.abspath(path)))
        self._data: Optional[Dict[Any, Any]] = None
        self._stamp = None  # (mtime_ns, size) of the file we loaded
        self.dirty = False
        self.used: set = set()

    @property
    def data(self) -> Dict[Any, Any]:
        if self._data is None:
            self._data, self._stamp = _read_bundle(self.path, self.key)
        return self._data

    def get(self, key, default=None):
        value = self.data.get(key, _UNSET)
        if value is _UNSET:
            return default
        self.used.add(key)
        return value

    def put(self, key, value) -> None:
        data = self.data
        self.used.add(key)
        if data.get(key, _UNSET) is not value:
            data[key] = value
            self.dirty = True

    def save(self, prune_unused_over: Optional[int] = None, stale: Optional[Callable[[Any], bool]] = None) -> None:
        """Write the table back if it changed. `prune_unused_over`: beyond this many entries, keep
        only those used by this run. `stale(key)`: entries to drop whatever their number."""
        if not self.dirty or self._data is None or self.key is None:
            return
        data = self._data
        # another run may have written meanwhile: keep its entries too (ours win on conflicts)
        on_disk_stamp = _stamp(self.path)
        if on_disk_stamp is not None and on_disk_stamp != self._stamp:
            theirs, _ = _read_bundle(self.path, self.key)
            theirs.update(data)
            data = theirs
        if prune_unused_over is not None and len(data) > prune_unused_over:
            data = {k: v for k, v in data.items() if k in self.used}
        if stale is not None:
            data = {k: v for k, v in data.items() if k in self.used or not stale(k)}
        _write_atomic(self.path, dumps(data, self.key, os.path.basename(self.path)))
        self._data = data
        self._stamp = _stamp(self.path)
        self.dirty = False


def _stamp(path: str):
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def _read_bundle(path: str, key: Optional[bytes]):
    """(table, stamp) of the bundle at `path`; ({}, None) when there is none or it is not trusted
    (then it is deleted: the next save writes a good one). Only a regular file owned by the user
    is read (opened without following a symlink, or blocking on a FIFO)."""
    if key is None:
        return {}, None
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        return {}, None
    except OSError:  # a symlink (O_NOFOLLOW), unreadable...
        return _discard(path)
    try:
        with os.fdopen(fd, "rb") as fh:
            st = os.fstat(fh.fileno())
            uid = _uid()
            if not stat_mod.S_ISREG(st.st_mode) or (uid is not None and st.st_uid != uid) or st.st_size > _MAX_BUNDLE:
                return _discard(path)
            if os.name == "nt" and os.path.islink(path):  # pragma: no cover - no O_NOFOLLOW there
                return _discard(path)
            value = loads(fh.read(_MAX_BUNDLE + 1), key, os.path.basename(path))
        if not isinstance(value, dict):
            raise ValueError("cache file does not hold a table")
        return value, (st.st_mtime_ns, st.st_size)
    except (OSError, ValueError, MemoryError, RecursionError):
        return _discard(path)


def _discard(path: str):
    """A bundle that is not trusted: deleted (a symlink itself, never what it points to)."""
    try:
        os.unlink(path)
    except OSError:
        pass
    return {}, None


def _write_atomic(path: str, data: bytes) -> None:
    """Write a private (0600) temp file in the folder and rename it over `path`: a symlink at
    `path` is replaced, never written through."""
    folder = os.path.dirname(path)
    try:
        import tempfile  # only when writing: it imports `random`, which a cached run never needs

        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
    except OSError:
        return  # read-only tree: run without persisting
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass


MAX_RESULT_BUNDLES = 6


class Cache:
    """The cache of one project root. Use `Cache.open(settings)`; `Cache.disabled()` for --no-cache
    (it stores nothing and finds nothing)."""

    def __init__(self, directory: Optional[str], key: Optional[bytes] = None):
        self.directory = directory
        self.key = key
        if directory is not None and key is None:
            self.key = folder_key(directory)
            if self.key is None:
                self.directory = None
        self._bundles: Dict[str, Bundle] = {}

    @classmethod
    def open(cls, settings, enabled: bool = True, root: Optional[str] = None) -> Cache:
        """The cache in `root` (default: the project root of `settings`, else the working folder)."""
        root = root or getattr(settings, "project_root", "") or os.getcwd()
        if not enabled:
            return cls(None)
        directory = os.path.join(root, CACHE_DIR)
        try:
            os.makedirs(directory, exist_ok=True)
            st = os.lstat(directory)
            uid = _uid()
            if not stat_mod.S_ISDIR(st.st_mode) or (uid is not None and st.st_uid != uid):
                return cls(None)  # a symlink planted in the tree, or another user's folder
            key = folder_key(directory)
            if key is None:
                return cls(None)  # no trustworthy user secret: run without the persistent cache
            ignore = os.path.join(directory, ".gitignore")
            if not os.path.exists(ignore):
                _write_atomic(ignore, b"# Created by awaitwise automatically.\n*\n")
            tag = os.path.join(directory, "CACHEDIR.TAG")
            if not os.path.exists(tag):
                _write_atomic(
                    tag,
                    b"Signature: 8a477f597d28d172789f06886806bc55\n"
                    b"# This file is a cache directory tag created by awaitwise.\n",
                )
        except OSError:
            return cls(None)
        return cls(directory, key)

    @classmethod
    def disabled(cls) -> Cache:
        return cls(None)

    @property
    def enabled(self) -> bool:
        return self.directory is not None

    def bundle_files(self) -> set:
        """The file names of the bundles this run opened (they are kept when old ones are pruned)."""
        return {os.path.basename(b.path) for b in self._bundles.values()}

    def bundle(self, name: str) -> Optional[Bundle]:
        if self.directory is None:
            return None
        b = self._bundles.get(name)
        if b is None:
            b = self._bundles[name] = Bundle(os.path.join(self.directory, name + ".bin"), self.key)
        return b

    # --- generic keyed values (project-index facts) ------------------------------------------
    def load(self, key: str) -> Any:
        """The value stored under `key` (in this or an earlier run), or None."""
        b = self.bundle("facts")
        return None if b is None else b.get(key)

    def store(self, key: str, value: Any) -> None:
        b = self.bundle("facts")
        if b is not None:
            b.put(key, value)

    # --- lint results ---------------------------------------------------------------------------
    def results(self, settings, codes, extra: str = "") -> ResultStore:
        key = hashlib.blake2b(
            "|".join([tool_fingerprint(), settings.fingerprint(), ",".join(codes), extra]).encode(),
            digest_size=12,
        ).hexdigest()
        return ResultStore(self.bundle(f"results-{key}"))

    def flush(self) -> None:
        for name, b in self._bundles.items():
            if name == "facts":
                # facts are keyed by content: drop the ones no file used once they pile up, and
                # at once those of another FileFacts version ("facts-<version>-<hash>"): loading
                # the table loads every entry, and after an upgrade none of them is read again
                live = {k.rsplit("-", 1)[0] for k in b.used if isinstance(k, str) and k.startswith("facts-")}
                b.save(
                    prune_unused_over=2 * len(b.used) + 2000,
                    stale=(
                        lambda k: isinstance(k, str) and k.startswith("facts-") and k.rsplit("-", 1)[0] not in live  # noqa: B023 - save() uses it at once
                    )
                    if live
                    else None,
                )
            else:
                b.save()
        self._prune_results()

    def _prune_results(self) -> None:
        """Keep the result tables of the configurations used last (each awaitwise build and
        settings has its own; the others are never read again once awaitwise is upgraded)."""
        if self.directory is not None:
            prune_bundles(
                self.directory,
                "results-",
                MAX_RESULT_BUNDLES,
                {os.path.basename(b.path) for b in self._bundles.values()},
            )


def prune_bundles(directory: str, prefix: str, keep: int, mine=frozenset()) -> None:
    """Keep the `keep` `<prefix>*.bin` tables of `directory` used last: those named in `mine` (the
    run's own, written at its end if not yet) and the most recently written others."""
    mine = {m for m in mine if m.startswith(prefix)}
    try:
        others = [n for n in os.listdir(directory) if n.startswith(prefix) and n.endswith(".bin") and n not in mine]
        room = max(0, keep - len(mine))
        if len(others) <= room:
            return
        others.sort(key=lambda n: os.lstat(os.path.join(directory, n)).st_mtime_ns)
        for name in others[: len(others) - room]:
            os.unlink(os.path.join(directory, name))
    except OSError:
        pass


class ResultStore:
    """Per-file results of one configuration. Entries: abs path -> (mtime_ns, size, hash,
    project fingerprint, shown path, value)."""

    def __init__(self, bundle: Optional[Bundle]):
        self.bundle = bundle

    @property
    def enabled(self) -> bool:
        return self.bundle is not None

    def lookup(self, path: str, shown: str, project_fp: str, stat: Optional[Tuple[int, int]] = None, read_hash=None):
        """The stored value for `path` (absolute and normalized, as discovery.absolute_paths gives
        it: the run looks up every file, so it is not worked out again here) if still valid, else
        None. `stat` is (mtime_ns, size) (taken here when omitted); when it differs from the
        entry's, `read_hash()` gives the content hash for the content check (None: treat as
        changed)."""
        if self.bundle is None:
            return None
        key = path
        entry = self.bundle.get(key)
        if entry is None:
            return None
        try:
            mtime, size, digest, fp, entry_shown, value = entry
        except (TypeError, ValueError):
            return None
        if fp != project_fp or entry_shown != shown:
            return None
        if stat is None:
            stat = stat_signature(path)
            if stat is None:
                return None
        if (mtime, size) == stat:
            return value
        if read_hash is None or stat[1] != size:
            return None
        current = read_hash()
        if current != digest:
            return None
        # same content, new mtime (a `touch`, a checkout): refresh the stamp
        self.bundle.put(key, (_settled(stat[0]), stat[1], digest, fp, shown, value))
        return value

    def record(self, path: str, shown: str, project_fp: str, signature: Signature, value) -> None:
        if self.bundle is None or signature is None:
            return
        self.bundle.put(
            os.path.abspath(path), (_settled(signature[0]), signature[1], signature[2], project_fp, shown, value)
        )


def _settled(mtime_ns: int) -> int:
    """The mtime to store. A file modified within the last two seconds could change again within
    the same timestamp tick without changing size; such an entry stores -1 so that the next run
    compares the content hash instead of trusting the stat."""
    return -1 if time.time_ns() - mtime_ns < 2_000_000_000 else mtime_ns


__all__ = [
    "Cache",
    "ResultStore",
    "Bundle",
    "CACHE_DIR",
    "content_hash",
    "stat_signature",
    "prune_bundles",
    "tool_fingerprint",
    "dumps",
    "loads",
    "user_secret",
    "folder_key",
    "key_folder",
]
