"""AW105 blocking-network."""

from __future__ import annotations

from ..catalogs import blocking as catalogs
from ._blocking import BlockingCallRule


class BlockingNetwork(BlockingCallRule):
    """
    ## What it does
    Finds blocking network calls inside an `async def` body: DNS lookups
    (`socket.getaddrinfo`, `gethostbyname`...), `socket.create_connection`, the connect, accept,
    send and receive methods of sockets made with `socket.socket()`, `smtplib` and `ftplib`
    clients (their constructors connect when given a host), and every call through an
    `xmlrpc.client.ServerProxy`. Not reported: numeric-only lookups (`AI_NUMERICHOST` flags, an
    address literal), client constructors without a host, and socket methods on a socket that
    is used in non-blocking mode: the coroutine switches it (`sock.setblocking(False)`; for
    `self._sock`, any method of the class may), waits until it is ready
    (`await trio.lowlevel.wait_readable(sock)`, `anyio.wait_socket_writable(sock)`), or makes
    the call in a `try` that catches `BlockingIOError` (or `ssl.SSLWantReadError` /
    `SSLWantWriteError`).

    ## Why is this bad?
    Each of these waits for a remote host. In a coroutine the thread that waits is the one
    running the event loop, so a slow DNS server or peer stops every other task.

    ## Example
    ```python
    async def resolve(host):
        return socket.gethostbyname(host)
    ```

    ## Use instead
    ```python
    async def resolve(host):
        loop = asyncio.get_running_loop()
        infos = await loop.getaddrinfo(host, None)
        return infos[0][4][0]
    ```

    ## Fix safety
    Unsafe. The fix moves the call into a worker thread with `await asyncio.to_thread(...)`
    (`trio.to_thread.run_sync` / `anyio.to_thread.run_sync` in modules that use those
    libraries); the loop stays free, but a socket or client shared with other tasks is now used
    from another thread. No fix is offered where the call is a `with` item, on Python targets
    before 3.9, or inside a generator expression.

    One finding, and at most one offload, per blocking expression. In a chain of blocking calls
    (`socket.create_connection(addr).recv(1024)`) only the outermost call is reported, and
    without a fix: `to_thread` would get a bound method made by the inner call, which would
    still run on the loop. A lambda running the whole chain in the thread would work, but it
    moves the evaluation of every argument into the thread and cannot hold an `await`; the
    message asks for a sync function instead, which a reviewer can read and test. A call that
    returns an object with blocking methods of its own (`socket.create_connection(addr)`) gets
    no fix either where it is handed to another call
    (`ctx.wrap_socket(socket.create_connection(addr))`), which goes on using that object on the
    loop. A call awaited by mistake (`await sock.recv(1024)`) keeps its one `await`.
    """

    code = "AW105"
    name = "blocking-network"
    summary = "socket connect/DNS/recv/accept, smtplib, ftplib, xmlrpc in async context"
    fix = "unsafe"
    catalog = catalogs.NETWORK
    no_fix = catalogs.NETWORK_NO_FIX
    non_blocking_args = catalogs.NETWORK_NON_BLOCKING_ARGS
    receiver_markers = catalogs.NETWORK_RECEIVER_MARKERS
    non_blocking_errors = catalogs.NETWORK_NON_BLOCKING_ERRORS
