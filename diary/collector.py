"""Pausing Python's cyclic garbage collector for work that makes many objects and no cycles."""

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
# How many blocks of this process run paused now, and whether the collector ran before
# the first of them: in `diary serve` a preview and a confirmation may overlap.
_paused = 0
_was_collecting = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic collector for the block; the last block to end restores it as it was.

    An export or an import of ten years makes about a million short-lived objects (rows,
    dicts, times) and no cycles: reference counting frees each, while the collector's
    passes over them find nothing and took a sixth of a preview's time. The collector is
    the whole process's: in `diary serve`, what other requests leave meanwhile is
    collected once it runs again.
    """
    global _paused, _was_collecting
    with _lock:
        if _paused == 0:
            _was_collecting = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _lock:
            _paused -= 1
            if _paused == 0 and _was_collecting:
                gc.enable()
