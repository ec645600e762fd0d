"""Work spread over threads, for the parts of the work that release the GIL.

GEOS's operations and predicates (through shapely), OpenCV, contourpy's threaded generator
and numpy's loops over large arrays release it. Making shapely geometries, scipy's
Dijkstra and plain Python code hold it (as does contourpy's constructor): on the 100k
SYNTHETIC catchments benchmark, two threads give 1.5–1.7×, while two processes running the
30 origins on one thread each, side by side, took 14.4 and 14.8 s against 13.6 s for one
alone (so memory bandwidth is not what holds the threads back).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from wuling_geo import settings

T = TypeVar("T")
R = TypeVar("R")


def worker_count() -> int:
    """Return the threads to use: :data:`settings.workers`, or one per core this process may use.

    Raises
    ------
    InputError
        If ``WULING_GEO_WORKERS`` is set to anything but a whole number above 0.
    """
    if settings.workers is not None:  # set in code, else from WULING_GEO_WORKERS
        return settings.workers
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def ordered_map(fn: Callable[[T], R], items: Iterable[T], workers: int | None = None
                ) -> Generator[R, None, None]:
    """Yield ``fn(item)`` for each item, in order, computed on a pool of threads.

    At most two tasks per thread are under way or waiting to be taken, so large results
    (a band's reached road) do not pile up. With one worker it is a plain loop.
    """
    n = worker_count() if workers is None else max(1, workers)
    if n == 1:
        yield from map(fn, items)
        return
    with ThreadPoolExecutor(max_workers=n, thread_name_prefix="wuling-geo") as pool:
        pending: deque[Future[R]] = deque()
        try:
            for item in items:
                pending.append(pool.submit(fn, item))
                if len(pending) >= 2 * n:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()
