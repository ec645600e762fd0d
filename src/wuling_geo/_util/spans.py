"""Positions of several runs of an array at once (the rows of a CSR, the entries of groups)."""

from __future__ import annotations

import numpy as np


def spans(lo: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Return ``lo[i], lo[i] + 1, …, lo[i] + count[i] - 1`` for every ``i``, concatenated.

    Examples
    --------
    >>> spans(np.array([5, 0, 9]), np.array([2, 0, 3])).tolist()
    [5, 6, 9, 10, 11]
    """
    ends = np.cumsum(count)
    return np.repeat(lo - ends + count, count) + np.arange(ends[-1] if len(ends) else 0)


__all__ = ["spans"]
