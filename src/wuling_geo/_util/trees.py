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
    n = len(pred)
    # An extra entry n, worth 0, is every root's parent and its own: each round adds the
    # parent's sum and jumps to the grandparent for all entries at once (no bookkeeping of
    # which entries are done; measured faster on short and long trees alike).
    total = np.append(step.astype(float), 0.0)
    ptr = np.append(pred.astype(np.int64), n)
    ptr[ptr < 0] = n
    while (ptr[:n] != n).any():
        total += total[ptr]  # the gather is a copy: every entry reads the old sums
        ptr = ptr[ptr]
    return total[:n]


__all__ = ["tree_lengths"]
