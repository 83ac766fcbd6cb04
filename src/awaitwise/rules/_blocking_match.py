"""The decisions the blocking-call rules (AW100–AW109) make about one call, written over plain
data so that two readers share them: the libcst rules, at a call in a coroutine, and the project
call graph of AW110, which reads sync helper bodies with the stdlib `ast` parser.

Nothing here imports libcst: the call graph is built before any file is parsed with it.
"""

from __future__ import annotations

from typing import NamedTuple, Optional, Sequence, Tuple

NOWAIT_MODES = frozenset({"P_NOWAIT", "P_NOWAITO", "P_DETACH"})
# Builtins that consume an iterator given to them on the spot, and the ones that pass it through.
CONSUMERS = frozenset(
    {"list", "tuple", "set", "frozenset", "sorted", "dict", "next", "any", "all", "sum", "min", "max"}
)
PASS_THROUGH = frozenset({"enumerate", "zip", "filter", "map", "iter", "reversed"})

UNKNOWN = object()  # an argument that `*args` / `**kw` may or may not carry


class ArgValue(NamedTuple):
    """What the non-blocking-argument tests read from one argument's value."""

    number: Optional[float]  # a literal int/float (`0`, `0.0`), None for anything else
    is_false: bool  # the literal `False`
    name: str  # the qualified name (or dotted text) of a name/attribute value, "" otherwise
    code: str  # the value's source text (or the names it mentions)


def terminal(qualname: str) -> str:
    return qualname.rsplit(".", 1)[-1].rstrip("()") or qualname


def value_says_no_wait(test: str, value) -> bool:
    """Does this argument make the call return at once? `value` is an ArgValue, None when the
    argument is not given, or UNKNOWN. Tests: see awaitwise.catalogs.blocking."""
    if test == "absent":
        return value is None
    if value is None or value is UNKNOWN:
        return False
    if test in ("false", "zero"):
        if value.number is not None:
            return value.number == 0
        return test == "false" and value.is_false
    if test == "true":
        return value.number != 0 if value.number is not None else value.code.strip() == "True"
    if test == "nowait-mode":
        return terminal(value.name) in NOWAIT_MODES
    if test.startswith("mentions:"):
        return test[len("mentions:") :] in value.code
    if test == "ip-literal":
        return _address_literal(value.code)
    if test == "pipe-end":
        return value.name == PIPE_MADE
    return False


PIPE_MADE = "os.pipe()"  # ArgValue.name of a local unpacked from `os.pipe()` / `os.pipe2()`


def _address_literal(code: str) -> bool:
    """Is this source text a plain string literal holding an IP address (`"10.0.0.1"`, `'::1'`)?"""
    text = code.strip()
    if len(text) > 60 or len(text) < 3 or text[0] not in "'\"" or text[-1] != text[0]:
        return False
    import ipaddress

    try:
        ipaddress.ip_address(text[1:-1])
    except ValueError:
        return False
    return True


def pick_argument(
    positional: Sequence, keywords: Sequence[Tuple[str, object]], has_star: bool, position: int, keyword: str
):
    """The value of the argument at `position` or named `keyword`: the value, None when it is not
    given, UNKNOWN when a `*args`/`**kw` may carry it."""
    for name, value in keywords:
        if name == keyword:
            return value
    if has_star:
        return UNKNOWN
    if position < len(positional):
        return positional[position]
    return None


def specs_say_no_wait(specs, argument) -> bool:
    """`argument(position, keyword)` -> the value (see pick_argument), as an ArgValue."""
    return bool(specs) and any(
        value_says_no_wait(test, argument(position, keyword)) for position, keyword, test in specs
    )


def marked_receiver(markers: Sequence[str], receiver: str, calls_text) -> bool:
    """Does the same function also call `<receiver>.<marker>` (`sock.setblocking(False)`), or,
    for a marker holding `{}`, the call it spells with the receiver put there
    (`wait_readable({})`: `wait_readable(sock)`)? `calls_text` supports `in` on strings: the
    function's source, or the text of its calls."""
    return any((m.replace("{}", receiver) if "{}" in m else f"{receiver}.{m}") in calls_text for m in markers)


def marker_words(markers: Sequence[str]) -> frozenset:
    """The identifiers a body must hold for one of these markers to be in it (screening)."""
    out = set()
    for m in markers:
        word = m.replace("{}", " ").split("(", 1)[0].split()
        if word:
            out.add(word[-1].rsplit(".", 1)[-1])
    return frozenset(out)


__all__ = [
    "ArgValue",
    "CONSUMERS",
    "PASS_THROUGH",
    "NOWAIT_MODES",
    "UNKNOWN",
    "pick_argument",
    "specs_say_no_wait",
    "terminal",
    "value_says_no_wait",
    "marked_receiver",
    "marker_words",
]
