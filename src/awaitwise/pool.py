"""A pool of worker processes, each given one item (a file) at a time, so that a worker that dies
or hangs costs the item it had and nothing else. The lint run and the project index's
extraction both use it.

A job is a `PoolJob`: called with an item in a worker, it returns that item's result, and
`failed(item, why)` gives the result that stands for an item whose worker died, hung or sent back
something that could not be read. The pool never waits on a worker without also watching for its
death: `multiprocessing.Pool` loses the task of a worker that is killed (by the kernel's
out-of-memory killer, say) and waits for it forever.
"""

from __future__ import annotations

import os
from typing import Any, Generator, Iterable, List, Optional, Tuple

# Seconds one file may take in a worker before it is reported and its worker killed. Generous:
# the slowest real files take a few seconds. AWAITWISE_FILE_TIMEOUT (a positive number of
# seconds) overrides it; runs that stay in one process have no limit.
FILE_TIMEOUT = 120.0
FILE_TIMEOUT_ENV = "AWAITWISE_FILE_TIMEOUT"


def file_timeout() -> float:
    """FILE_TIMEOUT, or $AWAITWISE_FILE_TIMEOUT when it holds a positive number (anything else
    there is ignored)."""
    import math

    value = os.environ.get(FILE_TIMEOUT_ENV, "").strip()
    if value:
        try:
            seconds = float(value)
        except ValueError:
            seconds = 0.0
        if seconds > 0 and not math.isnan(seconds):
            return seconds
    return FILE_TIMEOUT


class PoolJob:
    """What a pool runs: `job(item)` in a worker gives the item's result."""

    def start_worker(self, parent_pid: Optional[int]) -> None:
        """Called once in each worker before its first item. By default: SIGINT ignored (the
        parent reports it), and the worker dies with its parent."""
        import gc

        # A parsed module is a large acyclic tree: collecting often while building it is wasted work.
        gc.set_threshold(50_000, 50, 100)
        from . import interrupts

        if parent_pid is not None:
            interrupts.enter_worker(parent_pid)

    def before_fork(self) -> None:
        """Called in the parent before its workers are forked: what is loaded here, each worker
        has without loading it again."""

    def __call__(self, item) -> Any:  # pragma: no cover - every job defines it
        raise NotImplementedError

    def failed(self, item, why: str) -> Any:  # pragma: no cover - every job defines it
        """The result for `item` when it could not be done: `why` says why, in a few words."""
        raise NotImplementedError


def silence_std_streams() -> None:
    """Point this process's stdout and stderr at the null device: a worker reports through its
    pipe only, so nothing it or the code it runs prints (a traceback, a native crash message)
    reaches the terminal or mixes into the output."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
    except OSError:  # pragma: no cover
        return
    try:
        for fd in (1, 2):
            try:
                os.dup2(null, fd)
            except OSError:  # pragma: no cover - a closed standard stream stays closed
                pass
    finally:
        os.close(null)
    import faulthandler

    if faulthandler.is_enabled():  # it writes to a descriptor of its own (PYTHONFAULTHANDLER, pytest)
        faulthandler.disable()


def _worker_main(conn, job: PoolJob, parent_pid: int, inherited) -> None:
    """A worker: receive (index, item), send back (index, job(item)), until told to stop (None),
    its pipe closes or its parent is gone. Whatever a file raises becomes that file's error."""
    silence_std_streams()
    for other in inherited:  # the parent's ends of this and the other workers' pipes, inherited by fork
        try:
            other.close()
        except OSError:  # pragma: no cover
            pass
    job.start_worker(parent_pid)
    from .interrupts import parent_alive
    from .walker import describe

    try:
        conn.send(_READY)
    except (EOFError, OSError):
        os._exit(0)
    while True:
        try:
            item = conn.recv()
        except (EOFError, OSError):
            break
        if item is None or not parent_alive(parent_pid):
            break
        i, work = item
        try:
            out = job(work)
        except BaseException as exc:  # noqa: B036 - SystemExit, MemoryError...: this file's error
            out = job.failed(work, f"internal error: {describe(exc)}")
        try:
            conn.send((i, out))
        except (EOFError, OSError):
            break
        except BaseException as exc:  # noqa: B036 - a result that cannot be sent (pickling, recursion)
            try:
                conn.send((i, job.failed(work, f"internal error: the result could not be sent: {describe(exc)}")))
            except BaseException:  # noqa: B036
                break
    os._exit(0)  # nothing to flush or finalize: the parent holds every result


_READY = "ready"  # what a worker sends once it is set up, before it takes its first file
START_FAILURES = 3  # workers that die before they are ready: then no more are started


class _Worker:
    __slots__ = ("process", "conn", "task", "deadline", "ready")

    def __init__(self, process, conn):
        self.process = process
        self.conn = conn
        self.task = None  # the (index, path) it is working on
        self.deadline = 0.0
        self.ready = False


def pool_context():
    """(multiprocessing context, forked?). On Linux the workers are forked, inheriting the job
    (and the project index) without pickling; elsewhere the job is pickled once per worker."""
    import multiprocessing
    import sys

    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork"), True
    return multiprocessing.get_context("spawn"), False


def exit_description(code: Optional[int]) -> str:
    from .interrupts import signal_name

    if code is not None and code < 0:
        return f"killed by {signal_name(-code)}"
    return f"exit status {code}" if code is not None else "exit status unknown"


def run_pool(
    job: PoolJob, items: Iterable[Tuple[int, Any]], workers: int, timeout: Optional[float] = None
) -> Generator[Tuple[int, Any], None, None]:
    """Yield (index, job result) for every item, computed in up to `workers` worker processes,
    each given one file at a time. A worker that dies costs the file it had (reported as that
    file's error) and is replaced; one still busy with a file after `timeout` seconds (None:
    file_timeout()) is killed and the file reported. A worker that dies before it is ready
    (during its start-up) costs no file: the file goes to another one. Every worker is stopped
    when this ends, however it ends (an interrupt included). If no worker can be started, the
    files are done in this process."""
    import collections
    import gc
    import math
    import time
    from multiprocessing.connection import wait

    from . import interrupts

    ctx, forked = pool_context()
    if forked:
        job.before_fork()
    if timeout is None:
        timeout = file_timeout()
    pending = collections.deque(items)
    pool: List[_Worker] = []
    wanted = min(workers, len(pending))
    parent_pid = os.getpid()
    start_failures = 0

    def start() -> bool:
        if start_failures >= START_FAILURES:
            return False
        parent_end, child_end = ctx.Pipe()
        inherited = [parent_end] + [w.conn for w in pool] if forked else []
        process = ctx.Process(
            target=_worker_main, args=(child_end, job, parent_pid, inherited), name="awaitwise-worker", daemon=True
        )
        with interrupts.blocked():  # a worker is recorded as soon as it exists
            # what exists now (the project index above all) is never garbage: keep the workers'
            # collector from walking it, and their memory pages shared with this process
            gc.freeze()
            try:
                process.start()
            except Exception:  # no more processes (EAGAIN, ENOMEM) or a job that cannot be pickled
                parent_end.close()
                return False
            finally:
                gc.unfreeze()
                child_end.close()
            pool.append(_Worker(process, parent_end))
        return True

    def retire(w: _Worker, kill: bool) -> None:
        with interrupts.blocked():
            pool.remove(w)
            if kill:
                w.process.kill()
            w.process.join()
            w.conn.close()
        if pending and len(pool) < wanted:
            start()

    finished = False
    try:
        while len(pool) < wanted and start():
            pass
        while True:
            if not pool:  # no worker could be started (or restarted): carry on here
                while pending:
                    i, work = pending.popleft()
                    yield i, job(work)
                break
            for w in pool:
                if w.task is None and pending:
                    w.task = pending.popleft()
                    w.deadline = time.monotonic() + timeout
                    try:
                        w.conn.send(w.task)
                    except OSError:
                        pass  # it died: its sentinel says so below
            busy = [w for w in pool if w.task is not None]
            if not busy:
                break
            wait_for = max(0.0, min(w.deadline for w in busy) - time.monotonic())
            ready = set(
                wait(
                    [w.conn for w in busy] + [w.process.sentinel for w in busy],
                    timeout=wait_for if math.isfinite(wait_for) else None,
                )
            )
            for w in busy:
                readable = w.conn in ready
                died = w.process.sentinel in ready
                if not (readable or died):
                    if time.monotonic() < w.deadline:
                        continue  # still working on its file
                    readable = w.conn.poll()  # a result that came in meanwhile still counts
                message = unreadable = None
                while readable or died:  # what it sent comes first, even from a worker that exited
                    try:
                        if not w.conn.poll():
                            break
                        message = w.conn.recv()
                    except (EOFError, OSError):
                        died = True  # its end closed: it exited, or died
                        message = None
                        break
                    except Exception as exc:  # a result that cannot be read back
                        unreadable = exc
                        break
                    if message == _READY:  # set up: its file's time starts now
                        w.ready = True
                        w.deadline = time.monotonic() + timeout
                        message = None
                        continue
                    break
                task = w.task
                assert task is not None  # a busy worker
                if message is not None or unreadable is not None:
                    w.task = None
                    if died:
                        retire(w, kill=False)
                    if unreadable is not None:
                        from .walker import describe

                        yield (
                            task[0],
                            job.failed(
                                task[1], f"internal error: its result could not be read: {describe(unreadable)}"
                            ),
                        )
                    else:
                        assert message is not None  # one or the other was read
                        i, result = message
                        yield i, result
                    continue
                if not w.ready and (died or time.monotonic() >= w.deadline):
                    # it died or hung while starting, before it took the file: another one takes it
                    start_failures += 1
                    pending.appendleft(task)
                    w.task = None
                    retire(w, kill=True)
                elif died:
                    w.process.join(timeout=5.0)
                    how = exit_description(w.process.exitcode)
                    retire(w, kill=True)
                    yield (
                        task[0],
                        job.failed(
                            task[1], f"internal error: the worker process died while processing this file ({how})"
                        ),
                    )
                elif time.monotonic() >= w.deadline:
                    retire(w, kill=True)
                    yield (
                        task[0],
                        job.failed(
                            task[1],
                            f"not processed: it took longer than {timeout:g} s "
                            f"(the limit per file; {FILE_TIMEOUT_ENV} sets it)",
                        ),
                    )
        finished = True
    finally:
        with interrupts.blocked():  # every worker stops, even if a second signal comes now
            if finished:
                for w in pool:
                    try:
                        w.conn.send(None)
                    except OSError:
                        pass
                for w in pool:
                    w.process.join(timeout=1.0)
            for w in pool:
                if w.process.exitcode is None:
                    w.process.kill()
            for w in pool:
                w.process.join()
                w.conn.close()
            pool.clear()
