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

Worker processes (runner's pool) write nothing and print nothing: they send results back and the
main process writes the files. `enter_worker()` sets one up: SIGINT ignored, SIGTERM ends it at
once, and on Linux it is killed when the main process dies (a parent-death signal), so no work
goes on after `kill -9` of the command. `blocked()` holds SIGINT and SIGTERM back while the main
process starts or stops workers, so that no worker is forked unrecorded or left running.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from typing import Callable, Iterator, Optional, Set


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
def handling_signals(then: Optional[Callable] = None) -> Iterator[None]:
    """Handle SIGINT and SIGTERM as described above for the duration (main thread only; elsewhere
    this does nothing). On the way out the previous handlers come back, or `then` (a handler or
    signal.SIG_*) replaces them: the command passes `exit_at_once`, since by then it only
    flushes its output and exits."""
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
            if then is not None:
                old = then
            try:
                signal.signal(sig, old if old is not None else signal.SIG_DFL)
            except (OSError, ValueError, TypeError):  # pragma: no cover
                pass


def exit_at_once(signum, frame) -> None:
    """A handler for after the run: a signal then ends the process at once, quietly, with its
    status (output still being flushed is cut short, as the signal asked)."""
    os._exit(128 + signum)


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def blocked() -> Iterator[None]:
    """SIGINT and SIGTERM are held back (not lost) for the duration, in this thread: one that
    arrives meanwhile is handled when the block ends. Where signal masks do not exist this does
    nothing."""
    mask = getattr(signal, "pthread_sigmask", None)
    if mask is None:  # pragma: no cover - Windows
        yield
        return
    previous = mask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        mask(signal.SIG_SETMASK, previous)


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _parent_death_signal(signum: int) -> bool:
    """Ask Linux to send `signum` to this process when its parent dies. False where it cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(signum), 0, 0, 0) == 0
    except (OSError, AttributeError, TypeError, ValueError):
        return False


def enter_worker(parent_pid: int) -> None:
    """Set up a worker process forked (or spawned) by the process `parent_pid`: SIGINT ignored
    (Ctrl-C reaches the whole process group; the parent reports it once), SIGTERM back to its
    default (the worker ends without running any Python code), killed with its parent where the
    platform allows, and out at once if the parent is already gone. The signals the parent held
    back while forking (`blocked()`) are let through again."""
    global _installed, _received, _critical, _written
    _installed, _received, _critical, _written = False, None, 0, None
    for sig, how in ((signal.SIGINT, signal.SIG_IGN), (signal.SIGTERM, signal.SIG_DFL)):
        try:
            signal.signal(sig, how)
        except (OSError, ValueError):  # pragma: no cover - not the main thread / no such signal
            pass
    mask = getattr(signal, "pthread_sigmask", None)
    if mask is not None:
        mask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
    _parent_death_signal(signal.SIGKILL)
    if not parent_alive(parent_pid):  # it died before the parent-death signal was armed
        os._exit(0)


def parent_alive(parent_pid: int) -> bool:
    """Is this process still the child of `parent_pid`? (An orphan is adopted by another.)"""
    return os.getppid() == parent_pid


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
    done = False
    try:
        yield
        done = True
    finally:
        _critical -= 1
        if done and _written is not None:
            _written.add(path)
        check()  # a signal that came during the write, even one that failed, stops the run now


def begin_writing() -> None:
    """A `fix` run that writes files starts: the interrupt message then counts them."""
    global _written
    if _written is None:
        _written = set()


def written() -> Optional[int]:
    """How many files this process wrote, or None when no writing run began."""
    return None if _written is None else len(_written)


def signal_name(signum: Optional[int]) -> Optional[str]:
    if signum is None:
        return None
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def message(signum: Optional[int] = None) -> str:
    """The line printed when the run was interrupted (by `signum`, when given)."""
    name = signal_name(signum)
    head = f"awaitwise: interrupted by {name}" if name else "awaitwise: interrupted"
    n = written()
    if n is None:
        return head
    if n == 0:
        return f"{head}; no file was written yet"
    return f"{head}; {n} file{'s were' if n != 1 else ' was'} already written"


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
