"""``wuling-geo batch catchments|matrix|access``: many origins, chunked over a Dask cluster."""

from __future__ import annotations

from collections.abc import Callable

import click

from wuling_geo._util.errors import InputError
from wuling_geo.analysis.batch import DEFAULT_CHUNK, BatchJob, read_points
from wuling_geo.analysis.catchments.bands import check_minutes
from wuling_geo.cli._options import (
    Finite,
    info,
    network_option,
    resolve_network_dir,
    several_values,
    truck_options,
)
from wuling_geo.network.model import PROFILES
from wuling_geo.network.storage import is_network_folder
from wuling_geo.present.batch import run_batch, work_folder
from wuling_geo.present.exports.tables import check_table_path


def _common(kind: str, geo: bool) -> Callable:
    suffixes = " or ".join(f"FILE{s}" for s in (".parquet", ".gpkg" if geo else ".csv"))

    def decorate(fn: Callable) -> Callable:
        for option in reversed([
            network_option(),
            click.option("--origins", "origins_file", required=True, type=click.Path(dir_okay=False),
                         help="Origins: a CSV with lon,lat (WGS-84; id and name optional) or a "
                              "GeoPackage/GeoParquet/GeoJSON of points."),
            click.option("--out", required=True, type=click.Path(dir_okay=False),
                         help=f"Write {suffixes}; an interrupted batch resumes when rerun."),
            click.option("--profile", type=click.Choice(PROFILES), default="car", show_default=True),
            click.option("--chunk", "chunk_size", type=click.IntRange(1, 1_000_000), default=None,
                         help=f"Origins per task [default: {DEFAULT_CHUNK[kind]}]."),
            click.option("--processes", "n_workers", type=click.IntRange(1, 1024), default=None,
                         help="Worker processes of the local Dask cluster [default: one per core]."),
            click.option("--scheduler", default=None, metavar="ADDRESS",
                         help="A running Dask scheduler (tcp://host:8786) instead of a local cluster."),
        ]):
            fn = option(fn)
        return truck_options(fn)
    return decorate


def _run(kind: str, network_dir: str | None, origins_file: str, out: str, chunk_size: int | None,
         n_workers: int | None, scheduler: str | None, **params) -> None:
    check_table_path(out, geo=kind != "matrix")
    folder = resolve_network_dir(network_dir)
    if not is_network_folder(folder):
        raise InputError(f"no saved network in {folder}: build one with 'wuling-geo network "
                         "import FILE' or give --network DIR")
    job = BatchJob(kind, str(folder), tuple(read_points(origins_file)), chunk_size=chunk_size or 0,
                   **params)
    if work_folder(out).exists():
        info(f"note: resuming from {work_folder(out)} where finished chunks are kept")
    report = run_batch(job, out, n_workers=n_workers, scheduler=scheduler)
    resumed = f", {report.resumed} taken from an earlier run" if report.resumed else ""
    click.echo(f"wrote {report.path} ({report.rows} rows from {len(job.origins)} origins in "
               f"{report.n_chunks} chunks{resumed})")


@click.group("batch")
def batch_group() -> None:
    """Catchments, matrices or nearest-facility times for many origins, on a Dask cluster.

    Origins are cut into chunks run by worker processes (a local cluster, or --scheduler);
    each worker loads the network once. Finished chunks are kept beside the output, so a
    rerun of an interrupted batch resumes; the output appears whole or not at all.
    """


@batch_group.command("catchments", cls=several_values("--minutes"))
@_common("catchments", geo=True)
@click.option("--minutes", multiple=True, metavar="MIN",
              help="Bands in minutes [default: 15 30 45 60].")
@click.option("--direction", type=click.Choice(["from", "to"]), default="from", show_default=True)
@click.option("--access", "access_m", type=Finite(0, 2000, min_open=True), default=None, metavar="M",
              help="Access distance the reached road is buffered by [default: settings].")
@click.option("--simplify", "simplify_m", type=Finite(0, 500), default=None, metavar="M",
              help="Simplification tolerance of the polygons [default: settings].")
def batch_catchments(network_dir, origins_file, out, profile, chunk_size, n_workers, scheduler,
                     minutes, direction, access_m, simplify_m) -> None:
    """Travel-time bands of every origin (as 'wuling-geo catchments --mode each')."""
    _run("catchments", network_dir, origins_file, out, chunk_size, n_workers, scheduler,
         profile=profile, minutes=tuple(check_minutes(minutes or (15, 30, 45, 60))),
         direction=direction, access_m=access_m, simplify_m=simplify_m)


@batch_group.command("matrix")
@_common("matrix", geo=False)
@click.option("--to", "targets_file", required=True, type=click.Path(dir_okay=False),
              help="Destinations: a points file like --origins.")
def batch_matrix(network_dir, origins_file, out, profile, chunk_size, n_workers, scheduler,
                 targets_file) -> None:
    """Fastest time and its road km from every origin to every destination (as 'matrix')."""
    _run("matrix", network_dir, origins_file, out, chunk_size, n_workers, scheduler,
         profile=profile, targets=tuple(read_points(targets_file)))


@batch_group.command("access")
@_common("access", geo=True)
@click.option("--facilities", "targets_file", required=True, type=click.Path(dir_okay=False),
              help="Facilities: a points file like --origins.")
@click.option("--direction", type=click.Choice(["to", "from"]), default="to", show_default=True,
              help="Time to the nearest facility, or from it.")
@click.option("--access-speed", type=Finite(0, 50, min_open=True), default=None,
              help="Walking speed (km/h) from a point to its road [default: settings].")
def batch_access(network_dir, origins_file, out, profile, chunk_size, n_workers, scheduler,
                 targets_file, direction, access_speed) -> None:
    """Each origin's time to (or from) its nearest facility (as 'access', at given points)."""
    _run("access", network_dir, origins_file, out, chunk_size, n_workers, scheduler,
         profile=profile, targets=tuple(read_points(targets_file)), direction=direction,
         access_speed_kph=access_speed)


COMMANDS = [batch_group]
