"""One process at a time may own an instance's database: a server, or a restore."""

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_NAME = "server.lock"


class InstanceBusy(Exception):
    """Another process holds the instance; its text says which (pid and what it does)."""


@contextmanager
def instance_lock(instance: Path, purpose: str) -> Iterator[None]:
    """Hold the instance's lock for the block, or raise InstanceBusy at once.

    The lock is an flock on instance/server.lock: the kernel drops it when the
    holder exits, even after kill -9, so a crashed server never blocks a restore.
    """
    path = instance / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(fd, 200).decode(errors="replace").strip() or "another process"
        os.close(fd)
        raise InstanceBusy(holder) from None
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()} ({purpose})".encode())
        yield
    finally:
        os.ftruncate(fd, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
