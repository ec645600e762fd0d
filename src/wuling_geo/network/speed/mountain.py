"""Mountain-road penalties: curvature from edge geometry and the power-limited climb speed.

Both are documented in ``data/speeds.toml`` ([curvature], [grade]) and switchable there or on
the command line (``--no-curvature``, ``--no-grade``).
"""

from __future__ import annotations

import numpy as np
import shapely

#: Standard gravity (m/s²).
G = 9.80665


def turning_deg_per_km(geoms_metric: np.ndarray, simplify_m: float = 5.0,
                       min_length_m: float = 200.0) -> np.ndarray:
    """Return how much each line turns, in degrees per km of its length.

    Parameters
    ----------
    geoms_metric
        LineStrings in a metric CRS.
    simplify_m
        Douglas–Peucker tolerance applied first, so digitising zigzags do not count.
    min_length_m
        Lines shorter than this are measured as if they were this long.

    Returns
    -------
    numpy.ndarray
        Sum of the absolute direction changes between consecutive segments (degrees)
        divided by ``max(length, min_length_m)`` in km. A straight line gives 0.
    """
    geoms = np.asarray(geoms_metric, dtype=object)
    n = len(geoms)
    if n == 0:
        return np.zeros(0)
    simple = shapely.simplify(geoms, simplify_m, preserve_topology=False) if simplify_m > 0 \
        else geoms
    coords, index = shapely.get_coordinates(simple, return_index=True)
    delta = np.diff(coords, axis=0)
    keep = (index[1:] == index[:-1]) & (np.abs(delta).sum(axis=1) > 0)
    seg, seg_edge = delta[keep], index[1:][keep]
    heading = np.arctan2(seg[:, 1], seg[:, 0])
    turn = np.abs((np.diff(heading) + np.pi) % (2 * np.pi) - np.pi)
    same = seg_edge[1:] == seg_edge[:-1]
    total = np.bincount(seg_edge[1:][same], weights=turn[same], minlength=n)
    length_km = np.maximum(shapely.length(geoms), min_length_m) / 1000.0
    return np.degrees(total) / length_km


def curvature_factor(turning: np.ndarray, winding_ratio: np.ndarray, straight: float,
                     winding: float) -> np.ndarray:
    """Return the speed factor for roads turning ``turning`` degrees per km.

    The factor is 1 up to ``straight`` deg/km and falls linearly to ``winding_ratio`` (the
    class's mountainous / plain design speed ratio) at ``winding`` deg/km and beyond.
    """
    weight = np.clip((np.asarray(turning, dtype=float) - straight) / (winding - straight), 0, 1)
    return 1.0 - weight * (1.0 - np.asarray(winding_ratio, dtype=float))


def climb_speed_kph(grade: np.ndarray, w_per_kg: float, rolling_resistance: float) -> np.ndarray:
    """Return the highest speed (km/h) a vehicle holds on a climb of ``grade`` (rise/run).

    ``v = P / (m g (G + c_rr))``: the speed at which the usable power per mass ``w_per_kg``
    just overcomes gravity and rolling resistance. Level roads and descents give ``inf``
    (no grade limit).
    """
    grade = np.asarray(grade, dtype=float)
    with np.errstate(divide="ignore"):
        v = 3.6 * w_per_kg / (G * (grade + rolling_resistance))
    return np.where(grade > 0, v, np.inf)
