"""Hostile inputs for every ``wuling-geo`` command, with the outcome the project promises.

Issue 11 tried the tool as a hostile tester would. This table keeps those inputs (and more)
as regression cases: unknown places, malformed or swapped coordinates, NaN/inf/negative/zero/
absurd numbers in every numeric option, wrong datum names, corrupt/empty/missing OSM files,
unreachable origins, impossible minutes, infeasible routes, unwritable outputs, existing user
folders as ``--out``, bad environment values, HTML injection in names, 10,000-character inputs,
online steps without a network, and usage errors.

Every case is a :class:`~tests.hostile_runner.Case`; :mod:`tests.hostile_runner` says what each
outcome class means. Placeholders: ``{net}`` a saved SYNTHETIC network (read-only),
``{netcopy}`` a copy of it inside the case's working folder (which must survive a failure),
``{closed}`` a closed 127.0.0.1 port, ``{work}`` the working folder, ``{realdata}``
the real OSM extracts and DEM of ../shared/realdata.

All positions in the test gazetteers and OSM files below are SYNTHETIC (laid on the SYNTHETIC
grid network over part of the district), not real places.
"""

from __future__ import annotations

import bz2
import functools
import gzip
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .hostile_runner import Case

# ---------------------------------------------------------------- file contents


@dataclass(frozen=True)
class Copy:
    """File content copied from ``src`` (placeholders allowed), cut to ``head`` bytes."""

    src: str
    head: int | None = None
    wants_values = True

    def __call__(self, values) -> bytes:  # pragma: no cover - used by the runner
        data = Path(self.src.format_map(_Fmt(values))).read_bytes()
        return data if self.head is None else data[: self.head]


class _Fmt(dict):
    def __init__(self, values):
        super().__init__({k.strip("{}"): v for k, v in values.items()})


# SYNTHETIC roads: a 4 × 4 grid of streets 0.01° apart on the SYNTHETIC test network's area.
_LONS = (108.76, 108.77, 108.78, 108.79)
_LATS = (29.44, 29.45, 29.46, 29.47)
OSM_NODES = {10 * j + i + 1: (lon, lat) for j, lat in enumerate(_LATS) for i, lon in enumerate(_LONS)}
OSM_WAYS = ([(1000 + j, [10 * j + i + 1 for i in range(4)], {"highway": "secondary",
                                                               "name": f"SYNTHETIC Road {j}"})
             for j in range(4)]
            + [(2000 + i, [10 * j + i + 1 for j in range(4)], {"highway": "residential"})
               for i in range(4)])
AREA = "108.75,29.43,108.80,29.48"  # a box around the SYNTHETIC roads


def osm_xml(nodes=OSM_NODES, ways=OSM_WAYS) -> str:
    """Return a SYNTHETIC OSM XML document."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<osm version="0.6" generator="wuling-geo hostile tests (SYNTHETIC)">']
    lines += [f'  <node id="{n}" version="1" lat="{lat}" lon="{lon}"/>'
              for n, (lon, lat) in sorted(nodes.items())]
    for wid, refs, tags in ways:
        lines.append(f'  <way id="{wid}" version="1">')
        lines += [f'    <nd ref="{r}"/>' for r in refs]
        lines += [f'    <tag k="{k}" v="{v}"/>' for k, v in tags.items()]
        lines.append("  </way>")
    lines.append("</osm>")
    return "\n".join(lines) + "\n"


@functools.cache
def osm_pbf() -> bytes:
    """Return the SYNTHETIC roads as an ``.osm.pbf`` file (written with pyosmium)."""
    import osmium
    from osmium.osm.mutable import Node, Way

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "roads.osm.pbf")
        with osmium.SimpleWriter(path) as writer:
            for nid, (lon, lat) in sorted(OSM_NODES.items()):
                writer.add_node(Node(id=nid, location=(lon, lat)))
            for wid, refs, tags in OSM_WAYS:
                writer.add_way(Way(id=wid, nodes=refs, tags=tags))
        return Path(path).read_bytes()


def pbf_truncated() -> bytes:
    """The SYNTHETIC PBF cut in the middle of its data block."""
    data = osm_pbf()
    return data[: len(data) * 2 // 3]


OSM_XML = osm_xml()
OSM_NO_ROADS = osm_xml(ways=[])
OSM_FAR_AWAY = osm_xml(nodes={k: (lon - 108.76, lat - 29.44) for k, (lon, lat) in OSM_NODES.items()})
OSM_BAD_XML = '<?xml version="1.0"?>\n<osm version="0.6"><node id="1" lat="29.4"'
OSM_HTML = "<!DOCTYPE html><html><body><h1>429 Too Many Requests</h1></body></html>\n"
OSM_NAN = osm_xml(nodes={k: ("nan", "nan") for k in OSM_NODES})
GARBAGE = bytes(range(256)) * 64
ROADS_GEOJSON = ('{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
                 '{"kind":"primary"},"geometry":{"type":"LineString","coordinates":'
                 '[[108.76,29.44],[108.78,29.44],[108.78,29.46]]}}]}')
EMPTY_GEOJSON = '{"type":"FeatureCollection","features":[]}'
POINTS_GEOJSON = ('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
                  '"geometry":{"type":"Point","coordinates":[108.77,29.45]}}]}')
AREA_GEOJSON = ('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
                '"geometry":{"type":"Polygon","coordinates":[[[108.75,29.43],[108.80,29.43],'
                '[108.80,29.48],[108.75,29.48],[108.75,29.43]]]}}]}')
LONG = "黔" * 10_000
LONG_ASCII = "x" * 10_000

# SYNTHETIC test gazetteers (positions on the SYNTHETIC grid, not real places).
_PLACE = """
[[place]]
id = "{id}"
name_zh = {name}
name_en = "SYNTHETIC {id}"
category = "{category}"
subtype = "{subtype}"
[place.position]
lon = {lon}
lat = {lat}
datum = "wgs84"
source = "SYNTHETIC test position"
confidence = "high"
"""


def gazetteer(*places: tuple[str, str, str, str, float | str, float | str]) -> str:
    """Return a SYNTHETIC gazetteer: places ``(id, name_zh TOML literal, category, subtype,
    lon, lat)``."""
    return "# SYNTHETIC test gazetteer\n" + "".join(
        _PLACE.replace("{id}", i).replace("{name}", n).replace("{category}", c)
        .replace("{subtype}", s).replace("{lon}", str(x)).replace("{lat}", str(y))
        for i, n, c, s, x, y in places)


XSS = "<script>alert(1)</script>"
XSS_IMG = "<img src=x onerror=alert(2)>"
GAZ_HTML = gazetteer(
    ("xss-a", "'<script>alert(1)</script>'", "scenic", "scenic_area", 108.78, 29.46),
    ("xss-b", "'<img src=x onerror=alert(2)>'", "scenic", "scenic_area", 108.80, 29.48),
    ("xss-c", "'\"><b>bold</b>|pipe|*md*'", "transport", "railway_station", 108.77, 29.45),
)
GAZ_CSV = gazetteer(
    ("csv-a", "'=HYPERLINK(\"http://x\",\"y\")'", "logistics", "logistics_park", 108.78, 29.46),
    ("csv-b", "'+cmd|calc'", "logistics", "logistics_park", 108.80, 29.48),
)
GAZ_LONG = gazetteer(("long-name", "'" + LONG + "'", "scenic", "scenic_area", 108.78, 29.46))
GAZ_NAN = gazetteer(("nan-pos", "'无'", "scenic", "scenic_area", "nan", "nan"))
GAZ_INF = gazetteer(("inf-pos", "'无'", "scenic", "scenic_area", "inf", 29.46))
GAZ_SWAPPED = gazetteer(("swapped", "'反'", "scenic", "scenic_area", 29.46, 108.78))
GAZ_DUP = gazetteer(("dup", "'甲'", "scenic", "scenic_area", 108.78, 29.46),
                    ("dup", "'乙'", "scenic", "scenic_area", 108.79, 29.46))
GAZ_BAD_CATEGORY = gazetteer(("odd", "'怪'", "volcano", "crater", 108.78, 29.46))
GAZ_NEG_DWELL = gazetteer(("dw", "'停'", "scenic", "scenic_area", 108.78, 29.46)) + \
    "[place.visit]\ndwell_minutes = -30\n"

# Services files for ``reach``.
SERVICES_NAN = """
[[stop]]
id = "a"
name = "SYNTHETIC A"
lon = 108.78
lat = 29.46

[[stop]]
id = "b"
name = "SYNTHETIC B"
lon = 108.80
lat = 29.48

[[service]]
id = "ab"
name = "SYNTHETIC A-B"
mode = "rail"
from = "a"
to = "b"
in_vehicle_minutes = nan
boarding_minutes = 10
frequency_per_day = 4
source = "SYNTHETIC"
"""
SERVICES_NEGATIVE = SERVICES_NAN.replace("in_vehicle_minutes = nan", "in_vehicle_minutes = -20")
SERVICES_UNKNOWN_STOP = SERVICES_NAN.replace('to = "b"', 'to = "nowhere"').replace(
    "in_vehicle_minutes = nan", "in_vehicle_minutes = 20")

FAKE_NPM = "#!/bin/sh\necho 'npm ERR! code ENOTFOUND (offline)' >&2\nexit 1\n"
USER_FILES = {"mine/keep.txt": "the user's own notes\n", "mine/photos/a.jpg": b"\xff\xd8\xff"}

# ---------------------------------------------------------------- case builders

CASES: list[Case] = []


def _add(expect: str, cid: str, argv, **kw) -> None:
    CASES.append(Case(cid, tuple(argv), expect, **kw))


def err(cid: str, *argv: str, **kw) -> None:
    """Add a case that must end in a one-line error (exit 2) and leave nothing behind."""
    _add("error", cid, argv, **kw)


def ok(cid: str, *argv: str, **kw) -> None:
    """Add a case that must succeed."""
    _add("ok", cid, argv, **kw)


def safe(cid: str, *argv: str, **kw) -> None:
    """Add a case that may succeed or fail cleanly, but must keep the user's files."""
    _add("safe", cid, argv, **kw)


NET = ("--network", "{net}")
BAD_NUMBERS = {"nan": "nan", "inf": "inf", "neg-inf": "-inf", "negative": "-1", "zero": "0",
               "huge": "1e308", "word": "abc", "empty": ""}

# ================================================================= usage and global options
ok("help", "--help")
ok("version", "--version")
ok("help-subcommand", "catchments", "--help")
err("usage-unknown-command", "frobnicate")
err("usage-typo-command", "catchment", "--from", "黔江站")
err("usage-unknown-option", "--frobnicate", "datum", "108.8", "29.5")
err("usage-unknown-sub-option", "geocode", "JIQ", "--fast")
err("usage-missing-argument", "geocode")
err("usage-missing-lat", "datum", "108.8")
err("usage-extra-argument", "geocode", "JIQ", "extra")
err("usage-option-needs-value", "geocode", "JIQ", "--datum")
err("usage-route-no-start", "route", *NET, "--visit", "JIQ")
err("usage-network-no-subcommand-arg", "network", "import")
err("usage-network-unknown-sub", "network", "download")
for key in ("zero", "negative", "word", "nan", "huge"):
    err(f"workers-option-{key}", "--workers", {"huge": "1e9"}.get(key, BAD_NUMBERS[key]),
        "datum", "108.8", "29.5")
ok("workers-option-1", "--workers", "1", "datum", "108.8", "29.5")
ok("usage-double-dash", "datum", "--", "-108.8", "-29.5")
err("usage-nul-byte-place", "geocode", "JIQ\x00")
err("usage-nul-byte-out", "layers", "--out", "o\x00ut")

# ================================================================= gazetteer files
err("gazetteer-missing", "--gazetteer", "nope.toml", "geocode", "JIQ")
err("gazetteer-is-folder", "--gazetteer", "adir", "geocode", "JIQ", files={"adir": None})
err("gazetteer-empty", "--gazetteer", "g.toml", "geocode", "JIQ", files={"g.toml": ""})
err("gazetteer-binary", "--gazetteer", "g.toml", "geocode", "JIQ", files={"g.toml": GARBAGE})
err("gazetteer-utf16", "--gazetteer", "g.toml", "geocode", "JIQ",
    files={"g.toml": GAZ_HTML.encode("utf-16")})
err("gazetteer-bad-toml", "--gazetteer", "g.toml", "geocode", "JIQ",
    files={"g.toml": "[[place]\nid = 'a'\n"})
err("gazetteer-no-places", "--gazetteer", "g.toml", "geocode", "JIQ",
    files={"g.toml": 'title = "no places"\n'})
err("gazetteer-nan-position", "--gazetteer", "g.toml", "geocode", "nan-pos",
    files={"g.toml": GAZ_NAN})
err("gazetteer-inf-position", "--gazetteer", "g.toml", "geocode", "inf-pos",
    files={"g.toml": GAZ_INF})
err("gazetteer-swapped-position", "--gazetteer", "g.toml", "geocode", "swapped",
    files={"g.toml": GAZ_SWAPPED})
err("gazetteer-duplicate-id", "--gazetteer", "g.toml", "geocode", "dup", files={"g.toml": GAZ_DUP})
err("gazetteer-bad-category", "--gazetteer", "g.toml", "geocode", "odd",
    files={"g.toml": GAZ_BAD_CATEGORY})
err("gazetteer-negative-dwell", "--gazetteer", "g.toml", "geocode", "dw",
    files={"g.toml": GAZ_NEG_DWELL})
ok("gazetteer-10k-name", "--gazetteer", "g.toml", "geocode", "long-name", "--json",
   files={"g.toml": GAZ_LONG})
ok("gazetteer-html-name-geocode", "--gazetteer", "g.toml", "geocode", "xss-a",
   files={"g.toml": GAZ_HTML})

# ================================================================= datum
ok("datum-ok", "datum", "108.83541", "29.51053", "--from", "gcj02", "--to", "wgs84")
ok("datum-ok-json", "datum", "108.8", "29.5", "--to", "bd09", "--json")
ok("datum-ok-case-insensitive", "datum", "108.8", "29.5", "--from", "GCJ02")
for name, value in (("unknown-from", ("--from", "nad27")), ("unknown-to", ("--to", "utm50")),
                    ("empty-from", ("--from", "")), ("html-datum", ("--to", XSS)),
                    ("long-datum", ("--from", LONG_ASCII))):
    err(f"datum-{name}", "datum", "108.8", "29.5", *value)
for key in ("nan", "inf", "neg-inf", "huge", "word", "empty"):
    err(f"datum-lon-{key}", "datum", BAD_NUMBERS[key], "29.5")
    err(f"datum-lat-{key}", "datum", "108.8", BAD_NUMBERS[key])
err("datum-lon-200", "datum", "200", "29.5")
err("datum-lat-95", "datum", "108.8", "95")
err("datum-swapped", "datum", "29.53", "108.77")
err("datum-pair-in-one", "datum", "108.77,29.53", "29.53")
err("datum-comma-decimal", "datum", "108,77", "29,53")
err("datum-underscore-number", "datum", "1_000", "29.5")

# ================================================================= geocode
ok("geocode-name", "geocode", "黔江站")
ok("geocode-id-json", "geocode", "qianjiang-station", "--json")
ok("geocode-iata", "geocode", "JIQ")
ok("geocode-lonlat", "geocode", "108.77,29.53")
ok("geocode-lonlat-space", "geocode", "108.77, 29.53")
ok("geocode-lonlat-space-separated", "geocode", "108.77 29.53")
ok("geocode-lonlat-gcj02", "geocode", "108.83541,29.51053", "--datum", "gcj02")
ok("geocode-lonlat-bd09", "geocode", "108.77,29.53", "--datum", "bd09")
ok("geocode-unresolved-place", "geocode", "小南海")
ok("geocode-resolved-with-online", "geocode", "JIQ", "--online")
for cid, text in {
    "unknown": "Xiaonanhay", "unknown-zh": "不存在的地方", "empty": "", "blank": "   ",
    "10k-chars": LONG, "10k-ascii": LONG_ASCII, "html": XSS, "sql": "'; DROP TABLE places; --",
    "path": "../../etc/passwd", "newline": "黔江站\nrm -rf /", "one-number": "108.77",
    "three-numbers": "108.77,29.53,5", "nan": "NaN,NaN", "nan-lon": "nan,29.5",
    "inf": "inf,inf", "huge": "1e308,1e308",
    "semicolon": "108.77;29.53", "parentheses": "(108.77,29.53)",
    "swapped": "29.53,108.77", "negative-lon": "-108.77,29.53", "negative-lat": "108.77,-29.53",
    "zero": "0,0", "outside-district": "106.55,29.56", "degrees-minutes": "108°46',29°31'",
    "hex": "0x6c,0x1d",
}.items():
    err(f"geocode-{cid}", "geocode", text)
# A Chinese keyboard's full-width comma separates a coordinate pair like a comma.
ok("geocode-fullwidth-comma", "geocode", "108.77，29.53")
err("geocode-datum-unknown", "geocode", "108.77,29.53", "--datum", "nad27")
err("geocode-datum-empty", "geocode", "108.77,29.53", "--datum", "")
err("geocode-gcj02-swapped", "geocode", "29.51,108.83", "--datum", "gcj02")
err("geocode-osm-missing", "geocode", "JIQ", "--osm", "missing.osm")
err("geocode-osm-empty", "geocode", "小南海", "--osm", "e.osm", files={"e.osm": ""})
err("geocode-osm-garbage", "geocode", "小南海", "--osm", "g.osm.pbf", files={"g.osm.pbf": GARBAGE})
err("geocode-osm-html", "geocode", "小南海", "--osm", "h.osm", files={"h.osm": OSM_HTML})
err("geocode-osm-folder", "geocode", "小南海", "--osm", "adir", files={"adir": None})
err("geocode-online-offline", "geocode", "小南海", "--online")
err("geocode-online-unknown-offline", "geocode", "nowhere-at-all", "--online")

# ================================================================= layers
ok("layers-ok", "layers", "--out", "out")
ok("layers-osm-no-roads", "layers", "--out", "out", "--osm", "n.osm", files={"n.osm": OSM_NO_ROADS})
ok("layers-html-names", "--gazetteer", "g.toml", "layers", "--out", "out",
   files={"g.toml": GAZ_HTML})
safe("layers-out-user-folder", "layers", "--out", "mine", files=USER_FILES)
safe("layers-out-cwd", "layers", "--out", ".", files={"keep.txt": "mine\n"})
err("layers-out-is-file", "layers", "--out", "afile", files={"afile": "x\n"})
err("layers-out-under-file", "layers", "--out", "afile/sub", files={"afile": "x\n"})
err("layers-out-no-parent", "layers", "--out", "no/such/dir")
err("layers-out-empty", "layers", "--out", "")
err("layers-osm-missing", "layers", "--out", "out", "--osm", "missing.osm")
err("layers-osm-empty-pbf", "layers", "--out", "out", "--osm", "e.osm.pbf", files={"e.osm.pbf": ""})
err("layers-osm-garbage", "layers", "--out", "out", "--osm", "g.osm.pbf", files={"g.osm.pbf": GARBAGE})
err("layers-osm-truncated-pbf", "layers", "--out", "out", "--osm", "t.osm.pbf",
    files={"t.osm.pbf": pbf_truncated})
err("layers-osm-bad-xml", "layers", "--out", "out", "--osm", "b.osm", files={"b.osm": OSM_BAD_XML})
err("layers-osm-html-page", "layers", "--out", "out", "--osm", "h.osm", files={"h.osm": OSM_HTML})
err("layers-online-offline", "layers", "--out", "out", "--online")
err("layers-empty-gazetteer", "--gazetteer", "g.toml", "layers", "--out", "out",
    files={"g.toml": ""})
err("layers-keeps-old-output", "layers", "--out", "out", "--osm", "g.osm.pbf",
    files={"out/layers.gpkg": b"an older layers file\n", "g.osm.pbf": GARBAGE})

# ================================================================= network import
IMPORT = ("network", "import")
GOOD = {"r.osm": OSM_XML}
ok("import-osm-ok", *IMPORT, "r.osm", "--area", AREA, "--out", "net", files=GOOD)
ok("import-pbf-ok", *IMPORT, "r.osm.pbf", "--area", AREA, "--out", "net",
   files={"r.osm.pbf": osm_pbf})
ok("import-bz2-ok", *IMPORT, "r.osm.bz2", "--area", AREA, "--out", "net", "--json",
   files={"r.osm.bz2": bz2.compress(OSM_XML.encode())})
ok("import-area-file-ok", *IMPORT, "r.osm", "--area", "a.geojson", "--out", "net",
   files={**GOOD, "a.geojson": AREA_GEOJSON})
ok("import-unicode-path-ok", *IMPORT, "我的 路网 (1).osm", "--area", AREA, "--out", "路网 out",
   files={"我的 路网 (1).osm": OSM_XML})
ok("import-road-layer-gcj02-ok", *IMPORT, "roads.geojson", "--datum", "gcj02", "--class-field",
   "kind", "--out", "net", files={"roads.geojson": ROADS_GEOJSON})
ok("import-buffer-zero-ok", *IMPORT, "r.osm", "--area", AREA, "--buffer-km", "0", "--out", "net",
   files=GOOD)
safe("import-out-user-folder", *IMPORT, "r.osm", "--area", AREA, "--out", "mine",
     files={**GOOD, **USER_FILES})
err("import-missing", *IMPORT, "missing.osm.pbf", "--out", "net")
err("import-folder-as-source", *IMPORT, "adir.osm", "--out", "net", files={"adir.osm": None})
err("import-empty-osm", *IMPORT, "e.osm", "--area", AREA, "--out", "net", files={"e.osm": ""})
err("import-empty-pbf", *IMPORT, "e.osm.pbf", "--area", AREA, "--out", "net", files={"e.osm.pbf": ""})
err("import-empty-bz2", *IMPORT, "e.osm.bz2", "--area", AREA, "--out", "net", files={"e.osm.bz2": ""})
err("import-garbage-pbf", *IMPORT, "g.osm.pbf", "--area", AREA, "--out", "net",
    files={"g.osm.pbf": GARBAGE})
err("import-garbage-bz2", *IMPORT, "g.osm.bz2", "--area", AREA, "--out", "net",
    files={"g.osm.bz2": bz2.compress(GARBAGE)})
err("import-gzip-as-pbf", *IMPORT, "z.osm.pbf", "--area", AREA, "--out", "net",
    files={"z.osm.pbf": gzip.compress(OSM_XML.encode())})
err("import-xml-as-pbf", *IMPORT, "x.osm.pbf", "--area", AREA, "--out", "net",
    files={"x.osm.pbf": OSM_XML})
err("import-truncated-pbf", *IMPORT, "t.osm.pbf", "--area", AREA, "--out", "net",
    files={"t.osm.pbf": pbf_truncated})
err("import-truncated-xml", *IMPORT, "t.osm", "--area", AREA, "--out", "net",
    files={"t.osm": OSM_XML[: len(OSM_XML) // 2]})
err("import-bad-xml", *IMPORT, "b.osm", "--area", AREA, "--out", "net", files={"b.osm": OSM_BAD_XML})
err("import-html-page", *IMPORT, "h.osm", "--area", AREA, "--out", "net", files={"h.osm": OSM_HTML})
err("import-nan-coordinates", *IMPORT, "n.osm", "--area", AREA, "--out", "net",
    files={"n.osm": OSM_NAN})
err("import-no-roads", *IMPORT, "n.osm", "--area", AREA, "--out", "net", files={"n.osm": OSM_NO_ROADS})
err("import-roads-outside-district", *IMPORT, "far.osm", "--out", "net",
    files={"far.osm": OSM_FAR_AWAY})
err("import-area-misses-roads", *IMPORT, "r.osm", "--area", "0,0,1,1", "--out", "net", files=GOOD)
err("import-unknown-suffix", *IMPORT, "roads.txt", "--out", "net", files={"roads.txt": "a road\n"})
err("import-csv", *IMPORT, "roads.csv", "--out", "net", files={"roads.csv": "a,b\n1,2\n"})
err("import-empty-geojson", *IMPORT, "e.geojson", "--out", "net", files={"e.geojson": EMPTY_GEOJSON})
err("import-points-geojson", *IMPORT, "p.geojson", "--out", "net", files={"p.geojson": POINTS_GEOJSON})
err("import-broken-geojson", *IMPORT, "b.geojson", "--out", "net", files={"b.geojson": '{"type": '})
err("import-empty-gpkg", *IMPORT, "e.gpkg", "--out", "net", files={"e.gpkg": ""})
err("import-shp-without-dbf", *IMPORT, "r.shp", "--out", "net", files={"r.shp": GARBAGE[:100]})
err("import-layer-unknown-field", *IMPORT, "roads.geojson", "--class-field", "grade", "--out", "net",
    files={"roads.geojson": ROADS_GEOJSON})
err("import-layer-bad-datum", *IMPORT, "roads.geojson", "--datum", "nad27", "--out", "net",
    files={"roads.geojson": ROADS_GEOJSON})
err("import-osm-with-datum", *IMPORT, "r.osm", "--area", AREA, "--datum", "gcj02", "--out", "net",
    files=GOOD)
for box_id, box in {"nan": "nan,nan,nan,nan", "inf": "-inf,-inf,inf,inf", "three": "1,2,3",
                    "swapped": "29.43,108.75,29.48,108.80", "reversed": "108.80,29.48,108.75,29.43",
                    "words": "west,south,east,north", "fullwidth": "108.75，29.43，108.80，29.48",
                    }.items():
    err(f"import-area-{box_id}", *IMPORT, "r.osm", "--area", box, "--out", "net", files=GOOD)
err("import-area-file-missing", *IMPORT, "r.osm", "--area", "missing.geojson", "--out", "net",
    files=GOOD)
err("import-area-file-empty", *IMPORT, "r.osm", "--area", "a.geojson", "--out", "net",
    files={**GOOD, "a.geojson": ""})
err("import-area-file-points", *IMPORT, "r.osm", "--area", "a.geojson", "--out", "net",
    files={**GOOD, "a.geojson": POINTS_GEOJSON})
for key in ("nan", "inf", "negative", "huge", "word"):
    err(f"import-buffer-{key}", *IMPORT, "r.osm", "--area", AREA, "--buffer-km", BAD_NUMBERS[key],
        "--out", "net", files=GOOD)
for key in ("nan", "inf", "negative", "zero", "huge", "word"):
    err(f"import-consolidate-{key}", *IMPORT, "r.osm", "--area", AREA, "--consolidate-m",
        BAD_NUMBERS[key], "--out", "net", files=GOOD)
for key in ("nan", "inf", "negative", "huge"):
    err(f"import-snap-{key}", *IMPORT, "roads.geojson", "--snap-m", BAD_NUMBERS[key], "--out", "net",
        files={"roads.geojson": ROADS_GEOJSON})
err("import-profile-missing", *IMPORT, "r.osm", "--area", AREA, "--profile-file", "p.toml",
    "--out", "net", files=GOOD)
err("import-profile-empty", *IMPORT, "r.osm", "--area", AREA, "--profile-file", "p.toml",
    "--out", "net", files={**GOOD, "p.toml": ""})
err("import-profile-garbage", *IMPORT, "r.osm", "--area", AREA, "--profile-file", "p.toml",
    "--out", "net", files={**GOOD, "p.toml": GARBAGE})
# Routing rules (issue 14): broken restriction relations and contradictory barriers are
# counted and skipped, never a crash; a profile without [turn_costs] refuses --turn-costs.
OSM_RULES = OSM_XML.replace(
    '<node id="12" version="1" lat="29.45" lon="108.77"/>',
    '<node id="12" version="1" lat="29.45" lon="108.77"><tag k="barrier" v="bollard;gate"/>'
    '<tag k="access" v="no"/><tag k="motor_vehicle" v="yes"/><tag k="maxheight" v="-1"/></node>'
).replace('<node id="22" version="1" lat="29.46" lon="108.77"/>',
          '<node id="22" version="1" lat="29.46" lon="108.77">'
          '<tag k="highway" v="traffic_signals"/><tag k="direction" v="sideways"/></node>'
).replace("</osm>", '<relation id="1" version="1"><member type="way" ref="1000" role="from"/>'
          '<tag k="type" v="restriction"/><tag k="restriction" v="no_left_turn"/></relation>'
          '<relation id="2" version="1"><member type="way" ref="1000" role="from"/>'
          '<member type="node" ref="99" role="via"/><member type="way" ref="2001" role="to"/>'
          '<tag k="type" v="restriction"/><tag k="restriction" v="only_straight_on"/></relation>'
          '<relation id="3" version="1"><member type="way" ref="1000" role="from"/>'
          '<member type="node" ref="12" role="via"/><member type="way" ref="2001" role="to"/>'
          '<tag k="type" v="restriction"/><tag k="restriction" v="sideways_turn"/></relation>'
          "</osm>")
assert OSM_RULES.count("<relation") == 3 and "traffic_signals" in OSM_RULES
ok("import-broken-rules-noted", *IMPORT, "r.osm", "--area", AREA, "--out", "net", "--json",
   files={"r.osm": OSM_RULES})
ok("import-turn-costs", *IMPORT, "r.osm", "--area", AREA, "--out", "net", "--turn-costs",
   "--no-junction-delays", files={"r.osm": OSM_RULES})
PROFILE_NO_TURNS = (Path(__file__).resolve().parents[1] / "geodata" / "speeds.toml").read_text(
    encoding="utf-8").split("[turn_costs]")[0]
err("import-turn-costs-not-in-profile", *IMPORT, "r.osm", "--area", AREA, "--profile-file",
    "p.toml", "--turn-costs", "--out", "net", files={**GOOD, "p.toml": PROFILE_NO_TURNS})
err("import-profile-negative-delay", *IMPORT, "r.osm", "--area", AREA, "--profile-file", "p.toml",
    "--out", "net", files={**GOOD, "p.toml": PROFILE_NO_TURNS.replace(
        "stop = { value = 5,", "stop = { value = -5,")})
err("import-dem-missing", *IMPORT, "r.osm", "--area", AREA, "--dem", "d.tif", "--out", "net",
    files=GOOD)
err("import-dem-garbage", *IMPORT, "r.osm", "--area", AREA, "--dem", "d.tif", "--out", "net",
    files={**GOOD, "d.tif": GARBAGE})
err("import-dem-empty", *IMPORT, "r.osm", "--area", AREA, "--dem", "d.tif", "--out", "net",
    files={**GOOD, "d.tif": ""})
err("import-out-is-file", *IMPORT, "r.osm", "--area", AREA, "--out", "afile",
    files={**GOOD, "afile": "x\n"})
err("import-out-under-file", *IMPORT, "r.osm", "--area", AREA, "--out", "afile/net",
    files={**GOOD, "afile": "x\n"})
err("import-bad-source-keeps-network", *IMPORT, "g.osm.pbf", "--area", AREA, "--out", "{netcopy}",
    files={"g.osm.pbf": GARBAGE})
err("import-no-roads-keeps-network", *IMPORT, "n.osm", "--area", AREA, "--out", "{netcopy}",
    files={"n.osm": OSM_NO_ROADS})
err("import-default-out-cache-under-file", *IMPORT, "r.osm", "--area", AREA,
    env={"WULING_GEO_CACHE": "{work}/afile/cache"}, files={**GOOD, "afile": "x\n"})

# real OpenStreetMap extracts and elevation data from elsewhere (../shared/realdata)
err("import-real-extract-elsewhere", *IMPORT, "{realdata}/monaco.osm.pbf", "--out", "net")
err("import-dem-elsewhere", *IMPORT, "r.osm", "--area", AREA, "--dem", "{realdata}/N42E001.hgt.zip",
    "--out", "net", files=GOOD)

# ================================================================= network fetch (offline)
FETCH = ("network", "fetch", "--out", "net")
err("fetch-offline", *FETCH)
err("fetch-offline-json", *FETCH, "--json")
err("fetch-offline-keeps-network", "network", "fetch", "--out", "{netcopy}")
err("fetch-offline-area-box", *FETCH, "--area", AREA)
err("fetch-area-nan", *FETCH, "--area", "nan,nan,nan,nan")
err("fetch-area-swapped", *FETCH, "--area", "29.43,108.75,29.48,108.80")
for key in ("nan", "inf", "negative", "huge"):
    err(f"fetch-buffer-{key}", *FETCH, "--buffer-km", BAD_NUMBERS[key])
err("fetch-consolidate-nan", *FETCH, "--consolidate-m", "nan")
err("fetch-out-under-file", "network", "fetch", "--out", "afile/net", files={"afile": "x\n"})
for key, value in {"word": "abc", "negative": "-1", "zero": "0", "nan": "nan", "inf": "inf",
                   "empty": ""}.items():
    err(f"fetch-env-connect-timeout-{key}", *FETCH, env={"WULING_GEO_CONNECT_TIMEOUT": value})
err("fetch-env-cache-under-file", "network", "fetch", env={"WULING_GEO_CACHE": "{work}/afile/c"},
    files={"afile": "x\n"})

# ================================================================= network info
ok("info-ok", "network", "info", "{net}")
ok("info-json", "network", "info", "{net}", "--json")
ok("info-truck", "network", "info", "{net}", "--profile", "truck")
err("info-missing", "network", "info", "nowhere")
err("info-empty-folder", "network", "info", "adir", files={"adir": None})
err("info-is-file", "network", "info", "afile", files={"afile": "x\n"})
err("info-user-folder", "network", "info", "mine", files=USER_FILES)
err("info-garbage-edges", "network", "info", "bad", files={"bad/edges.parquet": GARBAGE})
err("info-garbage-meta", "network", "info", "bad",
    files={"bad/edges.parquet": GARBAGE, "bad/nodes.parquet": GARBAGE, "bad/meta.json": "{nope"})
err("info-truncated-edges", "network", "info", "bad",
    files={"bad/edges.parquet": Copy("{net}/edges.parquet", 1000),
           "bad/nodes.parquet": Copy("{net}/nodes.parquet"), "bad/meta.json": Copy("{net}/meta.json")})
err("info-meta-not-object", "network", "info", "bad",
    files={"bad/edges.parquet": Copy("{net}/edges.parquet"),
           "bad/nodes.parquet": Copy("{net}/nodes.parquet"), "bad/meta.json": "[1, 2, 3]"})
err("info-profile-unknown", "network", "info", "{net}", "--profile", "bus")
err("info-default-missing", "network", "info")
err("info-default-cache-under-file", "network", "info", env={"WULING_GEO_CACHE": "{work}/afile/c"},
    files={"afile": "x\n"})

# ================================================================= catchments
CATCH = ("catchments", *NET)
ok("catchments-ok", *CATCH, "--from", "黔江站", "--minutes", "5")
ok("catchments-gpkg", *CATCH, "--from", "黔江站", "108.80,29.48", "--minutes", "5", "10",
   "--out", "c.gpkg")
ok("catchments-geojson-json", *CATCH, "--from", "JIQ", "--minutes", "5", "--json",
   "--out", "c.geojson")
ok("catchments-upper-suffix", *CATCH, "--from", "黔江站", "--minutes", "5", "--out", "C.GPKG")
ok("catchments-nearest-to-truck", *CATCH, "--from", "黔江站", "JIQ", "--minutes", "5",
   "--mode", "nearest", "--direction", "to", "--profile", "truck")
ok("catchments-category", *CATCH, "--category", "transport", "--minutes", "5")
ok("catchments-duplicate-minutes", *CATCH, "--from", "黔江站", "--minutes", "5", "5")
ok("catchments-simplify-zero", *CATCH, "--from", "黔江站", "--minutes", "5", "--simplify", "0")
ok("catchments-workers-env-1", *CATCH, "--from", "黔江站", "--minutes", "5",
   env={"WULING_GEO_WORKERS": "1"})
ok("catchments-overwrite-own-output", *CATCH, "--from", "黔江站", "--minutes", "5", "--out", "c.gpkg",
   files={"c.gpkg": b"old output\n"}, overwrites=("c.gpkg",))
for cid, text in {"unknown": "nowhere-land", "10k-chars": LONG, "one-number": "108.77",
                  "three-numbers": "108.77,29.53,5", "nan": "NaN,NaN", "inf": "inf,29.5",
                  "swapped": "29.47,108.79",
                  "outside-district": "106.55,29.56", "off-network": "濯水景区",
                  "unresolved": "小南海", "html": XSS, "empty": ""}.items():
    err(f"catchments-from-{cid}", *CATCH, "--from", text, "--minutes", "5", "--out", "c.gpkg")
ok("catchments-from-fullwidth-comma", *CATCH, "--from", "108.79，29.47", "--minutes", "5",
   "--out", "c.gpkg")
for key in ("nan", "inf", "neg-inf", "negative", "zero", "huge", "word", "empty"):
    err(f"catchments-minutes-{key}", *CATCH, "--from", "黔江站", "--minutes", BAD_NUMBERS[key],
        "--out", "c.gpkg")
err("catchments-minutes-601", *CATCH, "--from", "黔江站", "--minutes", "601", "--out", "c.gpkg")
err("catchments-minutes-one-bad", *CATCH, "--from", "黔江站", "--minutes", "5", "nan",
    "--out", "c.gpkg")
for key in ("nan", "inf", "negative", "zero", "huge", "word"):
    err(f"catchments-access-{key}", *CATCH, "--from", "黔江站", "--minutes", "5", "--access",
        BAD_NUMBERS[key], "--out", "c.gpkg")
for key in ("nan", "inf", "negative", "huge", "word"):
    err(f"catchments-simplify-{key}", *CATCH, "--from", "黔江站", "--minutes", "5", "--simplify",
        BAD_NUMBERS[key], "--out", "c.gpkg")
err("catchments-mode-unknown", *CATCH, "--from", "黔江站", "--mode", "all")
err("catchments-direction-unknown", *CATCH, "--from", "黔江站", "--direction", "sideways")
err("catchments-profile-unknown", *CATCH, "--from", "黔江站", "--profile", "bus")
err("catchments-datum-unknown", *CATCH, "--from", "108.79,29.47", "--datum", "nad27")
err("catchments-both", *CATCH, "--from", "黔江站", "--category", "scenic")
err("catchments-neither", *CATCH, "--minutes", "5")
err("catchments-from-no-value", *CATCH, "--from", "--minutes", "5")
err("catchments-category-unknown", *CATCH, "--category", "volcano")
err("catchments-category-none-resolved", *CATCH, "--category", "logistics", "--out", "c.gpkg")
err("catchments-out-shp", *CATCH, "--from", "黔江站", "--minutes", "5", "--out", "c.shp")
err("catchments-out-no-suffix", *CATCH, "--from", "黔江站", "--minutes", "5", "--out", "c")
err("catchments-out-under-file", *CATCH, "--from", "黔江站", "--minutes", "5",
    "--out", "afile/c.gpkg", files={"afile": "x\n"})
err("catchments-out-no-parent", *CATCH, "--from", "黔江站", "--minutes", "5", "--out", "no/c.gpkg")
err("catchments-out-is-folder", *CATCH, "--from", "黔江站", "--minutes", "5", "--out", "d.gpkg",
    files={"d.gpkg": None})
err("catchments-bad-keeps-output", *CATCH, "--from", "nowhere-land", "--out", "c.gpkg",
    files={"c.gpkg": b"the user's earlier bands\n"})
err("catchments-network-missing", "catchments", "--network", "nowhere", "--from", "黔江站")
err("catchments-network-is-file", "catchments", "--network", "afile", "--from", "黔江站",
    files={"afile": "x\n"})
err("catchments-network-garbage", "catchments", "--network", "bad", "--from", "黔江站",
    files={"bad/edges.parquet": GARBAGE, "bad/nodes.parquet": GARBAGE, "bad/meta.json": "{}"})
err("catchments-network-default-missing", "catchments", "--from", "黔江站", "--minutes", "5")
for key, value in {"negative": "-1", "word": "abc", "zero": "0", "fraction": "1.5"}.items():
    err(f"catchments-env-workers-{key}", *CATCH, "--from", "黔江站", "--minutes", "5",
        env={"WULING_GEO_WORKERS": value})
safe("catchments-env-cache-under-file", *CATCH, "--from", "黔江站", "--minutes", "5",
    env={"WULING_GEO_CACHE": "{work}/afile/cache"}, files={"afile": "x\n"})

# ================================================================= route
ROUTE = ("route", *NET)
VISIT = ("--start", "黔江站", "--visit", "108.80,29.48")
ok("route-ok", *ROUTE, *VISIT)
ok("route-two-days-export", *ROUTE, "--start", "黔江站", "--visit", "108.80,29.48", "108.76,29.50",
   "--days", "2", "--max-drive", "3h", "--date", "2025-05-01", "--out", "trip")
ok("route-optional-only", *ROUTE, "--start", "黔江站", "--optional", "JIQ")
ok("route-truck-size", *ROUTE, *VISIT, "--profile", "truck", "--truck-height", "3.8",
   "--truck-weight", "18")
for key in ("nan", "inf", "negative", "zero", "huge", "word"):
    err(f"route-truck-height-{key}", *ROUTE, *VISIT, "--profile", "truck", "--truck-height",
        BAD_NUMBERS[key])

ok("route-html-names-export", "--gazetteer", "g.toml", *ROUTE, "--start", "xss-c",
   "--visit", "xss-a", "xss-b", "--out", "trip", files={"g.toml": GAZ_HTML},
   checks=(("trip/itinerary.html", r"<script>alert|<img src=x"),
           ("trip/itinerary_map.html", r"<script>alert\(1\)|<img src=x onerror")))
safe("route-out-user-folder", *ROUTE, *VISIT, "--out", "mine", files=USER_FILES)
err("route-unknown-start", *ROUTE, "--start", "nowhere-land", "--visit", "JIQ")
err("route-unknown-visit", *ROUTE, "--start", "黔江站", "--visit", "nowhere-land")
err("route-10k-visit", *ROUTE, "--start", "黔江站", "--visit", LONG)
err("route-nan-visit", *ROUTE, "--start", "黔江站", "--visit", "NaN,NaN")
err("route-swapped-visit", *ROUTE, "--start", "黔江站", "--visit", "29.48,108.80")
ok("route-fullwidth-visit", *ROUTE, "--start", "黔江站", "--visit", "108.80，29.48")
err("route-visit-off-network", *ROUTE, "--start", "黔江站", "--visit", "濯水景区")
err("route-visit-unresolved", *ROUTE, "--start", "黔江站", "--visit", "小南海")
err("route-no-stops", *ROUTE, "--start", "黔江站", "--out", "trip")
err("route-visit-no-value", *ROUTE, "--start", "黔江站", "--visit")
for key, value in {"zero": "0", "negative": "-1", "nan": "nan", "fraction": "1.5", "huge": "1e308",
                   "word": "two", "too-many": "1000"}.items():
    err(f"route-days-{key}", *ROUTE, *VISIT, "--days", value, "--out", "trip")
for key, value in {"reversed": "18:00-08:00", "empty-window": "08:00-08:00",
                   "hour-25": "25:00-26:00", "nan": "nan", "empty": "", "words": "morning-evening",
                   "no-dash": "08:00"}.items():
    err(f"route-day-{key}", *ROUTE, *VISIT, "--day", value, "--out", "trip")
for key, value in {"zero": "0", "negative": "-1h", "nan": "nan", "inf": "inf", "huge": "1e308h",
                   "word": "lots", "empty": ""}.items():
    err(f"route-max-drive-{key}", *ROUTE, *VISIT, "--max-drive", value, "--out", "trip")
for key, value in {"negative": "X=-30", "nan": "X=nan", "inf": "X=inf", "huge": "X=1e308",
                   "word": "X=long", "no-name": "=30", "no-equals": "30"}.items():
    err(f"route-dwell-{key}", *ROUTE, *VISIT, "--dwell", value.replace("X", "108.80,29.48"),
        "--out", "trip")
err("route-dwell-unknown-stop", *ROUTE, *VISIT, "--dwell", "nowhere=30", "--out", "trip")
err("route-start-time-bad", *ROUTE, *VISIT, "--start-time", "25:99", "--out", "trip")
err("route-start-time-after-day", *ROUTE, *VISIT, "--start-time", "19:00", "--out", "trip")
err("route-end-time-before-start", *ROUTE, *VISIT, "--start-time", "09:00", "--end-time", "08:00",
    "--out", "trip")
err("route-end-time-impossible", *ROUTE, *VISIT, "--start-time", "08:00", "--end-time", "08:01",
    "--out", "trip")
err("route-infeasible-window", *ROUTE, *VISIT, "--day", "08:00-08:05", "--out", "trip")
err("route-infeasible-max-drive", *ROUTE, *VISIT, "--max-drive", "1min", "--out", "trip")
err("route-date-invalid", *ROUTE, *VISIT, "--date", "2025-02-30", "--out", "trip")
err("route-date-word", *ROUTE, *VISIT, "--date", "tomorrow", "--out", "trip")
err("route-date-and-weekday-disagree", *ROUTE, *VISIT, "--date", "2025-05-01", "--weekday", "mon",
    "--out", "trip")
err("route-weekday-unknown", *ROUTE, *VISIT, "--weekday", "funday", "--out", "trip")
err("route-profile-unknown", *ROUTE, *VISIT, "--profile", "bus")
err("route-datum-unknown", *ROUTE, *VISIT, "--datum", "nad27", "--out", "trip")
err("route-out-is-file", *ROUTE, *VISIT, "--out", "afile", files={"afile": "x\n"})
err("route-out-under-file", *ROUTE, *VISIT, "--out", "afile/trip", files={"afile": "x\n"})
err("route-out-no-parent", *ROUTE, *VISIT, "--out", "no/such/trip")
err("route-network-missing", "route", "--network", "nowhere", *VISIT)
err("route-bad-keeps-old-trip", *ROUTE, *VISIT, "--days", "0", "--out", "trip",
    files={"trip/itinerary.csv": "the user's earlier plan\n"})

# ================================================================= matrix
MATRIX = ("matrix", *NET)
ok("matrix-ok", *MATRIX, "--from", "黔江站", "JIQ", "--to", "108.80,29.48")
ok("matrix-csv", *MATRIX, "--from", "黔江站", "--to", "JIQ", "--out", "od.csv")
ok("matrix-parquet", *MATRIX, "--from", "黔江站", "--to", "JIQ", "--out", "od.parquet")
ok("matrix-csv-injection", "--gazetteer", "g.toml", *MATRIX, "--from", "csv-a", "--to", "csv-b",
   "--out", "od.csv", files={"g.toml": GAZ_CSV}, checks=(("od.csv", r'(^|,)"?[=+\-@]'),))
err("matrix-from-off-network", *MATRIX, "--from", "濯水景区", "--to", "JIQ",
    note="an origin 13 km from every road: named with its distance (one place rule for all analyses)")
err("matrix-neither", *MATRIX, "--to", "JIQ")
err("matrix-both", *MATRIX, "--from", "JIQ", "--from-category", "transport", "--to", "JIQ")
err("matrix-category-unknown", *MATRIX, "--from-category", "volcano", "--to", "JIQ")
err("matrix-category-none-resolved", *MATRIX, "--from-category", "logistics", "--to", "JIQ")
err("matrix-from-nan", *MATRIX, "--from", "NaN,NaN", "--to", "JIQ", "--out", "od.csv")
err("matrix-from-swapped", *MATRIX, "--from", "29.47,108.79", "--to", "JIQ", "--out", "od.csv")
err("matrix-from-three-numbers", *MATRIX, "--from", "108.77,29.53,5", "--to", "JIQ")
err("matrix-from-10k", *MATRIX, "--from", LONG, "--to", "JIQ")
err("matrix-to-unknown", *MATRIX, "--from", "JIQ", "--to", "nowhere-land", "--out", "od.csv")
err("matrix-to-unresolved", *MATRIX, "--from", "JIQ", "--to", "小南海")
err("matrix-out-xlsx", *MATRIX, "--from", "JIQ", "--to", "黔江站", "--out", "od.xlsx")
err("matrix-out-under-file", *MATRIX, "--from", "JIQ", "--to", "黔江站", "--out", "afile/od.csv",
    files={"afile": "x\n"})
err("matrix-bad-keeps-output", *MATRIX, "--from", "nowhere", "--to", "JIQ", "--out", "od.csv",
    files={"od.csv": "the user's earlier table\n"})
err("matrix-profile-unknown", *MATRIX, "--from", "JIQ", "--to", "黔江站", "--profile", "bus")
err("matrix-datum-unknown", *MATRIX, "--from", "108.79,29.47", "--to", "JIQ", "--datum", "nad27")
err("matrix-network-missing", "matrix", "--network", "nowhere", "--from", "JIQ", "--to", "黔江站")

# ================================================================= access
ACCESS = ("access", *NET, "--facilities", "JIQ")
ok("access-ok", *ACCESS, "--cell", "3000")
ok("access-out-map", *ACCESS, "--cell", "3000", "--out", "a.gpkg", "--map", "a.html")
for key in ("nan", "inf", "negative", "zero", "huge", "word"):
    err(f"access-cell-{key}", *ACCESS, "--cell", BAD_NUMBERS[key], "--out", "a.gpkg")
err("access-cell-tiny", *ACCESS, "--cell", "1", "--out", "a.gpkg")
for key in ("nan", "inf", "negative", "zero", "huge", "word"):
    err(f"access-speed-{key}", *ACCESS, "--cell", "3000", "--access-speed", BAD_NUMBERS[key],
        "--out", "a.gpkg")
err("access-direction-unknown", *ACCESS, "--direction", "sideways")
err("access-neither", "access", *NET, "--cell", "3000")
err("access-category-unknown", "access", *NET, "--category", "volcano", "--cell", "3000")
err("access-category-none-resolved", "access", *NET, "--category", "logistics", "--cell", "3000")
err("access-facility-nan", "access", *NET, "--facilities", "NaN,NaN", "--cell", "3000")
err("access-facility-unknown", "access", *NET, "--facilities", "nowhere", "--cell", "3000",
    "--out", "a.gpkg")
err("access-out-shp", *ACCESS, "--cell", "3000", "--out", "a.shp")
err("access-map-png", *ACCESS, "--cell", "3000", "--map", "a.png")
err("access-map-under-file", *ACCESS, "--cell", "3000", "--map", "afile/a.html",
    files={"afile": "x\n"})
err("access-out-under-file", *ACCESS, "--cell", "3000", "--out", "afile/a.gpkg",
    files={"afile": "x\n"})

# ================================================================= reach
REACH = ("reach", *NET, "--from", "黔江站")
ok("reach-ok", *REACH, "--minutes", "10")
ok("reach-from-off-network", "reach", *NET, "--from", "濯水景区", "--minutes", "60")
ok("reach-lonlat-outside", "reach", *NET, "--from", "106.55,29.56", "--minutes", "60")
for key in ("nan", "inf", "negative", "zero", "huge", "word"):
    err(f"reach-minutes-{key}", *REACH, "--minutes", BAD_NUMBERS[key], "--out", "r.gpkg")
err("reach-from-unknown", "reach", *NET, "--from", "nowhere-land", "--out", "r.gpkg")
err("reach-from-no-position", "reach", *NET, "--from", "chongqing-east")
err("reach-from-nan", "reach", *NET, "--from", "NaN,NaN")
err("reach-from-10k", "reach", *NET, "--from", LONG)
err("reach-services-missing", *REACH, "--services", "s.toml")
err("reach-services-garbage", *REACH, "--services", "s.toml", files={"s.toml": GARBAGE})
err("reach-services-bad-toml", *REACH, "--services", "s.toml", files={"s.toml": "[[stop]\n"})
err("reach-services-nan-minutes", *REACH, "--services", "s.toml", files={"s.toml": SERVICES_NAN})
err("reach-services-negative-minutes", *REACH, "--services", "s.toml",
    files={"s.toml": SERVICES_NEGATIVE})
err("reach-services-unknown-stop", *REACH, "--services", "s.toml",
    files={"s.toml": SERVICES_UNKNOWN_STOP})
err("reach-out-txt", *REACH, "--out", "r.txt")
err("reach-map-png", *REACH, "--map", "r.png")
err("reach-out-under-file", *REACH, "--out", "afile/r.gpkg", files={"afile": "x\n"})
err("reach-profile-unknown", *REACH, "--profile", "bus")

# ================================================================= map
MAP = ("map", "--out", "m.html")
ok("map-ok", *MAP)
ok("map-network-amap-en", "map", *NET, "--out", "m.html", "--basemap", "amap", "--lang", "en")
ok("map-basemap-none", *MAP, "--basemap", "none")
ok("map-title-html", *MAP, "--title", XSS, checks=(("m.html", r"<script>alert\(1\)</script>"),))
ok("map-title-10k", *MAP, "--title", LONG)
ok("map-html-names", "--gazetteer", "g.toml", *MAP, files={"g.toml": GAZ_HTML},
   checks=(("m.html", r"<script>alert\(1\)</script>|<img src=x onerror"),))
ok("map-default-out", "map", files={"maps": None})
err("map-basemap-unknown", *MAP, "--basemap", "google")
err("map-basemap-empty", *MAP, "--basemap", "")
err("map-lang-unknown", *MAP, "--lang", "fr")
err("map-offline-no-assets", *MAP, "--offline")
err("map-offline-assets-under-file", *MAP, "--offline",
    env={"WULING_GEO_WEB_ASSETS": "{work}/afile/assets"}, files={"afile": "x\n"})
err("map-out-under-file", "map", "--out", "afile/m.html", files={"afile": "x\n"})
err("map-out-no-parent", "map", "--out", "no/such/m.html")
err("map-out-is-folder", "map", "--out", "d.html", files={"d.html": None})
err("map-out-not-html", "map", "--out", "m.png")
err("map-bad-keeps-old-page", *MAP, "--basemap", "google", files={"m.html": "<p>old page</p>\n"})
err("map-catchments-missing", *MAP, "--catchments", "c.gpkg")
err("map-catchments-garbage", *MAP, "--catchments", "c.gpkg", files={"c.gpkg": GARBAGE})
err("map-catchments-points", *MAP, "--catchments", "c.geojson", files={"c.geojson": POINTS_GEOJSON})
err("map-catchments-none-in-network", "map", *NET, "--out", "m.html", "--catchments")
err("map-network-missing", "map", "--network", "nowhere", "--out", "m.html")
err("map-network-is-file", "map", "--network", "afile", "--out", "m.html", files={"afile": "x\n"})

# ================================================================= map-assets
err("assets-check-missing", "map-assets", "--check")
err("assets-check-dir-missing", "map-assets", "--check", "--dir", "nowhere")
err("assets-check-dir-is-file", "map-assets", "--check", "--dir", "afile", files={"afile": "x\n"})
err("assets-no-npm", "map-assets", "--dir", "assets", env={"PATH": "{work}/empty-bin"})
err("assets-npm-fails", "map-assets", "--dir", "assets", env={"PATH": "{work}/bin"},
    files={"bin/npm": FAKE_NPM})
err("assets-dir-under-file", "map-assets", "--dir", "afile/assets", env={"PATH": "{work}/bin"},
    files={"afile": "x\n", "bin/npm": FAKE_NPM})

# ================================================================= build
ok("build-no-network", "build", "--out", "out", "--maps", "maps")
ok("build-with-network", "build", *NET, "--out", "out", "--maps", "maps")
safe("build-out-user-folder", "build", "--out", "mine", "--maps", "maps", files=USER_FILES)
err("build-out-is-file", "build", "--out", "afile", "--maps", "maps", files={"afile": "x\n"})
err("build-maps-under-file", "build", "--out", "out", "--maps", "afile/maps", files={"afile": "x\n"})
err("build-osm-missing", "build", "--out", "out", "--maps", "maps", "--osm", "missing.osm.pbf")
err("build-osm-garbage", "build", "--out", "out", "--maps", "maps", "--osm", "g.osm.pbf",
    files={"g.osm.pbf": GARBAGE})
err("build-online-offline", "build", "--out", "out", "--maps", "maps", "--online")
err("build-network-missing", "build", "--network", "nowhere", "--out", "out", "--maps", "maps")
err("build-network-garbage", "build", "--network", "bad", "--out", "out", "--maps", "maps",
    files={"bad/edges.parquet": GARBAGE, "bad/meta.json": "{}"})
err("build-empty-gazetteer", "--gazetteer", "g.toml", "build", "--out", "out", "--maps", "maps",
    files={"g.toml": ""})
err("build-env-data-empty-folder", "build", "--out", "out", "--maps", "maps",
    env={"WULING_GEO_DATA": "{work}/nodata"}, files={"nodata": None})

# ================================================================= other environment values
err("env-data-missing-folder", "geocode", "JIQ", env={"WULING_GEO_DATA": "{work}/nowhere"})
err("env-data-is-file", "geocode", "JIQ", env={"WULING_GEO_DATA": "{work}/afile"},
    files={"afile": "x\n"})
err("env-connect-timeout-word-geocode", "geocode", "小南海", "--online",
    env={"WULING_GEO_CONNECT_TIMEOUT": "abc"})
ok("env-connect-timeout-word-offline-command", "datum", "108.8", "29.5",
   env={"WULING_GEO_CONNECT_TIMEOUT": "abc"}, note="a command that never goes online")

# ---------------------------------------------------------------- sanity

_ids = [c.id for c in CASES]
assert len(_ids) == len(set(_ids)), sorted({i for i in _ids if _ids.count(i) > 1})
