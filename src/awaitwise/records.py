"""Small shared facts below the analysis: the names Python defines as builtins, the digest that
keys a source text, and the packed form of the index's per-function call records."""

from __future__ import annotations

import builtins
import hashlib
from typing import Dict

BUILTIN_NAMES = frozenset(dir(builtins))


def source_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()


def pack_calls(calls: Dict[str, tuple]) -> bytes:
    """FileFacts.calls as the index keeps them."""
    from .cache import pack_record

    return pack_record(calls) if calls else b""


def calls_of(facts) -> Dict[str, tuple]:
    """What the sync functions of a module call (a FileFacts' `calls`): path -> (CallFact, ...).
    Read like the cache they may come from (awaitwise's own records only); {} for anything else."""
    if not facts.calls:
        return {}
    from .cache import load_record

    return load_record(facts.calls, dict) or {}
