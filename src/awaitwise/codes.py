"""Rule codes of other tools where awaitwise takes codes (`--select`, `ignore`, `per-file-ignores`).

A project moving from flake8-async or ruff's ASYNC rules keeps its selectors: `--ignore ASYNC251`
means `--ignore AW100`, as `# noqa: ASYNC251` already silences AW100 (noqa.EQUIVALENT is the one
table of equivalents; this module reads it).

- An equivalent code (`ASYNC251`, `RUF006`, `PLE1142`) stands for its awaitwise rules.
- A prefix of flake8-async's namespace (`ASYNC`, `ASYNC2`, `ASYNC22`) stands for the rules
  equivalent to the codes under it.
- A flake8-async code that awaitwise has no counterpart for (the trio/anyio cancel-scope and
  checkpoint checks, `ASYNC100`, `ASYNC910`, ...), or a prefix that covers only such codes
  (`ASYNC1`), selects nothing: that is a warning naming the code and where it was written, not an
  error, so a configuration copied from flake8-async still loads.
- Anything else that is not an awaitwise code or prefix stays an unknown code (an error).
"""

from __future__ import annotations

from typing import FrozenSet, Optional, Tuple

from .noqa import EQUIVALENT

# Every code flake8-async 26.8 reports (ruff's ASYNC rules are a subset of them). Kept as data so
# that a code it knows and awaitwise does not translate is told apart from a typo.
FLAKE8_ASYNC_CODES: FrozenSet[str] = frozenset(
    f"ASYNC{n}"
    for n in (
        100,
        101,
        102,
        103,
        104,
        105,
        106,
        109,
        110,
        111,
        112,
        113,
        114,
        115,
        116,
        118,
        119,
        120,
        121,
        122,
        123,
        124,
        125,
        126,
        127,
        128,
        200,
        210,
        211,
        212,
        220,
        221,
        222,
        230,
        231,
        232,
        240,
        250,
        251,
        300,
        400,
        401,
        900,
        910,
        911,
        912,
        913,
    )
)

FOREIGN_PREFIX = "ASYNC"  # the namespace whose prefixes are accepted; other tools' codes are exact


def is_foreign(selector: str) -> bool:
    """Does `selector` (upper case) name a code of another tool that this module handles?"""
    if selector in EQUIVALENT:
        return True
    if not selector.startswith(FOREIGN_PREFIX):
        return False
    return any(code.startswith(selector) for code in FLAKE8_ASYNC_CODES | EQUIVALENT.keys())


def translate(selector: str) -> Optional[Tuple[Tuple[str, ...], Tuple[str, ...]]]:
    """(awaitwise codes, codes without an equivalent) that a foreign `selector` stands for, or
    None when it is not a foreign code or prefix. Both tuples are sorted."""
    if not is_foreign(selector):
        return None
    if selector in EQUIVALENT:
        return tuple(sorted(EQUIVALENT[selector])), ()
    named = sorted(c for c in FLAKE8_ASYNC_CODES | EQUIVALENT.keys() if c.startswith(selector))
    ours = sorted({aw for c in named for aw in EQUIVALENT.get(c, ())})
    missing = tuple(c for c in named if c not in EQUIVALENT)
    return tuple(ours), missing


def no_equivalent_message(selector: str, missing: Tuple[str, ...]) -> str:
    """The warning for a foreign selector that stands for no awaitwise rule (a prefix that also
    covers translated codes is not warned about: it names the family, and gets what exists)."""
    if selector in missing:
        return f"`{selector}` (flake8-async) has no awaitwise equivalent; it selects nothing"
    shown = ", ".join(missing[:6]) + (", ..." if len(missing) > 6 else "")
    return f"`{selector}` covers only flake8-async codes with no awaitwise equivalent ({shown}); it selects nothing"


__all__ = ["FLAKE8_ASYNC_CODES", "is_foreign", "translate", "no_equivalent_message"]
