"""Sums along shortest-path trees, vectorised (pointer jumping)."""

from __future__ import annotations

import numpy as np


def tree_lengths(pred: np.ndarray, step: np.ndarray) -> np.ndarray:
    """Sum a per-node quantity along shortest-path-tree branches (pointer jumping).

    Parameters
    ----------
    pred
        Predecessor of each node in the tree (negative at roots and unreached nodes).
    step
        The quantity on the tree edge into each node (0 at roots).

    Returns
    -------
    numpy.ndarray
        For each node, the sum of ``step`` from its root to it; vectorised, O(n log depth).
    """
    total = step.astype(float).copy()
    ptr = pred.astype(np.int64).copy()
    live = np.nonzero(ptr >= 0)[0]
    while live.size:
        up = ptr[live]
        total[live] = total[live] + total[up]  # both read before either is written
        ptr[live] = ptr[up]
        live = live[ptr[live] >= 0]
    return total


__all__ = ["tree_lengths"]
