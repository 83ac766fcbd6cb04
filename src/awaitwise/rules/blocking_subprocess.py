"""AW102 blocking-subprocess."""

from __future__ import annotations

from ..catalogs import blocking as catalogs
from ._blocking import BlockingCallRule


class BlockingSubprocess(BlockingCallRule):
    """
    ## What it does
    Finds subprocess calls that wait for a child process inside an `async def` body:
    `subprocess.run`/`call`/`check_call`/`check_output`/`getoutput`/`getstatusoutput`,
    `subprocess.Popen` and its `wait()`/`communicate()`, `os.system`, `os.popen`, `os.spawn*`
    and `os.wait*`. Calls that say they do not wait (`os.spawnv(os.P_NOWAIT, ...)`,
    `os.waitpid(pid, os.WNOHANG)`, `proc.wait(timeout=0)`) are not reported.

    ## Why is this bad?
    Waiting for a child process holds the thread until the child exits. In a coroutine that
    thread runs the event loop, so every other task stops for as long as the command runs.

    ## Example
    ```python
    async def disk_usage(path):
        return subprocess.check_output(["du", "-sh", path])
    ```

    ## Use instead
    ```python
    async def disk_usage(path):
        proc = await asyncio.create_subprocess_exec("du", "-sh", path, stdout=asyncio.subprocess.PIPE)
        out, _ = await proc.communicate()
        return out
    ```

    ## Fix safety
    Unsafe. The fix moves the waiting call into a worker thread with
    `await asyncio.to_thread(...)` (`trio.to_thread.run_sync` / `anyio.to_thread.run_sync` in
    modules that use those libraries); the loop stays free but the call runs concurrently with
    other tasks. `subprocess.Popen(...)`, `os.popen(...)` and `os.posix_spawn(...)` are
    reported without a fix: they return a handle whose use blocks later, so only a rewrite with
    `asyncio.create_subprocess_exec` helps. No fix is offered where the call is a `with` item,
    on Python targets before 3.9, or inside a generator expression.

    One finding, and at most one offload, per blocking expression. In a chain of blocking calls
    (`os.popen("ls").read()`) only the outermost call is reported, and without a fix:
    `to_thread` would get a bound method made by the inner call, which would still run on the
    loop. A lambda running the whole chain in the thread would work, but it moves the evaluation
    of every argument into the thread and cannot hold an `await`; the message asks for a sync
    function instead, which a reviewer can read and test. A call awaited by mistake (`await
    subprocess.run(cmd)`) keeps its one `await`.
    """

    code = "AW102"
    name = "blocking-subprocess"
    summary = "subprocess.*, os.system/popen/spawn*/wait*, Popen.wait/communicate in async context"
    fix = "unsafe"
    catalog = catalogs.SUBPROCESS
    no_fix = catalogs.SUBPROCESS_NO_FIX
    non_blocking_args = catalogs.SUBPROCESS_NON_BLOCKING_ARGS
