"""AW104 blocking-input."""

from __future__ import annotations

from ..catalogs import blocking as catalogs
from ._blocking import BlockingCallRule


class BlockingInput(BlockingCallRule):
    """
    ## What it does
    Finds reads from the terminal inside an `async def` body: `input()`, `getpass.getpass()`
    and `sys.stdin.read()`/`readline()`/`readlines()`.

    ## Why is this bad?
    These calls wait for a person to type. While they wait, the event loop runs nothing else:
    timers, connections and every other task stop until the user presses Enter.

    ## Example
    ```python
    async def chat(ws):
        while True:
            line = input("> ")
            await ws.send(line)
    ```

    ## Use instead
    ```python
    async def chat(ws):
        while True:
            line = await asyncio.to_thread(input, "> ")
            await ws.send(line)
    ```

    ## Fix safety
    No fix. Whether the read belongs before the loop starts, in a worker thread, or on an
    async pipe reader (`loop.connect_read_pipe`) depends on the program.
    """

    code = "AW104"
    name = "blocking-input"
    summary = "input(), getpass, sys.stdin reads in async context"
    fix = None
    catalog = catalogs.INPUT
