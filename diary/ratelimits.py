"""Rate-limit counts in a SQLite file of the instance folder, shared by every process.

The `limits` library behind Flask-Limiter keeps its counts in memory (each process its
own, all forgotten at a restart) or in a server (Redis, Memcached, MongoDB). The diary
wants neither: this storage keeps fixed-window counts in instance/ratelimits.sqlite3,
which every process serving the instance shares and which outlives a restart, so that
a password guesser or a share-link scanner is not let off by either.
"""

import sqlite3
import time
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit

from limits.storage import Storage

SCHEME = "diary-sqlite"
# One statement, so that two processes counting at once both count.
COUNT_HIT = """
INSERT INTO hits (key, count, expires) VALUES (:key, :amount, :expires)
ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN expires <= :now THEN excluded.count ELSE count + excluded.count END,
    expires = CASE WHEN expires <= :now THEN excluded.expires ELSE expires END
RETURNING count
"""


def storage_uri(instance: Path) -> str:
    """Return the Flask-Limiter storage URI of the instance's counts file."""
    return f"{SCHEME}://{(instance / 'ratelimits.sqlite3').resolve()}"


class SQLiteStorage(Storage):
    """Fixed-window counts (Flask-Limiter's default strategy) in one SQLite table."""

    STORAGE_SCHEME = [SCHEME]  # noqa: RUF012 (the registry reads a list)

    def __init__(self, uri: str, wrap_exceptions: bool = False, **_options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        self.path = urlsplit(uri).path
        with closing(self._connect()) as connection:
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute(
                "CREATE TABLE IF NOT EXISTS hits"
                " (key TEXT PRIMARY KEY, count INTEGER NOT NULL, expires REAL NOT NULL)"
            )
            connection.execute("CREATE INDEX IF NOT EXISTS hits_expires ON hits (expires)")

    def _connect(self) -> sqlite3.Connection:
        # Autocommit: each statement below is a whole transaction of its own.
        return sqlite3.connect(self.path, timeout=5, isolation_level=None)

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        """Add amount to key's count, starting a new window when the last one is over."""
        now = time.time()
        with closing(self._connect()) as connection:
            # Windows that are over are removed as they are met: the table stays small.
            connection.execute("DELETE FROM hits WHERE expires <= ?", (now,))
            (count,) = connection.execute(
                COUNT_HIT, {"key": key, "amount": amount, "expires": now + expiry, "now": now}
            ).fetchone()
        return count

    def _live(self, key: str) -> tuple[int, float] | None:
        with closing(self._connect()) as connection:
            return connection.execute(
                "SELECT count, expires FROM hits WHERE key = ? AND expires > ?",
                (key, time.time()),
            ).fetchone()

    def get(self, key: str) -> int:
        row = self._live(key)
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._live(key)
        return row[1] if row else time.time()

    def check(self) -> bool:
        with closing(self._connect()) as connection:
            return connection.execute("SELECT 1").fetchone() == (1,)

    def reset(self) -> int | None:
        with closing(self._connect()) as connection:
            return connection.execute("DELETE FROM hits").rowcount

    def clear(self, key: str) -> None:
        with closing(self._connect()) as connection:
            connection.execute("DELETE FROM hits WHERE key = ?", (key,))
