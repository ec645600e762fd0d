"""Give freed heap memory back to the operating system between the stages of a large job."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools


@functools.cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


def release_free_memory() -> None:
    """Return the free memory of the C heap (glibc) and of Arrow's pool to the system.

    Freed memory otherwise stays in the process: glibc keeps free pages inside its heaps
    (one per thread that allocated) and Arrow's allocator keeps its free pages, so a stage
    that frees a lot leaves the resident size high for the next one. A no-op where glibc's
    ``malloc_trim`` is not available.
    """
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - pyarrow is a dependency of geopandas' parquet
        return
    pa.default_memory_pool().release_unused()
