"""Parsing a module with libcst for analysis.

Every libcst node checks its own fields when it is constructed (`CSTNode._validate`, called from
`__post_init__`). For a tree the parser builds from text that already parsed, those checks can
only confirm what the grammar guaranteed, and they cost about 30% of the parse (see
tests/benchmarks/README.md). Skipping them means switching `CSTNode.__post_init__` off for the
duration of a parse, which every thread of the process would see. So it is a choice of the
process's owner, never a side effect of using awaitwise: the `awaitwise` command, which owns its
process and its forked workers, turns it on (`unchecked_parsing()`); a program that calls
`awaitwise.api`, a language server that builds fix nodes in other threads, and the tests get the
ordinary, checked parse. Nodes that rules build for fixes are checked as usual in every case, and
a fixed text is re-parsed with the checks on before it is written (fixer._parses).
"""

from __future__ import annotations

import re
import threading
from typing import NamedTuple, Optional

_LOCK = threading.Lock()
_UNCHECKED = False  # see unchecked_parsing


def unchecked_parsing(enabled: bool = True) -> None:
    """Let parse_module skip libcst's per-node checks from now on in this process (or stop).
    For a process that awaitwise owns: the command's main process and the workers it forks."""
    global _UNCHECKED
    _UNCHECKED = bool(enabled)


def _unchecked(self) -> None:
    return None


def parse_module(source: str):
    """libcst.parse_module(source); without per-node validation when the process's owner asked for
    that (unchecked_parsing). Raises what it raises."""
    import libcst as cst

    if not _UNCHECKED:
        return cst.parse_module(source)
    cst.Module  # noqa: B018 - a lazily imported libcst (screening.lazy_libcst) loads before its submodule
    try:
        from libcst._nodes.base import CSTNode
    except ImportError:  # pragma: no cover - a libcst laid out differently: parse the plain way
        return cst.parse_module(source)
    original = CSTNode.__dict__.get("__post_init__")
    if original is None:  # pragma: no cover - as above
        return cst.parse_module(source)
    with _LOCK:
        setattr(CSTNode, "__post_init__", _unchecked)  # noqa: B010 - patches the class for this parse
        try:
            return cst.parse_module(source)
        finally:
            setattr(CSTNode, "__post_init__", original)  # noqa: B010


# ----------------------------------------------------------------------------------------------
# Input the parser must never see
# ----------------------------------------------------------------------------------------------
#
# libcst's native parser recurses once per level of nesting on the C stack of the thread that
# calls it, and a stack overflow there ends the process (SIGSEGV): about 3,000 nested brackets
# or `lambda`s on an 8 MB stack, 7,000 `**`, 8,000 unary `-`. CPython refuses far less: more
# than 200 nested brackets (its tokenizer), more than 100 indentation levels, and expressions
# nested deeper than its own recursion guards (`ast.parse` raises RecursionError or
# MemoryError, on 3.9 to 3.11 at about 3,000 levels; on 3.12+ its parser stack of 6,000 entries
# holds fewer levels still, since each takes several). So a file `ast` accepts is safe to give
# to libcst, and `limit_error` decides for the others: what CPython rejects for its limits is
# AW001 with CPython's message; what it rejects for another reason (syntax newer than the
# running Python, which libcst may still read) first passes `scan_nesting`. libcst's own
# tokenizer refuses more than 100 indentation levels, as CPython's does, so indentation cannot
# nest deeper than that on either path.

BRACKET_LIMIT = 200  # CPython's tokenizer limit (MAXLEVEL)
# Units of `scan_nesting`'s estimate of expression depth. Below every depth at which libcst was
# seen to overflow an 8 MB stack, with room for the brackets that may enclose the expression;
# scaled down where the stack limit is smaller (see _nesting_limit).
NESTING_LIMIT = 2500

# what CPython says when a file exceeds one of its limits (not an error of the syntax itself)
_LIMIT_MESSAGES = (
    "too many nested parentheses",
    "too many levels of indentation",
    "too many statically nested blocks",
    "too complex",
    "too deeply nested",
    "maximum recursion depth",
    "stack overflow",
)


class LimitError(NamedTuple):
    line: int  # 1-based
    column: int  # 1-based
    message: str


def limit_error(source: str, ast_accepted: Optional[bool] = None) -> Optional[LimitError]:
    """Why `source` must not be given to libcst's parser, or None when it may be.

    `ast_accepted`: what an `ast.parse` of this text already answered (True, False), or None
    when none was made (then one is made here). Linear in the length of `source`."""
    if ast_accepted:
        return None
    import ast

    try:
        ast.parse(source)
        return None  # CPython accepts it (see above)
    except SyntaxError as err:
        message = err.msg if isinstance(getattr(err, "msg", None), str) else ""
        if any(m in message for m in _LIMIT_MESSAGES):
            return LimitError(err.lineno or 1, max(err.offset or 1, 1), message[:200])
    except RecursionError:
        return LimitError(1, 1, "too deeply nested for Python to parse (RecursionError)")
    except MemoryError:
        return LimitError(1, 1, "too complex for Python to parse (MemoryError)")
    except ValueError:  # a NUL byte (3.11 and older): libcst reports it as a syntax error
        pass
    return scan_nesting(source)


# One token of interest at a time: strings and comments (skipped whole, so brackets and
# operators inside them do not count), brackets, separators, operators and operator keywords.
# A string's prefix does not change where it ends (in a raw string too, a backslash keeps the
# next character), so prefixes need no matching.
_SQ3, _DQ3 = "'" * 3, '"' * 3
_STRING = "|".join(
    (
        _SQ3 + r"(?:[^\\]|\\[\s\S])*?" + _SQ3,
        _DQ3 + r"(?:[^\\]|\\[\s\S])*?" + _DQ3,
        r"'(?:[^'\\\r\n]|\\[\s\S])*'",
        r'"(?:[^"\\\r\n]|\\[\s\S])*"',
    )
)
_TOKENS = re.compile(
    "(?P<s>" + _STRING + ")"
    r"|(?P<c>#[^\r\n]*)"
    r"|(?P<open>[(\[{])"
    r"|(?P<close>[)\]}])"
    r"|(?P<cont>\\(?:\r\n|\r|\n))"  # a backslash continues the logical line
    r"|(?P<nl>\r\n|\r|\n)"
    r"|(?P<op>\*\*|//|<<|>>|<=|>=|==|!=|->|:=|[-+*/%@&|^~<>.]"
    r"|\b(?:not|and|or|if|else|lambda|await|in|is|yield)\b)"
    r"|(?P<sep>[,;=])"
)


def _nesting_limit() -> int:
    try:
        import resource

        soft, _hard = resource.getrlimit(resource.RLIMIT_STACK)
    except ImportError:  # Windows, where python.exe's main thread has a 2 MB stack
        return NESTING_LIMIT // 4
    except (OSError, ValueError, AttributeError):  # pragma: no cover
        return NESTING_LIMIT
    if soft == getattr(resource, "RLIM_INFINITY", -1) or soft <= 0 or soft >= 8 * 1024 * 1024:
        return NESTING_LIMIT
    return max(100, NESTING_LIMIT * soft // (8 * 1024 * 1024))


# Binding levels, loosest first: an operator adds a level to the chain at its own binding level
# and starts new operands (levels back to zero) for everything that binds tighter: in
# `a*b + c*d` the products are side by side under the sum, while `- - - 1`, `a.b.c`, `f()()`
# and `x if c else y if d else z` each grow one chain.
_LEVEL = {
    "lambda": 0,
    "yield": 0,
    "if": 1,
    "else": 1,
    "or": 2,
    "and": 3,
    "not": 4,
    "in": 5,
    "is": 5,
    "<": 5,
    ">": 5,
    "<=": 5,
    ">=": 5,
    "==": 5,
    "!=": 5,
    ":=": 0,
    "->": 0,
    "|": 6,
    "^": 7,
    "&": 8,
    "<<": 9,
    ">>": 9,
    "+": 10,
    "-": 10,
    "*": 11,
    "/": 11,
    "//": 11,
    "%": 11,
    "@": 11,
    "~": 12,
    "**": 13,
    "await": 14,
    ".": 15,
}
_PRIMARY = 15  # a closed bracket (a call, a subscript, a parenthesized operand) is one link of a chain here
_LEVELS = 16


def scan_nesting(
    source: str, bracket_limit: int = BRACKET_LIMIT, nesting_limit: Optional[int] = None
) -> Optional[LimitError]:
    """A bound on how deeply `source` nests, from its tokens, without parsing it: a LimitError
    at the first bracket opened more than `bracket_limit` deep, or at the first point where an
    expression may nest more than `nesting_limit` levels; else None.

    The estimate of an expression's depth is the depth where the innermost open bracket was
    opened, plus one, plus the length of the chain at each binding level (_LEVEL) since the last
    separator (`,` `;` `=`, or the end of a logical line, which a backslash does not end) in
    that bracket. Each operator, `.`, operator keyword and bracket adds at most one level to the
    tree libcst builds, so this bounds its depth."""
    limit = _nesting_limit() if nesting_limit is None else nesting_limit
    too_deep = f"too deeply nested to parse (an expression nests more than {limit} levels)"
    saved = []  # (base, chains, total) of the enclosing brackets
    base = 0  # depth where the innermost open bracket's content starts
    chains = [0] * _LEVELS
    total = 0  # sum(chains)
    level = _LEVEL
    for m in _TOKENS.finditer(source):
        kind = m.lastgroup
        if kind == "op":
            k = level[m.group()]
            chains[k] += 1
            total += 1
            for j in range(k + 1, _LEVELS):
                if chains[j]:
                    total -= chains[j]
                    chains[j] = 0
            if base + total > limit:
                return _at(source, m.start(), too_deep)
        elif kind == "open":
            saved.append((base, chains, total))
            if len(saved) > bracket_limit:
                return _at(source, m.start(), "too many nested parentheses")
            base += total + 1
            chains = [0] * _LEVELS
            total = 0
            if base > limit:
                return _at(source, m.start(), too_deep)
        elif kind == "close":
            if saved:
                base, chains, total = saved.pop()
                chains[_PRIMARY] += 1
                total += 1
                if base + total > limit:
                    return _at(source, m.start(), too_deep)
        elif kind == "sep" or (kind == "nl" and not saved):
            if total:
                chains = [0] * _LEVELS
                total = 0
    return None


def _at(source: str, offset: int, message: str) -> LimitError:
    head = source[:offset]
    line = head.count("\n") + head.count("\r") - head.count("\r\n") + 1
    line_start = max(head.rfind("\n"), head.rfind("\r")) + 1
    return LimitError(line, offset - line_start + 1, message)
