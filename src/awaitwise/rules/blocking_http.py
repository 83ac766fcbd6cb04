"""AW101 blocking-http."""

from __future__ import annotations

from ..catalogs import blocking as catalogs
from ._blocking import BlockingCallRule


class BlockingHttp(BlockingCallRule):
    """
    ## What it does
    Finds calls of synchronous HTTP clients inside an `async def` body: `requests` (module
    functions and `Session` methods), `urllib.request.urlopen`, `urllib3`, the sync API of
    `httpx` and of its successor `httpx2` (`httpx.get`, `httpx.Client`) and `http.client`
    connections. Method calls count when the object's type is known (from its constructor or an
    annotation): `s = requests.Session(); s.get(url)`,
    `with httpx.Client() as c: c.get(url)`, `self.session.get(url)` when `__init__` set
    `self.session = requests.Session()`.

    ## Why is this bad?
    A synchronous request holds the thread until the server answers. In a coroutine that thread
    runs the event loop, so every other task waits for the network round trip, and a slow or
    unreachable server freezes the whole program.

    ## Example
    ```python
    async def fetch_user(user_id):
        response = requests.get(f"https://api.example.com/users/{user_id}")
        return response.json()
    ```

    ## Use instead
    ```python
    async def fetch_user(client: httpx.AsyncClient, user_id):
        response = await client.get(f"https://api.example.com/users/{user_id}")
        return response.json()
    ```

    ## Fix safety
    Unsafe. The fix moves the call into a worker thread:
    `await asyncio.to_thread(requests.get, url)` (`trio.to_thread.run_sync` / `anyio.to_thread.run_sync`
    in modules that use those libraries). The loop stays free, but the call now runs
    concurrently with other tasks in another thread, which matters when it shares a session or
    other state that is not thread-safe. No fix is offered where the call is a `with` item, on
    Python targets before 3.9, or inside a generator expression.

    One finding, and at most one offload, per blocking expression. In a chain of blocking calls
    (`urlopen(url).read()`) only the outermost call is reported, and without a fix: `to_thread`
    would get a bound method made by the inner call, which would still run on the loop. A lambda
    running the whole chain in the thread would work, but it moves the evaluation of every
    argument into the thread and cannot hold an `await`; the message asks for a sync function
    instead, which a reviewer can read and test. A call that returns an object with blocking
    methods of its own (`urlopen(url)`) gets no fix either where it is handed to another call
    (`json.load(urlopen(url))`), which goes on using that object on the loop. A call awaited by
    mistake (`await requests.get(url)`) keeps its one `await`.
    """

    code = "AW101"
    name = "blocking-http"
    summary = "sync HTTP clients (requests, urllib, urllib3, httpx sync API, http.client) in async context"
    fix = "unsafe"
    catalog = catalogs.HTTP
    no_fix = catalogs.HTTP_NO_FIX
