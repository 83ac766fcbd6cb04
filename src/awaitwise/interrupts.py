"""Stopping a run: SIGINT and SIGTERM, and which exceptions from rule code may end it.

While the command runs (`cli.run`), the main process handles SIGINT and SIGTERM itself: the
handler records the signal and raises `Interrupted`, which no rule guard and no `except
Exception` catches, so the run unwinds (the process pool kills its workers on the way out) and
`cli.run` prints one line and exits 128 + the signal number (130, 143). Writing a fixed file is a
critical section (`writing()`): a signal that arrives during it takes effect right after the
file is in place, so a file is either fully written or not at all, and nothing is written once
the signal was handled.

A rule's `SystemExit` or `KeyboardInterrupt` is a bug in the rule, not a request to stop, and
costs the rule its file (walker.guarded). A `KeyboardInterrupt` is taken for the user's Ctrl-C,
and let through, only where one could be: in the main thread of a process whose SIGINT handler
raises it (Python's default, as for a library caller), or once a SIGINT was received here. In
the command (whose handler raises `Interrupted` instead) and in pool workers (which ignore
SIGINT) it is always the rule's own.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import Iterator, Optional, Set


class Interrupted(BaseException):
    """The run was told to stop by `signum`. A BaseException, so that `except Exception` (and
    click, which turns KeyboardInterrupt into exit 1) lets it through to `cli.run`."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


_received: Optional[int] = None  # the first SIGINT/SIGTERM our handler saw
_critical = 0  # depth of writing() sections in progress
_written: Optional[Set[str]] = None  # files `fix` wrote in this process; None: no fix run began
_installed = False


def received() -> Optional[int]:
    return _received


def _handler(signum, frame) -> None:
    global _received
    if _received is None:
        _received = signum
    if _critical:
        return  # raised when the write in progress is complete (writing())
    raise Interrupted(signum)


@contextlib.contextmanager
def handling_signals() -> Iterator[None]:
    """Handle SIGINT and SIGTERM as described above for the duration (main thread only; elsewhere
    this does nothing)."""
    global _installed
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            previous[sig] = signal.signal(sig, _handler)
        except (OSError, ValueError):  # pragma: no cover - a platform without it
            pass
    _installed = True
    try:
        yield
    finally:
        _installed = False
        for sig, old in previous.items():
            try:
                signal.signal(sig, old if old is not None else signal.SIG_DFL)
            except (OSError, ValueError, TypeError):  # pragma: no cover
                pass


def check() -> None:
    """Raise Interrupted if a signal was received (for code that ran with signals deferred)."""
    if _received is not None and _installed:
        raise Interrupted(_received)


@contextlib.contextmanager
def writing(path: str) -> Iterator[None]:
    """Around the write of one fixed file: a signal waits for it, then stops the run. A run
    already told to stop writes nothing more."""
    global _critical
    check()
    _critical += 1
    try:
        yield
    finally:
        _critical -= 1
    if _written is not None:
        _written.add(path)
    check()


def begin_writing() -> None:
    """A `fix` run that writes files starts: the interrupt message then counts them."""
    global _written
    if _written is None:
        _written = set()


def written() -> Optional[int]:
    """How many files this process wrote, or None when no writing run began."""
    return None if _written is None else len(_written)


def message() -> str:
    """The line printed when the run was interrupted."""
    n = written()
    if n is None:
        return "awaitwise: interrupted"
    if n == 0:
        return "awaitwise: interrupted; no file was fixed yet"
    return f"awaitwise: interrupted; {n} file{'s were' if n != 1 else ' was'} already fixed"


def rule_exception_propagates(exc: BaseException) -> bool:
    """Must this exception, raised while rule code ran, end the run (True), or is it the rule's
    failure, reported for its file (False)? See the module docstring."""
    if isinstance(exc, Interrupted):
        return True
    if isinstance(exc, KeyboardInterrupt):
        return _received is not None or _sigint_raises_here()
    return False


def _sigint_raises_here() -> bool:
    if threading.current_thread() is not threading.main_thread():
        return False  # signal handlers run in the main thread only
    try:
        current = signal.getsignal(signal.SIGINT)
    except (OSError, ValueError):  # pragma: no cover
        return False
    return callable(current) and current is not _handler
