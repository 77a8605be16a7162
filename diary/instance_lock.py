"""Who may use an instance's database: any number of servers, or one restore alone."""

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_NAME = "server.lock"
# Held by whichever server does the instance's housekeeping (daily backups) at a time.
HOUSEKEEPING_LOCK_NAME = "housekeeping.lock"


class InstanceBusy(Exception):
    """Another process holds the instance; its text says which (pid and what it does)."""


def _open(instance: Path, name: str = LOCK_NAME) -> int:
    return os.open(instance / name, os.O_RDWR | os.O_CREAT, 0o600)


def _holder(fd: int) -> str:
    """Return what the restore holding the lock wrote into it ("" from servers)."""
    return os.pread(fd, 200, 0).decode(errors="replace").strip()


@contextmanager
def serving_lock(instance: Path) -> Iterator[bool]:
    """Hold the instance for serving beside any other server; yield whether it is the only one.

    The lock is an flock on instance/server.lock, shared by every `diary serve`: the kernel
    drops it when the holder exits, even after kill -9, so a crashed server never blocks a
    restore. A restore holds it alone; a server that starts meanwhile gets InstanceBusy.
    """
    fd = _open(instance)
    try:
        _share(fd)
        alone = _try(fd, fcntl.LOCK_EX)
        if alone:
            os.ftruncate(fd, 0)  # what a restore killed half-way wrote names nobody now
        # Linux drops the shared lock when it refuses the upgrade: take it (back) either way.
        _share(fd)
        yield alone
    finally:
        os.close(fd)  # closing the only descriptor releases its flock


def _share(fd: int) -> None:
    """Take the shared lock; raise InstanceBusy while a restore holds the instance."""
    if _try(fd, fcntl.LOCK_SH):
        return
    if holder := _holder(fd):
        raise InstanceBusy(holder)
    # Another server checking whether it is alone holds it for a moment: wait for that.
    fcntl.flock(fd, fcntl.LOCK_SH)


@contextmanager
def exclusive_lock(instance: Path, purpose: str, *, wait: bool = False) -> Iterator[None]:
    """Hold the instance alone for the block, or raise InstanceBusy (wait=True: wait for it)."""
    fd = _open(instance)
    try:
        if wait:
            fcntl.flock(fd, fcntl.LOCK_EX)
        elif not _try(fd, fcntl.LOCK_EX):
            raise InstanceBusy(_servers(fd))
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} ({purpose})".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)


@contextmanager
def housekeeping_turn(instance: Path) -> Iterator[bool]:
    """Yield whether this process has the housekeeping's turn (no other process has it now)."""
    fd = _open(instance, HOUSEKEEPING_LOCK_NAME)
    try:
        yield _try(fd, fcntl.LOCK_EX)
    finally:
        os.close(fd)


def _servers(fd: int) -> str:
    """Name the processes that serve the instance, from the kernel's table of flocks."""
    stat = os.fstat(fd)
    # /proc/locks: "1: FLOCK  ADVISORY  READ 1234 fe:00:2146513 0 EOF" (device in hex).
    lock = f"{os.major(stat.st_dev):02x}:{os.minor(stat.st_dev):02x}:{stat.st_ino}"
    try:
        with open("/proc/locks") as table:
            pids = [line.split()[4] for line in table if line.split()[5:6] == [lock]]
    except OSError:
        pids = []
    return f"pid {', '.join(sorted(set(pids), key=int))} (diary serve)" if pids else "`diary serve`"


def _try(fd: int, kind: int) -> bool:
    try:
        fcntl.flock(fd, kind | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
