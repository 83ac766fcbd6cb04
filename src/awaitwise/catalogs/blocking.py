"""The blocking-call catalogs of AW101–AW108, kept as data.

Each catalog maps a qualified name, written the way the resolver writes it (`requests.get`,
`requests.Session().get` for a method of an instance, `builtins.open().read` for a method of the
object `open()` returns), to the advice the diagnostic shows.

A `*` in a name stands for one or more attribute segments, for APIs whose objects are reached
through names the program chooses: `pymongo.MongoClient().*.find` matches
`client.shop.orders.find()` as well as `client.get_database("shop").orders.find()`.

Next to each catalog:
- `*_NO_FIX`: names that are reported without the `asyncio.to_thread` fix because the call
  returns a handle that keeps blocking later (a `Popen`) or because wrapping it helps nobody.
- `*_NON_BLOCKING_ARGS`: names whose call does not block when an argument says so
  (`lock.acquire(blocking=False)`, `q.get(timeout=0)`): {name: ((position, keyword, test), ...)}
  where test is "false" (literal False or 0), "true" (literal True or a nonzero number), "zero"
  (literal 0 / 0.0), "nowait-mode" (`os.P_NOWAIT`, `os.P_NOWAITO`, `os.P_DETACH`), "absent" (the
  argument is not given) or "mentions:WORD" (the argument's source mentions WORD, as in
  `os.WNOHANG`), "ip-literal" (a string literal that is an IPv4 or IPv6 address, which no lookup
  is needed for) or "pipe-end" (a local the same function bound by unpacking `os.pipe()`).
- `*_RECEIVER_MARKERS`: names whose call does not block when the same coroutine also calls one
  of these on the same object (`sock.setblocking(False)`, `fut.add_done_callback(...)`).
- `*_NON_BLOCKING_ERRORS`: exceptions that, caught around a call (`try: sock.recv(n)` /
  `except BlockingIOError:`), say the call is made in non-blocking mode: it is not reported.
- `*_LAZY`: names whose call only builds an iterator (`Path.iterdir()`, `os.walk()`): the
  blocking happens while it is consumed, so they are reported only where they are consumed on
  the spot (`for p in path.iterdir():`, `list(path.glob("*"))`), and never fixed.
"""

from __future__ import annotations

from typing import Dict, FrozenSet, Iterable, Tuple

Catalog = Dict[str, str]
ArgSpec = Tuple[Tuple[int, str, str], ...]


def _each(owners: Iterable[str], members: Iterable[str], advice: str) -> Catalog:
    members = tuple(members)
    return {f"{owner}.{member}": advice for owner in owners for member in members}


# ------------------------------------------------------------------------------------------------
# AW101 blocking-http
# ------------------------------------------------------------------------------------------------
_HTTP = "use an async HTTP client (`httpx.AsyncClient`, `aiohttp`) or `await asyncio.to_thread(...)`"
_HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")

HTTP: Catalog = {
    **_each(("requests", "requests.api"), _HTTP_VERBS, _HTTP),
    **_each(
        ("requests.Session()", "requests.session()", "requests.sessions.Session()"), _HTTP_VERBS + ("send",), _HTTP
    ),
    **_each(("urllib.request",), ("urlopen", "urlretrieve"), _HTTP),
    **_each(("urllib.request.urlopen()",), ("read", "readline", "readlines"), _HTTP),
    **_each(("urllib.request.OpenerDirector()", "urllib.request.build_opener()"), ("open",), _HTTP),
    "urllib3.request": _HTTP,
    **_each(
        (
            "urllib3.PoolManager()",
            "urllib3.ProxyManager()",
            "urllib3.poolmanager.PoolManager()",
            "urllib3.poolmanager.ProxyManager()",
            "urllib3.proxy_from_url()",
            "urllib3.poolmanager.proxy_from_url()",
            "urllib3.HTTPConnectionPool()",
            "urllib3.HTTPSConnectionPool()",
            "urllib3.connectionpool.HTTPConnectionPool()",
            "urllib3.connectionpool.HTTPSConnectionPool()",
            "urllib3.connection_from_url()",
            "urllib3.connectionpool.connection_from_url()",
            # the base class of pools and managers, where annotations name it (urllib3 1.x, 2.x)
            "urllib3.request.RequestMethods()",
            "urllib3._request_methods.RequestMethods()",
        ),
        ("request", "urlopen", "request_encode_url", "request_encode_body"),
        _HTTP,
    ),
    # httpx2 continues httpx under a new name, with the same sync API
    **_each(("httpx", "httpx2"), _HTTP_VERBS + ("stream",), _HTTP),
    **_each(("httpx.Client()", "httpx2.Client()"), _HTTP_VERBS + ("send", "stream"), _HTTP),
    **_each(
        ("http.client.HTTPConnection()", "http.client.HTTPSConnection()"),
        ("request", "getresponse", "connect", "send", "endheaders"),
        _HTTP,
    ),
    **_each(
        ("http.client.HTTPConnection().getresponse()", "http.client.HTTPSConnection().getresponse()"),
        ("read", "readline", "readlines", "readinto"),
        _HTTP,
    ),
}
# `with client.stream(...) as r:` is reported by the With rule of BlockingCallRule without a fix.
HTTP_NO_FIX: FrozenSet[str] = frozenset()

# ------------------------------------------------------------------------------------------------
# AW102 blocking-subprocess
# ------------------------------------------------------------------------------------------------
_PROC = "use `asyncio.create_subprocess_exec` (or `create_subprocess_shell`)"
_PROC_WAIT = "use `asyncio.create_subprocess_exec` and `await proc.wait()` / `await proc.communicate()`"
_POPEN_OWNERS = ("subprocess.Popen()",)
_SPAWN = ("spawnl", "spawnle", "spawnlp", "spawnlpe", "spawnv", "spawnve", "spawnvp", "spawnvpe")

SUBPROCESS: Catalog = {
    **_each(
        ("subprocess",), ("run", "call", "check_call", "check_output", "getoutput", "getstatusoutput", "Popen"), _PROC
    ),
    **_each(_POPEN_OWNERS, ("wait", "communicate"), _PROC_WAIT),
    **_each(("os",), ("system", "popen", "posix_spawn", "posix_spawnp") + _SPAWN, _PROC),
    **_each(("os",), ("wait", "waitpid", "wait3", "wait4", "waitid"), _PROC_WAIT),
    # `os.popen(cmd).read()`: the read waits for the command to finish
    **_each(("os.popen()",), ("read", "readline", "readlines", "close"), _PROC_WAIT),
}
# Popen/posix_spawn start a process and return at once; what blocks is waiting for it, which is
# reported where it happens. `os.popen` returns a pipe whose reads block. Moving only the start
# into a thread would fix nothing, so these get no fix.
SUBPROCESS_NO_FIX = frozenset({"subprocess.Popen", "os.popen", "os.posix_spawn", "os.posix_spawnp"})
SUBPROCESS_NON_BLOCKING_ARGS: Dict[str, ArgSpec] = {
    **{f"os.{name}": ((0, "mode", "nowait-mode"),) for name in _SPAWN},
    "os.waitpid": ((1, "options", "mentions:WNOHANG"),),
    "os.wait3": ((0, "options", "mentions:WNOHANG"),),
    "os.wait4": ((1, "options", "mentions:WNOHANG"),),
    "os.waitid": ((2, "options", "mentions:WNOHANG"),),
    "subprocess.Popen().wait": ((0, "timeout", "zero"),),
    "subprocess.Popen().communicate": ((1, "timeout", "zero"),),
}
# os.exec* are not listed: they replace the process and never return, which is not "blocking the
# loop" in any sense a coroutine could do better.

# ------------------------------------------------------------------------------------------------
# AW103 blocking-file-io
# ------------------------------------------------------------------------------------------------
_FILE = "use `aiofiles`/`anyio.Path`, or `await asyncio.to_thread(...)`"
# tempfile's files are made on disk when they are created (SpooledTemporaryFile stays in memory
# until it grows past its size: not listed)
_FILE_OPENERS = (
    "builtins.open",
    "io.open",
    "codecs.open",
    "os.fdopen",
    "tempfile.TemporaryFile",
    "tempfile.NamedTemporaryFile",
)
_FILE_METHODS = (
    "read",
    "readline",
    "readlines",
    "readinto",
    "write",
    "writelines",
    "flush",
    "close",
    "truncate",
    "seek",
)
# the classes of the objects `open()` returns, as annotations name them (`f: io.TextIOWrapper`)
_FILE_CLASSES = (
    "io.TextIOWrapper()",
    "io.BufferedReader()",
    "io.BufferedWriter()",
    "io.BufferedRandom()",
    "io.FileIO()",
)
# Path methods that touch the disk. Pure path arithmetic (`/`, `with_suffix`, `name`, `parent`,
# `joinpath`, `relative_to`, `is_absolute`, `match`) is not listed, nor `absolute()`
# (a getcwd) and `expanduser()` (an environment read).
_PATH_METHODS = (
    "read_text",
    "read_bytes",
    "write_text",
    "write_bytes",
    "open",
    "exists",
    "is_file",
    "is_dir",
    "is_symlink",
    "is_mount",
    "is_socket",
    "is_fifo",
    "is_block_device",
    "is_char_device",
    "stat",
    "lstat",
    "iterdir",
    "glob",
    "rglob",
    "walk",
    "mkdir",
    "rmdir",
    "unlink",
    "rename",
    "replace",
    "touch",
    "chmod",
    "lchmod",
    "resolve",
    "samefile",
    "owner",
    "group",
    "readlink",
    "symlink_to",
    "hardlink_to",
    "link_to",
    "copy",
    "copy_into",
    "move",
    "move_into",
)
_PATH_ROOTS = (
    "pathlib.Path()",
    "pathlib.PosixPath()",
    "pathlib.WindowsPath()",
    "pathlib.Path.home()",
    "pathlib.Path.cwd()",
)
# paths derived from a path: `Path(x).parent.exists()`, `p.with_suffix(".bak").unlink()`
_PATH_DERIVED = (
    "parent",
    "parent.parent",
    "with_suffix()",
    "with_name()",
    "with_stem()",
    "joinpath()",
    "absolute()",
    "resolve()",
    "expanduser()",
    "relative_to()",
)
_PATH_OWNERS = _PATH_ROOTS + tuple(f"{root}.{d}" for root in _PATH_ROOTS for d in _PATH_DERIVED)
# os.path functions that ask the file system (the others are string arithmetic: join,
# basename, dirname, split, splitext, normpath, abspath, expanduser, ...).
_OS_PATH = (
    "exists",
    "lexists",
    "isfile",
    "isdir",
    "islink",
    "ismount",
    "isjunction",
    "getsize",
    "getmtime",
    "getatime",
    "getctime",
    "samefile",
    "realpath",
)
_OS_FS = (
    "listdir",
    "scandir",
    "walk",
    "stat",
    "lstat",
    "remove",
    "unlink",
    "rename",
    "renames",
    "replace",
    "mkdir",
    "makedirs",
    "rmdir",
    "removedirs",
    "chmod",
    "chown",
    "lchown",
    "lchmod",
    "utime",
    "access",
    "symlink",
    "link",
    "readlink",
    "truncate",
    "open",
    "fsync",
    "fdatasync",
    "statvfs",
    "mkfifo",
    "chflags",
    "lchflags",
    "getxattr",
    "setxattr",
    "listxattr",
    "removexattr",
)
_SHUTIL = (
    "copy",
    "copy2",
    "copyfile",
    "copyfileobj",
    "copymode",
    "copystat",
    "copytree",
    "move",
    "rmtree",
    "make_archive",
    "unpack_archive",
    "disk_usage",
    "chown",
)

# Calls that read the disk although their names do not say so: imports done at run time (the
# module's file is found, read and compiled), package metadata, time-zone data, certificate
# stores, archives and small databases. Each of these was seen blocking real event loops.
_IMPORT = (
    "imports at run time find, read and compile the module's file; import it at module level, "
    "or `await asyncio.to_thread(...)`"
)
_METADATA = (
    "reads the installed distributions' metadata files; read it once at start-up, or `await asyncio.to_thread(...)`"
)
_ZONE = "reads the time-zone file on first use; build the ZoneInfo at start-up, or `await asyncio.to_thread(...)`"
_CERTS = (
    "reads the certificate files; build the SSL context once at start-up and reuse it, or "
    "`await asyncio.to_thread(...)`"
)
_ARCHIVE = "reads or writes the archive on disk; `await asyncio.to_thread(...)`"
_PLATFORM = "reads files (or runs a command) to answer; ask once at start-up, or `await asyncio.to_thread(...)`"
_SSL_CONTEXTS = ("ssl.SSLContext()", "ssl.create_default_context()")
_ARCHIVES = ("tarfile.open()", "tarfile.TarFile()", "tarfile.TarFile.open()", "zipfile.ZipFile()")
_LOG_FILE = "opens its log file; create file handlers at start-up (or pass `delay=True`)"
_RUNTIME_READS: Catalog = {
    "importlib.import_module": _IMPORT,
    "importlib.reload": _IMPORT,
    "builtins.__import__": _IMPORT,
    "importlib.util.find_spec": _IMPORT,
    **_each(
        ("importlib.metadata", "importlib_metadata"),
        (
            "version",
            "distribution",
            "distributions",
            "metadata",
            "entry_points",
            "files",
            "requires",
            "packages_distributions",
        ),
        _METADATA,
    ),
    "pkg_resources.get_distribution": _METADATA,
    "pkg_resources.require": _METADATA,
    "pkg_resources.iter_entry_points": _METADATA,
    "zoneinfo.ZoneInfo": _ZONE,
    "zoneinfo.available_timezones": _ZONE,
    "ssl.create_default_context": _CERTS,
    **_each(
        _SSL_CONTEXTS,
        (
            "load_verify_locations",
            "load_cert_chain",
            "set_default_verify_paths",
            "load_default_certs",
            "load_dh_params",
        ),
        _CERTS,
    ),
    "tarfile.open": _ARCHIVE,
    "tarfile.is_tarfile": _ARCHIVE,
    "zipfile.ZipFile": _ARCHIVE,
    "zipfile.is_zipfile": _ARCHIVE,
    **_each(
        _ARCHIVES,
        (
            "extractall",
            "extract",
            "extractfile",
            "add",
            "addfile",
            "getmembers",
            "getnames",
            "getmember",
            "list",
            "read",
            "write",
            "writestr",
            "namelist",
            "infolist",
            "testzip",
            "close",
        ),
        _ARCHIVE,
    ),
    "shelve.open": _ARCHIVE,
    "dbm.open": _ARCHIVE,
    **_each(
        ("platform",),
        ("mac_ver", "libc_ver", "freedesktop_os_release", "architecture", "platform", "processor"),
        _PLATFORM,
    ),
    "mimetypes.init": _PLATFORM,
    "mimetypes.read_mime_types": _PLATFORM,
    **_each(
        ("logging", "logging.handlers"),
        ("FileHandler", "RotatingFileHandler", "TimedRotatingFileHandler", "WatchedFileHandler"),
        _LOG_FILE,
    ),
    "logging.basicConfig": "opens the log file it is given; configure logging at start-up",
    "logging.config.fileConfig": "reads the configuration file and opens its log files; configure logging at start-up",
    "io.open_code": _FILE,
}

FILE_IO: Catalog = {
    **_RUNTIME_READS,
    **dict.fromkeys(_FILE_OPENERS, _FILE),
    **_each(_PATH_OWNERS, _PATH_METHODS, _FILE),
    **_each(
        tuple(o + "()" for o in _FILE_OPENERS) + tuple(o + ".open()" for o in _PATH_OWNERS) + _FILE_CLASSES,
        _FILE_METHODS,
        _FILE,
    ),
    **_each(("os.path",), _OS_PATH, _FILE),
    **_each(("os",), _OS_FS, _FILE),
    **_each(("shutil",), _SHUTIL, _FILE),
    **_each(("glob",), ("glob", "iglob"), _FILE),
    **_each(("tempfile",), ("mkstemp", "mkdtemp", "TemporaryDirectory"), _FILE),
    "tempfile.TemporaryDirectory().cleanup": _FILE,
}
# Reported wherever they are called; a fix that moves one call into a thread is offered by the
# rule except where the call is a `with` item or a `for` iterable (see _blocking).
FILE_IO_NO_FIX: FrozenSet[str] = frozenset()
FILE_IO_NON_BLOCKING_ARGS: Dict[str, ArgSpec] = {
    **{f"logging.{h}": ((3, "delay", "true"),) for h in ("FileHandler", "handlers.WatchedFileHandler")},
    **{f"logging.handlers.{h}": ((5, "delay", "true"),) for h in ("RotatingFileHandler", "TimedRotatingFileHandler")},
    "logging.handlers.FileHandler": ((3, "delay", "true"),),
    "logging.basicConfig": ((99, "filename", "absent"),),  # keyword-only: no file without `filename=`
    # wrapping an end of a pipe the coroutine made (`r, w = os.pipe()`) touches no disk; the
    # reads and writes on it are still reported
    "os.fdopen": ((0, "fd", "pipe-end"),),
}
_LAZY_PATH_METHODS = ("iterdir", "glob", "rglob", "walk")
FILE_IO_LAZY = frozenset({f"{o}.{m}" for o in _PATH_OWNERS for m in _LAZY_PATH_METHODS} | {"os.walk", "glob.iglob"})

# ------------------------------------------------------------------------------------------------
# AW104 blocking-input
# ------------------------------------------------------------------------------------------------
_INPUT = (
    "reads the terminal and blocks the event loop until the user answers; read input before "
    "starting the loop, or use `loop.connect_read_pipe` / `await asyncio.to_thread(...)`"
)
INPUT: Catalog = {
    "builtins.input": _INPUT,
    "getpass.getpass": _INPUT,
    **_each(("sys.stdin", "sys.stdin.buffer", "sys.__stdin__"), ("read", "readline", "readlines"), _INPUT),
}

# ------------------------------------------------------------------------------------------------
# AW105 blocking-network
# ------------------------------------------------------------------------------------------------
_DNS = "use `await loop.getaddrinfo(...)` (or `getnameinfo`)"
_SOCK = "use `asyncio.open_connection` streams or the `loop.sock_*` coroutines"
_MAIL = "use an async client (`aiosmtplib`, `aioftp`) or `await asyncio.to_thread(...)`"
_RPC = "use an async RPC client or `await asyncio.to_thread(...)`"
_SOCKET_OWNERS = (
    "socket.socket()",
    "socket.create_connection()",
    "ssl.wrap_socket()",
    "ssl.SSLContext().wrap_socket()",
    "ssl.create_default_context().wrap_socket()",
)
_SOCKET_METHODS = (
    "connect",
    "connect_ex",
    "accept",
    "recv",
    "recv_into",
    "recvfrom",
    "recvfrom_into",
    "recvmsg",
    "send",
    "sendall",
    "sendto",
    "sendmsg",
    "sendfile",
    "do_handshake",
)
_SMTP_OWNERS = ("smtplib.SMTP()", "smtplib.SMTP_SSL()", "smtplib.LMTP()")
_SMTP_METHODS = (
    "connect",
    "helo",
    "ehlo",
    "ehlo_or_helo_if_needed",
    "starttls",
    "login",
    "auth",
    "sendmail",
    "send_message",
    "mail",
    "rcpt",
    "data",
    "docmd",
    "noop",
    "rset",
    "verify",
    "quit",
)
_FTP_OWNERS = ("ftplib.FTP()", "ftplib.FTP_TLS()")
_FTP_METHODS = (
    "connect",
    "login",
    "cwd",
    "pwd",
    "nlst",
    "dir",
    "mlsd",
    "size",
    "mkd",
    "rmd",
    "delete",
    "rename",
    "retrbinary",
    "retrlines",
    "storbinary",
    "storlines",
    "sendcmd",
    "voidcmd",
    "quit",
    "auth",
    "prot_p",
)

NETWORK: Catalog = {
    **_each(
        ("socket",),
        ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr", "getnameinfo", "getfqdn"),
        _DNS,
    ),
    "socket.create_connection": _SOCK,
    **_each(_SOCKET_OWNERS, _SOCKET_METHODS, _SOCK),
    # the constructors connect when given a host
    **{owner[:-2]: _MAIL for owner in _SMTP_OWNERS + _FTP_OWNERS},
    **_each(_SMTP_OWNERS, _SMTP_METHODS, _MAIL),
    **_each(_FTP_OWNERS, _FTP_METHODS, _MAIL),
    # every method call on a proxy is a remote call
    "xmlrpc.client.ServerProxy().*": _RPC,
}
NETWORK_NO_FIX: FrozenSet[str] = frozenset()
NETWORK_NON_BLOCKING_ARGS: Dict[str, ArgSpec] = {
    # `smtplib.SMTP()` / `ftplib.FTP()` without a host do not connect
    **{owner[:-2]: ((0, "host", "absent"),) for owner in _SMTP_OWNERS + _FTP_OWNERS},
    # numeric-only lookups (AI_NUMERICHOST / NI_NUMERICHOST) never ask a DNS server
    "socket.getaddrinfo": ((5, "flags", "mentions:NUMERIC"), (0, "host", "ip-literal")),
    # an address literal is converted, not looked up
    "socket.gethostbyname": ((0, "hostname", "ip-literal"),),
    "socket.getnameinfo": ((1, "flags", "mentions:NUMERIC"),),
}
# a socket switched to non-blocking mode raises instead of waiting (for `self._sock`, the call may
# be in another method of the class: `__init__`); a socket the coroutine waits on until it is
# ready (`await trio.lowlevel.wait_readable(sock)`) is used without waiting
NETWORK_RECEIVER_MARKERS: Dict[str, Tuple[str, ...]] = {
    f"{o}.{m}": (
        "setblocking(False)",
        "setblocking(0)",
        "settimeout(0)",
        "settimeout(0.0)",
        "wait_readable({})",
        "wait_writable({})",
        "wait_socket_readable({})",
        "wait_socket_writable({})",
    )
    for o in _SOCKET_OWNERS
    for m in _SOCKET_METHODS
}
# a call in the body of a `try` that catches one of these is made on an object in non-blocking
# mode: the code expects it to fail at once rather than wait (`except BlockingIOError:` then
# wait for readiness)
NETWORK_NON_BLOCKING_ERRORS = frozenset({"builtins.BlockingIOError", "ssl.SSLWantReadError", "ssl.SSLWantWriteError"})

# ------------------------------------------------------------------------------------------------
# AW106 blocking-wait
# ------------------------------------------------------------------------------------------------
_LOCK = "use `asyncio.Lock`/`asyncio.Semaphore`, or acquire in a worker thread"
_EVENT = "use `asyncio.Event`/`asyncio.Condition`, or wait in a worker thread"
_QUEUE = "use `asyncio.Queue` (or `janus` between threads and the loop), or `get_nowait()`/`put_nowait()`"
_FUTURE = "`await asyncio.wrap_future(future)` instead of `.result()`"
_JOIN = "await the work instead: `await asyncio.to_thread(...)` / `loop.run_in_executor(...)`"
_THREADING_LOCKS = (
    "threading.Lock()",
    "threading.RLock()",
    "threading.Semaphore()",
    "threading.BoundedSemaphore()",
    "threading.Condition()",
    "multiprocessing.Lock()",
    "multiprocessing.RLock()",
    "multiprocessing.Semaphore()",
    "multiprocessing.BoundedSemaphore()",
)
_QUEUES = (
    "queue.Queue()",
    "queue.LifoQueue()",
    "queue.PriorityQueue()",
    "queue.SimpleQueue()",
    "multiprocessing.Queue()",
    "multiprocessing.JoinableQueue()",
    "multiprocessing.SimpleQueue()",
)
_BOUNDED_QUEUES = (
    "queue.Queue()",
    "queue.LifoQueue()",
    "queue.PriorityQueue()",
    "multiprocessing.Queue()",
    "multiprocessing.JoinableQueue()",
)
_FUTURES = (
    "concurrent.futures.Future()",
    "concurrent.futures.ThreadPoolExecutor().submit()",
    "concurrent.futures.ProcessPoolExecutor().submit()",
    "concurrent.futures.thread.ThreadPoolExecutor().submit()",
    "concurrent.futures.process.ProcessPoolExecutor().submit()",
    "asyncio.run_coroutine_threadsafe()",
)
_EXECUTORS = (
    "concurrent.futures.ThreadPoolExecutor()",
    "concurrent.futures.ProcessPoolExecutor()",
    "concurrent.futures.thread.ThreadPoolExecutor()",
    "concurrent.futures.process.ProcessPoolExecutor()",
)
_POOLS = ("multiprocessing.Pool()", "multiprocessing.pool.Pool()", "multiprocessing.pool.ThreadPool()")

WAIT: Catalog = {
    **_each(_THREADING_LOCKS, ("acquire",), _LOCK),
    **_each(("threading.Event()", "multiprocessing.Event()"), ("wait",), _EVENT),
    **_each(("threading.Condition()",), ("wait", "wait_for"), _EVENT),
    **_each(("threading.Barrier()",), ("wait",), "use an asyncio primitive (`asyncio.Barrier` on 3.11+)"),
    **_each(_QUEUES, ("get",), _QUEUE),
    # `put` blocks only on a bounded queue; the rule checks the constructor (see QUEUE_PUT)
    **_each(_BOUNDED_QUEUES, ("put", "join"), _QUEUE),
    **_each(_FUTURES, ("result", "exception"), _FUTURE),
    "concurrent.futures.wait": "use `asyncio.wait` on wrapped futures (`asyncio.wrap_future`)",
    **_each(_EXECUTORS, ("shutdown",), "shut the executor down from a worker thread, or pass `wait=False`"),
    **_each(("threading.Thread()", "threading.Timer()", "multiprocessing.Process()"), ("join",), _JOIN),
    **_each(_POOLS, ("apply", "map", "starmap", "join"), _JOIN),
    **_each(
        tuple(p + ".apply_async()" for p in _POOLS) + tuple(p + ".map_async()" for p in _POOLS), ("get", "wait"), _JOIN
    ),
}
_NO_BLOCK_ACQUIRE = ((0, "blocking", "false"), (1, "timeout", "zero"))
_NO_BLOCK_GET = ((0, "block", "false"), (1, "timeout", "zero"))
_NO_BLOCK_PUT = ((1, "block", "false"), (2, "timeout", "zero"))
_NO_BLOCK_TIMEOUT0 = ((0, "timeout", "zero"),)
WAIT_NON_BLOCKING_ARGS: Dict[str, ArgSpec] = {
    **{f"{o}.acquire": _NO_BLOCK_ACQUIRE for o in _THREADING_LOCKS},
    **{f"{o}.get": _NO_BLOCK_GET for o in _QUEUES},
    **{f"{o}.put": _NO_BLOCK_PUT for o in _BOUNDED_QUEUES},
    **{
        f"{o}.wait": _NO_BLOCK_TIMEOUT0
        for o in ("threading.Event()", "multiprocessing.Event()", "threading.Condition()", "threading.Barrier()")
    },
    "threading.Condition().wait_for": ((1, "timeout", "zero"),),
    **{f"{o}.{m}": _NO_BLOCK_TIMEOUT0 for o in _FUTURES for m in ("result", "exception")},
    "concurrent.futures.wait": ((1, "timeout", "zero"),),
    **{f"{o}.shutdown": ((0, "wait", "false"),) for o in _EXECUTORS},
    **{
        f"{o}.join": _NO_BLOCK_TIMEOUT0
        for o in ("threading.Thread()", "threading.Timer()", "multiprocessing.Process()")
    },
    **{
        f"{p}.{a}().{m}": _NO_BLOCK_TIMEOUT0
        for p in _POOLS
        for a in ("apply_async", "map_async")
        for m in ("get", "wait")
    },
}
# a future whose completion the coroutine waits for through a callback or checks with done()
WAIT_RECEIVER_MARKERS: Dict[str, Tuple[str, ...]] = {
    f"{o}.{m}": ("add_done_callback(", "done()") for o in _FUTURES for m in ("result", "exception")
}
# a thread or process the coroutine waited out with `while t.is_alive(): await ...` has ended
WAIT_RECEIVER_MARKERS.update(
    {f"{o}.join": ("is_alive()",) for o in ("threading.Thread()", "threading.Timer()", "multiprocessing.Process()")}
)
# `acquire` on a lock the coroutine itself has just created (a local bound to the constructor):
# nobody else can hold it yet. Semaphores are left out: one built with 0 blocks at once.
FRESH_LOCK_ACQUIRE = frozenset(
    f"{o}.acquire"
    for o in ("threading.Lock()", "threading.RLock()", "multiprocessing.Lock()", "multiprocessing.RLock()")
)
# `q.put(x)` on a queue built without a maxsize never blocks: only reported when the queue's
# constructor is visible and bounded. {method name: (constructor's maxsize position, keyword)}
QUEUE_PUT = {f"{o}.put": (0, "maxsize") for o in _BOUNDED_QUEUES}

# ------------------------------------------------------------------------------------------------
# AW107 blocking-db-client
# ------------------------------------------------------------------------------------------------
_SQLITE = "use `aiosqlite`, or run the query in a worker thread"
_PG = "use `asyncpg` or psycopg 3's `AsyncConnection`"
_MYSQL = "use `aiomysql` / `asyncmy`"
_REDIS = "use `redis.asyncio.Redis`"
_MONGO = "use `motor` (or pymongo's `AsyncMongoClient`)"
_DBAPI_CONN = ("execute", "executemany", "executescript", "commit", "rollback", "backup")
_DBAPI_CURSOR = (
    "execute",
    "executemany",
    "executescript",
    "fetchone",
    "fetchmany",
    "fetchall",
    "callproc",
    "copy_from",
    "copy_to",
    "copy_expert",
)


def _dbapi(connects: Tuple[str, ...], advice: str) -> Catalog:
    conns = tuple(c + "()" for c in connects)
    return {
        **dict.fromkeys(connects, advice),
        **_each(conns, _DBAPI_CONN, advice),
        **_each(tuple(c + ".cursor()" for c in conns), _DBAPI_CURSOR, advice),
        # sqlite3's `conn.execute(...)` returns a cursor
        **_each(tuple(c + ".execute()" for c in conns), ("fetchone", "fetchmany", "fetchall"), advice),
    }


_REDIS_CLIENTS = (
    "redis.Redis()",
    "redis.StrictRedis()",
    "redis.from_url()",
    "redis.Redis.from_url()",
    "redis.StrictRedis.from_url()",
    "redis.client.Redis()",
    "redis.client.StrictRedis()",
    "redis.RedisCluster()",
    "redis.cluster.RedisCluster()",
    "redis.Sentinel().master_for()",
    "redis.sentinel.Sentinel().master_for()",
    "redis.Sentinel().slave_for()",
)
_REDIS_COMMANDS = (
    "get",
    "set",
    "setex",
    "setnx",
    "psetex",
    "getset",
    "getdel",
    "getex",
    "mget",
    "mset",
    "msetnx",
    "delete",
    "unlink",
    "exists",
    "expire",
    "expireat",
    "pexpire",
    "ttl",
    "pttl",
    "persist",
    "keys",
    "scan",
    "scan_iter",
    "type",
    "rename",
    "incr",
    "incrby",
    "incrbyfloat",
    "decr",
    "decrby",
    "append",
    "strlen",
    "getrange",
    "setrange",
    "hget",
    "hset",
    "hsetnx",
    "hmget",
    "hmset",
    "hgetall",
    "hdel",
    "hexists",
    "hincrby",
    "hkeys",
    "hvals",
    "hlen",
    "hscan",
    "hscan_iter",
    "lpush",
    "rpush",
    "lpop",
    "rpop",
    "blpop",
    "brpop",
    "brpoplpush",
    "lrange",
    "llen",
    "lindex",
    "lset",
    "lrem",
    "ltrim",
    "lmove",
    "blmove",
    "sadd",
    "srem",
    "smembers",
    "sismember",
    "scard",
    "spop",
    "srandmember",
    "sscan",
    "sscan_iter",
    "zadd",
    "zrem",
    "zrange",
    "zrevrange",
    "zrangebyscore",
    "zrevrangebyscore",
    "zscore",
    "zcard",
    "zincrby",
    "zrank",
    "zrevrank",
    "zpopmin",
    "zpopmax",
    "bzpopmin",
    "bzpopmax",
    "zscan",
    "xadd",
    "xread",
    "xreadgroup",
    "xrange",
    "xrevrange",
    "xlen",
    "xack",
    "xdel",
    "xtrim",
    "publish",
    "eval",
    "evalsha",
    "script_load",
    "ping",
    "info",
    "flushdb",
    "flushall",
    "dbsize",
    "execute_command",
    "pfadd",
    "pfcount",
    "setbit",
    "getbit",
    "bitcount",
)
_MONGO_CLIENTS = ("pymongo.MongoClient()", "pymongo.mongo_client.MongoClient()")
_MONGO_CALLS = (
    "find",
    "find_one",
    "insert_one",
    "insert_many",
    "update_one",
    "update_many",
    "replace_one",
    "delete_one",
    "delete_many",
    "aggregate",
    "count_documents",
    "estimated_document_count",
    "distinct",
    "find_one_and_update",
    "find_one_and_delete",
    "find_one_and_replace",
    "bulk_write",
    "create_index",
    "create_indexes",
    "drop_index",
    "drop_indexes",
    "list_indexes",
    "index_information",
    "drop",
    "rename",
    "watch",
    "list_collection_names",
    "list_collections",
    "create_collection",
    "drop_collection",
    "command",
    "validate_collection",
)

DB_CLIENT: Catalog = {
    # the connection classes too, which annotations name (`conn: sqlite3.Connection`)
    **_dbapi(("sqlite3.connect", "sqlite3.dbapi2.connect", "sqlite3.Connection"), _SQLITE),
    **_dbapi(
        (
            "psycopg2.connect",
            "psycopg.connect",
            "psycopg.Connection.connect",
            "psycopg.Connection",
            "psycopg2.extensions.connection",
        ),
        _PG,
    ),
    **_dbapi(
        ("pymysql.connect", "pymysql.connections.Connection", "MySQLdb.connect", "mysql.connector.connect"), _MYSQL
    ),
    **_each(_REDIS_CLIENTS, _REDIS_COMMANDS, _REDIS),
    **_each(tuple(c + ".pipeline()" for c in _REDIS_CLIENTS), ("execute",), _REDIS),
    **_each(tuple(c + ".*" for c in _MONGO_CLIENTS), _MONGO_CALLS, _MONGO),
    **_each(_MONGO_CLIENTS, ("server_info", "list_database_names", "list_databases", "drop_database"), _MONGO),
}

# ------------------------------------------------------------------------------------------------
# AW108 cpu-heavy-call
# ------------------------------------------------------------------------------------------------
_KDF = "deliberately slow key derivation; run it in a worker thread (`await asyncio.to_thread(...)`)"
_KEYGEN = "slow key generation; run it in a worker thread (`await asyncio.to_thread(...)`)"
_HAZMAT = "cryptography.hazmat.primitives"
_PASSWORD = (
    "hashes (or checks) the password with a deliberately slow hasher; run it in a worker thread "
    "(`await asyncio.to_thread(...)`, or the framework's async variant: Django's `acheck_password`)"
)
_DJANGO_USERS = (
    "django.contrib.auth.base_user.AbstractBaseUser()",
    "django.contrib.auth.models.AbstractUser()",
    "django.contrib.auth.models.User()",
)
# Compression (zlib, bz2, lzma) and JSON are not listed: their cost follows the data size, which is
# small in most calls; a project that compresses large blobs lists them in blocking-calls (AW109).
CPU_HEAVY: Catalog = {
    "hashlib.pbkdf2_hmac": _KDF,
    "hashlib.scrypt": _KDF,
    **_each(("bcrypt",), ("hashpw", "checkpw", "kdf"), _KDF),
    **_each(("argon2.PasswordHasher()",), ("hash", "verify"), _KDF),
    **_each(("argon2.low_level",), ("hash_secret", "hash_secret_raw", "verify_secret"), _KDF),
    **_each(
        (f"{_HAZMAT}.kdf.pbkdf2.PBKDF2HMAC()", f"{_HAZMAT}.kdf.scrypt.Scrypt()", f"{_HAZMAT}.kdf.argon2.Argon2id()"),
        ("derive", "verify"),
        _KDF,
    ),
    **_each((f"{_HAZMAT}.asymmetric.rsa", f"{_HAZMAT}.asymmetric.dsa"), ("generate_private_key",), _KEYGEN),
    **_each(
        (
            "passlib.hash.bcrypt",
            "passlib.hash.argon2",
            "passlib.hash.pbkdf2_sha256",
            "passlib.hash.pbkdf2_sha512",
            "passlib.hash.sha512_crypt",
            "passlib.hash.scrypt",
            "passlib.context.CryptContext()",
            "passlib.CryptContext()",
        ),
        ("hash", "verify", "encrypt"),
        _KDF,
    ),
    # password hashing reached through the frameworks' entry points, which hash with PBKDF2,
    # bcrypt, scrypt or argon2 underneath (the hasher object they pick is not visible statically)
    **_each(("django.contrib.auth.hashers",), ("make_password", "check_password", "verify_password"), _PASSWORD),
    **_each(("django.contrib.auth.hashers.get_hasher()",), ("encode", "verify", "harden_runtime"), _PASSWORD),
    **_each(_DJANGO_USERS, ("set_password", "check_password"), _PASSWORD),
    "django.utils.crypto.pbkdf2": _KDF,
    **_each(("werkzeug.security",), ("generate_password_hash", "check_password_hash"), _PASSWORD),
    **_each(("flask_bcrypt", "flask_bcrypt.Bcrypt()"), ("generate_password_hash", "check_password_hash"), _PASSWORD),
    **_each(
        ("nacl.pwhash", "nacl.pwhash.argon2id", "nacl.pwhash.argon2i", "nacl.pwhash.scrypt"),
        ("str", "verify", "kdf"),
        _KDF,
    ),
}
CPU_HEAVY_NO_FIX: FrozenSet[str] = frozenset()

__all__ = [
    "HTTP",
    "HTTP_NO_FIX",
    "SUBPROCESS",
    "SUBPROCESS_NO_FIX",
    "SUBPROCESS_NON_BLOCKING_ARGS",
    "FILE_IO",
    "FILE_IO_NO_FIX",
    "FILE_IO_LAZY",
    "FILE_IO_NON_BLOCKING_ARGS",
    "INPUT",
    "NETWORK",
    "NETWORK_NO_FIX",
    "NETWORK_NON_BLOCKING_ARGS",
    "NETWORK_NON_BLOCKING_ERRORS",
    "NETWORK_RECEIVER_MARKERS",
    "WAIT",
    "WAIT_NON_BLOCKING_ARGS",
    "WAIT_RECEIVER_MARKERS",
    "FRESH_LOCK_ACQUIRE",
    "QUEUE_PUT",
    "DB_CLIENT",
    "CPU_HEAVY",
    "CPU_HEAVY_NO_FIX",
]
