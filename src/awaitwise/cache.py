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
half-written file; the last writer wins and merges what was on disk. Every bundle carries a
magic header and a digest of its payload; a bundle that is truncated, corrupt, from another
format version or unreadable is discarded (and deleted), never trusted. Unpickling only admits
awaitwise's own record classes and plain containers.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import time
from typing import Any, Callable, Dict, Optional, Tuple

from . import __version__

CACHE_DIR = ".awaitwise_cache"
_MAGIC = b"AWCACHE2"
_DIGEST = 16  # blake2b digest size
_PROTOCOL = 4
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


class _Unpickler(pickle.Unpickler):
    """Admits only awaitwise's records and plain builtin containers: a cache file is data."""

    _BUILTINS = {"set", "frozenset", "list", "tuple", "dict", "bytes", "str", "int", "float", "bool",
                 "complex", "bytearray", "object", "slice", "range"}

    def find_class(self, module, name):
        if module == "builtins" and name in self._BUILTINS:
            return super().find_class(module, name)
        if module == "awaitwise" or module.startswith("awaitwise."):
            return super().find_class(module, name)
        if module == "collections" and name in ("OrderedDict", "defaultdict"):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"cache holds a forbidden object {module}.{name}")


def dumps(value: Any) -> bytes:
    payload = pickle.dumps(value, protocol=_PROTOCOL)
    return _MAGIC + hashlib.blake2b(payload, digest_size=_DIGEST).digest() + payload


def loads(data: bytes) -> Any:
    """The value stored by `dumps`; raises ValueError for anything else (corrupt, truncated, foreign)."""
    head = len(_MAGIC) + _DIGEST
    if len(data) < head or not data.startswith(_MAGIC):
        raise ValueError("not an awaitwise cache file")
    # no copy of the payload (the facts bundle of a large project is tens of megabytes)
    if hashlib.blake2b(memoryview(data)[head:], digest_size=_DIGEST).digest() != data[len(_MAGIC):head]:
        raise ValueError("cache file is corrupt")
    stream = io.BytesIO(data)  # shares `data`'s buffer until written to
    stream.seek(head)
    try:
        return _Unpickler(stream).load()
    except Exception as exc:  # a digest collision or a foreign pickle: still not trusted
        raise ValueError(f"cache file is unreadable: {exc}") from None


def pack_record(value: Any) -> bytes:
    """`value` pickled to sit inside a cached one (no header of its own): the project index keeps
    parts of its facts this way, unpacked only where they are used (see project.FileFacts)."""
    return pickle.dumps(value, protocol=_PROTOCOL)


def load_record(data: bytes, kind: type) -> Any:
    """What pack_record made, admitted like a cache file's contents, if it is a `kind`; None for
    anything else (a foreign or corrupt record is never trusted)."""
    try:
        value = _Unpickler(io.BytesIO(data)).load()
    except Exception:
        return None
    return value if isinstance(value, kind) else None


class Bundle:
    """One cache file holding a dict; loaded lazily, written back atomically by `save`."""

    def __init__(self, path: str):
        self.path = path
        self._data: Optional[Dict[Any, Any]] = None
        self._stamp = None  # (mtime_ns, size) of the file we loaded
        self.dirty = False
        self.used: set = set()

    @property
    def data(self) -> Dict[Any, Any]:
        if self._data is None:
            self._data, self._stamp = _read_bundle(self.path)
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
        if not self.dirty or self._data is None:
            return
        data = self._data
        # another run may have written meanwhile: keep its entries too (ours win on conflicts)
        on_disk_stamp = _stamp(self.path)
        if on_disk_stamp is not None and on_disk_stamp != self._stamp:
            theirs, _ = _read_bundle(self.path)
            theirs.update(data)
            data = theirs
        if prune_unused_over is not None and len(data) > prune_unused_over:
            data = {k: v for k, v in data.items() if k in self.used}
        if stale is not None:
            data = {k: v for k, v in data.items() if k in self.used or not stale(k)}
        _write_atomic(self.path, dumps(data))
        self._data = data
        self._stamp = _stamp(self.path)
        self.dirty = False


def _stamp(path: str):
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def _read_bundle(path: str):
    stamp = _stamp(path)
    if stamp is None:
        return {}, None
    try:
        with open(path, "rb") as fh:
            value = loads(fh.read())
        if not isinstance(value, dict):
            raise ValueError("cache file does not hold a table")
        return value, stamp
    except (OSError, ValueError, MemoryError, RecursionError):
        try:  # discarded, never trusted; the next save writes a good one
            os.unlink(path)
        except OSError:
            pass
        return {}, None


def _write_atomic(path: str, data: bytes) -> None:
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

    def __init__(self, directory: Optional[str]):
        self.directory = directory
        self._bundles: Dict[str, Bundle] = {}

    @classmethod
    def open(cls, settings, enabled: bool = True) -> "Cache":
        root = getattr(settings, "project_root", "") or os.getcwd()
        if not enabled:
            return cls(None)
        directory = os.path.join(root, CACHE_DIR)
        try:
            os.makedirs(directory, exist_ok=True)
            ignore = os.path.join(directory, ".gitignore")
            if not os.path.exists(ignore):
                _write_atomic(ignore, b"# Created by awaitwise automatically.\n*\n")
            tag = os.path.join(directory, "CACHEDIR.TAG")
            if not os.path.exists(tag):
                _write_atomic(tag, b"Signature: 8a477f597d28d172789f06886806bc55\n"
                                   b"# This file is a cache directory tag created by awaitwise.\n")
        except OSError:
            return cls(None)
        return cls(directory)

    @classmethod
    def disabled(cls) -> "Cache":
        return cls(None)

    @property
    def enabled(self) -> bool:
        return self.directory is not None

    def bundle(self, name: str) -> Optional[Bundle]:
        if self.directory is None:
            return None
        b = self._bundles.get(name)
        if b is None:
            b = self._bundles[name] = Bundle(os.path.join(self.directory, name + ".bin"))
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
    def results(self, settings, codes, extra: str = "") -> "ResultStore":
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
                b.save(prune_unused_over=2 * len(b.used) + 2000, stale=(
                    lambda k: isinstance(k, str) and k.startswith("facts-") and k.rsplit("-", 1)[0] not in live
                ) if live else None)
            else:
                b.save()
        self._prune_results()

    def _prune_results(self) -> None:
        """Keep the result tables of the configurations used last (each awaitwise build and
        settings has its own; the others are never read again once awaitwise is upgraded)."""
        if self.directory is not None:
            prune_bundles(self.directory, "results-", MAX_RESULT_BUNDLES,
                          {os.path.basename(b.path) for b in self._bundles.values()})


def prune_bundles(directory: str, prefix: str, keep: int, mine=frozenset()) -> None:
    """Keep the `keep` `<prefix>*.bin` tables of `directory` used last: those named in `mine` (the
    run's own, written at its end if not yet) and the most recently written others."""
    mine = {m for m in mine if m.startswith(prefix)}
    try:
        others = [n for n in os.listdir(directory)
                  if n.startswith(prefix) and n.endswith(".bin") and n not in mine]
        room = max(0, keep - len(mine))
        if len(others) <= room:
            return
        others.sort(key=lambda n: os.stat(os.path.join(directory, n)).st_mtime_ns)
        for name in others[:len(others) - room]:
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

    def lookup(self, path: str, shown: str, project_fp: str, stat: Optional[Tuple[int, int]] = None,
               read_hash=None):
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
        self.bundle.put(os.path.abspath(path), (_settled(signature[0]), signature[1], signature[2], project_fp,
                                                shown, value))


def _settled(mtime_ns: int) -> int:
    """The mtime to store. A file modified within the last two seconds could change again within
    the same timestamp tick without changing size; such an entry stores -1 so that the next run
    compares the content hash instead of trusting the stat."""
    return -1 if time.time_ns() - mtime_ns < 2_000_000_000 else mtime_ns


__all__ = ["Cache", "ResultStore", "Bundle", "CACHE_DIR", "content_hash", "stat_signature", "prune_bundles",
           "tool_fingerprint", "dumps", "loads"]
