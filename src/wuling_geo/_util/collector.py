"""Python's cyclic garbage collector, paused while a long computation makes many objects.

A loaded network holds hundreds of thousands of shapely geometries, and every one is
tracked by the collector. A computation that makes many short-lived geometries (the rings
of catchment bands) sets off full collections, each of which walks all of them while
holding the GIL: on the 100k SYNTHETIC benchmark network (850,000 tracked objects), two
full collections in one 30-origin catchments call took 0.33 s of its 6.4 s, with both
threads stopped. Paused, the cycles made meanwhile are collected when the pause ends. The
pause is process-wide (Python has one collector): the caller's other threads go without
cyclic collection meanwhile too.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0  # pauses open now (threads may nest them)
_resume = False  # whether the collector ran before the first of them


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector inside the ``with`` block.

    Nested and concurrent pauses are counted: the collector runs again when the last one
    ends, and only if it ran before the first (a caller's own ``gc.disable()`` stands).
    """
    global _depth, _resume
    with _lock:
        if _depth == 0:
            _resume = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _resume:
                gc.enable()
