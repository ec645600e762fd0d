"""Turn restrictions and barrier nodes read from OSM, and what each vehicle profile may pass.

Turn restrictions are OSM relations ``type=restriction`` (or ``restriction:hgv`` /
``restriction:motorcar`` / ``restriction:motor_vehicle``) with one ``from`` way, one ``via``
node or one or more ``via`` ways, and one ``to`` way; ``no_entry`` may have several ``from``
ways and ``no_exit`` several ``to`` ways (each pair is a restriction). The value ``no_*``
forbids the turn, ``only_*`` forbids every other turn from the ``from`` way at the via.
``except=`` exempts vehicles: ``motorcar``/``motor_vehicle``/``vehicle`` exempts the car,
``hgv``/``goods``/``motor_vehicle``/``vehicle`` the truck. Conditional restrictions
(``restriction:conditional``) are not read (no time of day is modelled).

Barrier nodes follow OSRM's car profile (``profiles/car.lua``: ``barrier_whitelist`` and
``access_tag_whitelist``/``access_tag_blacklist``; the same decisions as its cucumber tests
``features/car/barrier.feature``) and Valhalla's (a rising or removable bollard is a gate):

- an access tag on the node (the most specific of ``hgv`` (truck only), ``motorcar``,
  ``motor_vehicle``, ``vehicle``, ``access``) decides when present: a closed value (``no``,
  ``private``, …, as for ways) blocks, any other value lets the vehicle through;
- otherwise the barrier kinds in :data:`PASSABLE_BARRIERS` let vehicles through and every
  other kind (``bollard``, ``block``, ``wall``, ``fence``, ``jersey_barrier``, …) blocks;
- ``maxheight``/``maxwidth`` on a barrier (``height_restrictor``) are truck limits.

Both are stored in the network folder as ``restrictions.parquet`` and ``barriers.parquet``
and applied by every search (:mod:`wuling_geo.network.turns`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import osmium
import pandas as pd

from wuling_geo._util.errors import OSMDataError
from wuling_geo.network.truck_limits import parse_metres

#: Barrier kinds a car or truck drives through (OSRM car.lua ``barrier_whitelist``).
PASSABLE_BARRIERS = frozenset({"cattle_grid", "border_control", "toll_booth", "sally_port",
                               "gate", "lift_gate", "no", "entrance", "height_restrictor",
                               "arch", "swing_gate", "sliding_gate"})
#: Access values that close a way or barrier (as the importer's ``CLOSED_ACCESS``).
CLOSED_ACCESS = frozenset({"no", "private", "agricultural", "forestry", "emergency",
                           "military", "restricted", "psv", "bus", "foot", "bicycle"})
RESTRICTION_TYPES = {"restriction": ("car", "truck"), "restriction:motor_vehicle": ("car", "truck"),
                     "restriction:vehicle": ("car", "truck"), "restriction:motorcar": ("car",),
                     "restriction:hgv": ("truck",)}
EXEMPTS = {"car": frozenset({"motorcar", "motor_vehicle", "vehicle", "car"}),
           "truck": frozenset({"hgv", "goods", "motor_vehicle", "vehicle", "truck"})}
RESTRICTION_COLUMNS = ["relation", "kind", "value", "from_way", "via_kind", "via", "to_way",
                       "car", "truck"]
BARRIER_COLUMNS = ["node", "x", "y", "barrier", "car", "truck", "maxheight", "maxwidth"]
CONTROL_COLUMNS = ["node", "kind", "direction"]
#: Node tags that say whether and which way a node controls traffic.
CONTROL_NODE_TAGS = ("highway", "crossing", "railway", "direction", "traffic_signals:direction")
#: Traffic-control node kinds that delay a vehicle passing them (see :func:`control_kind`).
CONTROL_KINDS = ("traffic_signals", "stop", "give_way", "crossing", "level_crossing")


@dataclass
class TurnData:
    """What :func:`read_turn_data` found: restrictions, barrier nodes and what it skipped."""

    restrictions: pd.DataFrame
    barriers: pd.DataFrame
    skipped: Counter = field(default_factory=Counter)
    controls: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CONTROL_COLUMNS))

    def via_nodes(self) -> np.ndarray:
        """Return the node ids the road graph must keep as junctions.

        Via nodes, barriers and traffic-control nodes: a delay or a block applies where the
        node is, so it must be the end of an edge.
        """
        node_via = self.restrictions.loc[self.restrictions["via_kind"] == "node", "via"]
        ids = ([v[0] for v in node_via] + self.barriers["node"].tolist()
               + self.controls["node"].tolist())
        return np.unique(np.asarray(ids, dtype=np.int64))


def empty_restrictions() -> pd.DataFrame:
    """Return an empty restriction table with the stored columns."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in RESTRICTION_COLUMNS})


def restriction_rows(relation_id: int, tags: dict[str, str],
                     members: list[tuple[str, int, str]]) -> tuple[list[tuple], str | None]:
    """Return the restriction rows of one relation, or none and why it was skipped.

    Parameters
    ----------
    relation_id
        The relation's id.
    tags
        Its tags.
    members
        ``(type, ref, role)`` with type ``n``, ``w`` or ``r``.

    Returns
    -------
    tuple
        Rows (see :data:`RESTRICTION_COLUMNS`) and ``None``, or no rows and a short reason.
    """
    kind_tag = tags.get("type", "")
    if kind_tag not in RESTRICTION_TYPES:
        return [], None
    value = (tags.get(kind_tag) or tags.get("restriction") or "").strip()
    if not value:
        return [], "no restriction value"
    if value.startswith("no_"):
        kind = "no"
    elif value.startswith("only_"):
        kind = "only"
    else:
        return [], f"unknown value {value}"
    exempt = {e.strip() for e in (tags.get("except") or "").split(";")}
    applies = {p: p in RESTRICTION_TYPES[kind_tag] and not (exempt & EXEMPTS[p])
               for p in ("car", "truck")}
    if not any(applies.values()):
        return [], None  # only for other vehicles
    froms = [ref for t, ref, role in members if role == "from" and t == "w"]
    tos = [ref for t, ref, role in members if role == "to" and t == "w"]
    via_nodes = [ref for t, ref, role in members if role == "via" and t == "n"]
    via_ways = [ref for t, ref, role in members if role == "via" and t == "w"]
    if not froms or not tos:
        return [], "missing from or to way"
    if (len(froms) > 1 and value != "no_entry") or (len(tos) > 1 and value != "no_exit"):
        return [], "several from or to ways"
    if (via_nodes and via_ways) or len(via_nodes) > 1:
        return [], "mixed or several via nodes"
    if not via_nodes and not via_ways:
        return [], "missing via member"
    via_kind, via = ("node", via_nodes) if via_nodes else ("way", via_ways)
    rows = [(relation_id, kind, value, f, via_kind, list(via), t, applies["car"],
             applies["truck"]) for f in froms for t in tos]
    return rows, None


def _closed(value: str) -> bool:
    return any(v.strip() in CLOSED_ACCESS for v in value.split(";"))


def barrier_access(tags: dict[str, str], profile: str) -> tuple[bool, bool]:
    """Return (passable, decided by an access tag) of a barrier node for ``profile``.

    See the module docstring for the rules.
    """
    keys = ("hgv", "motor_vehicle", "vehicle", "access") if profile == "truck" else (
        "motorcar", "motor_vehicle", "vehicle", "access")
    for key in keys:
        value = tags.get(key)
        if value is not None:
            return not _closed(value), True
    barrier = (tags.get("barrier") or "").strip()
    if barrier == "bollard" and tags.get("bollard") in ("rising", "removable"):
        return True, False
    return any(b.strip() in PASSABLE_BARRIERS for b in barrier.split(";")) and ";" not in barrier, \
        False


def _metres(text: str | None, skipped: Counter) -> float:
    """Return a barrier's height/width limit in metres (NaN: none or unreadable, counted)."""
    value = parse_metres(text)
    if value is None:
        skipped["barrier maxheight/maxwidth values unreadable (treated as no limit)"] += 1
        return float("nan")
    return value


def control_kind(tags: dict[str, str]) -> str | None:
    """Return the traffic-control kind of a node (one of :data:`CONTROL_KINDS`) or ``None``.

    ``highway=traffic_signals|stop|give_way|crossing`` and ``railway=level_crossing``; a
    crossing with ``crossing=traffic_signals`` is a traffic signal for the vehicles.
    """
    highway = (tags.get("highway") or "").strip()
    if highway == "crossing" and (tags.get("crossing") or "").strip() == "traffic_signals":
        return "traffic_signals"
    if highway in ("traffic_signals", "stop", "give_way", "crossing"):
        return highway
    if (tags.get("railway") or "").strip() == "level_crossing":
        return "level_crossing"
    return None


def control_direction(tags: dict[str, str], kind: str) -> str:
    """Return ``forward``, ``backward`` or ``both``: which way along the way a control faces.

    ``traffic_signals:direction`` (signals) or ``direction`` (every kind); other values
    (``both``, compass bearings, missing) apply both ways.
    """
    value = tags.get("traffic_signals:direction") if kind == "traffic_signals" else None
    value = (value or tags.get("direction") or "").strip().lower()
    return value if value in ("forward", "backward") else "both"


def read_turn_data(path: str | Path) -> TurnData:
    """Read restrictions, barriers and traffic-control nodes of an OSM file (one pyosmium pass).

    Raises
    ------
    OSMDataError
        If the file cannot be read.
    """
    collect = TurnDataCollector()
    keys = osmium.filter.KeyFilter("barrier", "type", "highway", "railway")
    try:
        processor = osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.RELATION)
        for obj in processor.with_filter(keys):
            if isinstance(obj, osmium.osm.Node):  # is_node(), narrowed for typing
                collect.node(obj.id, obj.location.lon, obj.location.lat, dict(obj.tags))
            elif isinstance(obj, osmium.osm.Relation):
                collect.relation(obj.id, dict(obj.tags),
                                 [(m.type, m.ref, m.role) for m in obj.members])
    except RuntimeError as exc:
        raise OSMDataError(f"cannot read OSM file {path}: {exc}; is it truncated or corrupt? "
                           "download it again") from None
    return collect.result()


class TurnDataCollector:
    """Gathers restrictions, barriers and control nodes element by element (any source).

    The file reader feeds it pyosmium objects, ``network fetch`` Overpass JSON elements;
    both get the same rules. Member types are ``n``, ``w``, ``r`` (pyosmium's) or
    ``node``, ``way``, ``relation`` (Overpass's).
    """

    def __init__(self) -> None:
        self.rows: list[tuple] = []
        self.barriers: list[tuple] = []
        self.controls: list[tuple] = []
        self.skipped: Counter = Counter()

    def node(self, node_id: int, lon: float, lat: float, tags: dict[str, str]) -> None:
        """Take one node: a traffic control, a barrier, or neither."""
        kind = control_kind(tags)
        if kind is not None:
            self.controls.append((node_id, kind, control_direction(tags, kind)))
        if "barrier" not in tags:
            return
        car, car_tag = barrier_access(tags, "car")
        truck, _truck_tag = barrier_access(tags, "truck")
        if car_tag and _passable_kind(tags) != car:
            self.skipped["barriers whose access tag overrides their kind"] += 1
        self.barriers.append((node_id, lon, lat, tags["barrier"], car, truck,
                              _metres(tags.get("maxheight"), self.skipped),
                              _metres(tags.get("maxwidth"), self.skipped)))

    def relation(self, relation_id: int, tags: dict[str, str],
                 members: list[tuple[str, int, str]]) -> None:
        """Take one relation (only restrictions are kept)."""
        members = [(t[0] if t else t, ref, role) for t, ref, role in members]
        got, why = restriction_rows(relation_id, tags, members)
        self.rows.extend(got)
        if why:
            self.skipped[f"restrictions with {why}"] += 1

    def result(self) -> TurnData:
        """Return what was gathered as a :class:`TurnData`."""
        table = (pd.DataFrame(self.rows, columns=RESTRICTION_COLUMNS) if self.rows
                 else empty_restrictions())
        frame = pd.DataFrame(self.barriers, columns=BARRIER_COLUMNS)
        # A barrier blocking nobody changes no route: keep only those that matter.
        frame = frame[~(frame["car"].astype(bool) & frame["truck"].astype(bool))
                      | frame["maxheight"].notna() | frame["maxwidth"].notna()]
        control_frame = pd.DataFrame(self.controls, columns=CONTROL_COLUMNS).astype(
            {"node": "int64", "kind": str, "direction": str})
        return TurnData(table, frame.reset_index(drop=True), self.skipped, control_frame)


def _passable_kind(tags: dict[str, str]) -> bool:
    return barrier_access({"barrier": tags.get("barrier", ""),
                           "bollard": tags.get("bollard", "")}, "car")[0]
