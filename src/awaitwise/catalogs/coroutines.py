"""Library coroutine functions and the APIs that take coroutines or callables, kept as data.

Names are written the way the resolver writes them: `asyncio.sleep` for a function,
`asyncio.Queue().get` for a method of an object constructed in the checked scope,
`aiohttp.ClientSession().get().json` for a method of what such a method returns (through
`async with session.get(url) as resp` or `resp = await session.get(url)`).

- COROUTINE_FUNCTIONS: calling one returns something that must be awaited (a coroutine, or an
  awaitable that wraps one and warns when dropped, like aiohttp's request context managers).
- COROUTINE_ARGS (AW203): {callee: positions of arguments that must be coroutines, "*" = every
  positional argument}.
- CALLABLE_ARGS (AW204): {callee: (position or None, keyword or None)} of the argument that must
  be a callable; `how` says how the function's arguments are passed on (see AW204).
- TASK_FACTORIES (AW400): calls that schedule a task and return its only reference.
"""

from __future__ import annotations

from typing import Dict, FrozenSet, Iterable, Optional, Tuple


def _each(owners: Iterable[str], members: Iterable[str]) -> FrozenSet[str]:
    members = tuple(members)
    return frozenset(f"{owner}.{member}" for owner in owners for member in members)


# Objects whose methods are looked up: an event loop obtained from asyncio.
ASYNCIO_LOOPS = ("asyncio.get_event_loop()", "asyncio.get_running_loop()", "asyncio.new_event_loop()")

_ASYNCIO = (
    frozenset(
        {
            "asyncio.sleep",
            "asyncio.wait_for",
            "asyncio.wait",
            "asyncio.open_connection",
            "asyncio.start_server",
            "asyncio.open_unix_connection",
            "asyncio.start_unix_server",
            "asyncio.to_thread",
            "asyncio.gather",
            "asyncio.shield",
            "asyncio.create_subprocess_exec",
            "asyncio.create_subprocess_shell",
            "asyncio.staggered.staggered_race",
        }
    )
    | _each(("asyncio.Queue()", "asyncio.LifoQueue()", "asyncio.PriorityQueue()"), ("get", "put", "join"))
    | _each(("asyncio.Lock()", "asyncio.Semaphore()", "asyncio.BoundedSemaphore()"), ("acquire",))
    | _each(("asyncio.Event()",), ("wait",))
    | _each(("asyncio.Condition()",), ("acquire", "wait", "wait_for"))
    | _each(("asyncio.Barrier()",), ("wait", "reset", "abort"))
    | _each(
        ASYNCIO_LOOPS,
        (
            "create_connection",
            "create_server",
            "create_unix_connection",
            "create_unix_server",
            "create_datagram_endpoint",
            "getaddrinfo",
            "getnameinfo",
            "sock_recv",
            "sock_recv_into",
            "sock_sendall",
            "sock_connect",
            "sock_accept",
            "sock_sendfile",
            "sendfile",
            "start_tls",
            "subprocess_exec",
            "subprocess_shell",
            "connect_read_pipe",
            "connect_write_pipe",
            "shutdown_asyncgens",
            "shutdown_default_executor",
            "connect_accepted_socket",
        ),
    )
)

_TRIO = (
    frozenset(
        {
            "trio.sleep",
            "trio.sleep_forever",
            "trio.sleep_until",
            "trio.open_tcp_stream",
            "trio.open_tcp_listeners",
            "trio.serve_tcp",
            "trio.open_ssl_over_tcp_stream",
            "trio.open_ssl_over_tcp_listeners",
            "trio.serve_ssl_over_tcp",
            "trio.open_unix_socket",
            "trio.run_process",
            "trio.open_file",
            "trio.to_thread.run_sync",
            "trio.lowlevel.checkpoint",
            "trio.lowlevel.checkpoint_if_cancelled",
            "trio.lowlevel.wait_readable",
            "trio.lowlevel.wait_writable",
            "trio.wait_all_tasks_blocked",
            "trio.testing.wait_all_tasks_blocked",
            "trio.aclose_forcefully",
            "trio.serve_listeners",
            "trio.lowlevel.cancel_shielded_checkpoint",
            "trio.lowlevel.open_process",
            "trio.lowlevel.wait_task_rescheduled",
            "trio.lowlevel.permanently_detach_coroutine_object",
            "trio.lowlevel.temporarily_detach_coroutine_object",
            "trio.lowlevel.reattach_detached_coroutine_object",
        }
    )
    | _each(("trio.Event()",), ("wait",))
    | _each(
        ("trio.Lock()", "trio.StrictFIFOLock()", "trio.Semaphore()", "trio.CapacityLimiter()"),
        ("acquire", "acquire_on_behalf_of"),
    )
    | _each(("trio.Condition()",), ("acquire", "wait"))
)

_ANYIO = (
    frozenset(
        {
            "anyio.sleep",
            "anyio.sleep_forever",
            "anyio.sleep_until",
            "anyio.connect_tcp",
            "anyio.connect_unix",
            "anyio.create_tcp_listener",
            "anyio.create_unix_listener",
            "anyio.create_udp_socket",
            "anyio.create_connected_udp_socket",
            "anyio.run_process",
            "anyio.open_process",
            "anyio.open_file",
            "anyio.to_thread.run_sync",
            "anyio.to_process.run_sync",
            "anyio.to_interpreter.run_sync",
            "anyio.getaddrinfo",
            "anyio.getnameinfo",
            "anyio.wait_all_tasks_blocked",
            "anyio.lowlevel.checkpoint",
            "anyio.lowlevel.checkpoint_if_cancelled",
            "anyio.lowlevel.cancel_shielded_checkpoint",
            "anyio.wait_socket_readable",
            "anyio.wait_socket_writable",
            "anyio.wait_readable",
            "anyio.wait_writable",
            "anyio.aclose_forcefully",
        }
    )
    | _each(("anyio.Event()",), ("wait",))
    | _each(("anyio.Lock()", "anyio.Semaphore()", "anyio.CapacityLimiter()"), ("acquire", "acquire_on_behalf_of"))
    | _each(("anyio.Condition()",), ("acquire", "wait"))
)

_AIOHTTP_METHODS = ("get", "post", "put", "patch", "delete", "head", "options", "request", "ws_connect", "close")
_AIOHTTP_SESSIONS = ("aiohttp.ClientSession()", "aiohttp.client.ClientSession()")
_AIOHTTP = (
    _each(_AIOHTTP_SESSIONS, _AIOHTTP_METHODS)
    | _each(
        tuple(f"{s}.{m}()" for s in _AIOHTTP_SESSIONS for m in _AIOHTTP_METHODS[:8]) + ("aiohttp.request()",),
        ("json", "text", "read"),
    )
    | frozenset({"aiohttp.request"})
)

_HTTPX_METHODS = ("get", "post", "put", "patch", "delete", "head", "options", "request", "send", "aclose")
_HTTPX_CLIENTS = ("httpx.AsyncClient()", "httpx2.AsyncClient()")  # httpx2: httpx under a new name
_HTTPX = _each(_HTTPX_CLIENTS, _HTTPX_METHODS) | _each(
    tuple(f"{c}.{m}()" for c in _HTTPX_CLIENTS for m in _HTTPX_METHODS[:9]), ("aread", "aclose")
)

_AIOFILES_FILE = (
    "read",
    "write",
    "readline",
    "readlines",
    "writelines",
    "flush",
    "close",
    "seek",
    "tell",
    "truncate",
    "peek",
    "read1",
    "readinto",
    "readall",
)
_AIOFILES = (
    frozenset({"aiofiles.open"})
    | _each(("aiofiles.open()", "aiofiles.threadpool.open()"), _AIOFILES_FILE)
    | _each(
        ("aiofiles.os",),
        (
            "stat",
            "rename",
            "renames",
            "replace",
            "remove",
            "unlink",
            "mkdir",
            "makedirs",
            "rmdir",
            "removedirs",
            "link",
            "symlink",
            "readlink",
            "listdir",
            "scandir",
            "access",
            "sendfile",
            "statvfs",
        ),
    )
    | _each(
        ("aiofiles.os.path",),
        (
            "exists",
            "isfile",
            "isdir",
            "islink",
            "ismount",
            "getsize",
            "getmtime",
            "getatime",
            "getctime",
            "samefile",
            "sameopenfile",
            "abspath",
        ),
    )
)

COROUTINE_FUNCTIONS: FrozenSet[str] = _ASYNCIO | _TRIO | _ANYIO | _AIOHTTP | _HTTPX | _AIOFILES

# Top-level modules of the names above: one of them must be mentioned in a file that calls one.
COROUTINE_MODULES: FrozenSet[str] = frozenset(n.split(".", 1)[0] for n in COROUTINE_FUNCTIONS)

# AW203: where a coroutine (not a coroutine function) is expected.
_LOOP_CORO = {f"{loop}.{m}": (0,) for loop in ASYNCIO_LOOPS for m in ("create_task", "run_until_complete")}
COROUTINE_ARGS: Dict[str, Tuple] = {
    "asyncio.run": (0,),
    "asyncio.Runner().run": (0,),
    "asyncio.create_task": (0,),
    "asyncio.ensure_future": (0,),
    "asyncio.gather": ("*",),
    "asyncio.wait_for": (0,),
    "asyncio.shield": (0,),
    "asyncio.run_coroutine_threadsafe": (0,),
    "asyncio.TaskGroup().create_task": (0,),
    **_LOOP_CORO,
}

# AW204: where a callable is expected. Value: (position, keyword, how) with how one of
# "args" (the callable's positional arguments follow it: `to_thread(f, a, b)`),
# "args+kwargs" (keyword arguments may follow too), "target" (`Thread(target=f, args=(a,))`),
# None (no way to pass arguments: the fix is offered only for calls without arguments).
_LOOP_CALLABLE: Dict[str, Tuple[Optional[int], Optional[str], Optional[str]]] = {}
for _loop in ASYNCIO_LOOPS:
    _LOOP_CALLABLE[f"{_loop}.run_in_executor"] = (1, None, "args")
    _LOOP_CALLABLE[f"{_loop}.call_soon"] = (0, "callback", "args")
    _LOOP_CALLABLE[f"{_loop}.call_soon_threadsafe"] = (0, "callback", "args")
    _LOOP_CALLABLE[f"{_loop}.call_later"] = (1, "callback", "args")
    _LOOP_CALLABLE[f"{_loop}.call_at"] = (1, "callback", "args")
    _LOOP_CALLABLE[f"{_loop}.add_signal_handler"] = (1, "callback", "args")

CALLABLE_ARGS: Dict[str, Tuple[Optional[int], Optional[str], Optional[str]]] = {
    "asyncio.to_thread": (0, None, "args+kwargs"),
    "threading.Thread": (None, "target", "target"),
    "threading.Timer": (1, "function", None),
    "multiprocessing.Process": (None, "target", "target"),
    "concurrent.futures.ThreadPoolExecutor().submit": (0, None, "args+kwargs"),
    "concurrent.futures.ProcessPoolExecutor().submit": (0, None, "args+kwargs"),
    "trio.run": (0, None, "args"),
    "trio.to_thread.run_sync": (0, None, "args"),
    "trio.open_nursery().start_soon": (0, None, "args"),
    "anyio.run": (0, None, "args"),
    "anyio.to_thread.run_sync": (0, None, "args"),
    "anyio.create_task_group().start_soon": (0, None, "args"),
    "atexit.register": (0, None, "args+kwargs"),
    **_LOOP_CALLABLE,
}
# The APIs above that take an async function (and call and await it themselves).
ASYNC_FUNCTION_APIS: FrozenSet[str] = frozenset(
    {
        "trio.run",
        "trio.open_nursery().start_soon",
        "anyio.run",
        "anyio.create_task_group().start_soon",
    }
)
CALLABLE_MODULES: FrozenSet[str] = frozenset(n.split(".", 1)[0] for n in CALLABLE_ARGS)

# Calls known to return something that is not callable (besides project functions, whose
# bodies the index looks at). Used by AW204 to know that `f(x)` cannot be a callable.
NON_CALLABLE_RESULTS: FrozenSet[str] = frozenset(
    {
        "builtins.print",
        "builtins.input",
        "builtins.len",
        "builtins.str",
        "builtins.int",
        "builtins.float",
        "builtins.sum",
        "builtins.sorted",
        "builtins.list",
        "builtins.dict",
        "builtins.open",
        "time.sleep",
        "os.system",
        "subprocess.run",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.check_output",
        "requests.get",
        "requests.post",
        "requests.put",
        "requests.delete",
        "requests.request",
        "shutil.copy",
        "shutil.copyfile",
        "shutil.rmtree",
        "shutil.move",
        "json.dump",
        "json.load",
        "json.dumps",
        "json.loads",
    }
)

# Decorators that leave a def what it is: an `async def` stays a coroutine function, and calling
# a sync one still runs its body. Any other decorator may wrap it into something else (a sync
# wrapper, a task factory, a property...), so such a def is not trusted.
PRESERVING_DECORATORS: FrozenSet[str] = frozenset(
    {
        "builtins.staticmethod",
        "builtins.classmethod",
        "abc.abstractmethod",
        "typing.override",
        "typing_extensions.override",
        "typing.final",
        "typing_extensions.final",
    }
)

# AW400: calls that start a task and return the only strong reference to it.
TASK_FACTORIES: FrozenSet[str] = frozenset({"asyncio.create_task", "asyncio.ensure_future"}) | _each(
    ASYNCIO_LOOPS, ("create_task",)
)

__all__ = [
    "COROUTINE_FUNCTIONS",
    "COROUTINE_MODULES",
    "COROUTINE_ARGS",
    "CALLABLE_ARGS",
    "CALLABLE_MODULES",
    "ASYNC_FUNCTION_APIS",
    "NON_CALLABLE_RESULTS",
    "TASK_FACTORIES",
    "ASYNCIO_LOOPS",
    "PRESERVING_DECORATORS",
]
