"""``wuling-geo gazetteer``: curate the gazetteer — candidates, accept, check."""

from __future__ import annotations

from pathlib import Path

import click

from wuling_geo import settings
from wuling_geo._util.errors import InputError, ProviderKeyError
from wuling_geo._util.files import check_output
from wuling_geo.cli._options import info, network_option, resolve_network_dir
from wuling_geo.data import curation
from wuling_geo.data import gazetteer_edit as edit
from wuling_geo.data.gazetteer import CONFIDENCES, load_gazetteer
from wuling_geo.data.geocode.provider import PROVIDER_NAMES
from wuling_geo.data.geocode.providers import make_provider
from wuling_geo.data.osm_features import load_features


def _gazetteer_path(ctx: click.Context) -> Path:
    given = (ctx.find_root().obj or {}).get("gazetteer")
    return Path(given) if given else settings.gazetteer_path()


@click.group("gazetteer")
def gazetteer_group() -> None:
    """Curate the gazetteer: review candidate positions, accept one, check the file.

    Positions enter the gazetteer only through 'accept', with their source.
    """


@gazetteer_group.command("candidates")
@click.argument("places", nargs=-1)
@click.option("--all", "all_places", is_flag=True,
              help="Review every place, not only those without a position.")
@click.option("--category", default=None, help="Only places of this category.")
@click.option("--provider", "providers", multiple=True,
              type=click.Choice([*PROVIDER_NAMES, "nominatim"], case_sensitive=False),
              help="Online source to ask (repeatable). Default: every keyed provider "
                   "(WULING_GEO_<NAME>_KEY or [keys]); Nominatim only when named.")
@click.option("--offline", is_flag=True, help="Ask no online source.")
@click.option("--osm", "osm_file", type=click.Path(dir_okay=False), default=None,
              help="OSM file or cached features to match (default: the network in use).")
@network_option()
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Review folder: candidates.csv/.geojson, review.html, review.json.")
@click.option("--offline-page", is_flag=True,
              help="Make review.html self-contained (needs 'wuling-geo map-assets').")
@click.pass_context
def candidates_cmd(ctx: click.Context, places: tuple[str, ...], all_places: bool,
                   category: str | None, providers: tuple[str, ...], offline: bool,
                   osm_file: str | None, network_dir: str | None, out_dir: str,
                   offline_page: bool) -> None:
    """Collect candidate positions of PLACES (default: the unresolved ones) from every source."""
    from wuling_geo._util.files import check_cache
    from wuling_geo.present.exports.review import REVIEW_OWNER, write_review

    if offline and providers:
        raise InputError("--offline and --provider contradict each other: drop one")
    check_output(out_dir, folder=True, owner=REVIEW_OWNER)
    gaz = load_gazetteer(_gazetteer_path(ctx))
    chosen = curation.select_places(gaz, places, all_places=all_places, category=category)
    if not chosen:
        raise InputError("no place to review: name places, or give --all")
    features = load_features(osm_file, resolve_network_dir(network_dir))
    names = [p.lower() for p in providers]
    objs = []
    if not offline:
        for name in names or PROVIDER_NAMES:
            if name == "nominatim":
                continue
            try:
                objs.append(make_provider(name))
            except ProviderKeyError:
                if names:
                    raise
    if objs or "nominatim" in names:
        check_cache()
    review = curation.collect_candidates(gaz, chosen, features=features, providers=tuple(objs),
                                         nominatim="nominatim" in names)
    write_review(review, out_dir, offline=offline_page)
    counts: dict[str, int] = {}
    for pr in review.places:
        counts[pr.verdict] = counts.get(pr.verdict, 0) + 1
    click.echo(f"wrote {out_dir}: {len(review.places)} places, "
               f"{sum(len(pr.proposals) for pr in review.places)} candidates from "
               f"{', '.join(review.sources)}")
    click.echo("verdicts: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    for note in review.notes:
        click.echo(f"note: {note}", err=True)
    info(f"accept one with: wuling-geo gazetteer accept PLACE --candidate N --review {out_dir}")


@gazetteer_group.command("accept")
@click.argument("place", required=False)
@click.option("--candidate", "n", type=click.IntRange(min=1), default=None,
              help="Number of the candidate (column n of candidates.csv).")
@click.option("--review", "review_dir", type=click.Path(file_okay=False), default=None,
              help="Review folder written by 'gazetteer candidates'.")
@click.option("--from-csv", "csv_file", type=click.Path(dir_okay=False), default=None,
              help="candidates.csv with the chosen rows marked in 'accept' (review: its folder).")
@click.option("--confidence", type=click.Choice(CONFIDENCES), default=None,
              help="Confidence to record (default: the candidate's own).")
@click.option("--replace", is_flag=True, help="Replace an existing position or geometry.")
@click.option("--geometry-osm", "osm_ident", default=None, metavar="way/ID|relation/ID",
              help="Store the line or polygon of this OSM way or relation (with --osm FILE).")
@click.option("--osm", "osm_file", type=click.Path(dir_okay=False), default=None,
              help="OSM file holding the --geometry-osm way or relation.")
@click.option("--geometry-file", type=click.Path(dir_okay=False), default=None,
              help="GeoJSON/GPKG file with one line or polygon for PLACE.")
@click.option("--layer", default=None, help="Layer of a GPKG --geometry-file.")
@click.option("--datum", default="wgs84", show_default=True, metavar="wgs84|gcj02|bd09",
              help="Datum of a --geometry-file's coordinates.")
@click.option("--source", default=None, help="Where a --geometry-file comes from (required).")
@click.pass_context
def accept_cmd(ctx: click.Context, place: str | None, n: int | None, review_dir: str | None,
               csv_file: str | None, confidence: str | None, replace: bool,
               osm_ident: str | None, osm_file: str | None, geometry_file: str | None,
               layer: str | None, datum: str, source: str | None) -> None:
    """Write a reviewed position (or a line/polygon) of PLACE into the gazetteer file."""
    path = _gazetteer_path(ctx)
    if osm_ident or geometry_file:
        _accept_geometry(path, place, osm_ident, osm_file, geometry_file, layer, datum, source,
                         confidence, replace)
        return
    if csv_file:
        if place or n:
            raise InputError("--from-csv takes the places from the file: drop PLACE/--candidate")
        review_dir = review_dir or str(Path(csv_file).parent)
        choices = edit.choices_from_csv(csv_file)
    else:
        if not (place and n and review_dir):
            raise InputError("give PLACE --candidate N --review DIR, or --from-csv FILE")
        choices = [(load_gazetteer(path).find(place).id, n)]
    gaz = load_gazetteer(path)
    review = curation.load_review(review_dir, gaz)
    done = edit.accept(path, review, review_dir, choices, confidence=confidence, replace=replace)
    for a in done:
        v = a.values
        click.echo(f"accepted {a.place_id}: {v['lon']},{v['lat']} ({v['datum']}, "
                   f"{v['confidence']}) into {a.path}")


def _accept_geometry(path: Path, place: str | None, osm_ident: str | None,
                     osm_file: str | None, geometry_file: str | None, layer: str | None,
                     datum: str, source: str | None, confidence: str | None,
                     replace: bool) -> None:
    if not place:
        raise InputError("name the PLACE whose geometry to store")
    if bool(osm_ident) == bool(geometry_file):
        raise InputError("give either --geometry-osm way/ID (with --osm FILE) or "
                         "--geometry-file FILE")
    if confidence is None:
        raise InputError("give --confidence for a geometry (how sure you are it is the place)")
    pid = load_gazetteer(path).find(place).id
    if osm_ident:
        if not osm_file:
            raise InputError("--geometry-osm needs --osm FILE (the extract holding it)")
        geom = edit.geometry_from_osm(osm_file, osm_ident)
        src = f"OpenStreetMap {osm_ident.strip()} ({Path(osm_file).name}), © OpenStreetMap contributors, ODbL"
        gdatum = "wgs84"
    else:
        if not source:
            raise InputError("--geometry-file needs --source (where the geometry comes from)")
        geom, src, gdatum = edit.geometry_from_file(geometry_file, layer), source, datum
    shape = edit.accept_geometry(path, pid, geom, datum=gdatum, source=src,
                                 confidence=confidence, replace=replace)
    click.echo(f"accepted {pid}: {geom.geom_type} into {shape} (referenced from {path})")


@gazetteer_group.command("check")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.pass_context
def check_cmd(ctx: click.Context, file: str | None) -> None:
    """Validate a gazetteer FILE (default: the one in use)."""
    gaz = edit.check_file(Path(file) if file else _gazetteer_path(ctx))
    placed = sum(p.position is not None for p in gaz.places)
    shapes = sum(p.geometry is not None for p in gaz.places)
    click.echo(f"{gaz.path}: ok ({len(gaz.places)} places, {placed} with a position, "
               f"{shapes} with a geometry)")


COMMANDS = [gazetteer_group]
