"""Itinerary exports: GPX 1.1, CSV, Markdown, HTML, the legs as GeoJSON and a web map.

:func:`write_itinerary` writes them all-or-nothing: everything is staged in a temporary
folder first and moved into place only when every file is complete. Names are escaped in
HTML; exports built on an OpenStreetMap network credit "© OpenStreetMap contributors, ODbL",
and exports on a synthetic network say so.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import os
from pathlib import Path

import gpxpy.gpx

from wuling_geo._util.files import atomic_dir, check_output
from wuling_geo._util.timeparse import WEEKDAYS, format_clock, format_duration
from wuling_geo.analysis.itinerary.result import Call, DayPlan, Itinerary
from wuling_geo.present.exports.tables import csv_cell
from wuling_geo.present.templating import render_page

#: File names written by :func:`write_itinerary` (the map only when the renderer is present).
FILES = ("itinerary.gpx", "itinerary.csv", "itinerary.md", "itinerary.html",
         "itinerary_legs.geojson", "itinerary_map.html")
ODBL_URL = "https://opendatacommons.org/licenses/odbl/"
_CHINA_TZ = _dt.timezone(_dt.timedelta(hours=8), "CST")


def _clock(value: int | None) -> str:
    return "" if value is None else format_clock(value)


def _credit(itin: Itinerary) -> str:
    if itin.synthetic:
        return f"SYNTHETIC network, not real roads: {itin.network_source}"
    return f"Roads: {itin.attribution}"


def _assumption_note() -> str:
    return ("Visit lengths without a per-stop value are planning assumptions (by grade and "
            "category, wuling_geo/data/planning.toml), not facts.")


def _when(day: DayPlan, seconds: int | None) -> _dt.datetime | None:
    """Return the UTC time of a clock time on a dated day (China time, UTC+8)."""
    if day.date is None or seconds is None:
        return None
    local = _dt.datetime.combine(day.date, _dt.time(), _CHINA_TZ) + _dt.timedelta(seconds=seconds)
    return local.astimezone(_dt.UTC)


def _time(call: Call) -> str:
    """Return the call's clock time: departure from a day's start, else arrival."""
    return _clock(call.leave if call.arrive is None else call.arrive)


def _call_text(call: Call) -> str:
    if call.kind == "visit":
        wait = f", wait {format_duration(call.wait_s)}" if call.wait_s else ""
        return (f"arrive {_clock(call.arrive)}{wait}, visit {_clock(call.start)}-"
                f"{_clock(call.leave)} ({format_duration(call.dwell_s)})")
    if call.leave is not None:
        return f"depart {_clock(call.leave)}"
    stay = {"overnight": ", stay overnight", "end": ", end of the trip"}.get(call.kind, "")
    return f"arrive {_clock(call.arrive)}{stay}"


def _free_day(day: DayPlan) -> str | None:
    """Return "free day at X" for a day spent at its base, else None."""
    if day.legs:
        return None
    return f"No driving: a free day at {day.calls[0].label}"


# ---------------------------------------------------------------- GPX 1.1

def to_gpx(itin: Itinerary) -> str:
    """Return the itinerary as GPX 1.1: a waypoint per call, a route and a track per day."""
    doc = gpxpy.gpx.GPX()
    doc.version = "1.1"
    doc.creator = "wuling-geo"
    doc.name = "wuling-geo itinerary"
    doc.description = f"{len(itin.days)}-day itinerary. {_credit(itin)}"
    if not itin.synthetic:
        doc.copyright_author = "OpenStreetMap contributors"
        doc.copyright_license = ODBL_URL
    seen: set[tuple[str, float, float]] = set()
    for day in itin.days:
        route = gpxpy.gpx.GPXRoute(name=day.title, number=day.day,
                                   description=f"drive {format_duration(day.drive_s)}, "
                                               f"{day.distance_m / 1000:.1f} km")
        for call in day.calls:
            point = gpxpy.gpx.GPXRoutePoint(call.lat, call.lon, name=call.name)
            route.points.append(point)
            key = (call.name, round(call.lon, 7), round(call.lat, 7))
            if key in seen and call.kind != "visit":
                continue
            seen.add(key)
            wpt = gpxpy.gpx.GPXWaypoint(call.lat, call.lon, name=call.name,
                                        description=f"{day.title}: {_call_text(call)}",
                                        time=_when(day, call.arrive if call.arrive is not None
                                                   else call.leave),
                                        type=call.kind)
            doc.waypoints.append(wpt)
        doc.routes.append(route)
        track = gpxpy.gpx.GPXTrack(name=day.title, number=day.day)
        for leg in day.legs:
            segment = gpxpy.gpx.GPXTrackSegment()
            for lon, lat in leg.geometry.coords:
                segment.points.append(gpxpy.gpx.GPXTrackPoint(lat, lon))
            track.segments.append(segment)
        if track.segments:
            doc.tracks.append(track)
    return doc.to_xml(version="1.1")


# ---------------------------------------------------------------- CSV

CSV_COLUMNS = ("day", "date", "weekday", "order", "kind", "name", "label", "place_id", "lon",
               "lat", "arrive", "visit_start", "leave", "dwell_min", "wait_min", "drive_in_min",
               "distance_in_km", "must", "attribution")


def to_csv(itin: Itinerary) -> str:
    """Return one row per call (start, visits, overnight, end) with times and the leg in."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for day in itin.days:
        for order, call in enumerate(day.calls, start=1):
            # Call k > 1 is reached by leg k - 1 (a day spent at its base has no leg).
            leg = day.legs[order - 2] if order > 1 and day.legs else None
            writer.writerow([
                day.day, day.date.isoformat() if day.date else "",
                WEEKDAYS[day.weekday] if day.weekday is not None else "",
                order, call.kind, csv_cell(call.name), csv_cell(call.label),
                csv_cell(call.place_id or ""),
                f"{call.lon:.6f}", f"{call.lat:.6f}", _clock(call.arrive), _clock(call.start),
                _clock(call.leave), round(call.dwell_s / 60) if call.kind == "visit" else "",
                round(call.wait_s / 60) if call.kind == "visit" else "",
                round(leg.drive_s / 60, 1) if leg else "",
                round(leg.distance_m / 1000, 2) if leg else "",
                "" if call.must is None else ("must" if call.must else "optional"),
                csv_cell(itin.attribution)])
    return buf.getvalue()


# ---------------------------------------------------------------- text, Markdown, HTML

def _totals(itin: Itinerary) -> str:
    drive = f"{format_duration(itin.drive_s)} driving, {itin.distance_m / 1000:.1f} km"
    if not itin.visits:  # a plain A→B route
        return drive
    n = len(itin.visits)
    return f"{n} visit{'s' if n != 1 else ''}, {format_duration(itin.dwell_s)} visiting, {drive}"


def format_text(itin: Itinerary) -> str:
    """Return the plan as plain text, a block per day (for the command line)."""
    lines = []
    for day in itin.days:
        if _free_day(day):
            lines.append(f"{day.title}: {_free_day(day)}")
            continue
        lines.append(f"{day.title}: drive {format_duration(day.drive_s)}, "
                     f"{day.distance_m / 1000:.1f} km")
        for call in day.calls:
            time = _time(call)
            lines.append(f"  {time}  {call.label}: {_call_text(call)}")
    lines.append(f"Total: {_totals(itin)}")
    for d in itin.dropped:
        lines.append(f"Dropped: {d.label}: {d.reason}")
    lines.append(f"Solver: {itin.solver}{' (optimal)' if itin.optimal else ''}")
    lines += [f"Note: {n}" for n in itin.notes]
    lines.append(_credit(itin))
    return "\n".join(lines)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(itin: Itinerary) -> str:
    """Return a readable Markdown itinerary."""
    out = ["# Itinerary", "", f"**Total:** {_totals(itin)}", ""]
    for day in itin.days:
        if _free_day(day):
            out += [f"## {day.title}", "", f"{_md(_free_day(day))}.", ""]
            continue
        out += [f"## {day.title}", "",
                f"Drive {format_duration(day.drive_s)}, {day.distance_m / 1000:.1f} km.", "",
                "| # | time | place | what |", "|---|---|---|---|"]
        for i, call in enumerate(day.calls, start=1):
            time = _time(call)
            out.append(f"| {i} | {time} | {_md(call.label)} | {_md(_call_text(call))} |")
        out += ["", "| leg | from | to | depart | arrive | drive | km |", "|---|---|---|---|---|---|---|"]
        for leg in day.legs:
            out.append(f"| {leg.leg} | {_md(leg.from_name)} | {_md(leg.to_name)} | "
                       f"{_clock(leg.depart)} | {_clock(leg.arrive)} | "
                       f"{format_duration(leg.drive_s)} | {leg.distance_m / 1000:.1f} |")
        out.append("")
    if itin.dropped:
        out += ["## Left out", ""] + [f"- **{_md(d.label)}**: {_md(d.reason)}"
                                      for d in itin.dropped] + [""]
    out += [f"Solver: {itin.solver}{' — optimal' if itin.optimal else ''}.", ""]
    out += [f"Note: {_md(n)}" for n in itin.notes]
    out += [_assumption_note(), "", _credit(itin), ""]
    return "\n".join(out)


def to_html(itin: Itinerary) -> str:
    """Return a standalone HTML itinerary (the ``itinerary.html`` template, autoescaped)."""
    days = [{"title": day.title, "free": _free_day(day), "drive": format_duration(day.drive_s),
             "km": f"{day.distance_m / 1000:.1f}",
             "calls": [{"time": _time(c), "label": c.label, "what": _call_text(c)}
                       for c in day.calls],
             "legs": [{"leg": leg.leg, "from_name": leg.from_name, "to_name": leg.to_name,
                       "depart": _clock(leg.depart), "arrive": _clock(leg.arrive),
                       "drive": format_duration(leg.drive_s), "km": f"{leg.distance_m / 1000:.1f}"}
                      for leg in day.legs]}
            for day in itin.days]
    return render_page("itinerary.html", totals=_totals(itin), days=days, dropped=itin.dropped,
                       solver=itin.solver, optimal=itin.optimal, notes=itin.notes,
                       assumption=_assumption_note(), credit=_credit(itin))


# ---------------------------------------------------------------- writing

def _write_map(itin: Itinerary, path: Path, offline: bool | None = None) -> bool:
    """Draw the legs with the web-map renderer; ``False`` if the renderer is not installed.

    ``offline`` is :func:`wuling_geo.present.maps.webmap.render_map`'s: by default Leaflet is inlined when
    ``wuling-geo map-assets`` has run, and the page says what it needs when it cannot load.
    """
    try:
        from wuling_geo.present.maps.webmap import render_map
    except ImportError:  # the web-map module is optional for exports
        return False
    title = "wuling-geo itinerary" + (" (SYNTHETIC network, not real roads)" if itin.synthetic
                                      else f" ({itin.network_source})")
    from wuling_geo.data.boundary import district_with_margin

    # the district's places and outline only on a map of the district (not of an extract
    # of somewhere else)
    elsewhere = len(itin.legs) and not itin.legs.union_all().intersects(district_with_margin())
    render_map(path, routes=itin.legs, title=title, index=False, offline=offline,
               layers={} if elsewhere else None)
    return True


def _write_all(itin: Itinerary, folder: Path, with_map: bool, offline: bool | None = None
               ) -> list[str]:
    writers = {"itinerary.gpx": to_gpx, "itinerary.md": to_markdown, "itinerary.html": to_html}
    for name, make in writers.items():
        (folder / name).write_text(make(itin), encoding="utf-8")
    # A byte-order mark lets spreadsheet programs read the Chinese names as UTF-8.
    (folder / "itinerary.csv").write_text(to_csv(itin), encoding="utf-8-sig")
    names = ["itinerary.gpx", "itinerary.csv", "itinerary.md", "itinerary.html"]
    if len(itin.legs):
        # each leg credits the road data it was driven on, as the other files do
        itin.legs.assign(attribution=itin.attribution).to_file(
            folder / "itinerary_legs.geojson", driver="GeoJSON")
        names.append("itinerary_legs.geojson")
    if with_map and _write_map(itin, folder / "itinerary_map.html", offline):
        names.append("itinerary_map.html")
    return names


def write_itinerary(itin: Itinerary, out_dir: str | os.PathLike[str], with_map: bool = True,
                    offline: bool | None = None) -> list[Path]:
    """Write the exports into ``out_dir``, all or nothing.

    Parameters
    ----------
    itin
        The planned itinerary.
    out_dir
        Output folder; created if missing (its parent must exist). Files of the same names
        are replaced; other files in it are left alone.
    with_map
        Also draw ``itinerary_map.html`` with :func:`wuling_geo.present.maps.webmap.render_map`.
    offline
        For the map: ``True`` inlines Leaflet (or fails without ``wuling-geo map-assets``),
        ``None`` inlines it when installed, ``False`` links the CDNs.

    Returns
    -------
    list of Path
        The files written.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import wuling_geo as wg
    >>> from wuling_geo.network.synthetic import grid_network
    >>> net = grid_network(6, 6, spacing_m=1000, origin=(108.74, 29.42))  # SYNTHETIC
    >>> a, b = [tuple(net.nodes.loc[n, ["x", "y"]]) for n in (1, 3)]
    >>> trip = wg.plan_itinerary(net, start=a, visits=[b])
    >>> [p.name for p in wg.write_itinerary(trip, Path(tempfile.mkdtemp()) / "trip", with_map=False)]
    ['itinerary.gpx', 'itinerary.csv', 'itinerary.md', 'itinerary.html', 'itinerary_legs.geojson']
    """
    out = Path(out_dir)
    check_output(out, folder=True)
    if with_map and offline:
        from wuling_geo.present.maps.assets import check_assets

        check_assets()
    with atomic_dir(out, merge=True) as stage:
        names = _write_all(itin, stage, with_map, offline)
    return [out / n for n in names]

__all__ = ["CSV_COLUMNS", "FILES", "format_text", "to_csv", "to_gpx", "to_html", "to_markdown",
           "write_itinerary"]
