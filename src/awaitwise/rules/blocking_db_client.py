"""AW107 blocking-db-client."""

from __future__ import annotations

from ..catalogs import blocking as catalogs
from ._blocking import BlockingCallRule


class BlockingDbClient(BlockingCallRule):
    """
    ## What it does
    Finds calls of synchronous database and cache drivers inside an `async def` body:
    `sqlite3`, `psycopg2`/`psycopg`, `pymysql`/`MySQLdb`/`mysql.connector` connections and
    cursors, `redis.Redis` commands and pipelines, and `pymongo.MongoClient` database and
    collection calls (`client.shop.orders.find(...)`, `client["shop"]["orders"].insert_one(...)`).
    The async clients (`redis.asyncio.Redis`, `motor`...) are not reported.

    ## Why is this bad?
    Every query waits for the database. In a coroutine that wait holds the event loop, so one
    slow query stalls every request the program is serving.

    ## Example
    ```python
    async def get_user(user_id):
        conn = sqlite3.connect("app.db")
        return conn.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
    ```

    ## Use instead
    ```python
    async def get_user(user_id):
        async with aiosqlite.connect("app.db") as conn:
            async with conn.execute("SELECT * FROM users WHERE id = ?", (user_id,)) as cur:
                return await cur.fetchone()
    ```

    ## Fix safety
    No fix. Moving single queries to threads breaks drivers whose connections are bound to the
    thread that made them (sqlite3 refuses it by default); the real fix is the async driver the
    message names (`aiosqlite`, `asyncpg`, `aiomysql`, `redis.asyncio`, `motor`). A chain of
    driver calls (`sqlite3.connect(db).execute(q).fetchone()`) is one finding, at its outermost
    call.
    """

    code = "AW107"
    name = "blocking-db-client"
    summary = "sync DB/cache drivers (sqlite3, psycopg2, pymysql, redis.Redis, pymongo) in async context"
    fix = None
    catalog = catalogs.DB_CLIENT
