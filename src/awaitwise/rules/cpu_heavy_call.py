"""AW108 cpu-heavy-call."""

from __future__ import annotations

from ..catalogs import blocking as catalogs
from ._blocking import BlockingCallRule


class CpuHeavyCall(BlockingCallRule):
    """
    ## What it does
    Finds calls known to burn a lot of CPU inside an `async def` body: password hashing and key
    derivation (`hashlib.pbkdf2_hmac`, `hashlib.scrypt`, `bcrypt.hashpw`/`checkpw`,
    `argon2.PasswordHasher().hash`/`verify`, passlib hashers, the `cryptography` KDFs) and
    RSA/DSA key generation, and the frameworks' password entry points that hash with one of
    those underneath: Django's `make_password` / `check_password` (and `user.set_password()` /
    `user.check_password()`), werkzeug's and flask-bcrypt's `generate_password_hash` /
    `check_password_hash`, PyNaCl's `pwhash`. With AW108 enabled, AW110 also follows the
    project's own sync helpers down to these calls (`register()` → `store()` →
    `hashlib.pbkdf2_hmac`). Off by default: enable it with `--extend-select AW108`.

    ## Why is this bad?
    These functions are slow on purpose (a password hash takes tens to hundreds of
    milliseconds). Run on the event loop, each call stalls every other task for that long, so
    one login request adds its hashing time to the latency of all concurrent requests.

    ## Example
    ```python
    async def login(user, password):
        if not bcrypt.checkpw(password.encode(), user.password_hash):
            raise PermissionError
    ```

    ## Use instead
    ```python
    async def login(user, password):
        if not await asyncio.to_thread(bcrypt.checkpw, password.encode(), user.password_hash):
            raise PermissionError
    ```

    ## Fix safety
    Unsafe. The fix moves the call into a worker thread with `await asyncio.to_thread(...)`
    (`trio.to_thread.run_sync` / `anyio.to_thread.run_sync` in modules that use those
    libraries). These functions release the GIL, so the loop keeps running; the result is the
    same, but the call now runs concurrently with other tasks. No fix on Python targets before
    3.9 or inside a generator expression. Compression and JSON are not listed (their cost
    follows the data size); list such calls under `blocking-calls` for AW109.
    """

    code = "AW108"
    name = "cpu-heavy-call"
    summary = "known CPU-bound calls (pbkdf2, scrypt, bcrypt, argon2, key generation) in async context"
    default_enabled = False
    fix = "unsafe"
    catalog = catalogs.CPU_HEAVY
    no_fix = catalogs.CPU_HEAVY_NO_FIX
