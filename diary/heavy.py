"""At most a few heavy jobs at a time per process: PDFs, account restores, import previews.

Four shared 90-day PDFs of long notes at once took 160 s each and 870 MB. Each
job takes one of HEAVY_JOBS places; up to HEAVY_WAITING more wait for one at most
HEAVY_WAIT_SECONDS, and any other answers 503 with Retry-After at once. The server's
memory stays bounded, and its threads stay free for everyone else's pages.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app
from flask_babel import gettext
from werkzeug.exceptions import ServiceUnavailable

from diary.extensions import db

# Seconds a client is asked to wait before it tries a heavy job again.
RETRY_AFTER = 30


class Gate:
    """Places for heavy jobs, with a short queue in front of them."""

    def __init__(self, jobs: int, waiting: int, wait_seconds: float):
        self._admitted = threading.BoundedSemaphore(jobs + waiting)
        self._running = threading.BoundedSemaphore(jobs)
        self._wait_seconds = wait_seconds

    @contextmanager
    def place(self) -> Iterator[None]:
        """Hold a place while the block runs; raise ServiceUnavailable when none comes free."""
        if not self._admitted.acquire(blocking=False):
            raise _busy()
        try:
            if not self._running.acquire(timeout=self._wait_seconds):
                raise _busy()
            try:
                yield
            finally:
                self._running.release()
        finally:
            self._admitted.release()


def _busy() -> ServiceUnavailable:
    message = gettext(
        "The diary is drawing other reports or reading other files just now."
        " Nothing was lost: please try again in a minute."
    )
    return ServiceUnavailable(description=message, retry_after=RETRY_AFTER)


@contextmanager
def heavy_work() -> Iterator[None]:
    """Run a heavy job in one of the process's places (also a view decorator: @heavy_work()).

    What the request's session read so far is committed first: a form's request has taken
    the write lock with its first query, and must not hold it while it waits in line.
    """
    db.session.commit()
    config = current_app.config
    gate = current_app.extensions.get("diary.heavy_gate")
    if gate is None:
        fresh = Gate(
            int(config["HEAVY_JOBS"]),
            int(config["HEAVY_WAITING"]),
            float(config["HEAVY_WAIT_SECONDS"]),
        )
        # Two first requests at once keep the same gate.
        gate = current_app.extensions.setdefault("diary.heavy_gate", fresh)
    with gate.place():
        yield
