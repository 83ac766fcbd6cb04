"""AW103 blocking-file-io."""

from __future__ import annotations

from ..catalogs import blocking as catalogs
from ._blocking import BlockingCallRule


class BlockingFileIo(BlockingCallRule):
    """
    ## What it does
    Finds file-system calls inside an `async def` body: `open()`, `io.open`, `codecs.open`,
    `os.fdopen` and the methods of the file objects they return (`f.read()`, `f.write()`...),
    the `pathlib.Path` methods that touch the disk (`read_text`, `write_bytes`, `exists`,
    `stat`, `iterdir`, `mkdir`, `unlink`...), the `os.path` functions that ask the file system
    (`exists`, `isfile`, `getsize`, `getmtime`...), `os.listdir`/`scandir`/`remove`/`makedirs`...,
    and `shutil` copies, moves and `rmtree`. It also finds calls that read the disk although
    their names do not say so: imports done at run time (`importlib.import_module`,
    `__import__`, `importlib.reload`), package metadata (`importlib.metadata.version`,
    `entry_points`), `zoneinfo.ZoneInfo`, certificate loading (`ssl.create_default_context`,
    `load_verify_locations`, `load_cert_chain`), archives and small databases (`tarfile`,
    `zipfile`, `shelve`, `dbm`), `platform` queries that read files, `mimetypes.init`, and
    logging file handlers (unless `delay=True`). Path arithmetic is never reported: `os.path.join`,
    `basename`, `splitext`, `Path(a) / b`, `PurePath`. When a file is opened in the same
    coroutine (`with open(p) as f: f.read()`), only the `open` is reported. `os.fdopen(r)` on an
    end of a pipe the coroutine made (`r, w = os.pipe()`) touches no disk and is not reported
    (reads and writes on it still are). Calls that only build an iterator (`Path.iterdir()`,
    `glob()`, `rglob()`, `walk()`, `os.walk()`) are reported where they are consumed on the spot
    (`for p in path.iterdir():`, `list(path.glob("*"))`, or a local bound to one that the same
    coroutine iterates), not when the iterator is handed to a worker thread.

    ## Why is this bad?
    File-system calls hold the thread until the disk answers. That is usually quick, but not on
    a busy disk, a network file system or a large file, and while it waits the event loop can run
    no other task.

    ## Example
    ```python
    async def load_config(path):
        with open(path) as f:
            return json.load(f)
    ```

    ## Use instead
    ```python
    async def load_config(path):
        text = await anyio.Path(path).read_text()  # or aiofiles, or asyncio.to_thread
        return json.loads(text)
    ```

    ## Fix safety
    Unsafe. The fix moves one call into a worker thread with `await asyncio.to_thread(...)`
    (`trio.to_thread.run_sync` / `anyio.to_thread.run_sync` in modules that use those
    libraries): `await asyncio.to_thread(Path(p).read_text)`. The loop stays free but the call
    runs concurrently with other tasks.

    A fix is offered only where that one call is all the blocking there is. Opening a file gets
    no fix (`open`, `io.open`, `codecs.open`, `os.fdopen`, `Path.open`): the reads and writes
    of the file object, which this rule reports once at the open, would stay on the loop, and
    a re-check would no longer see them. That covers `with open(p) as f:` (move the whole block
    into a function run with `to_thread`), `fh = open(p)` and `json.load(open(p))`. In a chain
    (`open(p).read()`) only the outermost call is reported, without a fix: offloading
    `open(p).read` would still open on the loop. A lambda running the whole expression in the
    thread would work, but it moves every argument's evaluation into the thread and cannot
    hold an `await`; the message asks for a sync function instead, which a reviewer can read
    and test. No fix is offered either for a call that is the iterable of a `for` or that
    builds an iterator (moving only its creation to a thread would leave the iteration on the
    loop), on Python targets before 3.9, or inside a generator expression.
    """

    code = "AW103"
    name = "blocking-file-io"
    summary = "open() and file-object methods, pathlib/os.path disk access, shutil in async context"
    fix = "unsafe"
    catalog = catalogs.FILE_IO
    no_fix = catalogs.FILE_IO_NO_FIX
    report_receiver_once = True
    fix_handles = False
    lazy = catalogs.FILE_IO_LAZY
    non_blocking_args = catalogs.FILE_IO_NON_BLOCKING_ARGS
