"""Logging: the library reports through the logger ``wuling_geo`` and its children.

Informational lines (what is downloaded, what was repaired) are ``INFO``; diagnostics
(timings of the big steps, cache hits and misses, query URLs without keys) are ``DEBUG``.
The library prints nothing itself; the command line shows ``INFO`` (``-q``: warnings only,
``-v``: ``DEBUG`` too). Use ``logging.getLogger("wuling_geo").setLevel(...)`` and a handler of
your own to see them from Python.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator

#: The library's root logger; modules log to ``logging.getLogger(__name__)``, its children.
logger = logging.getLogger("wuling_geo")


@contextlib.contextmanager
def timed(log: logging.Logger, what: str) -> Iterator[None]:
    """Log at ``DEBUG`` how long the block took (``what: 1.23 s``), even when it raises."""
    if not log.isEnabledFor(logging.DEBUG):
        yield
        return
    start = time.perf_counter()
    try:
        yield
    finally:
        log.debug("%s: %.2f s", what, time.perf_counter() - start)
