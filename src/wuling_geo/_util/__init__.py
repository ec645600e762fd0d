"""Private helpers shared by every layer: errors, atomic files, geometry, time parsing, progress.

Owns nothing about places, roads or maps. May import only the standard library, third-party
packages and :mod:`wuling_geo.settings`; every other layer may import it (named errors, atomic
file output, projections, clock times, progress bars, threads, the online check).
"""
