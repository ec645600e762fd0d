"""The network layer: the drivable road network and travel times on it.

Owns the :class:`~wuling_geo.network.model.RoadNetwork` model and its storage (:mod:`.model`,
:mod:`.storage`), everything derived from a network, computed once (:mod:`.index`: metric
geometry, spatial index, twins, fastest edge per junction pair, the snapped-point rule), the
area a network covers (:mod:`.area`), shortest-path search
(:mod:`.routing`), snapping points to roads (:mod:`.snapping`), building networks (:mod:`.build`)
from their sources (:mod:`.sources`: OSM files, Overpass, a user's road layer) and edge speeds
(:mod:`.speed`). May import :mod:`wuling_geo.data` and below.
"""
